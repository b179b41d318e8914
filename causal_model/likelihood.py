"""Observation models: the log-likelihood of indicators given the latent states.

Used by the full-latent model (states sampled by NUTS) and, after sampling, for the pointwise
(conditional) log-likelihood of every indicator-year.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from scipy import special, stats

from causal_model.model_data import FAMILY_CODE, ModelData


def observe(md: ModelData, eta, scale, nu, alpha) -> None:
    """Add one observed variable per family (observed cells only) to the current model.

    ``eta`` is the (T, N) linear predictor; ``scale``, ``nu``, ``alpha`` are length-N vectors.
    """
    for fam, code in FAMILY_CODE.items():
        cols = np.flatnonzero(md.family == code)
        if cols.size == 0:
            continue
        tt, ii = np.nonzero(md.mask[:, cols])
        ii = cols[ii]
        if tt.size == 0:
            continue
        mu = eta[tt, ii]
        obs = md.y[tt, ii]
        name = f"obs_{fam}"
        if fam == "normal":
            pm.Normal(name, mu=mu, sigma=scale[ii], observed=obs)
        elif fam == "student_t":
            pm.StudentT(name, nu=nu[ii], mu=mu, sigma=scale[ii], observed=obs)
        elif fam == "poisson":
            pm.Poisson(name, mu=pt.exp(mu), observed=obs.astype(int))
        elif fam == "negative_binomial":
            pm.NegativeBinomial(name, mu=pt.exp(mu), alpha=alpha[ii], observed=obs.astype(int))
        elif fam == "binomial":
            pm.Binomial(name, n=md.trials[tt, ii].astype(int), logit_p=mu, observed=obs.astype(int))


def pointwise_loglik(md: ModelData, eta: np.ndarray, scale, nu, alpha) -> np.ndarray:
    """Numpy log-likelihood of every cell given linear predictors.

    Parameters
    ----------
    eta
        Array (..., T, N) of linear predictors (leading dims: draws).
    scale, nu, alpha
        Arrays (..., N).

    Returns
    -------
    numpy.ndarray
        (..., T, N) log-likelihood, NaN where the cell is not observed.
    """
    out = np.full(eta.shape, np.nan)
    y = md.y
    for j, code in enumerate(md.family):
        m = md.mask[:, j]
        e = eta[..., m, j]
        obs = y[m, j]
        sc = np.asarray(scale)[..., j, None]
        if code == FAMILY_CODE["normal"]:
            ll = stats.norm.logpdf(obs, e, sc)
        elif code == FAMILY_CODE["student_t"]:
            ll = stats.t.logpdf(obs, np.asarray(nu)[..., j, None], e, sc)
        elif code == FAMILY_CODE["poisson"]:
            ll = stats.poisson.logpmf(obs, np.exp(e))
        elif code == FAMILY_CODE["negative_binomial"]:
            a = np.asarray(alpha)[..., j, None]
            mu = np.exp(e)
            ll = stats.nbinom.logpmf(obs, a, a / (a + mu))
        else:
            n = md.trials[m, j]
            ll = (
                special.gammaln(n + 1)
                - special.gammaln(obs + 1)
                - special.gammaln(n - obs + 1)
                + obs * e
                - n * np.logaddexp(0.0, e)
            )
        out[..., m, j] = ll
    return out


def draw_observations(
    family: np.ndarray,
    eta: np.ndarray,
    scale: np.ndarray,
    nu: np.ndarray,
    alpha: np.ndarray,
    trials: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw indicators on the model scale given linear predictors (numpy).

    Parameters
    ----------
    family
        (N,) family codes.
    eta
        (..., T, N) linear predictors.
    scale, nu, alpha
        (..., N) noise sd (gaussian), degrees of freedom (student_t), NB dispersion.
    trials
        (T, N) or (..., T, N) binomial trials (integers; ignored for other families).
    rng
        Random generator.

    Returns
    -------
    numpy.ndarray
        (..., T, N): standardised values for gaussian families, counts for the others.
    """
    out = np.empty(eta.shape)
    scale, nu, alpha = (np.asarray(v, dtype=float) for v in (scale, nu, alpha))
    trials = np.broadcast_to(np.asarray(trials), eta.shape)
    for j, code in enumerate(family):
        e = eta[..., j]
        if code == FAMILY_CODE["normal"]:
            v = e + scale[..., j, None] * rng.normal(size=e.shape)
        elif code == FAMILY_CODE["student_t"]:
            dof = np.broadcast_to(nu[..., j, None], e.shape)
            v = e + scale[..., j, None] * rng.standard_t(dof)
        elif code == FAMILY_CODE["poisson"]:
            v = rng.poisson(np.exp(np.clip(e, -30, 15)))
        elif code == FAMILY_CODE["negative_binomial"]:
            a = np.broadcast_to(alpha[..., j, None], e.shape)
            mu = np.exp(np.clip(e, -30, 15))
            v = rng.negative_binomial(a, a / (a + mu))
        else:
            v = rng.binomial(trials[..., j].astype(int), 1.0 / (1.0 + np.exp(-e)))
        out[..., j] = v
    return out


#: Grid in ``u = log w`` for :func:`normal_gamma_mixture_logpdf` (trapezoid rule; the
#: integrand decays like ``exp((nu + 1) u / 2)`` below and doubly exponentially above).
_LOG_W_GRID = np.linspace(-45.0, 10.0, 4401)


def normal_gamma_mixture_logpdf(
    y: float, mean: float, var: float, scale: float, nu: float
) -> float:
    """``log int N(y; mean, var + scale^2 / w) Gamma(w; nu/2, rate nu/2) dw``.

    The predictive density of a Student-t observation (a scale mixture of normals with weight
    ``w``) whose location is itself normal with variance ``var``; ``var = 0`` gives the
    Student-t density. Trapezoid rule in ``u = log w`` on a fixed fine grid (step 0.0125):
    the integrand is smooth in ``u`` and both tails vanish, so the rule converges fast, also
    for outliers, whose mass sits at small weights.
    """
    a = 0.5 * nu
    u = _LOG_W_GRID
    v = var + scale**2 * np.exp(-u)
    log_gamma = a * np.log(a) - special.gammaln(a) + a * u - a * np.exp(u)  # includes dw/du
    log_terms = log_gamma - 0.5 * np.log(2 * np.pi * v) - 0.5 * (y - mean) ** 2 / v
    return float(special.logsumexp(log_terms) + np.log(u[1] - u[0]))
