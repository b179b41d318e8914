"""What the command line prints: one line per phase, one line per warning, no library noise.

Importing this module silences ArviZ's once-a-day notice about its refactor (ArviZ prints it
when it is first imported, so :mod:`causal_model.app.cli` imports this module first).
:func:`console` sets up the rest for one command: third-party notices a user can do nothing
about are hidden, the package's own warnings (e.g. a failed convergence check) print as one
``warning: ...`` line, and ``quiet`` hides everything but errors.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from numba.core.errors import NumbaPerformanceWarning

_ARVIZ_REFACTOR = r"\s*ArviZ is undergoing a major refactor"
warnings.filterwarnings("ignore", message=_ARVIZ_REFACTOR, category=FutureWarning)

#: Notices of libraries that a user who did nothing wrong can do nothing about:
#: (category, start of the message).
NOISE: tuple[tuple[type[Warning], str], ...] = (
    (UserWarning, r"\s*PyTensor could not link to a BLAS installation"),
    (FutureWarning, _ARVIZ_REFACTOR),
    (NumbaPerformanceWarning, ""),
)
#: Loggers whose INFO lines ("Sampling: [...]", "NUTS: [...]") are not shown.
CHATTY_LOGGERS = ("pymc", "pytensor", "numba", "pooch", "arviz")

Log = Callable[..., None]


def _silent(*args, **kwargs) -> None:
    return None


def logger(quiet: bool) -> Log:
    """``print`` (flushed, so phases show as they start), or a no-op for ``--quiet``."""
    if quiet:
        return _silent

    def log(*args, **kwargs) -> None:
        print(*args, **kwargs, flush=True)

    return log


def _one_line(message, category, filename, lineno, file=None, line=None) -> None:
    text = " ".join(str(message).split())
    print(f"warning: {text}", file=sys.stderr if file is None else file, flush=True)


@contextmanager
def console(*, quiet: bool = False) -> Iterator[None]:
    """Set warnings and library logging for one command; restore them afterwards.

    Parameters
    ----------
    quiet
        Hide every warning too (only errors are printed).
    """
    levels = {name: logging.getLogger(name).level for name in CHATTY_LOGGERS}
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore")
        else:
            for category, message in NOISE:
                warnings.filterwarnings("ignore", message=message, category=category)
            warnings.showwarning = _one_line
        for name in CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR if quiet else logging.WARNING)
        try:
            yield
        finally:
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)


__all__ = ["CHATTY_LOGGERS", "NOISE", "Log", "console", "logger"]
