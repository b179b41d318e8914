"""Speed peer: an independent pure-numpyro implementation of the reference model.

Usage: python benchmarks/peer_numpyro.py [--draws 1000] [--tune 1000] [--chains 2] [--seed 1]

What it is
----------
The reference model of :class:`causal_model.model.TensionModel` (three partially pooled
AR(1) drivers, tension ``T = sum_k beta_k D_k + E + u`` with an AR(1) residual ``u`` and the
decaying elite-circulation effect ``E``, indicators of every family of the registry) written
again from scratch in numpyro, to put the package's sampling speed next to a plain
JAX/numpyro NUTS run of the same posterior. Only the data (:func:`causal_model.data.
load_us_russia`, :attr:`TensionModel.data`, :meth:`TensionModel.past_events`) and the values
of the priors file (``priors/neoclassical_realism.toml`` through
:func:`causal_model.priors.load_priors`) come from the package; none of its model-building
code (PyMC, PyTensor, the Laplace step) is used. Every prior is translated to the numpyro
distribution here (:func:`numpyro_distribution`).

Unlike the package's default path, which integrates the latent states out of the
log-density (Kalman filter / Laplace approximation) and draws them after sampling, this peer
*samples the states by NUTS*: non-centred standard-normal innovations ``state_innovation``
(year, state) with state = drivers + residual, a stationary start, and the AR(1) recursion
written as a lower-triangular sum ``x_t = sum_{s <= t} rho^(t-s) e_s`` (vectorised; no scan).
Everything else follows the package: non-centred ``rho_z``, ``beta_z``, ``elite_z``,
centred log-normal ``loading``; ``rho = sigmoid(rho_mu + rho_sigma rho_z)``; loadings times
the registry's direction; fixed anchor loadings (driver anchors ``DRIVER_ANCHOR_LOADING``
with noise sd ``DRIVER_ANCHOR_NOISE``, tension anchor 1) and zero anchor intercepts;
link-scale count offsets; the elite term enters every tension indicator through its tension
loading; NUTS with target acceptance 0.9, diagonal mass matrix (numpyro's default).

Reported: wall seconds from model definition to samples (tracing and XLA compilation
included), the part of it spent tracing/compiling (JAX monitoring events) and the rest
(sampling), min bulk/tail ESS and max R-hat over the non-latent parameters (the package's
:func:`causal_model.inference.diagnostics.parameter_names` convention: everything but the latent
paths
and the ``*_z`` offsets), divergences, min bulk ESS per wall and per sampling second, and
posterior means/sds of rho, beta, sigma_u, rho_u, half_life.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpyro

numpyro.set_host_device_count(2)  # before JAX creates its CPU backend: chains in parallel

import arviz as az  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import numpyro.distributions as dist  # noqa: E402
from jax import monitoring  # noqa: E402
from numpyro.infer import MCMC, NUTS  # noqa: E402

jax.config.update("jax_enable_x64", True)

#: Data and prior *values* only: none of the package's model-building code is imported.
from causal_model import TensionModel  # noqa: E402
from causal_model.data import load_us_russia  # noqa: E402
from causal_model.dims import EVENT_TYPES  # noqa: E402
from causal_model.families import CODES as FAMILY_CODE  # noqa: E402
from causal_model.model.arrays import (  # noqa: E402
    DRIVER_ANCHOR_LOADING,
    DRIVER_ANCHOR_NOISE,
)
from causal_model.specification.priors import load_priors  # noqa: E402

#: Posterior variables that are latent paths or non-centred offsets (not diagnosed).
LATENT = ("state_innovation", "states", "elite")
TECHNICAL = ("rho_z", "beta_z", "elite_z")
#: Parameters whose posterior means/sds are reported.
REPORTED = ("beta", "rho", "half_life", "sigma_u", "rho_u")
#: JAX events whose time spans are tracing, lowering and compiling (their union is "JIT").
JIT_EVENTS = (
    "/jax/core/compile/jaxpr_trace_duration",
    "/jax/core/compile/jaxpr_to_mlir_module_duration",
    "/jax/core/compile/backend_compile_duration",
)


# ------------------------------------------------------------------------------ priors
def numpyro_distribution(prior) -> dist.Distribution:
    """The numpyro distribution of a pymc-extras ``Prior`` (same parametrisation as PyMC).

    Supports Normal, HalfNormal, LogNormal, Gamma (alpha/beta or mu/sigma), Beta
    (alpha/beta or mu/sigma), StudentT, HalfStudentT, HalfCauchy, Cauchy, Exponential.
    """
    name = prior.distribution
    p = {}
    for key, val in prior.parameters.items():
        if hasattr(val, "distribution"):
            raise NotImplementedError(f"hierarchical prior parameter {key!r} of {name}")
        p[key] = jnp.asarray(np.asarray(val, dtype=float))
    if name == "Normal":
        return dist.Normal(p.get("mu", 0.0), p.get("sigma", 1.0))
    if name == "HalfNormal":
        return dist.HalfNormal(p.get("sigma", 1.0))
    if name == "LogNormal":
        return dist.LogNormal(p.get("mu", 0.0), p.get("sigma", 1.0))
    if name == "Gamma":
        if "alpha" in p:
            return dist.Gamma(p["alpha"], p["beta"])
        mu, sd = p["mu"], p["sigma"]
        return dist.Gamma(mu**2 / sd**2, mu / sd**2)
    if name == "Beta":
        if "alpha" in p:
            return dist.Beta(p["alpha"], p["beta"])
        mu, sd = p["mu"], p["sigma"]
        kappa = mu * (1.0 - mu) / sd**2 - 1.0
        return dist.Beta(mu * kappa, (1.0 - mu) * kappa)
    if name == "StudentT":
        return dist.StudentT(p["nu"], p.get("mu", 0.0), p.get("sigma", 1.0))
    if name == "HalfStudentT":
        return dist.FoldedDistribution(dist.StudentT(p["nu"], 0.0, p.get("sigma", 1.0)))
    if name == "HalfCauchy":
        return dist.HalfCauchy(p["beta"])
    if name == "Cauchy":
        return dist.Cauchy(p["alpha"], p["beta"])
    if name == "Exponential":
        return dist.Exponential(p["lam"] if "lam" in p else 1.0 / p["scale"])
    raise NotImplementedError(f"prior distribution {name!r} is not translated")


def _prior_sample(priors: dict, name: str, size: int | None = None):
    """Sample ``name`` from its prior: a scalar (``size`` None) or a vector of ``size``."""
    d = priors[name]
    if size is None:
        if d.batch_shape != ():
            raise ValueError(f"prior of {name!r} is not scalar: batch shape {d.batch_shape}")
        return numpyro.sample(name, d)
    return numpyro.sample(name, d.expand((size,)))


# ------------------------------------------------------------------------------ model
def make_model(md, event_times: np.ndarray, event_types: np.ndarray, prior_set):
    """Return the numpyro model function of the reference model on ``md`` (a ModelData)."""
    n_t, n_i = md.y.shape
    k = len(md.drivers)
    n_s = k + 1
    priors = {name: numpyro_distribution(prior_set[name]) for name in prior_set}
    direction = md.direction.astype(float)
    driver_of = md.driver_of
    d_free, d_anchor = md.subset("driver_free"), md.subset("driver_anchor")
    tension, t_free = md.subset("tension"), md.subset("tension_free")
    gauss, t_idx, nb_idx = md.subset("gaussian"), md.subset("t"), md.subset("nb")
    icpt_free = md.subset("intercept_free")

    # fixed parts of the measurement: anchor loadings, anchor noise, link offsets
    lam_fixed = np.zeros(n_i)
    lam_fixed[md.anchor] = direction[md.anchor]
    z_fixed = np.zeros((n_i, n_s))
    z_fixed[d_anchor, driver_of[d_anchor]] = direction[d_anchor] * DRIVER_ANCHOR_LOADING
    scale_fixed = np.ones(n_i)
    scale_fixed[d_anchor] = DRIVER_ANCHOR_NOISE
    offset = np.asarray(md.offset, dtype=float)

    # elite circulation: years are read at mid-year
    lag = (md.years.astype(float) + 0.5)[:, None] - np.asarray(event_times, float)[None, :]
    after = lag >= 0
    safe_lag = np.where(after, lag, 0.0)

    # AR(1) as a lower-triangular sum: x_t = sum_{s<=t} rho^(t-s) e_s
    steps = np.arange(n_t)[:, None] - np.arange(n_t)[None, :]
    lower = (steps >= 0)[:, :, None]
    steps = np.where(steps >= 0, steps, 0).astype(float)[:, :, None]
    first = (np.arange(n_t) == 0)[:, None]

    # observed cells, per likelihood family
    cells = {}
    for fam, code in FAMILY_CODE.items():
        cols = np.flatnonzero(md.family == code)
        tt, jj = np.nonzero(md.mask[:, cols])
        if tt.size:
            ii = cols[jj]
            cells[fam] = (tt, ii, md.y[tt, ii], md.trials[tt, ii])

    def model():
        # drivers: partially pooled persistences, loadings pooled within driver
        rho_mu = _prior_sample(priors, "rho_mu")
        rho_sigma = _prior_sample(priors, "rho_sigma")
        rho_z = numpyro.sample("rho_z", dist.Normal(0.0, 1.0).expand((k,)))
        rho = numpyro.deterministic("rho", jax.nn.sigmoid(rho_mu + rho_sigma * rho_z))
        loading_mu = _prior_sample(priors, "loading_mu", k)
        loading_sigma = _prior_sample(priors, "loading_sigma")
        loading = numpyro.sample(
            "loading", dist.LogNormal(loading_mu[driver_of[d_free]], loading_sigma)
        )

        # tension: causal effects, residual AR(1), elite circulation, tension loadings
        beta_mu = _prior_sample(priors, "beta_mu")
        beta_sigma = _prior_sample(priors, "beta_sigma")
        beta_z = numpyro.sample("beta_z", dist.Normal(0.0, 1.0).expand((k,)))
        beta = numpyro.deterministic("beta", beta_mu + beta_sigma * beta_z)
        rho_u = _prior_sample(priors, "rho_u")
        sigma_u = _prior_sample(priors, "sigma_u")
        t_load = _prior_sample(priors, "tension_loading", t_free.size)
        if event_times.size:
            elite_mu = _prior_sample(priors, "elite_mu", len(EVENT_TYPES))
            elite_sigma = _prior_sample(priors, "elite_sigma")
            elite_z = numpyro.sample("elite_z", dist.Normal(0.0, 1.0).expand((event_times.size,)))
            delta = numpyro.deterministic(
                "elite_delta", elite_mu[event_types] + elite_sigma * elite_z
            )
            tau = _prior_sample(priors, "half_life") / math.log(2.0)
            decay = jnp.where(after, jnp.exp(-safe_lag / tau), 0.0)
            elite = numpyro.deterministic("elite", decay @ delta)
        else:
            elite = numpyro.deterministic("elite", jnp.zeros(n_t))

        # measurement parameters
        intercept = _prior_sample(priors, "intercept", icpt_free.size)
        scale = jnp.asarray(scale_fixed)
        if gauss.size:
            scale = scale.at[gauss].set(_prior_sample(priors, "sigma_obs", gauss.size))
        nu = jnp.full(n_i, 1e6)
        if t_idx.size:
            nu = nu.at[t_idx].set(_prior_sample(priors, "nu", t_idx.size))
        alpha = jnp.ones(n_i)
        if nb_idx.size:
            alpha = alpha.at[nb_idx].set(_prior_sample(priors, "nb_alpha", nb_idx.size))

        # loading matrix Z (indicator, state) and tension weights lam (indicator)
        lam = jnp.asarray(lam_fixed).at[t_free].set(direction[t_free] * t_load)
        z = jnp.asarray(z_fixed).at[d_free, driver_of[d_free]].set(direction[d_free] * loading)
        row = jnp.concatenate([beta, jnp.ones(1)])
        z = z.at[tension].set(lam[tension, None] * row[None, :])
        icpt_full = jnp.zeros(n_i).at[icpt_free].set(intercept)
        c = (offset + icpt_full)[None, :] + lam[None, :] * elite[:, None]

        # latent states (drivers, residual): stationary start, non-centred innovations
        eps = numpyro.sample("state_innovation", dist.Normal(0.0, 1.0).expand((n_t, n_s)))
        rho_all = jnp.concatenate([rho, rho_u[None]])
        sd0 = jnp.concatenate([jnp.ones(k), sigma_u[None]])
        sdq = jnp.concatenate([jnp.sqrt(1.0 - rho**2), (sigma_u * jnp.sqrt(1.0 - rho_u**2))[None]])
        shocks = eps * jnp.where(first, sd0[None, :], sdq[None, :])
        powers = jnp.where(lower, jnp.exp(steps * jnp.log(rho_all)[None, None, :]), 0.0)
        states = numpyro.deterministic("states", jnp.einsum("tus,us->ts", powers, shocks))

        eta = c + states @ z.T
        for fam, (tt, ii, obs, ntr) in cells.items():
            mu = eta[tt, ii]
            if fam == "normal":
                d = dist.Normal(mu, scale[ii])
            elif fam == "student_t":
                d = dist.StudentT(nu[ii], mu, scale[ii])
            elif fam == "poisson":
                d = dist.Poisson(jnp.exp(mu))
            elif fam == "negative_binomial":
                d = dist.NegativeBinomial2(jnp.exp(mu), alpha[ii])
            else:
                d = dist.Binomial(total_count=ntr.astype(int), logits=mu)
            numpyro.sample(f"obs_{fam}", d, obs=obs)

    return model


def _dims(md) -> tuple[dict, dict]:
    """Coords and dims of the posterior variables (for labelled arviz output)."""
    ind = np.array(md.indicators)
    coords = {
        "driver": list(md.drivers),
        "state": [*md.drivers, "residual"],
        "year": md.years,
        "event_type": list(EVENT_TYPES),
        "driver_indicator": list(ind[md.subset("driver_free")]),
        "tension_indicator": list(ind[md.subset("tension_free")]),
        "gaussian_indicator": list(ind[md.subset("gaussian")]),
        "t_indicator": list(ind[md.subset("t")]),
        "nb_indicator": list(ind[md.subset("nb")]),
        "intercept_indicator": list(ind[md.subset("intercept_free")]),
    }
    dims = {
        "rho_z": ["driver"],
        "rho": ["driver"],
        "loading_mu": ["driver"],
        "loading": ["driver_indicator"],
        "beta_z": ["driver"],
        "beta": ["driver"],
        "tension_loading": ["tension_indicator"],
        "elite_mu": ["event_type"],
        "elite": ["year"],
        "intercept": ["intercept_indicator"],
        "sigma_obs": ["gaussian_indicator"],
        "nu": ["t_indicator"],
        "nb_alpha": ["nb_indicator"],
        "state_innovation": ["year", "state"],
        "states": ["year", "state"],
    }
    return coords, dims


class _JitClock:
    """Union of the time spans JAX spends tracing, lowering and compiling."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float]] = []

    def __call__(self, event: str, start: float, end: float, **kwargs) -> None:
        if event in JIT_EVENTS:
            self.spans.append((start, end))

    def seconds(self) -> float:
        total, last = 0.0, -math.inf
        for start, end in sorted(self.spans):
            if end > last:
                total += end - max(start, last)
                last = end
        return total


