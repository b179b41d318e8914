"""The real US–Russia indicator panel, built from the raw public files and cached.

Each registry row names the reader of its indicator (:mod:`causal_model.data.readers`); the
readers' yearly series are put side by side from ``first_year`` to the last year any
indicator covers and validated by :func:`causal_model.data.panel.from_frame`. An entry with
``source = "facts"`` names a file of the package's facts folder (``causal_model/data/facts/``,
:mod:`causal_model.data.facts`), not of the raw folder. Every raw file's SHA-256 is checked
first (:mod:`causal_model.data.raw_files`), and a built panel is
cached under a key of everything it was built from (:mod:`causal_model.data.cache`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from causal_model.data.cache import cache_root, panel_cache_key
from causal_model.data.export import atomic_write_netcdf
from causal_model.data.facts import FACTS_SOURCE, facts_path
from causal_model.data.panel import TRIALS_SUFFIX, from_frame
from causal_model.data.paths import raw_file, resolve_raw_dir
from causal_model.data.readers import get_reader
from causal_model.data.registry import load_registry
from causal_model.dims import FIRST_YEAR, YEAR

__all__ = ["load_us_russia"]


def _build_from_raw(raw_dir: Path, reg: pd.DataFrame, first_year: int) -> xr.Dataset:
    series = {}
    for key, meta in reg.iterrows():
        if not meta["reader"]:
            raise ValueError(f"indicator {key!r} has no reader; use from_frame() for user data")
        if meta["source"] == FACTS_SOURCE:
            facts_path(meta["file"])  # a file of the package's facts folder
        else:
            raw_file(raw_dir, meta["source"], meta["file"])  # clear error if it is missing
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
        Reuse a panel built before from byte-identical raw files, registry, package version
        and data-layer source code (stored under ``CAUSAL_MODEL_CACHE`` or the user's cache
        folder, see :mod:`causal_model.data.cache`); any change rebuilds it.

    Returns
    -------
    xarray.Dataset
        See :func:`from_frame`.

    Raises
    ------
    DataNotFoundError
        When the raw folder or a file a reader needs is missing.
    RawDataError
        When a raw file's SHA-256 differs from the package's table (unless
        ``CAUSAL_MODEL_VERIFY_DATA=0``) or a file fails its structural checks; the message
        names the file, column and row and how to fix it.
    """
    raw = resolve_raw_dir(raw_dir)
    reg = load_registry(registry)
    key = panel_cache_key(raw, reg, first_year)  # also checks every raw file's SHA-256
    if not cache:
        return _build_from_raw(raw, reg, first_year)
    path = cache_root() / f"panel-{key}.nc"
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
        atomic_write_netcdf(panel, path)
    except OSError:
        pass  # an unwritable cache only costs speed
    return panel
