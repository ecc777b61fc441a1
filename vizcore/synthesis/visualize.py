"""Images that excite a class or a unit most: class models, unit visualizations, a whole layer at once.

- :func:`class_visualization`: Simonyan, Vedaldi & Zisserman 2014 ("Deep
  Inside Convolutional Networks", §2): the image that maximises a class's
  unnormalized score minus ``l2 · ‖x‖²``, by gradient ascent from the mean
  image; with Yosinski et al. 2015's regularizers and presets
  (:data:`PRESETS`), or Olah et al. 2017's Fourier parametrization and
  transforms.
- :func:`unit_visualization`: the same for one unit of an inner layer (Erhan
  et al. 2009's activation maximisation; Yosinski et al. push one neuron, the
  centre of a feature map, or here its whole map's mean).
- :func:`layer_mosaic`: the first channels of a layer, one image each,
  optimised together as one batch.

Each is a generator of :class:`vizcore.Step` (see :func:`vizcore.optvis.render`),
``parts["score"]`` the logit or the unit. Keyword arguments shared by all
three: ``lr`` (pixels: the levels of 0–255 the average pixel moves per
step; ``param="fourier"``: Adam's rate), ``l2``, ``start`` (``"zeros"`` or
``"noise"``), ``param`` (``"pixels"`` or ``"fourier"``), ``transforms``
(True for Lucid's standard jitter, scale and rotation), ``seed``,
``every``, and Yosinski's ``decay``, ``blur_radius``, ``blur_every``,
``norm_percentile``, ``contribution_percentile``
(:class:`vizcore.optvis.Regularizers`).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

from vizcore.activations.grids import montage
from vizcore.core.model import Model
from vizcore.core.progress import Step
from vizcore.optvis import Fourier, Pixels, Regularizers, objectives, pixels, render
from vizcore.optvis.transforms import Transform, standard

STARTS = ("zeros", "noise")
"""Where pixel ascent starts: the mean colour, or Gaussian noise of 10 levels' standard deviation (the toolbox's
``mean_plus_rand``)."""
PARAMETRIZATIONS = ("pixels", "fourier")
LEARNING_RATES = {"pixels": 2.0, "fourier": 0.05}
"""Default rates: pixels, levels of 0–255 the average pixel moves per step; Fourier, Adam's rate (Lucid's)."""

PRESETS: dict[str, dict] = {
    "Yosinski 1: blur, norm clip": dict(decay=0.0, blur_radius=0.5, blur_every=4, norm_percentile=50,
                                        contribution_percentile=0, steps=500),
    "Yosinski 2: decay, norm clip": dict(decay=0.3, blur_radius=0.0, blur_every=0, norm_percentile=20,
                                         contribution_percentile=0, steps=750),
    "Yosinski 3: wide blur (most figures)": dict(decay=0.0001, blur_radius=1.0, blur_every=4, norm_percentile=0,
                                                  contribution_percentile=0, steps=1000),
    "Yosinski 4: blur, contribution clip": dict(decay=0.0, blur_radius=0.5, blur_every=4, norm_percentile=0,
                                                contribution_percentile=90, steps=1000),
}
"""Table 1 of Yosinski et al. 2015, as keyword arguments of :func:`class_visualization` and the others, with the
step counts of the toolbox's ``doc/running-optimize-image.md``. Their learning rates are not carried over (a
constant 100, or the toolbox's *progress* policy, in CaffeNet's gradient units): the step is normalized instead
(the average pixel moves ``lr`` levels per step, on any network), and a preset keeps the rate it is given."""


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

    Each image's score is its own channel's map mean; ``Step.images`` holds
    the images, ``Step.image`` their montage and ``parts["score"]`` the list of scores.
    """
    count = m.layer(layer).shape[0]
    picked = list(range(min(int(channels), count))) if isinstance(channels, int) else list(channels)
    picked = _channels(m, layer, picked)
    yield from _run(m, objectives.channel(_climbed(m, layer), picked), len(picked), steps, **settings)


def _run(m: Model, objective: objectives.Objective, batch: int, steps: int, lr: float | None = None,
         l2: float = 0.0, start: str = "zeros", param: str = "pixels",
         transforms: bool | Sequence[Transform] = False, seed: int = 0, every: int | None = None,
         **regularizers) -> Iterator[Step]:
    if steps < 1 or (lr is not None and lr <= 0):
        raise ValueError("Gradient ascent needs at least one step and a learning rate above 0.")
    regularize = Regularizers(**regularizers)
    generator = torch.Generator().manual_seed(int(seed))
    image = _parametrization(m, param, batch, start, generator)
    if regularize and not isinstance(image, Pixels):
        raise ValueError("Yosinski's regularizers act on pixels; choose the pixel parametrization to use them.")
    if l2:
        objective = objective - l2 * objectives.l2(pixels.stats(m)[0])
    chosen = standard(m.input_size) if transforms is True else tuple(transforms or ())
    yield from render(m, objective, image, int(steps), "normalized" if param == "pixels" else "adam",
                      LEARNING_RATES[param] if lr is None else lr, chosen, [regularize] if regularize else [],
                      generator, every, montage=montage)


def _parametrization(m: Model, kind: str, batch: int, start: str, generator: torch.Generator) -> Pixels | Fourier:
    """The image(s) to optimise: ``kind`` one of :data:`PARAMETRIZATIONS`, pixels from ``start`` (:data:`STARTS`)."""
    size = m.input_size
    if kind == "fourier":
        return Fourier(m, batch, size, generator)
    if kind != "pixels":
        raise ValueError(f"Unknown parametrization {kind!r}; choose one of {', '.join(PARAMETRIZATIONS)}.")
    if start not in STARTS:
        raise ValueError(f"Unknown start {start!r}; choose one of {', '.join(STARTS)}.")
    u = torch.zeros(batch, 3, size, size)
    if start == "noise":
        u = 10 * torch.randn(u.shape, generator=generator)
    return Pixels.caffe(m, u.to(m.device) / 255 + pixels.stats(m)[0])


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
