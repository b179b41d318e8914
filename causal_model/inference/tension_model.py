"""TensionModel: the model users fit, save and load.

``__init__`` stores settings; :meth:`~causal_model.model.definition.ModelDefinition.build`
makes the ``pm.Model`` with named coords; :meth:`TensionModel.fit` samples and returns
``arviz.InferenceData``. Nothing samples at construction. Forecasts, interventions and
comparisons are functions of a model and its fit (:mod:`causal_model.analysis`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import arviz as az
import numpy as np
import pymc as pm
import xarray as xr

from causal_model.defaults import DEFAULT_DRAWS, DEFAULT_TUNE
from causal_model.dims import STATE, YEAR
from causal_model.inference.arguments import check_fit_arguments
from causal_model.inference.diagnostics import diagnose
from causal_model.inference.model_file import ModelFileError, load_fit, save_fit
from causal_model.inference.postprocess import (
    constant_data,
    draw_states,
    fitted_state_space,
    latent_paths,
    observed_data,
    pointwise_log_likelihood,
    t_weights,
)
from causal_model.inference.sampling import SAMPLERS, run_sampler
from causal_model.model.definition import ModelDefinition
from causal_model.model.generate import sample_prior_predictive

__all__ = ["TensionModel"]


class TensionModel(ModelDefinition):
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

    Attributes
    ----------
    model_ : pymc.Model or None
        The PyMC model of the last fit.
    idata_ : arviz.InferenceData or None
        The last fit (:meth:`fit`) or the loaded one (:meth:`load`).
    diagnostics_ : pandas.DataFrame
        Convergence summary of the last fit.
    timing_ : dict
        Wall seconds of the last fit's phases (build, compile, sample, postprocess).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.model_: pm.Model | None = None
        self.idata_: az.InferenceData | None = None

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
        status: Callable[[str], None] | None = None,
        **sampler_kwargs,
    ) -> az.InferenceData:
        """Sample the posterior and return InferenceData with named dims.

        Parameters
        ----------
        draws, tune, chains
            Posterior draws per chain, tuning steps, chains (defaults:
            :mod:`causal_model.defaults`, measured choices in ``docs/performance.md``).
        sampler
            ``"nutpie"`` (default; numba-compiled NUTS), ``"pymc"`` (PyMC's NUTS) or
            ``"numpyro"`` (needs JAX installed and ``latent="sampled"``).
        random_seed
            Seed; the same seed gives the same numbers.
        progressbar
            Show sampling progress.
        diagnostics
            Warn (ConvergenceWarning) when R-hat > 1.01, bulk ESS < 400 or a transition
            diverged; the table is kept in ``self.diagnostics_``.
        status
            Called with one line per phase (compiling, sampling), e.g. ``print``.

        Returns
        -------
        arviz.InferenceData
            ``posterior`` (parameters, and the latent paths ``drivers``, ``residual``,
            ``tension``, ``elite``), ``log_likelihood`` (one variable per indicator, dims
            chain, draw, year; NaN where unobserved), ``observed_data``, ``constant_data``,
            ``sample_stats``.

        Raises
        ------
        ValueError
            For a bad argument (``draws``, ``tune`` and ``chains`` must be positive integers,
            ``random_seed`` None or a non-negative integer), before anything is built.
        KeyboardInterrupt
            When interrupted: the sampler is stopped and no fit is returned.
        causal_model.inference.arguments.IncompleteFitError
            When the sampler returned fewer chains or draws than asked for, or NaN draws.
        """
        draws, tune, chains, random_seed = check_fit_arguments(draws, tune, chains, random_seed)
        if sampler not in SAMPLERS:
            raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
        if sampler == "numpyro" and self.latent == "marginal":
            raise ValueError(
                "sampler='numpyro' needs the full-latent model: TensionModel(..., "
                "latent='sampled'). The marginal model integrates the states out with a "
                "numba-compiled Laplace step that JAX cannot trace; use sampler='nutpie' or "
                "'pymc' for it."
            )
        if sampler == "numpyro" and self.variant.shocks != "normal":
            raise ValueError(
                "sampler='numpyro' cannot compile the Student-t shocks' yearly weights (JAX "
                "needs static shapes there): use a variant with shocks='normal' (e.g. "
                "variant='stationary') or sampler='nutpie' / 'pymc'."
            )
        t0 = time.perf_counter()
        model = self.model_ = self.build()
        data = self.data_values(self.data) if self.latent == "marginal" else {}
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
            status=status,
            **sampler_kwargs,
        )
        t1 = time.perf_counter()
        idata = self.postprocess(idata, random_seed=seed)
        timing["postprocess"] = time.perf_counter() - t1
        self.timing_ = timing
        if diagnostics:
            self.diagnostics_ = diagnose(idata)
        self.idata_ = idata
        return idata

    def postprocess(self, idata: az.InferenceData, *, random_seed: int | None = None):
        """Add latent paths, the pointwise log-likelihood and the data to a raw fit."""
        layout = self.layout
        md = layout.data
        posterior = idata.posterior
        ss = fitted_state_space(posterior, layout)
        if self.latent == "sampled":
            v = posterior["states"].transpose("chain", "draw", YEAR, STATE).values
            states = v.reshape(-1, *v.shape[2:])
        else:
            rng = np.random.default_rng(random_seed)
            states = draw_states(layout, ss, rng, t_weights(posterior))
        coords = {"chain": posterior["chain"].values, "draw": posterior["draw"].values}
        paths = latent_paths(layout, ss, states, coords)
        posterior = posterior.drop_vars(list(paths.data_vars), errors="ignore")
        idata.posterior = xr.merge([posterior, paths], compat="override")
        groups = {
            "log_likelihood": pointwise_log_likelihood(md, ss, states, coords),
            "observed_data": observed_data(md),
            "constant_data": constant_data(md),
        }
        for name in groups:
            if name in idata.groups():
                del idata[name]
        idata.add_groups(groups)
        idata.attrs["variant"] = self.variant.name
        idata.attrs["elite_response"] = self.variant.elite
        idata.attrs["latent"] = self.latent
        return idata

    def sample_prior_predictive(self, draws: int = 500, random_seed: int | None = None):
        """Parameters, latent paths and indicators drawn from the priors (see
        :func:`causal_model.model.generate.sample_prior_predictive`)."""
        return sample_prior_predictive(self, draws=draws, random_seed=random_seed)

    # ------------------------------------------------------------------ save / load
    def save(self, path, idata: az.InferenceData | None = None, *, overwrite: bool = False):
        """Write the fit, data, events, priors and variant to one netCDF file (atomic)."""
        idata = idata if idata is not None else self.idata_
        if idata is None:
            raise ValueError("nothing to save: fit the model first or pass idata=")
        return save_fit(self, idata, path, overwrite=overwrite)

    @classmethod
    def load(cls, path) -> TensionModel:
        """Rebuild a model saved by :meth:`save`; its fit is in ``model.idata_``.

        Raises
        ------
        FileNotFoundError
            If there is no such file.
        causal_model.inference.model_file.ModelFileError
            If the file is not a readable model file; the message names the file.
        """
        settings, idata = load_fit(path)
        try:
            model = cls(**settings)
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelFileError(
                f"{path}: its settings do not make a model ({exc}); the file was changed "
                "after it was saved or comes from another version: refit and save it again"
            ) from exc
        model.idata_ = idata
        return model
