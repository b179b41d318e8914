"""The Laplace step of the state-space model: posterior mode of the states and its gradient.

Cell ``(t, i)`` has the linear predictor ``eta = c[t, i] + Z[i] @ x_t`` and a likelihood of
family ``family[i]`` (a code of :data:`causal_model.families.CODES`; the per-cell terms are in
:mod:`~causal_model.model.statespace.family_cells`). The posterior precision of the states,
``H = Omega + sum_cells w z z'``, is block tridiagonal (:mod:`~causal_model.model.statespace.band`),
so a Newton step costs ``O(T S^3 + T N S^2)``. The same kernel runs inside the PyTensor Op of
:mod:`causal_model.model.statespace.laplace_op` and in the NumPy functions of
:mod:`causal_model.model.statespace.laplace_numpy`.
"""

from __future__ import annotations

import numba
import numpy as np

from causal_model.model.statespace.band import (
    _precision_diag,
    band_cholesky,
    band_selected_inverse,
    band_solve,
    nonzero_index,
    prior_blocks,
)
from causal_model.model.statespace.family_cells import (
    NORMAL,
    STUDENT_T,
    cell_const,
    cell_terms,
    working_response,
)

_njit = numba.njit(cache=True, fastmath=False, nogil=True)


@_njit
def _evaluate(x, y, m, ntr, c, z, fam, scale, nu, alpha, od, b, terms, g, nbr, nnbr):
    """Log joint at ``x`` without constants; fills ``terms`` (score, wo, wf, dwf) and ``g``.
    ``nbr[t, k, :nnbr[t, k]]``: the states ``j`` that Omega couples with ``(t, k)``
    (:func:`_couplings`)."""
    nt, ni = y.shape
    s = z.shape[1]
    total = 0.0
    for t in range(nt):
        for k in range(s):  # g_t = -(Omega x)_t
            v = 0.0
            for p in range(nnbr[t, k]):
                j = nbr[t, k, p]
                v -= od[t, k, j] * x[t, j]
                if t > 0:
                    v -= b[t, k, j] * x[t - 1, j]
                if t < nt - 1:
                    v -= b[t + 1, j, k] * x[t + 1, j]
            g[t, k] = v
            total += 0.5 * v * x[t, k]
        for i in range(ni):
            if m[t, i] == 0.0:
                for k in range(4):
                    terms[k, t, i] = 0.0
                continue
            eta = c[t, i]
            for k in range(s):
                eta += z[i, k] * x[t, k]
            ll, sc, wo, wf, dwf = cell_terms(
                fam[i], y[t, i], ntr[t, i], eta, scale[t, i], nu[i], alpha[i]
            )
            total += ll
            terms[0, t, i], terms[1, t, i], terms[2, t, i], terms[3, t, i] = sc, wo, wf, dwf
            for k in range(s):
                g[t, k] += sc * z[i, k]
    return total


@_njit
def _couplings(od, b):
    """Per ``(t, k)``, the states ``j`` with a non-zero ``od[t, k, j]``, ``b[t, k, j]`` or
    ``b[t + 1, j, k]``, in increasing order: ``(nbr (T, S, S), nnbr (T, S))``. The prior part
    of :func:`_evaluate` sums over them only (the other terms are exact zeros: same bits)."""
    nt, s = od.shape[0], od.shape[1]
    nbr = np.zeros((nt, s, s), dtype=np.int64)
    nnbr = np.zeros((nt, s), dtype=np.int64)
    for t in range(nt):
        for k in range(s):
            for j in range(s):
                hit = od[t, k, j] != 0.0
                if t > 0:
                    hit = hit or b[t, k, j] != 0.0
                if t < nt - 1:
                    hit = hit or b[t + 1, j, k] != 0.0
                if hit:
                    nbr[t, k, nnbr[t, k]] = j
                    nnbr[t, k] += 1
    return nbr, nnbr


