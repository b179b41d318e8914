"""Run a NUTS engine on a built model: nutpie (default), PyMC, or numpyro."""

from __future__ import annotations

import arviz as az
import pymc as pm

SAMPLERS = ("nutpie", "pymc", "numpyro")


def run_sampler(
    model: pm.Model,
    sampler: str,
    draws: int,
    tune: int,
    chains: int,
    seed: int,
    progressbar: bool = False,
    **kwargs,
) -> az.InferenceData:
    """Sample ``model`` with the named engine and return its InferenceData."""
    if sampler == "nutpie":
        import nutpie

        compiled = nutpie.compile_pymc_model(model)
        return nutpie.sample(
            compiled, draws=draws, tune=tune, chains=chains, cores=chains, seed=seed,
            progress_bar=progressbar, **kwargs,
        )
    if sampler == "pymc":
        return pm.sample(
            draws=draws, tune=tune, chains=chains, cores=min(chains, 2), random_seed=seed,
            progressbar=progressbar, model=model, compute_convergence_checks=False, **kwargs,
        )
    if sampler == "numpyro":
        try:
            import numpyro  # noqa: F401
        except ImportError:
            raise ImportError(
                "sampler='numpyro' needs JAX and numpyro: pip install numpyro"
            ) from None
        return pm.sample(
            draws=draws, tune=tune, chains=chains, random_seed=seed, progressbar=progressbar,
            model=model, nuts_sampler="numpyro", compute_convergence_checks=False, **kwargs,
        )
    raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
