"""The model's parameters: PyMC variables made from the priors, with the model's dims.

Each function adds named variables to the current ``pm.Model`` context and returns the
*structural* parameters (``rho``, ``loading``, ``beta``, ...) that
:func:`causal_model.model.structure.state_space` reads. How they enter the state space is
written there, not here. The sampling geometry (folded scales, signed non-centred spreads,
centred loadings, standardised Student-t weights) is explained in ``docs/decisions.md``.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc_extras.prior import Prior
from pytensor import scan

from causal_model.backend import PYTENSOR as _PT
from causal_model.dims import (
    COOP_INDICATOR,
    DRIVER,
    DRIVER_INDICATOR,
    DRIVER_TO,
    EVENT,
    EVENT_TYPE,
    GAUSSIAN_INDICATOR,
    IDIO_INDICATOR,
    INTERCEPT_INDICATOR,
    NB_INDICATOR,
    SHOCK_YEAR,
    STATE,
    T_INDICATOR,
    TENSION_INDICATOR,
    YEAR,
)
from causal_model.model.layout import Layout
from causal_model.model.structure import stationary_coupling
from causal_model.specification.variants import Variant

__all__ = [
    "FOLDED_SCALES",
    "cooperation_parameters",
    "driver_parameters",
    "folded_prior",
    "log_gamma_moments",
    "measurement_parameters",
    "parameters",
    "rv",
    "sampled_states",
    "signed",
    "student_t_weights",
    "tension_parameters",
]


def with_dims(prior: Prior, dims: tuple[str, ...] | str | None) -> Prior:
    """Return ``prior`` with its dims replaced (the model knows which sub-dim a parameter has)."""
    d = prior.to_dict()
    d["dims"] = dims
    return Prior.from_dict(d)


#: Spreads of the non-centred groups and the residual sd, sampled folded (:func:`folded_prior`)
#: when their prior is a half-symmetric distribution. Not ``loading_sigma``: the loadings are
#: centred, so their density has a wall at ``loading_sigma = 0`` that a folded variable runs
#: into. Not ``level_sigma``: the data keep it away from zero (90 % 0.09-0.29 on the real
#: panel), so the folded variable has two mirror modes with a narrow valley at zero, and
#: crossing it was where the reference fit's sporadic divergences were; it is sampled on the
#: log scale (``docs/decisions.md``).
FOLDED_SCALES = (
    "rho_sigma",
    "beta_sigma",
    "sigma_u",
    "elite_sigma",
    "driver_sigma",
    "idio_sigma",
)
#: Half-symmetric prior -> (symmetric distribution, its scale parameter, parameters kept,
#: its location parameter, set to 0).
_SYMMETRIC = {
    "HalfNormal": ("Normal", "sigma", (), "mu"),
    "HalfStudentT": ("StudentT", "sigma", ("nu",), "mu"),
    "HalfCauchy": ("Cauchy", "beta", (), "alpha"),
}


def folded_prior(prior: Prior) -> Prior | None:
    """The symmetric prior of ``y`` with ``|y|`` distributed as ``prior``, or None.

    A scale ``s ~ HalfNormal(a)`` is sampled as ``y ~ Normal(0, a)``, ``s = |y|`` (the
    Deterministic ``s``; the sampled ``<name>_raw`` has no meaning of its own, its sign is
    arbitrary). The density of ``s`` is the same, so is the posterior; only the geometry NUTS
    sees changes: on the log scale a scale whose posterior reaches towards zero has a long
    left tail, where the reference model's two variance components trade off; folded, both
    are smooth near zero (measurements in ``docs/decisions.md``).

    Returns None (the prior is used as it is) for other families, for a prior with a
    transform or with parameters that are themselves priors.
    """
    spec = _SYMMETRIC.get(prior.distribution)
    if spec is None or prior.transform is not None:
        return None
    dist, scale, kept, location = spec
    params = dict(prior.parameters)
    if set(params) != {scale, *kept} or not all(
        isinstance(v, int | float | np.ndarray | list) for v in params.values()
    ):
        return None
    kwargs = {k: params[k] for k in kept} | {scale: params[scale], location: 0.0}
    return Prior(dist, **kwargs, dims=prior.dims, transform="abs")


def rv(priors, name: str, dims=None, *, fold: bool | None = None):
    """Create the model variable ``name`` from its prior, with the model's dims.

    With ``fold`` (default: ``name`` is one of :data:`FOLDED_SCALES`) a half-symmetric prior
    is sampled folded (:func:`folded_prior`): the free variable is ``<name>_raw`` and
    ``name`` is the Deterministic ``|<name>_raw|``.
    """
    prior = with_dims(priors[name], dims)
    fold = name in FOLDED_SCALES if fold is None else fold
    folded = folded_prior(prior) if fold else None
    if folded is None:
        return prior.create_variable(name)
    keys = list(folded.parameters)
    scale = keys.index(_SYMMETRIC[prior.distribution][1])
    symmetric = folded.pymc_distribution

    def dist(*args):  # CustomDist passes the parameters, then the size
        *params, size = args
        return symmetric.dist(**dict(zip(keys, params, strict=True)), size=size)

    def start(rv, size, *params):
        # the default start of a symmetric variable, 0, would be a zero scale: start at the
        # prior scale instead (a support point, not an initval: models with initvals cannot
        # be converted by pm.do, compute_log_prior or freeze_dims_and_data)
        return pt.full_like(rv, params[scale])

    raw = pm.CustomDist(
        f"{name}_raw",
        *[folded.parameters[k] for k in keys],
        dist=dist,
        support_point=start,
        dims=dims,
    )
    return pm.Deterministic(name, pt.abs(raw), dims=dims)


def signed(scale):
    """The signed ``<name>_raw`` behind a folded scale (else ``scale`` itself), for a
    non-centred product ``spread * z`` with ``z ~ Normal(0, 1)``.

    ``raw * z`` has the distribution of ``|raw| * z`` (``z`` is symmetric), so the model is
    the same, but the log-density is smooth at ``raw = 0``; with ``|raw| * z`` it has a kink
    there, which NUTS crosses often for a spread near zero.
    """
    model = pm.modelcontext(None)
    raw = model.named_vars.get(f"{scale.name}_raw")
    return scale if raw is None else raw


def driver_parameters(priors, layout: Layout, variant: Variant) -> dict:
    """Persistences (partially pooled), loadings (pooled within driver), optional coupling."""
    md = layout.data
    k = len(md.drivers)
    if layout.driver_dynamics == "stationary":
        rho_mu = rv(priors, "rho_mu")
        rho_sigma = signed(rv(priors, "rho_sigma"))
        rho_z = pm.Normal("rho_z", 0.0, 1.0, dims=DRIVER)
        rho = pm.Deterministic("rho", pm.math.sigmoid(rho_mu + rho_sigma * rho_z), dims=DRIVER)
        out = {"rho": rho}
    else:  # random walks: only their innovation sd
        out = {"driver_sigma": rv(priors, "driver_sigma", DRIVER)}
    idx = md.subset("driver_free")
    if idx.size:
        loading_mu = pt.atleast_1d(rv(priors, "loading_mu", None if k == 1 else DRIVER))
        if k == 1:
            loading_mu = pt.repeat(loading_mu, 1)
        loading_sigma = rv(priors, "loading_sigma")
        # centred: the data pin each loading down, and the non-centred form made a ridge
        # between z and loading_mu
        out["loading"] = pm.LogNormal(
            "loading",
            mu=loading_mu[md.driver_of[idx]],
            sigma=loading_sigma,
            dims=DRIVER_INDICATOR,
        )
    if variant.coupled:
        raw = rv(priors, "coupling", (DRIVER, DRIVER_TO))
        out["coupling_matrix"] = pm.Deterministic(
            "coupling_matrix",
            stationary_coupling(out["rho"], raw, k, _PT),
            dims=(DRIVER, DRIVER_TO),
        )
    return out


def tension_parameters(priors, layout: Layout) -> dict:
    """Causal effects beta (pooled), residual AR(1), tension loadings, elite circulation."""
    beta_mu = rv(priors, "beta_mu")
    beta_sigma = signed(rv(priors, "beta_sigma"))
    beta_z = pm.Normal("beta_z", 0.0, 1.0, dims=DRIVER)
    out = {"beta": pm.Deterministic("beta", beta_mu + beta_sigma * beta_z, dims=DRIVER)}
    if layout.tension_dynamics == "stationary":
        out["rho_u"] = rv(priors, "rho_u")
        out["sigma_u"] = rv(priors, "sigma_u")
    else:
        out["level_sigma"] = rv(priors, "level_sigma")
        if layout.tension_dynamics == "persistent":
            out["level_rho"] = rv(priors, "level_rho")
        if layout.drift:
            out["level_drift"] = rv(priors, "level_drift")
    if layout.shocks != "normal":
        out["shock_nu"] = rv(priors, "shock_nu")
        out["shock_weight"] = gamma_weights(out["shock_nu"], "shock_weight", (SHOCK_YEAR,))
    if layout.data.subset("tension_free").size:
        out["tension_loading"] = rv(priors, "tension_loading", TENSION_INDICATOR)
    if layout.elite is not None:
        elite_mu = rv(priors, "elite_mu", EVENT_TYPE)
        elite_sigma = signed(rv(priors, "elite_sigma"))
        elite_z = pm.Normal("elite_z", 0.0, 1.0, dims=EVENT)
        out["elite_delta"] = pm.Deterministic(
            "elite_delta", elite_mu[layout.event_types] + elite_sigma * elite_z, dims=EVENT
        )
        for name in layout.elite.parameters:
            out[name] = rv(priors, name)
    return out


def cooperation_parameters(priors, layout: Layout) -> dict:
    """Loadings of the cooperation indicators on tension, of free sign: ``coop_loading ~
    Normal(coop_loading_mu, coop_loading_sigma)`` (partially pooled, centred like the driver
    loadings). None when the variant insulates the cooperation areas or there are none."""
    if not layout.coop_free.shape[0]:
        return {}
    mu = rv(priors, "coop_loading_mu")
    sigma = rv(priors, "coop_loading_sigma")
    return {"coop_loading": pm.Normal("coop_loading", mu=mu, sigma=sigma, dims=COOP_INDICATOR)}


def measurement_parameters(priors, layout: Layout) -> dict:
    """Intercepts, noise sds (gaussian), degrees of freedom (student_t), NB dispersion, and
    the AR(1) deviations of the variant's idiosyncratic indicators."""
    md = layout.data
    out = {}
    if layout.idio.size:
        if layout.own_dynamics == "ar1":
            out["idio_rho"] = rv(priors, "idio_rho", IDIO_INDICATOR)
        out["idio_sigma"] = rv(priors, "idio_sigma", IDIO_INDICATOR)
    if md.subset("intercept_free").size:
        out["intercept"] = rv(priors, "intercept", INTERCEPT_INDICATOR)
    if md.subset("gaussian").size:
        out["sigma_obs"] = rv(priors, "sigma_obs", GAUSSIAN_INDICATOR)
    if md.subset("t").size:
        out["nu"] = rv(priors, "nu", T_INDICATOR)
    if md.subset("nb").size:
        out["nb_alpha"] = rv(priors, "nb_alpha", NB_INDICATOR)
    return out


