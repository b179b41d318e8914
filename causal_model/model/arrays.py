"""Turn a panel into the arrays the model needs (standardisation, masks, index maps).

Pure data preparation: no PyMC here. Gaussian indicators are standardised by their observed
mean and sd (stored, so forecasts map back to the indicator's own scale); counts and binomial
votes stay counts and get an empirical centring offset on the link scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from causal_model.dims import COOPERATION, DRIVERS, INDICATOR, TENSION, YEAR
from causal_model.families import CODES, FAMILIES, GAUSSIAN_FAMILIES, codes_of

#: Codes of the families whose values are standardised (normal, Student-t).
GAUSSIAN_CODES = frozenset(CODES[f] for f in GAUSSIAN_FAMILIES)

#: Fixed loading of a driver's anchor indicator (standardised scale: the driver explains 64%
#: of the anchor's variance when its noise sd is 0.6).
DRIVER_ANCHOR_LOADING = 0.8
#: Fixed noise sd of a driver's anchor: with the loading above, its model-scale variance is 1
#: (it is standardised), so the driver explains exactly 64% of the anchor's variance.
DRIVER_ANCHOR_NOISE = float(np.sqrt(1.0 - DRIVER_ANCHOR_LOADING**2))


@dataclass(frozen=True)
class ModelData:
    """Arrays of one panel, ready for the model.

    Attributes
    ----------
    years : (T,) int
    indicators : tuple of str
    drivers : tuple of str
        The drivers the model uses (a subset of DRIVERS for some variants).
    latent : (N,) str
    family : (N,) int  -- codes of :data:`causal_model.families.FAMILIES`
    direction : (N,) int
    y : (T, N) float  -- standardised (gaussian) or counts; 0 where missing
    mask : (T, N) bool  -- True where observed
    trials : (T, N) float  -- binomial trials, 1 elsewhere
    center, scale : (N,) float  -- y = (value - center) / scale for gaussian indicators
    offset : (N,) float  -- link-scale centring of count/binomial indicators (0 for gaussian)
    driver_of : (N,) int  -- index of the indicator's driver in `drivers`, -1 for tension
        and cooperation indicators
    anchor : int  -- index of the anchor tension indicator
    driver_anchor : (N,) bool  -- anchor indicators of drivers (fixed loading)
    stock : (N,) bool  -- stock indicators modelled by their yearly change (``y`` is the change)
    stock_level : (T, N) float  -- the level of those stocks (NaN elsewhere and where missing)
    """

    years: np.ndarray
    indicators: tuple[str, ...]
    drivers: tuple[str, ...]
    latent: np.ndarray
    family: np.ndarray
    direction: np.ndarray
    y: np.ndarray
    mask: np.ndarray
    trials: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    offset: np.ndarray
    driver_of: np.ndarray
    anchor: int
    driver_anchor: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    families: tuple[str, ...] = field(default=tuple(FAMILIES))
    stock: np.ndarray | None = None
    stock_level: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.indicators)
        if self.stock is None:
            object.__setattr__(self, "stock", np.zeros(n, dtype=bool))
        if self.stock_level is None:
            object.__setattr__(self, "stock_level", np.full((len(self.years), n), np.nan))

    @property
    def n_years(self) -> int:
        return len(self.years)

    @property
    def gaussian(self) -> np.ndarray:
        """(N,) bool: indicators of a standardised (normal or Student-t) family."""
        return np.isin(self.family, list(GAUSSIAN_CODES))

    def subset(self, kind: str) -> np.ndarray:
        """Indices of indicators of a kind: driver, tension, tension_free, cooperation, gaussian,
        t, nb (and intercept_free, driver_free, driver_anchor)."""
        fam = self.family
        if kind == "driver":
            return np.flatnonzero(self.driver_of >= 0)
        if kind == "intercept_free":  # anchors have intercept 0: they fix the latent's level
            fixed = self.driver_anchor.copy()
            fixed[self.anchor] = True
            return np.flatnonzero(~fixed)
        if kind == "driver_free":
            return np.flatnonzero((self.driver_of >= 0) & ~self.driver_anchor)
        if kind == "driver_anchor":
            return np.flatnonzero((self.driver_of >= 0) & self.driver_anchor)
        if kind == "tension":
            return np.flatnonzero(self.latent == TENSION)
        if kind == "tension_free":
            return np.array([i for i in self.subset("tension") if i != self.anchor], dtype=int)
        if kind == "cooperation":  # load on tension with a loading of free sign
            return np.flatnonzero(self.latent == COOPERATION)
        if kind == "gaussian":  # gaussian indicators with a free noise sd (not driver anchors)
            return np.flatnonzero(self.gaussian & ~self.driver_anchor)
        if kind == "t":
            return np.flatnonzero(fam == CODES["student_t"])
        if kind == "nb":
            return np.flatnonzero(fam == CODES["negative_binomial"])
        raise ValueError(f"unknown indicator subset {kind!r}")

    def full_intercept(self, free: np.ndarray) -> np.ndarray:
        """Intercepts of every indicator (..., N) from the free ones (anchors are 0)."""
        free = np.asarray(free)
        out = np.zeros((*free.shape[:-1], len(self.indicators)))
        out[..., self.subset("intercept_free")] = free
        return out

    def to_value(self, index: int, y: np.ndarray) -> np.ndarray:
        """Map model-scale values of indicator ``index`` back to the panel's ``value`` scale."""
        return np.asarray(y) * self.scale[index] + self.center[index]


