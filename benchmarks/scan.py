"""Throughput of ``vc.patches.scan`` against a bare batched forward pass to the deepest layer scanned.

1. In memory: both sides take the same decoded images (rendering the data is
   left out of both), preprocess them and run batches of 64 through the
   network; the bare side stops at the deepest layer with a hook and keeps
   nothing, the scan captures the layers and keeps each channel's top 9.
   Target: scan throughput at least 0.8 of the bare pass.
2. JPEG files: a folder of 500×375 JPEGs, decoding included on both sides.
   The bare side decodes, preprocesses and runs each batch in turn (the
   network waits for the decoding); the scan runs with 0, 1, 2 and 4 worker
   processes decoding ahead. "forward" is the bare pass on the images
   decoded beforehand: what the network alone allows.
   "read only" is the workers' reading alone, with no network waiting.
3. Peak memory: the scan of N and 10×N generated shapes, each in a fresh
   process, as the growth of its peak resident memory over what it held
   after a one-batch scan (Linux: /proc/self/status), and the peak of
   Python's own allocations (tracemalloc). Target: flat. For reference, the same pass keeping
   every image's per-channel peaks (no running top-k) shows what growth
   looks like.

Median of repeated runs after a warm-up.

    python benchmarks/scan.py [--repeat 3] [--jpegs 256]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency import median_ms  # noqa: E402

import vizcore as vc  # noqa: E402
from vizcore.data.batches import batches  # noqa: E402
from vizcore.patches import batch_top  # noqa: E402

CASES = [("builtin-shapes", "default", ["conv5", "fc7"], 512), ("alexnet", None, ["conv5"], 128),
         ("resnet18", None, ["layer4.1"], 128)]
JPEG_CASES = [("builtin-shapes", "default", ["conv5", "fc7"]), ("alexnet", None, ["conv5"])]
WORKERS = [0, 1, 2, 4]
MEMORY_SIZES = [500, 5000]
BATCH = 64


class _Reached(Exception):
    pass


def bare(m: vc.Model, images, layer: str) -> None:
    """Read, preprocess and forward every batch in turn, stopping at ``layer``; nothing is captured."""
    def stop(*_):
        raise _Reached

    handle = m.module.get_submodule(layer).register_forward_hook(stop)
    try:
        with torch.inference_mode():
            for start in range(0, len(images), BATCH):
                try:
                    m.module(torch.cat([m.preprocess(images[i][0]) for i in range(start, min(start + BATCH,
                                                                                           len(images)))]))
                except _Reached:
                    pass
    finally:
        handle.remove()


def write_jpegs(folder: Path, n: int) -> None:
    """``n`` 500×375 JPEGs cut at random places from scikit-learn's two photos (427×640)."""
    photos = [np.asarray(vc.data.builtin("samples")[i][0]) for i in range(2)]
    rng = np.random.default_rng(0)
    for i in range(n):
        photo = photos[i % 2]
        y, x = rng.integers(0, photo.shape[0] - 375), rng.integers(0, photo.shape[1] - 500)
        Image.fromarray(photo[y:y + 375, x:x + 500]).save(folder / f"{i:04}.jpg", quality=90)


