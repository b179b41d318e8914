"""Checks of the arguments of fits and forecasts, done before any work starts.

A bad argument is a :class:`ValueError` that names the argument, the value and what is
accepted, raised before the model is built or compiled; a fit that the sampler did not finish
(interrupted, or cut short) is refused by :func:`check_complete` instead of being returned as a
shorter posterior.
"""

from __future__ import annotations

import numbers

import arviz as az
import numpy as np

#: Forecasts, interventions and counterfactuals reach at most this many years past the panel.
MAX_HORIZON = 100


class IncompleteFitError(RuntimeError):
    """The sampler returned fewer draws or chains than asked for, or NaN draws."""


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _describe(value) -> str:
    return f"{value!r} ({type(value).__name__})"


def check_count(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is an integer >= ``minimum``.

    Parameters
    ----------
    value
        The argument given.
    name
        Its name, for the message (``draws``, ``tune``, ``chains``...).
    minimum
        The smallest accepted value.

    Raises
    ------
    ValueError
        If ``value`` is not an integer (floats, strings and booleans are refused) or is below
        ``minimum``.
    """
    if not _is_int(value) or int(value) < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name}={_describe(value)}: must be {what}")
    return int(value)


def check_seed(seed) -> int | None:
    """Return ``seed`` (None or a non-negative integer) or raise a ValueError naming it."""
    if seed is None:
        return None
    if not _is_int(seed) or int(seed) < 0:
        raise ValueError(
            f"random_seed={_describe(seed)}: must be None or a non-negative integer, e.g. 1234"
        )
    return int(seed)


def check_fit_arguments(draws, tune, chains, random_seed) -> tuple[int, int, int, int | None]:
    """Check the arguments of :meth:`causal_model.TensionModel.fit` before it builds anything.

    Returns
    -------
    (draws, tune, chains, random_seed)
        As plain ints (``random_seed`` may be None).

    Raises
    ------
    ValueError
        Naming the first bad argument.
    """
    return (
        check_count(draws, "draws"),
        check_count(tune, "tune"),
        check_count(chains, "chains"),
        check_seed(random_seed),
    )


def check_year(value, name: str, first: int, last: int) -> int:
    """Return ``value`` as an int if it is an integer year in ``first..last``."""
    if not _is_int(value):
        raise ValueError(f"{name}={_describe(value)}: must be an integer year, e.g. {last}")
    if not first <= int(value) <= last:
        raise ValueError(f"{name}={int(value)}: must lie between {first} and {last}")
    return int(value)


def check_until(until, last_year: int, *, name: str = "until") -> int:
    """Check a forecast horizon: an integer year from the panel's last year to
    :data:`MAX_HORIZON` years after it.

    Parameters
    ----------
    until
        The last year asked for.
    last_year
        The panel's last year.
    name
        The argument's name, for the message (``until``, ``--until``).

    Raises
    ------
    ValueError
        If ``until`` is not an integer (floats and strings are refused), is before the
        panel's last year, or more than :data:`MAX_HORIZON` years after it.
    """
    last_year = int(last_year)
    if not _is_int(until):
        raise ValueError(
            f"{name}={_describe(until)}: must be an integer year, e.g. {last_year + 5}"
        )
    until = int(until)
    if until < last_year:
        raise ValueError(
            f"{name}={until} is before the panel's last year {last_year}; forecasts start after "
            f"the data: give a year from {last_year} to {last_year + MAX_HORIZON}"
        )
    if until > last_year + MAX_HORIZON:
        raise ValueError(
            f"{name}={until} is more than {MAX_HORIZON} years after the panel's last year "
            f"{last_year}; give a year from {last_year} to {last_year + MAX_HORIZON}"
        )
    return until


def check_complete(idata: az.InferenceData, draws: int, chains: int) -> None:
    """Refuse a fit with fewer chains or draws than asked for, or with NaN draws.

    Some samplers return the draws made so far when they are stopped (nutpie on an interrupt,
    PyMC on an interrupt); such a posterior is shorter than asked for, or NaN-padded, and
    must never be used as a fit.

    Raises
    ------
    IncompleteFitError
        Naming what is missing.
    """
    if "posterior" not in idata.groups() or not idata.posterior.data_vars:
        raise IncompleteFitError(
            f"the sampler returned no posterior draws (asked for {chains} chains x {draws} "
            "draws): it stopped during tuning; no fit was returned"
        )
    post = idata.posterior
    got_chains, got_draws = post.sizes.get("chain", 0), post.sizes.get("draw", 0)
    if got_chains != chains or got_draws != draws:
        raise IncompleteFitError(
            f"the sampler stopped early: {got_chains} chains x {got_draws} draws of the "
            f"{chains} x {draws} asked for; no fit was returned (a shorter posterior is not one)"
        )
    for name, var in post.data_vars.items():
        if not np.issubdtype(var.dtype, np.floating) or var.size == 0:
            continue
        bad = np.isnan(var.values).reshape(chains, draws, -1).any(axis=-1)
        if bad.any():
            counts = ", ".join(f"chain {c}: {int(n)}" for c, n in enumerate(bad.sum(axis=1)) if n)
            raise IncompleteFitError(
                f"the sampler returned NaN draws of {name} ({counts} of {draws} draws): it "
                "stopped early or failed; no fit was returned"
            )


__all__ = [
    "MAX_HORIZON",
    "IncompleteFitError",
    "check_complete",
    "check_count",
    "check_fit_arguments",
    "check_seed",
    "check_until",
    "check_year",
]
