"""Comparing model variants by PSIS-LOO with a year as the unit left out.

ArviZ does the arithmetic (:func:`arviz.compare`): expected log predictive density, its
standard error, differences to the best model, stacking weights, Pareto-k diagnostics. This
module only prepares what ArviZ compares: the pointwise log-likelihood of each fit summed per
year over the indicators, so that leaving one "observation" out means leaving out one year of
every indicator together (the indicators of a year share that year's latent state).
"""

from __future__ import annotations

import warnings

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from causal_model.dims import YEAR

#: Name of the per-year log-likelihood variable that the comparison uses.
YEAR_LOGLIK = "year"


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
    prepared = {}
    for label, idata in fits.items():
        ll = year_log_likelihood(idata, names)
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
            "loglik": "conditional on each draw's latent path (drawn from p(states | data))",
            "arviz_warnings": sorted({str(w.message).splitlines()[0] for w in caught}),
        }
    )
    return table


__all__ = ["YEAR_LOGLIK", "compare", "year_log_likelihood"]
