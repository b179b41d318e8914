"""Download the raw data files from their publishers, or from a mirror, with ``pooch``.

:func:`fetch_raw_data` fills a folder laid out like the raw data folder
(``<dataset>/<file>``), by default ``raw/`` in the user's cache folder, which
:func:`causal_model.data.resolve_raw_dir` then finds. Each file is checked against its
SHA-256 in :data:`~causal_model.data.raw_files.RAW_FILES`: a download whose bytes differ is
refused (nothing is saved) with an error naming the file.

Of the 46 files of the table, 37 have a publisher URL: the byte-exact copy in a public
GitHub repository at the commit named in the PROVENANCE files
(``https://raw.githubusercontent.com/<repo>/<commit>/<path>``). Nine have none and are never
guessed: eight DERIVED row subsets made by the data curators (UNGA ideal points as CSV, the
US/Russia UN votes, the two MID subsets, the Pew respondents, the ICEWS rows, the Archigos
and ATOP rows) and the TRANSCRIBED NATO accession years. They come from a mirror, a copy of a
complete raw folder served over HTTP(S) (``mirror=`` or ``CAUSAL_MODEL_DATA_MIRROR``), which
then replaces the publishers' URLs for every file; or they are copied by hand from such a
folder. ``CAUSAL_MODEL_DATA`` (an existing local folder) is still used first by
:func:`~causal_model.data.resolve_raw_dir`, for offline or institutional copies.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, urlparse

import pooch
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

from causal_model.data.cache import fetched_raw_dir
from causal_model.data.paths import ENV_VAR, DataNotFoundError
from causal_model.data.raw_checks import RawDataError
from causal_model.data.raw_files import RAW_FILES, RawFile, file_sha256

__all__ = ["MIRROR_ENV_VAR", "fetch_raw_data", "file_url"]

#: Environment variable: base URL of a mirror of the raw folder (``<base>/<dataset>/<file>``).
MIRROR_ENV_VAR = "CAUSAL_MODEL_DATA_MIRROR"


def file_url(entry: RawFile, mirror: str | None = None) -> str | None:
    """Return where ``entry`` is downloaded from: the mirror's copy, else the publisher URL.

    Parameters
    ----------
    entry
        A row of :data:`~causal_model.data.raw_files.RAW_FILES`.
    mirror
        Base URL of a mirror of the raw folder, or None.

    Returns
    -------
    str or None
        The URL; None for a DERIVED or TRANSCRIBED file when there is no mirror.
    """
    if mirror:
        return f"{mirror.rstrip('/')}/{quote(entry.dataset)}/{quote(entry.filename)}"
    return entry.url


class _FileBar:
    """A progress bar for one download, drawn by :mod:`rich` (pooch's progress-bar protocol).

    pooch sets ``total`` to the file's size, then calls ``update``, ``reset`` and ``close``.
    """

    def __init__(self, progress: Progress, description: str) -> None:
        self._progress = progress
        self._task = progress.add_task(description, total=None)
        self.total: int | None = None

    def update(self, n: int) -> None:
        self._progress.update(self._task, total=self.total or None, advance=n)

    def reset(self) -> None:
        self._progress.reset(self._task, total=self.total or None)

    def close(self) -> None:
        self._progress.update(self._task, completed=self.total or 0)


def _download(entry: RawFile, url: str, target: Path, bar: _FileBar | bool) -> None:
    try:
        pooch.retrieve(
            url,
            known_hash=f"sha256:{entry.sha256}",
            fname=entry.filename,
            path=target.parent,
            progressbar=bar,
        )
    except ValueError as err:  # pooch: the downloaded bytes do not match the known hash
        raise RawDataError(
            f"raw file {entry.relpath} downloaded from {url} was refused: its SHA-256 differs "
            f"from {entry.sha256[:16]}... of the version this package was tested with (a "
            "damaged download, a changed file at the source or a wrong mirror); nothing was "
            "saved. Try again, use another mirror, or copy the right file into "
            f"{target.parent} ({' '.join(str(err).split())})"
        ) from err
    except OSError as err:  # connection refused, HTTP 404, ... (requests errors are OSErrors)
        raise DataNotFoundError(
            f"could not download raw file {entry.relpath} from {url}: {err}. Check the network "
            f"or the mirror ({MIRROR_ENV_VAR}), or set {ENV_VAR} to a local raw data folder"
        ) from err


def _unavailable_error(missing: list[RawFile], dest: Path) -> DataNotFoundError:
    listed = "; ".join(f"{e.relpath} ({e.origin})" for e in missing)
    return DataNotFoundError(
        f"{len(missing)} raw file(s) have no download URL and are not in {dest}: {listed}. "
        f"Fetch them from a mirror of a complete raw data folder (mirror=... or "
        f"{MIRROR_ENV_VAR}=https://...), or copy them into {dest}/<dataset>/ from such a "
        f"folder, or set {ENV_VAR} to a complete local raw data folder. The other files were "
        "fetched and checked"
    )


def fetch_raw_data(
    dest: str | os.PathLike | None = None,
    *,
    mirror: str | None = None,
    progress: bool = False,
    datasets: Iterable[str] | None = None,
) -> Path:
    """Download the raw data files and check each against its SHA-256.

    Files already in ``dest`` with the right hash are not downloaded again; a file there
    with another hash is replaced by a fresh download.

    Parameters
    ----------
    dest
        Folder to fill (laid out as ``<dataset>/<file>``). Default: ``raw/`` in the user's
        cache folder (``CAUSAL_MODEL_CACHE``, else the platform's cache for
        ``causal_model``), which :func:`~causal_model.data.resolve_raw_dir` uses when
        neither ``raw_dir=`` nor ``CAUSAL_MODEL_DATA`` is given.
    mirror
        Base URL of a mirror of the raw folder; replaces every publisher URL. Default: the
        ``CAUSAL_MODEL_DATA_MIRROR`` environment variable, else the publishers. An empty
        string means no mirror, whatever the environment says.
    progress
        Show a progress bar per download (with :mod:`rich`).
    datasets
        Fetch only these data sets (folder names such as ``"sipri_milex"``); default all.

    Returns
    -------
    pathlib.Path
        The filled folder: pass it as ``raw_dir=`` or set ``CAUSAL_MODEL_DATA`` to it.

    Raises
    ------
    RawDataError
        When a downloaded file's SHA-256 differs from the table (the message names it).
    DataNotFoundError
        When a download fails, or when files without a publisher URL (DERIVED or
        TRANSCRIBED) are needed and no mirror was given; every other file is fetched first.
    ValueError
        For an unknown data set name, or a mirror that is not an http(s) or file URL.
    """
    dest = Path(dest) if dest is not None else fetched_raw_dir()
    mirror = mirror if mirror is not None else os.environ.get(MIRROR_ENV_VAR)
    mirror = mirror or None  # "" (argument or variable): no mirror
    if mirror is not None and urlparse(mirror).scheme not in ("http", "https", "file"):
        raise ValueError(
            f"mirror {mirror!r} is not a URL: give the base URL of a copy of the raw folder, "
            "e.g. https://example.org/causal_model/raw"
        )
    entries = list(RAW_FILES)
    if datasets is not None:
        wanted = set(datasets)
        unknown = sorted(wanted - {e.dataset for e in entries})
        if unknown:
            known = ", ".join(sorted({e.dataset for e in entries}))
            raise ValueError(f"unknown data set(s) {unknown}; known: {known}")
        entries = [e for e in entries if e.dataset in wanted]
    missing: list[RawFile] = []
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)  # pooch's "Downloading ..." lines; rich shows progress
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(), disable=not progress
        ) as bars:
            for entry in entries:
                target = dest / entry.dataset / entry.filename
                url = file_url(entry, mirror)
                if url is None:
                    if not (target.is_file() and file_sha256(target) == entry.sha256):
                        missing.append(entry)
                    continue
                bar = _FileBar(bars, entry.relpath) if progress else False
                _download(entry, url, target, bar)
    finally:
        logger.setLevel(level)
    if missing:
        raise _unavailable_error(missing, dest)
    return dest
