"""causal_model: Bayesian causal models of great-power relations (US–Russia first)."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
