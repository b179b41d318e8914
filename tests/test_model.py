"""Fast model tests: every variant builds, log-density and gradient are finite, shapes."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PYTHON_MODE, python_logp

from causal_model import TensionModel
from causal_model.dims import DRIVER, EVENT, INDICATOR, YEAR
from causal_model.specification.variants import VARIANTS, Variant, get_variant

#: Python mode (conftest.PYTHON_MODE): a numba compile of a model costs 40-150 s on a slow CI
#: machine. What these tests check is the graph; the numba code every fit runs is checked
#: against Python mode in tests/test_statespace.py and run by every fit.
FAST = PYTHON_MODE


# Log-density and gradient at the initial point, evaluated in Python mode (20-30 s each for
# a model with the Laplace step): the reference and the coupled variant (its non-diagonal
# transition); the reference with sampled states is compiled and sampled by the slow
# test_fast_path_agrees_with_plain_nuts. Every variant is built below and its structure checked
# against NumPy in tests/test_structure.py.
COMPILED = ["reference", "coupled"]


@pytest.mark.parametrize("variant", COMPILED)
def test_variant_has_finite_logp_and_gradient(panel, variant):
    """Finite log-density and gradient at the initial point; in the reference every
    cooperation area's loading on tension gets a gradient (the areas' data inform it)."""
    model = TensionModel(panel, variant=variant).build()
    ip = model.initial_point()
    logp, grad = python_logp(model, grad=True)(ip)
    assert np.isfinite(logp)
    assert np.all(np.isfinite(grad))
    assert np.any(grad != 0)
    if variant == "reference":
        names = [v.name for v in model.value_vars]
        sizes = [ip[name].size for name in names]
        start = sum(sizes[: names.index("coop_loading")])
        n_areas = ip["coop_loading"].size
        assert n_areas == int((panel["latent"] == "cooperation").sum()) > 0
        assert np.all(grad[start : start + n_areas] != 0)


@pytest.mark.parametrize("latent", ["marginal", "sampled"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_variant_builds(panel, variant, latent):
    model = TensionModel(panel, variant=variant, latent=latent).build()
    assert {YEAR, INDICATOR, DRIVER, EVENT} <= set(model.coords)
    v = get_variant(variant)
    assert len(model.coords[DRIVER]) == len(v.state_drivers)
    if v.elite == "none":
        assert "half_life" not in model.named_vars and "elite_delta" not in model.named_vars
    if v.elite == "permanent":
        assert "half_life" not in model.named_vars and "elite_delta" in model.named_vars
    if v.coupled:
        assert "coupling_matrix" in model.named_vars


def test_coords_are_real(panel):
    m = TensionModel(panel)
    model = m.build()
    assert list(model.coords[YEAR]) == list(range(1992, 2026))
    assert model.coords[DRIVER] == ("geopolitics", "security", "culture")
    assert "us_2009_obama" in model.coords[EVENT]
    # scheduled events are not in the fit
    assert "us_2029_inauguration" not in model.coords[EVENT]


def test_nothing_samples_at_construction(panel):
    m = TensionModel(panel)
    assert m.model_ is None and m.idata_ is None


def test_bad_settings_raise_clear_errors(panel):
    with pytest.raises(ValueError, match="unknown variant 'nope'"):
        TensionModel(panel, variant="nope")
    with pytest.raises(ValueError, match="latent="):
        TensionModel(panel, latent="approximate")
    with pytest.raises(ValueError, match="elite="):
        Variant(elite="sometimes")
    with pytest.raises(ValueError, match="a drift needs a tension level that moves for good"):
        Variant(tension_dynamics="stationary", drift=True)
    with pytest.raises(ValueError, match="drift='yes' must be True or False"):
        Variant(drift="yes")
    # a variant saved before the switch existed had no drift
    saved = {k: v for k, v in Variant().to_dict().items() if k != "drift"}
    assert Variant.from_dict(saved).drift is False


def test_marginal_equals_sampled_joint_when_gaussian(panel):
    """With only Gaussian indicators the marginal model's density is the exact integral.

    Check on the drivers' block: same parameters give the same Kalman likelihood whichever
    way it is computed (the pytensor graph vs the numpy filter).
    """
    from causal_model.backend import NUMPY
    from causal_model.model.statespace.laplace_numpy import kalman_loglike_numpy
    from causal_model.model.structure import STRUCTURAL_PARAMETERS, state_space

    keep = [
        str(k)
        for k in panel.indicator.values
        if str(panel.family.sel(indicator=k).item()) == "normal"
    ]
    sub = panel.sel(indicator=keep)
    m = TensionModel(sub, variant="no_elite")
    model = m.build()
    ip = model.initial_point()
    names = [n for n in STRUCTURAL_PARAMETERS if n in model.named_vars]
    fn = model.compile_fn(
        [model[n] for n in names] + [model["marginal_loglike"]],
        inputs=model.value_vars,
        point_fn=True,
        mode=FAST,
        on_unused_input="ignore",
    )
    *values, ll = fn(ip)
    ss = state_space(dict(zip(names, values, strict=True)), m.layout, NUMPY)
    md = m.data
    ref = kalman_loglike_numpy(md.y, md.mask, ss.c, ss.z, ss.scale, ss.a, ss.q_time, ss.p0)
    assert ll == pytest.approx(ref, rel=1e-8)


def test_prior_predictive_shapes_and_families(panel):
    m = TensionModel(panel)
    pp = m.sample_prior_predictive(draws=50, random_seed=3)
    g = pp.prior_predictive
    assert set(g.data_vars) == set(panel.indicator.values.astype(str))
    assert g["gpr_russia"].dims == ("chain", "draw", YEAR)
    votes = g["unga_agreement"].values
    obs = np.isfinite(votes)
    assert np.all(votes[obs] == np.round(votes[obs])) and votes[obs].min() >= 0
    trials = panel.trials.sel(indicator="unga_agreement").values
    assert np.all((votes <= trials[None, None, :]) | ~obs)
    # missing years of the panel have no prior predictive draw
    assert np.isnan(g["mid_onsets"].sel(year=2020)).all()
    # same seed, same numbers
    pp2 = m.sample_prior_predictive(draws=50, random_seed=3)
    np.testing.assert_array_equal(pp2.prior_predictive["gpr_russia"], g["gpr_russia"])


def test_prior_predictive_plot(panel, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from causal_model.plotting import plot_predictive_check

    pp = TensionModel(panel).sample_prior_predictive(draws=30, random_seed=1)
    fig = plot_predictive_check(pp.prior_predictive, panel)
    assert len(fig.axes) == panel.sizes[INDICATOR]
    assert fig.axes[0].get_title(loc="left") == str(panel.indicator.values[0])
    fig.savefig(tmp_path / "pp.png")
    assert (tmp_path / "pp.png").stat().st_size > 10_000


def test_numpyro_sampler_runs_the_full_latent_model(panel):
    pytest.importorskip("numpyro")
    with pytest.raises(ValueError, match="Student-t shocks"):  # the reference's: JAX cannot
        TensionModel(panel, latent="sampled").fit(draws=10, tune=10, sampler="numpyro")
    model = TensionModel(panel, latent="sampled", variant="stationary")
    idata = model.fit(
        draws=30, tune=30, chains=2, sampler="numpyro", random_seed=3, diagnostics=False
    )
    post = idata.posterior
    assert post.sizes["chain"] == 2 and post.sizes["draw"] == 30
    assert post["beta"].dims == ("chain", "draw", "driver")
    assert post["tension"].dims == ("chain", "draw", "year")
    assert set(idata.log_likelihood.data_vars) == set(model.data.indicators)
    with pytest.raises(ValueError, match="latent='sampled'"):
        TensionModel(panel).fit(draws=10, tune=10, sampler="numpyro")


def test_diagnostics_skip_entries_fixed_by_construction():
    """The coupling matrix's zero diagonal has no R-hat/ESS; it must not fail the checks,
    while a poorly mixed parameter still does."""
    import arviz as az

    from causal_model.inference.diagnostics import diagnostics_table

    rng = np.random.default_rng(0)
    c = rng.normal(size=(2, 500, 2, 2))
    c[:, :, 0, 0] = c[:, :, 1, 1] = 0.0
    stuck = np.repeat(rng.normal(size=(2, 1)), 500, axis=1) + rng.normal(0, 0.01, (2, 500))
    idata = az.from_dict(
        posterior={"coupling_matrix": c, "beta": stuck},
        dims={"coupling_matrix": ["driver", "driver_to"]},
        coords={"driver": ["a", "b"], "driver_to": ["a", "b"]},
    )
    table = diagnostics_table(idata)
    assert list(table.index) == ["coupling_matrix[a, b]", "coupling_matrix[b, a]", "beta"]
    assert table.loc["coupling_matrix[a, b]", "pass"]
    assert not table.loc["beta", "pass"]


def test_student_t_is_a_scale_mixture_in_the_marginal_model(t_panel):
    """The student_t indicator's weights: exact Gamma(nu/2, nu/2) density, named dims (on the
    real panel with one indicator declared Student-t: the registry has none)."""
    import pymc as pm
    import pytensor.tensor as pt
    import scipy.stats as st

    from causal_model.dims import T_INDICATOR
    from causal_model.model.parameters import log_gamma_moments, student_t_weights

    model = TensionModel(t_panel).build()
    assert model.named_vars_to_dims["t_weight"] == (YEAR, T_INDICATOR)
    assert "t_weight_z" in [v.name for v in model.free_RVs]
    assert "t_weight" not in TensionModel(t_panel, latent="sampled").build().named_vars

    with pm.Model(coords={YEAR: [1, 2, 3], T_INDICATOR: ["a"]}) as m:
        nu = pm.Gamma("nu", 2.0, 0.1, dims=T_INDICATOR)
        student_t_weights(nu)
    z = np.array([[0.3], [-1.2], [2.0]])
    point = {"nu_log__": np.log([3.0]), "t_weight_z": z}
    logp = m.compile_logp(vars=[m["t_weight_z"]], sum=False)(point)[0]
    mean, sd = (float(pt.as_tensor(v).eval()) for v in log_gamma_moments(1.5))
    w = np.exp(mean + sd * z)
    # density of z: Gamma density of w times the Jacobian dw/dz = w * sd
    expected = st.gamma(1.5, scale=1 / 1.5).logpdf(w) + np.log(w * sd)
    np.testing.assert_allclose(logp, expected, rtol=1e-10)
    draws = pm.draw(m["t_weight"], draws=20000, random_seed=1)
    # E[w] = 1; Var[w] = E[2 / nu] = 0.2 for nu ~ Gamma(2, 0.1)
    assert abs(draws.mean() - 1.0) < 0.02 and abs(draws.var() - 0.2) < 0.02


def test_folded_scales_keep_their_prior_and_start_inside_the_support(panel):
    """A half-symmetric scale is sampled as ``|y|``, ``y`` symmetric: the same density (up to
    log 2), a start at the prior scale (not 0), other families left as they are, and the
    diagnostics check the scale, not its sign-arbitrary ``_raw``."""
    import arviz as az
    import pymc as pm
    import scipy.stats as st
    from pymc_extras.prior import Prior

    from causal_model.inference.diagnostics import parameter_names
    from causal_model.model.parameters import FOLDED_SCALES, folded_prior, rv

    assert folded_prior(Prior("HalfNormal", sigma=0.3)).to_dict() == {
        "dist": "Normal",
        "kwargs": {"sigma": 0.3, "mu": 0.0},
        "transform": "abs",
    }
    assert folded_prior(Prior("HalfStudentT", nu=3, sigma=0.2)).distribution == "StudentT"
    assert folded_prior(Prior("HalfCauchy", beta=0.1)).distribution == "Cauchy"
    for kept in (
        Prior("Gamma", alpha=2, beta=5),
        Prior("Exponential", lam=3),
        Prior("HalfNormal", sigma=Prior("HalfNormal")),  # hierarchical: not folded
    ):
        assert folded_prior(kept) is None

    # every folded scale is in one of four models (the reference has only some; random-walk
    # drivers have no rho_sigma, a random-walk tension no sigma_u)
    free = {v.name for v in TensionModel(panel).build().free_RVs}
    free |= {v.name for v in TensionModel(panel, variant="stationary").build().free_RVs}
    for drivers in ("stationary", "random_walk"):
        variant = Variant(
            name=f"scales_{drivers}",
            driver_dynamics=drivers,
            tension_dynamics="random_walk",
            idiosyncratic=("unga_distance_fp",),
        )
        free |= {v.name for v in TensionModel(panel, variant=variant).build().free_RVs}
    for name in FOLDED_SCALES:
        assert f"{name}_raw" in free and name not in free
    # sigma_u is the stationary residual's sd: checked on the release-0.1 dynamics
    model = TensionModel(panel, variant="stationary").build()
    free = {v.name for v in model.free_RVs}
    for name in FOLDED_SCALES:
        if name in model.named_vars:
            assert f"{name}_raw" in free and name not in free
    start = model.initial_point()
    assert start["sigma_u_raw"] == pytest.approx(0.3)  # the neoclassical HalfNormal(0.3)
    logp_all = model.compile_logp(mode=FAST)
    assert np.isfinite(logp_all(start))
    logp = model.compile_logp(vars=[model["sigma_u_raw"]], sum=False)
    for y in (-0.45, 0.2):
        value = logp({**start, "sigma_u_raw": np.array(y)})[0]
        assert value == pytest.approx(st.halfnorm(scale=0.3).logpdf(abs(y)) - np.log(2))

    # non-centred spreads multiply their z by the signed raw: (raw, z) and (-raw, -z) are the
    # same model point (same beta, same density), and the density is smooth at raw = 0
    import pytensor

    point = {**start, "beta_sigma_raw": np.array(0.2), "beta_z": np.array([0.5, -1.0, 2.0])}
    mirror = {**point, "beta_sigma_raw": -point["beta_sigma_raw"], "beta_z": -point["beta_z"]}
    beta_of = pytensor.function(
        model.value_vars,
        model.replace_rvs_by_values([model["beta"]]),
        on_unused_input="ignore",
        mode=FAST,
    )
    names = [v.name for v in model.value_vars]
    np.testing.assert_allclose(
        beta_of(*[point[n] for n in names]), beta_of(*[mirror[n] for n in names])
    )
    assert logp_all(point) == pytest.approx(logp_all(mirror), rel=1e-12)

    priors = {"s": Prior("HalfStudentT", nu=4, sigma=0.5), "g": Prior("Gamma", alpha=2, beta=5)}
    with pm.Model() as m:
        rv(priors, "s", fold=True), rv(priors, "g", fold=True)
    assert {v.name for v in m.free_RVs} == {"s_raw", "g"}
    with m:
        draws = pm.sample_prior_predictive(4000, random_seed=0).prior
    # |StudentT(4, 0, 0.5)| is HalfStudentT(4, 0.5): compare a quantile with scipy's
    assert float(draws["s"].quantile(0.9)) == pytest.approx(0.5 * st.t(4).ppf(0.95), rel=0.08)

    post = az.from_dict(posterior={"sigma_u": np.ones((2, 5)), "sigma_u_raw": np.ones((2, 5))})
    assert parameter_names(post) == ["sigma_u"]
