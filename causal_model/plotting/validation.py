"""Figures of variant comparison and forecast validation (LFO skill, coverage, PIT)."""

from __future__ import annotations

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

__all__ = ["plot_coverage", "plot_elpd", "plot_lfo_skill", "plot_pit", "plot_sbc_ranks"]

METHOD_COLORS = {"model": "#c0392b", "persistence": "0.35", "ar1": "#2a6f97", "mean": "#8c510a"}


def plot_elpd(comparison: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """ELPD (PSIS-LOO, a year left out) of each variant with its SE and the difference to the
    best (ArviZ's comparison plot of :func:`causal_model.compare`'s table)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.6 * len(comparison) + 1.5), layout="constrained")
    cols = [c for c in comparison.columns if c not in ("max_pareto_k", "n_bad_pareto_k")]
    az.plot_compare(comparison[cols], ax=ax, insample_dev=False)
    ax.set_xlabel("ELPD (log score, leave one year out; higher is better)")
    ax.set_title("Model variants: expected log predictive density", loc="left")
    return ax


def _by_horizon(table: pd.DataFrame, latent: str | None) -> pd.DataFrame:
    t = table if latent is None else table[table["latent"] == latent]
    return t.groupby(["method", "horizon"]).agg(
        crps=("crps", "mean"), in50=("in50", "mean"), in90=("in90", "mean")
    )


def plot_lfo_skill(
    table: pd.DataFrame, *, ax: Axes | None = None, latent: str | None = "tension"
) -> Axes:
    """Mean CRPS relative to persistence by forecast horizon (below 1: better than
    persistence), one line per method, from :func:`causal_model.validation.lfo_cv`."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4), layout="constrained")
    g = _by_horizon(table, latent)["crps"].unstack("method")
    ratio = g.div(g["persistence"], axis=0)
    for method in ratio.columns:
        ax.plot(
            ratio.index,
            ratio[method],
            "o-",
            color=METHOD_COLORS.get(method, "k"),
            label=method,
            lw=2 if method == "model" else 1.2,
        )
    ax.axhline(1.0, color="0.5", lw=0.8, ls="--")
    ax.set_xlabel("forecast horizon (years)")
    ax.set_ylabel("mean CRPS / persistence CRPS")
    ax.set_xticks(ratio.index)
    which = f"{latent} indicators" if latent else "all indicators"
    ax.set_title(f"Leave-future-out skill ({which}; lower is better)", loc="left")
    ax.legend(frameon=False)
    return ax


def plot_coverage(
    table: pd.DataFrame, *, ax: Axes | None = None, latent: str | None = None
) -> Axes:
    """Share of outcomes inside the central 50% and 90% intervals by horizon and method, with
    the nominal levels."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4), layout="constrained")
    g = _by_horizon(table, latent)
    for method in g.index.get_level_values("method").unique():
        sub = g.xs(method, level="method")
        color = METHOD_COLORS.get(method, "k")
        ax.plot(sub.index, sub["in90"], "o-", color=color, label=f"{method} 90%")
        ax.plot(sub.index, sub["in50"], "s--", color=color, label=f"{method} 50%", alpha=0.7)
    for level in (0.5, 0.9):
        ax.axhline(level, color="0.5", lw=0.8, ls=":")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("forecast horizon (years)")
    ax.set_ylabel("coverage (share of outcomes inside)")
    ax.set_title("Interval coverage (nominal 50% and 90%)", loc="left")
    ax.legend(frameon=False, fontsize=7, ncols=2)
    return ax


def plot_pit(
    table: pd.DataFrame, *, ax: Axes | None = None, method: str = "model", bins: int = 10
) -> Axes:
    """Histogram of the probability integral transform of the outcomes under the forecasts
    (flat when calibrated; U-shaped when too narrow, hump-shaped when too wide)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8), layout="constrained")
    pit = table.loc[table["method"] == method, "pit"].dropna().to_numpy()
    ax.hist(
        pit,
        bins=np.linspace(0, 1, bins + 1),
        color=METHOD_COLORS.get(method, "k"),
        alpha=0.8,
        edgecolor="white",
    )
    ax.axhline(pit.size / bins, color="k", ls="--", lw=0.8, label="uniform")
    ax.set_xlabel("PIT")
    ax.set_ylabel("count of forecast cells")
    ax.set_title(f"PIT histogram ({method}, {pit.size} cells)", loc="left")
    ax.legend(frameon=False)
    return ax


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
