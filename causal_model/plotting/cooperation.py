"""Cooperation by issue area (claim 4): data, fit and forecast of each cooperation indicator.

The function takes the InferenceData of :func:`causal_model.analysis.forecast.forecast` (a
fit alone has no predictive draws), ``fig=None`` and keyword-only options, and returns the
Figure.
"""

from __future__ import annotations

import math
import textwrap

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from causal_model.analysis.cooperation import cooperation_areas
from causal_model.analysis.summaries import natural_values
from causal_model.dims import COOP_INDICATOR, INDICATOR, YEAR
from causal_model.plotting.forecast import FORECAST_COLOR, HISTORY_COLOR, band, year_axis

__all__ = ["plot_cooperation"]

#: ``gid`` of the artists, so tests and users can find them.
GID_DATA = "cooperation_data"
GID_FIT = "cooperation_fit"
GID_FORECAST = "cooperation_forecast"


def _flat(da) -> np.ndarray:
    v = da.transpose("chain", "draw", ...).values.astype(float)
    return v.reshape(-1, *v.shape[2:])


def _area_name(pred: az.InferenceData, key: str) -> str:
    """The indicator's description from the registry (its key when it has none), wrapped to
    the panel's width: readers see what is counted, not the registry's key."""
    text = str(pred.observed_data[key].attrs.get("description") or key)
    return textwrap.fill(text, width=72)


def _natural(pred: az.InferenceData, key: str, values, trials):
    meta = pred.observed_data[key].attrs
    family = str(meta.get("family", "normal"))
    return natural_values(
        values,
        transform=str(meta.get("transform", "none")),
        family=family,
        trials=trials if family == "binomial" else None,
    )


def _loading_text(pred: az.InferenceData, key: str) -> str:
    post = pred.posterior if "posterior" in pred.groups() else None
    if post is None or "coop_loading" not in post or key not in post[COOP_INDICATOR]:
        return ""
    draws = _flat(post["coop_loading"].sel({COOP_INDICATOR: key}))
    lo, med, hi = np.quantile(draws, [0.05, 0.5, 0.95])
    return f"\nloading on tension {med:+.2f} [{lo:+.2f}, {hi:+.2f}]"


def plot_cooperation(
    idata_or_forecast: az.InferenceData,
    *,
    fig: Figure | None = None,
    areas: list[str] | None = None,
    interval: float = 0.9,
    ncols: int = 2,
) -> Figure:
    """Agreement (or cooperation) by issue area over the years: data, fit and forecast.

    One panel per cooperation indicator (registry ``latent = "cooperation"``): the observed
    share (points; UN agreement as the share of the joint votes), the posterior predictive
    of the fitted years and the forecast to the forecast's last year, each with its median
    and central ``interval``. Future UN votes assume the forecast's trials (the median of
    the last five observed years). The panel title gives the area's loading on tension
    (posterior median and 90% interval) when the forecast carries it.

    Parameters
    ----------
    idata_or_forecast
        A forecast (:func:`causal_model.forecast`); any InferenceData with the groups
        ``observed_data`` (with the indicators' metadata) and ``posterior_predictive`` or
        ``predictions`` will do.
    fig
        Figure to draw into (default a new one).
    areas
        Keys of the indicators to show (default every cooperation indicator).
    interval
        Width of the central interval.
    ncols
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When the InferenceData has no predictive draws (a fit: forecast it first) or no
        cooperation indicator, or ``areas`` names an indicator it does not have.
    """
    pred = idata_or_forecast
    groups = set(pred.groups())
    if "observed_data" not in groups or not groups & {"posterior_predictive", "predictions"}:
        raise ValueError(
            "plot_cooperation needs predictive draws: pass a forecast "
            "(causal_model.forecast(model, idata)), not the fit itself"
        )
    known = cooperation_areas(pred)
    keys = known if areas is None else list(areas)
    unknown = [k for k in keys if k not in known]
    if unknown or not keys:
        raise ValueError(
            f"no cooperation indicator {unknown or ''} in this forecast; it has: "
            f"{', '.join(known) or 'none (registry latent = cooperation)'}"
        )
    nrows = math.ceil(len(keys) / ncols)
    fig = fig or plt.figure(figsize=(4.6 * ncols, 2.9 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    obs = pred.observed_data
    past = pred.constant_data["trials"] if "constant_data" in groups else None
    future = pred.predictions_constant_data["trials"] if "predictions" in groups else None
    for ax, key in zip(axes, keys, strict=False):
        assumed = future.sel({INDICATOR: key}).values[0] if future is not None else np.nan
        trials = None
        if past is not None:
            th = past.sel({INDICATOR: key}).values
            trials = np.where(np.isfinite(th), th, assumed)
        y = _natural(pred, key, obs[key].values.astype(float), trials)
        if "posterior_predictive" in groups:
            pp = pred.posterior_predictive
            hist = _natural(pred, key, _flat(pp[key]), trials)
            band(
                ax,
                pp[YEAR].values,
                hist,
                color=HISTORY_COLOR,
                intervals=(interval,),
                label="fit (posterior predictive)",
                gid=GID_FIT,
            )
        if "predictions" in groups:
            fc = pred.predictions
            fut = _natural(pred, key, _flat(fc[key]), future.sel({INDICATOR: key}).values)
            band(
                ax,
                fc[YEAR].values,
                fut,
                color=FORECAST_COLOR,
                intervals=(interval,),
                label="forecast",
                gid=GID_FORECAST,
            )
        ax.plot(
            obs[YEAR].values, y, "o", color="k", ms=2.5, label="observed", zorder=5, gid=GID_DATA
        )
        family = obs[key].attrs.get("family")
        ax.set_ylabel(
            "share of joint votes" if family == "binomial" else "share of events", fontsize=7
        )
        ax.set_title(f"{_area_name(pred, key)}{_loading_text(pred, key)}", fontsize=7, loc="left")
        ax.tick_params(labelsize=7)
        year_axis(ax)
        ax.xaxis.label.set_fontsize(7)
    for ax in axes[len(keys) :]:
        ax.remove()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=7, frameon=False)
    fig.suptitle("US–Russia cooperation by issue area: data, fit and forecast", fontweight="bold")
    return fig
