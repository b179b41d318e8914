"""The observation families: one table, read by every part of the package.

An indicator declares a family in the registry. Each :class:`Family` holds everything the
package needs to know about it: its integer code (the numba Laplace kernel reads its codes
from :data:`CODES`), its link, the PyMC distribution that observes it, its log-density and
random draws in NumPy, its Fisher information, and how a model-scale value maps back to the
panel's ``value`` scale.

Adding a family means one entry here, plus its per-cell Laplace terms in
:mod:`causal_model.model.statespace.kernels` (``cell_const``, ``cell_terms``,
``working_response``), which are compiled and cannot call Python objects.

Shapes: ``eta`` is the linear predictor on the link scale; ``scale`` (normal / Student-t
noise sd), ``nu`` (Student-t degrees of freedom), ``alpha`` (negative-binomial dispersion,
``var = mu + mu^2 / alpha``) and ``trials`` (binomial) broadcast against it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from causal_model.backend import NUMPY, Backend

__all__ = [
    "CODES",
    "COUNT_FAMILIES",
    "FAMILIES",
    "GAUSSIAN_FAMILIES",
    "Family",
    "by_code",
    "codes_of",
    "draw",
    "logpdf",
    "normal_gamma_mixture_logpdf",
    "to_value",
]

_LOG2PI = math.log(2.0 * math.pi)
#: ``exp`` of the link scale is clipped to this range before drawing counts (no overflow).
_LOG_CLIP = (-30.0, 15.0)


@dataclass(frozen=True)
class Family:
    """One observation family.

    Attributes
    ----------
    name
        The name an indicator declares (``registry.toml``'s ``family``).
    code
        Integer code used by the compiled kernels and by model arrays.
    link
        ``"identity"``, ``"log"`` or ``"logit"``: how the linear predictor maps to the mean.
    gaussian
        Continuous with a noise sd; its values are standardised (model scale = z-score).
    count
        Values are non-negative integers (kept as counts on the model scale).
    pymc
        Name of the PyMC distribution that observes it.
    """

    name: str
    code: int
    link: str
    gaussian: bool
    count: bool
    pymc: str

    # ----------------------------------------------------------------- densities
    def loglik(self, y, eta, *, scale=1.0, nu=1e6, alpha=1.0, trials=1.0, xp: Backend = NUMPY):
        """Log-density (log-mass for counts) of ``y`` given the linear predictor ``eta``.

        One formula for both backends (:mod:`causal_model.backend`): NumPy arrays on draws,
        PyTensor tensors in the graph. Arithmetic only (no distribution objects), so the
        graph stays small for the Laplace step's derivatives.
        """
        if self.name == "normal":
            r = (y - eta) / scale
            return -0.5 * _LOG2PI - xp.log(scale) - 0.5 * r**2
        if self.name == "student_t":
            r = (y - eta) / scale
            return (
                xp.gammaln(0.5 * (nu + 1.0))
                - xp.gammaln(0.5 * nu)
                - 0.5 * xp.log(nu * math.pi)
                - xp.log(scale)
                - 0.5 * (nu + 1.0) * xp.log1p(r**2 / nu)
            )
        if self.name == "poisson":
            return y * eta - xp.exp(eta) - xp.gammaln(y + 1.0)
        if self.name == "negative_binomial":
            log_alpha = xp.log(alpha)
            log_alpha_mu = xp.logaddexp(log_alpha, eta)  # log(alpha + mu)
            return (
                xp.gammaln(y + alpha)
                - xp.gammaln(alpha)
                - xp.gammaln(y + 1.0)
                + alpha * log_alpha
                + y * eta
                - (y + alpha) * log_alpha_mu
            )
        n = trials
        return (
            xp.gammaln(n + 1.0)
            - xp.gammaln(y + 1.0)
            - xp.gammaln(n - y + 1.0)
            + y * eta
            - n * xp.softplus(eta)
        )

    def logpdf(self, y, eta, *, scale=1.0, nu=1e6, alpha=1.0, trials=1.0) -> np.ndarray:
        """:meth:`loglik` of NumPy values."""
        f = NUMPY.asarray
        return self.loglik(
            f(y), f(eta), scale=f(scale), nu=f(nu), alpha=f(alpha), trials=f(trials), xp=NUMPY
        )

    def draw(self, eta, rng: np.random.Generator, *, scale=1.0, nu=1e6, alpha=1.0, trials=1):
        """Random values given ``eta`` (model scale: z-scores for gaussian families, counts
        for the others), shaped like ``eta``."""
        eta = np.asarray(eta, dtype=float)
        if self.name == "normal":
            return eta + np.asarray(scale) * rng.normal(size=eta.shape)
        if self.name == "student_t":
            dof = np.broadcast_to(np.asarray(nu, dtype=float), eta.shape)
            return eta + np.asarray(scale) * rng.standard_t(dof)
        mu = np.exp(np.clip(eta, *_LOG_CLIP))
        if self.name == "poisson":
            return rng.poisson(mu).astype(float)
        if self.name == "negative_binomial":
            a = np.broadcast_to(np.asarray(alpha, dtype=float), eta.shape)
            return rng.negative_binomial(a, a / (a + mu)).astype(float)
        n = np.broadcast_to(np.asarray(trials), eta.shape).astype(int)
        return rng.binomial(n, special.expit(eta)).astype(float)

    def to_value(self, y, center, scale) -> np.ndarray:
        """Model-scale values to the panel's ``value`` scale (counts stay counts)."""
        y = np.asarray(y, dtype=float)
        return y * scale + center if self.gaussian else y

    # ----------------------------------------------------------------- PyTensor / PyMC
    def fisher_information(
        self, eta, *, scale=1.0, nu=1e6, alpha=1.0, trials=1.0, xp: Backend = NUMPY
    ):
        """Expected information ``E[-d^2 log p / d eta^2]`` (either backend).

        The Laplace log-determinant uses it for the families whose observed information can
        be negative.
        """
        if self.name == "normal":
            return 1.0 / scale**2 + 0.0 * eta
        if self.name == "student_t":
            return (nu + 1.0) / ((nu + 3.0) * scale**2) + 0.0 * eta
        if self.name == "poisson":
            return xp.exp(eta)
        if self.name == "negative_binomial":
            return alpha * xp.exp(eta - xp.logaddexp(xp.log(alpha), eta))
        return trials * xp.sigmoid(eta) * xp.sigmoid(-eta)

    def pymc_kwargs(self, eta, *, scale=1.0, nu=1e6, alpha=1.0, trials=1) -> dict[str, Any]:
        """Arguments of the PyMC distribution :attr:`pymc` for a cell with predictor ``eta``."""
        import pymc as pm

        if self.name == "normal":
            return {"mu": eta, "sigma": scale}
        if self.name == "student_t":
            return {"nu": nu, "mu": eta, "sigma": scale}
        if self.name == "poisson":
            return {"mu": pm.math.exp(eta)}
        if self.name == "negative_binomial":
            return {"mu": pm.math.exp(eta), "alpha": alpha}
        return {"n": trials, "logit_p": eta}

    def pymc_dist(self, eta, **params) -> Any:
        """The unregistered PyMC distribution of cells with predictor ``eta``."""
        import pymc as pm

        return getattr(pm, self.pymc).dist(**self.pymc_kwargs(eta, **params))

    def observe(self, name: str, eta, observed, **params) -> Any:
        """Register the observed cells ``observed`` (given ``eta``) in the current PyMC model."""
        import pymc as pm

        observed = np.asarray(observed).astype(int) if self.count else observed
        return getattr(pm, self.pymc)(name, **self.pymc_kwargs(eta, **params), observed=observed)


#: Every family, by name, in code order.
FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("normal", 0, "identity", gaussian=True, count=False, pymc="Normal"),
        Family("student_t", 1, "identity", gaussian=True, count=False, pymc="StudentT"),
        Family("poisson", 2, "log", gaussian=False, count=True, pymc="Poisson"),
        Family("negative_binomial", 3, "log", gaussian=False, count=True, pymc="NegativeBinomial"),
        Family("binomial", 4, "logit", gaussian=False, count=True, pymc="Binomial"),
    )
}
#: Integer code of each family (what the compiled kernels compare against).
CODES: dict[str, int] = {name: f.code for name, f in FAMILIES.items()}
#: Families whose values are standardised z-scores on the model scale.
GAUSSIAN_FAMILIES: tuple[str, ...] = tuple(n for n, f in FAMILIES.items() if f.gaussian)
#: Families whose values must be non-negative integers.
COUNT_FAMILIES: tuple[str, ...] = tuple(n for n, f in FAMILIES.items() if f.count)
_BY_CODE = {f.code: f for f in FAMILIES.values()}
if sorted(_BY_CODE) != list(range(len(FAMILIES))):  # the kernels index by code
    raise RuntimeError("family codes must be 0 .. n-1")


