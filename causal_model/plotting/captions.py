"""Captions of the figures: what the tension scale means, and a quick run's warning.

:func:`tension_scale` says what one unit of latent tension is in the anchor indicator's own
terms; :func:`tension_scale_text` and :func:`headline_text` put it in plain words;
:func:`figure_caption` gives the caption of each figure of the main job and
:func:`finish_figure` writes a caption (and a quick run's "smoke test" banner) under and over
a figure, growing the figure so that nothing else moves.
"""

from __future__ import annotations

import math
import textwrap

import arviz as az
import numpy as np
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from causal_model.analysis.decomposition import latent_history
from causal_model.analysis.summaries import indicator_unit, natural_values
from causal_model.dims import INDICATOR, TENSION, YEAR
from causal_model.plotting.textcheck import renderer_of

__all__ = [
    "CAPTIONS",
    "QUICK_BANNER",
    "figure_caption",
    "finish_figure",
    "headline_text",
    "tension_scale",
    "tension_scale_text",
]

#: Banner of every figure of a quick run.
QUICK_BANNER = "QUICK RUN: a smoke test, not inference (far too few draws; do not read the numbers)"
#: ``gid`` of the caption and banner texts.
GID_CAPTION = "caption"
GID_BANNER = "quick_banner"


def tension_scale(source, *, anchor: str | None = None) -> dict:
    """What one unit of latent tension means in the anchor indicator's own terms.

    Tension is measured in the units of its anchor indicator (loading 1, intercept 0): the
    anchor's ``value`` is standardised by its mean and sd over its observed years, so tension
    0 is the anchor at its mean and +1 is one sd above it. For the US–Russia anchor, Russia's
    GPR index on the log scale, +1 means the index is ``exp(sd)`` times its geometric mean.

    Parameters
    ----------
    source
        A panel (``xarray.Dataset`` with the ``anchor`` coordinate), an object with a
        ``panel`` (a :class:`~causal_model.inference.TensionModel`), or an InferenceData with
        ``observed_data`` (a forecast) together with ``anchor``.
    anchor
        Key of the anchor indicator (default: the panel's tension anchor).

    Returns
    -------
    dict
        ``anchor``, ``description``, ``unit``, ``transform``, ``first`` and ``last`` observed
        year, ``center`` and ``sd`` (the standardisation constants on the ``value`` scale),
        ``level`` (the natural-scale value at tension 0: the geometric mean for a log
        anchor), ``factor`` (the multiple of ``level`` that +1 tension means, for a log
        anchor; None otherwise) and ``plus_one`` (the natural value at tension +1).
    """
    panel = getattr(source, "panel", source)
    if isinstance(panel, az.InferenceData):
        if anchor is None:
            raise ValueError("name the anchor indicator (anchor=...) of an InferenceData")
        da = panel.observed_data[anchor]
        values, meta = da.values.astype(float), dict(da.attrs)
        years = da[YEAR].values
    else:
        if anchor is None:
            is_anchor = panel["anchor"].values.astype(bool)
            is_tension = panel["latent"].values.astype(str) == TENSION
            keys = panel[INDICATOR].values[is_anchor & is_tension]
            if keys.size != 1:
                raise ValueError("the panel has no (single) tension anchor")
            anchor = str(keys[0])
        sel = {INDICATOR: anchor}
        values = panel["value"].sel(sel).values.astype(float)
        meta = {k: str(panel[k].sel(sel).item()) for k in panel[INDICATOR].coords if k != INDICATOR}
        years = panel[YEAR].values
    ok = np.isfinite(values)
    obs = values[ok]
    center = float(obs.mean())
    sd = float(obs.std(ddof=1)) if obs.size > 1 else 1.0
    transform = str(meta.get("transform", "none"))
    family = str(meta.get("family", "normal"))
    level = float(natural_values(np.array(center), transform=transform))
    plus_one = float(natural_values(np.array(center + sd), transform=transform))
    return {
        "anchor": anchor,
        "description": str(meta.get("description", "")),
        "unit": indicator_unit(str(meta.get("unit", "")), family=family),
        "transform": transform,
        "first": int(years[ok].min()),
        "last": int(years[ok].max()),
        "center": center,
        "sd": sd,
        "level": level,
        "factor": math.exp(sd) if transform == "log" else None,
        "plus_one": plus_one,
    }


