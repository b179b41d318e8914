"""After sampling: latent paths (drivers, residual, tension, elite) and the pointwise
log-likelihood.

With the states integrated out during sampling, each posterior draw's state path is drawn
afterwards from ``p(states | y, params)`` (exact for Gaussian indicators, the Laplace
approximation otherwise), with the state space of that draw evaluated by the model's one
structure (:func:`causal_model.model.structure.state_space`). The pointwise log-likelihood of
an indicator-year is then the conditional ``log p(y[t, i] | states_t, params)`` of that draw;
unobserved cells are NaN.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from causal_model import families
from causal_model.dims import DRIVER, IDIO_INDICATOR, INDICATOR, T_INDICATOR, YEAR
from causal_model.model.arrays import ModelData
from causal_model.model.layout import Layout
from causal_model.model.statespace.laplace_numpy import sample_states
from causal_model.model.structure import (
    StateSpace,
    cell_scale,
    mixture_families,
    posterior_parameters,
    state_space,
    tension_of,
)

__all__ = [
    "constant_data",
    "draw_states",
    "fitted_state_space",
    "latent_paths",
    "observed_data",
    "pointwise_log_likelihood",
    "t_weights",
]


def t_weights(posterior: xr.Dataset) -> np.ndarray | None:
    """The sampled Student-t scale-mixture weights, ``(chain * draw, year, t_indicator)``."""
    if "t_weight" not in posterior:
        return None
    v = posterior["t_weight"].transpose("chain", "draw", YEAR, T_INDICATOR).values
    return v.reshape(-1, *v.shape[2:])


def fitted_state_space(posterior: xr.Dataset, layout: Layout) -> StateSpace:
    """The state space of every posterior draw (leading dim ``chain * draw``)."""
    return state_space(posterior_parameters(posterior, layout), layout)


def draw_states(
    layout: Layout,
    ss: StateSpace,
    rng: np.random.Generator,
    t_weight: np.ndarray | None = None,
) -> np.ndarray:
    """One state path per draw of ``ss``: ``(D, year, state)``.

    ``t_weight`` ``(D, year, t_indicator)``: the sampled scale-mixture weights of the
    Student-t indicators; given them those cells are normal and the draws are exact. Without
    them the Student-t cells use the Laplace approximation.
    """
    md = layout.data
    family = mixture_families(layout, t_weight)
    scale = cell_scale(ss.scale, t_weight, layout)
    out = np.empty((ss.a.shape[0], md.n_years, layout.n_states))
    for d in range(out.shape[0]):
        out[d] = sample_states(
            md.y,
            md.mask,
            md.trials,
            family,
            ss.c[d],
            ss.z[d],
            scale[d],
            ss.nu[d],
            ss.alpha[d],
            ss.a[d],
            ss.q_time[d],
            ss.p0[d],
            draws=1,
            rng=rng,
        )[0]
    return out


def _unflat(a: np.ndarray, coords: dict) -> np.ndarray:
    return a.reshape(len(coords["chain"]), len(coords["draw"]), *a.shape[1:])


def latent_paths(layout: Layout, ss: StateSpace, states: np.ndarray, coords: dict) -> xr.Dataset:
    """Drivers, residual, elite and tension paths (chain, draw, year[, driver]), the level's
    drift term (``trend``) when the variant has one, and the
    idiosyncratic indicators' own AR(1) deviations (``own_deviation``, dims chain, draw, year,
    idio_indicator) when the variant has them."""
    md = layout.data
    k = layout.n_drivers
    drivers = states[..., :k]
    residual = states[..., k]
    elite = np.broadcast_to(ss.elite, residual.shape)
    trend = np.broadcast_to(ss.trend, residual.shape)
    tension = tension_of(states, ss.beta, elite, trend)
    cd = ("chain", "draw", YEAR)
    data = {
        "drivers": (cd + (DRIVER,), _unflat(drivers, coords)),
        "residual": (cd, _unflat(residual, coords)),
        "elite": (cd, _unflat(elite, coords)),
        "tension": (cd, _unflat(tension, coords)),
    }
    if layout.drift:
        data["trend"] = (cd, _unflat(trend, coords))
    extra = {}
    if layout.idio.size:
        data["own_deviation"] = (cd + (IDIO_INDICATOR,), _unflat(states[..., k + 1 :], coords))
        extra[IDIO_INDICATOR] = [md.indicators[i] for i in layout.idio]
    return xr.Dataset(data, coords={**coords, YEAR: md.years, DRIVER: list(md.drivers), **extra})


def pointwise_log_likelihood(
    md: ModelData, ss: StateSpace, states: np.ndarray, coords: dict
) -> xr.Dataset:
    """Conditional log-likelihood per indicator (one variable each, dims chain, draw, year)."""
    eta = ss.c + np.einsum("dts,dis->dti", states, ss.z)
    ll = families.logpdf(
        md.family,
        md.y,
        eta,
        scale=ss.scale,
        nu=ss.nu,
        alpha=ss.alpha,
        trials=md.trials,
        mask=md.mask,
    )
    ll = _unflat(ll, coords)
    return xr.Dataset(
        {key: (("chain", "draw", YEAR), ll[..., j]) for j, key in enumerate(md.indicators)},
        coords={**coords, YEAR: md.years},
        attrs={
            "note": "conditional log p(y[year, indicator] | states, params); NaN where unobserved",
        },
    )


def observed_data(md: ModelData) -> xr.Dataset:
    """The modelled data (standardised gaussian values, counts), NaN where missing."""
    y = np.where(md.mask, md.y, np.nan)
    return xr.Dataset(
        {key: ((YEAR,), y[:, j]) for j, key in enumerate(md.indicators)},
        coords={YEAR: md.years},
    )


def constant_data(md: ModelData) -> xr.Dataset:
    """Standardisation constants and trials, per indicator."""
    return xr.Dataset(
        {
            "center": ((INDICATOR,), md.center),
            "scale": ((INDICATOR,), md.scale),
            "offset": ((INDICATOR,), md.offset),
            "trials": ((YEAR, INDICATOR), np.where(md.mask, md.trials, np.nan)),
        },
        coords={YEAR: md.years, INDICATOR: list(md.indicators)},
    )
