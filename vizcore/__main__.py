"""``python -m vizcore scan``: each unit's top-k images of a dataset, from the shell (see :func:`vizcore.patches.scan`).

    python -m vizcore scan --model alexnet --data photos/ --layers conv5 fc7 --k 9 --out top9.npz

``--data`` is a folder of images or a built-in dataset (shapes, digits,
samples; test split). ``--workers`` processes decode the images while the
network runs (default: :func:`vizcore.data.batches.default_workers`). Progress,
with images/s and the time left, goes to stderr; Ctrl+C stops the scan
(exit status 130, nothing written). The result is one .npz with, per layer
label, ``<label>.values``, ``<label>.indices`` and ``<label>.positions``, and
the dataset's item names as ``names``. A mistake (unknown model, layer or
folder) is one sentence on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from vizcore import data
from vizcore.core.loading import load_model
from vizcore.core.progress import Meter
from vizcore.data.batches import default_workers
from vizcore.errors import VizError
from vizcore.patches import scan

BUILTIN_DATA = ("shapes", "digits", "samples")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m vizcore", description="Scan a dataset for max-activating images.")
    parser.add_argument("command", choices=["scan"])
    parser.add_argument("--model", required=True, help="builtin-shapes, builtin-digits or a torchvision model name")
    parser.add_argument("--weights", default="default", help="'default' (pretrained) or 'none' (random init)")
    parser.add_argument("--checkpoint", help="a state_dict or TorchScript file for the model")
    parser.add_argument("--data", required=True, help="a folder of images, or shapes, digits or samples")
    parser.add_argument("--n", type=int, help="how many images of a built-in dataset (default: all of its test split)")
    parser.add_argument("--layers", nargs="+", required=True, help="layer labels or names, e.g. conv5 fc7")
    parser.add_argument("--k", type=int, default=9)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help="processes that decode images while the network runs (default %(default)s; 0: none)")
    parser.add_argument("--out", default="scan.npz", help="where to write the result (default scan.npz)")
    args = parser.parse_args(argv)
    if args.k < 1 or args.batch_size < 1 or args.workers < 0:
        parser.error("--k and --batch-size must be at least 1, --workers at least 0.")
    try:
        model = load_model(args.model, weights=None if args.weights == "none" else args.weights,
                           checkpoint=args.checkpoint)
        dataset = data.builtin(args.data, n=args.n) if args.data in BUILTIN_DATA else data.folder(args.data)
        labels = {model.layer(layer).name: model.layer(layer).label for layer in args.layers}
    except (VizError, KeyError) as e:
        print(f"error: {e.args[0]}", file=sys.stderr)
        sys.exit(2)

    meter = Meter()

    def show(done: int, total: int) -> None:
        print(f"\r{meter(done, total):<60}", end="", file=sys.stderr, flush=True)

    try:
        result = scan(model, dataset, list(labels), k=args.k, batch_size=args.batch_size, progress=show,
                      workers=args.workers)
    except KeyboardInterrupt:
        print("\nstopped: nothing written.", file=sys.stderr)
        sys.exit(130)
    print(file=sys.stderr)
    arrays = {"names": np.array([dataset.name(i) for i in range(len(dataset))])}
    for name, top in result.items():
        label = labels[name]
        arrays.update({f"{label}.values": top.values.numpy(), f"{label}.indices": top.indices.numpy(),
                       f"{label}.positions": top.positions.numpy()})
        best = ", ".join(dataset.name(int(i)) for i in top.indices[:3, 0])
        print(f"{label}: {top.values.shape[0]} units × top {top.k}; units 0-2 peak on {best}")
    np.savez(Path(args.out), **arrays)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
