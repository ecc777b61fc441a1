"""What an attribution explains (a class score or one unit of an inner layer), and on what input.

A class target is the *unnormalized* class score (the logit), as in Simonyan
et al. 2014: the softmax would mix in every other class. A :class:`Unit`
target is one activation of an inner layer, the "neuron" that Zeiler & Fergus
2014 and Springenberg et al. 2015 project back to the pixels: a channel at a
position of a feature map (by default where the channel peaks on the image),
or an element of a vector layer.

Every method takes one image or a batch (:data:`Images`) and one target or a
target per image; it returns one map, or a batch of maps with a leading ``B``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from vizcore.core.capture import OUTPUT
from vizcore.core.model import Model
from vizcore.core.progress import Progress


@dataclass(frozen=True)
class Unit:
    """One unit of ``layer`` (name or label): ``channel``, at ``position`` (y, x) of a feature map.

    ``position`` None means the channel's strongest activation on the image.
    """

    layer: str
    channel: int
    position: tuple[int, int] | None = None


Target = int | Unit | None
"""A class index, a :class:`Unit`, or None for the class the model predicts."""

Targets = Target | Sequence[Target]
"""One target for every image, or a sequence (list, array, tensor) of one per image of a batch."""

Images = Image.Image | Sequence[Image.Image] | torch.Tensor
"""One image (a PIL picture, or a preprocessed tensor [3, H, W]) or a batch (a list of PIL pictures, or a
preprocessed tensor [B, 3, H, W]; a 4-dimensional tensor is always a batch, even of one)."""

Scorer = Callable[[torch.Tensor], torch.Tensor]
"""Batch [B, 3, H, W] -> the target's score for each image [B], differentiable."""


def as_batch(m: Model, img: Images) -> tuple[torch.Tensor, bool]:
    """The network's input [B, 3, H, W] on the model's device (a copy), and whether ``img`` was a batch."""
    if isinstance(img, torch.Tensor):
        if img.dim() not in (3, 4) or img.shape[-3] != 3:
            raise ValueError(f"An image tensor is [3, H, W], a batch [B, 3, H, W]; this one is {list(img.shape)}.")
        x = img.detach().to(m.device, torch.float32).clone()
        return (x, True) if x.dim() == 4 else (x.unsqueeze(0), False)
    if isinstance(img, Image.Image):
        return m.preprocess(img), False
    return m.preprocess(img), True


def one_or_batch(maps: np.ndarray, batched: bool) -> np.ndarray:
    """Maps [B, ...] as the caller gave the images: the batch, or the one map."""
    return maps if batched else maps[0]


def image_by_image(x: torch.Tensor, batched: bool, targets: list, progress: Progress | None,
                   one: Callable[[torch.Tensor, Target, Progress | None], np.ndarray]) -> np.ndarray:
    """``one(image [1, 3, H, W], target, progress)`` for each image of the batch ``x`` with its own target and its
    share of ``progress``: the one map, or a batch of maps when ``batched`` (each map as the image gets alone)."""
    maps = [one(x[b:b + 1], t, share(progress, b, len(x))) for b, t in enumerate(targets)]
    return one_or_batch(np.stack(maps), batched)


def share(progress: Progress | None, index: int, count: int) -> Progress | None:
    """``progress`` for the ``index``-th of ``count`` equal parts of a job (one image of a batch)."""
    if progress is None:
        return None
    return lambda done, total: progress(index * total + done, count * total)


def grey(m: Model, level: float) -> torch.Tensor:
    """The grey ``level`` (0 black … 255 white, in pixel units) as the network sees it: [1, 3, 1, 1], normalized."""
    return m.preprocessing.normalize(torch.full((1, 3, 1, 1), float(level), device=m.device))


