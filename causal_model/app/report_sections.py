"""Pieces of the HTML report (:mod:`causal_model.app.report`): the model's causal graph, the
data coverage, the figures with their captions, and the plain-language explanations of the
tension scale, the convergence checks and Pareto k."""

from __future__ import annotations

import html

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from causal_model import plotting
from causal_model.analysis.cooperation import cooperation_areas
from causal_model.analysis.scorecard import scorecard_table
from causal_model.analysis.summaries import format_probability
from causal_model.plotting.captions import figure_caption, tension_scale
from causal_model.plotting.measurement import MEASUREMENT_CAPTION

__all__ = [
    "CONVERGENCE_TEXT",
    "MEASUREMENT_TEXT",
    "PARETO_K_TEXT",
    "coverage_table",
    "headline_display",
    "measurement_display",
    "scenarios_display",
    "scorecard_display",
    "pareto_k_text",
    "plot_model_dag",
    "report_figures",
]

#: What the convergence box checks, one sentence each.
CONVERGENCE_TEXT = (
    "R-hat compares the chains with each other: at most 1.01 means they found the same "
    "posterior. Bulk and tail ESS are the effective numbers of independent draws behind the "
    "centre and the tails of each parameter: at least 400 makes the 90% intervals stable. A "
    "divergence is a step where the sampler could not follow the posterior's curvature: any "
    "divergence means parts of the posterior may be missed. BFMI says how well the sampler "
    "moves between energy levels: below 0.3 it explores the tails poorly."
)
#: What Pareto k is, and what to do about large values.
PARETO_K_TEXT = (
    "Pareto k is PSIS-LOO's check of each left-out year: the ELPD of a year is estimated by "
    "reweighting the full posterior instead of refitting without that year, and k measures how "
    "far that shortcut is stretched. Above 0.7 the leave-one-out estimate for that year is "
    "unreliable (the year is so influential that the posterior without it differs a lot), and "
    "so is any ELPD difference that leans on it. What you can do: rerun without --quick "
    "(few draws make k noisy), refit with those years left out (exact leave-one-year-out), "
    "or judge the variants by leave-future-out skill (--lfo) instead."
)


def pareto_k_text(comparison: pd.DataFrame | None) -> str:
    """:data:`PARETO_K_TEXT` with the variants of ``comparison`` that have years above 0.7."""
    if comparison is None or "max_pareto_k" not in comparison:
        return PARETO_K_TEXT
    bad = comparison[comparison["max_pareto_k"] > 0.7]
    if bad.empty:
        return PARETO_K_TEXT + " In this comparison every year has k <= 0.7."
    items = ", ".join(
        f"{name} (max k {row['max_pareto_k']:.2f}"
        + (f", {int(row['n_bad_pareto_k'])} years" if "n_bad_pareto_k" in bad else "")
        + ")"
        for name, row in bad.iterrows()
    )
    return PARETO_K_TEXT + f" Here: {items}."


def plot_model_dag(model, *, fig: Figure | None = None) -> Figure:
    """The model's causal graph: drivers, elite circulation and residual cause tension; each
    latent causes its indicators. Drawn with matplotlib (no graphviz needed); every arrow
    runs from the edge of one box to the edge of the other, never through a label."""
    md = model.data
    fig = fig or plt.figure(figsize=(10, 5.6), layout="constrained")
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    drivers = list(md.drivers)
    xs = np.linspace(0.14, 0.86, len(drivers))

    def node(name, xy, color, size=10):
        return ax.text(
            *xy,
            name,
            ha="center",
            va="center",
            fontsize=size,
            fontweight="bold",
            bbox={"boxstyle": "round,pad=0.4", "facecolor": color, "edgecolor": "0.3"},
        )

    def arrow(a, b):
        ax.annotate(
            "",
            xy=(0.5, 0.5),
            xycoords=b,
            xytext=(0.5, 0.5),
            textcoords=a,
            arrowprops={
                "arrowstyle": "->",
                "color": "0.3",
                "lw": 1.3,
                "patchA": a.get_bbox_patch(),
                "patchB": b.get_bbox_patch(),
                "shrinkA": 2,
                "shrinkB": 2,
            },
        )

    tension = node("TENSION", (0.5, 0.44), "#f8d7da", size=11)
    for d, x in zip(drivers, xs, strict=True):
        keys = [
            k for k, j in zip(md.indicators, md.driver_of, strict=True) if j == drivers.index(d)
        ]
        box = node(f"{d}\n(latent driver)", (x, 0.72), "#dbe9f6")
        listing = ax.text(
            x,
            0.94,
            "\n".join(keys),
            ha="center",
            va="center",
            fontsize=6.5,
            color="0.3",
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.75"},
        )
        arrow(box, listing)
        arrow(box, tension)
    arrow(node("elite circulation\n(decaying effect)", (0.15, 0.44), "#d8f3dc"), tension)
    arrow(node("residual u\n(AR1)", (0.85, 0.44), "#eeeeee"), tension)
    tension_ind = [k for k, lat in zip(md.indicators, md.latent, strict=True) if lat == "tension"]
    half = (len(tension_ind) + 1) // 2
    listing = ", ".join(tension_ind[:half]) + ",\n" + ", ".join(tension_ind[half:])
    box = ax.text(
        0.5,
        0.1,
        "tension indicators:\n" + listing,
        ha="center",
        va="center",
        fontsize=7.5,
        bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.6"},
    )
    arrow(tension, box)
    ax.set_title(
        "Causal structure of the model (latent drivers cause their indicators and tension)",
        fontsize=10,
        loc="left",
    )
    return fig


