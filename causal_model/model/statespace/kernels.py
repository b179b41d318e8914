"""Numerical kernels of the state-space model: Laplace mode, block-tridiagonal algebra.

The latent path ``x = (x_0, ..., x_{T-1})``, ``x_t in R^S``, has the Gaussian prior
``x_0 ~ N(0, P0)``, ``x_t = A x_{t-1} + eps_t``, ``eps_t ~ N(0, Q)``, whose precision ``Omega``
is block tridiagonal. Cell ``(t, i)`` has the linear predictor ``eta = c[t, i] + Z[i] @ x_t``
and a likelihood of family ``family[i]`` (a code of :data:`causal_model.families.CODES`). The
posterior precision at ``x``, ``H = Omega + sum_cells w z z'``, is block tridiagonal too, so
every operation here is
``O(T S^3 + T N S^2)``: block Cholesky, forward/backward substitution and the selected
inverse (diagonal and first off-diagonal blocks of ``H^{-1}``, as an RTS smoother gives).

All loops are compiled with numba (no LAPACK calls: the blocks are tiny). The same kernel
runs inside the PyTensor Op of :mod:`causal_model.model.statespace.laplace_op` and in the
NumPy functions of :mod:`causal_model.model.statespace.laplace_numpy`. The family codes come
from the one family table, :mod:`causal_model.families`; the per-cell functions below
(:func:`cell_const`, :func:`cell_terms`, :func:`working_response`) are the compiled part of
each family, the only one written outside that table.
"""

from __future__ import annotations

import math

import numba
import numpy as np

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


# ------------------------------------------------------------------------------------------
# Block-tridiagonal algebra, in place, with explicit loops (blocks are S x S, S ~ 4: loops
# beat LAPACK calls and allocations at this size). H has diagonal blocks d[t] and a constant
# sub-diagonal block b = H[t, t-1]; its Cholesky factor has diagonal blocks low[t] (lower
# triangular) and sub-diagonal blocks sub[t] (sub[0] unused).
# ------------------------------------------------------------------------------------------
@_njit
def _chol_inplace(a):
    """Overwrite the lower triangle of ``a`` by its Cholesky factor; return (logdet, ok)."""
    s = a.shape[0]
    logdet = 0.0
    for j in range(s):
        dd = a[j, j]
        for k in range(j):
            dd -= a[j, k] * a[j, k]
        if not dd > 0.0:
            return np.nan, False
        dd = math.sqrt(dd)
        a[j, j] = dd
        logdet += 2.0 * math.log(dd)
        for i in range(j + 1, s):
            v = a[i, j]
            for k in range(j):
                v -= a[i, k] * a[j, k]
            a[i, j] = v / dd
        for i in range(j):
            a[i, j] = 0.0
    return logdet, True


@_njit
def band_cholesky(d, b, low, sub):
    """Block Cholesky of H into ``low``, ``sub`` (preallocated ``(T,S,S)``); (logdet, ok)."""
    nt, s = d.shape[0], d.shape[1]
    logdet = 0.0
    for t in range(nt):
        lt = low[t]
        lt[:, :] = d[t]
        if t > 0:
            lp, ct = low[t - 1], sub[t]
            for r in range(s):  # C_t = B L_{t-1}^{-T}: L_{t-1} C_t[r] = B[r]
                for i in range(s):
                    v = b[r, i]
                    for k in range(i):
                        v -= lp[i, k] * ct[r, k]
                    ct[r, i] = v / lp[i, i]
            for i in range(s):
                for j in range(i + 1):
                    v = 0.0
                    for k in range(s):
                        v += ct[i, k] * ct[j, k]
                    lt[i, j] -= v
        ld, ok = _chol_inplace(lt)
        if not ok:
            return np.nan, False
        logdet += ld
    return logdet, True


@_njit
def band_solve(low, sub, rhs):
    """Solve ``H v = rhs`` for ``rhs`` of shape ``(T, S)`` given the block Cholesky factor."""
    nt, s = rhs.shape
    v = np.empty((nt, s))
    for t in range(nt):  # forward: L z = rhs
        for i in range(s):
            r = rhs[t, i]
            if t > 0:
                for k in range(s):
                    r -= sub[t, i, k] * v[t - 1, k]
            for k in range(i):
                r -= low[t, i, k] * v[t, k]
            v[t, i] = r / low[t, i, i]
    for t in range(nt - 1, -1, -1):  # backward: L' v = z
        if t < nt - 1:
            for i in range(s):
                for k in range(s):
                    v[t, i] -= sub[t + 1, k, i] * v[t + 1, k]
        for i in range(s - 1, -1, -1):
            r = v[t, i]
            for k in range(i + 1, s):
                r -= low[t, k, i] * v[t, k]
            v[t, i] = r / low[t, i, i]
    return v


