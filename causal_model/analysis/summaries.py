"""Tables of forecasts and effects: posterior means, intervals and headline probabilities."""

from __future__ import annotations

import arviz as az
import pandas as pd
import xarray as xr

from causal_model.analysis.decomposition import latent_history
from causal_model.dims import DRIVER, YEAR

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


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


def headline_probabilities(
    pred: az.InferenceData,
    *,
    year: int | None = None,
    reference_year: int = 2024,
    baseline: tuple[int, int] | None = None,
    peak_year: int = 2022,
    window: tuple[int, int] | None = None,
) -> pd.Series:
    """The forecast's headline probabilities about latent tension.

    Parameters
    ----------
    pred
        A forecast (:func:`causal_model.forecast.forecast`).
    year
        Horizon year (default the forecast's last year, e.g. 2030).
    reference_year
        ``P(tension[year] > tension[reference_year])``.
    baseline
        Years of the historical mean in ``P(tension[year] > mean)``; default first panel year
        to ``reference_year``.
    peak_year, window
        ``P(any year of window exceeds tension[peak_year])``; window default
        ``(reference_year + 2, year)``.

    Returns
    -------
    pandas.Series
        The three probabilities, labelled with their years.
    """
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
    return pd.Series(
        {
            f"P(tension {year} > tension {reference_year})": float(
                (t_y > t.sel({YEAR: reference_year})).mean()
            ),
            f"P(tension {year} > mean {baseline[0]}-{baseline[1]})": float((t_y > base).mean()),
            f"P(any year {window[0]}-{window[1]} > {peak_year} level)": float(
                (win_max > peak).mean()
            ),
        },
        name="probability",
    )


def forecast_summary(pred: az.InferenceData, *, history: bool = False) -> pd.DataFrame:
    """Per year and quantity: posterior mean, sd and the 50% / 90% intervals.

    Parameters
    ----------
    pred
        A forecast (:func:`causal_model.forecast.forecast`).
    history
        Also list the fitted years before the forecast (latent quantities only).

    Returns
    -------
    pandas.DataFrame
        Long table with columns ``quantity``, ``year``, ``kind`` (latent or indicator),
        ``mean``, ``sd``, ``q05``, ``q25``, ``q50``, ``q75``, ``q95`` and ``nowcast``;
        ``.attrs["headline"]`` holds :func:`headline_probabilities` and
        ``.attrs["scenario"]`` the scenario name. Indicators are on their ``value`` scale.
    """
    p = pred.predictions
    latents = latent_history(pred) if history else p
    rows = []
    items: list[tuple[str, str, xr.DataArray]] = [
        ("tension", "latent", latents["tension"]),
        ("elite", "latent", latents["elite"]),
        ("residual", "latent", latents["residual"]),
    ]
    items += [
        (f"driver:{d}", "latent", latents["drivers"].sel({DRIVER: d}))
        for d in latents[DRIVER].values
    ]
    items += [(str(v), "indicator", p[v]) for v in p.data_vars if YEAR in p[v].dims]
    items = [it for it in items if it[0] not in ("drivers",)]
    seen = set()
    nowcast = pred.predictions_constant_data["nowcast"].to_series()
    for name, kind, da in items:
        if name in seen or name in ("tension", "elite", "residual") and kind == "indicator":
            continue
        seen.add(name)
        df = _describe(da.astype(float))
        df.insert(0, "kind", kind)
        df.insert(0, "quantity", name)
        rows.append(df.reset_index())
    out = pd.concat(rows, ignore_index=True)
    out["nowcast"] = out[YEAR].map(nowcast).fillna(False).astype(bool)
    out.loc[out[YEAR] < int(p[YEAR].min()), "nowcast"] = False
    out.attrs["headline"] = headline_probabilities(pred).to_dict()
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


def compare_scenarios(preds: dict[str, az.InferenceData]) -> pd.DataFrame:
    """Headline probabilities and the 2030 (last year) tension of several scenarios side by
    side (one column per scenario)."""
    cols = {}
    for name, pred in preds.items():
        h = headline_probabilities(pred)
        t = pred.predictions["tension"].isel({YEAR: -1})
        last = int(pred.predictions[YEAR].max())
        extra = {
            f"tension {last} mean": float(t.mean()),
            f"tension {last} q05": float(t.quantile(0.05)),
            f"tension {last} q95": float(t.quantile(0.95)),
        }
        cols[name] = pd.concat([h, pd.Series(extra)])
    return pd.DataFrame(cols)


__all__ = [
    "QUANTILES",
    "compare_scenarios",
    "effect_summary",
    "forecast_summary",
    "headline_probabilities",
]
