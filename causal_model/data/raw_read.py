"""Reading raw files: checked bytes, checked CSV records, workbooks that open or fail clearly.

The readers of :mod:`causal_model.data` read their files through :func:`read_csv`,
:func:`read_excel` and :func:`open_xls`. These

- check the bytes against the SHA-256 table of :mod:`causal_model.data.raw_files`
  (unless ``CAUSAL_MODEL_VERIFY_DATA=0``);
- refuse an empty file, text that is not in the file's encoding, a CSV row with fewer or more
  fields than the header (a file cut mid-row) and a workbook that cannot be opened;
- check the table against the reader's :class:`~causal_model.data.validate.Table`
  (:func:`~causal_model.data.validate.check_frame`).

Values are parsed by pandas (or xlrd) exactly as before the checks: the checks only refuse.
"""

from __future__ import annotations

import csv
import hashlib
import io
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import xlrd

from causal_model.data.raw_files import verify_raw_file
from causal_model.data.validate import Table, check_frame, raw_error

__all__ = ["open_xls", "read_csv", "read_excel", "record_lines"]


def _read_bytes(path: Path) -> bytes:
    data = Path(path).read_bytes()
    verify_raw_file(path, hashlib.sha256(data).hexdigest())
    if not data.strip():
        raise raw_error(path, "the file is empty")
    return data


def record_lines(text: str, sep: str = ",", skiprows: int = 0) -> tuple[list[str], list[int], Any]:
    """Split CSV text into records; return the header, each record's line and the first bad one.

    Parameters
    ----------
    text
        The decoded file.
    sep
        Field separator.
    skiprows
        Lines before the header.

    Returns
    -------
    header : list of str
        The header's fields.
    lines : list of int
        The 1-based file line of each data record (blank lines are skipped, as pandas does).
    bad : tuple or None
        ``(line, n_fields, problem)`` of the first record whose field count differs from the
        header's, or that cannot be split (an unclosed quote); None when every record is whole.
    """
    stream = io.StringIO(text.lstrip("\ufeff"), newline="")
    for _ in range(skiprows):
        stream.readline()
    reader = csv.reader(stream, delimiter=sep, strict=True)
    header: list[str] = []
    lines: list[int] = []
    while True:
        start = reader.line_num + 1 + skiprows
        try:
            record = next(reader)
        except StopIteration:
            return header, lines, None
        except csv.Error as err:
            return header, lines, (start, 0, f"cannot be split into fields ({err})")
        if not record:
            continue
        if not header:
            header = record
            continue
        lines.append(start)
        if len(record) != len(header):
            kind = "is cut short" if len(record) < len(header) else "has too many fields"
            return header, lines, (start, len(record), kind)


def _shown(header: list[object], fields: int = 10, width: int = 40) -> str:
    """The first header fields, each cut to ``width`` characters (for messages)."""
    cut = [str(h) if len(str(h)) <= width else f"{str(h)[:width]}..." for h in header[:fields]]
    return ", ".join(cut) + (", ..." if len(header) > fields else "")


def _decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeError as err:
        position = getattr(err, "start", None)
        at = f" at byte {position}" if position is not None else ""
        raise raw_error(
            path, f"is not {encoding} text{at} ({err.reason if hasattr(err, 'reason') else err})"
        ) from err


