"""The live trade-off slider: style transfer at several style/content ratios, optimised together as one batch.

Each picture of the batch has its own ratio β/α (:mod:`.losses` keeps the
pictures' losses apart) and starts from the content image (warm-started:
no ratio starts from scratch). The optimizer is Adam, which updates every
pixel on its own, so the batch gives exactly what separate runs would, only
faster (one pass of the network for all of them); L-BFGS would couple the
pictures through its shared line search (see :mod:`vizcore.optvis.optimizers`). Afterwards a
slider moves between the computed results (:func:`pick`) without optimising
anything again.
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
from PIL import Image

from vizcore.activations.grids import montage
from vizcore.core.progress import Step
from vizcore.style import losses
from vizcore.style.transfers import optimize, problem

RATIOS = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
"""Default style/content ratios, about evenly spaced on a log scale: from mostly content to mostly style."""


def sweep(content: Image.Image, styles, ratios: Sequence[float] = RATIOS, style_weights=None,
          tv_weight: float = 0.0, style_scale: float = 1.0, preserve_colors: bool = False, size: int = 256,
          steps: int = 200, init="content", model=None, lr: float | None = None, every: int = 10,
          seed: int = 0) -> Iterator[Step]:
    """Style transfer at every ratio β/α of ``ratios`` at once; a generator of :class:`Step` whose ``images`` are
    the pictures (in the order of ``ratios``), ``image`` them side by side, and whose ``parts`` hold lists, one
    value per ratio.

    init: "content", "noise", or one picture per ratio (to go on from an
    earlier sweep). The other arguments are :func:`vizcore.style.transfer`'s.
    """
    if not ratios or min(ratios) <= 0:
        raise ValueError("Give at least one style/content ratio, every one above 0.")
    p = problem(content, styles, style_weights, style_scale, preserve_colors, size, init, len(ratios), model, seed)
    objective = losses.objective(p.net, p.grams, p.content_features, 1.0, list(ratios), tv_weight)
    yield from optimize(p, objective, steps, "adam", lr, every, {"network": p.net.description, "ratios": list(ratios)},
                        lambda images: montage(images, cols=len(images)))


def between(ratios: Sequence[float], per_gap: int = 4) -> list[float]:
    """Ratios for a slider: the computed ones and ``per_gap`` - 1 more between each two (evenly on a log scale)."""
    logs = np.log(np.asarray(ratios, dtype=float))
    fine = [np.linspace(a, b, per_gap, endpoint=False) for a, b in zip(logs[:-1], logs[1:], strict=False)]
    return [float(r) for r in np.exp(np.concatenate([*fine, logs[-1:]]))]


def nearest(ratios: Sequence[float], ratio: float) -> int:
    """The index of the computed ratio nearest ``ratio`` on a log scale."""
    return int(np.argmin(np.abs(np.log(np.asarray(ratios, dtype=float)) - math.log(ratio))))


def pick(images: Sequence[Image.Image], ratios: Sequence[float], ratio: float, blend: bool = False) -> Image.Image:
    """The computed picture whose ratio is :func:`nearest` ``ratio``, or with ``blend`` the two around it mixed in
    proportion to how near each is (on a log scale)."""
    if not blend or len(images) == 1:
        return images[nearest(ratios, ratio)]
    logs = np.log(np.asarray(ratios, dtype=float))
    at = float(np.clip(math.log(ratio), logs.min(), logs.max()))
    upper = int(np.clip(np.searchsorted(logs, at), 1, len(logs) - 1))
    share = (at - logs[upper - 1]) / (logs[upper] - logs[upper - 1])
    return Image.blend(images[upper - 1], images[upper], float(share))
