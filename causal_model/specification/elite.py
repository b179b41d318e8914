"""Shapes of the elite-circulation response: one class per shape, in a registry.

A change of head of state in Washington or Moscow moves tension by ``delta_e`` and the move
then follows a shape ``g(s)`` of the time ``s`` since the change (``g(s) = 0`` before it)::

    E[t] = sum_e delta_e * g(t - t_e)

Each shape is a subclass of :class:`EliteResponse` (in the style of pymc-marketing's adstock
components): its formula :meth:`~EliteResponse.function`, the parameters it needs with their
meaning and :attr:`~EliteResponse.default_priors`, and :meth:`~EliteResponse.sample_curve`
for plots and the scorecard. The model graph, forecasts, simulation, plots, the scorecard
and the calibration studies all ask the shape; none of them writes its formula again. A
variant names its shape (``Variant(elite="exponential")``); :data:`ELITE_RESPONSES` is the
registry.

Adding a shape: write its class here, add it to :data:`ELITE_RESPONSES`, and give its
parameters a table in the priors files (or rely on its ``default_priors``).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import xarray as xr
from pymc_extras.prior import Prior

from causal_model.backend import NUMPY, Backend

__all__ = [
    "ELITE_RESPONSES",
    "NO_ELITE",
    "EliteResponse",
    "ExponentialDecay",
    "LinearFade",
    "PermanentStep",
    "get_elite_response",
]

#: Name of the variant setting without any elite-circulation term.
NO_ELITE = "none"
#: Dim of the time since a change of leader in :meth:`EliteResponse.sample_curve`.
TIME_SINCE = "years_since_change"


class EliteResponse:
    """Base class of a response shape ``g(s)``, ``s`` the time since a change of leader.

    Subclasses set :attr:`name`, :attr:`description`, :attr:`parameters` (name -> (support,
    meaning)) and :attr:`default_priors`, and implement :meth:`function`.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    #: Parameter name -> (support: "positive" | "real" | "unit", meaning).
    parameters: ClassVar[dict[str, tuple[str, str]]] = {}
    #: A prior per parameter, used when a priors file has no table for it.
    default_priors: ClassVar[dict[str, Prior]] = {}
    #: Whether the effect ever fades (False: a permanent step).
    transient: ClassVar[bool] = True

    def function(self, s, params: dict[str, Any], xp: Backend = NUMPY):
        """``g(s)`` for times ``s`` since the change (any shape; 0 where ``s < 0``).

        Parameters
        ----------
        s
            Times since the change, e.g. ``(T, E)`` (years minus event times).
        params
            The shape's parameters, scalars or arrays with leading batch dims ``(...)``.
        xp
            :data:`causal_model.backend.NUMPY` or :data:`~causal_model.backend.PYTENSOR`.

        Returns
        -------
        array or tensor
            Shape ``(..., *s.shape)``: the batch dims of the parameters, then those of ``s``.
        """
        raise NotImplementedError

    def curve(self, params: dict[str, Any], s: np.ndarray) -> np.ndarray:
        """NumPy ``g(s)`` of a grid ``s`` for parameter draws ``(n,)``: shape ``(n, len(s))``."""
        n = _batch_size(params)
        out = np.asarray(self.function(np.asarray(s, dtype=float), params, NUMPY), dtype=float)
        return np.broadcast_to(out, (n, len(s))).copy()

    def half_life(self, params: dict[str, Any], *, horizon: float = 60.0) -> np.ndarray:
        """Years after the change until the effect has lost half of its peak and stays below
        it (``inf`` for a shape that never fades), per parameter draw."""
        grid = np.linspace(0.0, horizon, 6001)
        g = np.abs(self.curve(params, grid))
        peak = g.max(axis=1, keepdims=True)
        above = g > 0.5 * peak
        last = above.shape[1] - 1 - np.argmax(above[:, ::-1], axis=1)  # last point above half
        out = grid[np.minimum(last + 1, grid.size - 1)]
        return np.where(last >= grid.size - 1, np.inf, out)

    def sample_curve(self, posterior: xr.Dataset, s: np.ndarray | None = None) -> xr.DataArray:
        """``g(s)`` of every posterior draw: dims (chain, draw, years_since_change)."""
        s = np.linspace(0.0, 10.0, 121) if s is None else np.asarray(s, dtype=float)
        nc, nd = posterior.sizes["chain"], posterior.sizes["draw"]
        params = {
            p: posterior[p].transpose("chain", "draw").values.reshape(-1) for p in self.parameters
        }
        if not params:
            params = {"_n": np.zeros(nc * nd)}
        g = self.curve(params, s).reshape(nc, nd, s.size)
        return xr.DataArray(
            g,
            dims=("chain", "draw", TIME_SINCE),
            coords={
                "chain": posterior["chain"].values,
                "draw": posterior["draw"].values,
                TIME_SINCE: s,
            },
            name="elite_response",
            attrs={"shape": self.name, "description": self.description},
        )


