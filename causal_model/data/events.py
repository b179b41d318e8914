"""Elite-circulation events: changes of head of state in Washington and Moscow since 1992.

The module gathers the two parts of the events layer:

* :mod:`causal_model.data.events_table`: the event table itself (public facts with their
  sources), :func:`load_events`, :func:`decimal_year` and :func:`events_to_frame`;
* :mod:`causal_model.data.events_sources`: the leader spells of REIGN and Archigos
  (:func:`source_leader_spells`) and the check of the table against them
  (:func:`check_events_against_sources`, :data:`KNOWN_SOURCE_DIFFERENCES`).
"""

from __future__ import annotations

from causal_model.data.events_sources import (
    KNOWN_SOURCE_DIFFERENCES,
    check_events_against_sources,
    source_leader_spells,
)
from causal_model.data.events_table import decimal_year, events_to_frame, load_events

__all__ = [
    "KNOWN_SOURCE_DIFFERENCES",
    "check_events_against_sources",
    "decimal_year",
    "events_to_frame",
    "load_events",
    "source_leader_spells",
]
