"""Maps of a feature space in two dimensions, and new points placed into a map without redrawing it.

- ``"pca"``: principal component analysis (Pearson 1901), scikit-learn's.
- ``"tsne"``: t-SNE (van der Maaten & Hinton 2008) with the FFT-accelerated
  interpolation of Linderman et al. 2019 for the repulsive forces: openTSNE's
  (Poličar, Stražar & Zupan 2024) on the CPU, :mod:`.torchtsne` on a GPU.
- ``"umap"``: UMAP (McInnes, Healy & Melville 2018), umap-learn's, its numba
  code cached on disk (:mod:`.umapping`).

t-SNE and UMAP first reduce the vectors to their top 50 principal
components (:mod:`.principal`), and take their neighbours from an exact
search (:mod:`.search`: a matrix product) instead of the libraries'
approximate indexes, both on the GPU when there is one. Both are
deterministic given ``seed``.

Why openTSNE, and how (``benchmarks/embed.py``: 10 000 points of 4096-d
clustered features on two cores): scikit-learn's Barnes-Hut t-SNE took 38 s
and openTSNE's defaults 26 s, both at trustworthiness 0.9878; most of that
is their 750 iterations, while the local structure that trustworthiness
measures is in place long before: 100 iterations of early exaggeration and
200 more took 8 s at 0.9868, PCA included (125 + 250: 9.4 s at 0.9873;
100 + 150: 7.4 s at 0.9859, a third of the margin gone for 0.6 s).
Below 5 000 points Barnes-Hut forces are faster than the FFT grid, whose
cost does not shrink with the number of points; on busy cores one thread is
faster than two. openTSNE also places new points into a finished map
(``TSNEEmbedding.transform``), which scikit-learn's t-SNE cannot.

Why a second t-SNE on a GPU: openTSNE runs on the CPU only. The same
method written in torch (:mod:`.torchtsne`: same affinities, same
interpolation, same optimiser) reaches the same trustworthiness (0.9866
against openTSNE's 0.9868 on the benchmark's 10 000 points) but takes about
2.5 times as long on two CPU cores, so on the CPU openTSNE stays.
"""
from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.decomposition import PCA

from vizcore.core.loading import pick_device
from vizcore.core.progress import Progress
from vizcore.embed.principal import Reduction
from vizcore.embed.search import Index, float_tensor, knn_graph
from vizcore.embed.torchtsne import TorchTSNE
from vizcore.embed.umapping import umap
from vizcore.errors import DataError

METHODS = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
ENGINES = ("auto", "opentsne", "torch")
REDUCED = 50
"""Principal components kept before t-SNE and UMAP."""
TSNE_ITERATIONS = (100, 200)
"""Iterations of t-SNE with early exaggeration (12), then without."""
UMAP_EPOCHS = 200
"""umap-learn's own count for more than 10 000 points (it takes 500 below)."""
UMAP_NEIGHBORS = 15
"""umap-learn's default. It starts from the PCA of the data rather than its default spectral layout, which draws
a graph in pieces (well-separated classes) with NumPy's global random numbers: not reproducible, nor thread-safe."""
PERPLEXITY = 30.0
BARNES_HUT_BELOW = 5000
"""Fewer points than this get Barnes-Hut forces, more the FFT-accelerated ones."""


@dataclass
class Map:
    """A fitted map: ``points`` [N, 2], one per vector it was made from."""

    points: np.ndarray
    method: str
    _place: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    made_by: str = ""
    """What computed it, and where: "openTSNE on the CPU", "vizcore's t-SNE in torch on the GPU (cuda)"…"""

    def place(self, vectors) -> np.ndarray:
        """New vectors [M, D] (or one [D]) put where the map would have them, its own points unmoved: [M, 2] ([2])."""
        x = np.asarray(vectors, dtype=np.float32)
        single = x.ndim == 1
        placed = np.asarray(self._place(x.reshape(1, -1) if single else x), dtype=np.float32)
        return placed[0] if single else placed


