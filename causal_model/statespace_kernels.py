"""Numerical kernels of the state-space model: Laplace mode, block-tridiagonal algebra.

The latent path ``x = (x_0, ..., x_{T-1})``, ``x_t in R^S``, has the Gaussian prior
``x_0 ~ N(0, P0)``, ``x_t = A x_{t-1} + eps_t``, ``eps_t ~ N(0, Q)``, whose precision ``Omega``
is block tridiagonal. Cell ``(t, i)`` has the linear predictor ``eta = c[t, i] + Z[i] @ x_t``
and a likelihood of family ``family[i]`` (:data:`FAMILY_CODES`). The posterior precision at
``x``, ``H = Omega + sum_cells w z z'``, is block tridiagonal too, so every operation here is
``O(T S^3 + T N S^2)``: block Cholesky, forward/backward substitution and the selected
inverse (diagonal and first off-diagonal blocks of ``H^{-1}``, as an RTS smoother gives).

All loops are compiled with numba (no LAPACK calls: the blocks are tiny). The same kernel
runs inside the PyTensor Op of :mod:`causal_model.statespace` and in the NumPy functions of
:mod:`causal_model.statespace_numpy`.
"""

from __future__ import annotations

import math

import numba
import numpy as np

#: Integer code of each likelihood family (the order of ``causal_model.dims.FAMILIES``).
FAMILY_CODES: dict[str, int] = {
    "normal": 0,
    "student_t": 1,
    "poisson": 2,
    "negative_binomial": 3,
    "binomial": 4,
}
NORMAL, STUDENT_T, POISSON, NEG_BINOMIAL, BINOMIAL = range(5)
_LOG2PI = math.log(2.0 * math.pi)

_njit = numba.njit(cache=True, fastmath=False, nogil=True)


@_njit
def cell_terms(f, y, n, eta, sc, nu, al):
    """Return ``(loglik, score, w_observed, w_fisher, dw_fisher/deta)`` of one cell.

    ``score`` is d loglik / d eta, ``w_observed`` = -d2 loglik / d eta2 and ``w_fisher`` the
    expected information. Uses ``sc`` (normal, student_t scale), ``nu`` (student_t dof),
    ``al`` (negative-binomial dispersion, var = mu + mu^2/al) and ``n`` (binomial trials).
    """
    if f == NORMAL:
        r = (y - eta) / sc
        w = 1.0 / (sc * sc)
        return -0.5 * _LOG2PI - math.log(sc) - 0.5 * r * r, r / sc, w, w, 0.0
    if f == STUDENT_T:
        r = (y - eta) / sc
        q = nu + r * r
        ll = (
            math.lgamma(0.5 * (nu + 1.0))
            - math.lgamma(0.5 * nu)
            - 0.5 * math.log(nu * math.pi)
            - math.log(sc)
            - 0.5 * (nu + 1.0) * math.log1p(r * r / nu)
        )
        wo = (nu + 1.0) * (nu - r * r) / (sc * sc * q * q)
        return ll, (nu + 1.0) * r / (sc * q), wo, (nu + 1.0) / ((nu + 3.0) * sc * sc), 0.0
    if f == POISSON:
        mu = math.exp(eta)
        return y * eta - mu - math.lgamma(y + 1.0), y - mu, mu, mu, mu
    if f == NEG_BINOMIAL:
        la = math.log(al)
        lam = max(la, eta) + math.log1p(math.exp(-abs(la - eta)))  # log(al + mu)
        ratio = math.exp(eta - lam)  # mu / (al + mu)
        q = math.exp(la - lam)  # al / (al + mu)
        ll = (
            math.lgamma(y + al)
            - math.lgamma(al)
            - math.lgamma(y + 1.0)
            + al * la
            + y * eta
            - (y + al) * lam
        )
        return ll, y - (y + al) * ratio, (y + al) * ratio * q, al * ratio, al * ratio * q
    # binomial, logit link
    e = math.exp(-abs(eta))
    p = 1.0 / (1.0 + e) if eta >= 0 else e / (1.0 + e)
    softplus = max(eta, 0.0) + math.log1p(e)
    ll = math.lgamma(n + 1.0) - math.lgamma(y + 1.0) - math.lgamma(n - y + 1.0)
    w = n * p * (1.0 - p)
    return ll + y * eta - n * softplus, y - n * p, w, w, w * (1.0 - 2.0 * p)


