"""Convergence diagnostics after every fit: a table, and a warning naming what fails."""

from __future__ import annotations

import warnings

import arviz as az
import numpy as np
import pandas as pd

#: Thresholds of a trustworthy posterior.
RHAT_MAX = 1.01
ESS_MIN = 400

#: Posterior variables that are latent paths or technical, not parameters.
LATENT_VARS = (
    "states",
    "state_innovation",
    "t_weight",
    "t_weight_z",  # the Student-t weights, sampled standardised (latent, like states)
    "shock_weight",
    "shock_weight_z",  # the Student-t shocks' yearly weights
    "own_deviation",
    "elite",
    "tension",
    "drivers",
    "residual",
    "trend",  # the tension level's drift term (variants with drift=True)
)
TECHNICAL_PREFIXES = ("rho_z", "beta_z", "elite_z")


class ConvergenceWarning(UserWarning):
    """The posterior failed a convergence check."""


def parameter_names(idata) -> list[str]:
    """Non-latent parameters of a fit: every posterior variable except latent paths and
    technical variables (non-centred ``*_z``, the sampled ``<name>_raw`` of a folded scale,
    whose sign is arbitrary: ``<name>`` itself is checked)."""
    post = idata.posterior.data_vars
    return [
        v
        for v in post
        if v not in LATENT_VARS
        and not v.endswith("__")
        and not v.startswith(TECHNICAL_PREFIXES)
        and not (v.endswith("_raw") and v[: -len("_raw")] in post)
    ]


def diagnostics_table(idata, var_names: list[str] | None = None) -> pd.DataFrame:
    """Per-parameter R-hat, bulk and tail ESS, with a ``pass`` column.

    Parameters
    ----------
    idata
        InferenceData with a posterior (and sample_stats).
    var_names
        Variables to check; default: :func:`parameter_names`.
    """
    var_names = var_names or parameter_names(idata)
    with np.errstate(invalid="ignore", divide="ignore"):  # constant entries: 0 / 0
        summ = az.summary(idata, var_names=var_names, kind="all", round_to="none")
    # entries fixed by construction (e.g. the zero diagonal of the coupling matrix) have no
    # R-hat or ESS; they are not parameters and are left out
    summ = summ[summ["sd"] > 0]
    # rounded as ArviZ's summary rounds by default (R-hat 2 decimals, ESS whole numbers)
    table = summ[["r_hat", "ess_bulk", "ess_tail"]].round(
        {"r_hat": 2, "ess_bulk": 0, "ess_tail": 0}
    )
    table["pass"] = (table["r_hat"] <= RHAT_MAX) & (table["ess_bulk"] >= ESS_MIN)
    return table


def diagnose(idata, var_names: list[str] | None = None, *, warn: bool = True) -> pd.DataFrame:
    """Summarise convergence: max R-hat, min bulk/tail ESS, divergences, BFMI.

    Returns a one-column table (``value``) with a ``threshold`` and ``ok`` column, and warns
    (:class:`ConvergenceWarning`) naming every parameter that fails R-hat <= 1.01 or bulk
    ESS >= 400, and the number of divergences. Never silent.
    """
    table = diagnostics_table(idata, var_names)
    stats = idata.sample_stats
    div = int(stats["diverging"].sum()) if "diverging" in stats else 0
    try:
        bfmi = float(np.min(az.bfmi(idata)))
    except Exception:  # noqa: BLE001 - bfmi needs energy, which some samplers lack
        bfmi = float("nan")
    rows = {
        "max_r_hat": (float(table["r_hat"].max()), f"<= {RHAT_MAX}"),
        "min_ess_bulk": (float(table["ess_bulk"].min()), f">= {ESS_MIN}"),
        "min_ess_tail": (float(table["ess_tail"].min()), f">= {ESS_MIN}"),
        "divergences": (div, "== 0"),
        "min_bfmi": (bfmi, ">= 0.3"),
    }
    out = pd.DataFrame(rows, index=["value", "threshold"]).T
    out["ok"] = [
        rows["max_r_hat"][0] <= RHAT_MAX,
        rows["min_ess_bulk"][0] >= ESS_MIN,
        rows["min_ess_tail"][0] >= ESS_MIN,
        div == 0,
        not (bfmi < 0.3),
    ]
    failing = table.index[~table["pass"]].tolist()
    if warn and (failing or div):
        msg = []
        if failing:
            shown = ", ".join(failing[:12]) + (" ..." if len(failing) > 12 else "")
            msg.append(
                f"{len(failing)} parameter(s) fail R-hat <= {RHAT_MAX} or ESS >= {ESS_MIN}: {shown}"
            )
        if div:
            msg.append(f"{div} divergent transition(s)")
        warnings.warn(
            "; ".join(msg) + ". Draw more (draws=, tune=) or check the model before trusting it.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return out
