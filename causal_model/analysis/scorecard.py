"""The study's claims as a scorecard of posterior quantities and variant comparisons.

One row per testable statement: the quantity, its posterior mean and 90% interval, the
posterior probability that the claim holds, and - where the variant that removes the claim
was fitted - the LOO evidence (ELPD difference of that variant to the reference and its SE;
positive means the reference predicts better).
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd

from causal_model.analysis.decomposition import latent_history
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
}


def _row(claim, quantity, draws, prob, evidence=None, note=""):
    draws = np.asarray(draws, dtype=float).ravel()
    lo, hi = np.quantile(draws, [0.05, 0.95]) if draws.size else (np.nan, np.nan)
    row = {
        "claim": claim,
        "quantity": quantity,
        "mean": float(draws.mean()) if draws.size else np.nan,
        "q05": float(lo),
        "q95": float(hi),
        "p_claim": float(prob) if prob is not None else np.nan,
        "elpd_diff": np.nan,
        "elpd_diff_se": np.nan,
        "evidence": evidence or "",
        "note": note,
    }
    return row


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


def hypotheses(
    idata: az.InferenceData,
    *,
    comparison: pd.DataFrame | list[pd.DataFrame] | None = None,
    forecast: az.InferenceData | None = None,
    reference: str = "reference",
    coupled: az.InferenceData | None = None,
) -> pd.DataFrame:
    """Scorecard of the study's claims.

    Parameters
    ----------
    idata
        Fit of the reference model.
    comparison
        A table from :func:`causal_model.compare` holding ``reference`` and the variants of
        :data:`EVIDENCE_VARIANTS` that were fitted (others are left blank), or several such
        tables: each difference is taken from the first table that holds both fits (e.g. the
        marginal comparison of the variants with the reference's indicators, then the
        conditional one on the shared indicators for the ``drop_<driver>`` variants).
    forecast
        A forecast of the reference model (claim 5: persistence to 2030).
    reference
        Name of the reference fit in ``comparison``.
    coupled
        Fit of the ``coupled`` variant (claim 3: P(mean coupling > 0)).

    Returns
    -------
    pandas.DataFrame
        Columns ``claim``, ``quantity``, ``mean``, ``q05``, ``q95``, ``p_claim``,
        ``elpd_diff`` (reference minus the variant without the claim; > 0 supports the
        claim), ``elpd_diff_se``, ``evidence``, ``note``.
    """
    post = idata.posterior
    rows = []
    for d in post[DRIVER].values:
        beta = post["beta"].sel({DRIVER: d}).values
        rows.append(
            _row(
                "1. drivers keep tension high",
                f"beta[{d}] (effect of {d} on tension, sd/sd)",
                beta,
                (beta > 0).mean(),
                f"reference vs {EVIDENCE_VARIANTS.get(str(d), '')}",
            )
        )
    if "elite_mu" in post:
        mu = post["elite_mu"].sel(event_type=["us", "ru"]).mean("event_type").values
        rows.append(
            _row(
                "2. elite circulation helps",
                "mean effect of a change of leader (US and Russian types, sd)",
                mu,
                (mu < 0).mean(),
                f"reference vs {EVIDENCE_VARIANTS['elite']}",
            )
        )
    shape = get_elite_response(str(idata.attrs.get("elite_response", "exponential")))
    if shape is not None and "elite_mu" in post:
        params = {p: post[p].values.reshape(-1) for p in shape.parameters}
        hl = shape.half_life(params) if params else shape.half_life({"_": np.zeros(1)})
        rows.append(
            _row(
                "2. ... only in the short term",
                f"half-life of the elite effect (years, {shape.description}); claim: < 3",
                np.where(np.isfinite(hl), hl, np.nan) if np.isfinite(hl).any() else [],
                (hl < 3).mean(),
                f"reference (transient) vs {EVIDENCE_VARIANTS['transient']}",
            )
        )
    if coupled is not None and "coupling_matrix" in coupled.posterior:
        cm = coupled.posterior["coupling_matrix"]
        k = cm.sizes[DRIVER]
        off = cm.sum((DRIVER, "driver_to")) / (k * (k - 1))
        rows.append(
            _row(
                "3. action-reaction escalation",
                "mean off-diagonal coupling of the drivers (coupled variant)",
                off.values,
                (off > 0).mean().item(),
                f"{EVIDENCE_VARIANTS['coupled']} vs reference",
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
                note="fit the coupled variant to score this claim",
            )
        )
    rows.append(
        _row(
            "4. cooperation persists in a few areas",
            "not measured: the panel has no indicator of issue-specific cooperation",
            [],
            None,
            note="needs indicators of cooperation (non-proliferation, regional crises, terrorism)",
        )
    )
    if forecast is not None:
        t = latent_history(forecast)["tension"]
        last = int(forecast.predictions[YEAR].max())
        first = int(t[YEAR].min())
        base = t.sel({YEAR: slice(first, 2024)}).mean(YEAR)
        excess = (t.sel({YEAR: last}) - base).values
        rows.append(
            _row(
                "5. tension persists in the medium term",
                f"tension {last} minus its {first}-2024 mean (sd)",
                excess,
                (excess > 0).mean(),
                note=f"scenario {forecast.attrs.get('scenario', '')}",
            )
        )
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
    table.attrs["prior"] = str(idata.attrs.get("priors", ""))
    return table


__all__ = ["EVIDENCE_VARIANTS", "hypotheses"]
