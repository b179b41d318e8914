"""Small mathematical building blocks of the model, in PyTensor and NumPy twins.

Every function without a suffix builds a PyTensor graph (it accepts tensors, NumPy arrays or
Python numbers and returns a tensor); its ``*_np`` twin computes the same quantity with NumPy.
The twins are used after sampling (forecasts, plots) and in the tests that check the graphs.
"""

from __future__ import annotations

import math

import numpy as np
import pytensor.tensor as pt
from numpy.typing import ArrayLike
from pytensor.tensor.variable import TensorVariable

__all__ = [
    "ar1_simulate",
    "ar1_stationary_var",
    "ar1_stationary_var_np",
    "elite_decay",
    "elite_decay_np",
    "elite_step",
    "elite_step_np",
    "elite_term",
    "elite_term_np",
    "half_life_to_tau",
    "half_life_to_tau_np",
    "logit_pooled",
    "logit_pooled_np",
    "stationary_coupling",
    "stationary_coupling_np",
    "var1_simulate",
]


# --------------------------------------------------------------------------------------------
# Elite circulation: the effect of a change of leader, as a function of the time since it.
# --------------------------------------------------------------------------------------------
def elite_decay(s: ArrayLike | TensorVariable, tau: ArrayLike | TensorVariable) -> TensorVariable:
    """Exponentially decaying effect ``g(s) = exp(-s / tau)`` for ``s >= 0``, else 0.

    Parameters
    ----------
    s
        Time since the event (years); negative before the event.
    tau
        Decay time constant (years), positive; broadcasts against ``s``.

    Returns
    -------
    TensorVariable
        ``g(s)``, same broadcast shape. The exponential is evaluated at ``max(s, 0)`` so that
        neither the value nor the gradient (w.r.t. ``s`` or ``tau``) is ever inf or NaN for
        ``s < 0``, where both are exactly 0.
    """
    s = pt.as_tensor_variable(s)
    tau = pt.as_tensor_variable(tau)
    after = pt.ge(s, 0)
    safe_s = pt.switch(after, s, 0.0)
    return pt.switch(after, pt.exp(-safe_s / tau), 0.0)


def elite_decay_np(s: ArrayLike, tau: ArrayLike) -> np.ndarray:
    """NumPy twin of :func:`elite_decay`."""
    s = np.asarray(s, dtype=float)
    after = s >= 0
    return np.where(after, np.exp(-np.where(after, s, 0.0) / np.asarray(tau, dtype=float)), 0.0)


def elite_step(s: ArrayLike | TensorVariable) -> TensorVariable:
    """Permanent (step) effect: 1 for ``s >= 0``, else 0, as a float tensor.

    Parameters
    ----------
    s
        Time since the event; negative before the event.
    """
    s = pt.as_tensor_variable(s)
    return pt.switch(pt.ge(s, 0), 1.0, 0.0)


def elite_step_np(s: ArrayLike) -> np.ndarray:
    """NumPy twin of :func:`elite_step`."""
    return (np.asarray(s, dtype=float) >= 0).astype(float)


def elite_term(
    times: ArrayLike | TensorVariable,
    event_times: ArrayLike | TensorVariable,
    delta: ArrayLike | TensorVariable,
    tau: ArrayLike | TensorVariable | None = None,
    permanent: bool = False,
) -> TensorVariable:
    """Summed elite-circulation effect ``E[t] = sum_e delta_e g(times[t] - event_times[e])``.

    Parameters
    ----------
    times
        Time points of the panel, shape ``(T,)`` (years or mid-year points as floats; used as
        given).
    event_times
        Times of the events, shape ``(E,)``.
    delta
        Effect sizes, shape ``(E,)`` or ``(E, K)`` (e.g. one column per indicator or driver).
    tau
        Decay time constant, scalar or shape ``(E,)``; ignored (may be None) when
        ``permanent`` is True.
    permanent
        Use the step function :func:`elite_step` instead of the exponential decay.

    Returns
    -------
    TensorVariable
        Shape ``(T,)`` for a vector ``delta``, ``(T, K)`` for a matrix.
    """
    times = pt.as_tensor_variable(times)
    event_times = pt.as_tensor_variable(event_times)
    s = times[:, None] - event_times[None, :]
    if permanent:
        g = elite_step(s)
    else:
        if tau is None:
            raise ValueError("tau is required unless permanent=True")
        g = elite_decay(s, pt.as_tensor_variable(tau))
    return pt.dot(g, pt.as_tensor_variable(delta))


