"""Variant comparison by PSIS-LOO over years, and the hypotheses scorecard."""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import pytensor
import pytest
import xarray as xr
from conftest import PYTHON_MODE

from causal_model.analysis import forecast
from causal_model.analysis.comparison import (
    YEAR_MARGINAL,
    compare,
    marginal_year_log_likelihood,
    year_log_likelihood,
)
from causal_model.analysis.scorecard import hypotheses

YEARS = np.arange(2000, 2030)


def _fake_fit(rng, shift: float, indicators=("a", "b", "c")) -> az.InferenceData:
    """A fit whose pointwise log-likelihood is N(y | mu + shift, 1) for y ~ N(mu, 1)."""
    y = rng.normal(size=(len(YEARS), len(indicators)))
    mu = rng.normal(0, 0.05, size=(2, 200, 1, 1))
    ll = -0.5 * (y[None, None] - mu - shift) ** 2 - 0.5 * np.log(2 * np.pi)
    ll[..., 3, 0] = np.nan  # one unobserved cell
    coords = {"chain": [0, 1], "draw": np.arange(200), "year": YEARS}
    data = {k: (("chain", "draw", "year"), ll[..., j]) for j, k in enumerate(indicators)}
    post = xr.Dataset({"beta": (("chain", "draw"), mu[..., 0, 0])}, coords=coords)
    return az.InferenceData(posterior=post, log_likelihood=xr.Dataset(data, coords=coords))


def test_compare_ranks_the_better_model_and_leaves_out_years():
    rng = np.random.default_rng(0)
    good, bad = _fake_fit(rng, 0.0), _fake_fit(np.random.default_rng(0), 1.0)
    other = _fake_fit(np.random.default_rng(0), 2.0, indicators=("a", "b"))
    table = compare({"good": good, "bad": bad, "fewer": other})
    assert table.index[0] == "good"
    assert table.loc["bad", "elpd_diff"] > 10
    assert "year" in table.attrs["unit_left_out"]
    assert table.attrs["indicators"] == ["a", "b"]  # common to all fits
    assert table.attrs["n_years"]["good"] == len(YEARS)
    assert {"elpd_loo", "se", "weight", "max_pareto_k", "n_bad_pareto_k"} <= set(table)
    assert table["weight"].sum() == pytest.approx(1.0)
    per_year = year_log_likelihood(good, ["a", "b"])
    assert per_year.dims == ("chain", "draw", "year")
    np.testing.assert_allclose(
        per_year.sel(year=2003), good.log_likelihood["b"].sel(year=2003)
    )  # the unobserved cell of "a" adds nothing
    with pytest.raises(ValueError, match="at least two"):
        compare({"good": good})
    with pytest.raises(ValueError, match="marginal"):
        compare({"good": good, "bad": bad}, kind="marginal")


@pytest.fixture(scope="module")
def t_draws(t_panel):
    """(model, idata): the real panel with one indicator declared Student-t (conftest; the
    registry has none) and 2 x 21 parameter draws from the priors, with arbitrary positive
    yearly Student-t weights. The identity checked below holds at every parameter point, so
    prior draws serve as well as a posterior, without compiling a sampler (until 2026-12-02
    a tiny fit, 130 s on an empty cache)."""
    from causal_model import TensionModel
    from causal_model.dims import T_INDICATOR, YEAR
    from causal_model.model.generate import prior_draws

    model = TensionModel(t_panel)
    with pytensor.config.change_flags(mode=PYTHON_MODE):  # no C compile of the draws
        one = prior_draws(model, 42, random_seed=3)
    post = xr.Dataset(
        {k: (v.dims, v.values.reshape(2, 21, *v.shape[2:]), {}) for k, v in one.data_vars.items()},
        coords={k: v for k, v in one.coords.items() if k not in ("chain", "draw")},
    ).assign_coords(chain=[0, 1], draw=np.arange(21))
    md = model.data
    shape = (2, 21, md.years.size, md.subset("t").size)
    weights = np.random.default_rng(4).gamma(3.0, 1 / 3.0, size=shape)
    post["t_weight"] = (("chain", "draw", YEAR, T_INDICATOR), weights)
    ll = xr.Dataset({"placeholder": (("chain", "draw"), np.zeros((2, 21)))})
    return model, az.InferenceData(posterior=post, log_likelihood=ll)


