"""Every example runs end to end on the real panel with --quick (in-process, so the compiled
sampler is shared with the other tests)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"
OUTPUTS = {
    "fit_and_forecast.py": ("forecast_fan.png", "indicators.png", "forecast_summary.csv"),
    "scenarios.py": ("scenarios.png", "scenarios.csv"),
    "intervention_and_counterfactual.py": (
        "intervention_security.png",
        "counterfactual_2009.png",
        "decomposition.png",
    ),
    "hypotheses_study.py": (
        "elpd_neoclassical_realism.png",
        "hypotheses.csv",
        "hypotheses_both_priors.csv",
    ),
}


def test_every_example_is_tested():
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(OUTPUTS)


@pytest.mark.parametrize("script", sorted(OUTPUTS))
def test_example_runs_quick(script, real_panel, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [script, "--quick", "--out", str(tmp_path)])
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(EXAMPLES / script), run_name="__main__")
    assert done.value.code == 0
    for name in OUTPUTS[script]:
        assert (tmp_path / name).stat().st_size > 300, name
    out = capsys.readouterr().out
    assert str(tmp_path) in out
