"""How fast the Activations page is: `python benchmarks/activations.py` (prints a table).

(a) ``m.activations(img)`` for every layer against a bare forward pass of the
    same model and image (preprocessing included in both), interleaved in the
    same run: the capture overhead (target ≤ 1.2).
(b) The page's rerun when switching layer with the forward pass cached
    (AppTest, app.py and its sidebar included): the first visit of a layer
    draws its grid, a later one finds it cached too (target < 150 ms).
(c) Drawing the tiled grid of a 384-channel layer (AlexNet's conv3) and
    encoding it as PNG, as the page's cache does on a first visit.

Models are randomly initialised (no download); times are medians.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from latency import median_ms  # noqa: E402  (benchmarks/latency.py, next to this file)

import vizcore as vc  # noqa: E402
from scripts.apptest import app_test  # noqa: E402
from studio import downloads  # noqa: E402
from vizcore import grids  # noqa: E402

SWITCHES = ["features.6", "features.8", "features.10", "features.7", "features.3"]  # conv3, conv4, conv5, relu3, conv2


def capture_overhead(name: str, repeat: int) -> tuple[float, float]:
    """Medians (bare forward ms, all-layer activations ms) for ``name``, both from the PIL image, interleaved."""
    torch.manual_seed(0)
    m = vc.load_model(name, weights=None, device="cpu")
    img = vc.data.builtin("samples")[0][0]

    def bare():
        with torch.inference_mode():
            m.module(m.preprocess(img))

    def captured():
        m.activations(img)

    for _ in range(3):  # warm-up: the first passes pick kernels and grow the allocator
        bare(), captured()
    times = {bare: [], captured: []}
    for _ in range(repeat):  # alternate, so that a busy moment hits both
        for run, spent in times.items():
            start = time.perf_counter()
            run()
            spent.append(time.perf_counter() - start)
    return tuple(1000 * statistics.median(spent) for spent in times.values())


def page_switches(repeat: int) -> tuple[float, float]:
    """(first visit ms, cached revisit ms) of a layer switch on the Activations page, AlexNet."""
    app = app_test().run()
    app.sidebar.selectbox(key="model_name").select("alexnet")
    app.sidebar.radio(key="weights_mode").set_value("random init").run()
    app.switch_page("pages/activations.py").run()  # computes and caches the forward pass

    def switch(layer):
        start = time.perf_counter()
        app.selectbox(key="activations_layer").select(layer).run()
        assert not app.exception, app.exception
        return time.perf_counter() - start

    first = [switch(layer) for layer in SWITCHES]
    again = [switch(layer) for _ in range(repeat) for layer in SWITCHES]
    return 1000 * statistics.median(first), 1000 * statistics.median(again)


def grid_drawing(repeat: int) -> tuple[float, float]:
    """(grid ms, grid + PNG ms) for AlexNet's conv3 (384 x 13 x 13)."""
    torch.manual_seed(0)
    m = vc.load_model("alexnet", weights=None, device="cpu")
    maps = m.activations(vc.data.builtin("samples")[0][0], ["conv3"])["conv3"]
    assert maps.shape[0] == 384
    return (median_ms(lambda: grids.grid(maps), repeat),
            median_ms(lambda: downloads.png(grids.grid(maps)[0]), repeat))


def main() -> None:
    rows = []
    for name in ("alexnet", "resnet18", "vgg16"):
        bare, captured = capture_overhead(name, repeat=10 if name == "vgg16" else 30)
        rows.append((f"(a) {name}: all-layer activations / bare forward", f"{captured:.0f} / {bare:.0f} ms",
                     f"{captured / bare:.2f}", "≤ 1.2"))
    first, again = page_switches(repeat=4)
    rows.append(("(b) alexnet: layer switch, grid drawn (first visit)", f"{first:.0f} ms", "", "< 150 ms"))
    rows.append(("(b) alexnet: layer switch, grid cached (revisit)", f"{again:.0f} ms", "", "< 150 ms"))
    drawn, encoded = grid_drawing(repeat=20)
    rows.append(("(c) alexnet conv3, 384 channels: grid", f"{drawn:.1f} ms", "", ""))
    rows.append(("(c) alexnet conv3, 384 channels: grid + PNG", f"{encoded:.1f} ms", "", ""))

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU")
    widths = [max(len(str(r[i])) for r in rows + [("measure", "time", "ratio", "target")]) for i in range(4)]
    for row in [("measure", "time", "ratio", "target"), tuple("-" * w for w in widths)] + rows:
        print(" | ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
