"""Data layer: the indicator registry, the real US–Russia panel, user panels, events."""

from causal_model.data.events import load_events
from causal_model.data.panel import (
    PanelValidationError,
    coverage,
    from_csv,
    from_frame,
    load_us_russia,
    registry_of,
    to_frame,
    write_panel,
)
from causal_model.data.paths import DataNotFoundError, resolve_raw_dir
from causal_model.data.registry import RegistryError, load_registry

__all__ = [
    "DataNotFoundError",
    "PanelValidationError",
    "RegistryError",
    "coverage",
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
