"""Throughput of ``vc.patches.scan`` against a bare batched forward pass to the deepest layer scanned.

Both sides take the same in-memory images (rendering the data is left out of
both), preprocess them and run batches of 64 through the network; the bare
side stops at the deepest layer with a hook and keeps nothing, the scan
captures the layers and keeps each channel's top 9. Target: scan throughput
at least 0.8 of the bare pass. Median of repeated runs after a warm-up.

    python benchmarks/scan.py [--repeat 3]
"""
import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import vizcore as vc  # noqa: E402
from latency import median_ms  # noqa: E402

CASES = [("builtin-shapes", "default", ["conv5", "fc7"], 512), ("alexnet", None, ["conv5"], 128),
         ("resnet18", None, ["layer4.1"], 128)]
BATCH = 64


class _Reached(Exception):
    pass


def bare(m: vc.Model, images, layer: str) -> None:
    """Preprocess and forward every batch, stopping at ``layer``; nothing is captured."""
    def stop(*_):
        raise _Reached

    handle = m.module.get_submodule(layer).register_forward_hook(stop)
    try:
        with torch.inference_mode():
            for start in range(0, len(images), BATCH):
                try:
                    m.module(torch.cat([m.preprocess(img) for img, _ in images[start:start + BATCH]]))
                except _Reached:
                    pass
    finally:
        handle.remove()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"device: {vc.pick_device()}, torch threads: {torch.get_num_threads()}, batch {BATCH}, k 9")
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


if __name__ == "__main__":
    main()