def sampled_states(a, q_time, p0):
    """Latent states as NUTS parameters (non-centred innovations), dims (year, state).

    ``q_time`` ``(T, S)``: the innovation variances of every year (row 0 unused).
    """
    eps = pm.Normal("state_innovation", 0.0, 1.0, dims=(YEAR, STATE))
    x0 = pt.dot(pt.linalg.cholesky(p0), eps[0])

    def step(e, sd, x_prev, a_):
        return pt.dot(a_, x_prev) + sd * e

    rest = scan(
        step,
        sequences=[eps[1:], pt.sqrt(q_time[1:])],
        outputs_info=[x0],
        non_sequences=[a],
        return_updates=False,
    )
    states = pt.concatenate([x0[None, :], rest], axis=0)
    return pm.Deterministic("states", states, dims=(YEAR, STATE))


def log_gamma_moments(shape):
    """Approximate mean and sd of ``log w`` for ``w ~ Gamma(shape, rate shape)``.

    Asymptotic series of ``digamma(a) - log(a)`` and ``sqrt(trigamma(a))``; they only set the
    centring of :func:`student_t_weights` (any smooth choice keeps the density exact), so their
    accuracy affects sampling efficiency, not the posterior.
    """
    a = shape
    return -1.0 / (2.0 * a) - 1.0 / (12.0 * a**2), pt.sqrt(1.0 / a + 1.0 / (2.0 * a**2))


