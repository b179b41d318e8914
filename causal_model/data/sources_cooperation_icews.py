"""Readers of US–Russia cooperation events in ICEWS (dyad-years via ``netify``), 2002–2014.

The raw file (``icews_netify/icews_2002_2014_dyad_year_USA_or_RUS_rows.csv``; see
``PROVENANCE_events.md``) holds, per directed dyad-year, the counts of events in the four
CAMEO quad classes: ``verbCoop`` (verbal cooperation: statements, consultations, appeals,
expressed intent to cooperate), ``matlCoop`` (material cooperation: aid, agreements acted on,
concessions), ``verbConf`` and ``matlConf``. The readers here sum the US→Russia and
Russia→US rows of a year; a year needs both rows (else it is missing). Years outside
2002–2014 are not in the file and are missing.

Shares of all US<->Russia events are preferred to raw counts: the counts follow news volume
(the US–Russia total and the verbal-cooperation count correlate at 0.95 across the 13 years),
a share does not. But the verbal-cooperation share is 1 - conflict share - material share,
and the material share is about 1 %, so the verbal share is nearly the complement of the
tension indicator ``icews_conflict_share`` (same events): it adds no independent information.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from causal_model.data.paths import raw_file
from causal_model.data.raw_checks import (
    RawDataError,
    refuse_duplicates,
    require_columns,
    require_counts,
    require_integers,
)
from causal_model.data.reader_tools import register_reader, yearly

__all__ = [
    "QUADS",
    "icews_material_coop_count",
    "icews_material_coop_share",
    "icews_us_russia_quads",
    "icews_verbal_coop_count",
    "icews_verbal_coop_share",
]

ICEWS = "icews_netify"
ICEWS_FILE = "icews_2002_2014_dyad_year_USA_or_RUS_rows.csv"
#: The CAMEO quad-class count columns of the netify file.
QUADS = ("verbCoop", "matlCoop", "verbConf", "matlConf")
DYAD = ("USA", "RUS")


def icews_us_russia_quads(raw_dir: Path) -> pd.DataFrame:
    """US<->Russia ICEWS event counts per year, both directions summed.

    Parameters
    ----------
    raw_dir
        The raw-data folder.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``year`` (int), columns :data:`QUADS` and ``total`` (their sum), all
        int64. Only years with both directed rows (US→Russia and Russia→US) appear.

    Raises
    ------
    RawDataError
        A column is missing; in a US–Russia row the year is not a whole number or a count is
        missing, fractional or negative; or a directed dyad-year occurs twice.
    """
    path = raw_file(raw_dir, ICEWS, ICEWS_FILE)
    icews = pd.read_csv(path)
    require_columns(icews, ["i_iso3c", "j_iso3c", "year", *QUADS], path)
    us, ru = DYAD
    dyad = icews[
        ((icews["i_iso3c"] == us) & (icews["j_iso3c"] == ru))
        | ((icews["i_iso3c"] == ru) & (icews["j_iso3c"] == us))
    ]
    if dyad.empty:
        raise RawDataError(f"{path}: no US-Russia rows (columns i_iso3c / j_iso3c = USA, RUS)")
    rows = pd.DataFrame(
        {
            "i_iso3c": dyad["i_iso3c"].astype(str),
            "year": require_integers(dyad, "year", path),
            **{q: require_counts(dyad, q, path) for q in QUADS},
        },
        index=dyad.index,
    )
    refuse_duplicates(rows, ["i_iso3c", "year"], path)
    both = rows.groupby("year")["i_iso3c"].transform("size") == 2
    sums = rows[both].groupby("year")[list(QUADS)].sum()
    sums["total"] = sums[list(QUADS)].sum(axis=1)
    return sums


def _share(raw_dir: Path, quad: str) -> pd.DataFrame:
    sums = icews_us_russia_quads(raw_dir)
    sums = sums[sums["total"] > 0]
    return yearly(sums[quad] / sums["total"])


@register_reader("icews_verbal_coop_share")
def icews_verbal_coop_share(raw_dir: Path) -> pd.DataFrame:
    """Share of verbal-cooperation events among all US<->Russia ICEWS events, 2002–2014.

    Parameters
    ----------
    raw_dir
        The raw-data folder.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``year``, column ``value`` (a share in [0, 1]).
    """
    return _share(raw_dir, "verbCoop")


@register_reader("icews_material_coop_share")
def icews_material_coop_share(raw_dir: Path) -> pd.DataFrame:
    """Share of material-cooperation events among all US<->Russia ICEWS events, 2002–2014.

    Parameters
    ----------
    raw_dir
        The raw-data folder.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``year``, column ``value`` (a share in [0, 1]).
    """
    return _share(raw_dir, "matlCoop")


@register_reader("icews_verbal_coop_count")
def icews_verbal_coop_count(raw_dir: Path) -> pd.DataFrame:
    """Number of verbal-cooperation events US<->Russia (both directions), 2002–2014.

    Follows news volume; prefer :func:`icews_verbal_coop_share` in a model.

    Parameters
    ----------
    raw_dir
        The raw-data folder.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``year``, column ``value`` (events).
    """
    return yearly(icews_us_russia_quads(raw_dir)["verbCoop"])


@register_reader("icews_material_coop_count")
def icews_material_coop_count(raw_dir: Path) -> pd.DataFrame:
    """Number of material-cooperation events US<->Russia (both directions), 2002–2014.

    Follows news volume; prefer :func:`icews_material_coop_share` in a model.

    Parameters
    ----------
    raw_dir
        The raw-data folder.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``year``, column ``value`` (events).
    """
    return yearly(icews_us_russia_quads(raw_dir)["matlCoop"])
