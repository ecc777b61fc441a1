"""What an image is optimised for: one score per image of a batch, from one forward pass (Lucid's objectives).

An :class:`Objective` names the layers it reads and turns their outputs into a
score per image [B], to be *maximised*. Objectives add and scale
(``logit(3) - 0.5 * dream("conv5")``), and read all their layers in one pass
through :meth:`vizcore.Model.activations_graph`, which stops after the
deepest layer and leaves the shared model untouched.

- :func:`logit`: a class's unnormalised score (Simonyan et al. 2014's class model).
- :func:`log_probability`: a class's log-softmax (fooling and adversarial images).
- :func:`channel`: a unit of an inner layer, its map's mean or one position
  (Erhan et al. 2009; Yosinski et al. 2015); one channel per image for a layer mosaic.
- :func:`dream`: half the layer's squared norm, whose gradient with respect to the
  layer is the layer itself (Mordvintsev et al. 2015's DeepDream).
- :func:`feature_match`: minus the relative squared distance to target features
  (Mahendran & Vedaldi 2015's inversion).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from vizcore.core.capture import OUTPUT
from vizcore.core.model import Model

Captured = dict[str, torch.Tensor]


@dataclass(frozen=True)
class Objective:
    """A score per image [B] computed from the outputs of ``layers`` (names, labels or ``"output"``)."""

    layers: tuple[str, ...]
    score: Callable[[Captured], torch.Tensor]

    def __call__(self, m: Model, x: torch.Tensor) -> torch.Tensor:
        """The scores [B] of a normalised batch ``x``, in the autograd graph."""
        names = [OUTPUT if layer == OUTPUT else m.layer(layer).name for layer in self.layers]
        captured = m.activations_graph(x, names)
        return self.score({layer: captured[name] for layer, name in zip(self.layers, names)})

    def __add__(self, other: Objective) -> Objective:
        layers = tuple(dict.fromkeys(self.layers + other.layers))
        return Objective(layers, lambda c: self.score(c) + other.score(c))

    def __mul__(self, weight: float) -> Objective:
        return Objective(self.layers, lambda c: weight * self.score(c))

    __rmul__ = __mul__

    def __neg__(self) -> Objective:
        return -1.0 * self

    def __sub__(self, other: Objective) -> Objective:
        return self + (-other)


def checked_class(m: Model, index: int) -> int:
    """``index`` as an int, after checking that ``m`` has such a class."""
    if not 0 <= int(index) < len(m.categories):
        raise ValueError(f"Class {index} does not exist: {m.name} has {len(m.categories)} classes, "
                         f"0 to {len(m.categories) - 1}.")
    return int(index)


def logit(index: int) -> Objective:
    """The unnormalised score of class ``index``."""
    return Objective((OUTPUT,), lambda c: c[OUTPUT][:, index])


def log_probability(index: int) -> Objective:
    """The log-probability of class ``index`` (softmax over the classes)."""
    return Objective((OUTPUT,), lambda c: torch.log_softmax(c[OUTPUT].float(), dim=1)[:, index])


def channel(layer: str, channels: int | Sequence[int], position: tuple[int, int] | None = None) -> Objective:
    """Unit ``channels`` of ``layer``: the mean of its map, or its value at ``position`` (y, x).

    ``channels``: one channel for every image, or one per image of the batch
    (a layer mosaic optimises each image for its own channel). A vector layer
    has no map: its element is the score.
    """
    def score(c: Captured) -> torch.Tensor:
        a = c[layer]
        picked = torch.as_tensor(channels, device=a.device).expand(a.shape[0])
        values = a[torch.arange(a.shape[0], device=a.device), picked]
        if values.dim() == 1:
            return values
        return values[:, position[0], position[1]] if position is not None else values.mean(dim=(1, 2))

    return Objective((layer,), score)


def dream(layer: str) -> Objective:
    """Half the squared norm of ``layer``'s output per image: its gradient there is the activation itself."""
    return Objective((layer,), lambda c: 0.5 * c[layer].pow(2).flatten(1).sum(dim=1))


def feature_match(layers: Sequence[str], targets: Sequence[torch.Tensor]) -> Objective:
    """Image b matches ``targets[b]`` at ``layers[b]``: ``−‖Φ(x_b) − Φ₀‖² / ‖Φ₀‖²``.

    One image per layer, so several layers are inverted in one batch (each
    image's score depends on its own layer only).
    """
    layers, targets = tuple(layers), [t.detach() for t in targets]
    norms = [t.pow(2).sum().clamp_min(1e-12) for t in targets]

    def score(c: Captured) -> torch.Tensor:
        return -torch.stack([(c[layer][b] - target).pow(2).sum() / norm
                             for b, (layer, target, norm) in enumerate(zip(layers, targets, norms))])

    return Objective(tuple(dict.fromkeys(layers)), score)
