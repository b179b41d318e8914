"""Block-tridiagonal algebra of the state-space precision, compiled with numba.

The latent path ``x = (x_0, ..., x_{T-1})``, ``x_t in R^S``, has the Gaussian prior
``x_0 ~ N(0, P0)``, ``x_t = A x_{t-1} + eps_t``, ``eps_t ~ N(0, Q)``, whose precision
``Omega`` is block tridiagonal; so is the posterior precision ``H = Omega + sum_cells w z z'``.
Every operation here is ``O(T S^3)``: block Cholesky (in place, explicit loops: the blocks are
``S x S`` with ``S ~ 4``, where loops beat LAPACK calls and allocations), forward and backward
substitution, and the selected inverse (diagonal and first off-diagonal blocks of ``H^{-1}``,
as an RTS smoother gives). ``H`` has diagonal blocks ``d[t]`` and sub-diagonal blocks
``b[t] = H[t, t-1]`` (``b[0]`` unused; they vary with ``t`` when the innovation variances do);
its Cholesky factor has diagonal blocks ``low[t]`` (lower triangular) and sub-diagonal blocks
``sub[t]`` (``sub[0]`` unused). The innovation covariance is diagonal, ``Q_t = diag(q[t])``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_njit = numba.njit(cache=True, fastmath=False, nogil=True)


@_njit
def _chol_inplace(a, with_logdet=True):
    """Overwrite the lower triangle of ``a`` by its Cholesky factor; return (logdet, ok)
    (logdet 0 unless ``with_logdet``: a Newton step needs only the factor)."""
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
        if with_logdet:
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
def _first_nonzero(row):
    """Index of the first non-zero of ``row`` (its length if none)."""
    f = 0
    while f < row.shape[0] and row[f] == 0.0:
        f += 1
    return f


@_njit
def nonzero_index(z):
    """Per row of ``z``, its non-zero columns in increasing order: ``(idx, cnt)`` with
    ``idx[i, :cnt[i]]`` the columns. Loops over them instead of all columns skip only exact
    zero products, so they give the same bits as the dense loops."""
    n, s = z.shape
    idx = np.zeros((n, s), dtype=np.int64)
    cnt = np.zeros(n, dtype=np.int64)
    for i in range(n):
        for k in range(s):
            if z[i, k] != 0.0:
                idx[i, cnt[i]] = k
                cnt[i] += 1
    return idx, cnt


@_njit
def band_cholesky(d, b, low, sub, with_logdet=True):
    """Block Cholesky of H (diagonal blocks ``d``, sub-diagonal blocks ``b``, both
    ``(T,S,S)``) into ``low``, ``sub`` (preallocated ``(T,S,S)``); (logdet, ok), logdet 0
    unless ``with_logdet``."""
    nt, s = d.shape[0], d.shape[1]
    logdet = 0.0
    first = np.empty(s, dtype=np.int64)
    for t in range(nt):
        lt = low[t]
        lt[:, :] = d[t]
        if t > 0:
            lp, ct, bt = low[t - 1], sub[t], b[t]
            for r in range(s):  # C_t = B_t L_{t-1}^{-T}: L_{t-1} C_t[r] = B_t[r]
                # C_t[r] is zero before B_t[r]'s first non-zero (B_t = -Q^-1 A is sparse):
                # skipping those exact zeros changes no bit of the result.
                f = _first_nonzero(bt[r])
                first[r] = f
                for i in range(f):
                    ct[r, i] = 0.0
                for i in range(f, s):
                    v = bt[r, i]
                    for k in range(f, i):
                        v -= lp[i, k] * ct[r, k]
                    ct[r, i] = v / lp[i, i]
            for i in range(s):
                for j in range(i + 1):
                    v = 0.0
                    for k in range(max(first[i], first[j]), s):
                        v += ct[i, k] * ct[j, k]
                    lt[i, j] -= v
        ld, ok = _chol_inplace(lt, with_logdet)
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
    first = np.empty(s, dtype=np.int64)
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
        for i in range(s):  # sd_t = L^{-T} L^{-1} (symmetric: the same sum both ways)
            for j in range(i + 1):
                v = 0.0
                for k in range(i, s):
                    v += li[k, i] * li[k, j]
                sd[t, i, j] = v
                sd[t, j, i] = v
        if t < nt - 1:
            ct, sn, cr = sub[t + 1], sd[t + 1], so[t]
            for j in range(s):  # C_{t+1}[j] is zero before its first non-zero
                first[j] = _first_nonzero(ct[j])
            for i in range(s):  # g = L_t^{-T} C_{t+1}'
                for j in range(s):
                    v = 0.0
                    for k in range(max(i, first[j]), s):
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
    """The prior precision ``Omega`` of the path: diagonal blocks ``(T,S,S)``, sub-diagonal
    blocks ``(T,S,S)``, ``sum_t>0 log det Q_t`` and ``log det P0``.

    ``q`` is ``(T, S)``: the diagonal of ``Q_t``, the covariance of ``x_t - A x_{t-1}``
    (row 0 unused).
    """
    s = a.shape[0]
    p0i = np.linalg.inv(np.ascontiguousarray(p0))
    p0i = 0.5 * (p0i + p0i.T)
    od = np.zeros((nt, s, s))
    b = np.zeros((nt, s, s))
    col, ncol = nonzero_index(a.T)  # col[i, :ncol[i]]: the rows k with a[k, i] != 0
    ld_q = 0.0
    for t in range(nt):
        if t == 0:
            od[0] = p0i
        else:
            for k in range(s):
                od[t, k, k] = 1.0 / q[t, k]
                ld_q += math.log(q[t, k])
                for j in range(s):
                    b[t, k, j] = -a[k, j] / q[t, k]
        if t < nt - 1:  # + A' Q_{t+1}^-1 A, over A's non-zeros only (A is sparse)
            for i in range(s):
                for j in range(s):
                    v = 0.0
                    for n in range(ncol[i]):
                        k = col[i, n]
                        if a[k, j] != 0.0:
                            v += a[k, i] * a[k, j] / q[t + 1, k]
                    od[t, i, j] += v
    work = np.ascontiguousarray(p0).copy()
    ld_p0, ok_p0 = _chol_inplace(work, True)
    return od, b, ld_q, ld_p0


@_njit
def _precision_diag(od, z, m, w, out, idx, cnt):
    """Diagonal blocks of ``Omega + Z_blk' diag(m w) Z_blk`` into ``out``; ``idx``, ``cnt``:
    :func:`nonzero_index` of ``z``."""
    nt, ni = w.shape
    s = z.shape[1]
    out[:] = od
    for t in range(nt):
        for i in range(ni):
            wi = m[t, i] * w[t, i]
            if wi != 0.0:
                for p in range(cnt[i]):
                    j = idx[i, p]
                    for r in range(p + 1):
                        k = idx[i, r]
                        out[t, j, k] += wi * z[i, j] * z[i, k]
        for j in range(s):
            for k in range(j + 1, s):
                out[t, j, k] = out[t, k, j]
    return out
