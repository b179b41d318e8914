"""Bad inputs and misuses of the API and the command line (issue "Trust on a stranger's
machine"): tables of cases, each with the exception or exit status it must give and a regex of
its message. The data layer's cases are in ``test_bad_data_inputs.py``.

Nothing here samples for long. The API cases use the session's tiny fit (``tiny_fit``); the
fit cases replace ``build`` by a stub that fails the test, so a refusal is shown to come before
any work; the command-line cases replace the fit the same way; the sampler cases replace the
sampler by a stub that returns a short, NaN-padded or empty trace or is interrupted. One test
interrupts a real ``causal-model fit`` with SIGINT, one kills a writer with SIGKILL.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import arviz as az
import h5py
import numpy as np
import nutpie
import pymc as pm
import pytest
import xarray as xr

import causal_model.app.cli as cli
from causal_model import TensionModel, counterfactual, forecast, intervene
from causal_model.analysis.forecast import forecast_scenarios
from causal_model.app import output_folder, pipeline
from causal_model.app.cli import main
from causal_model.app.output_folder import clean_stale, folder_lock, staged_outputs
from causal_model.app.settings import RunSettings, SettingsError
from causal_model.data import RawDataError
from causal_model.inference import sampling
from causal_model.inference.arguments import IncompleteFitError
from causal_model.inference.model_file import ModelFileError
from causal_model.inference.sampling import run_sampler
from causal_model.specification.priors import load_priors
from causal_model.specification.scenarios import ScenarioError

PARTIAL = re.compile(r"\.partial-")


# ---------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def model_file(tiny_fit, tmp_path_factory) -> Path:
    model, idata = tiny_fit
    return model.save(tmp_path_factory.mktemp("saved") / "model.nc", idata)


def _tampered(model_file: Path, tmp: Path, **attrs) -> Path:
    path = tmp / "model.nc"
    path.write_bytes(model_file.read_bytes())
    with h5py.File(path, "r+") as f:
        for key, value in attrs.items():
            if value is None:
                del f.attrs[key]
            else:
                f.attrs[key] = value
    return path


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if a model is built (and so compiled or fitted)."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("a model was built: the refusal came after work started")

    monkeypatch.setattr(TensionModel, "build", refuse)


# ------------------------------------------------------------------- command-line cases
@dataclass
class CLICase:
    id: str
    argv: list[str]
    status: int
    match: str
    prepare: Callable[[Path], None] | None = None  # writes files into the test's tmp folder
    usage: bool = False  # an argparse usage error (two lines: usage and error)


def _write(name: str, text: str) -> Callable[[Path], None]:
    def prepare(tmp: Path) -> None:
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(textwrap.dedent(text))

    return prepare


EVENT_IN_PANEL = _write(
    "inside.toml", 'name = "x"\n[[event]]\ndate = "2010-01-01"\ntype = "us"\nprobability = 1.0\n'
)
PRIOR_KEY_MISSING = _write(
    "prior.toml", 'name = "x"\n[[event]]\ndate = "2044-05-07"\ntype = "ru"\nprobability = "prior"\n'
)
RUN = ["run", "--out", "{tmp}/out", "--quiet"]
FIT = ["fit", "--out", "{tmp}/out", "--quiet"]
FORECAST = ["forecast", "{model}", "--out", "{tmp}/out", "--quiet"]

CLI_CASES = [
    CLICase("run-until-before-panel", [*RUN, "--until", "2020"], 2, r"--until=2020 is before"),
    CLICase("run-until-far-future", [*RUN, "--until", "3000"], 2, r"more than 100 years after"),
    CLICase("run-until-huge", [*RUN, "--until", "10000000"], 2, r"more than 100 years after"),
    CLICase("run-until-float", [*RUN, "--until", "2030.5"], 2, r"invalid int value", usage=True),
    CLICase("run-seed-negative", [*RUN, "--seed", "-1"], 2, r"--seed -1 .*non-negative"),
    CLICase("run-draws-zero", [*RUN, "--draws", "0"], 2, r"--draws 0 .*positive integer"),
    CLICase("run-draws-negative", [*RUN, "--draws", "-5"], 2, r"--draws -5 .*positive integer"),
    CLICase("run-tune-zero", [*RUN, "--tune", "0"], 2, r"--tune 0 .*positive integer"),
    CLICase("run-chains-zero", [*RUN, "--chains", "0"], 2, r"--chains 0 .*positive integer"),
    CLICase("run-draws-text", [*RUN, "--draws", "many"], 2, r"invalid int value", usage=True),
    CLICase("run-scenario-unknown", [*RUN, "--scenario", "zz"], 2, r"unknown scenario 'zz'"),
    CLICase(
        "run-scenario-missing-file",
        [*RUN, "--scenario", "{tmp}/nope.toml"],
        2,
        r"scenario file not found",
    ),
    CLICase(
        "run-scenario-not-toml",
        [*RUN, "--scenario", "{tmp}/bad.toml"],
        2,
        r"bad\.toml is not valid TOML",
        _write("bad.toml", "name = [\n"),
    ),
    CLICase(
        "run-scenario-event-inside-panel",
        [*RUN, "--scenario", "{tmp}/inside.toml"],
        2,
        r"2010-01-01 fall inside the fitted panel",
        EVENT_IN_PANEL,
    ),
    CLICase(
        "run-scenario-prior-missing",
        [*RUN, "--scenario", "{tmp}/prior.toml"],
        2,
        r"has no \[p_ru_change_2044\] entry",
        PRIOR_KEY_MISSING,
    ),
    CLICase("run-variant-unknown", [*RUN, "--variant", "nope"], 2, r"unknown variant 'nope'"),
    CLICase("run-priors-unknown", [*RUN, "--priors", "nope"], 2, r"--priors nope"),
    CLICase("run-sampler-unknown", [*RUN, "--sampler", "stan"], 2, r"--sampler stan: choose"),
    CLICase(
        "run-claims-not-reference",
        [*RUN, "--claims", "--variant", "no_elite"],
        2,
        r"--claims tests the study's claims on the reference model",
    ),
    CLICase("run-raw-dir-missing", [*RUN, "--raw-dir", "{tmp}/nope"], 2, r"folder not found"),
    CLICase(
        "run-config-seed-negative",
        [*RUN, "--config", "{tmp}/c.toml"],
        2,
        r"--seed -1 \(\[sampler\] seed",
        _write("c.toml", "[sampler]\nseed = -1\n"),
    ),
    CLICase(
        "run-config-until-float",
        [*RUN, "--config", "{tmp}/c.toml"],
        2,
        r"\[forecast\] until: 2030\.5 should be int",
        _write("c.toml", "[forecast]\nuntil = 2030.5\n"),
    ),
    CLICase(
        "run-config-draws-zero",
        [*RUN, "--config", "{tmp}/c.toml"],
        2,
        r"--draws 0 \(\[sampler\] draws",
        _write("c.toml", "[sampler]\ndraws = 0\n"),
    ),
    CLICase("run-config-missing", [*RUN, "--config", "{tmp}/no.toml"], 2, r"config file not found"),
    CLICase(
        "run-output-exists",
        RUN,
        2,
        r"already holds model\.nc; pass --force",
        _write("out/model.nc", "old"),
    ),
    CLICase("run-out-is-a-file", RUN, 2, r"out is a file, not a folder", _write("out", "a file")),
    CLICase("fit-draws-zero", [*FIT, "--draws", "0"], 2, r"--draws 0 .*positive integer"),
    CLICase("fit-seed-negative", [*FIT, "--seed", "-3"], 2, r"--seed -3 .*non-negative"),
    CLICase(
        "fit-output-exists",
        FIT,
        2,
        r"already holds model\.nc.*--force",
        _write("out/model.nc", "old"),
    ),
    CLICase(
        "forecast-model-missing",
        ["forecast", "{tmp}/no.nc", "--out", "{tmp}/out"],
        2,
        r"model file not found: .*no\.nc",
    ),
    CLICase(
        "forecast-model-not-netcdf",
        ["forecast", "{tmp}/text.nc", "--out", "{tmp}/out"],
        2,
        r"text\.nc: not a readable netCDF model file",
        _write("text.nc", "not a model"),
    ),
    CLICase(
        "forecast-model-saved-as-csv",
        ["forecast", "{tmp}/fit.csv", "--out", "{tmp}/out"],
        2,
        r"fit\.csv: not a readable netCDF model file",
        _write("fit.csv", "a,b\n1,2\n"),
    ),
    CLICase("forecast-until-before", [*FORECAST, "--until", "2020"], 2, r"--until=2020 is before"),
    CLICase("forecast-until-far", [*FORECAST, "--until", "2500"], 2, r"more than 100 years"),
    CLICase("forecast-scenario-unknown", [*FORECAST, "--scenario", "zz"], 2, r"unknown scenario"),
    CLICase("forecast-seed-negative", [*FORECAST, "--seed", "-1"], 2, r"--seed -1"),
    CLICase(
        "compare-one-variant",
        ["compare", "--out", "{tmp}/out", "--variants", "reference"],
        2,
        r"--variants: give at least two",
    ),
    CLICase(
        "compare-variant-unknown",
        ["compare", "--out", "{tmp}/out", "--variants", "reference,nope"],
        2,
        r"unknown variant 'nope'",
    ),
    CLICase(
        "report-until-before",
        ["report", "--out", "{tmp}/out", "--until", "2020", "--quiet"],
        2,
        r"--until=2020 is before",
    ),
    CLICase(
        "data-fetch-bad-mirror",
        ["data", "fetch", "--dest", "{tmp}/raw", "--mirror", "not-a-url"],
        2,
        r"--mirror not-a-url: give the http\(s\) URL",
    ),
    CLICase(
        "data-fetch-unknown-dataset",
        ["data", "fetch", "--dest", "{tmp}/raw", "--datasets", "nope"],
        2,
        r"--datasets: unknown data set\(s\) \['nope'\]",
    ),
    CLICase(
        "data-fetch-dest-is-file",
        ["data", "fetch", "--dest", "{tmp}/f"],
        2,
        r"--dest .*f: is a file",
        _write("f", "x"),
    ),
    CLICase("data-raw-dir-missing", ["data", "--raw-dir", "{tmp}/nope"], 2, r"folder not found"),
    CLICase("data-csv-suffix", ["data", "--csv", "{tmp}/p.txt"], 2, r"unsupported suffix '\.txt'"),
    CLICase("priors-file-missing", ["priors", "check", "{tmp}/no.toml"], 2, r"no\.toml"),
    CLICase("unknown-command", ["fly"], 2, r"invalid choice: 'fly'", usage=True),
]


def _argv(case: CLICase, tmp: Path, model: Path) -> list[str]:
    return [a.format(tmp=tmp, model=model) for a in case.argv]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.id for c in CLI_CASES])
def test_command_line_refuses(case: CLICase, tmp_path, model_file, no_work, capsys):
    if case.prepare:
        case.prepare(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main(_argv(case, tmp_path, model_file))
    err = capsys.readouterr().err
    assert code == case.status, err
    assert re.search(case.match, err), err
    assert "Traceback" not in err
    if not case.usage:
        assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    # nothing was written: no new output folder, no staging folder
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    ("attrs", "match"),
    [
        ({"priors_json": "{not json"}, r"model\.nc: damaged model file \(JSONDecodeError"),
        ({"variant_json": '{"colour": 1}'}, r"model\.nc: damaged model file"),
        ({"latent": "neither"}, r"model\.nc: its settings do not make a model"),
        ({"priors_json": None}, r"model\.nc is not a causal_model fit \(missing priors_json\)"),
    ],
    ids=["priors-json", "variant-json", "latent", "attribute-missing"],
)
def test_tampered_model_file_names_the_file(model_file, tmp_path, capsys, attrs, match):
    path = _tampered(model_file, tmp_path, **attrs)
    with pytest.raises(ModelFileError, match=match):
        TensionModel.load(path)
    assert main(["forecast", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert re.search(str(path).replace(".", r"\."), err) and len(err.splitlines()) == 1


def test_raw_data_error_is_one_line(monkeypatch, capsys):
    def damaged(*args, **kwargs):
        raise RawDataError("raw file sipri_milex/x.xlsx: column 'Year' is missing; fetch it again")

    monkeypatch.setattr(cli, "load_us_russia", damaged)
    assert main(["data"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: raw file sipri_milex") and len(err.splitlines()) == 1


# ---------------------------------------------------------------------------- API cases
@dataclass
class APICase:
    id: str
    call: Callable  # (model, idata, tmp) -> anything
    error: type[BaseException]
    match: str


def _fit(**kw):
    return lambda m, f, tmp: m.fit(**kw)


def _fc(**kw):
    return lambda m, f, tmp: forecast(m, f, **kw)


def _iv(**kw):
    args = {"do": {"security": -1.0}, "from_year": 2026, **kw}
    return lambda m, f, tmp: intervene(m, f, **args)


def _cf(**kw):
    return lambda m, f, tmp: counterfactual(m, f, **kw)


NAN, INF = float("nan"), float("inf")
API_CASES = [
    APICase("fit-draws-negative", _fit(draws=-5), ValueError, r"draws=-5 \(int\): must be a posi"),
    APICase("fit-draws-zero", _fit(draws=0), ValueError, r"draws=0 .*positive integer"),
    APICase("fit-draws-float", _fit(draws=2.5), ValueError, r"draws=2\.5 \(float\)"),
    APICase("fit-draws-text", _fit(draws="100"), ValueError, r"draws='100' \(str\)"),
    APICase("fit-draws-bool", _fit(draws=True), ValueError, r"draws=True \(bool\)"),
    APICase("fit-tune-zero", _fit(tune=0), ValueError, r"tune=0 .*positive integer"),
    APICase("fit-tune-negative", _fit(tune=-1), ValueError, r"tune=-1 .*positive integer"),
    APICase("fit-chains-zero", _fit(chains=0), ValueError, r"chains=0 .*positive integer"),
    APICase("fit-chains-float", _fit(chains=1.5), ValueError, r"chains=1\.5 \(float\)"),
    APICase("fit-seed-negative", _fit(random_seed=-1), ValueError, r"random_seed=-1 .*non-neg"),
    APICase("fit-seed-float", _fit(random_seed=1.5), ValueError, r"random_seed=1\.5"),
    APICase("fit-seed-text", _fit(random_seed="x"), ValueError, r"random_seed='x'"),
    APICase("fit-sampler-unknown", _fit(sampler="stan"), ValueError, r"unknown sampler 'stan'"),
    APICase("fit-numpyro-marginal", _fit(sampler="numpyro"), ValueError, r"latent='sampled'"),
    APICase("forecast-until-float", _fc(until=2030.0), ValueError, r"until=2030\.0 \(float\)"),
    APICase("forecast-until-text", _fc(until="2030"), ValueError, r"until='2030' \(str\)"),
    APICase("forecast-until-huge", _fc(until=10**7), ValueError, r"more than 100 years"),
    APICase("forecast-until-before", _fc(until=2020), ValueError, r"until=2020 is before"),
    APICase("forecast-until-none", _fc(until=None), ValueError, r"until=None"),
    APICase("forecast-start-early", _fc(start=1900), ValueError, r"start=1900: must lie"),
    APICase("forecast-start-float", _fc(start=2026.5), ValueError, r"start=2026\.5 \(float\)"),
    APICase("forecast-seed-negative", _fc(random_seed=-1), ValueError, r"random_seed=-1"),
    APICase("forecast-scenario-unknown", _fc(scenario="zz"), ScenarioError, r"unknown scenario"),
    APICase(
        "forecast-scenarios-until-huge",
        lambda m, f, tmp: forecast_scenarios(m, f, until=10**7),
        ValueError,
        r"more than 100 years",
    ),
    APICase(
        "intervene-nan", _iv(do={"security": NAN}), ValueError, r"finite numbers.*'security': nan"
    ),
    APICase("intervene-inf", _iv(do={"security": INF}), ValueError, r"finite numbers"),
    APICase("intervene-text-value", _iv(do={"security": "1"}), ValueError, r"finite numbers"),
    APICase("intervene-bool-value", _iv(do={"security": True}), ValueError, r"finite numbers"),
    APICase("intervene-empty", _iv(do={}), ValueError, r"give do=\{driver: value\}"),
    APICase("intervene-not-mapping", _iv(do=[1.0]), ValueError, r"give do=\{driver: value\}"),
    APICase("intervene-driver-unknown", _iv(do={"nope": 1.0}), ValueError, r"unknown driver"),
    APICase("intervene-from-float", _iv(from_year=2026.5), ValueError, r"from_year=2026\.5"),
    APICase("intervene-from-first-year", _iv(from_year=1992), ValueError, r"from_year=1992"),
    APICase("intervene-from-after-until", _iv(from_year=2040), ValueError, r"from_year=2040"),
    APICase("intervene-until-huge", _iv(until=10**7), ValueError, r"more than 100 years"),
    APICase("intervene-until-text", _iv(until="2030"), ValueError, r"until='2030'"),
    APICase("intervene-seed-negative", _iv(random_seed=-2), ValueError, r"random_seed=-2"),
    APICase("cf-event-unknown", _cf(drop_events="nope"), ValueError, r"unknown event\(s\)"),
    APICase("cf-events-not-list", _cf(drop_events=5), ValueError, r"an event name or a list"),
    APICase("cf-until-text", _cf(drop_events=["us_2009_obama"], until="2030"), ValueError, "str"),
    APICase("cf-until-before", _cf(drop_events=["us_2009_obama"], until=2020), ValueError, "bef"),
    APICase("cf-until-huge", _cf(drop_events=["us_2009_obama"], until=10**7), ValueError, "100"),
    APICase("cf-hold-nan", _cf(hold={"security": NAN}, from_year=2000), ValueError, r"finite"),
    APICase("cf-hold-no-from", _cf(hold={"security": 1.0}), ValueError, r"needs from_year="),
    APICase("cf-hold-not-mapping", _cf(hold=[1.0], from_year=2000), ValueError, r"a mapping"),
    APICase("cf-hold-from-late", _cf(hold={"security": 1.0}, from_year=2040), ValueError, r"2040"),
    APICase("cf-nothing", _cf(), ValueError, r"nothing to change"),
    APICase(
        "save-csv-suffix",
        lambda m, f, tmp: m.save(tmp / "fit.csv", f),
        ModelFileError,
        r"fit\.csv: a model file is netCDF.*end in \.nc.*e\.g\. fit\.nc",
    ),
    APICase(
        "save-no-suffix",
        lambda m, f, tmp: m.save(tmp / "fit", f),
        ModelFileError,
        r"fit: .*end in \.nc \(not 'no suffix'\)",
    ),
    APICase(
        "save-exists",
        lambda m, f, tmp: (m.save(tmp / "a.nc", f), m.save(tmp / "a.nc", f)),
        FileExistsError,
        r"a\.nc exists; pass overwrite=True",
    ),
    APICase(
        "save-nothing",
        lambda m, f, tmp: TensionModel(m.panel).save(tmp / "a.nc"),
        ValueError,
        r"nothing to save",
    ),
    APICase(
        "load-missing",
        lambda m, f, tmp: TensionModel.load(tmp / "none.nc"),
        FileNotFoundError,
        r"model file not found: .*none\.nc",
    ),
    APICase(
        "load-text-file",
        lambda m, f, tmp: (tmp.joinpath("t.nc").write_text("x"), TensionModel.load(tmp / "t.nc")),
        ModelFileError,
        r"t\.nc: not a readable netCDF model file",
    ),
    APICase(
        "load-foreign-netcdf",
        lambda m, f, tmp: (
            xr.Dataset({"a": ("x", [1.0])}).to_netcdf(tmp / "f.nc", engine="h5netcdf"),
            TensionModel.load(tmp / "f.nc"),
        ),
        ModelFileError,
        r"f\.nc is not a causal_model fit \(missing panel, events",
    ),
    APICase(
        "run-seed-negative",
        lambda m, f, tmp: pipeline.run(tmp / "o", RunSettings(seed=-1)),
        SettingsError,
        r"--seed -1",
    ),
    APICase(
        "run-until-before",
        lambda m, f, tmp: pipeline.run(tmp / "o", RunSettings(until=2020)),
        SettingsError,
        r"--until=2020 is before",
    ),
    APICase(
        "run-claims-variant",
        lambda m, f, tmp: pipeline.run(tmp / "o", RunSettings(variant="no_elite"), claims=True),
        SettingsError,
        r"--claims",
    ),
]


@pytest.mark.parametrize("case", API_CASES, ids=[c.id for c in API_CASES])
def test_api_refuses(case: APICase, tiny_fit, tmp_path, no_work):
    model, idata = tiny_fit
    with pytest.raises(case.error, match=case.match):
        case.call(model, idata, tmp_path)
    assert not (tmp_path / "o").exists()


def test_drop_events_accepts_one_name(tiny_fit):
    model, idata = tiny_fit
    one = counterfactual(model, idata, drop_events="us_2009_obama")
    listed = counterfactual(model, idata, drop_events=["us_2009_obama"])
    np.testing.assert_array_equal(one["effect"].values, listed["effect"].values)
    assert "without us_2009_obama" in one.attrs["question"]


def test_prior_without_a_required_parameter_is_refused(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(
        'extends = "neoclassical_realism"\n[beta_mu]\ndist = "Normal"\nkwargs = {mu = 0.3}\n'
    )
    with pytest.raises(ValueError, match=r"beta_mu.*sigma"):
        load_priors(path)


# ------------------------------------------------------------ fits that did not finish
def _trace(chains: int, draws: int, nan_from: int | None = None) -> az.InferenceData:
    beta = np.random.default_rng(0).normal(size=(chains, draws, 3))
    if nan_from is not None:
        beta[-1, nan_from:] = np.nan  # nutpie pads a chain that stopped early with NaN
    return az.from_dict(posterior={"beta": beta}, sample_stats={"n_steps": np.ones(beta.shape[:2])})


class _Running:
    """nutpie's background sampler: ``wait`` returns the trace (or raises), ``cancel``."""

    def __init__(self, result) -> None:
        self.result, self.cancelled = result, False

    def wait(self):
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result

    def cancel(self) -> None:
        self.cancelled = True


