"""Claim 4: the cooperation indicators in the model, the forecast, the scorecard and the figure.

Fast tests (the tiny real-panel fit of ``conftest.py``); the recovery of the loadings on
simulated panels is in ``tests/test_fit_slow.py``.
"""

from __future__ import annotations

import tomllib
import warnings

import arviz as az
import numpy as np
import pytest
from matplotlib.figure import Figure

from causal_model import TensionModel, forecast
from causal_model.analysis.cooperation import (
    ARMS_CONTROL,
    CLAIM,
    COMPARED,
    INSULATED,
    cooperation_areas,
    joint_no_shares,
)
from causal_model.analysis.scorecard import QUANTITY_WIDTH, hypotheses, scorecard_table
from causal_model.analysis.summaries import forecast_summary
from causal_model.dims import COOP_INDICATOR, COOPERATION, INDICATOR, YEAR
from causal_model.model.generate import prior_draws
from causal_model.model.structure import posterior_parameters, state_space
from causal_model.plotting import plot_cooperation
from causal_model.plotting.cooperation import GID_DATA, GID_FIT, GID_FORECAST
from causal_model.specification.priors import PRIORS_DIR, PriorValidationError, load_priors
from causal_model.specification.variants import Variant

AREAS = [
    "unga_agree_arms_control",
    "unga_agree_middle_east",
    "unga_agree_human_rights",
    "icews_material_coop_share",
]
#: A small panel (anchors, two tension indicators, the areas): cheap to compile.
SMALL = [
    "gpr_russia",
    "unga_agreement",
    "milex_ratio",
    "arms_control_treaties",
    "freedom_expression_russia",
]


@pytest.fixture(scope="module")
def small(panel):
    return panel.sel(indicator=SMALL + AREAS)


# ---------------------------------------------------------------- the model


def test_panel_has_the_areas_as_cooperation_indicators(panel):
    assert cooperation_areas(panel) == AREAS
    m = TensionModel(panel)
    assert m.coords()[COOP_INDICATOR] == AREAS
    md = m.data
    assert [md.indicators[i] for i in md.subset("cooperation")] == AREAS
    assert (md.driver_of[md.subset("cooperation")] == -1).all()  # no driver


def test_structure_of_following_and_insulated_areas(small):
    """Follows: a cooperation row of Z is direction * coop_loading * (beta, 1), its offset
    carries the same loading times the elite term; insulated: both are 0."""
    for variant in ("reference", "insulated_cooperation"):
        m = TensionModel(small, variant=variant)
        layout, md = m.layout, m.data
        draws = prior_draws(m, 3, random_seed=4)
        params = posterior_parameters(draws, layout)
        ss = state_space(params, layout)
        coop = md.subset("cooperation")
        if variant == "reference":
            lam = md.direction[coop] * params["coop_loading"]
            assert layout.coop_free.shape == (len(AREAS), len(md.indicators))
        else:
            lam = np.zeros((3, coop.size))
            assert layout.coop_free.shape[0] == 0 and "coop_loading" not in draws
        np.testing.assert_allclose(ss.lam[:, coop], lam)
        k = len(md.drivers)
        row = np.concatenate([params["beta"], np.ones((3, 1))], axis=1)
        np.testing.assert_allclose(ss.z[:, coop, : k + 1], lam[..., None] * row[:, None, :])
        offsets = ss.c[:, :, coop] - ss.c0[:, None, coop]
        np.testing.assert_allclose(offsets, lam[:, None, :] * ss.elite[:, :, None])


