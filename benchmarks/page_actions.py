"""Wall and CPU time of every page's main action at the app's CPU defaults, on the built-in and an ImageNet model.

A page's main action is what its first Run (or its first paint) computes,
with the settings the page starts at on a CPU, or with ``--paper`` at the
papers' settings (as on a GPU) (``studio.defaults``, the
place the pages read them from; the datasets' 500 images and the first
ReLU, conv and penultimate layers are the pages' own starting choices). CPU
time is ``time.process_time`` plus the CPU time of the worker processes that
decode images for a scan: all threads together, so on 2 cores it can be up
to twice the wall time. The classroom target is 30 s for each.
``--pictures DIR`` saves what each action made, as PNG.

The environment decides much: on a busy machine OpenMP's threads spin while
they wait for a core, and a 2-thread run on 2 busy cores takes 10 to 20
times as long as with ``OMP_WAIT_POLICY=PASSIVE`` (set before torch loads)
or ``--threads 1``. The line "OMP_WAIT_POLICY" above the table says which.

    python benchmarks/page_actions.py [--models builtin-shapes efficientnet_lite0] [--threads N] [--pictures DIR]
    python benchmarks/page_actions.py --paper --device cuda      # the papers' settings, as on a GPU
"""
import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import vizcore as vc  # noqa: E402
from studio import defaults  # noqa: E402
from vizcore.activations import grids  # noqa: E402

MODELS = ["builtin-shapes", "efficientnet_lite0"]
TARGET_S = 30.0