def tension_scale_text(scale: dict) -> str:
    """One paragraph: what tension 0 and +1 mean in the anchor indicator's own terms.

    Parameters
    ----------
    scale
        From :func:`tension_scale`.

    Returns
    -------
    str
    """
    years = f"{scale['first']}–{scale['last']}"
    what = scale["description"] or scale["anchor"]
    unit = scale["unit"]
    head = f"Tension is measured on the scale of its anchor indicator, {scale['anchor']} ({what})"
    if scale["transform"] == "log":
        f = scale["factor"]
        return (
            f"{head}, taken on the log scale and standardised over {years}. Tension 0 is the "
            f"index at its {years} geometric mean ({scale['level']:.2g} {unit}); +1 is one "
            f"standard deviation of its log ({scale['sd']:.2f}) above that: the index "
            f"exp({scale['sd']:.2f}) = {f:.2f} times its geometric mean "
            f"({scale['plus_one']:.2g} {unit}); -1 is 1/{f:.2f} of it. The other indicators "
            "are tied to the same scale by their estimated loadings."
        )
    if scale["transform"] == "logit":
        return (
            f"{head}, taken on the logit scale and standardised over {years}. Tension 0 is a "
            f"share of {scale['level']:.2f} (the share at its mean logit); +1 is one standard "
            f"deviation of the logit ({scale['sd']:.2f}) above it, a share of "
            f"{scale['plus_one']:.2f} from there."
        )
    return (
        f"{head}, standardised over {years}. Tension 0 is its {years} mean "
        f"({scale['level']:.3g} {unit}); +1 is one standard deviation ({scale['sd']:.3g} "
        f"{unit}) above it."
    )


def headline_text(pred: az.InferenceData, *, reference_year: int = 2024) -> str:
    """Why ``P(last year > reference year)`` and ``P(last year > historical mean)`` differ,
    with the forecast's own numbers (posterior medians)."""
    t = latent_history(pred)["tension"]
    years = t[YEAR].values
    last, first = int(years.max()), int(years.min())
    ref = float(t.sel({YEAR: reference_year}).median())
    base = float(t.sel({YEAR: slice(first, reference_year)}).mean(YEAR).median())
    end = float(t.sel({YEAR: last}).median())
    text = (
        f"P({last} > {reference_year}) compares {last} with {reference_year} (tension "
        f"{ref:+.2f}, posterior median); P({last} > {first}–{reference_year} mean) compares it "
        f"with the average of all those years ({base:+.2f}). "
    )
    if ref > base:
        text += (
            f"{reference_year} lies above the average, so tension can fall from "
            f"{reference_year} (median {end:+.2f} in {last}) and still stay above it: the "
            "second probability is the larger."
        )
    else:
        text += f"{reference_year} lies below the average, so the first is the larger."
    return text


def _intervals_text(what: str) -> str:
    return f"{what}: posterior median (line) with 50% and 90% central intervals (bands)."


#: Caption of each figure of the main job (file name -> text before the tension scale).
CAPTIONS = {
    "forecast_fan.png": _intervals_text("Latent tension")
    + " Grey background: nowcast and forecast years. Dashed lines: scenario medians.",
    "indicators.png": "Each indicator in its own unit (log and logit undone; UN votes as the "
    "share of joint votes). Points: observed; black: posterior predictive of the fitted "
    "years; red: forecast (50% and 90% intervals).",
    "drivers.png": _intervals_text("Latent drivers (standardised: sd units)")
    + " Each panel title gives the driver's effect beta on tension: +1 driver sd changes "
    "tension by beta.",
    "decomposition.png": "Bars: posterior-mean contributions to tension (beta x driver, elite "
    "circulation, the level's drift when the model has one, residual); they add up to the "
    "black line, the mean tension.",
    "elite_response.png": "Effect of a change of head of state on tension, by years since it: "
    "median (line) and 90% interval (dashed) per event type; the half-life is the time for "
    "the effect to halve.",
    "cooperation.png": "US–Russia cooperation by issue area (claim 4): observed share (points; "
    "UN agreement as the share of the joint votes in each area, each roll call in one area), "
    "posterior predictive of the fitted years (black) and forecast (red), medians with 90% "
    "intervals. UN roll calls end in 2019 and ICEWS events in 2014; later years are the "
    "model's, with future joint votes assumed at the median of the last five observed years. "
    "Each title gives the area's loading on tension (< 0: cooperation falls when tension "
    "rises; near 0: insulated).",
    "parameters.png": "Posterior (red) and prior (grey): median (point), 50% (thick) and 90% "
    "(thin) central intervals; one panel per unit.",
    "posterior_predictive.png": "Posterior predictive check: 50% and 90% predictive bands "
    "of each indicator in its own unit, observed values on top; most points should lie "
    "inside the bands.",
}
#: Figures whose caption ends with the tension scale.
ON_TENSION_SCALE = ("forecast_fan.png", "drivers.png", "decomposition.png", "elite_response.png")


