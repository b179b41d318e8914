"""The user's cache folder, and the key of a cached panel.

The folder is ``CAUSAL_MODEL_CACHE`` when set, else the platform's cache folder for
``causal_model`` (``pooch.os_cache``; ``~/.cache/causal_model`` on Linux). It holds built
panels (``panel-<key>.nc``) and the raw files of :func:`causal_model.data.fetch_raw_data`
(``raw/``, laid out like the raw data folder).

A built panel is reused only when everything it was built from is the same: the raw files
(the SHA-256 of every file of :data:`~causal_model.data.raw_files.RAW_FILES` present in the
raw folder, and of the registry's files, the facts files of entries with ``source = "facts"``
included), the package version, the source code of the data layer (every module and table of
``causal_model/data``, its facts files, and ``causal_model/dims.py``), the registry and the
first year. No version number is bumped by hand: changing a reader changes
the key.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import pooch

from causal_model import __version__
from causal_model.data.facts import FACTS_DIR, FACTS_SOURCE
from causal_model.data.raw_files import RAW_FILES, file_sha256, verify_raw_file

__all__ = ["CACHE_ENV_VAR", "cache_root", "code_fingerprint", "fetched_raw_dir", "panel_cache_key"]

CACHE_ENV_VAR = "CAUSAL_MODEL_CACHE"
_DATA_DIR = Path(__file__).resolve().parent
_PACKAGE_DIR = _DATA_DIR.parent


def cache_root() -> Path:
    """Return the cache folder (``CAUSAL_MODEL_CACHE``, else the platform's user cache)."""
    env = os.environ.get(CACHE_ENV_VAR)
    return Path(env) if env else Path(pooch.os_cache("causal_model"))


def fetched_raw_dir() -> Path:
    """Return the folder :func:`causal_model.data.fetch_raw_data` downloads into by default."""
    return cache_root() / "raw"


def code_fingerprint() -> str:
    """Return the SHA-256 of the data layer's source: ``causal_model/data`` and ``dims.py``.

    Every ``.py`` and ``.toml`` file of the data folder (readers, checks, panel building,
    registry, file table) and of its ``facts/`` folder counts, by name and content, so an
    upgraded reader or a corrected fact never serves a panel built by the old one.
    """
    digest = hashlib.sha256()
    files = sorted([*_DATA_DIR.glob("*.py"), *_DATA_DIR.glob("*.toml")])
    named = [(f"data/{p.name}", p) for p in files]
    named += [(f"data/facts/{p.name}", p) for p in sorted(FACTS_DIR.glob("*.toml"))]
    named += [("dims.py", _PACKAGE_DIR / "dims.py")]
    for name, path in named:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def panel_cache_key(raw_dir: Path, registry: pd.DataFrame, first_year: int) -> str:
    """Return the cache key of the panel built from ``raw_dir``, checking the files' hashes.

    Parameters
    ----------
    raw_dir
        The raw data folder.
    registry
        The validated registry (its rows are part of the key).
    first_year
        The panel's first year.

    Returns
    -------
    str
        24 hex characters.

    Raises
    ------
    causal_model.data.RawDataError
        When a raw file's SHA-256 differs from the table and ``CAUSAL_MODEL_VERIFY_DATA`` is
        not ``0`` (so a cached panel is never served for a file that would be refused).
    """
    digest = hashlib.sha256()
    digest.update(f"{__version__}|{code_fingerprint()}|{first_year}|".encode())
    digest.update(registry.reset_index().to_json(orient="records").encode())
    named = list(zip(registry["source"], registry["file"], strict=True))
    files = {f.relpath for f in RAW_FILES}
    files |= {f"{d}/{n}" for d, n in named if n and d != FACTS_SOURCE}
    for relpath in sorted(files):
        path = raw_dir / relpath
        if not path.is_file():
            continue  # a reader that needs it says so when the panel is built
        sha = verify_raw_file(path, file_sha256(path))
        digest.update(f"{relpath}={sha}\n".encode())
    for name in sorted({n for d, n in named if n and d == FACTS_SOURCE}):
        path = FACTS_DIR / name  # the package's facts files, not the raw folder's
        if path.is_file():  # a missing one is reported when the panel is built
            digest.update(f"{FACTS_SOURCE}/{name}={file_sha256(path)}\n".encode())
    return digest.hexdigest()[:24]
