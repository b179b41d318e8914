"""Summaries of a leave-future-out table: skill against persistence with standard errors.

The headline number of a horizon is the geometric mean, over the indicators of a latent, of
each indicator's CRPS ratio to persistence (its mean CRPS over origins divided by
persistence's on the same cells): below 1 the method beats "next year = this year". Its
standard error is a jackknife over origins (each origin left out in turn), so a ratio that
rests on one lucky year shows a wide error. An indicator that did not change at all over the
scored cells (persistence's CRPS is zero: US sanctions stayed at 0 until 2013) has no ratio;
it is left out of the mean and counted in ``n_unchanged``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from causal_model.dims import INDICATOR, TENSION

__all__ = ["by_indicator", "coverage", "lfo_summary", "pit_values", "skill"]

REFERENCE = "persistence"
#: A persistence CRPS summed over origins at or below this is zero: the outcome never moved.
_UNCHANGED = 1e-4


def _cells(table: pd.DataFrame, latent: str | None, origins=None) -> pd.DataFrame:
    t = table[table[INDICATOR] != "joint"]
    if latent is not None:
        t = t[t["latent"] == latent]
    if origins is not None:
        t = t[t["origin"].isin(list(origins))]
    return t


def _ratios(t: pd.DataFrame, method: str) -> pd.Series:
    """Per (indicator, horizon): mean CRPS of ``method`` / mean CRPS of persistence, over the
    cells both forecast."""
    wide = t.pivot_table(
        index=["horizon", INDICATOR, "origin"], columns="method", values="crps", aggfunc="first"
    )
    if method not in wide or REFERENCE not in wide:
        return pd.Series(dtype=float)
    both = wide[[method, REFERENCE]].dropna()
    sums = both.groupby(level=["horizon", INDICATOR]).sum()
    sums = sums[sums[REFERENCE] > _UNCHANGED]
    return sums[method] / sums[REFERENCE]


def _unchanged(t: pd.DataFrame) -> pd.Series:
    """Per horizon: indicators whose outcome never moved (persistence's CRPS is zero)."""
    p = t[t["method"] == REFERENCE].groupby(["horizon", INDICATOR])["crps"].sum()
    return (p <= _UNCHANGED).groupby(level="horizon").sum()


def _geo(ratios: pd.Series) -> pd.Series:
    return np.exp(np.log(ratios).groupby(level="horizon").mean())


def _jackknife(t: pd.DataFrame, stat) -> pd.DataFrame:
    """``stat(t)`` and its jackknife standard error over origins."""
    full = stat(t)
    origins = sorted(t["origin"].unique())
    if len(origins) < 3:
        return pd.DataFrame({"value": full, "se": np.nan})
    reps = pd.concat([stat(t[t["origin"] != o]) for o in origins], axis=1)
    n = len(origins)
    se = np.sqrt((n - 1) / n * ((reps.sub(reps.mean(axis=1), axis=0)) ** 2).sum(axis=1))
    return pd.DataFrame({"value": full, "se": se})


def skill(
    table: pd.DataFrame, *, latent: str | None = TENSION, origins=None, methods=None
) -> pd.DataFrame:
    """Geometric-mean CRPS ratio to persistence per method and horizon, with jackknife SEs.

    Returns
    -------
    pandas.DataFrame
        Index (method, horizon); columns ``crps_ratio`` (geometric mean over indicators),
        ``crps_ratio_se``, ``n_indicators`` (with a ratio) and ``n_unchanged`` (left out).
    """
    t = _cells(table, latent, origins)
    methods = methods or [m for m in t["method"].unique() if m != REFERENCE]
    out = []
    for method in methods:
        res = _jackknife(t, lambda d, m=method: _geo(_ratios(d, m)))
        n = _ratios(t, method).groupby(level="horizon").size()
        res = res.assign(n_indicators=n, n_unchanged=_unchanged(t)).rename(
            columns={"value": "crps_ratio", "se": "crps_ratio_se"}
        )
        res.index = pd.MultiIndex.from_product([[method], res.index], names=["method", "horizon"])
        out.append(res)
    return pd.concat(out)


def by_indicator(table: pd.DataFrame, *, method: str = "model", origins=None) -> pd.DataFrame:
    """Per indicator and horizon: the CRPS ratio of ``method`` to persistence with its
    jackknife SE over origins, and the number of origins scored (where the model wins and
    loses)."""
    t = _cells(table, None, origins)
    res = _jackknife(t, lambda d: _ratios(d, method))
    n = t[t["method"] == method].groupby(["horizon", INDICATOR]).size()
    latent = t.groupby(INDICATOR)["latent"].first()
    res = res.rename(columns={"value": "crps_ratio", "se": "crps_ratio_se"}).assign(n_origins=n)
    res["latent"] = [latent[i] for i in res.index.get_level_values(INDICATOR)]
    return res


def coverage(table: pd.DataFrame, *, latent: str | None = TENSION, origins=None) -> pd.DataFrame:
    """Share of outcomes inside the central 50 % and 90 % intervals, per method and horizon
    and pooled over horizons (``horizon = "all"``), and the mean interval scores."""
    t = _cells(table, latent, origins)
    cols = {"in50": "mean", "in90": "mean", "is50": "mean", "is90": "mean", "crps": "size"}
    g = t.groupby(["method", "horizon"]).agg(cols).rename(columns={"crps": "n"})
    pooled = t.groupby("method").agg(cols).rename(columns={"crps": "n"})
    pooled.index = pd.MultiIndex.from_product([pooled.index, ["all"]], names=["method", "horizon"])
    g.index = g.index.set_levels(g.index.levels[1].astype(object), level=1)
    return pd.concat([g, pooled]).rename(columns={"in50": "coverage50", "in90": "coverage90"})


def energy(table: pd.DataFrame, *, latent: str = TENSION, origins=None) -> pd.DataFrame:
    """Mean energy score of the joint forecast of a latent's indicators per method and
    horizon, and its ratio to persistence's (jackknife SE over origins)."""
    t = table[(table[INDICATOR] == "joint") & (table["latent"] == latent)]
    if origins is not None:
        t = t[t["origin"].isin(list(origins))]

    def ratio(d: pd.DataFrame) -> pd.Series:
        wide = d.pivot_table(index=["horizon", "origin"], columns="method", values="energy")
        sums = wide.dropna().groupby(level="horizon").sum()
        return (sums.div(sums[REFERENCE], axis=0)).stack()

    res = _jackknife(t, ratio).rename(columns={"value": "energy_ratio", "se": "energy_ratio_se"})
    return res.reorder_levels(["method", "horizon"]).sort_index() if len(res) else res


def pit_values(table: pd.DataFrame, *, method: str = "model", latent: str | None = TENSION):
    """The PIT values of a method's forecasts per horizon (uniform when calibrated)."""
    t = _cells(table, latent)
    t = t[t["method"] == method]
    return {int(h): g["pit"].to_numpy() for h, g in t.groupby("horizon")}


def lfo_summary(table: pd.DataFrame, *, latent: str | None = TENSION, origins=None) -> pd.DataFrame:
    """One table per method and horizon: CRPS ratio to persistence (geometric mean over the
    latent's indicators, jackknife SE over origins), coverage of the 50 % and 90 % intervals,
    mean interval scores, and (for a latent) the energy-score ratio of the joint forecast."""
    parts = [
        skill(table, latent=latent, origins=origins),
        coverage(table, latent=latent, origins=origins),
    ]
    out = pd.concat(parts, axis=1, sort=False)  # horizons 1, 2, ... and "all": not orderable
    out = out.loc[sorted(out.index, key=lambda mh: (mh[0], mh[1] == "all", str(mh[1]).zfill(4)))]
    if latent is not None:
        en = energy(table, latent=latent, origins=origins)
        if len(en):
            out = out.join(en, how="left")
    return out
