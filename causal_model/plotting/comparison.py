"""The variant comparison figure: ELPD of each variant with its SE and the difference to the
best (drawn here rather than with ArviZ's ``plot_compare``, whose own titles and legend
overprint the figure's)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

__all__ = ["plot_elpd"]


def plot_elpd(comparison: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """ELPD (PSIS-LOO, a year left out) of each variant with +-1 SE, and its difference to the
    best variant with the SE of that difference.

    Parameters
    ----------
    comparison
        A table of :func:`causal_model.compare` (columns ``elpd_loo``, ``se``, ``elpd_diff``,
        ``dse``; ``n_bad_pareto_k`` is shown in the labels when present).
    ax
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    table = comparison.sort_values("elpd_loo", ascending=False)
    n = len(table)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.55 * n + 2.0), layout="constrained")
    y = -np.arange(n, dtype=float)
    best = float(table["elpd_loo"].iloc[0])
    ax.errorbar(
        table["elpd_loo"],
        y,
        xerr=table["se"],
        fmt="o",
        color="k",
        mfc="white",
        capsize=3,
        label="ELPD ± SE",
    )
    if "elpd_diff" in table and "dse" in table and n > 1:
        rest = table.iloc[1:]
        ax.errorbar(
            best - rest["elpd_diff"],
            y[1:] - 0.25,
            xerr=rest["dse"],
            fmt="^",
            color="0.45",
            ms=5,
            capsize=3,
            label="difference to the best ± its SE",
        )
    ax.axvline(best, color="0.6", lw=0.8, ls="--")
    labels = []
    for name, row in table.iterrows():
        bad = int(row["n_bad_pareto_k"]) if "n_bad_pareto_k" in table else 0
        labels.append(f"{name}\n({bad} years k > 0.7)" if bad else str(name))
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(y[-1] - 0.7, 0.6)
    ax.set_xlabel("ELPD (log score, leave one year out; higher is better)")
    ax.set_title("Model variants: expected log predictive density", loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.22), ncols=2, fontsize=8, frameon=False)
    return ax
