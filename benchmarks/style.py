"""Speed of vc.style: per iteration against the bare loss network, the batched sweep against separate runs, and
seconds for a whole transfer.

(a) One iteration of style transfer (``vc.style.transfer``: features, Gram
    matrices, losses, backward, optimizer step) against the bare loss
    network's forward and backward pass at the same size, up to the deepest
    layer used (VGG-19 to relu5_1): target ratio <= 1.15. An iteration's cost
    is the time a run of 15 iterations takes more than one of 5, over the
    iterations it did more, so that setting up (resizing, targets) and the
    reports cancel out.
    Adam takes one evaluation per iteration; L-BFGS's line search sometimes
    takes more.
(b) ``vc.style.sweep`` of 8 style/content ratios as one batch against 8
    separate ``transfer`` runs with the same optimizer (Adam) and iterations:
    target >= 2x faster on a GPU.
(c) Seconds for a whole L-BFGS transfer: 256 px x 200 iterations on the CPU
    (``--quick`` measures 20 iterations and scales up, saying so), 512 px x 500
    on a GPU.

    python benchmarks/style.py [--repeat 3] [--threads N] [--quick]
"""
import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency import median_ms  # noqa: E402

import vizcore as vc  # noqa: E402
from vizcore.optvis import pixels  # noqa: E402

NETWORKS = [("vgg19", None), ("builtin-shapes", "default")]


def synchronise() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def bare(net: vc.style.LossNetwork, picture):
    """Forward and backward through the loss network's layers up to the deepest one used, nothing else, for a
    picture of the same size as the transfer's."""
    deepest = max([*net.style_layers, net.content_layer], key=[layer.name for layer in net.model.layers].index)
    stack = net.model.module.get_submodule(deepest.rsplit(".", 1)[0])  # VGG's and the built-ins' `features`
    depth = int(deepest.rsplit(".", 1)[1]) + 1
    x = torch.rand(1, 3, picture.height, picture.width, device=net.model.device, requires_grad=True)

    def run():
        stack[:depth](x).sum().backward()
        synchronise()

    return run


def run_all(steps) -> vc.Step:
    """Iterate a vc.style generator to the end; its last step."""
    step = None
    for step in steps:  # noqa: B007 (the last one is the result)
        pass
    synchronise()
    return step


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--quick", action="store_true", help="(c): 20 iterations, scaled up to the full count")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = vc.pick_device()
    gpu = device.type == "cuda"
    content, style = vc.data.builtin("samples")[0][0], vc.style.sample("swirls", 256)
    print(f"device: {torch.cuda.get_device_name() if gpu else device}, torch threads: {torch.get_num_threads()}")

    print("\n(a) one iteration against the bare loss network's forward + backward")
    print(f"{'network':16} {'picture':>9} {'optimizer':>9} {'bare ms':>9} {'iteration ms':>13} {'ratio':>6}")
    size, n = 512 if gpu else 128, 5
    picture = pixels.fitted(content, size)
    for name, weights in NETWORKS:
        net = vc.style.network(vc.load_model(name, weights=weights))
        base = median_ms(bare(net, picture), args.repeat)
        for optimizer in ("adam", "lbfgs"):
            def transfer(steps: int) -> tuple[float, int]:
                done = {}

                def once():
                    done["i"] = run_all(vc.style.transfer(content, style, model=net, size=size, steps=steps,
                                                          every=steps, optimizer=optimizer)).i

                return median_ms(once, args.repeat), done["i"]

            (short, i_short), (long, i_long) = transfer(n), transfer(3 * n)
            each = (long - short) / (i_long - i_short)  # what the iterations of the longer run cost more, each
            print(f"{name:16} {'%dx%d' % picture.size:>9} {optimizer:>9} {base:>9.1f} {each:>13.1f} "
                  f"{each / base:>6.2f}")

    print("\n(b) 8 ratios as one batch against 8 separate runs (Adam)")
    print(f"{'network':16} {'size':>5} {'iters':>5} {'8 runs s':>9} {'batch s':>8} {'speed-up':>9}")
    sizes, counts = (256 if gpu else 64, 256 if gpu else 128), (50 if gpu else 5, 20)
    for (name, weights), size, n in zip(NETWORKS, sizes, counts, strict=True):
        net = vc.style.network(vc.load_model(name, weights=weights))
        apart = median_ms(lambda: [run_all(vc.style.transfer(content, style, style_weight=r, model=net, size=size,
                                                             steps=n, every=n, optimizer="adam"))
                                   for r in vc.style.RATIOS], args.repeat) / 1000
        together = median_ms(lambda: run_all(vc.style.sweep(content, style, vc.style.RATIOS, model=net, size=size,
                                                            steps=n, every=n)), args.repeat) / 1000
        print(f"{name:16} {size:>5} {n:>5} {apart:>9.2f} {together:>8.2f} {apart / together:>8.2f}x")

    size, total = (512, 500) if gpu else (256, 200)
    n = 20 if args.quick else total
    net = vc.style.network(vc.load_model("vgg19", weights=None))
    run_all(vc.style.transfer(content, style, model=net, size=size, steps=2))  # warm-up
    start = time.perf_counter()
    run_all(vc.style.transfer(content, style, model=net, size=size, steps=n, every=n))
    seconds = (time.perf_counter() - start) * total / n
    how = f"measured over {n} iterations and scaled to {total}" if n < total else "measured"
    print(f"\n(c) VGG-19, L-BFGS, {size} px x {total} iterations: {seconds:.1f} s ({how})")


if __name__ == "__main__":
    main()
