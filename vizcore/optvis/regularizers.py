"""Regularizers: priors on the picture being optimised, shared by synthesis and style.

- :func:`total_variation`: Mahendran & Vedaldi 2015's prior, a penalty in
  the objective (:func:`.objectives.total_variation`).
- :class:`Regularizers`: Yosinski et al. 2015's four image regularizers
  ("Understanding Neural Networks Through Deep Visualization", ICML Deep
  Learning Workshop 2015, §3), applied after each gradient step to pixels in
  Caffe's centred units (levels 0–255 less the mean colour, see
  :meth:`.parametrizations.Pixels.caffe`, so that 0 is the mean colour):

  - *L2 decay* ``x ← (1 − θ_decay) · x``;
  - *Gaussian blur* of width ``θ_b_width`` pixels every ``θ_b_every`` steps;
  - *clipping pixels with small norm*: pixels whose norm over the colours is
    under the ``θ_n_pct`` percentile become 0 (the mean colour);
  - *clipping pixels with small contribution*: pixels whose estimated
    contribution to the objective, ``|Σ_colours x · ∂objective/∂x|`` (the
    first-order change if the pixel were set to 0), is under the ``θ_c_pct``
    percentile become 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torchvision.transforms.functional import gaussian_blur

__all__ = ["Regularizers", "total_variation"]


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


@dataclass(frozen=True)
class Regularizers:
    """Yosinski et al.'s θ: ``decay``, ``blur_radius`` every ``blur_every`` steps, two percentile clips (0 = off).

    Called as ``regularizers(x, grad, step)`` after step ``step`` (0-based)
    on centred pixels [B, 3, H, W] with the gradient of the objective there;
    returns the regularized pixels.
    """

    decay: float = 0.0
    blur_radius: float = 0.0
    blur_every: int = 0
    norm_percentile: float = 0.0
    contribution_percentile: float = 0.0

    def __post_init__(self):
        if not 0 <= self.decay < 1:
            raise ValueError("The decay is a share of the image taken away at each step: 0 or more, under 1.")
        if self.blur_radius < 0 or self.blur_every < 0:
            raise ValueError("The blur radius and interval are 0 (no blur) or more.")
        if not (0 <= self.norm_percentile <= 100 and 0 <= self.contribution_percentile <= 100):
            raise ValueError("Percentiles are between 0 and 100.")

    def __bool__(self) -> bool:
        return self != Regularizers()

    def __call__(self, x: torch.Tensor, grad: torch.Tensor, step: int) -> torch.Tensor:
        if self.decay:
            x = x * (1 - self.decay)
        if self.blur_radius > 0 and self.blur_every and step % self.blur_every == 0:
            x = gaussian_blur(x, kernel_size=2 * math.ceil(3 * self.blur_radius) + 1, sigma=self.blur_radius)
        if self.norm_percentile:
            x = _zero_below(x, x.norm(dim=1), self.norm_percentile)
        if self.contribution_percentile:
            x = _zero_below(x, (x * grad).sum(dim=1).abs(), self.contribution_percentile)
        return x


def _zero_below(x: torch.Tensor, strength: torch.Tensor, percentile: float) -> torch.Tensor:
    """``x`` with the pixels whose ``strength`` [B, H, W] is under the image's ``percentile`` set to 0."""
    threshold = torch.quantile(strength.flatten(1), percentile / 100, dim=1).view(-1, 1, 1)
    return x * (strength >= threshold).unsqueeze(1)
