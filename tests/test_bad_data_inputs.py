"""Bad inputs to the data layer, one table row each: the damage, the exception, the message.

Each raw-file case damages a copy of a real raw file in ``tmp_path`` (cut mid-row, a row
duplicated, text in a numeric cell, a year typo, empty, another encoding, a damaged
workbook, a missing column or unit) and runs the reader that reads it. The structural cases
run with ``CAUSAL_MODEL_VERIFY_DATA=0``, so they show that the structural checks alone catch
the damage; the hash cases run with verification on and show what only the SHA-256 sees
(a file cut at a row boundary or inside its last field, a duplicated respondent row, a
changed number or name). Bad user
frames and CSVs go to ``from_frame`` / ``from_csv``. Every expected message names the file
(or the user's source) and the column and/or the row; ``{line}`` in a pattern is the line or
row the damage function touched.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from raw_damage import (  # tests/raw_damage.py: the damaged copies
    FILES,
    Damage,
    append_field,
    cut_at_row_boundary,
    cut_inside_last_field,
    cut_mid_row,
    drop_rows,
    duplicate_row,
    empty,
    header_only,
    reencode,
    rename_header,
    set_cell,
    set_xlsx_cell,
    set_xlsx_header,
    truncate_half,
    workbook_without_sheets,
    zip_of_text,
)

from causal_model.data import (
    DataNotFoundError,
    PanelValidationError,
    RawDataError,
    from_csv,
    from_frame,
    resolve_raw_dir,
)
from causal_model.data.events import source_leader_spells
from causal_model.data.readers import get_reader

# ----------------------------------------------------------------------------- the table
SIPRI = "Constant (2023) US$"
FH_SHEET = "Country Ratings, Statuses "
F = r"raw file \S*{file}"  # the message starts with the damaged file
CUT = r", line {line}: the row (is cut short|cannot be split)"
DUP = r"two rows for the same {unit} .*also at line \d+"

STRUCTURAL: list[tuple[str, str, Damage, str]] = [
    # (case id, file key, damage, message pattern)
    ("troops-cut-mid-row", "troops", cut_mid_row, F + CUT),
    ("gsdb-cut-mid-row", "gsdb", cut_mid_row, F + CUT),
    ("pew-cut-mid-row", "pew", cut_mid_row, F + CUT),
    ("ideal-cut-mid-row", "ideal", cut_mid_row, F + CUT),
    ("nmc-cut-mid-row", "nmc", cut_mid_row, F + CUT),
    ("ert-cut-mid-row", "ert", cut_mid_row, F + CUT),
    ("fas-utf16-cut-mid-row", "fas", cut_mid_row, F + CUT),
    ("reign-cut-mid-row", "reign", cut_mid_row, F + CUT),
    ("troops-extra-field", "troops", append_field, F + r", line {line}: the row has too many"),
    (
        "troops-duplicated-row",
        "troops",
        duplicate_row(r"^Germany,2014,"),
        F + r", column 'countryname', line {line}: " + DUP.format(unit="host-country-year"),
    ),
    (
        "ideal-duplicated-row",
        "ideal",
        duplicate_row(r"^365,"),
        F + r", column 'ccode', line {line}: " + DUP.format(unit="country-year"),
    ),
    (
        "gsdb-duplicated-row",
        "gsdb",
        duplicate_row(r"Russia,United States,2014"),
        F + r", column 'case_id', line {line}: " + DUP.format(unit="sanction case"),
    ),
    (
        "mid-duplicated-row",
        "mid",
        duplicate_row(r"^4174"),
        F + r", column 'dispnum', line {line}: two rows",
    ),
    (
        "votes-duplicated-row",
        "votes",
        duplicate_row(r",RU,"),
        F + r", column 'rcid', line {line}: two rows for the same country's vote",
    ),
    (
        "icews-duplicated-row",
        "icews",
        duplicate_row(r"RUS,USA"),
        F + r", column '\w+', line {line}: two rows",
    ),
    (
        "nmc-duplicated-row",
        "nmc",
        duplicate_row(r"^RUS,365,1992"),
        F + r", column '\w+', line {line}: two rows",
    ),
    (
        "fas-duplicated-row",
        "fas",
        duplicate_row(r"^1992\tRussia"),
        F + r", column '\w+', line {line}: two rows",
    ),
    (
        "nato-duplicated-row",
        "nato",
        duplicate_row(r"^Poland"),
        F + r", column '\w+', line {line}: two rows",
    ),
    (
        "archigos-duplicated-row",
        "archigos",
        duplicate_row(r"Putin"),
        F + r", column 'obsid', line {line}: two rows for the same leader spell",
    ),
    (
        "troops-text-in-number",
        "troops",
        set_cell(r"^Germany,2014,", "troops_ad", "many"),
        F + r", column 'troops_ad', line {line}: 'many' is not a number",
    ),
    (
        "ideal-text-in-number",
        "ideal",
        set_cell(r"^365,.*,2010\.0,", "idealpointall", "n/a?"),
        F + r", column 'idealpointall', line {line}: 'n/a\?' is not a number",
    ),
    (
        "pew-text-in-weight",
        "pew",
        set_cell(r"^2014\.0,RUS", "wgt", "heavy"),
        F + r", column 'wgt', line {line}: 'heavy' is not a number",
    ),
    (
        "ert-text-in-number",
        "ert",
        set_cell(r',"Russia",2000,', "v2x_polyarchy", "high"),
        F + r", column 'v2x_polyarchy', line {line}: 'high'",
    ),
    (
        "wdi-text-in-number",
        "wdi",
        set_cell(r'"RUS"', "2020", "abc"),
        F + r", column '2020', line {line}: 'abc' is not a number",
    ),
    (
        "gsdb-true-in-number",
        "gsdb",
        set_cell(r"Russia,United States,2014", "begin", "True"),
        F + r", column 'begin', line {line}: 'True' is not a number",
    ),
    (
        "nmc-inf-in-number",
        "nmc",
        set_cell(r"^RUS,365,1992", "cinc", "inf"),
        F + r", column 'cinc', line {line}: .*infinite",
    ),
    (
        "troops-year-2999",
        "troops",
        set_cell(r"^Germany,2014,", "year", "2999"),
        F + r", column 'year', line {line}: year 2999 is outside 1700\.\.\d{{4}}",
    ),
    (
        "ideal-year-20100",
        "ideal",
        set_cell(r"^365,.*,2010\.0,", "year", "20100.0"),
        F + r", column 'year', line {line}: year 20100\.0 is outside",
    ),
    (
        "gsdb-end-2999",
        "gsdb",
        set_cell(r"Russia,United States,2014", "end", "2999"),
        F + r", column 'end', line {line}: year 2999 is outside",
    ),
    (
        "fas-year-2999",
        "fas",
        set_cell(r"^1992\tRussia", "Year", "2999"),
        F + r", column 'Year', line {line}: year 2999",
    ),
    (
        "reign-year-2999",
        "reign",
        set_cell(r"Putin", "syear", "2999"),
        F + r", column 'syear', line {line}: year 2999",
    ),
    (
        "wdi-year-header-20200",
        "wdi",
        rename_header('"2020"', '"20200"'),
        F + r", column '20200', line 5 \(the header\): year label '20200' is not a year",
    ),
    (
        "gsdb-ends-before-begins",
        "gsdb",
        set_cell(r"Russia,United States,2014", "end", "2000"),
        F + r", column 'end', line {line}: the case ends \(2000\) before it begins \(2014\)",
    ),
    (
        "votes-unknown-code",
        "votes",
        set_cell(r",RU,", "vote", "maybe"),
        F + r", column 'vote', line {line}: unknown value 'maybe'",
    ),
    (
        "pew-unknown-answer",
        "pew",
        set_cell(r"^2014\.0,RUS", "opi_USA", "Meh"),
        F + r", column 'opi_USA', line {line}: unknown value 'Meh'",
    ),
    (
        "reign-31-april",
        "reign",
        set_cell(r",Truman,12,4,1945,", "sdate", "31"),
        F + r", column 'sdate', line {line}: spell start 1945-4-31 is not a date",
    ),
    (
        "archigos-bad-date",
        "archigos",
        set_cell(r"Putin", "startdate", "2000-13-01"),
        F + r", column 'startdate', line {line}: '2000-13-01' is not a date",
    ),
    (
        "troops-missing-column",
        "troops",
        rename_header("troops_ad", "troops_active"),
        F + r", column 'troops_ad': no such column \(the header has: countryname",
    ),
    (
        "archigos-missing-column",
        "archigos",
        rename_header("startdate", "start"),
        F + r", column 'startdate': no such column",
    ),
    (
        "ideal-without-russia",
        "ideal",
        drop_rows(r"^365,"),
        F + r", column 'ccode': no row with ccode = 365",
    ),
    (
        "fas-without-russia",
        "fas",
        drop_rows(r"\tRussia\t"),
        F + r", column 'Measure Names': no row with Measure Names = 'Russia'",
    ),
    (
        "troops-without-europe",
        "troops",
        drop_rows(r"Europe & Central Asia"),
        F + r", column 'region': no row with region = 'Europe & Central Asia'",
    ),
    ("gsdb-empty", "gsdb", empty, F + r": the file is empty"),
    ("troops-header-only", "troops", header_only, F + r": holds no data rows"),
    ("reign-empty", "reign", empty, F + r": the file is empty"),
    ("sipri-empty", "sipri", empty, F + r": the file is empty"),
    ("fas-as-utf8", "fas", reencode("utf-8"), F + r"(: is not utf-16 text|.*is the file utf-16)"),
    ("ideal-as-utf16", "ideal", reencode("utf-16"), F + r": is not utf-8 text at byte 0"),
    (
        "reign-as-utf16",
        "reign",
        reencode("utf-16"),
        F + r", column 'ccode': no such column .*is the file latin-1 text",
    ),
    (
        "sipri-truncated-xlsx",
        "sipri",
        truncate_half,
        F + r": cannot be read as a workbook \(sheet 'Constant \(2023\) US\$'\): BadZipFile",
    ),
    ("census-zip-not-workbook", "census", zip_of_text, F + r": cannot be read as a workbook"),
    (
        "sipri-sheet-missing",
        "sipri",
        workbook_without_sheets,
        F + r": cannot be read as a workbook \(sheet 'Constant \(2023\) US\$'\).*not found",
    ),
    ("gpr-truncated-xls", "gpr", truncate_half, F + r": cannot be read as a workbook"),
    ("polity-truncated-xls", "polity", truncate_half, F + r": cannot be read as a workbook"),
    ("imf-truncated-xls", "imf", truncate_half, F + r": cannot be read as an \.xls workbook"),
    (
        "sipri-text-in-number",
        "sipri",
        set_xlsx_cell(SIPRI, "Russia", "n/a", header=2021),
        F + r", column '2021', row {line} of sheet 'Constant \(2023\) US\$': 'n/a' is not a num",
    ),
    (
        "sipri-year-20100",
        "sipri",
        set_xlsx_header(SIPRI, 2021, 20100),
        F + r", column '20100', row 6 of sheet .*: year label 20100 is not a year",
    ),
    (
        "fh-text-in-rating",
        "fh",
        set_xlsx_cell(FH_SHEET, "Russia", "seven", index=150),
        F + r", column 'CL \d{{4}}', cell ET{line} of sheet 'Country Ratings, Statuses ': 'seven'",
    ),
    (
        "census-text-in-number",
        "census",
        set_xlsx_cell(None, "2021", "abc", header="IYR"),
        F + r", column 'IYR', row {line} of sheet 1: 'abc' is not a number",
    ),
    (
        "census-missing-column",
        "census",
        set_xlsx_header(None, "CTY_CODE", "CODE"),
        F + r", column 'CTY_CODE': no such column in sheet 1",
    ),
]


@pytest.fixture(scope="module")
def raw_dir() -> Path:
    try:
        return resolve_raw_dir()
    except DataNotFoundError as err:
        pytest.skip(f"raw data folder absent: {err}")


def _damaged(raw_dir: Path, tmp_path: Path, key: str, damage: Damage) -> tuple[Path, object]:
    dataset, filename, _ = FILES[key]
    root = tmp_path / "raw"
    copies = [FILES[k] for k in ("reign", "archigos")] if key in ("reign", "archigos") else []
    for ds, fn, _ in [*copies, FILES[key]]:
        (root / ds).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(raw_dir / ds / fn, root / ds / fn)
    touched = damage(root / dataset / filename, key)
    return root, touched


def _read(key: str, root: Path) -> object:
    reader = FILES[key][2]
    return source_leader_spells(root) if reader == "events" else get_reader(reader)(root)


@pytest.mark.parametrize(
    ("key", "damage", "pattern"), [c[1:] for c in STRUCTURAL], ids=[c[0] for c in STRUCTURAL]
)
def test_structural_checks_refuse(raw_dir, tmp_path, monkeypatch, key, damage, pattern):
    monkeypatch.setenv("CAUSAL_MODEL_VERIFY_DATA", "0")  # the structural checks alone
    root, touched = _damaged(raw_dir, tmp_path, key, damage)
    expected = pattern.format(file=re.escape(FILES[key][1]), line=touched)
    with pytest.raises(RawDataError, match=expected) as err:
        _read(key, root)
    message = str(err.value)
    assert "\n" not in message  # one line
    assert "fetch it again" in message or "copy" in message  # says how to fix


HASHED: list[tuple[str, str, Damage]] = [
    ("troops-cut-at-row-boundary", "troops", cut_at_row_boundary),
    ("pew-duplicated-respondent", "pew", duplicate_row(r"^2014\.0,RUS")),
    ("gsdb-case-removed", "gsdb", drop_rows(r"Russia,United States,2014")),
    ("gsdb-cut-inside-last-field", "gsdb", cut_inside_last_field),
    ("sipri-number-changed", "sipri", set_xlsx_cell(SIPRI, "Russia", 1.0, header=2021)),
    ("reign-leader-renamed", "reign", set_cell(r"Putin", "leader", "Putin V.")),
]


@pytest.mark.parametrize(("key", "damage"), [c[1:] for c in HASHED], ids=[c[0] for c in HASHED])
def test_hash_refuses_what_parsing_cannot_see(raw_dir, tmp_path, monkeypatch, key, damage):
    root, _ = _damaged(raw_dir, tmp_path, key, damage)
    monkeypatch.setenv("CAUSAL_MODEL_VERIFY_DATA", "0")
    _read(key, root)  # the structural checks pass: only the hash tells
    monkeypatch.delenv("CAUSAL_MODEL_VERIFY_DATA")
    file = re.escape(FILES[key][1])
    with pytest.raises(RawDataError, match=rf"{file}: its SHA-256 \w+\.\.\. differs") as err:
        _read(key, root)
    assert "fetch_raw_data" in str(err.value) and "CAUSAL_MODEL_VERIFY_DATA=0" in str(err.value)


def test_row_boundary_cut_would_change_values_silently(raw_dir, tmp_path, monkeypatch):
    # why the hash exists: a troopdata file cut at a row boundary parses cleanly, and every
    # year of us_troops_europe comes out different
    root, _ = _damaged(raw_dir, tmp_path, "troops", cut_at_row_boundary)
    monkeypatch.setenv("CAUSAL_MODEL_VERIFY_DATA", "0")
    cut = get_reader("us_troops_europe")(root)["value"]
    whole = get_reader("us_troops_europe")(raw_dir)["value"]
    common = cut.index.intersection(whole.index)
    assert len(common) > 30 and (cut[common] < whole[common]).mean() > 0.5


# ------------------------------------------------------------------- user frames and CSVs
REGISTRY = [
    {
        "key": "a",
        "description": "x",
        "latent": "tension",
        "direction": 1,
        "family": "normal",
        "anchor": True,
    },
    {"key": "b", "description": "counts", "latent": "tension", "direction": 1, "family": "poisson"},
]


def frame(years=(2000, 2001, 2002, 2003)) -> pd.DataFrame:
    n = len(years)
    return pd.DataFrame({"year": list(years), "a": np.linspace(0.1, 0.4, n), "b": range(n)})


GOOD_CSV = "year,a,b\n2000,0.1,0\n2001,0.2,1\n2002,0.3,2\n2003,0.4,3\n"

FRAMES: list[tuple[str, Callable[[], pd.DataFrame], str]] = [
    (
        "no-year-column",
        lambda: frame().drop(columns="year"),
        r"<frame>.*no 'year' column .*add a 'year' column",
    ),
    ("single-year", lambda: frame(years=(2000,)), r"1 year\(s\) of data; .*at least 3"),
    ("two-years", lambda: frame(years=(2000, 2001)), r"2 year\(s\).*at least 3"),
    (
        "bool-column",
        lambda: frame().assign(a=[True, False, True, True]),
        r"column 'a': True/False value\(s\) in year\(s\) 2000, 2001, 2002, 2003",
    ),
    (
        "bool-cell",
        lambda: frame().astype({"a": object}).assign(a=[0.1, True, 0.3, 0.2]),
        r"column 'a': True/False value\(s\) in year\(s\) 2001;",
    ),
]


@pytest.mark.parametrize(("make", "pattern"), [c[1:] for c in FRAMES], ids=[c[0] for c in FRAMES])
def test_bad_frames(make, pattern):
    with pytest.raises(PanelValidationError, match=re.compile(pattern, re.S)):
        from_frame(make(), REGISTRY)


CSVS: list[tuple[str, bytes, str]] = [
    ("empty", b"", r"bad\.csv.*the file is empty"),
    ("only-whitespace", b"\n\n", r"bad\.csv.*the file is empty"),
    ("cut-mid-row", GOOD_CSV[:-4].encode(), r"bad\.csv.*line 5: the row is cut short \(2 fields"),
    (
        "too-many-fields",
        GOOD_CSV.replace("2001,0.2,1", "2001,0.2,1,9").encode(),
        r"bad\.csv.*line 3: the row has too many fields",
    ),
    (
        "true-in-number",
        GOOD_CSV.replace("2001,0.2", "2001,True").encode(),
        r"bad\.csv.*column 'a': True/False value\(s\) in year\(s\) 2001",
    ),
    ("no-year-column", GOOD_CSV.replace("year,", "yr,").encode(), r"bad\.csv.*no 'year' column"),
    ("header-only", b"year,a,b\n", r"bad\.csv.*0 year\(s\) of data; .*at least 3"),
    ("single-year", b"year,a,b\n2000,0.1,0\n", r"bad\.csv.*1 year\(s\).*at least 3"),
    ("utf16", GOOD_CSV.encode("utf-16"), r"bad\.csv.*not UTF-8 text at byte 0"),
    (
        "year-typo-gap",
        GOOD_CSV.replace("2003,", "20003,").encode(),
        r"bad\.csv.*column 'year': gap\(s\) in the year index after \[2002\]",
    ),
]


@pytest.mark.parametrize(("content", "pattern"), [c[1:] for c in CSVS], ids=[c[0] for c in CSVS])
def test_bad_csvs(tmp_path, content, pattern):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(PanelValidationError, match=re.compile(pattern, re.S)):
        from_csv(path, REGISTRY)


def test_good_inputs_still_pass(tmp_path):
    # the cases above fail because of their damage: the undamaged inputs build panels
    assert from_frame(frame(), REGISTRY).sizes["year"] == 4
    path = tmp_path / "good.csv"
    path.write_text(GOOD_CSV)
    assert float(from_csv(path, REGISTRY)["raw"].sel(indicator="a", year=2001)) == 0.2
