"""The reader functions of the raw series, found by name (the registry's ``reader`` key).

Importing the source modules registers their readers (:func:`register_reader`); this module
imports them all, so :func:`get_reader` knows every reader.
"""

from __future__ import annotations

from causal_model.data import (  # noqa: F401  (importing registers the readers)
    sources_cooperation,
    sources_cooperation_icews,
    sources_cooperation_readers,
    sources_drivers,
    sources_influence,
    sources_recent,
    sources_security,
    sources_tension,
)
from causal_model.data.reader_tools import READERS, Reader

__all__ = ["get_reader"]


def get_reader(name: str) -> Reader:
    """Return the reader called ``name``; the error lists the known readers."""
    try:
        return READERS[name]
    except KeyError:
        known = ", ".join(sorted(READERS))
        raise KeyError(f"unknown reader {name!r}; known readers: {known}") from None
