"""Latent-structure figures: driver paths, the decomposition of tension, the elite impulse
response, and intervention / counterfactual effects."""

from __future__ import annotations

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from causal_model.analysis.decomposition import COMPONENT, decompose, latent_history
from causal_model.dims import DRIVER, EVENT_TYPES, YEAR
from causal_model.plotting.data import LATENT_COLORS
from causal_model.plotting.forecast import FORECAST_COLOR, HISTORY_COLOR, band, year_axis
from causal_model.specification.elite import get_elite_response

__all__ = ["plot_decomposition", "plot_drivers", "plot_effect", "plot_elite_response"]

COMPONENT_COLORS = {
    **LATENT_COLORS,
    "elite": "#2a9d8f",
    "trend": "#8e6c8a",
    "residual": "#b0b0b0",
}
EVENT_TYPE_LABELS = {
    "us": "new US president",
    "ru": "new Russian head of state",
    "ru_formal": "formal Russian change (2008, 2012)",
}
EVENT_TYPE_COLORS = {"us": "#1f5fa8", "ru": "#c0392b", "ru_formal": "#e59866"}


def _flat(da: xr.DataArray) -> np.ndarray:
    v = da.transpose("chain", "draw", ...).values
    return v.reshape(-1, *v.shape[2:]).astype(float)


def _forecast_start(data: az.InferenceData) -> int | None:
    return int(data.predictions[YEAR].min()) if "predictions" in data.groups() else None


def _interval_text(draws: np.ndarray, interval: float = 0.9) -> str:
    lo, hi = np.quantile(draws, [(1 - interval) / 2, (1 + interval) / 2])
    return f"{np.median(draws):+.2f} ({lo:+.2f} to {hi:+.2f})"


def plot_drivers(
    data: az.InferenceData,
    *,
    fig: Figure | None = None,
    intervals: tuple[float, ...] = (0.5, 0.9),
) -> Figure:
    """One panel per latent driver: posterior path (and forecast) with bands, titled with the
    driver's estimated effect on tension.

    Parameters
    ----------
    data
        A fit or a forecast.
    fig
        Figure to draw into.
    intervals
        Central interval widths.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per driver; a legend of the median, the bands and the forecast shading.
    """
    paths = latent_history(data)
    drivers = [str(d) for d in paths[DRIVER].values]
    fig = fig or plt.figure(figsize=(4.2 * len(drivers), 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(drivers), sharey=True))
    start = _forecast_start(data)
    beta = paths["beta"] if "beta" in paths else None
    for ax, d in zip(axes, drivers, strict=True):
        da = paths["drivers"].sel({DRIVER: d})
        band(
            ax,
            da[YEAR].values,
            _flat(da),
            color=LATENT_COLORS.get(d, HISTORY_COLOR),
            intervals=intervals,
            label=d,
        )
        if start is not None:
            ax.axvspan(start - 0.5, float(da[YEAR].max()) + 0.5, color="0.93", zorder=-10)
        ax.axhline(0, color="0.6", lw=0.6)
        ax.set_title(d, loc="left", fontsize=10, fontweight="bold")
        if beta is not None:
            b = _flat(beta.sel({DRIVER: d})).ravel()
            ax.set_title(
                f"effect on tension: β = {_interval_text(b)}",
                loc="right",
                fontsize=7.5,
                color="0.3",
            )
        year_axis(ax)
    axes[0].set_ylabel("driver (sd units)")
    gray = "0.35"
    handles = [Line2D([], [], color=gray, lw=1.6, label="median")]
    shade = 1.0
    for w, a in zip(sorted(intervals, reverse=True), (0.18, 0.35, 0.5), strict=False):
        shade *= 1 - a  # the narrower band is drawn over the wider ones
        handles.append(Patch(color=gray, alpha=1 - shade, lw=0, label=f"{int(w * 100)}% interval"))
    if start is not None:
        handles.append(Patch(fc="0.93", ec="0.6", lw=0.6, label="nowcast / forecast years"))
    handles.append(
        Line2D([], [], ls="none", label="β: median (90% interval); + raises tension, − lowers it")
    )
    fig.legend(
        handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False
    )
    fig.suptitle("Latent drivers", fontweight="bold")
    return fig


