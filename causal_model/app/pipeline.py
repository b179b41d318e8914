"""The main job: fit the model on the real panel, forecast, and write figures and tables.

Used by the command line (``causal-model run``, ``fit``, ``forecast``) and the examples.
Every setting is checked before any work starts (:mod:`causal_model.app.settings`), and so is
every output path (an existing file is not replaced without ``force``). Outputs are written
into a staging folder and moved into place only when everything succeeded
(:mod:`causal_model.app.output_folder`): an interrupted or failed run leaves the folder as it
was, and a successful one leaves exactly its own outputs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import arviz as az
import matplotlib.pyplot as plt
import pandas as pd

from causal_model.analysis.cooperation import joint_no_shares
from causal_model.analysis.forecast import forecast_scenarios
from causal_model.analysis.measurement import measurement_check
from causal_model.analysis.scorecard import hypotheses, scorecard_table
from causal_model.analysis.summaries import compare_scenarios, forecast_summary, headline_table
from causal_model.app.console import Log
from causal_model.app.evidence import (
    ALTERNATIVE_DYNAMICS,
    CLAIM_VARIANTS,
    COMPARISON_FILES,
    alternative_evidence,
    compare_fits,
    fit_model,
    fit_variants,
    make_model,
)
from causal_model.app.figures import main_figures
from causal_model.app.output_folder import staged_outputs
from causal_model.app.run_record import stamp_table
from causal_model.app.settings import (
    CONFIG_NAME,
    QUICK,
    RunSettings,
    SettingsError,
    check_against_model,
    check_settings,
    effective_settings,
)
from causal_model.atomic import atomic_write
from causal_model.data import load_us_russia
from causal_model.inference.diagnostics import diagnostics_table

#: Figures written by :func:`write_forecast_outputs` (file name -> what it shows).
FIGURES = {
    "forecast_fan.png": "tension: posterior and forecast fan chart with scenarios",
    "indicators.png": "indicators: data, posterior predictive and forecast",
    "drivers.png": "latent drivers",
    "decomposition.png": "contributions of drivers, elite circulation and residual to tension",
    "elite_response.png": "elite-circulation impulse response with the half-life",
    "cooperation.png": "cooperation by issue area (claim 4): data, fit and forecast",
    "parameters.png": "driver effects, persistence, elite effect and loadings: prior vs posterior",
    "posterior_predictive.png": "posterior predictive check per indicator",
    "measurement.png": "measurement check: does each indicator follow its latent in its "
    "declared direction",
}
TABLES = {
    "forecast_summary.csv": "per year and quantity: mean, sd, 50% and 90% intervals",
    "headline.csv": "headline probabilities of the forecast",
    "scenarios.csv": "headline probabilities and 2030 tension under each scenario",
    "diagnostics.csv": "convergence diagnostics of every parameter",
    "hypotheses.csv": "the study's claims: posterior quantities and probabilities",
    "measurement.csv": "measurement check per indicator: correlation with the others, "
    "standardised loading, P(declared sign), posterior predictive p-value, flag",
}
MODEL_FILE = "model.nc"
#: Writes the run record (``run_config.toml``: the settings used) into a folder. HOOK: the
#: command line passes :func:`causal_model.app.config.write_config` (config.py imports this
#: module, so it cannot be called from here); a run-record module replaces it when it exists.
RunRecord = Callable[[RunSettings, Path], Path]


def run_outputs(*, claims: bool = True) -> list[str]:
    """Every file :func:`run` may write (with ``claims``: also the comparison). A run replaces
    all of them: on success, those of an earlier run that it did not write are removed (a
    comparison made with an earlier fit does not describe the new one)."""
    return [MODEL_FILE, *FIGURES, *TABLES, CONFIG_NAME, *(COMPARISON_FILES if claims else ())]


def check_outputs(out_dir: Path, names, *, force: bool) -> None:
    """Refuse to start when an output exists (without ``force``) or the folder is unusable."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"--out {out_dir} is a file, not a folder")
    existing = [n for n in names if (out_dir / n).exists()]
    if existing and not force:
        raise FileExistsError(
            f"{out_dir} already holds {', '.join(existing)}; pass --force (force=True) to "
            "replace them or choose another folder"
        )
    parent = out_dir
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise NotADirectoryError(
            f"cannot create {out_dir}: {parent} is a file, not a folder; choose a writable "
            "output folder"
        )
    if not os.access(parent, os.W_OK):
        raise PermissionError(f"cannot write to {parent}; choose a writable output folder")


