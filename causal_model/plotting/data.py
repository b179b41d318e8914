"""Plots of the indicator panel itself (before any model is fitted).

The model never imports this module: plotting is an optional, downstream layer.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from causal_model.data.events import events_to_frame
from causal_model.dims import COOPERATION, DRIVERS, INDICATOR, LATENTS, TENSION, YEAR

__all__ = ["plot_indicators"]

#: Order of the latent sections: tension (the outcome) first, then the cooperation areas
#: (they load on tension), then the drivers.
SECTION_ORDER: tuple[str, ...] = (TENSION, COOPERATION, *DRIVERS)
#: Colour of the event lines by country (and of their labels).
EVENT_COLORS: dict[str, str] = {"USA": "#1f5fa8", "RUS": "#c0392b"}
#: Colour of the series of each latent.
LATENT_COLORS: dict[str, str] = {
    TENSION: "#2b2b2b",
    COOPERATION: "#2a9d8f",
    "geopolitics": "#2a6f97",
    "security": "#8c510a",
    "culture": "#5e3c99",
}
MISSING_COLOR = "0.90"
#: ``gid`` of the artists drawn for each indicator, so tests and users can find them.
GID_SERIES = "series"
GID_MISSING = "missing"
GID_EVENT = "event"


def _plotted_values(panel: xr.Dataset, *, standardize: bool) -> dict[str, np.ndarray]:
    """Return the series drawn for each indicator (by key, aligned with ``panel.year``).

    Binomial indicators are turned into their share (successes over trials) first; with
    ``standardize`` every series is then centred on its mean over the observed years and
    divided by its sample standard deviation (only centred if that is zero or undefined).
    """
    out: dict[str, np.ndarray] = {}
    for key in panel[INDICATOR].values:
        sel = {INDICATOR: key}
        if str(panel["family"].sel(sel).item()) == "binomial":
            v = panel["raw"].sel(sel).values / panel["trials"].sel(sel).values
        else:
            v = panel["value"].sel(sel).values.astype(float)
        v = np.where(np.isfinite(v), v, np.nan)
        if standardize and np.isfinite(v).any():
            v = v - np.nanmean(v)
            n = int(np.isfinite(v).sum())
            sd = float(np.nanstd(v, ddof=1)) if n > 1 else float("nan")
            if np.isfinite(sd) and sd > 0:
                v = v / sd
        out[str(key)] = v
    return out


def _unit_label(panel: xr.Dataset, key: str) -> str:
    """``"log(% of GDP)"``, ``"share of votes"``: what the unstandardised series is in."""
    sel = {INDICATOR: key}
    unit = str(panel["unit"].sel(sel).item()) if "unit" in panel.coords else ""
    transform = str(panel["transform"].sel(sel).item()) if "transform" in panel.coords else "none"
    if str(panel["family"].sel(sel).item()) == "binomial":
        unit = f"share of {unit}" if unit else "share of trials"
    unit = unit or "no unit"
    return unit if transform == "none" else f"{transform}({unit})"


def _runs(missing: np.ndarray) -> list[tuple[int, int]]:
    """Start and end index (inclusive) of each run of True in a boolean vector."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, m in enumerate(missing):
        if m and start is None:
            start = i
        elif not m and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(missing) - 1))
    return runs


def _sections(panel: xr.Dataset) -> list[tuple[str, list[str]]]:
    """Indicator keys grouped by latent, tension first; unknown latents come last."""
    latents = [str(v) for v in panel["latent"].values]
    keys = [str(k) for k in panel[INDICATOR].values]
    order = list(SECTION_ORDER) + [la for la in LATENTS if la not in SECTION_ORDER]
    order += sorted(set(latents) - set(order))
    return [
        (la, [k for k, kl in zip(keys, latents, strict=True) if kl == la])
        for la in order
        if la in latents
    ]


def _past_events(events: xr.Dataset, lo: float, hi: float) -> list[dict]:
    """Events that happened (not scheduled) with a time inside ``[lo, hi]``."""
    frame = events_to_frame(events)
    if "scheduled" in frame:
        frame = frame.loc[~frame["scheduled"].astype(bool)]
    frame = frame.loc[(frame["time"] >= lo) & (frame["time"] <= hi)]
    return [
        {
            "time": float(row["time"]),
            "country": str(row["country"]),
            "formal": bool(row.get("formal", False)),
            "leader_in": str(row["leader_in"]),
        }
        for _, row in frame.iterrows()
    ]


