"""Posterior forecasts: drivers, elite circulation, tension and every indicator to a horizon.

Each posterior draw carries its own latent path over the panel's years (drawn after sampling
from ``p(states | data, params)``). A forecast continues that path: the VAR(1)/AR(1) states
are propagated with fresh innovations, the elite-circulation term adds the decay of past
changes of leader and the changes a :class:`~causal_model.scenarios.Scenario` realises at
random, and every indicator is drawn from its own family (counts stay counts). Years at the
end of the panel that are less than half observed are *nowcast*: their states are the
posterior given what is observed, not a forecast from an earlier year.

Everything here is numpy on the posterior draws; nothing is compiled.
"""

from __future__ import annotations

from dataclasses import dataclass

import arviz as az
import numpy as np
import xarray as xr

from causal_model.components import elite_decay_np, elite_step_np, var1_simulate
from causal_model.dims import DRIVER, EVENT, EVENT_TYPES, YEAR
from causal_model.likelihood import draw_observations
from causal_model.model_data import FAMILY_CODE, ModelData
from causal_model.prior_predictive import to_value_scale
from causal_model.scenarios import Scenario, ScenarioError, get_scenario, realise

#: Dim of the scenario's future events in forecast output.
FUTURE_EVENT = "future_event"
#: Binomial forecasts assume this many trials: the median of the last observed years.
TRIALS_WINDOW = 5


def first_forecast_year(md: ModelData) -> int:
    """First year after the last panel year in which at least half the indicators are observed.

    Later panel years are nowcast from what is observed in them.
    """
    counts = md.mask.sum(axis=1)
    enough = np.flatnonzero(counts >= len(md.indicators) / 2)
    if enough.size == 0:
        return int(md.years[0])
    return int(md.years[enough[-1]]) + 1


def _flat(da: xr.DataArray, *dims: str) -> np.ndarray:
    """(chain, draw, *dims) values as (S, *dims)."""
    v = da.transpose("chain", "draw", *dims).values
    return v.reshape(-1, *v.shape[2:])


@dataclass
class Paths:
    """Per-draw arrays over ``years`` (panel years then forecast years); S = chain x draw."""

    years: np.ndarray
    n_panel: int
    states: np.ndarray  # (S, Y, K+1): drivers then residual
    innovations: np.ndarray  # (S, Y, K+1): x_t - A x_{t-1}; x_0 for t = 0
    a: np.ndarray  # (S, K+1, K+1)
    beta: np.ndarray  # (S, K)
    elite_by_event: np.ndarray  # (S, Y, E_past + E_future)
    event_names: list[str]
    future: dict  # probability, happens, delta (S, F); events (list of FutureEvent)
    const: np.ndarray  # (S, N) intercept + offset on the link scale
    z: np.ndarray  # (S, N, K+1)
    lam: np.ndarray  # (S, N) loading of each indicator on tension
    scale: np.ndarray
    nu: np.ndarray
    alpha: np.ndarray
    chains: np.ndarray
    draws: np.ndarray

    @property
    def elite(self) -> np.ndarray:
        return self.elite_by_event.sum(axis=-1)

    def tension(self, states: np.ndarray | None = None, elite: np.ndarray | None = None):
        x = self.states if states is None else states
        e = self.elite if elite is None else elite
        k = self.beta.shape[-1]
        return np.einsum("syk,sk->sy", x[..., :k], self.beta) + e + x[..., k]

    def eta(self, states: np.ndarray | None = None, elite: np.ndarray | None = None):
        x = self.states if states is None else states
        e = self.elite if elite is None else elite
        return (
            self.const[:, None, :]
            + self.lam[:, None, :] * e[..., None]
            + np.einsum("syk,snk->syn", x, self.z)
        )


