"""Scores of one leave-future-out origin: the model's forecasts and the baselines', cell by cell.

A cell is an indicator in a target year ``origin + h``. Its outcome and every forecast are in
the units the panel reports: gaussian indicators on their ``value`` scale, counts as counts
(a stock modelled by its yearly changes as its level), binomial indicators as shares of their
true trials. Scores (lower is better unless said): CRPS (:mod:`scoringrules`), the interval
score of the central 50 % and 90 % intervals, whether those intervals cover the outcome, the
PIT (randomised for discrete outcomes), and the log predictive density (higher is better).
The joint forecast of a latent's indicators in a target year is scored by the energy score on
indicators standardised by their training sd.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scoringrules as sr

from causal_model.dims import INDICATOR
from causal_model.families import CODES
from causal_model.validation.baselines import FUNCTIONS, N_DRAWS, SampleForecast

__all__ = ["WIDTHS", "cell_scores", "energy_rows", "score_origin", "unscorable"]

#: Widths of the central intervals scored.
WIDTHS = (0.5, 0.9)


def cell_scores(forecast, y: float, rng: np.random.Generator, *, discrete: bool, step) -> dict:
    """Every score of one forecast (a baseline's or the model's) of one outcome ``y``."""
    out = {"crps": forecast.crps(y), "lpd": forecast.logpdf(y, step)}
    for width in WIDTHS:
        alpha = 1.0 - width
        lo, hi = forecast.quantile([alpha / 2, 1 - alpha / 2])
        tag = int(round(width * 100))
        out[f"in{tag}"] = bool(lo <= y <= hi)
        out[f"is{tag}"] = float(sr.interval_score(y, lo, hi, alpha))
    below = forecast.cdf(y - 1e-9) if discrete else forecast.cdf(y)
    at = forecast.cdf(y) - below
    out["pit"] = below + (float(rng.uniform()) * at if discrete else 0.5 * at)
    return out


def baseline_forecasts(train_years, train_values, target: int, rng) -> dict:
    """Every baseline's forecast of ``target`` (None where its training series is too short)."""
    if not train_years.size:
        return {}
    out = {}
    for name, func in FUNCTIONS.items():
        fc = func(train_years, train_values, target, rng)
        if fc is not None:
            out[name] = fc
    return out


def energy_rows(cells: list[dict], base: dict, rng: np.random.Generator) -> list[dict]:
    """Energy scores of the joint forecast of the cells of one target year and latent, per
    method that forecasts every one of them (indicators standardised by their training sd)."""
    if len(cells) < 2:
        return []
    y = np.array([c["y"] / c["sd"] for c in cells])
    rows = []
    methods = set.intersection(*(set(c["forecasts"]) for c in cells))
    for method in sorted(methods):
        draws = np.column_stack(
            [c["forecasts"][method].sample(N_DRAWS, rng) / c["sd"] for c in cells]
        )
        rows.append(
            {
                **base,
                INDICATOR: "joint",
                "method": method,
                "energy": float(sr.es_ensemble(y, draws)),
                "n_joint": len(cells),
            }
        )
    return rows


def unscorable(md_train, origin: int) -> list[str]:
    """Indicators with no observation up to ``origin``: none of their cells can be scored.

    The model has no scale for them (a gaussian indicator's centre is unknown, so its
    forecasts in panel units are NaN) and no baseline has a value to start from.
    """
    seen = (md_train.mask & (md_train.years <= origin)[:, None]).any(axis=0)
    return [str(k) for k, s in zip(md_train.indicators, seen, strict=True) if not s]


def score_origin(md_train, md_full, draws_by_year: dict, origin: int, horizons, rng) -> list[dict]:
    """Rows of every cell of one origin: the model's draws and each baseline.

    Indicators with no observation up to the origin (:func:`unscorable`) are not scored;
    a score that is not finite for any other cell raises instead of entering the means.

    Parameters
    ----------
    md_train, md_full
        The model arrays of the training panel (values after ``origin`` missing) and of the
        full panel.
    draws_by_year
        ``{target year: (D, N) model draws in scoring units}``.
    origin, horizons
        The origin and the horizons scored.
    rng
        Random numbers (PIT randomisation, baseline draws).
    """
    rows: list[dict] = []
    binomial = md_full.family == CODES["binomial"]
    skip = set(unscorable(md_train, origin))
    for target, draws in draws_by_year.items():
        t = int(np.searchsorted(md_full.years, target))
        h = target - origin
        joint: dict[str, list] = {}
        for j, key in enumerate(md_full.indicators):
            if not md_full.mask[t, j] or str(key) in skip:
                continue
            y = outcome(md_full, t, j)
            train = md_train.mask[:, j] & (md_train.years <= origin)
            years = md_train.years[train]
            values = np.array([outcome(md_full, i, j) for i in np.flatnonzero(train)])
            discrete = not md_full.gaussian[j]
            step = 1.0 / md_full.trials[t, j] if binomial[j] else (1.0 if discrete else None)
            forecasts = {"model": SampleForecast(draws[:, j])}
            forecasts.update(baseline_forecasts(years, values, target, rng))
            base = {
                "origin": origin,
                "horizon": h,
                "year": target,
                INDICATOR: key,
                "latent": str(md_full.latent[j]),
            }
            for method, fc in forecasts.items():
                scores = cell_scores(fc, y, rng, discrete=discrete, step=step)
                if not np.isfinite(scores["crps"]):
                    raise FloatingPointError(
                        f"origin {origin}, {key} in {target}: the {method} forecast's CRPS is "
                        f"{scores['crps']} (the forecast is not finite)"
                    )
                rows.append({**base, "method": method, **scores})
            sd = float(np.std(values, ddof=1)) if values.size > 2 else np.nan
            if np.isfinite(sd) and sd > 0:
                joint.setdefault(str(md_full.latent[j]), []).append(
                    {"y": y, "sd": sd, "forecasts": forecasts}
                )
        for latent, cells in joint.items():
            base = {"origin": origin, "horizon": h, "year": target, "latent": latent}
            rows.extend(energy_rows(cells, base, rng))
    return rows


def outcome(md, t: int, j: int) -> float:
    """The observed value of cell ``(t, j)`` in scoring units: a gaussian indicator on its
    value scale, a binomial one as a share of its trials, a count (a stock as its level)."""
    if md.gaussian[j]:
        return float(md.y[t, j] * md.scale[j] + md.center[j])
    if md.family[j] == CODES["binomial"]:
        return float(md.y[t, j] / md.trials[t, j])
    if md.stock[j]:
        return float(md.stock_level[t, j])
    return float(md.y[t, j])


def to_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)
