"""Multi-fit jobs behind ``causal-model compare`` and ``report``: fit variants, compare them,
validate forecasts out of sample, and write the tables and figures."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from causal_model.analysis.cooperation import joint_no_shares
from causal_model.analysis.forecast import forecast
from causal_model.analysis.scorecard import hypotheses
from causal_model.app.evidence import (
    COMPARISON_FILES,
    alternative_evidence,
    compare_fits,
    fit_variants,
)
from causal_model.app.settings import QUICK, RunSettings
from causal_model.atomic import atomic_write
from causal_model.data import load_us_russia
from causal_model.inference import TensionModel
from causal_model.plotting import plot_coverage, plot_lfo_skill, plot_pit
from causal_model.validation import TEST_ORIGINS, lfo_cv, lfo_summary

COMPARE_FILES = (*COMPARISON_FILES, "hypotheses_evidence.csv")
LFO_FILES = (
    "lfo.csv",
    "lfo_not_scored.csv",
    "lfo_summary.csv",
    "lfo_skill.png",
    "coverage.png",
    "pit.png",
)
#: Origins of a ``quick`` LFO (smoke test).
QUICK_ORIGINS = (2014, 2018)


def _save_fig(fig, path: Path) -> None:
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)


def run_compare(s: RunSettings, out_dir, *, quick: bool, log=print, known=None) -> dict:
    """Fit the variants, compare them, write :data:`COMPARE_FILES`; returns the pieces
    (``comparison``: the table written, ``tables``: the comparisons, ``fits``, ``scorecard``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if len(s.variants) < 2:
        raise ValueError("compare needs at least two variants, e.g. --variants reference,no_elite")
    fits = fit_variants(s, quick=quick, log=log, known=known)
    table, tables = compare_fits(fits, out)
    ref_name = "reference" if "reference" in fits else next(iter(fits))
    m, f = fits[ref_name]
    card = hypotheses(
        f,
        comparison=tables,
        forecast=forecast(m, f, random_seed=s.seed),
        coupled=fits["coupled"][1] if "coupled" in fits else None,
        **alternative_evidence(fits, reference=ref_name, random_seed=s.seed),
        joint_no=joint_no_shares(m.panel),
    )
    atomic_write(out / "hypotheses_evidence.csv", lambda tmp: card.to_csv(tmp, index=False))
    return {"comparison": table, "tables": tables, "fits": fits, "scorecard": card}


def run_lfo(s: RunSettings, out_dir, *, quick: bool, progress: bool = True) -> pd.DataFrame:
    """Leave-future-out CV of ``s.variant``; writes :data:`LFO_FILES`."""

    out = Path(out_dir)
    model = TensionModel(load_us_russia(s.raw_dir), priors=s.priors, variant=s.variant)
    kw = {"draws": QUICK["draws"], "tune": QUICK["tune"]} if quick else {}
    origins = QUICK_ORIGINS if quick else TEST_ORIGINS
    table = lfo_cv(
        model,
        origins=origins,
        executor=None if quick else "processes",
        random_seed=s.seed,
        progress=progress,
        **kw,
    )
    atomic_write(out / "lfo.csv", lambda tmp: table.to_csv(tmp, index=False))
    # the indicators not yet observed at an origin: no cell of theirs is in lfo.csv
    skipped = pd.DataFrame(
        [(o, k) for o, keys in table.attrs["not_scored"].items() for k in keys],
        columns=["origin", "indicator"],
    )
    atomic_write(out / "lfo_not_scored.csv", lambda tmp: skipped.to_csv(tmp, index=False))
    atomic_write(out / "lfo_summary.csv", lambda tmp: lfo_summary(table).to_csv(tmp))
    _save_fig(plot_lfo_skill(table).figure, out / "lfo_skill.png")
    _save_fig(plot_coverage(table).figure, out / "coverage.png")
    _save_fig(plot_pit(table), out / "pit.png")
    return table


__all__ = ["COMPARE_FILES", "LFO_FILES", "fit_variants", "run_compare", "run_lfo"]
