"""The loss of style transfer and texture synthesis, one value per picture of a batch.

Gatys, Ecker & Bethge 2016, eq. 7: L = α·L_content + β·L_style (+ a
total-variation prior, Mahendran & Vedaldi 2015), with L_content = ½ Σ (F − P)²
at the content layer (eq. 1) and L_style = Σ_l w_l E_l over the style
layers (eq. 5, E_l from :mod:`.gram`).

Both terms are made *relative* here: the content term is divided by ½ Σ P²
and each layer's E_l by ¼ Σ Ĝ², its value for an empty picture, with the
layers weighted equally (w_l = 1/L as in the paper). So a loss of 1 is "as
far from the target as a black picture", a style/content ratio means the same
for every network, size and weighting (the paper's raw α/β depend on how
large a network's activations are), and the total variation is its mean per
pixel and channel. Each picture has its own α and β, so a batch can hold a
whole sweep of trade-offs: the loss of one picture does not depend on the
others.
"""
from __future__ import annotations

import torch

from vizcore.optvis.regularizers import total_variation
from vizcore.style.gram import gram, layer_loss
from vizcore.style.network import LossNetwork


class Objective:
    """Per-picture loss of pictures [B, 3, H, W] in [0, 1]: ``objective(x) -> (total [B], {"style", "content", "tv"})``

    ``grams``: target Gram matrix per style layer; ``content``: the content
    layer's target features [1, C, H, W], or None for a texture.
    ``content_weight`` and ``style_weight``: a number, or one per picture.
    """

    def __init__(self, net: LossNetwork, grams: dict[str, torch.Tensor], content: torch.Tensor | None = None,
                 content_weight=1.0, style_weight=1.0, tv_weight: float = 0.0):
        self.net, self.grams, self.content = net, grams, content
        device = net.model.device
        self.alpha = torch.as_tensor(content_weight, dtype=torch.float32, device=device)
        self.beta = torch.as_tensor(style_weight, dtype=torch.float32, device=device)
        self.tv_weight = tv_weight
        self.style_scale = {layer: 4 / (len(grams) * g.pow(2).sum().clamp_min(1e-12)) for layer, g in grams.items()}
        self.content_scale = None if content is None else 2 / content.pow(2).sum().clamp_min(1e-12)
        self.layers = list(grams) + ([net.content_layer] if content is not None and net.content_layer not in grams
                                     else [])

    def __call__(self, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        features = self.net.features(x, self.layers)
        style = sum(layer_loss(gram(features[layer]), target) * self.style_scale[layer]
                    for layer, target in self.grams.items())
        total = self.beta * style
        parts = {"style": style}
        if self.content is not None:
            content = (features[self.net.content_layer] - self.content).pow(2).sum(dim=(1, 2, 3)) / 2
            parts["content"] = content * self.content_scale
            total = total + self.alpha * parts["content"]
        if self.tv_weight:
            parts["tv"] = total_variation(x) / x[0].numel()
            total = total + self.tv_weight * parts["tv"]
        return total, parts