def by_code(code: int) -> Family:
    """The family with integer code ``code``."""
    return _BY_CODE[int(code)]


def codes_of(names) -> np.ndarray:
    """Integer codes of family names (or codes, returned as they are), as int64."""
    arr = np.asarray(names)
    if arr.dtype.kind in "US":
        unknown = sorted({str(n) for n in arr.ravel()} - set(FAMILIES))
        if unknown:
            raise ValueError(f"unknown family {unknown}; families are {', '.join(FAMILIES)}")
        arr = np.array([CODES[str(n)] for n in arr.ravel()]).reshape(arr.shape)
    arr = arr.astype(np.int64)
    if np.any((arr < 0) | (arr >= len(FAMILIES))):
        raise ValueError(f"family codes must be 0..{len(FAMILIES) - 1}, got {names!r}")
    return arr


def logpdf(family_codes, y, eta, *, scale, nu, alpha, trials, mask) -> np.ndarray:
    """Log-density of every cell (``(..., T, N)``), NaN where ``mask`` is False.

    ``family_codes`` is ``(N,)``; ``scale``, ``nu``, ``alpha`` are ``(..., N)`` or per cell
    ``(..., T, N)``; ``y``, ``trials`` and ``mask`` are ``(T, N)``.
    """
    eta = np.asarray(eta, dtype=float)
    out = np.full(eta.shape, np.nan)
    for j, code in enumerate(family_codes):
        m = np.asarray(mask)[:, j]
        fam = by_code(code)
        out[..., m, j] = fam.logpdf(
            np.asarray(y)[m, j],
            eta[..., m, j],
            scale=_column(scale, j, m, eta.ndim),
            nu=_column(nu, j, m, eta.ndim),
            alpha=_column(alpha, j, m, eta.ndim),
            trials=np.asarray(trials)[m, j],
        )
    return out


