"""Two array backends behind one set of names: NumPy and PyTensor.

The model's structure (:mod:`causal_model.model.structure`) and the elite-response shapes
(:mod:`causal_model.specification.elite`) are written once, against the names below, with
NumPy-style broadcasting and leading batch dimensions (``...``). Called with :data:`PYTENSOR`
they build the PyMC graph; called with :data:`NUMPY` they evaluate the same formulas on every
posterior (or prior) draw at once, without compiling anything. A test checks that both give
the same numbers.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytensor.tensor as pt
from scipy import special

__all__ = ["NUMPY", "PYTENSOR", "Backend"]

Backend = SimpleNamespace


def _np_diag(v):
    """Diagonal matrices from the last axis of ``v`` (batched)."""
    v = np.asarray(v)
    return v[..., :, None] * np.eye(v.shape[-1])


def _pt_diag(v):
    v = pt.as_tensor_variable(v)
    if v.ndim == 1:
        return pt.diag(v)
    return v[..., :, None] * pt.eye(v.shape[-1])


def _np_lyapunov(a, q):
    """Stationary covariance ``P = A P A' + Q`` of every batch entry."""
    a, q = np.asarray(a, dtype=float), np.asarray(q, dtype=float)
    s = a.shape[-1]
    kron = np.einsum("...ij,...kl->...ikjl", a, a).reshape(*a.shape[:-2], s * s, s * s)
    vec = np.linalg.solve(np.eye(s * s) - kron, q.reshape(*q.shape[:-2], s * s, 1))
    p = vec.reshape(*a.shape[:-2], s, s)
    return 0.5 * (p + np.swapaxes(p, -1, -2))


def _pt_lyapunov(a, q):
    s = a.type.shape[-1]
    vec = pt.linalg.solve(pt.eye(s * s) - pt.linalg.kron(a, a), q.reshape((s * s,)))
    p = vec.reshape((s, s))
    return 0.5 * (p + p.T)


#: NumPy: batched evaluation on draws.
NUMPY = Backend(
    name="numpy",
    asarray=lambda x: np.asarray(x, dtype=float),
    exp=np.exp,
    log=np.log,
    sqrt=np.sqrt,
    abs=np.abs,
    tanh=np.tanh,
    sigmoid=special.expit,
    log1p=np.log1p,
    gammaln=special.gammaln,
    logaddexp=np.logaddexp,
    softplus=lambda x: np.logaddexp(0.0, x),
    where=np.where,
    maximum=np.maximum,
    minimum=np.minimum,
    concatenate=np.concatenate,
    stack=np.stack,
    ones_like=np.ones_like,
    zeros_like=np.zeros_like,
    eye=np.eye,
    sum=np.sum,
    diag=_np_diag,
    lyapunov=_np_lyapunov,
)

#: PyTensor: the symbolic graph of the PyMC model.
PYTENSOR = Backend(
    name="pytensor",
    asarray=pt.as_tensor_variable,
    exp=pt.exp,
    log=pt.log,
    sqrt=pt.sqrt,
    abs=pt.abs,
    tanh=pt.tanh,
    sigmoid=pt.sigmoid,
    log1p=pt.log1p,
    gammaln=pt.gammaln,
    logaddexp=pt.logaddexp,
    softplus=pt.softplus,
    where=pt.where,
    maximum=pt.maximum,
    minimum=pt.minimum,
    concatenate=pt.concatenate,
    stack=pt.stack,
    ones_like=pt.ones_like,
    zeros_like=pt.zeros_like,
    eye=pt.eye,
    sum=pt.sum,
    diag=_pt_diag,
    lyapunov=_pt_lyapunov,
)
