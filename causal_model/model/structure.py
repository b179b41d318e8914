"""The model's structure, written once: the state space as a function of the parameters.

Yearly grid, ``S = K + 1`` states (the ``K`` drivers, then the tension residual ``u``)::

    x_0 ~ N(0, P0),   x_t = A x_{t-1} + eps_t,   eps_t ~ N(0, diag(q))
    tension_t = sum_k beta_k D_k,t + E_t + m_t + u_t
    eta[t, i] = c[t, i] + Z[i] @ x_t,   y[t, i] ~ family_i(eta[t, i], scale_i, nu_i, alpha_i)

The dynamics are the variant's (:func:`_dynamics`): drivers are stationary unit-variance
AR(1)s (``A_kk = rho_k``, ``q_k = 1 - rho_k^2``; a stationary VAR(1) with the ``coupled``
variant) or random walks (innovation sd ``driver_sigma``); the residual is a stationary AR(1)
with marginal sd ``sigma_u``, or a level that moves for good (a random walk, or an AR(1) whose
persistence ``level_rho`` may reach 1, innovation sd ``level_sigma``), with normal or
Student-t shocks (:func:`innovation_variances`). A driver indicator loads on its driver with its
signed loading (anchors: fixed
loading and noise); a tension indicator loads on tension with ``lam_i`` (the anchor's is its
direction), so its row of ``Z`` is ``lam_i (beta, 1)`` and ``c[t, i] = offset_i + intercept_i
+ lam_i (E_t + m_t)``; ``E`` is the elite-circulation term of
:mod:`causal_model.specification.elite`; ``m`` the level's drift (:func:`tension_trend`: 0,
or ``level_drift`` times the years since the first, so that ``m + u`` is a random walk with
drift). A cooperation indicator (claim 4) is a tension
indicator whose loading is ``direction_i * coop_loading_i``, of free sign (0 when the variant
insulates the cooperation areas).

:func:`state_space` is the only place these formulas exist. It takes the *structural*
parameters by name (``beta``, ``rho``, ``loading``, ... as the PyMC model names them) and a
:class:`Layout` (which parameter goes where, from the panel and the variant), and works with
either backend of :mod:`causal_model.backend`: with ``PYTENSOR`` it builds the sampled
model's graph; with ``NUMPY`` it evaluates the same formulas on posterior or prior draws
(leading batch dims), for the state draws after sampling, the forecasts, the simulations,
the prior predictive and the comparisons. The Laplace kernel consumes its output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from causal_model.backend import NUMPY, Backend
from causal_model.families import CODES
from causal_model.model.layout import Layout

__all__ = [
    "STRUCTURAL_PARAMETERS",
    "StateSpace",
    "cell_scale",
    "elite_by_event",
    "elite_effect",
    "innovation_variances",
    "linear_offsets",
    "mixture_families",
    "posterior_parameters",
    "state_space",
    "stationary_coupling",
    "tension_of",
    "tension_trend",
    "variance_floor",
]

#: Every parameter :func:`state_space` may read (those a model has are in its posterior).
STRUCTURAL_PARAMETERS = (
    "rho",
    "driver_sigma",
    "coupling_matrix",
    "loading",
    "beta",
    "rho_u",
    "sigma_u",
    "level_sigma",
    "level_rho",
    "level_drift",
    "shock_nu",
    "shock_weight",
    "idio_rho",
    "idio_sigma",
    "tension_loading",
    "coop_loading",
    "intercept",
    "sigma_obs",
    "nu",
    "nb_alpha",
    "elite_delta",
)


@dataclass
class StateSpace:
    """The state-space pieces of one model (leading batch dims ``...`` with NumPy).

    ``c`` (..., T, N) offsets of the linear predictors (``c0`` (..., N) the part without the
    elite term, see :func:`linear_offsets`); ``z`` (..., N, S) loadings; ``scale``,
    ``nu``, ``alpha`` (..., N) family parameters; ``a`` (..., S, S) transition; ``q_diag``
    (..., S) innovation variances (``Q = diag(q_diag)``) and ``q_time`` (..., T, S) those of
    every year (they differ with Student-t shocks: ``shock_nu`` (...) their degrees of
    freedom, else None); ``p0`` (..., S, S) covariance of ``x_0``; ``lam`` (..., N) loading of
    each indicator on tension; ``elite`` (..., T) the elite-circulation term; ``trend``
    (..., T) the level's drift term (:func:`tension_trend`); ``beta`` (..., K).
    """

    c: Any
    c0: Any
    z: Any
    scale: Any
    nu: Any
    alpha: Any
    a: Any
    q_diag: Any
    q_time: Any
    p0: Any
    lam: Any
    elite: Any
    beta: Any
    trend: Any = 0.0
    shock_nu: Any = None
    shock_mask: Any = None  # (S,) 1 at the states the shocks' yearly weights scale

    def q(self, xp: Backend = NUMPY):
        """``Q = diag(q_diag)``."""
        return xp.diag(self.q_diag)


def stationary_coupling(rho, raw, k: int, xp: Backend = NUMPY):
    """Off-diagonal VAR(1) coupling that cannot make the drivers explode.

    ``C[i, j] = (1 - rho_i) tanh(raw[i, j]) / (k - 1)`` for ``i != j`` and 0 on the diagonal:
    driver ``i`` passes on at most its headroom ``1 - rho_i``, so every row of
    ``A = diag(rho) + C`` has absolute sum below 1 and the VAR is stationary for every
    parameter value. ``rho`` is ``(..., k)``, ``raw`` ``(..., k, k)`` (row: the driver that is
    pushed; column: the driver that pushes).
    """
    off = 1.0 - np.eye(k)
    return (1.0 - rho)[..., :, None] * xp.tanh(raw) * off / max(k - 1, 1)


def elite_by_event(
    layout: Layout, params: dict[str, Any], xp: Backend = NUMPY, *, times=None, events=None
):
    """Each event's contribution ``delta_e g(t - t_e)``: ``(..., T, E)``.

    ``times`` defaults to the panel's mid-year times; ``events`` to ``(event_times,
    delta)`` of the layout's past events with ``params["elite_delta"]`` (a forecast passes
    the past and the future events). Zeros ``(T, 0)`` when the variant has no elite term.
    """
    times = layout.times if times is None else np.asarray(times, dtype=float)
    if layout.elite is None:
        return np.zeros((times.size, 0))
    event_times, delta = (layout.event_times, params["elite_delta"]) if events is None else events
    s = times[:, None] - np.asarray(event_times, dtype=float)[None, :]
    g = layout.elite.function(s, params, xp)
    return g * xp.asarray(delta)[..., None, :]


def elite_effect(layout: Layout, params: dict[str, Any], xp: Backend = NUMPY, **kwargs):
    """``E[t] = sum_e delta_e g(t - t_e)`` (see :func:`elite_by_event`): ``(..., T)``."""
    return xp.sum(elite_by_event(layout, params, xp, **kwargs), axis=-1)


def linear_offsets(c0, lam, elite):
    """Offsets of the linear predictors ``c[..., t, i] = c0_i + lam_i E_t``: ``(..., T, N)``
    (``E`` the deterministic part of tension: the elite term plus the drift term)."""
    return c0[..., None, :] + lam[..., None, :] * elite[..., :, None]


def tension_of(states, beta, elite, trend):
    """``tension = beta . drivers + E + m + u`` from states ``(..., T, S)`` (drivers first,
    then the residual ``u``), effects ``beta`` ``(..., K)``, the elite term ``E`` and the
    drift term ``m`` ``(..., T)``: ``(..., T)``."""
    k = np.shape(beta)[-1]
    return np.einsum("...tk,...k->...t", states[..., :k], beta) + elite + trend + states[..., k]


def tension_trend(layout: Layout, params: dict[str, Any], xp: Backend = NUMPY, *, times=None):
    """The tension level's drift term ``m_t = level_drift * (t - t_first)``: ``(..., T)``.

    With it, the level ``m_t + u_t`` is a random walk (or persistent AR(1)) whose yearly
    change has mean ``level_drift``: ``u`` is the driftless state the Laplace step integrates
    out, ``m`` is deterministic given the parameter. ``times`` defaults to the panel's; a
    forecast passes later ones and the drift goes on. Zeros when the variant has no drift.
    """
    times = layout.times if times is None else np.asarray(times, dtype=float)
    since = times - layout.times[0]
    if not layout.drift:
        return np.zeros(since.shape)
    return xp.asarray(params["level_drift"])[..., None] * since


def _spread(free, selector: np.ndarray, fixed: np.ndarray, xp: Backend):
    """Per-indicator vector: the fixed entries plus the free parameters in their places."""
    if selector.shape[0] == 0:
        return fixed
    return fixed + xp.asarray(free) @ selector


def state_space(
    params: dict[str, Any], layout: Layout, xp: Backend = NUMPY, *, offset=None
) -> StateSpace:
    """The state-space pieces for structural parameter values (one formula, two backends).

    Parameters
    ----------
    params
        Structural parameters by name (:data:`STRUCTURAL_PARAMETERS` plus the elite shape's):
        tensors of the PyMC model, or NumPy arrays with leading batch dims.
    layout
        The model's :class:`Layout`.
    xp
        :data:`causal_model.backend.PYTENSOR` (graph) or ``NUMPY`` (draws).
    offset
        Link-scale offsets ``(N,)`` (default the layout's; the graph passes its data
        container so that refits can swap them).

    Returns
    -------
    StateSpace
    """
    md = layout.data
    k = layout.n_drivers
    n = len(md.indicators)
    beta = xp.asarray(params["beta"])
    # (..., 1) zeros giving every per-indicator vector the draws' batch dims (NumPy only: the
    # graph has no batch dims)
    batch = np.zeros((*np.shape(beta)[:-1], 1)) if xp is NUMPY else 0.0
    lam = batch + _spread(params.get("tension_loading"), layout.tension_free, layout.lam_fixed, xp)
    lam = lam + _spread(params.get("coop_loading"), layout.coop_free, np.zeros(n), xp)
    loading = batch + _spread(params.get("loading"), layout.driver_free, np.zeros(n), xp)
    m = layout.idio.size
    ones = xp.ones_like(beta[..., :1])
    row = xp.concatenate([beta, ones] + ([0.0 * ones * np.zeros(m)] if m else []), axis=-1)
    z = (
        layout.z_fixed
        + layout.idio_column
        + loading[..., :, None] * layout.driver_column
        + lam[..., :, None] * row[..., None, :]
    )
    intercept = _spread(params.get("intercept"), layout.intercept_free, np.zeros(n), xp)
    elite = batch + elite_effect(layout, params, xp)  # (..., T)
    trend = batch + tension_trend(layout, params, xp)  # (..., T)
    c0 = batch + (md.offset if offset is None else offset) + intercept
    c = linear_offsets(c0, lam, elite + trend)
    scale = batch + _spread(params.get("sigma_obs"), layout.gaussian_free, layout.scale_fixed, xp)
    nu = batch + _spread(params.get("nu"), layout.t_free, layout.nu_fixed, xp)
    alpha = batch + _spread(params.get("nb_alpha"), layout.nb_free, layout.alpha_fixed, xp)

    parts = _dynamics(params, layout, batch, xp)  # (persistence, q, P0) of each group
    a = xp.diag(xp.concatenate([p[0] for p in parts], axis=-1))
    floor = variance_floor(layout)
    q_diag = xp.concatenate([p[1] for p in parts], axis=-1) + floor
    p0_diag = xp.concatenate([p[2] for p in parts], axis=-1) + floor
    p0 = xp.diag(p0_diag)
    if layout.coupled:
        # the drivers are a stationary VAR(1): their block starts at its stationary covariance;
        # the other states (a level that may move for good, own deviations) keep theirs
        coupling = xp.asarray(params["coupling_matrix"])
        a = a + _pad_drivers(coupling, k, layout.n_states, xp)
        block = xp.lyapunov(a[..., :k, :k], xp.diag(q_diag[..., :k]))
        p0 = p0 + _pad_drivers(block - xp.diag(p0_diag[..., :k]), k, layout.n_states, xp)
    weights = params.get("shock_weight") if layout.shocks != "normal" else None
    return StateSpace(
        c=c,
        c0=c0,
        z=z,
        scale=scale,
        nu=nu,
        alpha=alpha,
        a=a,
        q_diag=q_diag,
        q_time=innovation_variances(q_diag, weights, layout, xp),
        p0=p0,
        lam=lam,
        elite=elite,
        beta=beta,
        trend=trend,
        shock_nu=params.get("shock_nu") if weights is not None else None,
        shock_mask=layout.shock_states,
    )


def cell_scale(scale, t_weight, layout: Layout, xp: Backend = NUMPY):
    """Per-cell noise scale ``(..., T, N)``: ``scale / sqrt(w)`` in the Student-t cells given
    their scale-mixture weights ``t_weight`` ``(..., T, n_t)``, ``scale`` elsewhere.

    With the weights given, a Student-t cell is normal with that scale
    (:func:`causal_model.model.parameters.student_t_weights`); :func:`mixture_families` gives
    the matching family codes.
    """
    cells = xp.asarray(scale)[..., None, :] * np.ones((layout.data.n_years, 1))
    if t_weight is None or layout.t_free.shape[0] == 0:
        return cells
    return cells * (1.0 + (1.0 / xp.sqrt(xp.asarray(t_weight)) - 1.0) @ layout.t_free)


def mixture_families(layout: Layout, t_weight) -> np.ndarray:
    """Family codes with the Student-t indicators normal (given their weights), or the
    panel's codes when there are no weights."""
    family = np.asarray(layout.data.family).copy()
    if t_weight is not None:
        family[layout.data.subset("t")] = CODES["normal"]
    return family


#: sd of the start of a state that moves for good (a random walk has no stationary
#: distribution): the drivers and the tension level start N(0, 1) on their standardised scale.
START_SD = 1.0
#: Added to the innovation and start variance of the indicators' own deviations (standardised
#: scale: an sd of 0.001). Their scale ``idio_sigma`` is sampled folded and its posterior
#: reaches zero; at a variance below about 1e-10 the gradient of the integrated-out states is
#: lost to rounding (1e5 at ``idio_sigma = 1e-7`` where the log-density is flat), and NUTS
#: diverges there. Not on the drivers or the tension residual: there the floor let a
#: simulated panel's fit of the ``stationary`` variant slow 90-fold with 89 divergences (8.9 s
#: and none without it); ``docs/decisions.md``.
VARIANCE_FLOOR = 1e-6


def variance_floor(layout: Layout) -> np.ndarray:
    """:data:`VARIANCE_FLOOR` on the own deviations' states, 0 on the drivers and the
    residual: ``(S,)``."""
    floor = np.zeros(layout.n_states)
    floor[layout.residual + 1 :] = VARIANCE_FLOOR
    return floor


def _dynamics(params: dict[str, Any], layout: Layout, batch, xp: Backend) -> list:
    """``(persistence, innovation variance, start variance)`` of the drivers (``(..., K)``
    each), of the tension residual (``(..., 1)`` each) and of the indicators' AR(1)
    deviations (``(..., M)`` each, stationary with marginal sd ``idio_sigma``), by the
    variant's dynamics."""
    if layout.driver_dynamics == "stationary":  # unit-variance AR(1)s
        rho = xp.asarray(params["rho"])
        drivers = (rho, 1.0 - rho**2, xp.ones_like(rho))
    else:  # random walks
        sigma = batch + xp.asarray(params["driver_sigma"]) * np.ones(layout.n_drivers)
        drivers = (xp.ones_like(sigma), sigma**2, START_SD**2 * xp.ones_like(sigma))
    if layout.tension_dynamics == "stationary":  # AR(1) with marginal sd sigma_u
        rho_u = xp.asarray(params["rho_u"])[..., None]
        sigma_u = xp.asarray(params["sigma_u"])[..., None]
        residual = (rho_u, sigma_u**2 * (1.0 - rho_u**2), sigma_u**2)
    else:  # a level that moves for good (random walk, or AR(1) that may reach rho = 1)
        sigma = xp.asarray(params["level_sigma"])[..., None]
        rho_u = (
            xp.asarray(params["level_rho"])[..., None]
            if layout.tension_dynamics == "persistent"
            else xp.ones_like(sigma)
        )
        residual = (rho_u, sigma**2, START_SD**2 * xp.ones_like(sigma))
    parts = [drivers, residual]
    if layout.idio.size and layout.own_dynamics == "ar1":  # stationary, marginal sd idio_sigma
        rho = xp.asarray(params["idio_rho"])
        var = xp.asarray(params["idio_sigma"]) ** 2
        parts.append((rho, var * (1.0 - rho**2), var))
    elif layout.idio.size:  # random walks, innovation sd idio_sigma
        var = xp.asarray(params["idio_sigma"]) ** 2
        parts.append((xp.ones_like(var), var, START_SD**2 * xp.ones_like(var)))
    return parts


def innovation_variances(q_diag, weights, layout: Layout, xp: Backend = NUMPY):
    """The innovation variances of every year, ``(..., T, S)`` (row 0 unused).

    With Student-t shocks the tension residual's variance of year ``t`` is ``q / w_t``
    (``weights`` ``(..., T - 1)``, ``w ~ Gamma(nu / 2, rate nu / 2)``): a scale mixture of
    normals, so a single year can break away (2014, 2022) without widening every year. The
    states so scaled are ``layout.shock_states`` (also the own deviations' when shared).
    """
    q = xp.asarray(q_diag)[..., None, :] * np.ones((layout.data.n_years, 1))
    if weights is None:
        return q
    w = xp.asarray(weights)
    w = xp.concatenate([xp.ones_like(w[..., :1]), w], axis=-1)  # (..., T)
    return q * (1.0 + (1.0 / w - 1.0)[..., :, None] * layout.shock_states)


def _pad_drivers(coupling, k: int, s: int, xp: Backend):
    """The ``(k, k)`` driver block placed in an ``(S, S)`` matrix (zeros elsewhere)."""
    embed = np.zeros((s, k))
    embed[:k, :k] = np.eye(k)
    return xp.asarray(embed) @ coupling @ embed.T


def posterior_parameters(posterior: xr.Dataset, layout: Layout) -> dict[str, np.ndarray]:
    """The structural parameters of every draw, flattened to ``(chain * draw, ...)``.

    Reads :data:`STRUCTURAL_PARAMETERS` and the elite shape's parameters that the posterior
    (or prior) holds, each with the chain and draw dims first.
    """
    names = [*STRUCTURAL_PARAMETERS, *(layout.elite.parameters if layout.elite else ())]
    out = {}
    for name in names:
        if name not in posterior:
            continue
        da = posterior[name]
        rest = [d for d in da.dims if d not in ("chain", "draw")]
        v = da.transpose("chain", "draw", *rest).values
        out[name] = v.reshape(-1, *v.shape[2:])
    return out
