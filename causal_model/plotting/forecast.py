"""Forecast figures: the tension fan chart and indicator small multiples.

Functions take the InferenceData of :func:`causal_model.analysis.forecast.forecast`, ``ax=None`` or
``fig=None`` and keyword-only options, and return the matplotlib Axes or Figure.
"""

from __future__ import annotations

import math

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from causal_model.analysis.summaries import format_probability, headline_table
from causal_model.dims import YEAR
from causal_model.plotting.data import EVENT_COLORS

__all__ = ["band", "plot_forecast", "plot_indicator_forecasts", "year_axis"]

HISTORY_COLOR = "#2b2b2b"
FORECAST_COLOR = "#c0392b"
SCENARIO_COLORS = ("#1f5fa8", "#2a9d8f", "#8c510a", "#5e3c99", "#d35400")
#: ``gid`` of the artists, so tests and users can find them.
GID_FORECAST = "forecast_band"
GID_HISTORY = "history_band"
GID_EVENT = "event"


def _flat(da: xr.DataArray) -> np.ndarray:
    v = da.transpose("chain", "draw", ...).values
    return v.reshape(-1, *v.shape[2:]).astype(float)


def band(
    ax: Axes,
    years: np.ndarray,
    draws: np.ndarray,
    *,
    color: str,
    intervals: tuple[float, ...] = (0.5, 0.9),
    label: str | None = None,
    gid: str | None = None,
    median: bool = True,
) -> None:
    """Draw central intervals (widest palest) and the median of ``draws`` (S, year)."""
    for width, alpha in zip(sorted(intervals, reverse=True), (0.18, 0.35, 0.5), strict=False):
        lo, hi = np.nanquantile(draws, [(1 - width) / 2, (1 + width) / 2], axis=0)
        poly = ax.fill_between(
            years,
            lo,
            hi,
            color=color,
            alpha=alpha,
            lw=0,
            label=f"{label}: {int(width * 100)}% interval" if label else None,
        )
        if gid:
            poly.set_gid(gid)
    if median:
        ax.plot(
            years,
            np.nanmedian(draws, axis=0),
            color=color,
            lw=1.6,
            label=f"{label}: median" if label else None,
        )