def per_image(target: Targets, n: int, batched: bool) -> list[Target]:
    """One target per image: ``target`` repeated, or the sequence given, checked against the ``n`` images."""
    many = isinstance(target, (list, tuple)) or (isinstance(target, (np.ndarray, torch.Tensor)) and target.ndim > 0)
    if not many:
        return [target] * n
    if not batched:
        raise ValueError("One image takes one target; give a batch (a list of images or a [B, 3, H, W] tensor) "
                         "for a target per image.")
    targets = [t.item() if isinstance(t, (np.ndarray, torch.Tensor)) else t for t in target]
    if len(targets) != n:
        raise ValueError(f"{len(targets)} targets for {n} images: give one target, or one per image.")
    return targets


def resolve(m: Model, x: torch.Tensor, target: Targets, batched: bool) -> list[int | Unit]:
    """For each image of ``x`` [B, 3, H, W]: its class index (the predicted one for None), or its unit with the
    position filled in (the unit's peak on that image), checked against the model."""
    targets = per_image(target, len(x), batched)
    predicted = None
    if any(t is None for t in targets):
        with torch.inference_mode():
            predicted = m.module(x).argmax(dim=1).tolist()
    return [predicted[b] if t is None else _resolve_unit(m, x[b:b + 1], t) if isinstance(t, Unit)
            else _checked_class(m, t) for b, t in enumerate(targets)]


def class_indices(m: Model, x: torch.Tensor, target: Targets, batched: bool, method: str) -> list[int]:
    """Like :func:`resolve` for methods that explain classes only."""
    targets = resolve(m, x, target, batched)
    if any(isinstance(t, Unit) for t in targets):
        raise ValueError(f"{method} explains a class score; a unit is explained by saliency, SmoothGrad, guided "
                         "backprop, the deconvnet or integrated gradients.")
    return targets


def _checked_class(m: Model, target: int) -> int:
    if not 0 <= int(target) < len(m.categories):
        raise ValueError(f"Class {target} does not exist: {m.name} has {len(m.categories)} classes, "
                         f"0 to {len(m.categories) - 1}.")
    return int(target)


def _resolve_unit(m: Model, x: torch.Tensor, target: Unit) -> Unit:
    """The unit with its layer by name and its position on ``x`` [1, 3, H, W] filled in and checked."""
    layer = m.layer(target.layer)
    if not 0 <= target.channel < layer.shape[0]:
        raise ValueError(f"{layer.title} has {layer.shape[0]} units, 0 to {layer.shape[0] - 1}; "
                         f"there is no unit {target.channel}.")
    if not layer.is_map:
        return Unit(layer.name, target.channel)
    if target.position is None:
        channel_map = m.activations_batch(x, [layer.name])[layer.name][0, target.channel]
        y, x_ = divmod(int(torch.argmax(channel_map)), channel_map.shape[-1])
        return Unit(layer.name, target.channel, (y, x_))
    y, x_ = target.position
    if not (0 <= y < layer.shape[1] and 0 <= x_ < layer.shape[2]):
        raise ValueError(f"{layer.title}'s maps are {layer.shape[1]}×{layer.shape[2]}; "
                         f"there is no position ({y}, {x_}).")
    return Unit(layer.name, target.channel, (int(y), int(x_)))


def scorer(m: Model, targets: int | Unit | list[int | Unit]) -> Scorer:
    """The score of resolved targets (see :func:`resolve`) for each image of a batch: a logit or one activation.

    ``targets``: one for every row of the batch, or a list of one per row.
    Only the layers the targets need are computed (a unit's pass stops there).
    """

    def score(batch: torch.Tensor) -> torch.Tensor:
        rows = targets if isinstance(targets, list) else [targets] * len(batch)
        captured = m.activations_graph(batch, list(dict.fromkeys(_layer(t) for t in rows)))
        return torch.stack([captured[_layer(t)][(b, *_index(t))] for b, t in enumerate(rows)])

    return score


def _layer(target: int | Unit) -> str:
    return target.layer if isinstance(target, Unit) else OUTPUT


def _index(target: int | Unit) -> tuple[int, ...]:
    if not isinstance(target, Unit):
        return (target,)
    return (target.channel, *target.position) if target.position is not None else (target.channel,)
