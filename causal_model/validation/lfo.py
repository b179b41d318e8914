"""Leave-future-out cross-validation: refit on data up to each origin, score what followed.

For each origin the panel's values after the origin are set to missing (so the model's
structure, and therefore the compiled sampler, stay the same: a refit swaps data, it does not
recompile), the model is refitted, and its predictive draws for ``origin + h`` are scored
against what happened: CRPS, log predictive density (LPD) and coverage of the central 50% and
90% intervals, per indicator and horizon. Three baselines are scored on the same cells in the
same run: persistence, an AR(1) per indicator, and the training mean.

Scales: gaussian indicators on the panel's ``value`` scale, counts as counts, binomial
indicators as shares of their (true) trials for CRPS and coverage and as counts for the LPD.
The dates of changes of leader after an origin are treated as known (elections are
scheduled); their effects are not (they are drawn from the fitted event-type means).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from causal_model import families
from causal_model.analysis.paths import build_paths
from causal_model.dims import INDICATOR, TENSION, YEAR
from causal_model.inference import TensionModel
from causal_model.specification.priors import PriorSet
from causal_model.specification.variants import Variant
from causal_model.validation import baselines, scores

METHODS = ("model", *baselines.BASELINES)


def mask_after(panel: xr.Dataset, origin: int) -> xr.Dataset:
    """The panel with every value after ``origin`` set to missing (same years, same shape)."""
    out = panel.copy(deep=True)
    late = out[YEAR] > origin
    for name in ("raw", "value", "trials"):
        if name in out:
            out[name] = out[name].where(~late)
    return out


def _template(model_factory):
    model = model_factory if isinstance(model_factory, TensionModel) else model_factory()
    if not isinstance(model, TensionModel):
        raise TypeError("model_factory must be a TensionModel or return one when called")
    return model


def model_spec(model) -> dict:
    """A picklable description of a model (Prior objects themselves do not pickle)."""
    return {
        "panel": model.panel,
        "events": model.events,
        "priors": model.priors.to_dict(),
        "priors_source": str(model.priors.source),
        "variant": model.variant.to_dict(),
        "latent": model.latent,
    }


def model_from_spec(spec: dict, panel: xr.Dataset | None = None):
    """Rebuild the model of :func:`model_spec` (optionally on another panel)."""
    return TensionModel(
        spec["panel"] if panel is None else panel,
        spec["events"],
        priors=PriorSet.from_dict(spec["priors"], source=spec["priors_source"]),
        variant=Variant.from_dict(spec["variant"]),
        latent=spec["latent"],
    )


def _seed(random_seed: int, origin: int) -> int:
    return int(np.random.SeedSequence([int(random_seed), int(origin)]).generate_state(1)[0])


def refit_and_score(spec: dict, origin: int, horizons, fit_kwargs: dict, seed: int) -> pd.DataFrame:
    """Refit the model of ``spec`` (:func:`model_spec`) on data up to ``origin`` and score the
    model and the baselines (one origin; runs in a worker)."""
    template = model_from_spec(spec)
    full = template.data
    model = model_from_spec(spec, mask_after(template.panel, origin))
    t0 = time.perf_counter()
    idata = model.fit(random_seed=seed, diagnostics=False, **fit_kwargs)
    fit_time = time.perf_counter() - t0
    md = model.data
    last = int(md.years[-1])
    paths = build_paths(model, idata, until=last, random_seed=seed)
    targets = [origin + h for h in horizons if origin + h <= last]
    ti = np.searchsorted(md.years, targets)
    # truth on the model scale of the training standardisation, with the true trials
    cell = np.zeros_like(full.mask)
    cell[ti] = full.mask[ti]
    y_true = np.where(cell, full.y, 0.0)
    gauss = md.gaussian
    value_true = full.y * full.scale + full.center  # value scale of the full panel
    y_true[:, gauss] = np.where(
        cell[:, gauss], (value_true[:, gauss] - md.center[gauss]) / md.scale[gauss], 0.0
    )
    trials = np.where(cell, full.trials, 1.0)
    eta = paths.eta()
    ss = paths.ss
    fam_params = {"scale": ss.scale, "nu": ss.nu, "alpha": ss.alpha}
    ll = families.logpdf(md.family, y_true, eta, trials=trials, mask=cell, **fam_params)
    rng = np.random.default_rng(seed)
    draws = families.draw(md.family, eta[:, ti], rng, trials=trials[ti], **fam_params)
    rows = []
    for j, key in enumerate(md.indicators):
        fam = md.family[j]
        binom = fam == families.CODES["binomial"]
        obs_train = md.mask[:, j] & (md.years <= origin)
        tr_years = md.years[obs_train]
        if binom:
            tr_values = md.y[obs_train, j] / md.trials[obs_train, j]
        elif md.gaussian[j]:
            tr_values = md.y[obs_train, j] * md.scale[j] + md.center[j]
        else:
            tr_values = md.y[obs_train, j]
        for k, (year, t) in enumerate(zip(targets, ti, strict=True)):
            if not cell[t, j]:
                continue
            h = year - origin
            n = trials[t, j]
            if binom:
                d, y = draws[:, k, j] / n, full.y[t, j] / n
            elif md.gaussian[j]:
                d, y = draws[:, k, j] * md.scale[j] + md.center[j], value_true[t, j]
            else:
                d, y = draws[:, k, j], full.y[t, j]
            lpd = scores.log_mean_exp(ll[:, t, j]) - (
                np.log(md.scale[j]) if md.gaussian[j] else 0.0
            )
            base = {
                "origin": origin,
                "horizon": h,
                "year": year,
                INDICATOR: key,
                "latent": str(md.latent[j]),
            }
            rows.append(
                {
                    **base,
                    "method": "model",
                    "crps": scores.crps_draws(d, y),
                    "lpd": lpd,
                    "in50": scores.in_interval(d, y, 0.5),
                    "in90": scores.in_interval(d, y, 0.9),
                    "pit": scores.pit_draws(d, y, rng, discrete=not md.gaussian[j]),
                }
            )
            step = None if md.gaussian[j] else (1.0 / n if binom else 1.0)
            for name, func in baselines.FUNCTIONS.items():
                pred = func(tr_years, tr_values, year) if tr_years.size else None
                if pred is None:
                    continue
                mu, sd = pred
                lp = scores.normal_logscore(mu, sd, y, discrete_step=step)
                rows.append(
                    {
                        **base,
                        "method": name,
                        "crps": scores.crps_normal(mu, sd, y),
                        "lpd": lp,
                        "in50": scores.in_normal_interval(mu, sd, y, 0.5),
                        "in90": scores.in_normal_interval(mu, sd, y, 0.9),
                        "pit": float(stats.norm.cdf(y, mu, sd)),
                    }
                )
    out = pd.DataFrame(rows)
    out.attrs["fit_time"] = fit_time
    out.attrs["compile_cached"] = bool(model.timing_.get("compile_cached", False))
    return out


def lfo_cv(
    model_factory: Callable | object,
    origins: Iterable[int] = range(2008, 2024),
    horizons: Iterable[int] = (1, 2, 3, 5),
    *,
    executor: Executor | str | None = "processes",
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    random_seed: int = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """Leave-future-out cross-validation of a model against three baselines.

    Parameters
    ----------
    model_factory
        A :class:`~causal_model.model.TensionModel` (on the full panel), or a callable that
        returns one; it is called once, in this process.
    origins
        Last year of data of each refit.
    horizons
        Years ahead that are scored (``origin + h`` must be a panel year with data).
    executor
        ``"processes"`` (default: a local pool of 2 processes), ``None`` (serial, in this
        process, which compiles once and reuses the sampler for every refit), or any
        :class:`concurrent.futures.Executor`, e.g. ``dask.distributed.Client(...)
        .get_executor()``. Results do not depend on the executor: each origin has its own seed.
    draws, tune, chains
        Sampler settings of each refit.
    random_seed
        Base seed; origin ``o`` uses ``SeedSequence([random_seed, o])``.
    progress
        Show a progress bar over refits.

    Returns
    -------
    pandas.DataFrame
        One row per origin, horizon, indicator and method (``model``, ``persistence``,
        ``ar1``, ``mean``) with ``crps``, ``lpd``, ``in50``, ``in90``; ``.attrs`` hold the
        wall time, the refit times and the settings. Summarise with :func:`lfo_summary`.
    """
    template = _template(model_factory)
    spec = model_spec(template)
    origins, horizons = [int(o) for o in origins], tuple(int(h) for h in horizons)
    fit_kwargs = {"draws": draws, "tune": tune, "chains": chains}
    own = executor == "processes"
    if own:
        executor = ProcessPoolExecutor(max_workers=2)
    t0 = time.perf_counter()
    parts: dict[int, pd.DataFrame] = {}
    bar = _progress(len(origins), progress)
    try:
        if executor is None:
            for o in origins:
                parts[o] = refit_and_score(spec, o, horizons, fit_kwargs, _seed(random_seed, o))
                bar(o)
        else:
            futures = {
                executor.submit(
                    refit_and_score, spec, o, horizons, fit_kwargs, _seed(random_seed, o)
                ): o
                for o in origins
            }
            for fut in as_completed(futures):
                parts[futures[fut]] = fut.result()
                bar(futures[fut])
    finally:
        bar(None)
        if own:
            executor.shutdown()
    table = pd.concat([parts[o] for o in origins], ignore_index=True)
    table.attrs.update(
        {
            "wall_time": time.perf_counter() - t0,
            "fit_times": {o: parts[o].attrs["fit_time"] for o in origins},
            "compile_cached": {o: parts[o].attrs["compile_cached"] for o in origins},
            "settings": {**fit_kwargs, "random_seed": random_seed, "horizons": horizons},
            "variant": template.variant.name,
        }
    )
    return table


def _progress(total: int, show: bool):
    """A minimal progress bar on stderr (rich when available)."""
    if not show:
        return lambda _: None
    try:
        from rich.progress import Progress

        prog = Progress(transient=False)
        task = prog.add_task("LFO refits", total=total)
        prog.start()

        def update(origin):
            if origin is None:
                prog.stop()
            else:
                prog.update(task, advance=1, description=f"LFO refits (origin {origin} done)")

        return update
    except ImportError:  # pragma: no cover
        import sys

        done = [0]

        def update(origin):
            if origin is not None:
                done[0] += 1
                print(f"LFO refit {done[0]}/{total} (origin {origin})", file=sys.stderr)

        return update


def lfo_summary(table: pd.DataFrame, *, latent: str | None = TENSION) -> pd.DataFrame:
    """Mean scores per method and horizon (over origins and indicators of ``latent``; None for
    all), ranked by CRPS within each horizon, with the CRPS ratio to persistence (< 1: better
    than persistence)."""
    t = table if latent is None else table[table["latent"] == latent]
    g = t.groupby(["horizon", "method"]).agg(
        crps=("crps", "mean"),
        lpd=("lpd", "mean"),
        coverage50=("in50", "mean"),
        coverage90=("in90", "mean"),
        n=("crps", "size"),
    )
    persist = g.xs("persistence", level="method")["crps"]
    g["crps_vs_persistence"] = g["crps"] / persist.reindex(g.index.get_level_values(0)).values
    g["rank"] = g.groupby(level="horizon")["crps"].rank().astype(int)
    return g.sort_index(level=["horizon"]).sort_values(["horizon", "rank"])


__all__ = [
    "METHODS",
    "lfo_cv",
    "lfo_summary",
    "mask_after",
    "model_from_spec",
    "model_spec",
    "refit_and_score",
]
