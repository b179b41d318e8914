"""Sampler defaults shared by the Python API, the run settings and the command line.

Each value is a measured choice on the real panel (reference model, 2 chains); the README's
performance section has the numbers.
"""

from __future__ import annotations

#: NUTS target acceptance used unless the caller sets one (hierarchical funnels need > 0.8).
#: On the real panel, 2 x 2000 draws, seeds 1-3: at 0.9, 1, 0 and 0 divergences with the
#: folded scales (:func:`causal_model.model_parts.folded_prior`; 8, 2, 0 without), at 0.95
#: none.
DEFAULT_TARGET_ACCEPT = 0.95
#: Default draws and tuning steps per chain. Measured on the real panel (reference model,
#: 2 chains, seeds 1-5 and 20241124): min bulk ESS 598/770/603/652/598/720, max R-hat <= 1.01,
#: no divergence (1000 draws: 466-609; tune 500 was as good, 700 keeps a margin).
DEFAULT_DRAWS = 1200
DEFAULT_TUNE = 700

__all__ = ["DEFAULT_DRAWS", "DEFAULT_TARGET_ACCEPT", "DEFAULT_TUNE"]
