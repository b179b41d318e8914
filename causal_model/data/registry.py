"""The indicator registry: what each indicator is, how it is modelled, where it comes from.

The registry is a table (one row per indicator) read from a TOML file of ``[[indicator]]``
tables (``causal_model/data/registry.toml`` for the US–Russia panel). Users extend it with
their own file or a :class:`pandas.DataFrame` of the same columns.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from causal_model.dims import COOPERATION, FAMILIES, LATENTS

DEFAULT_REGISTRY = Path(__file__).with_name("registry.toml")

#: Columns every registry row must have.
REQUIRED = ("key", "description", "latent", "direction", "family")
#: Optional columns with their defaults.
OPTIONAL: dict[str, object] = {
    "transform": "none",
    "measure": "level",
    "unit": "",
    "frequency": "yearly",
    "source": "user",
    "file": "",
    "reader": "",
    "anchor": False,
    "why": "",
}
TRANSFORMS = ("none", "log", "logit")


class RegistryError(ValueError):
    """The registry is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str], source: str):
        self.problems = problems
        self.source = source
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"invalid indicator registry {source} ({len(problems)} problems):\n{lines}"
        )


def load_registry(registry: str | os.PathLike | pd.DataFrame | Iterable[Mapping] | None = None):
    """Load and validate an indicator registry.

    Parameters
    ----------
    registry
        None for the packaged US–Russia registry; a path to a TOML file of ``[[indicator]]``
        tables; a DataFrame with one row per indicator; or an iterable of dicts.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``key``, with the columns of :data:`REQUIRED` and :data:`OPTIONAL`.

    Raises
    ------
    RegistryError
        Listing every problem at once (unknown family or latent, bad direction, duplicate
        keys, more than one anchor, ...), each naming the indicator.
    """
    if registry is None:
        registry = DEFAULT_REGISTRY
    if isinstance(registry, pd.DataFrame):
        frame = registry.reset_index() if registry.index.name == "key" else registry.copy()
        source = "<DataFrame>"
    elif isinstance(registry, str | os.PathLike):
        path = Path(registry)
        source = str(path)
        if not path.is_file():
            raise FileNotFoundError(f"indicator registry file not found: {path}")
        try:
            with path.open("rb") as fh:
                content = tomllib.load(fh)
        except tomllib.TOMLDecodeError as err:
            raise RegistryError([f"TOML syntax error: {err}"], source) from None
        frame = pd.DataFrame(content.get("indicator", []))
    else:
        frame = pd.DataFrame(list(registry))
        source = "<records>"
    return validate_registry(frame, source)


def validate_registry(frame: pd.DataFrame, source: str = "<registry>") -> pd.DataFrame:
    """Validate a registry table and return it indexed by key with defaults filled in."""
    problems: list[str] = []
    if frame.empty:
        raise RegistryError(["the registry declares no indicator"], source)
    missing_cols = [c for c in REQUIRED if c not in frame.columns]
    if missing_cols:
        raise RegistryError([f"missing required column(s): {', '.join(missing_cols)}"], source)
    unknown_cols = sorted(set(frame.columns) - set(REQUIRED) - set(OPTIONAL))
    if unknown_cols:
        problems.append(
            f"unknown column(s) {', '.join(unknown_cols)}; allowed: "
            f"{', '.join((*REQUIRED, *OPTIONAL))}"
        )
    frame = frame.copy()
    for col, default in OPTIONAL.items():
        if col not in frame.columns:
            frame[col] = default
        else:
            frame[col] = frame[col].where(frame[col].notna(), default)
    dup = frame["key"][frame["key"].duplicated()].tolist()
    if dup:
        problems.append(f"duplicate key(s): {', '.join(map(str, dup))}")
    for _, row in frame.iterrows():
        key = row["key"]
        where = f"indicator {key!r}"
        if not isinstance(key, str) or not key.isidentifier():
            problems.append(f"{where}: key must be a identifier-like string (letters, digits, _)")
        if row["latent"] not in LATENTS:
            problems.append(
                f"{where}: unknown latent {row['latent']!r}; use one of {', '.join(LATENTS)}"
            )
        if row["family"] not in FAMILIES:
            problems.append(
                f"{where}: unknown family {row['family']!r}; use one of {', '.join(FAMILIES)}"
            )
        if row["direction"] not in (1, -1):
            problems.append(f"{where}: direction must be +1 or -1, got {row['direction']!r}")
        if row["transform"] not in TRANSFORMS:
            problems.append(
                f"{where}: unknown transform {row['transform']!r}; "
                f"use one of {', '.join(TRANSFORMS)}"
            )
        if row["latent"] == COOPERATION and bool(row["anchor"]):
            problems.append(
                f"{where}: a cooperation indicator cannot be an anchor (it loads on tension "
                "with a free loading); set anchor = false"
            )
        if (
            row["family"] in ("poisson", "negative_binomial", "binomial")
            and row["transform"] != "none"
        ):
            problems.append(f"{where}: a {row['family']} indicator must have transform 'none'")
    anchored = frame[frame["anchor"].astype(bool)]
    for latent, group in anchored.groupby("latent"):
        if len(group) > 1:
            problems.append(
                f"more than one anchor indicator for latent {latent!r}: "
                f"{', '.join(group['key'])}; keep one"
            )
    if problems:
        raise RegistryError(problems, source)
    frame["direction"] = frame["direction"].astype(int)
    frame["anchor"] = frame["anchor"].astype(bool)
    return frame.set_index("key")[[c for c in REQUIRED if c != "key"] + list(OPTIONAL)]