def _save_fig(fig, path: Path) -> None:
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=130, format=path.suffix.lstrip(".")))
    plt.close(fig)


def _save_csv(df, path: Path, index: bool = False) -> None:
    atomic_write(path, lambda tmp: df.to_csv(tmp, index=index))


def write_forecast_outputs(
    model,
    idata: az.InferenceData,
    out_dir: str | os.PathLike,
    *,
    until: int = 2030,
    scenario: str = "default",
    scenarios=("default", "russian_change", "no_russian_change"),
    random_seed: int | None = None,
    prior_draws: int = 400,
    comparison: list[pd.DataFrame] | None = None,
    coupled: az.InferenceData | None = None,
    forecast_alternative: az.InferenceData | None = None,
    alternative_label: str = "alternative dynamics",
    log: Log = print,
    quick: bool = False,
) -> dict:
    """Forecast and write :data:`FIGURES` and :data:`TABLES` to ``out_dir``.

    ``comparison``, ``coupled`` and ``forecast_alternative`` (from the fits of ``run
    --claims``) give the scorecard its evidence
    (:func:`causal_model.analysis.scorecard.hypotheses`).

    Returns
    -------
    dict
        ``headline`` (pandas Series), ``summary`` (DataFrame), ``forecast`` (InferenceData),
        ``scorecard`` (DataFrame) and ``files`` (list of written paths).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = list(dict.fromkeys([scenario, *scenarios]))
    log(f"forecasting to {until} under {len(names)} scenarios ({', '.join(names)})")
    runs = forecast_scenarios(model, idata, names, until=until, random_seed=random_seed)
    pred = runs[scenario]
    summary = forecast_summary(pred)
    headline = pd.Series(summary.attrs["headline"], name="probability")
    files = []
    log("writing the figures and tables")

    def fig(name, f):
        path = out / name
        _save_fig(f, path)
        files.append(path)

    prior = model.sample_prior_predictive(draws=prior_draws, random_seed=random_seed)
    measurement = measurement_check(model, idata, random_seed=random_seed)
    figures = main_figures(
        model, idata, runs, scenario=scenario, prior=prior, quick=quick, measurement=measurement
    )
    for name, f in figures.items():
        fig(name, f)
    joint_no = joint_no_shares(model.panel)
    scorecard = hypotheses(
        idata,
        forecast=pred,
        comparison=comparison,
        coupled=coupled,
        joint_no=joint_no,
        forecast_alternative=forecast_alternative,
        alternative_label=alternative_label,
    )
    for name, df, index in (
        ("hypotheses.csv", scorecard_table(scorecard), False),
        ("forecast_summary.csv", summary, False),
        ("headline.csv", headline_table(pred), True),
        ("scenarios.csv", compare_scenarios(runs).rename_axis("quantity"), True),
        ("diagnostics.csv", diagnostics_table(idata), True),
        ("measurement.csv", measurement, True),
    ):
        _save_csv(stamp_table(df, quick=quick), out / name, index=index)
        files.append(out / name)
    return {
        "headline": headline,
        "summary": summary,
        "forecast": pred,
        "scorecard": scorecard,
        "measurement": measurement,
        "files": files,
    }


def _claims_evidence(s: RunSettings, model, idata, folder: Path, *, panel, log: Log) -> dict:
    """Fit the variants of :data:`CLAIM_VARIANTS` not yet fitted, compare them (written to
    ``folder``) and return the scorecard's evidence."""
    todo = [v for v in CLAIM_VARIANTS if v != model.variant.name]
    log(f"fitting {len(todo)} variants for the claims' evidence: {', '.join(todo)}")
    claims = replace(s, variants=list(CLAIM_VARIANTS))
    known = {model.variant.name: (model, idata)}
    fits = fit_variants(claims, quick=False, log=log, panel=panel, known=known)
    _, tables = compare_fits(fits, folder)
    log(f"forecasting under the {ALTERNATIVE_DYNAMICS} dynamics (claim 5 side by side)")
    return {
        "comparison": tables,
        "coupled": fits["coupled"][1] if "coupled" in fits else None,
        **alternative_evidence(
            fits,
            reference=model.variant.name,
            until=s.until,
            scenario=s.scenario,
            random_seed=s.seed,
        ),
    }