@pytest.fixture
def stub_nutpie(monkeypatch) -> dict:
    held: dict = {}

    def sample(compiled, **kwargs):
        assert kwargs["blocking"] is False  # nutpie's blocking call hides an interrupt
        held["running"] = _Running(held["result"])
        return held["running"]

    monkeypatch.setattr(nutpie, "sample", sample)
    monkeypatch.setattr(sampling, "compiled_nutpie", lambda *args, **kwargs: None)
    return held


def _interrupted_pymc(trace):
    def sample(**kwargs):  # PyMC catches the KeyboardInterrupt and returns what it has
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        return trace

    return sample


SAMPLER_CASES = [
    # (id, engine, returned trace or raised exception, chains, draws, error, message)
    ("nutpie-short", "nutpie", _trace(1, 2397), 1, 20000, IncompleteFitError, r"1 chains x 2397"),
    ("nutpie-nan-padded", "nutpie", _trace(2, 50, 20), 2, 50, IncompleteFitError, r"chain 1: 30"),
    ("nutpie-fewer-chains", "nutpie", _trace(1, 50), 2, 50, IncompleteFitError, r"of the 2 x 50"),
    (
        "nutpie-stopped-in-tuning",
        "nutpie",
        az.from_dict(sample_stats={"n_steps": np.ones((2, 5))}),
        2,
        50,
        IncompleteFitError,
        r"no posterior draws .*during tuning",
    ),
    (
        "nutpie-interrupted",
        "nutpie",
        KeyboardInterrupt(),
        2,
        50,
        KeyboardInterrupt,
        r"sampling interrupted; no fit was returned",
    ),
    ("pymc-short", "pymc", _trace(2, 30), 2, 50, IncompleteFitError, r"2 chains x 30 draws"),
    (
        "pymc-interrupt-swallowed",
        "pymc",
        _interrupted_pymc(_trace(2, 50)),
        2,
        50,
        KeyboardInterrupt,
        r"sampling interrupted",
    ),
]


