"""Command-line interface: ``causal-model <command> [options]``.

Each subcommand is one function ``cmd_<name>(args) -> int`` (here for ``data``, in
:mod:`causal_model.app.cli_model` for ``run``, ``fit`` and ``forecast``, in
:mod:`causal_model.app.cli_studies` for ``priors``, ``compare`` and ``report``) plus one entry
in :func:`build_parser`. User errors print one ``error: ...`` line with exit status 2
(:mod:`causal_model.app.cli_common`); an interrupt exits with 130; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt

from causal_model import __version__
from causal_model.app.cli_common import (
    EXIT_USER_ERROR,
    PROG,
    CLIError,
    check_output,
    plot_formats,
    subcommand,
    user_errors,
    write_error,
)
from causal_model.app.cli_model import add_model_commands
from causal_model.app.cli_studies import add_study_commands
from causal_model.data import coverage, load_events, load_us_russia, write_panel
from causal_model.dims import DRIVERS, TENSION, YEAR
from causal_model.plotting import plot_indicators


# ------------------------------------------------------------------------------- data command
def format_coverage(panel: Any) -> str:
    """Return the panel's coverage table as aligned text, followed by a one-line summary.

    Parameters
    ----------
    panel
        A panel Dataset (see :func:`causal_model.data.from_frame`).

    Returns
    -------
    str
        One row per indicator (indicator, latent, family, source, first-last observed year,
        observed years out of the panel's years and their share), then a summary line with
        the panel's years and the number of indicators per latent.
    """
    cov = coverage(panel)
    n_years = int(panel.sizes[YEAR])
    header = ("indicator", "latent", "family", "source", "years", "observed")
    rows = [
        (
            str(key),
            str(r["latent"]),
            str(r["family"]),
            str(r["source"]),
            f"{r['first']}-{r['last']}" if r["n_obs"] else "none",
            f"{r['n_obs']:>3d}/{n_years} {r['n_obs'] / n_years:>4.0%}",
        )
        for key, r in cov.iterrows()
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    years = panel[YEAR].values
    counts = cov["latent"].value_counts()
    order = [la for la in (TENSION, *DRIVERS) if la in counts] + sorted(
        set(counts.index) - {TENSION, *DRIVERS}
    )
    per_latent = ", ".join(f"{la} {counts[la]}" for la in order)
    share = cov["n_obs"].sum() / (n_years * len(cov)) if len(cov) else 0.0
    out.append("")
    out.append(
        f"{len(cov)} indicators ({per_latent}); years {years.min()}-{years.max()} "
        f"({n_years}); {share:.0%} of indicator-years observed"
    )
    return "\n".join(out)


def cmd_data(args: argparse.Namespace) -> int:
    """``causal-model data``: build the real panel, show its coverage, export it."""
    if args.raw_dir is not None and not args.raw_dir.is_dir():
        raise CLIError(f"--raw-dir {args.raw_dir}: folder not found")
    outputs: list[tuple[str, Path]] = []
    if args.csv is not None:
        outputs.append(("csv", check_output(args.csv, "--csv", {"csv"}, args.force)))
    if args.netcdf is not None:
        outputs.append(("netcdf", check_output(args.netcdf, "--netcdf", {"nc"}, args.force)))
    if args.plot is not None:
        outputs.append(("plot", check_output(args.plot, "--plot", plot_formats(), args.force)))

    panel = load_us_russia(args.raw_dir, cache=not args.no_cache)
    print(format_coverage(panel))
    for kind, path in outputs:
        try:
            if kind == "plot":
                _write_plot(panel, path)
            else:
                write_panel(panel, path, overwrite=args.force)
        except FileExistsError as exc:  # appeared since the check
            raise CLIError(f"{path}: file exists; pass --force to replace it") from exc
        except OSError as exc:
            raise write_error(path, exc) from exc
        print(f"wrote {path}")
    return 0


def _write_plot(panel: Any, path: Path) -> None:

    fig = plot_indicators(panel, events=load_events())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=150)
    finally:
        plt.close(fig)


# ---------------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Bayesian causal model of US-Russia relations.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = subcommand(
        sub,
        "data",
        cmd_data,
        help="build the US-Russia indicator panel, show its coverage, export it",
        description=(
            "Build the US-Russia indicator panel from the raw data files, print its coverage "
            "(one row per indicator) and optionally write it to CSV / netCDF and plot it."
        ),
    )
    p.add_argument(
        "--raw-dir",
        type=Path,
        metavar="DIR",
        default=None,
        help="raw data folder (default: $CAUSAL_MODEL_DATA, else shared/data/raw "
        "beside the source checkout)",
    )
    p.add_argument(
        "--csv",
        type=Path,
        metavar="PATH",
        help="write the wide panel (raw values, <key>_trials) to this .csv",
    )
    p.add_argument(
        "--netcdf",
        type=Path,
        metavar="PATH",
        help="write the full panel (raw, value, trials, registry) to this .nc",
    )
    p.add_argument(
        "--plot",
        type=Path,
        metavar="PATH",
        help="plot the standardised indicators to this image (.png, .pdf, .svg ...)",
    )
    p.add_argument("--force", action="store_true", help="replace existing output files")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="rebuild the panel from the raw files instead of using the cache",
    )
    add_model_commands(sub)
    add_study_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0 on success, 2 on a usage or user error (one ``error: ...`` line on
        stderr), 130 when interrupted. Unexpected errors propagate with their traceback.
    """
    matplotlib.use("Agg")  # never open a window from the command line
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors: argparse printed them
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        return int(args.func(args))
    except user_errors() as exc:
        message = " ".join(str(exc).split())  # one line, even for multi-problem errors
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
