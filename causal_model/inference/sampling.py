"""Run a NUTS engine on a built model: nutpie (default), PyMC, or numpyro.

Compiled nutpie models are cached in-process by the model's structure key: a refit of the same
structure on new data (leave-future-out, simulation studies) swaps the data containers with
``with_data`` instead of recompiling.
"""

from __future__ import annotations

import time
from collections import OrderedDict

import arviz as az
import numpy as np
import pymc as pm
from threadpoolctl import threadpool_limits

from causal_model.defaults import DEFAULT_TARGET_ACCEPT
from causal_model.inference.compile_cache import compile_pymc_model

SAMPLERS = ("nutpie", "pymc", "numpyro")
_COMPILED: OrderedDict[str, object] = OrderedDict()
_CACHE_SIZE = 16


def clear_compiled_cache() -> None:
    """Forget every cached compiled model."""
    _COMPILED.clear()


def compiled_nutpie(model: pm.Model, cache_key: str | None, data: dict, timing: dict):
    """Return a compiled nutpie model, reusing a cached one (with ``data`` swapped in).

    A structure new to this process is compiled by
    :func:`causal_model.inference.compile_cache.compile_pymc_model`, whose C callbacks are
    cached on disk across processes.
    """
    t0 = time.perf_counter()
    if cache_key is not None and cache_key in _COMPILED:
        compiled = _COMPILED[cache_key]
        _COMPILED.move_to_end(cache_key)
        if data:
            compiled = compiled.with_data(**data)
        timing["compile"] = time.perf_counter() - t0
        timing["compile_cached"] = True
        return compiled
    compiled = compile_pymc_model(model)
    if cache_key is not None:
        _COMPILED[cache_key] = compiled
        while len(_COMPILED) > _CACHE_SIZE:
            _COMPILED.popitem(last=False)
    timing["compile"] = time.perf_counter() - t0
    timing["compile_cached"] = False
    timing["callbacks_from_disk"] = bool(getattr(compiled.compiled_logp_func, "cache_hits", 0))
    return compiled


def run_sampler(
    model: pm.Model,
    sampler: str,
    draws: int,
    tune: int,
    chains: int,
    seed: int,
    progressbar: bool = False,
    *,
    cache_key: str | None = None,
    data: dict | None = None,
    timing: dict | None = None,
    **kwargs,
) -> az.InferenceData:
    """Sample ``model`` with the named engine and return its InferenceData.

    ``timing`` (a dict) receives ``compile`` and ``sample`` wall seconds and ``grad_evals``,
    the number of log-density gradient evaluations of all chains, warm-up included.
    """
    timing = {} if timing is None else timing
    kwargs.setdefault("target_accept", DEFAULT_TARGET_ACCEPT)
    # One BLAS thread per chain: with the chains already in parallel, BLAS threads only spin
    # (measured: one log-density evaluation 200 us with one thread, up to 46 ms without).
    with threadpool_limits(limits=1):
        return _run(
            model,
            sampler,
            draws,
            tune,
            chains,
            seed,
            progressbar,
            cache_key,
            data,
            timing,
            **kwargs,
        )


def _run(model, sampler, draws, tune, chains, seed, progressbar, cache_key, data, timing, **kwargs):
    if sampler == "nutpie":
        import nutpie

        # diagonal mass matrix (measured against low-rank: docs/decisions.md)
        kwargs.setdefault("low_rank_modified_mass_matrix", False)

        compiled = compiled_nutpie(model, cache_key, data or {}, timing)
        t0 = time.perf_counter()
        idata = nutpie.sample(
            compiled,
            draws=draws,
            tune=tune,
            chains=chains,
            cores=chains,
            seed=seed,
            progress_bar=progressbar,
            save_warmup=True,
            **kwargs,
        )
        timing["sample"] = time.perf_counter() - t0
        return _drop_warmup(idata, timing)
    t0 = time.perf_counter()
    if sampler == "pymc":
        idata = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            cores=min(chains, 2),
            random_seed=seed,
            progressbar=progressbar,
            model=model,
            compute_convergence_checks=False,
            discard_tuned_samples=False,
            **kwargs,
        )
    elif sampler == "numpyro":
        try:
            import numpyro  # noqa: F401
        except ImportError:
            raise ImportError(
                "sampler='numpyro' needs JAX and numpyro: pip install numpyro"
            ) from None
        from pymc.model.transform.optimization import freeze_dims_and_data

        # JAX needs static shapes: dims and data become constants of the graph
        model = freeze_dims_and_data(model)
        idata = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            random_seed=seed,
            progressbar=progressbar,
            model=model,
            nuts_sampler="numpyro",
            compute_convergence_checks=False,
            **kwargs,
        )
    else:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
    timing["compile+sample"] = time.perf_counter() - t0
    timing["sample"] = timing["compile+sample"]
    return _drop_warmup(idata, timing)


def _drop_warmup(idata: az.InferenceData, timing: dict) -> az.InferenceData:
    """Count gradient evaluations (warm-up included) into ``timing``; drop the warm-up groups."""
    per_chain = 0
    for group in ("warmup_sample_stats", "sample_stats"):
        if group in idata.groups() and "n_steps" in idata[group]:
            per_chain = per_chain + idata[group]["n_steps"].sum("draw").values
    if np.size(per_chain) and np.sum(per_chain):
        timing["grad_evals"] = int(np.sum(per_chain))
        timing["grad_evals_max_chain"] = int(np.max(per_chain))
    for group in [g for g in idata.groups() if g.startswith("warmup_")]:
        del idata[group]
    return idata
