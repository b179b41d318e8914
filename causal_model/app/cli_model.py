"""Model subcommands of the command line: ``run``, ``fit`` and ``forecast``.

Registered by :func:`add_model_commands`; the conventions (one-line user errors, exit status
2, no overwriting without ``--force``, every option checked before any work, outputs moved
into place only when the command succeeded) are those of :mod:`causal_model.app.cli`.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from causal_model.analysis.scorecard import format_scorecard
from causal_model.analysis.summaries import format_probability, headline_table
from causal_model.app.cli_common import (
    CLIError,
    add_common_options,
    add_forecast_options,
    outputs_or_error,
    settings,
    subcommand,
)
from causal_model.app.config import record_writer, write_config
from causal_model.app.console import logger
from causal_model.app.evidence import fit_model, make_model
from causal_model.app.output_folder import staged_outputs
from causal_model.app.pipeline import (
    CONFIG_NAME,
    FIGURES,
    MODEL_FILE,
    TABLES,
    RunSettings,
    run,
    write_forecast_outputs,
)
from causal_model.app.run_record import quick_from_fit
from causal_model.app.settings import check_against_model, effective_settings
from causal_model.data import load_us_russia
from causal_model.inference import TensionModel
from causal_model.inference.diagnostics import diagnostics_table

FIT_FILES = (MODEL_FILE, "diagnostics.csv", CONFIG_NAME)
FORECAST_FILES = (*FIGURES, *TABLES, CONFIG_NAME)


def write_run_record(s: RunSettings, folder: Path, *, quick: bool, panel=None, idata=None) -> Path:
    """Write ``run_config.toml`` into ``folder``: the settings used and the run record
    (:func:`causal_model.app.run_record.run_record`: a quick run's draws and tuning, date,
    version, git commit, the panel's SHA-256)."""
    return write_config(s, folder, quick=quick, panel=panel, idata=idata)


def _print_results(result: dict, quiet: bool) -> None:
    if quiet:
        return
    diag = result.get("diagnostics")
    if diag is not None:
        print("\nconvergence diagnostics")
        print(diag.to_string())
    pred = result["forecast"]
    print(f"\nheadline probabilities (scenario: {pred.attrs['scenario']}; ± Monte Carlo se)")
    for name, row in headline_table(pred).iterrows():
        print(f"  {name:<42} {format_probability(row)}")
    card = result.get("scorecard")
    if card is not None:
        print()
        print(format_scorecard(card))
    print()
    for path in result["files"]:
        print(f"wrote {path}")


def cmd_run(args: argparse.Namespace) -> int:
    """``causal-model run``: fit on the real panel, forecast, write figures and tables."""
    s = settings(args)
    try:
        result = run(
            args.out,
            s,
            quick=args.quick,
            force=args.force,
            progressbar=not args.quiet,
            log=logger(args.quiet),
            claims=args.claims,
            record=record_writer(quick=args.quick),
        )
    except (FileExistsError, PermissionError, NotADirectoryError) as exc:
        raise CLIError(str(exc)) from None
    _print_results(result, args.quiet)
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    """``causal-model fit``: fit, print the diagnostics table, save the model file."""
    s = effective_settings(settings(args), quick=args.quick)
    outputs_or_error(args.out, FIT_FILES, args.force)
    log = logger(args.quiet)
    log("loading the data")
    model = make_model(s, load_us_russia(s.raw_dir))
    with staged_outputs(args.out, FIT_FILES) as stage:
        outputs_or_error(args.out, FIT_FILES, args.force)  # again, under the lock
        model, idata = fit_model(s, model=model, progressbar=not args.quiet, log=log)
        log("writing the model file")
        model.save(stage / MODEL_FILE, idata)
        table = diagnostics_table(idata)
        table.to_csv(stage / "diagnostics.csv")
        write_run_record(s, stage, quick=args.quick, panel=model.panel, idata=idata)
    if not args.quiet:
        print(model.diagnostics_.to_string())
        t = model.timing_
        print(f"compile {t.get('compile', 0):.1f} s, sampling {t.get('sample', 0):.1f} s")
        print(f"wrote {args.out / MODEL_FILE}")
    return 0


def cmd_forecast(args: argparse.Namespace) -> int:
    """``causal-model forecast MODEL_FILE``: figures, summary CSV, headline probabilities."""
    if not args.model_file.is_file():
        raise CLIError(f"model file not found: {args.model_file} (write one with `fit`)")
    s = settings(args)
    outputs_or_error(args.out, FORECAST_FILES, args.force)
    log = logger(args.quiet)
    log(f"loading the model file {args.model_file}")
    model = TensionModel.load(args.model_file)
    # the record names the model file's variant and priors, not the defaults
    s = replace(s, variant=model.variant.name, priors=str(model.priors.source))
    check_against_model(s, model)
    with staged_outputs(args.out, FORECAST_FILES) as stage:
        outputs_or_error(args.out, FORECAST_FILES, args.force)  # again, under the lock
        result = write_forecast_outputs(
            model,
            model.idata_,
            stage,
            until=s.until,
            scenario=s.scenario,
            scenarios=s.scenarios,
            random_seed=s.seed,
            log=log,
            quick=quick_from_fit(model.idata_),
        )
        quick = quick_from_fit(model.idata_)
        write_run_record(s, stage, quick=quick, panel=model.panel, idata=model.idata_)
        written = sorted(p.name for p in stage.iterdir() if not p.name.startswith("."))
    result["files"] = [args.out / name for name in written]
    _print_results(result, args.quiet)
    return 0


def add_model_commands(sub) -> None:
    """Register ``run``, ``fit`` and ``forecast`` on the subparsers ``sub``."""
    p = subcommand(
        sub,
        "run",
        cmd_run,
        help="fit the model on the real panel, forecast, write figures and tables",
        description=(
            "Fit the reference model on the real US-Russia panel, save it, forecast to 2030 "
            "under the default and alternative scenarios, and write the figures (PNG), the "
            "forecast summary (CSV) and the headline probabilities to --out. The outputs "
            "appear only when the run succeeded."
        ),
    )
    add_common_options(p, fit=True)
    add_forecast_options(p)
    p.add_argument(
        "--claims",
        action="store_true",
        help="also fit the variants that test the study's claims (six more fits) and give "
        "the scorecard its LOO evidence",
    )
    p = subcommand(
        sub,
        "fit",
        cmd_fit,
        help="fit the model, print the diagnostics, save the model file",
        description="Fit a model variant on the real panel and save it to DIR/model.nc.",
    )
    add_common_options(p, fit=True)
    p = subcommand(
        sub,
        "forecast",
        cmd_forecast,
        help="forecast from a saved model file: figures, summary CSV, headline probabilities",
        description="Forecast from a model file written by `fit` or `run`.",
    )
    p.add_argument("model_file", type=Path, metavar="MODEL_FILE", help="a saved model (.nc)")
    add_common_options(p, fit=False)
    add_forecast_options(p)
