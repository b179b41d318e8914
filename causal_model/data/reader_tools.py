"""Tools of the reader functions: their registry (one function per raw series, found by
name), the yearly result frame and the legacy-Excel reader.

A reader takes the raw-data folder and returns a :class:`pandas.DataFrame` indexed by integer
year with a ``value`` column (the measured quantity, before the registry's transform) and, for
binomial indicators, a ``trials`` column. Years a source does not cover are simply absent or
NaN; readers never fill, impute or carry values forward.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

Reader = Callable[[Path], pd.DataFrame]

READERS: dict[str, Reader] = {}


def register_reader(name: str) -> Callable[[Reader], Reader]:
    """Register ``func`` as the reader called ``name`` (used by the registry's ``reader`` key)."""

    def wrap(func: Reader) -> Reader:
        if name in READERS:
            raise ValueError(f"reader {name!r} is registered twice")
        READERS[name] = func
        return func

    return wrap


def yearly(values: pd.Series, trials: pd.Series | None = None) -> pd.DataFrame:
    """Return a reader result frame from a year-indexed series (and trials)."""
    values = values.copy()
    values.index = pd.Index(values.index.astype(int), name="year")
    out = pd.DataFrame({"value": values.astype(float)})
    if trials is not None:
        trials = trials.copy()
        trials.index = pd.Index(trials.index.astype(int), name="year")
        out["trials"] = trials.astype(float).reindex(out.index)
    return out.sort_index()


def read_xls(path: Path, **kwargs) -> pd.DataFrame:
    """Read a legacy ``.xls`` workbook with xlrd, without pandas' engine-deprecation noise."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*xlrd engine is deprecated.*")
        return pd.read_excel(path, engine="xlrd", **kwargs)
