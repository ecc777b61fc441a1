"""What a picture is optimised for: named terms, one value per picture of a batch, weighted and summed (Lucid's
objectives).

An :class:`Objective` is a weighted sum ``Σ w_k · term_k`` of :class:`Term` s,
to be *maximised*; each term reads some layers (module paths, labels,
``"output"`` for the logits, ``"input"`` for the picture itself in [0, 1])
and gives a value per picture [B]. Objectives add, subtract and scale by
numbers or by one weight per picture (``logit(3) - 0.5 * dream("conv5")``,
``-(ratios * style) - content``); all their layers are read in one forward
pass that stops after the deepest one (:meth:`vizcore.Model.activations_graph`,
which leaves the shared model untouched). The loop reports every term by name.

- :func:`logit`: a class's unnormalized score (Simonyan et al. 2014's class model).
- :func:`log_probability`: a class's log-softmax (fooling and adversarial images).
- :func:`channel`: a unit of an inner layer, its map's mean or one position
  (Erhan et al. 2009; Yosinski et al. 2015); one channel per picture for a layer mosaic.
- :func:`dream`: half the layer's squared norm, whose gradient with respect to the
  layer is the layer itself (Mordvintsev et al. 2015's DeepDream).
- :func:`feature_distance`: the relative squared distance to target features
  (Mahendran & Vedaldi 2015's inversion; Gatys et al. 2016's content loss).
- :func:`total_variation` and :func:`l2`: priors on the picture itself
  (Mahendran & Vedaldi 2015; Simonyan et al. 2014).
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from vizcore.core.capture import OUTPUT
from vizcore.core.model import Model
from vizcore.optvis import pixels, regularizers

INPUT = "input"
"""The name under which a term reads the picture itself [B, 3, H, W] in [0, 1] (untransformed)."""
Captured = dict[str, torch.Tensor]


@dataclass(frozen=True, eq=False)
class Term:
    """A value per picture [B], named, from the outputs of ``layers``."""

    name: str
    layers: tuple[str, ...]
    value: Callable[[Captured], torch.Tensor]


class Objective:
    """``Σ weight · term`` per picture [B], to be maximised; ``weight`` a number or one per picture [B]."""

    def __init__(self, terms: Sequence[tuple[float | torch.Tensor, Term]]):
        self.terms = tuple(terms)

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(layer for _, term in self.terms for layer in term.layers))

    def __add__(self, other: Objective) -> Objective:
        return Objective(self.terms + other.terms)

    def __mul__(self, weight) -> Objective:
        if not isinstance(weight, torch.Tensor):
            weight = torch.as_tensor(weight, dtype=torch.float32) if isinstance(weight, Sequence) else float(weight)
        return Objective([(weight * w, term) for w, term in self.terms])

    __rmul__ = __mul__

    def __neg__(self) -> Objective:
        return -1.0 * self

    def __sub__(self, other: Objective) -> Objective:
        return self + (-other)

    def on(self, m: Model) -> Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, dict[str, torch.Tensor]]]:
        """The objective bound to ``m``: ``(picture, seen) -> (total [B], {term name: value [B]})``.

        ``picture``: the pictures [B, 3, H, W] in [0, 1]; ``seen``: what the
        network is shown (the picture, transformed). Layer names are looked
        up once, here, and weights moved to the model's device once.
        """
        asked = [layer for layer in self.layers if layer != INPUT]
        names = [OUTPUT if layer == OUTPUT else m.layer(layer).name for layer in asked]
        weights = [w.to(m.device) if isinstance(w, torch.Tensor) else None if w == 1.0 else w for w, _ in self.terms]
        named = _names([term for _, term in self.terms])

        def evaluate(picture: torch.Tensor, seen: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
            captured = m.activations_graph(pixels.to_input(m, seen), names) if names else {}
            c = {layer: captured[name] for layer, name in zip(asked, names, strict=True)}
            c[INPUT] = picture
            parts = {name: term.value(c) for name, (_, term) in zip(named, self.terms, strict=True)}
            weighted = [value if w is None else w * value for w, value in zip(weights, parts.values(), strict=True)]
            return functools.reduce(torch.add, weighted), parts

        return evaluate


def _names(terms: list[Term]) -> list[str]:
    """The terms' names, made unique by a number where two share one ("score", "score 2")."""
    seen: dict[str, int] = {}
    names = []
    for term in terms:
        seen[term.name] = seen.get(term.name, 0) + 1
        names.append(term.name if seen[term.name] == 1 else f"{term.name} {seen[term.name]}")
    return names


def term(name: str, layers: Sequence[str], value: Callable[[Captured], torch.Tensor]) -> Objective:
    """An objective of one term of weight 1."""
    return Objective([(1.0, Term(name, tuple(layers), value))])


