"""Validation of forecasts and of the inference: leave-future-out CV, baselines, scores, SBC."""

from causal_model.validation.lfo import TEST_ORIGINS, VALIDATION_ORIGINS, lfo_cv
from causal_model.validation.lfo_summary import by_indicator, coverage, lfo_summary, skill
from causal_model.validation.sbc import KEY_PARAMETERS, sbc

__all__ = [
    "KEY_PARAMETERS",
    "TEST_ORIGINS",
    "VALIDATION_ORIGINS",
    "by_indicator",
    "coverage",
    "lfo_cv",
    "lfo_summary",
    "sbc",
    "skill",
]
