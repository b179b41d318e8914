"""Data layer: the indicator registry, the real US–Russia panel, user panels, events.

Raw files are read with structural checks and checked against the SHA-256 of the version the
package was tested with (:mod:`causal_model.data.raw_files`, :mod:`causal_model.data.raw_read`);
a damaged file is a :class:`RawDataError` naming the file, column and row.
:func:`fetch_raw_data` downloads the raw files into the user's cache folder.
"""

from causal_model.data.events import load_events
from causal_model.data.export import coverage, to_frame, write_panel
from causal_model.data.fetch import fetch_raw_data
from causal_model.data.panel import PanelValidationError, from_csv, from_frame, registry_of
from causal_model.data.paths import DataNotFoundError, resolve_raw_dir
from causal_model.data.raw_checks import RawDataError
from causal_model.data.raw_files import RAW_FILES
from causal_model.data.registry import RegistryError, load_registry
from causal_model.data.us_russia import load_us_russia

__all__ = [
    "RAW_FILES",
    "DataNotFoundError",
    "PanelValidationError",
    "RawDataError",
    "RegistryError",
    "coverage",
    "fetch_raw_data",
    "from_csv",
    "from_frame",
    "load_events",
    "load_registry",
    "load_us_russia",
    "registry_of",
    "resolve_raw_dir",
    "to_frame",
    "write_panel",
]