@_njit
def observation_gradient(x, y, m, ntr, c, z, fam, scale, nu, alpha, sd, u):
    """The observation part of the Laplace log-likelihood and its exact gradient.

    With ``F = J(x*) - log det P0 / 2 - (T - 1) log det Q / 2 - log det H(x*) / 2`` at the
    mode ``x*``, the parameters ``c``, ``Z`` and ``scale`` enter only the cells. By the
    implicit-function theorem (``g = dJ/dx = 0`` at ``x*``, ``u`` the adjoint of
    :func:`laplace_kernel`), per observed cell with score ``s``, observed and Fisher
    information ``wo``, ``wf``, ``dwf = dwf/deta`` and ``v = z_i' Cov(x_t) z_i``::

        dF/dc[t, i]  = s - dwf v / 2 - wo (z_i . u_t)
        dF/dZ[i]     = sum_t dF/dc[t, i] x_t + s u_t - wf Cov(x_t) z_i
        dF/dsc[t, i] = (r^2 - 1) / sc + v / sc^3 - 2 r (z_i . u_t) / sc^2   (normal cells)

    Returns
    -------
    tuple
        ``(sum of the cells' log-likelihoods at x*, dF/dc (T, N), dF/dZ (N, S),
        dF/dscale (T, N))``. Student_t ``nu`` and negative-binomial ``alpha`` derivatives are
        not covered (callers check the families: ``LaplaceModeOp.fused``).
    """
    nt, ni = y.shape
    s = z.shape[1]
    gc, gsc = np.zeros((nt, ni)), np.zeros((nt, ni))
    gz = np.zeros((ni, s))
    total = 0.0
    sz = np.empty(s)
    for t in range(nt):
        for i in range(ni):
            if m[t, i] == 0.0:
                continue
            f = fam[i]
            eta = c[t, i]
            zu = 0.0
            for k in range(s):
                eta += z[i, k] * x[t, k]
                zu += z[i, k] * u[t, k]
            v = 0.0
            for j in range(s):
                a = 0.0
                for k in range(s):
                    a += sd[t, j, k] * z[i, k]
                sz[j] = a
                v += z[i, j] * a
            ll, sc_, wo, wf, dwf = cell_terms(
                f, y[t, i], ntr[t, i], eta, scale[t, i], nu[i], alpha[i]
            )
            total += ll + cell_const(f, y[t, i], ntr[t, i], scale[t, i], nu[i], alpha[i])
            d = sc_ - 0.5 * dwf * v - wo * zu
            gc[t, i] = d
            for k in range(s):
                gz[i, k] += d * x[t, k] + sc_ * u[t, k] - wf * sz[k]
            if f == NORMAL:
                sig = scale[t, i]
                r = (y[t, i] - eta) / sig
                gsc[t, i] = (r * r - 1.0) / sig + v / sig**3 - 2.0 * r * zu / sig**2
    return total, gc, gz, gsc


@_njit
def _start(y, m, ntr, c, z, fam, scale, nu, alpha, og, mo, b, dd, low, sub, idx, cnt):
    """Mode of the prior times the cells' working-response quadratics (one band solve):
    exact for normal cells, and close to the mode for the others, so Newton starts near it.
    ``og``: the prior's diagonal blocks with the normal cells' (constant) information added;
    ``mo``: the mask of the other observed cells."""
    nt, ni = y.shape
    s = z.shape[1]
    w = np.zeros((nt, ni))
    rhs = np.zeros((nt, s))
    for t in range(nt):
        for i in range(ni):
            if m[t, i] == 0.0:
                continue
            eta0, w0 = working_response(fam[i], y[t, i], ntr[t, i], scale[t, i], nu[i], alpha[i])
            w[t, i] = w0
            r = w0 * (eta0 - c[t, i])
            for p in range(cnt[i]):
                k = idx[i, p]
                rhs[t, k] += r * z[i, k]
    _, ok = band_cholesky(_precision_diag(og, z, mo, w, dd, idx, cnt), b, low, sub, False)
    if not ok:
        return np.zeros((nt, s))
    return band_solve(low, sub, rhs)


