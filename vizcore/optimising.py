"""What the methods that optimise an image share: the :class:`Step` they yield and the total-variation prior.

``vc.synthesis`` (class and unit visualisation, DeepDream, inversion,
adversarial images) and ``vc.style`` (texture synthesis, style transfer)
are generators: every few iterations they yield a :class:`Step`, so that a
page can show progress and a live preview and stop by no longer iterating,
and a notebook can simply take the last one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from PIL import Image

__all__ = ["Step", "total_variation"]


@dataclass(frozen=True)
class Step:
    """One report from an optimisation: after ``i`` of ``total`` iterations, the ``loss`` and the current ``image``.

    ``image`` is a PIL RGB image, or a list of them for a method that
    optimises several at once (a style sweep). ``parts`` names the terms of
    the loss or other curves worth drawing (e.g. ``{"score": ..}`` or
    ``{"style": .., "content": ..}``); a sweep's parts may hold lists.
    """

    i: int
    total: int
    loss: float
    image: Image.Image | list[Image.Image]
    parts: dict = field(default_factory=dict)


def total_variation(x: torch.Tensor, beta: float = 2.0) -> torch.Tensor:
    """The total variation of images [B, C, H, W], one value per image [B].

    Mahendran & Vedaldi 2015 ("Understanding Deep Image Representations by
    Inverting Them", eq. 2): Σ_ij ((x[i, j+1] − x[i, j])² + (x[i+1, j] − x[i, j])²)^(β/2),
    summed over channels; β = 2 is the plain squared-gradient prior, β = 1
    the classic TV norm.
    """
    dy = x[:, :, 1:, :-1] - x[:, :, :-1, :-1]
    dx = x[:, :, :-1, 1:] - x[:, :, :-1, :-1]
    squared = dx.pow(2) + dy.pow(2)
    if beta == 2.0:
        return squared.sum(dim=(1, 2, 3))
    return (squared + 1e-8).pow(beta / 2).sum(dim=(1, 2, 3))
