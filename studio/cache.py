"""The one place where DeepVis Studio caches across reruns and sessions.

Models are ``st.cache_resource``: one object per process, shared by every
browser session (vizcore's models are safe to share). So are an image's
activations: big tensors that ``st.cache_data`` would pickle on every read;
every caller treats them as read-only. Everything else is ``st.cache_data``,
keyed by small strings rather than by big objects — except results whose
computation draws a progress bar: a cached function must not draw (Streamlit
replays what it drew, and cannot replay into a bar made outside it). Those are
kept by kind in small stores of our own, with one get-or-make,
:func:`kept` (and :func:`stored` / :func:`keep` where making and keeping are
apart, as for a run that can be stopped): attribution maps
(:func:`attribution`), max-patch scans (:func:`scan`), the optimising pages'
shared runs (``stored("run", key)`` and ``keep("run", key, result)``, used by
``studio.runs.live``) and embedding features and maps
(:func:`embedding_features`).
"""
from __future__ import annotations

import hashlib
import io
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import streamlit as st
import torch

import vizcore as vc
from vizcore.activations import grids
from vizcore.core import zoo
from vizcore.data.batches import default_workers
from vizcore.patches import TopK, store

from . import downloads

CHECKPOINT_DIR = Path(tempfile.gettempdir()) / "deepvis-checkpoints"
KEPT = {
    "attribution": 48,  # maps: about 0.2 to 0.6 MB each at 224×224
    "scan": 32,  # max-patch scans: channels × k × 32 bytes each, under 1 MB for 4096 units and k = 9
    "run": 12,  # shared runs of the optimising pages: style's textures, transfers and sweeps (a few MB at 512 px)
    "embedding": 16,  # features, maps and placed images (features: N × D × 4 bytes, 8 MB for 2000 × 4096)
}
"""How many results of each kind the app keeps for every session, the least recently used going first."""
T = TypeVar("T")


@st.cache_resource(show_spinner="Loading the model…", max_entries=4)
def model(name: str, weights: str | None, checkpoint: str | None) -> vc.Model:
    """The shared model (raises vc.ModelError, which is not cached)."""
    return vc.load_model(name, weights=weights, checkpoint=checkpoint)


@st.cache_data(ttl=60, show_spinner=False)
def zoo_entries() -> dict[str, zoo.ZooEntry]:
    """torchvision's classifiers with their cache state (rechecked every minute)."""
    return {entry.name: entry for entry in zoo.entries()}


@st.cache_resource(show_spinner=False)
def gallery() -> dict[str, object]:
    """Sample images by name: scikit-learn's photos, a few shapes and digits."""
    images = {}
    samples = vc.data.builtin("samples")
    for i in range(len(samples)):
        images[f"photo: {samples.name(i)}"] = samples[i][0]
    for short in ("shapes", "digits"):
        dataset = vc.data.builtin(short, split="test")
        seen = set()
        for i in range(len(dataset)):
            img, label = dataset[i]
            if label not in seen:
                seen.add(label)
                images[f"{short}: {dataset.classes[label]}"] = img
            if len(seen) == len(dataset.classes):
                break
    return images


@st.cache_resource(max_entries=16, show_spinner=False)
def decoded_image(digest: str, _data: bytes, name: str):
    """An uploaded image decoded once per content (raises vc.ImageError, not cached)."""
    named = io.BytesIO(_data)
    named.name = name  # so that vc.open_image's message names the upload
    return vc.open_image(named)


def save_checkpoint(data: bytes, filename: str) -> str:
    """Store an uploaded checkpoint under its content hash; returns the path (the cache key)."""
    folder = CHECKPOINT_DIR / hashlib.sha256(data).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (Path(filename).name or "checkpoint.pt")
    if not path.exists():
        path.write_bytes(data)
    return str(path)


@st.cache_resource(max_entries=6, show_spinner="Running the network on the image…")
def activations(model_key: tuple, image_key: str, _model: vc.Model, _image) -> dict[str, torch.Tensor]:
    """Every layer's activations for an image from one forward pass, shared by all reruns and sessions (read-only)."""
    return _model.activations(_image)


