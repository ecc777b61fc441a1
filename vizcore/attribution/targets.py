"""What an attribution explains (a class score or one unit of an inner layer), and on what input.

A class target is the *unnormalised* class score (the logit), as in Simonyan
et al. 2014: the softmax would mix in every other class. A :class:`Unit`
target is one activation of an inner layer, the "neuron" that Zeiler & Fergus
2014 and Springenberg et al. 2015 project back to the pixels: a channel at a
position of a feature map (by default where the channel peaks on the image),
or an element of a vector layer.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from PIL import Image

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

Scorer = Callable[[torch.Tensor], torch.Tensor]
"""Batch [B, 3, H, W] -> the target's score for each image [B], differentiable."""



def as_input(m: Model, img: Image.Image | torch.Tensor) -> torch.Tensor:
    """The network's input [1, 3, H, W] on the model's device: a PIL image preprocessed, or a tensor copied."""
    if isinstance(img, torch.Tensor):
        x = img.detach().to(m.device, torch.float32).clone()
        return x if x.dim() == 4 else x.unsqueeze(0)
    return m.preprocess(img)


def grey(m: Model, level: float) -> torch.Tensor:
    """The grey ``level`` (0 black … 255 white, in pixel units) as the network sees it: [1, 3, 1, 1], normalised."""
    mean = torch.tensor(m.preprocessing.mean, dtype=torch.float32)
    std = torch.tensor(m.preprocessing.std, dtype=torch.float32)
    return ((level / 255.0 - mean) / std).view(1, 3, 1, 1).to(m.device)


def class_index(m: Model, x: torch.Tensor, target: int | None) -> int:
    """``target`` checked against the model's classes, or the predicted class when None."""
    if target is None:
        with torch.inference_mode():
            return int(m.module(x)[0].argmax())
    if not 0 <= int(target) < len(m.categories):
        raise ValueError(f"Class {target} does not exist: {m.name} has {len(m.categories)} classes, "
                         f"0 to {len(m.categories) - 1}.")
    return int(target)


def resolve(m: Model, x: torch.Tensor, target: Target) -> int | Unit:
    """A class index, or the unit with its position filled in (its peak on ``x``) and checked."""
    if not isinstance(target, Unit):
        return class_index(m, x, target)
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


def scorer(m: Model, target: int | Unit) -> Scorer:
    """The score a resolved target (see :func:`resolve`) gives each image of a batch: a logit or one activation."""
    if isinstance(target, Unit):
        index = (target.channel, *target.position) if target.position is not None else (target.channel,)

        def unit_score(batch: torch.Tensor) -> torch.Tensor:
            return m.activations_graph(batch, [target.layer])[target.layer][(slice(None), *index)]

        return unit_score

    def class_score(batch: torch.Tensor) -> torch.Tensor:
        return m.module(batch)[:, target]

    return class_score
