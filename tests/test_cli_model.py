"""`causal-model run / fit / forecast` end to end on the real panel (--quick), and the user
mistakes that must give one error line and exit status 2."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from causal_model.cli import main
from causal_model.pipeline import FIGURES, MODEL_FILE, TABLES


@pytest.fixture(scope="module")
def run_dir(real_panel, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert main(["run", "--out", str(out), "--quick", "--quiet", "--seed", "3"]) == 0
    return out


def test_run_writes_figures_tables_and_model(run_dir):
    for name in [MODEL_FILE, *FIGURES, *TABLES]:
        assert (run_dir / name).stat().st_size > 100, name
    summary = pd.read_csv(run_dir / "forecast_summary.csv")
    assert set(summary.year) == set(range(2024, 2031))
    head = pd.read_csv(run_dir / "headline.csv", index_col=0)
    assert len(head) == 3 and head["probability"].between(0, 1).all()
    scen = pd.read_csv(run_dir / "scenarios.csv", index_col=0)
    assert list(scen.columns) == ["default", "russian_change", "no_russian_change"]


def test_forecast_from_model_file(run_dir, tmp_path, capsys):
    out = tmp_path / "fc"
    code = main(["forecast", str(run_dir / MODEL_FILE), "--out", str(out), "--until", "2029"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "P(tension 2029 > tension 2024)" in printed
    assert (out / "forecast_fan.png").is_file()
    assert pd.read_csv(out / "forecast_summary.csv").year.max() == 2029


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    return err


def test_user_mistakes_are_one_line(run_dir, tmp_path, capsys):
    assert "--force" in _error(capsys, ["run", "--out", str(run_dir), "--quick"])
    assert "unknown variant" in _error(
        capsys, ["fit", "--out", str(tmp_path / "a"), "--variant", "nope"]
    )
    assert "--priors" in _error(capsys, ["fit", "--out", str(tmp_path / "b"), "--priors", "nope"])
    assert "not found" in _error(capsys, ["forecast", str(tmp_path / "no.nc"), "--out", "x"])
    assert "unknown scenario" in _error(
        capsys,
        ["forecast", str(run_dir / MODEL_FILE), "--out", str(tmp_path / "c"), "--scenario", "zz"],
    )
    assert "positive" in _error(capsys, ["fit", "--out", str(tmp_path / "d"), "--draws", "0"])
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    err = _error(capsys, ["forecast", str(run_dir / MODEL_FILE), "--out", str(blocker / "sub")])
    assert "not a folder" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_folder(run_dir, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        err = _error(capsys, ["forecast", str(run_dir / MODEL_FILE), "--out", str(locked / "x")])
        assert "writable" in err
    finally:
        locked.chmod(0o700)
