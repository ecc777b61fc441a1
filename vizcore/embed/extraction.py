"""A layer's vectors for every image of a dataset, with the class the network predicts for each.

The "CNN codes" of Krizhevsky et al. 2012 (§6.1) and Karpathy's t-SNE of
ImageNet: the 4096-d FC7 vector of AlexNet per image. Any layer can be used;
the default is the penultimate one (:func:`penultimate`). A feature-map layer
[C, H, W] is averaged over its positions into [C] by default (global average
pooling, as ResNet's own head does), or flattened into [C·H·W] with
``pooling="flatten"``.

Results are kept on disk, keyed like the max-patch scans (:mod:`vizcore.patches.store`)
by a hash of the network's weights, the layer, the pooling and the dataset's
fingerprint, in ``$DEEPVIS_CACHE/embeddings`` (default ``~/.cache/deepvis/embeddings``).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from vizcore.core.model import Model
from vizcore.core.progress import Progress
from vizcore.errors import DataError
from vizcore.patches import store

POOLINGS = ("mean", "flatten")


@dataclass(frozen=True)
class Features:
    """One row per image: ``vectors`` [N, D] float32, ``predicted`` and ``labels`` [N] class indices."""

    vectors: np.ndarray
    predicted: np.ndarray
    labels: np.ndarray
    layer: str
    pooling: str


def penultimate(m: Model) -> str:
    """The layer before the classifier: "fc7" of AlexNet and VGG, the pooled features of ResNet and friends.

    The last fully connected layer before the output one when the head has
    several (AlexNet, VGG, MobileNet v3); otherwise the layer that feeds the
    output (ResNet's ``avgpool``, a pooled feature map).
    """
    linear = [layer for layer in m.layers[:-1] if layer.kind == nn.Linear.__name__]
    if linear and m.layers[-1].kind == nn.Linear.__name__:
        return linear[-1].name
    return m.layers[-2].name if len(m.layers) > 1 else m.layers[-1].name


def directory() -> Path:
    """Where features are kept (beside the scans; read from ``DEEPVIS_CACHE`` on each call)."""
    return store.directory().parent / "embeddings"


def path(m: Model, dataset, layer: str, pooling: str) -> Path:
    return directory() / f"{store.model_digest(m)}-{dataset.fingerprint}-{m.layer(layer).name}-{pooling}.npz"


def extract(m: Model, dataset, layer: str | None = None, pooling: str = "mean", batch_size: int = 64,
            progress: Progress | None = None) -> Features:
    """``layer``'s vector (None: :func:`penultimate`) and the predicted class of every image, kept on disk.

    One forward pass per ``batch_size`` images; ``progress(done, total)`` after
    each. When it raises (a Stop), nothing is kept.
    """
    if pooling not in POOLINGS:
        raise DataError(f"Feature maps are pooled by {' or '.join(POOLINGS)}, not {pooling!r}.")
    if len(dataset) == 0:
        raise DataError("The dataset holds no images.")
    layer = m.layer(layer or penultimate(m)).name
    target = path(m, dataset, layer, pooling)
    try:
        with np.load(target, allow_pickle=False) as kept:
            return Features(kept["vectors"], kept["predicted"], kept["labels"], layer, pooling)
    except (OSError, KeyError, ValueError):
        pass
    features = _run(m, dataset, layer, pooling, batch_size, progress)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{threading.get_ident()}.part.npz")
    np.savez(partial, vectors=features.vectors, predicted=features.predicted, labels=features.labels)
    partial.replace(target)  # atomic: a reader never sees half a file
    return features


def features(m: Model, dataset, layer: str | None = None, pooling: str = "mean", batch_size: int = 64,
             progress: Progress | None = None) -> np.ndarray:
    """``layer``'s vectors [N, D] for every image of ``dataset`` (see :func:`extract`)."""
    return extract(m, dataset, layer, pooling, batch_size, progress).vectors


def encode(m: Model, images, layer: str | None = None, pooling: str = "mean") -> np.ndarray:
    """``layer``'s vectors [M, D] for a few PIL images, not kept (the current image, say, to place it into a map)."""
    items = [(img, 0) for img in images]
    return _run(m, items, m.layer(layer or penultimate(m)).name, pooling, max(1, len(items)), None).vectors


def _run(m: Model, dataset, layer: str, pooling: str, batch_size: int, progress: Progress | None) -> Features:
    output = m.layers[-1].name  # the classifier's scores, for the predicted class
    vectors, predicted, labels = [], [], []
    for start in range(0, len(dataset), batch_size):
        items = [dataset[i] for i in range(start, min(start + batch_size, len(dataset)))]
        acts = m.activations_batch(torch.cat([m.preprocess(img) for img, _ in items]), [layer, output])
        vectors.append(_pooled(acts[layer], pooling).numpy())
        predicted.append(acts[output].flatten(1).argmax(1).numpy())
        labels.extend(label for _, label in items)
        if progress:
            progress(start + len(items), len(dataset))
    return Features(np.concatenate(vectors), np.concatenate(predicted), np.asarray(labels, dtype=np.int64), layer,
                    pooling)


def _pooled(acts: torch.Tensor, pooling: str) -> torch.Tensor:
    if acts.dim() == 4 and pooling == "mean":
        return acts.mean(dim=(2, 3))
    return acts.flatten(1)


def pixels(m: Model, dataset) -> np.ndarray:
    """Every image as the network sees it (resized and cropped), its RGB values in [0, 1] flattened: [N, 3·H·W].

    The raw pixel space of the lecture's nearest-neighbour comparison.
    """
    return np.stack([np.asarray(m.view(dataset[i][0]), dtype=np.float32).reshape(-1) / 255
                     for i in range(len(dataset))])