@_njit
def laplace_kernel(y, m, ntr, c, z, fam, scale, nu, alpha, a, q, p0, max_iter, tol):
    """Posterior mode of the states by damped Newton, and everything the Laplace step needs.

    Newton uses the observed information, except for student_t cells (Fisher information,
    since the observed one can be negative), with step halving until the log joint does not
    decrease. It stops when the largest gradient or step component is below ``tol``. The
    Laplace log-determinant uses Fisher information for student_t and negative_binomial cells
    (observed = expected for the other families).

    ``scale`` is per cell ``(T, N)`` (a per-indicator scale broadcast over years, or a
    scale-mixture scale ``sigma / sqrt(w[t])``); ``nu`` and ``alpha`` are per indicator; ``q``
    is ``(T, S)``, the diagonal of the innovation covariance ``Q_t`` (row 0 unused).

    Returns
    -------
    tuple
        ``(mode (T,S), cov_diag (T,S,S), cov_sub (T-1,S,S), logdet_h, u (T,S), chol_diag,
        chol_sub, laplace_loglike, n_iter, step_norm, grad_norm)`` where ``u`` solves
        ``H_obs u = grad_x(-logdet(H_fisher) / 2)`` (the implicit-function adjoint; with the
        mode and ``cov_diag`` it is what :func:`observation_gradient` needs).
    """
    nt, ni = y.shape
    s = z.shape[1]
    od, b, ld_q, ld_p0 = prior_blocks(a, q, p0, nt)
    idx, cnt = nonzero_index(z)  # the loops over Z skip its structural zeros
    x = np.zeros((nt, s))
    terms, terms_n = np.zeros((4, nt, ni)), np.zeros((4, nt, ni))
    g, g_n = np.zeros((nt, s)), np.zeros((nt, s))
    dd, low, sub = np.empty((nt, s, s)), np.zeros((nt, s, s)), np.zeros((nt, s, s))
    tfam = np.zeros(ni)
    for i in range(ni):
        tfam[i] = 1.0 if fam[i] == STUDENT_T else 0.0
    # Normal cells have a constant information 1 / scale^2: add it to the prior blocks once
    # (og); each Newton step then adds only the other cells (mask mo).
    mg, wn = np.zeros((nt, ni)), np.zeros((nt, ni))
    for t in range(nt):
        for i in range(ni):
            if fam[i] == NORMAL and m[t, i] != 0.0:
                mg[t, i] = m[t, i]
                wn[t, i] = 1.0 / (scale[t, i] * scale[t, i])
    mo = m - mg
    og = _precision_diag(od, z, mg, wn, np.empty((nt, s, s)), idx, cnt)
    # Newton starts at the working-response mode (docs/decisions.md; the log joint is concave
    # in x for every family but student_t, so the start does not change the mode).
    x = _start(y, m, ntr, c, z, fam, scale, nu, alpha, og, mo, b, dd, low, sub, idx, cnt)
    nbr, nnbr = _couplings(od, b)
    jx = _evaluate(x, y, m, ntr, c, z, fam, scale, nu, alpha, od, b, terms, g, nbr, nnbr)
    n_iter, step_norm = 0, np.inf
    for it in range(max_iter):
        if np.max(np.abs(g)) < tol:
            break
        pd = _precision_diag(og, z, mo, terms[1], dd, idx, cnt)
        _, ok = band_cholesky(pd, b, low, sub, False)
        if not ok:  # observed information not positive definite (student_t outliers)
            _precision_diag(og, z, mo, terms[1] + tfam * (terms[2] - terms[1]), dd, idx, cnt)
            _, ok = band_cholesky(dd, b, low, sub, False)
        if not ok:
            pd = _precision_diag(og, z, mo, terms[2], dd, idx, cnt)
            band_cholesky(pd, b, low, sub, False)
        delta = band_solve(low, sub, g)
        step = 1.0
        for _ in range(40):
            xn = x + step * delta
            jn = _evaluate(
                xn, y, m, ntr, c, z, fam, scale, nu, alpha, od, b, terms_n, g_n, nbr, nnbr
            )
            if jn >= jx - 1e-12 * (1.0 + abs(jx)):
                break
            step *= 0.5
        x, jx = xn, jn
        terms, terms_n, g, g_n = terms_n, terms, g_n, g
        n_iter, step_norm = it + 1, step * np.max(np.abs(delta))
        if step_norm < tol:
            break
    pd = _precision_diag(og, z, mo, terms[2], dd, idx, cnt)
    logdet, ok = band_cholesky(pd, b, low, sub, True)
    sd, so = band_selected_inverse(low, sub)
    dvec = np.zeros((nt, s))  # d/dx of -logdet(H_fisher)/2
    const = 0.0
    for t in range(nt):
        for i in range(ni):
            if m[t, i] == 0.0:
                continue
            const += cell_const(fam[i], y[t, i], ntr[t, i], scale[t, i], nu[i], alpha[i])
            if terms[3, t, i] != 0.0:
                v = 0.0
                for p in range(cnt[i]):
                    j = idx[i, p]
                    for r in range(cnt[i]):
                        k = idx[i, r]
                        v += z[i, j] * sd[t, j, k] * z[i, k]
                for p in range(cnt[i]):
                    k = idx[i, p]
                    dvec[t, k] -= 0.5 * terms[3, t, i] * v * z[i, k]
    u = band_solve(low, sub, dvec)
    if np.any(m * (terms[1] - terms[2]) != 0.0):  # student_t / negative_binomial cells
        lo, so_ = np.zeros((nt, s, s)), np.zeros((nt, s, s))
        pd = _precision_diag(og, z, mo, terms[1], dd, idx, cnt)
        _, ok_obs = band_cholesky(pd, b, lo, so_, False)
        if ok_obs:
            u = band_solve(lo, so_, dvec)
    value = jx + const - 0.5 * ld_p0 - 0.5 * ld_q - 0.5 * logdet
    grad_norm = np.max(np.abs(g))
    return x, sd, so, logdet, u, low, sub, value, n_iter, step_norm, grad_norm