def read_csv(
    path: Path,
    table: Table,
    *,
    encoding: str = "utf-8",
    sep: str = ",",
    skiprows: int = 0,
    extra: Callable[[str], bool] | None = None,
) -> pd.DataFrame:
    """Read a raw CSV file with every check; return the columns of ``table`` (and ``extra``).

    Parameters
    ----------
    path
        The file.
    table
        What the reader expects (see :class:`Table`).
    encoding, sep, skiprows
        As for :func:`pandas.read_csv`.
    extra
        Header name -> whether to return that column too, unchecked (e.g. the year columns
        of a wide table, which the caller checks).

    Returns
    -------
    pandas.DataFrame
        The columns as :func:`pandas.read_csv` parses them (values unchanged); the file line of
        each row is in ``attrs["lines"]``.

    Raises
    ------
    RawDataError
        See the module docstring.
    """
    data = _read_bytes(path)
    text = _decode(path, data, encoding)
    header, lines, bad = record_lines(text, sep, skiprows)
    missing = [c for c in table.columns if c not in header]
    if missing:
        hint = ""
        if len(missing) == len(table.columns):
            hint = f"; none of the expected columns is there: is the file {encoding} text "
            hint += f"separated by {sep!r}?"
        raise raw_error(
            path, f"no such column (the header has: {_shown(header)}){hint}", column=missing[0]
        )
    if bad is not None:
        line, n_fields, problem = bad
        counts = f": {n_fields} fields where the header has {len(header)}" if n_fields else ""
        raise raw_error(path, f"the row {problem}{counts}", row=f"line {line}")
    try:
        with warnings.catch_warnings():  # a damaged column's mixed types are reported below
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            frame = pd.read_csv(
                io.BytesIO(data),
                encoding=encoding,
                sep=sep,
                skiprows=skiprows,
                usecols=[*table.columns, *(h for h in header if extra and extra(h))],
                keep_default_na=False,
                na_values=list(table.missing),
            )
    except (ValueError, pd.errors.ParserError) as err:  # EmptyDataError is a ValueError
        raise raw_error(path, f"cannot be parsed as CSV ({str(err).strip()})") from err
    if len(frame) != len(lines):
        raise raw_error(path, f"{len(lines)} records but pandas read {len(frame)} rows")
    frame.attrs["lines"] = lines
    check_frame(frame, path, table, lambda i: f"line {lines[i]}")
    return frame


def read_excel(
    path: Path,
    table: Table | None = None,
    *,
    sheet_name: str | int = 0,
    header: int | None = 0,
    engine: str | None = None,
) -> pd.DataFrame:
    """Read a raw workbook sheet with every check (see :func:`read_csv`).

    A workbook that cannot be opened (a damaged zip or OLE container, a missing sheet) is a
    :class:`RawDataError` naming the file and sheet. Rows are reported as the sheet's row.
    """
    data = _read_bytes(path)
    sheet = f"sheet {sheet_name!r}" if isinstance(sheet_name, str) else f"sheet {sheet_name + 1}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # xlrd deprecation, openpyxl style warnings
            frame = pd.read_excel(
                io.BytesIO(data),
                sheet_name=sheet_name,
                header=header,
                engine=engine,
                keep_default_na=False,  # only empty cells are missing: text stays text
                na_values=[""],
                engine_kwargs={"logfile": io.StringIO()} if engine == "xlrd" else None,
            )
    except Exception as err:  # noqa: BLE001  any failure to open the workbook = a damaged file
        raise raw_error(
            path,
            f"cannot be read as a workbook ({sheet}): {type(err).__name__}: {err}",
        ) from err
    if table is not None:
        first = (header + 2) if header is not None else 1
        missing = [c for c in table.columns if c not in frame.columns]
        if missing:
            raise raw_error(
                path,
                f"no such column in {sheet} (the header has: {_shown(list(frame.columns))})",
                column=missing[0],
            )
        check_frame(frame, path, table, lambda i: f"row {first + i} of {sheet}")
    return frame


def open_xls(path: Path) -> xlrd.book.Book:
    """Open a legacy ``.xls`` workbook whose OLE header may be flagged corrupt (IMF exports)."""
    data = _read_bytes(path)
    try:
        return xlrd.open_workbook(
            file_contents=data, ignore_workbook_corruption=True, logfile=io.StringIO()
        )
    except Exception as err:  # noqa: BLE001  any failure to open the workbook = a damaged file
        raise raw_error(
            path, f"cannot be read as an .xls workbook: {type(err).__name__}: {err}"
        ) from err
