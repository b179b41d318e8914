"""Causal questions: interventions on drivers and counterfactual histories.

All three work draw by draw on the posterior, in the three steps of a structural
counterfactual: *abduction* (each draw's latent path fixes its own innovations
``e_t = x_t - A x_{t-1}``), *action* (a driver is set or shifted from a year on, or events are
removed from the elite-circulation term), *prediction* (the states are run forward again with
the same innovations). The factual path is reproduced exactly, so the effect of the action is
the difference of two paths that share all their noise.

PyMC's ``pm.do`` acts on a model's random variables; here the latent states are integrated out
during sampling and drawn afterwards, so the action is applied to those drawn paths instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import arviz as az
import numpy as np
import xarray as xr

from causal_model.analysis.paths import Paths, build_paths
from causal_model.dims import DRIVER, YEAR
from causal_model.inference.arguments import check_seed, check_until, check_year
from causal_model.model.generate import run_states

if TYPE_CHECKING:
    from causal_model.inference import TensionModel


def _rerun(paths: Paths, i0: int, hold_idx: Sequence[int], values, shift: bool, until_i: int):
    """States with drivers ``hold_idx`` set (or shifted) to ``values`` for steps i0..until_i."""
    s, y, n = paths.states.shape
    steps = y - i0
    hold = np.zeros((steps, n), dtype=bool)
    hold_value = np.zeros((s, steps, n))
    last = until_i - i0 + 1
    for idx, v in zip(hold_idx, values, strict=True):
        hold[:last, idx] = True
        base = paths.states[:, i0:, idx] if shift else 0.0
        hold_value[:, :last, idx] = base[:, :last] + v if shift else v
    alt = paths.states.copy()
    alt[:, i0:] = run_states(
        paths.states[:, i0 - 1],
        paths.a,
        paths.innovations[:, i0:],
        hold=hold,
        hold_value=hold_value,
    )
    return alt


def _effect_dataset(paths: Paths, md, alt_states, alt_elite, years_sl: slice, attrs) -> xr.Dataset:
    nc, nd = len(paths.chains), len(paths.draws)
    k = len(md.drivers)

    def shape(a):
        b = a[:, years_sl]
        return b.reshape(nc, nd, *b.shape[1:])

    fact = paths.tension()
    alt = paths.tension(alt_states, alt_elite)
    cd = ("chain", "draw", YEAR)
    return xr.Dataset(
        {
            "tension_factual": (cd, shape(fact)),
            "tension_alternative": (cd, shape(alt)),
            "effect": (cd, shape(alt - fact)),
            "drivers_factual": (cd + (DRIVER,), shape(paths.states[..., :k])),
            "drivers_alternative": (cd + (DRIVER,), shape(alt_states[..., :k])),
            "elite_factual": (cd, shape(paths.elite)),
            "elite_alternative": (cd, shape(alt_elite)),
        },
        coords={
            "chain": paths.chains,
            "draw": paths.draws,
            YEAR: paths.years[years_sl],
            DRIVER: list(md.drivers),
        },
        attrs=attrs,
    )


def _finite_number(v) -> bool:
    return isinstance(v, int | float | np.number) and not isinstance(v, bool) and np.isfinite(v)


def _driver_index(md, names) -> list[int]:
    bad = [d for d in names if d not in md.drivers]
    if bad:
        raise ValueError(
            f"unknown driver(s) {bad} for this model; choose from {', '.join(md.drivers)}"
        )
    return [md.drivers.index(d) for d in names]


def _check_from_year(md, year, until: int, what: str = "from_year") -> int:
    """``year`` as an int from the panel's second year to ``until`` (the first year has no
    earlier state to act from)."""
    return check_year(year, what, int(md.years[1]), until)


def _year_index(paths: Paths, year: int) -> int:
    return int(np.searchsorted(paths.years, year))


def intervene(
    model: TensionModel,
    idata: az.InferenceData,
    do: Mapping[str, float],
    *,
    from_year: int,
    until: int = 2030,
    shift: bool = False,
    scenario=None,
    random_seed: int | None = None,
) -> xr.Dataset:
    """Forecast the consequences of setting (or shifting) drivers from a year on.

    Parameters
    ----------
    model, idata
        The model and its fit.
    do
        ``{driver: value}`` in driver sd units, e.g. ``{"security": -1.0}``.
    from_year, until
        The drivers are held at (or shifted by) the value in every year of this window.
    shift
        False: set the driver to the value (``do(D = v)``); True: add the value to the
        factual path of each draw.
    scenario, random_seed
        As in :func:`causal_model.analysis.forecast.forecast`; the same seed gives the same factual
        forecast as ``forecast()``.

    Returns
    -------
    xarray.Dataset
        ``tension_factual``, ``tension_alternative``, ``effect`` (alternative - factual),
        ``drivers_*`` and ``elite_*`` for years ``from_year..until`` (dims chain, draw, year).

    Raises
    ------
    ValueError
        Before any work, for an empty or non-finite ``do``, an unknown driver, an ``until``
        that is not an integer year from the panel's last year to 100 years after it, or a
        ``from_year`` that is not an integer year from the panel's second year to ``until``.
    """
    md = model.data
    if not isinstance(do, Mapping) or not do:
        raise ValueError(f"give do={{driver: value}}, e.g. do={{'security': -1.0}}; got {do!r}")
    bad = {d: v for d, v in do.items() if not _finite_number(v)}
    if bad:
        raise ValueError(f"do= values must be finite numbers (driver sd units); got {bad}")
    idx = _driver_index(md, list(do))
    until = check_until(until, md.years[-1])
    from_year = _check_from_year(md, from_year, until)
    random_seed = check_seed(random_seed)
    paths = build_paths(model, idata, until=until, scenario=scenario, random_seed=random_seed)
    i0 = _year_index(paths, from_year)
    alt = _rerun(paths, i0, idx, [float(v) for v in do.values()], shift, len(paths.years) - 1)
    verb = "shifted by" if shift else "set to"
    text = ", ".join(f"{d} {verb} {v:+.2f} sd" for d, v in do.items())
    attrs = {
        "kind": "intervention",
        "question": f"{text} from {from_year} to {until}",
        "from_year": int(from_year),
        "until": int(until),
    }
    return _effect_dataset(paths, md, alt, paths.elite, slice(i0, None), attrs)


def counterfactual(
    model: TensionModel,
    idata: az.InferenceData,
    *,
    drop_events: Sequence[str] = (),
    hold: Mapping[str, float] | None = None,
    from_year: int | None = None,
    until: int | None = None,
    shift: bool = False,
    random_seed: int | None = None,
) -> xr.Dataset:
    """Counterfactual history: remove past changes of leader and/or hold drivers at a level.

    Parameters
    ----------
    drop_events
        Names of past events (``model.past_events()`` coords, e.g. ``"us_2009_obama"``) whose
        effect is removed from every draw's elite-circulation term.
    hold
        ``{driver: level}`` held from ``from_year`` to ``until`` (shifted by the level if
        ``shift``); the other states respond through the transition, with their own noise.
    from_year
        First year of the held drivers (required with ``hold``).
    until
        Last year reported; default the panel's last year (past only). Later years continue
        into the default forecast.
    random_seed
        Seed of the forecast part (only used when ``until`` is after the panel).

    Returns
    -------
    xarray.Dataset
        As :func:`intervene`, over every year from the panel's first to ``until``.
    """
    md = model.data
    if isinstance(drop_events, str):
        drop_events = [drop_events]
    if not isinstance(drop_events, Sequence | set | frozenset | np.ndarray):
        raise ValueError(f"drop_events= must be an event name or a list; got {drop_events!r}")
    drop_events = list(drop_events)
    if hold is not None and not isinstance(hold, Mapping):
        raise ValueError(f"hold= must be a mapping {{driver: level}}; got {hold!r}")
    if hold and any(not _finite_number(v) for v in hold.values()):
        raise ValueError(f"hold= values must be finite numbers (driver sd units); got {hold}")
    until = int(md.years[-1]) if until is None else check_until(until, md.years[-1])
    random_seed = check_seed(random_seed)
    past = [str(e) for e in model.past_events()["event"].values]
    bad = [e for e in drop_events if e not in past]
    if bad:
        raise ValueError(f"unknown event(s) {bad}; past events are {', '.join(past)}")
    if hold:
        if from_year is None:
            raise ValueError("hold= needs from_year= (the first year the drivers are held)")
        idx = _driver_index(md, list(hold))
        from_year = _check_from_year(md, from_year, until)
    if not drop_events and not hold:
        raise ValueError("give drop_events= and/or hold= (nothing to change)")
    paths = build_paths(model, idata, until=until, random_seed=random_seed)
    keep = np.ones(len(paths.event_names), dtype=bool)
    for e in drop_events:
        keep[paths.event_names.index(e)] = False
    alt_elite = paths.elite_by_event[..., keep].sum(axis=-1)
    alt = paths.states
    parts = []
    if drop_events:
        parts.append("without " + ", ".join(drop_events))
    if hold:
        i0 = _year_index(paths, from_year)
        alt = _rerun(paths, i0, idx, [float(v) for v in hold.values()], shift, len(paths.years) - 1)
        verb = "shifted by" if shift else "held at"
        parts.append(", ".join(f"{d} {verb} {v:+.2f} sd from {from_year}" for d, v in hold.items()))
    attrs = {"kind": "counterfactual", "question": "; ".join(parts), "until": until}
    return _effect_dataset(paths, md, alt, alt_elite, slice(None), attrs)


__all__ = ["counterfactual", "intervene"]