def draw(family_codes, eta, rng, *, scale, nu, alpha, trials) -> np.ndarray:
    """Model-scale draws of every cell given ``eta`` (``(..., T, N)``); parameters as in
    :func:`logpdf` (``trials`` ``(T, N)`` or ``(..., T, N)``)."""
    eta = np.asarray(eta, dtype=float)
    out = np.empty(eta.shape)
    trials = np.broadcast_to(np.asarray(trials), eta.shape)
    everywhere = np.ones(eta.shape[-2], dtype=bool)
    for j, code in enumerate(family_codes):
        out[..., j] = by_code(code).draw(
            eta[..., j],
            rng,
            scale=_column(scale, j, everywhere, eta.ndim),
            nu=_column(nu, j, everywhere, eta.ndim),
            alpha=_column(alpha, j, everywhere, eta.ndim),
            trials=trials[..., j],
        )
    return out


def to_value(family_codes, y, center, scale) -> np.ndarray:
    """Model-scale values ``(..., N)`` to the panel's ``value`` scale, column by column."""
    out = np.array(y, dtype=float, copy=True)
    for j, code in enumerate(family_codes):
        out[..., j] = by_code(code).to_value(out[..., j], center[j], scale[j])
    return out


def _column(v, j: int, rows: np.ndarray, ndim: int):
    """Column ``j`` of a per-indicator ``(..., N)`` or per-cell ``(..., T, N)`` parameter,
    shaped to broadcast against ``eta[..., rows, j]``."""
    v = np.asarray(v, dtype=float)
    if v.ndim == 0:
        return v
    if v.ndim == ndim:  # per cell
        return v[..., rows, j]
    return v[..., j, None]


#: Grid in ``u = log w`` for :func:`normal_gamma_mixture_logpdf` (trapezoid rule; the
#: integrand decays like ``exp((nu + 1) u / 2)`` below and doubly exponentially above).
_LOG_W_GRID = np.linspace(-45.0, 10.0, 4401)


def normal_gamma_mixture_logpdf(
    y: float, mean: float, var: float, scale: float, nu: float
) -> float:
    """``log int N(y; mean, var + scale^2 / w) Gamma(w; nu/2, rate nu/2) dw``.

    The predictive density of a Student-t observation (a scale mixture of normals with weight
    ``w``) whose location is itself normal with variance ``var``; ``var = 0`` gives the
    Student-t density. Trapezoid rule in ``u = log w`` on a fixed fine grid (step 0.0125):
    the integrand is smooth in ``u`` and both tails vanish, so the rule converges fast, also
    for outliers, whose mass sits at small weights.
    """
    a = 0.5 * nu
    u = _LOG_W_GRID
    v = var + scale**2 * np.exp(-u)
    log_gamma = a * np.log(a) - special.gammaln(a) + a * u - a * np.exp(u)  # includes dw/du
    log_terms = log_gamma - 0.5 * np.log(2 * np.pi * v) - 0.5 * (y - mean) ** 2 / v
    return float(special.logsumexp(log_terms) + np.log(u[1] - u[0]))
