"""After sampling: latent paths (drivers, residual, tension) and the pointwise log-likelihood.

With the states integrated out during sampling, each posterior draw's state path is drawn
afterwards from ``p(states | y, params)`` (exact for Gaussian indicators, the Laplace
approximation otherwise). The pointwise log-likelihood of an indicator-year is then the
conditional ``log p(y[t, i] | states_t, params)`` of that draw; unobserved cells are NaN.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from causal_model.dims import DRIVER, INDICATOR, YEAR
from causal_model.likelihood import pointwise_loglik
from causal_model.model_data import DRIVER_ANCHOR_LOADING, DRIVER_ANCHOR_NOISE, ModelData

#: Names of the state-space pieces registered (as Deterministics) for post-processing.
SS_VARS = ("ss_c", "ss_z", "ss_scale", "ss_nu", "ss_alpha", "ss_a", "ss_q", "ss_p0")


def _arr(posterior: xr.Dataset, name: str, dims: tuple[str, ...]) -> np.ndarray:
    return posterior[name].transpose("chain", "draw", *dims).values


def state_space_numpy(md: ModelData, posterior: xr.Dataset) -> dict[str, np.ndarray]:
    """The state-space pieces of every posterior draw, computed in numpy (no compilation).

    Mirrors :mod:`causal_model.model_parts` (a test checks both agree).
    """
    from scipy.linalg import solve_discrete_lyapunov

    from causal_model.dims import (
        DRIVER_TO,
        GAUSSIAN_INDICATOR,
        NB_INDICATOR,
        T_INDICATOR,
        TENSION_INDICATOR,
    )

    nc, nd = posterior.sizes["chain"], posterior.sizes["draw"]
    n, k, nt = len(md.indicators), len(md.drivers), md.n_years
    direction = md.direction.astype(float)
    rho = _arr(posterior, "rho", (DRIVER,))
    beta = _arr(posterior, "beta", (DRIVER,))
    rho_u = posterior["rho_u"].transpose("chain", "draw").values
    sigma_u = posterior["sigma_u"].transpose("chain", "draw").values
    lam = np.zeros((nc, nd, n))
    lam[..., md.anchor] = direction[md.anchor]
    free = md.subset("tension_free")
    if free.size:
        lam[..., free] = direction[free] * _arr(posterior, "tension_loading", (TENSION_INDICATOR,))
    z = np.zeros((nc, nd, n, k + 1))
    didx = md.subset("driver_free")
    if didx.size:
        z[..., didx, md.driver_of[didx]] = direction[didx] * _arr(
            posterior, "loading", ("driver_indicator",)
        )
    aidx = md.subset("driver_anchor")
    z[..., aidx, md.driver_of[aidx]] = direction[aidx] * DRIVER_ANCHOR_LOADING
    tidx = md.subset("tension")
    row = np.concatenate([beta, np.ones((nc, nd, 1))], axis=-1)
    z[..., tidx, :] = lam[..., tidx, None] * row[..., None, :]
    intercept = md.full_intercept(_arr(posterior, "intercept", ("intercept_indicator",)))
    elite = _arr(posterior, "elite", (YEAR,))
    c = (md.offset + intercept)[..., None, :] + lam[..., None, :] * elite[..., :, None]
    scale, nu, alpha = np.ones((nc, nd, n)), np.full((nc, nd, n), 1e6), np.ones((nc, nd, n))
    if md.subset("gaussian").size:
        scale[..., md.subset("gaussian")] = _arr(posterior, "sigma_obs", (GAUSSIAN_INDICATOR,))
    scale[..., md.subset("driver_anchor")] = DRIVER_ANCHOR_NOISE
    if md.subset("t").size:
        nu[..., md.subset("t")] = _arr(posterior, "nu", (T_INDICATOR,))
    if md.subset("nb").size:
        alpha[..., md.subset("nb")] = _arr(posterior, "nb_alpha", (NB_INDICATOR,))
    a = np.zeros((nc, nd, k + 1, k + 1))
    q = np.zeros_like(a)
    p0 = np.zeros_like(a)
    idx = np.arange(k)
    a[..., idx, idx] = rho
    a[..., k, k] = rho_u
    q[..., idx, idx] = 1 - rho**2
    q[..., k, k] = sigma_u**2 * (1 - rho_u**2)
    if "coupling_matrix" in posterior:
        a[..., :k, :k] += _arr(posterior, "coupling_matrix", (DRIVER, DRIVER_TO))
        for ci in range(nc):
            for di in range(nd):
                p = solve_discrete_lyapunov(a[ci, di], q[ci, di])
                p0[ci, di] = 0.5 * (p + p.T)
    else:
        p0[..., idx, idx] = 1.0
        p0[..., k, k] = sigma_u**2
    del nt
    return {
        "ss_c": c,
        "ss_z": z,
        "ss_scale": scale,
        "ss_nu": nu,
        "ss_alpha": alpha,
        "ss_a": a,
        "ss_q": q,
        "ss_p0": p0,
    }


def t_weights(posterior: xr.Dataset) -> np.ndarray | None:
    """The sampled Student-t scale-mixture weights (chain, draw, year, t_indicator), or None."""
    from causal_model.dims import T_INDICATOR

    if "t_weight" not in posterior:
        return None
    return posterior["t_weight"].transpose("chain", "draw", YEAR, T_INDICATOR).values


def normal_given_weights(
    md: ModelData, scale: np.ndarray, t_weight: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Family codes and per-cell noise scale with the Student-t cells normal given weights.

    NumPy twin of :func:`causal_model.model_parts.student_t_mixture`. ``scale`` is
    ``(..., N)`` per indicator, ``t_weight`` ``(..., T, t_indicator)`` with the same leading
    dims (or None: the families and scales are returned unchanged, broadcast over years).

    Returns
    -------
    tuple of numpy.ndarray
        ``(family (N,), cell_scale (..., T, N))``.
    """
    from causal_model.model_data import FAMILY_CODE

    family = np.asarray(md.family).copy()
    cell = scale[..., None, :] * np.ones((md.n_years, 1))
    if t_weight is not None:
        tidx = md.subset("t")
        family[tidx] = FAMILY_CODE["normal"]
        cell[..., tidx] /= np.sqrt(t_weight)
    return family, cell