def elite_contributions(
    model, posterior: xr.Dataset, times: np.ndarray, future: Scenario, happens: np.ndarray, rng
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per-draw effect of every past and realised future event at ``times``: (S, Y, E + F).

    Future events that do not happen in a draw contribute 0 there. New events' effects are
    drawn from the fitted event-type means and spread (``elite_mu``, ``elite_sigma``).
    """
    past = model.past_events()
    names = [str(e) for e in past[EVENT].values] + [
        f"future:{e.date}:{e.event_type}" for e in future.events
    ]
    s = posterior.sizes["chain"] * posterior.sizes["draw"]
    n_f = len(future.events)
    out = np.zeros((s, len(times), len(names)))
    delta_f = np.zeros((s, n_f))
    if model.variant.elite == "none":
        return out, delta_f, names
    ev_times = np.concatenate([past["time"].values.astype(float), [e.time for e in future.events]])
    delta_p = (
        _flat(posterior["elite_delta"], EVENT) if "elite_delta" in posterior else np.zeros((s, 0))
    )
    if n_f:
        mu = _flat(posterior["elite_mu"], "event_type")
        sigma = _flat(posterior["elite_sigma"])
        types = np.array([EVENT_TYPES.index(e.event_type) for e in future.events])
        delta_f = mu[:, types] + sigma[:, None] * rng.standard_normal((n_f, s)).T
        delta_f = np.where(happens, delta_f, 0.0)
    delta = np.concatenate([delta_p, delta_f], axis=1)
    lag = times[None, :, None] - ev_times[None, None, :]
    if model.variant.elite == "permanent":
        g = elite_step_np(lag)
    else:
        tau = _flat(posterior["half_life"]) / np.log(2.0)
        g = elite_decay_np(lag, tau[:, None, None])
    out = g * delta[:, None, :]
    return out, delta_f, names


def build_paths(
    model,
    idata: az.InferenceData,
    *,
    until: int,
    scenario=None,
    random_seed: int | None = None,
) -> Paths:
    """Continue every posterior draw's latent path to ``until`` (the core of all forecasts)."""
    from causal_model.posterior import state_space_numpy

    md = model.data
    post = idata.posterior
    fit_years = post[YEAR].values.astype(int)
    if not np.array_equal(fit_years, md.years):
        raise ValueError(
            "the fit's years do not match the model's panel; forecast with the model that made "
            "the fit (or TensionModel.load(path))"
        )
    last = int(md.years[-1])
    if until < last:
        raise ValueError(f"until={until} is before the panel's last year {last}")
    scen = get_scenario(scenario, model.events)
    for ev in scen.events:
        if ev.time < last + 1:
            raise ScenarioError(
                f"scenario {scen.name!r}: the event on {ev.date} falls inside the fitted panel "
                f"(last year {last}); add it to the events and refit, or date it after {last}"
            )
    r_happen, r_prior, r_delta, r_state = (
        np.random.default_rng(c) for c in np.random.SeedSequence(random_seed).spawn(4)
    )
    s = post.sizes["chain"] * post.sizes["draw"]
    k = len(md.drivers)
    years = np.arange(md.years[0], until + 1)
    horizon = until - last
    prob, happens = realise(scen, model.priors, s, r_happen, r_prior)
    elite_ev, delta_f, names = elite_contributions(model, post, years + 0.5, scen, happens, r_delta)

    ss = {key: v.reshape(s, *v.shape[2:]) for key, v in state_space_numpy(md, post).items()}
    x_panel = np.concatenate(
        [_flat(post["drivers"], YEAR, DRIVER), _flat(post["residual"], YEAR)[..., None]], axis=-1
    )
    eps = np.sqrt(np.diagonal(ss["ss_q"], axis1=-2, axis2=-1))[
        :, None, :
    ] * r_state.standard_normal((s, horizon, k + 1))
    x_future = var1_simulate(x_panel[:, -1], ss["ss_a"], eps)
    states = np.concatenate([x_panel, x_future], axis=1)
    innov = states.copy()
    innov[:, 1:] -= np.einsum("sij,syj->syi", ss["ss_a"], states[:, :-1])
    lam = ss["ss_z"][..., k]
    const = ss["ss_c"][:, 0, :] - lam * _flat(post["elite"], YEAR)[:, :1]
    return Paths(
        years=years,
        n_panel=len(md.years),
        states=states,
        innovations=innov,
        a=ss["ss_a"],
        beta=_flat(post["beta"], DRIVER),
        elite_by_event=elite_ev,
        event_names=names,
        future={"probability": prob, "happens": happens, "delta": delta_f, "scenario": scen},
        const=const,
        z=ss["ss_z"],
        lam=lam,
        scale=ss["ss_scale"],
        nu=ss["ss_nu"],
        alpha=ss["ss_alpha"],
        chains=post["chain"].values,
        draws=post["draw"].values,
    )


def forecast_trials(md: ModelData, years: np.ndarray) -> np.ndarray:
    """Trials of binomial indicators per year: observed where known, else the median of the
    last :data:`TRIALS_WINDOW` observed years (an assumption of the forecast, not data)."""
    out = np.ones((len(years), len(md.indicators)))
    for j, code in enumerate(md.family):
        if code != FAMILY_CODE["binomial"]:
            continue
        obs = md.trials[md.mask[:, j], j]
        assumed = float(np.round(np.median(obs[-TRIALS_WINDOW:]))) if obs.size else 1.0
        out[:, j] = assumed
        inside = np.isin(years, md.years)
        known = np.where(md.mask[:, j], md.trials[:, j], assumed)
        out[inside, j] = known[np.searchsorted(md.years, years[inside])]
    return out


def _indicators(md: ModelData, paths: Paths, rng, sl: slice, trials) -> np.ndarray:
    eta = paths.eta()[:, sl]
    y = draw_observations(md.family, eta, paths.scale, paths.nu, paths.alpha, trials, rng)
    return to_value_scale(md, y)


def _dataset(md: ModelData, paths: Paths, sl: slice, y: np.ndarray, latents: bool) -> xr.Dataset:
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
        data["tension"] = (cd, shape(paths.tension()[:, sl]))
    for j, key in enumerate(md.indicators):
        v = shape(y[..., j])
        if md.family[j] not in (FAMILY_CODE["normal"], FAMILY_CODE["student_t"]):
            v = v.astype(np.int64)
        data[key] = (cd, v)
    return xr.Dataset(
        data,
        coords={"chain": paths.chains, "draw": paths.draws, YEAR: years, DRIVER: list(md.drivers)},
    )


def forecast(
    model,
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
        panel's years. ``posterior_predictive``: every indicator over the panel's years.
        ``observed_data``: the panel's values. ``predictions_constant_data``: binomial trials,
        the nowcast flag and the number of observed indicators per year, the scenario's events
        (probability and whether each draw realised them).
    """
    md = model.data
    paths = build_paths(model, idata, until=until, scenario=scenario, random_seed=random_seed)
    # indicators draw from their own stream (the 5th child; build_paths uses the first 4)
    rng = np.random.default_rng(np.random.SeedSequence(random_seed).spawn(5)[4])
    start = first_forecast_year(md) if start is None else int(start)
    if not md.years[0] <= start <= until:
        raise ValueError(f"start={start} must lie between {md.years[0]} and until={until}")
    trials = forecast_trials(md, paths.years)
    y_all = _indicators(md, paths, rng, slice(None), trials)
    i0 = int(np.searchsorted(paths.years, start))
    future = slice(i0, None)
    panel_sl = slice(0, paths.n_panel)
    predictions = _dataset(md, paths, future, y_all[:, future], latents=True)
    post = idata.posterior
    history = post[["drivers", "residual", "elite", "tension", "beta"]]
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
        meta["trials"] = "constant_data.trials" if md.family[j] == FAMILY_CODE["binomial"] else ""
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
    import json

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
    model,
    idata: az.InferenceData,
    scenarios=("default", "russian_change", "no_russian_change"),
    *,
    until: int = 2030,
    random_seed: int | None = None,
) -> dict[str, az.InferenceData]:
    """Forecasts under several scenarios with the same seed (common random numbers), so that
    their differences come from the scenarios, not from Monte Carlo noise."""
    out = {}
    for sc in scenarios:
        scen = get_scenario(sc, model.events)
        out[scen.name] = forecast(model, idata, until, scen, random_seed=random_seed)
    return out


__all__ = [
    "FUTURE_EVENT",
    "Paths",
    "build_paths",
    "first_forecast_year",
    "forecast",
    "forecast_scenarios",
    "forecast_trials",
]
