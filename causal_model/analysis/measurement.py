"""Measurement check of a fit, in the style of confirmatory factor analysis (CFA).

Does each indicator measure its latent (a driver, or tension) the way the registry declares?
:func:`measurement_check` gives one row per indicator with a data-only correlation, a
standardised loading, the posterior probability that the data relate to the latent with the
declared sign, and a posterior predictive p-value; it warns about indicators whose data
contradict their declared direction.

Definitions (``D`` posterior draws; an indicator's *link-scale data* are its model-scale
values ``model.data.y`` where ``model.data.mask`` is True: z-scores for normal and Student-t
indicators, ``log(y + 0.5)`` for count families, ``log((y + 0.5) / (n - y + 0.5))`` for
binomial ones, so that a count's spread is on the scale its loading acts on):

``corr_with_others``
    Pearson correlation, over the years where both exist (at least :data:`MIN_YEARS`), of
    the indicator's link-scale data times its direction with the mean of the other
    indicators of the same latent (each standardised over its observed years, times its
    direction). Data only; NaN when the latent has one indicator.
``std_loading``
    Posterior median of ``b * direction * sd(latent path) / sd(link-scale data)``, both sds
    over the indicator's observed years, with ``b`` the draw's loading of the indicator on
    its latent (``Z[i, driver]`` for a driver indicator, ``lambda_i`` on tension for a
    tension indicator): CFA's "std.all" loading with the indicator's observed sd in the
    denominator. Anchors have fixed loadings (a driver anchor 0.8 on the standardised scale,
    the tension anchor 1): theirs varies only with the latent path's sd (column ``anchor``).
``p_declared_sign``
    The model constrains every loading to its declared sign (log-normal times direction), so
    the loading's sign cannot disagree. Instead, per draw, the correlation over the observed
    years between the link-scale data times the direction and the latent's posterior path
    (``drivers`` for a driver indicator, ``tension`` for a tension one); the column is the
    share of draws where it is positive. A flipped indicator gets a loading near zero, the
    latent follows the other indicators, and this share falls towards 0.
``ppp``
    Posterior predictive p-value of the deviance ``-sum_t log p(y_t | states, params)`` over
    the indicator's observed years: per draw, replicated data are drawn from the model's
    families given that draw's parameters and latent states
    (:func:`causal_model.model.generate.draw_indicators`) and ``ppp = P(T(y_rep) >=
    T(y))``. For a normal indicator the deviance is the sum of squared standardised residuals
    plus a constant (blavaan's chi-square discrepancy, per indicator); one definition serves
    every family (the density and the draws come from :mod:`causal_model.families`). Near 0:
    the data are farther from the fit than the family allows (outliers, heavier tails);
    near 1: closer than it allows. The states are drawn given all data, this indicator's
    included, so the p-value leans towards 0.5 (conservative).
``flag``
    ``p_declared_sign < 1 - prob``: the data contradict the declared direction with
    posterior probability above ``prob``.

Cooperation areas (latent ``cooperation``) load on tension with a loading of free sign: the
model's question about them is the size and sign of that loading, so they declare no
direction (column ``direction`` 0), ``p_declared_sign`` is NaN and they are never flagged.
Their ``corr_with_others`` is the correlation with the mean of the tension indicators, and
their ``std_loading`` is signed (negative: the area's agreement falls as tension rises).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import arviz as az
import numpy as np
import pandas as pd

from causal_model import families
from causal_model.dims import COOPERATION, DRIVER, IDIO_INDICATOR, INDICATOR, TENSION, YEAR
from causal_model.inference.postprocess import fitted_state_space
from causal_model.model.arrays import ModelData
from causal_model.model.generate import draw_indicators

if TYPE_CHECKING:
    from causal_model.inference import TensionModel

__all__ = ["COLUMNS", "MIN_YEARS", "link_scale_data", "measurement_check"]

#: Years (with both series observed) a correlation needs; fewer gives NaN.
MIN_YEARS = 3
#: Columns of :func:`measurement_check`'s table, in order.
COLUMNS = (
    "latent",
    "direction",
    "anchor",
    "n_obs",
    "corr_with_others",
    "std_loading",
    "p_declared_sign",
    "ppp",
    "flag",
)


def link_scale_data(md: ModelData) -> np.ndarray:
    """Every indicator's model-scale data on its family's link scale, ``(T, N)``, NaN where
    missing: z-scores as they are, ``log(y + 0.5)`` for counts, the empirical logit
    ``log((y + 0.5) / (n - y + 0.5))`` for binomial ``y`` of ``n`` trials."""
    out = np.full(md.y.shape, np.nan)
    for j, code in enumerate(md.family):
        m = md.mask[:, j]
        y = md.y[m, j]
        link = families.by_code(code).link
        if link == "log":
            y = np.log(y + 0.5)
        elif link == "logit":
            y = np.log((y + 0.5) / (md.trials[m, j] - y + 0.5))
        out[m, j] = y
    return out


def _flat(da, *dims: str) -> np.ndarray:
    v = da.transpose("chain", "draw", *dims).values
    return v.reshape(-1, *v.shape[2:])


def _check(model, idata, prob: float) -> None:
    """Refuse input the check cannot use, saying what is missing and how to get it."""
    if not (isinstance(prob, float | int) and 0.0 < float(prob) < 1.0):
        raise ValueError(f"prob must be a probability strictly between 0 and 1, got {prob!r}")
    if not hasattr(model, "layout"):
        raise TypeError(
            f"model must be the TensionModel that made the fit, got {type(model).__name__}"
        )
    if not isinstance(idata, az.InferenceData) or "posterior" not in idata.groups():
        raise ValueError(
            "idata has no posterior group: pass the InferenceData that model.fit() returned "
            "(or TensionModel.load(path).idata_)"
        )
    layout = model.layout
    post = idata.posterior
    needed = ["drivers", "tension", *(["own_deviation"] if layout.idio.size else [])]
    missing = [v for v in needed if v not in post]
    if missing:
        raise ValueError(
            f"idata's posterior has no latent path {missing}: the check needs the paths drawn "
            "after sampling; run model.postprocess(idata) (model.fit() does it)"
        )
    md = layout.data
    if not np.array_equal(post[YEAR].values.astype(int), md.years):
        raise ValueError(
            "the fit's years do not match the model's panel; check the fit with the model that "
            "made it (or TensionModel.load(path))"
        )
    drivers = [str(d) for d in post[DRIVER].values]
    if drivers != list(md.drivers):
        raise ValueError(
            f"the fit's drivers {drivers} are not the model's {list(md.drivers)}; check the "
            "fit with the model (variant) that made it"
        )


def _states(post, layout) -> np.ndarray:
    """The posterior latent states ``(D, T, S)``: drivers, residual, own deviations."""
    parts = [_flat(post["drivers"], YEAR, DRIVER), _flat(post["residual"], YEAR)[..., None]]
    if layout.idio.size:
        parts.append(_flat(post["own_deviation"], YEAR, IDIO_INDICATOR))
    return np.concatenate(parts, axis=-1)


def _row_corr(x: np.ndarray, paths: np.ndarray) -> np.ndarray:
    """Correlation of ``x`` ``(T,)`` with every row of ``paths`` ``(D, T)``: ``(D,)``."""
    xc = x - x.mean()
    pc = paths - paths.mean(axis=-1, keepdims=True)
    den = np.sqrt((xc**2).sum() * (pc**2).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, pc @ xc / den, np.nan)


def _corr_with_others(signed: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Per indicator: correlation with the mean of the other standardised indicators of its
    latent (``signed``: link-scale data times direction, ``group``: latent per indicator; a
    cooperation area's "others" are the tension indicators)."""
    z = (signed - np.nanmean(signed, axis=0)) / np.nanstd(signed, axis=0, ddof=1)
    out = np.full(signed.shape[1], np.nan)
    for i in range(signed.shape[1]):
        own = TENSION if group[i] == COOPERATION else group[i]
        others = np.flatnonzero((group == own) & (np.arange(len(group)) != i))
        if others.size == 0:
            continue
        with warnings.catch_warnings():  # years where no other is observed: NaN, dropped
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(z[:, others], axis=1)
        both = np.isfinite(signed[:, i]) & np.isfinite(mean)
        if both.sum() >= MIN_YEARS:
            out[i] = _row_corr(signed[both, i], mean[None, both])[0]
    return out


