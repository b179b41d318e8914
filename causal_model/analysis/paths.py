"""Every posterior draw's latent path, continued past the panel: the core of all forecasts.

Each posterior draw carries its own state path over the panel's years (drawn after sampling
from ``p(states | data, params)``). :func:`build_paths` continues it to a horizon: the states
are run forward with fresh innovations (:func:`causal_model.model.generate.run_states`), the
elite term adds the past changes of leader and those a
:class:`~causal_model.specification.scenarios.Scenario` realises at random, with the shape of
the model's elite response (:func:`causal_model.model.structure.elite_by_event`). The state
space of every draw comes from the model's one structure, evaluated with NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import arviz as az
import numpy as np
import xarray as xr

from causal_model.dims import DRIVER, EVENT, EVENT_TYPES, IDIO_INDICATOR, YEAR
from causal_model.families import CODES
from causal_model.model.arrays import ModelData
from causal_model.model.generate import innovations, run_states
from causal_model.model.structure import (
    StateSpace,
    elite_by_event,
    linear_offsets,
    posterior_parameters,
    state_space,
    tension_of,
    tension_trend,
)
from causal_model.specification.scenarios import ScenarioError, get_scenario, realise

if TYPE_CHECKING:
    from causal_model.inference import TensionModel

__all__ = ["Paths", "build_paths", "first_forecast_year", "forecast_trials"]

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


def flat(da: xr.DataArray, *dims: str) -> np.ndarray:
    """(chain, draw, *dims) values as (chain * draw, *dims)."""
    v = da.transpose("chain", "draw", *dims).values
    return v.reshape(-1, *v.shape[2:])


@dataclass
class Paths:
    """Per-draw arrays over ``years`` (panel years then forecast years); D = chain x draw."""

    years: np.ndarray
    n_panel: int
    states: np.ndarray  # (D, Y, S): drivers then residual
    innovations: np.ndarray  # (D, Y, S): x_t - A x_{t-1}; x_0 for t = 0
    ss: StateSpace  # the state space of every draw (panel years)
    elite_by_event: np.ndarray  # (D, Y, E_past + E_future)
    trend: np.ndarray  # (D, Y) the level's drift term (zeros without a drift)
    event_names: list[str]
    future: dict  # probability, happens, delta (D, F), scenario
    chains: np.ndarray
    draws: np.ndarray

    @property
    def a(self) -> np.ndarray:
        return self.ss.a

    @property
    def elite(self) -> np.ndarray:
        return self.elite_by_event.sum(axis=-1)

    def tension(self, states: np.ndarray | None = None, elite: np.ndarray | None = None):
        """``beta . drivers + elite + drift term + residual`` per draw and year."""
        x = self.states if states is None else states
        e = self.elite if elite is None else elite
        return tension_of(x, self.ss.beta, e, self.trend)

    def eta(self, states: np.ndarray | None = None, elite: np.ndarray | None = None):
        """Linear predictors of every indicator, ``(D, Y, N)``."""
        x = self.states if states is None else states
        e = (self.elite if elite is None else elite) + self.trend
        return linear_offsets(self.ss.c0, self.ss.lam, e) + np.einsum("dys,dns->dyn", x, self.ss.z)


def _elite_paths(model, params, times, scenario, happens, rng) -> tuple:
    """Per-draw effect of every past and realised future event at ``times``: (D, Y, E + F).

    Future events that do not happen in a draw contribute 0 there. New events' effects are
    drawn from the fitted event-type means and spread (``elite_mu``, ``elite_sigma``).
    """
    layout = model.layout
    past = model.past_events()
    names = [str(e) for e in past[EVENT].values] + [
        f"future:{e.date}:{e.event_type}" for e in scenario.events
    ]
    n_draws = params["beta"].shape[0]
    n_f = len(scenario.events)
    delta_f = np.zeros((n_draws, n_f))
    if layout.elite is None:
        return np.zeros((n_draws, len(times), len(names))), delta_f, names
    if n_f:
        mu, sigma = params["elite_mu"], params["elite_sigma"]
        types = np.array([EVENT_TYPES.index(e.event_type) for e in scenario.events])
        delta_f = mu[:, types] + sigma[:, None] * rng.standard_normal((n_f, n_draws)).T
        delta_f = np.where(happens, delta_f, 0.0)
    event_times = np.concatenate([layout.event_times, [e.time for e in scenario.events]])
    delta = np.concatenate([params["elite_delta"], delta_f], axis=1)
    contrib = elite_by_event(layout, params, times=times, events=(event_times, delta))
    return np.broadcast_to(contrib, (n_draws, *contrib.shape[-2:])), delta_f, names


def build_paths(
    model: TensionModel,
    idata: az.InferenceData,
    *,
    until: int,
    scenario=None,
    random_seed: int | None = None,
) -> Paths:
    """Continue every posterior draw's latent path to ``until`` (the core of all forecasts)."""
    layout = model.layout
    md = layout.data
    post = idata.posterior
    if not np.array_equal(post[YEAR].values.astype(int), md.years):
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
    params = posterior_parameters(post, layout)
    for name in ("elite_mu", "elite_sigma"):
        if name in post:
            params[name] = flat(
                post[name], *[d for d in post[name].dims if d not in ("chain", "draw")]
            )
    ss = state_space(params, layout)
    n_draws = ss.a.shape[0]
    years = np.arange(md.years[0], until + 1)
    prob, happens = realise(scen, model.priors, n_draws, r_happen, r_prior)
    elite, delta_f, names = _elite_paths(model, params, years + 0.5, scen, happens, r_delta)
    parts = [flat(post["drivers"], YEAR, DRIVER), flat(post["residual"], YEAR)[..., None]]
    if layout.idio.size:
        parts.append(flat(post["own_deviation"], YEAR, IDIO_INDICATOR))
    x_panel = np.concatenate(parts, axis=-1)
    x_future = run_states(x_panel[:, -1], ss.a, innovations(ss, until - last, r_state))
    states = np.concatenate([x_panel, x_future], axis=1)
    innov = states.copy()
    innov[:, 1:] -= np.einsum("dij,dyj->dyi", ss.a, states[:, :-1])
    return Paths(
        years=years,
        n_panel=len(md.years),
        states=states,
        innovations=innov,
        ss=ss,
        elite_by_event=elite,
        trend=np.broadcast_to(
            tension_trend(layout, params, times=years + 0.5), (n_draws, years.size)
        ),
        event_names=names,
        future={"probability": prob, "happens": happens, "delta": delta_f, "scenario": scen},
        chains=post["chain"].values,
        draws=post["draw"].values,
    )


def forecast_trials(md: ModelData, years: np.ndarray) -> np.ndarray:
    """Trials of binomial indicators per year: observed where known, else the median of the
    last :data:`TRIALS_WINDOW` observed years (an assumption of the forecast, not data)."""
    out = np.ones((len(years), len(md.indicators)))
    for j in np.flatnonzero(md.family == CODES["binomial"]):
        obs = md.trials[md.mask[:, j], j]
        assumed = float(np.round(np.median(obs[-TRIALS_WINDOW:]))) if obs.size else 1.0
        out[:, j] = assumed
        inside = np.isin(years, md.years)
        known = np.where(md.mask[:, j], md.trials[:, j], assumed)
        out[inside, j] = known[np.searchsorted(md.years, years[inside])]
    return out
