"""Predictive checks: prior (or posterior) predictive bands against the observed indicators."""

from __future__ import annotations

import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from causal_model.analysis.summaries import SCALES, indicator_unit, natural_values
from causal_model.dims import INDICATOR, YEAR

__all__ = ["plot_predictive_check"]


def plot_predictive_check(
    predictive: xr.Dataset,
    panel: xr.Dataset,
    *,
    fig: Figure | None = None,
    intervals: tuple[float, float] = (0.5, 0.9),
    ncols: int = 4,
    title: str = "Prior predictive check",
    scale: str = "natural",
) -> Figure:
    """Small multiples of predictive bands per indicator with the observed values on top.

    Parameters
    ----------
    predictive
        One variable per indicator with dims (chain, draw, year), on the panel's ``value``
        scale (counts for count and binomial indicators), e.g.
        ``model.sample_prior_predictive().prior_predictive``.
    panel
        The panel whose ``value`` (``raw`` for count families) is drawn as points.
    fig
        Figure to draw into (a new one by default).
    intervals
        Central interval widths of the two bands.
    ncols
        Panels per row.
    title
        Figure title.
    scale
        ``"natural"`` (default): every indicator in its own unit (the registry's log or
        logit undone, binomial counts as shares of the year's trials; a year without trials
        has no share and is left blank), labelled on its y axis; ``"model"``: the panel's
        ``value`` scale (counts for count and binomial indicators).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    keys = [str(k) for k in panel[INDICATOR].values if str(k) in predictive]
    nrows = math.ceil(len(keys) / ncols)
    fig = fig or plt.figure(figsize=(3.2 * ncols, 2.4 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    years = panel[YEAR].values
    for ax, key in zip(axes, keys, strict=False):
        sel = {INDICATOR: key}
        family = str(panel["family"].sel(sel).item())
        transform = (
            str(panel["transform"].sel(sel).item()) if "transform" in panel.coords else "none"
        )
        unit = str(panel["unit"].sel(sel).item()) if "unit" in panel.coords else ""
        draws = predictive[key].transpose("chain", "draw", YEAR).values.astype(float)
        flat = draws.reshape(-1, draws.shape[-1])
        counts = family in ("poisson", "negative_binomial", "binomial")
        obs = panel["raw" if counts else "value"].sel(sel).values.astype(float)
        if scale == "natural":
            trials = panel["trials"].sel(sel).values if family == "binomial" else None
            flat = natural_values(flat, transform=transform, family=family, trials=trials)
            obs = natural_values(obs, transform=transform, family=family, trials=trials)
        for width, alpha in zip(sorted(intervals, reverse=True), (0.25, 0.45), strict=False):
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # years without a share
                lo, hi = np.nanquantile(flat, [(1 - width) / 2, (1 + width) / 2], axis=0)
            ax.fill_between(
                years,
                lo,
                hi,
                color="C0",
                alpha=alpha,
                lw=0,
                label=f"{int(width * 100)}% predictive",
            )
        ax.plot(years, obs, "k.", ms=4, label="observed")
        if scale == "model" and counts:
            transform = "none"  # counts are drawn as counts on the model scale too
        label = indicator_unit(unit, transform=transform, family=family, scale=scale)
        ax.set_ylabel(label, fontsize=7)
        ax.set_title(key, fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
        ax.set_xlabel("year", fontsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    for ax in axes[len(keys) :]:
        ax.remove()
    if keys:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    return fig