def _ppp(md: ModelData, ss, states: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per indicator: P(deviance of replicated data >= deviance of the data), over draws."""
    eta = ss.c + np.einsum("dts,dis->dti", states, ss.z)
    y_rep = draw_indicators(md, ss, states, rng)
    out = np.full(len(md.indicators), np.nan)
    for j, code in enumerate(md.family):
        m = md.mask[:, j]
        if not m.any():
            continue
        fam = families.by_code(code)
        kw = {
            "scale": ss.scale[:, j, None],
            "nu": ss.nu[:, j, None],
            "alpha": ss.alpha[:, j, None],
            "trials": md.trials[m, j],
        }
        dev_obs = -fam.logpdf(md.y[m, j], eta[:, m, j], **kw).sum(axis=-1)
        dev_rep = -fam.logpdf(y_rep[:, m, j], eta[:, m, j], **kw).sum(axis=-1)
        out[j] = float(np.mean(dev_rep >= dev_obs))
    return out


def measurement_check(
    model: TensionModel,
    idata: az.InferenceData,
    *,
    prob: float = 0.95,
    random_seed: int | None = None,
) -> pd.DataFrame:
    """Check how each indicator measures its latent (CFA-style; definitions in the module
    docstring).

    Parameters
    ----------
    model
        The :class:`~causal_model.inference.TensionModel` that made the fit.
    idata
        Its fit: the ``posterior`` with the latent paths (``drivers``, ``residual``,
        ``tension``) that :meth:`~causal_model.inference.TensionModel.fit` draws.
    prob
        An indicator is flagged when its data contradict its declared direction with
        posterior probability above ``prob`` (``p_declared_sign < 1 - prob``).
    random_seed
        Seed of the replicated data of ``ppp``.

    Returns
    -------
    pandas.DataFrame
        One row per indicator (index ``indicator``) with the columns of :data:`COLUMNS`:
        ``latent`` (the latent the model measures with it; ``cooperation`` for the areas that
        load on tension with a free sign), ``direction`` (declared; 0 for those areas),
        ``anchor`` (fixed loading), ``n_obs`` (observed years), ``corr_with_others``,
        ``std_loading``, ``p_declared_sign``, ``ppp`` and ``flag``. ``attrs`` holds ``prob``,
        ``draws`` and the definitions.

    Raises
    ------
    ValueError
        When ``prob`` is not in (0, 1), ``idata`` has no posterior or no latent paths, or the
        fit's years or drivers are not the model's.
    TypeError
        When ``model`` is not a model of the package.

    Warns
    -----
    UserWarning
        One warning naming every flagged indicator, its latent and what to do.
    """
    _check(model, idata, prob)
    layout = model.layout
    md = layout.data
    post = idata.posterior
    ss = fitted_state_space(post, layout)
    states = _states(post, layout)
    drivers = states[..., : layout.n_drivers]
    tension = _flat(post["tension"], YEAR)
    group = np.array([md.drivers[k] if k >= 0 else TENSION for k in md.driver_of], dtype=object)
    coop = md.subset("cooperation")
    group[coop] = COOPERATION
    direction = md.direction.astype(int)
    direction[coop] = 0  # no declared sign: the loading's sign is the question
    data = link_scale_data(md)
    signed = data * np.where(direction == 0, 1, direction)
    n = len(md.indicators)
    std_loading, p_sign = np.full(n, np.nan), np.full(n, np.nan)
    for i in range(n):
        k = md.driver_of[i]
        path = drivers[..., k] if k >= 0 else tension
        b = ss.z[:, i, k] if k >= 0 else ss.lam[:, i]
        obs = md.mask[:, i]
        if obs.sum() < MIN_YEARS:
            continue
        sd_data = np.std(data[obs, i], ddof=1)
        if sd_data > 0:
            sd_path = path[:, obs].std(axis=-1, ddof=1)
            std_loading[i] = float(np.median(b * md.direction[i] * sd_path / sd_data))
        corr = _row_corr(signed[obs, i], path[:, obs])
        if direction[i] != 0 and np.isfinite(corr).any():
            p_sign[i] = float(np.mean(corr[np.isfinite(corr)] > 0))
    table = pd.DataFrame(
        {
            "latent": group.astype(str),
            "direction": direction,
            "anchor": [md.driver_anchor[i] or i == md.anchor for i in range(n)],
            "n_obs": md.mask.sum(axis=0).astype(int),
            "corr_with_others": _corr_with_others(signed, group),
            "std_loading": std_loading,
            "p_declared_sign": p_sign,
            "ppp": _ppp(md, ss, states, np.random.default_rng(random_seed)),
        },
        index=pd.Index(list(md.indicators), name=INDICATOR),
    )
    table["flag"] = table["p_declared_sign"] < 1.0 - float(prob)
    table.attrs.update(prob=float(prob), draws=int(tension.shape[0]), notes=__doc__)
    _warn(table, prob)
    return table


def _warn(table: pd.DataFrame, prob: float) -> None:
    flagged = table[table["flag"]]
    if flagged.empty:
        return
    items = "; ".join(
        f"{key!r} (latent {row['latent']}, declared direction {int(row['direction']):+d}, "
        f"P(declared sign) = {row['p_declared_sign']:.3f})"
        for key, row in flagged.iterrows()
    )
    warnings.warn(
        f"measurement check: the data of {len(flagged)} indicator(s) move against the "
        f"declared direction of their latent with posterior probability above {prob:g}: "
        f"{items}. The model forces each loading to its declared sign, so such an indicator "
        "is misread: its information is lost or it pulls its latent away from the other "
        "indicators. Check its 'direction' in causal_model/data/registry.toml (or the panel's "
        "'direction' coordinate), or drop the indicator from the panel.",
        UserWarning,
        stacklevel=2,
    )
