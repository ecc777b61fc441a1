"""Batches of a dataset's images as a network takes them, read by worker processes while the network runs.

Opening a folder of JPEGs is mostly decoding and resizing, and a scan's
forward pass should not wait for it. :func:`batches` hands that work to
``torch.utils.data.DataLoader`` worker processes, as torchvision's ImageNet
reference scripts do. A worker gets the dataset and the model's
:class:`~vizcore.core.preprocessing.Preprocessing`, never the model, and sends back
uint8 pixels (a quarter of the bytes of the float input, through shared
memory and on to the GPU), which the caller normalises on the model's device.

Workers start from a fork server, not by forking the caller: the app is a
threaded web server, and a forked copy of a process whose other threads
hold locks (the allocator's, OpenMP's, logging's) can hang for ever. The fork
server is a fresh single-threaded process that has imported vizcore once, so
a worker starts in a fraction of a second. Workers therefore receive the
dataset pickled; :mod:`vizcore.data`'s datasets pickle. A dataset that does
not, or one too small to be worth starting processes for, is read in the
calling process instead.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Iterator, Sequence

import torch
from torch.utils.data import DataLoader, default_collate

from vizcore.core.preprocessing import Preprocessing
from vizcore.errors import VizError

MIN_BATCHES = 4
"""Fewer batches than this are read in the calling process: starting workers would cost more than they save."""
MAX_WORKERS = 8
"""The most worker processes :func:`default_workers` picks. benchmarks/scan.py measures one worker reading
about a hundred 500×375 JPEGs a second at 224 pixels on one core, far below what a GPU runs, so every spare
core helps there; on the CPU the network is the slower side and idle workers cost little."""


class Pixels(torch.utils.data.Dataset):
    """Items ``items`` of ``dataset`` as (uint8 pixels [3, H, W] the network's size, dataset index).

    An item that fails with a :class:`~vizcore.errors.VizError` (an image that no longer decodes) comes back as
    (that error, index): raised in a worker, DataLoader would re-raise it wrapped in the worker's traceback;
    carried as data, :func:`batches` raises it as it is, with its one sentence.
    """

    def __init__(self, dataset: Sequence, preprocessing: Preprocessing, items: Sequence[int]):
        self.dataset, self.preprocessing, self.items = dataset, preprocessing, items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, j: int) -> tuple[torch.Tensor | VizError, int]:
        i = self.items[j]
        try:
            return self.preprocessing.to_pixels(self.dataset[i][0]), i
        except VizError as e:
            return e, i


def collate(items: list[tuple[torch.Tensor | VizError, int]]) -> tuple[torch.Tensor, torch.Tensor] | VizError:
    """A batch of :class:`Pixels` items, or the error of the first that failed."""
    failed = next((pixels for pixels, _ in items if isinstance(pixels, VizError)), None)
    return failed if failed is not None else default_collate(items)


def default_workers() -> int:
    """Worker processes for the app and the command line: ``$DEEPVIS_WORKERS`` if set, else every core but two
    (the network's), at most ``MAX_WORKERS``. Measured on two cores (benchmarks/scan.py): one worker there takes
    a core from the network and scans 0.8 to 1.0 times as fast as none, so two cores get none."""
    chosen = os.environ.get("DEEPVIS_WORKERS", "").strip()
    if chosen.isdigit():
        return int(chosen)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(0, min(MAX_WORKERS, cores - 2))


def usable_workers(dataset: Sequence, count: int, batch_size: int, workers: int) -> int:
    """``workers``, or fewer: none for fewer than ``MIN_BATCHES`` batches or a dataset that does not pickle,
    never more than there are batches."""
    runs = -(-count // batch_size)  # batches
    if workers <= 0 or runs < MIN_BATCHES:
        return 0
    try:
        pickle.dumps(dataset)
    except (pickle.PicklingError, TypeError, AttributeError):  # what pickling a lambda or a lock raises
        return 0
    return min(workers, runs)


def batches(dataset: Sequence, preprocessing: Preprocessing, items: Sequence[int], batch_size: int,
            workers: int = 0, pin: bool = False) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """(uint8 pixels [B, 3, H, W], dataset indices [B]) for ``items`` of ``dataset``, ``batch_size`` at a time.

    ``workers``: processes that read ahead (see :func:`usable_workers`);
    ``pin``: page-locked tensors, for an asynchronous copy to a GPU. The
    workers end when the iteration does, finished or not. An image that
    fails raises its :class:`~vizcore.errors.VizError` here, workers or not.
    """
    workers = usable_workers(dataset, len(items), batch_size, workers)
    context = None
    if workers:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["vizcore"])  # takes effect when the server starts, once per process
    loader = DataLoader(Pixels(dataset, preprocessing, items), batch_size=batch_size, num_workers=workers,
                        pin_memory=pin, multiprocessing_context=context, collate_fn=collate)
    stream = iter(loader)
    try:
        for batch in stream:
            if isinstance(batch, VizError):
                raise batch
            yield batch
    finally:
        del stream  # the DataLoader stops its workers when their iterator goes
