"""Read a user's checkpoint file safely and fit it to an architecture.

Checkpoints are untrusted: a pickle can run arbitrary code when loaded, so
state dicts are read with ``torch.load(weights_only=True)``, which refuses any
Python object other than tensors and plain containers. TorchScript archives are
loaded with ``torch.jit.load`` (TorchScript code runs in the TorchScript
interpreter, not as Python).

A state dict for a torchvision architecture may have been fine-tuned to another
number of classes; the classifier's size is read from the file and the
architecture built to match, instead of refusing it.
"""
from __future__ import annotations

import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from vizcore.errors import ModelError

SAVE_HINT = "save the model's state_dict (torch.save(model.state_dict(), path)) or a TorchScript file"


@dataclass
class StateDict:
    """Tensors by parameter name, plus the class names if the file carried them."""

    tensors: dict[str, torch.Tensor]
    categories: list[str] | None


def read(path: str | Path) -> StateDict | torch.jit.ScriptModule:
    """Open a checkpoint: a TorchScript module, or a StateDict (weights only, never code)."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"The checkpoint file '{path}' does not exist.")
    if _is_torchscript(path):
        try:
            return torch.jit.load(str(path), map_location="cpu")
        except Exception as e:  # a damaged archive raises from C++ with many types
            raise ModelError(f"'{path.name}' looks like a TorchScript file but could not be loaded: "
                             f"{_first_line(e)}.") from e
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        if isinstance(e, pickle.UnpicklingError) and "GLOBAL" in str(e):
            raise ModelError(
                f"'{path.name}' contains Python objects besides tensors, and loading it could run code, "
                f"so it was refused; {SAVE_HINT}."
            ) from e
        raise ModelError(f"'{path.name}' is not a PyTorch checkpoint that can be read (damaged or another "
                         "format).") from e
    return _as_state_dict(loaded, path.name)


def fit(build: Callable[[int], nn.Module], state: StateDict, arch: str, default_classes: int,
        filename: str) -> tuple[nn.Module, int]:
    """Build ``arch`` with as many classes as the checkpoint has, load its tensors strictly.

    Returns the module and its number of classes.
    """
    model = build(default_classes)
    n_classes = _classes_in(state.tensors, model.state_dict(), default_classes)
    if state.categories is not None and len(state.categories) != n_classes:
        raise ModelError(
            f"'{filename}' names {len(state.categories)} categories but its classifier has {n_classes} outputs; "
            "the two must match."
        )
    if n_classes != default_classes:
        model = build(n_classes)
    problems = _mismatch(state.tensors, model.state_dict())
    if problems:
        raise ModelError(f"'{filename}' does not fit {arch}: {problems}. Was it saved from another architecture?")
    model.load_state_dict(state.tensors)
    return model, n_classes


def require_safe(path: Path) -> None:
    """Refuse a weights file that holds anything but tensors, before torchvision unpickles it.

    torchvision reads its cache with ``weights_only=False``; a file that passes
    the restricted unpickler here holds nothing that could run code there.
    """
    try:
        torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except (RuntimeError, pickle.UnpicklingError):
        read(path)  # legacy (non-zip) files cannot be memory-mapped; unsafe or damaged ones raise here


def _is_torchscript(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name.endswith("/constants.pkl") or "/code/" in name for name in archive.namelist())


def _as_state_dict(loaded, filename: str) -> StateDict:
    categories = None
    if isinstance(loaded, dict):
        for key in ("state_dict", "model_state_dict", "model"):
            if isinstance(loaded.get(key), dict):
                cats = loaded.get("categories")
                categories = [str(c) for c in cats] if isinstance(cats, (list, tuple)) else None
                loaded = loaded[key]
                break
    if not isinstance(loaded, dict) or not loaded or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise ModelError(f"'{filename}' holds no state_dict (a mapping of parameter names to tensors); {SAVE_HINT}.")
    tensors = {k.removeprefix("module."): v for k, v in loaded.items()}  # saved from DataParallel
    return StateDict(tensors, categories)


def _classes_in(tensors: dict, reference: dict, default_classes: int) -> int:
    """The checkpoint's class count, read from the classifier tensors (first dim = classes)."""
    head = [k for k, v in reference.items() if v.dim() and v.shape[0] == default_classes]
    sizes = {tensors[k].shape[0] for k in head if k in tensors and tensors[k].dim()}
    return sizes.pop() if len(sizes) == 1 else default_classes


def _mismatch(tensors: dict, reference: dict) -> str:
    """A short description of what differs between two state dicts, or ''."""
    missing = [k for k in reference if k not in tensors]
    unexpected = [k for k in tensors if k not in reference]
    shapes = [k for k in reference if k in tensors and tensors[k].shape != reference[k].shape]
    parts = []
    if missing:
        parts.append(f"{len(missing)} of its {len(reference)} tensors are missing (e.g. {missing[0]})")
    if unexpected:
        parts.append(f"{len(unexpected)} tensors in the file have names it does not use (e.g. {unexpected[0]})")
    if shapes:
        k = shapes[0]
        parts.append(
            f"{len(shapes)} tensors have other shapes (e.g. {k}: file {_dims(tensors[k])}, model {_dims(reference[k])})"
        )
    return "; ".join(parts)


def _dims(t: torch.Tensor) -> str:
    return "×".join(map(str, t.shape)) or "scalar"


def _first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]
