"""The figures of the main job, each finished with its caption (and a quick run's banner).

:func:`main_figures` draws every figure of :data:`causal_model.app.pipeline.FIGURES` from a
fit and its forecasts, so the job, the tests of the figures' text and users draw the same
figures.
"""

from __future__ import annotations

import arviz as az
import pandas as pd
from matplotlib.figure import Figure

from causal_model import plotting
from causal_model.analysis.cooperation import cooperation_areas
from causal_model.plotting.captions import figure_caption, finish_figure, tension_scale
from causal_model.plotting.measurement import MEASUREMENT_CAPTION

__all__ = ["main_figures"]


def main_figures(
    model,
    idata: az.InferenceData,
    runs: dict[str, az.InferenceData],
    *,
    scenario: str | None = None,
    prior: az.InferenceData | None = None,
    measurement: pd.DataFrame | None = None,
    quick: bool = False,
    captions: bool = True,
) -> dict[str, Figure]:
    """Every figure of the main job by file name, captioned.

    Parameters
    ----------
    model, idata
        The fitted model and its fit.
    runs
        Forecasts by scenario (:func:`causal_model.forecast_scenarios`).
    scenario
        The scenario shown (default the first of ``runs``).
    prior
        Prior draws (``model.sample_prior_predictive()``) for ``parameters.png``.
    measurement
        The measurement check (:func:`causal_model.analysis.measurement.measurement_check`):
        drawn as ``measurement.png`` (:func:`~causal_model.plotting.plot_measurement_check`).
    quick
        The run is a quick smoke test: every figure carries the banner.
    captions
        Write each figure's caption under it (:func:`~causal_model.plotting.figure_caption`:
        what is shown, and on the tension scale what one unit means).

    Returns
    -------
    dict
        File name -> Figure, in the order of :data:`causal_model.app.pipeline.FIGURES`.
    """
    pred = runs[scenario] if scenario is not None else next(iter(runs.values()))
    figs = {
        "forecast_fan.png": plotting.plot_forecast(pred, scenarios=runs).figure,
        "indicators.png": plotting.plot_indicator_forecasts(pred),
        "drivers.png": plotting.plot_drivers(pred),
        "decomposition.png": plotting.plot_decomposition(pred).figure,
    }
    if "elite_mu" in idata.posterior:
        figs["elite_response.png"] = plotting.plot_elite_response(idata).figure
    if cooperation_areas(pred):
        figs["cooperation.png"] = plotting.plot_cooperation(pred)
    figs["parameters.png"] = plotting.plot_parameters(idata, prior=prior)
    figs["posterior_predictive.png"] = plotting.plot_predictive_check(
        pred.posterior_predictive, model.panel, title="Posterior predictive check"
    )
    if measurement is not None:
        figs["measurement.png"] = plotting.plot_measurement_check(measurement)
    scale = tension_scale(model) if captions else None
    for name, fig in figs.items():
        text = figure_caption(name, scale=scale, pred=pred) if captions else None
        if captions and name == "measurement.png":
            text = MEASUREMENT_CAPTION
        finish_figure(fig, caption=text, quick=quick)
    return figs
