"""Subcommands ``priors``, ``compare`` and ``report`` of the command line."""

from __future__ import annotations

import argparse

import pandas as pd

from causal_model.analysis.cooperation import joint_no_shares
from causal_model.analysis.forecast import forecast_scenarios
from causal_model.analysis.measurement import measurement_check
from causal_model.analysis.scorecard import hypotheses
from causal_model.app.cli_common import (
    CLIError,
    add_common_options,
    add_forecast_options,
    outputs_or_error,
    settings,
    subcommand,
)
from causal_model.app.cli_model import write_run_record
from causal_model.app.config import CONFIG_NAME, config_dict, record_writer
from causal_model.app.console import logger
from causal_model.app.output_folder import folder_lock, staged_outputs
from causal_model.app.pipeline import MODEL_FILE, RunSettings, run
from causal_model.app.report import REPORT_NAME, build_report, write_report
from causal_model.app.settings import check_against_model, effective_settings
from causal_model.app.studies import COMPARE_FILES, LFO_FILES, run_compare, run_lfo
from causal_model.inference import TensionModel
from causal_model.inference.diagnostics import diagnose
from causal_model.specification.priors import PriorValidationError, load_priors

#: Columns of a comparison table that `compare` prints.
LOO_COLUMNS = ("rank", "elpd_loo", "se", "elpd_diff", "dse", "weight", "max_pareto_k")


def cmd_priors(args: argparse.Namespace) -> int:
    """``causal-model priors show|check FILE``: a readable table, or every problem at once."""
    try:
        priors = load_priors(args.file)
    except PriorValidationError as exc:
        raise CLIError(str(exc)) from None
    except (FileNotFoundError, ValueError) as exc:
        raise CLIError(f"{args.file}: {exc}") from None
    if args.action == "check":
        print(f"ok: {priors.source} ({len(priors)} priors)")
        return 0
    rows = []
    raw = priors.to_dict()
    for name in priors:
        d = raw[name]
        kwargs = ", ".join(f"{k}={v}" for k, v in d.get("kwargs", {}).items())
        dims = d.get("dims") or ""
        rows.append((name, f"{d.get('dist', '')}({kwargs})", str(dims), _note(priors, name)))
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"priors: {priors.source}")
    for r in rows:
        print(f"  {r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:<{w[2]}}  {r[3]}")
    return 0


def _note(priors, name: str) -> str:
    notes = getattr(priors, "notes", None) or {}
    return str(notes.get(name, ""))


def model_panel(result: dict):
    """The panel of the fits of a comparison (for the run record)."""
    model, _ = next(iter(result["fits"].values()))
    return model.panel


def cmd_compare(args: argparse.Namespace) -> int:
    """``causal-model compare --variants a,b,c [--lfo] --out DIR``."""
    s = effective_settings(settings(args), quick=args.quick)
    if len(s.variants) < 2:
        raise CLIError("--variants: give at least two, e.g. --variants reference,no_elite")
    names = [*COMPARE_FILES, CONFIG_NAME, *(LFO_FILES if s.lfo else ())]
    outputs_or_error(args.out, names, args.force)
    log = logger(args.quiet)
    with staged_outputs(args.out, names) as stage:
        result = run_compare(s, stage, quick=False, log=log)
        if s.lfo:
            log("leave-future-out cross-validation")
            run_lfo(s, stage, quick=args.quick, progress=not args.quiet)
        write_run_record(s, stage, quick=args.quick, panel=model_panel(result))
    if not args.quiet:
        t = result["comparison"]
        print(t[[c for c in (*LOO_COLUMNS, "loo_kind") if c in t]].round(2).to_string())
        print(f"unit left out: {t.attrs['unit_left_out']}")
        print(f"wrote {', '.join(str(args.out / n) for n in names)}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """``causal-model report --out DIR``: run what is missing, then write report.html."""
    s: RunSettings = effective_settings(settings(args), quick=args.quick)
    out = args.out
    outputs_or_error(out, [REPORT_NAME], args.force)
    log = logger(args.quiet)
    with folder_lock(out):
        if (out / MODEL_FILE).is_file():
            log(f"using the fitted model {out / MODEL_FILE}")
            model = TensionModel.load(out / MODEL_FILE)
            check_against_model(s, model)
            idata = model.idata_
            model.diagnostics_ = diagnose(idata, warn=False)
        else:
            res = run(
                out,
                s,
                force=True,
                progressbar=not args.quiet,
                log=log,
                record=record_writer(quick=args.quick),
            )
            model, idata = res["model"], res["idata"]
        runs = forecast_scenarios(
            model,
            idata,
            list(dict.fromkeys([s.scenario, *s.scenarios])),
            until=s.until,
            random_seed=s.seed,
        )
        comparison = None
        if (out / "compare.csv").is_file():
            comparison = pd.read_csv(out / "compare.csv", index_col=0)
        elif len(s.variants) >= 2:
            known = {model.variant.name: (model, idata)}
            with staged_outputs(out, COMPARE_FILES) as stage:
                comparison = run_compare(s, stage, quick=False, log=log, known=known)["comparison"]
        lfo = None
        if (out / "lfo.csv").is_file():
            lfo = pd.read_csv(out / "lfo.csv")
        elif s.lfo:
            with staged_outputs(out, LFO_FILES) as stage:
                lfo = run_lfo(s, stage, quick=args.quick, progress=not args.quiet)
        card = hypotheses(
            idata,
            comparison=comparison,
            forecast=runs[s.scenario],
            joint_no=joint_no_shares(model.panel),
        )
        text = build_report(
            model=model,
            idata=idata,
            runs=runs,
            scorecard=card,
            settings=config_dict(s),
            comparison=comparison,
            lfo=lfo,
            quick=args.quick or None,
            measurement=measurement_check(model, idata, random_seed=s.seed),
        )
        with staged_outputs(out, [REPORT_NAME, CONFIG_NAME]) as stage:
            write_report(stage, text)
            write_run_record(s, stage, quick=args.quick, panel=model.panel, idata=idata)
    if not args.quiet:
        print(f"wrote {out / REPORT_NAME}")
    return 0


def add_study_commands(sub) -> None:
    """Register ``priors``, ``compare`` and ``report``."""
    p = subcommand(
        sub,
        "priors",
        cmd_priors,
        help="show or check a priors file",
        description="Show a priors file as a table, or check it (every problem at "
        "once, with file and key).",
    )
    p.add_argument("action", choices=("show", "check"))
    p.add_argument("file", metavar="FILE", help="priors file name (priors/) or path")
    p = subcommand(
        sub,
        "compare",
        cmd_compare,
        help="fit and compare variants (LOO, --lfo)",
        description="Fit each variant, compare them by PSIS-LOO with a year left "
        "out, score the study's claims, and with --lfo validate the forecasts out "
        "of sample against baselines.",
    )
    add_common_options(p, fit=True)
    p.add_argument("--variants", default=None, help="comma-separated variants")
    p.add_argument("--lfo", action="store_true", help="also run leave-future-out CV")
    p = subcommand(
        sub,
        "report",
        cmd_report,
        help="run what is missing, write report.html",
        description="Fit (unless DIR/model.nc exists), forecast, compare variants "
        "(unless DIR/compare.csv exists) and write a self-contained report.html.",
    )
    add_common_options(p, fit=True)
    add_forecast_options(p)
    p.add_argument("--variants", default=None, help="comma-separated variants to compare")
    p.add_argument("--lfo", action="store_true", help="include leave-future-out CV")
