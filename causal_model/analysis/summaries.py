"""Tables of forecasts and effects: posterior means, intervals and headline probabilities.

Indicators are reported on their natural scale by default: the registry's log or logit
transform is undone and binomial counts are shown as shares of their trials, with a ``unit``
column (``scale="model"`` keeps the panel's ``value`` scale). Probabilities estimated from
draws are rounded to what their Monte Carlo error supports and carry that error.
"""

from __future__ import annotations

import math

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from causal_model.analysis.decomposition import latent_history
from causal_model.dims import COOPERATION, DRIVER, INDICATOR, YEAR

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Scales of indicator tables: ``natural`` (the indicator's own unit, shares for binomial
#: indicators) or ``model`` (the panel's ``value``: after the registry's transform).
SCALES = ("natural", "model")
#: Unit of the latent quantities in tables.
LATENT_UNITS = {
    "tension": "tension units (sd of the anchor indicator; 0 = its mean)",
    "elite": "tension units",
    "residual": "tension units",
    "trend": "tension units",
    "driver": "driver sd units (standardised)",
}


def _describe(da: xr.DataArray) -> pd.DataFrame:
    """Per year: mean, sd, 5/25/50/75/95% quantiles over chain and draw."""
    q = da.quantile(list(QUANTILES), dim=("chain", "draw"))
    out = pd.DataFrame(
        {
            "mean": da.mean(("chain", "draw")).values,
            "sd": da.std(("chain", "draw")).values,
            **{f"q{int(p * 100):02d}": q.sel(quantile=p).values for p in QUANTILES},
        },
        index=pd.Index(da[YEAR].values, name=YEAR),
    )
    return out


# ------------------------------------------------------------------------ indicator scales
def natural_values(values, *, transform: str = "none", family: str = "normal", trials=None):
    """An indicator's draws or values from the panel's ``value`` scale to its natural scale.

    Parameters
    ----------
    values
        Array or DataArray on the ``value`` scale (after the registry's transform; counts of
        successes for binomial indicators).
    transform
        The registry's transform: ``none``, ``log`` (undone by ``exp``) or ``logit`` (undone
        by the logistic function).
    family
        The observation family; ``binomial`` values are divided by ``trials`` (a share).
    trials
        Trials of a binomial indicator, broadcastable against ``values``.

    Returns
    -------
    Same type as ``values``
        The GPR index, a share of votes, a percentage, a count, persons: what the source
        reports. Quantiles commute with these monotone maps; means and sds do not, so
        summarise after converting.
    """
    out = values
    if family == "binomial":
        if trials is None:
            raise ValueError("a binomial indicator needs its trials to be shown as a share")
        out = out / trials
    if transform == "log":
        return np.exp(out)
    if transform == "logit":
        return 1.0 / (1.0 + np.exp(-out))
    if transform != "none":
        raise ValueError(f"unknown transform {transform!r}; expected none, log or logit")
    return out


def indicator_unit(unit: str, *, transform: str = "none", family: str = "normal", scale="natural"):
    """Label of an indicator's unit on ``scale``: ``"share of votes"``, ``"log(index)"``..."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    unit = unit or "no unit"
    if scale == "natural":
        return f"share of {unit}" if family == "binomial" else unit
    return f"{transform}({unit})" if transform != "none" else unit


def _indicator_draws(pred: az.InferenceData, key: str, scale: str) -> tuple[xr.DataArray, str]:
    """Forecast draws of indicator ``key`` on ``scale`` and the unit label."""
    da = pred.predictions[key].astype(float)
    meta = pred.observed_data[key].attrs if key in pred.observed_data else {}
    family = str(meta.get("family", "normal"))
    transform = str(meta.get("transform", "none"))
    unit = indicator_unit(
        str(meta.get("unit", "")), transform=transform, family=family, scale=scale
    )
    if scale == "model":
        return da, unit
    trials = None
    if family == "binomial":
        trials = pred.predictions_constant_data["trials"].sel({INDICATOR: key})
    return natural_values(da, transform=transform, family=family, trials=trials), unit


# ------------------------------------------------------------------------- probabilities
def probability_mc(event) -> dict:
    """A probability estimated from posterior draws with its Monte Carlo standard error.

    Parameters
    ----------
    event
        Booleans (chain, draw): whether each draw satisfies the event.

    Returns
    -------
    dict
        ``estimate`` (the share of draws), ``mc_se`` = sqrt(p (1 - p) / ESS) with the ESS of
        the indicator draws (ArviZ's bulk ESS; chains x draws when every draw agrees, where
        the ESS is undefined), ``ess``, ``draws`` and ``probability``: the estimate rounded
        to the decimals the error supports (:func:`mc_decimals`).
    """
    x = np.asarray(event, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    n = int(x.size)
    p = float(x.mean())
    ess = float(az.ess(x)) if 0.0 < p < 1.0 else float(n)
    if not np.isfinite(ess) or ess <= 0:
        ess = float(n)
    se = math.sqrt(p * (1.0 - p) / ess)
    digits = mc_decimals(se, n)
    return {
        "probability": round(p, digits),
        "mc_se": se,
        "ess": ess,
        "draws": n,
        "estimate": p,
        "decimals": digits,
    }


def mc_decimals(se: float, draws: int) -> int:
    """Decimals of a probability that its Monte Carlo error supports: the last digit shown is
    at least twice the standard error (``floor(-log10(2 se))``; 1 to 4 decimals). When every
    draw agrees (``se = 0``) the resolution of ``draws`` draws, ``1 / draws``, is used."""
    step = 2.0 * se if se > 0 else 1.0 / max(draws, 1)
    return int(min(4, max(1, math.floor(-math.log10(step)))))


def _headline_events(
    pred: az.InferenceData,
    *,
    year: int | None = None,
    reference_year: int = 2024,
    baseline: tuple[int, int] | None = None,
    peak_year: int = 2022,
    window: tuple[int, int] | None = None,
) -> dict[str, xr.DataArray]:
    t = latent_history(pred)["tension"]
    years = t[YEAR].values
    year = int(years.max()) if year is None else int(year)
    baseline = (int(years.min()), reference_year) if baseline is None else baseline
    window = (reference_year + 2, year) if window is None else window
    for y in (year, reference_year, peak_year, *baseline, *window):
        if y not in years:
            raise ValueError(
                f"year {y} is outside the forecast's years {years.min()}-{years.max()}"
            )
    t_y = t.sel({YEAR: year})
    base = t.sel({YEAR: slice(*baseline)}).mean(YEAR)
    peak = t.sel({YEAR: peak_year})
    win_max = t.sel({YEAR: slice(*window)}).max(YEAR)
    return {
        f"P(tension {year} > tension {reference_year})": t_y > t.sel({YEAR: reference_year}),
        f"P(tension {year} > mean {baseline[0]}-{baseline[1]})": t_y > base,
        f"P(any year {window[0]}-{window[1]} > {peak_year} level)": win_max > peak,
    }


def headline_probabilities(pred: az.InferenceData, **kwargs) -> pd.Series:
    """The forecast's headline probabilities about latent tension (unrounded shares of draws;
    :func:`headline_table` adds their Monte Carlo error and rounds them).

    Parameters
    ----------
    pred
        A forecast (:func:`causal_model.analysis.forecast.forecast`).
    **kwargs
        ``year`` (horizon, default the forecast's last year), ``reference_year`` (2024:
        ``P(tension[year] > tension[reference_year])``), ``baseline`` (years of the mean in
        ``P(tension[year] > mean)``, default first panel year to ``reference_year``),
        ``peak_year`` (2022) and ``window`` (default ``(reference_year + 2, year)``) of
        ``P(any year of window exceeds tension[peak_year])``.

    Returns
    -------
    pandas.Series
        The three probabilities, labelled with their years.
    """
    events = _headline_events(pred, **kwargs)
    return pd.Series({k: float(v.mean()) for k, v in events.items()}, name="probability")


def headline_table(pred: az.InferenceData, **kwargs) -> pd.DataFrame:
    """The headline probabilities rounded to their Monte Carlo error, with that error.

    Parameters
    ----------
    pred
        A forecast.
    **kwargs
        As :func:`headline_probabilities`.

    Returns
    -------
    pandas.DataFrame
        Index ``quantity``; columns ``probability`` (rounded), ``mc_se`` (Monte Carlo
        standard error, see :func:`probability_mc`), ``ess`` and ``draws``.
    """
    events = _headline_events(pred, **kwargs)
    rows = {k: probability_mc(v.transpose("chain", "draw").values) for k, v in events.items()}
    table = pd.DataFrame(rows).T[["probability", "mc_se", "ess", "draws"]]
    table = table.astype({"probability": float, "mc_se": float, "ess": float, "draws": int})
    table["mc_se"] = table["mc_se"].round(4)
    table["ess"] = table["ess"].round(0)
    return table.rename_axis("quantity")


def format_probability(row) -> str:
    """``"0.73 ± 0.02"``: a row of :func:`headline_table` as text."""
    se = float(row["mc_se"])
    d = mc_decimals(se, int(row["draws"]))
    text = f"{row['probability']:.{d}f}"
    return f"{text} ± {se:.{d + 1}f}" if se > 0 else text


# ------------------------------------------------------------------------------- tables
def forecast_summary(
    pred: az.InferenceData, *, history: bool = False, scale: str = "natural"
) -> pd.DataFrame:
    """Per year and quantity: posterior mean, sd and the 50% / 90% intervals, with units.

    Parameters
    ----------
    pred
        A forecast (:func:`causal_model.analysis.forecast.forecast`).
    history
        Also list the fitted years before the forecast (latent quantities only).
    scale
        ``"natural"`` (default): indicators in their own units (log and logit undone,
        binomial counts as shares of their trials); ``"model"``: the panel's ``value``
        scale (after the registry's transform; counts of successes).

    Returns
    -------
    pandas.DataFrame
        Long table with columns ``quantity``, ``year``, ``kind`` (``latent``, ``indicator``,
        or ``cooperation`` for the indicators of an issue area's cooperation, claim 4),
        ``unit``, ``scale``, ``mean``, ``sd``, ``q05``, ``q25``, ``q50``, ``q75``, ``q95`` and
        ``nowcast``; ``.attrs["headline"]`` holds :func:`headline_probabilities` (unrounded),
        ``.attrs["headline_table"]`` :func:`headline_table` and ``.attrs["scenario"]`` the
        scenario name.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    p = pred.predictions
    latents = latent_history(pred) if history else p
    items: list[tuple[str, str, xr.DataArray, str, str]] = [
        (name, "latent", latents[name], LATENT_UNITS[name], "latent")
        for name in ("tension", "elite", "residual", "trend")
        if name in latents
    ]
    items += [
        (
            f"driver:{d}",
            "latent",
            latents["drivers"].sel({DRIVER: d}),
            LATENT_UNITS["driver"],
            "latent",
        )
        for d in latents[DRIVER].values
    ]
    skip = {"drivers", "tension", "elite", "residual", "trend"}
    for v in p.data_vars:
        if YEAR in p[v].dims and v not in skip:
            da, unit = _indicator_draws(pred, str(v), scale)
            meta = pred.observed_data[v].attrs if v in pred.observed_data else {}
            kind = COOPERATION if meta.get("latent") == COOPERATION else "indicator"
            items.append((str(v), kind, da, unit, scale))
    nowcast = pred.predictions_constant_data["nowcast"].to_series()
    rows = []
    for name, kind, da, unit, sc in items:
        df = _describe(da.astype(float))
        df.insert(0, "scale", sc)
        df.insert(0, "unit", unit)
        df.insert(0, "kind", kind)
        df.insert(0, "quantity", name)
        rows.append(df.reset_index())
    out = pd.concat(rows, ignore_index=True)
    out["nowcast"] = out[YEAR].map(nowcast).fillna(False).astype(bool)
    out.loc[out[YEAR] < int(p[YEAR].min()), "nowcast"] = False
    out.attrs["headline"] = headline_probabilities(pred).to_dict()
    out.attrs["headline_table"] = headline_table(pred)
    out.attrs["scenario"] = pred.attrs.get("scenario", "")
    return out


def effect_summary(effect: xr.Dataset) -> pd.DataFrame:
    """Per year: the effect of an intervention or counterfactual (mean, sd, intervals) and
    ``P(effect < 0)``, the posterior probability that the change lowers tension."""
    df = _describe(effect["effect"])
    df["p_lower"] = (effect["effect"] < 0).mean(("chain", "draw")).values
    df["factual_mean"] = effect["tension_factual"].mean(("chain", "draw")).values
    df["alternative_mean"] = effect["tension_alternative"].mean(("chain", "draw")).values
    df.attrs["question"] = effect.attrs.get("question", "")
    return df


def compare_scenarios(preds: dict[str, az.InferenceData], *, mc_error: bool = True) -> pd.DataFrame:
    """Headline probabilities and the last year's tension of several scenarios side by side
    (one column per scenario).

    With ``mc_error`` (default) each probability is rounded to its Monte Carlo error and
    followed by a row ``MC se of <probability>``; tension (in tension units) is rounded to 2
    decimals. ``mc_error=False`` gives the unrounded shares of draws.
    """
    cols = {}
    for name, pred in preds.items():
        t = pred.predictions["tension"].isel({YEAR: -1})
        last = int(pred.predictions[YEAR].max())
        extra = {
            f"tension {last} mean": float(t.mean()),
            f"tension {last} q05": float(t.quantile(0.05)),
            f"tension {last} q95": float(t.quantile(0.95)),
        }
        if mc_error:
            h = headline_table(pred)
            probs = {}
            for q, row in h.iterrows():
                probs[q] = float(row["probability"])
                probs[f"MC se of {q}"] = float(row["mc_se"])
            extra = {k: round(v, 2) for k, v in extra.items()}
            cols[name] = pd.Series({**probs, **extra})
        else:
            cols[name] = pd.concat([headline_probabilities(pred), pd.Series(extra)])
    return pd.DataFrame(cols)


__all__ = [
    "LATENT_UNITS",
    "QUANTILES",
    "SCALES",
    "compare_scenarios",
    "effect_summary",
    "forecast_summary",
    "format_probability",
    "headline_probabilities",
    "headline_table",
    "indicator_unit",
    "mc_decimals",
    "natural_values",
    "probability_mc",
]
