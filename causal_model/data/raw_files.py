"""The raw files the package reads: where each comes from and the SHA-256 of its bytes.

The table (``raw_files.toml`` beside this module) lists every file of the raw data folder,
so every reader of :mod:`causal_model.data` reads one of them. The hashes were computed from
the files the package was written and tested with (``../shared/data/raw``; see
``PROVENANCE_events.md`` and ``PROVENANCE_drivers.md`` there), so a file that was cut short
at a row boundary, had a row duplicated, or was replaced by another vintage is recognised
even where parsing cannot see it. Set ``CAUSAL_MODEL_VERIFY_DATA=0`` to read a
deliberately updated file; the structural checks of :mod:`causal_model.data.validate` still
run.

The ``url`` of a file is a download from its publisher: the raw copy in the public GitHub
repository and commit named in the PROVENANCE files (each checked by its git blob hash).
Files that were DERIVED (row subsets made by the data curators) or TRANSCRIBED (typed from a
web page) have no download URL; ``origin`` says what they were made from.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from causal_model.data.raw_checks import RawDataError

__all__ = [
    "RAW_FILES",
    "TABLE_FILE",
    "VERIFY_ENV_VAR",
    "RawFile",
    "file_sha256",
    "how_to_get",
    "known_file",
    "verification_enabled",
    "verify_raw_file",
]

#: Environment variable: ``0`` (or ``false``, ``no``, ``off``) reads files whose hash differs.
VERIFY_ENV_VAR = "CAUSAL_MODEL_VERIFY_DATA"
_OFF = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class RawFile:
    """One raw file: its place in the raw folder, its SHA-256 and where to get it.

    Attributes
    ----------
    dataset
        Folder of the data set under the raw data folder.
    filename
        File name inside that folder.
    sha256
        Hex SHA-256 of the file's bytes.
    url
        Publisher download URL, or None when the file has none (DERIVED or TRANSCRIBED).
    origin
        Where the file comes from, in words (repository and commit, or what it was derived
        or transcribed from).
    """

    dataset: str
    filename: str
    sha256: str
    url: str | None
    origin: str

    @property
    def relpath(self) -> str:
        """``dataset/filename``: the file's path under the raw data folder."""
        return f"{self.dataset}/{self.filename}"


#: The table of raw files (TOML, shipped with the package).
TABLE_FILE = Path(__file__).with_name("raw_files.toml")


def _entry(row: dict[str, str]) -> RawFile:
    dataset, _, filename = row["path"].partition("/")
    if "repo" in row:
        url = (
            f"https://raw.githubusercontent.com/{row['repo']}/{row['commit']}/"
            f"{quote(row['source'])}"
        )
        origin = f"copy of {row['repo']}@{row['commit'][:12]}:{row['source']}"
        return RawFile(dataset, filename, row["sha256"], url, origin)
    kind = "derived" if "derived" in row else "transcribed"
    origin = f"{kind.upper()} (no download URL): {row[kind]}"
    return RawFile(dataset, filename, row["sha256"], None, origin)


def _load_table(path: Path = TABLE_FILE) -> tuple[RawFile, ...]:
    with path.open("rb") as fh:
        return tuple(_entry(row) for row in tomllib.load(fh)["file"])


#: Every raw file of the raw data folder, in the order of the PROVENANCE files.
RAW_FILES: tuple[RawFile, ...] = _load_table()
_BY_PATH: dict[tuple[str, str], RawFile] = {(f.dataset, f.filename): f for f in RAW_FILES}


def known_file(dataset: str, filename: str) -> RawFile | None:
    """Return the table entry of ``dataset/filename``, or None for a file the table lacks."""
    return _BY_PATH.get((dataset, filename))


def verification_enabled() -> bool:
    """Whether raw files are checked against their SHA-256 (``CAUSAL_MODEL_VERIFY_DATA``)."""
    return os.environ.get(VERIFY_ENV_VAR, "1").strip().lower() not in _OFF


def file_sha256(path: str | os.PathLike) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def how_to_get(entry: RawFile) -> str:
    """Where a file can be obtained again, in words (for error messages)."""
    if entry.url:
        return f"download {entry.url}"
    return f"{entry.origin}; copy it from a complete raw data folder or a mirror"


def verify_raw_file(path: str | os.PathLike, digest: str | None = None) -> str | None:
    """Check a raw file against the SHA-256 of the table; return its hash.

    Parameters
    ----------
    path
        The file, at ``<raw folder>/<dataset>/<filename>``.
    digest
        Its SHA-256 when already computed (e.g. from the bytes about to be parsed).

    Returns
    -------
    str or None
        The file's SHA-256; None when the table does not list the file (nothing to check).

    Raises
    ------
    RawDataError
        When the hash differs and ``CAUSAL_MODEL_VERIFY_DATA`` is not ``0``; the one-line
        message names the file and how to get the right one, or how to opt out.
    """
    path = Path(path)
    entry = known_file(path.parent.name, path.name)
    if entry is None:
        return digest
    digest = digest or file_sha256(path)
    if digest != entry.sha256 and verification_enabled():
        raise RawDataError(
            f"raw file {path}: its SHA-256 {digest[:16]}... differs from {entry.sha256[:16]}... "
            f"of the {entry.relpath} this package was written and tested with, so it is "
            "damaged, cut short or another version. Fetch it again "
            "(causal_model.data.fetch_raw_data(), or `causal-model data fetch`; source: "
            f"{how_to_get(entry)}); if you replaced it deliberately, set "
            f"{VERIFY_ENV_VAR}=0 to read it anyway (the structural checks still run)"
        )
    return digest
