"""Structural checks of raw tables: a damaged file fails loudly, naming the cell.

A reader describes what it expects of a table with a :class:`Table`: the columns and their
kind (text in a numeric cell, ``True``/``False`` or ``inf`` is an error, never NaN), the
columns that identify one row (duplicated rows refused), year columns (between
:data:`MIN_YEAR` and :data:`MAX_YEAR`), allowed codes, value ranges and the units the reader
needs. :func:`check_frame` checks a table as read against it; :func:`check_year_labels` and
:func:`numeric_cells` check wide tables (one column per year). The raw files themselves are
read by :mod:`causal_model.data.raw_read`, which calls these checks.

Every error is a :class:`~causal_model.data.raw_checks.RawDataError` with a one-line message
naming the file, the column and the row (the file's line for a CSV, the sheet's row or cell
for a workbook) and how to fix it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from causal_model.data.raw_checks import RawDataError

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "REFETCH",
    "Table",
    "check_frame",
    "check_year_labels",
    "excel_cell",
    "numeric_cells",
    "raw_error",
]

MIN_YEAR = 1700
#: Latest year a raw file may hold: next year (sources date releases a little ahead).
MAX_YEAR = date.today().year + 1
#: How to fix a damaged raw file (the end of most messages).
REFETCH = (
    "the file is damaged or not the expected version: fetch it again "
    "(causal_model.data.fetch_raw_data(), or `causal-model data fetch`) or restore it from the "
    "source named in PROVENANCE_*.md"
)
_KINDS = ("int", "float", "text", "date")

Locate = Callable[[int], str]


@dataclass(frozen=True)
class Table:
    """What a reader expects of a raw table.

    Attributes
    ----------
    columns
        Column name -> kind: ``"int"`` (whole numbers, also stored as ``2002.0``),
        ``"float"``, ``"text"`` or ``"date"`` (``YYYY-MM-DD`` text or workbook dates).
    unit
        Columns that identify one row (a country-year, a roll-call vote, a case...); two rows
        with the same values are refused. Their cells may not be empty.
    unit_name
        What one row is, for messages ("country-year", "case", ...).
    years
        Year columns: whole numbers within ``[MIN_YEAR, max_year]``, never empty.
    filled
        Further columns whose cells may not be empty.
    need
        Column -> values that must occur in it (the countries or units the reader uses).
    allowed
        Column -> the only values it may hold (empty cells allowed).
    ranges
        Column -> (low, high) bounds of its values (empty cells allowed).
    max_year
        Latest year allowed in ``years`` (default :data:`MAX_YEAR`).
    missing
        The cell texts that mean "missing" in a CSV (default: empty and R's ``NA``); any
        other text in a numeric column is an error, not NaN (pandas' default list, with
        ``n/a``, ``NULL``, ``nan``..., is not used).
    """

    columns: Mapping[str, str]
    unit: tuple[str, ...] = ()
    unit_name: str = "row"
    years: tuple[str, ...] = ()
    filled: tuple[str, ...] = ()
    need: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    allowed: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    max_year: int = MAX_YEAR
    missing: tuple[str, ...] = ("", "NA")

    def __post_init__(self) -> None:
        bad = {c: k for c, k in self.columns.items() if k not in _KINDS}
        if bad:
            raise ValueError(f"unknown column kind(s) {bad}; use one of {_KINDS}")


def raw_error(
    path: Path | str,
    problem: str,
    *,
    column: object = None,
    row: str | None = None,
    fix: str = REFETCH,
) -> RawDataError:
    """Return a one-line :class:`RawDataError` naming the file, column and row, and the fix."""
    where = [f"raw file {path}"]
    if column is not None:
        where.append(f"column {str(column)!r}")
    if row is not None:
        where.append(row)
    return RawDataError(" ".join(f"{', '.join(where)}: {problem}; {fix}".split()))


def excel_cell(row: int, col: int) -> str:
    """Return the spreadsheet name of a 0-based cell: ``excel_cell(11, 1) == "B12"``."""
    letters, n = "", col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return f"{letters}{row + 1}"


# ----------------------------------------------------------------------------- table level
def _show(value: object) -> str:
    """repr of a cell value, without numpy's type names."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _first(mask: pd.Series | np.ndarray) -> int:
    return int(np.flatnonzero(np.asarray(mask, dtype=bool))[0])


def _check_numeric(s: pd.Series, kind: str, path: Path, col: str, locate: Locate) -> None:
    if pd.api.types.is_bool_dtype(s):
        raise raw_error(path, f"{s.iloc[0]!r} is not a number", column=col, row=locate(0))
    if pd.api.types.is_numeric_dtype(s):
        values = s.astype(float)
    else:
        flags = s.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
        values = pd.to_numeric(s.where(~flags), errors="coerce").astype(float)
        bad = (values.isna() & s.notna()).to_numpy() | flags
        if bad.any():
            i = _first(bad)
            raise raw_error(path, f"{_show(s.iloc[i])} is not a number", column=col, row=locate(i))
    inf = np.isinf(values.to_numpy())
    if inf.any():
        i = _first(inf)
        raise raw_error(path, f"{_show(s.iloc[i])} is infinite", column=col, row=locate(i))
    if kind == "int":
        frac = values.notna() & (np.mod(values.fillna(0), 1) != 0)
        if frac.any():
            i = _first(frac)
            raise raw_error(
                path, f"{_show(s.iloc[i])} is not a whole number", column=col, row=locate(i)
            )


def _check_text(s: pd.Series, path: Path, col: str, locate: Locate) -> None:
    if pd.api.types.is_numeric_dtype(s) and s.notna().any():
        i = _first(s.notna())
        raise raw_error(
            path,
            f"holds numbers where text is expected ({_show(s.iloc[i])})",
            column=col,
            row=locate(i),
        )


def _dates(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    return pd.Series(
        [
            v
            if isinstance(v, pd.Timestamp | date)
            else pd.to_datetime(v, format="%Y-%m-%d", errors="coerce")
            if isinstance(v, str)
            else pd.NaT
            for v in s
        ],
        index=s.index,
        dtype="datetime64[ns]",
    )


def _check_dates(s: pd.Series, table: Table, path: Path, col: str, locate: Locate) -> None:
    parsed = _dates(s)
    bad = parsed.isna() & s.notna()
    if bad.any():
        i = _first(bad)
        raise raw_error(
            path, f"{_show(s.iloc[i])} is not a date (YYYY-MM-DD)", column=col, row=locate(i)
        )
    _check_range(parsed.dt.year, (MIN_YEAR, table.max_year), path, col, locate, "year")


def _check_range(
    s: pd.Series, bounds: tuple[float, float], path: Path, col: str, locate: Locate, what: str
) -> None:
    low, high = bounds
    values = pd.to_numeric(s, errors="coerce")
    out = values.notna() & ((values < low) | (values > high))
    if out.any():
        i = _first(out)
        raise raw_error(
            path,
            f"{what} {_show(s.iloc[i])} is outside {low:g}..{high:g} (a typo?)",
            column=col,
            row=locate(i),
        )


def check_frame(frame: pd.DataFrame, path: Path, table: Table, locate: Locate) -> None:
    """Check a table as read against ``table``; raise :class:`RawDataError` at the first problem.

    Parameters
    ----------
    frame
        The table as read (rows in file order, index 0..n-1 positions).
    path
        The file (named in messages).
    table
        The expectations.
    locate
        Row position -> where it is in the file (``"line 12"``, ``"row 7 of sheet 'x'"``).
    """
    if frame.empty:
        raise raw_error(path, "holds no data rows")
    for col, kind in table.columns.items():
        s = frame[col]
        if kind in ("int", "float"):
            _check_numeric(s, kind, path, col, locate)
        elif kind == "text":
            _check_text(s, path, col, locate)
        else:
            _check_dates(s, table, path, col, locate)
    for col in dict.fromkeys((*table.unit, *table.years, *table.filled, *table.need)):
        empty = frame[col].isna()
        if empty.any():
            raise raw_error(
                path,
                "empty cell in a column that may not be empty",
                column=col,
                row=locate(_first(empty)),
            )
    for col in table.years:
        _check_range(frame[col], (MIN_YEAR, table.max_year), path, col, locate, "year")
    for col, bounds in table.ranges.items():
        _check_range(frame[col], bounds, path, col, locate, "value")
    for col, allowed in table.allowed.items():
        s = frame[col]
        bad = s.notna() & ~s.isin(list(allowed))
        if bad.any():
            i = _first(bad)
            shown = ", ".join(map(repr, allowed))
            raise raw_error(
                path,
                f"unknown value {_show(s.iloc[i])}; expected one of {shown}",
                column=col,
                row=locate(i),
            )
    if table.unit:
        dup = frame.duplicated(list(table.unit), keep=False).to_numpy()
        if dup.any():
            first = _first(dup)
            key = frame.iloc[first][list(table.unit)]
            same = (frame[list(table.unit)] == key).all(axis=1).to_numpy() & dup
            second = int(np.flatnonzero(same)[1])
            shown = ", ".join(f"{k}={_show(v)}" for k, v in key.items())
            raise raw_error(
                path,
                f"two rows for the same {table.unit_name} ({shown}), also at {locate(second)}; "
                f"each {table.unit_name} must appear once",
                column=table.unit[0],
                row=locate(first),
            )
    for col, values in table.need.items():
        present = set(frame[col].dropna().tolist())
        for value in values:
            if value not in present:
                raise raw_error(
                    path,
                    f"no row with {col} = {value!r}, which the reader needs",
                    column=col,
                )


def check_year_labels(
    labels: list[Any], path: Path, where: str, *, consecutive: bool = True, max_year: int = MAX_YEAR
) -> list[int]:
    """Check the year labels of a wide table's columns; return them as ints.

    Parameters
    ----------
    labels
        The header cells that name years (e.g. ``1949 ... 2024``).
    path
        The file.
    where
        Where the labels are (``"header of sheet 'x'"``), for messages.
    consecutive
        Require each year to follow the previous one (a misnamed or missing year column is
        then an error, not a silently dropped year).
    max_year
        Latest year allowed.
    """
    years: list[int] = []
    for label in labels:
        try:
            value = float(label)
        except (TypeError, ValueError):
            value = float("nan")
        if not np.isfinite(value) or value % 1 or not MIN_YEAR <= value <= max_year:
            raise raw_error(
                path,
                f"year label {label!r} is not a year in {MIN_YEAR}..{max_year}",
                column=label,
                row=where,
            )
        years.append(int(value))
    if not years:
        raise raw_error(path, "no year columns", row=where)
    if consecutive:
        for a, b in zip(years[:-1], years[1:], strict=True):
            if b != a + 1:
                raise raw_error(
                    path,
                    f"year columns jump from {a} to {b}: a year column is missing, misnamed "
                    "or repeated",
                    column=b,
                    row=where,
                )
    elif len(set(years)) != len(years):
        dup = next(y for y in years if years.count(y) > 1)
        raise raw_error(path, f"year {dup} appears twice", column=dup, row=where)
    return years


def numeric_cells(
    values: pd.DataFrame,
    path: Path,
    *,
    markers: tuple[str, ...],
    locate: Callable[[Any, Any], str],
) -> None:
    """Check the cells of a wide table: numbers, empty, or a known missing-value marker.

    Parameters
    ----------
    values
        The cells (rows and columns labelled as in the file).
    path
        The file.
    markers
        Texts the source uses for "missing" (e.g. SIPRI's ``"..."``); any other text, or
        ``True``/``False``, is an error naming the cell.
    locate
        (row label, column label) -> where the cell is, for messages.
    """
    shown = ", ".join(repr(m) for m in markers)
    for row_label, row in values.iterrows():
        for col_label, v in row.items():
            if isinstance(v, str) and v.strip() not in markers:
                try:
                    ok = np.isfinite(float(v))  # a number stored as text is a number
                except ValueError:
                    ok = False
            else:
                ok = not isinstance(v, bool | np.bool_)
            if not ok:
                raise raw_error(
                    path,
                    f"{_show(v)} is not a number"
                    + (f" nor a missing-value marker ({shown})" if markers else ""),
                    column=col_label,
                    row=locate(row_label, col_label),
                )
