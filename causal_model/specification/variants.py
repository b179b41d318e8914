"""Model variants as switches, not forks.

A :class:`Variant` is a frozen set of flags; named variants cover the comparisons of the
study (claim 1: drop a driver; claim 2: no or permanent elite effect; claim 3: coupled drivers;
claim 4: cooperation areas insulated from tension)
and the dynamics compared out of sample (how the drivers and the tension level move, the tails
of the shocks, how a stock indicator is observed).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from causal_model.dims import DRIVERS
from causal_model.specification.elite import ELITE_RESPONSES, NO_ELITE

#: Names of the elite setting before the shapes became components (saved fits use them).
_ELITE_ALIASES = {"transient": "exponential"}
COMBINED_DRIVER = "combined"
#: Name of the tension residual's state (after the drivers' states).
RESIDUAL_STATE = "residual"
#: How the drivers move: stationary unit-variance AR(1)s, or random walks (move for good).
DRIVER_DYNAMICS = ("stationary", "random_walk")
#: How the part of tension the drivers leave unexplained moves: a stationary AR(1) with
#: marginal sd ``sigma_u``; a random walk (a local level, innovation sd ``level_sigma``); or an
#: AR(1) whose persistence ``level_rho`` may reach 1 (innovation sd ``level_sigma``).
TENSION_DYNAMICS = ("stationary", "random_walk", "persistent")
#: The tension level's shocks: normal; Student-t (a scale mixture: yearly weights); or
#: Student-t with the year's weight shared by the indicators' own deviations (a break year can
#: move their own levels too: ``"student_t_shared"``).
SHOCKS = ("normal", "student_t", "student_t_shared")
#: How an idiosyncratic indicator's own deviation moves: a stationary AR(1), or a random walk
#: (it keeps its own level until the data move it: a local level).
OWN_DYNAMICS = ("ar1", "random_walk")
#: ``Variant(idiosyncratic=GAUSSIAN_TENSION)``: every normal or Student-t tension indicator but
#: the anchor has its own persistent deviation (resolved against the panel the model is given).
GAUSSIAN_TENSION = "gaussian_tension"
#: The dynamics of release 0.1 (variant ``stationary``); also what a saved variant that
#: predates the dynamics' switches meant.
STATIONARY_DYNAMICS: dict = {
    "driver_dynamics": "stationary",
    "tension_dynamics": "stationary",
    "shocks": "normal",
    "stocks": "level",
    "idiosyncratic": (),
    "own_dynamics": "ar1",
    "drift": False,
}
#: A stock indicator (registry ``measure = "stock"``): observed as its level, or as its
#: yearly change (the count of new cases), the level then its cumulative sum.
STOCKS = ("level", "flow")
#: The cooperation indicators (registry ``latent = "cooperation"``, claim 4): each follows
#: tension with its own loading of free sign, or all are insulated from it (loadings 0).
COOPERATION = ("follows", "insulated")


@dataclass(frozen=True)
class Variant:
    """Flags that define a model variant.

    Parameters
    ----------
    name
        Label used in tables and files.
    elite
        Shape of the elite-circulation response, a name of
        :data:`causal_model.specification.elite.ELITE_RESPONSES` (``"exponential"``, the
        reference; ``"permanent"``, a step that never decays; ...) or ``"none"`` (no
        elite-circulation term).
    drivers
        Drivers kept; indicators of dropped drivers are left out of the model.
    single_driver
        One combined driver measured by every kept driver indicator, instead of one per driver.
    coupled
        Drivers follow a full VAR(1) (off-diagonal coupling, the action–reaction spiral of
        claim 3) instead of independent AR(1)s.
    driver_dynamics
        One of :data:`DRIVER_DYNAMICS`.
    tension_dynamics
        One of :data:`TENSION_DYNAMICS`.
    shocks
        One of :data:`SHOCKS` (the tension level's innovations).
    stocks
        One of :data:`STOCKS`.
    idiosyncratic
        Indicators (registry keys, Gaussian families) whose deviation from their latent is
        persistent, on top of their white measurement noise: they keep their own level for a
        while (an extra state each); or :data:`GAUSSIAN_TENSION`, every Gaussian tension
        indicator of the panel but the anchor. Empty: every deviation is white noise.
    drift
        The tension level has a constant yearly drift ``level_drift`` (a random walk with
        drift: the level's expected change is not zero), so that a trend the data show is
        carried into the forecast. Needs a level that moves for good
        (``tension_dynamics`` ``"random_walk"``; with ``"persistent"`` the level is an
        AR(1) around a linear trend).
    own_dynamics
        One of :data:`OWN_DYNAMICS`: those deviations are stationary AR(1)s (persistence
        ``idio_rho``, marginal sd ``idio_sigma``) or random walks (innovation sd
        ``idio_sigma``, starting N(0, 1)).
    cooperation
        One of :data:`COOPERATION`: ``"follows"``, each cooperation indicator loads on tension
        with its own loading ``coop_loading`` (Normal, partially pooled; negative: the area's
        cooperation falls when tension rises, near 0: insulated), or ``"insulated"``, those
        loadings are 0 (the areas keep their own intercept and noise only).
    """

    # The defaults are the reference model; its dynamics were chosen by leave-future-out
    # validation on the origins 2000-2012 (docs/forecasting.md, benchmarks/lfo_dynamics.py).
    name: str = "reference"
    elite: str = "exponential"
    drivers: tuple[str, ...] = DRIVERS
    single_driver: bool = False
    coupled: bool = False
    driver_dynamics: str = "stationary"
    tension_dynamics: str = "random_walk"
    shocks: str = "student_t_shared"
    stocks: str = "level"
    idiosyncratic: tuple[str, ...] | str = GAUSSIAN_TENSION
    own_dynamics: str = "random_walk"
    cooperation: str = "follows"
    drift: bool = False

    def __post_init__(self) -> None:
        problems = []
        object.__setattr__(self, "elite", _ELITE_ALIASES.get(self.elite, self.elite))
        if isinstance(self.idiosyncratic, str):
            if self.idiosyncratic != GAUSSIAN_TENSION:
                problems.append(
                    f"idiosyncratic={self.idiosyncratic!r}: give a tuple of indicator keys, "
                    f"e.g. ({self.idiosyncratic!r},), or {GAUSSIAN_TENSION!r}"
                )
        else:
            object.__setattr__(self, "idiosyncratic", tuple(self.idiosyncratic))
        kinds = (*ELITE_RESPONSES, NO_ELITE)
        if self.elite not in kinds:
            problems.append(f"elite={self.elite!r} must be one of {kinds}")
        unknown = [d for d in self.drivers if d not in DRIVERS]
        if unknown:
            problems.append(f"unknown driver(s) {unknown}; drivers are {DRIVERS}")
        if not self.drivers:
            problems.append("keep at least one driver")
        if self.coupled and (self.single_driver or len(self.drivers) < 2):
            problems.append("coupled drivers need at least two separate drivers")
        for flag, allowed in (
            ("driver_dynamics", DRIVER_DYNAMICS),
            ("tension_dynamics", TENSION_DYNAMICS),
            ("shocks", SHOCKS),
            ("stocks", STOCKS),
            ("own_dynamics", OWN_DYNAMICS),
            ("cooperation", COOPERATION),
        ):
            if getattr(self, flag) not in allowed:
                problems.append(f"{flag}={getattr(self, flag)!r} must be one of {allowed}")
        if not isinstance(self.drift, bool):
            problems.append(f"drift={self.drift!r} must be True or False")
        elif self.drift and self.tension_dynamics == "stationary":
            problems.append(
                "a drift needs a tension level that moves for good: use "
                "tension_dynamics='random_walk' or 'persistent' with drift=True"
            )
        if self.coupled and self.driver_dynamics != "stationary":
            problems.append(
                "coupled drivers are a stationary VAR(1): use driver_dynamics='stationary'"
            )
        if problems:
            raise ValueError(f"invalid variant {self.name!r}: " + "; ".join(problems))

    @property
    def state_drivers(self) -> tuple[str, ...]:
        """Names of the latent driver states (one combined driver for ``single_driver``)."""
        return (COMBINED_DRIVER,) if self.single_driver else self.drivers

    def to_dict(self) -> dict:
        d = asdict(self)
        d["drivers"] = list(self.drivers)
        if not isinstance(self.idiosyncratic, str):
            d["idiosyncratic"] = list(self.idiosyncratic)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Variant:
        """A variant from :meth:`to_dict`; a switch it does not name (a variant saved before
        the switch existed) takes its release-0.1 value, not today's default."""
        d = {**STATIONARY_DYNAMICS, **d}
        d["drivers"] = tuple(d.get("drivers", DRIVERS))
        if not isinstance(d["idiosyncratic"], str):
            d["idiosyncratic"] = tuple(d["idiosyncratic"])
        return cls(**d)


VARIANTS: dict[str, Variant] = {
    "reference": Variant(),
    # the reference with the release-0.1 dynamics (the rival of the forecasts' assumptions)
    "stationary": Variant(name="stationary", **STATIONARY_DYNAMICS),
    "no_elite": Variant(name="no_elite", elite=NO_ELITE),
    "permanent_elite": Variant(name="permanent_elite", elite="permanent"),
    "single_driver": Variant(name="single_driver", single_driver=True),
    "coupled": Variant(name="coupled", coupled=True),
    "insulated_cooperation": Variant(name="insulated_cooperation", cooperation="insulated"),
    **{
        f"drop_{d}": Variant(name=f"drop_{d}", drivers=tuple(x for x in DRIVERS if x != d))
        for d in DRIVERS
    },
}


def get_variant(variant: str | Variant | dict) -> Variant:
    """Return a Variant from its name, a Variant, or a dict of flags."""
    if isinstance(variant, Variant):
        return variant
    if isinstance(variant, dict):
        return Variant.from_dict(variant)
    try:
        return VARIANTS[variant]
    except KeyError:
        raise ValueError(
            f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)} or pass a "
            "causal_model.Variant(...)"
        ) from None
