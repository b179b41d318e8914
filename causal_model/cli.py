"""Command-line interface: ``causal-model <command> [options]``.

Each subcommand is one function ``cmd_<name>(args) -> int`` plus one entry in
:func:`build_parser` (made with :func:`_subcommand`). Heavy imports (xarray, matplotlib,
PyMC) happen inside the command functions so that ``--help`` and ``--version`` are fast.

User errors (missing data, an existing output without ``--force``, an unwritable folder,
a bad file suffix) are raised as :class:`CLIError` (or are one of :data:`USER_ERRORS`) and
print a single ``error: ...`` line to stderr with exit status 2; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from causal_model import __version__

PROG = "causal-model"
#: Exit status of a user error (the same as argparse's usage errors).
EXIT_USER_ERROR = 2

Command = Callable[[argparse.Namespace], int]


class CLIError(Exception):
    """A user error: printed as one ``error: <message>`` line, exit status 2."""


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exception types that are the user's to fix (imported lazily)."""
    from causal_model.data import DataNotFoundError, PanelValidationError, RegistryError
    from causal_model.scenarios import ScenarioError

    return (CLIError, DataNotFoundError, PanelValidationError, RegistryError, ScenarioError)


# ------------------------------------------------------------------------------ output paths
def _plot_formats() -> set[str]:
    from matplotlib.backend_bases import FigureCanvasBase

    return set(FigureCanvasBase.get_supported_filetypes())


def _check_output(path: Path, option: str, suffixes: set[str], force: bool) -> Path:
    """Refuse an output path before any work is done: suffix, existing file, folder.

    Parameters
    ----------
    path
        Where the output will be written.
    option
        The option that named it (for the message).
    suffixes
        Accepted suffixes without the dot.
    force
        Whether an existing file may be replaced.

    Raises
    ------
    CLIError
        With a message naming the option and the path.
    """
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in suffixes:
        accepted = ", ".join(f".{s}" for s in sorted(suffixes))
        raise CLIError(f"{option} {path}: unsupported suffix {path.suffix!r}; use {accepted}")
    if path.is_dir():
        raise CLIError(f"{option} {path}: is a folder, not a file")
    if path.exists() and not force:
        raise CLIError(f"{option} {path}: file exists; pass --force to replace it")
    # The nearest existing ancestor must be a writable folder (missing ones are created).
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise CLIError(f"{option} {path}: cannot create folder {path.parent} ({parent} is a file)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CLIError(f"{option} {path}: folder {parent} is not writable")
    return path


def _write_error(path: Path, exc: OSError) -> CLIError:
    reason = exc.strerror or str(exc)
    return CLIError(f"cannot write {path}: {reason}")


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
    from causal_model.data import coverage
    from causal_model.dims import DRIVERS, TENSION, YEAR

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
        outputs.append(("csv", _check_output(args.csv, "--csv", {"csv"}, args.force)))
    if args.netcdf is not None:
        outputs.append(("netcdf", _check_output(args.netcdf, "--netcdf", {"nc"}, args.force)))
    if args.plot is not None:
        outputs.append(("plot", _check_output(args.plot, "--plot", _plot_formats(), args.force)))

    from causal_model.data import load_us_russia, write_panel

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
            raise _write_error(path, exc) from exc
        print(f"wrote {path}")
    return 0


def _write_plot(panel: Any, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # never open a window from the command line
    import matplotlib.pyplot as plt

    from causal_model.data import load_events
    from causal_model.plotting import plot_indicators

    fig = plot_indicators(panel, events=load_events())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=150)
    finally:
        plt.close(fig)


# ---------------------------------------------------------------------------------- parser
def _subcommand(
    sub: argparse._SubParsersAction, name: str, func: Command, help: str, description: str
) -> argparse.ArgumentParser:
    """Add one subcommand whose handler is ``func``; return its parser for the options."""
    parser = sub.add_parser(name, help=help, description=description)
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Bayesian causal model of US-Russia relations.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = _subcommand(
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
    from causal_model.cli_model import add_model_commands

    add_model_commands(sub, _subcommand)
    from causal_model.cli_extra import add_extra_commands

    add_extra_commands(sub, _subcommand)
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
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors: argparse printed them
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        return int(args.func(args))
    except _user_errors() as exc:
        message = " ".join(str(exc).split())  # one line, even for multi-problem errors
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
