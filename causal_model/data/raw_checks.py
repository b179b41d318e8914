"""Checks of raw input tables, with errors that name the file, the column and the rows.

Readers call these right after reading a raw file, before computing anything, so a changed or
broken file fails loudly instead of yielding a wrong series. Rows are reported by their
label in the table as read, which for a CSV or .rda file read whole is the position among the
data rows (0-based, header excluded; for a CSV file the file line is that number + 2), also
when the check runs on a subset of the rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "RawDataError",
    "refuse_duplicates",
    "require_columns",
    "require_counts",
    "require_integers",
    "require_values",
]

#: At most this many offending rows are listed in an error message.
MAX_LISTED = 5


class RawDataError(ValueError):
    """A raw input file does not have the expected columns, types or uniqueness."""


def _rows(mask: pd.Series) -> str:
    labels = mask.index[mask.to_numpy(dtype=bool)]
    shown = ", ".join(str(label) for label in labels[:MAX_LISTED])
    more = f" and {labels.size - MAX_LISTED} more" if labels.size > MAX_LISTED else ""
    return f"row(s) {shown}{more}"


def require_columns(frame: pd.DataFrame, columns: Iterable[str], path: Path | str) -> None:
    """Raise unless ``frame`` has every column of ``columns``.

    Parameters
    ----------
    frame
        The table as read.
    columns
        Names the reader needs.
    path
        The file the table was read from (named in the error).

    Raises
    ------
    RawDataError
        Naming the file, the missing columns and the columns found.
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise RawDataError(
            f"{path}: missing column(s) {', '.join(missing)}; "
            f"found: {', '.join(map(str, frame.columns))}"
        )


def require_integers(frame: pd.DataFrame, column: str, path: Path | str) -> pd.Series:
    """Return ``frame[column]`` as int64, or raise if any entry is missing or not a whole number.

    Parameters
    ----------
    frame
        The table as read.
    column
        The column that must hold whole numbers (stored as int or as float like ``2002.0``).
    path
        The file the table was read from (named in the error).

    Returns
    -------
    pandas.Series
        The column as ``int64``.

    Raises
    ------
    RawDataError
        Naming the file, the column and the offending rows.
    """
    numbers = pd.to_numeric(frame[column], errors="coerce").astype(float)
    bad = numbers.isna() | (np.mod(numbers.fillna(0.5), 1) != 0)
    if bad.any():
        first = frame[column][bad].iloc[0]
        raise RawDataError(
            f"{path}: column {column!r} must hold whole numbers; {_rows(bad)} do not "
            f"(first: {first!r})"
        )
    return numbers.astype(np.int64)


def require_counts(frame: pd.DataFrame, column: str, path: Path | str) -> pd.Series:
    """Return ``frame[column]`` as int64, or raise unless every entry is a count (whole, >= 0).

    Parameters
    ----------
    frame
        The table as read.
    column
        The column of event or vote counts.
    path
        The file the table was read from (named in the error).

    Returns
    -------
    pandas.Series
        The column as ``int64``.

    Raises
    ------
    RawDataError
        Naming the file, the column and the offending rows.
    """
    counts = require_integers(frame, column, path)
    negative = counts < 0
    if negative.any():
        raise RawDataError(f"{path}: column {column!r} holds negative counts in {_rows(negative)}")
    return counts


def require_values(
    frame: pd.DataFrame, column: str, allowed: Iterable[str], path: Path | str
) -> None:
    """Raise unless every entry of ``frame[column]`` is one of ``allowed`` (missing included).

    Parameters
    ----------
    frame
        The table as read.
    column
        The coded column.
    allowed
        The codes the reader knows.
    path
        The file the table was read from (named in the error).

    Raises
    ------
    RawDataError
        Naming the file, the column, the unknown codes and their rows.
    """
    allowed = tuple(allowed)
    values = frame[column].astype(object)
    bad = ~values.isin(allowed) | values.isna()
    if bad.any():
        unknown = sorted({repr(v) for v in values[bad]})
        raise RawDataError(
            f"{path}: column {column!r} holds unknown value(s) {', '.join(unknown[:MAX_LISTED])} "
            f"in {_rows(bad)}; expected one of {', '.join(allowed)}"
        )


def refuse_duplicates(frame: pd.DataFrame, keys: list[str], path: Path | str) -> None:
    """Raise if two rows share the same ``keys``.

    Parameters
    ----------
    frame
        The table as read (or the relevant subset of it, keeping the original row order).
    keys
        The columns that identify a row.
    path
        The file the table was read from (named in the error).

    Raises
    ------
    RawDataError
        Naming the file, the key columns, the first duplicated key and the rows.
    """
    dup = frame.duplicated(subset=keys, keep=False)
    if dup.any():
        first = frame.loc[dup, keys].iloc[0].to_dict()
        raise RawDataError(
            f"{path}: duplicate rows for ({', '.join(keys)}) = {first} in {_rows(dup)}; "
            "each key must occur once"
        )
