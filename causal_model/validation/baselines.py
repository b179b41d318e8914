"""Forecasting baselines per indicator, each a predictive distribution for a target year.

Fitted on one indicator's observed training series (years and values, missing years left
out), in the units the forecasts are scored in:

- ``persistence``: the last value, with random-walk spread (sd of the year-on-year changes
  times sqrt(steps));
- ``rw_drift``: a random walk with drift (last value plus the mean change per year);
- ``boot``: the last value plus a sum of year-on-year changes resampled from the last
  :data:`BOOT_WINDOW` changes (the VIEWS competitions' ``boot`` benchmark);
- ``ar1``: an AR(1) with intercept fitted by least squares, iterated forward;
- ``mean``: the training mean, with the spread of a new draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scoringrules as sr
from scipy import stats

__all__ = ["BASELINES", "FUNCTIONS", "NormalForecast", "SampleForecast"]

#: Year-on-year changes the ``boot`` baseline resamples (the most recent ones).
BOOT_WINDOW = 10
#: Draws of a sampled baseline and of a normal one when a joint (energy) score needs draws.
N_DRAWS = 2000


@dataclass(frozen=True)
class NormalForecast:
    """A normal predictive distribution."""

    mu: float
    sd: float

    def crps(self, y: float) -> float:
        return float(sr.crps_normal(y, self.mu, self.sd))

    def quantile(self, p) -> np.ndarray:
        return stats.norm.ppf(p, self.mu, self.sd)

    def cdf(self, y: float) -> float:
        return float(stats.norm.cdf(y, self.mu, self.sd))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.mu + self.sd * rng.standard_normal(n)

    def logpdf(self, y: float, step: float | None = None) -> float:
        """Log density at ``y``; with ``step`` the log probability of ``y +- step / 2`` (a
        count or share outcome scored as a probability)."""
        if step is None:
            return float(stats.norm.logpdf(y, self.mu, self.sd))
        p = stats.norm.cdf(y + step / 2, self.mu, self.sd) - stats.norm.cdf(
            y - step / 2, self.mu, self.sd
        )
        return float(np.log(max(p, 1e-300)))


@dataclass(frozen=True)
class SampleForecast:
    """A predictive distribution given by draws."""

    draws: np.ndarray

    def crps(self, y: float) -> float:
        # the probability-weighted-moment estimator: the fair (unbiased) CRPS, O(m log m)
        return float(sr.crps_ensemble(y, self.draws, estimator="pwm"))

    def quantile(self, p) -> np.ndarray:
        return np.quantile(self.draws, p)

    def cdf(self, y: float) -> float:
        return float(np.mean(self.draws <= y))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.choice(self.draws, size=n, replace=True)

    def logpdf(self, y: float, step: float | None = None) -> float:
        """A kernel-density log score (Gaussian kernel, Silverman's bandwidth), or with
        ``step`` the log of the share of draws within ``y +- step / 2`` (floored)."""
        d = self.draws
        if step is not None:
            share = np.mean(np.abs(d - y) <= step / 2)
            return float(np.log(max(share, 0.5 / d.size)))
        bw = 1.06 * max(np.std(d), 1e-6) * d.size ** (-0.2)
        return float(np.log(np.mean(stats.norm.pdf(y, d, bw)) + 1e-300))


def _changes(years: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Year-on-year changes of consecutive observed years."""
    idx = np.flatnonzero(np.diff(years) == 1)
    return values[idx + 1] - values[idx]


def persistence(years, values, target: int, rng=None):
    """Last observed value; random-walk sd (sd of year-on-year changes) x sqrt(steps)."""
    d = _changes(years, values)
    if d.size < 2:
        return None
    steps = target - years[-1]
    return NormalForecast(float(values[-1]), max(float(np.std(d, ddof=1)) * np.sqrt(steps), 1e-6))


def rw_drift(years, values, target: int, rng=None):
    """Random walk with drift: last value + mean change x steps; random-walk sd."""
    d = _changes(years, values)
    if d.size < 3:
        return None
    steps = target - years[-1]
    sd = max(float(np.std(d, ddof=1)) * np.sqrt(steps), 1e-6)
    return NormalForecast(float(values[-1] + d.mean() * steps), sd)


def boot(years, values, target: int, rng=None):
    """Last value + a sum of ``steps`` changes drawn from the last :data:`BOOT_WINDOW`."""
    d = _changes(years, values)[-BOOT_WINDOW:]
    if d.size < 3:
        return None
    rng = np.random.default_rng(0) if rng is None else rng
    steps = target - years[-1]
    draws = values[-1] + rng.choice(d, size=(N_DRAWS, steps), replace=True).sum(axis=1)
    return SampleForecast(draws.astype(float))


def ar1(years, values, target: int, rng=None):
    """AR(1) with intercept fitted by least squares on consecutive years, iterated forward."""
    idx = np.flatnonzero(np.diff(years) == 1)
    prev, nxt = values[idx], values[idx + 1]
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
    return NormalForecast(mu, max(np.sqrt(var), 1e-6))


def mean(years, values, target: int, rng=None):
    """Training mean; sd of the training values (predictive of a new draw)."""
    if values.size < 3:
        return None
    n = values.size
    return NormalForecast(
        float(values.mean()), max(float(values.std(ddof=1)) * np.sqrt(1 + 1 / n), 1e-6)
    )


FUNCTIONS = {
    "persistence": persistence,
    "rw_drift": rw_drift,
    "boot": boot,
    "ar1": ar1,
    "mean": mean,
}
BASELINES = tuple(FUNCTIONS)