@pytest.mark.parametrize("variant", ["reference", "insulated_cooperation"])
def test_the_variants_name_their_cooperation_parameters(small, variant):
    """The reference has the areas' loadings (dim ``coop_indicator``) and their pooling; the
    insulated variant has none. (The loadings' gradient is checked on the real panel by
    ``tests/test_model.py::test_variant_has_finite_logp_and_gradient``; the compile here was
    cut on 2026-12-02 to keep CI under 30 minutes.)"""
    model = TensionModel(small, variant=variant).build()
    names = set(model.named_vars)
    if variant == "insulated_cooperation":
        assert not {"coop_loading", "coop_loading_mu", "coop_loading_sigma"} & names
    else:
        assert {"coop_loading", "coop_loading_mu", "coop_loading_sigma"} <= names
        assert model.named_vars_to_dims["coop_loading"] == (COOP_INDICATOR,)
        assert model.initial_point()["coop_loading"].size == len(AREAS)


def test_variant_setting_is_checked():
    assert Variant().cooperation == "follows"
    with pytest.raises(ValueError, match="cooperation="):
        Variant(cooperation="sometimes")
    back = Variant.from_dict({k: v for k, v in Variant().to_dict().items() if k != "cooperation"})
    assert back.cooperation == "follows"  # variants saved before the setting existed


# ---------------------------------------------------------------- the priors


@pytest.mark.parametrize("name", ["neoclassical_realism", "weakly_informative"])
def test_cooperation_priors_in_both_files(name):
    priors = load_priors(name)
    assert priors["coop_loading_mu"].distribution == "Normal"
    assert priors["coop_loading_sigma"].distribution == "HalfNormal"
    for p in ("coop_loading_mu", "coop_loading_sigma"):
        assert "claim 4" in priors.notes[p].lower()


def test_cooperation_priors_are_validated(tmp_path):
    with (PRIORS_DIR / "neoclassical_realism.toml").open("rb") as fh:
        table = tomllib.load(fh)
    bad = dict(table)
    del bad["coop_loading_mu"]
    bad["coop_loading_sigma"] = {"dist": "Normal", "kwargs": {"mu": 0.0, "sigma": 1.0}}
    with pytest.raises(PriorValidationError) as err:
        load_priors(bad)
    text = str(err.value)
    assert "[coop_loading_mu] missing required parameter" in text
    assert "[coop_loading_sigma] support mismatch" in text


# ---------------------------------------------------------------- forecast, scorecard, figure


@pytest.fixture(scope="module")
def pred(tiny_fit):
    model, idata = tiny_fit
    return forecast(model, idata, until=2030, random_seed=3)


def test_forecast_carries_every_area_to_2030(tiny_fit, pred):
    model, _ = tiny_fit
    assert cooperation_areas(pred) == AREAS
    assert "coop_loading" in pred.posterior
    fc = pred.predictions
    trials = pred.predictions_constant_data["trials"]
    panel = model.panel
    for key in AREAS:
        years = fc[key][YEAR].values
        assert years.max() == 2030
        v = fc[key].values
        assert np.isfinite(v).all(), key
        if key.startswith("unga_"):
            # future trials: median of the last five observed years' joint votes
            observed = panel["trials"].sel({INDICATOR: key}).dropna(YEAR)
            assumed = np.round(np.median(observed.values[-5:]))
            assert int(observed[YEAR].max()) == 2019
            assert (trials.sel({INDICATOR: key}).values == assumed).all(), key
            assert v.dtype.kind == "i" and (v >= 0).all() and (v <= assumed).all()


def test_forecast_summary_lists_the_areas(pred):
    table = forecast_summary(pred)
    areas = table[table["kind"] == COOPERATION]
    assert sorted(areas["quantity"].unique()) == sorted(AREAS)
    last = areas[areas[YEAR] == 2030].set_index("quantity")
    assert (last["q05"] <= last["q95"]).all() and last["q95"].le(1).all()
    assert last.loc[ARMS_CONTROL, "unit"] == "share of votes"


