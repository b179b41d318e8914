"""The run record: what a run really did, for every output a person reads.

:func:`run_record` gathers the settings actually used (a quick run's draws and tuning, not
the defaults), whether the run was a quick smoke test, the date, the package version, the
git commit of the source (where it is a git checkout) and a SHA-256 of the panel's values.
The run config (:func:`causal_model.app.config.write_config`) and the report
(:func:`causal_model.app.report.build_report`) both show it; :func:`stamp_table` flags the
tables of a quick run.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import platform
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from causal_model import __version__
from causal_model.app.settings import QUICK, RunSettings, effective_settings
from causal_model.dims import INDICATOR, YEAR

__all__ = [
    "QUICK_NOTE",
    "git_commit",
    "panel_sha256",
    "quick_from_fit",
    "run_record",
    "stamp_table",
]

#: What a quick run is, in the words every output uses.
QUICK_NOTE = "smoke test, not inference"
#: The panel's variables whose values the hash covers.
HASHED = ("raw", "value", "trials")


def quick_from_fit(idata) -> bool:
    """Whether a fit has the draws of a quick run (:data:`~causal_model.app.settings.QUICK`),
    for outputs made from a saved fit whose run flags are not known."""
    return int(idata.posterior.sizes["draw"]) <= QUICK["draws"]


def panel_sha256(panel) -> str:
    """SHA-256 of a panel's values: its years, indicator keys and the ``raw``, ``value`` and
    ``trials`` arrays (float64, little-endian, NaN as stored), so two panels with the same
    numbers have the same hash whatever file or cache they came from."""
    h = hashlib.sha256()
    h.update(np.asarray(panel[YEAR].values, dtype="<i8").tobytes())
    h.update("\n".join(str(k) for k in panel[INDICATOR].values).encode())
    for name in HASHED:
        if name in panel:
            arr = panel[name].transpose(YEAR, INDICATOR).values
            h.update(name.encode())
            h.update(np.ascontiguousarray(arr, dtype="<f8").tobytes())
    return h.hexdigest()


def git_commit(path: str | Path | None = None) -> dict:
    """The git commit of the source checkout holding ``path`` (default this package).

    Returns
    -------
    dict
        ``commit`` (the full hash, or ``"none (not a git checkout)"``) and ``dirty`` (True
        when tracked files differ from the commit; None without git).
    """
    where = Path(path) if path is not None else Path(__file__).resolve().parents[2]
    cmd = ["git", "-C", str(where)]
    try:
        head = subprocess.run(
            [*cmd, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return {"commit": "none (not a git checkout)", "dirty": None}
        diff = subprocess.run(
            [*cmd, "diff", "--quiet", "HEAD", "--"], capture_output=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return {"commit": "none (git not available)", "dirty": None}
    return {"commit": head.stdout.strip(), "dirty": diff.returncode != 0}


def run_record(
    settings: RunSettings | None,
    *,
    quick: bool,
    panel=None,
    idata=None,
    now: _dt.datetime | None = None,
) -> dict:
    """What a run did: the settings used and the facts that make it reproducible.

    Parameters
    ----------
    settings
        The run's settings (defaults if None); a quick run's draws and tuning replace
        theirs (:func:`used_settings`).
    quick
        Whether the run was a quick smoke test (:data:`QUICK_NOTE`).
    panel
        The panel fitted: its SHA-256 (:func:`panel_sha256`), years and indicators.
    idata
        The fit: its chains and draws are taken from it (what really ran).
    now
        Time of the record (default: now, UTC).

    Returns
    -------
    dict
        ``date``, ``package_version``, ``python``, ``git_commit``, ``git_dirty``, ``quick``,
        ``purpose``, ``variant``, ``priors``, ``sampler``, ``draws``, ``tune``, ``chains``,
        ``seed`` and, with a panel, ``panel_sha256``, ``panel_years``, ``panel_indicators``
        (TOML-ready: no None values).
    """
    s = effective_settings(settings or RunSettings(), quick=quick)
    draws, chains = s.draws, s.chains
    if idata is not None:
        draws = int(idata.posterior.sizes["draw"])
        chains = int(idata.posterior.sizes["chain"])
    git = git_commit()
    when = (now or _dt.datetime.now(_dt.UTC)).replace(microsecond=0)
    record = {
        "date": when.isoformat(),
        "package_version": __version__,
        "python": platform.python_version(),
        "git_commit": git["commit"],
        **({} if git["dirty"] is None else {"git_dirty": bool(git["dirty"])}),
        "quick": bool(quick),
        "purpose": QUICK_NOTE if quick else "inference",
        "variant": s.variant,
        "priors": s.priors,
        "sampler": s.sampler,
        "draws": int(draws),
        "tune": int(s.tune),
        "chains": int(chains),
        "seed": int(s.seed),
    }
    if panel is not None:
        years = panel[YEAR].values
        record["panel_sha256"] = panel_sha256(panel)
        record["panel_years"] = f"{int(years.min())}-{int(years.max())}"
        record["panel_indicators"] = int(panel.sizes[INDICATOR])
    return record


def stamp_table(df: pd.DataFrame, *, quick: bool) -> pd.DataFrame:
    """``df`` with a first column ``quick_run`` (True on every row of a quick run), so a table
    read on its own says that its numbers come from a smoke test."""
    out = df.copy()
    if "quick_run" in out:
        out = out.drop(columns="quick_run")
    out.insert(0, "quick_run", bool(quick))
    out.attrs = dict(df.attrs)
    return out
