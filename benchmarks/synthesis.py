"""Time per optimisation step of vc.synthesis against the bare forward + backward pass of the same network and size.

For each model and method, the baseline is the network itself, nothing of
vizcore's: a forward pass of a [1, 3, S, S] input (S = the model's input
size) through ``module`` (for a class) or through ``module.features`` up to
the layer the method reads (for a unit, DeepDream or inversion), and the
backward pass of the score to the input (``torch.autograd.grad``). The
method's step includes everything it does per step in
:func:`vizcore.optvis.render` (transforms, objective, regularizers, the
update, its reports and pictures: one report every ``EVERY`` steps, as a
200-step run makes by default). DeepDream runs one octave, at full size, so
that both sides see the same size; inversion inverts one layer.

A step's cost is what a run of 3n steps takes more than a run of n, over the
2n steps it did more, on both sides alike, so that what a run does once
(setting up, measuring the result) cancels out; each run is the fastest of
``--repeat``, taken in turns (after a warm-up), the one least disturbed by
other work on the machine. Both wall time and the process's CPU time (``time.process_time``,
every thread's) are measured. Target: ratio at most 1.2 for AlexNet and VGG-16.

    python benchmarks/synthesis.py [--repeat 3] [--steps 20] [--threads N] [--models builtin-shapes ...]
"""
import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import vizcore as vc  # noqa: E402

MODELS = [("builtin-shapes", "default", 1), ("builtin-digits", "default", 1), ("alexnet", None, 4),
          ("vgg16", None, 10)]
"""(name, weights, how many times fewer steps than --steps: AlexNet's and VGG-16's are far slower on a CPU)."""
EVERY = 8
"""Steps between reports: 25 reports in a 200-step run, the methods' default."""


def synchronize() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def clock(run) -> tuple[float, float]:
    """(wall, CPU) seconds of ``run()``."""
    synchronize()
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    synchronize()
    return time.perf_counter() - wall, time.process_time() - cpu


def per_step(runs, n: int, repeat: int) -> list[tuple[float, float]]:
    """(wall, CPU) milliseconds per step of each of ``runs``: the fastest of ``repeat`` runs of 3n steps less the
    fastest of ``repeat`` runs of n, over 2n steps; the runs take turns, so that a change in the machine's load
    weighs on all alike."""
    times = [([], []) for _ in runs]
    for _ in range(repeat):
        for run, (short, long) in zip(runs, times, strict=True):
            short.append(clock(lambda run=run: run(n)))
            long.append(clock(lambda run=run: run(3 * n)))
    return [tuple(1000 * (min(t[k] for t in long) - min(t[k] for t in short)) / (2 * n) for k in (0, 1))
            for short, long in times]


def bare(m: vc.Model, layer: str | None):
    """``run(steps)``: forward passes to ``layer`` (None: the logits) and backward passes to the input."""
    x = torch.randn(1, 3, m.input_size, m.input_size, device=m.device)
    if layer is None:
        def network(v):
            return m.module(v)[:, 0]
    else:
        stack, index = layer.rsplit(".", 1)
        network = m.module.get_submodule(stack)[:int(index) + 1]

    def run(steps: int) -> None:
        for _ in range(steps):
            v = x.clone().requires_grad_()
            with torch.enable_grad():
                torch.autograd.grad(network(v).pow(2).sum(), v)

    return run


def exhaust(generator) -> None:
    for _ in generator:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own)")
    parser.add_argument("--models", nargs="*", default=[name for name, _, _ in MODELS])
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    image = vc.data.builtin("samples")[0][0]
    print(f"device: {vc.pick_device()}, torch threads: {torch.get_num_threads()}, a report every {EVERY} steps")
    print(f"{'model':15} {'input':>5} {'steps':>9} {'method':26} {'bare ms':>8} {'method ms':>9} {'ratio':>6} "
          f"{'bare CPU ms':>11} {'method CPU ms':>13} {'CPU ratio':>9}")
    for name, weights, fewer in (entry for entry in MODELS if entry[0] in args.models):
        m = vc.load_model(name, weights=weights)
        n = max(1, args.steps // fewer)
        deep = [layer for layer in m.layers if layer.kind == "Conv2d"][-2].name
        preset = {k: v for k, v in vc.synthesis.PRESETS["Yosinski 1: blur, norm clip"].items() if k != "steps"}
        cases = [
            ("class visualization", None, lambda s: vc.synthesis.class_visualization(m, 0, steps=s, every=EVERY)),
            ("class, Yosinski preset 1", None,
             lambda s: vc.synthesis.class_visualization(m, 0, steps=s, every=EVERY, **preset)),
            ("class, Fourier + jitter", None,
             lambda s: vc.synthesis.class_visualization(m, 0, steps=s, every=EVERY, param="fourier",
                                                        transforms=True)),
            (f"DeepDream {m.layer(deep).label}", deep,
             lambda s: vc.synthesis.deep_dream(m, image, deep, octaves=1, steps=s, every=EVERY)),
            (f"inversion {m.layer(deep).label}", deep, lambda s: vc.synthesis.invert(m, image, deep, steps=s,
                                                                                    every=EVERY)),
        ]
        for method, layer, make in cases:
            baseline = bare(m, layer)
            method_run = lambda s, make=make: exhaust(make(s))  # noqa: E731
            baseline(1), method_run(1)  # warm-up
            (bare_wall, bare_cpu), (wall, cpu) = per_step([baseline, method_run], n, args.repeat)
            ratio, cpu_ratio = wall / bare_wall, cpu / bare_cpu
            print(f"{name:15} {m.input_size:>5} {f'{n}→{3 * n}':>9} {method:26} {bare_wall:>8.1f} {wall:>9.1f} "
                  f"{ratio:>6.2f} {bare_cpu:>11.1f} {cpu:>13.1f} {cpu_ratio:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
