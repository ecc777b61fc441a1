"""How the optimised picture is written down: its pixels, or a color-decorrelated Fourier spectrum (Lucid's param).

A parametrization holds the leaf tensors an optimizer moves
(:meth:`parameters`) and makes from them, differentiably, the pictures
[B, 3, H, W] in [0, 1] the network sees (:meth:`image`) and those a person
sees (:meth:`pictures`). After every first-order step the loop calls
:meth:`constrain`, which keeps pixels real.

- :class:`Pixels`: the picture itself, in units of your choice: plain [0, 1]
  (Gatys et al.'s style transfer), or Caffe's centred levels
  (:meth:`Pixels.caffe`: 0–255 less the mean colour, the units Simonyan et
  al. 2014, Yosinski et al. 2015 and Mordvintsev et al. 2015 give their
  step sizes, penalties and budgets in, and Yosinski's regularizers act in);
- :class:`Fourier`: Olah, Mordvintsev & Schubert 2017 (Distill, "Feature
  Visualization", §"Preconditioning and Parameterization"): the picture is
  the inverse FFT of a spectrum whose frequencies are scaled by 1/f, so
  that every frequency is equally easy to change, mapped through the square
  root of ImageNet's color covariance and a sigmoid. Gradient ascent then
  no longer favours the high frequencies, and the picture loses most of its
  high-frequency noise (step it with Adam, as Lucid does).
"""
from __future__ import annotations

import torch
from PIL import Image

from vizcore.core.model import Model
from vizcore.optvis import pixels

COLOR_SQRT = torch.tensor([[0.26, 0.09, 0.02],
                           [0.27, 0.00, -0.05],
                           [0.27, -0.09, 0.03]])
"""Square root of ImageNet's RGB covariance (Lucid's ``color_correlation_svd_sqrt``): decorrelated -> RGB."""


class Parametrization:
    """The pictures [B, 3, H, W] in [0, 1] that some leaf tensors stand for."""

    def image(self) -> torch.Tensor:
        raise NotImplementedError

    def parameters(self) -> list[torch.Tensor]:
        raise NotImplementedError

    def pictures(self) -> list[Image.Image]:
        """What a person sees: the pictures, rounded to levels."""
        with torch.no_grad():
            return pixels.to_pictures(self.image())

    def constrain(self) -> None:
        """Keep the leaves valid after a step (nothing by default)."""


class Pixels(Parametrization):
    """Pictures as a leaf tensor ``u`` in its own units: the picture is ``u · scale + offset`` in [0, 1].

    ``scale`` and ``offset``: numbers or per-colour tensors [3, 1, 1]. The
    leaf is kept to real pixels, [0, 1] in picture units, by :meth:`constrain`.
    """

    def __init__(self, x: torch.Tensor, scale: float | torch.Tensor = 1.0, offset: float | torch.Tensor = 0.0):
        """``x``: the starting pictures [B, C, H, W] in [0, 1]."""
        self.low, self.high = (0 - offset) / scale, (1 - offset) / scale
        self.leaf = ((x.detach() - offset) / scale).clamp(self.low, self.high).requires_grad_()
        self.plain = isinstance(scale, float | int) and scale == 1 and isinstance(offset, float | int) and offset == 0
        self.scale, self.offset = (torch.as_tensor(v, dtype=x.dtype, device=x.device) for v in (scale, offset))

    @classmethod
    def caffe(cls, m: Model, x: torch.Tensor) -> Pixels:
        """Pictures ``x`` in [0, 1] held in Caffe's centred levels: ``u = 255 · (x − mean)``, 0 the mean colour."""
        return cls(x, 1 / 255, pixels.stats(m)[0])

    def image(self) -> torch.Tensor:
        if self.plain:
            return self.leaf
        return torch.addcmul(self.offset, self.leaf, self.scale)

    def parameters(self) -> list[torch.Tensor]:
        return [self.leaf]

    @torch.no_grad()
    def constrain(self) -> None:
        torch.clamp(self.leaf, self.low, self.high, out=self.leaf)

    @torch.no_grad()
    def assign(self, u: torch.Tensor) -> None:
        """Replace the leaf's values (in its own units), e.g. by a projection."""
        self.leaf.copy_(u)


class Fourier(Parametrization):
    """A batch of pictures as 1/f-scaled, color-decorrelated spectra."""

    def __init__(self, m: Model, batch: int, size: int, generator: torch.Generator, sd: float = 0.01,
                 decay_power: float = 1.0):
        fy = torch.fft.fftfreq(size)[:, None]
        fx = torch.fft.rfftfreq(size)[None, :]
        frequency = (fy ** 2 + fx ** 2).sqrt().clamp_min(1.0 / size)
        self.scale = (1.0 / frequency ** decay_power).to(m.device)
        shape = (batch, 3, size, size // 2 + 1, 2)
        self.spectrum = (sd * torch.randn(shape, generator=generator)).to(m.device).requires_grad_()
        self.size = size
        self.color = (COLOR_SQRT / COLOR_SQRT.norm(dim=0).max()).to(m.device)

    def image(self) -> torch.Tensor:
        """The pictures the spectrum stands for, in [0, 1] (differentiable)."""
        spectrum = torch.view_as_complex(self.spectrum) * self.scale
        decorrelated = torch.fft.irfft2(spectrum, s=(self.size, self.size), norm="ortho") / 4
        return torch.sigmoid(torch.einsum("ij,bjhw->bihw", self.color, decorrelated))

    def parameters(self) -> list[torch.Tensor]:
        return [self.spectrum]
