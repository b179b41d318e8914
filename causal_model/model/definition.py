"""A model before it is fitted: its settings, its arrays, and ``build()`` of the PyMC model.

:class:`ModelDefinition` stores a panel, events, priors and a variant (nothing is computed or
sampled at construction) and builds the ``pm.Model`` with named coords. Fitting, saving and
loading are added by :class:`causal_model.inference.TensionModel`, which users work with.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from causal_model.backend import PYTENSOR
from causal_model.data import load_events
from causal_model.dims import (
    COOP_INDICATOR,
    DRIVER,
    DRIVER_INDICATOR,
    DRIVER_TO,
    EVENT,
    EVENT_TYPE,
    EVENT_TYPES,
    GAUSSIAN_INDICATOR,
    IDIO_INDICATOR,
    INDICATOR,
    INTERCEPT_INDICATOR,
    NB_INDICATOR,
    SHOCK_YEAR,
    STATE,
    T_INDICATOR,
    TENSION_INDICATOR,
    YEAR,
)
from causal_model.families import FAMILIES
from causal_model.model.arrays import ModelData, prepare
from causal_model.model.layout import Layout, idiosyncratic_indicators
from causal_model.model.parameters import parameters, sampled_states, student_t_weights
from causal_model.model.statespace.laplace_numpy import prepare_data
from causal_model.model.statespace.laplace_op import laplace_marginal_loglike
from causal_model.model.structure import (
    StateSpace,
    cell_scale,
    mixture_families,
    state_space,
)
from causal_model.specification.priors import PriorSet, load_priors
from causal_model.specification.variants import RESIDUAL_STATE, Variant, get_variant

__all__ = ["LATENT_MODES", "ModelDefinition"]

LATENT_MODES = ("marginal", "sampled")


class ModelDefinition:
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
        Name of a variant (:data:`causal_model.specification.variants.VARIANTS`) or a
        :class:`~causal_model.specification.variants.Variant`.
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

    # ------------------------------------------------------------------ derived views
    @property
    def data(self) -> ModelData:
        """The panel as model arrays (recomputed; cheap)."""
        combine = self.variant.state_drivers[0] if self.variant.single_driver else None
        flows = self.variant.stocks == "flow"
        return prepare(self.panel, self.variant.drivers, combine=combine, flows=flows)

    @property
    def layout(self) -> Layout:
        """Which parameter goes where (:class:`~causal_model.model.layout.Layout`)."""
        return Layout.of(self.data, self.variant, self.past_events())

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
        own = idiosyncratic_indicators(md, self.variant)
        return {
            YEAR: md.years,
            SHOCK_YEAR: md.years[1:],
            INDICATOR: list(md.indicators),
            DRIVER: list(md.drivers),
            DRIVER_TO: list(md.drivers),
            STATE: [*md.drivers, RESIDUAL_STATE, *(f"own:{k}" for k in own)],
            IDIO_INDICATOR: own,
            EVENT: [str(e) for e in ev[EVENT].values],
            EVENT_TYPE: list(EVENT_TYPES),
            DRIVER_INDICATOR: list(ind[md.subset("driver_free")]),
            TENSION_INDICATOR: list(ind[md.subset("tension_free")]),
            COOP_INDICATOR: list(ind[md.subset("cooperation")]),
            GAUSSIAN_INDICATOR: list(ind[md.subset("gaussian")]),
            INTERCEPT_INDICATOR: list(ind[md.subset("intercept_free")]),
            T_INDICATOR: list(ind[md.subset("t")]),
            NB_INDICATOR: list(ind[md.subset("nb")]),
        }

    @staticmethod
    def data_values(md: ModelData) -> dict[str, np.ndarray]:
        """Values of the model's data containers (swapped on refits without recompiling)."""
        ys, m, ntr, _ = prepare_data(md.y, md.mask, md.trials, md.family)
        return {"y_obs": ys, "obs_mask": m, "obs_trials": ntr, "link_offset": md.offset}

    def structure_key(self) -> str:
        """Hash of everything that shapes the compiled model except the data values.

        Two models with the same key differ only in data (values, missingness, count
        offsets), so a compiled sampler can be reused with new data.
        """
        md = self.data
        ev = self.past_events()
        parts = {
            "variant": self.variant.to_dict(),
            "priors": self.priors.to_dict(),
            "latent": self.latent,
            "indicators": list(md.indicators),
            "family": md.family.tolist(),
            "direction": md.direction.tolist(),
            "driver_of": md.driver_of.tolist(),
            "anchor": md.anchor,
            "years": md.years.tolist(),
            "events": [float(t) for t in ev["time"].values],
            "event_types": [str(t) for t in ev["event_type"].values],
        }
        if self.latent == "sampled":
            parts["mask"] = md.mask.tolist()
            parts["y"] = md.y.tolist()
            parts["offset"] = md.offset.tolist()
        blob = json.dumps(parts, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:20]

    # ------------------------------------------------------------------ build
    def build(self) -> pm.Model:
        """Make the ``pm.Model`` (named coords: year, indicator, driver, event, ...).

        The structural parameters come from :func:`causal_model.model.parameters.parameters`,
        the state space from :func:`causal_model.model.structure.state_space` (PyTensor
        backend). With ``latent="marginal"`` the states are integrated out by the Laplace
        step (:func:`~causal_model.model.statespace.laplace_op.laplace_marginal_loglike`);
        with ``"sampled"`` they are NUTS parameters and every family observes its cells.
        """
        layout = self.layout
        md = layout.data
        with pm.Model(coords=self.coords(md)) as model:
            params = parameters(self.priors, layout, self.variant)
            if self.latent == "sampled":
                ss = state_space(params, layout, PYTENSOR)
                states = sampled_states(ss.a, ss.q_time, ss.p0)
                _observe(md, ss.c + pt.dot(states, ss.z.T), ss)
                return model
            data = {name: pm.Data(name, val) for name, val in self.data_values(md).items()}
            ss = state_space(params, layout, PYTENSOR, offset=data["link_offset"])
            weights = student_t_weights(params["nu"]) if "nu" in params else None
            pm.Potential(
                "marginal_loglike",
                laplace_marginal_loglike(
                    md.y,
                    md.mask,
                    md.trials,
                    mixture_families(layout, weights),
                    ss.c,
                    ss.z,
                    cell_scale(ss.scale, weights, layout, PYTENSOR),
                    ss.nu,
                    ss.alpha,
                    ss.a,
                    ss.q_time,
                    ss.p0,
                    data_tensors=(data["y_obs"], data["obs_mask"], data["obs_trials"]),
                ),
            )
        return model


def _observe(md: ModelData, eta, ss: StateSpace) -> None:
    """One observed variable per family (observed cells only), ``obs_<family>``."""
    for family in FAMILIES.values():
        cols = np.flatnonzero(md.family == family.code)
        tt, ii = np.nonzero(md.mask[:, cols])
        if tt.size == 0:
            continue
        ii = cols[ii]
        family.observe(
            f"obs_{family.name}",
            eta[tt, ii],
            md.y[tt, ii],
            scale=ss.scale[ii],
            nu=ss.nu[ii],
            alpha=ss.alpha[ii],
            trials=md.trials[tt, ii].astype(int),
        )
