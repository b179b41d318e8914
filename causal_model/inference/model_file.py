"""Save a fitted model to one netCDF file and load it back.

The file holds the posterior (and every other InferenceData group), the panel, the events, the
priors and the variant, so :meth:`causal_model.TensionModel.load` rebuilds the same model.
Writes are atomic: the file is written under a temporary name and renamed, so an interrupted
save never leaves a half-written file under the final name.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import arviz as az
import xarray as xr

from causal_model import __version__
from causal_model.atomic import atomic_write
from causal_model.specification.priors import PriorSet
from causal_model.specification.variants import Variant

PANEL_GROUP = "panel"
EVENTS_GROUP = "events"


def _bools_to_int(ds: xr.Dataset) -> xr.Dataset:
    ds = ds.copy()
    flagged = []
    for name in list(ds.variables):
        if ds[name].dtype == bool:
            ds[name] = ds[name].astype("int8")
            flagged.append(name)
    ds.attrs["bool_variables"] = json.dumps(flagged)
    return ds


def _ints_to_bool(ds: xr.Dataset) -> xr.Dataset:
    flagged = json.loads(ds.attrs.get("bool_variables", "[]"))
    for name in flagged:
        ds[name] = ds[name].astype(bool)
    return ds


def save_fit(
    model, idata: az.InferenceData, path: str | os.PathLike, *, overwrite: bool = False
) -> Path:
    """Write ``idata`` plus the model's data, events, priors and variant to ``path``.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    out = idata.copy()
    out.attrs.update(
        {
            "causal_model_version": __version__,
            "priors_json": json.dumps(model.priors.to_dict()),
            "priors_source": str(model.priors.source),
            "variant_json": json.dumps(model.variant.to_dict()),
            "latent": model.latent,
        }
    )
    extra = {PANEL_GROUP: _bools_to_int(model.panel), EVENTS_GROUP: _bools_to_int(model.events)}
    for name in extra:
        if name in out.groups():
            del out[name]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*not part of the InferenceData schema.*")
        warnings.filterwarnings("ignore", category=UserWarning, message=".*group.*")
        out.add_groups(extra)
    return atomic_write(path, lambda tmp: out.to_netcdf(tmp, engine="h5netcdf"))


def load_fit(path: str | os.PathLike) -> tuple[dict, az.InferenceData]:
    """Read a file written by :func:`save_fit`.

    Returns
    -------
    (dict, arviz.InferenceData)
        The model's settings (``panel``, ``events``, ``priors``, ``variant``, ``latent``: the
        arguments of :class:`causal_model.TensionModel`) and the fit.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file not found: {path}")
    idata = az.from_netcdf(path, engine="h5netcdf")
    missing = [g for g in (PANEL_GROUP, EVENTS_GROUP) if g not in idata.groups()]
    if missing or "priors_json" not in idata.attrs:
        raise ValueError(
            f"{path} is not a causal_model fit (missing {missing or 'attrs'}); "
            "save fits with TensionModel.save()"
        )
    panel = _ints_to_bool(idata[PANEL_GROUP].load())
    events = _ints_to_bool(idata[EVENTS_GROUP].load())
    for ds in (panel, events):
        ds.attrs.pop("bool_variables", None)
    priors = PriorSet.from_dict(
        json.loads(idata.attrs["priors_json"]), source=idata.attrs["priors_source"]
    )
    variant = Variant.from_dict(json.loads(idata.attrs["variant_json"]))
    settings = {
        "panel": panel,
        "events": events,
        "priors": priors,
        "variant": variant,
        "latent": str(idata.attrs["latent"]),
    }
    return settings, idata


__all__ = ["load_fit", "save_fit"]
