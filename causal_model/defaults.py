"""Sampler defaults shared by the Python API, the run settings and the command line.

Each value is a measured choice on the real panel (reference model, 2 chains); the README's
performance section has the numbers.
"""

from __future__ import annotations

#: NUTS target acceptance used unless the caller sets one (hierarchical funnels need > 0.8).
#: On the real panel at the default draws, seeds 1-5 and 20241124: at 0.9, 2/1/2/0/0/0
#: divergences (8/2/0/5/13/1 before the scales were folded, see
#: :func:`causal_model.model_parts.folded_prior`), at 0.95 none.
DEFAULT_TARGET_ACCEPT = 0.95
#: Default draws and tuning steps per chain. Measured on the real panel (reference model,
#: 2 chains, seeds 1-5 and 20241124): min bulk ESS 797/611/814/764/669/881, max R-hat <= 1.01,
#: no divergence (before the signed spreads of ``model_parts.signed``, 1000 draws gave 466-609
#: and tune 500 was as good as 700; 700 keeps a margin).
DEFAULT_DRAWS = 1200
DEFAULT_TUNE = 700

__all__ = ["DEFAULT_DRAWS", "DEFAULT_TARGET_ACCEPT", "DEFAULT_TUNE"]