@_njit
def band_back_substitute(low, sub, e):
    """Solve ``L' v = e`` for ``e`` of shape ``(T, S, D)`` (``D`` right-hand sides), ``L`` the
    block Cholesky factor: ``mode + v`` with ``e ~ N(0, I)`` is a draw from ``N(mode, H^-1)``."""
    nt, s, nd = e.shape
    v = np.empty_like(e)
    for t in range(nt - 1, -1, -1):
        for d in range(nd):
            for i in range(s - 1, -1, -1):
                r = e[t, i, d]
                if t < nt - 1:
                    for k in range(s):
                        r -= sub[t + 1, k, i] * v[t + 1, k, d]
                for k in range(i + 1, s):
                    r -= low[t, k, i] * v[t, k, d]
                v[t, i, d] = r / low[t, i, i]
    return v


@_njit
def band_selected_inverse(low, sub):
    """Diagonal blocks ``Cov(x_t)`` and sub-diagonal blocks ``Cov(x_{t+1}, x_t)`` of H^-1.

    Returns arrays of shapes ``(T, S, S)`` and ``(T - 1, S, S)``.
    """
    nt, s = low.shape[0], low.shape[1]
    sd = np.zeros((nt, s, s))
    so = np.zeros((max(nt - 1, 0), s, s))
    li = np.empty((s, s))
    g = np.empty((s, s))
    for t in range(nt - 1, -1, -1):
        lt = low[t]
        li[:, :] = 0.0  # li = L_t^{-1}
        for j in range(s):
            li[j, j] = 1.0 / lt[j, j]
            for i in range(j + 1, s):
                r = 0.0
                for k in range(j, i):
                    r -= lt[i, k] * li[k, j]
                li[i, j] = r / lt[i, i]
        for i in range(s):  # sd_t = L^{-T} L^{-1}
            for j in range(s):
                v = 0.0
                for k in range(max(i, j), s):
                    v += li[k, i] * li[k, j]
                sd[t, i, j] = v
        if t < nt - 1:
            ct, sn, cr = sub[t + 1], sd[t + 1], so[t]
            for i in range(s):  # g = L_t^{-T} C_{t+1}'
                for j in range(s):
                    v = 0.0
                    for k in range(i, s):
                        v += li[k, i] * ct[j, k]
                    g[i, j] = v
            for i in range(s):  # Cov(x_{t+1}, x_t) = -sd_{t+1} g'
                for j in range(s):
                    v = 0.0
                    for k in range(s):
                        v -= sn[i, k] * g[j, k]
                    cr[i, j] = v
            for i in range(s):  # sd_t -= g cross
                for j in range(s):
                    v = 0.0
                    for k in range(s):
                        v += g[i, k] * cr[k, j]
                    sd[t, i, j] -= v
    return sd, so


@_njit
def prior_blocks(a, q, p0, nt):
    """Diagonal blocks, the constant sub-diagonal block of Omega, log det Q, log det P0."""
    s = a.shape[0]
    qi = np.linalg.inv(np.ascontiguousarray(q))
    p0i = np.linalg.inv(np.ascontiguousarray(p0))
    qi, p0i = 0.5 * (qi + qi.T), 0.5 * (p0i + p0i.T)
    ac = np.ascontiguousarray(a)
    atqia = ac.T.copy() @ qi @ ac
    od = np.empty((nt, s, s))
    for t in range(nt):
        od[t] = p0i if t == 0 else qi
        if t < nt - 1:
            od[t] += atqia
    work = np.ascontiguousarray(q).copy()
    ld_q, ok_q = _chol_inplace(work)
    work = np.ascontiguousarray(p0).copy()
    ld_p0, ok_p0 = _chol_inplace(work)
    return od, -(qi @ ac), ld_q, ld_p0


