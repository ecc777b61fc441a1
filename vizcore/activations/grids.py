"""Many small maps tiled into one picture: the Deep Visualization Toolbox's layer view.

Yosinski et al. 2015 ("Understanding Neural Networks Through Deep
Visualization") show every channel of a layer at once as a grid of tiles, all
on one scale, with a *boost* that pulls each tile towards its own range and a
gamma that lifts faint values (the toolbox's ``tile_images_normalize``). This
module does the same for any stack of maps [N, H, W]: activations, or kernels
of a convolution.

:class:`TileLayout` says where every tile sits, so a click on the picture
maps back to a channel and a channel to its box. Colormaps are 256-entry
lookup tables interpolated between a few anchor colours, so no plotting
library is needed: a perceptual one sampled from viridis (van der Walt &
Smith, matplotlib 2.0), a blue-white-red diverging one (ColorBrewer RdBu) for
signed values, and grey.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from torch.nn import functional as F

_ANCHORS = {
    "viridis": ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"],
    "blue-white-red": ["#053061", "#2166ac", "#4393c3", "#92c5de", "#f7f7f7", "#f4a582", "#d6604d", "#b2182b",
                       "#67001f"],
    "gray": ["#000000", "#ffffff"],
}
COLORMAPS = tuple(_ANCHORS)
DIVERGING = frozenset({"blue-white-red"})
"""Colormaps whose centre is zero: signed data is scaled symmetrically for them."""
WIDTH = 800
"""Default width in pixels of a grid picture (tiles are scaled to fill it)."""
BACKGROUND = 235
"""Grey level of the gaps between tiles and of the empty end of the last row."""
_EPS = 1e-10


@functools.cache
def colormap(name: str) -> np.ndarray:
    """The lookup table of ``name`` (one of :data:`COLORMAPS`): uint8 [256, 3]."""
    if name not in _ANCHORS:
        raise ValueError(f"Unknown colormap {name!r}; choose one of {', '.join(COLORMAPS)}.")
    anchors = np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in _ANCHORS[name]], dtype=np.float64)
    at = np.linspace(0, 1, len(anchors))
    levels = np.linspace(0, 1, 256)
    lut = np.stack([np.interp(levels, at, anchors[:, c]) for c in range(3)], axis=1)
    return np.round(lut).astype(np.uint8)


def colorize(values: np.ndarray, name: str) -> np.ndarray:
    """Values in [0, 1] (any shape) -> uint8 RGB (that shape + [3]) through the colormap ``name``."""
    index = np.clip(np.asarray(values, dtype=np.float32) * 255 + 0.5, 0, 255).astype(np.uint8)
    return colormap(name)[index]


def normalize(maps, boost: float = 0.0, gamma: float = 1.0, symmetric: bool = False) -> np.ndarray:
    """Scale maps [N, H, W] into [0, 1] for display, as the toolbox does.

    All maps first share one scale, so tiles can be compared. ``boost`` (0 to 1)
    then divides each map by its own peak to the power ``boost``: 0 keeps the
    shared scale, 1 stretches every map to its own range. ``gamma`` below 1
    lifts faint values. ``symmetric`` keeps zero at 0.5 (the centre of a
    diverging colormap) and scales magnitudes of either sign alike.
    """
    if not 0.0 <= boost <= 1.0 or gamma <= 0:
        raise ValueError("boost must lie between 0 and 1 and gamma must be positive.")
    x = torch.as_tensor(maps).float().cpu().numpy()
    sign = np.sign(x) if symmetric else None
    x = np.abs(x) if symmetric else x - x.min()
    x = x / (x.max() + _EPS)
    if boost > 0:
        peaks = x.reshape(len(x), -1).max(axis=1) + _EPS
        x = x * (peaks ** -boost)[:, None, None]
    if gamma != 1:
        x = x ** gamma
    x = np.clip(x, 0.0, 1.0)
    return 0.5 + 0.5 * sign * x if symmetric else x


@dataclass(frozen=True)
class TileLayout:
    """Where each of ``count`` tiles of ``tile_w`` x ``tile_h`` pixels sits in a grid picture.

    Tiles run left to right, then top to bottom, ``cols`` to a row, with
    ``pad`` pixels of background between and around them. Coordinates are
    continuous: pixel (i, j) covers x in [i, i + 1), y in [j, j + 1).
    """

    count: int
    cols: int
    tile_w: int
    tile_h: int
    pad: int = 1

    @property
    def rows(self) -> int:
        return math.ceil(self.count / self.cols)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the whole picture in pixels."""
        return (self.cols * (self.tile_w + self.pad) + self.pad, self.rows * (self.tile_h + self.pad) + self.pad)

    def box(self, channel: int) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) of ``channel``'s tile; right and bottom are exclusive."""
        if not 0 <= channel < self.count:
            raise IndexError(f"Channel {channel} is not among the {self.count} tiles.")
        row, col = divmod(channel, self.cols)
        left, top = self.pad + col * (self.tile_w + self.pad), self.pad + row * (self.tile_h + self.pad)
        return left, top, left + self.tile_w, top + self.tile_h

    def center(self, channel: int) -> tuple[float, float]:
        """(x, y) of the centre of ``channel``'s tile."""
        left, top, right, bottom = self.box(channel)
        return (left + right) / 2, (top + bottom) / 2

    def channel_at(self, x: float, y: float) -> int | None:
        """The channel whose tile holds the point (x, y), or None on the padding or past the last tile."""
        col, dx = divmod(x - self.pad, self.tile_w + self.pad)
        row, dy = divmod(y - self.pad, self.tile_h + self.pad)
        if not (0 <= col < self.cols and 0 <= row < self.rows) or dx >= self.tile_w or dy >= self.tile_h:
            return None
        channel = int(row) * self.cols + int(col)
        return channel if channel < self.count else None


