"""Speed of the package's default sampling path, measured against its own baselines in one run.

Usage::

    python benchmarks/speed.py [--skip-pymc] [--skip-peer] [--skip-growth] [--seed 1]

Section 0 measures compilation in new processes: a whole first fit on a "fresh machine" (no
PyTensor, numba or callback cache), then compilation alone with nutpie's C callbacks compiled
and loaded from the disk cache of :mod:`causal_model.inference.compile_cache`; it then fills the
user's
cache, so that the first fit of section 1 is the usual case: a structure compiled once on this
machine, fitted in a new process. Every figure of the speed issue, on this machine, in one run
(each ratio's two sides are measured in the same run; the machine is small and noisy, so
compare ratios, not seconds):

1. time to a trustworthy posterior: the reference model on the real panel with default
   settings (nutpie), wall time from a new model object to the finished InferenceData,
   compilation included; "trustworthy" = max R-hat <= 1.01, min bulk ESS >= 400 over every
   non-latent parameter, no divergence. The same fit with ``sampler="pymc"`` gives the ESS
   per second ratio.
2. the independent numpyro implementation (``benchmarks/peer_numpyro.py``): ESS per second
   ratio.
3. refit without recompiling: a second fit of the same structure on new data (the panel cut
   after 2020, as leave-future-out does) in the same process, against the first fit in this
   process and against the first fit on a fresh machine (section 0).
4. overhead ratio: sampling wall / (gradient evaluations of the slowest chain x the time of
   one compiled log-density + gradient evaluation).
5. growth: the same fit on simulated panels of 34, 136 and 408 time steps (the real panel's
   indicators and missingness pattern repeated; fewer draws, see ``--growth-draws``).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import xarray as xr

from causal_model import TensionModel
from causal_model.data import load_us_russia
from causal_model.inference.diagnostics import diagnose
from causal_model.validation.lfo import mask_after

GROWTH_STEPS = (34, 136, 408)


def fit_once(model: TensionModel, **kwargs) -> dict:
    """Fit and return wall time, the sampler's timing and the diagnostics."""
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = model.fit(diagnostics=False, **kwargs)
    wall = time.perf_counter() - t0
    d = diagnose(idata, warn=False)
    out = {"wall": wall, **model.timing_, "idata": idata}
    out["rhat"] = float(d.loc["max_r_hat", "value"])
    out["ess"] = float(d.loc["min_ess_bulk", "value"])
    out["div"] = int(d.loc["divergences", "value"])
    out["trustworthy"] = out["rhat"] <= 1.01 and out["ess"] >= 400 and out["div"] == 0
    out["ess_per_s"] = out["ess"] / wall
    return out


