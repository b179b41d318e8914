"""Building blocks of the PyMC model: parameters, state-space matrices, linear predictors.

Each function adds named variables to the current ``pm.Model`` context and returns tensors.
The maths lives in :mod:`causal_model.components`; the model class composes these parts.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc_extras.prior import Prior

from causal_model.components import elite_term, half_life_to_tau, stationary_coupling
from causal_model.dims import (
    DRIVER,
    DRIVER_INDICATOR,
    DRIVER_TO,
    EVENT,
    EVENT_TYPE,
    GAUSSIAN_INDICATOR,
    INTERCEPT_INDICATOR,
    NB_INDICATOR,
    STATE,
    T_INDICATOR,
    TENSION_INDICATOR,
    YEAR,
)
from causal_model.model_data import (
    DRIVER_ANCHOR_LOADING,
    DRIVER_ANCHOR_NOISE,
    FAMILY_CODE,
    ModelData,
)
from causal_model.variants import Variant


def with_dims(prior: Prior, dims: tuple[str, ...] | str | None) -> Prior:
    """Return ``prior`` with its dims replaced (the model knows which sub-dim a parameter has)."""
    d = prior.to_dict()
    d["dims"] = dims
    return Prior.from_dict(d)


#: Spreads of the non-centred groups and the residual sd, sampled folded (:func:`folded_prior`)
#: when their prior is a half-symmetric distribution. Not ``loading_sigma``: the loadings are
#: centred, so their density has a wall at ``loading_sigma = 0`` (gradients ~ 1 / s^3) that
#: the folded variable runs into. Folded, it made the SBC test's fits (17 years, weak data)
#: 2.8x slower (4.0 against 1.4 s per fit) and the real panel's min ESS no better
#: (537-997 against 611-881 unfolded, six seeds).
FOLDED_SCALES = ("rho_sigma", "beta_sigma", "sigma_u", "elite_sigma")
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
    sees changes. On the log scale PyMC samples by default, a scale whose posterior reaches
    towards zero has a long left tail, and the reference model's two variance components
    trade off there (small ``sigma_u`` with ``elite_sigma`` pinned near 0.3, elsewhere
    ``log elite_sigma`` spread over -5..0). Folded, both are smooth near zero. Measured on
    the real panel (2 x 2000 draws, seeds 1-3): min bulk ESS 1028-1495 against 713-852, and
    at target 0.9 divergences 1/0/0 against 8/2/0 (they sat at small ``sigma_u``).

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
    there, which NUTS crosses often for a spread near zero. Measured, reference model, 2 x
    (1200 + 700) draws, seeds 1-5 and 20241124 (``loading_sigma`` folded too, then): step
    size 0.17 against 0.15 with the kink, min bulk ESS 658/963/810/997/896/537 against
    598/770/603/652/598/720; on a simulated panel of 408 steps (500 + 500 draws) min ESS 399
    against 219.
    """
    model = pm.modelcontext(None)
    raw = model.named_vars.get(f"{scale.name}_raw")
    return scale if raw is None else raw


def driver_parameters(priors, md: ModelData, variant: Variant) -> dict:
    """Persistences (partially pooled), loadings (pooled within driver), optional coupling."""
    k = len(md.drivers)
    rho_mu = rv(priors, "rho_mu")
    rho_sigma = signed(rv(priors, "rho_sigma"))
    rho_z = pm.Normal("rho_z", 0.0, 1.0, dims=DRIVER)
    rho = pm.Deterministic("rho", pm.math.sigmoid(rho_mu + rho_sigma * rho_z), dims=DRIVER)

    idx = md.subset("driver_free")
    loading_mu = rv(priors, "loading_mu", None if k == 1 else DRIVER)
    loading_mu = pt.atleast_1d(loading_mu)
    if k == 1:
        loading_mu = pt.repeat(loading_mu, 1)
    loading_sigma = rv(priors, "loading_sigma")
    # Centred. The data pin each loading down (posterior sd of the log loading 0.1-0.5,
    # loading_sigma ~0.6 on the real panel), so the non-centred form (loading_mu +
    # loading_sigma * z) made a ridge between z and loading_mu (posterior corr 0.83-0.91).
    # Measured, reference fit, 2 x 1500 draws, seeds 1-5 and 20241124: min bulk ESS
    # 644/666/798/473/634/396, against 240-534 non-centred.
    loading = pm.LogNormal(
        "loading", mu=loading_mu[md.driver_of[idx]], sigma=loading_sigma, dims=DRIVER_INDICATOR
    )
    coupling = None
    if variant.coupled:
        raw = rv(priors, "coupling", (DRIVER, DRIVER_TO))
        coupling = pm.Deterministic(
            "coupling_matrix", stationary_coupling(rho, raw), dims=(DRIVER, DRIVER_TO)
        )
    return {"rho": rho, "loading": loading, "coupling": coupling}


