"""Run the model forward: state paths, indicators, synthetic panels, prior predictive draws.

Everything here evaluates the one structure (:func:`causal_model.model.structure.state_space`,
NumPy backend) on parameter draws (leading batch dim ``D``) and draws from the families of
:mod:`causal_model.families`. Forecasts (``causal_model.analysis``) continue fitted paths with
:func:`run_states` and :func:`draw_indicators`; :func:`simulate` and
:func:`sample_prior_predictive` start from the prior.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pymc as pm
import xarray as xr

from causal_model import families
from causal_model.dims import DRIVER, EVENT_TYPES, INDICATOR, STATE, YEAR
from causal_model.model.arrays import ModelData
from causal_model.model.definition import ModelDefinition
from causal_model.model.layout import Layout
from causal_model.model.structure import (
    STRUCTURAL_PARAMETERS,
    StateSpace,
    posterior_parameters,
    state_space,
    tension_of,
)

__all__ = [
    "draw_indicators",
    "initial_states",
    "innovations",
    "prior_draws",
    "run_states",
    "sample_prior_predictive",
    "simulate",
]

#: Parameters recorded as the truth of a simulation besides the structural ones.
_HYPER = ("elite_mu", "elite_sigma", "rho_mu", "beta_mu")


def initial_states(ss: StateSpace, rng: np.random.Generator) -> np.ndarray:
    """``x_0 ~ N(0, P0)`` for every draw: ``(D, S)``."""
    chol = np.linalg.cholesky(ss.p0)
    e = rng.standard_normal(chol.shape[:-1])
    return np.einsum("dij,dj->di", chol, e)


def run_states(
    x0: np.ndarray,
    a: np.ndarray,
    eps: np.ndarray,
    *,
    hold: np.ndarray | None = None,
    hold_value: np.ndarray | None = None,
) -> np.ndarray:
    """Run ``x_t = A x_{t-1} + eps_t`` forward from ``x0`` (one system per draw).

    Parameters
    ----------
    x0
        ``(D, S)`` state before the first step.
    a
        ``(D, S, S)`` transition matrices.
    eps
        ``(D, H, S)`` innovations of the ``H`` steps.
    hold
        Optional ``(H, S)`` boolean: state components fixed (not propagated) at a step.
    hold_value
        ``(D, H, S)`` values of the held components (used where ``hold`` is True).

    Returns
    -------
    numpy.ndarray
        ``(D, H, S)`` states after each step. A held component enters the next step with its
        held value, so other states respond to it through ``A`` (an intervention).
    """
    x = np.asarray(x0, dtype=float)
    out = np.empty(eps.shape)
    for h in range(eps.shape[1]):
        x = np.einsum("sij,sj->si", a, x) + eps[:, h]
        if hold is not None:
            x = np.where(hold[h], hold_value[:, h], x)
        out[:, h] = x
    return out


def innovations(ss: StateSpace, n_steps: int, rng: np.random.Generator) -> np.ndarray:
    """``(D, n_steps, S)`` draws of future innovations ``eps_t ~ N(0, diag(q))``; with
    Student-t shocks those of the states ``ss.shock_mask`` (the tension residual, and the own
    deviations when shared) are ``N(0, q / w_t)`` with new weights ``w_t ~ Gamma(nu / 2,
    rate nu / 2)``, one per year (Student-t innovations)."""
    sd = np.sqrt(ss.q_diag)
    eps = sd[:, None, :] * rng.standard_normal((sd.shape[0], n_steps, sd.shape[-1]))
    if ss.shock_nu is not None:
        nu = np.asarray(ss.shock_nu, dtype=float)[:, None]
        w = rng.gamma(nu / 2.0, 2.0 / nu, size=(sd.shape[0], n_steps))
        eps[..., np.asarray(ss.shock_mask) != 0] /= np.sqrt(w)[..., None]
    return eps


def draw_indicators(
    md: ModelData, ss: StateSpace, states: np.ndarray, rng, *, trials=None, c=None
) -> np.ndarray:
    """Indicators on the model scale given state paths ``(D, T, S)``: ``(D, T, N)``.

    ``c`` (default ``ss.c``) are the linear predictors' offsets over the paths' years;
    ``trials`` (default the panel's) the binomial trials.
    """
    c = ss.c if c is None else c
    eta = c + np.einsum("dts,dis->dti", states, ss.z)
    return families.draw(
        md.family,
        eta,
        rng,
        scale=ss.scale,
        nu=ss.nu,
        alpha=ss.alpha,
        trials=md.trials.astype(int) if trials is None else trials,
    )


def prior_draws(
    definition: ModelDefinition,
    draws: int,
    random_seed=None,
    overrides: dict | None = None,
) -> xr.Dataset:
    """Structural parameters drawn from the priors (then ``overrides``).

    Returns
    -------
    xarray.Dataset
        Dims (chain, draw, then the model's own dims), one chain: read it like a posterior
        (:func:`causal_model.model.structure.posterior_parameters`).
    """
    model = definition.build()
    names = [
        v
        for v in (*STRUCTURAL_PARAMETERS, *_elite_parameters(definition.layout), *_HYPER)
        if v in model.named_vars
    ]
    overrides = overrides or {}
    todo = [n for n in names if n not in overrides]
    values = pm.draw([model[v] for v in todo], draws=draws, random_seed=random_seed) if todo else []
    if draws == 1:
        values = [np.asarray(v)[None] for v in values]
    drawn = dict(zip(todo, values, strict=True))
    for name, v in overrides.items():
        drawn[name] = np.broadcast_to(np.asarray(v, dtype=float), (draws, *np.shape(v)))
    coords = {"chain": [0], "draw": np.arange(draws)}
    data = {}
    for name, v in drawn.items():
        v = np.asarray(v, dtype=float)
        dims = tuple(model.named_vars_to_dims.get(name, ()))
        if len(dims) != v.ndim - 1:
            dims = tuple(f"{name}_dim_{i}" for i in range(v.ndim - 1))
        data[name] = (("chain", "draw", *dims), v[None])
    ds = xr.Dataset(data, coords=coords)
    used = {k: list(v) for k, v in model.coords.items() if v is not None and k in ds.dims}
    return ds.assign_coords(used)


def _elite_parameters(layout: Layout) -> tuple[str, ...]:
    return tuple(layout.elite.parameters) if layout.elite is not None else ()


def _forward(definition: ModelDefinition, params: dict, rng) -> tuple:
    """State space, state paths and model-scale indicators of parameter draws."""
    layout = definition.layout
    ss = state_space(params, layout)
    x0 = initial_states(ss, rng)
    sd = np.sqrt(ss.q_time[:, 1:])  # (D, T - 1, S): the drawn shock weights included
    rest = run_states(x0, ss.a, sd * rng.standard_normal(sd.shape))
    states = np.concatenate([x0[:, None], rest], axis=1)
    y = draw_indicators(layout.data, ss, states, rng)
    return ss, states, y


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

    The synthetic panel has the template's years, indicators, families, trials and missing
    cells, and carries the model-scale constants (``center=0``, ``scale=1``, ``offset``) so
    that the truth is on the scale the model estimates.

    Parameters
    ----------
    template
        A panel whose years, indicators, families, trials and missing cells are copied.
    events
        Elite-circulation events (default: the US–Russia events).
    priors, variant
        As for :class:`~causal_model.model.definition.ModelDefinition`; parameters not given
        in ``params`` are drawn from these priors.
    params
        Known parameter values overriding prior draws (e.g. ``{"beta": [0.6, 0.0, -0.6]}``).
    random_seed
        Seed; the same seed gives the same panel.

    Returns
    -------
    (xarray.Dataset, dict)
        The synthetic panel (same registry coordinates as the template) and the true
        parameter values, plus the true latent paths under ``"drivers"``, ``"residual"``,
        ``"tension"``, ``"elite"`` and ``"trend"`` (the level's drift term, zeros without one).
    """
    rng = np.random.default_rng(random_seed)
    definition = ModelDefinition(template, events, priors=priors, variant=variant)
    md = definition.data
    drawn = prior_draws(definition, 1, int(rng.integers(2**31)), params)
    ss, states, y = _forward(definition, posterior_parameters(drawn, definition.layout), rng)
    k = len(md.drivers)
    x = states[0]
    tension = tension_of(x, ss.beta[0], ss.elite[0], ss.trend[0])
    y = np.where(md.mask, y[0], np.nan)
    binom = md.family == families.CODES["binomial"]
    trials = np.where(md.mask & binom[None, :], md.trials, np.nan)
    n = len(md.indicators)
    panel = template.sel({INDICATOR: list(md.indicators)}).copy()
    panel["value"] = ((YEAR, INDICATOR), y)
    panel["raw"] = ((YEAR, INDICATOR), y.copy())  # not the same buffer as value
    panel["trials"] = ((YEAR, INDICATOR), trials)
    panel = panel.assign_coords(
        transform=(INDICATOR, np.array(["none"] * n)),
        center=(INDICATOR, np.zeros(n)),
        scale=(INDICATOR, np.ones(n)),
        offset=(INDICATOR, np.where(md.gaussian, 0.0, md.offset)),
    )
    panel.attrs = {**template.attrs, "title": "simulated panel", "random_seed": str(random_seed)}
    truth = {name: drawn[name].values[0, 0] for name in drawn.data_vars}
    truth.update(
        drivers=xr.DataArray(
            x[:, :k], dims=(YEAR, DRIVER), coords={YEAR: md.years, DRIVER: list(md.drivers)}
        ),
        residual=x[:, k],
        tension=tension,
        elite=ss.elite[0],
        trend=ss.trend[0],
        event_types=np.array(
            [EVENT_TYPES.index(str(t)) for t in definition.past_events()["event_type"].values]
        ),
    )
    return panel, truth


def sample_prior_predictive(
    definition: ModelDefinition, draws: int = 500, random_seed: int | None = None
) -> az.InferenceData:
    """Parameters, latent paths and indicators drawn from the priors.

    Returns
    -------
    arviz.InferenceData
        ``prior`` (the structural parameters and ``states``) and ``prior_predictive`` with one
        variable per indicator (dims chain, draw, year) on the panel's ``value`` scale (counts
        for count and binomial indicators), NaN where the panel has no observation.
    """
    rng = np.random.default_rng(random_seed)
    md = definition.data
    prior = prior_draws(definition, draws, int(rng.integers(2**31)))
    _, states, y = _forward(definition, posterior_parameters(prior, definition.layout), rng)
    value = families.to_value(md.family, y, md.center, md.scale)
    value = np.where(md.mask, value, np.nan)
    coords = {"chain": [0], "draw": np.arange(draws)}
    prior["states"] = (("chain", "draw", YEAR, STATE), states[None])
    prior = prior.assign_coords({YEAR: md.years, STATE: definition.coords(md)[STATE]})
    preds = xr.Dataset(
        {
            key: (("chain", "draw", YEAR), value[None, :, :, j])
            for j, key in enumerate(md.indicators)
        },
        coords={**coords, YEAR: md.years},
    )
    out = az.InferenceData(prior=prior)
    out.add_groups({"prior_predictive": preds})
    return out
