"""No figure a person reads has clipped or overlapping text, or an arrow through a label.

Every figure of the main job (:func:`causal_model.app.figures.main_figures`, as captioned and
bannered for a quick run) and of the report (:func:`causal_model.app.report_sections.
report_figures`) is drawn and its text artists' window extents are checked: none may leave
the figure, no two visible labels may overlap. Deliberately broken figures show that the
checks fail when they should.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from causal_model import forecast_scenarios
from causal_model.app.figures import main_figures
from causal_model.app.report_sections import plot_model_dag, report_figures
from causal_model.plotting import finish_figure
from causal_model.plotting.captions import GID_BANNER, GID_CAPTION
from causal_model.plotting.textcheck import arrow_problems, text_problems


@pytest.fixture(scope="module")
def runs(tiny_fit):
    model, idata = tiny_fit
    return forecast_scenarios(model, idata, random_seed=4)


@pytest.fixture(scope="module")
def prior(tiny_fit):
    model, _ = tiny_fit
    return model.sample_prior_predictive(draws=50, random_seed=4)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _comparison() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "elpd_loo": [-500.0, -507.5, -530.2],
            "se": [12.0, 12.5, 13.1],
            "elpd_diff": [0.0, 7.5, 30.2],
            "dse": [0.0, 3.1, 6.4],
            "max_pareto_k": [0.5, 1.1, 1.39],
            "n_bad_pareto_k": [0, 2, 3],
        },
        index=["reference", "no_elite", "permanent_elite"],
    )


@pytest.mark.parametrize("quick", [True, False])
def test_main_job_figures_have_clean_text(tiny_fit, runs, prior, quick):
    model, idata = tiny_fit
    figs = main_figures(model, idata, runs, scenario="default", prior=prior, quick=quick)
    assert set(figs) >= {"forecast_fan.png", "parameters.png", "posterior_predictive.png"}
    for name, fig in figs.items():
        assert text_problems(fig) == [], name
        gids = {t.get_gid() for t in fig.texts}
        assert GID_CAPTION in gids, name
        assert (GID_BANNER in gids) == quick, name
    fan = figs["forecast_fan.png"]
    caption = next(t.get_text() for t in fan.texts if t.get_gid() == GID_CAPTION)
    assert "geometric mean" in caption.replace("\n", " ")


def test_report_figures_have_clean_text_and_arrows(tiny_fit, runs, prior):
    model, idata = tiny_fit
    figs = report_figures(
        model, idata, runs, runs["default"], comparison=_comparison(), prior=prior, quick=True
    )
    assert {"dag", "forecast", "drivers", "parameters", "predictive", "elpd"} <= set(figs)
    for key, (fig, caption) in figs.items():
        assert caption, key
        assert text_problems(fig) == [], key
    assert arrow_problems(figs["dag"][0]) == []


def test_the_checks_fail_on_broken_figures(tiny_fit):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_title("A title much too long for this small figure, cut off at the right edge")
    ax.text(0.5, 0.5, "first label", ha="center")
    ax.text(0.52, 0.5, "second label", ha="center")  # on top of the first
    problems = text_problems(fig)
    assert any(p.startswith("clipped:") and "too long" in p for p in problems)
    assert any(p.startswith("overlap:") and "first label" in p for p in problems)
    # ArviZ's forest plot prints its "90.0% HDI" over a title of the same axes
    fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
    ax.set_title("90.0% HDI")
    ax.set_title("Driver effects, persistence, elite effect and loadings", loc="left")
    assert any(p.startswith("overlap:") for p in text_problems(fig))
    # an arrow drawn from centre to centre runs through the label it points at
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "TENSION", ha="center", va="center")
    ax.annotate("", xy=(0.5, 0.5), xytext=(0.1, 0.5), arrowprops={"arrowstyle": "->"})
    assert arrow_problems(fig) == ["arrow through 'TENSION'"]
    # and the real diagram is clean
    assert arrow_problems(plot_model_dag(tiny_fit[0])) == []


def test_caption_grows_the_figure_without_moving_the_axes():
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.plot(np.arange(3))
    fig.canvas.draw()
    height = ax.get_window_extent().height
    finish_figure(fig, caption="A caption " * 40, quick=True)
    fig.canvas.draw()
    assert fig.get_size_inches()[1] > 4
    assert ax.get_window_extent().height == pytest.approx(height, rel=0.05)
    assert text_problems(fig) == []
