"""causal_model: Bayesian causal models of great-power relations (US–Russia first).

The main entry points are importable from the package (loaded on first use, so that
``import causal_model`` stays light)::

    from causal_model import TensionModel, load_us_russia, forecast_summary
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "TensionModel": "causal_model.model",
    "Variant": "causal_model.variants",
    "VARIANTS": "causal_model.variants",
    "load_priors": "causal_model.priors",
    "simulate": "causal_model.simulation",
    "load_us_russia": "causal_model.data",
    "load_events": "causal_model.data",
    "Scenario": "causal_model.scenarios",
    "FutureEvent": "causal_model.scenarios",
    "named_scenarios": "causal_model.scenarios",
    "forecast_summary": "causal_model.summaries",
    "headline_probabilities": "causal_model.summaries",
    "effect_summary": "causal_model.summaries",
    "compare_scenarios": "causal_model.summaries",
    "decompose": "causal_model.causal",
    "diagnostics_table": "causal_model.diagnostics",
    "compare": "causal_model.comparison",
    "marginal_year_log_likelihood": "causal_model.comparison",
    "hypotheses": "causal_model.scorecard",
    "lfo_cv": "causal_model.validation",
    "lfo_summary": "causal_model.validation",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'causal_model' has no attribute {name!r}")
