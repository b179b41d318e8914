"""NumPy side of the state-space model: data checks, Laplace mode, state draws, Kalman filter.

These functions take parameter *values* (not tensors), e.g. one posterior draw of
:func:`causal_model.model.structure.state_space` evaluated with NumPy. They are used after
sampling (the states' mode and Gaussian draws of every posterior draw) and as references in
the tests. Shapes: ``T`` years, ``N`` indicators, ``S`` states.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
from numpy.typing import ArrayLike

from causal_model.families import CODES, COUNT_FAMILIES, codes_of
from causal_model.model.statespace.band import band_back_substitute, prior_blocks
from causal_model.model.statespace.family_cells import BINOMIAL, NORMAL
from causal_model.model.statespace.kernels import laplace_kernel

_COUNT_CODES = [CODES[f] for f in COUNT_FAMILIES]

__all__ = [
    "innovations",
    "LaplaceResult",
    "kalman_loglike_numpy",
    "laplace_mode_and_precision_numpy",
    "prepare_data",
    "sample_from_laplace",
    "sample_states",
    "stationary_cov",
]


def prepare_data(
    y: ArrayLike, mask: ArrayLike | None, trials: ArrayLike | None, family: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Check the observations and return float arrays safe to put in a graph.

    Parameters
    ----------
    y
        Observations, shape ``(T, N)``; unobserved cells may hold anything (NaN included).
    mask
        True where observed, shape ``(T, N)``; None means every finite ``y`` is observed.
    trials
        Binomial numbers of trials, shape ``(T, N)`` (only binomial columns are read); None
        when there is no binomial indicator.
    family
        Family code or name per indicator, shape ``(N,)``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(y, m, trials, family)``: ``y`` with unobserved cells set to 0, ``m`` the mask as
        0/1 floats, ``trials`` with 1 outside observed binomial cells, integer codes.
    """
    fam = codes_of(family)
    if fam.ndim != 1:
        raise ValueError(f"family must be a 1-d array of codes or names, got {family!r}")
    y = np.asarray(y, dtype=float)
    if y.ndim != 2 or y.shape[1] != fam.size:
        raise ValueError(f"y must have shape (T, {fam.size}), got {y.shape}")
    obs = np.isfinite(y) if mask is None else np.asarray(mask, dtype=bool)
    if obs.shape != y.shape:
        raise ValueError(f"mask must have the shape of y {y.shape}, got {obs.shape}")
    if np.any(obs & ~np.isfinite(y)):
        raise ValueError("observed cells of y must be finite")
    ys = np.where(obs, y, 0.0)
    is_bin = np.broadcast_to(fam == BINOMIAL, y.shape) & obs
    if np.any(is_bin):
        if trials is None:
            raise ValueError("trials are required for binomial indicators")
        tr = np.broadcast_to(np.asarray(trials, dtype=float), y.shape)
        if np.any(~(tr[is_bin] >= 1)) or np.any(tr[is_bin] != np.round(tr[is_bin])):
            raise ValueError("binomial trials must be positive integers in observed cells")
        ntr = np.where(is_bin, tr, 1.0)
    else:
        ntr = np.ones_like(ys)
    counts = np.broadcast_to(np.isin(fam, _COUNT_CODES), y.shape) & obs
    if np.any(ys[counts] < 0) or np.any(ys[counts] != np.round(ys[counts])):
        raise ValueError("count and binomial observations must be non-negative integers")
    if np.any(ys[is_bin] > ntr[is_bin]):
        raise ValueError("binomial successes exceed the number of trials")
    return ys, obs.astype(float), ntr, fam


def _params(
    n: int, c: ArrayLike, z: ArrayLike, scale, nu, alpha, a, q, p0, nt: int
) -> tuple[np.ndarray, ...]:
    def vec(v):
        return np.ascontiguousarray(
            np.broadcast_to(np.asarray(1.0 if v is None else v, dtype=float), (n,))
        )

    def scale_of(v):  # per indicator (N,) or per cell (T, N)
        v = np.asarray(1.0 if v is None else v, dtype=float)
        return np.ascontiguousarray(v if v.ndim == 2 else np.broadcast_to(v, (n,)))

    def mat(v):
        return np.ascontiguousarray(np.atleast_2d(np.asarray(v, dtype=float)))

    return (
        mat(c),
        mat(z),
        scale_of(scale),
        vec(nu),
        vec(alpha),
        mat(a),
        innovations(q, nt),
        mat(p0),
    )


