"""The priors' schema: every model parameter, its allowed dims, support and meaning.

The elite-response shapes add their own parameters (:data:`SHAPE_PARAMETERS`): a priors file
may give them a table, or rely on the shape's ``default_priors``.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from pymc_extras.prior import Prior

from causal_model.dims import DRIVER, DRIVER_TO, EVENT_TYPE, INDICATOR
from causal_model.specification.elite import ELITE_RESPONSES

__all__ = [
    "DEFAULTED_PARAMETERS",
    "OPTIONAL_PARAMETERS",
    "PARAMETERS",
    "SHAPE_PARAMETERS",
    "ParameterSpec",
    "Support",
]

Support = Literal["real", "positive", "unit"]


class ParameterSpec(NamedTuple):
    """Schema entry of one model parameter.

    Attributes
    ----------
    dims : tuple of tuple of str
        Allowed dims of the prior, canonical first; ``()`` means one value shared by all
        coordinates (the model broadcasts it).
    support : {"real", "positive", "unit"}
        Set the parameter lives in; the prior's distribution must stay inside it.
    description : str
        What the parameter means in the model.
    """

    dims: tuple[tuple[str, ...], ...]
    support: Support
    description: str


_D, _I, _E = (DRIVER,), (INDICATOR,), (EVENT_TYPE,)

#: Every model parameter: allowed dims, support and meaning.
PARAMETERS: dict[str, ParameterSpec] = {
    "rho_mu": ParameterSpec(((),), "real", "mean of logit persistence of the drivers"),
    "rho_sigma": ParameterSpec(((),), "positive", "spread of logit persistence across drivers"),
    "loading_mu": ParameterSpec((_D, ()), "real", "mean log loading of a driver's indicators"),
    "loading_sigma": ParameterSpec(((),), "positive", "spread of log loadings within a driver"),
    "tension_loading": ParameterSpec(
        (_I, ()), "positive", "loading of non-anchor tension indicators on tension"
    ),
    "coop_loading_mu": ParameterSpec(
        ((),), "real", "mean loading of the cooperation indicators on tension (claim 4)"
    ),
    "coop_loading_sigma": ParameterSpec(
        ((),), "positive", "spread of the cooperation indicators' loadings on tension"
    ),
    "intercept": ParameterSpec((_I, ()), "real", "indicator intercept (standardised/link scale)"),
    "sigma_obs": ParameterSpec((_I, ()), "positive", "measurement noise sd (standardised scale)"),
    "nu": ParameterSpec((_I, ()), "positive", "Student-t degrees of freedom"),
    "nb_alpha": ParameterSpec((_I, ()), "positive", "negative-binomial dispersion"),
    "beta_mu": ParameterSpec(((),), "real", "mean causal effect of a driver on tension"),
    "beta_sigma": ParameterSpec(((),), "positive", "spread of causal effects across drivers"),
    "rho_u": ParameterSpec(((),), "unit", "persistence of the tension residual"),
    "sigma_u": ParameterSpec(((),), "positive", "marginal sd of the tension residual"),
    "driver_sigma": ParameterSpec(
        (_D, ()), "positive", "yearly innovation sd of a driver that is a random walk"
    ),
    "level_sigma": ParameterSpec(
        ((),), "positive", "yearly innovation sd of the tension level (random walk, persistent)"
    ),
    "level_rho": ParameterSpec(((),), "unit", "persistence of the tension level (persistent)"),
    "level_drift": ParameterSpec(
        ((),), "real", "yearly drift of the tension level (variants with drift=True)"
    ),
    "shock_nu": ParameterSpec(((),), "positive", "degrees of freedom of Student-t shocks"),
    "idio_rho": ParameterSpec(
        (_I, ()), "unit", "persistence of an indicator's AR(1) deviation from its latent"
    ),
    "idio_sigma": ParameterSpec(
        (_I, ()),
        "positive",
        "sd of an indicator's own deviation (AR(1): marginal; random walk: innovation)",
    ),
    "elite_mu": ParameterSpec((_E, ()), "real", "mean effect of a head-of-state change on tension"),
    "elite_sigma": ParameterSpec(((),), "positive", "spread of event effects around type mean"),
    # A (driver, driver) matrix is impossible: Prior (and xarray) need unique dim names.
    "coupling": ParameterSpec(
        ((DRIVER, DRIVER_TO), ()),
        "real",
        "VAR(1) coupling of drivers (claim 3), unconstrained: C = (1 - rho) tanh(c) / (k - 1)",
    ),
    "p_ru_change_2030": ParameterSpec(
        ((),), "unit", "probability Russia's head of state changes after the 2030 election"
    ),
}
#: Parameters of the elite-response shapes (optional in a file: a shape's own
#: ``default_priors`` stand in for a missing table).
SHAPE_PARAMETERS: dict[str, tuple[str, Prior]] = {
    name: (shape.name, shape.default_priors[name])
    for shape in ELITE_RESPONSES.values()
    for name in shape.parameters
}
#: Parameters added after priors files were first written (optional in a file, so that a
#: user's file and the priors saved in a model file before them still load): name ->
#: (why it may be missing, the default that stands in). Used only by the variants that have
#: the parameter.
OPTIONAL_PARAMETERS: dict[str, tuple[str, Prior]] = {
    "level_drift": (
        "the tension level's drift, used only by variants with drift=True",
        Prior("Normal", mu=0.0, sigma=0.1),
    ),
}
#: Every parameter a complete priors file may leave out: name -> (what it belongs to, the
#: default that stands in). The one table :func:`causal_model.specification.priors.load_priors`
#: fills from; ``tests/test_priors.py`` checks the optional defaults against the package's
#: priors files.
DEFAULTED_PARAMETERS: dict[str, tuple[str, Prior]] = {
    **{
        name: (f"the {shape} elite response", prior)
        for name, (shape, prior) in SHAPE_PARAMETERS.items()
    },
    **OPTIONAL_PARAMETERS,
}
PARAMETERS.update(
    {
        name: ParameterSpec(((),), support, f"{meaning} ({shape.name} elite response)")
        for shape in ELITE_RESPONSES.values()
        for name, (support, meaning) in shape.parameters.items()
        if name not in PARAMETERS
    }
)
