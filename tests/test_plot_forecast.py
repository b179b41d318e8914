"""Every plot of fits and forecasts runs on a small fitted model and returns its Axes/Figure."""

from __future__ import annotations

import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from causal_model import plotting
from causal_model.analysis import counterfactual, forecast_scenarios, intervene
from causal_model.plotting.forecast import GID_EVENT, GID_FORECAST


@pytest.fixture(scope="module")
def runs(tiny_fit):
    model, idata = tiny_fit
    return forecast_scenarios(model, idata, random_seed=1)


def test_fan_chart(runs, tmp_path):
    pred = runs["default"]
    ax = plotting.plot_forecast(pred, scenarios=runs)
    assert isinstance(ax, Axes)
    assert any(a.get_gid() == GID_FORECAST for a in ax.collections)
    events = [ln for ln in ax.lines if ln.get_gid() == GID_EVENT]
    assert len(events) == 9 + 2  # 9 past changes of leader and the 2 scenario events
    texts = " ".join(t.get_text() for t in ax.texts)
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "Obama" in texts and "p = 1.00" in legend
    assert "Monte Carlo" in texts and "±" in texts  # headline probabilities with their MC error
    assert "year" in ax.get_xlabel() and "tension" in ax.get_ylabel()
    labels = ax.get_legend_handles_labels()[1]
    assert any("russian_change" in lab for lab in labels)
    ax.figure.savefig(tmp_path / "fan.png")
    assert (tmp_path / "fan.png").stat().st_size > 20_000


def test_figure_plots(tiny_fit, runs):
    model, idata = tiny_fit
    pred = runs["default"]
    fig = plotting.plot_indicator_forecasts(pred)
    assert isinstance(fig, Figure) and len(fig.axes) == len(pred.observed_data.data_vars)
    fig = plotting.plot_drivers(pred)
    assert isinstance(fig, Figure) and fig.legends  # a legend of the median and the bands
    titles = [ax.get_title(loc="right") for ax in fig.axes]
    assert all(t.startswith("effect on tension: β = ") for t in titles)
    assert "raises tension" not in " ".join(ax.get_ylabel() for ax in fig.axes)
    assert isinstance(plotting.plot_decomposition(pred), Axes)
    assert isinstance(plotting.plot_decomposition(idata), Axes)
    ax = plotting.plot_elite_response(idata)
    labels = ax.get_legend_handles_labels()[1]
    assert isinstance(ax, Axes) and any("half-life: median" in lab for lab in labels)
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]  # no mixing fills
    prior = model.sample_prior_predictive(draws=50, random_seed=1)
    fig = plotting.plot_parameters(idata, prior=prior)
    assert isinstance(fig, Figure) and fig.figure is fig  # pipeline calls .figure
    units = {ax.get_xlabel() for ax in fig.axes}
    assert "years" in units and len(units) == len(fig.axes)  # one unit per axes
    assert not any("HDI" in t.get_text() for ax in fig.axes for t in ax.texts)
    eff = intervene(model, idata, {"security": -1.0}, from_year=2027, random_seed=1)
    assert isinstance(plotting.plot_effect(eff), Figure)
    cf = counterfactual(model, idata, drop_events=["us_2009_obama"])
    assert isinstance(plotting.plot_effect(cf), Figure)
    fig = plotting.plot_predictive_check(
        pred.posterior_predictive, model.panel, title="Posterior predictive check"
    )
    assert isinstance(fig, Figure)
    ylabels = {ax.get_title(loc="left"): ax.get_ylabel() for ax in fig.axes}
    assert ylabels["unga_agreement"] == "share of votes"
    assert ylabels["gpr_russia"] == "% of newspaper articles"  # exp of the log, not log
    gpr = next(ax for ax in fig.axes if ax.get_title(loc="left") == "gpr_russia")
    assert min(c.get_paths()[0].vertices[:, 1].min() for c in gpr.collections) > 0
    model_scale = plotting.plot_predictive_check(
        pred.posterior_predictive, model.panel, scale="model"
    )
    assert model_scale.axes[0].get_ylabel() == "log(% of newspaper articles)"


def test_plots_draw_into_given_axes(tiny_fit, runs):
    import matplotlib.pyplot as plt

    _, idata = tiny_fit
    fig, ax = plt.subplots()
    assert plotting.plot_forecast(runs["default"], ax=ax) is ax
    assert plotting.plot_elite_response(idata, ax=ax) is ax
    with pytest.raises(ValueError, match="event type"):
        plotting.plot_elite_response(idata, event_types=("eu",))
