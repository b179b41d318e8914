"""Fetching the raw files through a mirror: a local HTTP server serving the shared raw folder.

The server (``http.server`` on 127.0.0.1, a free port, in a thread) serves the raw folder
that the package resolves by default (``../shared/data/raw`` beside the checkout); the tests
are skipped when it is absent. No publisher is contacted.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from causal_model.data import (
    RAW_FILES,
    DataNotFoundError,
    RawDataError,
    fetch_raw_data,
    load_us_russia,
    paths,
    resolve_raw_dir,
)
from causal_model.data.fetch import MIRROR_ENV_VAR, file_url
from causal_model.data.raw_files import file_sha256

#: A file served with one byte changed by the tampering server.
TAMPERED = "sanctions_gsdb/GSDB_V3.csv"


def _shared_raw() -> Path:
    # like the package: ../shared/data/raw beside the checkout (this file is tests/x.py)
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "raw"
    if not shared.is_dir():
        pytest.skip(f"shared raw data folder absent: {shared}")
    return shared


class _Handler(http.server.SimpleHTTPRequestHandler):
    tamper: str | None = None

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        pass

    def copyfile(self, source, outputfile) -> None:
        data = source.read()
        if self.tamper and self.path.lstrip("/") == self.tamper:
            data = data[:-1] + bytes([data[-1] ^ 1])  # same length, one bit flipped
        outputfile.write(data)


def _serve(folder: Path, tamper: str | None = None) -> Iterator[str]:
    handler = type("Handler", (_Handler,), {"tamper": tamper})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def shared() -> Path:
    return _shared_raw()


@pytest.fixture(scope="module")
def mirror(shared: Path) -> Iterator[str]:
    yield from _serve(shared)


@pytest.fixture(scope="module")
def fetched(mirror: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("fetched") / "raw"
    assert fetch_raw_data(dest, mirror=mirror) == dest
    return dest


def test_every_file_fetched_with_its_hash(fetched: Path, shared: Path) -> None:
    assert len(RAW_FILES) == 46
    for entry in RAW_FILES:
        path = fetched / entry.dataset / entry.filename
        assert path.is_file(), entry.relpath
        assert file_sha256(path) == entry.sha256 == file_sha256(shared / entry.relpath)
    served = {p.relative_to(fetched).as_posix() for p in fetched.rglob("*") if p.is_file()}
    assert served == {e.relpath for e in RAW_FILES}  # laid out like the raw folder, no extras


def test_panel_from_fetched_folder_equals_shared(fetched: Path, shared: Path) -> None:
    ours = load_us_russia(fetched, cache=False)
    theirs = load_us_russia(shared, cache=False)
    for var in ("raw", "value", "trials"):
        np.testing.assert_array_equal(ours[var].values, theirs[var].values)
    assert list(ours.indicator.values) == list(theirs.indicator.values)
    assert list(ours.year.values) == list(theirs.year.values)
    assert np.isfinite(ours["raw"].values).sum() > 400  # a real panel, not an empty one


def test_fetched_folder_is_the_fallback_raw_dir(fetched: Path, tmp_path, monkeypatch) -> None:
    # an installed package (no ../shared/data/raw beside it) finds the fetched folder
    monkeypatch.setattr(
        paths, "__file__", str(tmp_path / "site" / "causal_model" / "data" / "x.py")
    )
    monkeypatch.setenv("CAUSAL_MODEL_CACHE", str(fetched.parent))
    monkeypatch.delenv("CAUSAL_MODEL_DATA", raising=False)
    assert resolve_raw_dir() == fetched.resolve()
    # CAUSAL_MODEL_DATA (an existing local folder) still wins
    monkeypatch.setenv("CAUSAL_MODEL_DATA", str(_shared_raw()))
    assert resolve_raw_dir() == _shared_raw().resolve()
    # and with neither, the error says how to fetch
    monkeypatch.delenv("CAUSAL_MODEL_DATA")
    monkeypatch.setenv("CAUSAL_MODEL_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(DataNotFoundError, match="causal-model data fetch"):
        resolve_raw_dir()


def test_second_fetch_downloads_nothing(fetched: Path, mirror: str) -> None:
    before = {p: p.stat().st_mtime_ns for p in fetched.rglob("*") if p.is_file()}
    fetch_raw_data(fetched, mirror=mirror)
    assert {p: p.stat().st_mtime_ns for p in fetched.rglob("*") if p.is_file()} == before


def test_mirror_from_the_environment(mirror: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(MIRROR_ENV_VAR, mirror)
    dest = fetch_raw_data(tmp_path / "raw", datasets=["nato_accessions_transcribed"])
    (entry,) = [e for e in RAW_FILES if e.dataset == "nato_accessions_transcribed"]
    assert file_sha256(dest / entry.relpath) == entry.sha256  # TRANSCRIBED: mirror only


def test_served_file_with_other_bytes_is_refused(shared: Path, tmp_path: Path) -> None:
    dest = tmp_path / "raw"
    for url in _serve(shared, tamper=TAMPERED):
        with pytest.raises(RawDataError, match=r"GSDB_V3\.csv downloaded from .* refused"):
            fetch_raw_data(dest, mirror=url, datasets=["sanctions_gsdb"])
    assert not (dest / TAMPERED).exists()  # nothing saved


def test_without_mirror_derived_files_are_named_not_guessed(tmp_path: Path) -> None:
    derived = [e for e in RAW_FILES if e.url is None]
    assert len(derived) == 9
    assert all(("DERIVED" in e.origin) != ("TRANSCRIBED" in e.origin) for e in derived)
    assert all(file_url(e) is None for e in derived)
    assert all(file_url(e, "http://m/").startswith("http://m/") for e in RAW_FILES)
    # no network needed: only data sets whose files have no URL are asked for
    with pytest.raises(DataNotFoundError) as err:
        fetch_raw_data(tmp_path, mirror="", datasets=["pew_global_attitudes"])
    message = str(err.value)
    assert "pew_opi_RUS_USA_respondents.csv" in message and "DERIVED" in message
    assert MIRROR_ENV_VAR in message


def test_publisher_urls_are_pinned_raw_github_copies() -> None:
    urls = [e.url for e in RAW_FILES if e.url]
    assert len(urls) == 37
    for url in urls:
        assert url.startswith("https://raw.githubusercontent.com/")
        commit = url.split("/")[5]
        assert len(commit) == 40 and int(commit, 16) >= 0  # a full commit hash, not a branch