def _batch_size(params: dict[str, Any]) -> int:
    sizes = {np.asarray(v).size for v in params.values()}
    return max(sizes) if sizes else 1


def _expand(value, xp: Backend, ndim: int):
    """``value[..., None, ..., None]``: room for ``ndim`` trailing dims of ``s``."""
    value = xp.asarray(value)
    return value[(..., *([None] * ndim))]


class ExponentialDecay(EliteResponse):
    """``g(s) = exp(-s / tau)``, ``tau = half_life / ln 2``: the reference shape."""

    name = "exponential"
    description = "exponential decay with a half-life"
    parameters = {"half_life": ("positive", "half-life of the elite effect in years")}
    default_priors = {"half_life": Prior("LogNormal", mu=math.log(2.0), sigma=0.35)}

    def function(self, s, params, xp=NUMPY):
        s = xp.asarray(s)
        tau = _expand(params["half_life"], xp, s.ndim) / math.log(2.0)
        after = s >= 0
        # the exponential is evaluated at max(s, 0): neither value nor gradient is ever inf
        # or NaN before the event, where both are exactly 0
        return xp.where(after, xp.exp(-xp.maximum(s, 0.0) / tau), 0.0)

    def half_life(self, params, *, horizon=60.0):
        return np.asarray(params["half_life"], dtype=float).reshape(-1)


class LinearFade(EliteResponse):
    """``g(s) = max(0, 1 - s / fade_years)``: the effect fades linearly and is gone after
    ``fade_years`` (a rival transient shape to the exponential; half-life ``fade_years / 2``)."""

    name = "linear"
    description = "linear fade to zero"
    parameters = {"fade_years": ("positive", "years after the change until the effect is gone")}
    default_priors = {"fade_years": Prior("LogNormal", mu=math.log(4.0), sigma=0.4)}

    def function(self, s, params, xp=NUMPY):
        s = xp.asarray(s)
        fade = _expand(params["fade_years"], xp, s.ndim)
        return xp.where(s >= 0, xp.maximum(1.0 - xp.maximum(s, 0.0) / fade, 0.0), 0.0)

    def half_life(self, params, *, horizon=60.0):
        return np.asarray(params["fade_years"], dtype=float).reshape(-1) / 2.0


class PermanentStep(EliteResponse):
    """``g(s) = 1`` after the change: the effect never fades (the rival of claim 2)."""

    name = "permanent"
    description = "a permanent step"
    transient = False

    def function(self, s, params, xp=NUMPY):
        s = xp.asarray(s)
        return xp.where(s >= 0, 1.0, 0.0) + 0.0 * s

    def half_life(self, params, *, horizon=60.0):
        return np.full(_batch_size(params), np.inf)


#: Every elite-response shape, by the name a variant gives.
ELITE_RESPONSES: dict[str, type[EliteResponse]] = {
    cls.name: cls for cls in (ExponentialDecay, LinearFade, PermanentStep)
}


def get_elite_response(name: str) -> EliteResponse | None:
    """The shape called ``name`` (None for :data:`NO_ELITE`)."""
    if name == NO_ELITE:
        return None
    try:
        return ELITE_RESPONSES[name]()
    except KeyError:
        raise ValueError(
            f"unknown elite response {name!r}; choose one of "
            f"{', '.join([*ELITE_RESPONSES, NO_ELITE])}"
        ) from None
