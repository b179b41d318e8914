"""Readers of the cooperation indicators: the study's fourth claim, cooperation that persists.

Two raw sources (see ``PROVENANCE_events.md`` beside the raw data):

* UN General Assembly roll calls (``unga_unvotes_rollcalls``): US–Russia agreement by issue
  area, from the two countries' votes (``un_votes_US_RU_subset.csv``) and the issue codes of
  the roll calls (``un_roll_call_issues.rda``). The rules follow the all-issue reader
  :func:`causal_model.data.sources_tension.unga_vote_agreement`:

  - a *joint vote* is a roll call on which both the US and Russia (the USSR before 1992; one
    series in the source) voted yes, no or abstain. The source dropped absences, so a roll call
    with either country absent is not a joint vote;
  - an *agreement* is a joint vote with identical votes: yes–yes, no–no or abstain–abstain;
  - the year of a roll call is its session + 1945 (session ``s`` opens in September of year
    1945 + s; the votes of session 74 cast in January 2020 count in 2019);
  - a roll call with several issue codes counts once in each of its areas; an uncoded roll
    call counts in none. The model's areas and the arms-control split
    (:mod:`causal_model.data.sources_cooperation_areas`) instead put each roll call in
    exactly one area, by a stated order of precedence.

* ICEWS dyad-years via ``netify`` (``icews_netify``): verbal and material cooperation events
  between the US and Russia, both directions summed, 2002–2014
  (:mod:`causal_model.data.sources_cooperation_icews`).

Missing is missing: a year the roll-call file does not cover (after session 74, i.e. from
2020) has no value; neither has a covered year without a joint vote in an area (no trial is
not zero agreements).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadr
import xarray as xr

from causal_model.data.paths import raw_file
from causal_model.data.raw_checks import (
    RawDataError,
    refuse_duplicates,
    require_columns,
    require_integers,
    require_values,
)

__all__ = [
    "COUNT_VARS",
    "ISSUE_AREAS",
    "issue_agreement_table",
    "read_issue_codes",
    "read_us_ru_votes",
    "unga_issue_agreement",
]

ROLLCALLS = "unga_unvotes_rollcalls"
VOTES_FILE = "un_votes_US_RU_subset.csv"
ISSUES_FILE = "un_roll_call_issues.rda"
ISSUES_OBJECT = "un_roll_call_issues"

#: The issue codes of ``un_roll_call_issues`` and the area names used in reader keys.
#: ``me`` is labelled "Palestinian conflict" in the source: it is not every Middle East vote.
ISSUE_AREAS: dict[str, str] = {
    "nu": "nuclear",
    "di": "disarmament",
    "hr": "human_rights",
    "me": "middle_east",
    "co": "colonialism",
    "ec": "economic_development",
}
VOTE_CODES = ("yes", "no", "abstain")
COUNTRIES = ("US", "RU")
SESSION_YEAR_OFFSET = 1945
#: The count variables of :func:`unga_issue_agreement`.
COUNT_VARS = ("agreements", "joint_votes", "joint_yes", "joint_no", "joint_abstain")


def read_us_ru_votes(raw_dir: Path) -> pd.DataFrame:
    """Read and check the US and Russian roll-call votes.

    Parameters
    ----------
    raw_dir
        The raw-data folder.

    Returns
    -------
    pandas.DataFrame
        Columns ``rcid`` (int), ``session`` (int), ``country_code`` (``US``/``RU``) and
        ``vote`` (``yes``/``no``/``abstain``); one row per roll call and country.

    Raises
    ------
    RawDataError
        A column is missing; ``rcid`` or ``session`` is not a whole number (or a session
        below 1); a country or vote code is unknown; a (rcid, country) pair occurs twice; or a
        roll call carries two sessions.
    """
    path = raw_file(raw_dir, ROLLCALLS, VOTES_FILE)
    votes = pd.read_csv(path)
    require_columns(votes, ["rcid", "country_code", "vote", "session"], path)
    require_values(votes, "country_code", COUNTRIES, path)
    require_values(votes, "vote", VOTE_CODES, path)
    out = pd.DataFrame(
        {
            "rcid": require_integers(votes, "rcid", path),
            "session": require_integers(votes, "session", path),
            "country_code": votes["country_code"].astype(str),
            "vote": votes["vote"].astype(str),
        }
    )
    below = out["session"] < 1
    if below.any():
        rows = ", ".join(map(str, out.index[below][:5]))
        raise RawDataError(f"{path}: column 'session' holds sessions below 1 in row(s) {rows}")
    refuse_duplicates(out, ["rcid", "country_code"], path)
    sessions = out.groupby("rcid")["session"].nunique()
    if (sessions > 1).any():
        rcid = int(sessions.index[sessions > 1][0])
        raise RawDataError(
            f"{path}: column 'session': roll call rcid {rcid} carries more than one session"
        )
    return out


def read_issue_codes(raw_dir: Path) -> pd.DataFrame:
    """Read and check the issue codes of the roll calls.

    Parameters
    ----------
    raw_dir
        The raw-data folder.

    Returns
    -------
    pandas.DataFrame
        Columns ``rcid`` (int) and ``short_name`` (a key of :data:`ISSUE_AREAS`); one row per
        roll call and code (a roll call may have several codes).

    Raises
    ------
    RawDataError
        The file is not a readable R data file or lacks the ``un_roll_call_issues`` object; a
        column is missing; ``rcid`` is not a whole number; a code is unknown; or a
        (rcid, code) pair occurs twice.
    """
    path = raw_file(raw_dir, ROLLCALLS, ISSUES_FILE)
    try:
        objects = pyreadr.read_r(path)
    except (pyreadr.custom_errors.PyreadrError, ValueError) as err:
        raise RawDataError(f"{path}: not a readable R data file ({err})") from None
    if ISSUES_OBJECT not in objects:
        raise RawDataError(
            f"{path}: no object {ISSUES_OBJECT!r}; found: {', '.join(objects) or 'none'}"
        )
    issues = objects[ISSUES_OBJECT].reset_index(drop=True)
    require_columns(issues, ["rcid", "short_name"], path)
    require_values(issues, "short_name", ISSUE_AREAS, path)
    out = pd.DataFrame(
        {
            "rcid": require_integers(issues, "rcid", path),
            "short_name": issues["short_name"].astype(str),
        }
    )
    refuse_duplicates(out, ["rcid", "short_name"], path)
    return out


def _joint_votes(votes: pd.DataFrame) -> pd.DataFrame:
    """One row per joint roll call: ``year`` and the two votes, indexed by ``rcid``."""
    wide = votes.pivot(index="rcid", columns="country_code", values="vote")
    wide = wide.reindex(columns=list(COUNTRIES)).dropna(subset=list(COUNTRIES))
    session = votes.groupby("rcid")["session"].first()
    wide["year"] = session.reindex(wide.index) + SESSION_YEAR_OFFSET
    return wide


def issue_agreement_table(
    votes: pd.DataFrame,
    issues: pd.DataFrame,
    years: Iterable[int] | None = None,
    areas: Mapping[str, str] | None = None,
) -> xr.Dataset:
    """Count US–Russia agreements and joint votes per year and issue area.

    Parameters
    ----------
    votes
        As returned by :func:`read_us_ru_votes`.
    issues
        As returned by :func:`read_issue_codes` (or :func:`arms_control_issues`).
    years
        The years of the result; by default every year from the first to the last year with
        a joint vote. Years outside the file's coverage are all-missing.
    areas
        Issue code -> area name, in the order of the result; default :data:`ISSUE_AREAS`.

    Returns
    -------
    xarray.Dataset
        Dims ``(year, issue_area)`` (area names of :data:`ISSUE_AREAS`, with the source's code
        as coordinate ``issue_code``) and the float variables of :data:`COUNT_VARS`:
        ``joint_votes`` (trials), ``agreements`` (identical votes), ``joint_yes``,
        ``joint_no`` and ``joint_abstain`` (agreements = their sum). A year is covered when
        it has at least one joint vote on any roll call; in a covered year ``joint_votes`` is
        a count (0 when no coded roll call of the area had a joint vote) and the other
        variables are missing where ``joint_votes`` is 0; outside covered years every
        variable is missing.
    """
    areas = dict(ISSUE_AREAS if areas is None else areas)
    joint = _joint_votes(votes)
    covered = np.unique(joint["year"].to_numpy(dtype=np.int64))
    if years is None:
        years = np.arange(covered.min(), covered.max() + 1) if covered.size else []
    years = np.asarray(list(years), dtype=np.int64)
    flags = pd.DataFrame(
        {
            "agreements": joint["US"] == joint["RU"],
            "joint_yes": (joint["US"] == "yes") & (joint["RU"] == "yes"),
            "joint_no": (joint["US"] == "no") & (joint["RU"] == "no"),
            "joint_abstain": (joint["US"] == "abstain") & (joint["RU"] == "abstain"),
            "year": joint["year"],
        },
        index=joint.index,
    ).astype(np.int64)
    flags["joint_votes"] = 1
    coded = flags.join(issues.set_index("rcid"), how="inner")
    sums = coded.groupby(["year", "short_name"])[list(COUNT_VARS)].sum()
    full = pd.MultiIndex.from_product([years, list(areas)], names=["year", "short_name"])
    sums = sums.reindex(full).astype(float)
    in_cover = np.isin(sums.index.get_level_values("year"), covered)
    sums.loc[in_cover, "joint_votes"] = sums.loc[in_cover, "joint_votes"].fillna(0.0)
    no_trial = sums["joint_votes"].fillna(0.0) == 0
    sums.loc[no_trial, [v for v in COUNT_VARS if v != "joint_votes"]] = np.nan
    data = {
        var: (
            ("year", "issue_area"),
            sums[var].to_numpy().reshape(years.size, len(areas)),
        )
        for var in COUNT_VARS
    }
    return xr.Dataset(
        data,
        coords={
            "year": years,
            "issue_area": list(areas.values()),
            "issue_code": ("issue_area", list(areas)),
        },
        attrs={
            "source": f"{ROLLCALLS}/{VOTES_FILE} and {ROLLCALLS}/{ISSUES_FILE}",
            "joint_vote": "both the US and Russia voted yes, no or abstain (absences dropped)",
            "agreement": "identical votes on a joint vote (yes-yes, no-no, abstain-abstain)",
            "year_rule": f"session + {SESSION_YEAR_OFFSET}",
            "multi_coded": "a roll call with several issue codes counts in each of its areas",
            "last_covered_year": int(covered.max()) if covered.size else -1,
        },
    )


def unga_issue_agreement(raw_dir: Path, years: Iterable[int] | None = None) -> xr.Dataset:
    """US–Russia UNGA agreements, joint votes, joint yes and joint no per year and issue area.

    Parameters
    ----------
    raw_dir
        The raw-data folder.
    years
        The years of the result (e.g. a panel's years); by default 1946 to 2019, the years the
        roll-call file covers.

    Returns
    -------
    xarray.Dataset
        See :func:`issue_agreement_table` for the variables and the missing-value rules.

    Raises
    ------
    RawDataError
        When either raw file fails its checks (:func:`read_us_ru_votes`,
        :func:`read_issue_codes`).
    """
    return issue_agreement_table(read_us_ru_votes(raw_dir), read_issue_codes(raw_dir), years)
