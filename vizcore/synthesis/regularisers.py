"""Yosinski et al. 2015's four image regularisers and the settings they published.

"Understanding Neural Networks Through Deep Visualization" (ICML Deep
Learning Workshop 2015), §3: after each gradient step on the centred pixels
``x`` (see :mod:`.pixels`),

- *L2 decay* ``x ← (1 − θ_decay) · x``;
- *Gaussian blur* of width ``θ_b_width`` pixels every ``θ_b_every`` steps;
- *clipping pixels with small norm*: pixels whose norm over the colours is
  under the ``θ_n_pct`` percentile become 0 (the mean colour);
- *clipping pixels with small contribution*: pixels whose estimated
  contribution to the score, ``|Σ_colours x · ∂score/∂x|`` (the first-order
  change if the pixel were set to 0), is under the ``θ_c_pct`` percentile
  become 0.

:data:`PRESETS` are their Table 1's four combinations of θ, with the step
counts of the toolbox's ``doc/running-optimize-image.md`` (its
``optimize_image.py`` flags, in the same order). Their learning rates are
not carried over: a constant 100, or the toolbox's *progress* policy capped
at 100 or 10⁸, in CaffeNet's gradient units; on the built-in shapes model a
rate of 100 moves a pixel by under 0.04 of a level per step. Here the step
is normalised instead (:func:`.render.ascend`: the average pixel moves
``lr`` levels per step, on any network), and a preset keeps the rate it is
given. Simonyan et al. 2014's class model uses an L2 *penalty* instead of
the decay, ``score − λ‖x‖²``: ``l2`` in :func:`.class_visualization`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torchvision.transforms.functional import gaussian_blur


@dataclass(frozen=True)
class Regularisers:
    """Yosinski et al.'s θ: ``decay``, ``blur_radius`` every ``blur_every`` steps, two percentile clips (0 = off)."""

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

    def apply(self, x: torch.Tensor, grad: torch.Tensor, step: int) -> torch.Tensor:
        """The centred pixels [B, 3, H, W] after step ``step`` (0-based), regularised; ``grad`` = ∂score/∂x."""
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


PRESETS: dict[str, dict] = {
    "Yosinski 1: blur, norm clip": dict(decay=0.0, blur_radius=0.5, blur_every=4, norm_percentile=50,
                                        contribution_percentile=0, steps=500),
    "Yosinski 2: decay, norm clip": dict(decay=0.3, blur_radius=0.0, blur_every=0, norm_percentile=20,
                                         contribution_percentile=0, steps=750),
    "Yosinski 3: wide blur (most figures)": dict(decay=0.0001, blur_radius=1.0, blur_every=4, norm_percentile=0,
                                                  contribution_percentile=0, steps=1000),
    "Yosinski 4: blur, contribution clip": dict(decay=0.0, blur_radius=0.5, blur_every=4, norm_percentile=0,
                                                contribution_percentile=90, steps=1000),
}
"""Table 1 of Yosinski et al. 2015, as keyword arguments of :func:`.class_visualization` and the others."""
