"""A self-contained HTML report of a run: figures embedded, readable offline, one file.

Sections: a quick run's "smoke test, not inference" banner; the date, commit and data hash;
the question and the model (with its DAG); how to read the tension scale; data coverage;
diagnostics (green only when they pass, each check explained); the forecast and its headline
probabilities with their Monte Carlo error; the indicators, drivers, decomposition, elite
impulse response, parameters and posterior predictive check, each with a caption; the
measurement check (table and figure) if given; the hypothesis scorecard; the variant
comparison (with what Pareto k means) and LFO skill; scenarios; and the run record with the
settings used and package versions. Pieces are in :mod:`causal_model.app.report_sections`.
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
import pandas as pd
import tomli_w

from causal_model import plotting
from causal_model.analysis.summaries import compare_scenarios, headline_table
from causal_model.app.config import SCHEMA, config_dict
from causal_model.app.report_sections import (
    CONVERGENCE_TEXT,
    MEASUREMENT_TEXT,
    caption_html,
    coverage_table,
    headline_display,
    measurement_display,
    pareto_k_text,
    plot_model_dag,
    report_figures,
    scenarios_display,
    scorecard_display,
)
from causal_model.app.run_record import QUICK_NOTE, quick_from_fit, run_record
from causal_model.app.settings import RunSettings, effective_settings
from causal_model.atomic import atomic_write
from causal_model.plotting.captions import headline_text, tension_scale, tension_scale_text
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
.caption{color:#444;font-size:.88em;margin-top:0}
.banner{background:#b00020;color:#fff;font-weight:bold;padding:.6em 1em;margin:1em 0}
.banner code{color:#222}
table{display:block;overflow-x:auto;max-width:100%}
pre{white-space:pre-wrap}
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


def _settings_of(settings: dict) -> RunSettings:
    """RunSettings from a config dict (:func:`~causal_model.app.config.config_dict`)."""
    s = RunSettings()
    for (sec, key), (attr, _) in SCHEMA.items():
        if key in settings.get(sec, {}):
            setattr(s, attr, settings[sec][key])
    return s


def _figure(figs: dict, key: str, alt: str) -> list[str]:
    if key not in figs:
        return []
    fig, caption = figs[key]
    return [figure_to_img(fig, alt=alt), caption_html(caption)]


def build_report(
    *,
    model,
    idata,
    runs: dict,
    scorecard: pd.DataFrame,
    settings: dict,
    comparison: pd.DataFrame | None = None,
    lfo: pd.DataFrame | None = None,
    quick: bool | None = None,
    record: dict | None = None,
    measurement=None,
    prior_draws: int = 200,
) -> str:
    """The report's HTML text (see the module docstring for its sections).

    Parameters
    ----------
    model, idata
        The fitted model and its fit.
    runs
        Forecasts by scenario (the one of ``settings["forecast"]["scenario"]`` is shown).
    scorecard
        :func:`~causal_model.analysis.scorecard.hypotheses`.
    settings
        The run's settings in the config layout (:func:`~causal_model.app.config.config_dict`).
    comparison, lfo
        The variant comparison and the leave-future-out table, if run.
    quick
        Whether the run was a quick smoke test (banner on the page and every figure); None
        infers it from the fit's number of draws (:func:`~causal_model.app.run_record.
        quick_from_fit`).
    record
        The run record (:func:`~causal_model.app.run_record.run_record`); default made from
        ``settings``, ``quick``, the model's panel and ``idata``.
    measurement
        The measurement check (:func:`~causal_model.analysis.measurement.measurement_check`'s
        table: shown as a table and a figure), or a measurement figure, if any.
    prior_draws
        Prior draws for the parameter figure (0: posterior only).
    """
    pred = runs.get(settings.get("forecast", {}).get("scenario", "default")) or next(
        iter(runs.values())
    )
    quick = quick_from_fit(idata) if quick is None else bool(quick)
    s = effective_settings(_settings_of(settings), quick=quick)
    record = record or run_record(s, quick=quick, panel=model.panel, idata=idata)
    shown = config_dict(s)
    shown["sampler"].update(draws=record["draws"], chains=record["chains"])
    diag = model.diagnostics_ if getattr(model, "diagnostics_", None) is not None else None
    prior = (
        model.sample_prior_predictive(draws=prior_draws, random_seed=s.seed)
        if prior_draws
        else None
    )
    figs = report_figures(
        model,
        idata,
        runs,
        pred,
        comparison=_main_rows(comparison) if comparison is not None else None,
        measurement=measurement,
        prior=prior,
        quick=quick,
    )
    scale = tension_scale(model)
    commit = str(record.get("git_commit", ""))
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>US–Russia relations: causal model report</title><style>{CSS}</style></head><body>",
    ]
    if quick:
        parts.append(
            f"<div class='banner'>QUICK RUN: {QUICK_NOTE}. {record['chains']} chains x "
            f"{record['draws']} draws ({record['tune']} tuning steps) are far too few: the "
            "numbers and figures below only show that the pipeline runs. Rerun without "
            "<code>--quick</code> for results.</div>"
        )
    parts += [
        "<h1>US–Russia relations: a Bayesian causal model and its forecast</h1>",
        f"<p class='muted'>{html.escape(record['date'])} &middot; causal_model "
        f"{html.escape(record['package_version'])} &middot; commit "
        f"<code>{html.escape(commit[:12])}</code>"
        + (" (with uncommitted changes)" if record.get("git_dirty") else "")
        + f" &middot; data SHA-256 <code>{html.escape(record.get('panel_sha256', '')[:16])}"
        f"</code> &middot; variant <code>{html.escape(model.variant.name)}</code>, priors "
        f"<code>{html.escape(Path(str(model.priors.source)).stem)}</code>, "
        f"{record['chains']} chains x {record['draws']} draws</p>",
        "<h2>The question and the model</h2>",
        "<p>How tense will relations between the United States and Russia be to 2030, and why? "
        "Three latent drivers &mdash; geopolitical power competition, security, and political "
        "culture &mdash; are slow-moving causes of an unobserved level of tension. Each driver "
        "and tension itself are measured by public indicators, each through its own likelihood "
        "(counts are counts, vote agreement is binomial). A change of head of state in "
        "Washington or Moscow (elite circulation) shifts tension for a while and then decays. "
        "Everything is estimated jointly; forecasts carry every source of uncertainty, "
        "including which future leader changes happen.</p>",
        *_figure(figs, "dag", "model DAG"),
        "<h2>How to read tension</h2>",
        f"<p>{html.escape(tension_scale_text(scale))}</p>",
        "<h2>Data coverage</h2>",
        table_html(coverage_table(model.panel)),
        "<h2>Convergence diagnostics</h2>",
        f"<p>{html.escape(CONVERGENCE_TEXT)}</p>",
    ]
    if diag is not None:
        checks = diag[["value", "threshold"]].copy()
        checks["value"] = [f"{float(v):.3g}" for v in checks["value"]]
        parts.append(table_html(checks.astype(str), status=diag["ok"]))
        verdict = "pass" if bool(diag["ok"].all()) else "fail"
        parts.append(
            f"<p class='{verdict}'>All checks {'pass' if verdict == 'pass' else 'do NOT pass'}"
            " (R-hat &le; 1.01, bulk and tail ESS &ge; 400, no divergences, BFMI &ge; 0.3)."
            "</p>"
        )
    else:
        parts.append("<p class='fail'>no diagnostics recorded for this fit</p>")
    head = headline_table(pred)
    parts += [
        "<h2>Forecast to {}</h2>".format(int(pred.predictions["year"].max())),
        *_figure(figs, "forecast", "forecast fan"),
        "<p>Headline probabilities, rounded to what their Monte Carlo error supports "
        "(mc_se: Monte Carlo standard error; ess: effective draws).</p>",
        table_html(headline_display(head)),
        f"<p>{html.escape(headline_text(pred))}</p>",
        "<h2>Indicators: data, fit and forecast</h2>",
        *_figure(figs, "indicators", "indicator forecasts"),
        "<h2>Latent drivers</h2>",
        *_figure(figs, "drivers", "latent drivers"),
        "<h2>What drives tension: decomposition</h2>",
        *_figure(figs, "decomposition", "decomposition"),
    ]
    if "elite" in figs:
        parts += [
            "<h2>Elite circulation: impulse response</h2>",
            *_figure(figs, "elite", "impulse response"),
        ]
    if "cooperation" in figs:
        parts += [
            "<h2>Cooperation by issue area (claim 4)</h2>",
            *_figure(figs, "cooperation", "cooperation by issue area"),
        ]
    parts += [
        "<h2>Parameters: prior and posterior</h2>",
        *_figure(figs, "parameters", "parameters"),
        "<h2>Posterior predictive check</h2>",
        *_figure(figs, "predictive", "posterior predictive check"),
    ]
    if "measurement" in figs:
        parts.append("<h2>Measurement</h2>")
        if isinstance(measurement, pd.DataFrame):
            parts += [
                f"<p>{html.escape(MEASUREMENT_TEXT)}</p>",
                table_html(measurement_display(measurement), status=~measurement["flag"]),
            ]
        parts += _figure(figs, "measurement", "measurement check")
    parts += [
        "<h2>The study's claims: scorecard</h2>",
        "<p>P(claim): posterior probability that the claim holds, &plusmn; its Monte Carlo "
        "error. ELPD difference: the reference minus the variant without the claim (&gt; 0 "
        "supports it) &plusmn; its SE. Status: what was computed, and how to run what was not."
        "</p>",
        table_html(scorecard_display(scorecard), index=False),
    ]
    parts.append("<h2>Variant comparison and forecast skill</h2>")
    if comparison is not None:
        cols = [c for c in comparison.columns if c not in ("warning", "scale")]
        parts += [
            "<p>PSIS-LOO; unit left out: "
            f"{html.escape(str(comparison.attrs.get('unit_left_out', 'one year')))}; "
            f"{html.escape(str(comparison.attrs.get('loglik', '')))}.</p>",
            table_html(comparison[cols]),
            f"<p>{html.escape(pareto_k_text(comparison))}</p>",
            *_figure(figs, "elpd", "ELPD comparison"),
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
        table_html(scenarios_display(compare_scenarios(runs), draws=int(head["draws"].iloc[0]))),
        "<h2>Reproducibility</h2>",
        "<p>The run record (what ran) and the settings used:</p>",
        table_html(
            pd.DataFrame({"value": {k: str(v) for k, v in record.items()}}).rename_axis("record")
        ),
        "<pre>" + html.escape(_toml(shown)) + "</pre>",
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


__all__ = ["REPORT_NAME", "build_report", "coverage_table", "plot_model_dag", "write_report"]
