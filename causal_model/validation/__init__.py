"""Validation of forecasts and of the inference: leave-future-out CV, baselines, scores."""

from causal_model.validation.lfo import lfo_cv, lfo_summary

__all__ = ["lfo_cv", "lfo_summary"]
