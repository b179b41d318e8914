"""Forecasts, scenarios, interventions, counterfactuals and the decomposition (fast tests on a
tiny fit of the real panel)."""

from __future__ import annotations

import arviz as az
import numpy as np
import pytest
import xarray as xr

from causal_model import TensionModel, Variant
from causal_model.analysis import counterfactual, forecast, forecast_scenarios, intervene
from causal_model.analysis.decomposition import decompose
from causal_model.analysis.paths import build_paths, first_forecast_year
from causal_model.analysis.summaries import effect_summary, forecast_summary, headline_probabilities
from causal_model.dims import DRIVER, YEAR
from causal_model.inference.postprocess import latent_paths
from causal_model.model.generate import sample_prior_predictive
from causal_model.model.structure import posterior_parameters, state_space
from causal_model.specification.scenarios import FutureEvent, Scenario, ScenarioError, get_scenario

COUNTS = ("poisson", "negative_binomial", "binomial")


@pytest.fixture(scope="module")
def pred(tiny_fit):
    model, idata = tiny_fit
    return forecast(model, idata, until=2030, random_seed=5)


def test_forecast_years_dims_and_families(tiny_fit, pred):
    model, idata = tiny_fit
    md = model.data
    p = pred.predictions
    start = first_forecast_year(md)
    # 2024 is the last year with at least half the indicators observed (issue 17 read every
    # source to its latest year; before, 2023 was)
    assert start == 2025
    assert p[YEAR].values.tolist() == list(range(start, 2031))
    assert p["drivers"].dims == ("chain", "draw", YEAR, DRIVER)
    assert p["tension"].dims == ("chain", "draw", YEAR)
    assert pred.predictions_constant_data["nowcast"].values.tolist() == [True] + [False] * 5
    trials = pred.predictions_constant_data["trials"]
    for key in md.indicators:
        fam = str(model.panel["family"].sel(indicator=key).item())
        v = p[key].values
        assert np.isfinite(v).all(), key
        if fam in COUNTS:
            assert v.dtype == np.int64 and (v >= 0).all(), key
        if fam == "binomial":
            assert (v <= trials.sel(indicator=key).values).all()
        if fam in ("normal", "student_t"):
            assert v.dtype == np.float64 and v.std() > 0
    # nowcast years keep the fit's own state draws
    np.testing.assert_allclose(
        p["tension"].sel(year=2025).values,
        idata.posterior["tension"].sel(year=2025).values,
        rtol=1e-12,
    )
    np.testing.assert_allclose(pred.posterior["elite"].values, idata.posterior["elite"].values)


def test_same_seed_same_forecast_other_seed_differs(tiny_fit, pred):
    model, idata = tiny_fit
    again = forecast(model, idata, until=2030, random_seed=5)
    other = forecast(model, idata, until=2030, random_seed=6)
    for v in pred.predictions.data_vars:
        np.testing.assert_array_equal(again.predictions[v].values, pred.predictions[v].values)
    fut = {YEAR: slice(2026, None)}
    assert not np.allclose(
        other.predictions["tension"].sel(fut), pred.predictions["tension"].sel(fut)
    )


def test_elite_term_vanishes_as_tau_goes_to_zero(tiny_fit):
    model, idata = tiny_fit
    short = idata.copy()
    short.posterior["half_life"] = short.posterior["half_life"] * 0 + 1e-9
    p = forecast(model, short, until=2030, random_seed=5).predictions
    assert np.abs(p["elite"]).max() == 0.0
    beta = short.posterior["beta"]
    direct = (p["drivers"] * beta).sum(DRIVER) + p["residual"]
    np.testing.assert_allclose(p["tension"], direct, atol=1e-12)


def test_probability_zero_event_equals_no_event(tiny_fit):
    model, idata = tiny_fit
    us = FutureEvent("2029-01-20", "us", 1.0)
    with_zero = Scenario("z", (us, FutureEvent("2030-03-17", "ru", 0.0)))
    without = Scenario("n", (us,))
    a = forecast(model, idata, scenario=with_zero, random_seed=9).predictions
    b = forecast(model, idata, scenario=without, random_seed=9).predictions
    for v in ("tension", "elite", "drivers", "gpr_russia", "us_sanctions"):
        np.testing.assert_array_equal(a[v].values, b[v].values)
    certain = Scenario("c", (us, FutureEvent("2030-03-17", "ru", 1.0)))
    c = forecast(model, idata, scenario=certain, random_seed=9).predictions
    # the Russian change only moves 2030 (its date is 2030-03-17, mid-2030 is after it)
    np.testing.assert_array_equal(c["elite"].sel(year=2029), b["elite"].sel(year=2029))
    assert (c["elite"].sel(year=2030) != b["elite"].sel(year=2030)).any()


