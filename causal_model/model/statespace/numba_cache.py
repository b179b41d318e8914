"""numba's on-disk cache of the state-space kernels, dropped when their sources change.

``numba.njit(cache=True)`` keys a function's cached machine code on the stamp of the file that
defines it, not on the files of the functions it calls. After an edit of ``band.py`` alone (a
``git pull`` into an editable install), ``kernels.laplace_kernel`` would load machine code
compiled against the old ``band.py``, and so would PyTensor's numba graph that calls it. So the
package keeps the hash of every kernel source beside numba's cache files and, when the hash
differs, deletes the kernels' cache files before any kernel is compiled or loaded in this
process (numba then compiles them again, once).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import causal_model.families
from causal_model.model.statespace import kernels

_HERE = Path(__file__).resolve().parent
#: The files whose code the compiled kernels contain (``families`` for the family codes).
KERNEL_SOURCES: tuple[Path, ...] = (
    _HERE / "band.py",
    _HERE / "family_cells.py",
    _HERE / "kernels.py",
    _HERE / "numba_digamma.py",
    Path(causal_model.families.__file__).resolve(),
)
_STAMP = "causal_model_kernels.sha256"


def source_hash(*extra: Path) -> str:
    """SHA-256 of the kernel sources (and of ``extra`` files), in a fixed order."""
    digest = hashlib.sha256()
    for path in (*KERNEL_SOURCES, *extra):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def drop_stale_kernels(folder: Path | None = None) -> None:
    """Delete numba's cached kernels if they were compiled from other sources than these.

    Called once when :mod:`causal_model.model.statespace` is imported, before any kernel is
    compiled or loaded. A cache folder that cannot be written is left as it is, with a
    warning (numba then cannot write there either and keeps its cache elsewhere).

    Parameters
    ----------
    folder : Path, optional
        numba's cache folder of the kernels; by default the one numba chose for them.
    """
    if folder is None:  # importing kernels defines the dispatchers and compiles nothing
        folder = Path(kernels.laplace_kernel._cache._cache_path)
    stamp = folder / _STAMP
    digest = source_hash()
    try:
        if stamp.exists() and stamp.read_text().strip() == digest:
            return
        stems = {p.stem for p in KERNEL_SOURCES if p.parent == _HERE}
        for path in folder.glob("*.nb[ic]"):
            if path.name.split(".", 1)[0] in stems:
                path.unlink(missing_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = stamp.with_name(f"{_STAMP}.{os.getpid()}.tmp")
        tmp.write_text(digest + "\n")
        os.replace(tmp, stamp)
    except OSError as err:
        warnings.warn(
            f"could not refresh numba's cache of the state-space kernels in {folder} ({err}); "
            "if the package's sources changed since they were compiled, delete the *.nbi and "
            "*.nbc files there",
            RuntimeWarning,
            stacklevel=2,
        )