def tension_parameters(priors, md: ModelData, variant: Variant, event_times, event_types) -> dict:
    """Causal effects beta (pooled), residual AR(1), elite circulation, tension loadings."""
    beta_mu = rv(priors, "beta_mu")
    beta_sigma = signed(rv(priors, "beta_sigma"))
    beta_z = pm.Normal("beta_z", 0.0, 1.0, dims=DRIVER)
    beta = pm.Deterministic("beta", beta_mu + beta_sigma * beta_z, dims=DRIVER)
    rho_u = rv(priors, "rho_u")
    sigma_u = rv(priors, "sigma_u")
    t_load = rv(priors, "tension_loading", TENSION_INDICATOR)

    times = md.years.astype(float) + 0.5  # annual values are read at mid-year
    if variant.elite == "none" or len(event_times) == 0:
        elite = pt.zeros(md.n_years)
        out = {}
    else:
        elite_mu = rv(priors, "elite_mu", EVENT_TYPE)
        elite_sigma = signed(rv(priors, "elite_sigma"))
        elite_z = pm.Normal("elite_z", 0.0, 1.0, dims=EVENT)
        delta = pm.Deterministic(
            "elite_delta", elite_mu[event_types] + elite_sigma * elite_z, dims=EVENT
        )
        permanent = variant.elite == "permanent"
        tau = None if permanent else half_life_to_tau(rv(priors, "half_life"))
        elite = elite_term(times, np.asarray(event_times), delta, tau, permanent=permanent)
        out = {"delta": delta, "tau": tau}
    elite = pm.Deterministic("elite", elite, dims=YEAR)
    return {
        "beta": beta,
        "rho_u": rho_u,
        "sigma_u": sigma_u,
        "tension_loading": t_load,
        "elite": elite,
        **out,
    }


def measurement_parameters(priors, md: ModelData) -> dict:
    """Intercepts, noise sds (gaussian), degrees of freedom (student_t), NB dispersion."""

    free = md.subset("intercept_free")
    intercept = rv(priors, "intercept", INTERCEPT_INDICATOR)
    full = pt.set_subtensor(pt.zeros(len(md.indicators))[free], intercept)
    out = {"intercept": intercept, "intercept_full": full}
    if md.subset("gaussian").size:
        out["sigma_obs"] = rv(priors, "sigma_obs", GAUSSIAN_INDICATOR)
    if md.subset("t").size:
        out["nu"] = rv(priors, "nu", T_INDICATOR)
    if md.subset("nb").size:
        out["nb_alpha"] = rv(priors, "nb_alpha", NB_INDICATOR)
    return out


def full_scale(md: ModelData, params: dict) -> tuple:
    """Per-indicator vectors (length N) of noise sd, student-t dof and NB dispersion."""
    n = len(md.indicators)
    # fixed entries are numpy constants (JAX cannot set a subtensor to a Python scalar)
    base = np.ones(n)
    base[md.subset("driver_anchor")] = DRIVER_ANCHOR_NOISE
    scale, nu, alpha = pt.as_tensor_variable(base), pt.ones(n) * 1e6, pt.ones(n)
    if "sigma_obs" in params:
        scale = pt.set_subtensor(scale[md.subset("gaussian")], params["sigma_obs"])
    if "nu" in params:
        nu = pt.set_subtensor(nu[md.subset("t")], params["nu"])
    if "nb_alpha" in params:
        alpha = pt.set_subtensor(alpha[md.subset("nb")], params["nb_alpha"])
    return scale, nu, alpha


def loading_matrix(md: ModelData, params: dict) -> tuple:
    """Z (N x S) mapping states (drivers, residual) to indicators, and tension weights lam (N)."""
    n, k = len(md.indicators), len(md.drivers)
    direction = md.direction.astype(float)
    lam_fixed = np.zeros(n)
    lam_fixed[md.anchor] = direction[md.anchor]
    lam = pt.as_tensor_variable(lam_fixed)
    free = md.subset("tension_free")
    if free.size:
        lam = pt.set_subtensor(lam[free], direction[free] * params["tension_loading"])
    z_fixed = np.zeros((n, k + 1))
    aidx = md.subset("driver_anchor")
    z_fixed[aidx, md.driver_of[aidx]] = direction[aidx] * DRIVER_ANCHOR_LOADING
    z = pt.as_tensor_variable(z_fixed)
    didx = md.subset("driver_free")
    if didx.size:
        z = pt.set_subtensor(z[didx, md.driver_of[didx]], direction[didx] * params["loading"])
    tidx = md.subset("tension")
    row = pt.concatenate([params["beta"], pt.ones(1)])
    z = pt.set_subtensor(z[tidx], lam[tidx][:, None] * row[None, :])
    return z, lam


