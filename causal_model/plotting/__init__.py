"""Plots of panels, fits and forecasts (optional: the model never imports this package)."""

from causal_model.plotting.checks import plot_predictive_check
from causal_model.plotting.data import plot_indicators

__all__ = ["plot_indicators", "plot_predictive_check"]
