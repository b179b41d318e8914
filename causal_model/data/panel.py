"""Validate a table of yearly values and build the labelled indicator panel from it.

The panel is an :class:`xarray.Dataset` with dims ``(year, indicator)``:

- ``raw`` — the measured value as the reader (or the user's frame) gives it;
- ``value`` — ``raw`` after the registry's transform (log, logit or none): what the model sees;
- ``trials`` — the number of trials of binomial indicators (NaN elsewhere).

Every registry column travels with the values as a coordinate on ``indicator``. Missing is
NaN, never filled. The real US–Russia panel is built by
:func:`causal_model.data.us_russia.load_us_russia`; summaries and export are in
:mod:`causal_model.data.export`.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from causal_model import __version__
from causal_model.data.raw_read import record_lines
from causal_model.data.registry import load_registry
from causal_model.dims import COUNT_FAMILIES, INDICATOR, YEAR

__all__ = [
    "MIN_YEARS",
    "TRIALS_SUFFIX",
    "PanelValidationError",
    "from_csv",
    "from_frame",
    "registry_of",
]

TRIALS_SUFFIX = "_trials"
#: Fewest years a panel may have: the model is dynamic (each latent follows the previous
#: year's), and with fewer than 3 years there are fewer than 2 year-to-year transitions to
#: learn the persistence from.
MIN_YEARS = 3


class PanelValidationError(ValueError):
    """The input data are invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str], source: str = "<frame>"):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid panel data from {source} ({len(problems)} problems):\n{lines}")


def _rows(mask: pd.Series, limit: int = 5) -> str:
    years = mask[mask].index.tolist()
    shown = ", ".join(str(y) for y in years[:limit])
    return shown + (f" (and {len(years) - limit} more)" if len(years) > limit else "")


def _boolean(col: pd.Series) -> pd.Series:
    """Mask of the cells holding True/False (a bool column, bool objects, or the texts)."""
    if pd.api.types.is_bool_dtype(col):
        return pd.Series(True, index=col.index)
    return col.map(
        lambda v: (
            isinstance(v, bool | np.bool_)
            or (isinstance(v, str) and v.strip().lower() in ("true", "false"))
        )
    ).astype(bool)


