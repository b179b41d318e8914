"""Make the model's compiled log-density cacheable on disk by PyTensor's numba backend.

PyTensor (numba mode) caches a compiled function across processes only when every Op in its
graph has a cache key. The gradient of the Student-t and Gamma log-densities contains
``psi`` (digamma), whose numba implementation calls SciPy's Cython function through a
function pointer and is therefore never cached; one such Op makes the whole log-density
uncacheable, so every new process recompiled it.

:func:`digamma` is a pure-numba digamma (recurrence up to x >= 6, then the asymptotic
series; absolute error below 1e-11 against SciPy on (1e-3, 1e3), tested), registered as the
numba implementation of PyTensor's ``Psi`` with a cache key. Importing this module does the
registration; :mod:`causal_model.model.statespace.laplace_op` imports it. The cache key holds
this module's name and a hash of its source, so a changed or moved module never meets a
stale cached function.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numba
from pytensor.link.numba.dispatch.basic import numba_njit, register_funcify_and_cache_key
from pytensor.scalar.math import Psi

__all__ = ["digamma"]

#: Part of the cache key: this module and its source (the compiled code imports it).
_KEY = f"{__name__}.digamma-{hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]}"


@numba.njit(cache=True)
def digamma(x: float) -> float:
    """Digamma function psi(x) for real x (NaN at 0 and the negative integers)."""
    if x <= 0.0 and x == math.floor(x):
        return math.nan
    result = 0.0
    if x < 0.0:  # reflection: psi(1 - x) - psi(x) = pi / tan(pi x)
        result -= math.pi / math.tan(math.pi * x)
        x = 1.0 - x
    while x < 6.0:
        result -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    series = f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))))
    return result + math.log(x) - 0.5 / x - series


@register_funcify_and_cache_key(Psi)
def _numba_funcify_psi(op, node=None, **kwargs):
    def psi(x):
        return digamma(x)

    return numba_njit(psi), _KEY
