"""Neural style transfer (Gatys, Ecker & Bethge 2016) with the controls of Gatys et al. 2017.

A picture is optimised so that its content-layer features match the content
image's and its Gram matrices match the style's: several style images are
blended by averaging their Gram matrices with weights, the style image can be
resized (*style scale*, the size of the strokes), and the content's colors
can be kept by transferring luminance only (:mod:`.colors`). The loop is
:func:`vizcore.optvis.render`, with L-BFGS (as the paper) or Adam.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
from PIL import Image

from vizcore.core.progress import Step
from vizcore.optvis import Pixels, pixels, render
from vizcore.style import colors, losses, targets
from vizcore.style.grams import blend
from vizcore.style.networks import LossNetwork, loss_network

INITS = ("content", "noise")
OPTIMIZERS = ("lbfgs", "adam")


@dataclass
class Problem:
    """What the loop needs for a batch: the pictures to optimise, the targets."""

    net: LossNetwork
    param: Pixels  # the pictures, or their luminance (:class:`.colors.Luminance`) when colors are preserved
    grams: dict[str, torch.Tensor]
    content_features: torch.Tensor | None  # None for a texture


def as_list(images) -> list[Image.Image]:
    return [images] if isinstance(images, Image.Image) else list(images)


def problem(content: Image.Image, styles, style_weights, style_scale: float, preserve_colors: bool, size: int,
            init, batch: int, model, seed: int) -> Problem:
    """Targets and a starting point for ``batch`` pictures of the content at ``size`` (its longer side)."""
    net = loss_network(model)
    device = net.model.device
    picture = pixels.to_tensor(content, size, device)
    style_pictures = [pixels.to_tensor(style, round(size * style_scale), device) for style in as_list(styles)]
    if preserve_colors:
        seen = colors.luminance(picture).expand(-1, 3, -1, -1)
        style_pictures = [colors.match_luminance(colors.luminance(s), colors.luminance(picture)).clamp(0, 1)
                          .expand(-1, 3, -1, -1) for s in style_pictures]
    else:
        seen = picture
    per_style = [targets.style_grams(net, s, net.style_layers) for s in style_pictures]
    grams = {layer: blend([g[layer] for g in per_style], style_weights) for layer in net.style_layers}
    x = start(init, seen[:, :1] if preserve_colors else seen, batch, seed, preserve_colors)
    param = colors.Luminance(x, picture) if preserve_colors else Pixels(x)
    return Problem(net, param, grams, targets.content_features(net, seen))


def start(init, seen: torch.Tensor, batch: int, seed: int, preserve_colors: bool) -> torch.Tensor:
    """The starting batch: copies of the content as the network sees it, uniform noise, or the given pictures (a
    warm start); their luminance [B, 1, H, W] when colors are preserved."""
    if isinstance(init, str):
        if init not in INITS:
            raise ValueError(f"Unknown initialisation {init!r}; choose one of {', '.join(INITS)}, or give pictures.")
        if init == "content":
            return seen.repeat(batch, 1, 1, 1)
        noise = torch.rand((batch, *seen.shape[1:]), generator=torch.Generator().manual_seed(seed))
        return noise.to(seen.device)
    given = [pixels.to_tensor(img.resize(seen.shape[:1:-1]), device=seen.device) for img in as_list(init)]
    if len(given) != batch:
        raise ValueError(f"Give {batch} starting pictures, one per result, not {len(given)}.")
    x = torch.cat(given)
    return colors.luminance(x) if preserve_colors else x


def optimize(p: Problem, objective, steps: int, optimizer: str, lr: float | None, every: int, note: dict,
             montage=None) -> Iterator[Step]:
    """Run the loop on a problem: Adam's pictures kept to [0, 1], L-BFGS's free."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}.")
    yield from render(p.net.model, objective, p.param, steps, optimizer, lr, every=every, note=note, montage=montage)


def transfer(content: Image.Image, styles: Image.Image | Sequence[Image.Image], style_weights=None,
             content_weight: float = 1.0, style_weight: float = 10.0, tv_weight: float = 0.0,
             style_scale: float = 1.0, preserve_colors: bool = False, size: int = 256, steps: int = 200,
             init="content", model=None, optimizer: str = "lbfgs", lr: float | None = None, every: int = 10,
             seed: int = 0) -> Iterator[Step]:
    """Paint ``content`` in the style of ``styles``; a generator of :class:`Step` (the last holds the result).

    styles: one image or several, blended with ``style_weights`` (equal when
    None). content_weight, style_weight: α and β of the relative losses
    (:mod:`.losses`); tv_weight: the total-variation prior. style_scale: the
    style image's size relative to the output's. size: the output's longer
    side. init: "content", "noise" or a picture. model: a Model or
    LossNetwork; None for VGG-19 if it can be had, else the built-in model
    (``step.parts["network"]`` says which). optimizer: "lbfgs" or "adam".
    """
    p = problem(content, styles, style_weights, style_scale, preserve_colors, size, init, 1, model, seed)
    objective = losses.objective(p.net, p.grams, p.content_features, content_weight, style_weight, tv_weight)
    yield from optimize(p, objective, steps, optimizer, lr, every, {"network": p.net.description})
