"""Readers of the US–Russia competition for influence over the post-Soviet bloc.

The bloc is the 14 former Soviet republics other than Russia and the 7 former Warsaw Pact
states (Czechoslovakia in 1992, Czechia and Slovakia from 1993), as listed with sources in
``facts/states.toml``. The series measure how far the bloc has moved toward the US: UN General
Assembly alignment (Bailey, Strezhnev & Voeten ideal points, ``idealpointfp``, 1992–2024; see
``PROVENANCE_events.md``), NATO accessions (the transcribed file) and EU accessions (facts).
All start in 1992, when the Soviet Union had dissolved and the bloc existed as such.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from causal_model.data.facts import (
    FactsError,
    accession_years,
    checked_through,
    load_facts,
    state_table,
)
from causal_model.data.paths import raw_file
from causal_model.data.raw_checks import (
    RawDataError,
    refuse_duplicates,
    require_columns,
    require_integers,
)
from causal_model.data.reader_tools import register_reader, yearly
from causal_model.data.sources_security import read_nato_accessions
from causal_model.data.value_checks import require_numeric

IDEAL_DATASET = "unga_voeten_idealpoints"
IDEAL_FILE = "IdealpointsJuly2025_all_countries.csv"
#: The ideal point the PROVENANCE names as running to 2024 (final-passage votes).
IDEAL_VARIABLE = "idealpointfp"
US_CCODE, RU_CCODE = 2, 365
FIRST_YEAR = 1992


def read_ideal_points(raw_dir: Path, variable: str = IDEAL_VARIABLE) -> pd.DataFrame:
    """Return the ideal points as a year x ccode table of ``variable``, validated.

    Raises
    ------
    RawDataError
        When ``ccode``, ``year`` or ``variable`` is missing, a code or year is not a whole
        number, a value is not numeric, or a country has two rows in one year.
    """
    path = raw_file(raw_dir, IDEAL_DATASET, IDEAL_FILE)
    table = pd.read_csv(path)
    require_columns(table, ["ccode", "year", variable], path)
    table = pd.DataFrame(
        {
            "ccode": require_integers(table, "ccode", path),
            "year": require_integers(table, "year", path),
            "value": require_numeric(table, variable, path),
        }
    )
    refuse_duplicates(table, ["ccode", "year"], path)
    return table.pivot(index="year", columns="ccode", values="value")


def bloc_codes() -> list[int]:
    """COW codes of the post-Soviet bloc (``bloc`` true in ``facts/states.toml``)."""
    states = state_table(load_facts("states"))
    return sorted(int(c) for c in states.index[states["bloc"]])


def _bloc_positions(raw_dir: Path) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Bloc ideal points from 1992 on, with the US's and Russia's (years with both only)."""
    wide = read_ideal_points(raw_dir)
    for code in (US_CCODE, RU_CCODE):
        if code not in wide.columns:
            raise RawDataError(f"{IDEAL_FILE}: no rows for ccode {code}")
    wide = wide.loc[FIRST_YEAR:]
    wide = wide[wide[US_CCODE].notna() & wide[RU_CCODE].notna()]
    bloc = wide.reindex(columns=bloc_codes())
    return bloc, wide[US_CCODE], wide[RU_CCODE]


def _nearer_us(raw_dir: Path) -> tuple[pd.Series, pd.Series]:
    """Per year: bloc states nearer the US than Russia, and bloc states with an ideal point."""
    bloc, us, ru = _bloc_positions(raw_dir)
    nearer = bloc.sub(us, axis=0).abs() < bloc.sub(ru, axis=0).abs()
    present = bloc.notna()
    return (nearer & present).sum(axis=1), present.sum(axis=1)


@register_reader("unga_bloc_nearer_us_count")
def unga_bloc_nearer_us_count(raw_dir: Path) -> pd.DataFrame:
    """Number of post-Soviet bloc states whose UN ideal point is nearer the US's than Russia's.

    ``idealpointfp``, 1992–2024. The ``trials`` column holds the number of bloc states with an
    ideal point that year (a binomial indicator): a state without one (not yet a member, or
    too few votes) is neither counted nor a trial.
    """
    count, present = _nearer_us(raw_dir)
    return yearly(count, trials=present)


@register_reader("unga_bloc_nearer_us_share")
def unga_bloc_nearer_us_share(raw_dir: Path) -> pd.DataFrame:
    """Share of the bloc states with an ideal point that are nearer the US than Russia."""
    count, present = _nearer_us(raw_dir)
    return yearly((count / present.where(present > 0)).dropna())


@register_reader("unga_bloc_position")
def unga_bloc_position(raw_dir: Path) -> pd.DataFrame:
    """Mean position of the bloc states on the Russia–US axis of UN ideal points.

    Each state's ``(x - x_RUS) / (x_USA - x_RUS)``: 0 at Russia's ideal point, 1 at the US's
    (below 0 is beyond Russia, away from the US). The mean over the bloc states with an ideal
    point that year, 1992–2024. Unlike the count it moves with every state, not only those
    that cross the midpoint.
    """
    bloc, us, ru = _bloc_positions(raw_dir)
    position = bloc.sub(ru, axis=0).div(us - ru, axis=0)
    return yearly(position.mean(axis=1).dropna())


@register_reader("nato_members_post_soviet_bloc")
def nato_members_post_soviet_bloc(raw_dir: Path) -> pd.DataFrame:
    """Post-Soviet bloc states in NATO at the end of each year, 1992 to the file's last year.

    0 to 1998, 3 from 1999 (Czechia, Hungary, Poland), 9 from 2004, 10 from 2009 (Albania).
    """
    accessions = read_nato_accessions(raw_dir)
    states = state_table(load_facts("states"))
    names = set(states.loc[states["bloc"], "name"])
    joined = accessions.loc[accessions["country"].isin(names), "accession_year"].to_numpy()
    years = np.arange(FIRST_YEAR, int(accessions["accession_year"].max()) + 1)
    return yearly(pd.Series([int((joined <= y).sum()) for y in years], index=years))


def _eu_bloc_counts() -> pd.Series:
    facts = load_facts("eu_accessions")
    joined = accession_years(facts)
    unknown = sorted(set(joined.index) - set(bloc_codes()))
    if unknown:
        raise FactsError(f"{facts['_path']}: ccode(s) {unknown} are not bloc states")
    years = np.arange(FIRST_YEAR, checked_through(facts) + 1)
    return pd.Series([int((joined <= y).sum()) for y in years], index=years)


@register_reader("eu_members_post_soviet_bloc")
def eu_members_post_soviet_bloc(raw_dir: Path) -> pd.DataFrame:
    """Post-Soviet bloc states in the EU at the end of each year, 1992–2025 (facts).

    0 to 2003, 7 from 2004, 9 from 2007. ``raw_dir`` is not used.
    """
    del raw_dir  # facts only
    return yearly(_eu_bloc_counts())


@register_reader("west_memberships_post_soviet_bloc")
def west_memberships_post_soviet_bloc(raw_dir: Path) -> pd.DataFrame:
    """NATO plus EU memberships held by post-Soviet bloc states (0–2 per state), 1992–2024.

    Years are those both sources cover (the NATO file ends in 2024).
    """
    nato = nato_members_post_soviet_bloc(raw_dir)["value"]
    eu = _eu_bloc_counts()
    return yearly((nato + eu).dropna())
