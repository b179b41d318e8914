"""Build, validate, cache and export the labelled indicator panel.

The panel is an :class:`xarray.Dataset` with dims ``(year, indicator)``:

- ``raw`` — the measured value as the reader (or the user's frame) gives it;
- ``value`` — ``raw`` after the registry's transform (log, logit or none): what the model sees;
- ``trials`` — the number of trials of binomial indicators (NaN elsewhere).

Every registry column travels with the values as a coordinate on ``indicator``. Missing is
NaN, never filled.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from causal_model import __version__
from causal_model.atomic import atomic_write
from causal_model.data.paths import raw_file, resolve_raw_dir
from causal_model.data.readers import get_reader
from causal_model.data.registry import load_registry
from causal_model.dims import COUNT_FAMILIES, FIRST_YEAR, INDICATOR, YEAR

#: Bump when the panel-building code changes what it produces (invalidates caches).
CACHE_VERSION = 1
CACHE_ENV_VAR = "CAUSAL_MODEL_CACHE"
TRIALS_SUFFIX = "_trials"


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


def _validate_frame(df: pd.DataFrame, registry: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check a wide year x indicator frame against the registry; return it as floats."""
    problems: list[str] = []
    if YEAR in df.columns:
        df = df.set_index(YEAR)
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
        num = pd.to_numeric(col, errors="coerce")
        nonnum = num.isna() & col.notna() & (col.astype(str).str.strip() != "")
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
        Every problem at once, naming the column and the year(s): non-numeric values,
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
    """Read a wide CSV (a ``year`` column plus one column per indicator) into a panel."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"panel CSV not found: {path}")
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    if YEAR not in df.columns:
        raise PanelValidationError([f"no 'year' column; columns are {list(df.columns)}"], str(path))
    return from_frame(df, registry, source=str(path))


def registry_of(panel: xr.Dataset) -> pd.DataFrame:
    """Return the registry table carried by a panel."""
    return load_registry(pd.DataFrame(json.loads(panel.attrs["registry_json"])))


# ------------------------------------------------------------------- the real US–Russia panel
def _cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV_VAR)
    return Path(env) if env else Path.home() / ".cache" / "causal_model"


def _cache_key(raw_dir: Path, reg: pd.DataFrame, first_year: int) -> str:
    h = hashlib.sha256()
    h.update(f"v{CACHE_VERSION}|{__version__}|{first_year}|".encode())
    h.update(reg.reset_index().to_json(orient="records").encode())
    for dataset, filename in sorted(set(zip(reg["source"], reg["file"], strict=True))):
        path = raw_file(raw_dir, dataset, filename)
        h.update(f"{dataset}/{filename}".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:24]


def _build_from_raw(raw_dir: Path, reg: pd.DataFrame, first_year: int) -> xr.Dataset:
    series = {}
    for key, meta in reg.iterrows():
        if not meta["reader"]:
            raise ValueError(f"indicator {key!r} has no reader; use from_frame() for user data")
        raw_file(raw_dir, meta["source"], meta["file"])  # clear error if the file is missing
        series[key] = get_reader(meta["reader"])(raw_dir)
    last = max(int(s["value"].dropna().index.max()) for s in series.values())
    years = np.arange(first_year, last + 1)
    wide = pd.DataFrame(index=pd.Index(years, name=YEAR))
    for key, s in series.items():
        wide[key] = s["value"].reindex(years)
        if "trials" in s:
            wide[f"{key}{TRIALS_SUFFIX}"] = s["trials"].reindex(years)
    attrs = {"raw_dir": str(raw_dir), "first_year": first_year}
    return from_frame(wide.reset_index(), reg, source=str(raw_dir), attrs=attrs)


def _atomic_write_netcdf(ds: xr.Dataset, path: Path) -> None:
    atomic_write(path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))


def load_us_russia(
    raw_dir: str | os.PathLike | None = None,
    *,
    registry=None,
    first_year: int = FIRST_YEAR,
    cache: bool = True,
) -> xr.Dataset:
    """Build the real US–Russia indicator panel from the raw public files.

    Parameters
    ----------
    raw_dir
        Folder of the raw data sets; default: the ``CAUSAL_MODEL_DATA`` environment variable,
        else ``../shared/data/raw`` next to the source checkout.
    registry
        Indicator registry (default: the packaged ``registry.toml``).
    first_year
        First year of the panel (1992: Russia as an independent state). The last year is the
        latest year any indicator covers.
    cache
        Reuse a panel built before from byte-identical raw files and registry (stored under
        ``CAUSAL_MODEL_CACHE`` or ``~/.cache/causal_model``); a changed file rebuilds it.

    Returns
    -------
    xarray.Dataset
        See :func:`from_frame`.
    """
    raw = resolve_raw_dir(raw_dir)
    reg = load_registry(registry)
    if not cache:
        return _build_from_raw(raw, reg, first_year)
    key = _cache_key(raw, reg, first_year)
    path = _cache_dir() / f"panel-{key}.nc"
    if path.is_file():
        try:
            with xr.open_dataset(path, engine="h5netcdf") as ds:
                panel = ds.load()
            panel = panel.assign_coords(anchor=panel["anchor"].astype(bool))
            panel.attrs["cache_file"] = str(path)
            return panel
        except (OSError, ValueError):
            path.unlink(missing_ok=True)  # a corrupt cache is rebuilt, not trusted
    panel = _build_from_raw(raw, reg, first_year)
    try:
        _atomic_write_netcdf(panel, path)
    except OSError:
        pass  # an unwritable cache only costs speed
    return panel


# ------------------------------------------------------------------- summaries and export
def coverage(panel: xr.Dataset) -> pd.DataFrame:
    """Coverage table: indicator, latent, family, source, first and last observed year, share.

    The share observed is over the panel's years (so 0.5 means half the years are missing).
    """
    rows = []
    for key in panel[INDICATOR].values:
        v = panel["raw"].sel({INDICATOR: key})
        obs = v[YEAR].values[np.isfinite(v.values)]
        rows.append(
            {
                "indicator": str(key),
                "latent": str(panel["latent"].sel({INDICATOR: key}).item()),
                "family": str(panel["family"].sel({INDICATOR: key}).item()),
                "source": str(panel["source"].sel({INDICATOR: key}).item()),
                "first": int(obs.min()) if obs.size else None,
                "last": int(obs.max()) if obs.size else None,
                "n_obs": int(obs.size),
                "share_observed": round(obs.size / panel.sizes[YEAR], 3),
            }
        )
    return pd.DataFrame(rows).set_index("indicator")


def to_frame(panel: xr.Dataset, *, variable: str = "raw") -> pd.DataFrame:
    """Wide year x indicator table of ``variable`` plus ``<key>_trials`` columns for binomials.

    With ``variable="raw"`` the result round-trips through :func:`from_frame`.
    """
    wide = panel[variable].to_pandas()
    wide.columns.name = None
    for key in panel[INDICATOR].values:
        if str(panel["family"].sel({INDICATOR: key}).item()) == "binomial":
            wide[f"{key}{TRIALS_SUFFIX}"] = panel["trials"].sel({INDICATOR: key}).to_pandas()
    return wide


def write_panel(panel: xr.Dataset, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write the panel to ``.csv`` (wide raw values) or ``.nc`` (everything), atomically.

    An existing file is kept unless ``overwrite=True``; a failed write leaves no partial file.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True (or --force) to replace it")
    if path.suffix == ".nc":
        _atomic_write_netcdf(panel, path)
    elif path.suffix == ".csv":
        atomic_write(path, lambda tmp: to_frame(panel).to_csv(tmp))
    else:
        raise ValueError(f"unknown panel format {path.suffix!r} for {path}; use .csv or .nc")
    return path
