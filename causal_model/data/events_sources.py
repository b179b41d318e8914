"""The leader spells of REIGN and Archigos, and the check of the event table against them.

:func:`source_leader_spells` reads the two leader data sets (through
:mod:`causal_model.data.raw_read`: a damaged file is an error naming the cell);
:func:`check_events_against_sources` compares each past event of
:func:`causal_model.data.events_table.load_events` with the spell starts they code.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from causal_model.data.events_table import events_to_frame
from causal_model.data.paths import raw_file, resolve_raw_dir
from causal_model.data.raw_read import read_csv
from causal_model.data.validate import Table, raw_error

__all__ = ["KNOWN_SOURCE_DIFFERENCES", "check_events_against_sources", "source_leader_spells"]

#: Start dates that REIGN or Archigos code differently from the true date, in days
#: (source minus true date), by ``(event id, source)``. Nothing else may differ.
#:
#: * Putin: acting president from 31 Dec 1999; both sources start him on 1 Jan 2000.
#: * G.W. Bush: inaugurated 20 Jan 2001; both sources start him on 21 Jan 2001 (REIGN takes
#:   the Archigos spell; the Clinton spell in Archigos ends on 20 Jan 2001).
KNOWN_SOURCE_DIFFERENCES: dict[tuple[str, str], int] = {
    ("ru_1999_putin", "REIGN"): 1,
    ("ru_1999_putin", "Archigos"): 1,
    ("us_2001_gwbush", "REIGN"): 1,
    ("us_2001_gwbush", "Archigos"): 1,
}


#: Country codes of the two states in REIGN (COW ccode) and Archigos (Gleditsch-Ward gwcode).
_CODES: dict[int, str] = {2: "USA", 365: "RUS"}

#: How far (days) a source's spell start may lie from an event and still be taken as that
#: event's spell. Wider than any coding slip, narrower than the gap between two changes.
_MATCH_WINDOW_DAYS = 90

REIGN = Table(
    {"ccode": "int", "leader": "text", "sdate": "int", "smonth": "int", "syear": "int"},
    unit=("ccode", "leader", "syear", "smonth", "sdate"),
    unit_name="leader spell",
    years=("syear",),
    filled=("leader", "sdate", "smonth"),
    need={"ccode": tuple(_CODES)},
    ranges={"smonth": (1, 12), "sdate": (1, 31)},
)
ARCHIGOS = Table(
    {"obsid": "text", "gwcode": "int", "leader": "text", "startdate": "date", "enddate": "date"},
    unit=("obsid",),
    unit_name="leader spell",
    filled=("leader", "startdate", "enddate"),
    need={"gwcode": tuple(_CODES)},
)


def _reign_spells(raw_dir: os.PathLike | str) -> pd.DataFrame:
    path = raw_file(raw_dir, "reign", "leaderlist_3_21.csv")
    raw = read_csv(path, REIGN, encoding="latin-1")
    starts = pd.to_datetime(
        raw[["syear", "smonth", "sdate"]].set_axis(["year", "month", "day"], axis=1),
        errors="coerce",
    )
    if starts.isna().any():  # e.g. 31 April: each part is in range, the date is not
        i = int(np.flatnonzero(starts.isna())[0])
        day = "-".join(str(int(raw[c].iloc[i])) for c in ("syear", "smonth", "sdate"))
        raise raw_error(
            path,
            f"spell start {day} is not a date",
            column="sdate",
            row=f"line {raw.attrs['lines'][i]}",
        )
    # The file is the March 2021 update: the latest spell start it codes is its horizon.
    covered_until = starts.max()
    keep = raw["ccode"].isin(list(_CODES))
    return pd.DataFrame(
        {
            "source": "REIGN",
            "country": raw.loc[keep, "ccode"].map(_CODES).to_numpy(),
            "leader": raw.loc[keep, "leader"].astype(str).str.strip().to_numpy(),
            "start": starts[keep].to_numpy(),
            "covered_until": covered_until,
        }
    )


def _archigos_spells(raw_dir: os.PathLike | str) -> pd.DataFrame:
    path = raw_file(raw_dir, "peacesciencer_atop_archigos", "archigos_USA_RUS_rows.csv")
    raw = read_csv(path, ARCHIGOS)
    codes = raw["gwcode"].round().astype(int)
    keep = codes.isin(list(_CODES))
    starts = pd.to_datetime(raw["startdate"], format="%Y-%m-%d")
    # Archigos 4.1 censors open spells at its last day (2015-12-31).
    covered_until = pd.to_datetime(raw["enddate"], format="%Y-%m-%d").max()
    return pd.DataFrame(
        {
            "source": "Archigos",
            "country": codes[keep].map(_CODES).to_numpy(),
            "leader": raw.loc[keep, "leader"].astype(str).str.strip().to_numpy(),
            "start": starts[keep].to_numpy(),
            "covered_until": covered_until,
        }
    )


def source_leader_spells(raw_dir: os.PathLike | str | None = None) -> pd.DataFrame:
    """Return the US and Russian leader spells coded by REIGN and Archigos.

    Parameters
    ----------
    raw_dir
        Raw data folder; see :func:`causal_model.data.paths.resolve_raw_dir`.

    Returns
    -------
    pandas.DataFrame
        Columns ``source`` ("REIGN"/"Archigos"), ``country`` ("USA"/"RUS"), ``leader``,
        ``start`` (datetime64, the spell's start date) and ``covered_until`` (the last date
        the source codes: the latest spell start in REIGN's March 2021 leader list, the
        censoring date 2015-12-31 in Archigos). Sorted by source, country and start.

    Raises
    ------
    causal_model.data.paths.DataNotFoundError
        When the folder or one of the two files is missing.
    """
    root = resolve_raw_dir(raw_dir)
    spells = pd.concat([_reign_spells(root), _archigos_spells(root)], ignore_index=True)
    spells["start"] = spells["start"].astype("datetime64[ns]")
    spells["covered_until"] = spells["covered_until"].astype("datetime64[ns]")
    return spells.sort_values(["source", "country", "start"], ignore_index=True)


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def check_events_against_sources(
    events: xr.Dataset, raw_dir: os.PathLike | str | None = None
) -> pd.DataFrame:
    """Compare each past event's date with the leader start dates of REIGN and Archigos.

    For each non-scheduled event and each source, the source's spell for the same country
    starting closest to the event date (within 90 days) is taken as the event's spell.

    Parameters
    ----------
    events
        A Dataset from :func:`load_events`.
    raw_dir
        Raw data folder; see :func:`causal_model.data.paths.resolve_raw_dir`.

    Returns
    -------
    pandas.DataFrame
        One row per non-scheduled event (index ``event``), with ``date``, ``country``,
        ``event_type``, ``leader_in`` and, for each source ``src`` in ``reign`` and
        ``archigos``:

        ``{src}_leader``
            The leader of the matched spell (missing if none).
        ``{src}_start``
            Its start date (NaT when the source does not cover the date or does not code
            the change).
        ``{src}_diff_days``
            Source start minus our date, in days (nullable integer).
        ``{src}_in_office``
            The leader the source has in office on our date (e.g. Putin for 2008 and 2012).
        ``{src}_status``
            ``"match"`` (same date and leader); ``"documented difference"`` (the day
            difference listed in :data:`KNOWN_SOURCE_DIFFERENCES`); ``"mismatch"`` (any
            other difference, or another leader); ``"not covered by source"`` (the event is
            after the source ends); ``"not coded by source"`` (inside the source's period
            but no spell starts there, as for the formal 2008 and 2012 Russian changes,
            which REIGN and Archigos code as one continuous Putin spell).
    """
    spells = source_leader_spells(raw_dir)
    frame = events_to_frame(events)
    frame = frame.loc[~frame["scheduled"].astype(bool)]
    out = frame[["date", "country", "event_type", "leader_in"]].copy()
    window = pd.Timedelta(days=_MATCH_WINDOW_DAYS)
    for source in ("REIGN", "Archigos"):
        src = spells.loc[spells["source"] == source]
        covered_until = src["covered_until"].iloc[0]
        rows: list[dict[str, Any]] = []
        for event_id, ev in frame.iterrows():
            date = pd.Timestamp(ev["date"])
            same = src.loc[src["country"] == ev["country"]]
            before = same.loc[same["start"] <= date]
            row: dict[str, Any] = {
                "leader": pd.NA,
                "start": pd.NaT,
                "diff_days": pd.NA,
                "in_office": before["leader"].iloc[-1] if len(before) else pd.NA,
            }
            if date > covered_until:
                row["status"] = "not covered by source"
                row["in_office"] = pd.NA
                rows.append(row)
                continue
            near = same.loc[(same["start"] - date).abs() <= window]
            if near.empty:
                row["status"] = "not coded by source"
                rows.append(row)
                continue
            best = near.loc[(near["start"] - date).abs().idxmin()]
            diff = int((best["start"] - date) / pd.Timedelta(days=1))
            row.update(leader=best["leader"], start=best["start"], diff_days=diff)
            same_leader = _norm(str(best["leader"])) == _norm(str(ev["leader_in"]))
            if same_leader and diff == 0:
                row["status"] = "match"
            elif same_leader and KNOWN_SOURCE_DIFFERENCES.get((str(event_id), source)) == diff:
                row["status"] = "documented difference"
            else:
                row["status"] = "mismatch"
            rows.append(row)
        cols = pd.DataFrame(rows, index=frame.index)
        prefix = source.lower()
        out[f"{prefix}_leader"] = cols["leader"].astype("str")
        out[f"{prefix}_start"] = pd.to_datetime(cols["start"]).astype("datetime64[ns]")
        out[f"{prefix}_diff_days"] = cols["diff_days"].astype("Int64")
        out[f"{prefix}_in_office"] = cols["in_office"].astype("str")
        out[f"{prefix}_status"] = cols["status"].astype("str")
    out.attrs["description"] = (
        "Start dates of the incoming leader in REIGN (leaderlist_3_21, to March 2021) and "
        "Archigos 4.1 (to 2015-12-31) against the event table; diff_days = source - ours."
    )
    return out
