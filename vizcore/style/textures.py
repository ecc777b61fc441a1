"""Texture synthesis from a style image (Gatys, Ecker & Bethge 2015, "Texture Synthesis Using Convolutional Neural
Networks").

Noise is optimised until its Gram matrices at the chosen layers match the
style image's. Matching only low layers reproduces colors and small
structures; adding higher layers, whose units see more of the image,
recovers ever larger structures (the paper's Fig. 2).
"""
from __future__ import annotations

from collections.abc import Iterator

import torch
from PIL import Image

from vizcore.core.progress import Step
from vizcore.optvis import Pixels, pixels
from vizcore.style import losses, targets
from vizcore.style.networks import loss_network
from vizcore.style.transfers import Problem, optimize


def texture(style_img: Image.Image, steps: int = 200, layers=None, model=None, size: int = 128,
            style_scale: float = 1.0, optimizer: str = "lbfgs", tv_weight: float = 0.0, lr: float | None = None,
            every: int = 10, seed: int = 0) -> Iterator[Step]:
    """A new ``size``×``size`` picture of the texture in ``style_img``; a generator of :class:`Step`.

    layers: the layers whose Gram matrices are matched (names or labels;
    None: the loss network's style layers). style_scale: the style image's
    size relative to the output's. model: as for :func:`vizcore.style.transfer`.
    """
    net = loss_network(model)
    chosen = net.style_layers if layers is None else tuple(net.model.layer(name).name for name in layers)
    style = pixels.to_tensor(style_img, round(size * style_scale), net.model.device)
    grams = targets.style_grams(net, style, chosen)
    noise = torch.rand((1, 3, size, size), generator=torch.Generator().manual_seed(seed)).to(net.model.device)
    labels = ", ".join(net.label(layer) for layer in chosen)
    yield from optimize(Problem(net, Pixels(noise), grams, None), losses.objective(net, grams, tv_weight=tv_weight),
                        steps, optimizer, lr, every, {"network": f"{net.description} Layers: {labels}."})
