"""Simple forecasting baselines per indicator: persistence, AR(1), training mean.

Each returns a normal predictive distribution ``(mean, sd)`` for a target year from the
indicator's observed training series (years and values, missing years left out).
"""

from __future__ import annotations

import numpy as np

BASELINES = ("persistence", "ar1", "mean")


def _pairs(years: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive-year pairs (y_{t-1}, y_t) of the observed series."""
    idx = np.flatnonzero(np.diff(years) == 1)
    return values[idx], values[idx + 1]


def persistence(years, values, target: int) -> tuple[float, float] | None:
    """Last observed value; random-walk sd (sd of year-on-year changes) x sqrt(steps)."""
    prev, nxt = _pairs(years, values)
    if prev.size < 2:
        return None
    steps = target - years[-1]
    sd = float(np.std(nxt - prev, ddof=1)) * np.sqrt(steps)
    return float(values[-1]), max(sd, 1e-6)


def ar1(years, values, target: int) -> tuple[float, float] | None:
    """AR(1) with intercept fitted by least squares on consecutive years, iterated forward."""
    prev, nxt = _pairs(years, values)
    if prev.size < 4:
        return None
    x = np.column_stack([np.ones_like(prev), prev])
    coef, *_ = np.linalg.lstsq(x, nxt, rcond=None)
    c, phi = float(coef[0]), float(np.clip(coef[1], -0.99, 0.99))
    resid = nxt - (c + phi * prev)
    sigma = float(np.sqrt(np.sum(resid**2) / max(prev.size - 2, 1)))
    mu, var = float(values[-1]), 0.0
    for _ in range(target - years[-1]):
        mu = c + phi * mu
        var = phi**2 * var + sigma**2
    return mu, max(np.sqrt(var), 1e-6)


def mean(years, values, target: int) -> tuple[float, float] | None:
    """Training mean; sd of the training values (predictive of a new draw)."""
    if values.size < 3:
        return None
    n = values.size
    return float(values.mean()), max(float(values.std(ddof=1)) * np.sqrt(1 + 1 / n), 1e-6)


FUNCTIONS = {"persistence": persistence, "ar1": ar1, "mean": mean}

__all__ = ["BASELINES", "FUNCTIONS", "ar1", "mean", "persistence"]