def plot_decomposition(
    data: az.InferenceData, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Stacked posterior-mean contributions to tension (drivers, elite, residual) and the
    tension path they add up to (posterior mean with its 90% interval).

    Parameters
    ----------
    data
        A fit or a forecast.
    ax
        Axes to draw on.
    title
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    dec = decompose(data)
    mean = dec["contribution"].mean(("chain", "draw"))
    years = mean[YEAR].values
    pos = np.zeros(len(years))
    neg = np.zeros(len(years))
    for comp in mean[COMPONENT].values:
        v = mean.sel({COMPONENT: comp}).values
        bottom = np.where(v >= 0, pos, neg)
        ax.bar(
            years,
            v,
            bottom=bottom,
            width=0.8,
            color=COMPONENT_COLORS.get(str(comp), "0.5"),
            label=str(comp),
            edgecolor="white",
            lw=0.3,
        )
        pos += np.where(v >= 0, v, 0)
        neg += np.where(v < 0, v, 0)
    t = _flat(dec["tension"])
    ax.plot(years, t.mean(axis=0), color="k", lw=1.8, label="tension (mean)")
    lo, hi = np.quantile(t, [0.05, 0.95], axis=0)
    ax.fill_between(years, lo, hi, color="k", alpha=0.12, lw=0, label="tension 90% interval")
    start = _forecast_start(data)
    if start is not None:
        ax.axvline(start - 0.5, color="0.4", ls="--", lw=0.8)
        ax.text(start - 0.4, ax.get_ylim()[1], " forecast", va="top", fontsize=7, color="0.4")
    ax.axhline(0, color="0.4", lw=0.6)
    year_axis(ax)
    ax.set_ylabel("contribution to tension (tension units)")
    ax.set_title(title or "What drives tension: posterior-mean contributions", loc="left")
    ax.legend(loc="upper left", fontsize=7, ncols=3, frameon=False)
    return ax


def plot_elite_response(
    idata: az.InferenceData,
    *,
    ax: Axes | None = None,
    years: float = 8.0,
    event_types: tuple[str, ...] = ("us", "ru"),
    interval: float = 0.9,
) -> Axes:
    """Effect of a change of leader on tension by years since it, with the half-life marked.

    Parameters
    ----------
    idata
        A fit (or forecast) whose ``posterior`` has ``elite_mu`` and the parameters of its
        elite-response shape (``idata.attrs["elite_response"]``).
    ax
        Axes to draw on.
    years
        Horizon of the response in years.
    event_types
        Event types shown (``us``, ``ru``, ``ru_formal``).
    interval
        Width of the posterior band.

    Returns
    -------
    matplotlib.axes.Axes
    """
    post = idata.posterior
    unknown = [t for t in event_types if t not in EVENT_TYPES]
    if unknown:
        raise ValueError(f"unknown event type(s) {unknown}; choose from {EVENT_TYPES}")
    if "elite_mu" not in post:
        raise ValueError("this fit has no elite-circulation effect (variant no_elite)")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 5), layout="constrained")
    shape = get_elite_response(str(idata.attrs.get("elite_response", "exponential")))
    curve = _flat(shape.sample_curve(post, np.linspace(0, years, 200)))
    s = np.linspace(0, years, 200)
    width = int(round(interval * 100))
    qs = [(1 - interval) / 2, (1 + interval) / 2]
    for etype in event_types:
        mu = _flat(post["elite_mu"].sel(event_type=etype))
        resp = mu[:, None] * curve
        color = EVENT_TYPE_COLORS.get(etype, "0.3")
        # interval edges as lines, not translucent fills: overlapping fills would mix into a
        # colour no legend entry shows
        ax.plot(
            s,
            np.median(resp, axis=0),
            color=color,
            lw=1.8,
            label=f"{EVENT_TYPE_LABELS[etype]}: median",
        )
        lo, hi = np.quantile(resp, qs, axis=0)
        ax.plot(
            s,
            lo,
            color=color,
            lw=0.9,
            ls="--",
            label=f"{EVENT_TYPE_LABELS[etype]}: {width}% interval",
        )
        ax.plot(s, hi, color=color, lw=0.9, ls="--")
    params = {p: _flat(post[p]) for p in shape.parameters}
    hl = shape.half_life(params) if params else np.array([np.inf])
    if np.isfinite(hl).all():
        med, mean = float(np.median(hl)), float(np.mean(hl))
        lo, hi = np.quantile(hl, qs)
        ax.axvline(
            med, color="k", ls="-.", lw=1, label=f"half-life: median {med:.2f} y, mean {mean:.2f} y"
        )
        ax.axvspan(
            lo,
            hi,
            color="0.5",
            alpha=0.12,
            lw=0,
            label=f"half-life {width}% interval ({lo:.1f}–{hi:.1f} y)",
        )
    ax.axhline(0, color="0.5", lw=0.6)
    ax.set_xlabel("years since the change of head of state")
    ax.set_ylabel("effect on tension (tension units)")
    ax.set_title(
        "Elite circulation: mean effect of a change of leader (< 0: relations improve)",
        loc="left",
        fontsize=10,
    )
    ax.legend(fontsize=7.5, frameon=False, loc="upper left", bbox_to_anchor=(0, -0.14), ncols=2)
    return ax


def plot_effect(effect: xr.Dataset, *, fig: Figure | None = None, interval: float = 0.9) -> Figure:
    """An intervention or counterfactual: factual vs alternative tension, and their difference.

    Parameters
    ----------
    effect
        From :func:`causal_model.causal.intervene` or :func:`~causal_model.causal.counterfactual`.
    fig
        Figure to draw into.
    interval
        Width of the posterior bands.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the two tension paths (top) and the effect with its band (bottom).
    """
    fig = fig or plt.figure(figsize=(8, 6), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    years = effect[YEAR].values
    band(
        top,
        years,
        _flat(effect["tension_factual"]),
        color=HISTORY_COLOR,
        intervals=(interval,),
        label="factual",
    )
    band(
        top,
        years,
        _flat(effect["tension_alternative"]),
        color=FORECAST_COLOR,
        intervals=(interval,),
        label="alternative",
    )
    top.set_ylabel("latent tension (sd)")
    top.legend(fontsize=8, frameon=False)
    top.set_title(effect.attrs.get("question", ""), loc="left", fontsize=10)
    eff = _flat(effect["effect"])
    band(bottom, years, eff, color="#2a9d8f", intervals=(0.5, interval), label="effect")
    bottom.axhline(0, color="0.4", lw=0.7)
    bottom.set_ylabel("alternative - factual (sd)")
    year_axis(bottom)
    kind = effect.attrs.get("kind", "effect")
    fig.suptitle(f"{kind.capitalize()}: effect on tension", fontweight="bold")
    return fig
