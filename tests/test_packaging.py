"""The package installs from a wheel: its files are in it, and the main job runs from it."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

import causal_model
from causal_model.data.paths import DataNotFoundError, resolve_raw_dir

ROOT = Path(causal_model.__file__).resolve().parents[1]


def test_pyproject_ships_the_data_tables_and_facts_files():
    """The registry, the raw-file table and the facts files are package data (no __init__.py
    in facts/, so only the package-data globs put them in a wheel)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    globs = config["package-data"]["causal_model.data"]
    assert "*.toml" in globs and "facts/*.toml" in globs


def test_pyproject_names_every_sub_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "causal_model").rglob("__init__.py")
    }
    assert on_disk <= listed, f"add to pyproject.toml's packages: {sorted(on_disk - listed)}"
    assert config["package-dir"]["causal_model.priors_files"] == "priors"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        timeout=600,
    )
    (path,) = out.glob("causal_model-*.whl")
    return path


def test_the_wheel_carries_the_priors_and_the_registry(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for toml in (ROOT / "priors").glob("*.toml"):
        assert f"causal_model/priors_files/{toml.name}" in names
    assert "causal_model/data/registry.toml" in names
    # the facts files the registry's source = "facts" entries and the readers read
    facts = sorted((ROOT / "causal_model" / "data" / "facts").glob("*.toml"))
    assert facts
    for toml in facts:
        assert f"causal_model/data/facts/{toml.name}" in names
    assert not any(n.startswith(("tests/", "priors/")) for n in names)


@pytest.mark.slow
def test_the_quick_main_job_runs_from_the_installed_wheel(wheel, tmp_path):
    """A fresh virtual environment with the wheel installed (not editable) runs
    ``causal-model run --quick`` outside the checkout. The dependencies come from the test
    environment's site-packages (a path entry, so its editable-install hooks are not run)."""
    try:
        raw = resolve_raw_dir()
    except DataNotFoundError as exc:
        pytest.skip(f"raw data not available ({exc})")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    site = subprocess.run(
        [
            str(bin_dir / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "_deps_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True,
        timeout=600,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "CAUSAL_MODEL_DATA": str(raw), "PYTHONPATH": ""}
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import causal_model; print(causal_model.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert str(env_dir) in where, f"causal_model imported from {where}, not the wheel"
    run = subprocess.run(
        [str(bin_dir / "causal-model"), "run", "--quick", "--out", "out", "--quiet"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert (work / "out" / "model.nc").is_file()
    assert (work / "out" / "forecast_fan.png").is_file()
