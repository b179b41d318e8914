"""Model subcommands of the command line: ``run``, ``fit`` and ``forecast``.

Registered by :func:`add_model_commands`; the conventions (one-line user errors, exit status
2, no overwriting without ``--force``) are those of :mod:`causal_model.cli`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from causal_model.app.cli_common import (
    CLIError,
    add_common_options,
    add_forecast_options,
    settings,
    subcommand,
)
from causal_model.app.config import write_config
from causal_model.app.pipeline import (
    FIGURES,
    MODEL_FILE,
    TABLES,
    check_outputs,
    fit_model,
    run,
    write_forecast_outputs,
)
from causal_model.inference import TensionModel
from causal_model.inference.diagnostics import diagnostics_table


def _print_results(result: dict, quiet: bool) -> None:
    if quiet:
        return
    diag = result.get("diagnostics")
    if diag is not None:
        print("\nconvergence diagnostics")
        print(diag.to_string())
    print("\nheadline probabilities (scenario: {})".format(result["forecast"].attrs["scenario"]))
    for name, p in result["headline"].items():
        print(f"  {name:<42} {p:6.3f}")
    card = result.get("scorecard")
    if card is not None:
        print("\nthe study's claims (posterior mean, 90% interval, P(claim holds))")
        for _, r in card.iterrows():
            if np.isnan(r["p_claim"]):
                print(f"  {r['claim']:<40} {r['quantity'][:60]}")
            else:
                print(
                    f"  {r['claim']:<40} {r['quantity'][:60]:<60} {r['mean']:6.2f} "
                    f"[{r['q05']:5.2f}, {r['q95']:5.2f}]  P = {r['p_claim']:.2f}"
                )
    print()
    for path in result["files"]:
        print(f"wrote {path}")


def cmd_run(args: argparse.Namespace) -> int:
    """``causal-model run``: fit on the real panel, forecast, write figures and tables."""
    s = settings(args)
    log = (lambda *a, **k: None) if args.quiet else print
    try:
        result = run(
            args.out,
            s,
            quick=args.quick,
            force=args.force,
            progressbar=not args.quiet,
            log=log,
        )
    except (FileExistsError, PermissionError, NotADirectoryError) as exc:
        raise CLIError(str(exc)) from None
    result["files"].append(write_config(s, args.out))
    _print_results(result, args.quiet)
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    """``causal-model fit``: fit, print the diagnostics table, save the model file."""
    s = settings(args)
    try:
        check_outputs(args.out, [MODEL_FILE, "diagnostics.csv"], force=args.force)
    except (FileExistsError, PermissionError, NotADirectoryError) as exc:
        raise CLIError(str(exc)) from None
    log = (lambda *a, **k: None) if args.quiet else print
    model, idata = fit_model(s, quick=args.quick, progressbar=not args.quiet, log=log)
    args.out.mkdir(parents=True, exist_ok=True)
    path = model.save(args.out / MODEL_FILE, idata, overwrite=args.force)
    diagnostics_table(idata).to_csv(args.out / "diagnostics.csv")
    write_config(s, args.out)
    if not args.quiet:
        print(model.diagnostics_.to_string())
        t = model.timing_
        print(f"compile {t.get('compile', 0):.1f} s, sampling {t.get('sample', 0):.1f} s")
        print(f"wrote {path}")
    return 0


def cmd_forecast(args: argparse.Namespace) -> int:
    """``causal-model forecast MODEL_FILE``: figures, summary CSV, headline probabilities."""
    if not args.model_file.is_file():
        raise CLIError(f"model file not found: {args.model_file} (write one with `fit`)")
    try:
        check_outputs(args.out, [*FIGURES, *TABLES, "run_config.toml"], force=args.force)
        model = TensionModel.load(args.model_file)
    except (FileExistsError, PermissionError, NotADirectoryError) as exc:
        raise CLIError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise CLIError(f"{args.model_file}: {exc}") from None
    s = settings(args)
    result = write_forecast_outputs(
        model,
        model.idata_,
        args.out,
        until=s.until,
        scenario=s.scenario,
        scenarios=s.scenarios,
        random_seed=s.seed,
    )
    result["files"].append(write_config(s, args.out))
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
            "forecast summary (CSV) and the headline probabilities to --out."
        ),
    )
    add_common_options(p, fit=True)
    add_forecast_options(p)
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
