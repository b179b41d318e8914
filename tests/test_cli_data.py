"""Tests of ``causal-model data``: coverage table, exports, and one-line user errors."""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from causal_model import __version__
from causal_model.app.cli import main
from causal_model.data import RAW_FILES, from_csv
from causal_model.data.raw_files import file_sha256
from causal_model.dims import INDICATOR, LATENTS


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _assert_user_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


def test_table_lists_every_indicator(real_panel, capsys):
    code, out, err = _run(capsys, "data")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["indicator", "latent", "family", "source", "years", "observed"]
    rows = {ln.split()[0]: ln.split() for ln in lines[2:] if ln.strip() and ln[0] != " "}
    for key in real_panel[INDICATOR].values:
        row = rows[str(key)]
        sel = {INDICATOR: key}
        assert row[1] == str(real_panel["latent"].sel(sel).item())
        assert row[2] == str(real_panel["family"].sel(sel).item())
        assert row[3] == str(real_panel["source"].sel(sel).item())
    # the columns are aligned: every table row has its latent at the same offset
    table = lines[2 : 2 + real_panel.sizes[INDICATOR]]
    assert len({ln.index(ln.split()[1], len(ln.split()[0])) for ln in table}) == 1
    summary = [ln for ln in lines if ln.startswith(f"{real_panel.sizes[INDICATOR]} indicators")]
    assert len(summary) == 1
    for latent in LATENTS:
        n = int((real_panel["latent"] == latent).sum())
        assert f"{latent} {n}" in summary[0]


def test_writes_csv_and_netcdf(real_panel, capsys, tmp_path):
    csv, nc = tmp_path / "out" / "panel.csv", tmp_path / "panel.nc"
    code, out, err = _run(capsys, "data", "--csv", str(csv), "--netcdf", str(nc))
    assert code == 0, err
    assert f"wrote {csv}" in out and f"wrote {nc}" in out
    back = from_csv(csv)
    for var in ("raw", "value", "trials"):
        np.testing.assert_array_equal(back[var].values, real_panel[var].values)
    assert list(back[INDICATOR].values) == list(real_panel[INDICATOR].values)
    with xr.open_dataset(nc, engine="h5netcdf") as ds:
        np.testing.assert_array_equal(ds["value"].values, real_panel["value"].values)
        assert list(ds["latent"].values) == list(real_panel["latent"].values)


def test_existing_output_needs_force(real_panel, capsys, tmp_path):
    csv = tmp_path / "panel.csv"
    csv.write_text("keep me")
    code, _, err = _run(capsys, "data", "--csv", str(csv))
    _assert_user_error(code, err, "--force", str(csv))
    assert csv.read_text() == "keep me"
    code, _, err = _run(capsys, "data", "--csv", str(csv), "--force")
    assert code == 0, err
    assert from_csv(csv).sizes == real_panel.sizes


def test_plot_written(real_panel, capsys, tmp_path):
    png = tmp_path / "indicators.png"
    code, out, err = _run(capsys, "data", "--plot", str(png))
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_raw_dir_is_one_line_error(capsys, tmp_path):
    missing = tmp_path / "nowhere"
    code, out, err = _run(capsys, "data", "--raw-dir", str(missing))
    _assert_user_error(code, err, str(missing))
    assert out == ""


def test_missing_raw_file_is_one_line_error(capsys, tmp_path):
    code, _, err = _run(capsys, "data", "--raw-dir", str(tmp_path), "--no-cache")
    _assert_user_error(code, err, "missing raw file")


@pytest.mark.parametrize(
    ("option", "name"),
    [("--csv", "panel.txt"), ("--netcdf", "panel.csv"), ("--plot", "plot.docx")],
)
def test_bad_suffix(capsys, tmp_path, option, name):
    code, _, err = _run(capsys, "data", option, str(tmp_path / name))
    _assert_user_error(code, err, option, "suffix")


def test_unwritable_folder(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = _run(capsys, "data", "--netcdf", str(blocker / "sub" / "panel.nc"))
    _assert_user_error(code, err, str(blocker))


def test_output_is_a_folder(capsys, tmp_path):
    folder = tmp_path / "x.csv"
    folder.mkdir()
    code, _, err = _run(capsys, "data", "--csv", str(folder), "--force")
    _assert_user_error(code, err, "folder")


def test_version_and_usage(capsys):
    code, out, _ = _run(capsys, "--version")
    assert code == 0 and __version__ in out
    code, _, err = _run(capsys)
    assert code == 2 and "usage:" in err
    code, _, err = _run(capsys, "data", "--bogus")
    assert code == 2 and "--bogus" in err


def test_python_dash_m(real_panel, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "causal_model", "data"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "gpr_russia" in proc.stdout


def _shared_raw() -> Path:
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "raw"
    if not shared.is_dir():
        pytest.skip(f"shared raw data folder absent: {shared}")
    return shared


@pytest.fixture(scope="module")
def mirror() -> Iterator[str]:
    """A local HTTP server serving the shared raw folder (no publisher is contacted)."""
    handler = functools.partial(_QuietHandler, directory=str(_shared_raw()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_data_fetch_says_where_and_how(mirror, capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("CAUSAL_MODEL_DATA", raising=False)
    dest = tmp_path / "raw"
    code, out, err = _run(
        capsys, "data", "fetch", "--dest", str(dest), "--mirror", mirror, "--datasets", "polity5"
    )
    assert code == 0, err
    (entry,) = [e for e in RAW_FILES if e.dataset == "polity5"]
    assert file_sha256(dest / entry.relpath) == entry.sha256
    assert f"the raw data files are in {dest}" in out
    assert f"export CAUSAL_MODEL_DATA={dest}" in out and f"--raw-dir {dest}" in out
    monkeypatch.delenv("CAUSAL_MODEL_DATA_MIRROR", raising=False)
    only = ("--datasets", "nato_accessions_transcribed")  # no publisher URL: mirror only
    code, out, err = _run(capsys, "data", "fetch", "--dest", str(dest), *only, "--quiet")
    assert code == 2 and out == ""  # files without a publisher URL need a mirror: one line
    assert err.startswith("error: ") and len(err.splitlines()) == 1 and "mirror" in err


def test_data_without_action_still_shows_coverage(real_panel, capsys, tmp_path):
    csv = tmp_path / "p.csv"
    code, out, err = _run(capsys, "data", "--csv", str(csv))
    assert code == 0, err
    assert out.splitlines()[0].split()[0] == "indicator" and csv.is_file()
