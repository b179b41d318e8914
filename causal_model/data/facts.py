"""Documented facts (treaty dates, accessions, deployments) and the yearly series built on them.

The facts live in TOML files under ``causal_model/data/facts/``, one named source per fact;
they hold no raw data. Each file has a ``[meta]`` table whose ``checked_through`` is the last
year its facts describe: the series built on a file stop there (later years are missing, not
carried forward). Every function validates the file and raises :class:`FactsError` naming the
file, the entry and the key at fault.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

#: Folder of the packaged facts files.
FACTS_DIR = Path(__file__).with_name("facts")
#: The registry's ``source`` of an indicator built on a facts file: its ``file`` then names a
#: file of :data:`FACTS_DIR`, not of the raw data folder.
FACTS_SOURCE = "facts"

#: Treaty events after which a treaty no longer binds the US and Russia.
CEASING_EVENTS = ("suspended", "withdrawal_effective", "expired", "superseded")
#: Treaty events recorded for the record only.
OTHER_EVENTS = ("signed", "entered_into_force", "extended", "ratified", "no_longer_bound")

_DATE = re.compile(r"^(\d{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


class FactsError(ValueError):
    """A facts file is missing, malformed or inconsistent."""


def load_facts(name: str, facts_dir: Path | None = None) -> dict:
    """Read the facts file ``<name>.toml``.

    Parameters
    ----------
    name
        File stem, e.g. ``"arms_control"``.
    facts_dir
        Folder holding the file (default :data:`FACTS_DIR`; tests pass their own).

    Returns
    -------
    dict
        The parsed TOML, with the file's path under the key ``"_path"``.

    Raises
    ------
    FactsError
        When the file is absent, is not valid TOML or lacks ``[meta] checked_through``.
    """
    path = Path(facts_dir or FACTS_DIR) / f"{name}.toml"
    if not path.is_file():
        raise FactsError(f"facts file not found: {path}")
    try:
        with path.open("rb") as fh:
            content = tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise FactsError(f"{path}: TOML syntax error: {err}") from None
    content["_path"] = str(path)
    return content


def facts_path(filename: str, facts_dir: Path | None = None) -> Path:
    """Return the facts file ``filename`` (e.g. ``"arms_control.toml"``) of :data:`FACTS_DIR`.

    Raises
    ------
    FactsError
        When the file is not there; the message lists the facts files that are.
    """
    folder = Path(facts_dir or FACTS_DIR)
    path = folder / filename
    if not path.is_file():
        known = ", ".join(sorted(p.name for p in folder.glob("*.toml"))) or "none"
        raise FactsError(
            f"facts file not found: {path} (a registry entry with source = {FACTS_SOURCE!r} "
            f"names a file of {folder}; the files there: {known})"
        )
    return path


def checked_through(facts: dict) -> int:
    """Return the file's ``[meta] checked_through`` year (the last year its facts cover)."""
    year = facts.get("meta", {}).get("checked_through")
    if not isinstance(year, int) or isinstance(year, bool):
        raise FactsError(f"{facts['_path']}: [meta] needs an integer 'checked_through' year")
    return year


def _entries(facts: dict, table: str, keys: tuple[str, ...]) -> list[dict]:
    """Return the ``[[table]]`` entries, checking each has ``keys`` and a non-empty source."""
    entries = facts.get(table)
    if not isinstance(entries, list) or not entries:
        raise FactsError(f"{facts['_path']}: no [[{table}]] entries")
    for i, entry in enumerate(entries):
        missing = [k for k in keys if k not in entry]
        if missing:
            raise FactsError(f"{facts['_path']}: [[{table}]] entry {i}: missing {missing}")
    return entries


def fact_year(date: object, where: str) -> int:
    """Return the year of a fact's ``date`` ("YYYY", "YYYY-MM" or "YYYY-MM-DD").

    Raises
    ------
    FactsError
        When the date is not a string of one of those forms; ``where`` names the entry.
    """
    match = _DATE.match(date) if isinstance(date, str) else None
    if match is None:
        raise FactsError(f"{where}: date {date!r} is not 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'")
    return int(match.group(1))


def _check_source(entry: dict, where: str) -> None:
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        raise FactsError(f"{where}: every fact needs a non-empty 'source'")


