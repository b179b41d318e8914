"""causal_model: Bayesian causal models of great-power relations (US–Russia first).

The main entry points are importable from the package (loaded on first use, so that
``import causal_model`` stays light)::

    from causal_model import TensionModel, forecast, load_us_russia

The package is layered, data flowing one way (``ARCHITECTURE.md``): ``data`` ->
``specification`` -> ``model`` -> ``inference`` -> ``analysis`` -> ``validation`` ->
``plotting`` -> ``app``.
"""

from __future__ import annotations

import importlib

__version__ = "0.2.0"

_EXPORTS = {
    "TensionModel": "causal_model.inference",
    "ModelDefinition": "causal_model.model",
    "Variant": "causal_model.specification",
    "VARIANTS": "causal_model.specification",
    "ELITE_RESPONSES": "causal_model.specification",
    "load_priors": "causal_model.specification",
    "Scenario": "causal_model.specification",
    "FutureEvent": "causal_model.specification",
    "named_scenarios": "causal_model.specification",
    "simulate": "causal_model.model",
    "load_us_russia": "causal_model.data",
    "load_events": "causal_model.data",
    "forecast": "causal_model.analysis",
    "forecast_scenarios": "causal_model.analysis",
    "intervene": "causal_model.analysis",
    "counterfactual": "causal_model.analysis",
    "decompose": "causal_model.analysis",
    "forecast_summary": "causal_model.analysis",
    "headline_probabilities": "causal_model.analysis",
    "headline_table": "causal_model.analysis",
    "format_scorecard": "causal_model.analysis",
    "effect_summary": "causal_model.analysis",
    "compare_scenarios": "causal_model.analysis",
    "compare": "causal_model.analysis",
    "marginal_year_log_likelihood": "causal_model.analysis",
    "hypotheses": "causal_model.analysis",
    "measurement_check": "causal_model.analysis",
    "diagnostics_table": "causal_model.inference",
    "lfo_cv": "causal_model.validation",
    "lfo_summary": "causal_model.validation",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'causal_model' has no attribute {name!r}")
