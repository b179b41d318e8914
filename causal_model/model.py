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
Gaussian, a Laplace approximation otherwise; a Student-t indicator enters as a scale
mixture of normals with sampled weights, so the Laplace step is exact for it) and drawn
after sampling; with
``latent="sampled"`` NUTS samples them (the plain path, for checks).
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from causal_model.data.events import load_events
from causal_model.defaults import DEFAULT_DRAWS, DEFAULT_TUNE
from causal_model.dims import (
    DRIVER,
    DRIVER_INDICATOR,
    DRIVER_TO,
    EVENT,
    EVENT_TYPE,
    EVENT_TYPES,
    GAUSSIAN_INDICATOR,
    INDICATOR,
    INTERCEPT_INDICATOR,
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
    sampled_states,
    student_t_mixture,
    tension_parameters,
    transition,
)
from causal_model.posterior import SS_VARS
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
            DRIVER_INDICATOR: list(ind[md.subset("driver_free")]),
            TENSION_INDICATOR: list(ind[md.subset("tension_free")]),
            GAUSSIAN_INDICATOR: list(ind[md.subset("gaussian")]),
            INTERCEPT_INDICATOR: list(ind[md.subset("intercept_free")]),
            T_INDICATOR: list(ind[md.subset("t")]),
            NB_INDICATOR: list(ind[md.subset("nb")]),
        }

    @staticmethod
    def data_values(md: ModelData) -> dict[str, np.ndarray]:
        """Values of the model's data containers (swapped on refits without recompiling)."""
        from causal_model.statespace_numpy import prepare_data

        ys, m, ntr, _ = prepare_data(md.y, md.mask, md.trials, md.family)
        return {"y_obs": ys, "obs_mask": m, "obs_trials": ntr}

    def structure_key(self) -> str:
        """Hash of everything that shapes the compiled model except the data values.

        Two models with the same key differ only in data (values, missingness, count
        offsets), so a compiled sampler can be reused with new data.
        """
        import hashlib
        import json

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
    def build(self, *, internals: bool = False) -> pm.Model:
        """Make the ``pm.Model`` (named coords: year, indicator, driver, event, ...).

        Parameters
        ----------
        internals
            Also register the state-space pieces (``ss_*`` Deterministics) used after
            sampling to draw the latent paths; the sampled model does without them.
        """
        md = self.data
        ev = self.past_events()
        event_times = ev["time"].values.astype(float)
        event_types = np.array(
            [EVENT_TYPES.index(str(t)) for t in ev["event_type"].values], dtype=int
        )
        with pm.Model(coords=self.coords(md)) as model:
            params = {}
            params.update(driver_parameters(self.priors, md, self.variant))
            params.update(
                tension_parameters(self.priors, md, self.variant, event_times, event_types)
            )
            params.update(measurement_parameters(self.priors, md))
            z, lam = loading_matrix(md, params)
            scale, nu, alpha = full_scale(md, params)
            a, q, p0 = transition(md, params)
            offset = (
                pm.Data("link_offset", md.offset, dims=INDICATOR)
                if self.latent == "marginal"
                else pt.as_tensor_variable(md.offset)
            )
            const = offset + params["intercept_full"]
            c = const[None, :] + lam[None, :] * params["elite"][:, None]
            if self.latent == "sampled":
                states = sampled_states(md, a, q, p0)
                eta = c + pt.dot(states, z.T)
                observe(md, eta, scale, nu, alpha)
            else:
                from causal_model.statespace import laplace_marginal_loglike

                data = {name: pm.Data(name, val) for name, val in self.data_values(md).items()}
                cell_scale, family = (
                    student_t_mixture(md, params["nu"], scale)
                    if "nu" in params
                    else (scale, md.family)
                )
                pm.Potential(
                    "marginal_loglike",
                    laplace_marginal_loglike(
                        md.y,
                        md.mask,
                        md.trials,
                        family,
                        c,
                        z,
                        cell_scale,
                        nu,
                        alpha,
                        a,
                        q,
                        p0,
                        data_tensors=(data["y_obs"], data["obs_mask"], data["obs_trials"]),
                    ),
                )
            if internals:
                for name, val in zip(SS_VARS, (c, z, scale, nu, alpha, a, q, p0), strict=True):
                    pm.Deterministic(name, val)
        if not internals:
            self.model_ = model
        return model

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        draws: int = DEFAULT_DRAWS,
        tune: int = DEFAULT_TUNE,
        chains: int = 2,
        *,
        sampler: str = "nutpie",
        random_seed: int | None = None,
        progressbar: bool = False,
        diagnostics: bool = True,
        **sampler_kwargs,
    ) -> az.InferenceData:
        """Sample the posterior and return InferenceData with named dims.

        Parameters
        ----------
        draws, tune, chains
            Posterior draws per chain, tuning steps, chains. With the defaults (1200 draws
            after 700 tuning steps) the real panel's reference fit reaches a bulk ESS of
            about 600 or more on every parameter (measured over six seeds; see the README's
            performance section).
        sampler
            ``"nutpie"`` (default; numba-compiled NUTS), ``"pymc"`` (PyMC's NUTS) or
            ``"numpyro"`` (needs JAX installed).
        random_seed
            Seed; the same seed gives the same numbers.
        progressbar
            Show sampling progress.
        diagnostics
            Print nothing but warn (ConvergenceWarning) when R-hat > 1.01, bulk ESS < 400 or
            a transition diverged; the table is kept in ``self.diagnostics_``.

        Returns
        -------
        arviz.InferenceData
            ``posterior`` (parameters, and the latent paths ``drivers``, ``residual``,
            ``tension``, ``elite``), ``log_likelihood`` (one variable per indicator, dims
            chain, draw, year; NaN where unobserved), ``observed_data``, ``constant_data``,
            ``sample_stats``.
        """
        import time

        from causal_model.sampling import run_sampler

        if sampler == "numpyro" and self.latent == "marginal":
            raise ValueError(
                "sampler='numpyro' needs the full-latent model: TensionModel(..., "
                "latent='sampled'). The marginal model integrates the states out with a "
                "numba-compiled Laplace step that JAX cannot trace; use sampler='nutpie' or "
                "'pymc' for it."
            )
        t0 = time.perf_counter()
        model = self.build()
        md = self.data
        data = (
            dict(self.data_values(md), link_offset=md.offset) if self.latent == "marginal" else {}
        )
        seed = int(np.random.SeedSequence(random_seed).generate_state(1)[0] % (2**31))
        timing = {"build": time.perf_counter() - t0}
        idata = run_sampler(
            model,
            sampler,
            draws,
            tune,
            chains,
            seed,
            progressbar,
            cache_key=self.structure_key(),
            data=data,
            timing=timing,
            **sampler_kwargs,
        )
        t1 = time.perf_counter()
        idata = self.postprocess(idata, random_seed=seed)
        timing["postprocess"] = time.perf_counter() - t1
        self.timing_ = timing
        if diagnostics:
            from causal_model.diagnostics import diagnose

            self.diagnostics_ = diagnose(idata)
        self.idata_ = idata
        return idata

    def postprocess(self, idata: az.InferenceData, *, random_seed: int | None = None):
        """Add latent paths, the pointwise log-likelihood and the data to a raw fit."""
        from causal_model import posterior as post

        md = self.data
        keep = [v for v in idata.posterior.data_vars if v not in SS_VARS]
        posterior = idata.posterior[keep]
        ss = post.state_space_numpy(md, posterior)
        if self.latent == "sampled":
            states = posterior["states"].transpose("chain", "draw", YEAR, STATE).values
        else:
            rng = np.random.default_rng(random_seed)
            states = post.draw_states(md, ss, rng, post.t_weights(posterior))
        coords = {"chain": posterior["chain"].values, "draw": posterior["draw"].values}
        paths = post.latent_paths(
            md,
            states,
            posterior["beta"].transpose("chain", "draw", DRIVER).values,
            posterior["elite"].transpose("chain", "draw", YEAR).values,
            coords,
        )
        posterior = posterior.drop_vars(["drivers", "residual", "tension"], errors="ignore")
        idata.posterior = xr.merge([posterior, paths], compat="override")
        groups = {
            "log_likelihood": post.pointwise_log_likelihood(md, states, ss, coords),
            "observed_data": post.observed_data(md),
            "constant_data": post.constant_data(md),
        }
        for name in groups:
            if name in idata.groups():
                del idata[name]
        idata.add_groups(groups)
        idata.attrs["variant"] = self.variant.name
        idata.attrs["latent"] = self.latent
        return idata

    # ------------------------------------------------------------------ forecasts / causal
    def _fit_or(self, idata):
        idata = idata if idata is not None else self.idata_
        if idata is None:
            raise ValueError("fit the model first (model.fit()) or pass the fit as idata")
        return idata

    def forecast(
        self,
        idata: az.InferenceData | None = None,
        until: int = 2030,
        scenario=None,
        *,
        random_seed: int | None = None,
        start: int | None = None,
    ) -> az.InferenceData:
        """Posterior forecast to ``until``; see :func:`causal_model.forecast.forecast`."""
        from causal_model.forecast import forecast

        return forecast(
            self, self._fit_or(idata), until, scenario, random_seed=random_seed, start=start
        )

    def forecast_scenarios(self, idata=None, scenarios=None, *, until=2030, random_seed=None):
        """Forecasts under several scenarios with common random numbers; see
        :func:`causal_model.forecast.forecast_scenarios`."""
        from causal_model.forecast import forecast_scenarios

        kw = {} if scenarios is None else {"scenarios": scenarios}
        return forecast_scenarios(
            self, self._fit_or(idata), until=until, random_seed=random_seed, **kw
        )

    def intervene(self, idata=None, do=None, **kwargs) -> xr.Dataset:
        """Set or shift drivers from a year on; see :func:`causal_model.causal.intervene`."""
        from causal_model.causal import intervene

        if not do:
            raise ValueError("give do={driver: value}, e.g. do={'security': -1.0}")
        return intervene(self, self._fit_or(idata), do, **kwargs)

    def counterfactual(self, idata=None, **kwargs) -> xr.Dataset:
        """Counterfactual history; see :func:`causal_model.causal.counterfactual`."""
        from causal_model.causal import counterfactual

        return counterfactual(self, self._fit_or(idata), **kwargs)

    def decompose(self, data: az.InferenceData | None = None) -> xr.Dataset:
        """Contributions to tension; see :func:`causal_model.causal.decompose`."""
        from causal_model.causal import decompose

        return decompose(self._fit_or(data))

    def sample_prior_predictive(self, draws: int = 500, random_seed: int | None = None):
        """Parameters, latent paths and indicators drawn from the priors.

        See :func:`causal_model.prior_predictive.sample_prior_predictive`.
        """
        from causal_model.prior_predictive import sample_prior_predictive

        return sample_prior_predictive(self, draws=draws, random_seed=random_seed)

    # ------------------------------------------------------------------ save / load
    def save(self, path, idata: az.InferenceData | None = None, *, overwrite: bool = False):
        """Write the fit, data, events, priors and variant to one netCDF file (atomic)."""
        from causal_model.io import save_fit

        idata = idata if idata is not None else self.idata_
        if idata is None:
            raise ValueError("nothing to save: fit the model first or pass idata=")
        return save_fit(self, idata, path, overwrite=overwrite)

    @classmethod
    def load(cls, path) -> TensionModel:
        """Rebuild a model saved by :meth:`save`; its fit is in ``model.idata_``."""
        from causal_model.io import load_fit

        model, _ = load_fit(path)
        return model