def jpeg_table(repeat: int, n: int) -> None:
    print(f"\nJPEG files ({n} of 500×375), decoding included; ratio = bare time / this time")
    print(f"{'model':16} {'run':20} {'img/s':>7} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as folder:
        write_jpegs(Path(folder), n)
        files = vc.data.folder(folder)
        for name, weights, layers in JPEG_CASES:
            m = vc.load_model(name, weights=weights)
            deepest = max((m.layer(layer) for layer in layers), key=m.layers.index).name
            decoded = [files[i] for i in range(n)]
            rows = [("forward", median_ms(lambda: bare(m, decoded, deepest), repeat)),
                    ("bare", median_ms(lambda: bare(m, files, deepest), repeat))]
            for workers in WORKERS:
                rows.append((f"scan, {workers} workers",
                             median_ms(lambda: vc.patches.scan(m, files, layers, batch_size=BATCH, workers=workers),
                                       repeat)))
            for label, ms in rows:
                print(f"{name:16} {label:20} {n / ms * 1000:>7.0f} {rows[1][1] / ms:>6.2f}")
            for workers in WORKERS:  # what the workers can deliver, with no network waiting for them
                ms = median_ms(lambda: sum(1 for _ in batches(files, m.preprocessing, range(n), BATCH, workers)),
                               repeat)
                print(f"{name:16} {f'read only, {workers} workers':20} {n / ms * 1000:>7.0f}")


def memory_kb(field: str) -> int:
    """``VmRSS`` (resident memory now) or ``VmHWM`` (its peak) of this process, from Linux's /proc, in kB."""
    return int(re.search(rf"{field}:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1))


def memory_child(n: int, workers: int, keep_all: bool) -> None:
    """In a fresh process: resident memory after a one-batch scan, its peak while scanning ``n`` shapes, and the
    peak of Python's own allocations then (tracemalloc; tensors are not among them), in kB.

    The resident peak is reset after the one-batch scan (``/proc/self/clear_refs``), so it is the scan's own.

    ``keep_all``: the reference that shows what the measure sees when memory grows: every image's
    per-channel peaks kept instead of a running top-k.
    """
    m, layers = vc.load_model("builtin-shapes"), ["conv5", "fc7"]
    vc.patches.scan(m, vc.data.builtin("shapes", n=BATCH), layers)
    shapes = vc.data.builtin("shapes", n=n)
    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
    before = memory_kb("VmRSS")
    tracemalloc.start()
    if keep_all:
        kept = []
        for pixels, index in batches(shapes, m.preprocessing, range(n), BATCH):
            acts = m.activations_batch(m.preprocessing.normalize(pixels), layers)
            kept += [batch_top(a, index) for a in acts.values()]
    else:
        vc.patches.scan(m, shapes, layers, workers=workers)
    print(before, memory_kb("VmHWM"), tracemalloc.get_traced_memory()[1] // 1024)


def memory_table() -> None:
    print("\nPeak memory of the scanning process, builtin-shapes conv5 + fc7, k 9 (each row a fresh process)")
    print(f"{'images':>7} {'run':26} {'peak RSS MB':>11} {'growth MB':>10} {'Python heap peak MB':>20}")
    for label, workers, keep_all in (("scan, 0 workers", 0, False), ("scan, 2 workers", 2, False),
                                     ("reference: keep all peaks", 0, True)):
        for n in MEMORY_SIZES:
            out = subprocess.run([sys.executable, __file__, "--memory-child", str(n), str(workers), str(int(keep_all))],
                                 capture_output=True, text=True, check=True).stdout
            before, after, heap = (int(v) for v in out.split()[-3:])
            print(f"{n:>7} {label:26} {after / 1024:>11.0f} {(after - before) / 1024:>10.1f} {heap / 1024:>20.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jpegs", type=int, default=256, help="how many JPEG files to write and scan")
    parser.add_argument("--memory-child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        n, workers, keep_all = args.memory_child
        memory_child(n, workers, bool(keep_all))
        return
    print(f"device: {vc.pick_device()}, cpus: {os.cpu_count()}, torch threads: {torch.get_num_threads()}, "
          f"batch {BATCH}, k 9")
    print("\nIn memory")
    print(f"{'model':16} {'layers':18} {'images':>6} {'bare img/s':>11} {'scan img/s':>11} {'ratio':>6}")
    for name, weights, layers, n in CASES:
        m = vc.load_model(name, weights=weights)
        source = vc.data.builtin("shapes", n=n)
        images = [source[i] for i in range(n)]
        deepest = max((m.layer(layer) for layer in layers), key=m.layers.index).name
        bare_ms = median_ms(lambda: bare(m, images, deepest), args.repeat)
        scan_ms = median_ms(lambda: vc.patches.scan(m, images, layers, k=9, batch_size=BATCH), args.repeat)
        print(f"{name:16} {' '.join(layers):18} {n:>6} {n / bare_ms * 1000:>11.0f} {n / scan_ms * 1000:>11.0f} "
              f"{bare_ms / scan_ms:>6.2f}")
    jpeg_table(args.repeat, args.jpegs)
    memory_table()


if __name__ == "__main__":
    main()