def year_axis(ax: Axes) -> None:
    """Integer years on the x axis, labelled."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
    ax.set_xlabel("year")


def _event_label(ax: Axes, t: float, text: str, color: str, *, right: bool) -> None:
    """A rotated label just above the axes at ``t``, right or left of its line."""
    ax.annotate(
        text,
        xy=(t, 1),
        xycoords=("data", "axes fraction"),
        xytext=(1.0 if right else -1.0, 2),
        textcoords="offset points",
        rotation=90,
        ha="left" if right else "right",
        va="bottom",
        fontsize=7,
        color=color,
        annotation_clip=False,
    )


def _mark_events(ax: Axes, pred: az.InferenceData, *, since: float) -> list:
    """Vertical lines for past changes of leader (after ``since``), labelled with the new
    leader above the axes (US right of its line, Russia left, so close pairs do not meet), and
    dashed lines for the scenario's future events; returns legend handles of the latter (with
    their probability)."""
    lo, hi = ax.get_xlim()
    if "constant_data" in pred.groups() and "event_time" in pred.constant_data:
        cd = pred.constant_data
        for t, country, who in zip(
            cd["event_time"].values,
            cd["event_country"].values,
            cd["event_label"].values,
            strict=True,
        ):
            if t < since:
                continue
            color = EVENT_COLORS.get(str(country), "0.4")
            line = ax.axvline(t, color=color, lw=0.8, ls=":", alpha=0.8)
            line.set_gid(GID_EVENT)
            right = str(country) != "RUS"
            right = False if t > hi - 1.0 else (True if t < lo + 1.0 else right)
            _event_label(ax, float(t), str(who), color, right=right)
    handles = []
    pcd = pred.predictions_constant_data
    if "event_time" in pcd:
        for j, t in enumerate(pcd["event_time"].values):
            etype = str(pcd["event_type"].values[j])
            p = float(pcd["event_probability"].isel(future_event=j).mean())
            color = EVENT_COLORS["USA" if etype == "us" else "RUS"]
            line = ax.axvline(t, color=color, lw=1.0, ls="--")
            line.set_gid(GID_EVENT)
            who = "new US president" if etype == "us" else "new Russian leader"
            handles.append(
                Line2D([], [], color=color, lw=1.0, ls="--", label=f"{who} {t:.0f}: p = {p:.2f}")
            )
    return handles


def plot_forecast(
    pred: az.InferenceData,
    *,
    ax: Axes | None = None,
    scenarios: dict[str, az.InferenceData] | None = None,
    intervals: tuple[float, ...] = (0.5, 0.9),
    since: int | None = None,
    events: bool = True,
    headline: bool = True,
    title: str | None = None,
) -> Axes:
    """Fan chart of latent tension: the fitted years, then the forecast to the horizon.

    Parameters
    ----------
    pred
        A forecast (:func:`causal_model.analysis.forecast.forecast`).
    ax
        Axes to draw on (a new figure by default).
    scenarios
        Other forecasts (e.g. :func:`~causal_model.analysis.forecast.forecast_scenarios`) whose
        medians and 90% bands are overlaid, labelled by their names.
    intervals
        Central interval widths of the bands.
    since
        First year shown (default: the panel's first year).
    events
        Mark past changes of leader (the new leader's name above the axes) and the
        scenario's future events (in the legend, with their probability).
    headline
        Print the headline probabilities with their Monte Carlo standard errors under the
        axes, beside the legend.
    title
        Axes title; default names the scenario.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 6), layout="constrained")
    hist = pred.posterior["tension"]
    fc = pred.predictions["tension"]
    start = int(fc[YEAR].min())
    since = int(hist[YEAR].min()) if since is None else since
    h = hist.sel({YEAR: (hist[YEAR] >= since) & (hist[YEAR] <= start)})
    band(
        ax,
        h[YEAR].values,
        _flat(h),
        color=HISTORY_COLOR,
        intervals=intervals,
        label="fitted years",
        gid=GID_HISTORY,
    )
    band(
        ax,
        fc[YEAR].values,
        _flat(fc),
        color=FORECAST_COLOR,
        intervals=intervals,
        label=f"forecast ({pred.attrs.get('scenario', 'default')})",
        gid=GID_FORECAST,
    )
    for i, (name, other) in enumerate((scenarios or {}).items()):
        if other is pred:
            continue
        o = other.predictions["tension"]
        color = SCENARIO_COLORS[i % len(SCENARIO_COLORS)]
        draws = _flat(o)
        yrs = o[YEAR].values
        ax.plot(
            yrs,
            np.median(draws, axis=0),
            color=color,
            lw=1.5,
            ls="--",
            label=f"scenario {name}: median, 90% (dotted)",
        )
        for q in (0.05, 0.95):
            ax.plot(yrs, np.quantile(draws, q, axis=0), color=color, lw=0.8, ls=":")
    end = float(fc[YEAR].max()) + 0.5
    ax.set_xlim(since - 0.5, end + 0.3)
    ax.axvspan(start - 0.5, end, color="0.95", zorder=-10)
    ax.axhline(0.0, color="0.6", lw=0.6)
    ax.annotate(
        "nowcast / forecast",
        xy=(start - 0.5, 0),
        xycoords=("data", "axes fraction"),
        xytext=(2, 3),
        textcoords="offset points",
        fontsize=7,
        color="0.35",
        va="bottom",
        ha="left",
    )
    handles = _mark_events(ax, pred, since=since) if events else []
    year_axis(ax)
    ax.set_ylabel("latent tension (sd of the anchor indicator; 0 = its mean)")
    last = int(fc[YEAR].max())
    pad = 6.0
    if events and "constant_data" in pred.groups() and "event_label" in pred.constant_data:
        longest = max((len(str(x)) for x in pred.constant_data["event_label"].values), default=0)
        pad += 7 * 0.6 * longest + 4
    ax.set_title(
        title or f"US–Russia tension: posterior and forecast to {last}", loc="left", pad=pad
    )
    h0, l0 = ax.get_legend_handles_labels()
    ax.legend(
        h0 + handles,
        l0 + [x.get_label() for x in handles],
        loc="upper left",
        bbox_to_anchor=(0.0, -0.1),
        fontsize=7,
        frameon=False,
        ncols=2,
    )
    if headline:
        table = headline_table(pred)
        text = "\n".join(f"{k} = {format_probability(r)}" for k, r in table.iterrows())
        ax.text(
            1.0,
            -0.1,
            "headline (± Monte Carlo se)\n" + text,
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=7,
            bbox={"facecolor": "white", "edgecolor": "0.7"},
        )
    return ax


