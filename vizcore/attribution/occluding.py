"""Occlusion experiments (Zeiler & Fergus 2014, "Visualizing and Understanding Convolutional Networks").

A grey square slides over the image; at each position the network sees the
image with that square covered, and the map records how much the class
probability drops. Where the drop is large, the network was looking.

Window positions: every ``stride`` pixels from the top left, rows and
columns alike, until a window reaches the far edge (a last window that would
stick out is cut at the border), so every pixel is covered. This is also
how Captum's ``Occlusion`` places its windows; :func:`occlusion_map` gives its
per-pixel average of the drops. All positions are evaluated in batches.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from vizcore.attribution.targets import Images, Targets, as_batch, class_indices, grey, image_by_image
from vizcore.core.model import Model
from vizcore.core.progress import Progress


def positions(size: int, window: int, stride: int) -> list[int]:
    """Offsets of the window along one side: 0, stride, 2 stride, … until one reaches the end."""
    if not 1 <= window <= size:
        raise ValueError(f"The occluding window must be 1 to {size} pixels wide (the image's side); "
                         f"{window} is not.")
    if not 1 <= stride <= window:
        raise ValueError(f"The stride must be between 1 and the window's width ({window}), so that no pixel is "
                         f"skipped; {stride} is not.")
    return [i * stride for i in range(math.ceil((size - window) / stride) + 1)]


def occlusion(m: Model, img: Images, target: Targets = None, window: int = 32, stride: int = 8,
              fill: float | None = None, batch_size: int = 32, progress: Progress | None = None) -> np.ndarray:
    """Drop of the class probability with the window at each position [h, w] (positive: the class lost);
    a batch of images gives [B, h, w].

    ``target``: a class index (None: the predicted class), or one per image.
    Cell (i, j) is the window whose top left is at (positions[i],
    positions[j]) of :func:`positions`. ``fill``: the grey level 0–255 the
    window is painted with, in pixel units; None paints the training set's
    mean colour (zero after normalization), the "grey square" of Zeiler &
    Fergus. ``batch_size`` occluded images go through the network at a time;
    ``progress(done, total)`` counts positions (``total``: over all images).
    """
    x, batched = as_batch(m, img)
    targets = class_indices(m, x, target, batched, "Occlusion")
    offsets = positions(x.shape[-1], window, stride)
    paint = torch.zeros(1, 3, 1, 1, device=x.device) if fill is None else grey(m, fill)
    return image_by_image(x, batched, targets, progress,
                          lambda one, t, part: _drops(m, one, t, offsets, window, paint, batch_size, part))


def _drops(m: Model, x: torch.Tensor, target: int, offsets: list[int], window: int, paint: torch.Tensor,
           batch_size: int, progress: Progress | None) -> np.ndarray:
    """The occlusion map of one image [1, 3, H, W] -> [h, w]."""
    grid = [(top, left) for top in offsets for left in offsets]
    drops = torch.empty(len(grid))
    with torch.inference_mode():
        original = torch.softmax(m.module(x)[0].float(), dim=0)[target]
        for start in range(0, len(grid), batch_size):
            chunk = grid[start:start + batch_size]
            batch = x.repeat(len(chunk), 1, 1, 1)
            for k, (top, left) in enumerate(chunk):
                batch[k, :, top:top + window, left:left + window] = paint[0]
            probs = torch.softmax(m.module(batch).float(), dim=1)[:, target]
            drops[start:start + len(chunk)] = (original - probs).cpu()
            if progress:
                progress(start + len(chunk), len(grid))
    return drops.view(len(offsets), len(offsets)).numpy()


def occlusion_map(drops: np.ndarray, window: int, stride: int, size: int) -> np.ndarray:
    """Per pixel [size, size]: the mean drop over the windows that covered it (what Captum's ``Occlusion`` returns)."""
    offsets = positions(size, window, stride)
    if drops.shape != (len(offsets), len(offsets)):
        raise ValueError(f"Expected {len(offsets)}×{len(offsets)} drops for window {window}, stride {stride} "
                         f"on {size} pixels, got {drops.shape}.")
    total = np.zeros((size, size))
    count = np.zeros((size, size))
    for i, top in enumerate(offsets):
        for j, left in enumerate(offsets):
            total[top:top + window, left:left + window] += drops[i, j]
            count[top:top + window, left:left + window] += 1
    return (total / count).astype(np.float32)
