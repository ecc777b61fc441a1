"""Regularizers: priors on the picture being optimised, shared by synthesis and style.
"""
from __future__ import annotations

import torch

__all__ = ["total_variation"]


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
