"""Run configuration files (TOML): everything a run needs, so a run is reproducible from one file.

Layout (every key optional; defaults in :class:`causal_model.pipeline.RunSettings`)::

    [data]
    raw_dir = "../shared/data/raw"

    [model]
    variant = "reference"
    priors = "neoclassical_realism"

    [sampler]
    name = "nutpie"
    draws = 1200
    tune = 700
    chains = 2
    seed = 20241124

    [forecast]
    until = 2030
    scenario = "default"
    scenarios = ["default", "russian_change", "no_russian_change"]

    [compare]
    variants = ["reference", "no_elite", "permanent_elite"]
    lfo = false

Command-line flags override the file; the settings used are written next to the outputs
(``run_config.toml``) with a ``[record]`` table of what the run did (a quick run's draws and
tuning, date, package version, git commit, SHA-256 of the panel: see
:func:`causal_model.app.run_record.run_record`). ``[record]`` is ignored when a written config
is read back, so an output folder's config reproduces its run.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict
from pathlib import Path

import tomli_w

from causal_model.app.run_record import run_record
from causal_model.app.settings import CONFIG_NAME, RunSettings, effective_settings
from causal_model.atomic import atomic_write
from causal_model.data import load_us_russia

#: (section, key) -> RunSettings attribute and expected type.
SCHEMA: dict[tuple[str, str], tuple[str, type | tuple]] = {
    ("data", "raw_dir"): ("raw_dir", str),
    ("model", "variant"): ("variant", str),
    ("model", "priors"): ("priors", str),
    ("sampler", "name"): ("sampler", str),
    ("sampler", "draws"): ("draws", int),
    ("sampler", "tune"): ("tune", int),
    ("sampler", "chains"): ("chains", int),
    ("sampler", "seed"): ("seed", int),
    ("forecast", "until"): ("until", int),
    ("forecast", "scenario"): ("scenario", str),
    ("forecast", "scenarios"): ("scenarios", list),
    ("compare", "variants"): ("variants", list),
    ("compare", "lfo"): ("lfo", bool),
}
#: Section of a written config that records the run (read back, it is ignored).
RECORD_SECTION = "record"


class ConfigError(ValueError):
    """A run config is invalid; the message lists every problem with file and key."""


def load_config(path: str | os.PathLike, settings: RunSettings | None = None) -> RunSettings:
    """Read a run config into :class:`RunSettings` (starting from ``settings`` or defaults).

    Raises
    ------
    ConfigError
        Listing every unknown section or key and every value of the wrong type.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    s = settings or RunSettings()
    problems = []
    sections = {sec for sec, _ in SCHEMA}
    for sec, body in raw.items():
        if sec == RECORD_SECTION:
            continue
        if sec not in sections:
            problems.append(f"[{sec}] unknown section; use {', '.join(sorted(sections))}")
            continue
        if not isinstance(body, dict):
            problems.append(f"{sec}: must be a [{sec}] table")
            continue
        for key, value in body.items():
            if (sec, key) not in SCHEMA:
                known = sorted(k for s_, k in SCHEMA if s_ == sec)
                problems.append(f"[{sec}] {key}: unknown key; use {', '.join(known)}")
                continue
            attr, typ = SCHEMA[(sec, key)]
            ok = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
            if not ok:
                problems.append(f"[{sec}] {key}: {value!r} should be {typ.__name__}")
                continue
            setattr(s, attr, value)
    if problems:
        raise ConfigError(f"invalid run config {path}:\n  " + "\n  ".join(problems))
    if s.raw_dir is not None and not Path(s.raw_dir).is_absolute():
        s.raw_dir = str((path.parent / s.raw_dir).resolve())
    return s


def config_dict(s: RunSettings, *, quick: bool = False) -> dict:
    """The settings in the config file's layout (for writing next to the outputs); with
    ``quick`` the quick run's draws and tuning, which are what ran."""
    values = asdict(effective_settings(s, quick=quick))
    out: dict[str, dict] = {}
    for (sec, key), (attr, _) in SCHEMA.items():
        v = values.get(attr)
        if v is not None:
            out.setdefault(sec, {})[key] = v
    return out


def write_config(
    s: RunSettings,
    out_dir: str | os.PathLike,
    *,
    quick: bool = False,
    panel=None,
    idata=None,
    record: dict | None = None,
) -> Path:
    """Write the settings used and the run record as ``run_config.toml`` in ``out_dir``.

    Parameters
    ----------
    s
        The run's settings.
    out_dir
        Output folder.
    quick
        The run was a quick smoke test: its draws and tuning are written, and the record
        says so.
    panel, idata
        The panel and the fit, for the record (:func:`~causal_model.app.run_record.run_record`).
    record
        A record made already (else one is made from the arguments above).

    Returns
    -------
    pathlib.Path
        The file written (atomically).
    """
    body = config_dict(s, quick=quick)
    body[RECORD_SECTION] = record or run_record(s, quick=quick, panel=panel, idata=idata)
    text = tomli_w.dumps(body)
    return atomic_write(Path(out_dir) / CONFIG_NAME, lambda tmp: Path(tmp).write_text(text))


def record_writer(*, quick: bool, panel=None):
    """A writer of the run record for :func:`causal_model.app.pipeline.run`'s ``record``
    hook: ``(settings, folder) -> path``. Without ``panel`` it reads the run's panel
    (``load_us_russia(settings.raw_dir)``, cached) for its hash."""

    def write(s: RunSettings, folder) -> Path:
        data = load_us_russia(s.raw_dir) if panel is None else panel
        return write_config(s, folder, quick=quick, panel=data)

    return write


__all__ = [
    "CONFIG_NAME",
    "RECORD_SECTION",
    "ConfigError",
    "config_dict",
    "load_config",
    "record_writer",
    "write_config",
]
