"""The study's claims as a scorecard of posterior quantities and variant comparisons.

One row per testable statement: the quantity, its posterior mean, median and 90% interval,
the posterior probability that the claim holds (with its Monte Carlo error), and - where the
variant that removes the claim was fitted - the LOO evidence (ELPD difference of that variant
to the reference and its SE; positive means the reference predicts better). The ``status``
column says for every row what was computed and, where something was not run, how to run it;
:func:`scorecard_table` and :func:`format_scorecard` show the card without empty cells or
text cut mid-word.
"""

from __future__ import annotations

import textwrap

import arviz as az
import numpy as np
import pandas as pd

from causal_model.analysis.cooperation import INSULATED, cooperation_rows
from causal_model.analysis.decomposition import latent_history
from causal_model.analysis.summaries import mc_decimals, probability_mc
from causal_model.dims import DRIVER, YEAR
from causal_model.specification.elite import get_elite_response

#: Variants that remove each claim, by the row they give evidence for.
EVIDENCE_VARIANTS = {
    "geopolitics": "drop_geopolitics",
    "security": "drop_security",
    "culture": "drop_culture",
    "transient": "permanent_elite",
    "elite": "no_elite",
    "coupled": "coupled",
    "cooperation": INSULATED,
}
#: How to compute every piece of evidence at once.
RUN_CLAIMS = "causal-model run --claims"
#: Longest ``quantity`` text (console tables show it whole).
QUANTITY_WIDTH = 60
COMPUTED = "computed"


def _compare_hint(variant: str) -> str:
    return f"{RUN_CLAIMS}, or causal-model compare --variants reference,{variant}"


def _row(claim, quantity, draws, prob, evidence=None, note="", status=COMPUTED, chains=1):
    """One scorecard row from the draws of its quantity and the events of its claim."""
    draws = np.asarray(draws, dtype=float).ravel()
    lo, hi = np.quantile(draws, [0.05, 0.95]) if draws.size else (np.nan, np.nan)
    p_se = np.nan
    if prob is not None:
        event = np.asarray(prob, dtype=bool)
        if event.ndim and event.size > 1 and event.size % chains == 0:
            event = event.reshape(chains, -1)
        mc = probability_mc(event)
        prob, p_se = mc["estimate"], mc["mc_se"]
    return {
        "claim": claim,
        "quantity": quantity,
        "mean": float(draws.mean()) if draws.size else np.nan,
        "median": float(np.median(draws)) if draws.size else np.nan,
        "q05": float(lo),
        "q95": float(hi),
        "p_claim": float(prob) if prob is not None else np.nan,
        "p_claim_mc_se": float(p_se),
        "elpd_diff": np.nan,
        "elpd_diff_se": np.nan,
        "evidence": evidence or "none",
        "status": status,
        "note": note,
    }


def _loo_diff(comparison, reference: str, other: str):
    """ELPD(reference) - ELPD(other) and its SE from the first comparison table (of one or
    several) that holds both fits: the two ELPDs must come from the same comparison."""
    tables = [] if comparison is None else comparison
    if isinstance(tables, pd.DataFrame):
        tables = [tables]
    for table in tables:
        if reference in table.index and other in table.index:
            return _diff_in(table, reference, other)
    return np.nan, np.nan


def _diff_in(comparison: pd.DataFrame, reference: str, other: str):
    elpd = comparison["elpd_loo"]
    diff = float(elpd[reference] - elpd[other])
    pointwise = comparison.attrs.get("pointwise_elpd", {})
    if reference in pointwise and other in pointwise:
        d = np.asarray(pointwise[reference]) - np.asarray(pointwise[other])
        return diff, float(np.sqrt(d.size * np.var(d, ddof=1)))
    return diff, np.nan


def _persistence_row(forecast: az.InferenceData, label: str | None) -> dict:
    """Claim 5 under one forecast: tension in its last year minus its mean to 2024."""
    t = latent_history(forecast)["tension"]
    last = int(forecast.predictions[YEAR].max())
    first = int(t[YEAR].min())
    base = t.sel({YEAR: slice(first, 2024)}).mean(YEAR)
    excess = (t.sel({YEAR: last}) - base).transpose("chain", "draw").values
    claim = "5. tension persists in the medium term"
    return _row(
        claim if label is None else f"{claim} (under {label})",
        f"tension {last} minus its {first}-2024 mean (tension units)",
        excess,
        excess > 0,
        evidence=f"forecast, scenario {forecast.attrs.get('scenario', '')}",
        chains=excess.shape[0],
    )


