"""Scenarios of future elite circulation: which leader changes may happen, when, how likely.

A :class:`Scenario` lists future events, each with a date, an event type (``us``, ``ru``,
``ru_formal``) and a probability. A forecast realises every event independently in each
posterior draw with its probability, so the forecast mixes over the scenario's uncertainty.
A probability may be the word ``"prior"``: each draw then takes its own probability from the
priors file's ``p_ru_change_<year>`` entry (for the Russian election in that year).

Named scenarios (built from the scheduled events of :func:`causal_model.data.load_events`):

``default``
    New US president on 2029-01-20 with probability 1 (22nd Amendment); change of Russian head
    of state after the 2030 election with the prior probability of the priors file.
``russian_change``
    As default, but Russia's head of state changes in 2030 for sure.
``no_russian_change``
    As default, but the incumbent stays after 2030.
``no_future_change``
    No future leader change at all (a counterfactual baseline, not a plausible future).

Scenario files are TOML::

    name = "my_scenario"
    description = "..."
    [[event]]
    date = "2029-01-20"
    type = "us"
    probability = 1.0
    label = "new US president"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from causal_model.data import load_events
from causal_model.data.events import decimal_year
from causal_model.dims import EVENT, EVENT_TYPES

PRIOR = "prior"


@dataclass(frozen=True)
class FutureEvent:
    """One possible future change of head of state.

    Parameters
    ----------
    date
        ISO date (``YYYY-MM-DD``) of the change.
    event_type
        One of ``us``, ``ru``, ``ru_formal``.
    probability
        Probability in [0, 1] that the change happens, or ``"prior"`` (drawn per posterior
        draw from the priors file's ``p_ru_change_<year>``).
    label
        Text for tables and plots.
    """

    date: str
    event_type: str
    probability: float | str = 1.0
    label: str = ""

    @property
    def time(self) -> float:
        """Fractional year of the date (as :func:`causal_model.data.events.decimal_year`)."""
        return float(decimal_year(pd.Timestamp(self.date)))

    @property
    def year(self) -> int:
        return pd.Timestamp(self.date).year

    @property
    def prior_key(self) -> str:
        """Priors-file key of the probability when it is ``"prior"``."""
        return f"p_ru_change_{self.year}"


@dataclass(frozen=True)
class Scenario:
    """A named set of possible future events."""

    name: str
    events: tuple[FutureEvent, ...] = field(default_factory=tuple)
    description: str = ""

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "event": [
                {
                    "date": e.date,
                    "type": e.event_type,
                    "probability": e.probability,
                    "label": e.label,
                }
                for e in self.events
            ],
        }


class ScenarioError(ValueError):
    """A scenario (file) is invalid; the message lists every problem."""


def _problems_of_event(i: int, d: dict) -> list[str]:
    out = []
    where = f"event[{i}]"
    unknown = set(d) - {"date", "type", "probability", "label"}
    if unknown:
        out.append(f"{where}: unknown key(s) {sorted(unknown)}; use date, type, probability, label")
    try:
        pd.Timestamp(str(d.get("date")))
        if "date" not in d:
            raise ValueError
    except (ValueError, TypeError):
        out.append(f"{where}.date: {d.get('date')!r} is not an ISO date (YYYY-MM-DD)")
    if d.get("type") not in EVENT_TYPES:
        out.append(f"{where}.type: {d.get('type')!r}; choose one of {EVENT_TYPES}")
    p = d.get("probability", 1.0)
    if isinstance(p, str):
        if p != PRIOR:
            out.append(f"{where}.probability: {p!r}; give a number in [0, 1] or 'prior'")
    elif not (isinstance(p, int | float) and 0.0 <= float(p) <= 1.0):
        out.append(f"{where}.probability: {p!r} must be in [0, 1]")
    return out


def scenario_from_dict(d: dict, *, source: str = "<dict>") -> Scenario:
    """Validate a scenario mapping (TOML layout) and return the :class:`Scenario`.

    Raises
    ------
    ScenarioError
        Listing every problem, with the source and key.
    """
    problems = []
    unknown = set(d) - {"name", "description", "event"}
    if unknown:
        problems.append(f"unknown key(s) {sorted(unknown)}; use name, description, [[event]]")
    if not isinstance(d.get("name", ""), str) or not d.get("name"):
        problems.append("name: give the scenario a name")
    raw = d.get("event", [])
    if not isinstance(raw, list):
        problems.append("event: write events as [[event]] tables")
        raw = []
    for i, ev in enumerate(raw):
        problems.extend(_problems_of_event(i, ev))
    if problems:
        raise ScenarioError(f"invalid scenario {source}:\n  " + "\n  ".join(problems))
    events = tuple(
        FutureEvent(
            date=str(pd.Timestamp(str(ev["date"])).date()),
            event_type=ev["type"],
            probability=ev.get("probability", 1.0)
            if isinstance(ev.get("probability", 1.0), str)
            else float(ev.get("probability", 1.0)),
            label=str(ev.get("label", "")),
        )
        for ev in raw
    )
    return Scenario(name=d["name"], events=events, description=str(d.get("description", "")))


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read a scenario TOML file (see the module docstring for the layout)."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"scenario file not found: {path}")
    try:
        d = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path} is not valid TOML: {exc}") from None
    return scenario_from_dict(d, source=str(path))


def _scheduled(events: xr.Dataset) -> list[FutureEvent]:
    out = []
    sched = events["scheduled"].values.astype(bool)
    for i in np.flatnonzero(sched):
        etype = str(events["event_type"].values[i])
        date = str(pd.Timestamp(events["date"].values[i]).date())
        name = str(events[EVENT].values[i])
        prob: float | str = 1.0 if etype == "us" else PRIOR
        label = (
            f"new US president ({date[:4]})"
            if etype == "us"
            else f"Russian head of state changes after the {date[:4]} election"
        )
        out.append(FutureEvent(date=date, event_type=etype, probability=prob, label=label or name))
    return out


def named_scenarios(events: xr.Dataset | None = None) -> dict[str, Scenario]:
    """The built-in scenarios, from the scheduled events of ``events``."""
    if events is None:
        events = load_events()
    base = _scheduled(events)
    russian = [i for i, e in enumerate(base) if e.event_type != "us"]

    def with_ru(p):
        evs = list(base)
        for i in russian:
            evs[i] = replace(evs[i], probability=p)
        return tuple(evs)

    return {
        "default": Scenario(
            "default",
            tuple(base),
            "US president changes in 2029 (p = 1); Russian change after 2030 with the prior p",
        ),
        "russian_change": Scenario(
            "russian_change", with_ru(1.0), "as default, Russian head of state changes in 2030"
        ),
        "no_russian_change": Scenario(
            "no_russian_change", with_ru(0.0), "as default, the Russian incumbent stays"
        ),
        "no_future_change": Scenario(
            "no_future_change", (), "no future change of leader (counterfactual baseline)"
        ),
    }


def get_scenario(
    scenario: str | os.PathLike | Scenario | dict | None, events: xr.Dataset | None = None
) -> Scenario:
    """A :class:`Scenario` from a name, a TOML path, a mapping, or None (``default``)."""
    if scenario is None:
        scenario = "default"
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, dict):
        return scenario_from_dict(scenario)
    named = named_scenarios(events)
    if str(scenario) in named:
        return named[str(scenario)]
    if str(scenario).endswith(".toml") or Path(scenario).exists():
        return load_scenario(scenario)
    raise ScenarioError(
        f"unknown scenario {str(scenario)!r}; choose one of {', '.join(named)} or give a TOML "
        "file (see causal_model.specification.scenarios)"
    )


def realise(
    scenario: Scenario,
    priors,
    n_draws: int,
    rng: np.random.Generator,
    rng_prior: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per posterior draw, the probability of each event and whether it happens.

    Uniform numbers are drawn from ``rng`` for every event whatever its probability, and
    probabilities given as ``"prior"`` are drawn from ``rng_prior``: two scenarios that
    differ only in probabilities share their random numbers (common random numbers).

    Returns
    -------
    (probability, happens)
        Arrays of shape ``(n_draws, n_events)``.
    """
    rng_prior = rng if rng_prior is None else rng_prior
    n_ev = len(scenario.events)
    prob = np.zeros((n_draws, n_ev))
    for j, ev in enumerate(scenario.events):
        if isinstance(ev.probability, str):
            prob[:, j] = draw_prior(priors, ev.prior_key, n_draws, rng_prior)
        else:
            prob[:, j] = float(ev.probability)
    # one block of draws per event, in event order: adding or removing a later event leaves
    # the numbers of the earlier ones unchanged
    happens = rng.uniform(size=(n_ev, n_draws)).T < prob
    return prob, happens


def draw_prior(priors, key: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of the scalar prior ``key`` of a priors file (scipy; no compilation)."""
    if key not in priors:
        raise ScenarioError(
            f"the scenario takes a probability from the priors file, but {priors.source} has no "
            f"[{key}] entry; add one (e.g. dist = 'Beta') or give the probability as a number"
        )
    prior = priors[key]
    kw = {k: float(np.asarray(v)) for k, v in prior.parameters.items()}
    dist = prior.distribution
    if dist == "Beta":
        return stats.beta(kw["alpha"], kw["beta"]).rvs(size=n, random_state=rng)
    if dist == "Uniform":
        lo, hi = kw.get("lower", 0.0), kw.get("upper", 1.0)
        return rng.uniform(lo, hi, size=n)
    if dist == "DiracDelta":
        return np.full(n, kw["c"])
    raise ScenarioError(
        f"{priors.source} [{key}]: a scenario probability needs a Beta, Uniform or DiracDelta "
        f"prior, not {dist}"
    )


__all__ = [
    "FutureEvent",
    "Scenario",
    "ScenarioError",
    "draw_prior",
    "get_scenario",
    "load_scenario",
    "named_scenarios",
    "realise",
    "scenario_from_dict",
]