def test_marginal_year_loglik_is_the_leave_one_year_out_difference(t_draws):
    """log p(y[2010] | other years, params, other years' Student-t weights), the states and
    the 2010 weight integrated out, checked by brute force: the marginal likelihood for
    every 2010 weight on a grid, integrated against its Gamma prior."""
    import scipy.stats as st
    from scipy.special import logsumexp

    from causal_model.families import CODES
    from causal_model.inference.postprocess import fitted_state_space
    from causal_model.model.statespace.laplace_numpy import laplace_mode_and_precision_numpy

    model, small = t_draws
    ll = marginal_year_log_likelihood(model, small)
    assert ll.dims == ("chain", "draw", "year") and np.isfinite(ll).all()
    assert YEAR_MARGINAL in small.log_likelihood
    md = model.data
    ss = fitted_state_space(small.posterior, model.layout)
    d = 1 * small.posterior.sizes["draw"] + 3  # chain 1, draw 3
    pieces = [ss.c[d], ss.z[d]]
    mats = [ss.a[d], ss.q_time[d], ss.p0[d]]
    tidx = md.subset("t")
    t = int(np.flatnonzero(md.years == 2010)[0])
    assert tidx.size == 1 and md.mask[t, tidx[0]]  # the case this checks
    family = md.family.copy()
    family[tidx] = CODES["normal"]
    nu = float(ss.nu[d][tidx[0]])
    weights = small.posterior["t_weight"].isel(chain=1, draw=3).values  # (year, t_indicator)

    def loglike(mask, w_t):
        scale = np.broadcast_to(ss.scale[d], md.y.shape).copy()
        w = weights.copy()
        w[t] = w_t
        scale[:, tidx] /= np.sqrt(w)
        args = (md.y, mask, md.trials, family, *pieces, scale, None, ss.alpha[d])
        return laplace_mode_and_precision_numpy(*args, *mats).loglike

    mask = md.mask.copy()
    mask[t] = False
    drop = loglike(mask, 1.0)
    u = np.linspace(-25, 6, 1500)  # log weight
    prior = st.gamma(nu / 2, scale=2 / nu).logpdf(np.exp(u)) + u
    full = np.array([loglike(md.mask, np.exp(v)) for v in u])
    expected = logsumexp(full + prior) + np.log(u[1] - u[0]) - drop
    # Both sides are Laplace approximations where the count indicators enter (the function
    # integrates the Student-t cell given the Laplace posterior of the year's state): they
    # agree to within 1e-3 here, not to machine precision.
    assert float(ll.isel(chain=1, draw=3).sel(year=2010)) == pytest.approx(expected, abs=1e-3)


def test_scorecard_rows_and_probabilities(tiny_fit):
    model, idata = tiny_fit
    pred = forecast(model, idata, random_seed=1)
    rng = np.random.default_rng(1)
    fits = {"reference": _fake_fit(rng, 0.0), "no_elite": _fake_fit(rng, 0.3)}
    table = hypotheses(idata, comparison=compare(fits), forecast=pred)
    claims = table["claim"].str[:2].tolist()
    assert claims == ["1."] * 3 + ["2."] * 2 + ["3."] + ["4."] * 10 + ["5."]
    # claim 4: four loadings, the comparison, four areas in 2030, what is not measured
    beta = idata.posterior["beta"].sel(driver="security")
    row = table[table.quantity.str.startswith("beta[security]")].iloc[0]
    assert row["p_claim"] == pytest.approx(float((beta > 0).mean()))
    assert row["q05"] <= row["mean"] <= row["q95"]
    elite = table[table.evidence == "reference vs no_elite"].iloc[0]
    assert elite["elpd_diff"] > 0 and np.isfinite(elite["elpd_diff_se"])
    assert table["p_claim"].dropna().between(0, 1).all()


def test_prior_sensitivity_and_side_by_side_scorecards(tiny_fit):
    from causal_model.analysis.comparison import marginal_log_likelihood
    from causal_model.analysis.sensitivity import prior_sensitivity, scorecards_side_by_side

    model, idata = tiny_fit
    total = marginal_log_likelihood(model, idata)
    assert total.dims == ("chain", "draw") and np.isfinite(total).all()
    table = prior_sensitivity(model, idata, var_names=("beta", "half_life"))
    assert list(table.index) == [
        "beta[geopolitics]",
        "beta[security]",
        "beta[culture]",
        "half_life",
    ]
    assert (table[["prior", "likelihood"]] >= 0).all().all()
    assert set(table.diagnosis) <= {"-", "prior-data conflict", "strong prior / weak likelihood"}
    card = hypotheses(idata)
    both = scorecards_side_by_side({"neoclassical": card, "sceptic": card})
    assert both.shape == (len(card), 12)
    assert ("sceptic", "p_claim") in both.columns and ("sceptic", "elpd_diff_se") in both.columns