def transition(md: ModelData, params: dict) -> tuple:
    """A (S x S), Q (S x S) and the stationary start covariance P0 of the state vector.

    Drivers are unit-variance AR(1)s (innovation variance 1 - rho^2); with coupling the
    off-diagonal terms of A are added and P0 solves the discrete Lyapunov equation.
    """
    k = len(md.drivers)
    rho_all = pt.concatenate([params["rho"], pt.atleast_1d(params["rho_u"])])
    qdiag = pt.concatenate(
        [
            1.0 - params["rho"] ** 2,
            pt.atleast_1d(params["sigma_u"] ** 2 * (1 - params["rho_u"] ** 2)),
        ]
    )
    a = pt.diag(rho_all)
    q = pt.diag(qdiag)
    if params.get("coupling") is not None:
        a = pt.set_subtensor(a[:k, :k], a[:k, :k] + params["coupling"])
        s = k + 1
        kron = pt.linalg.kron(a, a)
        vec_p = pt.linalg.solve(pt.eye(s * s) - kron, q.reshape((s * s,)))
        p0 = vec_p.reshape((s, s))
        p0 = 0.5 * (p0 + p0.T)
    else:
        p0 = pt.diag(pt.concatenate([pt.ones(k), pt.atleast_1d(params["sigma_u"] ** 2)]))
    return a, q, p0


def sampled_states(md: ModelData, a, q, p0):
    """Latent states as NUTS parameters (non-centred innovations), dims (year, state)."""
    eps = pm.Normal("state_innovation", 0.0, 1.0, dims=(YEAR, STATE))
    chol0 = pt.linalg.cholesky(p0)
    cholq = pt.sqrt(pt.diag(q))
    x0 = pt.dot(chol0, eps[0])

    def step(e, x_prev, a_, cq):
        return pt.dot(a_, x_prev) + cq * e

    from pytensor import scan

    rest = scan(
        step, sequences=[eps[1:]], outputs_info=[x0], non_sequences=[a, cholq], return_updates=False
    )
    states = pt.concatenate([x0[None, :], rest], axis=0)
    return pm.Deterministic("states", states, dims=(YEAR, STATE))


def log_gamma_moments(shape):
    """Approximate mean and sd of ``log w`` for ``w ~ Gamma(shape, rate shape)``.

    Asymptotic series of ``digamma(a) - log(a)`` and ``sqrt(trigamma(a))``; they only set the
    centring of :func:`_gamma_weights` (any smooth choice keeps the density exact), so their
    accuracy affects sampling efficiency, not the posterior.
    """
    a = shape
    return -1.0 / (2.0 * a) - 1.0 / (12.0 * a**2), pt.sqrt(1.0 / a + 1.0 / (2.0 * a**2))


def _gamma_weights(nu):
    """``t_weight ~ Gamma(nu / 2, rate nu / 2)`` sampled through a standardised ``log w``.

    The sampled variable is ``t_weight_z = (log w - m(nu)) / s(nu)`` (:func:`log_gamma_moments`):
    its density is that of the Gamma weight with the change of variables (PyMC derives it), and
    it is close to N(0, 1) whatever ``nu``. Sampling ``w`` itself would make a funnel with
    ``nu`` (for large ``nu`` all weights are squeezed near 1), which cost ESS on ``nu``.
    """
    dims = (YEAR, T_INDICATOR)

    def dist(nu, size):
        m, s = log_gamma_moments(nu / 2.0)
        return (pt.log(pm.Gamma.dist(alpha=nu / 2.0, beta=nu / 2.0, size=size)) - m) / s

    z = pm.CustomDist("t_weight_z", nu, dist=dist, dims=dims)
    m, s = log_gamma_moments(nu / 2.0)
    return pm.Deterministic("t_weight", pt.exp(m + s * z), dims=dims)


def student_t_mixture(md: ModelData, nu, scale) -> tuple:
    """Student-t noise written as a scale mixture of normals, for the marginal (Laplace) path.

    ``y = eta + scale * e / sqrt(w)``, ``e ~ N(0, 1)``, ``w ~ Gamma(nu / 2, rate nu / 2)``
    gives ``y ~ StudentT(nu, eta, scale)`` exactly. With the weights ``t_weight`` (dims year,
    t_indicator) sampled by NUTS, every student_t cell is normal given its weight, so the
    Laplace step over the states is exact and unimodal there; treating the Student-t density
    directly needs Fisher information and has several modes when ``nu`` is near 1.

    Returns
    -------
    tuple
        ``(cell_scale (T, N), family)``: the per-cell noise scale and the family codes with
        student_t replaced by normal.
    """
    tidx = md.subset("t")
    family = np.asarray(md.family).copy()
    if not tidx.size:
        return scale, family
    w = _gamma_weights(nu)
    cell = pt.ones((md.n_years, 1)) * scale[None, :]
    cell = pt.set_subtensor(cell[:, tidx], scale[tidx][None, :] / pt.sqrt(w))
    family[tidx] = FAMILY_CODE["normal"]
    return cell, family
