"""Run a NUTS engine on a built model: nutpie (default), PyMC, or numpyro.

Compiled nutpie models are cached in-process by the model's structure key: a refit of the same
structure on new data (leave-future-out, simulation studies) swaps the data containers with
``with_data`` instead of recompiling.

A fit is all or nothing: an interrupt (Ctrl-C) stops the sampler and is re-raised, and a trace
with fewer chains or draws than asked for, or with NaN draws, is refused
(:func:`causal_model.inference.arguments.check_complete`); no engine's partial trace is ever
returned as a posterior.
"""

from __future__ import annotations

import signal
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import arviz as az
import numpy as np
import pymc as pm
from threadpoolctl import threadpool_limits

from causal_model.defaults import DEFAULT_LOW_RANK_MASS_MATRIX, DEFAULT_TARGET_ACCEPT
from causal_model.inference.arguments import check_complete
from causal_model.inference.compile_cache import compile_pymc_model

SAMPLERS = ("nutpie", "pymc", "numpyro")
_COMPILED: OrderedDict[str, object] = OrderedDict()
_CACHE_SIZE = 16
#: PyTensor's advice to install BLAS through conda: the sampled log-density is numba code,
#: so it does not apply here and is not shown.
_BLAS_WARNING = ".*PyTensor could not link to a BLAS installation.*"
COMPILING = (
    "compiling the model (a few minutes on a new machine; later runs reuse the compiled code)"
)


def _silent(message: str) -> None:
    return None


@contextmanager
def _watch_interrupt() -> Iterator[dict]:
    """Note a SIGINT (Ctrl-C) in the yielded dict before Python's handler raises it.

    PyMC catches the KeyboardInterrupt inside ``pm.sample`` and returns the draws made so far;
    the note lets :func:`run_sampler` re-raise the interrupt instead. Outside the main thread
    (where handlers cannot be set), or when SIGINT has no Python handler, nothing is watched.
    """
    seen = {"interrupted": False}
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        yield seen  # a thread, or SIGINT ignored / left to the system: nothing to watch
        return

    def handler(signum, frame):
        seen["interrupted"] = True
        previous(signum, frame)

    signal.signal(signal.SIGINT, handler)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)


def clear_compiled_cache() -> None:
    """Forget every cached compiled model."""
    _COMPILED.clear()


def compiled_nutpie(
    model: pm.Model,
    cache_key: str | None,
    data: dict,
    timing: dict,
    status: Callable[[str], None] = _silent,
):
    """Return a compiled nutpie model, reusing a cached one (with ``data`` swapped in).

    A structure new to this process is compiled by
    :func:`causal_model.inference.compile_cache.compile_pymc_model`, whose C callbacks are
    cached on disk across processes; ``status`` is told when that happens.
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
    status(COMPILING)
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
    status: Callable[[str], None] | None = None,
    **kwargs,
) -> az.InferenceData:
    """Sample ``model`` with the named engine and return its InferenceData.

    ``timing`` (a dict) receives ``compile`` and ``sample`` wall seconds and ``grad_evals``,
    the number of log-density gradient evaluations of all chains, warm-up included.
    ``status`` is called with one line per phase (compiling, sampling).

    Raises
    ------
    KeyboardInterrupt
        When interrupted (the sampler is stopped; no partial trace is returned).
    IncompleteFitError
        When the engine returned fewer chains or draws than asked for, or NaN draws.
    """
    timing = {} if timing is None else timing
    status = status or _silent
    kwargs.setdefault("target_accept", DEFAULT_TARGET_ACCEPT)
    # One BLAS thread per chain: with the chains already in parallel, BLAS threads only spin
    # (measured: one log-density evaluation 200 us with one thread, up to 46 ms without).
    with threadpool_limits(limits=1), warnings.catch_warnings(), _watch_interrupt() as seen:
        warnings.filterwarnings("ignore", message=_BLAS_WARNING)
        args = (model, draws, tune, chains, seed, progressbar, timing, status)
        if sampler == "nutpie":
            idata = _run_nutpie(*args, cache_key, data or {}, **kwargs)
        else:
            idata = _run_pymc(*args, sampler, **kwargs)
    if seen["interrupted"]:
        raise KeyboardInterrupt("sampling interrupted; no fit was returned")
    check_complete(idata, draws, chains)
    return _drop_warmup(idata, timing)


def _sampling_line(sampler, draws, tune, chains) -> str:
    return f"sampling ({sampler}): {chains} chains x {draws} draws after {tune} tuning steps"


def _run_nutpie(
    model, draws, tune, chains, seed, progressbar, timing, status, cache_key, data, **kwargs
):
    import nutpie

    # measured against the diagonal one: docs/decisions.md
    kwargs.setdefault("low_rank_modified_mass_matrix", DEFAULT_LOW_RANK_MASS_MATRIX)
    compiled = compiled_nutpie(model, cache_key, data, timing, status)
    status(_sampling_line("nutpie", draws, tune, chains))
    t0 = time.perf_counter()
    # not blocking: nutpie's blocking call turns an interrupt into a silently shorter trace
    running = nutpie.sample(
        compiled,
        draws=draws,
        tune=tune,
        chains=chains,
        cores=chains,
        seed=seed,
        progress_bar=progressbar,
        save_warmup=True,
        blocking=False,
        **kwargs,
    )
    try:
        idata = running.wait()
    except KeyboardInterrupt:
        running.cancel()
        raise KeyboardInterrupt("sampling interrupted; no fit was returned") from None
    except BaseException:
        running.cancel()
        raise
    timing["sample"] = time.perf_counter() - t0
    return idata


def _run_pymc(model, draws, tune, chains, seed, progressbar, timing, status, sampler, **kwargs):
    status(COMPILING)
    status(_sampling_line(sampler, draws, tune, chains))
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
    return idata


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
