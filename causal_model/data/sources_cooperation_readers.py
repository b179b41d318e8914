"""The registered readers of US–Russia agreement by UNGA issue area (one per area).

The counting is :mod:`causal_model.data.sources_cooperation`; this module turns its tables
into the reader functions the registry names (``unga_agreement_<area>``,
``unga_joint_no_<area>``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import xarray as xr

from causal_model.data.reader_tools import Reader, register_reader, yearly
from causal_model.data.sources_cooperation import (
    COUNT_VARS,
    ISSUE_AREAS,
    unga_arms_control_agreement,
    unga_issue_agreement,
)

__all__ = ["AREA_READERS"]


def _area_frame(table: xr.Dataset, area: str) -> pd.DataFrame:
    return table[list(COUNT_VARS)].sel(issue_area=area).to_dataframe()[list(COUNT_VARS)]


_READER_DOC = """{what}

    Counted per year (session + 1945) from the UNGA roll calls, see
    :mod:`causal_model.data.sources_cooperation`; only years with {need} are returned (years
    after 2019 are not covered by the file).

    Parameters
    ----------
    raw_dir
        The raw-data folder.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``year``, columns ``value`` and ``trials``.
    """


def _agreement_reader(area: str, tables: Callable[[Path], xr.Dataset], what: str) -> Reader:
    def reader(raw_dir: Path) -> pd.DataFrame:
        counts = _area_frame(tables(raw_dir), area).dropna(subset=["agreements"])
        return yearly(counts["agreements"], trials=counts["joint_votes"])

    reader.__name__ = reader.__qualname__ = f"unga_agreement_{area}"
    reader.__doc__ = _READER_DOC.format(
        what=f"US–Russia agreements on UNGA roll calls {what}: ``value`` = identical "
        "yes/no/abstain votes, ``trials`` = joint votes.",
        need="a joint vote in the area (no joint vote is missing, not zero agreements)",
    )
    return reader


def _joint_no_reader(area: str, tables: Callable[[Path], xr.Dataset], what: str) -> Reader:
    def reader(raw_dir: Path) -> pd.DataFrame:
        counts = _area_frame(tables(raw_dir), area)
        counts = counts[counts["agreements"] > 0]
        return yearly(counts["joint_no"], trials=counts["agreements"])

    reader.__name__ = reader.__qualname__ = f"unga_joint_no_{area}"
    reader.__doc__ = _READER_DOC.format(
        what=f"Joint 'no' votes among US–Russia agreements on UNGA roll calls {what}: "
        "``value`` = both voted no, ``trials`` = agreements (value / trials = joint-no share).",
        need="an agreement in the area (the share is undefined without one)",
    )
    return reader


#: The registered per-area readers, by reader name.
AREA_READERS: dict[str, Reader] = {}
for _code, _area in ISSUE_AREAS.items():
    _what = f"coded {_code!r} ({_area})"
    AREA_READERS[f"unga_agreement_{_area}"] = _agreement_reader(_area, unga_issue_agreement, _what)
    AREA_READERS[f"unga_joint_no_{_area}"] = _joint_no_reader(_area, unga_issue_agreement, _what)
for _area, _what in [
    ("arms_control", "coded nuclear or disarmament (each roll call once)"),
    ("not_arms_control", "not coded nuclear or disarmament (uncoded ones included)"),
]:
    AREA_READERS[f"unga_agreement_{_area}"] = _agreement_reader(
        _area, unga_arms_control_agreement, _what
    )
AREA_READERS["unga_joint_no_arms_control"] = _joint_no_reader(
    "arms_control", unga_arms_control_agreement, "coded nuclear or disarmament"
)
for _name, _reader in AREA_READERS.items():
    register_reader(_name)(_reader)