def logp_grad_seconds(model: TensionModel, idata, n: int = 3000) -> float:
    """Seconds per call of the compiled (numba) log-density + gradient nutpie samples with,
    at the posterior mean (one BLAS thread, as in sampling)."""
    from nutpie.compile_pymc import _make_functions
    from pymc.initial_point import make_initial_point_fn
    from threadpoolctl import threadpool_limits

    pm_model = model.build()
    ipf = make_initial_point_fn(model=pm_model, return_transformed=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n_dim, _, logp_fn, *_ = _make_functions(
            pm_model,
            mode="NUMBA",
            compute_grad=True,
            join_expanded=True,
            pymc_initial_point_fn=ipf,
            var_names=None,
        )
    # the posterior mean on the unconstrained scale, in the sampler's variable order
    point = []
    for v in pm_model.value_vars:
        draws = idata.posterior[v.name] if v.name in idata.posterior else None
        if draws is None:  # transformed value: transform the constrained draws' mean
            rv = pm_model.values_to_rvs[v]
            tr = pm_model.rvs_to_transforms[rv]
            val = idata.posterior[rv.name].mean(("chain", "draw")).values
            point.append(np.ravel(tr.forward(val).eval()))
        else:
            point.append(np.ravel(draws.mean(("chain", "draw")).values))
    x = np.concatenate(point)
    assert x.size == n_dim
    with threadpool_limits(limits=1):
        for _ in range(50):
            logp_fn(x)
        t0 = time.perf_counter()
        for _ in range(n):
            logp_fn(x)
        return (time.perf_counter() - t0) / n


_COMPILE_SNIPPET = """
import time, warnings
warnings.simplefilter("ignore")
from causal_model.data import load_us_russia
from causal_model import TensionModel
from causal_model.inference.compile_cache import compile_pymc_model
model = TensionModel(load_us_russia()).build()
t0 = time.perf_counter()
c = compile_pymc_model(model)
print(time.perf_counter() - t0, c.compiled_logp_func.cache_hits)
"""

_FIT_SNIPPET = """
import sys, time, warnings
warnings.simplefilter("ignore")
from causal_model.data import load_us_russia
from causal_model import TensionModel
model = TensionModel(load_us_russia())
t0 = time.perf_counter()
model.fit(random_seed=int(sys.argv[1]), diagnostics=False)
print(time.perf_counter() - t0, model.timing_["compile"])
"""


def _in_new_process(snippet: str, env: dict | None = None, *args: str) -> list[str]:
    """Run ``snippet`` in a new Python process (``env`` added to this one's) and return the
    last line of its output, split."""
    import os
    import subprocess

    res = subprocess.run(
        [sys.executable, "-c", snippet, *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, **(env or {})),
        check=True,
    )
    return res.stdout.split("\n")[-2].split()


def compile_in_new_processes(seed: int) -> dict:
    """Compilation in new processes, from nothing cached to everything cached.

    - ``cold_fit``: a whole default fit (wall, compile) in a process that finds no cache at
      all (PyTensor's compile directory, numba's cache and the callback cache all empty and
      temporary; PyTensor's numba cache lives under its ``base_compiledir``): the first
      fit of this structure on a fresh machine.
    - ``callbacks_empty`` / ``callbacks_filled``: compile time only, PyTensor's cache as this
      machine has it, the callback cache empty, then filled by the run before.

    Finally the user's own caches are filled, so that section 1 measures the usual case: a
    new process fitting a structure compiled once on this machine.
    """
    import os
    import tempfile

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        flags = os.environ.get("PYTENSOR_FLAGS", "")
        cold = {
            "CAUSAL_MODEL_CACHE": f"{tmp}/cm",
            "NUMBA_CACHE_DIR": f"{tmp}/numba",
            "PYTENSOR_FLAGS": ",".join(filter(None, [flags, f"base_compiledir={tmp}/pytensor"])),
        }
        wall, compile_s = _in_new_process(_FIT_SNIPPET, cold, str(seed))
        out["cold_fit"] = (float(wall), float(compile_s))
    with tempfile.TemporaryDirectory() as tmp:
        for label in ("callbacks_empty", "callbacks_filled"):
            seconds, hits = _in_new_process(_COMPILE_SNIPPET, {"CAUSAL_MODEL_CACHE": tmp})
            out[label] = (float(seconds), int(hits) > 0)
    _in_new_process(_COMPILE_SNIPPET)
    return out


def long_template(panel: xr.Dataset, n_steps: int) -> xr.Dataset:
    """The real panel's rows repeated to ``n_steps`` consecutive time steps (values are only a
    template for :func:`causal_model.simulate`: its indicators, trials and missing cells)."""
    reps = int(np.ceil(n_steps / panel.sizes["year"]))
    parts = [panel] * reps
    out = xr.concat(parts, dim="year").isel(year=slice(0, n_steps))
    years = np.arange(int(panel["year"][0]), int(panel["year"][0]) + n_steps)
    return out.assign_coords(year=years)


def growth(panel, draws: int, tune: int, seed: int, steps=GROWTH_STEPS) -> list[dict]:
    """Fits on simulated panels of ``steps`` time steps."""
    from causal_model import simulate

    rows = []
    for n in steps:
        sim, _ = simulate(long_template(panel, n), random_seed=seed + n)
        m = TensionModel(sim)
        r = fit_once(m, draws=draws, tune=tune, random_seed=seed)
        r["t_eval"] = logp_grad_seconds(m, r["idata"], n=500 if n > 136 else 2000)
        r["steps"] = n
        rows.append(r)
        print(
            f"  T={n}: wall {r['wall']:.1f} s (compile {r['compile']:.1f}, sample "
            f"{r['sample']:.1f}), logp+grad {1e6 * r['t_eval']:.0f} us, "
            f"min ESS {r['ess']:.0f}, ESS/s {r['ess_per_s']:.2f}",
            flush=True,
        )
    return rows


def describe(name: str, r: dict) -> str:
    return (
        f"{name:<34} wall {r['wall']:6.1f} s  compile {r.get('compile', float('nan')):5.1f} s  "
        f"sample {r.get('sample', float('nan')):6.1f} s  R-hat {r['rhat']:.3f}  "
        f"min ESS {r['ess']:5.0f}  div {r['div']:3d}  ESS/s {r['ess_per_s']:6.2f}  "
        f"{'trustworthy' if r['trustworthy'] else 'NOT trustworthy'}"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-pymc", action="store_true")
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--skip-growth", action="store_true")
    ap.add_argument("--growth-draws", type=int, default=500)
    ap.add_argument("--growth-tune", type=int, default=500)
    ap.add_argument(
        "--growth-steps",
        default=",".join(map(str, GROWTH_STEPS)),
        help="comma-separated panel lengths (time steps) of the growth benchmark",
    )
    args = ap.parse_args(argv)
    panel = load_us_russia()

    print("0. compilation of the reference model in new processes", flush=True)
    compiles = compile_in_new_processes(args.seed)
    cold_wall, cold_compile = compiles["cold_fit"]
    print(
        f"  nothing cached (fresh machine): first fit {cold_wall:5.1f} s "
        f"(compile {cold_compile:5.1f} s)"
    )
    for label in ("callbacks_empty", "callbacks_filled"):
        sec, hit = compiles[label]
        print(f"  {label:<30} compile {sec:5.1f} s (callbacks loaded from disk: {hit})")

    print("1. reference model, real panel, default settings (2 chains)", flush=True)
    first = fit_once(TensionModel(panel), random_seed=args.seed)
    print(describe("default path (nutpie, marginal)", first), flush=True)

    refit_model = TensionModel(mask_after(panel, 2020))
    refit = fit_once(refit_model, random_seed=args.seed + 1)
    print(describe("refit, new data (cut after 2020)", refit), flush=True)

    t_eval = logp_grad_seconds(TensionModel(panel), first["idata"])
    per_chain = first["grad_evals_max_chain"]
    overhead = first["sample"] / (per_chain * t_eval)

    pymc = None
    if not args.skip_pymc:
        pymc = fit_once(TensionModel(panel), random_seed=args.seed, sampler="pymc")
        print(describe("sampler='pymc' (same model)", pymc), flush=True)
    peer = None
    if not args.skip_peer:
        sys.path.insert(0, str(Path(__file__).parent))
        from peer_numpyro import run_peer

        raw = run_peer(seed=args.seed)
        peer = {
            "wall": raw["wall"],
            "rhat": raw["max_r_hat"],
            "ess": raw["min_ess_bulk"],
            "div": raw["divergences"],
            "ess_per_s": raw["ess_per_wall_s"],
        }
        print(
            f"{'peer: numpyro, states by NUTS':<34} wall {peer['wall']:6.1f} s  "
            f"R-hat {peer['rhat']:.3f}  min ESS {peer['ess']:5.0f}  div {peer['div']:3d}  "
            f"ESS/s {peer['ess_per_s']:6.2f}",
            flush=True,
        )
    rows = []
    if not args.skip_growth:
        print(f"5. growth ({args.growth_draws} draws, {args.growth_tune} tune)", flush=True)
        steps = tuple(int(v) for v in args.growth_steps.split(","))
        rows = growth(panel, args.growth_draws, args.growth_tune, args.seed, steps)

    print("\nsummary")
    print(
        f"  time to posterior (default):    {first['wall']:.1f} s "
        f"(compile {first['compile']:.1f} s, callbacks from disk: "
        f"{first.get('callbacks_from_disk')}); trustworthy: {first['trustworthy']} "
        f"(target: trustworthy in < 20 s)"
    )
    print(
        f"  compile, new process:           {cold_compile:.1f} s nothing cached, "
        f"{compiles['callbacks_empty'][0]:.1f} s with the callbacks compiled, "
        f"{compiles['callbacks_filled'][0]:.1f} s loaded from disk"
    )
    if pymc is not None:
        print(
            f"  ESS/s vs sampler='pymc':        {first['ess_per_s'] / pymc['ess_per_s']:.2f}x "
            "(target >= 3)"
        )
    if peer is not None:
        print(
            f"  ESS/s vs numpyro peer:          {first['ess_per_s'] / peer['ess_per_s']:.2f}x "
            "(target >= 1)"
        )
    print(
        f"  refit speed-up (wall):          {first['wall'] / refit['wall']:.2f}x against the "
        f"first fit in this process (structure compiled on this machine before), "
        f"{cold_wall / refit['wall']:.2f}x against the first fit on a fresh machine "
        f"(target >= 5; compile reused: {refit.get('compile_cached')})"
    )
    print(
        f"  logp+grad:                      {1e6 * t_eval:.0f} us; gradient evaluations "
        f"(slowest chain) {per_chain}"
    )
    print(f"  overhead ratio:                 {overhead:.2f} (aim <= 2)")
    if rows:
        base = rows[0]
        for r in rows:
            print(
                f"  growth T={r['steps']:>3}: logp+grad x{r['t_eval'] / base['t_eval']:.1f}, "
                f"sampling x{r['sample'] / base['sample']:.1f}, "
                f"ESS/s {r['ess_per_s']:.2f} (time steps x{r['steps'] / base['steps']:.0f})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
