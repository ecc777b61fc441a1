"""The objective of style transfer and texture synthesis, one value per picture of a batch.

Gatys, Ecker & Bethge 2016, eq. 7: L = α·L_content + β·L_style (+ a
total-variation prior, Mahendran & Vedaldi 2015), with L_content = ½ Σ (F − P)²
at the content layer (eq. 1) and L_style = Σ_l w_l E_l over the style
layers (eq. 5, E_l from :mod:`.grams`).

Both terms are made *relative* here: the content term is divided by ½ Σ P²
(:func:`vizcore.optvis.objectives.feature_distance`) and each layer's E_l by
¼ Σ Ĝ², its value for an empty picture, with the layers weighted equally
(w_l = 1/L as in the paper). So a loss of 1 is "as far from the target as a
black picture", a style/content ratio means the same for every network, size
and weighting (the paper's raw α/β depend on how large a network's
activations are), and the total variation is its mean per pixel and channel
(:func:`vizcore.optvis.objectives.total_variation`). Each picture may have
its own α and β, so a batch can hold a whole sweep of trade-offs: the loss of
one picture does not depend on the others. The result is an
:class:`vizcore.optvis.Objective` (minus L, to be maximised) whose terms the
loop reports as ``"style"``, ``"content"`` and ``"tv"``.
"""
from __future__ import annotations

import torch

from vizcore.optvis import objectives
from vizcore.style.grams import gram, layer_loss
from vizcore.style.networks import LossNetwork


def style_loss(grams: dict[str, torch.Tensor]) -> objectives.Objective:
    """Σ_l E_l / (¼ Σ Ĝ_l²) / L against the target Gram matrix of each layer (term ``"style"``)."""
    scale = {layer: 4 / (len(grams) * g.pow(2).sum().clamp_min(1e-12)) for layer, g in grams.items()}
    return objectives.term("style", tuple(grams), lambda c: sum(layer_loss(gram(c[layer]), target) * scale[layer]
                                                                for layer, target in grams.items()))


def objective(net: LossNetwork, grams: dict[str, torch.Tensor], content: torch.Tensor | None = None,
              content_weight=1.0, style_weight=1.0, tv_weight: float = 0.0) -> objectives.Objective:
    """−(α·content + β·style + tv_weight·TV) for pictures in [0, 1]; ``content`` the content layer's target
    features [1, C, H, W], or None for a texture. ``content_weight``, ``style_weight``: a number, or one per
    picture."""
    total = -(style_loss(grams) * style_weight)
    if content is not None:
        total = total - objectives.feature_distance(net.content_layer, content, name="content") * content_weight
    if tv_weight:
        total = total - tv_weight * objectives.total_variation()
    return total