def test_scorecard_claim_four(tiny_fit, pred):
    model, idata = tiny_fit
    joint_no = joint_no_shares(model.panel)
    card = hypotheses(idata, forecast=pred, joint_no=joint_no)
    rows = card[card["claim"] == CLAIM].set_index("quantity")
    for key in AREAS:
        row = rows.loc[f"loading on tension: {key}"]
        draws = idata.posterior["coop_loading"].sel({COOP_INDICATOR: key}).values
        assert row["mean"] == pytest.approx(draws.mean())
        assert row["q05"] == pytest.approx(np.quantile(draws, 0.05))
    agree = rows.loc[f"agreement 2030: {ARMS_CONTROL}"]
    assert 0 <= agree["q05"] <= agree["q95"] <= 1
    r = joint_no.loc[ARMS_CONTROL]
    assert f"({int(r['joint_no'])} of {int(r['agreements'])})" in agree["note"]
    assert "share 2030: icews_material_coop_share" in rows.index
    gap = rows.loc["|arms-control loading| minus the smallest compared one"]
    size = np.abs(idata.posterior["coop_loading"])
    event = size.sel({COOP_INDICATOR: ARMS_CONTROL}) < size.sel(
        {COOP_INDICATOR: list(COMPARED)}
    ).min(COOP_INDICATOR)
    assert gap["p_claim"] == pytest.approx(float(event.mean()))
    assert gap["evidence"] == f"reference vs {INSULATED}"  # its LOO evidence (run --claims)
    not_measured = rows.loc["counter-terrorism, cyber, consensus adoptions"]
    assert not_measured["status"].startswith("not measured")
    assert "consensus" in not_measured["status"] and "terrorism" in not_measured["status"]
    assert card["quantity"].str.len().max() <= QUANTITY_WIDTH
    shown = scorecard_table(card)
    assert not (shown == "").any().any()


def test_scorecard_without_loadings_or_areas(tiny_fit, pred):
    _, idata = tiny_fit
    insulated = idata.copy()
    del insulated.posterior["coop_loading"]
    rows = hypotheses(insulated, forecast=pred)
    rows = rows[rows["claim"] == CLAIM]
    assert rows["status"].str.contains("not estimated: the variant fixes them at 0").any()
    assert rows["note"].str.contains("not computed").any()  # no joint-no table passed
    bare = az.InferenceData(posterior=insulated.posterior.drop_vars(COOP_INDICATOR))
    rows = hypotheses(bare)
    rows = rows[rows["claim"] == CLAIM]
    assert len(rows) == 1 and rows["status"].iloc[0].startswith("not measured")


def test_plot_cooperation(pred, tiny_fit):
    fig = plot_cooperation(pred)
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.axes if ax.get_title(loc="left")]
    # each panel is titled by what it counts (the registry's description), not by its key
    names = [ax.get_title(loc="left").split("\nloading on tension")[0] for ax in axes]
    described = [str(pred.observed_data[k].attrs["description"]) for k in AREAS]
    assert [" ".join(n.split()) for n in names] == described
    for ax in axes:
        gids = {a.get_gid() for a in ax.get_children()}
        assert {GID_DATA, GID_FIT, GID_FORECAST} <= gids
        assert ax.get_xlim()[1] >= 2030
        assert "loading on tension" in ax.get_title(loc="left")
    one = plot_cooperation(pred, areas=[ARMS_CONTROL], ncols=1, fig=Figure())
    assert len([ax for ax in one.axes if ax.get_title(loc="left")]) == 1
    with pytest.raises(ValueError, match="pass a forecast"):
        plot_cooperation(tiny_fit[1])
    with pytest.raises(ValueError, match="no cooperation indicator"):
        plot_cooperation(pred, areas=["gpr_russia"])


def test_main_job_draws_the_cooperation_figure(tiny_fit, pred):
    from causal_model.app.figures import main_figures
    from causal_model.app.pipeline import FIGURES

    model, idata = tiny_fit
    assert "cooperation.png" in FIGURES
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figs = main_figures(model, idata, {"default": pred}, captions=True)
    assert "cooperation.png" in figs
    texts = [t.get_text() for t in figs["cooperation.png"].texts]
    assert any("claim 4" in t for t in texts)
    assert list(figs) == [f for f in FIGURES if f in figs]  # in the job's order