def treaty_table(facts: dict) -> pd.DataFrame:
    """One row per treaty: the year it entered into force and the year it ceased to bind.

    Parameters
    ----------
    facts
        The parsed ``arms_control`` facts (:func:`load_facts`).

    Returns
    -------
    pandas.DataFrame
        Indexed by treaty key, columns ``name``, ``in_force_year`` (NaN if it never entered
        into force), ``ceased_year`` (NaN if still binding), ``ceased_how`` (the ceasing event
        and who caused it).

    Raises
    ------
    FactsError
        On an unknown event, a missing date or source, events out of date order, or a
        treaty that ceases without having entered into force.
    """
    rows = {}
    for i, treaty in enumerate(_entries(facts, "treaty", ("key", "name", "event"))):
        where = f"{facts['_path']}: treaty {treaty['key']!r} (entry {i})"
        in_force, ceased, how, last = np.nan, np.nan, "", ""
        for j, event in enumerate(treaty["event"]):
            at = f"{where}, event {j}"
            kind = event.get("event")
            if kind not in CEASING_EVENTS + OTHER_EVENTS:
                raise FactsError(f"{at}: unknown event {kind!r}")
            _check_source(event, at)
            year = fact_year(event.get("date"), at)
            if str(event["date"]) < last:
                raise FactsError(f"{at}: events are not in date order")
            last = str(event["date"])
            if kind == "entered_into_force" and np.isnan(in_force):
                in_force = year
            if kind in CEASING_EVENTS and np.isnan(ceased):
                if np.isnan(in_force):
                    raise FactsError(f"{at}: {kind} before the treaty entered into force")
                ceased = year
                how = kind + (f" by {event['by']}" if event.get("by") else "")
        rows[treaty["key"]] = {
            "name": treaty["name"],
            "in_force_year": in_force,
            "ceased_year": ceased,
            "ceased_how": how,
        }
    if len(rows) != len(facts["treaty"]):
        raise FactsError(f"{facts['_path']}: duplicate treaty keys")
    return pd.DataFrame.from_dict(rows, orient="index")


def treaties_in_force(facts: dict, first_year: int = 1946) -> pd.Series:
    """Number of treaties binding the US and Russia on 31 December of each year.

    A treaty counts from the year it entered into force up to the year before it ceased
    (suspension, withdrawal, expiry or supersession; see ``arms_control.toml``). The series
    runs from ``first_year`` to the file's ``checked_through`` year.
    """
    table = treaty_table(facts)
    years = np.arange(first_year, checked_through(facts) + 1)
    start = table["in_force_year"].to_numpy(dtype=float)
    end = table["ceased_year"].fillna(np.inf).to_numpy(dtype=float)
    counts = [int(((start <= y) & (end > y)).sum()) for y in years]
    return pd.Series(counts, index=pd.Index(years, name="year"), dtype=float)


def stage_by_year(facts: dict, first_year: int = 1992) -> pd.Series:
    """The ordinal stage in force on 31 December of each year (``[[step]]`` entries).

    The stage before the first step is 0; each step sets the stage to its ``stage_after``.
    The series runs from ``first_year`` to the file's ``checked_through`` year.
    """
    steps = []
    last = ""
    for i, step in enumerate(_entries(facts, "step", ("date", "stage_after", "what"))):
        where = f"{facts['_path']}: step {i}"
        _check_source(step, where)
        stage = step["stage_after"]
        if not isinstance(stage, int) or isinstance(stage, bool) or stage < 0:
            raise FactsError(f"{where}: stage_after must be a non-negative integer")
        if str(step["date"]) < last:
            raise FactsError(f"{where}: steps are not in date order")
        last = str(step["date"])
        steps.append((fact_year(step["date"], where), stage))
    years = np.arange(first_year, checked_through(facts) + 1)
    values = []
    for y in years:
        reached = [stage for year, stage in steps if year <= y]
        values.append(reached[-1] if reached else 0)
    return pd.Series(values, index=pd.Index(years, name="year"), dtype=float)


def accession_years(facts: dict) -> pd.Series:
    """Year of accession by COW code, from ``[[accession]]`` entries (one per state)."""
    years = {}
    for i, entry in enumerate(_entries(facts, "accession", ("state", "ccode", "date"))):
        where = f"{facts['_path']}: accession {i} ({entry['state']})"
        _check_source(entry, where)
        if entry["ccode"] in years:
            raise FactsError(f"{where}: ccode {entry['ccode']} is listed twice")
        years[entry["ccode"]] = fact_year(entry["date"], where)
    return pd.Series(years, name="accession_year")


def state_table(facts: dict) -> pd.DataFrame:
    """The ``[[state]]`` entries as a table indexed by COW code.

    Columns ``name``, ``iso3c``, ``soviet_republic``, ``warsaw_pact``, ``borders_russia`` and
    ``bloc`` (soviet_republic or warsaw_pact). Each attribute needs a source in ``[sources]``.
    """
    flags = ("soviet_republic", "warsaw_pact", "borders_russia")
    sources = facts.get("sources", {})
    for key in (*flags, "ccode"):
        if not str(sources.get(key, "")).strip():
            raise FactsError(f"{facts['_path']}: [sources] needs a source for {key!r}")
    entries = _entries(facts, "state", ("name", "ccode", "iso3c", *flags))
    table = pd.DataFrame(entries).set_index("ccode")
    if table.index.duplicated().any() or table["name"].duplicated().any():
        raise FactsError(f"{facts['_path']}: a state is listed twice")
    for flag in flags:
        if table[flag].map(type).ne(bool).any():
            raise FactsError(f"{facts['_path']}: {flag!r} must be true or false for every state")
    table["bloc"] = table["soviet_republic"] | table["warsaw_pact"]
    return table[["name", "iso3c", *flags, "bloc"]]