def figure_caption(
    name: str, *, scale: dict | None = None, pred: az.InferenceData | None = None
) -> str:
    """The caption of figure ``name`` (a key of :data:`CAPTIONS`).

    Parameters
    ----------
    name
        File name of the figure, e.g. ``"forecast_fan.png"``.
    scale
        :func:`tension_scale` of the fit's panel: figures on the tension scale then explain it.
    pred
        The forecast: the fan chart's caption then explains its headline probabilities.

    Returns
    -------
    str
    """
    text = CAPTIONS.get(name, "")
    if scale is not None and name in ON_TENSION_SCALE:
        text += " " + tension_scale_text(scale)
    if pred is not None and name == "forecast_fan.png":
        text += " " + headline_text(pred)
    return text.strip()


def _wrap(fig: Figure, text: str, fontsize: float, **kw) -> list:
    """Lines of ``text`` wrapped to the figure's width (measured with its renderer)."""
    renderer = renderer_of(fig)
    avail = fig.bbox.width * 0.98
    width = max(20, int(fig.get_size_inches()[0] * 72 / (0.5 * fontsize)))
    probe = fig.text(0, 0, "", fontsize=fontsize, **kw)
    try:
        while True:
            lines = textwrap.wrap(text, width) or [""]
            probe.set_text("\n".join(lines))
            if probe.get_window_extent(renderer).width <= avail or width <= 20:
                return lines
            width = int(width * 0.93)
    finally:
        probe.remove()


def finish_figure(
    fig: Figure, *, caption: str | None = None, quick: bool = False, fontsize: float = 8.0
) -> Figure:
    """Write ``caption`` under ``fig`` and, for a quick run, a red "smoke test" banner.

    The figure grows by the height of the text, so its axes keep their size. Legends drawn
    outside the bottom of a constrained layout (``loc="outside lower ..."``) move up with it.

    Parameters
    ----------
    fig
        A finished figure.
    caption
        Caption text (wrapped to the figure's width), e.g. :func:`figure_caption`.
    quick
        The figure comes from a quick run: add :data:`QUICK_BANNER`.
    fontsize
        Font size of the caption (the banner is one point larger).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``.
    """
    if not caption and not quick:
        return fig
    blocks = []
    if quick:
        kw = {"color": "#b00020", "fontweight": "bold"}
        blocks.append((_wrap(fig, QUICK_BANNER, fontsize + 1, **kw), fontsize + 1, kw, GID_BANNER))
    if caption:
        kw = {"color": "0.2"}
        blocks.append((_wrap(fig, caption, fontsize), fontsize, kw, GID_CAPTION))
    w, h = fig.get_size_inches()
    pad = 0.06
    heights = [len(lines) * size * 1.25 / 72 for lines, size, _, _ in blocks]
    cap_h = sum(heights) + pad * (len(blocks) + 1)
    legends = [leg for leg in fig.legends if "lower" in str(getattr(leg, "_outside_loc", "") or "")]
    renderer = renderer_of(fig)
    leg_h = max((leg.get_window_extent(renderer).height / fig.dpi for leg in legends), default=0)
    new_h = h + cap_h
    fig.set_size_inches(w, new_h, forward=False)
    y = pad
    for (lines, size, kw, gid), bh in zip(reversed(blocks), reversed(heights), strict=True):
        t = fig.text(0.01, y / new_h, "\n".join(lines), fontsize=size, va="bottom", **kw)
        t.set_gid(gid)
        y += bh + pad
    bottom = cap_h / new_h
    for leg in legends:
        leg.set_bbox_to_anchor((0, bottom, 1, 1 - bottom), transform=fig.transFigure)
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        lift = (leg_h + (pad if legends else 0)) / new_h
        engine.set(rect=(0, bottom + lift, 1, 1 - bottom - lift))
    else:
        for ax in fig.axes:
            p = ax.get_position()
            ax.set_position([p.x0, (cap_h + p.y0 * h) / new_h, p.width, p.height * h / new_h])
    return fig
