"""Shared command-line options of the examples (``--quick``, ``--out``, ``--seed``)."""

from __future__ import annotations

import argparse
from pathlib import Path

QUICK = {"draws": 100, "tune": 200}
FULL: dict = {}  # the package defaults (TensionModel.fit)


def parse(description: str, argv=None) -> argparse.Namespace:
    """Parse the examples' options; ``args.fit_kwargs`` holds the sampler settings."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="few draws: a smoke test, not inference")
    p.add_argument("--out", type=Path, default=Path("example_output"), help="output folder")
    p.add_argument("--seed", type=int, default=20241124, help="random seed")
    args = p.parse_args(argv)
    args.fit_kwargs = dict(QUICK if args.quick else FULL, random_seed=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    return args
