"""Damaged copies of raw files for tests/test_bad_data_inputs.py (test support, no tests).

``FILES`` maps a short key to a raw file and the reader that reads it. A damage function gets
the path of a copy (in the test's tmp_path) and the key, damages the copy in place and returns
the 1-based line (CSV) or row (workbook) it touched, or None.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

# ---------------------------------------------------------------- the files and their readers
FILES: dict[str, tuple[str, str, str]] = {
    # key: (data set folder, file, reader name or "events")
    "troops": ("us_troops_troopdata", "troopdata-rebuild-country-year.csv", "us_troops_europe"),
    "gsdb": ("sanctions_gsdb", "GSDB_V3.csv", "us_sanctions_on_russia_active"),
    "pew": (
        "pew_global_attitudes",
        "pew_opi_RUS_USA_respondents.csv",
        "pew_russians_favourable_usa",
    ),
    "ideal": (
        "unga_voeten_idealpoints",
        "IdealpointsJuly2025_all_countries.csv",
        "unga_idealpoint_distance",
    ),
    "votes": ("unga_unvotes_rollcalls", "un_votes_US_RU_subset.csv", "unga_vote_agreement"),
    "mid": ("mid_peacesciencer", "cow_mid_dirdisps_USA_RUS_subset.csv", "mid_onsets_us_russia"),
    "icews": (
        "icews_netify",
        "icews_2002_2014_dyad_year_USA_or_RUS_rows.csv",
        "icews_conflict_share",
    ),
    "nmc": ("cow_nmc", "NMC-60-abridged.csv", "cinc_ratio_rus_usa"),
    "wdi": ("gdp_wdi_imf", "API_NY.GDP.MKTP.PP.KD_DS2_en_csv_v2_1004.csv", "gdp_ppp_ratio_rus_usa"),
    "imf": ("gdp_wdi_imf", "imf-dm-export-20251119_PPP.xls", "imf_ppp_ratio_rus_usa"),
    "sipri": ("sipri_milex", "SIPRI-Milex-data-1949-2024_2.xlsx", "milex_ratio_rus_usa"),
    "census": ("census_trade", "country.xlsx", "trade_share_russia"),
    "nato": (
        "nato_accessions_transcribed",
        "nato_accession_years_TRANSCRIBED.csv",
        "nato_member_count",
    ),
    "fas": ("fas_nuclear", "nuclear_weapons_stockpiles_raw.csv", "warheads_us_russia"),
    "ert": ("vdem_ert", "ert.csv", "polyarchy_gap_usa_rus"),
    "dem": ("vdem_demspaces", "dv_data_1968_on.csv", "freedom_expression_russia"),
    "fh": (
        "freedom_house",
        "Country_and_Territory_Ratings_and_Statuses_FIW_1973-2024.xlsx",
        "freedom_house_russia",
    ),
    "polity": ("polity5", "p5v2018.xls", "polity2_russia"),
    "gpr": ("gpr_caldara_iacoviel", "data_gpr_export.xls", "gpr_russia_annual_mean"),
    "reign": ("reign", "leaderlist_3_21.csv", "events"),
    "archigos": ("peacesciencer_atop_archigos", "archigos_USA_RUS_rows.csv", "events"),
}
ENCODING = {"fas": "utf-16", "reign": "latin-1"}
SEP = {"fas": "\t"}
SKIP = {"wdi": 4}

#: See the module docstring.
Damage = Callable[[Path, str], "int | None"]


# ---------------------------------------------------------------------------- CSV damage
def _lines(path: Path, key: str) -> list[str]:
    """The file's lines, split at "\n" only (str.splitlines also splits at latin-1's \x85)."""
    parts = path.read_bytes().decode(ENCODING.get(key, "utf-8")).split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _write(path: Path, key: str, lines: list[str]) -> None:
    path.write_bytes("".join(lines).encode(ENCODING.get(key, "utf-8")))


def cut_mid_row(path: Path, key: str) -> int:
    lines = _lines(path, key)
    last = lines[-1].rstrip("\r\n")
    lines[-1] = last[: len(last) // 2]
    _write(path, key, lines)
    return len(lines)


def cut_inside_last_field(path: Path, key: str) -> int:
    """Cut the last 4 characters: the field count stays, only the last field is shorter."""
    lines = _lines(path, key)
    lines[-1] = lines[-1].rstrip("\r\n")[:-4]
    _write(path, key, lines)
    return len(lines)


def header_only(path: Path, key: str) -> None:
    _write(path, key, _lines(path, key)[:1])


def cut_at_row_boundary(path: Path, key: str) -> None:
    _write(path, key, _lines(path, key)[:-300])


def duplicate_row(pattern: str) -> Damage:
    def damage(path: Path, key: str) -> int:
        lines = _lines(path, key)
        i = next(i for i, ln in enumerate(lines) if re.search(pattern, ln))
        lines.insert(i + 1, lines[i])
        _write(path, key, lines)
        return i + 1

    return damage


def set_cell(pattern: str, column: str, value: str) -> Damage:
    """Set ``column`` of the first data line matching ``pattern`` to ``value``."""

    def damage(path: Path, key: str) -> int:
        lines = _lines(path, key)
        skip, sep = SKIP.get(key, 0), SEP.get(key, ",")
        header = next(csv.reader([lines[skip]], delimiter=sep))
        i = next(i for i, ln in enumerate(lines) if i > skip and re.search(pattern, ln))
        fields = next(csv.reader([lines[i]], delimiter=sep))
        fields[header.index(column)] = value
        out = io.StringIO()
        quoting = csv.QUOTE_ALL if lines[i].startswith('"') else csv.QUOTE_MINIMAL
        csv.writer(out, delimiter=sep, quoting=quoting, lineterminator="\n").writerow(fields)
        lines[i] = out.getvalue()
        _write(path, key, lines)
        return i + 1

    return damage


def rename_header(old: str, new: str) -> Damage:
    def damage(path: Path, key: str) -> None:
        lines = _lines(path, key)
        skip = SKIP.get(key, 0)
        lines[skip] = lines[skip].replace(old, new, 1)
        _write(path, key, lines)

    return damage


def drop_rows(pattern: str) -> Damage:
    def damage(path: Path, key: str) -> None:
        lines = _lines(path, key)
        _write(
            path, key, [ln for i, ln in enumerate(lines) if i == 0 or not re.search(pattern, ln)]
        )

    return damage


def append_field(path: Path, key: str) -> int:
    lines = _lines(path, key)
    lines[5] = lines[5].rstrip("\n") + ",extra\n"
    _write(path, key, lines)
    return 6


def reencode(encoding: str) -> Damage:
    def damage(path: Path, key: str) -> None:
        path.write_bytes("".join(_lines(path, key)).encode(encoding))

    return damage


def empty(path: Path, key: str) -> None:
    path.write_bytes(b"")


# ----------------------------------------------------------------------- workbook damage
def truncate_half(path: Path, key: str) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def zip_of_text(path: Path, key: str) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "not a workbook")


def workbook_without_sheets(path: Path, key: str) -> None:
    openpyxl.Workbook().save(path)


def set_xlsx_cell(
    sheet: str | None, row_label: str, value: object, *, header: object = None, index: int = 0
) -> Damage:
    """Set the cell in the row whose first cell is ``row_label``, in the column whose header
    cell (in the first 8 rows) is ``header``, or else in the 1-based column ``index``."""

    def damage(path: Path, key: str) -> int:
        book = openpyxl.load_workbook(path)
        ws = book[sheet] if sheet else book.worksheets[0]
        col = index
        if header is not None:
            col = next(c.column for r in ws.iter_rows(max_row=8) for c in r if c.value == header)
        row = next(c.row for c in ws["A"] if c.value == row_label)
        ws.cell(row=row, column=col).value = value
        book.save(path)
        return row

    return damage


def set_xlsx_header(sheet: str, old: object, new: object) -> Damage:
    def damage(path: Path, key: str) -> None:
        book = openpyxl.load_workbook(path)
        ws = book[sheet] if sheet else book.worksheets[0]
        cell = next(c for r in ws.iter_rows(max_row=8) for c in r if c.value == old)
        cell.value = new
        book.save(path)

    return damage
