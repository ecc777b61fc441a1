"""Maps and nearest neighbours of ``vc.embed`` against scikit-learn, openTSNE's defaults and NumPy, in one run.

Data: 10 000 points of 4096-d features in 10 clusters (a 16-d latent mixture
sent through a random linear map and a ReLU, plus noise), reduced to 50
principal components as every method here reduces them. Trustworthiness
(scikit-learn's, k = 10) is measured against those 50-d vectors.

1. Maps: PCA, vc's t-SNE (openTSNE, 100 + 200 iterations) with torch's
   threads and with one, the same t-SNE by vc's torch engine (the GPU path,
   here on this machine's device), openTSNE with its defaults, scikit-learn's
   t-SNE (the baseline: ratio = its time / this time), and UMAP in this process.
2. UMAP's first use in a new process (``python -c``: imports included),
   with numba's cache as vizcore keeps it and with an empty one (--cold).
3. Exact k-NN (k = 10, one query, cosine) among 10 000 and 100 000 vectors of
   4096-d: ``vc.embed.Index.search`` against NumPy's brute force (ratio =
   NumPy's time / vc's), and 2 000 queries at once (as t-SNE's neighbour graph asks).
4. With a CUDA GPU only: t-SNE of 100 000 points (--gpu-points) end to end on
   the GPU (auto engine: torch), against vc's openTSNE engine on the CPU cores
   for the same points (the baseline), trustworthiness on a 5 000-point sample
   against its 4096-d features; and exact k-NN among a million 4096-d vectors
   made on the GPU, against one unchunked matrix product and top-k (the bare
   baseline: ratio = bare time / vc's).

    python benchmarks/embed.py [--points 10000] [--cold] [--repeat 5] [--gpu-points 100000] [--only-gpu]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency import median_ms  # noqa: E402

import vizcore as vc  # noqa: E402
from vizcore.embed import maps  # noqa: E402


def clusters(n: int, d: int = 4096, k: int = 10, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    latent = rng.normal(scale=4.0, size=(k, 16))[labels] + rng.normal(size=(n, 16))
    features = np.maximum(latent @ rng.normal(size=(16, d)) / 4, 0) + rng.normal(scale=0.5, size=(n, d))
    return features.astype(np.float32)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def maps_table(X: np.ndarray) -> None:
    from openTSNE import TSNE as OpenTSNE
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE, trustworthiness

    reduced, reduce_s = timed(lambda: PCA(maps.REDUCED, random_state=0).fit_transform(X).astype(np.float32))
    print(f"\n{len(X)} points, 4096-d; PCA to 50-d first: {reduce_s:.1f} s (included in the vc rows)")
    print(f"{'method':48} {'seconds':>8} {'trust k=10':>11} {'vs sklearn':>11}")
    rows = [("vc PCA", lambda: maps.project(X, "pca")),
            (f"vc t-SNE (openTSNE {'+'.join(map(str, maps.TSNE_ITERATIONS))} it, {torch.get_num_threads()} threads)",
             lambda: maps.fit(X, "tsne").points),
            (f"vc t-SNE (openTSNE {'+'.join(map(str, maps.TSNE_ITERATIONS))} it, 1 thread)",
             lambda: maps.fit(X, "tsne", threads=1).points),
            (f"vc t-SNE (torch engine on {vc.pick_device()}, same iterations)",
             lambda: maps.fit(X, "tsne", engine="torch").points),
            ("openTSNE defaults (250+500 it, on 50-d)",
             lambda: np.asarray(OpenTSNE(random_state=0, n_jobs=torch.get_num_threads()).fit(reduced))),
            ("vc UMAP (umap-learn, 200 epochs, compiled)", lambda: maps.project(X, "umap"))]
    baseline = timed(lambda: TSNE(2, random_state=0, init="pca").fit_transform(reduced))
    results = [(name, *timed(fn)) for name, fn in rows] + [("sklearn t-SNE (Barnes-Hut, on 50-d): baseline",
                                                            *baseline)]
    for name, points, seconds in results:
        trust = trustworthiness(reduced, points, n_neighbors=10)
        print(f"{name:48} {seconds:>8.1f} {trust:>11.4f} {baseline[1] / seconds:>11.2f}")


def fresh_umap(X: np.ndarray, cold: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "x.npy"
        np.save(data, X)
        script = ("import time; start = time.perf_counter(); import numpy as np; from vizcore.embed import maps; "
                  f"X = np.load({str(data)!r}); loaded = time.perf_counter(); maps.fit(X, 'umap'); "
                  "print(loaded - start, time.perf_counter() - loaded)")
        _, warm_s = timed(lambda: maps.fit(X, "umap"))
        print(f"\nUMAP's first use in a new process ({len(X)} points; baseline: the same fit in this warm process)")
        print(f"{'numba cache':48} {'seconds':>8} {'vs warm':>11}")
        cases = [("as vizcore keeps it (after one use)", {})]
        if cold:
            cases.append(("empty (compiles everything)", {"NUMBA_CACHE_DIR": str(Path(folder) / "numba")}))
        for name, env in cases:
            started = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, **env}, check=True,
                                 capture_output=True, text=True).stdout
            total = time.perf_counter() - started
            imports, fit = (float(v) for v in out.split()[-2:])
            print(f"{name:48} {fit:>8.1f} {warm_s / fit:>11.2f}   (the process ran {total:.1f} s, "
                  f"{imports:.1f} s of it importing)")
        print(f"{'same fit, warm process (baseline)':48} {warm_s:>8.1f} {1:>11.2f}")


def knn_table(repeat: int) -> None:
    print(f"\nExact k-NN, k = 10, cosine, 4096-d, on {vc.pick_device()} (median of {repeat})")
    print(f"{'vectors':>8} {'queries':>8} {'numpy ms':>10} {'vc ms':>10} {'vs numpy':>9}")
    for n, queries in [(10_000, 1), (100_000, 1), (10_000, 2_000)]:
        X = np.random.default_rng(1).normal(size=(n, 4096)).astype(np.float32)
        index = vc.embed.Index(X, "cosine")
        q = X[:queries]
        unit = X / np.linalg.norm(X, axis=1, keepdims=True)

        def brute():
            d = 1 - (q / np.linalg.norm(q, axis=1, keepdims=True)) @ unit.T
            near = np.argpartition(d, 10, axis=1)[:, :10]
            np.take_along_axis(near, np.argsort(np.take_along_axis(d, near, 1), axis=1), 1)

        reps = repeat if queries == 1 else 1
        numpy_ms = median_ms(brute, reps)
        vc_ms = median_ms(lambda: index.search(q, 10), reps)
        print(f"{n:>8} {queries:>8} {numpy_ms:>10.1f} {vc_ms:>10.1f} {numpy_ms / vc_ms:>9.2f}")


def gpu_tsne_table(points: int, device: str = "cuda") -> None:
    from sklearn.manifold import trustworthiness

    X = clusters(points)
    print(f"\nt-SNE of {points} points of 4096-d, PCA to 50-d included, on {device} and on the CPU")
    print(f"{'engine':48} {'seconds':>8} {'trust k=10':>11} {'vs CPU':>8}")
    sample = np.random.default_rng(2).choice(points, min(points, 5000), replace=False)
    rows = [(f"vc t-SNE, torch engine on {device}", lambda: maps.fit(X, "tsne", device=device, engine="torch")),
            (f"vc t-SNE, openTSNE on {os.cpu_count()} CPU cores (baseline)",
             lambda: maps.fit(X, "tsne", device="cpu", engine="opentsne"))]
    results = [(name, *timed(fn)) for name, fn in rows]
    for name, made, seconds in results:
        trust = trustworthiness(X[sample], made.points[sample], n_neighbors=10)
        print(f"{name:48} {seconds:>8.1f} {trust:>11.4f} {results[1][2] / seconds:>8.2f}")


def gpu_knn_table(n: int, repeat: int, device: str = "cuda") -> None:
    print(f"\nExact k-NN, k = 10, cosine, among {n} vectors of 4096-d made on {device} (median of {repeat})")
    print(f"{'queries':>8} {'bare ms':>10} {'vc ms':>10} {'vs bare':>9}  bare: one unchunked product and top-k")
    X = torch.randn(n, 4096, device=device, generator=torch.Generator(device).manual_seed(1))
    index = vc.embed.Index(X, "cosine", device)
    for queries in (1, 1000):
        q = X[:queries]
        bare_ms = median_ms(lambda: torch.topk(torch.nn.functional.normalize(q, dim=1) @ index.vectors.T, 10)
                            .indices.cpu(), repeat)
        vc_ms = median_ms(lambda: index.search(q, 10), repeat)
        print(f"{queries:>8} {bare_ms:>10.1f} {vc_ms:>10.1f} {bare_ms / vc_ms:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--cold", action="store_true", help="also time UMAP with an empty numba cache (about 30 s)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--gpu-points", type=int, default=100_000)
    parser.add_argument("--gpu-vectors", type=int, default=1_000_000)
    parser.add_argument("--only-gpu", action="store_true", help="skip the CPU tables")
    args = parser.parse_args()
    print(f"device: {vc.pick_device()}, torch threads: {torch.get_num_threads()}, cpus: {os.cpu_count()}, "
          f"load average: {os.getloadavg()[0]:.1f}")
    if not args.only_gpu:
        X = clusters(args.points)
        maps_table(X)
        fresh_umap(X, args.cold)
        knn_table(args.repeat)
    if torch.cuda.is_available():
        gpu_tsne_table(args.gpu_points)
        gpu_knn_table(args.gpu_vectors, args.repeat)


if __name__ == "__main__":
    main()
