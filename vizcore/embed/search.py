"""Exact nearest neighbours: one matrix product per chunk, on the model's device.

The lecture's "last layer" slide (after Krizhevsky et al. 2012, fig. 4): the
images nearest a query in the network's feature space look alike to a person,
those nearest in raw pixel space mostly share a background. Search is exact
(brute force), which is what a few thousand images need and what a GPU does
fast even for a million vectors: the vectors live on the device once
(:class:`Index`), each query block meets them a chunk at a time, and a running
top-k is kept, so the temporary distance block never exceeds ``budget``
numbers whatever the size of the set. Distances of the final top-k are then
recomputed directly (not through the expansion ``|x|² - 2x·q + |q|²``, which
loses digits in float32).
"""
from __future__ import annotations

import numpy as np
import torch

from vizcore.core.loading import pick_device
from vizcore.errors import DataError

METRICS = ("cosine", "l2")
BUDGET = 1 << 24
"""Numbers in one temporary distance block (64 MB of float32)."""


class Index:
    """Vectors [N, D] (an array, or a tensor on any device) kept on ``device`` for exact k-nearest-neighbour search
    by ``metric`` ("cosine" or "l2")."""

    def __init__(self, vectors, metric: str = "cosine", device: str | torch.device = "auto", budget: int = BUDGET):
        if metric not in METRICS:
            raise DataError(f"Distances are measured by {' or '.join(METRICS)}, not {metric!r}.")
        data = float_tensor(vectors)
        if data.dim() != 2 or len(data) == 0:
            raise DataError(f"Neighbours are searched among vectors [N, D], not an array of shape {tuple(data.shape)}.")
        self.metric, self.device, self.budget = metric, pick_device(device), budget
        self.vectors = self._prepared(data.to(self.device))
        self.norms = (self.vectors * self.vectors).sum(1)

    def __len__(self) -> int:
        return len(self.vectors)

    def _prepared(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.normalize(x, dim=1) if self.metric == "cosine" else x

    def search(self, query, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest vectors to each query, nearest first: (indices, distances).

        ``query``: one vector [D] (results [k]) or several [M, D] (results [M, k]).
        Cosine distance is 1 - cosine similarity; l2 is the Euclidean distance.
        """
        q = float_tensor(query)
        single = q.dim() == 1
        q = q.reshape(1, -1) if single else q
        if q.dim() != 2 or q.shape[1] != self.vectors.shape[1]:
            raise DataError(f"A query needs {self.vectors.shape[1]} numbers per vector, not shape {tuple(q.shape)}.")
        k = min(k, len(self))
        rows_per_block = max(1, self.budget // max(k * self.vectors.shape[1], len(self)))
        indices, distances = [], []
        for start in range(0, len(q), rows_per_block):
            block = self._prepared(q[start:start + rows_per_block].to(self.device))
            i, d = self._exact(block, self._candidates(block, k))
            indices.append(i.cpu().numpy())
            distances.append(d.cpu().numpy())
        indices, distances = np.concatenate(indices), np.concatenate(distances)
        return (indices[0], distances[0]) if single else (indices, distances)

    def _candidates(self, q: torch.Tensor, k: int) -> torch.Tensor:
        """The k nearest by the matrix-product form of the distance, over chunks of the set: indices [M, k].

        Ranked by the largest ``q·x`` (cosine, both normalised) or ``2q·x - |x|²`` (l2: the same order as the
        smallest ``|x - q|²``, whose ``|q|²`` is the same for every x).
        """
        chunk = max(k, self.budget // len(q))
        best_d = best_i = None
        for start in range(0, len(self), chunk):
            part = self.vectors[start:start + chunk]
            product = q @ part.T  # for cosine, the similarity: the nearest have the largest
            d = product if self.metric == "cosine" else 2 * product - self.norms[start:start + chunk]
            d, i = torch.topk(d, min(k, len(part)), dim=1)
            i = i + start
            if best_d is not None:
                d, order = torch.topk(torch.cat([best_d, d], 1), k, dim=1)
                i = torch.gather(torch.cat([best_i, i], 1), 1, order)
            best_d, best_i = d, i
        return best_i

    def _exact(self, q: torch.Tensor, candidates: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Distances to the candidates computed directly, and the candidates sorted by them."""
        near = self.vectors[candidates]  # [M, k, D]
        if self.metric == "cosine":
            d = (1 - (near * q[:, None]).sum(-1)).clamp_min(0)
        else:
            d = (near - q[:, None]).norm(dim=-1)
        d, order = torch.sort(d, dim=1, stable=True)
        return torch.gather(candidates, 1, order), d


def float_tensor(x) -> torch.Tensor:
    """An array or a tensor (left on its device) as a float32 tensor."""
    return x.detach().float() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x, dtype=np.float32))


def neighbors(X, query, k: int = 10, metric: str = "cosine", device: str | torch.device = "auto"):
    """The ``k`` rows of ``X`` [N, D] nearest ``query`` ([D], or [M, D]): (indices, distances), nearest first.

    Builds an :class:`Index` for this one search; keep an Index to search the same set again.
    """
    return Index(X, metric, device).search(query, k)


def knn_graph(index: Index, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each indexed vector's ``k`` nearest others (itself left out): indices and distances [N, k]."""
    n = len(index)
    indices, distances = index.search(index.vectors, k + 1)
    itself = indices == np.arange(n)[:, None]
    itself[~itself.any(1), -1] = True  # an exact duplicate came first: drop the farthest instead
    return indices[~itself].reshape(n, k), distances[~itself].reshape(n, k)
