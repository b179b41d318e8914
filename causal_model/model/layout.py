"""Which parameter goes where: the static part of one model's structure.

A :class:`Layout` is computed once from the panel's model arrays, the variant and the past
events (NumPy constants): selector matrices that place each vector of free parameters on its
indicators, the loadings fixed by construction, the state vector's composition (drivers,
the tension residual, the indicators' own AR(1) deviations), the dynamics and the elite
shape. :func:`causal_model.model.structure.state_space` combines it with parameter values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from causal_model.dims import EVENT_TYPES, TENSION
from causal_model.model.arrays import DRIVER_ANCHOR_LOADING, DRIVER_ANCHOR_NOISE, ModelData
from causal_model.specification.elite import EliteResponse, get_elite_response
from causal_model.specification.variants import GAUSSIAN_TENSION, Variant

__all__ = ["Layout", "idiosyncratic_indicators"]

#: Degrees of freedom standing for "not a Student-t indicator" (the kernel ignores them).
_NO_T = 1e6


@dataclass(frozen=True)
class Layout:
    """Which parameter goes where: NumPy constants of one model (panel + variant + events).

    Selector matrices map a vector of free parameters (last axis) onto the indicators:
    ``free @ selector`` has one entry per indicator (0 where the parameter does not apply).
    """

    data: ModelData
    n_states: int
    driver_dynamics: str
    tension_dynamics: str
    shocks: str
    own_dynamics: str
    times: np.ndarray  # (T,) mid-year times of the annual values
    event_times: np.ndarray  # (E,) past events inside the panel
    event_types: np.ndarray  # (E,) index into EVENT_TYPES
    elite: EliteResponse | None
    coupled: bool
    lam_fixed: np.ndarray  # (N,) loading on tension fixed by construction (the anchor's)
    tension_free: np.ndarray  # (n_tension_free, N) signed selector of tension loadings
    driver_free: np.ndarray  # (n_driver_free, N) signed selector of driver loadings
    driver_column: np.ndarray  # (N, S) 1 in the column of an indicator's driver
    z_fixed: np.ndarray  # (N, S) fixed loadings of the driver anchors
    intercept_free: np.ndarray  # (n_intercept, N)
    scale_fixed: np.ndarray  # (N,) noise sd where it is not a parameter (else 0)
    gaussian_free: np.ndarray  # (n_gaussian, N)
    nu_fixed: np.ndarray
    t_free: np.ndarray
    alpha_fixed: np.ndarray
    nb_free: np.ndarray
    n_drivers: int = 0
    idio: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # indicators
    idio_column: np.ndarray | None = None  # (N, S) 1 at an indicator's own AR(1) state
    # (n_coop_free, N) signed selector of the cooperation indicators' loadings on tension
    # (no rows when the variant insulates them: their loadings are 0)
    coop_free: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    drift: bool = False  # the tension level has a constant yearly drift ``level_drift``

    @property
    def residual(self) -> int:
        """Index of the tension residual's state (after the drivers')."""
        return self.n_drivers

    @property
    def shock_states(self) -> np.ndarray:
        """``(S,)``: 1 at the states whose innovations the Student-t shocks' yearly weights
        scale (the residual; with ``"student_t_shared"`` also the own deviations), else 0."""
        mask = np.zeros(self.n_states)
        if self.shocks != "normal":
            mask[self.residual] = 1.0
        if self.shocks == "student_t_shared":
            mask[self.residual + 1 :] = 1.0
        return mask

    @classmethod
    def of(cls, md: ModelData, variant: Variant, events: xr.Dataset) -> Layout:
        """The layout of a model of ``md`` under ``variant`` with the past ``events``."""
        n, k = len(md.indicators), len(md.drivers)
        direction = md.direction.astype(float)

        def selector(idx: np.ndarray, sign: np.ndarray | None = None) -> np.ndarray:
            out = np.zeros((idx.size, n))
            out[np.arange(idx.size), idx] = 1.0 if sign is None else sign[idx]
            return out

        def fixed_where(idx: np.ndarray, base: np.ndarray) -> np.ndarray:
            out = base.copy()
            out[idx] = 0.0
            return out

        idio = _idiosyncratic(md, variant)
        s = k + 1 + idio.size  # drivers, the residual, one AR(1) state per listed indicator
        lam_fixed = np.zeros(n)
        lam_fixed[md.anchor] = direction[md.anchor]
        driver_column = np.zeros((n, s))
        drivers = md.subset("driver")
        driver_column[drivers, md.driver_of[drivers]] = 1.0
        idio_column = np.zeros((n, s))
        idio_column[idio, k + 1 + np.arange(idio.size)] = 1.0
        z_fixed = np.zeros((n, s))
        anchors = md.subset("driver_anchor")
        z_fixed[anchors, md.driver_of[anchors]] = direction[anchors] * DRIVER_ANCHOR_LOADING
        scale = np.ones(n)
        scale[anchors] = DRIVER_ANCHOR_NOISE
        elite = None if variant.elite == "none" else get_elite_response(variant.elite)
        times = events["time"].values.astype(float)
        if times.size == 0:
            elite = None
        return cls(
            data=md,
            n_states=s,
            n_drivers=k,
            idio=idio,
            idio_column=idio_column,
            driver_dynamics=variant.driver_dynamics,
            tension_dynamics=variant.tension_dynamics,
            shocks=variant.shocks,
            own_dynamics=variant.own_dynamics,
            drift=variant.drift,
            times=md.years.astype(float) + 0.5,  # annual values are read at mid-year
            event_times=times,
            event_types=np.array(
                [EVENT_TYPES.index(str(t)) for t in events["event_type"].values], dtype=int
            ),
            elite=elite,
            coupled=variant.coupled,
            lam_fixed=lam_fixed,
            tension_free=selector(md.subset("tension_free"), direction),
            coop_free=selector(
                md.subset("cooperation") if variant.cooperation == "follows" else np.zeros(0, int),
                direction,
            ),
            driver_free=selector(md.subset("driver_free"), direction),
            driver_column=driver_column,
            z_fixed=z_fixed,
            intercept_free=selector(md.subset("intercept_free")),
            scale_fixed=fixed_where(md.subset("gaussian"), scale),
            gaussian_free=selector(md.subset("gaussian")),
            nu_fixed=fixed_where(md.subset("t"), np.full(n, _NO_T)),
            t_free=selector(md.subset("t")),
            alpha_fixed=fixed_where(md.subset("nb"), np.ones(n)),
            nb_free=selector(md.subset("nb")),
        )


def idiosyncratic_indicators(md: ModelData, variant: Variant) -> list[str]:
    """Keys of the indicators with their own persistent deviations, in state order."""
    return [md.indicators[i] for i in _idiosyncratic(md, variant)]


def _idiosyncratic(md: ModelData, variant: Variant) -> np.ndarray:
    """Indices of the indicators with AR(1) deviations; refuses names the panel does not have
    and non-Gaussian families (a count's deviation is not a z-score)."""
    if variant.idiosyncratic == GAUSSIAN_TENSION:
        return np.array(
            [
                j
                for j in range(len(md.indicators))
                if md.latent[j] == TENSION and j != md.anchor and md.gaussian[j]
            ],
            dtype=int,
        )
    unknown = [k for k in variant.idiosyncratic if k not in md.indicators]
    if unknown:
        raise ValueError(
            f"variant {variant.name!r}: idiosyncratic indicators {unknown} are not in the panel "
            f"(it has {', '.join(md.indicators)})"
        )
    idx = np.array([md.indicators.index(k) for k in variant.idiosyncratic], dtype=int)
    bad = [md.indicators[i] for i in idx if not md.gaussian[i]]
    if bad:
        raise ValueError(
            f"variant {variant.name!r}: idiosyncratic AR(1) deviations need normal or student_t "
            f"indicators; {bad} are counts"
        )
    return idx