def run(
    out_dir: str | os.PathLike,
    settings: RunSettings | None = None,
    *,
    quick: bool = False,
    force: bool = False,
    progressbar: bool = False,
    log: Log = print,
    claims: bool = False,
    record: RunRecord | None = None,
) -> dict:
    """Fit the model on the real panel, save it, forecast and write figures and tables.

    Every setting and output path is checked first; the outputs are moved into ``out_dir``
    only when everything succeeded (an interrupted or failed run leaves it unchanged).

    Parameters
    ----------
    out_dir
        Output folder (created).
    settings
        Run settings (defaults: reference model, neoclassical priors, nutpie, 1200 draws).
    quick
        Use :data:`QUICK` draws (for smoke tests; not for inference).
    force
        Replace existing outputs (on success, this run's outputs replace the earlier run's).
    progressbar
        Show sampling progress.
    log
        Function that prints progress lines (``print``; a no-op for quiet runs).
    claims
        Also fit :data:`~causal_model.app.evidence.CLAIM_VARIANTS` (only with the reference
        variant), write their comparison and give the scorecard its LOO evidence.
    record
        Writes the run record (the settings used) into the output folder.

    Returns
    -------
    dict
        As :func:`write_forecast_outputs` (``files`` in ``out_dir``), plus ``model``,
        ``idata``, ``diagnostics``, ``timing`` and ``settings`` (those used).

    Raises
    ------
    SettingsError
        For a bad setting, before any work.
    FileExistsError, NotADirectoryError, PermissionError
        For an unusable output folder, before any work.
    causal_model.app.output_folder.FolderInUseError
        If another running process writes into ``out_dir``.
    """
    s = effective_settings(settings or RunSettings(), quick=quick)
    check_settings(s)
    if claims and s.variant != "reference":
        raise SettingsError(
            f"--claims tests the study's claims on the reference model, not {s.variant!r}: "
            "drop --variant (or use --variant reference)"
        )
    out = Path(out_dir)
    names = run_outputs()
    check_outputs(out, names, force=force)
    log("loading the data")
    panel = load_us_russia(s.raw_dir)
    model = make_model(s, panel)
    check_against_model(s, model)
    with staged_outputs(out, names) as stage:
        check_outputs(out, names, force=force)  # again, under the lock: none appeared since
        model, idata = fit_model(s, model=model, progressbar=progressbar, log=log)
        log("writing the model file")
        model.save(stage / MODEL_FILE, idata)
        evidence = _claims_evidence(s, model, idata, stage, panel=panel, log=log) if claims else {}
        result = write_forecast_outputs(
            model,
            idata,
            stage,
            until=s.until,
            scenario=s.scenario,
            scenarios=s.scenarios,
            random_seed=s.seed,
            log=log,
            quick=quick,
            **evidence,
        )
        if record is not None:
            record(s, stage)
        written = sorted(p.name for p in stage.iterdir() if not p.name.startswith("."))
    result.update(
        files=[out / name for name in written],
        model=model,
        idata=idata,
        diagnostics=getattr(model, "diagnostics_", None),
        timing=getattr(model, "timing_", {}),
        settings=s,
    )
    return result


__all__ = [
    "CONFIG_NAME",
    "FIGURES",
    "MODEL_FILE",
    "QUICK",
    "TABLES",
    "RunRecord",
    "RunSettings",
    "check_outputs",
    "fit_model",
    "run",
    "run_outputs",
    "write_forecast_outputs",
]
