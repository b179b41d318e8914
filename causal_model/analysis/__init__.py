"""Questions asked of a fit: forecasts, interventions, decomposition, comparison, scorecard."""

from causal_model.analysis.comparison import compare, compare_variants, marginal_year_log_likelihood
from causal_model.analysis.decomposition import decompose, latent_history
from causal_model.analysis.forecast import forecast, forecast_scenarios
from causal_model.analysis.interventions import counterfactual, intervene
from causal_model.analysis.measurement import measurement_check
from causal_model.analysis.scorecard import format_scorecard, hypotheses
from causal_model.analysis.summaries import (
    compare_scenarios,
    effect_summary,
    forecast_summary,
    headline_probabilities,
    headline_table,
)

__all__ = [
    "compare",
    "compare_scenarios",
    "compare_variants",
    "counterfactual",
    "decompose",
    "effect_summary",
    "forecast",
    "forecast_scenarios",
    "forecast_summary",
    "format_scorecard",
    "headline_probabilities",
    "headline_table",
    "hypotheses",
    "intervene",
    "latent_history",
    "marginal_year_log_likelihood",
    "measurement_check",
]