def _inverse(transform: str, v: np.ndarray) -> np.ndarray:
    if transform == "log":
        return np.exp(v)
    if transform == "logit":
        return 1.0 / (1.0 + np.exp(-v))
    return v


def plot_indicator_forecasts(
    pred: az.InferenceData,
    *,
    fig: Figure | None = None,
    indicators: list[str] | None = None,
    ncols: int = 4,
    intervals: tuple[float, ...] = (0.5, 0.9),
    original_scale: bool = True,
) -> Figure:
    """Small multiples per indicator: data, posterior predictive fit and forecast bands.

    Parameters
    ----------
    pred
        A forecast.
    fig
        Figure to draw into.
    indicators
        Keys to show (default all).
    ncols
        Panels per row.
    intervals
        Central interval widths.
    original_scale
        Undo the registry's log / logit transform (quantiles commute with it, so the bands
        are exact) and show binomial indicators as shares of their trials.

    Returns
    -------
    matplotlib.figure.Figure
    """
    obs = pred.observed_data
    keys = indicators or [str(k) for k in obs.data_vars]
    nrows = math.ceil(len(keys) / ncols)
    fig = fig or plt.figure(figsize=(3.3 * ncols, 2.5 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    pp, fc = pred.posterior_predictive, pred.predictions
    trials_hist = pred.constant_data["trials"] if "constant_data" in pred.groups() else None
    trials_fc = pred.predictions_constant_data["trials"]
    for ax, key in zip(axes, keys, strict=False):
        meta = obs[key].attrs
        transform = meta.get("transform", "none") if original_scale else "none"
        binom = meta.get("family") == "binomial" and original_scale
        hist, fut, y = _flat(pp[key]), _flat(fc[key]), obs[key].values.astype(float)
        if binom:
            th = trials_hist.sel(indicator=key).values
            hist = hist / np.where(np.isfinite(th), th, trials_fc.sel(indicator=key).values[0])
            fut = fut / trials_fc.sel(indicator=key).values
            y = y / th
        hist, fut, y = (_inverse(transform, v) for v in (hist, fut, y))
        band(
            ax,
            pp[YEAR].values,
            hist,
            color=HISTORY_COLOR,
            intervals=intervals,
            label="posterior predictive",
        )
        band(ax, fc[YEAR].values, fut, color=FORECAST_COLOR, intervals=intervals, label="forecast")
        ax.plot(obs[YEAR].values, y, "o", color="k", ms=2.5, label="observed", zorder=5)
        unit = meta.get("unit", "")
        if binom:
            unit = "share of joint votes"
        elif not original_scale and transform != "none":
            unit = f"{meta.get('transform')}({unit})"
        ax.set_title(f"{key} [{meta.get('latent', '')}]", fontsize=8.5, loc="left")
        ax.set_ylabel(unit, fontsize=7)
        ax.tick_params(labelsize=7)
        year_axis(ax)
        ax.xaxis.label.set_fontsize(7)
    for ax in axes[len(keys) :]:
        ax.remove()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=4,
        fontsize=8,
        frameon=False,
    )
    fig.suptitle("Indicators: data, posterior predictive and forecast", fontweight="bold")
    return fig