@_njit
def _evaluate(x, y, m, ntr, c, z, fam, scale, nu, alpha, od, b, terms, g):
    """Log joint at ``x`` without constants; fills ``terms`` (score, wo, wf, dwf) and ``g``."""
    nt, ni = y.shape
    s = z.shape[1]
    total = 0.0
    for t in range(nt):
        for k in range(s):  # g_t = -(Omega x)_t
            v = 0.0
            for j in range(s):
                v -= od[t, k, j] * x[t, j]
                if t > 0:
                    v -= b[k, j] * x[t - 1, j]
                if t < nt - 1:
                    v -= b[j, k] * x[t + 1, j]
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
def _precision_diag(od, z, m, w, out):
    """Diagonal blocks of ``Omega + Z_blk' diag(m w) Z_blk`` into ``out``."""
    nt, ni = w.shape
    s = z.shape[1]
    out[:] = od
    for t in range(nt):
        for i in range(ni):
            wi = m[t, i] * w[t, i]
            if wi != 0.0:
                for j in range(s):
                    for k in range(j + 1):
                        out[t, j, k] += wi * z[i, j] * z[i, k]
        for j in range(s):
            for k in range(j + 1, s):
                out[t, j, k] = out[t, k, j]
    return out


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


@_njit
def _start(y, m, ntr, c, z, fam, scale, nu, alpha, og, mo, b, dd, low, sub):
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
            for k in range(s):
                rhs[t, k] += r * z[i, k]
    _, ok = band_cholesky(_precision_diag(og, z, mo, w, dd), b, low, sub)
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
    scale-mixture scale ``sigma / sqrt(w[t])``); ``nu`` and ``alpha`` are per indicator.

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
    og = _precision_diag(od, z, mg, wn, np.empty((nt, s, s)))
    # Newton starts at the working-response mode (measured on the real panel's posterior
    # draws: 3 iterations instead of 4-8 from x = 0; the log joint is concave in x for every
    # family but student_t, so the start does not change the mode).
    x = _start(y, m, ntr, c, z, fam, scale, nu, alpha, og, mo, b, dd, low, sub)
    jx = _evaluate(x, y, m, ntr, c, z, fam, scale, nu, alpha, od, b, terms, g)
    n_iter, step_norm = 0, np.inf
    for it in range(max_iter):
        if np.max(np.abs(g)) < tol:
            break
        _, ok = band_cholesky(_precision_diag(og, z, mo, terms[1], dd), b, low, sub)
        if not ok:  # observed information not positive definite (student_t outliers)
            _precision_diag(og, z, mo, terms[1] + tfam * (terms[2] - terms[1]), dd)
            _, ok = band_cholesky(dd, b, low, sub)
        if not ok:
            band_cholesky(_precision_diag(og, z, mo, terms[2], dd), b, low, sub)
        delta = band_solve(low, sub, g)
        step = 1.0
        for _ in range(40):
            xn = x + step * delta
            jn = _evaluate(xn, y, m, ntr, c, z, fam, scale, nu, alpha, od, b, terms_n, g_n)
            if jn >= jx - 1e-12 * (1.0 + abs(jx)):
                break
            step *= 0.5
        x, jx = xn, jn
        terms, terms_n, g, g_n = terms_n, terms, g_n, g
        n_iter, step_norm = it + 1, step * np.max(np.abs(delta))
        if step_norm < tol:
            break
    logdet, ok = band_cholesky(_precision_diag(og, z, mo, terms[2], dd), b, low, sub)
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
                for j in range(s):
                    for k in range(s):
                        v += z[i, j] * sd[t, j, k] * z[i, k]
                for k in range(s):
                    dvec[t, k] -= 0.5 * terms[3, t, i] * v * z[i, k]
    u = band_solve(low, sub, dvec)
    if np.any(m * (terms[1] - terms[2]) != 0.0):  # student_t / negative_binomial cells
        lo, so_ = np.zeros((nt, s, s)), np.zeros((nt, s, s))
        _, ok_obs = band_cholesky(_precision_diag(og, z, mo, terms[1], dd), b, lo, so_)
        if ok_obs:
            u = band_solve(lo, so_, dvec)
    value = jx + const - 0.5 * ld_p0 - 0.5 * (nt - 1) * ld_q - 0.5 * logdet
    grad_norm = np.max(np.abs(g))
    return x, sd, so, logdet, u, low, sub, value, n_iter, step_norm, grad_norm