def draw_states(
    md: ModelData,
    ss: dict[str, np.ndarray],
    rng: np.random.Generator,
    t_weight: np.ndarray | None = None,
) -> np.ndarray:
    """One state path per posterior draw: array (chain, draw, year, state).

    ``t_weight`` (chain, draw, year, t_indicator): the sampled scale-mixture weights of the
    student_t indicators (see :func:`causal_model.model_parts.student_t_mixture`); given
    them those cells are normal and the draws are exact. Without them the student_t cells
    use the Laplace approximation.
    """
    from causal_model.statespace_numpy import sample_states

    nc, nd = ss["ss_c"].shape[:2]
    family, scale = normal_given_weights(md, ss["ss_scale"], t_weight)
    out = np.empty((nc, nd, md.n_years, ss["ss_a"].shape[-1]))
    for ci in range(nc):
        for di in range(nd):
            out[ci, di] = sample_states(
                md.y,
                md.mask,
                md.trials,
                family,
                ss["ss_c"][ci, di],
                ss["ss_z"][ci, di],
                scale[ci, di],
                ss["ss_nu"][ci, di],
                ss["ss_alpha"][ci, di],
                ss["ss_a"][ci, di],
                ss["ss_q"][ci, di],
                ss["ss_p0"][ci, di],
                draws=1,
                rng=rng,
            )[0]
    return out


def latent_paths(
    md: ModelData, states: np.ndarray, beta: np.ndarray, elite: np.ndarray, coords: dict
) -> xr.Dataset:
    """Drivers, residual and tension paths as a Dataset (chain, draw, year[, driver])."""
    k = len(md.drivers)
    drivers = states[..., :k]
    residual = states[..., k]
    tension = np.einsum("cdtk,cdk->cdt", drivers, beta) + elite + residual
    base = {"chain": coords["chain"], "draw": coords["draw"], YEAR: md.years}
    return xr.Dataset(
        {
            "drivers": (("chain", "draw", YEAR, DRIVER), drivers),
            "residual": (("chain", "draw", YEAR), residual),
            "tension": (("chain", "draw", YEAR), tension),
        },
        coords={**base, DRIVER: list(md.drivers)},
    )


def pointwise_log_likelihood(
    md: ModelData, states: np.ndarray, ss: dict[str, np.ndarray], coords: dict
) -> xr.Dataset:
    """Conditional log-likelihood per indicator (one variable each, dims chain, draw, year)."""
    eta = ss["ss_c"] + np.einsum("cdts,cdis->cdti", states, ss["ss_z"])
    ll = pointwise_loglik(md, eta, ss["ss_scale"], ss["ss_nu"], ss["ss_alpha"])
    return xr.Dataset(
        {key: (("chain", "draw", YEAR), ll[..., j]) for j, key in enumerate(md.indicators)},
        coords={"chain": coords["chain"], "draw": coords["draw"], YEAR: md.years},
        attrs={
            "note": "conditional log p(y[year, indicator] | states, params); NaN where unobserved",
        },
    )


def observed_data(md: ModelData) -> xr.Dataset:
    """The modelled data (standardised gaussian values, counts), NaN where missing."""
    y = np.where(md.mask, md.y, np.nan)
    return xr.Dataset(
        {key: ((YEAR,), y[:, j]) for j, key in enumerate(md.indicators)},
        coords={YEAR: md.years},
    )


def constant_data(md: ModelData) -> xr.Dataset:
    """Standardisation constants and trials, per indicator."""
    return xr.Dataset(
        {
            "center": ((INDICATOR,), md.center),
            "scale": ((INDICATOR,), md.scale),
            "offset": ((INDICATOR,), md.offset),
            "trials": ((YEAR, INDICATOR), np.where(md.mask, md.trials, np.nan)),
        },
        coords={YEAR: md.years, INDICATOR: list(md.indicators)},
    )


__all__ = [
    "SS_VARS",
    "constant_data",
    "draw_states",
    "normal_given_weights",
    "latent_paths",
    "observed_data",
    "pointwise_log_likelihood",
    "state_space_numpy",
    "t_weights",
]