@st.cache_data(max_entries=64, show_spinner=False)
def activation_grid(model_key: tuple, image_key: str, layer: str, colormap: str, boost: float, gamma: float,
                    _maps: torch.Tensor) -> tuple[bytes, grids.TileLayout]:
    """A layer's maps [C, H, W] for an image tiled into one PNG, and where each channel's tile is."""
    picture, layout = grids.grid(_maps, colormap, boost, gamma)
    return downloads.png(picture), layout


@st.cache_data(max_entries=64, show_spinner="Running the network on the image…")
def probabilities(model_key: tuple, image_key: str, _model: vc.Model, _image) -> np.ndarray:
    """The model's class probabilities for the image [K] (keys identify both)."""
    return _model.probabilities(_image)


class _Store:
    """Results shared by every session, least recently used first, at most ``kept`` of them, behind a lock."""

    def __init__(self, kept: int):
        self.kept, self.items, self.lock = kept, OrderedDict(), threading.Lock()

    def get(self, key):
        """The result stored under ``key`` (now the most recently used), or None."""
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
            return self.items.get(key)

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.kept:
                self.items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def _stores() -> dict[str, _Store]:
    """One store per kind of result (``KEPT``), shared by every session."""
    return {kind: _Store(count) for kind, count in KEPT.items()}


def stored(kind: str, key: tuple):
    """The result of ``kind`` stored under ``key`` if some session has made it, else None."""
    return _stores()[kind].get(key)


def keep(kind: str, key: tuple, value) -> None:
    """Keep a finished result for every session (a stopped one is not kept)."""
    _stores()[kind].put(key, value)


def kept(kind: str, key: tuple, make: Callable[[], T]) -> T:
    """The result stored under ``key``, or ``make()`` kept for every session (nothing is kept when it raises)."""
    result = stored(kind, key)
    if result is None:
        result = make()
        keep(kind, key, result)
    return result


def _attribution_key(model_key: tuple, image_key: str, method: str, target, params: dict) -> tuple:
    return model_key, image_key, method, target, tuple(sorted(params.items()))


def has_attribution(model_key: tuple, image_key: str, method: str, target, params: dict) -> bool:
    """Whether :func:`attribution` with these arguments is ready (no computing)."""
    return stored("attribution", _attribution_key(model_key, image_key, method, target, params)) is not None