def elite_term_np(
    times: ArrayLike,
    event_times: ArrayLike,
    delta: ArrayLike,
    tau: ArrayLike | None = None,
    permanent: bool = False,
) -> np.ndarray:
    """NumPy twin of :func:`elite_term`."""
    s = np.asarray(times, dtype=float)[:, None] - np.asarray(event_times, dtype=float)[None, :]
    if permanent:
        g = elite_step_np(s)
    else:
        if tau is None:
            raise ValueError("tau is required unless permanent=True")
        g = elite_decay_np(s, tau)
    return g @ np.asarray(delta, dtype=float)


# --------------------------------------------------------------------------------------------
# Persistence, pooling and time-scale conversions.
# --------------------------------------------------------------------------------------------
def ar1_stationary_var(
    rho: ArrayLike | TensorVariable, innovation_sd: ArrayLike | TensorVariable
) -> TensorVariable:
    """Stationary variance ``sd**2 / (1 - rho**2)`` of an AR(1) with ``|rho| < 1``."""
    rho = pt.as_tensor_variable(rho)
    innovation_sd = pt.as_tensor_variable(innovation_sd)
    return innovation_sd**2 / (1.0 - rho**2)


def ar1_stationary_var_np(rho: ArrayLike, innovation_sd: ArrayLike) -> np.ndarray:
    """NumPy twin of :func:`ar1_stationary_var`."""
    rho = np.asarray(rho, dtype=float)
    return np.asarray(innovation_sd, dtype=float) ** 2 / (1.0 - rho**2)


def logit_pooled(
    mu: ArrayLike | TensorVariable,
    sigma: ArrayLike | TensorVariable,
    z: ArrayLike | TensorVariable,
) -> TensorVariable:
    """Partially pooled probability ``sigmoid(mu + sigma * z)`` (non-centred on the logit scale).

    Parameters
    ----------
    mu
        Population mean on the logit scale.
    sigma
        Population standard deviation on the logit scale.
    z
        Standardised unit-level offsets.
    """
    return pt.sigmoid(pt.as_tensor_variable(mu) + pt.as_tensor_variable(sigma) * z)


def logit_pooled_np(mu: ArrayLike, sigma: ArrayLike, z: ArrayLike) -> np.ndarray:
    """NumPy twin of :func:`logit_pooled`."""
    eta = np.asarray(mu, dtype=float) + np.asarray(sigma, dtype=float) * np.asarray(z, dtype=float)
    return 0.5 * (1.0 + np.tanh(0.5 * eta))  # overflow-free logistic


def half_life_to_tau(h: ArrayLike | TensorVariable) -> TensorVariable:
    """Decay time constant ``tau = h / ln 2`` of an exponential decay with half-life ``h``."""
    return pt.as_tensor_variable(h) / math.log(2.0)


def half_life_to_tau_np(h: ArrayLike) -> np.ndarray:
    """NumPy twin of :func:`half_life_to_tau`."""
    return np.asarray(h, dtype=float) / math.log(2.0)


