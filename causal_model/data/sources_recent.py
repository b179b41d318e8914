"""Readers that reach the latest year of their raw files where the current readers stop earlier.

- UN ideal-point distance on ``idealpointfp`` (to 2024; the current reader's ``idealpointall``
  ends in 2023).
- Freedom House's 0–100 total score (file ``All_data_FIW_2013-2024.xlsx``, editions 2013–2025,
  i.e. review years 2012–2024), for Russia and as the US–Russia gap; and the 2–14 rating
  extended to review year 2024 from the same file.
- V-Dem electoral democracy for Russia alone (ERT, to 2024).

The GPR index needs no new reader: ``gpr_russia_annual_mean`` keeps complete years only and
already reaches 2025 (the file runs to December 2025). Years are years under review for
Freedom House (edition minus one). Missing stays missing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from causal_model.data.paths import raw_file
from causal_model.data.raw_checks import (
    RawDataError,
    refuse_duplicates,
    require_columns,
    require_integers,
)
from causal_model.data.reader_tools import register_reader, yearly
from causal_model.data.sources_drivers import freedom_house_russia
from causal_model.data.sources_influence import RU_CCODE, US_CCODE, read_ideal_points
from causal_model.data.value_checks import require_numeric, require_range

FIW_FILE = "All_data_FIW_2013-2024.xlsx"
#: The data sheet (the file name says 2013-2024, the sheet holds editions 2013-2025).
FIW_SHEET = "FIW13-25"
FIW_COLUMNS = ["Country/Territory", "C/T", "Edition", "PR rating", "CL rating", "Total"]


@register_reader("unga_idealpoint_distance_fp")
def unga_idealpoint_distance_fp(raw_dir: Path) -> pd.DataFrame:
    """Absolute US–Russia distance of UN ideal points on final-passage votes (1946–2024).

    ``idealpointfp`` is a different scale from ``idealpointall``: the two are not spliced.
    """
    wide = read_ideal_points(raw_dir, "idealpointfp")
    if US_CCODE not in wide.columns or RU_CCODE not in wide.columns:
        raise RawDataError("ideal-point file: no rows for the US (2) or Russia (365)")
    return yearly((wide[US_CCODE] - wide[RU_CCODE]).abs().dropna())


def read_fiw_scores(raw_dir: Path) -> pd.DataFrame:
    """Freedom House raw scores: one row per country (not territory) and year under review.

    Returns columns ``country``, ``year`` (edition - 1), ``pr_rating``, ``cl_rating``
    (1 most free .. 7) and ``total`` (0 least free .. 100; -4 is possible), validated.

    Raises
    ------
    RawDataError
        On a missing sheet or column, a non-integer edition, non-numeric scores, a total
        outside -4–100, a rating outside 1–7, or two rows for one country and edition.
    """
    path = raw_file(raw_dir, "freedom_house", FIW_FILE)
    try:
        sheet = pd.read_excel(path, sheet_name=FIW_SHEET, header=1)
    except ValueError as err:  # pandas raises ValueError for an absent sheet
        raise RawDataError(f"{path}: cannot read sheet {FIW_SHEET!r}: {err}") from None
    require_columns(sheet, FIW_COLUMNS, path)
    sheet = sheet[sheet["C/T"].astype(str).str.strip() == "c"]
    table = pd.DataFrame(
        {
            "country": sheet["Country/Territory"].astype(str).str.strip(),
            "year": require_integers(sheet, "Edition", path) - 1,
            "pr_rating": require_numeric(sheet, "PR rating", path),
            "cl_rating": require_numeric(sheet, "CL rating", path),
            "total": require_numeric(sheet, "Total", path),
        }
    )
    # PR runs from -4 (the discretionary question B can subtract up to 4) to 40, CL 0-60
    require_range(table["total"], -4, 100, "Total", path)
    for column, name in (("pr_rating", "PR rating"), ("cl_rating", "CL rating")):
        require_range(table[column], 1, 7, name, path)
    refuse_duplicates(table, ["country", "year"], path)
    return table


def _fiw_country(raw_dir: Path, country: str, column: str) -> pd.Series:
    table = read_fiw_scores(raw_dir)
    rows = table[table["country"] == country]
    if rows.empty:
        raise RawDataError(f"{FIW_FILE}: no row for {country!r}")
    return rows.set_index("year")[column]


@register_reader("freedom_house_total_russia")
def freedom_house_total_russia(raw_dir: Path) -> pd.DataFrame:
    """Russia's Freedom House total score (0 least free .. 100), review years 2012–2024."""
    return yearly(_fiw_country(raw_dir, "Russia", "total").dropna())


@register_reader("freedom_house_total_gap_usa_rus")
def freedom_house_total_gap_usa_rus(raw_dir: Path) -> pd.DataFrame:
    """US minus Russian Freedom House total score, review years 2012–2024."""
    usa = _fiw_country(raw_dir, "United States", "total")
    rus = _fiw_country(raw_dir, "Russia", "total")
    return yearly((usa - rus).dropna())


@register_reader("freedom_house_russia_latest")
def freedom_house_russia_latest(raw_dir: Path) -> pd.DataFrame:
    """Russia's PR + CL rating (2 .. 14) as ``freedom_house_russia``, extended to 2024.

    Years the ratings file covers (1991–2023) come from it unchanged; later years from the
    raw-scores file (PR rating + CL rating). Where both files cover a year they must agree,
    else the reader raises (the two are one Freedom House series).
    """
    old = freedom_house_russia(raw_dir)["value"]
    new = _fiw_country(raw_dir, "Russia", "pr_rating") + _fiw_country(
        raw_dir, "Russia", "cl_rating"
    )
    both = old.index.intersection(new.dropna().index)
    differ = [int(y) for y in both if old[y] != new[y]]
    if differ:
        raise RawDataError(
            f"{FIW_FILE}: Russia's PR + CL differs from the ratings file in year(s) {differ}"
        )
    later = new[new.index > old.index.max()].dropna()
    return yearly(pd.concat([old, later]))


@register_reader("polyarchy_russia")
def polyarchy_russia(raw_dir: Path) -> pd.DataFrame:
    """Russia's V-Dem electoral democracy index (v2x_polyarchy, V-Dem v15 via ERT), to 2024."""
    path = raw_file(raw_dir, "vdem_ert", "ert.csv")
    ert = pd.read_csv(path, usecols=lambda c: c in ("country_id", "year", "v2x_polyarchy"))
    require_columns(ert, ["country_id", "year", "v2x_polyarchy"], path)
    table = pd.DataFrame(
        {
            "country_id": require_integers(ert, "country_id", path),
            "year": require_integers(ert, "year", path),
            "value": require_numeric(ert, "v2x_polyarchy", path),
        }
    )
    require_range(table["value"], 0, 1, "v2x_polyarchy", path)
    rus = table[table["country_id"] == 11]  # V-Dem country_id 11 = Russia (USSR before 1992)
    refuse_duplicates(rus, ["year"], path)
    return yearly(rus.set_index("year")["value"].dropna())
