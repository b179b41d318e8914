"""Comparing model variants by PSIS-LOO with a year as the unit left out.

ArviZ does the arithmetic (:func:`arviz.compare`): expected log predictive density, its
standard error, differences to the best model, stacking weights, Pareto-k diagnostics. This
module only prepares what ArviZ compares: the pointwise log-likelihood of each fit summed per
year over the indicators, so that leaving one "observation" out means leaving out one year of
every indicator together (the indicators of a year share that year's latent state).
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from causal_model.dims import YEAR
from causal_model.families import normal_gamma_mixture_logpdf
from causal_model.inference.postprocess import fitted_state_space, t_weights
from causal_model.model.statespace.kernels import laplace_kernel
from causal_model.model.statespace.laplace_numpy import prepare_data
from causal_model.model.structure import cell_scale, mixture_families

if TYPE_CHECKING:
    from causal_model.inference import TensionModel

#: Name of the per-year log-likelihood variable that the comparison uses.
YEAR_LOGLIK = "year_loglik"
#: Name of the marginal leave-one-year-out log-likelihood (states integrated out).
YEAR_MARGINAL = "year_marginal"


def year_log_likelihood(idata: az.InferenceData, indicators=None) -> xr.DataArray:
    """Pointwise log-likelihood summed per year over ``indicators`` (default all).

    Unobserved indicator-years (NaN) contribute nothing; years where none of the indicators is
    observed are dropped (they carry no data to leave out).

    Returns
    -------
    xarray.DataArray
        Dims (chain, draw, year).
    """
    ll = idata.log_likelihood
    names = (
        [str(v) for v in ll.data_vars if v != YEAR_LOGLIK]
        if indicators is None
        else list(indicators)
    )
    missing = [n for n in names if n not in ll]
    if missing:
        raise ValueError(f"the fit has no log-likelihood for {missing}")
    stack = xr.concat([ll[n] for n in names], dim="indicator")
    observed = stack.notnull().any(("chain", "draw", "indicator"))
    total = stack.sum("indicator", skipna=True).where(observed, drop=True)
    return total.rename(YEAR_LOGLIK).transpose("chain", "draw", YEAR)


def marginal_log_likelihood(
    model: TensionModel, idata: az.InferenceData, *, threads: int = 2
) -> xr.DataArray:
    """``log p(y | params)`` of every draw, the states integrated out (the sampler's own
    likelihood: exact Kalman for Gaussian indicators, Laplace otherwise). Dims (chain, draw)."""
    return marginal_year_log_likelihood(model, idata, threads=threads, _total_only=True)


def marginal_year_log_likelihood(
    model: TensionModel, idata: az.InferenceData, *, threads: int = 2, _total_only: bool = False
) -> xr.DataArray:
    """``log p(y[year] | y[other years], params)`` per draw, the latent states integrated out.

    Computed as ``log p(y | params) - log p(y without that year | params)`` with the same
    marginal likelihood the sampler uses (exact Kalman for Gaussian indicators, Laplace
    otherwise): one evaluation per draw and year (about 20 ms per draw for the real panel).
    A Student-t indicator sampled as a scale mixture (``t_weight`` in the posterior) enters
    with the other years' sampled weights, and its own cell of the year left out is
    integrated over its weight: the normal predictive of that cell given the rest (exact)
    mixed over ``Gamma(nu/2, nu/2)`` by quadrature (:func:`normal_gamma_mixture_logpdf`;
    with several Student-t indicators each such cell is integrated given the year's other
    cells, ignoring their dependence). Using the year's own sampled weight instead would
    condition on a parameter its data inform (high Pareto k), and treating the Student-t
    cells by Laplace gives a noisy value (bad Pareto k in 10 of 34 years on the real
    panel).
    PSIS-LOO on this quantity leaves a year out with its latent state integrated out, which
    is what a year-ahead user cares about; the conditional per-year log-likelihood (given
    each draw's state path) gives PSIS many high Pareto k, since each year's state is a
    parameter of its own.

    The result is also stored in ``idata.log_likelihood`` as ``year_marginal``.
    """
    layout = model.layout
    md = layout.data
    post = idata.posterior
    ss = fitted_state_space(post, layout)
    tidx = md.subset("t")
    weights = t_weights(post) if tidx.size else None
    fam = mixture_families(layout, weights)
    cell = cell_scale(ss.scale, weights, layout)
    ys, msk, ntr, fam = prepare_data(md.y, md.mask, md.trials, fam)
    nc, nd = post.sizes["chain"], post.sizes["draw"]
    years = np.flatnonzero(msk.any(axis=1))
    out = np.zeros((nc * nd, len(years)))
    totals = np.zeros(nc * nd)

    def one(d: int) -> None:
        c, z, sc = ss.c[d], ss.z[d], np.ascontiguousarray(cell[d])
        nu, al, a, p0 = ss.nu[d], ss.alpha[d], ss.a[d], ss.p0[d]
        base = ss.scale[d]

        def run(mask):
            q = ss.q_time[d]
            return laplace_kernel(ys, mask, ntr, c, z, fam, sc, nu, al, a, q, p0, 50, 1e-10)

        full = run(msk)[7]
        if _total_only:
            totals[d] = full
            return
        for j, t in enumerate(years):
            m = msk.copy()
            m[t] = 0.0
            without = run(m)[7]
            cells = [] if weights is None else [i for i in tidx if msk[t, i] > 0]
            if not cells:
                out[d, j] = full - without
                continue
            m = msk.copy()
            m[t, cells] = 0.0
            rest = run(m)  # the year without its Student-t cells, given the other years
            value = rest[7] - without
            for i in cells:
                mean = c[t, i] + z[i] @ rest[0][t]
                var = z[i] @ rest[1][t] @ z[i]
                value += normal_gamma_mixture_logpdf(ys[t, i], mean, var, base[i], nu[i])
            out[d, j] = value

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:  # the kernel releases the GIL
        list(pool.map(one, range(nc * nd)))
    if _total_only:
        coords = {"chain": post["chain"].values, "draw": post["draw"].values}
        return xr.DataArray(
            totals.reshape(nc, nd), dims=("chain", "draw"), coords=coords, name="marginal_loglik"
        )
    da = xr.DataArray(
        out.reshape(nc, nd, -1),
        dims=("chain", "draw", YEAR),
        coords={"chain": post["chain"].values, "draw": post["draw"].values, YEAR: md.years[years]},
        name=YEAR_MARGINAL,
    )
    idata.log_likelihood[YEAR_MARGINAL] = da
    return da


def _common_indicators(fits: dict[str, az.InferenceData]) -> list[str]:
    sets = [[str(v) for v in f.log_likelihood.data_vars if v != YEAR_LOGLIK] for f in fits.values()]
    common = [k for k in sets[0] if all(k in s for s in sets[1:])]
    if not common:
        raise ValueError("the fits share no indicator; they cannot be compared")
    return common


def compare(
    fits: dict[str, az.InferenceData],
    *,
    indicators: str | list[str] = "common",
    method: str = "stacking",
    kind: str = "auto",
) -> pd.DataFrame:
    """Compare fitted variants by PSIS-LOO, leaving out one year at a time.

    Parameters
    ----------
    fits
        ``{name: InferenceData}`` from :meth:`TensionModel.fit`.
    indicators
        ``"common"`` (default): the indicators every fit models (variants that drop a driver
        drop its indicators, and log densities of different data are not comparable);
        ``"all"``; or a list of keys.
    method
        Weighting method of :func:`arviz.compare` (``stacking``, ``BB-pseudo-BMA``,
        ``pseudo-BMA``).
    kind
        ``"marginal"``: the leave-one-year-out log-likelihood with the states integrated out
        (:func:`marginal_year_log_likelihood`; every fit must hold it and model the same
        indicators); ``"conditional"``: the per-indicator log-likelihood given each draw's
        state path, summed per year; ``"auto"``: marginal when every fit has it.

    Returns
    -------
    pandas.DataFrame
        ArviZ's comparison table (``rank``, ``elpd_loo``, ``p_loo``, ``elpd_diff``,
        ``weight``, ``se``, ``dse``, ``warning``) plus ``max_pareto_k`` and
        ``n_bad_pareto_k`` (k > 0.7); ``.attrs`` say what was left out and which indicators
        were used.
    """
    if len(fits) < 2:
        raise ValueError("give at least two fits to compare, e.g. {'reference': a, 'no_elite': b}")
    if indicators == "common":
        names = _common_indicators(fits)
    elif indicators == "all":
        names = None
    else:
        names = list(indicators)
    has_marginal = all(YEAR_MARGINAL in f.log_likelihood for f in fits.values())
    if kind == "auto":
        kind = "marginal" if has_marginal else "conditional"
    if kind == "marginal":
        if not has_marginal:
            raise ValueError(
                "kind='marginal' needs marginal_year_log_likelihood(model, idata) of every fit"
            )
        skip = (YEAR_LOGLIK, YEAR_MARGINAL)
        sets = {
            frozenset(str(v) for v in f.log_likelihood.data_vars if v not in skip)
            for f in fits.values()
        }
        if len(sets) > 1:
            raise ValueError(
                "kind='marginal' compares fits of the same indicators; these fits model "
                "different indicators - use kind='conditional' (common indicators)"
            )
    elif kind != "conditional":
        raise ValueError(f"kind={kind!r}; choose auto, marginal or conditional")
    prepared = {}
    for label, idata in fits.items():
        ll = (
            idata.log_likelihood[YEAR_MARGINAL].rename(YEAR_LOGLIK)
            if kind == "marginal"
            else year_log_likelihood(idata, names)
        )
        prepared[label] = az.InferenceData(
            posterior=idata.posterior[["beta"]],
            log_likelihood=xr.Dataset({YEAR_LOGLIK: ll}),
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = az.compare(prepared, ic="loo", method=method, var_name=YEAR_LOGLIK)
        loos = {k: az.loo(v, pointwise=True, var_name=YEAR_LOGLIK) for k, v in prepared.items()}
    table["max_pareto_k"] = [float(np.max(loos[k].pareto_k)) for k in table.index]
    table["n_bad_pareto_k"] = [int(np.sum(loos[k].pareto_k > 0.7)) for k in table.index]
    n_years = {k: int(v.log_likelihood[YEAR_LOGLIK].sizes[YEAR]) for k, v in prepared.items()}
    table.attrs.update(
        {
            "unit_left_out": "one year (the log-likelihood of all indicators of a year, summed)",
            "indicators": names if names is not None else "all",
            "n_years": n_years,
            "loglik": (
                "marginal: log p(y[year] | y[other years], params), states integrated out"
                if kind == "marginal"
                else "conditional on each draw's latent path (drawn from p(states | data))"
            ),
            "kind": kind,
            "pointwise_elpd": {k: np.asarray(v.loo_i).tolist() for k, v in loos.items()},
            "arviz_warnings": sorted({str(w.message).splitlines()[0] for w in caught}),
        }
    )
    return table


def compare_variants(fits: dict[str, az.InferenceData]) -> list[pd.DataFrame]:
    """The comparisons of a set of variant fits, so that every ELPD difference comes from one.

    Variants that keep every indicator (all but ``drop_<driver>``) are compared with
    :func:`compare` (states integrated out when every fit has
    :func:`marginal_year_log_likelihood`). With ``drop_<driver>`` variants present, a second,
    conditional comparison of all fits on the indicators they share follows. Pass the list to
    :func:`causal_model.hypotheses`.

    Returns
    -------
    list of pandas.DataFrame
        ``[main]`` or ``[main, conditional]``.
    """
    same = {k: f for k, f in fits.items() if not k.startswith("drop_")}
    if len(same) == len(fits):
        return [compare(fits)]
    if len(same) < 2:
        return [compare(fits, kind="conditional")]
    return [compare(same), compare(fits, kind="conditional")]


__all__ = [
    "YEAR_LOGLIK",
    "YEAR_MARGINAL",
    "compare",
    "compare_variants",
    "marginal_log_likelihood",
    "marginal_year_log_likelihood",
    "year_log_likelihood",
]