def innovations(q: ArrayLike, nt: int) -> np.ndarray:
    """The diagonal innovation variances ``(T, S)`` from ``(S,)`` (constant) or ``(T, S)``."""
    q = np.asarray(q, dtype=float)
    if q.ndim == 1:
        q = np.broadcast_to(q, (nt, q.size))
    if q.ndim != 2 or q.shape[0] != nt:
        raise ValueError(f"q must be the diagonal of Q, shape (S,) or (T={nt}, S); got {q.shape}")
    return np.ascontiguousarray(q)


@dataclass(frozen=True)
class LaplaceResult:
    """Gaussian (Laplace) approximation of ``p(x | y, params)``; exact when all is Gaussian.

    Attributes
    ----------
    mode
        Posterior mode of the states, ``(T, S)``.
    cov_diag, cov_sub
        ``Cov(x_t)`` ``(T, S, S)`` and ``Cov(x_{t+1}, x_t)`` ``(T-1, S, S)`` under the
        approximation (the Fisher-information precision at the mode).
    chol_diag, chol_sub
        Block Cholesky factor of the precision: diagonal blocks ``L_t`` and sub-diagonal blocks
        ``C_t`` (``C_0`` is unused), ``(T, S, S)`` each.
    logdet_precision
        ``log det`` of the posterior precision.
    loglike
        Laplace approximation of ``log p(y | params)``.
    n_iter, step_norm, grad_norm
        Newton iterations used, max-abs size of the last step, max-abs gradient at the mode.
    """

    mode: np.ndarray
    cov_diag: np.ndarray
    cov_sub: np.ndarray
    chol_diag: np.ndarray
    chol_sub: np.ndarray
    logdet_precision: float
    loglike: float
    n_iter: int
    step_norm: float
    grad_norm: float


def laplace_mode_and_precision_numpy(
    y: ArrayLike,
    mask: ArrayLike | None,
    trials: ArrayLike | None,
    family: ArrayLike,
    c: ArrayLike,
    Z: ArrayLike,  # noqa: N803
    scale: ArrayLike | None,
    nu: ArrayLike | None,
    alpha: ArrayLike | None,
    A: ArrayLike,  # noqa: N803
    q: ArrayLike,
    P0: ArrayLike,  # noqa: N803
    n_newton: int = 50,
    tol: float = 1e-10,
) -> LaplaceResult:
    """Posterior mode and Gaussian approximation of the states for given parameter values.

    Parameters are those of :func:`causal_model.statespace.laplace_marginal_loglike`, as NumPy
    values (``scale``, ``nu``, ``alpha`` may be None where unused). ``n_newton`` caps the damped
    Newton iterations, which stop once the largest gradient or step component is below ``tol``.

    Returns
    -------
    LaplaceResult
    """
    ys, m, ntr, fam = prepare_data(y, mask, trials, family)
    c, z, sc, nu_, al, a, q, p0 = _params(fam.size, c, Z, scale, nu, alpha, A, q, P0, ys.shape[0])
    c = np.ascontiguousarray(np.broadcast_to(c, ys.shape))
    sc = np.ascontiguousarray(np.broadcast_to(sc, ys.shape))
    out = laplace_kernel(ys, m, ntr, c, z, fam, sc, nu_, al, a, q, p0, int(n_newton), float(tol))
    x, sd, so, logdet, _u, low, sub, value, n_iter, step_norm, grad_norm = out
    return LaplaceResult(
        x,
        sd,
        so,
        low,
        sub,
        float(logdet),
        float(value),
        int(n_iter),
        float(step_norm),
        float(grad_norm),
    )


