"""Leave-future-out CV of the reference model on the real panel against three baselines.

    python benchmarks/lfo_reference.py [--serial] [--draws N] [--out lfo.csv]

Prints the wall time (target: under 15 minutes on a 2-core machine), the refit times (the
first compiles, the others reuse the compiled sampler), the summary per horizon for the
tension indicators (CRPS ratio to persistence < 1 means the model beats persistence) and the
pooled 50% / 90% interval coverage of the model.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from causal_model import TensionModel
from causal_model.data import load_us_russia
from causal_model.validation import lfo_cv, lfo_summary


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--serial", action="store_true", help="refit in this process")
    p.add_argument("--draws", type=int, default=500)
    p.add_argument("--tune", type=int, default=500)
    p.add_argument("--out", default=None, help="write the long table to this CSV")
    args = p.parse_args()
    t0 = time.perf_counter()
    model = TensionModel(load_us_russia())
    table = lfo_cv(
        model,
        executor=None if args.serial else "processes",
        draws=args.draws,
        tune=args.tune,
        random_seed=1,
    )
    wall = time.perf_counter() - t0
    fits = pd.Series(table.attrs["fit_times"])
    print(f"wall time {wall:.0f} s for {len(fits)} refits (target < 900 s)")
    print(f"refit times: max {fits.max():.1f} s, median {fits.median():.1f} s")
    pd.set_option("display.width", 140)
    print("\ntension indicators:")
    print(lfo_summary(table).round(3).to_string())
    print("\nall indicators:")
    print(lfo_summary(table, latent=None).round(3).to_string())
    model_rows = table[table.method == "model"]
    print(
        f"\nmodel coverage pooled over origins, horizons and indicators: "
        f"50% -> {model_rows.in50.mean():.3f}, 90% -> {model_rows.in90.mean():.3f}"
    )
    tension = model_rows[model_rows.latent == "tension"]
    print(f"tension indicators: 50% -> {tension.in50.mean():.3f}, 90% -> {tension.in90.mean():.3f}")
    if args.out:
        table.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