def plot_indicators(
    panel: xr.Dataset,
    *,
    fig: Figure | None = None,
    standardize: bool = True,
    events: xr.Dataset | None = None,
    ncols: int = 4,
    figsize: tuple[float, float] | None = None,
    title: str | None = None,
) -> Figure:
    """Small multiples of every indicator of a panel, grouped by the latent it measures.

    One section per latent (tension first, then geopolitics, security, culture), each with
    a heading and one axes per indicator, ``ncols`` to a row. Each axes shows the observed
    years as points, joined by lines only between consecutive observed years, so a missing
    year is a gap; missing years are also shaded. Binomial indicators are shown as their
    share (successes / trials).

    Parameters
    ----------
    panel
        A panel from :func:`causal_model.data.load_us_russia` or
        :func:`causal_model.data.from_frame` (dims ``year``, ``indicator``; variables
        ``raw``, ``value``, ``trials``; coordinates ``latent``, ``family``, ``unit``,
        ``transform``, ``direction`` on ``indicator``).
    fig
        An empty :class:`~matplotlib.figure.Figure` to draw into. It is switched to the
        constrained layout engine and keeps its size unless ``figsize`` is given. Default:
        a new pyplot figure of size ``figsize``.
    standardize
        Plot ``(value - mean) / sd`` per indicator, on the model's (transformed) scale, with a
        horizontal line at 0. If False, plot the value on the model's scale (y axis in each
        indicator's own unit, no zero line).
    events
        Elite-circulation events from :func:`causal_model.data.load_events`. Each past
        (non-scheduled) event inside the panel's years is drawn as a vertical dotted line on
        every axes, labelled with ``leader_in`` on the top row.
    ncols
        Number of axes per row within a section.
    figsize
        Figure size in inches; default (for a new figure) scales with ``ncols`` and the
        number of rows: about 12 x 16 inches for the 21 US–Russia indicators.
    title
        Figure title; default names the panel's years and the number of indicators.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig`` (or the new figure). ``fig.axes`` holds exactly one axes per indicator, in
        section order, each titled with its key; section headings are the titles of one
        subfigure per latent (``fig.subfigs``). The series line of each axes has the
        indicator's key as label and ``gid="series"``; the missing-year bands have
        ``gid="missing"`` and the event lines ``gid="event"``.

    Raises
    ------
    TypeError
        If ``fig`` is not a :class:`~matplotlib.figure.Figure` (a ``SubFigure`` cannot hold
        the outside legend).
    ValueError
        If ``fig`` already holds axes, ``ncols < 1``, or the panel has no indicators.
    """
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols}")
    sections = _sections(panel)
    if not sections:
        raise ValueError("the panel has no indicators to plot")
    years = panel[YEAR].values.astype(int)
    values = _plotted_values(panel, standardize=standardize)
    n_rows = [math.ceil(len(keys) / ncols) for _, keys in sections]
    if fig is None:
        if figsize is None:
            figsize = (2.9 * ncols + 0.6, 2.05 * sum(n_rows) + 0.55 * len(sections) + 1.3)
        fig = plt.figure(figsize=figsize, layout="constrained")
    else:
        if not isinstance(fig, Figure):
            raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
        if fig.axes or fig.subfigs:
            raise ValueError("fig must be empty: plot_indicators draws the whole figure")
        fig.set_layout_engine("constrained")
        if figsize is not None:
            fig.set_size_inches(figsize)
    fig.get_layout_engine().set(h_pad=0.04, w_pad=0.04, hspace=0.02, wspace=0.02)

    x_lo, x_hi = years[0] - 0.5, years[-1] + 0.5
    past = _past_events(events, x_lo, x_hi) if events is not None else []
    ylabel = "standardised value (sd)" if standardize else "value (model scale)"

    subfigs = fig.subfigures(
        len(sections), 1, height_ratios=[r + 0.3 for r in n_rows], squeeze=False
    )
    # Common limits, set on every axes. The axes are deliberately not "shared": sharing
    # across subfigures makes matplotlib redraw the whole figure on every limit change.
    span = years[-1] - years[0]
    step = 5 if span <= 40 else 10
    xticks = np.arange(int(math.ceil(years[0] / step) * step), years[-1] + 1, step)
    ylim = None
    if standardize:
        finite = np.concatenate([v[np.isfinite(v)] for v in values.values()])
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
            pad = 0.08 * (hi - lo) if hi > lo else 1.0
            top_pad = 0.22 * (hi - lo) if past else pad  # room for the event labels
            ylim = (min(lo, -1.0) - pad, max(hi, 1.0) + top_pad)
    for s, ((latent, keys), nrow) in enumerate(zip(sections, n_rows, strict=True)):
        sf = subfigs[s, 0]
        sf.suptitle(
            f"{latent.capitalize()}  ({len(keys)} indicator{'s' if len(keys) != 1 else ''})",
            x=0.005,
            ha="left",
            fontsize=12,
            fontweight="bold",
            color=LATENT_COLORS.get(latent, "k"),
        )
        gs = sf.add_gridspec(nrow, ncols)
        for i, key in enumerate(keys):
            r, c = divmod(i, ncols)
            ax = sf.add_subplot(gs[r, c])
            ax.set_xlim(x_lo, x_hi)
            ax.set_xticks(xticks)
            if ylim is not None:
                ax.set_ylim(ylim)
            v = values[key]
            color = LATENT_COLORS.get(latent, "k")
            for a, b in _runs(~np.isfinite(v)):
                ax.axvspan(
                    years[a] - 0.5,
                    years[b] + 0.5,
                    color=MISSING_COLOR,
                    lw=0,
                    zorder=0,
                    gid=GID_MISSING,
                )
            if standardize:
                ax.axhline(0, color="0.45", lw=0.8, zorder=1)
            for ev in past:
                ax.axvline(
                    ev["time"],
                    color=EVENT_COLORS.get(ev["country"], "0.4"),
                    ls=":",
                    lw=1.0,
                    alpha=0.45 if ev["formal"] else 0.9,
                    zorder=1.5,
                    gid=GID_EVENT,
                )
            ax.plot(
                years,
                v,
                scalex=False,
                scaley=ylim is None,
                color=color,
                lw=1.4,
                marker="o",
                ms=2.8,
                zorder=3,
                label=key,
                gid=GID_SERIES,
            )
            direction = int(panel["direction"].sel({INDICATOR: key}).item())
            ax.set_title(key, loc="left", fontsize=9, fontweight="bold", pad=13)
            ax.set_title(
                f"dir {'+' if direction > 0 else '−'}1",
                loc="right",
                fontsize=7,
                pad=13,
                color="0.4",
            )
            ax.annotate(
                _unit_label(panel, key),
                xy=(0, 1),
                xycoords="axes fraction",
                xytext=(0, 3),
                textcoords="offset points",
                ha="left",
                va="bottom",
                fontsize=7.5,
                color="0.3",
            )
            ax.tick_params(labelsize=7.5, length=2.5)
            ax.grid(axis="y", color="0.85", lw=0.5)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            below = (r + 1) * ncols + c
            if below < len(keys):  # another axes of this section sits below: no year labels
                ax.tick_params(labelbottom=False)
            if c == 0:
                ax.set_ylabel(ylabel, fontsize=8)
            elif ylim is not None:  # same y limits on every axes: labels on the left only
                ax.tick_params(labelleft=False)
            if s == 0 and r == 0:
                for ev in past:
                    # US labels right of their line, Russian ones left (the close pairs
                    # 1999/2001 and 2008/2009 are one of each), flipped at the axis ends.
                    right = ev["country"] != "RUS"
                    if ev["time"] > x_hi - 1.5:
                        right = False
                    elif ev["time"] < x_lo + 1.5:
                        right = True
                    ax.annotate(
                        ev["leader_in"],
                        xy=(ev["time"], 1),
                        xycoords=("data", "axes fraction"),
                        xytext=(1.5 if right else -1.5, -2),
                        textcoords="offset points",
                        rotation=90,
                        ha="left" if right else "right",
                        va="top",
                        fontsize=6.5,
                        color=EVENT_COLORS.get(ev["country"], "0.3"),
                        alpha=0.6 if ev["formal"] else 1.0,
                        zorder=2.5,
                        bbox={
                            "boxstyle": "square,pad=0.1",
                            "fc": "white",
                            "ec": "none",
                            "alpha": 0.75,
                        },
                    )

    if title is None:
        title = (
            f"Indicator panel {years[0]}–{years[-1]}: "
            f"{'standardised ' if standardize else ''}series by latent "
            f"({sum(len(k) for _, k in sections)} indicators)"
        )
    fig.suptitle(title, fontsize=14, fontweight="bold")
    handles = [
        Line2D(
            [],
            [],
            color="0.2",
            lw=1.4,
            marker="o",
            ms=3,
            label="observed (lines join consecutive years only)",
        ),
        Patch(color=MISSING_COLOR, label="missing year"),
    ]
    if past:
        handles += [
            Line2D([], [], color=EVENT_COLORS["USA"], ls=":", lw=1.2, label="new US president"),
            Line2D(
                [],
                [],
                color=EVENT_COLORS["RUS"],
                ls=":",
                lw=1.2,
                label="new Russian head of state (pale: formal change only)",
            ),
        ]
    handles.append(Line2D([], [], ls="none", label="dir −1: higher = less rivalry"))
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=len(handles),
        fontsize=8,
        frameon=False,
        handlelength=2.2,
        columnspacing=1.6,
    )
    return fig