def sample_from_laplace(result: LaplaceResult, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Draw state paths ``x = mode + L^{-T} e``, ``e ~ N(0, I)``: shape ``(draws, T, S)``."""
    nt, s = result.mode.shape
    e = rng.standard_normal((nt, s, draws))
    v = band_back_substitute(result.chol_diag, result.chol_sub, e)
    return result.mode[None] + np.moveaxis(v, 2, 0)


def sample_states(
    y: ArrayLike,
    mask: ArrayLike | None,
    trials: ArrayLike | None,
    family: ArrayLike,
    c: ArrayLike,
    Z: ArrayLike,  # noqa: N803
    scale: ArrayLike | None,
    nu: ArrayLike | None,
    alpha: ArrayLike | None,
    A: ArrayLike,  # noqa: N803
    q: ArrayLike,
    P0: ArrayLike,  # noqa: N803
    draws: int,
    rng: np.random.Generator,
    n_newton: int = 50,
) -> np.ndarray:
    """Draw latent state paths from the Laplace approximation of ``p(x | y, params)``.

    Exact posterior draws when every indicator is normal. Call once per posterior draw of the
    parameters (a few draws each) to propagate parameter uncertainty.

    Returns
    -------
    numpy.ndarray
        Shape ``(draws, T, S)``.
    """
    res = laplace_mode_and_precision_numpy(
        y, mask, trials, family, c, Z, scale, nu, alpha, A, q, P0, n_newton=n_newton
    )
    return sample_from_laplace(res, draws, rng)


def stationary_cov(A: ArrayLike, q: ArrayLike) -> np.ndarray:  # noqa: N803
    """Stationary covariance ``P0 = A P0 A' + diag(q)`` (discrete Lyapunov equation)."""
    return sla.solve_discrete_lyapunov(np.atleast_2d(A), np.diag(np.asarray(q, dtype=float)))


def kalman_loglike_numpy(
    y: ArrayLike,
    mask: ArrayLike | None,
    c: ArrayLike,
    Z: ArrayLike,  # noqa: N803
    scale: ArrayLike,
    A: ArrayLike,  # noqa: N803
    q: ArrayLike,
    P0: ArrayLike,  # noqa: N803
) -> float:
    """Exact log-likelihood of the all-normal model by the Kalman filter (reference).

    ``y[t] = c[t] + Z x_t + e_t``, ``e_t ~ N(0, diag(scale**2))`` on the observed cells;
    ``x_0 ~ N(0, P0)``, ``x_t = A x_{t-1} + N(0, diag(q[t]))`` (``q`` ``(S,)`` or ``(T, S)``).
    Unobserved cells are skipped.
    """
    n = np.asarray(Z).shape[0]
    ys, m, _, _ = prepare_data(y, mask, None, np.full(n, NORMAL))
    c, z, sc, _, _, a, q, p0 = _params(n, c, Z, scale, None, None, A, q, P0, ys.shape[0])
    c, sc = np.broadcast_to(c, ys.shape), np.broadcast_to(sc, ys.shape)
    mean, cov = np.zeros(z.shape[1]), p0.copy()
    total = 0.0
    for t in range(ys.shape[0]):
        if t > 0:
            mean, cov = a @ mean, a @ cov @ a.T + np.diag(q[t])
        o = m[t] > 0
        if not o.any():
            continue
        zo = z[o]
        f = zo @ cov @ zo.T + np.diag(sc[t, o] ** 2)
        v = ys[t, o] - c[t, o] - zo @ mean
        cf = sla.cho_factor(f, lower=True)
        total -= 0.5 * (
            o.sum() * math.log(2 * math.pi)
            + 2 * np.log(np.diag(cf[0])).sum()
            + v @ sla.cho_solve(cf, v)
        )
        gain = sla.cho_solve(cf, zo @ cov).T
        mean = mean + gain @ v
        cov = cov - gain @ zo @ cov
        cov = 0.5 * (cov + cov.T)
    return float(total)


def prior_precision_dense(A: ArrayLike, q: ArrayLike, P0: ArrayLike, nt: int) -> np.ndarray:  # noqa: N803
    """Dense ``(T S, T S)`` prior precision of the stacked states (for checks)."""
    a, p0 = (np.atleast_2d(np.asarray(v, dtype=float)) for v in (A, P0))
    od, b, _, _ = prior_blocks(
        np.ascontiguousarray(a), innovations(q, nt), np.ascontiguousarray(p0), nt
    )
    s = a.shape[0]
    om = np.zeros((nt * s, nt * s))
    for t in range(nt):
        om[t * s : (t + 1) * s, t * s : (t + 1) * s] = od[t]
        if t > 0:
            om[t * s : (t + 1) * s, (t - 1) * s : t * s] = b[t]
            om[(t - 1) * s : t * s, t * s : (t + 1) * s] = b[t].T
    return om
