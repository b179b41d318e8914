"""Tables a person reads: natural scales with units, probabilities with their Monte Carlo
error, a scorecard without empty cells or cut words, and a run record that tells the truth."""

from __future__ import annotations

import math

import arviz as az
import numpy as np
import pytest

from causal_model.analysis import forecast
from causal_model.analysis.scorecard import (
    QUANTITY_WIDTH,
    format_scorecard,
    hypotheses,
    scorecard_table,
)
from causal_model.analysis.summaries import (
    compare_scenarios,
    forecast_summary,
    headline_probabilities,
    headline_table,
    mc_decimals,
    natural_values,
    probability_mc,
)


@pytest.fixture(scope="module")
def pred(tiny_fit):
    model, idata = tiny_fit
    return forecast(model, idata, random_seed=3)


def test_natural_values_undo_the_registry_transforms():
    assert natural_values(np.log(2.5), transform="log") == pytest.approx(2.5)
    assert natural_values(np.log(0.2 / 0.8), transform="logit") == pytest.approx(0.2)
    assert natural_values(np.array([15.0]), family="binomial", trials=60)[0] == 0.25
    with pytest.raises(ValueError, match="trials"):
        natural_values(1.0, family="binomial")


def test_summary_shows_indicators_in_their_own_units(pred):
    table = forecast_summary(pred)
    row = table[(table.quantity == "gpr_russia") & (table.year == 2025)].iloc[0]
    draws = pred.predictions["gpr_russia"].sel(year=2025).values
    assert row["mean"] == pytest.approx(np.exp(draws).mean())  # the GPR index, not its log
    assert row["unit"] == "% of newspaper articles" and row["scale"] == "natural"
    votes = table[table.quantity == "unga_agreement"]
    assert votes["unit"].eq("share of votes").all() and votes["q95"].le(1).all()
    pew = table[table.quantity == "pew_russians_fav_us"]
    assert pew["q05"].ge(0).all() and pew["q95"].le(1).all()  # a share, not a logit
    assert table.loc[table.quantity == "tension", "unit"].str.contains("anchor").all()
    model = forecast_summary(pred, scale="model")
    row = model[(model.quantity == "gpr_russia") & (model.year == 2025)].iloc[0]
    assert row["mean"] == pytest.approx(draws.mean()) and row["unit"].startswith("log(")
    assert not table[["unit", "scale"]].isna().any().any()


def test_probabilities_carry_their_monte_carlo_error(pred):
    head = headline_table(pred)
    raw = headline_probabilities(pred)
    events = pred.predictions["tension"].sel(year=2030) > pred.posterior["tension"].sel(year=2024)
    key = "P(tension 2030 > tension 2024)"
    p = float(events.mean())
    ess = float(az.ess(events.values.astype(float))) if 0 < p < 1 else events.size
    assert head.loc[key, "mc_se"] == pytest.approx(math.sqrt(p * (1 - p) / ess), abs=1e-4)
    d = mc_decimals(head.loc[key, "mc_se"], events.size)
    assert head.loc[key, "probability"] == round(raw[key], d)
    assert abs(head.loc[key, "probability"] - raw[key]) <= 10.0 ** (-d) / 2 + 1e-12
    assert mc_decimals(0.011, 2400) == 1 and mc_decimals(0.004, 4000) == 2
    assert mc_decimals(0.0, 200) == 2  # every draw agrees: the resolution of 200 draws
    every = probability_mc(np.ones((2, 100), dtype=bool))
    assert every["probability"] == 1.0 and every["mc_se"] == 0.0
    table = compare_scenarios({"default": pred})
    assert f"MC se of {key}" in table.index
    for q in raw.index:  # no probability shown to 17 decimals
        assert len(repr(float(table.loc[q, "default"]))) <= 6


def test_scorecard_says_what_was_not_run_and_never_cuts_words(tiny_fit, pred):
    _, idata = tiny_fit
    card = hypotheses(idata, forecast=pred, forecast_alternative=pred, alternative_label="rw")
    assert card["quantity"].str.len().max() <= QUANTITY_WIDTH
    claim3 = card[card.claim.str.startswith("3.")].iloc[0]
    assert claim3["status"].startswith("not run") and "--claims" in claim3["status"]
    drop = card[card.evidence == "reference vs drop_security"].iloc[0]
    assert "compare --variants reference,drop_security" in drop["status"]
    assert card.claim.iloc[-1] == "5. tension persists in the medium term (under rw)"
    shown = scorecard_table(card)
    assert not shown.isna().any().any()
    assert not (shown.astype(str).apply(lambda c: c.str.strip()) == "").any().any()
    assert (shown.loc[claim3.name, ["mean", "p_claim", "elpd_diff"]] == "not run").all()
    text = format_scorecard(card, width=80)
    assert max(len(line) for line in text.splitlines()) <= 80
    words = set(" ".join(card[["claim", "quantity", "status"]].astype(str).values.ravel()).split())
    assert words <= set(text.split())  # wrapped, never cut inside a word
