"""Contributions to tension: each driver, elite circulation and the residual, per draw."""

from __future__ import annotations

import arviz as az
import xarray as xr

from causal_model.dims import DRIVER, YEAR

__all__ = ["COMPONENT", "decompose", "latent_history"]

#: Dim of the components of the tension decomposition.
COMPONENT = "component"


def decompose(data: az.InferenceData) -> xr.Dataset:
    """Contribution of each driver, of elite circulation and of the residual to tension.

    Parameters
    ----------
    data
        A fit (``model.fit()``) or a forecast
        (:func:`~causal_model.analysis.forecast.forecast`; its history and forecast years
        are joined).

    Returns
    -------
    xarray.Dataset
        ``contribution`` (chain, draw, year, component) with components the drivers
        (``beta_k * D_k``), ``elite``, ``trend`` (the level's drift, when the variant has one)
        and ``residual``, and ``tension``; the contributions sum
        exactly to tension in every draw and year.
    """
    paths = latent_history(data)
    beta = paths["beta"]
    single = [n for n in ("elite", "trend", "residual") if n in paths]
    names = [*(str(d) for d in paths[DRIVER].values), *single]
    contrib = xr.concat(
        [
            (paths["drivers"] * beta).rename({DRIVER: COMPONENT}),
            *(paths[n].expand_dims({COMPONENT: [n]}, axis=-1) for n in single),
        ],
        dim=COMPONENT,
    ).assign_coords({COMPONENT: names})
    tension = paths["tension"]
    return xr.Dataset(
        {"contribution": contrib.transpose("chain", "draw", YEAR, COMPONENT), "tension": tension}
    )


def latent_history(data: az.InferenceData) -> xr.Dataset:
    """The latent paths (drivers, elite, residual, tension, beta; trend when there is a drift)
    over every year of a fit or a
    forecast (history first, then the forecast's years after it)."""
    post = data.posterior
    names = ["drivers", "elite", "residual", "tension", *(["trend"] if "trend" in post else [])]
    hist = post[names]
    if "predictions" in data.groups():
        pred = data.predictions[names]
        first = int(pred[YEAR].min())
        hist = xr.concat([hist.sel({YEAR: hist[YEAR] < first}), pred], dim=YEAR)
    return hist.assign(beta=post["beta"])