def hypotheses(
    idata: az.InferenceData,
    *,
    comparison: pd.DataFrame | list[pd.DataFrame] | None = None,
    forecast: az.InferenceData | None = None,
    reference: str = "reference",
    coupled: az.InferenceData | None = None,
    forecast_alternative: az.InferenceData | None = None,
    alternative_label: str = "alternative dynamics",
    joint_no: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Scorecard of the study's claims.

    Parameters
    ----------
    idata
        Fit of the reference model.
    comparison
        A table from :func:`causal_model.compare` holding ``reference`` and the variants of
        :data:`EVIDENCE_VARIANTS` that were fitted, or several such tables: each difference
        is taken from the first table that holds both fits (e.g. the marginal comparison of
        the variants with the reference's indicators, then the conditional one on the shared
        indicators for the ``drop_<driver>`` variants). Rows whose variant is in none of
        them say "not run" in ``status``, with the command that runs it.
    forecast
        A forecast of the reference model (claim 5: persistence to 2030; claim 4: each
        cooperation area in its last year).
    reference
        Name of the reference fit in ``comparison``.
    coupled
        Fit of the ``coupled`` variant (claim 3: P(mean coupling > 0)).
    forecast_alternative
        A forecast under other dynamics (e.g. a fit of a random-walk variant): claim 5 is
        scored under it too, in a second row ``"5. ... (under <alternative_label>)"``.
    alternative_label
        Name of those dynamics in that row.
    joint_no
        :func:`causal_model.analysis.cooperation.joint_no_shares` of the panel: the share of
        joint "no" votes among each UN area's recent agreements, written beside its forecast.

    Returns
    -------
    pandas.DataFrame
        Columns ``claim``, ``quantity`` (at most :data:`QUANTITY_WIDTH` characters),
        ``mean``, ``median``, ``q05``, ``q95``, ``p_claim``, ``p_claim_mc_se`` (its Monte
        Carlo error), ``elpd_diff`` (reference minus the variant without the claim; > 0
        supports the claim), ``elpd_diff_se``, ``evidence`` (what the row compares),
        ``status`` (``computed``, or what was not run and how to run it) and ``note``.
        Numbers not computed are NaN; :func:`scorecard_table` shows them as words.
    """
    post = idata.posterior
    chains = int(post.sizes["chain"])
    rows = []
    for d in post[DRIVER].values:
        beta = post["beta"].sel({DRIVER: d}).transpose("chain", "draw").values
        rows.append(
            _row(
                "1. drivers keep tension high",
                f"beta[{d}]: effect of {d} on tension (per sd)",
                beta,
                beta > 0,
                f"reference vs {EVIDENCE_VARIANTS.get(str(d), '')}",
                chains=chains,
            )
        )
    if "elite_mu" in post:
        mu = post["elite_mu"].sel(event_type=["us", "ru"]).mean("event_type")
        mu = mu.transpose("chain", "draw").values
        rows.append(
            _row(
                "2. elite circulation helps",
                "mean effect of a new US or Russian leader (tension units)",
                mu,
                mu < 0,
                f"reference vs {EVIDENCE_VARIANTS['elite']}",
                chains=chains,
            )
        )
    shape = get_elite_response(str(idata.attrs.get("elite_response", "exponential")))
    if shape is not None and "elite_mu" in post:
        params = {p: post[p].values.reshape(-1) for p in shape.parameters}
        hl = shape.half_life(params) if params else shape.half_life({"_": np.zeros(1)})
        hl = np.broadcast_to(np.asarray(hl, dtype=float), (chains * post.sizes["draw"],))
        finite = np.isfinite(hl).any()
        rows.append(
            _row(
                "2. ... only in the short term",
                "half-life of the elite effect (years); claim: < 3",
                np.where(np.isfinite(hl), hl, np.nan) if finite else [],
                hl < 3,
                f"reference (transient) vs {EVIDENCE_VARIANTS['transient']}",
                note=f"shape: {shape.description}",
                chains=chains,
            )
        )
    if coupled is not None and "coupling_matrix" in coupled.posterior:
        cm = coupled.posterior["coupling_matrix"]
        k = cm.sizes[DRIVER]
        off = (cm.sum((DRIVER, "driver_to")) / (k * (k - 1))).transpose("chain", "draw").values
        rows.append(
            _row(
                "3. action-reaction escalation",
                "mean off-diagonal coupling of the drivers (coupled variant)",
                off,
                off > 0,
                f"{EVIDENCE_VARIANTS['coupled']} vs reference",
                chains=off.shape[0],
            )
        )
    else:
        rows.append(
            _row(
                "3. action-reaction escalation",
                "coupled (VAR) variant against independent drivers",
                [],
                None,
                f"{EVIDENCE_VARIANTS['coupled']} vs reference",
                status=f"not run: fit the coupled variant ({_compare_hint('coupled')})",
            )
        )
    rows += [_row(**spec) for spec in cooperation_rows(idata, forecast, joint_no=joint_no)]
    if forecast is not None:
        rows.append(_persistence_row(forecast, None))
    else:
        rows.append(
            _row(
                "5. tension persists in the medium term",
                "tension in the last forecast year minus its mean to 2024",
                [],
                None,
                "forecast",
                status="not run: needs a forecast (causal-model run)",
            )
        )
    if forecast_alternative is not None:
        rows.append(_persistence_row(forecast_alternative, alternative_label))
    table = pd.DataFrame(rows)
    for i, row in table.iterrows():
        ev = row["evidence"]
        if " vs " not in ev:
            continue
        a, b = (s.split(" ")[0] for s in ev.split(" vs "))
        a = reference if a == "reference" else a
        b = reference if b == "reference" else b
        diff, se = _loo_diff(comparison, a, b)
        table.loc[i, ["elpd_diff", "elpd_diff_se"]] = diff, se
        if np.isnan(diff) and row["status"] == COMPUTED:
            variant = b if a == reference else a
            table.loc[i, "status"] = (
                f"posterior computed; LOO evidence not run ({_compare_hint(variant)})"
            )
    table.attrs["prior"] = str(idata.attrs.get("priors", ""))
    table.attrs["draws"] = int(chains * post.sizes["draw"])
    return table


def _missing_word(status: str, evidence: str, column: str) -> str:
    if status.startswith("not measured"):
        return "not measured"
    if status.startswith("not run"):
        return "not run"
    if column.startswith("elpd"):
        return "not run" if " vs " in evidence else "n/a"
    return "n/a"


def scorecard_table(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard for people: numbers as text rounded to what they support, and words
    ("not run", "not measured", "n/a") where :func:`hypotheses` has NaN - never an empty
    cell. ``p_claim`` is rounded to its Monte Carlo error (:func:`~causal_model.analysis.
    summaries.mc_decimals`)."""
    out = card.copy().astype(object)
    draws = int(card.attrs.get("draws", 1000))
    for i, row in card.iterrows():
        status, evidence = str(row["status"]), str(row["evidence"])
        for col in ("mean", "median", "q05", "q95", "elpd_diff", "elpd_diff_se"):
            if col not in card:
                continue
            v = row[col]
            out.at[i, col] = _missing_word(status, evidence, col) if pd.isna(v) else f"{v:.2f}"
        p, se = row["p_claim"], row.get("p_claim_mc_se", np.nan)
        if pd.isna(p):
            out.at[i, "p_claim"] = _missing_word(status, evidence, "p_claim")
            out.at[i, "p_claim_mc_se"] = out.at[i, "p_claim"]
        else:
            d = mc_decimals(float(se), draws) if np.isfinite(se) else 2
            out.at[i, "p_claim"] = f"{p:.{d}f}"
            se_text = "0 (every draw agrees)" if se == 0 else f"{se:.{d + 1}f}"
            out.at[i, "p_claim_mc_se"] = se_text if np.isfinite(se) else "n/a"
        for col in ("evidence", "status", "note"):
            if col in card and not str(row[col]).strip():
                out.at[i, col] = "none"
    return out


def format_scorecard(card: pd.DataFrame, *, width: int = 100) -> str:
    """The scorecard as console text: one block per claim, every line wrapped at word
    boundaries to ``width`` characters (nothing is cut)."""
    shown = scorecard_table(card)
    lines = ["the study's claims (posterior mean, median, 90% interval, P(claim holds))"]
    wrap = textwrap.TextWrapper(width=width, subsequent_indent="      ", break_long_words=False)
    for (_, r), (_, raw) in zip(shown.iterrows(), card.iterrows(), strict=True):
        numbers = (
            f"mean {r['mean']}, median {r['median']}, 90% [{r['q05']}, {r['q95']}]; "
            f"P(claim) = {r['p_claim']} "
            + (
                "(every draw agrees)"
                if raw["p_claim_mc_se"] == 0
                else f"(Monte Carlo se {r['p_claim_mc_se']})"
            )
        )
        if pd.isna(raw["mean"]) and pd.isna(raw["p_claim"]):
            numbers = f"no posterior quantity: {r['p_claim']}"
        elpd = f"ELPD difference: {r['elpd_diff']}"
        if pd.notna(raw["elpd_diff"]):
            elpd += f" (SE {r['elpd_diff_se']}; > 0 supports the claim)"
        block = [
            f"  {r['claim']}",
            f"    {r['quantity']}",
            f"    {numbers}",
            f"    evidence: {r['evidence']}; {elpd}",
            f"    status: {r['status']}",
        ]
        lines += [wrap.fill(b) for b in block]
    return "\n".join(lines)


__all__ = [
    "EVIDENCE_VARIANTS",
    "QUANTITY_WIDTH",
    "RUN_CLAIMS",
    "format_scorecard",
    "hypotheses",
    "scorecard_table",
]
