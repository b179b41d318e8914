"""The main job: fit the model on the real panel, forecast, and write figures and tables.

Used by the command line (``causal-model run``, ``fit``, ``forecast``) and the examples.
Every output path is checked before any work starts (an existing file is not replaced
without ``force``) and every file is written atomically.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import arviz as az
import matplotlib.pyplot as plt
import pandas as pd

from causal_model import plotting
from causal_model.analysis.forecast import forecast_scenarios
from causal_model.analysis.scorecard import hypotheses
from causal_model.analysis.summaries import compare_scenarios, forecast_summary
from causal_model.atomic import atomic_write
from causal_model.data import load_us_russia
from causal_model.defaults import DEFAULT_DRAWS, DEFAULT_TUNE
from causal_model.inference import TensionModel
from causal_model.inference.diagnostics import diagnostics_table

#: Figures written by :func:`write_forecast_outputs` (file name -> what it shows).
FIGURES = {
    "forecast_fan.png": "tension: posterior and forecast fan chart with scenarios",
    "indicators.png": "indicators: data, posterior predictive and forecast",
    "drivers.png": "latent drivers",
    "decomposition.png": "contributions of drivers, elite circulation and residual to tension",
    "elite_response.png": "elite-circulation impulse response with the half-life",
    "parameters.png": "driver effects, persistence, elite effect and loadings: prior vs posterior",
    "posterior_predictive.png": "posterior predictive check per indicator",
}
TABLES = {
    "forecast_summary.csv": "per year and quantity: mean, sd, 50% and 90% intervals",
    "headline.csv": "headline probabilities of the forecast",
    "scenarios.csv": "headline probabilities and 2030 tension under each scenario",
    "diagnostics.csv": "convergence diagnostics of every parameter",
    "hypotheses.csv": "the study's claims: posterior quantities and probabilities",
}
MODEL_FILE = "model.nc"
#: Settings of ``quick`` runs (smoke tests, examples): far too few draws for inference.
QUICK = {"draws": 100, "tune": 200}


@dataclass
class RunSettings:
    """Settings of one fit-and-forecast run (what a run config file holds)."""

    variant: str = "reference"
    priors: str = "neoclassical_realism"
    sampler: str = "nutpie"
    draws: int = DEFAULT_DRAWS
    tune: int = DEFAULT_TUNE
    chains: int = 2
    seed: int = 20241124
    until: int = 2030
    scenario: str = "default"
    scenarios: list[str] = field(
        default_factory=lambda: ["default", "russian_change", "no_russian_change"]
    )
    raw_dir: str | None = None
    variants: list[str] = field(
        default_factory=lambda: ["reference", "no_elite", "permanent_elite"]
    )
    lfo: bool = False


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
) -> dict:
    """Forecast and write :data:`FIGURES` and :data:`TABLES` to ``out_dir``.

    Returns
    -------
    dict
        ``headline`` (pandas Series), ``summary`` (DataFrame), ``forecast`` (InferenceData)
        and ``files`` (list of written paths).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = list(dict.fromkeys([scenario, *scenarios]))
    runs = forecast_scenarios(model, idata, names, until=until, random_seed=random_seed)
    pred = runs[scenario]
    summary = forecast_summary(pred)
    headline = pd.Series(summary.attrs["headline"], name="probability")
    files = []

    def fig(name, f):
        path = out / name
        _save_fig(f, path)
        files.append(path)

    fig("forecast_fan.png", plotting.plot_forecast(pred, scenarios=runs).figure)
    fig("indicators.png", plotting.plot_indicator_forecasts(pred))
    fig("drivers.png", plotting.plot_drivers(pred))
    fig("decomposition.png", plotting.plot_decomposition(pred).figure)
    if "elite_mu" in idata.posterior:
        fig("elite_response.png", plotting.plot_elite_response(idata).figure)
    prior = model.sample_prior_predictive(draws=prior_draws, random_seed=random_seed)
    fig("parameters.png", plotting.plot_parameters(idata, prior=prior).figure)
    fig(
        "posterior_predictive.png",
        plotting.plot_predictive_check(
            pred.posterior_predictive, model.panel, title="Posterior predictive check"
        ),
    )
    scorecard = hypotheses(idata, forecast=pred)
    for name, df, index in (
        ("hypotheses.csv", scorecard, False),
        ("forecast_summary.csv", summary, False),
        ("headline.csv", headline.rename_axis("quantity").to_frame(), True),
        ("scenarios.csv", compare_scenarios(runs).rename_axis("quantity"), True),
        ("diagnostics.csv", diagnostics_table(idata), True),
    ):
        _save_csv(df, out / name, index=index)
        files.append(out / name)
    return {
        "headline": headline,
        "summary": summary,
        "forecast": pred,
        "scorecard": scorecard,
        "files": files,
    }


def fit_model(
    s: RunSettings,
    *,
    variant: str | None = None,
    quick: bool = False,
    progressbar: bool = False,
    log=print,
    panel=None,
):
    """Fit ``variant`` (default ``s.variant``) on the real panel with the run's settings.

    Returns
    -------
    (TensionModel, arviz.InferenceData)
    """
    draws, tune = (QUICK["draws"], QUICK["tune"]) if quick else (s.draws, s.tune)
    panel = load_us_russia(s.raw_dir) if panel is None else panel
    model = TensionModel(panel, priors=s.priors, variant=variant or s.variant)
    log(
        f"fitting {model.variant.name} ({model.priors.source}) on {panel.sizes['year']} years x "
        f"{panel.sizes['indicator']} indicators: {s.chains} chains x {draws} draws, {s.sampler}"
    )
    idata = model.fit(
        draws=draws,
        tune=tune,
        chains=s.chains,
        sampler=s.sampler,
        random_seed=s.seed,
        progressbar=progressbar,
    )
    return model, idata


def run(
    out_dir: str | os.PathLike,
    settings: RunSettings | None = None,
    *,
    quick: bool = False,
    force: bool = False,
    progressbar: bool = False,
    log=print,
) -> dict:
    """Fit the model on the real panel, save it, forecast and write figures and tables.

    Parameters
    ----------
    out_dir
        Output folder (created).
    settings
        Run settings (defaults: reference model, neoclassical priors, nutpie, 1200 draws).
    quick
        Use :data:`QUICK` draws (for smoke tests; not for inference).
    force
        Replace existing outputs.
    progressbar
        Show sampling progress.
    log
        Function that prints progress lines (``print``; a no-op for quiet runs).

    Returns
    -------
    dict
        As :func:`write_forecast_outputs`, plus ``model``, ``idata``, ``diagnostics`` and
        ``timing``.
    """
    s = settings or RunSettings()
    out = Path(out_dir)
    check_outputs(out, [MODEL_FILE, *FIGURES, *TABLES, "run_config.toml"], force=force)
    model, idata = fit_model(s, quick=quick, progressbar=progressbar, log=log)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / MODEL_FILE, idata, overwrite=force)
    result = write_forecast_outputs(
        model,
        idata,
        out,
        until=s.until,
        scenario=s.scenario,
        scenarios=s.scenarios,
        random_seed=s.seed,
    )
    result.update(
        model=model,
        idata=idata,
        diagnostics=model.diagnostics_,
        timing=model.timing_,
    )
    result["files"].insert(0, out / MODEL_FILE)
    return result


__all__ = [
    "FIGURES",
    "MODEL_FILE",
    "QUICK",
    "TABLES",
    "RunSettings",
    "check_outputs",
    "fit_model",
    "run",
]
