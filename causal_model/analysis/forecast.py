"""Posterior forecasts: drivers, elite circulation, tension and every indicator to a horizon.

The latent paths of :func:`causal_model.analysis.paths.build_paths` are turned into every
indicator, each drawn from its own family (counts stay counts). Years at the end of the panel
that are less than half observed are *nowcast*: their states are the posterior given what is
observed, not a forecast from an earlier year.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import arviz as az
import numpy as np
import xarray as xr

from causal_model import families
from causal_model.analysis.paths import (
    TRIALS_WINDOW,
    Paths,
    build_paths,
    first_forecast_year,
    forecast_trials,
)
from causal_model.dims import DRIVER, EVENT, YEAR
from causal_model.inference.arguments import check_seed, check_until, check_year
from causal_model.model.arrays import ModelData
from causal_model.specification.scenarios import Scenario, get_scenario

if TYPE_CHECKING:
    from causal_model.inference import TensionModel

#: Dim of the scenario's future events in forecast output.
FUTURE_EVENT = "future_event"


def _indicators(md: ModelData, paths: Paths, rng, sl: slice, trials) -> np.ndarray:
    ss = paths.ss
    y = families.draw(
        md.family, paths.eta()[:, sl], rng, scale=ss.scale, nu=ss.nu, alpha=ss.alpha, trials=trials
    )
    return stock_levels(md, paths.years[sl], families.to_value(md.family, y, md.center, md.scale))


def stock_levels(md: ModelData, years: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Draws ``(D, Y, N)`` with each stock modelled by its yearly changes turned into its level:
    the last observed level before the year plus the drawn changes since then."""
    out = y.copy()
    for j in np.flatnonzero(md.stock):
        known = np.isfinite(md.stock_level[:, j])
        for k, year in enumerate(years):
            before = np.flatnonzero(known & (md.years < year))
            if not before.size:
                out[:, k, j] = np.nan
                continue
            last = before[-1]
            since = np.flatnonzero((years > md.years[last]) & (years <= year))
            out[:, k, j] = md.stock_level[last, j] + y[:, since, j].sum(axis=1)
    return out


def _dataset(
    md: ModelData, paths: Paths, sl: slice, y: np.ndarray, latents: bool, drift: bool = False
) -> xr.Dataset:
    nc, nd = len(paths.chains), len(paths.draws)
    years = paths.years[sl]
    k = len(md.drivers)

    def shape(a):
        return a.reshape(nc, nd, *a.shape[1:])

    cd = ("chain", "draw", YEAR)
    data = {}
    if latents:
        data["drivers"] = (cd + (DRIVER,), shape(paths.states[:, sl, :k]))
        data["residual"] = (cd, shape(paths.states[:, sl, k]))
        data["elite"] = (cd, shape(paths.elite[:, sl]))
        if drift:
            data["trend"] = (cd, shape(paths.trend[:, sl]))
        data["tension"] = (cd, shape(paths.tension()[:, sl]))
    for j, key in enumerate(md.indicators):
        v = shape(y[..., j])
        if families.by_code(md.family[j]).count and np.isfinite(v).all():
            v = v.astype(np.int64)
        data[key] = (cd, v)
    return xr.Dataset(
        data,
        coords={"chain": paths.chains, "draw": paths.draws, YEAR: years, DRIVER: list(md.drivers)},
    )


