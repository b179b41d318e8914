"""Tests of the priors files and their validation (fast)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from causal_model.dims import DRIVERS, EVENT_TYPES
from causal_model.specification.priors import (
    PARAMETERS,
    PRIORS_DIR,
    PriorSet,
    PriorValidationError,
    load_priors,
    validate_priors,
)

SHIPPED = ("neoclassical_realism", "weakly_informative")
COORDS = {"driver": list(DRIVERS), "event_type": list(EVENT_TYPES), "indicator": ["a", "b"]}


def _draws(priorset: PriorSet, name: str, draws: int = 4000) -> np.ndarray:
    ds = priorset[name].sample_prior(coords=COORDS, draws=draws, random_seed=1)
    return ds["variable"].values[0]


@pytest.fixture(scope="module")
def neo() -> PriorSet:
    return load_priors("neoclassical_realism")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_files_load_complete_and_noted(name: str) -> None:
    priorset = load_priors(name)
    assert set(priorset) == set(PARAMETERS)
    assert Path(priorset.source) == PRIORS_DIR / f"{name}.toml"
    for parameter in PARAMETERS:
        assert priorset.notes[parameter].strip(), f"{name}: {parameter} has no note"
    table = priorset.table()
    assert list(table.columns) == ["parameter", "distribution", "arguments", "dims", "note"]
    assert len(table) == len(PARAMETERS)


@pytest.mark.parametrize("name", SHIPPED)
def test_sigma_obs_prior_avoids_zero(name: str) -> None:
    sigma_obs = _draws(load_priors(name), "sigma_obs")
    assert np.mean(sigma_obs < 0.05) < 0.005


def test_neoclassical_claims(neo: PriorSet) -> None:
    assert _draws(neo, "beta_mu").mean() > 0
    elite = _draws(neo, "elite_mu")
    assert elite.shape[-1] == len(EVENT_TYPES)
    assert np.all(elite.mean(axis=0) < 0)
    assert 1.0 <= np.median(_draws(neo, "half_life")) <= 3.0
    assert _draws(neo, "coupling").mean() > 0


def test_default_and_passthrough(neo: PriorSet) -> None:
    assert load_priors() == neo
    assert load_priors(neo) is neo


def test_unknown_name_lists_available() -> None:
    with pytest.raises(PriorValidationError) as info:
        load_priors("realism")
    assert "neoclassical_realism" in str(info.value)
    assert "weakly_informative" in str(info.value)


def test_bad_file_reports_all_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'extends = "neoclassical_realism"\n'
        "[beta_muu]\n"
        'dist = "Normal"\n'
        "kwargs = { mu = 0.0, sigma = 1.0 }\n"
        "[rho_mu]\n"
        'dist = "Normall"\n'
        "kwargs = { mu = 0.0, sigma = 1.0 }\n"
        "[beta_mu]\n"
        'dist = "Normal"\n'
        "kwargs = { mu = 0.0, sigma = -1.0 }\n"
        "[intercept]\n"
        'dist = "Normal"\n'
        "kwargs = { mu = 0.0, sigma = 1.0 }\n"
        'dims = "driver"\n'
        "[sigma_obs]\n"
        'dist = "Normal"\n'
        "kwargs = { mu = 0.5, sigma = 0.1 }\n"
        'dims = "indicator"\n'
    )
    with pytest.raises(PriorValidationError) as info:
        load_priors(bad)
    problems = info.value.problems
    assert len(problems) == 5, problems
    expected = {
        "[beta_muu] unknown parameter": "did you mean 'beta_mu'",
        "[rho_mu] unknown distribution": "did you mean 'Normal'",
        "[beta_mu] bad argument": "scale",
        "[intercept] wrong dims": "indicator",
        "[sigma_obs] support mismatch": "positive",
    }
    for head, hint in expected.items():
        matches = [p for p in problems if head in p]
        assert len(matches) == 1, (head, problems)
        assert matches[0].startswith(f"{bad}: ") and hint in matches[0]
        assert head in str(info.value)


def test_missing_and_unknown_keys(tmp_path: Path) -> None:
    raw = load_priors("weakly_informative").to_dict()
    del raw["beta_mu"]
    del raw["half_life"]  # a shape's parameter: its default prior stands in
    raw["nu"]["prior"] = "x"
    raw["rho_u"]["kwargs"] = {"alpha": 2.0, "betta": 2.0}
    with pytest.raises(PriorValidationError) as info:
        validate_priors(raw, "mine.toml")
    text = str(info.value)
    assert "mine.toml: [beta_mu] missing required parameter" in text
    assert "half_life" not in text
    assert "mine.toml: [nu] unknown key 'prior'" in text
    assert "mine.toml: [rho_u] bad argument 'betta'" in text


def test_extends_overrides_table_by_table(tmp_path: Path, neo: PriorSet) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(
        'extends = "neoclassical_realism"\n'
        "[half_life]\n"
        'dist = "Gamma"\n'
        "kwargs = { mu = 8.0, sigma = 3.0 }\n"
        'note = "Long memory."\n'
        "[intercept]\n"
        'dist = "Normal"\n'
        'kwargs = { mu = { dist = "Normal", kwargs = { mu = 0.0, sigma = 0.2 } }, sigma = 0.5 }\n'
        'dims = "indicator"\n'
    )
    priorset = load_priors(mine)
    assert set(priorset) == set(PARAMETERS)
    assert priorset["half_life"].distribution == "Gamma"
    assert priorset.notes["half_life"] == "Long memory."
    assert priorset["intercept"].to_dict()["kwargs"]["mu"]["dist"] == "Normal"
    assert priorset["beta_mu"] == neo["beta_mu"]
    assert priorset.notes["beta_mu"] == neo.notes["beta_mu"]
    chained = tmp_path / "chained.toml"
    chained.write_text('extends = "mine.toml"\n')
    assert load_priors(chained)["half_life"] == priorset["half_life"]


def test_extends_cycle_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(PriorValidationError, match="circular"):
        load_priors(tmp_path / "a.toml")


@pytest.mark.parametrize("name", SHIPPED)
def test_round_trip(name: str) -> None:
    priorset = load_priors(name)
    data = priorset.to_dict()
    assert json.loads(json.dumps(data)) == data
    again = PriorSet.from_dict(json.loads(json.dumps(data)), source=priorset.source)
    assert again == priorset
    assert again.to_dict() == data
    assert again.source == priorset.source
    assert load_priors(data) == priorset


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[beta_mu]\ndist = "Normal"\nkwargs = { mu = 0.3, sigma = }\n')
    with pytest.raises(PriorValidationError) as info:
        load_priors(broken)
    (problem,) = info.value.problems
    assert problem.startswith(f"{broken}: [toml] syntax error")
    assert "line 3" in problem


def test_a_file_written_before_the_drift_loads_with_its_default() -> None:
    """``level_drift`` came after priors files (and the priors saved in model files) were
    first written: without its table a file still loads, the default stands in and says so,
    and a file's own table wins."""
    raw = load_priors("neoclassical_realism").to_dict()
    del raw["level_drift"]
    older = PriorSet.from_dict(raw, "older.toml")  # as a model file's saved priors are read
    assert older["level_drift"].to_dict() == {
        "dist": "Normal",
        "kwargs": {"mu": 0.0, "sigma": 0.1},
    }
    assert "drift=True" in older.notes["level_drift"] and "no table" in older.notes["level_drift"]
    raw["level_drift"] = {"dist": "Normal", "kwargs": {"mu": 0.05, "sigma": 0.02}}
    assert validate_priors(raw, "newer.toml")["level_drift"].parameters["mu"] == 0.05


def test_the_optional_defaults_are_the_shipped_priors() -> None:
    """The stand-in of an optional parameter (a second copy, for files written before it) is
    the package's own prior for it, so an older file fits as a current one would."""
    from causal_model.specification.prior_schema import OPTIONAL_PARAMETERS

    shipped = load_priors("neoclassical_realism")
    for name, (_, default) in OPTIONAL_PARAMETERS.items():
        assert default.to_dict() == shipped[name].to_dict(), name