def prepare(
    panel: xr.Dataset,
    drivers: tuple[str, ...] = DRIVERS,
    *,
    combine: str | None = None,
    flows: bool = False,
) -> ModelData:
    """Build :class:`ModelData` from a panel.

    Parameters
    ----------
    panel
        A panel from :mod:`causal_model.data` (dims year, indicator).
    drivers
        Drivers the model keeps; indicators of other drivers are left out (a variant that
        drops a driver drops its measurements too).
    combine
        If given, every kept driver indicator measures one combined driver of this name.
    flows
        Model each stock indicator (registry ``measure = "stock"``, a count family) by its
        yearly change: the count of new cases, a flow. A change across a missing year is
        missing (it would be a several-year flow), and so is the first observed year.

    Raises
    ------
    ValueError
        When the panel has no tension indicator, no anchor, or a kept driver has no indicator;
        or a stock modelled by its changes falls (a negative count).
    """
    keep = [
        str(k)
        for k in panel[INDICATOR].values
        if str(panel["latent"].sel({INDICATOR: k}).item()) in (*drivers, TENSION, COOPERATION)
    ]
    p = panel.sel({INDICATOR: keep})
    latent = p["latent"].values.astype(str)
    family = codes_of(p["family"].values.astype(str))
    value = p["value"].transpose(YEAR, INDICATOR).values.astype(float)
    trials_raw = p["trials"].transpose(YEAR, INDICATOR).values.astype(float)
    stock = np.zeros(len(keep), dtype=bool)
    stock_level = np.full(value.shape, np.nan)
    if flows and "measure" in p.coords:
        stock = (p["measure"].values.astype(str) == "stock") & np.isin(
            family, [CODES[f] for f in ("poisson", "negative_binomial")]
        )
        stock_level[:, stock] = value[:, stock]
        value = _changes_of_stocks(value, stock, keep)
    mask = np.isfinite(value)
    n = len(keep)
    center, scale, offset = np.zeros(n), np.ones(n), np.zeros(n)
    y = np.zeros_like(value)
    trials = np.ones_like(value)
    for j in range(n):
        obs = value[mask[:, j], j]
        if not obs.size:
            # never observed (e.g. a leave-future-out training panel that ends before the
            # indicator starts): no likelihood, and a gaussian indicator's centre is unknown,
            # so its values in panel units are NaN, not a number made up here
            center[j] = np.nan if family[j] in GAUSSIAN_CODES else 0.0
            continue
        if family[j] in GAUSSIAN_CODES:
            center[j] = obs.mean()
            sd = obs.std(ddof=1) if obs.size > 1 else 1.0
            scale[j] = sd if sd > 0 else 1.0
            y[mask[:, j], j] = (obs - center[j]) / scale[j]
        elif family[j] == CODES["binomial"]:
            tr = trials_raw[mask[:, j], j]
            share = (obs.sum() + 0.5) / (tr.sum() + 1.0)
            offset[j] = np.log(share) - np.log1p(-share)
            y[mask[:, j], j] = obs
            trials[mask[:, j], j] = tr
        else:
            offset[j] = np.log(obs.mean() + 0.5)
            y[mask[:, j], j] = obs
    # A panel may carry its own model-scale constants (simulated panels do): use them as-is.
    for name, arr in (("center", center), ("scale", scale), ("offset", offset)):
        if name in p.coords:
            fixed = p[name].values.astype(float)
            if name == "scale" and (fixed <= 0).any():
                raise ValueError("panel coordinate 'scale' must be positive")
            arr[:] = fixed
    if "center" in p.coords or "scale" in p.coords:
        for j in range(n):
            if family[j] in GAUSSIAN_CODES:
                y[mask[:, j], j] = (value[mask[:, j], j] - center[j]) / scale[j]
    if not (latent == TENSION).any():
        raise ValueError(
            "the panel has no tension indicator; declare at least one (latent = tension)"
        )
    is_anchor = p["anchor"].values.astype(bool)
    anchors = np.flatnonzero(is_anchor & (latent == TENSION))
    if anchors.size != 1:
        raise ValueError(
            "the panel needs exactly one anchor tension indicator (anchor = true in the "
            f"registry) to fix the scale of tension; found {anchors.size}"
        )
    driver_of = np.array([drivers.index(lat) if lat in drivers else -1 for lat in latent])
    state_drivers = tuple(drivers)
    if combine is not None:
        driver_of = np.where(driver_of >= 0, 0, -1)
        state_drivers = (combine,)
    for k, d in enumerate(state_drivers):
        if not (driver_of == k).any():
            raise ValueError(
                f"driver {d!r} has no indicator in the panel; add one or drop the driver"
            )
    return ModelData(
        years=p[YEAR].values.astype(int),
        indicators=tuple(keep),
        drivers=state_drivers,
        latent=latent,
        family=family,
        direction=p["direction"].values.astype(int),
        y=y,
        mask=mask,
        trials=trials,
        center=center,
        scale=scale,
        offset=offset,
        driver_of=driver_of,
        anchor=int(anchors[0]),
        driver_anchor=_driver_anchors(is_anchor, driver_of, family, keep),
        stock=stock,
        stock_level=stock_level,
    )


