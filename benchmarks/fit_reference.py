"""Fit the reference model on the real US–Russia panel and print wall time and ESS/s.

Usage: python benchmarks/fit_reference.py [--draws 1000] [--tune 1000] [--sampler nutpie]

Prints compile+sampling wall time, max R-hat, min bulk/tail ESS over the non-latent
parameters, divergences, and min bulk ESS per second of wall time.
"""

from __future__ import annotations

import argparse
import time
import warnings

from causal_model import TensionModel
from causal_model.data import load_us_russia
from causal_model.inference.diagnostics import diagnose


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--draws", type=int, default=1500)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--sampler", default="nutpie")
    ap.add_argument("--latent", default="marginal")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    panel = load_us_russia()
    model = TensionModel(panel, latent=args.latent)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = model.fit(
            draws=args.draws,
            tune=args.tune,
            chains=args.chains,
            sampler=args.sampler,
            random_seed=args.seed,
            diagnostics=False,
        )
    wall = time.perf_counter() - t0
    table = diagnose(idata, warn=False)
    ess = float(table.loc["min_ess_bulk", "value"])
    timing = model.timing_
    print(f"reference model, real panel, {args.chains} chains x {args.draws} draws, {args.sampler}")
    print(f"wall (build+compile+sample+postprocess): {wall:.1f} s")
    for k, v in timing.items():
        print(f"  {k}: {v:.1f} s")
    print(table.to_string())
    print(f"min bulk ESS / wall second: {ess / wall:.1f}")
    print(f"min bulk ESS / sampling second: {ess / timing['sample']:.1f}")


if __name__ == "__main__":
    main()