def coverage_table(panel) -> pd.DataFrame:
    """Per indicator: latent, family, unit, first and last observed year, observed years."""
    rows = []
    for key in panel["indicator"].values:
        v = panel["value"].sel(indicator=key)
        yrs = panel["year"].values[np.isfinite(v.values)]
        rows.append(
            {
                "indicator": str(key),
                "latent": str(panel["latent"].sel(indicator=key).item()),
                "family": str(panel["family"].sel(indicator=key).item()),
                "unit": str(panel["unit"].sel(indicator=key).item())
                if "unit" in panel.coords
                else "",
                "first": int(yrs.min()) if yrs.size else "none",
                "last": int(yrs.max()) if yrs.size else "none",
                "observed years": int(yrs.size),
            }
        )
    return pd.DataFrame(rows).set_index("indicator")


def report_figures(
    model,
    idata: az.InferenceData,
    runs: dict,
    pred: az.InferenceData,
    *,
    comparison: pd.DataFrame | None = None,
    measurement: pd.DataFrame | Figure | None = None,
    prior: az.InferenceData | None = None,
    quick: bool = False,
) -> dict[str, tuple[Figure, str]]:
    """Every figure of the report with its caption, by section key (in report order).

    Parameters
    ----------
    model, idata
        The fit.
    runs, pred
        The scenario forecasts and the one shown.
    comparison
        The variant comparison (the ELPD figure).
    measurement
        The measurement check (:func:`~causal_model.analysis.measurement.measurement_check`'s
        table, drawn with :func:`~causal_model.plotting.plot_measurement_check`) or a
        measurement figure (optional).
    prior
        Prior draws for the parameter figure (without them it shows the posterior only).
    quick
        Mark every figure with the quick run's banner.

    Returns
    -------
    dict
        key -> (figure, caption text).
    """
    scale = tension_scale(model)
    out: dict[str, tuple[Figure, str]] = {
        "dag": (
            plot_model_dag(model),
            "Causal structure: each arrow runs from a cause to what it causes. Blue: latent "
            "drivers, each measured by the indicators above it; green: changes of head of "
            "state; grey: the part of tension the drivers leave unexplained.",
        ),
        "forecast": (
            plotting.plot_forecast(pred, scenarios=runs).figure,
            figure_caption("forecast_fan.png", scale=scale, pred=pred),
        ),
        "indicators": (
            plotting.plot_indicator_forecasts(pred),
            figure_caption("indicators.png"),
        ),
        "drivers": (plotting.plot_drivers(pred), figure_caption("drivers.png")),
        "decomposition": (
            plotting.plot_decomposition(pred).figure,
            figure_caption("decomposition.png"),
        ),
    }
    if "elite_mu" in idata.posterior:
        out["elite"] = (
            plotting.plot_elite_response(idata).figure,
            figure_caption("elite_response.png"),
        )
    if cooperation_areas(pred):
        out["cooperation"] = (plotting.plot_cooperation(pred), figure_caption("cooperation.png"))
    out["parameters"] = (
        plotting.plot_parameters(idata, prior=prior),
        figure_caption("parameters.png"),
    )
    out["predictive"] = (
        plotting.plot_predictive_check(
            pred.posterior_predictive, model.panel, title="Posterior predictive check"
        ),
        figure_caption("posterior_predictive.png"),
    )
    if isinstance(measurement, pd.DataFrame):
        out["measurement"] = (plotting.plot_measurement_check(measurement), MEASUREMENT_CAPTION)
    elif measurement is not None:
        out["measurement"] = (measurement, "Measurement: how the indicators follow their latents.")
    if comparison is not None:
        main = (
            comparison[comparison["loo_kind"] != "conditional"]
            if "loo_kind" in comparison
            else comparison
        )
        out["elpd"] = (
            plotting.plot_elpd(main).figure,
            "ELPD of each variant (PSIS-LOO, a year left out) with +-1 SE, and its difference "
            "to the best variant with the SE of that difference.",
        )
    for fig, _ in out.values():
        plotting.finish_figure(fig, quick=quick)
    return out


