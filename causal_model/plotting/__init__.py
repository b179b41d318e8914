"""Plots of panels, fits and forecasts (optional: the model never imports this package)."""

from causal_model.plotting.captions import figure_caption, finish_figure, tension_scale
from causal_model.plotting.checks import plot_predictive_check
from causal_model.plotting.comparison import plot_elpd
from causal_model.plotting.cooperation import plot_cooperation
from causal_model.plotting.data import plot_indicators
from causal_model.plotting.forecast import plot_forecast, plot_indicator_forecasts
from causal_model.plotting.latent import (
    plot_decomposition,
    plot_drivers,
    plot_effect,
    plot_elite_response,
)
from causal_model.plotting.measurement import plot_measurement_check
from causal_model.plotting.parameters import plot_parameters
from causal_model.plotting.textcheck import text_problems
from causal_model.plotting.validation import (
    plot_coverage,
    plot_lfo_skill,
    plot_pit,
    plot_sbc_ranks,
)

__all__ = [
    "figure_caption",
    "finish_figure",
    "tension_scale",
    "text_problems",
    "plot_cooperation",
    "plot_coverage",
    "plot_elpd",
    "plot_lfo_skill",
    "plot_pit",
    "plot_sbc_ranks",
    "plot_decomposition",
    "plot_drivers",
    "plot_effect",
    "plot_elite_response",
    "plot_forecast",
    "plot_indicator_forecasts",
    "plot_indicators",
    "plot_measurement_check",
    "plot_parameters",
    "plot_predictive_check",
]
