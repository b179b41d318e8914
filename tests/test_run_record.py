"""The run record says what ran: a quick run's settings, date, version, commit, panel hash."""

from __future__ import annotations

import tomllib

import numpy as np

from causal_model.app.config import RECORD_SECTION, load_config, write_config
from causal_model.app.run_record import (
    QUICK_NOTE,
    panel_sha256,
    run_record,
    stamp_table,
)
from causal_model.app.settings import QUICK, RunSettings, effective_settings


def test_quick_record_says_what_ran(real_panel):
    s = RunSettings(draws=1200, tune=700)
    rec = run_record(s, quick=True, panel=real_panel)
    assert (rec["draws"], rec["tune"]) == (QUICK["draws"], QUICK["tune"])
    assert rec["quick"] is True and rec["purpose"] == QUICK_NOTE
    assert rec["package_version"] and rec["date"][:2] == "20"
    assert len(rec["git_commit"]) == 40 or rec["git_commit"].startswith("none")
    assert (
        len(rec["panel_sha256"]) == 64 and rec["panel_indicators"] == real_panel.sizes["indicator"]
    )
    full = run_record(s, quick=False)
    assert (full["draws"], full["tune"], full["purpose"]) == (1200, 700, "inference")
    assert effective_settings(effective_settings(s, quick=True), quick=True).draws == QUICK["draws"]


def test_panel_hash_follows_the_values(real_panel):
    h = panel_sha256(real_panel)
    assert panel_sha256(real_panel.copy(deep=True)) == h
    changed = real_panel.copy(deep=True)
    changed["value"].values[0, 0] = np.nextafter(changed["value"].values[0, 0], 10)
    assert panel_sha256(changed) != h


def test_config_holds_the_settings_used_and_reads_back(real_panel, tmp_path):
    s = RunSettings(draws=1200, tune=700, seed=7)
    path = write_config(s, tmp_path, quick=True, panel=real_panel)
    raw = tomllib.loads(path.read_text())
    assert raw["sampler"]["draws"] == QUICK["draws"] and raw["sampler"]["tune"] == QUICK["tune"]
    assert raw[RECORD_SECTION]["quick"] is True
    assert raw[RECORD_SECTION]["panel_sha256"] == panel_sha256(real_panel)
    again = load_config(path)  # the record is informative: ignored when read back
    assert (again.draws, again.tune, again.seed) == (QUICK["draws"], QUICK["tune"], 7)


def test_quick_tables_are_stamped():
    import pandas as pd

    df = pd.DataFrame({"a": [1, 2]})
    assert stamp_table(df, quick=True)["quick_run"].tolist() == [True, True]
    assert list(stamp_table(df, quick=False).columns) == ["quick_run", "a"]
