"""Time of each attribution method per image, and occlusion against the bare forward passes it needs.

For AlexNet and ResNet-18 (random weights: no download; the time does not
depend on the weights) on a 224×224 sample photo: every method of
``vizcore.attribution`` with its default settings (SmoothGrad: 50 noisy
copies; integrated gradients: 50 steps), beside one bare forward pass,
median of repeated runs after a warm-up. Then occlusion with a 32-pixel window and a stride of 8 (25 × 25 =
625 positions) against its baseline: the same 1 + 625 images pushed through
the bare ``module`` in the same batches, prepared in advance.

    python benchmarks/attribution.py [--repeat 3]
"""
import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import vizcore as vc  # noqa: E402
from benchmarks.latency import median_ms  # noqa: E402
from vizcore import attribution  # noqa: E402

MODELS = ["alexnet", "resnet18"]
METHODS = ["saliency", "smoothgrad", "guided_backprop", "deconvnet", "grad_cam", "integrated_gradients"]
WINDOW, STRIDE, BATCH = 32, 8, 32


def bare_forwards(m: vc.Model, x: torch.Tensor, positions: int):
    """The forward passes occlusion needs, without occluding: the image, then ``positions`` images in batches."""
    batches = [x.repeat(min(BATCH, positions - start), 1, 1, 1) for start in range(0, positions, BATCH)]

    def run():
        with torch.inference_mode():
            m.module(x)
            for batch in batches:
                m.module(batch)
        if x.is_cuda:
            torch.cuda.synchronize()

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    image = vc.data.builtin("samples")[0][0]
    print(f"device: {vc.pick_device()}, torch threads: {torch.get_num_threads()}, input 224×224, median ms per image")
    print(f"{'model':10} {'forward':>8} " + " ".join(f"{method:>20}" for method in METHODS))
    models = {name: vc.load_model(name, weights=None) for name in MODELS}
    for name, m in models.items():
        forward = median_ms(bare_forwards(m, m.preprocess(image), 0), args.repeat)
        times = [median_ms(lambda: getattr(attribution, method)(m, image, 1), args.repeat) for method in METHODS]
        print(f"{name:10} {forward:>8.1f} " + " ".join(f"{t:>20.1f}" for t in times))
    positions = len(attribution.positions(224, WINDOW, STRIDE)) ** 2
    print(f"\nocclusion, window {WINDOW}, stride {STRIDE}: {positions} positions in batches of {BATCH}")
    print(f"{'model':10} {'occlusion ms':>13} {'bare forwards ms':>17} {'ratio':>6}")
    for name, m in models.items():
        occluded = median_ms(lambda: attribution.occlusion(m, image, 1, WINDOW, STRIDE, batch_size=BATCH),
                             args.repeat)
        bare = median_ms(bare_forwards(m, m.preprocess(image), positions), args.repeat)
        print(f"{name:10} {occluded:>13.0f} {bare:>17.0f} {occluded / bare:>6.2f}")


if __name__ == "__main__":
    main()
