"""What every subcommand of the command line shares: user errors, output checks, settings.

User errors (missing data, an existing output without ``--force``, an unwritable folder, a bad
file suffix, an invalid option, an output folder in use by another run, a damaged model file)
are raised as :class:`CLIError` (or are one of the types of :func:`user_errors`) and print a
single ``error: ...`` line to stderr with exit status 2. Every option is checked before any
work starts (:func:`settings`).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from matplotlib.backend_bases import FigureCanvasBase

from causal_model.app.config import ConfigError, load_config
from causal_model.app.output_folder import FolderInUseError
from causal_model.app.pipeline import check_outputs
from causal_model.app.settings import RunSettings, SettingsError, check_settings
from causal_model.data import (
    DataNotFoundError,
    PanelValidationError,
    RawDataError,
    RegistryError,
)
from causal_model.inference.model_file import ModelFileError
from causal_model.specification.priors import PriorValidationError
from causal_model.specification.scenarios import ScenarioError
from causal_model.specification.variants import VARIANTS

PROG = "causal-model"
#: Exit status of a user error (the same as argparse's usage errors).
EXIT_USER_ERROR = 2

Command = Callable[[argparse.Namespace], int]


class CLIError(Exception):
    """A user error: printed as one ``error: <message>`` line, exit status 2."""


def user_errors() -> tuple[type[BaseException], ...]:
    """Exception types that are the user's to fix."""
    return (
        CLIError,
        DataNotFoundError,
        PanelValidationError,
        RawDataError,
        RegistryError,
        ScenarioError,
        PriorValidationError,
        ConfigError,
        SettingsError,
        FolderInUseError,
        ModelFileError,
    )


# ------------------------------------------------------------------------------ output paths
def plot_formats() -> set[str]:

    return set(FigureCanvasBase.get_supported_filetypes())


def check_output(path: Path, option: str, suffixes: set[str], force: bool) -> Path:
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


def outputs_or_error(out: Path, names, force: bool) -> None:
    """:func:`causal_model.app.pipeline.check_outputs` with its refusals as :class:`CLIError`."""
    try:
        check_outputs(out, names, force=force)
    except (FileExistsError, PermissionError, NotADirectoryError) as exc:
        raise CLIError(str(exc)) from None


def write_error(path: Path, exc: OSError) -> CLIError:
    reason = exc.strerror or str(exc)
    return CLIError(f"cannot write {path}: {reason}")


def settings(args: argparse.Namespace) -> RunSettings:
    """The run settings of a command: its ``--config`` file (if any), overridden by its flags,
    checked (:func:`causal_model.app.settings.check_settings`) before any work.

    Raises
    ------
    CLIError
        For a bad config file, a missing ``--raw-dir`` or a bad option.
    """
    s = RunSettings()
    if getattr(args, "config", None) is not None:
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
    try:
        check_settings(s)
    except SettingsError as exc:
        raise CLIError(str(exc)) from None
    return s


def add_common_options(p: argparse.ArgumentParser, *, fit: bool) -> None:
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
        p.add_argument(
            "--variant",
            default=None,
            help=f"model variant: {', '.join(VARIANTS)} (default reference)",
        )
        p.add_argument("--priors", default=None, help="priors file name or path")
        p.add_argument("--sampler", default=None, help="nutpie (default), pymc or numpyro")
        p.add_argument("--draws", type=int, default=None, help="draws per chain (default 1200)")
        p.add_argument("--tune", type=int, default=None, help="tuning steps (default 700)")
        p.add_argument("--chains", type=int, default=None, help="chains (default 2)")
        p.add_argument(
            "--quick", action="store_true", help="few draws, for a smoke test (not inference)"
        )
        p.add_argument("--raw-dir", type=Path, default=None, metavar="DIR", help="raw data folder")


def add_forecast_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--until", type=int, default=None, help="last forecast year (default 2030)")
    p.add_argument(
        "--scenario",
        default=None,
        help="default, russian_change, no_russian_change, no_future_change or a TOML file",
    )


def subcommand(
    sub: argparse._SubParsersAction, name: str, func: Command, help: str, description: str
) -> argparse.ArgumentParser:
    """Add one subcommand whose handler is ``func``; return its parser for the options."""
    parser = sub.add_parser(name, help=help, description=description)
    parser.set_defaults(func=func)
    return parser
