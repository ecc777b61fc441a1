"""Max-activating patches: for each unit, the dataset images (and places) that excite it most.

Zeiler & Fergus 2014 ("Visualizing and Understanding Convolutional Networks",
§4) show each unit's nine strongest activations over a dataset as the image
patches under them; the Deep Visualization Toolbox (Yosinski et al. 2015)
shows the same "top 9" beside each unit. :func:`scan` finds them in one pass
over the data: each image counts once per channel, at the place where the
channel peaks on it (the maximum over the map), and a running top-k per
channel is merged batch by batch on the model's device, so memory stays at
channels × k and nothing waits for a copy to the CPU until the end. Worker
processes read the next images meanwhile (:mod:`vizcore.data.batches`).
:func:`crop` cuts the patch a unit saw, using :func:`receptive_field`.
"""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass

import torch
from PIL import Image, ImageDraw

from vizcore.core.model import Model
from vizcore.core.progress import Progress
from vizcore.data.batches import batches
from vizcore.patches.receptive import Box, receptive_field


@dataclass(frozen=True)
class TopK:
    """A layer's strongest activations per channel, strongest first.

    ``values`` [C, k] float32; ``indices`` [C, k] int64, dataset indices;
    ``positions`` [C, k, 2] int64, (y, x) of the peak in the layer's map
    ((0, 0) for a vector layer). k is at most the number of images scanned.
    Equal values are ordered by dataset index, lower first.
    """

    values: torch.Tensor
    indices: torch.Tensor
    positions: torch.Tensor

    @property
    def k(self) -> int:
        return self.values.shape[1]

    def to(self, device: torch.device | str) -> TopK:
        """The same top-k on ``device``."""
        return TopK(self.values.to(device), self.indices.to(device), self.positions.to(device))

    def merge(self, other: TopK, k: int | None = None) -> TopK:
        """The top ``k`` (default: the larger k of the two) of both, as if both shards had been scanned at once."""
        both = TopK(torch.cat([self.values, other.values], 1), torch.cat([self.indices, other.indices], 1),
                    torch.cat([self.positions, other.positions], 1))
        return both.top(max(self.k, other.k) if k is None else k)

    def top(self, k: int) -> TopK:
        """The ``k`` strongest per channel, sorted: by value, then by dataset index, lower first."""
        by_index = torch.argsort(self.indices, dim=1, stable=True)
        values = self.values.gather(1, by_index)
        order = by_index.gather(1, torch.argsort(values, dim=1, descending=True, stable=True)[:, :k])
        return TopK(self.values.gather(1, order), self.indices.gather(1, order),
                    self.positions.gather(1, order[..., None].expand(-1, -1, 2)))


def batch_top(acts: torch.Tensor, indices: torch.Tensor) -> TopK:
    """Every image of a batch of activations [B, C, H, W] or [B, D] (dataset ``indices`` [B]) as a candidate: k = B.

    On the device of ``acts`` (``indices`` there too)."""
    b, c = acts.shape[:2]
    if acts.dim() == 4:
        peaks, where = acts.flatten(2).max(dim=2)  # the first place of the maximum, in reading order
        positions = torch.stack([where // acts.shape[3], where % acts.shape[3]], -1)
    else:
        peaks, positions = acts, torch.zeros(b, c, 2, dtype=torch.long, device=acts.device)
    return TopK(peaks.float().T.contiguous(), indices.expand(c, b).contiguous(), positions.transpose(0, 1).contiguous())


def scan(m: Model, dataset: Sequence, layers, k: int = 9, batch_size: int = 64, progress: Progress | None = None,
         indices: Sequence[int] | None = None, workers: int = 0) -> dict[str, TopK]:
    """Each channel's ``k`` strongest images of ``dataset`` in each of ``layers`` (names or labels): {layer name: TopK}.

    ``dataset``: a sequence of (PIL image, label), such as a
    :class:`vizcore.data.Dataset`. One forward pass per batch, stopping
    after the deepest layer asked for. ``indices``: scan only these dataset
    items (a shard, e.g. ``range(1000, 2000)``); shards' results
    :meth:`TopK.merge` into the result of one scan of them all. ``workers``:
    processes that decode and preprocess the images ahead of the network
    (:func:`vizcore.data.batches.batches`; ``vizcore.data.batches.default_workers()``
    suits most machines); the result is the same. The top-k stays on the
    model's device until it is returned, on the CPU.
    """
    if k < 1 or batch_size < 1:
        raise ValueError(f"k and batch_size must be at least 1, not {k} and {batch_size}.")
    items = range(len(dataset)) if indices is None else list(indices)
    if len(items) == 0:
        raise ValueError("There are no images to scan: the dataset (or the part asked for) is empty.")
    names = [m.layer(name).name for name in layers]
    best: dict[str, TopK] = {}
    total, done = len(items), 0
    cuda = m.device.type == "cuda"
    with closing(batches(dataset, m.preprocessing, items, batch_size, workers, pin=cuda)) as stream:
        for pixels, index in stream:
            x = m.preprocessing.normalize(pixels.to(m.device, non_blocking=cuda))
            where = index.to(m.device, non_blocking=cuda)
            for name, acts in m.activations_batch(x, names, on_device=True).items():
                candidates = batch_top(acts, where)
                best[name] = candidates.merge(best[name], k) if name in best else candidates.top(k)
            done += len(index)
            if progress is not None:
                progress(done, total)
    return {name: top.to("cpu") for name, top in best.items()}


def crop(m: Model, img: Image.Image, layer: str, y: int, x: int) -> Image.Image:
    """The patch unit (y, x) of ``layer`` sees, cut from the image as the network sees it (``m.input_size`` square).

    All patches of a layer have one size, the unit's whole receptive field:
    where the field reaches past the image, the patch is black there.
    A vector layer sees the whole image.
    """
    return cut(m.view(img), receptive_field(m, layer, y, x, clip=False))


def cut(picture: Image.Image, box: Box, fill=(0, 0, 0)) -> Image.Image:
    """``box`` (top, left, bottom, right) of ``picture``, ``fill`` where the box leaves it."""
    top, left, bottom, right = box
    patch = Image.new("RGB", (right - left, bottom - top), fill)
    inside = (max(left, 0), max(top, 0), min(right, picture.width), min(bottom, picture.height))
    if inside[0] < inside[2] and inside[1] < inside[3]:
        patch.paste(picture.convert("RGB").crop(inside), (inside[0] - left, inside[1] - top))
    return patch


def source(m: Model, dataset: Sequence, top: TopK, layer: str, unit: int, rank: int) -> tuple[Image.Image, Box]:
    """The image behind ``unit``'s ``rank``-th strongest activation (rank 0 first) and the field its peak saw."""
    y, x = (int(v) for v in top.positions[unit, rank])
    return dataset[int(top.indices[unit, rank])][0], receptive_field(m, layer, y, x)


def outline(img: Image.Image, box: Box, color: str = "#E45756", width: int = 2) -> Image.Image:
    """A copy of ``img`` with ``box`` (top, left, bottom, right; bottom and right exclusive) drawn on it."""
    top, left, bottom, right = box
    drawn = img.copy()
    ImageDraw.Draw(drawn).rectangle((left, top, right - 1, bottom - 1), outline=color, width=width)
    return drawn