# ------------------------------------------------------------------------------------------
# Small dense blocks (S x S, S ~ 4): explicit loops beat LAPACK calls at this size.
# ------------------------------------------------------------------------------------------
@_njit
def _mm(a, b):
    """Small matrix product ``a @ b`` by explicit loops (any memory layout)."""
    n, k = a.shape
    p = b.shape[1]
    out = np.zeros((n, p))
    for i in range(n):
        for j in range(p):
            v = 0.0
            for r in range(k):
                v += a[i, r] * b[r, j]
            out[i, j] = v
    return out


@_njit
def _mv(a, x):
    """Small matrix-vector product ``a @ x`` by explicit loops."""
    n, k = a.shape
    out = np.zeros(n)
    for i in range(n):
        v = 0.0
        for r in range(k):
            v += a[i, r] * x[r]
        out[i] = v
    return out


@_njit
def _chol(a):
    """Lower Cholesky factor of a small SPD matrix; ``ok`` is False if not positive definite."""
    s = a.shape[0]
    out = np.zeros((s, s))
    for j in range(s):
        d = a[j, j]
        for k in range(j):
            d -= out[j, k] * out[j, k]
        if not d > 0.0:
            return out, False
        out[j, j] = math.sqrt(d)
        for i in range(j + 1, s):
            v = a[i, j]
            for k in range(j):
                v -= out[i, k] * out[j, k]
            out[i, j] = v / out[j, j]
    return out, True


@_njit
def _fsolve(low, b):
    """Solve ``low @ v = b`` (lower triangular); ``b`` is a vector or a matrix."""
    v = b.copy()
    s = low.shape[0]
    for i in range(s):
        for k in range(i):
            v[i] -= low[i, k] * v[k]
        v[i] /= low[i, i]
    return v


@_njit
def _bsolve(low, b):
    """Solve ``low.T @ v = b`` (``low`` lower triangular); ``b`` is a vector or a matrix."""
    v = b.copy()
    s = low.shape[0]
    for i in range(s - 1, -1, -1):
        for k in range(i + 1, s):
            v[i] -= low[k, i] * v[k]
        v[i] /= low[i, i]
    return v


@_njit
def _spd_inv_logdet(a):
    """Inverse and log-determinant of a small SPD matrix."""
    low, ok = _chol(a)
    if not ok:
        return np.full(a.shape, np.nan), np.nan
    li = _fsolve(low, np.eye(a.shape[0]))
    return _mm(li.T, li), 2.0 * np.sum(np.log(np.diag(low)))


# ------------------------------------------------------------------------------------------
# Block-tridiagonal algebra. H has diagonal blocks D[t] and constant sub-diagonal block
# B = H[t, t-1]; its Cholesky factor has diagonal blocks L[t] and sub-diagonal blocks C[t].
# ------------------------------------------------------------------------------------------
@_njit
def band_cholesky(d, b):
    """Block Cholesky; returns ``(L, C, logdet, ok)``."""
    nt, s = d.shape[0], d.shape[1]
    low = np.zeros((nt, s, s))
    sub = np.zeros((nt, s, s))
    logdet = 0.0
    bt = b.T.copy()
    for t in range(nt):
        m = d[t].copy()
        if t > 0:
            ct = _fsolve(low[t - 1], bt).T  # C_t = B L_{t-1}^{-T}
            sub[t] = ct
            m -= _mm(ct, ct.T)
        lt, ok = _chol(m)
        if not ok:
            return low, sub, np.nan, False
        low[t] = lt
        for k in range(s):
            logdet += 2.0 * math.log(lt[k, k])
    return low, sub, logdet, True