def actions(m: vc.Model, image, chosen: dict) -> dict:
    """Each page's main action as a function returning the pictures it made (name -> PIL image)."""
    dataset = vc.data.builtin("digits" if m.name == "builtin-digits" else "shapes", split="test",
                              n=defaults.default_size(m))
    relu = next((layer.name for layer in m.layers if layer.kind == "ReLU"), m.layers[0].name)
    predicted = int(np.argmax(m.probabilities(image)))

    def home():
        m.predict(image)
        return {}

    def last(steps):
        *_, step = steps
        return step

    def filters():
        first = vc.filters.first_rgb_layer(m)
        w = vc.filters.weight(m, first or vc.filters.conv_layers(m)[0])
        return {"filters": vc.filters.rgb_grid(w)[0] if first else vc.filters.kernel_grid(vc.filters.kernels(w))[0]}

    def patches():
        top = vc.patches.scan(m, dataset, [relu], k=9)[relu]
        return {"patches-unit0": grids.tile(np.stack([np.asarray(dataset[int(i)][0].resize((64, 64)))
                                                      for i in top.indices[0]]))[0]}

    def embeddings():
        vc.embed.project(vc.embed.features(m, dataset), "tsne", seed=0)
        return {}

    def attribution():
        for method in (vc.attribution.saliency, vc.attribution.guided_backprop, vc.attribution.grad_cam):
            method(m, image, predicted)
        return {}

    def long_attribution():
        """The Attribution page's three methods with a progress bar, at their defaults (as the page sets them)."""
        settings = chosen["attribution"]
        window = max(2, round(m.input_size / 7))
        vc.attribution.smoothgrad(m, image, predicted, samples=settings["samples"])
        vc.attribution.integrated_gradients(m, image, predicted, steps=settings["steps"])
        vc.attribution.occlusion(m, image, predicted, window, max(1, window // settings["stride_share"]))
        return {}

    def synthesis():
        param = defaults.parametrization(m)
        made = last(vc.synthesis.class_visualization(m, predicted, steps=chosen["synthesis"]["steps"], param=param,
                                                     transforms=param == "fourier"))
        return {"class-visualization": made.image}

    def layer_mosaic():
        param = defaults.parametrization(m)
        made = last(vc.synthesis.layer_mosaic(m, m.layers[0].name, chosen["synthesis"]["channels"],
                                              steps=chosen["synthesis"]["steps"], param=param,
                                              transforms=param == "fourier"))
        return {"layer-mosaic": made.image}

    def dream():
        layer = defaults.dream_layer(m)
        made = last(vc.synthesis.deep_dream(m, image, layer.name, jitter=max(1, round(32 * m.input_size / 224)),
                                            **chosen["dream"]))
        return {"deep-dream": made.image}

    def inversion():
        made = last(vc.synthesis.invert(m, image, defaults.inversion_layers(m), chosen["invert"]["steps"]))
        return {"inversion": grids.tile(np.stack([np.asarray(p) for p in made.images]), cols=len(made.images))[0]}

    def adversarial():
        made = last(vc.synthesis.adversarial(m, image, (predicted + 1) % len(m.categories), 16,
                                             chosen["adversarial"]["steps"]))
        return {"adversarial": made.image}

    def fooling():
        return {"fooling": last(vc.synthesis.fooling(m, 0, chosen["fooling"]["steps"], 0.99)).image}

    def style():
        made = last(vc.style.sweep(image, [vc.style.sample("swirls", 256)], vc.style.RATIOS, tv_weight=3.0,
                                   model=m, **chosen["style"]))
        return {"style-sweep": grids.tile(np.stack([np.asarray(p) for p in made.images]), cols=4)[0]}

    return {"home: predict": home, "filters: grid": filters,
            "activations: grid": lambda: {"activations": grids.grid(m.activations(image, [relu])[relu])[0]},
            "max patches: scan": patches, "embeddings: features + t-SNE": embeddings,
            "attribution: 3 methods": attribution,
            "attribution: SmoothGrad + IG + occlusion": long_attribution, "feature vis: class": synthesis,
            "feature vis: whole layer": layer_mosaic, "DeepDream": dream, "inversion": inversion,
            "adversarial": adversarial, "fooling": fooling, "style: sweep": style}


def cpu_seconds() -> float:
    """CPU time of this process and of its finished worker processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="+", default=MODELS)
    parser.add_argument("--threads", type=int, default=None, help="torch's intra-op threads (default: torch's)")
    parser.add_argument("--pictures", type=Path, default=None, help="save each action's pictures here, as PNG")
    parser.add_argument("--only", nargs="*", default=None, help="run only the actions whose name contains one of these")
    parser.add_argument("--paper", action="store_true", help="the papers' settings instead of the CPU defaults")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    chosen = {page: defaults.settings(page, args.paper) for page in defaults.DEFAULTS}
    print(f"device: {args.device}, torch threads: {torch.get_num_threads()}, "
          f"OMP_WAIT_POLICY: {os.environ.get('OMP_WAIT_POLICY', 'unset')}, defaults: {chosen}")
    print(f"{'model':20} {'action':42} {'wall s':>7} {'CPU s':>7}  {'':4}")
    photo = vc.data.builtin("samples")[0][0]
    with tempfile.TemporaryDirectory() as kept:  # features computed, not read back from an earlier run
        os.environ["DEEPVIS_CACHE"] = kept
        for name in args.models:
            measure(name, args, chosen, photo)


def measure(name: str, args, chosen: dict, photo) -> None:
    """Load ``name`` and print a row per action."""
    try:
        m = vc.load_model(name, device=args.device)
    except vc.ModelError as e:
        print(f"{name:20} skipped: {e}")
        return
    image = m.view(vc.data.builtin("shapes", split="test")[0][0] if name.startswith("builtin") else photo)
    for action, run in actions(m, image, chosen).items():
        if args.only and not any(part in action for part in args.only):
            continue
        wall, used = time.perf_counter(), cpu_seconds()
        made = run() or {}
        wall, used = time.perf_counter() - wall, cpu_seconds() - used
        verdict = "ok" if max(wall, used) <= TARGET_S else "SLOW"
        print(f"{name:20} {action:42} {wall:>7.1f} {used:>7.1f}  {verdict}", flush=True)
        if args.pictures:
            args.pictures.mkdir(parents=True, exist_ok=True)
            for picture, made_picture in made.items():
                made_picture.save(args.pictures / f"{name}-{picture}.png")

if __name__ == "__main__":
    main()
