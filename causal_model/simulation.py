"""Draw synthetic panels from the model with known parameters.

For tests (parameter recovery, calibration) and for users who want to check what the model
can learn from data of their panel's shape. The synthetic panel has the template's years,
indicators, families, trials and missingness, and carries the model-scale constants
(``center=0``, ``scale=1``, ``offset``) so that the truth is on the scale the model estimates.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import xarray as xr

from causal_model.components import elite_term_np
from causal_model.dims import DRIVER, EVENT, EVENT_TYPES, INDICATOR, YEAR
from causal_model.likelihood import draw_observations
from causal_model.model_data import DRIVER_ANCHOR_LOADING, DRIVER_ANCHOR_NOISE, FAMILY_CODE

#: Parameters recorded as the truth of a simulation.
TRUTH_VARS = (
    "rho",
    "loading",
    "beta",
    "rho_u",
    "sigma_u",
    "tension_loading",
    "intercept",
    "sigma_obs",
    "nu",
    "nb_alpha",
    "elite_delta",
    "elite_mu",
    "half_life",
    "coupling_matrix",
)


def draw_truth(model_obj, random_seed: int | None = None, overrides: dict | None = None) -> dict:
    """Draw one parameter set from the priors (then apply ``overrides``)."""
    model = model_obj.build()
    names = [v for v in TRUTH_VARS if v in model.named_vars]
    todo = [n for n in names if n not in (overrides or {})]
    values = pm.draw([model[v] for v in todo], random_seed=random_seed) if todo else []
    truth = {n: np.asarray(v, dtype=float) for n, v in zip(todo, values, strict=True)}
    for k, v in (overrides or {}).items():
        truth[k] = np.asarray(v, dtype=float) * np.ones_like(truth.get(k, np.asarray(v)))
    return truth


def simulate(
    template: xr.Dataset,
    events: xr.Dataset | None = None,
    *,
    priors="neoclassical_realism",
    variant="reference",
    params: dict | None = None,
    random_seed: int | None = None,
) -> tuple[xr.Dataset, dict]:
    """Simulate a panel of the template's shape from the model.

    Parameters
    ----------
    template
        A panel whose years, indicators, families, trials and missing cells are copied.
    events
        Elite-circulation events (default: the US–Russia events).
    priors, variant
        As for :class:`~causal_model.model.TensionModel`; parameters not given in ``params``
        are drawn from these priors.
    params
        Known parameter values overriding prior draws (e.g. ``{"beta": [0.6, 0.0, -0.6]}``).
    random_seed
        Seed; the same seed gives the same panel.

    Returns
    -------
    (xarray.Dataset, dict)
        The synthetic panel (same registry coordinates as the template) and the true
        parameter values, plus the true latent paths under ``"drivers"``, ``"residual"``,
        ``"tension"`` and ``"elite"``.
    """
    from causal_model.model import TensionModel

    rng = np.random.default_rng(random_seed)
    tm = TensionModel(template, events, priors=priors, variant=variant, latent="sampled")
    md = tm.data
    truth = draw_truth(tm, random_seed=int(rng.integers(2**31)), overrides=params)
    nt, n = md.y.shape
    k = len(md.drivers)

    a = np.diag(np.append(truth["rho"], truth["rho_u"]))
    if "coupling_matrix" in truth:
        a[:k, :k] += truth["coupling_matrix"]
    qd = np.append(1 - truth["rho"] ** 2, truth["sigma_u"] ** 2 * (1 - truth["rho_u"] ** 2))
    p0 = np.append(np.ones(k), truth["sigma_u"] ** 2)
    x = np.empty((nt, k + 1))
    x[0] = rng.normal(0, np.sqrt(p0))
    for t in range(1, nt):
        x[t] = a @ x[t - 1] + rng.normal(0, np.sqrt(qd))

    ev = tm.past_events()
    elite = np.zeros(nt)
    if tm.variant.elite != "none" and ev.sizes[EVENT]:
        times = md.years + 0.5
        permanent = tm.variant.elite == "permanent"
        tau = None if permanent else truth["half_life"] / np.log(2)
        elite = elite_term_np(
            times, ev["time"].values, truth["elite_delta"], tau, permanent=permanent
        )
    tension = x[:, :k] @ truth["beta"] + elite + x[:, k]

    lam = np.zeros(n)
    lam[md.anchor] = md.direction[md.anchor]
    free = md.subset("tension_free")
    lam[free] = md.direction[free] * truth["tension_loading"]
    eta = np.zeros((nt, n))
    didx = md.subset("driver_free")
    eta[:, didx] = x[:, md.driver_of[didx]] * (md.direction[didx] * truth["loading"])
    aidx = md.subset("driver_anchor")
    eta[:, aidx] = x[:, md.driver_of[aidx]] * (md.direction[aidx] * DRIVER_ANCHOR_LOADING)
    tidx = md.subset("tension")
    eta[:, tidx] = tension[:, None] * lam[tidx]
    eta += md.offset + md.full_intercept(truth["intercept"])

    scale = np.ones(n)
    scale[md.subset("gaussian")] = truth.get("sigma_obs", [])
    scale[md.subset("driver_anchor")] = DRIVER_ANCHOR_NOISE
    nu = np.full(n, np.inf)
    nu[md.subset("t")] = truth.get("nu", [])
    alpha = np.ones(n)
    alpha[md.subset("nb")] = truth.get("nb_alpha", [])
    drawn = draw_observations(md.family, eta, scale, nu, alpha, md.trials.astype(int), rng)
    y = np.where(md.mask, drawn, np.nan)
    binom = md.family == FAMILY_CODE["binomial"]
    trials = np.where(md.mask & binom[None, :], md.trials, np.nan)

    keep = list(md.indicators)
    panel = template.sel({INDICATOR: keep}).copy()
    panel["value"] = ((YEAR, INDICATOR), y)
    panel["raw"] = ((YEAR, INDICATOR), y)
    panel["trials"] = ((YEAR, INDICATOR), trials)
    gauss = np.isin(md.family, [FAMILY_CODE["normal"], FAMILY_CODE["student_t"]])
    panel = panel.assign_coords(
        transform=(INDICATOR, np.array(["none"] * n)),
        center=(INDICATOR, np.zeros(n)),
        scale=(INDICATOR, np.ones(n)),
        offset=(INDICATOR, np.where(gauss, 0.0, md.offset)),
    )
    panel.attrs = {**template.attrs, "title": "simulated panel", "random_seed": str(random_seed)}
    truth.update(
        drivers=xr.DataArray(
            x[:, :k], dims=(YEAR, DRIVER), coords={YEAR: md.years, DRIVER: list(md.drivers)}
        ),
        residual=x[:, k],
        tension=tension,
        elite=elite,
        event_types=np.array([EVENT_TYPES.index(str(t)) for t in ev["event_type"].values]),
    )
    return panel, truth
