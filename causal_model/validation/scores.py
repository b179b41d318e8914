"""Proper scores of predictive distributions given by draws or by a normal distribution."""

from __future__ import annotations

import numpy as np
from scipy import special, stats


def crps_draws(draws: np.ndarray, y: float) -> float:
    """CRPS of the empirical distribution of ``draws`` at ``y`` (lower is better).

    Uses ``E|X - y| - E|X - X'| / 2`` with the sorted-sample formula for the second term.
    """
    x = np.sort(np.asarray(draws, dtype=float))
    n = x.size
    term1 = np.mean(np.abs(x - y))
    i = np.arange(1, n + 1)
    term2 = np.sum((2 * i - n - 1) * x) / (n * n)
    return float(term1 - term2)


def crps_normal(mu: float, sd: float, y: float) -> float:
    """Closed-form CRPS of N(mu, sd^2) at ``y``."""
    z = (y - mu) / sd
    return float(
        sd * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
    )


def log_mean_exp(logp: np.ndarray) -> float:
    """``log(mean(exp(logp)))`` computed stably."""
    logp = np.asarray(logp, dtype=float)
    return float(special.logsumexp(logp) - np.log(logp.size))


def normal_logscore(mu: float, sd: float, y: float, *, discrete_step: float | None = None) -> float:
    """Log density of N(mu, sd^2) at ``y``; with ``discrete_step`` the log probability of the
    interval ``y +- step/2`` (so that count outcomes are scored as probabilities)."""
    if discrete_step is None:
        return float(stats.norm.logpdf(y, mu, sd))
    hi = stats.norm.cdf(y + discrete_step / 2, mu, sd)
    lo = stats.norm.cdf(y - discrete_step / 2, mu, sd)
    return float(np.log(max(hi - lo, 1e-300)))


def in_interval(draws: np.ndarray, y: float, width: float) -> bool:
    """Whether ``y`` lies in the central ``width`` interval of ``draws``."""
    lo, hi = np.quantile(draws, [(1 - width) / 2, (1 + width) / 2])
    return bool(lo <= y <= hi)


def in_normal_interval(mu: float, sd: float, y: float, width: float) -> bool:
    """Whether ``y`` lies in the central ``width`` interval of N(mu, sd^2)."""
    half = stats.norm.ppf((1 + width) / 2) * sd
    return bool(mu - half <= y <= mu + half)


def pit_draws(
    draws: np.ndarray, y: float, rng: np.random.Generator, *, discrete: bool = False
) -> float:
    """Probability integral transform of ``y`` under the draws (randomised for discrete
    outcomes: ``P(X < y) + U P(X = y)``), uniform when the forecasts are calibrated."""
    d = np.asarray(draws, dtype=float)
    below = float(np.mean(d < y))
    if not discrete:
        return below + 0.5 * float(np.mean(d == y))
    return below + float(rng.uniform()) * float(np.mean(d == y))


__all__ = [
    "pit_draws",
    "crps_draws",
    "crps_normal",
    "in_interval",
    "in_normal_interval",
    "log_mean_exp",
    "normal_logscore",
]
