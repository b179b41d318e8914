"""TensionModel: the hierarchical Bayesian model of US–Russia tension.

``__init__`` stores settings; :meth:`TensionModel.build` makes the ``pm.Model`` with named
coords; :meth:`TensionModel.fit` samples and returns ``arviz.InferenceData``. Nothing samples
at construction.

Model (yearly grid): three latent drivers ``D[year, driver]`` are stationary unit-variance
AR(1)s with partially pooled persistences; each driver indicator measures its driver with a
positive loading times the registry's direction; latent tension
``T = sum_k beta_k D_k + E + u`` with ``u`` an AR(1) residual and ``E`` the decaying effect of
changes of head of state; tension indicators load on ``T`` (the anchor's loading is 1, which
fixes the scale and sign of tension). With ``latent="marginal"`` (default) the states are
integrated out inside the log-density (exact Kalman filter when every indicator is
Gaussian, a Laplace approximation otherwise) and drawn after sampling; with
``latent="sampled"`` NUTS samples them (the plain path, for checks).
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from causal_model.data.events import load_events
from causal_model.dims import (
    DRIVER,
    DRIVER_INDICATOR,
    DRIVER_TO,
    EVENT,
    EVENT_TYPE,
    EVENT_TYPES,
    GAUSSIAN_INDICATOR,
    INDICATOR,
    NB_INDICATOR,
    STATE,
    T_INDICATOR,
    TENSION_INDICATOR,
    YEAR,
)
from causal_model.likelihood import observe
from causal_model.model_data import ModelData, prepare
from causal_model.model_parts import (
    driver_parameters,
    full_scale,
    loading_matrix,
    measurement_parameters,
    tension_parameters,
    transition,
)
from causal_model.priors import PriorSet, load_priors
from causal_model.variants import RESIDUAL_STATE, Variant, get_variant

LATENT_MODES = ("marginal", "sampled")


class TensionModel:
    """Hierarchical Bayesian model of tension driven by latent drivers and elite circulation.

    Parameters
    ----------
    panel
        Indicator panel (:func:`causal_model.data.load_us_russia` or ``from_frame``).
    events
        Elite-circulation events (:func:`causal_model.data.load_events`); default: the
        US–Russia events. Scheduled (future) events are used by forecasts only.
    priors
        Name of a file in ``priors/``, a path, a mapping, or a :class:`PriorSet`.
    variant
        Name of a variant (``reference``, ``no_elite``, ``permanent_elite``,
        ``single_driver``, ``coupled``, ``drop_<driver>``) or a :class:`Variant`.
    latent
        ``"marginal"`` (states integrated out; fast) or ``"sampled"`` (states sampled by NUTS).
    """

    def __init__(
        self,
        panel: xr.Dataset,
        events: xr.Dataset | None = None,
        priors: str | PriorSet | dict = "neoclassical_realism",
        variant: str | Variant = "reference",
        *,
        latent: str = "marginal",
    ) -> None:
        if latent not in LATENT_MODES:
            raise ValueError(f"latent={latent!r}; choose one of {LATENT_MODES}")
        self.panel = panel
        self.events = load_events() if events is None else events
        self.priors = load_priors(priors)
        self.variant = get_variant(variant)
        self.latent = latent
        self.model_: pm.Model | None = None
        self.idata_ = None

    # ------------------------------------------------------------------ data views
    @property
    def data(self) -> ModelData:
        """The panel as model arrays (recomputed; cheap)."""
        combine = self.variant.state_drivers[0] if self.variant.single_driver else None
        return prepare(self.panel, self.variant.drivers, combine=combine)

    def past_events(self) -> xr.Dataset:
        """Events inside the panel's years (not scheduled), used in the fit."""
        ev = self.events
        last = int(self.panel[YEAR].max()) + 1
        keep = (~ev["scheduled"].values.astype(bool)) & (ev["time"].values < last)
        return ev.isel({EVENT: np.flatnonzero(keep)})

    def coords(self, md: ModelData | None = None) -> dict:
        """Named coordinates of the model."""
        md = md or self.data
        ind = np.array(md.indicators)
        ev = self.past_events()
        return {
            YEAR: md.years,
            INDICATOR: list(md.indicators),
            DRIVER: list(md.drivers),
            DRIVER_TO: list(md.drivers),
            STATE: [*md.drivers, RESIDUAL_STATE],
            EVENT: [str(e) for e in ev[EVENT].values],
            EVENT_TYPE: list(EVENT_TYPES),
            DRIVER_INDICATOR: list(ind[md.subset("driver")]),
            TENSION_INDICATOR: list(ind[md.subset("tension_free")]),
            GAUSSIAN_INDICATOR: list(ind[md.subset("gaussian")]),
            T_INDICATOR: list(ind[md.subset("t")]),
            NB_INDICATOR: list(ind[md.subset("nb")]),
        }

    # ------------------------------------------------------------------ build
    def build(self) -> pm.Model:
        """Make the ``pm.Model`` (named coords: year, indicator, driver, event, ...)."""
        md = self.data
        ev = self.past_events()
        event_times = ev["time"].values.astype(float)
        event_types = np.array(
            [EVENT_TYPES.index(str(t)) for t in ev["event_type"].values], dtype=int
        )
        with pm.Model(coords=self.coords(md)) as model:
            params = {}
            params.update(driver_parameters(self.priors, md, self.variant))
            params.update(tension_parameters(self.priors, md, self.variant, event_times, event_types))
            params.update(measurement_parameters(self.priors, md))
            z, lam = loading_matrix(md, params)
            scale, nu, alpha = full_scale(md, params)
            a, q, p0 = transition(md, params)
            const = pt.as_tensor_variable(md.offset) + params["intercept"]
            c = const[None, :] + lam[None, :] * params["elite"][:, None]
            if self.latent == "sampled":
                states = _sampled_states(md, a, q, p0)
                eta = c + pt.dot(states, z.T)
                observe(md, eta, scale, nu, alpha)
            else:
                from causal_model.statespace import laplace_marginal_loglike

                pm.Potential(
                    "marginal_loglike",
                    laplace_marginal_loglike(
                        md.y, md.mask, md.trials, md.family, c, z, scale, nu, alpha, a, q, p0
                    ),
                )
        self.model_ = model
        return model


def _sampled_states(md: ModelData, a, q, p0):
    """Latent states as NUTS parameters (non-centred innovations), dims (year, state)."""
    eps = pm.Normal("state_innovation", 0.0, 1.0, dims=(YEAR, STATE))
    chol0 = pt.linalg.cholesky(p0)
    cholq = pt.sqrt(pt.diag(q))
    x0 = pt.dot(chol0, eps[0])

    def step(e, x_prev, a_, cq):
        return pt.dot(a_, x_prev) + cq * e

    from pytensor import scan

    rest, _ = scan(step, sequences=[eps[1:]], outputs_info=[x0], non_sequences=[a, cholq])
    states = pt.concatenate([x0[None, :], rest], axis=0)
    return pm.Deterministic("states", states, dims=(YEAR, STATE))
