"""The registered readers of US–Russia agreement by UNGA issue area (one per area).

The counting is :mod:`causal_model.data.sources_cooperation`; this module turns its tables
into the reader functions the registry names: ``unga_agreement_<area>`` and
``unga_joint_no_<area>`` for the (overlapping) issue codes and the arms-control split, and
``unga_area_agreement_<area>`` and ``unga_area_joint_no_<area>`` for the model's disjoint
areas (:data:`~causal_model.data.sources_cooperation_areas.ISSUE_PARTITION`), where each
roll call counts in exactly one area.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import xarray as xr

from causal_model.data.reader_tools import Reader, register_reader, yearly
from causal_model.data.sources_cooperation import COUNT_VARS, ISSUE_AREAS, unga_issue_agreement
from causal_model.data.sources_cooperation_areas import (
    ISSUE_PARTITION,
    OTHER_AREA,
    unga_area_agreement,
    unga_arms_control_agreement,
)

__all__ = ["AREA_READERS", "JOINT_NO_READERS"]


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


def _agreement_reader(
    area: str, tables: Callable[[Path], xr.Dataset], what: str, prefix: str = "unga_agreement"
) -> Reader:
    def reader(raw_dir: Path) -> pd.DataFrame:
        counts = _area_frame(tables(raw_dir), area).dropna(subset=["agreements"])
        return yearly(counts["agreements"], trials=counts["joint_votes"])

    reader.__name__ = reader.__qualname__ = f"{prefix}_{area}"
    reader.__doc__ = _READER_DOC.format(
        what=f"US–Russia agreements on UNGA roll calls {what}: ``value`` = identical "
        "yes/no/abstain votes, ``trials`` = joint votes.",
        need="a joint vote in the area (no joint vote is missing, not zero agreements)",
    )
    return reader


def _joint_no_reader(
    area: str, tables: Callable[[Path], xr.Dataset], what: str, prefix: str = "unga_joint_no"
) -> Reader:
    def reader(raw_dir: Path) -> pd.DataFrame:
        counts = _area_frame(tables(raw_dir), area)
        counts = counts[counts["agreements"] > 0]
        return yearly(counts["joint_no"], trials=counts["agreements"])

    reader.__name__ = reader.__qualname__ = f"{prefix}_{area}"
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
_PARTITION_WHAT = {
    "arms_control": "coded nuclear or disarmament",
    "middle_east": "coded Palestinian conflict (me), not nuclear or disarmament",
    "human_rights": "coded human rights, not nuclear, disarmament or Palestinian conflict",
    OTHER_AREA: "of no area of ISSUE_PARTITION (colonialism, economic development, uncoded)",
}
#: Reader of each agreement reader's joint-no share (same roll calls), by reader name.
JOINT_NO_READERS: dict[str, str] = {
    f"unga_agreement_{area}": f"unga_joint_no_{area}" for area in ISSUE_AREAS.values()
}
JOINT_NO_READERS["unga_agreement_arms_control"] = "unga_joint_no_arms_control"
for _area in (*ISSUE_PARTITION, OTHER_AREA):
    _what = f"{_PARTITION_WHAT[_area]} (each roll call in one area only)"
    _agree, _no = "unga_area_agreement", "unga_area_joint_no"
    AREA_READERS[f"{_agree}_{_area}"] = _agreement_reader(_area, unga_area_agreement, _what, _agree)
    AREA_READERS[f"{_no}_{_area}"] = _joint_no_reader(_area, unga_area_agreement, _what, _no)
    JOINT_NO_READERS[f"{_agree}_{_area}"] = f"{_no}_{_area}"
for _name, _reader in AREA_READERS.items():
    register_reader(_name)(_reader)