def test_elpd_plot():
    from matplotlib.axes import Axes

    from causal_model.plotting import plot_elpd

    rng = np.random.default_rng(0)
    table = compare({"good": _fake_fit(rng, 0.0), "bad": _fake_fit(np.random.default_rng(0), 1.0)})
    ax = plot_elpd(table)
    assert isinstance(ax, Axes) and "ELPD" in ax.get_xlabel()


def test_scorecard_takes_each_elpd_difference_from_one_comparison():
    """The reference's ELPD differs between the marginal and the conditional comparison; a
    difference must never mix the two."""
    from causal_model.analysis.scorecard import _loo_diff

    marginal = pd.DataFrame({"elpd_loo": [-509.0, -507.5]}, index=["reference", "no_elite"])
    conditional = pd.DataFrame(
        {"elpd_loo": [-246.0, -245.1, -244.3]},
        index=["reference", "drop_geopolitics", "no_elite"],
    )
    assert _loo_diff([marginal, conditional], "reference", "no_elite")[0] == pytest.approx(-1.5)
    assert _loo_diff([marginal, conditional], "reference", "drop_geopolitics")[0] == (
        pytest.approx(-0.9)
    )
    assert np.isnan(_loo_diff([marginal], "reference", "drop_geopolitics")[0])
    assert _loo_diff(marginal, "reference", "no_elite")[0] == pytest.approx(-1.5)


def test_compare_variants_keeps_the_drop_variants_in_their_own_comparison():
    from causal_model.analysis.comparison import compare_variants

    fits = {
        "reference": _fake_fit(np.random.default_rng(0), 0.0),
        "no_elite": _fake_fit(np.random.default_rng(0), 0.5),
    }
    (only,) = compare_variants(fits)
    assert set(only.index) == {"reference", "no_elite"}
    fits["drop_culture"] = _fake_fit(np.random.default_rng(0), 1.0, indicators=("a", "b"))
    main, conditional = compare_variants(fits)
    assert set(main.index) == {"reference", "no_elite"}
    assert main.attrs["indicators"] == ["a", "b", "c"]
    assert set(conditional.index) == set(fits) and conditional.attrs["indicators"] == ["a", "b"]
    one_full = {"reference": fits["reference"], "drop_culture": fits["drop_culture"]}
    (alone,) = compare_variants(one_full)
    assert set(alone.index) == set(one_full) and alone.attrs["kind"] == "conditional"


def test_normal_gamma_mixture_density_is_the_student_t_predictive():
    import scipy.integrate as si
    import scipy.stats as st

    from causal_model.families import normal_gamma_mixture_logpdf

    for nu in (0.6, 3.8, 40.0, 300.0):
        # no location uncertainty: the Student-t density, also far in the tail
        for y, scale in ((0.3, 0.2), (10.0, 0.05)):
            expected = st.t.logpdf(y, nu, 0.0, scale)
            assert normal_gamma_mixture_logpdf(y, 0.0, 0.0, scale, nu) == pytest.approx(
                expected, abs=1e-9
            )

        # normal location uncertainty: adaptive quadrature in log w
        def integrand(u, nu=nu, y=1.5, mean=0.1, var=0.04, scale=0.18):
            sd = np.sqrt(var + scale**2 * np.exp(-u))
            gamma = st.gamma(nu / 2, scale=2 / nu).logpdf(np.exp(u))
            return np.exp(st.norm.logpdf(y, mean, sd) + gamma + u)

        expected = np.log(si.quad(integrand, -60, 12, limit=2000, epsabs=0, epsrel=1e-12)[0])
        assert normal_gamma_mixture_logpdf(1.5, 0.1, 0.04, 0.18, nu) == pytest.approx(
            expected, abs=1e-9
        )


def test_claim_5_under_the_alternative_dynamics_is_not_shown_for_its_own_fit(tiny_fit):
    """``run --variant stationary --claims``: the alternative dynamics are the scorecard's own
    fit, so claim 5 is not shown a second time; for the reference it is."""
    from causal_model.app.evidence import ALTERNATIVE_DYNAMICS, alternative_evidence

    model, idata = tiny_fit
    fits = {"reference": (model, idata), ALTERNATIVE_DYNAMICS: (model, idata)}
    assert alternative_evidence(fits, reference=ALTERNATIVE_DYNAMICS) == {}
    assert alternative_evidence({"reference": (model, idata)}, reference="reference") == {}
    shown = alternative_evidence(fits, reference="reference", random_seed=1)
    assert set(shown) == {"forecast_alternative", "alternative_label"}
    assert ALTERNATIVE_DYNAMICS in shown["alternative_label"]
