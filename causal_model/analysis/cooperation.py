"""Claim 4, cooperation that persists in a few areas despite the tension, measured by area.

Each cooperation indicator (registry ``latent = "cooperation"``: UN General Assembly
agreement by disjoint issue area, the ICEWS material-cooperation share) loads on tension with
its own loading ``coop_loading`` of free sign: negative, the area's cooperation falls when
tension rises; near 0, the area is insulated from it. This module turns a fit and its
forecast into the quantities of the scorecard's claim-4 rows
(:func:`causal_model.analysis.scorecard.hypotheses`): each area's loading, the probability
that arms control is closer to 0 than the areas of value and regional conflict, each area in
the forecast's last year, and the share of joint "no" votes among the recent agreements
(:func:`joint_no_shares`, read from the raw roll calls).
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from causal_model.analysis.paths import TRIALS_WINDOW
from causal_model.analysis.summaries import natural_values
from causal_model.data import DataNotFoundError, RawDataError, resolve_raw_dir
from causal_model.data.readers import get_reader
from causal_model.data.sources_cooperation_readers import JOINT_NO_READERS
from causal_model.dims import COOP_INDICATOR, COOPERATION, INDICATOR, YEAR

__all__ = [
    "ARMS_CONTROL",
    "CLAIM",
    "COMPARED",
    "INSULATED",
    "NOT_MEASURED",
    "area_forecast",
    "cooperation_areas",
    "cooperation_rows",
    "joint_no_shares",
]

CLAIM = "4. cooperation persists in a few areas"
#: The area of the claimed persisting cooperation and the areas it is compared with.
ARMS_CONTROL = "unga_agree_arms_control"
COMPARED = ("unga_agree_human_rights", "unga_agree_middle_east")
#: The variant in which every area is insulated from tension (loadings 0): the LOO evidence of
#: claim 4 is the reference (each area its own loading) against it.
INSULATED = "insulated_cooperation"
#: What claim 4 would need and the data do not have.
NOT_MEASURED = (
    "no indicator of counter-terrorism, cyber or other practical cooperation outside the UN "
    "votes and ICEWS events; UN resolutions adopted by consensus without a recorded vote are "
    "not in the roll-call data (only recorded votes are); the roll calls end in 2019"
)


def cooperation_areas(data: xr.Dataset | az.InferenceData) -> list[str]:
    """Keys of the cooperation indicators of a panel or a forecast, in their order.

    Parameters
    ----------
    data
        A panel (``latent`` coordinate) or a forecast (``observed_data`` attributes).

    Returns
    -------
    list of str
    """
    if isinstance(data, az.InferenceData):
        obs = data.observed_data
        return [str(k) for k in obs.data_vars if obs[k].attrs.get("latent") == COOPERATION]
    latent = data["latent"].values.astype(str)
    return [
        str(k) for k, la in zip(data[INDICATOR].values, latent, strict=True) if la == COOPERATION
    ]


def area_forecast(pred: az.InferenceData, key: str, year: int | None = None) -> xr.DataArray:
    """Draws ``(chain, draw)`` of a cooperation indicator in ``year`` on its natural scale.

    UN agreement is the share of the joint votes (the forecast's trials of that year: the
    median of the last :data:`~causal_model.analysis.paths.TRIALS_WINDOW` observed years);
    a logit-transformed share is turned back into a share. ``year`` defaults to the
    forecast's last year.
    """
    fc = pred.predictions
    year = int(fc[YEAR].max()) if year is None else int(year)
    meta = pred.observed_data[key].attrs
    family = str(meta.get("family", "normal"))
    trials = None
    if family == "binomial":
        trials = pred.predictions_constant_data["trials"].sel({INDICATOR: key, YEAR: year})
    values = fc[key].sel({YEAR: year}).astype(float)
    out = natural_values(
        values, transform=str(meta.get("transform", "none")), family=family, trials=trials
    )
    return out.transpose("chain", "draw")


def joint_no_shares(panel: xr.Dataset, *, raw_dir=None, years: int = TRIALS_WINDOW):
    """Share of joint "no" votes among the US–Russia agreements of each UN cooperation area
    over its last ``years`` observed years (read from the raw roll calls).

    Parameters
    ----------
    panel
        The panel (its ``reader`` coordinate names each indicator's reader).
    raw_dir
        Raw-data folder; default the panel's ``raw_dir`` attribute, else the usual search.
    years
        How many of the area's last observed years are pooled (default the window of the
        forecast's assumed trials).

    Returns
    -------
    pandas.DataFrame
        Indexed by indicator key: ``joint_no``, ``agreements`` (0 when the area had no
        agreement then), ``share`` (NaN without an agreement), ``first``, ``last``. Empty,
        with ``attrs["problem"]`` saying why, when the raw files cannot be read; areas
        without a joint-no reader (not UN votes) are left out.
    """
    out = pd.DataFrame(columns=["joint_no", "agreements", "share", "first", "last"], dtype=float)
    keys = cooperation_areas(panel) if "reader" in panel.coords else []
    readers = {k: str(panel["reader"].sel({INDICATOR: k}).item()) for k in keys}
    readers = {k: JOINT_NO_READERS[r] for k, r in readers.items() if r in JOINT_NO_READERS}
    try:
        raw = resolve_raw_dir(raw_dir or panel.attrs.get("raw_dir"))
        frames = {k: get_reader(r)(raw) for k, r in readers.items()}
    except (DataNotFoundError, RawDataError, OSError) as exc:
        out.attrs["problem"] = f"raw roll calls not read ({str(exc).splitlines()[0]})"
        return out
    for key, frame in frames.items():
        trials = panel["trials"].sel({INDICATOR: key}).to_series().dropna()
        recent = trials.index[-years:]
        if recent.empty:
            continue
        counts = frame.reindex(recent).fillna(0.0)  # no agreement in a year: no row there
        no, agree = float(counts["value"].sum()), float(counts["trials"].sum())
        share = no / agree if agree > 0 else np.nan
        out.loc[key] = [no, agree, share, recent.min(), recent.max()]
    return out


def _joint_no_text(joint_no: pd.DataFrame | None, key: str) -> str:
    if joint_no is None:
        return "joint-'no' share not computed (pass joint_no=joint_no_shares(model.panel))"
    if key not in joint_no.index:
        return joint_no.attrs.get("problem", "no joint-'no' share for this area")
    r = joint_no.loc[key]
    period = f"{int(r['first'])}-{int(r['last'])}"
    if r["agreements"] == 0:
        return f"no agreement {period}, so no joint-'no' share"
    return (
        f"joint 'no' votes are {r['share']:.2f} of the agreements {period} "
        f"({int(r['joint_no'])} of {int(r['agreements'])})"
    )


def _spec(
    quantity, draws, prob=None, *, evidence="reference posterior", note="", status=None, chains=1
) -> dict:
    out = {"claim": CLAIM, "quantity": quantity, "draws": draws, "prob": prob}
    out.update(evidence=evidence, note=note, chains=chains)
    if status is not None:
        out["status"] = status
    return out


def _loading_specs(post: xr.Dataset, chains: int) -> list[dict]:
    loading = post["coop_loading"].transpose("chain", "draw", COOP_INDICATOR)
    keys = [str(k) for k in loading[COOP_INDICATOR].values]
    specs = [
        _spec(
            f"loading on tension: {key}",
            loading.sel({COOP_INDICATOR: key}).values,
            note="link scale per tension unit; < 0: the area's cooperation falls when tension "
            "rises, near 0: insulated; P(< 0) = "
            f"{float((loading.sel({COOP_INDICATOR: key}) < 0).mean()):.2f}",
            chains=chains,
        )
        for key in keys
    ]
    compared = [k for k in COMPARED if k in keys]
    if ARMS_CONTROL in keys and compared:
        size = np.abs(loading.values)
        arms = size[..., keys.index(ARMS_CONTROL)]
        others = np.stack([size[..., keys.index(k)] for k in compared], axis=-1)
        gap = arms - others.min(axis=-1)
        each = ", ".join(
            f"vs {k.removeprefix('unga_agree_')} alone {float((arms < o).mean()):.2f}"
            for k, o in zip(compared, np.moveaxis(others, -1, 0), strict=True)
        )
        prior = 1.0 / (len(compared) + 1)
        specs.append(
            _spec(
                "|arms-control loading| minus the smallest compared one",
                gap,
                gap < 0,
                evidence=f"reference vs {INSULATED}",
                note=f"claim: arms control closer to 0 than {' and '.join(compared)}; prior "
                f"probability {prior:.2f} (areas exchangeable a priori); {each}. ELPD: the "
                "areas with their own loadings minus every area insulated from tension; > 0: "
                "agreement does follow tension in some areas, so an insulated area is a "
                "contrast, not the rule",
                chains=chains,
            )
        )
    return specs


def cooperation_rows(
    idata: az.InferenceData,
    forecast: az.InferenceData | None = None,
    *,
    joint_no: pd.DataFrame | None = None,
) -> list[dict]:
    """The claim-4 rows of the scorecard as keyword arguments of its row builder.

    Parameters
    ----------
    idata
        Fit of the reference model.
    forecast
        Its forecast: each area in the forecast's last year.
    joint_no
        :func:`joint_no_shares` of the panel, shown beside each UN area's forecast.

    Returns
    -------
    list of dict
        Keys ``claim``, ``quantity``, ``draws``, ``prob``, ``evidence``, ``note``, ``chains``
        and, where something was not computed, ``status``.
    """
    post = idata.posterior
    chains = int(post.sizes["chain"])
    keys = [str(k) for k in post[COOP_INDICATOR].values] if COOP_INDICATOR in post.coords else []
    if forecast is not None:
        keys = cooperation_areas(forecast) or keys
    if not keys and "coop_loading" not in post:
        return [
            _spec(
                "issue-specific cooperation (no indicator in the panel)",
                [],
                evidence="none",
                status="not measured: the panel has no cooperation indicator (registry "
                "latent = 'cooperation')",
                note=NOT_MEASURED,
            )
        ]
    if "coop_loading" in post:
        specs = _loading_specs(post, chains)
    else:
        specs = [
            _spec(
                "loadings of the cooperation areas on tension",
                [],
                status="not estimated: the variant fixes them at 0 (cooperation='insulated')",
                note=NOT_MEASURED,
            )
        ]
    for key in keys:
        if forecast is None:
            continue
        draws = area_forecast(forecast, key)
        year = int(forecast.predictions[YEAR].max())
        binomial = forecast.observed_data[key].attrs.get("family") == "binomial"
        what = "agreement" if binomial else "share"
        note = "share of the joint votes"
        if binomial:
            trials = forecast.predictions_constant_data["trials"].sel({INDICATOR: key, YEAR: year})
            note += (
                f" ({int(trials)} assumed: median of the last {TRIALS_WINDOW} observed years); "
                + _joint_no_text(joint_no, key)
            )
        else:
            note = "share of the events (logit undone)"
        specs.append(
            _spec(
                f"{what} {year}: {key}",
                draws.values,
                evidence=f"forecast, scenario {forecast.attrs.get('scenario', '')}",
                note=note,
                chains=chains,
            )
        )
    if forecast is None:
        specs.append(
            _spec(
                "each area's agreement in the last forecast year",
                [],
                evidence="forecast",
                status="not run: needs a forecast (causal-model run)",
            )
        )
    specs.append(
        _spec(
            "counter-terrorism, cyber, consensus adoptions",
            [],
            evidence="none",
            status="not measured: " + NOT_MEASURED,
        )
    )
    return specs