def ar1_simulate(
    rho: ArrayLike,
    innovation_sd: ArrayLike,
    n: int,
    rng: np.random.Generator,
    x0: ArrayLike | None = None,
) -> np.ndarray:
    """Simulate ``x_t = rho x_{t-1} + eps_t``, ``eps_t ~ N(0, sd**2)``, independently per series.

    Parameters
    ----------
    rho, innovation_sd
        Persistence and innovation standard deviation: scalars, or shape ``(S,)`` for ``S``
        independent series.
    n
        Number of time points returned.
    rng
        NumPy random generator.
    x0
        Value at the first time point. When None it is drawn from the stationary
        distribution ``N(0, sd**2 / (1 - rho**2))`` (requires ``|rho| < 1``).

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)`` for scalar parameters, else ``(n, S)``; row 0 is ``x0``.
    """
    rho = np.asarray(rho, dtype=float)
    sd = np.asarray(innovation_sd, dtype=float)
    shape = np.broadcast_shapes(rho.shape, sd.shape)
    rho, sd = np.broadcast_to(rho, shape), np.broadcast_to(sd, shape)
    out = np.empty((n, *shape))
    if n == 0:
        return out
    if x0 is None:
        out[0] = rng.normal(size=shape) * np.sqrt(ar1_stationary_var_np(rho, sd))
    else:
        out[0] = np.broadcast_to(np.asarray(x0, dtype=float), shape)
    eps = rng.normal(size=(n, *shape)) * sd
    for t in range(1, n):
        out[t] = rho * out[t - 1] + eps[t]
    return out


# --------------------------------------------------------------------------------------------
# Coupled drivers (VAR(1)) that stay stationary.
# --------------------------------------------------------------------------------------------
def stationary_coupling(
    rho: ArrayLike | TensorVariable, raw: ArrayLike | TensorVariable
) -> TensorVariable:
    """Off-diagonal VAR(1) coupling that cannot make the drivers explode.

    ``C[i, j] = (1 - rho_i) * tanh(raw[i, j]) / (k - 1)`` for ``i != j`` and 0 on the diagonal:
    driver ``i`` passes on at most its "headroom" ``1 - rho_i``, so every row of
    ``A = diag(rho) + C`` has absolute sum below 1, hence spectral radius below 1 (the VAR is
    stationary for every parameter value, not only in most of the prior).

    Parameters
    ----------
    rho
        Persistences, shape ``(k,)``, each in (0, 1).
    raw
        Unconstrained coupling, shape ``(k, k)`` (row: the driver that is pushed; column:
        the driver that pushes); ``tanh(raw)`` is the share of the headroom used.
    """
    rho = pt.as_tensor_variable(rho)
    raw = pt.as_tensor_variable(raw)
    k = raw.shape[-1]
    off = 1.0 - pt.eye(k)
    return (1.0 - rho)[:, None] * pt.tanh(raw) * off / pt.maximum(k - 1, 1)


def stationary_coupling_np(rho: ArrayLike, raw: ArrayLike) -> np.ndarray:
    """NumPy twin of :func:`stationary_coupling` (broadcasts over leading draw dims)."""
    rho = np.asarray(rho, dtype=float)
    raw = np.asarray(raw, dtype=float)
    k = raw.shape[-1]
    off = 1.0 - np.eye(k)
    return (1.0 - rho)[..., :, None] * np.tanh(raw) * off / max(k - 1, 1)


def var1_simulate(
    x0: np.ndarray,
    a: np.ndarray,
    eps: np.ndarray,
    *,
    hold: np.ndarray | None = None,
    hold_value: np.ndarray | None = None,
) -> np.ndarray:
    """Run ``x_t = A x_{t-1} + eps_t`` forward from ``x0`` (numpy; one system per draw).

    Parameters
    ----------
    x0
        (S, n) state before the first step.
    a
        (S, n, n) transition matrices.
    eps
        (S, H, n) innovations of the H steps.
    hold
        Optional (H, n) boolean: state components fixed (not propagated) at a step.
    hold_value
        (S, H, n) values of the held components (used where ``hold`` is True).

    Returns
    -------
    numpy.ndarray
        (S, H, n) states after each step. A held component enters the next step with its
        held value, so other states respond to it through ``A`` (an intervention).
    """
    x = np.asarray(x0, dtype=float)
    out = np.empty(eps.shape)
    for h in range(eps.shape[1]):
        x = np.einsum("sij,sj->si", a, x) + eps[:, h]
        if hold is not None:
            x = np.where(hold[h], hold_value[:, h], x)
        out[:, h] = x
    return out
