"""An identity Op whose gradient is zero, that PyMC's graph rewrites keep."""

from __future__ import annotations

import pytensor.tensor as pt
from pytensor.gradient import disconnected_type
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.link.numba.dispatch.basic import numba_njit, register_funcify_default_op_cache_key

__all__ = ["StopGradient", "stop_gradient"]


class StopGradient(Op):
    """Identity whose gradient is zero (disconnected).

    Unlike ``pytensor.gradient.disconnected_grad`` (a ``ViewOp``), it is not removed by the
    ``canonicalize`` rewrites, which PyMC applies to the log-density *before* differentiating
    (``rewrite_pregrad``); there ``disconnected_grad`` would silently vanish.
    """

    __props__ = ()
    view_map = {0: [0]}

    def make_node(self, x) -> Apply:  # noqa: D102
        x = pt.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage) -> None:  # noqa: D102
        output_storage[0][0] = inputs[0]

    def infer_shape(self, fgraph, node, shapes):  # noqa: D102
        return [shapes[0]]

    def connection_pattern(self, node):  # noqa: D102
        return [[False]]

    def L_op(self, inputs, outputs, output_grads):  # noqa: D102
        return [disconnected_type()]


stop_gradient = StopGradient()


@register_funcify_default_op_cache_key(StopGradient)
def _numba_funcify_stop_gradient(op, node=None, **kwargs):
    @numba_njit
    def identity(x):
        return x

    return identity
