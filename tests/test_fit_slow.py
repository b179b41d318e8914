"""Statistical tests: fits on the real panel, identification, fast path against plain NUTS
(slow). Parameter recovery on simulated panels is in ``test_recovery_slow.py``."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import PYTHON_MODE, python_logp

from causal_model import TensionModel
from causal_model.inference.diagnostics import ESS_MIN, RHAT_MAX, diagnose, parameter_names


def test_adding_nan_years_leaves_the_posterior_unchanged(t_panel):
    """Missing observations are left out of the likelihood: appending all-NaN years gives the
    same log-density at every parameter point, hence the same posterior. (Yearly latent
    variables — the Student-t indicators' scale-mixture weights, the tension shocks' weights —
    of the new years only add their own prior density, which integrates to one; the panel
    declares one indicator Student-t, see conftest.)"""
    import xarray as xr

    panel = t_panel
    extra = panel.isel(year=[-1, -1]).assign_coords(year=[2026, 2027])
    for v in ("raw", "value", "trials"):
        extra[v] = extra[v] * np.nan
    longer = xr.concat([panel, extra], dim="year")
    m1 = TensionModel(panel).build()
    m2 = TensionModel(longer).build()
    f1, f2 = python_logp(m1), python_logp(m2)  # the graph is checked, not a backend
    ip, ip2 = m1.initial_point(), m2.initial_point()
    yearly = [k for k in ip if np.shape(ip[k]) != np.shape(ip2[k])]
    assert yearly  # the reference has yearly weights
    for k in yearly:
        assert np.shape(ip2[k])[0] == np.shape(ip[k])[0] + 2  # one per new year
    rvs = [m2.values_to_rvs.get(m2[k], m2[k]) for k in yearly]
    f_extra = m2.compile_logp(vars=rvs, sum=False, mode=PYTHON_MODE)
    rng = np.random.default_rng(0)
    for _ in range(3):
        point = {k: v + rng.normal(0, 0.3, size=np.shape(v)) for k, v in ip.items()}
        point2 = dict(point)
        for k in yearly:
            new = rng.normal(size=(2, *np.shape(ip[k])[1:]))
            point2[k] = np.concatenate([point[k], new])
        extra = sum(term[-2:].sum() for term in f_extra(point2))
        assert f1(point) == pytest.approx(f2(point2) - extra, rel=1e-10, abs=1e-8)


@pytest.fixture(scope="module")
def reference_fit(panel):
    """The reference model fitted to the real panel with default settings (the fast path)."""
    m = TensionModel(panel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = m.fit(random_seed=20241124)
    return m, idata


@pytest.mark.slow
def test_real_panel_reference_fit_converges(panel, reference_fit, tmp_path):
    """The reference at the package defaults on the real panel is trustworthy (R-hat <= 1.01,
    bulk ESS >= 400, no divergence). One fixed seed, so the outcome is fixed on a machine; on
    another machine rounding may change the draws. False-alarm rate: 0 of 24 seeds at the
    defaults failed (docs/decisions.md, "Low-rank modified mass matrix, target acceptance
    0.97"), so below 0.125 with 95 % confidence (rule of three); a failure here means the
    defaults should be re-measured, not the seed changed."""
    m, idata = reference_fit
    table = diagnose(idata, warn=False)
    print(table, m.timing_)
    assert table.loc["max_r_hat", "value"] <= RHAT_MAX
    assert table.loc["min_ess_bulk", "value"] >= ESS_MIN
    assert table.loc["divergences", "value"] == 0
    # latent paths and pointwise log-likelihood are there, with real coordinates
    assert idata.posterior["tension"].dims == ("chain", "draw", "year")
    assert int(idata.posterior.year[-1]) == 2025
    ll = idata.log_likelihood["gpr_russia"]
    assert np.isfinite(ll).all()
    assert np.isnan(idata.log_likelihood["mid_onsets"].sel(year=2020)).all()
    # save / load round trip: same posterior, same model settings, atomic and no overwrite
    path = m.save(tmp_path / "fit.nc")
    with pytest.raises(FileExistsError):
        m.save(path)
    back = TensionModel.load(path)
    np.testing.assert_array_equal(back.idata_.posterior["beta"], idata.posterior["beta"])
    assert back.variant == m.variant and back.priors == m.priors
    np.testing.assert_array_equal(back.panel["value"], panel["value"])
    assert back.structure_key() == m.structure_key()


@pytest.mark.slow
def test_chains_started_far_apart_agree(panel):
    """Identification: chains started at opposite corners of parameter space agree."""
    import arviz as az

    m = TensionModel(panel)
    m.fit(draws=50, tune=50, random_seed=1, diagnostics=False)  # compiles once (cached)
    from causal_model.inference.sampling import _COMPILED

    n_dim = _COMPILED[m.structure_key()].n_dim
    fits = []
    for sign in (+1.5, -1.5):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits.append(
                m.fit(
                    draws=500,
                    tune=700,
                    chains=1,
                    random_seed=2,
                    diagnostics=False,
                    init_mean=np.full(n_dim, sign),
                )
            )
    both = az.concat(fits[0], fits[1], dim="chain", reset_dim=True)
    rhat = az.rhat(both, var_names=["beta", "rho", "loading", "half_life", "elite_mu"])
    worst = max(float(rhat[v].max()) for v in rhat.data_vars)
    assert worst <= 1.02, worst


@pytest.mark.slow
def test_fast_path_agrees_with_plain_nuts(panel, reference_fit):
    """The default path (states integrated out) and plain NUTS on the states give the same
    posterior on the real panel: every parameter's mean within 0.1 posterior sd plus 3 Monte
    Carlo standard errors of the difference, and the same posterior sd within 25% (on the log
    scale, plus 3 Monte Carlo standard errors of the log ratio). The cooperation areas'
    loadings on tension (binomial rows of the Laplace step) and the tension shocks' Student-t
    degrees of freedom (yearly weights shared by the own deviations) are among the parameters
    compared. The fast side is the fit of ``test_real_panel_reference_fit_converges``.

    (Until 2026-12 this test declared one indicator Student-t, ``T_KEY`` of conftest, at the
    cost of a third fit of the real panel; no indicator of the registry has that family since
    issue 17. Its scale mixture is checked exactly, without sampling, by
    ``test_student_t_is_a_scale_mixture_in_the_marginal_model``. When its Student-t density
    entered the Laplace step directly, with Fisher information, the noise sd and dof of
    ``us_troops_europe`` were off by 0.66 and 0.64 posterior sd here.)"""
    import arviz as az

    _, fast = reference_fit
    plain_model = TensionModel(panel, latent="sampled")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = plain_model.fit(
            draws=1000,
            tune=700,
            random_seed=5,
            target_accept=0.95,
            low_rank_modified_mass_matrix=True,  # the setting of the measured run
            diagnostics=False,
        )
    names = [n for n in parameter_names(plain) if n in fast.posterior]
    assert {"coop_loading", "shock_nu"} <= set(names)  # the areas' loadings, the shocks' dof
    summaries = [az.summary(f, var_names=names, kind="all", round_to="none") for f in (fast, plain)]
    a, b = (s.loc[summaries[0].index] for s in summaries)
    sd = np.sqrt(0.5 * (a["sd"] ** 2 + b["sd"] ** 2))
    z = (a["mean"] - b["mean"]).abs() / sd
    mcse = np.sqrt(a["mcse_mean"] ** 2 + b["mcse_mean"] ** 2) / sd
    ratio = a["sd"] / b["sd"]
    # Monte Carlo error of log(sd ratio): about sqrt(1 / (2 ESS_a) + 1 / (2 ESS_b)); a
    # hierarchical spread mixes slowly on the plain path (rho_sigma: bulk ESS ~50 there)
    se_log = np.sqrt(0.5 / a["ess_bulk"] + 0.5 / b["ess_bulk"])
    print(
        pd.DataFrame({"z": z, "mcse": mcse, "sd_ratio": ratio, "se_log": se_log})
        .sort_values("z")
        .tail(8)
    )
    bad = z[z > 0.1 + 3 * mcse]
    assert bad.empty, bad.round(3).to_dict()
    off = np.abs(np.log(ratio)) > np.log(1.25) + 3 * se_log
    assert not off.any(), ratio[off].round(3).to_dict()
