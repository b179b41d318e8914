"""A self-contained HTML report of a run: figures embedded, readable offline, one file.

Sections: the question and the model (with its DAG), data coverage, diagnostics (green only
when they pass), the forecast and its headline probabilities, the decomposition, the elite
impulse response, the hypothesis scorecard, the variant comparison and LFO skill, scenarios,
and the run config with package versions.
"""

from __future__ import annotations

import base64
import html
import io
import os
import platform
from importlib import metadata
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tomli_w

from causal_model import plotting
from causal_model.analysis.summaries import compare_scenarios, headline_probabilities
from causal_model.atomic import atomic_write
from causal_model.validation import lfo_summary

REPORT_NAME = "report.html"
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em
auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;
margin-top:1.8em}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right}
th{background:#f4f4f4}td.l,th.l{text-align:left}
.pass{background:#d8f3dc}.fail{background:#f8d7da}
img{max-width:100%;height:auto;border:1px solid #eee;margin:.5em 0}
.muted{color:#666;font-size:.9em}code{background:#f4f4f4;padding:0 .2em}
"""


def figure_to_img(fig, *, alt: str, dpi: int = 110) -> str:
    """A matplotlib figure as an embedded ``<img>`` (PNG, base64); the figure is closed."""

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def table_html(df: pd.DataFrame, *, index: bool = True, digits: int = 3, status=None) -> str:
    """A DataFrame as an HTML table; ``status`` (a boolean Series aligned with the rows)
    colours rows green (True) or red (False)."""
    df = df.copy()
    for c in df.columns:
        if pd.api.types.is_float_dtype(df[c]):
            df[c] = df[c].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}")
    cols = ([df.index.name or ""] if index else []) + [str(c) for c in df.columns]
    head = "".join(f'<th class="l">{html.escape(c)}</th>' for c in cols)
    rows = []
    for i, (idx, row) in enumerate(df.iterrows()):
        cls = ""
        if status is not None:
            cls = ' class="pass"' if bool(status.iloc[i]) else ' class="fail"'
        cells = ([f'<td class="l">{html.escape(str(idx))}</td>'] if index else []) + [
            f'<td class="l">{html.escape(str(v))}</td>'
            if isinstance(v, str) and not _numeric(v)
            else f"<td>{html.escape(str(v))}</td>"
            for v in row.values
        ]
        rows.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _numeric(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def plot_model_dag(model, *, fig=None):
    """The model's causal graph: drivers, elite circulation and residual cause tension; each
    latent causes its indicators. Drawn with matplotlib (no graphviz needed)."""

    md = model.data
    fig = fig or plt.figure(figsize=(10, 5.2), layout="constrained")
    ax = fig.add_subplot()
    ax.set_axis_off()
    drivers = list(md.drivers)
    xs = np.linspace(0.12, 0.88, len(drivers))
    pos = {d: (x, 0.78) for d, x in zip(drivers, xs, strict=True)}
    pos["elite circulation"] = (0.2, 0.42)
    pos["residual u (AR1)"] = (0.8, 0.42)
    pos["TENSION"] = (0.5, 0.42)

    def node(name, xy, color):
        ax.text(
            *xy,
            name,
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            bbox={"boxstyle": "round,pad=0.4", "facecolor": color, "edgecolor": "0.3"},
        )

    def arrow(a, b, color="0.3"):
        ax.annotate(
            "",
            xy=b,
            xytext=a,
            arrowprops={
                "arrowstyle": "->",
                "color": color,
                "lw": 1.3,
                "shrinkA": 18,
                "shrinkB": 18,
            },
        )

    for d in drivers:
        node(f"{d}\n(latent AR1)", pos[d], "#dbe9f6")
        arrow(pos[d], pos["TENSION"])
    node("elite circulation\n(decaying effect)", pos["elite circulation"], "#d8f3dc")
    node("residual u\n(AR1)", pos["residual u (AR1)"], "#eeeeee")
    node("TENSION", pos["TENSION"], "#f8d7da")
    arrow(pos["elite circulation"], pos["TENSION"])
    arrow(pos["residual u (AR1)"], pos["TENSION"])
    tension_ind = [k for k, lat in zip(md.indicators, md.latent, strict=True) if lat == "tension"]
    ax.text(
        0.5,
        0.08,
        "tension indicators:\n" + ", ".join(tension_ind),
        ha="center",
        va="center",
        fontsize=7.5,
        wrap=True,
        bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.6"},
    )
    arrow(pos["TENSION"], (0.5, 0.08))
    for d in drivers:
        keys = [
            k for k, j in zip(md.indicators, md.driver_of, strict=True) if j == drivers.index(d)
        ]
        ax.text(
            pos[d][0], 0.97, ", ".join(keys), ha="center", va="center", fontsize=6.5, color="0.3"
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title(
        "Causal structure of the model (latent drivers cause their indicators and tension)",
        fontsize=10,
        loc="left",
    )
    return fig


def coverage_table(panel) -> pd.DataFrame:
    """Per indicator: latent, family, first and last observed year, observed years."""
    rows = []
    for key in panel["indicator"].values:
        v = panel["value"].sel(indicator=key)
        yrs = panel["year"].values[np.isfinite(v.values)]
        rows.append(
            {
                "indicator": str(key),
                "latent": str(panel["latent"].sel(indicator=key).item()),
                "family": str(panel["family"].sel(indicator=key).item()),
                "first": int(yrs.min()) if yrs.size else "",
                "last": int(yrs.max()) if yrs.size else "",
                "observed years": int(yrs.size),
            }
        )
    return pd.DataFrame(rows).set_index("indicator")


def versions() -> pd.DataFrame:
    """Versions of the packages that shape the numbers."""

    names = [
        "causal_model",
        "pymc",
        "pytensor",
        "arviz",
        "nutpie",
        "pymc-extras",
        "numpy",
        "xarray",
        "pandas",
        "scipy",
        "matplotlib",
    ]
    rows = {"python": platform.python_version()}
    for n in names:
        try:
            rows[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            rows[n] = "not installed"
    return pd.DataFrame({"version": rows}).rename_axis("package")


def _main_rows(comparison: pd.DataFrame) -> pd.DataFrame:
    """Rows of the main comparison (not the conditional drop_* rows appended to it)."""
    if "loo_kind" not in comparison:
        return comparison
    return comparison[comparison["loo_kind"] != "conditional"]


def build_report(
    *,
    model,
    idata,
    runs: dict,
    scorecard: pd.DataFrame,
    settings: dict,
    comparison: pd.DataFrame | None = None,
    lfo: pd.DataFrame | None = None,
) -> str:
    """The report's HTML text (see the module docstring for its sections)."""
    pred = runs.get(settings.get("forecast", {}).get("scenario", "default")) or next(
        iter(runs.values())
    )
    diag = model.diagnostics_ if getattr(model, "diagnostics_", None) is not None else None
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>US–Russia relations: causal model report</title><style>{CSS}</style></head><body>",
        "<h1>US–Russia relations: a Bayesian causal model and its forecast</h1>",
        f"<p class='muted'>variant <code>{html.escape(model.variant.name)}</code>, priors "
        f"<code>{html.escape(Path(str(model.priors.source)).stem)}</code>, "
        f"{idata.posterior.sizes['chain']} chains x {idata.posterior.sizes['draw']} draws</p>",
        "<h2>The question and the model</h2>",
        "<p>How tense will relations between the United States and Russia be to 2030, and why? "
        "Three latent drivers &mdash; geopolitical power competition, security, and political "
        "culture &mdash; are slow-moving causes of an unobserved level of tension. Each driver "
        "and tension itself are measured by public indicators, each through its own likelihood "
        "(counts are counts, vote agreement is binomial). A change of head of state in "
        "Washington or Moscow (elite circulation) shifts tension for a while and then decays. "
        "Everything is estimated jointly; forecasts carry every source of uncertainty, "
        "including which future leader changes happen.</p>",
        figure_to_img(plot_model_dag(model), alt="model DAG"),
        "<h2>Data coverage</h2>",
        table_html(coverage_table(model.panel)),
        "<h2>Convergence diagnostics</h2>",
    ]
    if diag is not None:
        parts.append(table_html(diag[["value", "threshold"]].astype(str), status=diag["ok"]))
        verdict = "pass" if bool(diag["ok"].all()) else "fail"
        parts.append(
            f"<p class='{verdict}'>All checks {'pass' if verdict == 'pass' else 'do NOT pass'}"
            " (R-hat &le; 1.01, bulk and tail ESS &ge; 400, no divergences, BFMI &ge; 0.3)."
            "</p>"
        )
    else:
        parts.append("<p class='fail'>no diagnostics recorded for this fit</p>")
    head = headline_probabilities(pred).to_frame()
    parts += [
        "<h2>Forecast to {}</h2>".format(int(pred.predictions["year"].max())),
        figure_to_img(plotting.plot_forecast(pred, scenarios=runs).figure, alt="forecast fan"),
        table_html(head),
        "<h2>What drives tension: decomposition</h2>",
        figure_to_img(plotting.plot_decomposition(pred).figure, alt="decomposition"),
    ]
    if "elite_mu" in idata.posterior:
        parts += [
            "<h2>Elite circulation: impulse response</h2>",
            figure_to_img(plotting.plot_elite_response(idata).figure, alt="impulse response"),
        ]
    card = scorecard.drop(columns=[c for c in ("note",) if c in scorecard])
    parts += ["<h2>The study's claims: scorecard</h2>", table_html(card, index=False)]
    parts.append("<h2>Variant comparison and forecast skill</h2>")
    if comparison is not None:
        cols = [c for c in comparison.columns if c not in ("warning", "scale")]
        parts += [
            "<p>PSIS-LOO; unit left out: "
            f"{html.escape(str(comparison.attrs.get('unit_left_out', 'one year')))}; "
            f"{html.escape(str(comparison.attrs.get('loglik', '')))}.</p>",
            table_html(comparison[cols]),
            figure_to_img(plotting.plot_elpd(_main_rows(comparison)).figure, alt="ELPD comparison"),
        ]
    else:
        parts.append(
            "<p class='muted'>no variant comparison in this run "
            "(<code>causal-model compare</code>)</p>"
        )
    if lfo is not None:
        parts += [
            table_html(lfo_summary(lfo).reset_index(), index=False),
            figure_to_img(plotting.plot_lfo_skill(lfo).figure, alt="LFO skill"),
            figure_to_img(plotting.plot_coverage(lfo).figure, alt="coverage"),
        ]
    else:
        parts.append(
            "<p class='muted'>no leave-future-out validation in this run (<code>--lfo</code>)</p>"
        )
    parts += [
        "<h2>Scenarios</h2>",
        table_html(compare_scenarios(runs)),
        "<h2>Reproducibility</h2>",
        "<pre>" + html.escape(_toml(settings)) + "</pre>",
        table_html(versions()),
        "</body></html>",
    ]
    return "\n".join(parts)


def _toml(d: dict) -> str:

    return tomli_w.dumps(d)


def write_report(out_dir: str | os.PathLike, text: str) -> Path:
    """Write ``report.html`` atomically."""
    path = Path(out_dir) / REPORT_NAME
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


__all__ = ["REPORT_NAME", "build_report", "plot_model_dag", "write_report"]
