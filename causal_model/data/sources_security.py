"""Readers of the security dilemma between the US and Russia.

Each series rises or falls with insecurity between the two: NATO's reach toward Russia and US
missile defence in Europe count up; arms-control treaties in force count down (registry
direction -1). NATO membership is read from the transcribed accession file in the raw folder
(see ``PROVENANCE_drivers.md``); treaties and missile defence are documented facts in
``causal_model/data/facts/`` (one named source per fact).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from causal_model.data.facts import load_facts, stage_by_year, state_table, treaties_in_force
from causal_model.data.paths import raw_file
from causal_model.data.raw_checks import (
    refuse_duplicates,
    require_columns,
    require_integers,
)
from causal_model.data.reader_tools import register_reader, yearly
from causal_model.data.value_checks import require_range

NATO_DATASET = "nato_accessions_transcribed"
NATO_FILE = "nato_accession_years_TRANSCRIBED.csv"
#: The North Atlantic Treaty was signed in 1949: no accession can be earlier.
NATO_FOUNDED = 1949
#: First year of the fact-based series: Russia as an independent state.
FIRST_YEAR = 1992


def read_nato_accessions(raw_dir: Path) -> pd.DataFrame:
    """Return the NATO accession table (``country``, ``accession_year``), validated.

    Raises
    ------
    RawDataError
        When a column is missing, a year is not a whole number or lies before 1949 or after
        2100, or a country appears twice; the message names the file, column and rows.
    """
    path = raw_file(raw_dir, NATO_DATASET, NATO_FILE)
    table = pd.read_csv(path)
    require_columns(table, ["country", "accession_year"], path)
    table = table.assign(
        country=table["country"].astype(str).str.strip(),
        accession_year=require_integers(table, "accession_year", path),
    )
    require_range(table["accession_year"], NATO_FOUNDED, 2100, "accession_year", path)
    refuse_duplicates(table, ["country"], path)
    return table[["country", "accession_year"]]


def _member_counts(accessions: pd.DataFrame, members: pd.Series) -> pd.DataFrame:
    """Count, for each year to the file's last accession year, the members in ``members``.

    ``members`` is a boolean Series over ``accessions``' rows. The file lists accessions up to
    its last year (2024 for the transcribed file): later years are missing.
    """
    years = np.arange(NATO_FOUNDED, int(accessions["accession_year"].max()) + 1)
    joined = accessions.loc[members, "accession_year"].to_numpy()
    counts = [int((joined <= y).sum()) for y in years]
    return yearly(pd.Series(counts, index=years))


@register_reader("nato_members_total")
def nato_members_total(raw_dir: Path) -> pd.DataFrame:
    """Number of NATO members at the end of each year (1949 to the file's last year, 2024).

    The same numbers as the existing ``nato_member_count`` reader, from a validated file.
    """
    accessions = read_nato_accessions(raw_dir)
    return _member_counts(accessions, pd.Series(True, index=accessions.index))


def _near_russia_names(flags: tuple[str, ...]) -> set[str]:
    states = state_table(load_facts("states"))
    return set(states.loc[states[list(flags)].any(axis=1), "name"])


@register_reader("nato_members_near_russia")
def nato_members_near_russia(raw_dir: Path) -> pd.DataFrame:
    """NATO members that border Russia, were Soviet republics or were Warsaw Pact states.

    The classification is the facts file ``states.toml`` (Norway counts from 1949 as a
    neighbour of the USSR/Russia). Values: 1 to 1998, 4 from 1999, 10 from 2004, 11 from
    2009, 12 from 2023 (Finland).
    """
    accessions = read_nato_accessions(raw_dir)
    names = _near_russia_names(("borders_russia", "soviet_republic", "warsaw_pact"))
    return _member_counts(accessions, accessions["country"].isin(names))


@register_reader("nato_members_bordering_russia")
def nato_members_bordering_russia(raw_dir: Path) -> pd.DataFrame:
    """NATO members sharing a land border with Russia (Norway, Poland, the Baltics, Finland)."""
    accessions = read_nato_accessions(raw_dir)
    names = _near_russia_names(("borders_russia",))
    return _member_counts(accessions, accessions["country"].isin(names))


@register_reader("arms_control_treaties_in_force")
def arms_control_treaties_in_force(raw_dir: Path) -> pd.DataFrame:
    """US–Russian arms-control treaties in force and not suspended on 31 December, 1992–2025.

    From ``facts/arms_control.toml`` (ABM, INF, CFE, START I, START II, Open Skies, SORT,
    New START). A suspension by either side counts as not in force (the file explains why);
    START II never entered into force. ``raw_dir`` is not used: the series is facts only.
    """
    del raw_dir  # facts only
    return yearly(treaties_in_force(load_facts("arms_control"), first_year=FIRST_YEAR))


@register_reader("missile_defence_europe_stage")
def missile_defence_europe_stage(raw_dir: Path) -> pd.DataFrame:
    """Stage of US missile defence in Europe on 31 December (0–4), 1992–2025.

    0 none; 1 plan announced (2007 third site, from 2009 the EPAA); 2 NATO interim capability
    (2012); 3 Aegis Ashore Romania operational (2016); 4 Aegis Ashore Poland (2024). From
    ``facts/missile_defence.toml``; ``raw_dir`` is not used.
    """
    del raw_dir  # facts only
    return yearly(stage_by_year(load_facts("missile_defence"), first_year=FIRST_YEAR))