def attribution(model_key: tuple, image_key: str, method: str, target, params: dict, model: vc.Model, image,
                progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """``vc.attribution.<method>(model, image, target, **params)``, computed once per model, image, method, target
    and settings, and shared read-only by every session.

    ``progress`` (not part of the key) goes to the long methods; when it
    raises (Streamlit's Stop, or a rerun) nothing is kept.
    """
    def make() -> np.ndarray:
        result = getattr(vc.attribution, method)(model, image, target, **params,
                                                 **({"progress": progress} if progress else {}))
        result.setflags(write=False)
        return result

    return kept("attribution", _attribution_key(model_key, image_key, method, target, params), make)


@st.cache_resource(show_spinner="Reading the dataset…", max_entries=8)
def dataset(name: str, n: int | None) -> vc.data.Dataset:
    """A built-in or downloadable dataset's test split (``n`` images; None: the whole of it).

    Raises vc.DataError (not cached) when a download is needed and fails.
    """
    if name in vc.data.PUBLIC:
        return vc.data.download(name, split="test", n=n)
    return vc.data.builtin(name, split="test", n=n)


@st.cache_resource(show_spinner="Unpacking the zip…", max_entries=4)
def zip_dataset(digest: str, _data: bytes) -> vc.data.Dataset:
    """An uploaded zip of images, unpacked once per content (raises vc.DataError, not cached)."""
    return vc.data.from_zip(_data)


@st.cache_resource(show_spinner="Reading the folder…", max_entries=4)
def folder_dataset(path: str, state: tuple) -> vc.data.Dataset:
    """A folder of images on the server, read again when ``state`` (its files' count and times) changes."""
    return vc.data.folder(path)


def stored_scan(model_key: tuple, dataset_: vc.data.Dataset, layer: str, k: int, model: vc.Model) -> TopK | None:
    """The scan of ``layer`` over the dataset for this model and ``k``, if some session (or an earlier run, on disk)
    has made it."""
    key = (model_key, dataset_.fingerprint, layer, k)
    result = stored("scan", key)
    if result is None:
        result = store.load(model, dataset_, layer, k)
        if result is not None:
            keep("scan", key, result)
    return result


def scan(model_key: tuple, dataset_: vc.data.Dataset, layers: list[str], k: int, model: vc.Model,
         progress: Callable[[int, int], None]) -> dict[str, TopK]:
    """``vc.patches.scan`` of ``layers`` (names) in one pass, with worker processes reading the images, each layer
    kept for every session and on disk on its own (``vizcore.patches.store``); when ``progress`` raises (Stop) nothing
    is kept."""
    result = store.cached_scans(model, dataset_, layers, k, progress=progress, workers=default_workers())
    for layer, top in result.items():
        keep("scan", (model_key, dataset_.fingerprint, layer, k), top)
    return result


@st.cache_resource(show_spinner=False)
def style_samples(size: int = 256) -> dict:
    """The generated style images by name (``vc.style.SAMPLES``), drawn once (read-only)."""
    return {name: vc.style.sample(name, size) for name in vc.style.SAMPLES}


def embedding_features(model_key: tuple, dataset_: vc.data.Dataset, layer: str, model: vc.Model,
                       progress: Callable[[int, int], None]) -> vc.embed.Features:
    """``vc.embed.extract`` of ``layer`` over the dataset, kept for every session and on disk."""
    return kept("embedding", ("features", model_key, dataset_.fingerprint, layer),
                lambda: vc.embed.extract(model, dataset_, layer, progress=progress))


def embedding_map(model_key: tuple, dataset_: vc.data.Dataset, layer: str, method: str, seed: int, vectors,
                  progress: Callable[[int, int], None]) -> vc.embed.Map:
    """``vc.embed.fit`` of the dataset's features by ``method``, kept for every session (a map places new points).

    t-SNE runs on one thread: the server's cores are shared by its sessions, and more threads on busy cores are
    slower (``benchmarks/embed.py``)."""
    return kept("embedding", ("map", model_key, dataset_.fingerprint, layer, method, seed),
                lambda: vc.embed.fit(vectors, method, seed, progress, threads=1))


@st.cache_data(max_entries=64, show_spinner=False)
def encoded(model_key: tuple, image_key: str, layer: str, _model: vc.Model, _image) -> np.ndarray:
    """An image's vector at ``layer``, as ``vc.embed.encode`` gives it (keys identify the model and the image)."""
    return vc.embed.encode(_model, [_image], layer)[0]


def placed(model_key: tuple, dataset_: vc.data.Dataset, layer: str, method: str, seed: int, image_key: str,
           vector, map_: vc.embed.Map) -> np.ndarray:
    """Where the map puts an image's vector (x, y), kept for every session."""
    return kept("embedding", ("placed", model_key, dataset_.fingerprint, layer, method, seed, image_key),
                lambda: map_.place(vector))


@st.cache_data(max_entries=16, show_spinner=False)
def image_pixels(model_key: tuple, image_key: str, _model: vc.Model, _image) -> np.ndarray:
    """An image in the network's input pixels [3·H·W] (keys identify the model and the image)."""
    return vc.embed.pixels(_model, [(_image, 0)])[0]


@st.cache_resource(max_entries=4, show_spinner="Reading the images as the network sees them…")
def pixels(model_key: tuple, fingerprint: str, _model: vc.Model, _dataset: vc.data.Dataset) -> np.ndarray:
    """Every image of the dataset in the network's input pixels [N, 3·H·W] (read-only)."""
    return vc.embed.pixels(_model, _dataset)