def checked_class(m: Model, index: int) -> int:
    """``index`` as an int, after checking that ``m`` has such a class."""
    if not 0 <= int(index) < len(m.categories):
        raise ValueError(f"Class {index} does not exist: {m.name} has {len(m.categories)} classes, "
                         f"0 to {len(m.categories) - 1}.")
    return int(index)


def logit(index: int) -> Objective:
    """The unnormalized score of class ``index`` (term ``"score"``)."""
    return term("score", (OUTPUT,), lambda c: c[OUTPUT][:, index])


def log_probability(index: int) -> Objective:
    """The log-probability of class ``index``, softmax over the classes (term ``"log_probability"``)."""
    return term("log_probability", (OUTPUT,), lambda c: torch.log_softmax(c[OUTPUT].float(), dim=1)[:, index])


def channel(layer: str, channels: int | Sequence[int], position: tuple[int, int] | None = None) -> Objective:
    """Unit ``channels`` of ``layer``: the mean of its map, or its value at ``position`` (y, x) (term ``"score"``).

    ``channels``: one channel for every picture, or one per picture of the
    batch (a layer mosaic optimises each picture for its own channel). A
    vector layer has no map: its element is the score.
    """
    picked = [int(channels)] if isinstance(channels, int) else [int(c) for c in channels]
    index: dict[torch.device, tuple[torch.Tensor, torch.Tensor]] = {}  # made once per device, not every step

    def score(c: Captured) -> torch.Tensor:
        a = c[layer]
        if len(picked) == 1:
            values = a[:, picked[0]]
        else:
            if a.device not in index:
                index[a.device] = (torch.arange(len(picked), device=a.device), torch.tensor(picked, device=a.device))
            values = a[index[a.device]]
        if values.dim() == 1:
            return values
        return values[:, position[0], position[1]] if position is not None else values.mean(dim=(1, 2))

    return term("score", (layer,), score)


def dream(layer: str) -> Objective:
    """Half the squared norm of ``layer``'s output per picture: its gradient there is the activation itself."""
    return term("dream", (layer,), lambda c: 0.5 * c[layer].pow(2).flatten(1).sum(dim=1))


def feature_distance(layers: str | Sequence[str], targets: torch.Tensor | Sequence[torch.Tensor],
                     name: str = "distance") -> Objective:
    """``‖Φ(x) − Φ₀‖² / ‖Φ₀‖²``: how far a layer's features are from the target's, relative to the target's size.

    One layer and target [C, H, W] (or [1, C, H, W]) for every picture, or a
    layer and target per picture (several layers inverted in one batch, each
    picture's value depending on its own layer only). Minimise it: weight it
    negatively.
    """
    if isinstance(layers, str):
        target = torch.as_tensor(targets).detach()
        norm = target.pow(2).sum().clamp_min(1e-12)
        return term(name, (layers,), lambda c: (c[layers] - target).pow(2).flatten(1).sum(dim=1) / norm)
    if len(set(layers)) == 1:  # one layer with a target per picture: as one batch
        layer, stacked = layers[0], torch.stack([t.detach() for t in targets])
        norms = stacked.pow(2).flatten(1).sum(dim=1).clamp_min(1e-12)
        return term(name, (layer,), lambda c: (c[layer] - stacked).pow(2).flatten(1).sum(dim=1) / norms)
    layers, targets = tuple(layers), [t.detach() for t in targets]
    norms = [t.pow(2).sum().clamp_min(1e-12) for t in targets]

    def distance(c: Captured) -> torch.Tensor:
        return torch.stack([(c[layer][b] - target).pow(2).sum() / norm
                            for b, (layer, target, norm) in enumerate(zip(layers, targets, norms, strict=True))])

    return term(name, tuple(dict.fromkeys(layers)), distance)


def total_variation(beta: float = 2.0) -> Objective:
    """The picture's total variation ``TV_β`` (:func:`.regularizers.total_variation`, in [0, 1] units) per pixel
    and colour (term ``"tv"``). Minimise it: weight it negatively."""
    return term("tv", (INPUT,), lambda c: regularizers.total_variation(c[INPUT], beta) / c[INPUT][0].numel())


def l2(center: torch.Tensor) -> Objective:
    """``‖x‖²`` of the picture in Caffe's units (levels 0–255 less ``center`` [3, 1, 1], the mean colour in
    [0, 1]): Simonyan et al. 2014's penalty (term ``"l2"``). Minimise it: weight it negatively."""
    return term("l2", (INPUT,), lambda c: (255 * (c[INPUT] - center)).pow(2).flatten(1).sum(dim=1))
