"""Summaries and export of an indicator panel: coverage table, wide frame, CSV and netCDF."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from causal_model.atomic import atomic_write
from causal_model.data.panel import TRIALS_SUFFIX
from causal_model.dims import INDICATOR, YEAR

__all__ = ["atomic_write_netcdf", "coverage", "to_frame", "write_panel"]


def atomic_write_netcdf(ds: xr.Dataset, path: Path) -> None:
    """Write ``ds`` to a netCDF file atomically (a failed write leaves no partial file)."""
    atomic_write(path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))


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
        atomic_write_netcdf(panel, path)
    elif path.suffix == ".csv":
        atomic_write(path, lambda tmp: to_frame(panel).to_csv(tmp))
    else:
        raise ValueError(f"unknown panel format {path.suffix!r} for {path}; use .csv or .nc")
    return path
