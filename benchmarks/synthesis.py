"""Time per optimisation step of vc.synthesis against the bare forward + backward pass of the same model and size.

For each model and method, the baseline is one forward pass of a [1, 3, S, S]
input (S = the model's input size) to the layer the method reads, and the
backward pass of the same score to the input (``torch.autograd.grad``),
nothing else. The method's step includes everything it does per step
(transforms, regularisers, the update, its reports and pictures). DeepDream
runs one octave, at full size, so that both sides see the same size;
inversion inverts one layer. Target: ratio at most 1.2. The two sides are
timed in alternation, ``--repeat`` rounds (each after a warm-up), and the
table gives the medians and the median of the rounds' ratios, so that a
machine whose load changes during the run weighs on both sides alike.

    python benchmarks/synthesis.py [--repeat 5] [--steps 50] [--threads N] [--models builtin-shapes ...]
"""
import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import vizcore as vc  # noqa: E402
from latency import median_ms  # noqa: E402
from vizcore.synthesis import objectives  # noqa: E402

MODELS = [("builtin-shapes", "default", 1), ("builtin-digits", "default", 1), ("alexnet", None, 5)]
"""(name, weights, how many times fewer steps than --steps: AlexNet's steps are 40 times slower on a CPU)."""


def bare(m: vc.Model, objective: objectives.Objective, steps: int) -> None:
    """``steps`` forward passes to the objective's layer and backward passes to the input."""
    x = torch.randn(1, 3, m.input_size, m.input_size, device=m.device)
    for _ in range(steps):
        with torch.enable_grad():
            v = x.clone().requires_grad_()
            torch.autograd.grad(objective(m, v).sum(), v)
    if x.is_cuda:
        torch.cuda.synchronize()


def exhaust(generator) -> None:
    for _ in generator:
        pass
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own)")
    parser.add_argument("--models", nargs="*", default=[name for name, _, _ in MODELS])
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    image = vc.data.builtin("samples")[0][0]
    print(f"device: {vc.pick_device()}, torch threads: {torch.get_num_threads()}")
    print(f"{'model':15} {'input':>5} {'steps':>5} {'method':26} {'bare ms/step':>12} {'method ms/step':>14} "
          f"{'ratio':>6}")
    for name, weights, fewer in (entry for entry in MODELS if entry[0] in args.models):
        m = vc.load_model(name, weights=weights)
        n = max(1, args.steps // fewer)
        deep = [layer for layer in m.layers if layer.kind == "Conv2d"][-2].name
        cases = [
            ("class visualisation", objectives.logit(0),
             lambda: vc.synthesis.class_visualization(m, 0, steps=n)),
            ("class, Yosinski preset 1", objectives.logit(0),
             lambda: vc.synthesis.class_visualization(m, 0, steps=n, **{
                 k: v for k, v in vc.synthesis.PRESETS["Yosinski 1: blur, norm clip"].items() if k != "steps"})),
            ("class, Fourier + jitter", objectives.logit(0),
             lambda: vc.synthesis.class_visualization(m, 0, steps=n, param="fourier", transforms=True)),
            (f"DeepDream {m.layer(deep).label}", objectives.dream(deep),
             lambda: vc.synthesis.deep_dream(m, image, deep, octaves=1, steps=n)),
            (f"inversion {m.layer(deep).label}", objectives.dream(deep),
             lambda: vc.synthesis.invert(m, image, deep, steps=n)),
        ]
        for method, objective, run in cases:
            rounds = [(median_ms(lambda: bare(m, objective, n), 1) / n, median_ms(lambda: exhaust(run()), 1) / n)
                      for _ in range(args.repeat)]
            baseline, measured = (statistics.median(side) for side in zip(*rounds))
            ratio = statistics.median(method_ms / bare_ms for bare_ms, method_ms in rounds)
            print(f"{name:15} {m.input_size:>5} {n:>5} {method:26} {baseline:>12.2f} {measured:>14.2f} {ratio:>6.2f}")


if __name__ == "__main__":
    main()
