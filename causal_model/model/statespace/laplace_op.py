"""Laplace-approximate marginal likelihood of the state-space model, as a PyTensor graph.

Model (``T`` years, ``N`` indicators, ``S`` states)::

    x_0 ~ N(0, P0),  x_t = A x_{t-1} + eps_t,  eps_t ~ N(0, Q_t),  Q_t = diag(q[t])
    eta[t, i] = c[t, i] + Z[i] @ x_t,  y[t, i] ~ family_i(eta[t, i])   (observed cells only)

:func:`laplace_marginal_loglike` returns ``log p(y | params)`` with the states integrated out
by a Laplace approximation (exact when every indicator is normal)::

    log p(y) ~= sum loglik(x*) - x*' Omega x* / 2 - log det P0 / 2 - sum_t log det Q_t / 2
                - log det H(x*) / 2,

``x*`` the posterior mode of the states and ``H`` their posterior precision (Fisher
information for student_t and negative_binomial cells).

How the graph is built
----------------------
The mode, ``log det H`` and the selected inverse ``Sigma = H^{-1}`` (diagonal and first
off-diagonal blocks) come from one Op, :class:`LaplaceModeOp`, that runs damped Newton on the
block-tridiagonal precision (``O(T S^3)``, numba-compiled; see
:mod:`causal_model.model.statespace.kernels`). Its outputs are constants for differentiation
(its gradient is disconnected). The value and *exact* first derivatives at convergence are then
carried by cheap element-wise terms (implicit-function theorem)::

    F = J(x*, theta) - log det H / 2 - sum_t log det Q_t / 2 - log det P0 / 2
        - [tr(Sigma H(x*, theta)) - stop(.)] / 2 + u' [g(x*, theta) - stop(.)]

``J`` is the log joint, ``g = dJ/dx`` (zero at the mode; its theta-derivative carries
``dx*/dtheta = H_obs^{-1} dg/dtheta``), ``tr(Sigma dH)`` is ``d log det H`` at fixed ``x``, and
``u = H_obs^{-1} d(-log det H / 2)/dx`` comes from the Op. The bracketed terms are zero in
value. No Cholesky or solve is differentiated, so the gradient costs a few element-wise passes
over the ``T x N`` cells.

By default (``fused=True``, no student_t or negative-binomial indicator) the kernel makes those
passes itself: the Op's output ``obs`` is the cells' log-likelihood at the mode, and its
gradient with respect to ``c``, ``Z`` and the per-cell scale is computed in the same numba
call (:func:`causal_model.model.statespace.kernels.observation_gradient`); only the state
prior's terms (``A``, ``q``, ``P0``) stay PyTensor terms. Same value and gradient (tested to
1e-8).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytensor
import pytensor.tensor as pt
from numpy.typing import ArrayLike
from pytensor.gradient import DisconnectedType, disconnected_type
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.link.numba.dispatch.basic import (
    numba_njit,
    register_funcify_and_cache_key,
)
from pytensor.tensor.basic import AllocDiag
from pytensor.tensor.variable import TensorVariable

import causal_model.model.statespace.numba_digamma  # noqa: F401  (cacheable digamma for numba)
from causal_model.backend import PYTENSOR
from causal_model.families import by_code
from causal_model.model.statespace.family_cells import NEG_BINOMIAL, STUDENT_T
from causal_model.model.statespace.kernels import laplace_kernel, observation_gradient
from causal_model.model.statespace.laplace_numpy import prepare_data
from causal_model.model.statespace.numba_cache import source_hash
from causal_model.model.statespace.stop_gradient import stop_gradient

__all__ = ["LaplaceModeOp", "laplace_marginal_loglike"]

_F64 = "float64"


class LaplaceModeOp(Op):
    """Posterior mode of the states, its Gaussian approximation, and the cells' terms.

    Inputs ``(y, mask, trials, c, Z, scale, nu, alpha, A, q, P0)`` (mask as 0/1 floats,
    ``q`` the ``(T, S)`` innovation variances,
    scale per cell ``(T, N)``; see :func:`laplace_marginal_loglike`). Outputs ``(mode (T,S),
    cov_diag (T,S,S), cov_sub (T-1,S,S), logdet_h (), u (T,S), obs (), grad_c (T,N),
    grad_z (N,S), grad_scale (T,N))``: ``cov_sub[k] = Cov(x_{k+1}, x_k)``, ``u`` the
    implicit-function adjoint (see :func:`causal_model.statespace_kernels.laplace_kernel`),
    ``obs`` the cells' log-likelihood at the mode and ``grad_*`` its total derivatives
    (:func:`causal_model.statespace_kernels.observation_gradient`, computed in the same
    numba call). Only ``obs`` is
    differentiable, with respect to ``c``, ``Z`` and ``scale``, and only when :attr:`fused`.

    Parameters
    ----------
    family
        Family code per indicator (static).
    max_iter
        Maximum damped-Newton iterations.
    tol
        Stop when the largest component of the gradient or of a Newton step is below ``tol``.
    """

    __props__ = ("family", "max_iter", "tol")

    def __init__(self, family: tuple[int, ...], max_iter: int = 50, tol: float = 1e-10):
        self.family = tuple(int(f) for f in family)
        self.max_iter = int(max_iter)
        self.tol = float(tol)

    @property
    def fused(self) -> bool:
        """Whether output ``obs`` carries its own gradient (no student_t or negative-binomial
        indicator, whose ``nu`` / ``alpha`` derivatives the kernel does not compute)."""
        return not any(f in (STUDENT_T, NEG_BINOMIAL) for f in self.family)

    def make_node(self, *inputs) -> Apply:  # noqa: D102
        if len(inputs) != 11:
            raise TypeError("LaplaceModeOp takes 11 inputs")
        ins = [pt.as_tensor_variable(v).astype(_F64) for v in inputs]
        for v, nd in zip(ins, (2, 2, 2, 2, 2, 2, 1, 1, 2, 2, 2), strict=True):
            if v.ndim != nd:
                raise TypeError(f"LaplaceModeOp input {v} must have {nd} dimensions")
        nt, ns = ins[0].type.shape[0], ins[4].type.shape[1]
        nt1 = None if nt is None else max(nt - 1, 0)
        ni = ins[0].type.shape[1]
        outs = [
            pt.tensor(dtype=_F64, shape=shp)
            for shp in (
                (nt, ns),
                (nt, ns, ns),
                (nt1, ns, ns),
                (),
                (nt, ns),
                (),
                (nt, ni),
                (ni, ns),
                (nt, ni),
            )
        ]
        return Apply(self, ins, outs)

    def perform(self, node, inputs, output_storage) -> None:  # noqa: D102
        args = [np.ascontiguousarray(v, dtype=float) for v in inputs]
        fam = np.asarray(self.family, dtype=np.int64)
        res = laplace_kernel(*args[:5], fam, *args[5:], self.max_iter, self.tol)
        obs = observation_gradient(res[0], *args[:5], fam, *args[5:8], res[1], res[4])
        vals = (*res[:3], np.asarray(res[3]), res[4], np.asarray(obs[0]), *obs[1:])
        for k, val in enumerate(vals):
            output_storage[k][0] = val

    def infer_shape(self, fgraph, node, shapes):  # noqa: D102
        (nt, ni), (_, ns) = shapes[0], shapes[4]
        return [
            (nt, ns),
            (nt, ns, ns),
            (pt.maximum(nt - 1, 0), ns, ns),
            (),
            (nt, ns),
            (),
            (nt, ni),
            (ni, ns),
            (nt, ni),
        ]

    def connection_pattern(self, node):  # noqa: D102
        # only ``obs`` (output 5) is differentiable, w.r.t. c, Z and scale (inputs 3-5)
        return [
            [self.fused and k == 5 and j in (3, 4, 5) for k in range(len(node.outputs))]
            for j in range(len(node.inputs))
        ]

    def L_op(self, inputs, outputs, output_grads):  # noqa: D102
        g_obs = output_grads[5]
        if not self.fused or isinstance(g_obs.type, DisconnectedType):
            return [disconnected_type() for _ in inputs]
        grads = {3: outputs[6], 4: outputs[7], 5: outputs[8]}
        return [g_obs * grads[j] if j in grads else disconnected_type() for j in range(11)]


# PyTensor's numba cache must not reuse a graph compiled from other kernel sources
_SOURCE_HASH = source_hash(Path(__file__))


@register_funcify_and_cache_key(LaplaceModeOp)
def _numba_funcify_laplace_mode(op, node=None, **kwargs):
    fam = np.asarray(op.family, dtype=np.int64)
    max_iter, tol = op.max_iter, op.tol
    key = hashlib.sha256(f"{type(op)}|{op.family}|{max_iter}|{tol}|{_SOURCE_HASH}".encode())

    @numba_njit
    def laplace_mode(y, m, ntr, c, z, scale, nu, alpha, a, q, p0):
        out = laplace_kernel(y, m, ntr, c, z, fam, scale, nu, alpha, a, q, p0, max_iter, tol)
        obs, gc, gz, gsc = observation_gradient(
            out[0], y, m, ntr, c, z, fam, scale, nu, alpha, out[1], out[4]
        )
        return out[0], out[1], out[2], np.array(out[3]), out[4], np.array(obs), gc, gz, gsc

    return laplace_mode, key.hexdigest()


def _vector(v, n: int) -> TensorVariable:
    if v is None:
        return pt.ones((n,), dtype=_F64)
    return pt.broadcast_to(pt.as_tensor_variable(v).astype(_F64), (n,))


def _inverse_and_logdet(m):
    """``(inv(m), log det m)``; element-wise when ``m`` is built as ``pt.diag(vector)`` (the
    uncoupled model's P0), which spares the LU factorisation and its gradient."""
    owner = m.owner
    if (
        owner is not None
        and isinstance(owner.op, AllocDiag)
        and owner.op.offset == 0
        and owner.inputs[0].ndim == 1
    ):
        v = owner.inputs[0]
        return pt.diag(1.0 / v), pt.sum(pt.log(v))
    return pt.linalg.inv(m), pt.log(pt.linalg.det(m))


def _prior_terms(xhat, sd, so, logdet_h, u, A, q, P0, nt):  # noqa: N803
    """The state prior's part of the Laplace log-likelihood: ``(value, gradient terms)``.

    ``value = -x' Omega x / 2 - log det P0 / 2 - sum_t log det Q_t / 2 - log det H / 2``; the
    gradient terms are zero in value and carry ``-tr(Sigma dOmega) / 2 + u' d(-Omega x)`` to
    ``A``, ``q`` and ``P0`` (see the module docstring). ``Q_t = diag(q[t])``, so its inverse
    and log-determinant are element-wise.
    """
    p0i, logdet_p0 = _inverse_and_logdet(P0)
    quad = pt.dot(xhat[0], pt.dot(p0i, xhat[0]))
    tr_prior = pt.sum(p0i * sd[0])
    logdet_prior = logdet_p0
    if nt > 1:
        qi = 1.0 / q[1:]  # (T-1, S)
        resid = xhat[1:] - pt.dot(xhat[:-1], A.T)
        quad = quad + pt.sum(qi * resid**2)
        # diagonal of Cov(x_t - A x_{t-1}) = sd_t - so_{t-1} A' - A so_{t-1}' + A sd_{t-1} A'
        cross = pt.sum(so * A[None], axis=2)  # (so_{t-1} A')_ss
        prop = pt.sum(pt.dot(sd[:-1], A.T) * A.T[None], axis=1)  # (A sd_{t-1} A')_ss
        own = pt.diagonal(sd[1:], axis1=1, axis2=2)
        tr_prior = tr_prior + pt.sum(qi * (own - 2.0 * cross + prop))
        logdet_prior = logdet_prior + pt.sum(pt.log(q[1:]))
    g = pytensor.grad(-0.5 * quad, xhat)
    value = -0.5 * quad - 0.5 * logdet_prior - 0.5 * logdet_h
    grad_terms = -0.5 * (tr_prior - stop_gradient(tr_prior)) + pt.sum(u * (g - stop_gradient(g)))
    return value, grad_terms


def laplace_marginal_loglike(
    y: ArrayLike,
    mask: ArrayLike | None,
    trials: ArrayLike | None,
    family: ArrayLike,
    c,
    Z,  # noqa: N803
    scale=None,
    nu=None,
    alpha=None,
    A=None,  # noqa: N803
    q=None,
    P0=None,  # noqa: N803
    n_newton: int = 50,
    tol: float = 1e-10,
    data_tensors: tuple | None = None,
    fused: bool = True,
) -> TensorVariable:
    """Laplace-approximate ``log p(y | params)`` with the latent states integrated out.

    Parameters
    ----------
    y
        Observations ``(T, N)`` (NumPy; unobserved cells may hold anything, NaN included).
    mask
        True where observed ``(T, N)``; None: the finite cells of ``y``.
    trials
        Binomial trials ``(T, N)``, or None without binomial indicators.
    family
        Family code (or name) per indicator ``(N,)``, static: 0 normal, 1 student_t,
        2 poisson, 3 negative_binomial, 4 binomial.
    c
        Known offsets of the linear predictor ``(T, N)`` (tensor), e.g. intercepts plus the
        elite-circulation term.
    Z
        Loadings ``(N, S)`` (tensor).
    scale, nu, alpha
        ``(N,)`` (or scalar) tensors: normal/student_t scale, student_t dof, negative-binomial
        dispersion (``var = mu + mu^2 / alpha``). Entries of other families are ignored; None
        means ones. ``scale`` may also be per cell ``(T, N)``, e.g. ``sigma / sqrt(w)`` of a
        Student-t written as a scale mixture of normals (normal family, weights ``w``
        sampled): the Laplace step is then exact for those cells.
    A, q, P0
        Transition matrix ``(S, S)``; the innovation variances (the diagonal of ``Q_t``),
        ``(S,)`` (constant) or ``(T, S)`` (row 0 unused); the covariance of ``x_0``
        ``(S, S)`` (tensors).
    n_newton
        Maximum damped-Newton iterations for the mode (they stop at convergence).
    tol
        Newton convergence tolerance on the largest step component.
    data_tensors
        Optional ``(y, mask, trials)`` tensors (e.g. ``pm.Data``) holding the values of
        :func:`~causal_model.statespace_numpy.prepare_data` applied to ``y, mask, trials``:
        the graph then reads the data from them, so a compiled model can be refitted on new
        data of the same shape and families without recompiling.
    fused
        Take the cells' log-likelihood and its gradient with respect to ``c``, ``Z`` and
        ``scale`` from the numba kernel (one pass over the cells) instead of building them as
        PyTensor terms; same value and gradient, fewer graph nodes. Ignored (PyTensor terms)
        when a student_t or negative_binomial indicator is present.

    Returns
    -------
    TensorVariable
        Scalar log-likelihood, with exact first derivatives at convergence of the mode.
    """
    ys, m, ntr, fam = prepare_data(y, mask, trials, family)
    nt, ni = ys.shape
    if data_tensors is not None:
        ys, m, ntr = (pt.as_tensor_variable(v).astype(_F64) for v in data_tensors)
    c = pt.broadcast_to(pt.as_tensor_variable(c).astype(_F64), (nt, ni))
    Z = pt.as_tensor_variable(Z).astype(_F64)  # noqa: N806
    nu, alpha = (_vector(v, ni) for v in (nu, alpha))
    scale = (
        pt.ones((nt, ni), dtype=_F64)
        if scale is None
        else pt.broadcast_to(pt.as_tensor_variable(scale).astype(_F64), (nt, ni))
    )
    A, P0 = (pt.as_tensor_variable(v).astype(_F64) for v in (A, P0))  # noqa: N806
    q = pt.as_tensor_variable(q).astype(_F64)
    q = pt.broadcast_to(q, (nt, A.shape[0])) if q.ndim == 1 else q
    op = LaplaceModeOp(tuple(fam.tolist()), max_iter=n_newton, tol=tol)
    outs = op(ys, m, ntr, c, Z, scale, nu, alpha, A, q, P0)
    xhat, sd, so, logdet_h, u = outs[:5]  # not differentiable (disconnected)
    prior_value, prior_terms = _prior_terms(xhat, sd, so, logdet_h, u, A, q, P0, nt)
    if fused and op.fused:
        # the cells' terms and their gradient come from the kernel (output ``obs``)
        return outs[5] + prior_value + prior_terms

    # Observation terms, by family (column groups are static).
    eta_t = (c + pt.dot(xhat, Z.T)).T  # (N, T)
    w_sd = pt.tensordot(sd, Z, axes=[[2], [1]])  # (T, S, N)
    var_t = pt.sum(w_sd * Z.T[None], axis=1).T  # (N, T): z_i' Cov(x_t) z_i
    loglik, tr_obs = pt.as_tensor(0.0), pt.as_tensor(0.0)
    for code in np.unique(fam):
        idx = np.flatnonzero(fam == code)

        def take(v, idx=idx):
            return v if idx.size == ni else v[idx]

        family = by_code(int(code))
        params = {
            "scale": take(scale.T),
            "nu": take(nu)[:, None],
            "alpha": take(alpha)[:, None],
            "trials": ntr.T[idx],
        }
        eta = take(eta_t)
        ll = family.loglik(ys.T[idx], eta, **params, xp=PYTENSOR)
        wf = family.fisher_information(eta, **params, xp=PYTENSOR)
        mt = m.T[idx]
        loglik = loglik + pt.sum(mt * ll)
        tr_obs = tr_obs + pt.sum(mt * wf * take(var_t))

    g = pytensor.grad(loglik, xhat)
    obs_terms = -0.5 * (tr_obs - stop_gradient(tr_obs)) + pt.sum(u * (g - stop_gradient(g)))
    return loglik + obs_terms + prior_value + prior_terms