def _validate_frame(df: pd.DataFrame, registry: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check a wide year x indicator frame against the registry; return it as floats."""
    problems: list[str] = []
    if YEAR in df.columns:
        df = df.set_index(YEAR)
    elif df.index.name != YEAR:
        raise PanelValidationError(
            [
                f"no {YEAR!r} column (nor an index named {YEAR!r}); columns are "
                f"{list(map(str, df.columns))[:10]}: add a {YEAR!r} column with one row per year"
            ],
            source,
        )
    if len(df.index) < MIN_YEARS:
        raise PanelValidationError(
            [
                f"{len(df.index)} year(s) of data; a panel needs at least {MIN_YEARS} "
                "consecutive years (the model is dynamic: it learns how each latent carries "
                "over from one year to the next)"
            ],
            source,
        )
    years = pd.Series(df.index, index=range(len(df.index)))
    year_num = pd.to_numeric(years, errors="coerce")
    if year_num.isna().any() or not np.all(np.mod(year_num.dropna(), 1) == 0):
        bad = years[year_num.isna() | (np.mod(year_num.fillna(0), 1) != 0)].tolist()
        problems.append(f"column 'year': non-integer year value(s) {bad[:5]}")
        raise PanelValidationError(problems, source)
    year_int = year_num.astype(int)
    if year_int.duplicated().any():
        problems.append(
            f"column 'year': duplicate year(s) {sorted(set(year_int[year_int.duplicated()]))}"
        )
    elif not year_int.is_monotonic_increasing:
        problems.append("column 'year': years are not sorted ascending; sort the rows by year")
    elif len(year_int) and (np.diff(year_int) != 1).any():
        gaps = [int(a) for a, d in zip(year_int[:-1], np.diff(year_int), strict=True) if d != 1]
        problems.append(
            f"column 'year': gap(s) in the year index after {gaps[:5]}; include every year "
            "(with empty cells for missing values)"
        )
    df = df.copy()
    df.index = pd.Index(year_int.to_numpy(), name=YEAR)

    trials_cols = {
        f"{k}{TRIALS_SUFFIX}" for k in registry.index if registry.at[k, "family"] == "binomial"
    }
    extra = [c for c in df.columns if c not in registry.index and c not in trials_cols]
    if extra:
        problems.append(
            f"column(s) {', '.join(map(str, extra))} not declared in the registry; declare them "
            "or remove them (nothing is dropped silently)"
        )
    out = {}
    for key, meta in registry.iterrows():
        if key not in df.columns:
            problems.append(f"column {key!r}: declared in the registry but absent from the data")
            continue
        col = df[key]
        flags = _boolean(col)
        if flags.any():
            problems.append(
                f"column {key!r}: True/False value(s) in year(s) {_rows(flags)}; a numeric "
                "column needs numbers (write 1/0 if a yes/no indicator is meant)"
            )
        num = pd.to_numeric(col.where(~flags), errors="coerce")
        nonnum = num.isna() & col.notna() & ~flags & (col.astype(str).str.strip() != "")
        if nonnum.any():
            problems.append(f"column {key!r}: non-numeric value(s) in year(s) {_rows(nonnum)}")
        num = num.astype(float)
        if np.isinf(num).any():
            problems.append(f"column {key!r}: infinite value(s) in year(s) {_rows(np.isinf(num))}")
            num = num.where(~np.isinf(num))
        if num.notna().sum() == 0:
            problems.append(f"column {key!r}: every value is missing; drop it from the registry")
        fam = meta["family"]
        if fam in COUNT_FAMILIES:
            neg = num < 0
            if neg.any():
                problems.append(f"column {key!r}: negative count(s) in year(s) {_rows(neg)}")
            frac = num.notna() & (np.mod(num.fillna(0), 1) != 0)
            if frac.any():
                problems.append(f"column {key!r}: non-integer count(s) in year(s) {_rows(frac)}")
        if meta["transform"] == "log" and (num <= 0).any():
            problems.append(
                f"column {key!r}: value(s) <= 0 cannot be log-transformed, "
                f"year(s) {_rows(num <= 0)}"
            )
        if meta["transform"] == "logit" and ((num <= 0) | (num >= 1)).any():
            bad = (num <= 0) | (num >= 1)
            problems.append(
                f"column {key!r}: value(s) outside (0, 1) cannot be logit-transformed, "
                f"year(s) {_rows(bad)}"
            )
        out[key] = num
        if fam == "binomial":
            tcol = f"{key}{TRIALS_SUFFIX}"
            if tcol not in df.columns:
                problems.append(
                    f"column {key!r}: binomial indicator needs trials in column {tcol!r}"
                )
                continue
            trials = pd.to_numeric(df[tcol], errors="coerce").astype(float)
            no_trials = num.notna() & trials.isna()
            if no_trials.any():
                problems.append(
                    f"column {tcol!r}: trials missing where {key!r} is observed, "
                    f"year(s) {_rows(no_trials)}"
                )
            bad_trials = trials.notna() & ((trials <= 0) | (np.mod(trials.fillna(1), 1) != 0))
            if bad_trials.any():
                problems.append(
                    f"column {tcol!r}: trials must be positive integers, "
                    f"year(s) {_rows(bad_trials)}"
                )
            above = num > trials
            if above.any():
                problems.append(f"column {key!r}: successes above trials in year(s) {_rows(above)}")
            out[tcol] = trials
    if problems:
        raise PanelValidationError(problems, source)
    return pd.DataFrame(out, index=df.index)


def _transform(values: np.ndarray, transform: str) -> np.ndarray:
    if transform == "log":
        return np.log(values)
    if transform == "logit":
        return np.log(values) - np.log1p(-values)
    return values.copy()


def from_frame(
    df: pd.DataFrame, registry=None, *, source: str = "<frame>", attrs: dict | None = None
) -> xr.Dataset:
    """Validate a wide table of yearly values and build the labelled panel.

    Parameters
    ----------
    df
        One row per year (a ``year`` column or index, consecutive and sorted), one column per
        registry key; binomial indicators carry their trials in ``<key>_trials``. Empty cells
        are missing values.
    registry
        Anything :func:`~causal_model.data.registry.load_registry` accepts.
    source
        Name of the input, used in error messages.
    attrs
        Extra attributes for the Dataset.

    Returns
    -------
    xarray.Dataset
        Dims ``(year, indicator)``; variables ``raw``, ``value``, ``trials``; registry columns
        as coordinates on ``indicator``.

    Raises
    ------
    PanelValidationError
        A frame without a ``year`` column (or index named ``year``), or with fewer than
        :data:`MIN_YEARS` years, at once; otherwise every problem at once, naming the column
        and the year(s): non-numeric values, ``True``/``False`` in a numeric column,
        duplicate/unsorted/gapped years, inf, all-missing indicators, negative or non-integer
        counts, successes above trials, values outside a transform's domain, undeclared
        columns.
    """
    reg = load_registry(registry)
    clean = _validate_frame(df, reg, source)
    keys = list(reg.index)
    raw = clean[keys].to_numpy(dtype=float)
    value = np.column_stack(
        [_transform(raw[:, j], reg.at[k, "transform"]) for j, k in enumerate(keys)]
    )
    trials = np.full_like(raw, np.nan)
    for j, k in enumerate(keys):
        if reg.at[k, "family"] == "binomial":
            trials[:, j] = clean[f"{k}{TRIALS_SUFFIX}"].to_numpy()
    coords = {YEAR: clean.index.to_numpy(dtype=int), INDICATOR: keys}
    for col in reg.columns:
        vals = reg[col].to_numpy()
        if col == "anchor":
            vals = vals.astype(bool)
        elif col == "direction":
            vals = vals.astype(int)
        else:
            vals = vals.astype(str)
        coords[col] = (INDICATOR, vals)
    dims = (YEAR, INDICATOR)
    ds = xr.Dataset(
        {
            "raw": (dims, raw, {"long_name": "value as measured, before the transform"}),
            "value": (dims, value, {"long_name": "transformed value, as modelled"}),
            "trials": (dims, trials, {"long_name": "binomial trials (NaN if not binomial)"}),
        },
        coords=coords,
    )
    ds.attrs.update(
        {
            "title": "indicator panel",
            "source": source,
            "causal_model_version": __version__,
            "registry_json": reg.reset_index().to_json(orient="records"),
        }
    )
    ds.attrs.update(attrs or {})
    return ds


def from_csv(path: str | os.PathLike, registry=None) -> xr.Dataset:
    """Read a wide CSV (a ``year`` column plus one column per indicator) into a panel.

    Parameters
    ----------
    path
        The CSV file (UTF-8, comma-separated, a header line).
    registry
        Anything :func:`~causal_model.data.registry.load_registry` accepts.

    Returns
    -------
    xarray.Dataset
        See :func:`from_frame`.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    PanelValidationError
        For an empty file, a row with more or fewer fields than the header (e.g. a file cut
        mid-row), a missing ``year`` column, and everything :func:`from_frame` refuses.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"panel CSV not found: {path}")
    source = str(path)
    data = path.read_bytes()
    if not data.strip():
        raise PanelValidationError(
            ["the file is empty; write a header line and one row per year"], source
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise PanelValidationError(
            [f"not UTF-8 text at byte {err.start}; save the file as UTF-8"], source
        ) from None
    header, lines, bad = record_lines(text)
    if bad is not None:
        line, n_fields, problem = bad
        counts = f" ({n_fields} fields, the header has {len(header)})" if n_fields else ""
        raise PanelValidationError(
            [f"line {line}: the row {problem}{counts}; every row needs one field per column"],
            source,
        )
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    if YEAR not in df.columns:
        raise PanelValidationError([f"no 'year' column; columns are {list(df.columns)}"], source)
    return from_frame(df, registry, source=source)


def registry_of(panel: xr.Dataset) -> pd.DataFrame:
    """Return the registry table carried by a panel."""
    return load_registry(pd.DataFrame(json.loads(panel.attrs["registry_json"])))
