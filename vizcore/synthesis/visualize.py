"""Images that excite a class or a unit most: class models, unit visualisations, a whole layer at once.

- :func:`class_visualization`: Simonyan, Vedaldi & Zisserman 2014 ("Deep
  Inside Convolutional Networks", §2): the image that maximises a class's
  unnormalised score minus ``l2 · ‖x‖²``, by gradient ascent from the mean
  image; with Yosinski et al. 2015's regularisers and presets
  (:mod:`.regularisers`), or Olah et al. 2017's Fourier parameterisation
  and transforms.
- :func:`unit_visualization`: the same for one unit of an inner layer (Erhan
  et al. 2009's activation maximisation; Yosinski et al. push one neuron, the
  centre of a feature map, or here its whole map's mean).
- :func:`layer_mosaic`: the first channels of a layer, one image each,
  optimised together as one batch.

Each is a generator of :class:`~vizcore.optvis.regularizers.Step` (see :func:`.render.ascend`).
Keyword arguments shared by all three: ``lr`` (pixels: the levels of 0–255
the average pixel moves per step; ``param="fourier"``: Adam's rate), ``l2``, ``start``
(``"zeros"`` or ``"noise"``), ``param`` (``"pixels"`` or ``"fourier"``),
``transforms`` (True for Lucid's standard jitter, scale and rotation),
``seed``, ``every``, and Yosinski's ``decay``, ``blur_radius``,
``blur_every``, ``norm_percentile``, ``contribution_percentile``.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

from vizcore.core.model import Model
from vizcore.core.progress import Step
from vizcore.synthesis import objectives
from vizcore.synthesis.regularisers import Regularisers
from vizcore.synthesis.render import ascend, parameterisation, transforms_for
from vizcore.synthesis.transforms import Transform

LEARNING_RATES = {"pixels": 2.0, "fourier": 0.05}
"""Default rates: pixels, levels of 0–255 the average pixel moves per step; Fourier, Adam's rate (Lucid's)."""


def class_visualization(m: Model, target: int, steps: int = 200, **settings) -> Iterator[Step]:
    """Maximise class ``target``'s logit. Step parts: ``score`` (the logit)."""
    yield from _run(m, objectives.logit(objectives.checked_class(m, target)), 1, steps, **settings)


def unit_visualization(m: Model, layer: str, channel: int, steps: int = 200,
                       position: tuple[int, int] | None = None, **settings) -> Iterator[Step]:
    """Maximise ``channel`` of ``layer``: its map's mean, or its value at ``position`` (y, x). Parts: ``score``."""
    checked = _channels(m, layer, [channel])
    if position is not None and not _inside(m, layer, position):
        shape = m.layer(layer).shape
        raise ValueError(f"{m.layer(layer).title}'s maps are {shape[1]}×{shape[2]}; there is no position {position}.")
    yield from _run(m, objectives.channel(_climbed(m, layer), checked[0], position), 1, steps, **settings)


def layer_mosaic(m: Model, layer: str, channels: int | Sequence[int] = 16, steps: int = 200,
                 **settings) -> Iterator[Step]:
    """One image per channel (the first ``channels``, or those listed), optimised as one batch.

    Each image's score is its own channel's map mean; ``Step.image`` is the
    list of images and ``parts["score"]`` the list of scores.
    """
    count = m.layer(layer).shape[0]
    picked = list(range(min(int(channels), count))) if isinstance(channels, int) else list(channels)
    picked = _channels(m, layer, picked)
    yield from _run(m, objectives.channel(_climbed(m, layer), picked), len(picked), steps, **settings)


def _run(m: Model, objective: objectives.Objective, batch: int, steps: int, lr: float | None = None,
         l2: float = 0.0, start: str = "zeros", param: str = "pixels",
         transforms: bool | Sequence[Transform] = False, seed: int = 0, every: int | None = None,
         **regularisers) -> Iterator[Step]:
    generator = torch.Generator().manual_seed(int(seed))
    lr = LEARNING_RATES.get(param, 1.0) if lr is None else lr
    image = parameterisation(m, param, batch, start, generator, lr)
    yield from ascend(m, objective, image, int(steps), lr, Regularisers(**regularisers), l2,
                      transforms_for(m, transforms), generator, every)


def _channels(m: Model, layer: str, channels: list[int]) -> list[int]:
    count = m.layer(layer).shape[0]
    if not channels or not all(0 <= int(c) < count for c in channels):
        raise ValueError(f"{m.layer(layer).title} has {count} units, 0 to {count - 1}.")
    return [int(c) for c in channels]


def _climbed(m: Model, layer: str) -> str:
    """The layer whose units are climbed: a ReLU's input (the layer before it, of its shape) for a ReLU.

    Where a ReLU is off its gradient is 0 and ascent from a blank image never
    starts; its input has the same maximiser wherever the unit is on.
    """
    found = m.layer(layer)
    at = m.layers.index(found)
    if found.kind == "ReLU" and at > 0 and m.layers[at - 1].shape == found.shape:
        return m.layers[at - 1].name
    return found.name


def _inside(m: Model, layer: str, position: tuple[int, int]) -> bool:
    shape = m.layer(layer).shape
    return len(shape) == 3 and 0 <= position[0] < shape[1] and 0 <= position[1] < shape[2]
