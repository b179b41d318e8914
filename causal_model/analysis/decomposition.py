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
        (``beta_k * D_k``), ``elite`` and ``residual``, and ``tension``; the contributions sum
        exactly to tension in every draw and year.
    """
    paths = latent_history(data)
    beta = paths["beta"]
    parts = [paths["drivers"] * beta, paths["elite"], paths["residual"]]
    names = [*(str(d) for d in paths[DRIVER].values), "elite", "residual"]
    contrib = xr.concat(
        [
            parts[0].rename({DRIVER: COMPONENT}),
            parts[1].expand_dims({COMPONENT: ["elite"]}, axis=-1),
            parts[2].expand_dims({COMPONENT: ["residual"]}, axis=-1),
        ],
        dim=COMPONENT,
    ).assign_coords({COMPONENT: names})
    tension = paths["tension"]
    return xr.Dataset(
        {"contribution": contrib.transpose("chain", "draw", YEAR, COMPONENT), "tension": tension}
    )


def latent_history(data: az.InferenceData) -> xr.Dataset:
    """The latent paths (drivers, elite, residual, tension, beta) over every year of a fit or a
    forecast (history first, then the forecast's years after it)."""
    names = ["drivers", "elite", "residual", "tension"]
    post = data.posterior
    hist = post[names]
    if "predictions" in data.groups():
        pred = data.predictions[names]
        first = int(pred[YEAR].min())
        hist = xr.concat([hist.sel({YEAR: hist[YEAR] < first}), pred], dim=YEAR)
    return hist.assign(beta=post["beta"])
