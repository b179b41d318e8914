"""Time to a trustworthy posterior of the reference model against the release-0.1 dynamics,
and the wall time of a 16-origin leave-future-out run, measured in one run.

Usage::

    python benchmarks/dynamics_speed.py [--seeds 1 2 3] [--variants A B] [--lfo]
    python benchmarks/dynamics_speed.py --variants reference reference@/path/to/old/checkout

A variant written ``NAME@DIR`` is fitted with the package imported from the checkout ``DIR``
(its own registry, panel and priors): the time of today's code against another commit's,
measured in the same run on the same machine.

Each fit runs in a new process (compilation included, the structure's compiled code already
cached on the machine: every variant is fitted once first, untimed), with the package's
default sampler settings. Printed per variant and seed: wall time, compile and sampling
seconds, max R-hat, min bulk ESS, divergences, and whether the posterior is trustworthy
(R-hat <= 1.01, bulk ESS >= 400, no divergence); then the ratio of the medians (reference /
stationary). With ``--lfo`` also the wall time of ``lfo_cv`` of the reference model on the
origins 2008-2023 with 2 processes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

FIT = """
import json, time, warnings
warnings.simplefilter("ignore")
from causal_model import TensionModel, load_us_russia
from causal_model.inference.diagnostics import diagnose
t0 = time.perf_counter()
m = TensionModel(load_us_russia(), variant={variant!r})
idata = m.fit(random_seed={seed}, diagnostics=False)
wall = time.perf_counter() - t0
d = diagnose(idata, warn=False)["value"]
print(json.dumps({{"wall": wall, "compile": m.timing_.get("compile"),
    "sample": m.timing_.get("sample"), "rhat": float(d["max_r_hat"]),
    "ess": float(d["min_ess_bulk"]), "div": int(d["divergences"])}}))
"""


def fit(variant: str, seed: int) -> dict:
    name, _, code = variant.partition("@")
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [code, env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, "-c", FIT.format(variant=name, seed=seed)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=code or None,  # ``python -c`` puts the working folder first on sys.path
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--variants", nargs="+", default=["reference", "stationary"])
    ap.add_argument("--lfo", action="store_true")
    args = ap.parse_args()
    walls: dict[str, list[float]] = {}
    for variant in args.variants:
        fit(variant, 0)  # compile and cache the structure, untimed
        for seed in args.seeds:
            r = fit(variant, seed)
            ok = r["rhat"] <= 1.01 and r["ess"] >= 400 and r["div"] == 0
            walls.setdefault(variant, []).append(r["wall"])
            print(
                f"{variant:>12} seed {seed}: {r['wall']:5.1f} s (compile {r['compile']:.1f}, "
                f"sampling {r['sample']:.1f}); R-hat {r['rhat']:.3f}, min ESS {r['ess']:.0f}, "
                f"{r['div']} divergences; trustworthy: {ok}",
                flush=True,
            )
    if len(args.variants) == 2:
        a, b = (statistics.median(walls[v]) for v in args.variants)
        print(
            f"median wall {args.variants[0]} / {args.variants[1]}: {a:.1f} / {b:.1f} = {a / b:.2f}"
        )
    if args.lfo:
        from causal_model import TensionModel, load_us_russia
        from causal_model.validation import lfo_cv

        t0 = time.perf_counter()
        table = lfo_cv(TensionModel(load_us_russia()), origins=range(2008, 2024), progress=False)
        print(
            f"LFO, 16 origins, 2 processes: {time.perf_counter() - t0:.0f} s wall; refits "
            f"median {statistics.median(table.attrs['fit_times'].values()):.1f} s"
        )


if __name__ == "__main__":
    main()
