"""Save a fitted model to one netCDF file and load it back.

The file holds the posterior (and every other InferenceData group), the panel, the events, the
priors and the variant, so :meth:`causal_model.TensionModel.load` rebuilds the same model.
Writes are atomic: the file is written under a temporary name and renamed, so an interrupted
save never leaves a half-written file under the final name. Every error of a load names the
file (:class:`ModelFileError`).
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
#: The one suffix of model files (netCDF).
SUFFIX = ".nc"
_ATTRS = ("priors_json", "priors_source", "variant_json", "latent")


class ModelFileError(ValueError):
    """A file is not a readable model file (or a model file cannot be written there)."""


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
    ModelFileError
        If ``path`` does not end in ``.nc`` (model files are netCDF).
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    """
    path = Path(path)
    if path.suffix.lower() != SUFFIX:
        raise ModelFileError(
            f"{path}: a model file is netCDF and its name must end in {SUFFIX} (not "
            f"{path.suffix or 'no suffix'!r}), e.g. {path.with_suffix(SUFFIX).name}"
        )
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

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ModelFileError
        If the file is not netCDF, is not a causal_model fit, or its attributes are damaged;
        the message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        idata = az.from_netcdf(path, engine="h5netcdf")
    except Exception as exc:  # h5py/netCDF raise OSError, ValueError, KeyError...
        raise ModelFileError(
            f"{path}: not a readable netCDF model file ({type(exc).__name__}: {exc}); "
            "save fits with TensionModel.save() or `causal-model fit`"
        ) from exc
    missing = [g for g in (PANEL_GROUP, EVENTS_GROUP) if g not in idata.groups()]
    missing += [a for a in _ATTRS if a not in idata.attrs]
    if missing:
        raise ModelFileError(
            f"{path} is not a causal_model fit (missing {', '.join(missing)}); "
            "save fits with TensionModel.save()"
        )
    try:
        settings = _settings(idata)
    except Exception as exc:  # damaged JSON, unknown prior or variant flags...
        raise ModelFileError(
            f"{path}: damaged model file ({type(exc).__name__}: {' '.join(str(exc).split())}); "
            "it was changed after it was saved or comes from another version: refit and save"
        ) from exc
    return settings, idata


def _settings(idata: az.InferenceData) -> dict:
    panel = _ints_to_bool(idata[PANEL_GROUP].load())
    events = _ints_to_bool(idata[EVENTS_GROUP].load())
    for ds in (panel, events):
        ds.attrs.pop("bool_variables", None)
    priors = PriorSet.from_dict(
        json.loads(idata.attrs["priors_json"]), source=idata.attrs["priors_source"]
    )
    variant = Variant.from_dict(json.loads(idata.attrs["variant_json"]))
    return {
        "panel": panel,
        "events": events,
        "priors": priors,
        "variant": variant,
        "latent": str(idata.attrs["latent"]),
    }


__all__ = ["SUFFIX", "ModelFileError", "load_fit", "save_fit"]