def _changes_of_stocks(value: np.ndarray, stock: np.ndarray, keys) -> np.ndarray:
    """``value`` with each stock column replaced by its yearly change (NaN after a gap)."""
    out = value.copy()
    for j in np.flatnonzero(stock):
        change = np.full(value.shape[0], np.nan)
        change[1:] = value[1:, j] - value[:-1, j]
        if np.any(change[np.isfinite(change)] < 0):
            year = int(np.flatnonzero(change < 0)[0])
            raise ValueError(
                f"stock indicator {keys[j]!r} falls in its row {year}: its yearly change cannot "
                "be a count of new cases; model it as a level (Variant(stocks='level'))"
            )
        out[:, j] = change
    return out


def _driver_anchors(is_anchor, driver_of, family, keys) -> np.ndarray:
    """At most one anchor per kept (possibly combined) driver: the first declared one."""
    out = np.zeros(is_anchor.shape, dtype=bool)
    seen: set[int] = set()
    for i, (a, d) in enumerate(zip(is_anchor, driver_of, strict=True)):
        if a and d >= 0 and family[i] not in GAUSSIAN_CODES:
            raise ValueError(
                f"driver anchor {keys[i]!r} must be a normal or student_t indicator "
                "(its loading and noise are fixed on the standardised scale)"
            )
        if a and d >= 0 and d not in seen:
            out[i] = True
            seen.add(int(d))
    return out
