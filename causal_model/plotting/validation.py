"""Figures of variant comparison and forecast validation (LFO skill, coverage, PIT)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from causal_model.validation.lfo_summary import coverage, pit_values, skill

__all__ = ["plot_coverage", "plot_lfo_skill", "plot_pit", "plot_sbc_ranks"]

METHOD_COLORS = {
    "model": "#c0392b",
    "persistence": "0.35",
    "rw_drift": "#6a4c93",
    "boot": "#2a9d8f",
    "ar1": "#2a6f97",
    "mean": "#8c510a",
}


def plot_lfo_skill(
    table: pd.DataFrame, *, ax: Axes | None = None, latent: str | None = "tension"
) -> Axes:
    """CRPS relative to persistence by forecast horizon (geometric mean over the latent's
    indicators, with jackknife +-1 SE over origins; below 1: better than "next year = this
    year"), one line per method, from :func:`causal_model.validation.lfo_cv`."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4), layout="constrained")
    s = skill(table, latent=latent)
    for method in s.index.get_level_values("method").unique():
        sub = s.xs(method, level="method").dropna(subset=["crps_ratio"])
        h = np.asarray(sub.index, dtype=float)
        ax.errorbar(
            h + (0.06 if method == "model" else 0.0),
            sub["crps_ratio"],
            yerr=sub["crps_ratio_se"],
            fmt="o-",
            color=METHOD_COLORS.get(method, "k"),
            label=method,
            lw=2 if method == "model" else 1.1,
            capsize=2,
        )
    ax.axhline(1.0, color="0.5", lw=0.8, ls="--", label="persistence")
    ax.set_xlabel("forecast horizon (years)")
    ax.set_ylabel("CRPS / persistence CRPS (geometric mean)")
    ax.set_xticks(sorted({int(h) for h in s.index.get_level_values("horizon")}))
    which = f"{latent} indicators" if latent else "all indicators"
    ax.set_title(f"Leave-future-out skill ({which}; lower is better)", loc="left")
    ax.legend(frameon=False, fontsize=8, ncols=2)
    return ax


def plot_coverage(
    table: pd.DataFrame, *, ax: Axes | None = None, latent: str | None = "tension"
) -> Axes:
    """Share of outcomes inside the central 50% and 90% intervals by horizon, for the model
    and persistence, with the nominal levels."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4), layout="constrained")
    g = coverage(table, latent=latent)
    for method in ("model", "persistence"):
        if method not in g.index.get_level_values("method"):
            continue
        sub = g.xs(method, level="method").drop(index="all", errors="ignore")
        h = np.asarray(sub.index, dtype=float)
        color = METHOD_COLORS.get(method, "k")
        ax.plot(h, sub["coverage90"], "o-", color=color, label=f"{method} 90%")
        ax.plot(h, sub["coverage50"], "s--", color=color, label=f"{method} 50%", alpha=0.7)
    for level in (0.5, 0.9):
        ax.axhline(level, color="0.5", lw=0.8, ls=":")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("forecast horizon (years)")
    ax.set_ylabel("coverage (share of outcomes inside)")
    ax.set_title("Interval coverage (nominal 50% and 90%)", loc="left")
    ax.legend(frameon=False, fontsize=7, ncols=2)
    return ax


def plot_pit(
    table: pd.DataFrame,
    *,
    fig: Figure | None = None,
    method: str = "model",
    latent: str | None = "tension",
    bins: int = 5,
) -> Figure:
    """PIT histograms per forecast horizon: flat when the forecasts are calibrated, U-shaped
    when their intervals are too narrow, hump-shaped when too wide."""
    pits = pit_values(table, method=method, latent=latent)
    fig = fig or plt.figure(figsize=(2.6 * max(len(pits), 1) + 0.6, 3.0), layout="constrained")
    axes = fig.subplots(1, max(len(pits), 1), sharey=True, squeeze=False)[0]
    for ax, (h, pit) in zip(axes, pits.items(), strict=False):
        ax.hist(
            pit,
            bins=np.linspace(0, 1, bins + 1),
            color=METHOD_COLORS.get(method, "k"),
            alpha=0.8,
            edgecolor="white",
        )
        ax.axhline(pit.size / bins, color="k", ls="--", lw=0.8)
        ax.set_title(f"h = {h} ({pit.size} cells)", fontsize=9)
        ax.set_xlabel("PIT")
    axes[0].set_ylabel("forecast cells")
    fig.suptitle(f"PIT by horizon ({method}; dashed: uniform)", fontsize=10)
    return fig


def plot_sbc_ranks(result, *, fig=None, ncols: int = 4):
    """Rank histograms of a simulation-based calibration (:func:`causal_model.validation.sbc`)
    with the 99% band of a uniform histogram; returns the Figure."""
    from scipy import stats

    params = [str(p) for p in result["parameter"].values]
    nrows = int(np.ceil(len(params) / ncols))
    fig = fig or plt.figure(figsize=(3.2 * ncols, 2.4 * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    big_l, bins = int(result.attrs["L"]), int(result.attrs["bins"])
    n = result.sizes["rep"]
    lo, hi = stats.binom.ppf([0.005, 0.995], n, 1 / bins)
    edges = np.linspace(0, big_l + 1, bins + 1)
    for ax, p in zip(axes, params, strict=False):
        r = result["rank"].sel(parameter=p).values
        ax.axhspan(lo, hi, color="0.85", lw=0)
        ax.hist(r, bins=edges, color="#2a6f97", edgecolor="white")
        pv = float(result["p_value"].sel(parameter=p))
        ax.set_title(f"{p}  (p = {pv:.2f})", fontsize=8, loc="left")
        ax.set_xlabel("rank of the truth", fontsize=7)
        ax.tick_params(labelsize=7)
    for ax in axes[len(params) :]:
        ax.remove()
    fig.suptitle(f"SBC rank histograms ({n} replications; grey: 99% band)", fontweight="bold")
    return fig