def gamma_weights(nu, name: str, dims: tuple[str, ...]):
    """Scale-mixture weights ``w ~ Gamma(nu / 2, rate nu / 2)``, sampled standardised.

    ``e / sqrt(w)`` with ``e ~ N(0, 1)`` is Student-t with ``nu`` degrees of freedom; with
    the weights sampled, everything is normal given them, so the Laplace step over the states
    stays exact (and unimodal). The sampled variable is ``<name>_z = (log w - m(nu)) / s(nu)``
    (:func:`log_gamma_moments`), close to N(0, 1) whatever ``nu``: sampling ``w`` itself makes
    a funnel with ``nu``.
    """

    def dist(nu, size):
        m, s = log_gamma_moments(nu / 2.0)
        return (pt.log(pm.Gamma.dist(alpha=nu / 2.0, beta=nu / 2.0, size=size)) - m) / s

    z = pm.CustomDist(f"{name}_z", nu, dist=dist, dims=dims)
    m, s = log_gamma_moments(nu / 2.0)
    return pm.Deterministic(name, pt.exp(m + s * z), dims=dims)


def student_t_weights(nu):
    """Scale-mixture weights ``t_weight`` (year, t_indicator) of the Student-t indicators'
    cells: ``y = eta + scale * e / sqrt(w)`` is ``StudentT(nu, eta, scale)``
    (:func:`gamma_weights`)."""
    return gamma_weights(nu, "t_weight", (YEAR, T_INDICATOR))


def parameters(priors, layout: Layout, variant: Variant) -> dict:
    """Every structural parameter of the model (in the current PyMC model context)."""
    return {
        **driver_parameters(priors, layout, variant),
        **tension_parameters(priors, layout),
        **cooperation_parameters(priors, layout),
        **measurement_parameters(priors, layout),
    }
