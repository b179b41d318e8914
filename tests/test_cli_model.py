"""`causal-model run / fit / forecast` end to end on the real panel (--quick), and the user
mistakes that must give one error line and exit status 2."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from causal_model.app.cli import main
from causal_model.app.pipeline import FIGURES, MODEL_FILE, TABLES
from causal_model.defaults import DEFAULT_TUNE
from causal_model.validation.baselines import BASELINES


@pytest.fixture(scope="module")
def run_dir(real_panel, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert main(["run", "--out", str(out), "--quick", "--quiet", "--seed", "3"]) == 0
    return out


def test_run_writes_figures_tables_and_model(run_dir):
    for name in [MODEL_FILE, *FIGURES, *TABLES]:
        assert (run_dir / name).stat().st_size > 100, name
    summary = pd.read_csv(run_dir / "forecast_summary.csv")
    assert set(summary.year) == set(range(2025, 2031))  # 2025: the nowcast year
    head = pd.read_csv(run_dir / "headline.csv", index_col=0)
    assert len(head) == 3 and head["probability"].between(0, 1).all()
    scen = pd.read_csv(run_dir / "scenarios.csv", index_col=0)
    # every table a person reads says whether it comes from a quick run
    assert list(scen.columns) == ["quick_run", "default", "russian_change", "no_russian_change"]
    assert scen["quick_run"].all() and summary["quick_run"].all() and head["quick_run"].all()


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


def test_priors_show_and_check(tmp_path, capsys):
    assert main(["priors", "show", "neoclassical_realism"]) == 0
    out = capsys.readouterr().out
    assert "beta_mu" in out and "Normal(mu=0.3, sigma=0.15)" in out and "Claim 1" in out
    assert main(["priors", "check", "weakly_informative"]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('[beta_mu]\ndist = "Nrmal"\n[nope]\ndist = "Normal"\nkwargs = {mu = 0}\n')
    err = _error(capsys, ["priors", "check", str(bad)])
    assert "beta_mu" in err and "nope" in err and "bad.toml" in err


def test_run_config_is_validated_and_flags_override(tmp_path, capsys):
    from causal_model.app.config import load_config

    bad = tmp_path / "bad.toml"
    bad.write_text('[model]\nvariant = 3\ncolour = "x"\n[extra]\na = 1\n')
    err = _error(capsys, ["fit", "--out", str(tmp_path / "o"), "--config", str(bad)])
    for part in ("[model] variant", "[model] colour", "[extra]", "bad.toml"):
        assert part in err
    good = tmp_path / "run.toml"
    good.write_text('[model]\nvariant = "no_elite"\n[sampler]\ndraws = 77\nseed = 5\n')
    s = load_config(good)
    assert (s.variant, s.draws, s.seed, s.tune) == ("no_elite", 77, 5, DEFAULT_TUNE)
    from argparse import Namespace

    from causal_model.app.cli_common import settings as _settings

    args = Namespace(
        config=good,
        variant=None,
        priors=None,
        sampler=None,
        draws=12,
        tune=None,
        chains=None,
        seed=None,
        until=None,
        scenario=None,
        raw_dir=None,
    )
    assert (_settings(args).draws, _settings(args).variant) == (12, "no_elite")


def test_compare_command_quick(real_panel, tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = ["compare", "--variants", "reference,no_elite", "--out", str(out), "--quick", "--lfo"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "elpd_loo" in printed and "one year" in printed
    table = pd.read_csv(out / "compare.csv", index_col=0)
    assert set(table.index) == {"reference", "no_elite"}
    assert (out / "elpd.png").is_file() and (out / "run_config.toml").is_file()
    lfo = pd.read_csv(out / "lfo.csv")
    assert set(lfo.method) == {"model", *BASELINES}
    assert set(lfo.origin) == {2014, 2018}
    for name in ("lfo_skill.png", "coverage.png", "pit.png", "lfo_summary.csv"):
        assert (out / name).is_file(), name
    skipped = pd.read_csv(out / "lfo_not_scored.csv")  # every indicator seen by 2014
    assert list(skipped.columns) == ["origin", "indicator"] and skipped.empty
    assert "unknown variant" in _error(
        capsys, ["compare", "--variants", "reference,zz", "--out", str(tmp_path / "x")]
    )


def test_fit_command_quick(real_panel, tmp_path, capsys):
    out = tmp_path / "fit"
    assert main(["fit", "--out", str(out), "--quick", "--seed", "2", "--quiet"]) == 0
    assert (out / "model.nc").is_file() and (out / "diagnostics.csv").is_file()
    assert "seed = 2" in (out / "run_config.toml").read_text()
    assert "--force" in _error(capsys, ["fit", "--out", str(out), "--quick"])


def test_run_claims_fits_the_evidence_variants(tiny_fit, tmp_path, monkeypatch, capsys):
    """``run --claims`` fits every variant of the scorecard's evidence (the fits are the tiny
    reference fit here: this checks the plumbing, not the numbers)."""
    from causal_model.analysis.scorecard import EVIDENCE_VARIANTS
    from causal_model.app import evidence, pipeline

    model, idata = tiny_fit
    fitted = []

    def fake_fit(s, *, variant=None, model=None, **kwargs):
        fitted.append(variant or s.variant)
        return tiny_fit[0], idata.copy()

    monkeypatch.setattr(pipeline, "fit_model", fake_fit)
    monkeypatch.setattr(evidence, "fit_model", fake_fit)
    out = tmp_path / "claims"
    assert main(["run", "--out", str(out), "--quick", "--quiet", "--claims"]) == 0
    assert sorted(fitted) == sorted(["reference", *EVIDENCE_VARIANTS.values(), "stationary"])
    assert (out / "compare.csv").is_file() and (out / "elpd.png").is_file()
    card = pd.read_csv(out / "hypotheses.csv")
    with_evidence = card[card["evidence"].fillna("").str.contains(" vs ")]
    assert with_evidence["elpd_diff"].notna().all()  # every comparison was made
    # claim 5 under both dynamics, side by side
    assert card["claim"].str.startswith("5.").sum() == 2
    assert card["claim"].str.contains("stationary dynamics").any()
    assert "draws = 100" in (out / "run_config.toml").read_text()
