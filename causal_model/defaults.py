"""Sampler defaults shared by the Python API, the run settings and the command line.

Each value is a measured choice on the real panel (reference model, 2 chains); the
measurements are in ``docs/performance.md`` and ``docs/decisions.md``.
"""

from __future__ import annotations

#: NUTS target acceptance used unless the caller sets one (the non-centred driver effects'
#: tail needs more than 0.95: docs/decisions.md).
DEFAULT_TARGET_ACCEPT = 0.97
#: Default draws and tuning steps per chain.
DEFAULT_DRAWS = 1200
DEFAULT_TUNE = 700
#: nutpie's mass matrix: low-rank modified (True) or diagonal (False).
DEFAULT_LOW_RANK_MASS_MATRIX = True

__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_LOW_RANK_MASS_MATRIX",
    "DEFAULT_TARGET_ACCEPT",
    "DEFAULT_TUNE",
]
