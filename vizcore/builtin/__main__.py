"""``python -m vizcore.builtin train [--only shapes|digits] [--epochs N] [--seed S]``."""
from __future__ import annotations

import argparse

import torch

from vizcore.builtin import train


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m vizcore.builtin",
                                     description="Train the built-in models and write their weights.")
    parser.add_argument("command", choices=["train"])
    parser.add_argument("--only", choices=sorted(train.RECIPES), help="train just this model")
    parser.add_argument("--epochs", type=int, help="override the recipe's number of epochs")
    parser.add_argument("--seed", type=int, default=0, help="torch and training-data seed (default 0)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    for name in [args.only] if args.only else train.RECIPES:
        checkpoint = train.train(name, epochs=args.epochs, seed=args.seed)
        print(f"wrote {train.save(name, checkpoint)}")


if __name__ == "__main__":
    main()
