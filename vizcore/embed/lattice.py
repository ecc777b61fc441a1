"""The t-SNE grid: a map's images snapped to a square lattice and drawn as one picture.

Karpathy's "t-SNE visualization of CNN codes" (2014): every image of an
embedding moved to a cell of a regular grid so that they tile the picture
without overlapping, while images near each other in the map stay near each
other. The move is a linear assignment (Kuhn's Hungarian method, scipy's
``linear_sum_assignment``) of points to cells that minimises the total
squared distance travelled, with the map scaled to the grid's extent.
"""
from __future__ import annotations

import math

import numpy as np
from PIL import Image
from scipy.optimize import linear_sum_assignment

from vizcore.activations.grids import tile
from vizcore.errors import DataError

MAX_CELLS = 2500
"""The largest lattice (50 × 50): the assignment's cost grows with the cube of the cell count."""


def shape(count: int) -> tuple[int, int]:
    """(rows, cols) of the squarest lattice with room for ``count`` points."""
    cols = math.ceil(math.sqrt(count))
    return math.ceil(count / cols), cols


def snap(points, rows: int | None = None, cols: int | None = None) -> np.ndarray:
    """The cell of each point [N, 2], numbered in reading order (row by row), one point per cell.

    ``rows`` × ``cols`` (default: :func:`shape`) must have room for every
    point. The map's x runs left to right and its y bottom to top, as on a
    chart, so a point high in the map lands in a top row.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise DataError(f"A lattice is made from 2-D points [N, 2], not an array of shape {points.shape}.")
    if rows is None or cols is None:
        rows, cols = shape(len(points))
    if rows * cols < len(points) or rows * cols > MAX_CELLS:
        raise DataError(f"A lattice of {rows}×{cols} cells cannot hold {len(points)} points "
                        f"(it needs at least as many cells, and at most {MAX_CELLS}).")
    low, high = points.min(0), points.max(0)
    scaled = (points - low) / np.where(high > low, high - low, 1)  # [0, 1]² ...
    scaled = scaled * [cols - 1, rows - 1]  # ... onto the cells' centres (column, row from the bottom)
    col, row_from_bottom = np.meshgrid(np.arange(cols), np.arange(rows)[::-1])
    centres = np.stack([col.ravel(), row_from_bottom.ravel()], 1)  # cell c in reading order
    cost = ((scaled[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    assigned_points, cells = linear_sum_assignment(cost)
    result = np.empty(len(points), dtype=np.int64)
    result[assigned_points] = cells
    return result


def picture(images, cells: np.ndarray, cols: int, rows: int | None = None, size: int = 32) -> Image.Image:
    """The images (PIL, one per point) drawn into their cells, each ``size`` pixels square, empty cells blank."""
    rows = rows or math.ceil((int(cells.max()) + 1) / cols)
    tiles = np.full((rows * cols, size, size, 3), 255, dtype=np.uint8)
    for img, cell in zip(images, cells, strict=True):
        tiles[cell] = np.asarray(img.convert("RGB").resize((size, size), Image.Resampling.BILINEAR))
    return tile(tiles, cols=cols, width=cols * size)[0]
