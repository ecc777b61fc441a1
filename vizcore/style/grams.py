"""Gram matrices of feature maps and the style loss between them (Gatys, Ecker & Bethge 2015).

For a layer with N_l channels of M_l = H·W positions, F is [N_l, M_l] and the
lecture's style loss of that layer is

    E_l = 1 / (4 N_l² M_l²) · Σ_ij (G_ij − Ĝ_ij)²,   G = F Fᵀ.

:func:`gram` returns G / (N_l M_l), the Gram matrix normalized by its size,
so that :func:`layer_loss` is ¼ Σ (G − Ĝ)² of normalized matrices — exactly
E_l — and a Gram matrix does not depend on how large the image is (a style
image may be smaller or larger than the picture being made).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch


def gram(features: torch.Tensor) -> torch.Tensor:
    """Normalised Gram matrix F Fᵀ / (N M) of feature maps [C, H, W] -> [C, C], or [B, C, H, W] -> [B, C, C]."""
    batched = features.dim() == 4
    f = features if batched else features.unsqueeze(0)
    b, c, h, w = f.shape
    f = f.reshape(b, c, h * w)
    g = torch.bmm(f, f.transpose(1, 2)) / (c * h * w)
    return g if batched else g[0]


def layer_loss(grams: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """E_l = ¼ Σ (G − Ĝ)² for normalized Gram matrices: [B, C, C] against [C, C] or [B, C, C] -> [B]."""
    return (grams - target).pow(2).sum(dim=(-2, -1)) / 4


def blend(grams: Sequence[torch.Tensor], weights: Sequence[float] | None = None) -> torch.Tensor:
    """The weighted average Σ w_i G_i / Σ w_i of several styles' Gram matrices (equal weights when None)."""
    weights = [1.0] * len(grams) if weights is None else [float(w) for w in weights]
    if len(weights) != len(grams) or min(weights) < 0 or sum(weights) <= 0:
        raise ValueError("Style weights must be one non-negative number per style image, not all zero.")
    total = sum(weights)
    return sum(g * (w / total) for g, w in zip(grams, weights, strict=True))
