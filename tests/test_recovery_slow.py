"""Statistical tests: recovery of the reference's own dynamics and of the cooperation areas'
loadings on simulated panels (slow). A file apart from ``test_fit_slow.py`` so that the two
test workers share the slow fits (pytest-xdist distributes whole files)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import COVERAGE_BANDS, STAT_TEST_SAMPLER, false_alarm

from causal_model import TensionModel, simulate

OWN = (
    "unga_distance_fp",
    "pew_russians_fav_us",
    "pew_americans_fav_russia",
    "icews_conflict_share",
)


#: The parameters recovered in every dynamics: causal effects, driver loadings and
#: persistences, elite circulation.
RECOVERED = ("beta", "loading", "rho", "elite_mu", "half_life")


@pytest.mark.slow
def test_recovery_of_the_parameters_and_dynamics_on_simulated_panels(panel):
    """7 panels of the real panel's shape and missingness simulated from a model whose
    tension level is a random walk with Student-t shocks whose yearly weights the own
    deviations share (the reference's shocks) and whose four Gaussian tension indicators have
    AR(1) deviations (weakly informative priors). The 90% intervals cover the truth:

    - of the level's innovation sd and of the deviations' persistences and sds in at least
      47 of the 63 cases;
    - of the causal effects, driver loadings and persistences, elite effects and half-life
      in 108-139 of the 140 cases.

    A calibrated fit falls outside with probability 0.41 % and 0.56 % if the truths of one
    panel are correlated at 0.1 (conftest.COVERAGE_BANDS; 0.01 % and 0.00 % if they are
    independent), so the test fails with probability below 1 %. (Until the CI cut
    of 2026-12-02 the second part was a test of its own on 12 panels of the release-0.1
    dynamics, variant ``stationary``, 240 cases; the first part had 10 panels, 90 cases.
    The signs of the large effects are printed, not asserted: on weak data a posterior mean
    of the wrong sign is expected now and then.)"""
    from causal_model.specification.variants import Variant

    variant = Variant(
        name="dynamics",
        tension_dynamics="random_walk",
        shocks="student_t_shared",
        idiosyncratic=OWN,
        own_dynamics="ar1",  # the AR(1) deviations' persistence is recovered here
    )
    names = ("level_sigma", "idio_rho", "idio_sigma")
    hits, total = 0, 0
    panels, per_panel, least, most = COVERAGE_BANDS["dynamics"]
    n_truths = panels * per_panel
    s_hits, s_total, sign_checks, sign_ok = 0, 0, 0, 0
    _, s_per_panel, s_least, s_most = COVERAGE_BANDS["parameter"]
    s_truths = panels * s_per_panel
    for rep in range(panels):
        sim, truth = simulate(
            panel, priors="weakly_informative", variant=variant, random_seed=300 + rep
        )
        m = TensionModel(sim, priors="weakly_informative", variant=variant)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = m.fit(
                draws=300, tune=400, random_seed=rep, diagnostics=False, **STAT_TEST_SAMPLER
            )
        for name in (*names, *RECOVERED):
            draws = idata.posterior[name].values.reshape(-1, *idata.posterior[name].shape[2:])
            lo, hi = np.quantile(draws, [0.05, 0.95], axis=0)
            t = np.asarray(truth[name])
            inside = int(np.sum((lo <= t) & (t <= hi)))
            if name in names:
                hits, total = hits + inside, total + t.size
            else:
                s_hits, s_total = s_hits + inside, s_total + t.size
        b = idata.posterior["beta"].mean(("chain", "draw")).values
        for tb, pb in zip(truth["beta"], b, strict=True):
            if abs(tb) >= 0.5:
                sign_checks += 1
                sign_ok += int(np.sign(tb) == np.sign(pb))
    print(f"dynamics: {hits} of {total} covered; parameters: {s_hits} of {s_total}")
    print(f"signs of |beta| >= 0.5: {sign_ok}/{sign_checks}")
    assert total == n_truths and s_total == s_truths
    assert least <= hits <= most, (hits, total)
    assert s_least <= s_hits <= s_most, (s_hits, s_total)


COOP_TEMPLATE = (
    "gpr_russia",
    "unga_distance_fp",
    "unga_agreement",
    "milex_ratio",
    "arms_control_treaties",
    "freedom_expression_russia",
    "unga_agree_arms_control",
    "unga_agree_middle_east",
    "unga_agree_human_rights",
    "icews_material_coop_share",
)


@pytest.mark.slow
def test_recovery_of_the_cooperation_loadings_on_simulated_panels(panel):
    """12 panels simulated from the weakly informative priors with the real panel's years,
    missing cells and joint votes, for the four cooperation indicators, three tension
    indicators and the three driver anchors (a small panel: one compilation, then a few
    seconds per fit): the 90% intervals of the areas' loadings on tension cover at least 36
    of the 48 truths. (A calibrated fit falls outside with probability 0.30 % if one panel's
    truths are correlated at 0.1, 0.07 % if they are independent: conftest.COVERAGE_BANDS;
    16 panels, 80-98 % of 64 truths, binomial probability 2 %, until the CI cut of
    2026-12-02.)"""
    template = panel.sel(indicator=list(COOP_TEMPLATE))
    hits, total = 0, 0
    panels, per_panel, least, most = COVERAGE_BANDS["cooperation"]
    n_truths = panels * per_panel
    for rep in range(panels):
        sim, truth = simulate(template, priors="weakly_informative", random_seed=500 + rep)
        m = TensionModel(sim, priors="weakly_informative")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = m.fit(
                draws=200, tune=300, random_seed=rep, diagnostics=False, **STAT_TEST_SAMPLER
            )
        draws = idata.posterior["coop_loading"].transpose("chain", "draw", "coop_indicator")
        draws = draws.values.reshape(-1, draws.shape[-1])
        lo, hi = np.quantile(draws, [0.05, 0.95], axis=0)
        t = np.asarray(truth["coop_loading"])
        hits += int(np.sum((lo <= t) & (t <= hi)))
        total += t.size
        print(rep, np.round(t, 2), np.round(draws.mean(axis=0), 2), hits)
    print(f"cooperation loadings: {hits} of {total} covered")
    assert total == n_truths
    assert least <= hits <= most, (hits, total)


def test_the_recovery_bands_false_alarm_rates_are_as_stated():
    """The false-alarm rates the recovery tests state (conftest.COVERAGE_BANDS), for
    independent truths and for a within-panel correlation of 0.1."""
    stated = {"parameter": (0.00000, 0.0056), "dynamics": (0.0001, 0.0041)}
    stated["cooperation"] = (0.0007, 0.0030)
    for name, band in COVERAGE_BANDS.items():
        independent, correlated = stated[name]
        assert false_alarm(*band) == pytest.approx(independent, abs=5e-5), name
        assert false_alarm(*band, icc=0.1) == pytest.approx(correlated, abs=5e-5), name
        assert false_alarm(*band, icc=0.1) < 0.006