def forecast(
    model: TensionModel,
    idata: az.InferenceData,
    until: int = 2030,
    scenario=None,
    *,
    random_seed: int | None = None,
    start: int | None = None,
) -> az.InferenceData:
    """Posterior forecast of drivers, elite term, tension and every indicator.

    Parameters
    ----------
    model
        The :class:`~causal_model.model.TensionModel` that made ``idata``.
    idata
        Its fit (``model.fit()`` or ``TensionModel.load(path).idata_``).
    until
        Last forecast year.
    scenario
        A :class:`~causal_model.scenarios.Scenario`, a built-in name (``default``,
        ``russian_change``, ``no_russian_change``, ``no_future_change``) or a TOML file;
        None means ``default``.
    random_seed
        Seed; the same seed gives the same forecast.
    start
        First year reported in ``predictions``; default :func:`first_forecast_year` (panel
        years from there on are nowcasts).

    Returns
    -------
    arviz.InferenceData
        ``predictions``: ``drivers`` (chain, draw, year, driver), ``residual``, ``elite``,
        ``tension`` and one variable per indicator on its ``value`` scale (counts as int) for
        years ``start..until``. ``posterior``: the fit's latent paths and ``beta`` over the
        panel's years (and the cooperation indicators' ``coop_loading``).
        ``posterior_predictive``: every indicator over the panel's years.
        ``observed_data``: the panel's values. ``predictions_constant_data``: binomial trials,
        the nowcast flag and the number of observed indicators per year, the scenario's events
        (probability and whether each draw realised them).

    Raises
    ------
    ValueError
        Before any work, if ``until`` is not an integer year from the panel's last year to
        :data:`~causal_model.inference.arguments.MAX_HORIZON` years after it, ``start`` is not
        a year of the panel or forecast, or ``random_seed`` is not None or an integer >= 0.
    """
    md = model.data
    until = check_until(until, md.years[-1])
    random_seed = check_seed(random_seed)
    if start is not None:
        start = check_year(start, "start", int(md.years[0]), until)
    paths = build_paths(model, idata, until=until, scenario=scenario, random_seed=random_seed)
    # indicators draw from their own stream (the 5th child; build_paths uses the first 4)
    rng = np.random.default_rng(np.random.SeedSequence(random_seed).spawn(5)[4])
    start = first_forecast_year(md) if start is None else start
    trials = forecast_trials(md, paths.years)
    y_all = _indicators(md, paths, rng, slice(None), trials)
    i0 = int(np.searchsorted(paths.years, start))
    future = slice(i0, None)
    panel_sl = slice(0, paths.n_panel)
    drift = model.layout.drift
    predictions = _dataset(md, paths, future, y_all[:, future], latents=True, drift=drift)
    post = idata.posterior
    carried = ["drivers", "residual", "elite", "tension", "beta", *(["trend"] if drift else [])]
    history = post[carried + (["coop_loading"] if "coop_loading" in post else [])]
    fitted = _dataset(md, paths, panel_sl, y_all[:, panel_sl], latents=False)
    panel = model.panel.sel(indicator=list(md.indicators))
    observed = xr.Dataset(
        {key: ((YEAR,), panel["value"].sel(indicator=key).values) for key in md.indicators},
        coords={YEAR: md.years},
    )
    for j, key in enumerate(md.indicators):
        meta = {
            name: str(panel[name].sel(indicator=key).item())
            for name in ("description", "latent", "family", "transform", "unit")
            if name in panel.coords
        }
        binomial = md.family[j] == families.CODES["binomial"]
        meta["trials"] = "constant_data.trials" if binomial else ""
        observed[key].attrs.update(meta)
    past = model.past_events()
    events_past = xr.Dataset(
        {
            "event_time": (("past_event",), past["time"].values.astype(float)),
            "event_country": (("past_event",), past["country"].values.astype(str)),
            "event_label": (
                ("past_event",),
                np.array([str(x) for x in past["leader_in"].values], dtype=str),
            ),
            "trials": ((YEAR, "indicator"), np.where(md.mask, md.trials, np.nan)),
        },
        coords={
            "past_event": [str(e) for e in past[EVENT].values],
            YEAR: md.years,
            "indicator": list(md.indicators),
        },
    )
    years_f = paths.years[future]
    nobs = np.zeros(len(years_f), dtype=int)
    inside = np.isin(years_f, md.years)
    nobs[inside] = md.mask.sum(axis=1)[np.searchsorted(md.years, years_f[inside])]
    scen: Scenario = paths.future["scenario"]
    nc, nd = len(paths.chains), len(paths.draws)
    const = xr.Dataset(
        {
            "trials": ((YEAR, "indicator"), trials[future]),
            "nowcast": ((YEAR,), inside),
            "n_observed": ((YEAR,), nobs),
            "event_probability": (
                ("chain", "draw", FUTURE_EVENT),
                paths.future["probability"].reshape(nc, nd, -1),
            ),
            "event_happens": (
                ("chain", "draw", FUTURE_EVENT),
                paths.future["happens"].reshape(nc, nd, -1).astype(np.int8),
            ),
            "event_time": ((FUTURE_EVENT,), np.array([e.time for e in scen.events], dtype=float)),
            "event_type": ((FUTURE_EVENT,), np.array([e.event_type for e in scen.events], "U9")),
            "event_label": ((FUTURE_EVENT,), np.array([e.label for e in scen.events], dtype=str)),
        },
        coords={
            YEAR: years_f,
            "indicator": list(md.indicators),
            "chain": paths.chains,
            "draw": paths.draws,
            FUTURE_EVENT: [e.date for e in scen.events],
        },
    )
    out = az.InferenceData(
        posterior=history,
        posterior_predictive=fitted,
        predictions=predictions,
        observed_data=observed,
        constant_data=events_past,
        predictions_constant_data=const,
    )
    out.attrs.update(
        {
            "scenario": scen.name,
            "scenario_json": json.dumps(scen.to_dict()),
            "until": int(until),
            "start": int(start),
            "random_seed": "None" if random_seed is None else int(random_seed),
            "variant": model.variant.name,
            "priors": str(model.priors.source),
            "binomial_trials": f"future trials = median of the last {TRIALS_WINDOW} observed",
        }
    )
    return out


def forecast_scenarios(
    model: TensionModel,
    idata: az.InferenceData,
    scenarios=("default", "russian_change", "no_russian_change"),
    *,
    until: int = 2030,
    random_seed: int | None = None,
) -> dict[str, az.InferenceData]:
    """Forecasts under several scenarios with the same seed (common random numbers), so that
    their differences come from the scenarios, not from Monte Carlo noise."""
    until = check_until(until, model.data.years[-1])
    out = {}
    for sc in scenarios:
        scen = get_scenario(sc, model.events)
        out[scen.name] = forecast(model, idata, until, scen, random_seed=random_seed)
    return out


__all__ = ["FUTURE_EVENT", "forecast", "forecast_scenarios"]
