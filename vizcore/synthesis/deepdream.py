"""DeepDream: amplify whatever a layer already sees in the image.

Mordvintsev, Olah & Tyka 2015 ("Inceptionism: Going Deeper into Neural
Networks", Google Research blog, and their ``deepdream.ipynb``): set the
layer's gradient equal to its activation (the gradient of ``½‖a‖²``,
:func:`vizcore.optvis.objectives.dream`) and step the image by
``step_size / mean|g| · g`` (the ``"normalized"`` optimizer), with the image
rolled by a random jitter before each step (:class:`vizcore.optvis.transforms.Roll`);
work from the smallest *octave* (the image shrunk ``octave_scale`` times per
octave) up, carrying the detail dreamt so far to each larger one. Their
settings: 4 octaves, scale 1.4, 10 steps each, step 1.5, jitter 32 pixels
(here scaled to the input size: 32 at 224).
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator

import torch
from PIL import Image
from torch.nn import functional as F

from vizcore.core.model import Model
from vizcore.core.progress import Step
from vizcore.optvis import Pixels, objectives, pixels, render
from vizcore.optvis.transforms import Roll


def octave_sizes(m: Model, layer: str, octaves: int, octave_scale: float) -> list[int]:
    """Side lengths of the octaves, smallest first, leaving out any too small for the network to reach ``layer``."""
    if octaves < 1 or octave_scale <= 1:
        raise ValueError("DeepDream needs at least one octave and an octave scale above 1.")
    sizes = sorted({round(m.input_size / octave_scale ** k) for k in range(octaves)})
    return [size for size in sizes if size == m.input_size or _reaches(m, layer, size)]


def _reaches(m: Model, layer: str, size: int) -> bool:
    try:
        m.activations_batch(torch.zeros(1, 3, size, size, device=m.device), [layer])
    except RuntimeError:  # a map shrank to nothing on the way
        return False
    return True


def deep_dream(m: Model, img: Image.Image, layer: str, octaves: int = 4, steps: int = 10, octave_scale: float = 1.4,
               step_size: float = 1.5, jitter: int | None = None, seed: int = 0,
               every: int | None = None) -> Iterator[Step]:
    """Dream ``layer`` into ``img`` (as the network sees it): ``steps`` steps per octave.

    Yields a :class:`Step` every ``every`` steps (default: 5 per octave)
    and after the last step of each octave, which has
    ``parts["octave_done"]`` True; ``image`` is the current octave's
    picture (smaller than the input until the last octave), ``parts["norm"]``
    the layer's norm ‖a‖ and ``parts["octave"]`` its number (1 = smallest).
    ``step_size`` is in levels of 0–255; ``jitter`` in pixels (None: 32 at 224).
    """
    if steps < 1 or step_size <= 0:
        raise ValueError("DeepDream needs at least one step per octave and a step size above 0.")
    objective = objectives.dream(layer)
    jitter = max(1, round(32 * m.input_size / 224)) if jitter is None else int(jitter)
    generator = torch.Generator().manual_seed(int(seed))
    base = pixels.of_image(m, img)
    sizes = octave_sizes(m, layer, octaves, octave_scale)
    detail = torch.zeros(1, 3, sizes[0], sizes[0], device=m.device)
    every = every or max(1, steps // 5)
    for k, size in enumerate(sizes):
        scaled = F.interpolate(base, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        detail = F.interpolate(detail, size=(size, size), mode="bilinear", align_corners=False)
        image = Pixels.caffe(m, scaled + detail)
        for step in render(m, objective, image, steps, "normalized", step_size, [Roll(jitter)],
                           generator=generator, every=every, start=False):
            yield dataclasses.replace(step, i=k * steps + step.i, total=steps * len(sizes), parts={
                "norm": math.sqrt(2 * step.parts["dream"]), "octave": k + 1, "octave_done": step.i == steps})
        detail = image.image().detach() - scaled
