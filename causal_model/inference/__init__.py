"""Fitting: sampling engines, the compile cache, diagnostics, post-processing, model files."""

from causal_model.inference.diagnostics import ConvergenceWarning, diagnose, diagnostics_table
from causal_model.inference.tension_model import TensionModel

__all__ = ["ConvergenceWarning", "TensionModel", "diagnose", "diagnostics_table"]