def test_default_scenario_mixes_over_the_prior_probability(tiny_fit, pred):
    model, _ = tiny_fit
    pcd = pred.predictions_constant_data
    p = pcd["event_probability"].sel(future_event="2030-03-17")
    happens = pcd["event_happens"].sel(future_event="2030-03-17")
    assert p.std() > 0.05  # a probability per draw from the Beta prior, not a constant
    assert abs(float(p.mean()) - 1 / 3) < 0.05  # Beta(2, 4) has mean 1/3
    assert 0.2 < float(happens.mean()) < 0.47
    assert float(pcd["event_happens"].sel(future_event="2029-01-20").mean()) == 1.0


def test_decomposition_sums_to_tension(tiny_fit, pred):
    _, idata = tiny_fit
    for data in (idata, pred):
        dec = decompose(data)
        total = dec["contribution"].sum("component")
        np.testing.assert_allclose(total, dec["tension"], atol=1e-12)
    assert decompose(pred)[YEAR].values.tolist() == list(range(1992, 2031))
    assert list(decompose(pred)["component"].values) == [
        "geopolitics",
        "security",
        "culture",
        "elite",
        "residual",
    ]


def test_intervention_of_zero_changes_nothing_and_shift_is_exact(tiny_fit, pred):
    model, idata = tiny_fit
    zero = intervene(model, idata, {"security": 0.0}, from_year=2027, shift=True, random_seed=5)
    assert np.abs(zero["effect"]).max() == 0.0
    np.testing.assert_array_equal(
        zero["tension_factual"].values, pred.predictions["tension"].sel(year=slice(2027, None))
    )
    down = intervene(model, idata, {"security": -1.0}, from_year=2027, shift=True, random_seed=5)
    beta_s = idata.posterior["beta"].sel(driver="security")
    # independent drivers: a sustained -1 sd shift moves tension by exactly -beta_security
    np.testing.assert_allclose(down["effect"], -beta_s.broadcast_like(down["effect"]), atol=1e-12)
    held = intervene(model, idata, {"security": -1.0}, from_year=2027, random_seed=5)
    assert np.all(held["drivers_alternative"].sel(driver="security").values == -1.0)
    table = effect_summary(down)
    assert table.index.tolist() == [2027, 2028, 2029, 2030]
    assert "security" in table.attrs["question"]


def test_counterfactual_without_an_event(tiny_fit):
    model, idata = tiny_fit
    cf = counterfactual(model, idata, drop_events=["us_2009_obama"])
    eff = cf["effect"]
    assert eff[YEAR].values.tolist() == list(range(1992, 2026))
    assert np.abs(eff.sel(year=slice(None, 2008))).max() < 1e-12
    post = idata.posterior
    tau = post["half_life"] / np.log(2)
    delta = post["elite_delta"].sel(event="us_2009_obama")
    t_event = float(model.events["time"].sel(event="us_2009_obama"))
    expected = -delta * np.exp(-(2012.5 - t_event) / tau)
    np.testing.assert_allclose(eff.sel(year=2012), expected, atol=1e-12)
    with pytest.raises(ValueError, match="past events are"):
        counterfactual(model, idata, drop_events=["us_2009_nobody"])
    with pytest.raises(ValueError, match="from_year"):
        counterfactual(model, idata, hold={"security": 0.0})
    with pytest.raises(ValueError, match="unknown driver"):
        intervene(model, idata, {"economy": 1.0}, from_year=2027)


def test_summary_and_headline_probabilities(pred):
    table = forecast_summary(pred)
    assert {"quantity", YEAR, "kind", "mean", "q05", "q25", "q50", "q75", "q95"} <= set(table)
    t2030 = table[(table.quantity == "tension") & (table[YEAR] == 2030)].iloc[0]
    tension = pred.predictions["tension"].sel(year=2030).values
    assert t2030["mean"] == pytest.approx(tension.mean())
    assert t2030["q05"] <= t2030["q25"] <= t2030["q50"] <= t2030["q75"] <= t2030["q95"]
    assert set(table.quantity) >= {"tension", "gpr_russia", "driver:security"}
    head = headline_probabilities(pred)
    assert len(head) == 3 and ((head >= 0) & (head <= 1)).all()
    t24 = pred.posterior["tension"].sel(year=2024).values
    assert head["P(tension 2030 > tension 2024)"] == pytest.approx(np.mean(tension > t24))
    assert table.attrs["headline"] == head.to_dict()


