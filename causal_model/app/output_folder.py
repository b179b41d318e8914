"""Output folders that are never left half-written, and never written by two runs at once.

:func:`staged_outputs` is how every command writes its files:

1. it takes the folder's lock (``<out>/.causal-model.lock``, holding the process id): a second
   run into the same folder is refused with :class:`FolderInUseError` naming the process;
2. it removes what runs killed earlier left behind (see below);
3. the command writes into a staging folder beside the target
   (``<parent>/.<out>.partial-<pid>-<random>``, same file system);
4. only when the command succeeded are the staged files moved into the target (each an atomic
   rename), and the command's other outputs left from an earlier run are removed, so the
   target holds exactly this run's outputs. On any failure or interrupt the staging folder is
   deleted and the target is untouched.

What is stale: under the folder's lock no other process can be writing there, so a staging
folder of the same target that this process did not make is stale when its owner (the process
id in its name) is no longer running or it was last changed before this process started (the
id was reused); an atomic write's temporary file (``.<name>.<random>.tmp``) in the target is
stale when it was last changed before this process started. Both are removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

try:  # POSIX: a kernel lock, released even when its process is killed
    import fcntl
except ImportError:  # Windows: the process id in the lock file is checked instead
    fcntl = None

LOCK_NAME = ".causal-model.lock"
PARTIAL = ".partial-"
#: Wall time this process started (at import, before any output is written).
STARTED = time.time()
_HELD: dict[Path, int] = {}
_MINE: set[Path] = set()


class FolderInUseError(Exception):
    """Another running process writes into the output folder."""


def pid_alive(pid: int) -> bool:
    """Whether a process with this id is running (on this machine)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    except OSError:  # Windows raises OSError for a finished process
        return False
    return True


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _in_use(folder: Path, pid: int | None) -> FolderInUseError:
    who = f"process {pid}" if pid else "another process"
    return FolderInUseError(
        f"{folder} is in use by {who} (another causal-model command writing there); wait "
        f"until it finishes or choose another output folder (if no such process runs, delete "
        f"{folder / LOCK_NAME})"
    )


def _lock_posix(folder: Path, path: Path) -> int:
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise _in_use(folder, _read_pid(path)) from None
        # the holder before us may have deleted the file after we opened it: lock the file
        # that is there now
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)


def _lock_by_pid(folder: Path, path: Path) -> int:
    for _ in range(2):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            pid = _read_pid(path)
            if pid is not None and pid_alive(pid):
                raise _in_use(folder, pid) from None
            path.unlink(missing_ok=True)  # left by a process that ended
            continue
        os.write(fd, f"{os.getpid()}\n".encode())
        return fd
    raise _in_use(folder, _read_pid(path))


@contextmanager
def folder_lock(folder: str | os.PathLike) -> Iterator[Path]:
    """Hold ``folder``'s lock (created with the folder if needed) while the block runs.

    Re-entrant within a process. A folder this call created is removed again if it is empty
    at the end.

    Raises
    ------
    FolderInUseError
        If another running process holds the lock.
    """
    folder = Path(folder)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    key = folder.resolve()
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield folder
        finally:
            _HELD[key] -= 1
        return
    path = folder / LOCK_NAME
    fd = _lock_posix(folder, path) if fcntl is not None else _lock_by_pid(folder, path)
    _HELD[key] = 1
    try:
        yield folder
    finally:
        del _HELD[key]
        path.unlink(missing_ok=True)
        os.close(fd)
        if created:
            with suppress(OSError):
                folder.rmdir()  # only if empty


def _modified_before_start(path: Path) -> bool:
    try:
        return path.lstat().st_mtime < STARTED
    except FileNotFoundError:
        return False


def clean_stale(folder: str | os.PathLike) -> list[Path]:
    """Remove staging folders and temporary files that killed runs left (module docstring).

    Call it while holding ``folder``'s lock. Returns what was removed.
    """
    folder = Path(folder)
    removed = []
    prefix = f".{folder.name}{PARTIAL}"
    for stage in folder.parent.glob(f"{prefix}*"):
        if stage in _MINE or not stage.is_dir():
            continue
        pid_text = stage.name[len(prefix) :].split("-", 1)[0]
        owner = int(pid_text) if pid_text.isdigit() else 0
        if not pid_alive(owner) or _modified_before_start(stage):
            shutil.rmtree(stage, ignore_errors=True)
            removed.append(stage)
    for tmp in folder.glob(".*.tmp"):
        if tmp.is_file() and _modified_before_start(tmp):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def _publish(stage: Path, target: Path, names: Iterable[str]) -> list[Path]:
    written = sorted(p.name for p in stage.iterdir() if not p.name.startswith("."))
    for name in written:
        dest = target / name
        if dest.is_dir() and not (stage / name).is_dir():
            raise IsADirectoryError(f"cannot replace the folder {dest} by a file")
        os.replace(stage / name, dest)
    for name in set(names) - set(written):  # an earlier run's output this run does not make
        (target / name).unlink(missing_ok=True)
    return [target / name for name in written]


@contextmanager
def staged_outputs(target: str | os.PathLike, names: Iterable[str] = ()) -> Iterator[Path]:
    """Yield a staging folder; on success move its files into ``target``.

    Parameters
    ----------
    target
        The output folder (created if needed).
    names
        Every file name the command may write: those of an earlier run that this run did not
        write are removed from ``target`` on success (other files are left alone).

    Yields
    ------
    pathlib.Path
        The staging folder to write into; after the block its files are ``target / <name>``.

    Raises
    ------
    FolderInUseError
        If another running process writes into ``target``.
    """
    target = Path(target)
    with folder_lock(target):
        clean_stale(target)
        stage = Path(
            tempfile.mkdtemp(prefix=f".{target.name}{PARTIAL}{os.getpid()}-", dir=target.parent)
        )
        _MINE.add(stage)
        try:
            yield stage
            _publish(stage, target, names)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
            _MINE.discard(stage)


__all__ = [
    "LOCK_NAME",
    "STARTED",
    "FolderInUseError",
    "clean_stale",
    "folder_lock",
    "pid_alive",
    "staged_outputs",
]