def default_cols(count: int) -> int:
    """Columns of a grid of ``count`` tiles: one row of up to 8, else square-ish."""
    return count if count <= 8 else math.ceil(math.sqrt(count))


def _room(count: int, cols: int, width: int) -> tuple[int, int]:
    """(pixels a tile may span, gap) for ``count`` tiles in ``cols`` columns within ``width`` pixels."""
    pad = max(1, (width // cols) // 20) if count > 1 else 0
    return max(1, (width - pad) // cols - pad), pad


def tile(tiles: np.ndarray, cols: int | None = None, width: int = WIDTH) -> tuple[Image.Image, TileLayout]:
    """Lay RGB tiles uint8 [N, h, w, 3] out in a grid picture at most ``width`` pixels wide.

    Tiles smaller than their share of the width are enlarged by a whole
    factor (nearest neighbour, so every value stays a crisp square). The gaps
    between and around tiles are a twentieth of a tile's share (at least 1
    pixel; none around a single tile). Tiles wider than their share are
    kept as they are (shrink them first, as :func:`grid` does).
    """
    n, h, w = tiles.shape[:3]
    cols = cols or default_cols(n)
    room, pad = _room(n, cols, width)
    scale = max(1, room // max(h, w))
    if scale > 1:
        tiles = tiles.repeat(scale, axis=1).repeat(scale, axis=2)
    layout = TileLayout(n, cols, w * scale, h * scale, pad)
    width_px, height_px = layout.size
    canvas = np.full((height_px, width_px, 3), BACKGROUND, dtype=np.uint8)
    for channel in range(n):
        left, top, right, bottom = layout.box(channel)
        canvas[top:bottom, left:right] = tiles[channel]
    return Image.fromarray(canvas), layout


def montage(pictures, cols: int | None = None, size: int | None = None) -> Image.Image:
    """Pictures of one size (or each resized to a ``size`` square) laid out by :func:`tile`, ``cols`` per row
    (None: about square): a batch of results, a selection of images, as one picture."""
    if size is not None:
        pictures = [picture.resize((size, size)) for picture in pictures]
    return tile(np.stack([np.asarray(picture.convert("RGB")) for picture in pictures]), cols=cols)[0]


def grid(maps, colormap: str = "viridis", boost: float = 0.0, gamma: float = 1.0, symmetric: bool | None = None,
         cols: int | None = None, width: int = WIDTH) -> tuple[Image.Image, TileLayout]:
    """Every map of ``maps`` [N, H, W] as one coloured tile, in channel order, in one picture.

    Maps larger than their share of ``width`` are shrunk by area averaging
    first; see :func:`normalize` for ``boost``, ``gamma`` and ``symmetric``
    (default: symmetric for a diverging colormap).
    """
    x = torch.as_tensor(maps).float().cpu()
    if x.dim() != 3:
        raise ValueError(f"Expected maps [N, H, W], got a tensor of shape {tuple(x.shape)}.")
    cols = cols or default_cols(len(x))
    side, _ = _room(len(x), cols, width)
    h, w = x.shape[1:]
    if max(h, w) > side:
        x = F.interpolate(x[None], size=(max(1, h * side // max(h, w)), max(1, w * side // max(h, w))),
                          mode="area")[0]
    symmetric = colormap in DIVERGING if symmetric is None else symmetric
    return tile(colorize(normalize(x, boost, gamma, symmetric), colormap), cols, width)