def test_scenarios_validate_and_compare(tiny_fit, tmp_path):
    model, idata = tiny_fit
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\ncolour = 1\n[[event]]\ndate = "2029-13-40"\ntype = "eu"\nprobability = 2\n'
    )
    with pytest.raises(ScenarioError) as err:
        get_scenario(bad)
    msg = str(err.value)
    for part in ("colour", "event[0].date", "event[0].type", "event[0].probability", "bad.toml"):
        assert part in msg
    with pytest.raises(ScenarioError, match="inside the fitted panel"):
        forecast(model, idata, scenario=Scenario("s", (FutureEvent("2025-06-01", "us"),)))
    with pytest.raises(ScenarioError, match="unknown scenario"):
        get_scenario("nonsense")
    good = tmp_path / "good.toml"
    good.write_text(
        'name = "snap"\n[[event]]\ndate = "2027-06-01"\ntype = "ru"\nprobability = 0.5\n'
    )
    runs = forecast_scenarios(model, idata, ["default", good, "no_future_change"], random_seed=2)
    assert list(runs) == ["default", "snap", "no_future_change"]
    from causal_model.analysis.summaries import compare_scenarios

    table = compare_scenarios(runs)
    assert list(table.columns) == ["default", "snap", "no_future_change"]
    assert (
        np.abs(runs["no_future_change"].predictions["elite"].sel(year=2030)).max()
        < np.abs(runs["default"].predictions["elite"].sel(year=2030)).max()
    )


def test_saved_and_loaded_model_forecasts_identically(tiny_fit, pred, tmp_path):
    from causal_model import TensionModel

    model, idata = tiny_fit
    path = model.save(tmp_path / "fit.nc", idata)
    loaded = TensionModel.load(path)
    again = forecast(loaded, loaded.idata_, until=2030, random_seed=5)
    for v in pred.predictions.data_vars:
        np.testing.assert_array_equal(again.predictions[v].values, pred.predictions[v].values)


def test_a_drifting_level_goes_on_drifting_in_the_forecast(panel):
    """``Variant(drift=True)``: the fit's latent paths and the forecast carry the drift term
    ``level_drift * (year - first year)``, past the panel at the same rate; tension is the sum
    of its parts, the decomposition has a ``trend`` component and still sums to tension, and
    the summary reports it. (Prior draws stand in for a posterior: no sampling.)"""
    m = TensionModel(panel, variant=Variant(name="drift", drift=True))
    n = 16
    prior = sample_prior_predictive(m, draws=n, random_seed=3).prior
    params = posterior_parameters(prior, m.layout)
    states = prior["states"].values.reshape(n, *prior["states"].shape[2:])
    coords = {"chain": [0], "draw": np.arange(n)}
    paths = latent_paths(m.layout, state_space(params, m.layout), states, coords)
    assert "trend" in paths
    idata = az.InferenceData(posterior=xr.merge([prior.drop_vars("states"), paths]))
    pred = forecast(m, idata, until=2030, random_seed=1)
    p = pred.predictions
    since = p[YEAR] - int(m.data.years[0])
    np.testing.assert_allclose(p["trend"], prior["level_drift"] * since, rtol=1e-12)
    parts = (p["drivers"] * prior["beta"]).sum(DRIVER) + p["elite"] + p["trend"] + p["residual"]
    np.testing.assert_allclose(parts, p["tension"], rtol=1e-10, atol=1e-12)
    # the indicators' linear predictors carry the drift too: over the panel years they are the
    # fitted structure's (c holds the trend), and past it the trend goes on in them
    paths = build_paths(m, idata, until=2030, random_seed=1)
    ss = state_space(params, m.layout)
    n_panel = paths.n_panel
    eta_fit = ss.c + np.einsum("dts,dis->dti", states, ss.z)
    np.testing.assert_allclose(paths.eta()[:, :n_panel], eta_fit, rtol=1e-10, atol=1e-10)
    assert np.all(np.diff(paths.trend[0, n_panel - 1 :]) == pytest.approx(params["level_drift"][0]))
    dec = decompose(pred)
    assert "trend" in dec["component"].values.tolist()
    np.testing.assert_allclose(dec["contribution"].sum("component"), dec["tension"], atol=1e-10)
    assert "trend" in forecast_summary(pred)["quantity"].tolist()
