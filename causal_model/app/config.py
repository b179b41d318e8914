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
(``run_config.toml``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict
from pathlib import Path

import tomli_w

from causal_model.app.pipeline import RunSettings
from causal_model.atomic import atomic_write

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
CONFIG_NAME = "run_config.toml"


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


def config_dict(s: RunSettings) -> dict:
    """The settings in the config file's layout (for writing next to the outputs)."""
    values = asdict(s)
    out: dict[str, dict] = {}
    for (sec, key), (attr, _) in SCHEMA.items():
        v = values.get(attr)
        if v is not None:
            out.setdefault(sec, {})[key] = v
    return out


def write_config(s: RunSettings, out_dir: str | os.PathLike) -> Path:
    """Write the settings used as ``run_config.toml`` in ``out_dir`` (atomic)."""
    text = tomli_w.dumps(config_dict(s))
    return atomic_write(Path(out_dir) / CONFIG_NAME, lambda tmp: Path(tmp).write_text(text))


__all__ = ["CONFIG_NAME", "ConfigError", "config_dict", "load_config", "write_config"]
