"""Colour preservation by luminance-only transfer (Gatys, Bethge, Hertzmann & Shechtman 2017, §5.1).

The style is transferred between the *luminance* channels only: the style
image's luminance is first matched to the content's mean and spread, the
picture is optimised as a grey image, and its luminance is finally put
together with the content image's colour (chroma) channels. The colour space
is JPEG's full-range YCbCr (ITU-R BT.601), the one Pillow uses.
:class:`Luminance` is that picture as a parametrization of :mod:`vizcore.optvis`.
"""
from __future__ import annotations

import torch
from PIL import Image

from vizcore.optvis import Pixels, pixels

_TO_YCBCR = torch.tensor([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])
_OFFSET = torch.tensor([0.0, 0.5, 0.5]).view(1, 3, 1, 1)


def to_ycbcr(rgb: torch.Tensor) -> torch.Tensor:
    """RGB [B, 3, H, W] in [0, 1] -> Y, Cb, Cr [B, 3, H, W] in [0, 1] (chroma centred on 0.5)."""
    return torch.einsum("ij,bjhw->bihw", _TO_YCBCR.to(rgb), rgb) + _OFFSET.to(rgb)


def to_rgb(ycbcr: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`to_ycbcr` (not clipped)."""
    return torch.einsum("ij,bjhw->bihw", torch.linalg.inv(_TO_YCBCR).to(ycbcr), ycbcr - _OFFSET.to(ycbcr))


def luminance(rgb: torch.Tensor) -> torch.Tensor:
    """The Y channel [B, 1, H, W] of RGB images [B, 3, H, W]."""
    return to_ycbcr(rgb)[:, :1]


def match_luminance(style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """The style's luminance [1, 1, H, W] shifted and scaled to the content luminance's mean and standard deviation."""
    return (style - style.mean()) * (content.std() / style.std().clamp_min(1e-6)) + content.mean()


def with_chroma(y: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """Luminance [B, 1, H, W] with the chroma of the content image [1, 3, H, W] (RGB), as RGB in [0, 1]."""
    chroma = to_ycbcr(content)[:, 1:].expand(y.shape[0], -1, -1, -1)
    return to_rgb(torch.cat([y, chroma], dim=1)).clamp(0, 1)



class Luminance(Pixels):
    """Luminance [B, 1, H, W] in [0, 1] as the optimised pictures: the network sees it as grey pictures, a person
    with the chroma of ``content`` [1, 3, H, W]."""

    def __init__(self, y: torch.Tensor, content: torch.Tensor):
        super().__init__(y)
        self.content = content

    def image(self) -> torch.Tensor:
        return self.leaf.expand(-1, 3, -1, -1)

    def pictures(self) -> list[Image.Image]:
        with torch.no_grad():
            return pixels.to_pictures(with_chroma(self.leaf, self.content))
