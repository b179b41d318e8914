"""Leave-future-out CV: masking, baselines, scores, refits without recompiling, executors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from causal_model import TensionModel
from causal_model.validation import baselines, lfo_cv, lfo_summary, scores
from causal_model.validation.lfo import mask_after

LFO_KW = {"draws": 60, "tune": 100, "chains": 2, "random_seed": 4, "progress": False}


def test_mask_after_keeps_the_structure(panel):
    masked = mask_after(panel, 2010)
    assert masked.sizes == panel.sizes
    assert np.isnan(masked["value"].sel(year=slice(2011, None))).all()
    np.testing.assert_array_equal(
        masked["value"].sel(year=slice(None, 2010)), panel["value"].sel(year=slice(None, 2010))
    )
    # same structure key: a refit swaps data in the compiled sampler instead of recompiling
    assert TensionModel(masked).structure_key() == TensionModel(panel).structure_key()


def test_scores_agree_with_closed_forms():
    rng = np.random.default_rng(0)
    draws = rng.normal(1.0, 2.0, size=20000)
    for y in (-2.0, 1.0, 4.5):
        assert scores.crps_draws(draws, y) == pytest.approx(
            scores.crps_normal(1.0, 2.0, y), rel=0.02
        )
    assert scores.crps_normal(0, 1, 0) == pytest.approx(2 * stats.norm.pdf(0) - 1 / np.sqrt(np.pi))
    assert scores.in_interval(draws, 1.0, 0.5) and not scores.in_interval(draws, 9.0, 0.9)
    assert scores.in_normal_interval(0, 1, 1.6, 0.9) and not scores.in_normal_interval(
        0, 1, 1.7, 0.9
    )
    p = np.exp(scores.normal_logscore(0, 1, 3, discrete_step=1.0))
    assert p == pytest.approx(stats.norm.cdf(3.5) - stats.norm.cdf(2.5))
    assert scores.log_mean_exp(np.log([0.2, 0.4])) == pytest.approx(np.log(0.3))


def test_baselines():
    years = np.arange(1990, 2020)
    rng = np.random.default_rng(1)
    x = np.zeros(years.size)
    for t in range(1, years.size):
        x[t] = 1.0 + 0.6 * x[t - 1] + rng.normal(0, 0.1)
    mu, sd = baselines.persistence(years, x, 2021)
    assert mu == x[-1]
    assert sd == pytest.approx(np.std(np.diff(x), ddof=1) * np.sqrt(2))
    mu, sd = baselines.ar1(years, x, 2060)  # far ahead: the AR(1) mean 1 / (1 - 0.6) = 2.5
    assert mu == pytest.approx(2.5, abs=0.1)
    mu, sd = baselines.mean(years, x, 2021)
    assert mu == pytest.approx(x.mean())
    gap = np.array([2000, 2002, 2004])  # no consecutive years: no year-on-year change
    assert baselines.persistence(gap, np.ones(3), 2005) is None


def test_lfo_serial_refits_reuse_the_compiled_sampler(tiny_fit):
    model, _ = tiny_fit
    table = lfo_cv(model, origins=[2012, 2016], horizons=(1, 2), executor=None, **LFO_KW)
    assert set(table.method) == {"model", "persistence", "ar1", "mean"}
    assert set(table.horizon) == {1, 2} and set(table.origin) == {2012, 2016}
    assert (table.crps >= 0).all() and np.isfinite(table.lpd).all()
    assert table.attrs["compile_cached"] == {2012: True, 2016: True}  # tiny_fit compiled it
    # every baseline row scores a cell the model also scores
    key = ["origin", "horizon", "indicator"]
    cells = set(map(tuple, table[table.method == "model"][key].values))
    assert set(map(tuple, table[key].values)) == cells
    summary = lfo_summary(table)
    assert (summary.xs("persistence", level="method")["crps_vs_persistence"] == 1.0).all()
    assert summary.groupby(level="horizon")["rank"].min().eq(1).all()


@pytest.mark.slow
def test_lfo_on_a_local_dask_cluster_matches_the_serial_run(tiny_fit):
    distributed = pytest.importorskip("distributed")
    model, _ = tiny_fit
    serial = lfo_cv(model, origins=[2012, 2016], horizons=(1, 2), executor=None, **LFO_KW)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = lfo_cv(
            model, origins=[2012, 2016], horizons=(1, 2), executor=client.get_executor(), **LFO_KW
        )
    cols = ["origin", "horizon", "indicator", "method"]
    a = serial.sort_values(cols).reset_index(drop=True)
    b = remote.sort_values(cols).reset_index(drop=True)
    np.testing.assert_allclose(a[["crps", "lpd"]].values, b[["crps", "lpd"]].values, rtol=1e-10)
    assert (a[["in50", "in90"]].values == b[["in50", "in90"]].values).all()


@pytest.mark.slow
def test_simulation_based_calibration_of_the_key_parameters(panel):
    """100 replications on a small panel (17 years, 6 Gaussian indicators): no key parameter's
    ranks reject uniformity at the 1% level."""
    from causal_model.plotting import plot_sbc_ranks
    from causal_model.validation import sbc

    keys = [
        "gpr_russia",
        "unga_distance",
        "milex_ratio",
        "warheads",
        "freedom_expression_russia",
        "polyarchy_gap",
    ]
    template = TensionModel(panel.sel(year=slice(2008, 2024), indicator=keys))
    result = sbc(template, n_reps=100, draws=150, tune=150, chains=2, thin=3, random_seed=7)
    assert result.sizes["rep"] == 100 and result.attrs["L"] == 100
    print(result["p_value"].to_series().round(3).to_dict(), result.attrs["wall_time"])
    assert (result["p_value"] >= 0.01).all(), result["p_value"].to_series().to_dict()
    assert len(plot_sbc_ranks(result).axes) == result.sizes["parameter"]


def test_validation_plots_run_on_a_table():
    import pandas as pd
    from matplotlib.axes import Axes

    from causal_model.plotting import plot_coverage, plot_lfo_skill, plot_pit

    rng = np.random.default_rng(2)
    rows = [
        {
            "origin": o,
            "horizon": h,
            "indicator": k,
            "latent": "tension" if k == "a" else "security",
            "method": m,
            "crps": rng.uniform(0.1, 1),
            "lpd": -1.0,
            "in50": rng.uniform() < 0.5,
            "in90": rng.uniform() < 0.9,
            "pit": rng.uniform(),
        }
        for o in range(2008, 2012)
        for h in (1, 2)
        for k in ("a", "b")
        for m in ("model", "persistence", "ar1", "mean")
    ]
    table = pd.DataFrame(rows)
    ax = plot_lfo_skill(table)
    assert isinstance(ax, Axes) and len(ax.lines) == 5  # 4 methods + the line at 1
    assert isinstance(plot_coverage(table), Axes)
    ax = plot_pit(table)
    assert sum(p.get_height() for p in ax.patches) == len(table[table.method == "model"])
    summary = lfo_summary(table, latent=None)
    assert summary["n"].sum() == len(table)
