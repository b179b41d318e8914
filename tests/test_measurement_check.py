"""The measurement check (CFA-style): its table, its errors, its figure and its report section.

The panel is simulated from the model on the real panel's shape (2000-2024, ten indicators,
the security driver measured by its anchor alone) with known loadings (0.8) and noise sds
(0.5), and one driver indicator's standardised values are multiplied by -1 after simulation
while its declared direction stays: the check must find exactly that indicator.
"""

from __future__ import annotations

import warnings

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.figure import Figure

from causal_model import (
    TensionModel,
    forecast_scenarios,
    hypotheses,
    measurement_check,
    simulate,
)
from causal_model.analysis.measurement import COLUMNS, link_scale_data
from causal_model.app.figures import main_figures
from causal_model.app.report import build_report
from causal_model.app.report_sections import measurement_display, report_figures
from causal_model.plotting import finish_figure, plot_measurement_check
from causal_model.plotting.captions import GID_CAPTION
from causal_model.plotting.measurement import FLAG_COLOR, MEASUREMENT_CAPTION
from causal_model.plotting.textcheck import text_problems

KEYS = [
    "gpr_russia",
    "unga_distance_fp",
    "us_sanctions",
    "milex_ratio",
    "unga_bloc_position",
    "imf_ppp_ratio",
    "arms_control_treaties",
    "freedom_expression_russia",
    "polyarchy_russia",
    "freedom_house_russia",
]
FLIP = "unga_bloc_position"
ANCHORS = {"gpr_russia", "milex_ratio", "arms_control_treaties", "freedom_expression_russia"}


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def flipped(real_panel):
    """(model, panel): the simulated panel with ``FLIP``'s values multiplied by -1."""
    template = real_panel.sel(year=slice(2000, 2024), indicator=KEYS)
    md = TensionModel(template).data
    params = {
        "loading": np.full(md.subset("driver_free").size, 0.8),
        "sigma_obs": np.full(md.subset("gaussian").size, 0.5),
    }
    sim, _ = simulate(template, params=params, random_seed=3)
    sign = xr.where(sim["indicator"] == FLIP, -1.0, 1.0)
    # new arrays: simulate's ``value`` and ``raw`` share one buffer
    sim["value"] = sim["value"] * sign
    sim["raw"] = sim["raw"] * sign
    return TensionModel(sim), sim


