"""Max-patch scans kept on disk, so a scan survives a restart (the toolbox's top-9 took 40 hours to precompute).

A scan is stored under a key made of the network (its class, name and
preprocessing, and a hash of every weight: a fine-tuned or re-initialised
network gets its own), the dataset's fingerprint, the layer and k, as a
small ``torch.save`` file read back with ``weights_only=True``: one file per
layer, so a pass over several layers serves each of them later on its own.
The folder is ``$DEEPVIS_CACHE/scans`` (default ``~/.cache/deepvis/scans``).
"""
from __future__ import annotations

import hashlib
import os
import threading
import weakref
from pathlib import Path

import torch

from vizcore.core.model import Model
from vizcore.core.progress import Progress
from vizcore.patches.topk import TopK, scan

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


def cached_scans(m: Model, dataset, layers, k: int = 9, batch_size: int = 64, progress: Progress | None = None,
                 workers: int = 0) -> dict[str, TopK]:
    """{layer name: TopK} for ``layers`` (names or labels): the kept scans, and the others from one
    :func:`vizcore.patches.scan` run now, each layer then kept on its own (nothing is kept if stopped)."""
    names = list(dict.fromkeys(m.layer(layer).name for layer in layers))
    kept = {name: load(m, dataset, name, k) for name in names}
    missing = [name for name, top in kept.items() if top is None]
    if missing:
        for name, top in scan(m, dataset, missing, k, batch_size, progress, workers=workers).items():
            _save(top, path(m, dataset, name, k))
            kept[name] = top
    return kept


def _save(top: TopK, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{threading.get_ident()}.part")
    torch.save({"values": top.values, "indices": top.indices, "positions": top.positions}, partial)
    partial.replace(target)  # atomic: a reader never sees half a file
