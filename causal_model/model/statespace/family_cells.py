"""The compiled part of each observation family: a cell's log-likelihood terms.

The one family table is :mod:`causal_model.families`; these functions are its per-cell
Laplace terms, compiled with numba (they cannot call Python objects), selected by the
table's codes. Adding a family adds a branch to each of them.
"""

from __future__ import annotations

import math

import numba

from causal_model.families import CODES

NORMAL = CODES["normal"]
STUDENT_T = CODES["student_t"]
POISSON = CODES["poisson"]
NEG_BINOMIAL = CODES["negative_binomial"]
BINOMIAL = CODES["binomial"]
_LOG2PI = math.log(2.0 * math.pi)

_njit = numba.njit(cache=True, fastmath=False, nogil=True)


@_njit
def cell_const(f, y, n, sc, nu, al):
    """Part of a cell's log-likelihood that does not depend on ``eta``."""
    if f == NORMAL:
        return -0.5 * _LOG2PI - math.log(sc)
    if f == STUDENT_T:
        return (
            math.lgamma(0.5 * (nu + 1.0))
            - math.lgamma(0.5 * nu)
            - 0.5 * math.log(nu * math.pi)
            - math.log(sc)
        )
    if f == POISSON:
        return -math.lgamma(y + 1.0)
    if f == NEG_BINOMIAL:
        return math.lgamma(y + al) - math.lgamma(al) - math.lgamma(y + 1.0) + al * math.log(al)
    return math.lgamma(n + 1.0) - math.lgamma(y + 1.0) - math.lgamma(n - y + 1.0)


@_njit
def cell_terms(f, y, n, eta, sc, nu, al):
    """Return ``(loglik - const, score, w_observed, w_fisher, dw_fisher/deta)`` of one cell.

    ``score`` is d loglik / d eta, ``w_observed`` = -d2 loglik / d eta2 and ``w_fisher`` the
    expected information; ``const`` is :func:`cell_const`. Uses ``sc`` (normal, student_t
    scale), ``nu`` (student_t dof), ``al`` (negative-binomial dispersion, var = mu + mu^2/al)
    and ``n`` (binomial trials).
    """
    if f == NORMAL:
        r = (y - eta) / sc
        w = 1.0 / (sc * sc)
        return -0.5 * r * r, r / sc, w, w, 0.0
    if f == STUDENT_T:
        r = (y - eta) / sc
        q = nu + r * r
        wo = (nu + 1.0) * (nu - r * r) / (sc * sc * q * q)
        wf = (nu + 1.0) / ((nu + 3.0) * sc * sc)
        return -0.5 * (nu + 1.0) * math.log1p(r * r / nu), (nu + 1.0) * r / (sc * q), wo, wf, 0.0
    if f == POISSON:
        mu = math.exp(eta)
        return y * eta - mu, y - mu, mu, mu, mu
    if f == NEG_BINOMIAL:
        la = math.log(al)
        lam = max(la, eta) + math.log1p(math.exp(-abs(la - eta)))  # log(al + mu)
        ratio = math.exp(eta - lam)  # mu / (al + mu)
        q = math.exp(la - lam)  # al / (al + mu)
        wo = (y + al) * ratio * q
        return y * eta - (y + al) * lam, y - (y + al) * ratio, wo, al * ratio, al * ratio * q
    # binomial, logit link
    e = math.exp(-abs(eta))
    p = 1.0 / (1.0 + e) if eta >= 0 else e / (1.0 + e)
    w = n * p * (1.0 - p)
    return y * eta - n * (max(eta, 0.0) + math.log1p(e)), y - n * p, w, w, w * (1.0 - 2.0 * p)


@_njit
def working_response(f, y, n, sc, nu, al):
    """``(eta0, w0)``: a cell's working response and weight for the Newton start.

    The quadratic ``-w0 (eta - eta0)^2 / 2`` is the cell's log-likelihood for normal cells and,
    for the others, its second-order expansion at the saturated ``eta0`` (``y`` shifted by 0.5
    off the boundary), the usual GLM start: ``log(y + 0.5)`` for counts,
    ``logit((y + 0.5) / (n + 1))`` for binomial cells.
    """
    if f == NORMAL:
        return y, 1.0 / (sc * sc)
    if f == STUDENT_T:
        return y, (nu + 1.0) / ((nu + 3.0) * sc * sc)
    if f == POISSON:
        return math.log(y + 0.5), y + 0.5
    if f == NEG_BINOMIAL:
        mu = y + 0.5
        return math.log(mu), al * mu / (al + mu)
    p = (y + 0.5) / (n + 1.0)
    return math.log(p / (1.0 - p)), n * p * (1.0 - p)
