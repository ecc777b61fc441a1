"""Max-patch scans kept on disk, so a scan survives a restart (the toolbox's top-9 took 40 hours to precompute).

A scan is stored under a key made of the network (its class, name and
preprocessing, and a hash of every weight: a fine-tuned or re-initialised
network gets its own), the dataset's fingerprint, the layer and k, as a
small ``torch.save`` file read back with ``weights_only=True``. The folder
is ``$DEEPVIS_CACHE/scans`` (default ``~/.cache/deepvis/scans``).
"""
from __future__ import annotations

import hashlib
import os
import threading
import weakref
from pathlib import Path

import torch

from .model import Model
from .patches import Progress, TopK, scan

_digests: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def directory() -> Path:
    """Where scans are kept (read from ``DEEPVIS_CACHE`` on each call)."""
    return Path(os.environ.get("DEEPVIS_CACHE") or Path.home() / ".cache" / "deepvis") / "scans"


def model_digest(m: Model) -> str:
    """A hash of the network's kind, preprocessing and weights, computed once per model."""
    with _lock:
        if m not in _digests:
            digest = hashlib.sha256(f"{type(m.module).__name__} {m.name} {m.preprocessing}".encode())
            for name, tensor in m.module.state_dict().items():
                digest.update(f"{name} {tuple(tensor.shape)} {tensor.dtype}".encode())
                digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
            _digests[m] = digest.hexdigest()[:16]
        return _digests[m]


def path(m: Model, dataset, layer: str, k: int) -> Path:
    """The file for the scan of ``layer`` (name or label) over ``dataset`` with this ``k``."""
    return directory() / f"{model_digest(m)}-{dataset.fingerprint}-{m.layer(layer).name}-k{k}.pt"


def load(m: Model, dataset, layer: str, k: int) -> TopK | None:
    """The kept scan, or None when there is none (or the file cannot be read)."""
    try:
        saved = torch.load(path(m, dataset, layer, k), weights_only=True)
        return TopK(saved["values"], saved["indices"], saved["positions"])
    except (OSError, RuntimeError, KeyError, EOFError):
        return None


def cached_scan(m: Model, dataset, layer: str, k: int = 9, batch_size: int = 64,
                progress: Progress | None = None) -> TopK:
    """The kept scan of one layer, or :func:`vizcore.patches.scan` run now and kept (nothing is kept if stopped)."""
    top = load(m, dataset, layer, k)
    if top is None:
        top = scan(m, dataset, [layer], k, batch_size, progress)[m.layer(layer).name]
        target = path(m, dataset, layer, k)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{threading.get_ident()}.part")
        torch.save({"values": top.values, "indices": top.indices, "positions": top.positions}, partial)
        partial.replace(target)  # atomic: a reader never sees half a file
    return top
