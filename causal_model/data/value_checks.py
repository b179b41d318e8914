"""Value checks of raw input tables that :mod:`causal_model.data.raw_checks` does not have.

Numeric columns that may hold missing cells, and value ranges. Errors are
:class:`~causal_model.data.raw_checks.RawDataError` naming the file, the column and the rows
(row labels of the table as read; for a CSV file, file line = label + 2).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from causal_model.data.raw_checks import RawDataError

__all__ = ["require_numeric", "require_range"]

#: At most this many offending rows are listed in an error message.
MAX_LISTED = 5


def _rows(mask: pd.Series) -> str:
    labels = [str(label) for label in mask.index[mask.to_numpy(dtype=bool)]]
    more = f" and {len(labels) - MAX_LISTED} more" if len(labels) > MAX_LISTED else ""
    return f"row(s) {', '.join(labels[:MAX_LISTED])}{more}"


def require_numeric(frame: pd.DataFrame, column: str, path: Path | str) -> pd.Series:
    """Return ``frame[column]`` as floats; raise on text that is not a number.

    Parameters
    ----------
    frame
        The table as read.
    column
        A numeric column; empty cells are missing values (NaN), not errors.
    path
        The file the table was read from (named in the error).

    Returns
    -------
    pandas.Series
        The column as float.

    Raises
    ------
    RawDataError
        Naming the file, the column, the offending values and their rows.
    """
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").astype(float)
    text = raw.astype(str).str.strip().str.lower()
    bad = values.isna() & raw.notna() & ~text.isin(["", "nan"])
    if bad.any():
        shown = ", ".join(repr(v) for v in raw[bad].head(MAX_LISTED))
        raise RawDataError(
            f"{path}: column {column!r}: non-numeric value(s) {shown} in {_rows(bad)}"
        )
    return values


def require_range(
    values: pd.Series, low: float, high: float, column: str, path: Path | str
) -> None:
    """Raise if a non-missing entry of ``values`` lies outside ``[low, high]``.

    Parameters
    ----------
    values
        A numeric column (as returned by :func:`require_numeric`).
    low, high
        The bounds the source defines (e.g. 0 and 100 for a score).
    column
        The column's name in the file (named in the error).
    path
        The file the table was read from (named in the error).

    Raises
    ------
    RawDataError
        Naming the file, the column, the offending values and their rows.
    """
    bad = values.notna() & ((values < low) | (values > high))
    if bad.any():
        shown = ", ".join(repr(v) for v in values[bad].head(MAX_LISTED))
        raise RawDataError(
            f"{path}: column {column!r}: value(s) {shown} outside [{low}, {high}] in {_rows(bad)}"
        )
