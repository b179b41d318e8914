"""The elite-circulation event table: changes of head of state in Washington and Moscow.

The events are public facts written below as a small declarative table, each with its
source named in a comment. They are not read from a data set, so they extend past the end
of the leader data sets (REIGN ends in March 2021, Archigos in 2015);
:func:`causal_model.data.events_sources.check_events_against_sources` compares them with
those two data sets.

Two kinds of Russian change are told apart (see :data:`causal_model.dims.EVENT_TYPES`):

* ``"ru"``: the effective leader changed (Yeltsin to Putin, 31 December 1999);
* ``"ru_formal"``: the president changed but the effective leader stayed (Medvedev 2008,
  with Putin as prime minister, and Putin's return in 2012). REIGN and Archigos code
  effective leaders, so they do not list these two.

The two future events are flagged ``scheduled=True``: the next US inauguration
(2029-01-20) and the next Russian presidential election (2030-03-17; the inauguration would
follow in May 2030, but the election date is used).
"""

from __future__ import annotations

import calendar
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import xarray as xr

from causal_model.dims import EVENT, EVENT_TYPES, FIRST_YEAR

__all__ = ["decimal_year", "events_to_frame", "load_events"]


class _Fact(NamedTuple):
    """One row of the event table (private: the public form is the Dataset)."""

    event: str
    date: str
    country: str
    event_type: str
    formal: bool
    scheduled: bool
    leader_out: str
    leader_in: str
    source: str


_US_INAUG = "US Constitution, 20th Amendment (term begins noon 20 Jan); National Archives"
_RU_KREMLIN = "Constitution of the Russian Federation art. 92; kremlin.ru"

#: The event table. Leader names use the short spellings of REIGN and Archigos, so the two
#: can be compared directly. Keep the rows in date order.
_FACTS: tuple[_Fact, ...] = (
    # Inauguration of Bill Clinton, 20 Jan 1993 (20th Amendment; National Archives).
    _Fact(
        "us_1993_clinton",
        "1993-01-20",
        "USA",
        "us",
        False,
        False,
        "G.H.W. Bush",
        "Clinton",
        _US_INAUG,
    ),
    # Russia: Yeltsin resigned on 31 Dec 1999 and Prime Minister Putin became acting
    # president that day (art. 92(3) of the Constitution; Yeltsin's televised address and
    # decree of 31 Dec 1999). Archigos and REIGN code Putin's start as 2000-01-01, one day
    # later: the real date is kept here (see events_sources.KNOWN_SOURCE_DIFFERENCES).
    _Fact(
        "ru_1999_putin",
        "1999-12-31",
        "RUS",
        "ru",
        False,
        False,
        "Yeltsin",
        "Putin",
        _RU_KREMLIN + "; Yeltsin resignation 31 Dec 1999 (acting)",
    ),
    # Inauguration of George W. Bush, Saturday 20 Jan 2001 (20th Amendment; National
    # Archives). Archigos and REIGN both code 2001-01-21 (see
    # events_sources.KNOWN_SOURCE_DIFFERENCES).
    _Fact(
        "us_2001_gwbush", "2001-01-20", "USA", "us", False, False, "Clinton", "G.W. Bush", _US_INAUG
    ),
    # Medvedev inaugurated 7 May 2008 (kremlin.ru); Putin became prime minister the next day
    # and stayed the effective leader: a formal change only.
    _Fact(
        "ru_2008_medvedev",
        "2008-05-07",
        "RUS",
        "ru_formal",
        True,
        False,
        "Putin",
        "Medvedev",
        _RU_KREMLIN + "; inauguration 7 May 2008",
    ),
    # Inauguration of Barack Obama, 20 Jan 2009 (20th Amendment; National Archives).
    _Fact(
        "us_2009_obama", "2009-01-20", "USA", "us", False, False, "G.W. Bush", "Obama", _US_INAUG
    ),
    # Putin inaugurated for his third term 7 May 2012 (kremlin.ru): the formal office returns
    # to the effective leader, a formal change only.
    _Fact(
        "ru_2012_putin",
        "2012-05-07",
        "RUS",
        "ru_formal",
        True,
        False,
        "Medvedev",
        "Putin",
        _RU_KREMLIN + "; inauguration 7 May 2012",
    ),
    # Inauguration of Donald Trump, 20 Jan 2017 (20th Amendment; National Archives).
    _Fact("us_2017_trump", "2017-01-20", "USA", "us", False, False, "Obama", "Trump", _US_INAUG),
    # Inauguration of Joe Biden, 20 Jan 2021 (20th Amendment; National Archives).
    _Fact("us_2021_biden", "2021-01-20", "USA", "us", False, False, "Trump", "Biden", _US_INAUG),
    # Inauguration of Donald Trump for his second term, 20 Jan 2025 (20th Amendment;
    # National Archives).
    _Fact("us_2025_trump", "2025-01-20", "USA", "us", False, False, "Biden", "Trump", _US_INAUG),
    # SCHEDULED. Next US inauguration, 20 Jan 2029 (20th Amendment). Trump cannot serve a
    # third term (22nd Amendment), so this will be a change of president.
    _Fact(
        "us_2029_inauguration",
        "2029-01-20",
        "USA",
        "us",
        False,
        True,
        "Trump",
        "unknown",
        _US_INAUG + "; 22nd Amendment (two-term limit)",
    ),
    # SCHEDULED. Next Russian presidential election, March 2030. Election day is the third
    # Sunday of March under the federal election law (no. 19-FZ art. 5 as amended), which
    # gives 2030-03-17. The inauguration would follow in May 2030; the election date is
    # used. After the 2020 amendments Putin may run again, so this may be no change.
    _Fact(
        "ru_2030_election",
        "2030-03-17",
        "RUS",
        "ru",
        False,
        True,
        "Putin",
        "unknown",
        _RU_KREMLIN + "; federal law 19-FZ (election on the third Sunday of March)",
    ),
)


