"""How the optimised image is written down: its pixels, or a colour-decorrelated Fourier spectrum (Lucid's param).

Both give a batch of centred pixels (see :mod:`.pixels`) and take a gradient
step on their own numbers:

- :class:`Pixels`: the image itself, moved by plain gradient ascent, the way
  Simonyan et al. 2014 and Yosinski et al. 2015 do it (their regularisers,
  :mod:`.regularisers`, then act on these pixels);
- :class:`Fourier`: Olah, Mordvintsev & Schubert 2017 (Distill, "Feature
  Visualization", §"Preconditioning and Parameterization"): the image is the
  inverse FFT of a spectrum whose frequencies are scaled by 1/f, so that
  every frequency is equally easy to change, mapped through the square root
  of ImageNet's colour covariance and a sigmoid. Gradient ascent then no
  longer favours the high frequencies, and the picture loses most of its
  high-frequency noise. It is stepped with Adam, as in Lucid.
"""
from __future__ import annotations

import torch

from vizcore.core.model import Model
from vizcore.synthesis.pixels import bounds

COLOUR_SQRT = torch.tensor([[0.26, 0.09, 0.02],
                            [0.27, 0.00, -0.05],
                            [0.27, -0.09, 0.03]])
"""Square root of ImageNet's RGB covariance (Lucid's ``color_correlation_svd_sqrt``): decorrelated -> RGB."""


class Pixels:
    """The centred pixels [B, 3, H, W] themselves, moved by ``u += lr · gradient``."""

    def __init__(self, u: torch.Tensor):
        self.tensor = u.detach().clone().requires_grad_()

    def image(self) -> torch.Tensor:
        return self.tensor

    def parameters(self) -> list[torch.Tensor]:
        return [self.tensor]

    def ascend(self, grads: list[torch.Tensor], lr: float | torch.Tensor) -> None:
        """One step up the gradient (``lr`` a number or one per image [B, 1, 1, 1])."""
        with torch.no_grad():
            self.tensor += lr * grads[0]

    def assign(self, u: torch.Tensor) -> None:
        """Replace the pixels (after a regulariser changed them)."""
        with torch.no_grad():
            self.tensor.copy_(u)


class Fourier:
    """A batch of images as 1/f-scaled, colour-decorrelated spectra, stepped with Adam."""

    def __init__(self, m: Model, batch: int, size: int, generator: torch.Generator, sd: float = 0.01,
                 decay_power: float = 1.0, lr: float = 0.05):
        fy = torch.fft.fftfreq(size)[:, None]
        fx = torch.fft.rfftfreq(size)[None, :]
        frequency = (fy ** 2 + fx ** 2).sqrt().clamp_min(1.0 / size)
        self.scale = (1.0 / frequency ** decay_power).to(m.device)
        shape = (batch, 3, size, size // 2 + 1, 2)
        self.spectrum = (sd * torch.randn(shape, generator=generator)).to(m.device).requires_grad_()
        self.size = size
        self.colour = (COLOUR_SQRT / COLOUR_SQRT.norm(dim=0).max()).to(m.device)
        self.low, self.high = bounds(m)
        self.optimiser = torch.optim.Adam([self.spectrum], lr=lr)

    def image(self) -> torch.Tensor:
        """The centred pixels the spectrum stands for (differentiable)."""
        spectrum = torch.view_as_complex(self.spectrum) * self.scale
        decorrelated = torch.fft.irfft2(spectrum, s=(self.size, self.size), norm="ortho") / 4
        rgb = torch.einsum("ij,bjhw->bihw", self.colour, decorrelated)
        return self.low + torch.sigmoid(rgb) * (self.high - self.low)

    def parameters(self) -> list[torch.Tensor]:
        return [self.spectrum]

    def ascend(self, grads: list[torch.Tensor], lr: float | None = None) -> None:
        """One Adam step up the gradient (``lr``: Adam's rate, when given)."""
        if lr is not None:
            self.optimiser.param_groups[0]["lr"] = float(lr)
        self.spectrum.grad = -grads[0]
        self.optimiser.step()
        self.spectrum.grad = None
