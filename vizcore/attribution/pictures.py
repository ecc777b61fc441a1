"""Attribution maps as pictures, and the saliency segmentation of Simonyan et al. 2014.

Simonyan, Vedaldi & Zisserman ("Deep Inside Convolutional Networks", §3.1)
find the object with nothing but its class's saliency map: the pixels whose
saliency is high are foreground. They seed GrabCut with the top 5 %; here the
map is smoothed a little and thresholded at a quantile, which shows the same
idea without a segmentation library.
"""
from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torchvision.transforms.functional import gaussian_blur

from vizcore.activations import grids


def heatmap(values: np.ndarray, colormap: str = "viridis", size: int | None = None,
            vmax: float | None = None) -> Image.Image:
    """A map [h, w] through ``colormap``, enlarged to ``size`` × ``size`` with crisp cells when given.

    Scale: 0 … ``vmax`` when given (e.g. 1 for probabilities), otherwise the
    map's own range as :func:`vizcore.activations.grids.normalize` puts it (zero in the
    middle for a diverging colormap).
    """
    values = np.array(values, dtype=np.float32)  # a copy: the map may be a read-only cached one
    if vmax is None:
        scaled = grids.normalize(values[None], symmetric=colormap in grids.DIVERGING)[0]
    else:
        scaled = np.clip(values / vmax, 0.0, 1.0)
    picture = Image.fromarray(grids.colorize(scaled, colormap))
    return picture.resize((size, size), Image.Resampling.NEAREST) if size else picture


def magnitude(gradient: np.ndarray) -> np.ndarray:
    """An RGB gradient [H, W, 3] -> its largest absolute value over the channels [H, W]."""
    return np.abs(gradient).max(axis=-1)


def gradient_picture(gradient: np.ndarray) -> Image.Image:
    """An RGB gradient [H, W, 3] as the papers draw it: zero is mid-grey, the largest magnitude black or white."""
    peak = float(np.abs(gradient).max()) or 1.0
    rgb = np.clip(0.5 + 0.5 * gradient / peak, 0.0, 1.0)
    return Image.fromarray(np.round(rgb * 255).astype(np.uint8))


def foreground(saliency_map: np.ndarray, quantile: float = 0.9, smooth: float = 0.02) -> np.ndarray:
    """The pixels whose (smoothed) saliency is in the top ``1 - quantile`` share: a boolean mask [H, W].

    ``smooth``: σ of a Gaussian blur as a fraction of the side, which joins
    nearby salient pixels into regions (0 = no blur).
    """
    if not 0.0 <= quantile < 1.0:
        raise ValueError("The quantile must be at least 0 and below 1.")
    s = torch.tensor(np.asarray(saliency_map), dtype=torch.float32)[None, None]  # a copy: the map may be read-only
    sigma = smooth * s.shape[-1]
    if sigma > 0:
        s = gaussian_blur(s, kernel_size=2 * int(np.ceil(3 * sigma)) + 1, sigma=sigma)
    s = s[0, 0].numpy()
    return s >= np.quantile(s, quantile)


def cutout(image: Image.Image, mask: np.ndarray, dim: float = 0.2) -> Image.Image:
    """``image`` where ``mask`` is true, the rest darkened to ``dim`` of its brightness."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.float32)
    kept = np.where(mask[..., None], pixels, pixels * dim)
    return Image.fromarray(np.round(kept).astype(np.uint8))
