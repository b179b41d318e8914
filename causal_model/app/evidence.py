"""Fits of the main job and the studies: the run's model, a set of variants, their comparison.

:func:`fit_model` fits one variant with a run's settings; :func:`fit_variants` fits several
(reusing fits already made); :func:`compare_fits` compares them by PSIS-LOO and writes
``compare.csv`` and ``elpd.png``. ``causal-model run --claims`` fits :data:`CLAIM_VARIANTS`,
the variants each of the study's claims is tested against
(:data:`causal_model.analysis.scorecard.EVIDENCE_VARIANTS`).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from causal_model.analysis.comparison import compare_variants, marginal_year_log_likelihood
from causal_model.analysis.forecast import forecast
from causal_model.analysis.scorecard import EVIDENCE_VARIANTS
from causal_model.app.console import Log
from causal_model.app.settings import QUICK, RunSettings
from causal_model.atomic import atomic_write
from causal_model.data import load_us_russia
from causal_model.inference import TensionModel
from causal_model.plotting import plot_elpd

#: The variant whose forecast shows claim 5 under other dynamics (release 0.1's stationary
#: ones: how much of the claim comes from the dynamics assumed).
ALTERNATIVE_DYNAMICS = "stationary"
#: How the scorecard names the alternative dynamics' claim-5 row.
ALTERNATIVE_LABEL = f"the {ALTERNATIVE_DYNAMICS} dynamics of release 0.1"
#: The reference model, every variant that removes one of the study's claims, and the
#: alternative dynamics.
CLAIM_VARIANTS = tuple(
    dict.fromkeys(["reference", *EVIDENCE_VARIANTS.values(), ALTERNATIVE_DYNAMICS])
)
#: Files written by :func:`compare_fits`.
COMPARISON_FILES = ("compare.csv", "elpd.png")


def make_model(s: RunSettings, panel, variant: str | None = None) -> TensionModel:
    """The model of ``variant`` (default ``s.variant``) on ``panel`` with the run's priors."""
    return TensionModel(panel, priors=s.priors, variant=variant or s.variant)


def fit_model(
    s: RunSettings,
    *,
    variant: str | None = None,
    quick: bool = False,
    progressbar: bool = False,
    log: Log = print,
    panel=None,
    model: TensionModel | None = None,
):
    """Fit ``model`` (default: ``variant``, else ``s.variant``, on the real panel) with the run's
    settings (:data:`~causal_model.app.settings.QUICK` draws and tuning if ``quick``).

    Returns
    -------
    (TensionModel, arviz.InferenceData)
    """
    draws, tune = (QUICK["draws"], QUICK["tune"]) if quick else (s.draws, s.tune)
    if model is None:
        panel = load_us_russia(s.raw_dir) if panel is None else panel
        model = make_model(s, panel, variant)
    sizes = model.panel.sizes
    log(
        f"fitting {model.variant.name} ({model.priors.source}) on {sizes['year']} years x "
        f"{sizes['indicator']} indicators"
    )
    idata = model.fit(
        draws=draws,
        tune=tune,
        chains=s.chains,
        sampler=s.sampler,
        random_seed=s.seed,
        progressbar=progressbar,
        status=log,
    )
    return model, idata


def fit_variants(
    s: RunSettings, *, quick: bool, log: Log = print, panel=None, known=None, progressbar=False
) -> dict:
    """Fit every variant of ``s.variants`` on the real panel: {name: (model, idata)}.

    ``known`` maps variant names to already fitted (model, idata) pairs that are reused.
    """
    panel = load_us_russia(s.raw_dir) if panel is None else panel
    out = dict(known or {})
    for v in s.variants:
        if v not in out:
            out[v] = fit_model(
                s, variant=v, quick=quick, log=log, panel=panel, progressbar=progressbar
            )
        m, fit = out[v]
        if not v.startswith("drop_") and "year_marginal" not in fit.log_likelihood:
            marginal_year_log_likelihood(m, fit)
    return out


def compare_fits(fits: dict, out_dir) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Compare ``fits`` ({name: (model, idata)}) and write :data:`COMPARISON_FILES`.

    Returns
    -------
    (pandas.DataFrame, list of pandas.DataFrame)
        The table written (the main comparison plus the ``drop_*`` rows of the conditional
        one; column ``loo_kind`` says which comparison each row's ELPD comes from) and the
        comparisons themselves (for :func:`causal_model.analysis.scorecard.hypotheses`).
    """
    out = Path(out_dir)
    tables = compare_variants({k: f for k, (m, f) in fits.items()})
    main = tables[0]
    parts = [main.assign(loo_kind=main.attrs.get("kind", ""))]
    if len(tables) > 1:
        drops = [k for k in fits if k.startswith("drop_")]
        parts.append(tables[1].loc[drops].assign(loo_kind="conditional"))
    table = pd.concat(parts)
    table.attrs = dict(main.attrs)
    atomic_write(out / "compare.csv", lambda tmp: table.to_csv(tmp))
    fig = plot_elpd(main).figure
    atomic_write(out / "elpd.png", lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)
    return table, tables


def alternative_evidence(fits: dict, *, reference: str, **forecast_kwargs) -> dict:
    """The scorecard's claim 5 under :data:`ALTERNATIVE_DYNAMICS`: its forecast and label
    (``forecast_alternative``, ``alternative_label`` of
    :func:`~causal_model.analysis.scorecard.hypotheses`), or ``{}`` when it was not fitted
    or when it is the scorecard's own fit (``reference``, the name of the variant whose
    scorecard it is: claim 5 would be shown twice for one fit).

    ``forecast_kwargs`` go to :func:`~causal_model.analysis.forecast.forecast`.
    """
    if ALTERNATIVE_DYNAMICS not in fits or reference == ALTERNATIVE_DYNAMICS:
        return {}
    model, idata = fits[ALTERNATIVE_DYNAMICS]
    return {
        "forecast_alternative": forecast(model, idata, **forecast_kwargs),
        "alternative_label": ALTERNATIVE_LABEL,
    }


__all__ = [
    "ALTERNATIVE_DYNAMICS",
    "ALTERNATIVE_LABEL",
    "CLAIM_VARIANTS",
    "alternative_evidence",
    "COMPARISON_FILES",
    "compare_fits",
    "fit_model",
    "fit_variants",
    "make_model",
]
