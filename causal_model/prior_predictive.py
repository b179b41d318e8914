"""Prior predictive draws of every indicator, on the indicator's own scale."""

from __future__ import annotations

import arviz as az
import numpy as np
import pymc as pm
import xarray as xr

from causal_model.dims import FAMILIES, YEAR
from causal_model.model_data import FAMILY_CODE, ModelData


def unflatten(md: ModelData, draws: dict[str, np.ndarray]) -> np.ndarray:
    """Map the per-family observed vectors of the sampled model back to (..., year, indicator).

    Cells that are missing in the panel are NaN (the model has no observation there).
    """
    lead = next(iter(draws.values())).shape[:-1]
    out = np.full((*lead, *md.y.shape), np.nan)
    for fam in FAMILIES:
        name = f"obs_{fam}"
        if name not in draws:
            continue
        cols = np.flatnonzero(md.family == FAMILY_CODE[fam])
        tt, ii = np.nonzero(md.mask[:, cols])
        out[..., tt, cols[ii]] = draws[name]
    return out


def to_value_scale(md: ModelData, y: np.ndarray) -> np.ndarray:
    """Model-scale draws to the panel's ``value`` scale (counts stay counts)."""
    out = y.copy()
    gauss = np.isin(md.family, [FAMILY_CODE["normal"], FAMILY_CODE["student_t"]])
    out[..., gauss] = y[..., gauss] * md.scale[gauss] + md.center[gauss]
    return out


def sample_prior_predictive(model_obj, draws: int = 500, random_seed: int | None = None):
    """Draw parameters, latent paths and indicators from the priors.

    Returns
    -------
    arviz.InferenceData
        ``prior`` (parameters, ``states``, ``elite``) and ``prior_predictive`` with one
        variable per indicator (dims chain, draw, year) on the panel's ``value`` scale
        (counts for count and binomial indicators), NaN where the panel has no observation.
    """
    from causal_model.model import TensionModel

    sampled = TensionModel(
        model_obj.panel,
        model_obj.events,
        priors=model_obj.priors,
        variant=model_obj.variant,
        latent="sampled",
    )
    md = sampled.data
    model = sampled.build()
    idata = pm.sample_prior_predictive(draws=draws, model=model, random_seed=random_seed)
    pp = idata.prior_predictive
    flat = {v: pp[v].values for v in pp.data_vars}
    y = to_value_scale(md, unflatten(md, flat))
    preds = xr.Dataset(
        {key: (("chain", "draw", YEAR), y[..., j]) for j, key in enumerate(md.indicators)},
        coords={"chain": pp["chain"].values, "draw": pp["draw"].values, YEAR: md.years},
    )
    out = az.InferenceData(prior=idata.prior)
    out.add_groups({"prior_predictive": preds})
    return out