@_njit
def band_solve(low, sub, b):
    """Solve ``H v = b`` for ``b`` of shape ``(T, S)`` given the block Cholesky factor."""
    nt = b.shape[0]
    z = np.empty_like(b)
    for t in range(nt):
        r = b[t].copy()
        if t > 0:
            r -= _mv(sub[t], z[t - 1])
        z[t] = _fsolve(low[t], r)
    v = np.empty_like(b)
    for t in range(nt - 1, -1, -1):
        r = z[t].copy()
        if t < nt - 1:
            r -= _mv(sub[t + 1].T, v[t + 1])
        v[t] = _bsolve(low[t], r)
    return v


@_njit
def band_selected_inverse(low, sub):
    """Diagonal blocks ``Cov(x_t)`` and sub-diagonal blocks ``Cov(x_t, x_{t-1})`` of H^-1.

    Returns arrays of shapes ``(T, S, S)`` and ``(T - 1, S, S)``.
    """
    nt, s = low.shape[0], low.shape[1]
    sd = np.zeros((nt, s, s))
    so = np.zeros((max(nt - 1, 0), s, s))
    eye = np.eye(s)
    for t in range(nt - 1, -1, -1):
        li = _fsolve(low[t], eye)
        sd[t] = _mm(li.T, li)
        if t < nt - 1:
            g = _mm(li.T, sub[t + 1].T)  # L_t^{-T} C_{t+1}'
            cross = -_mm(sd[t + 1], g.T)  # Cov(x_{t+1}, x_t)
            so[t] = cross
            sd[t] -= _mm(g, cross)
    return sd, so


@_njit
def prior_blocks(a, q, p0, nt):
    """Diagonal blocks and the constant sub-diagonal block of the prior precision Omega."""
    s = a.shape[0]
    qi, ld_q = _spd_inv_logdet(q)
    p0i, ld_p0 = _spd_inv_logdet(p0)
    atqia = _mm(_mm(a.T, qi), a)
    od = np.empty((nt, s, s))
    for t in range(nt):
        od[t] = p0i if t == 0 else qi
        if t < nt - 1:
            od[t] += atqia
    return od, -_mm(qi, a), ld_q, ld_p0


@_njit
def band_matvec(od, b, x):
    """``Omega @ x`` for block-tridiagonal Omega (diagonal ``od``, sub-diagonal ``b``)."""
    nt = x.shape[0]
    out = np.empty_like(x)
    for t in range(nt):
        out[t] = _mv(od[t], x[t])
        if t > 0:
            out[t] += _mv(b, x[t - 1])
        if t < nt - 1:
            out[t] += _mv(b.T, x[t + 1])
    return out


@_njit
def _evaluate(x, y, m, ntr, c, z, fam, scale, nu, alpha, od, b, terms):
    """Log joint (up to constants of Omega) at x; fills ``terms[k]`` (k: score, wo, wf, dwf)."""
    nt, ni = y.shape
    total = 0.0
    for t in range(nt):
        for i in range(ni):
            if m[t, i] == 0.0:
                for k in range(4):
                    terms[k, t, i] = 0.0
                continue
            eta = c[t, i]
            for k in range(z.shape[1]):
                eta += z[i, k] * x[t, k]
            ll, sc, wo, wf, dwf = cell_terms(fam[i], y[t, i], ntr[t, i], eta, scale[i], nu[i],
                                             alpha[i])
            total += ll
            terms[0, t, i], terms[1, t, i], terms[2, t, i], terms[3, t, i] = sc, wo, wf, dwf
    return total - 0.5 * np.sum(x * band_matvec(od, b, x))