@pytest.fixture(scope="module")
def quick(flipped):
    """A tiny fit of the flipped panel and its measurement table (plumbing tests only)."""
    model, _ = flipped
    idata = model.fit(draws=60, tune=100, chains=2, random_seed=5, diagnostics=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # 60 draws may or may not flag FLIP
        table = measurement_check(model, idata, random_seed=1)
    return model, idata, table


def _link(values: pd.Series, family: str) -> pd.Series:
    return np.log(values + 0.5) if family == "poisson" else values


def test_table_has_the_documented_rows_columns_and_values(quick, flipped):
    model, idata, table = quick
    _, sim = flipped
    assert table.index.name == "indicator" and list(table.index) == KEYS
    assert tuple(table.columns) == COLUMNS
    assert table["latent"].tolist() == sim["latent"].values.tolist()
    assert table["direction"].tolist() == sim["direction"].values.tolist()
    assert set(table.index[table["anchor"]]) == ANCHORS
    assert table["n_obs"].tolist() == sim["value"].notnull().sum("year").values.tolist()
    for col in ("p_declared_sign", "ppp"):
        assert table[col].between(0, 1).all(), col
    assert (table["flag"] == (table["p_declared_sign"] < 0.05)).all()
    assert table.attrs["prob"] == 0.95 and table.attrs["draws"] == 2 * 60

    # corr_with_others, computed again with pandas: data times direction on the link scale,
    # standardised, against the mean of the other indicators of the same latent
    data = sim["value"].to_pandas()
    fam = dict(zip(KEYS, sim["family"].values, strict=True))
    signed = pd.DataFrame({k: _link(data[k], fam[k]) * table.at[k, "direction"] for k in KEYS})
    z = (signed - signed.mean()) / signed.std()
    for key in KEYS:
        others = [k for k in KEYS if table.at[k, "latent"] == table.at[key, "latent"] and k != key]
        if not others:
            assert key == "arms_control_treaties" and np.isnan(table.at[key, "corr_with_others"])
            continue
        want = signed[key].corr(z[others].mean(axis=1))
        assert table.at[key, "corr_with_others"] == pytest.approx(want, abs=1e-12), key

    # the tension anchor's loading is fixed at 1: its standardised loading is the median of
    # sd(tension path) / sd(data) over its observed years
    obs = data["gpr_russia"].notna().values
    path = idata.posterior["tension"].isel(year=obs)
    want = float((path.std("year", ddof=1) / data["gpr_russia"][obs].std()).median())
    assert table.at["gpr_russia", "std_loading"] == pytest.approx(want, rel=1e-9)

    # P(declared sign): the share of draws whose path correlates positively with the data
    x = xr.DataArray(signed["imf_ppp_ratio"].values, dims="year", coords={"year": data.index})
    r = xr.corr(idata.posterior["drivers"].sel(driver="geopolitics"), x, dim="year")
    assert table.at["imf_ppp_ratio", "p_declared_sign"] == pytest.approx(float((r > 0).mean()))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        again = measurement_check(model, idata, random_seed=1)
    pd.testing.assert_frame_equal(again, table)


def test_bad_input_is_refused_with_what_is_missing(quick):
    model, idata, _ = quick
    with pytest.raises(ValueError, match="no posterior group"):
        measurement_check(model, az.InferenceData(observed_data=idata.observed_data))
    no_paths = az.InferenceData(posterior=idata.posterior.drop_vars(["drivers", "tension"]))
    with pytest.raises(ValueError, match=r"no latent path \['drivers', 'tension'\].*postprocess"):
        measurement_check(model, no_paths)
    short = az.InferenceData(posterior=idata.posterior.sel(year=slice(2001, None)))
    with pytest.raises(ValueError, match="years do not match"):
        measurement_check(model, short)
    for prob in (0.0, 1.0, 1.5, "0.9"):
        with pytest.raises(ValueError, match="prob must be a probability"):
            measurement_check(model, idata, prob=prob)
    with pytest.raises(TypeError, match="TensionModel"):
        measurement_check(model.panel, idata)
    with pytest.raises(ValueError, match="missing columns"):
        plot_measurement_check(pd.DataFrame({"latent": ["tension"]}))


def _synthetic_table(real_panel) -> pd.DataFrame:
    """A table of the real panel's indicators with two flagged (the figure's worst case)."""
    keys = [str(k) for k in real_panel["indicator"].values]
    rng = np.random.default_rng(0)
    p = rng.uniform(0.5, 1.0, len(keys))
    p[[2, 9]] = [0.01, 0.0]
    table = pd.DataFrame(
        {
            "latent": real_panel["latent"].values.astype(str),
            "direction": real_panel["direction"].values.astype(int),
            "anchor": real_panel["anchor"].values.astype(bool),
            "n_obs": 30,
            "corr_with_others": rng.uniform(-0.5, 1, len(keys)),
            "std_loading": rng.uniform(0, 1.2, len(keys)),
            "p_declared_sign": p,
            "ppp": rng.uniform(0, 1, len(keys)),
        },
        index=pd.Index(keys, name="indicator"),
    )
    table["flag"] = table["p_declared_sign"] < 0.05
    table.loc[keys[5], ["corr_with_others", "std_loading"]] = np.nan
    table.attrs["prob"] = 0.95
    return table


def test_figure_is_readable_and_marks_the_flagged(quick, real_panel):
    _, _, small = quick
    for table in (small, _synthetic_table(real_panel)):
        fig = plot_measurement_check(table)
        assert isinstance(fig, Figure) and len(fig.axes) == 3
        assert text_problems(fig) == []
        labels = {t.get_text(): t.get_color() for t in fig.axes[0].get_yticklabels()}
        for key in table.index:
            assert (labels[key] == FLAG_COLOR) == bool(table.at[key, "flag"]), key
        assert {lat.upper() for lat in table["latent"]} <= set(labels)
        finish_figure(fig, caption=MEASUREMENT_CAPTION, quick=True)
        assert text_problems(fig) == []


def test_report_and_main_job_show_the_table_and_figure(quick):
    model, idata, table = quick
    runs = forecast_scenarios(model, idata, ["default"], until=2026, random_seed=2)
    figs = main_figures(model, idata, runs, measurement=table)
    assert "measurement.png" in figs
    fig = figs["measurement.png"]
    assert GID_CAPTION in {t.get_gid() for t in fig.texts} and text_problems(fig) == []
    plt.close("all")
    figs = report_figures(model, idata, runs, runs["default"], measurement=table)
    assert figs["measurement"][1] == MEASUREMENT_CAPTION
    shown = measurement_display(table)
    assert list(shown.index) == KEYS and set(shown["flag"]) <= {"", "FLAGGED"}
    plt.close("all")
    text = build_report(
        model=model,
        idata=idata,
        runs=runs,
        scorecard=hypotheses(idata, forecast=runs["default"]),
        settings={"forecast": {"scenario": "default"}},
        measurement=table,
        prior_draws=0,
    )
    assert "<h2>Measurement</h2>" in text and "P(declared sign)" in text
    assert text.count('alt="measurement check"') == 1


@pytest.mark.slow
def test_a_sign_flipped_indicator_is_flagged_and_named(flipped):
    """150 + 150 draws, two chains: the flipped indicator's data correlate negatively with
    its latent in every draw (P(declared sign) < 0.05) and it alone is flagged, in one
    warning naming it and its latent.

    The indicators' true correlation with their latent is about 0.85 (loading 0.8, noise sd
    0.5, 23-25 years), so an unflipped indicator's sample correlation with the posterior path
    is negative in more than 95 % of the draws only by an error of many standard errors; the
    seeds are fixed, so the run is reproducible on one machine."""
    model, _ = flipped
    idata = model.fit(draws=150, tune=150, chains=2, random_seed=5, diagnostics=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = measurement_check(model, idata, random_seed=1)
    print(table.to_string())
    assert table.index[table["flag"]].tolist() == [FLIP]
    assert table.at[FLIP, "p_declared_sign"] < 0.05
    assert (table.drop(index=FLIP)["p_declared_sign"] >= 0.05).all()
    assert table.at[FLIP, "corr_with_others"] < 0  # the data alone say so too
    mine = [w for w in caught if "measurement check" in str(w.message)]
    assert len(mine) == 1 and issubclass(mine[0].category, UserWarning)
    message = str(mine[0].message)
    assert f"'{FLIP}' (latent geopolitics" in message and "registry" in message
    assert all(k not in message for k in KEYS if k != FLIP)


def test_cooperation_areas_declare_no_sign_and_are_never_flagged(tiny_fit):
    """The areas load on tension with a free sign: direction 0, no P(declared sign), no flag,
    their correlation taken with the tension indicators' mean and their loading signed."""
    model, idata = tiny_fit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        table = measurement_check(model, idata, random_seed=1)
    md = model.data
    areas = [md.indicators[i] for i in md.subset("cooperation")]
    assert areas and (table.loc[areas, "latent"] == "cooperation").all()
    assert (table.loc[areas, "direction"] == 0).all()
    assert table.loc[areas, "p_declared_sign"].isna().all()
    assert not table.loc[areas, "flag"].any()
    others = table.index[table["latent"] != "cooperation"]
    assert table.loc[others, "direction"].isin([-1, 1]).all()
    assert table.loc[others, "p_declared_sign"].notna().all()
    # an area's loading keeps its sign: the median of coop_loading times sd(path) / sd(data)
    key = areas[0]
    i = md.indicators.index(key)
    obs = md.mask[:, i]
    data = link_scale_data(md)[obs, i]
    sd_path = idata.posterior["tension"].isel(year=obs).std("year", ddof=1)
    b = idata.posterior["coop_loading"].sel(coop_indicator=key)
    want = float((b * sd_path / data.std(ddof=1)).median())
    assert table.at[key, "std_loading"] == pytest.approx(want, rel=1e-9)
    # their correlation is with the tension indicators, not with each other
    tension = [k for k in table.index if table.at[k, "latent"] == "tension"]
    signed = pd.DataFrame(link_scale_data(md), columns=list(md.indicators)) * table[
        "direction"
    ].replace(0, 1)
    z = (signed - signed.mean()) / signed.std()
    want = signed[key].corr(z[tension].mean(axis=1))
    assert table.at[key, "corr_with_others"] == pytest.approx(want, abs=1e-12)