def caption_html(text: str) -> str:
    """A figure caption as HTML."""
    return f"<p class='caption'>{html.escape(text)}</p>"


def headline_display(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`~causal_model.analysis.summaries.headline_table` as text: each probability with
    the decimals its Monte Carlo error supports."""
    out = pd.DataFrame(index=table.index)
    out["probability"] = [format_probability(r).split(" ± ")[0] for _, r in table.iterrows()]
    out["Monte Carlo se"] = [f"{v:.3f}" for v in table["mc_se"]]
    out["effective draws"] = [f"{v:.0f}" for v in table["ess"]]
    out["draws"] = [str(int(v)) for v in table["draws"]]
    return out


#: What the measurement table's columns are, for the report.
MEASUREMENT_TEXT = (
    "Does each indicator measure its latent the way the registry declares? corr with others: "
    "correlation of its data (times its direction) with the mean of the other indicators of "
    "the same latent (data only). std loading: indicator sd per latent sd (posterior median; "
    "anchors have fixed loadings). P(declared sign): posterior probability that its data "
    "move with the latent's path in the declared direction (the model forces each loading to "
    "that sign, so the data are asked instead). ppp: posterior predictive p-value of its "
    "deviance (near 0: more misfit than its family allows). Flagged rows (red) contradict "
    "their declared direction: check the direction in the registry or drop the indicator."
)


def measurement_display(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`~causal_model.analysis.measurement.measurement_check`'s table as text for the
    report: two decimals, the direction signed, anchors and flags in words."""

    def fmt(v) -> str:
        return "" if pd.isna(v) else f"{float(v):.2f}"

    return pd.DataFrame(
        {
            "latent": table["latent"].astype(str),
            "direction": [f"{int(v):+d}" for v in table["direction"]],
            "anchor": ["anchor" if a else "" for a in table["anchor"]],
            "years": [str(int(v)) for v in table["n_obs"]],
            "corr with others": [fmt(v) for v in table["corr_with_others"]],
            "std loading": [fmt(v) for v in table["std_loading"]],
            "P(declared sign)": [fmt(v) for v in table["p_declared_sign"]],
            "ppp": [fmt(v) for v in table["ppp"]],
            "flag": ["FLAGGED" if f else "" for f in table["flag"]],
        },
        index=table.index,
    )


def scenarios_display(table: pd.DataFrame, *, draws: int) -> pd.DataFrame:
    """:func:`~causal_model.analysis.summaries.compare_scenarios` as text: each probability
    as ``p ± se`` (rounded to its Monte Carlo error; ``draws`` draws per forecast), tension
    to 2 decimals."""
    rows = {}
    for q in table.index:
        if q.startswith("MC se of "):
            continue
        se_row = f"MC se of {q}"
        if se_row in table.index:
            rows[q] = [
                format_probability(pd.Series({"probability": p, "mc_se": se, "draws": draws}))
                for p, se in zip(table.loc[q], table.loc[se_row], strict=True)
            ]
        else:
            rows[q] = [f"{v:.2f}" for v in table.loc[q]]
    return pd.DataFrame(rows, index=table.columns).T.rename_axis("quantity")


def scorecard_display(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard in few columns for the report (:func:`~causal_model.analysis.scorecard.
    scorecard_table`'s words where nothing was computed)."""
    shown = scorecard_table(card)
    out = pd.DataFrame(
        {
            "claim": shown["claim"],
            "quantity": shown["quantity"],
            "mean": shown["mean"],
            "median": shown["median"],
            "90% interval": [
                f"[{a}, {b}]" if a[0] in "-0123456789" else a
                for a, b in zip(shown["q05"], shown["q95"], strict=True)
            ],
            "P(claim)": [
                f"{p} ± {se}" if pd.notna(raw) and not str(se).startswith("0 (") else p
                for p, se, raw in zip(
                    shown["p_claim"], shown["p_claim_mc_se"], card["p_claim"], strict=True
                )
            ],
            "ELPD difference": [
                f"{d} ± {se}" if pd.notna(raw) else d
                for d, se, raw in zip(
                    shown["elpd_diff"], shown["elpd_diff_se"], card["elpd_diff"], strict=True
                )
            ],
            "evidence": shown["evidence"],
            "status": shown["status"],
        }
    )
    return out
