"""Validation of forecasts and of the inference: leave-future-out CV, baselines, scores."""

from causal_model.validation.lfo import lfo_cv, lfo_summary
from causal_model.validation.sbc import KEY_PARAMETERS, sbc

__all__ = ["KEY_PARAMETERS", "lfo_cv", "lfo_summary", "sbc"]