@pytest.mark.parametrize(
    ("engine", "result", "chains", "draws", "error", "match"),
    [c[1:] for c in SAMPLER_CASES],
    ids=[c[0] for c in SAMPLER_CASES],
)
def test_unfinished_fit_is_refused(
    stub_nutpie, monkeypatch, engine, result, chains, draws, error, match
):
    if engine == "pymc":
        sample = result if callable(result) else (lambda **kwargs: result)
        monkeypatch.setattr(pm, "sample", sample)
    else:
        stub_nutpie["result"] = result
    # Ctrl-C as in an interactive session: Python's own SIGINT handler (a test runner's
    # worker process may ignore SIGINT, and then no interrupt ever reaches the sampler)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(error, match=match):
            run_sampler(pm.Model(), engine, draws, 10, chains, 1)
    finally:
        signal.signal(signal.SIGINT, previous)
    if "running" in stub_nutpie and isinstance(result, KeyboardInterrupt):
        assert stub_nutpie["running"].cancelled  # the sampler is stopped, not left running


def test_fit_returns_no_short_posterior(tiny_fit, stub_nutpie):
    model, _ = tiny_fit
    stub_nutpie["result"] = _trace(1, 2397)
    fresh = TensionModel(model.panel)
    with pytest.raises(IncompleteFitError, match=r"2397 draws of the 1 x 20000"):
        fresh.fit(draws=20000, tune=10, chains=1, diagnostics=False)
    assert fresh.idata_ is None


