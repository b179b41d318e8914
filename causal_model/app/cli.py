"""Command-line interface: ``causal-model <command> [options]``.

Each subcommand is one function ``cmd_<name>(args) -> int`` (here for ``data`` and ``data
fetch``, in :mod:`causal_model.app.cli_model` for ``run``, ``fit`` and ``forecast``, in
:mod:`causal_model.app.cli_studies` for ``priors``, ``compare`` and ``report``) plus one entry
in :func:`build_parser`. User errors print one ``error: ...`` line with exit status 2
(:mod:`causal_model.app.cli_common`); a fit the sampler did not finish prints one line and
exits with 1; an interrupt prints one line and exits with 130; anything else is a bug and
keeps its traceback. The console shows one line per phase and the package's own warnings as
one line each, no third-party notices (:mod:`causal_model.app.console`); ``--quiet`` shows
only errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import matplotlib
import matplotlib.pyplot as plt

from causal_model import __version__
from causal_model.app import console  # first: silences ArviZ's import-time notice
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
from causal_model.data import (
    coverage,
    fetch_raw_data,
    load_events,
    load_us_russia,
    resolve_raw_dir,
    write_panel,
)
from causal_model.data.paths import ENV_VAR
from causal_model.dims import DRIVERS, TENSION, YEAR
from causal_model.inference.arguments import IncompleteFitError
from causal_model.plotting import plot_indicators

#: Exit status of a fit the sampler did not finish, and of an interrupt (128 + SIGINT).
EXIT_INCOMPLETE = 1
EXIT_INTERRUPTED = 130


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


def cmd_data_fetch(args: argparse.Namespace) -> int:
    """``causal-model data fetch``: download the raw files, check them, say how to use them."""
    if args.dest is not None and args.dest.exists() and not args.dest.is_dir():
        raise CLIError(f"--dest {args.dest}: is a file, not a folder")
    if args.mirror is not None:
        url = urlparse(args.mirror)
        if url.scheme not in ("http", "https", "ftp") or not url.netloc:
            raise CLIError(
                f"--mirror {args.mirror}: give the http(s) URL of a copy of the raw data "
                "folder, e.g. --mirror https://example.org/causal-model/raw"
            )
    datasets = None
    if args.datasets:
        datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    log = console.logger(args.quiet)
    log(f"fetching the raw data files into {args.dest or 'the cache folder'}")
    try:
        dest = fetch_raw_data(
            args.dest, mirror=args.mirror, progress=not args.quiet, datasets=datasets
        )
    except ValueError as exc:  # an unknown data set
        raise CLIError(f"--datasets: {exc}") from None
    log(f"the raw data files are in {dest}")
    env = os.environ.get(ENV_VAR)
    try:
        found = resolve_raw_dir(None).resolve() == dest.resolve()
    except Exception:  # noqa: BLE001 - only decides which hint to print
        found = False
    if found:
        log("the model finds them there: run `causal-model run --out results`")
    elif env:
        log(
            f"{ENV_VAR} is set to {env} and is used first: set {ENV_VAR}={dest} (or pass "
            f"--raw-dir {dest}) to use the fetched files"
        )
    else:
        log(f"use them with: export {ENV_VAR}={dest} (or pass --raw-dir {dest})")
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
    actions = p.add_subparsers(dest="data_action", metavar="ACTION")
    f = actions.add_parser(
        "fetch",
        help="download the raw data files (checked against their SHA-256)",
        description=(
            "Download the raw data files from their publishers (or a mirror of the raw "
            "folder), check each against its SHA-256, and say how to use them."
        ),
    )
    f.set_defaults(func=cmd_data_fetch)
    f.add_argument(
        "--dest",
        type=Path,
        metavar="DIR",
        default=None,
        help="folder to fill (default: raw/ in the user's cache folder, found automatically)",
    )
    f.add_argument(
        "--mirror",
        metavar="URL",
        default=None,
        help="base URL of a copy of the raw folder (default: $CAUSAL_MODEL_DATA_MIRROR, "
        "else the publishers; files without a publisher URL need a mirror)",
    )
    f.add_argument(
        "--datasets", default=None, metavar="A,B", help="only these data sets (folder names)"
    )
    f.add_argument("--quiet", action="store_true", help="print nothing but errors")
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
        stderr), 1 when the sampler did not finish a fit, 130 when interrupted. Unexpected
        errors propagate with their traceback.
    """
    matplotlib.use("Agg")  # never open a window from the command line
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors: argparse printed them
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        with console.console(quiet=getattr(args, "quiet", False)):
            return int(args.func(args))
    except user_errors() as exc:
        return _error(exc, EXIT_USER_ERROR)
    except IncompleteFitError as exc:
        return _error(exc, EXIT_INCOMPLETE)
    except KeyboardInterrupt:
        print(
            "error: interrupted; nothing was written (outputs appear only when a command "
            "finishes, earlier ones are unchanged)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


def _error(exc: BaseException, status: int) -> int:
    message = " ".join(str(exc).split())  # one line, even for multi-problem errors
    print(f"error: {message}", file=sys.stderr)
    return status