def project(X, method: str = "pca", seed: int = 0, progress: Progress | None = None) -> np.ndarray:
    """``X`` [N, D] mapped to [N, 2] by ``method`` ("pca", "tsne" or "umap"); see :func:`fit`."""
    return fit(X, method, seed, progress).points


def fit(X, method: str = "pca", seed: int = 0, progress: Progress | None = None, device="auto",
        threads: int | None = None, engine: str = "auto") -> Map:
    """A 2-D map of ``X`` [N, D] by ``method``, which can also place new vectors (:meth:`Map.place`).

    ``progress(done, total)`` is called as the work goes on (t-SNE's
    iterations, UMAP's epochs); when it raises (a Stop) the work ends there.
    ``device`` is where the principal components and the neighbours are
    computed (and t-SNE, by the torch engine); ``threads`` is how many
    CPU threads t-SNE uses (default: one below :data:`BARNES_HUT_BELOW`
    points, where more threads save little and cost a lot on busy cores,
    torch's count above; one is fastest whenever the cores are busy with
    other work, as in a server with many sessions). ``engine`` computes
    t-SNE: "opentsne" (on the CPU), "torch" (:mod:`.torchtsne`, on
    ``device``), or "auto": torch where the neighbours are searched on a
    CUDA GPU, openTSNE elsewhere.
    """
    if method not in METHODS:
        raise DataError(f"Maps are drawn by {', '.join(METHODS)}, not {method!r}.")
    if engine not in ENGINES:
        raise DataError(f"t-SNE is computed by {', '.join(ENGINES)}, not {engine!r}.")
    X = np.asarray(X, dtype=np.float32)
    least = 2 if method == "pca" else 10
    if X.ndim != 2 or len(X) < least:
        raise DataError(f"{METHODS[method]} needs at least {least} vectors [N, D]; this set has shape {X.shape}.")
    if not np.isfinite(X).all():
        raise DataError("The vectors hold values that are not finite numbers (inf or NaN).")
    if method == "pca":
        pca = PCA(2, random_state=seed).fit(X)
        return Map(pca.transform(X), method, pca.transform, "scikit-learn on the CPU")
    data = torch.as_tensor(X).to(pick_device(device))
    reduce = Reduction(data, min(REDUCED, len(X)), seed) if X.shape[1] > REDUCED else float_tensor
    index = Index(reduce(data), "l2", data.device)
    if method == "tsne" and (engine == "torch" or engine == "auto" and index.device.type == "cuda"):
        made = _torch_tsne(index, seed, progress)
    elif method == "tsne":
        made = _tsne(index, seed, progress, threads or (1 if len(X) < BARNES_HUT_BELOW else torch.get_num_threads()))
    else:
        made = _umap(index, seed, progress)
    return Map(made.points, method, lambda x: made._place(reduce(x).cpu().numpy()),
               f"{made.made_by}; principal components and neighbours on {_where(index.device)}")


def _where(device: torch.device) -> str:
    return "the CPU" if device.type == "cpu" else f"the GPU ({device.type})"


def _torch_tsne(index: Index, seed: int, progress: Progress | None) -> Map:
    made = TorchTSNE(index, min(PERPLEXITY, (len(index) - 1) / 3), TSNE_ITERATIONS, seed, progress)
    return Map(made.points, "tsne", made.place, f"vizcore's t-SNE in torch on {_where(index.device)}")


