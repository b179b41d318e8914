"""Dimension names, coordinate values and interval widths used everywhere.

Every labelled result of the package uses these names; nothing else spells them.
"""

from __future__ import annotations

from causal_model import families as _families

YEAR = "year"
INDICATOR = "indicator"
DRIVER = "driver"
EVENT = "event"
EVENT_TYPE = "event_type"
LATENT = "latent"
SCENARIO = "scenario"
HORIZON = "horizon"
ORIGIN = "origin"

#: The three latent drivers of the study, in canonical order.
DRIVERS: tuple[str, ...] = ("geopolitics", "security", "culture")
#: The latent that the tension indicators measure.
TENSION = "tension"
#: The kind of the cooperation indicators (agreement or cooperation in one issue area, the
#: study's fourth claim). Not a latent state of its own: each loads on tension with a loading
#: of free sign (negative: the area follows tension; near 0: insulated from it).
COOPERATION = "cooperation"
#: Every latent (or kind) an indicator may measure.
LATENTS: tuple[str, ...] = (*DRIVERS, TENSION, COOPERATION)

#: Likelihood families an indicator may declare (the table is :mod:`causal_model.families`).
FAMILIES: tuple[str, ...] = tuple(_families.FAMILIES)
#: Families whose values must be non-negative integers.
COUNT_FAMILIES: tuple[str, ...] = _families.COUNT_FAMILIES

#: Elite-circulation event types (a change of head of state in Washington or Moscow;
#: the 2008 and 2012 Russian changes are formal: the effective leader stayed).
EVENT_TYPES: tuple[str, ...] = ("us", "ru", "ru_formal")

#: Default central interval widths reported in summaries and plots.
INTERVALS: tuple[float, ...] = (0.5, 0.9)

#: First year of the US–Russia panel (Russia as an independent state).
FIRST_YEAR = 1992

#: Sub-dimensions of ``indicator`` used by parameters that exist for some indicators only.
DRIVER_INDICATOR = "driver_indicator"  # indicators of a driver (loading on one driver)
TENSION_INDICATOR = "tension_indicator"  # non-anchor tension indicators (loading on tension)
COOP_INDICATOR = "coop_indicator"  # cooperation indicators (signed loading on tension)
GAUSSIAN_INDICATOR = "gaussian_indicator"  # normal / student_t indicators (noise sd)
T_INDICATOR = "t_indicator"  # student_t indicators (degrees of freedom)
NB_INDICATOR = "nb_indicator"  # negative-binomial indicators (dispersion)
INTERCEPT_INDICATOR = "intercept_indicator"  # indicators with a free intercept (not anchors)
IDIO_INDICATOR = "idio_indicator"  # indicators with AR(1) deviations (an extra state each)
SHOCK_YEAR = "shock_year"  # years of the state's innovations (every year but the first)
STATE = "state"  # latent states of the state-space form: the drivers, then the residual
RESIDUAL = "residual"
DRIVER_TO = "driver_to"  # second driver dim of the VAR(1) coupling matrix