@_njit
def _precision_diag(od, z, w):
    """Diagonal blocks of ``Omega + Z_blk' diag(w) Z_blk``."""
    d = od.copy()
    nt, ni = w.shape
    s = z.shape[1]
    for t in range(nt):
        for i in range(ni):
            if w[t, i] != 0.0:
                for j in range(s):
                    for k in range(s):
                        d[t, j, k] += w[t, i] * z[i, j] * z[i, k]
    return d


@_njit
def laplace_kernel(y, m, ntr, c, z, fam, scale, nu, alpha, a, q, p0, max_iter, tol):
    """Posterior mode of the states by damped Newton, and everything the Laplace step needs.

    Newton uses the observed information, except for student_t cells (Fisher information,
    since the observed one can be negative). The Laplace log-determinant uses Fisher
    information for student_t and negative_binomial cells (observed = expected elsewhere).

    Returns
    -------
    tuple
        ``(mode (T,S), cov_diag (T,S,S), cov_sub (T-1,S,S), logdet_h, u (T,S), chol_diag,
        chol_sub, laplace_loglike, n_iter, step_norm, grad_norm)`` where ``u`` solves
        ``H_obs u = grad_x(-logdet(H_fisher) / 2)`` (the implicit-function adjoint).
    """
    nt, ni = y.shape
    od, b, ld_q, ld_p0 = prior_blocks(a, q, p0, nt)
    x = np.zeros((nt, z.shape[1]))
    terms = np.zeros((4, nt, ni))
    tfam = np.zeros(ni)
    for i in range(ni):
        tfam[i] = 1.0 if fam[i] == STUDENT_T else 0.0
    jx = _evaluate(x, y, m, ntr, c, z, fam, scale, nu, alpha, od, b, terms)
    n_iter, step_norm = 0, np.inf
    for it in range(max_iter):
        g = _mm(m * terms[0], z) - band_matvec(od, b, x)
        w = terms[1] + tfam * (terms[2] - terms[1])
        low, sub, _, ok = band_cholesky(_precision_diag(od, z, m * w), b)
        if not ok:
            low, sub, _, ok = band_cholesky(_precision_diag(od, z, m * terms[2]), b)
        delta = band_solve(low, sub, g)
        step = 1.0
        for _ in range(40):
            xn = x + step * delta
            jn = _evaluate(xn, y, m, ntr, c, z, fam, scale, nu, alpha, od, b, terms)
            if jn >= jx - 1e-12 * (1.0 + abs(jx)):
                break
            step *= 0.5
        x, jx = xn, jn
        n_iter, step_norm = it + 1, np.max(np.abs(step * delta))
        if step_norm < tol:
            break
    jx = _evaluate(x, y, m, ntr, c, z, fam, scale, nu, alpha, od, b, terms)
    g = _mm(m * terms[0], z) - band_matvec(od, b, x)
    low, sub, logdet, ok = band_cholesky(_precision_diag(od, z, m * terms[2]), b)
    sd, so = band_selected_inverse(low, sub)
    # d/dx of -logdet(H_fisher)/2: -1/2 sum_i m dwf_i (z_i' Cov(x_t) z_i) z_i
    v = np.zeros((nt, ni))
    for t in range(nt):
        v[t] = np.sum(_mm(z, sd[t]) * z, axis=1)
    dvec = -0.5 * _mm(m * terms[3] * v, z)
    u = band_solve(low, sub, dvec)
    if np.any(m * (terms[1] - terms[2]) != 0.0):  # student_t / negative_binomial cells
        lo, so_, _, ok_obs = band_cholesky(_precision_diag(od, z, m * terms[1]), b)
        if ok_obs:
            u = band_solve(lo, so_, dvec)
    value = jx - 0.5 * ld_p0 - 0.5 * (nt - 1) * ld_q - 0.5 * logdet
    grad_norm = np.max(np.abs(g))
    return x, sd, so, logdet, u, low, sub, value, n_iter, step_norm, grad_norm