def _tsne(index: Index, seed: int, progress: Progress | None, threads: int) -> Map:
    from openTSNE import TSNEEmbedding, affinity, initialization
    from openTSNE.nearest_neighbors import KNNIndex

    class Exact(KNNIndex):
        """openTSNE's neighbour interface over our exact search."""

        VALID_METRICS = ["euclidean"]

        def build(self):
            return knn_graph(index, self.k)

        def query(self, query, k):
            return index.search(query, k)

    n = len(index)
    perplexity = min(PERPLEXITY, (n - 1) / 3)
    vectors = index.vectors.cpu().numpy()
    affinities = affinity.PerplexityBasedNN(knn_index=Exact(vectors, min(n - 1, int(3 * perplexity))),
                                            perplexity=perplexity, n_jobs=threads)
    early, late = TSNE_ITERATIONS
    report = _iterations(progress, early + late)
    embedding = TSNEEmbedding(initialization.pca(vectors, random_state=seed), affinities, random_state=seed,
                              n_jobs=threads, negative_gradient_method="bh" if n < BARNES_HUT_BELOW else "fft")
    # callbacks go to each call, not to the embedding, which would hand them on to every later transform
    embedding = embedding.optimize(early, exaggeration=12, momentum=0.5, callbacks=report, callbacks_every_iters=10)
    report.done = early
    embedding = embedding.optimize(late, momentum=0.8, callbacks=report, callbacks_every_iters=10)
    embedding -= (embedding.max(0) + embedding.min(0)) / 2  # what transform would do to it in place, done once
    lock = threading.Lock()

    def place(x: np.ndarray) -> np.ndarray:
        with lock:  # transform re-centres the embedding in place (by nothing, now: but it writes)
            return np.asarray(embedding.transform(x))

    return Map(np.array(embedding), "tsne", place, f"openTSNE on the CPU ({threads} thread{'s' * (threads > 1)})")


class _iterations:
    """An openTSNE callback that reports iterations done (counting from ``done``) to ``progress``."""

    def __init__(self, progress: Progress | None, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, iteration: int, _error: float, _embedding) -> bool:
        if self.progress:
            self.progress(self.done + iteration, self.total)
        return False


def _umap(index: Index, seed: int, progress: Progress | None) -> Map:
    n = len(index)
    k = min(UMAP_NEIGHBORS, n - 1)
    indices, distances = knn_graph(index, k - 1)  # umap-learn counts a point as its own first neighbour
    indices = np.hstack([np.arange(n)[:, None], indices])
    distances = np.hstack([np.zeros((n, 1), np.float32), distances])
    epochs = _Epochs(progress) if progress else None
    reducer = umap().UMAP(n_neighbors=k, n_epochs=UMAP_EPOCHS, random_state=seed, n_jobs=1, init="pca",
                          precomputed_knn=(indices, distances, _UmapIndex(index)),
                          tqdm_kwds={"disable": False, "file": epochs, "bar_format": "{n}/{total}", "mininterval": 0,
                                     "miniters": max(1, UMAP_EPOCHS // 40)} if epochs else None)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*knn_search_index.*")  # ours is not pynndescent's: fine
        warnings.filterwarnings("ignore", message=".*n_jobs value 1 overridden.*")
        points = reducer.fit_transform(index.vectors.cpu().numpy())
    reducer.tqdm_kwds = {"disable": True}  # transform would report its epochs to this fit's progress
    return Map(points, "umap", reducer.transform, "umap-learn on the CPU")


class _UmapIndex:
    """The part of pynndescent's index that ``UMAP.transform`` uses, over our exact search."""

    _angular_trees = False

    def __init__(self, index: Index):
        self.index = index

    def query(self, query, k, epsilon=None):
        return self.index.search(query, k)


class _Epochs:
    """A file for umap-learn's tqdm bar (``bar_format="{n}/{total}"``) that reports its epochs to ``progress``."""

    def __init__(self, progress: Progress):
        self.progress, self.stopped = progress, False

    def write(self, text: str) -> int:
        counted = re.search(r"(\d+)/(\d+)", text)
        if counted and not self.stopped:
            try:
                self.progress(int(counted[1]), int(counted[2]))
            except BaseException:
                self.stopped = True  # tqdm closes its bar on the way out, writing once more: not to ``progress``
                raise
        return len(text)

    def flush(self) -> None:
        pass