# ------------------------------------------------------------------------------ run
def run_peer(draws: int = 1000, tune: int = 1000, chains: int = 2, seed: int = 1) -> dict:
    """Sample the peer model on the real US–Russia panel and measure it.

    Parameters
    ----------
    draws, tune, chains
        Posterior draws per chain, warm-up steps, chains (run in parallel on 2 devices).
    seed
        PRNG seed of the run.

    Returns
    -------
    dict
        ``wall`` (seconds, model definition to samples, JIT included), ``jit`` (tracing and
        compilation inside it), ``sample`` (``wall - jit``), ``min_ess_bulk``,
        ``min_ess_tail``, ``max_r_hat`` (non-latent parameters), ``worst_ess`` (the parameter
        of ``min_ess_bulk``), ``divergences``, ``ess_per_wall_s``, ``ess_per_sample_s``,
        ``means`` and ``sds`` (dicts ``"beta[culture]" -> float`` for rho, beta, sigma_u,
        rho_u, half_life), ``summary`` (``az.summary`` of those) and ``idata``.
    """
    # data and prior values only; the peer implements the release-0.1 dynamics (stationary)
    tm = TensionModel(load_us_russia(), variant="stationary")
    md = tm.data
    ev = tm.past_events()
    event_times = ev["time"].values.astype(float)
    event_types = np.array([EVENT_TYPES.index(str(t)) for t in ev["event_type"].values])
    prior_set = load_priors("neoclassical_realism")

    clock = _JitClock()
    monitoring.register_event_time_span_listener(clock)
    try:
        t0 = time.perf_counter()
        model = make_model(md, event_times, event_types, prior_set)
        mcmc = MCMC(
            NUTS(model, target_accept_prob=0.9),
            num_warmup=tune,
            num_samples=draws,
            num_chains=chains,
            chain_method="parallel",
            progress_bar=False,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "not enough devices" when chains > 2
            mcmc.run(jax.random.PRNGKey(seed), extra_fields=("diverging",))
        samples = mcmc.get_samples(group_by_chain=True)
        jax.block_until_ready(samples)
        wall = time.perf_counter() - t0
    finally:
        monitoring.unregister_event_time_span_listener(clock)
    jit = clock.seconds()

    coords, dims = _dims(md)
    idata = az.from_numpyro(mcmc, coords=coords, dims=dims, log_likelihood=False)
    names = [
        v
        for v in idata.posterior.data_vars
        if v not in LATENT and not v.startswith(TECHNICAL) and not v.endswith("__")
    ]
    diag = az.summary(idata, var_names=names, kind="diagnostics")
    divergences = int(idata.sample_stats["diverging"].sum())
    summ = az.summary(idata, var_names=list(REPORTED), kind="stats")
    ess = float(diag["ess_bulk"].min())
    return {
        "wall": wall,
        "jit": jit,
        "sample": wall - jit,
        "min_ess_bulk": ess,
        "min_ess_tail": float(diag["ess_tail"].min()),
        "max_r_hat": float(diag["r_hat"].max()),
        "worst_ess": str(diag["ess_bulk"].idxmin()),
        "divergences": divergences,
        "ess_per_wall_s": ess / wall,
        "ess_per_sample_s": ess / (wall - jit),
        "means": summ["mean"].to_dict(),
        "sds": summ["sd"].to_dict(),
        "summary": summ,
        "idata": idata,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    out = run_peer(draws=args.draws, tune=args.tune, chains=args.chains, seed=args.seed)
    print(
        f"numpyro peer (states sampled by NUTS), real panel, {args.chains} chains x "
        f"{args.tune} tune x {args.draws} draws, seed {args.seed}"
    )
    rows = [
        ("wall (define+JIT+sample) s", f"{out['wall']:.1f}"),
        ("  JIT (trace+lower+compile) s", f"{out['jit']:.1f}"),
        ("  sampling s", f"{out['sample']:.1f}"),
        ("min bulk ESS", f"{out['min_ess_bulk']:.0f} ({out['worst_ess']})"),
        ("min tail ESS", f"{out['min_ess_tail']:.0f}"),
        ("max R-hat", f"{out['max_r_hat']:.3f}"),
        ("divergences", f"{out['divergences']}"),
        ("min bulk ESS / wall s", f"{out['ess_per_wall_s']:.2f}"),
        ("min bulk ESS / sampling s", f"{out['ess_per_sample_s']:.2f}"),
    ]
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print()
    print(out["summary"].to_string())


if __name__ == "__main__":
    main()