_DESCRIPTION = (
    "Elite-circulation events: every change of US president and of Russian head of state "
    "since 1992-01-01, with exact dates (inauguration, or for Putin 1999 the day he became "
    "acting president). event_type 'ru_formal' (formal=True) marks the 2008 and 2012 "
    "Russian changes where the effective leader (Putin) stayed. scheduled=True marks future "
    "events: the 2029-01-20 US inauguration and the Russian presidential election of "
    "2030-03-17 (the election date, not the May 2030 inauguration). time is the decimal "
    "year: year + (day_of_year - 1) / days_in_year."
)


def decimal_year(date: Any) -> float:
    """Return a date as a decimal year.

    Parameters
    ----------
    date
        Anything :class:`pandas.Timestamp` accepts (a ``"YYYY-MM-DD"`` string, a
        :class:`datetime.date`, a :class:`numpy.datetime64`, ...).

    Returns
    -------
    float
        ``year + (day_of_year - 1) / days_in_year``, so 1 January is the whole year and
        31 December of a leap year is ``year + 365/366``.

    Examples
    --------
    >>> decimal_year("2000-01-01")
    2000.0
    >>> round(decimal_year("2021-01-20"), 6)
    2021.052055
    """
    ts = pd.Timestamp(date)
    if pd.isna(ts):
        raise ValueError(f"not a date: {date!r}")
    days = 366 if calendar.isleap(ts.year) else 365
    return ts.year + (ts.day_of_year - 1) / days


def load_events(*, include_scheduled: bool = True, first_year: int = FIRST_YEAR) -> xr.Dataset:
    """Return the elite-circulation events as a Dataset along the ``event`` dimension.

    Parameters
    ----------
    include_scheduled
        Keep the two future, scheduled events (US inauguration 2029-01-20, Russian
        presidential election 2030-03-17).
    first_year
        Drop events dated before 1 January of this year. The table starts on
        1992-01-01, so values below 1992 are refused.

    Returns
    -------
    xarray.Dataset
        Dimension ``event`` with coordinate the event ids (e.g. ``"us_1993_clinton"``,
        ``"ru_2008_medvedev"``), sorted by date. Variables: ``date`` (datetime64[ns]),
        ``time`` (decimal year, float64), ``country`` ("USA"/"RUS"), ``event_type``
        (one of :data:`causal_model.dims.EVENT_TYPES`), ``formal`` (bool), ``scheduled``
        (bool), ``leader_out``, ``leader_in`` and ``source`` (str). ``attrs["description"]``
        explains the coding.

    Raises
    ------
    ValueError
        If ``first_year`` is before 1992.
    """
    if first_year < FIRST_YEAR:
        raise ValueError(
            f"first_year={first_year}: the event table starts on {FIRST_YEAR}-01-01 "
            "(Russia as an independent state); earlier changes are not listed"
        )
    facts = sorted(_FACTS, key=lambda f: f.date)
    facts = [
        f
        for f in facts
        if pd.Timestamp(f.date).year >= first_year and (include_scheduled or not f.scheduled)
    ]
    dates = pd.DatetimeIndex([f.date for f in facts]).as_unit("ns")

    def strings(field: str) -> np.ndarray:
        return np.array([getattr(f, field) for f in facts], dtype=str)

    ids = strings("event")
    if len(set(ids.tolist())) != len(ids):
        raise RuntimeError("duplicate event ids in the event table")
    bad = sorted(set(strings("event_type").tolist()) - set(EVENT_TYPES))
    if bad:
        raise RuntimeError(f"unknown event types in the event table: {bad}")

    ds = xr.Dataset(
        {
            "date": (EVENT, dates.values),
            "time": (EVENT, np.array([decimal_year(d) for d in dates], dtype=float)),
            "country": (EVENT, strings("country")),
            "event_type": (EVENT, strings("event_type")),
            "formal": (EVENT, np.array([f.formal for f in facts], dtype=bool)),
            "scheduled": (EVENT, np.array([f.scheduled for f in facts], dtype=bool)),
            "leader_out": (EVENT, strings("leader_out")),
            "leader_in": (EVENT, strings("leader_in")),
            "source": (EVENT, strings("source")),
        },
        coords={EVENT: ids},
        attrs={"description": _DESCRIPTION},
    )
    ds["time"].attrs["description"] = "decimal year: year + (day_of_year - 1) / days_in_year"
    ds["date"].attrs["description"] = (
        "date of the change (inauguration; acting presidency for Putin 1999; election day "
        "for the scheduled Russian event of 2030)"
    )
    return ds


def events_to_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Return an events Dataset as a DataFrame, one row per event.

    Parameters
    ----------
    ds
        A Dataset from :func:`load_events` (or a selection from one).

    Returns
    -------
    pandas.DataFrame
        Indexed by event id (index name ``"event"``), one column per variable, in the
        order of :func:`load_events`.
    """
    frame = ds.to_dataframe()
    return frame[list(ds.data_vars)]
