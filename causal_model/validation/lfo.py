"""Leave-future-out cross-validation: refit on data up to each origin, score what followed.

For each origin the panel's values after the origin are set to missing (so the model's
structure, and therefore the compiled sampler, stay the same: a refit swaps data, it does not
recompile), the model is refitted, and its forecasts of ``origin + h`` start from the state
filtered at the origin: nothing from later years enters. They are scored against what
happened, with the baselines of :mod:`causal_model.validation.baselines` scored on the same
cells in the same run (:mod:`causal_model.validation.lfo_scoring`). The dates of changes of
leader after an origin are treated as known (elections are scheduled); their effects are not
(they are drawn from the fitted event-type means).

Summaries (:mod:`causal_model.validation.lfo_summary`) compare methods per indicator and
horizon with standard errors over origins. Choose dynamics on validation origins
(:data:`VALIDATION_ORIGINS`) and report the chosen model once on the test origins
(:data:`TEST_ORIGINS`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed

import numpy as np
import pandas as pd
import xarray as xr
from rich.progress import Progress

from causal_model import families
from causal_model.analysis.paths import build_paths
from causal_model.dims import YEAR
from causal_model.inference import TensionModel
from causal_model.specification.priors import PriorSet
from causal_model.specification.variants import Variant
from causal_model.validation import baselines
from causal_model.validation.lfo_scoring import score_origin, unscorable

#: Origins on which the dynamics are chosen, and the origins the chosen model is reported on.
VALIDATION_ORIGINS = tuple(range(2000, 2013))
TEST_ORIGINS = tuple(range(2013, 2024))
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


def model_draws(model, idata, full, origin: int, targets, seed: int) -> dict:
    """The model's predictive draws of every indicator in each target year, in scoring units
    (:func:`causal_model.validation.lfo_scoring.outcome`): ``{year: (D, N)}``.

    ``full`` is the full panel's model arrays: binomial draws use the true trials of the
    target years (as the outcomes do).
    """
    md = model.data
    last = int(md.years[-1])
    paths = build_paths(model, idata, until=last, random_seed=seed)
    years = np.arange(origin + 1, last + 1)
    ti = np.searchsorted(md.years, years)
    ss = paths.ss
    trials = full.trials[ti]
    rng = np.random.default_rng(seed)
    y = families.draw(
        md.family,
        paths.eta()[:, ti],
        rng,
        scale=ss.scale,
        nu=ss.nu,
        alpha=ss.alpha,
        trials=trials.astype(int),
    )
    out = y.copy()
    gauss = md.gaussian
    out[..., gauss] = y[..., gauss] * md.scale[gauss] + md.center[gauss]
    binom = md.family == families.CODES["binomial"]
    out[..., binom] = y[..., binom] / trials[:, binom]
    for j in np.flatnonzero(md.stock):  # a stock modelled by its yearly changes: its level
        known = np.flatnonzero(np.isfinite(md.stock_level[:, j]) & (md.years <= origin))
        start = md.stock_level[known[-1], j] if known.size else 0.0
        gap = years - (md.years[known[-1]] if known.size else origin)
        out[..., j] = start + np.cumsum(y[..., j], axis=1)
        out[..., j] = np.where(gap[None, :] > 0, out[..., j], np.nan)
    return {int(t): out[:, k] for k, t in enumerate(years) if t in set(targets)}


def refit_and_score(spec: dict, origin: int, horizons, fit_kwargs: dict, seed: int) -> pd.DataFrame:
    """Refit the model of ``spec`` (:func:`model_spec`) on data up to ``origin`` and score the
    model and the baselines (one origin; runs in a worker)."""
    template = model_from_spec(spec)
    full = template.data
    model = model_from_spec(spec, mask_after(template.panel, origin))
    t0 = time.perf_counter()
    idata = model.fit(random_seed=seed, diagnostics=False, **fit_kwargs)
    fit_time = time.perf_counter() - t0
    last = int(full.years[-1])
    targets = [origin + h for h in horizons if origin + h <= last]
    draws = model_draws(model, idata, full, origin, targets, seed)
    rng = np.random.default_rng([seed, 1])
    out = pd.DataFrame(score_origin(model.data, full, draws, origin, horizons, rng))
    out.attrs["fit_time"] = fit_time
    out.attrs["not_scored"] = unscorable(model.data, origin)
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
    """Leave-future-out cross-validation of a model against the baselines.

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
        One row per origin, horizon, indicator and method (``model`` and
        :data:`~causal_model.validation.baselines.BASELINES`) with ``crps``, ``lpd``,
        ``in50``, ``in90``, ``is50``, ``is90`` (interval scores) and ``pit``; and one row per
        origin, horizon, latent and method with indicator ``joint`` and ``energy`` (the energy
        score of the latent's indicators, standardised). ``.attrs`` hold the wall time, the
        refit times, the settings and ``not_scored``: per origin, the indicators with no
        observation up to it, whose cells are not scored (no method can forecast them).
        Summarise with
        :func:`~causal_model.validation.lfo_summary.lfo_summary`.
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
            "not_scored": {o: parts[o].attrs["not_scored"] for o in origins},
            "settings": {**fit_kwargs, "random_seed": random_seed, "horizons": horizons},
            "variant": template.variant.name,
        }
    )
    return table


def _progress(total: int, show: bool):
    """A progress bar over refits on stderr (rich), or nothing."""
    if not show:
        return lambda _: None
    prog = Progress(transient=False)
    task = prog.add_task("LFO refits", total=total)
    prog.start()

    def update(origin):
        if origin is None:
            prog.stop()
        else:
            prog.update(task, advance=1, description=f"LFO refits (origin {origin} done)")

    return update


__all__ = [
    "METHODS",
    "TEST_ORIGINS",
    "VALIDATION_ORIGINS",
    "lfo_cv",
    "mask_after",
    "model_from_spec",
    "model_spec",
    "refit_and_score",
]