# ------------------------------------------------------------------------ output folders
OLD = {"model.nc": "old model", "hypotheses.csv": "old", "run_config.toml": "old", "x.txt": "mine"}


def _old_outputs(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in OLD.items():
        (folder / name).write_text(text)


def _assert_unchanged(folder: Path) -> None:
    assert {p.name: p.read_text() for p in folder.iterdir()} == OLD
    assert not [p for p in folder.parent.iterdir() if PARTIAL.search(p.name)]


def test_failed_run_leaves_the_old_outputs(tiny_fit, tmp_path, monkeypatch):
    out = tmp_path / "results"
    _old_outputs(out)
    monkeypatch.setattr(pipeline, "fit_model", lambda *args, **kwargs: tiny_fit)

    def fail_midway(model, idata, folder, **kwargs):
        (Path(folder) / "forecast_fan.png").write_text("new, but the run fails")
        raise RuntimeError("a figure failed")

    monkeypatch.setattr(pipeline, "write_forecast_outputs", fail_midway)
    with pytest.raises(RuntimeError, match="a figure failed"):
        pipeline.run(out, RunSettings(), quick=True, force=True, log=lambda *a: None)
    _assert_unchanged(out)


def test_interrupted_run_exits_130_and_leaves_the_old_outputs(tmp_path, monkeypatch, capsys):
    out = tmp_path / "results"
    _old_outputs(out)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt("sampling interrupted; no fit was returned")

    monkeypatch.setattr(pipeline, "fit_model", interrupted)
    assert main(["run", "--out", str(out), "--force", "--quick", "--quiet"]) == 130
    captured = capsys.readouterr()
    assert captured.out == ""  # --quiet: nothing but the error
    assert re.fullmatch(r"error: interrupted; nothing was written.*\n", captured.err)
    _assert_unchanged(out)


def test_forced_run_replaces_exactly_its_outputs(tiny_fit, tmp_path, monkeypatch, capsys):
    out = tmp_path / "results"
    _old_outputs(out)
    (out / "elpd.png").write_text("from an earlier run --claims")
    stale_tmp = out / ".model.nc.k2j3.tmp"  # a save killed by SIGKILL
    stale_tmp.write_text("half a file")
    os.utime(stale_tmp, (0, 0))
    stale_stage = tmp_path / ".results.partial-999999999-abcd"  # a run killed by SIGKILL
    (stale_stage / "sub").mkdir(parents=True)
    monkeypatch.setattr(pipeline, "fit_model", lambda *args, **kwargs: tiny_fit)
    assert main(["run", "--out", str(out), "--force", "--quick"]) == 0
    captured = capsys.readouterr()
    phases = [line for line in captured.out.splitlines() if line and line[0].islower()]
    assert phases[:3] == [
        "loading the data",
        "writing the model file",
        "forecasting to 2030 under 3 scenarios (default, russian_change, no_russian_change)",
    ]
    assert "BLAS" not in captured.err and "Traceback" not in captured.err
    names = {p.name for p in out.iterdir()}
    expected = set(pipeline.run_outputs(claims=False)) | {"x.txt"}  # not an output: kept
    assert names == expected, names ^ expected  # elpd.png (not written by this run) is gone
    assert (out / "hypotheses.csv").read_text() != "old"
    assert "draws = 100" in (out / "run_config.toml").read_text()  # what --quick really used
    assert not stale_stage.exists() and not (out / ".model.nc.k2j3.tmp").exists()
    assert not [p for p in tmp_path.iterdir() if PARTIAL.search(p.name)]


def test_staged_outputs_publish_only_on_success(tmp_path):
    target = tmp_path / "t"
    target.mkdir()
    (target / "a.csv").write_text("old a")
    (target / "b.csv").write_text("old b")
    with pytest.raises(ValueError, match="boom"):
        with staged_outputs(target, ["a.csv", "b.csv"]) as stage:
            (stage / "a.csv").write_text("new a")
            raise ValueError("boom")
    assert (target / "a.csv").read_text() == "old a" and (target / "b.csv").is_file()
    with staged_outputs(target, ["a.csv", "b.csv"]) as stage:
        (stage / "a.csv").write_text("new a")
    assert sorted(p.name for p in target.iterdir()) == ["a.csv"]
    assert (target / "a.csv").read_text() == "new a"
    with staged_outputs(tmp_path / "new", ["a.csv"]):
        pass
    assert not (tmp_path / "new").exists()  # a folder made for a run that wrote nothing


_HOLD_LOCK = """
import sys, time
from causal_model.app.output_folder import folder_lock
with folder_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(60)
"""

_KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from causal_model.app.output_folder import staged_outputs
target = Path(sys.argv[1])
with staged_outputs(target, ["model.nc"]) as stage:
    (stage / "model.nc").write_text("half")
    (target / ".run_config.toml.x1y2.tmp").write_text("half")  # an atomic write's temp file
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_second_run_into_a_busy_folder_is_refused(tmp_path, no_work, capsys):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(out)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert main(["fit", "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert re.fullmatch(rf"error: .*out is in use by process {holder.pid} .*\n", err), err
    finally:
        holder.kill()
        holder.wait()
    assert not (out / "model.nc").exists()


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path, monkeypatch):
    target = tmp_path / "out"
    target.mkdir()
    done = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(target)], check=False)
    assert done.returncode == -signal.SIGKILL
    left = [p for p in tmp_path.iterdir() if PARTIAL.search(p.name)]
    assert len(left) == 1 and (target / ".run_config.toml.x1y2.tmp").exists()
    # the next run (a new process: started after the kill) removes both
    monkeypatch.setattr(output_folder, "STARTED", time.time() + 1)
    with folder_lock(target):
        removed = clean_stale(target)
    assert sorted(p.name for p in removed) == sorted([left[0].name, ".run_config.toml.x1y2.tmp"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"] and not any(target.iterdir())


def test_files_of_a_running_writer_are_kept(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    fresh = target / ".a.csv.q1.tmp"
    fresh.write_text("being written")  # newer than this process: may belong to a live one
    live = tmp_path / f".out.partial-{os.getppid()}-zz"  # a live process, recent
    live.mkdir()
    with folder_lock(target):
        assert clean_stale(target) == []
    assert fresh.exists() and live.exists()


# ---------------------------------------------------------------- interrupt and console
_CLI = "import sys; from causal_model.app.cli import main; sys.exit(main(sys.argv[1:]))"


def test_ctrl_c_during_a_real_fit_exits_130_with_one_line(real_panel, tmp_path):
    out = tmp_path / "out"
    argv = ["fit", "--out", str(out), "--draws", "20000", "--tune", "50", "--chains", "1"]
    proc = subprocess.Popen(
        [sys.executable, "-c", _CLI, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # as from a terminal: SIGINT not ignored (a test runner's worker process may ignore
        # it, and a child inherits that)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        for line in proc.stdout:
            if line.startswith("sampling"):
                break
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert re.fullmatch(r"error: interrupted; nothing was written.*\n", err), err  # no noise
    assert not out.exists() and not [p for p in tmp_path.iterdir() if PARTIAL.search(p.name)]


def test_no_third_party_notices_on_the_console(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}  # ArviZ's daily notice due
    plain = subprocess.run(
        [sys.executable, "-c", "import arviz"], env=env, capture_output=True, text=True
    )
    assert "ArviZ is undergoing a major refactor" in plain.stderr  # it would be shown
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache2")
    done = subprocess.run(
        [sys.executable, "-c", _CLI, "priors", "check", "weakly_informative"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.startswith("ok: ")
