"""The measurement check as a figure: per latent, how each indicator follows it.

Draws the table of :func:`causal_model.analysis.measurement.measurement_check`: three dot
plots side by side sharing the indicators (grouped by latent, the latent's name as a bold
heading), the posterior probability that the data follow the declared sign, the
standardised loading and the posterior predictive p-value. Flagged indicators are red
crosses with red labels; anchors (fixed loadings) are open squares.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = ["MEASUREMENT_CAPTION", "plot_measurement_check"]

#: Caption of the figure (the report and the main job write it under the figure).
MEASUREMENT_CAPTION = (
    "Measurement check, one row per indicator grouped by the latent it measures. Left: "
    "posterior probability that the indicator's data move with its latent in the declared "
    "direction (share of draws where their correlation over the observed years is positive); "
    "red crosses fall below the dashed line and contradict the declared direction: check the "
    "direction in the registry or drop the indicator. The cooperation areas declare no "
    "direction (their loading on tension has a free sign), so they have no point there. "
    "Middle: standardised loading (indicator sd per latent sd, posterior median; anchors, open "
    "squares, have fixed loadings; a cooperation area's is its signed loading on tension). Right: "
    "posterior predictive p-value of the indicator's deviance (near 0: more misfit than its "
    "family allows)."
)
FLAG_COLOR = "#c0392b"
COLUMNS = (
    ("p_declared_sign", "P(declared sign)", "probability", (-0.04, 1.04)),
    ("std_loading", "Standardised loading", "indicator sd per latent sd", None),
    ("ppp", "Posterior predictive p", "p-value (deviance)", (-0.04, 1.04)),
)


def _rows(table: pd.DataFrame) -> tuple[list[tuple[float, str, str | None]], float]:
    """(y, label, indicator or None for a heading) of every row, top to bottom, and the
    lowest y."""
    rows = []
    y = 0.0
    for latent in dict.fromkeys(table["latent"].astype(str)):
        rows.append((y, latent.upper(), None))
        y -= 1.0
        for key in table.index[table["latent"].astype(str) == latent]:
            rows.append((y, str(key), str(key)))
            y -= 1.0
        y -= 0.4
    return rows, y + 1.4


def plot_measurement_check(
    table: pd.DataFrame,
    *,
    fig: Figure | None = None,
    prob: float | None = None,
    title: str = "Measurement check: do the indicators follow their latents?",
) -> Figure:
    """Dot plots of the measurement check per indicator, grouped by latent.

    Parameters
    ----------
    table
        :func:`causal_model.analysis.measurement.measurement_check`'s table (index
        ``indicator``; columns ``latent``, ``anchor``, ``p_declared_sign``, ``std_loading``,
        ``ppp``, ``flag``).
    fig
        Figure to draw into (a new one, sized to the number of indicators, by default).
    prob
        The check's ``prob`` (the dashed line is at ``1 - prob``); default the table's
        ``attrs["prob"]``, else 0.95.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When the table lacks a column the figure shows, or has no rows.
    """
    needed = ["latent", "anchor", "flag", *(c[0] for c in COLUMNS)]
    missing = [c for c in needed if c not in table.columns]
    if missing or table.empty:
        raise ValueError(
            f"plot_measurement_check needs measurement_check()'s table; missing columns "
            f"{missing}" + (" (the table has no rows)" if table.empty else "")
        )
    prob = float(table.attrs.get("prob", 0.95) if prob is None else prob)
    rows, bottom = _rows(table)
    if fig is None:
        fig = plt.figure(figsize=(10.0, 0.24 * len(rows) + 1.6), layout="constrained")
    axes = fig.subplots(1, len(COLUMNS), sharey=True)
    flagged = table["flag"].astype(bool)
    anchor = table["anchor"].astype(bool)
    for ax, (col, head, unit, xlim) in zip(axes, COLUMNS, strict=True):
        for y, _, key in rows:
            if key is None:
                if y < 0:  # a line between two latents
                    ax.axhline(y + 0.7, color="0.85", lw=0.8)
                continue
            v = float(table.at[key, col])
            if flagged[key]:
                ax.plot([v], [y], "X", color=FLAG_COLOR, ms=8)
            elif anchor[key]:
                ax.plot([v], [y], "s", color="0.15", mfc="white", ms=6)
            else:
                ax.plot([v], [y], "o", color="0.15", ms=5)
        if xlim is not None:
            ax.set_xlim(*xlim)
        ax.set_title(head, fontsize=9, loc="left")
        ax.set_xlabel(unit, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(axis="x", color="0.92")
    axes[0].axvline(1.0 - prob, color=FLAG_COLOR, ls="--", lw=1.0)
    axes[1].axvline(0.0, color="0.6", lw=0.8)
    axes[0].set_yticks([r[0] for r in rows], [r[1] for r in rows])
    axes[0].set_ylim(bottom - 0.7, 0.7)
    for label, (_, _, key) in zip(axes[0].get_yticklabels(), rows, strict=True):
        if key is None:
            label.set_fontweight("bold")
        elif flagged[key]:
            label.set_color(FLAG_COLOR)
    handles = [
        Line2D([], [], ls="", marker="o", color="0.15", ms=5, label="indicator"),
        Line2D([], [], ls="", marker="s", color="0.15", mfc="white", ms=6, label="anchor"),
        Line2D([], [], ls="", marker="X", color=FLAG_COLOR, ms=8, label="flagged"),
        Line2D([], [], ls="--", color=FLAG_COLOR, label=f"flag below {1.0 - prob:.2g}"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    fig.suptitle(title, x=0.01, ha="left", fontsize=10)
    return fig
