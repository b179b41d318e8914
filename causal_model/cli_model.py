"""Model subcommands of the command line: ``run``, ``fit`` and ``forecast``.

Registered by :func:`add_model_commands`; the conventions (one-line user errors, exit status
2, no overwriting without ``--force``) are those of :mod:`causal_model.cli`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from causal_model.cli import CLIError


def _settings(args: argparse.Namespace):
    from causal_model.pipeline import RunSettings
    from causal_model.priors import PriorValidationError, load_priors
    from causal_model.variants import get_variant

    s = RunSettings()
    if getattr(args, "config", None) is not None:
        from causal_model.config import ConfigError, load_config

        try:
            s = load_config(args.config)
        except ConfigError as exc:
            raise CLIError(str(exc)) from None
    for name in ("variant", "priors", "sampler", "draws", "tune", "chains", "seed", "until"):
        value = getattr(args, name, None)
        if value is not None:
            setattr(s, name, value)
    if getattr(args, "variants", None):
        s.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if getattr(args, "lfo", False):
        s.lfo = True
    if getattr(args, "scenario", None):
        s.scenario = args.scenario
        s.scenarios = list(dict.fromkeys([args.scenario, *s.scenarios]))
    if getattr(args, "raw_dir", None) is not None:
        if not args.raw_dir.is_dir():
            raise CLIError(f"--raw-dir {args.raw_dir}: folder not found")
        s.raw_dir = str(args.raw_dir)
    for v in [s.variant, *s.variants]:
        try:
            get_variant(v)
        except ValueError as exc:
            raise CLIError(f"--variant: {exc}") from None
    try:
        load_priors(s.priors)
    except (PriorValidationError, FileNotFoundError, ValueError) as exc:
        raise CLIError(f"--priors {s.priors}: {exc}") from None
    if s.sampler not in ("nutpie", "pymc", "numpyro"):
        raise CLIError(f"--sampler {s.sampler}: choose nutpie, pymc or numpyro")
    for name in ("draws", "tune", "chains"):
        if getattr(s, name) < 1:
            raise CLIError(f"--{name} must be a positive integer")
    return s


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
    from causal_model.pipeline import run

    s = _settings(args)
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
    from causal_model.config import write_config

    result["files"].append(write_config(s, args.out))
    _print_results(result, args.quiet)
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    """``causal-model fit``: fit, print the diagnostics table, save the model file."""
    from causal_model.pipeline import MODEL_FILE, check_outputs, fit_model

    s = _settings(args)
    try:
        check_outputs(args.out, [MODEL_FILE, "diagnostics.csv"], force=args.force)
    except (FileExistsError, PermissionError, NotADirectoryError) as exc:
        raise CLIError(str(exc)) from None
    log = (lambda *a, **k: None) if args.quiet else print
    model, idata = fit_model(s, quick=args.quick, progressbar=not args.quiet, log=log)
    from causal_model.diagnostics import diagnostics_table

    args.out.mkdir(parents=True, exist_ok=True)
    path = model.save(args.out / MODEL_FILE, idata, overwrite=args.force)
    diagnostics_table(idata).to_csv(args.out / "diagnostics.csv")
    from causal_model.config import write_config

    write_config(s, args.out)
    if not args.quiet:
        print(model.diagnostics_.to_string())
        t = model.timing_
        print(f"compile {t.get('compile', 0):.1f} s, sampling {t.get('sample', 0):.1f} s")
        print(f"wrote {path}")
    return 0


def cmd_forecast(args: argparse.Namespace) -> int:
    """``causal-model forecast MODEL_FILE``: figures, summary CSV, headline probabilities."""
    from causal_model.model import TensionModel
    from causal_model.pipeline import FIGURES, TABLES, check_outputs, write_forecast_outputs

    if not args.model_file.is_file():
        raise CLIError(f"model file not found: {args.model_file} (write one with `fit`)")
    try:
        check_outputs(args.out, [*FIGURES, *TABLES, "run_config.toml"], force=args.force)
        model = TensionModel.load(args.model_file)
    except (FileExistsError, PermissionError, NotADirectoryError) as exc:
        raise CLIError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise CLIError(f"{args.model_file}: {exc}") from None
    s = _settings(args)
    result = write_forecast_outputs(
        model,
        model.idata_,
        args.out,
        until=s.until,
        scenario=s.scenario,
        scenarios=s.scenarios,
        random_seed=s.seed,
    )
    from causal_model.config import write_config

    result["files"].append(write_config(s, args.out))
    _print_results(result, args.quiet)
    return 0


def _common(p: argparse.ArgumentParser, *, fit: bool) -> None:
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="run config (TOML); flags override",
    )
    p.add_argument("--seed", type=int, default=None, help="random seed (default 20241124)")
    p.add_argument("--force", action="store_true", help="replace existing outputs")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    if fit:
        p.add_argument("--variant", default=None, help="model variant (default reference)")
        p.add_argument("--priors", default=None, help="priors file name or path")
        p.add_argument("--sampler", default=None, help="nutpie (default), pymc or numpyro")
        p.add_argument("--draws", type=int, default=None, help="draws per chain (default 1200)")
        p.add_argument("--tune", type=int, default=None, help="tuning steps (default 700)")
        p.add_argument("--chains", type=int, default=None, help="chains (default 2)")
        p.add_argument(
            "--quick", action="store_true", help="few draws, for a smoke test (not inference)"
        )
        p.add_argument("--raw-dir", type=Path, default=None, metavar="DIR", help="raw data folder")


def _forecast_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--until", type=int, default=None, help="last forecast year (default 2030)")
    p.add_argument(
        "--scenario",
        default=None,
        help="default, russian_change, no_russian_change, no_future_change or a TOML file",
    )


def add_model_commands(sub, subcommand) -> None:
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
    _common(p, fit=True)
    _forecast_options(p)
    p = subcommand(
        sub,
        "fit",
        cmd_fit,
        help="fit the model, print the diagnostics, save the model file",
        description="Fit a model variant on the real panel and save it to DIR/model.nc.",
    )
    _common(p, fit=True)
    p = subcommand(
        sub,
        "forecast",
        cmd_forecast,
        help="forecast from a saved model file: figures, summary CSV, headline probabilities",
        description="Forecast from a model file written by `fit` or `run`.",
    )
    p.add_argument("model_file", type=Path, metavar="MODEL_FILE", help="a saved model (.nc)")
    _common(p, fit=False)
    _forecast_options(p)
