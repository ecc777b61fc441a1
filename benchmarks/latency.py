"""Forward latency of the models the app offers, on this machine's device.

For each model: the bare ``module(x)`` forward pass on a preprocessed image
(the baseline), and ``Model.predict`` (preprocessing + forward + softmax +
top-5), with their ratio. Median of repeated runs after a warm-up.

    python benchmarks/latency.py [--repeat 20]
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import vizcore as vc  # noqa: E402

MODELS = [("builtin-shapes", "default"), ("builtin-digits", "default"), ("efficientnet_lite0", "default"),
          ("alexnet", None), ("resnet18", None), ("vgg16", None)]


def median_ms(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    image = vc.data.builtin("samples")[0][0]
    print(f"device: {vc.pick_device()}, torch threads: {torch.get_num_threads()}")
    print(f"{'model':16} {'input':>7} {'forward ms':>11} {'predict ms':>11} {'ratio':>6}")
    for name, weights in MODELS:
        m = vc.load_model(name, weights=weights)
        x = m.preprocess(image)

        def forward():
            with torch.inference_mode():
                m.module(x)
            if x.is_cuda:
                torch.cuda.synchronize()

        bare = median_ms(forward, args.repeat)
        full = median_ms(lambda: m.predict(image), args.repeat)
        print(f"{name:16} {m.input_size:>7} {bare:>11.2f} {full:>11.2f} {full / bare:>6.2f}")


if __name__ == "__main__":
    main()
