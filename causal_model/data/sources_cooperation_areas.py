"""US–Russia UNGA agreement by *disjoint* issue areas: each roll call in exactly one area.

The issue codes of the roll calls overlap (a roll call may carry several), so counting a roll
call in each of its areas (:func:`causal_model.data.sources_cooperation.unga_issue_agreement`)
would let one vote enter several indicators. Here each roll call goes to one area by a stated
order of precedence (:data:`ISSUE_PARTITION`, :func:`partition_issues`): the model's
cooperation areas and the tension indicator's remaining roll calls (:data:`OTHER_AREA`)
partition the roll calls. The other counting rules are those of
:mod:`causal_model.data.sources_cooperation`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from causal_model.data.sources_cooperation import (
    issue_agreement_table,
    read_issue_codes,
    read_us_ru_votes,
)

__all__ = [
    "ARMS_CONTROL_AREAS",
    "ARMS_CONTROL_CODES",
    "ISSUE_PARTITION",
    "OTHER_AREA",
    "arms_control_issues",
    "partition_issues",
    "unga_area_agreement",
    "unga_arms_control_agreement",
]

#: Codes pooled into one arms-control area (69 % of the joint nuclear roll calls since 1992
#: are also coded disarmament), and the area names of the arms-control split.
ARMS_CONTROL_CODES = ("nu", "di")
ARMS_CONTROL_AREAS: dict[str, str] = {"ac": "arms_control", "xa": "not_arms_control"}

#: The model's disjoint issue areas, in order of precedence: a roll call belongs to the first
#: area one of whose codes it carries, so each roll call counts in exactly one area, the
#: roll calls of none of them in :data:`OTHER_AREA`. Arms control first (the area of the
#: claimed persisting cooperation: every nu or di roll call, as in the arms-control split;
#: the 24 joint ones since 1992 also coded ``me`` stay in it: 11 on nuclear proliferation in
#: the Middle East, 11 on Jerusalem, 2 on Israel, none an agreement). Middle East (the
#: source's "Palestinian conflict", one conflict) before human rights (a broad theme): the
#: 173 joint roll calls since 1992 coded both (occupied territories, Palestine) go to the
#: Middle East; none of them was an agreement.
ISSUE_PARTITION: dict[str, tuple[str, ...]] = {
    "arms_control": ARMS_CONTROL_CODES,
    "middle_east": ("me",),
    "human_rights": ("hr",),
}
#: The roll calls of no area of :data:`ISSUE_PARTITION`: colonialism, economic development
#: and uncoded ones (the tension indicator ``unga_agreement`` counts them).
OTHER_AREA = "other"


def partition_issues(
    votes: pd.DataFrame,
    issues: pd.DataFrame,
    precedence: Mapping[str, Iterable[str]] | None = None,
    rest: str = OTHER_AREA,
) -> pd.DataFrame:
    """Put every roll call in exactly one area: the first of ``precedence`` it is coded in.

    Parameters
    ----------
    votes
        As returned by :func:`read_us_ru_votes` (its roll calls are partitioned).
    issues
        As returned by :func:`read_issue_codes`.
    precedence
        Area -> issue codes, in order of precedence (default :data:`ISSUE_PARTITION`).
    rest
        The area of the roll calls coded in none of them (uncoded ones included).

    Returns
    -------
    pandas.DataFrame
        Columns ``rcid`` and ``short_name`` (the area), one row per roll call of ``votes``.
        Pass it with ``areas={a: a for a in (*precedence, rest)}`` to
        :func:`issue_agreement_table`: the areas partition the roll calls, so no vote enters
        two of them.
    """
    precedence = ISSUE_PARTITION if precedence is None else precedence
    rcids = np.unique(votes["rcid"].to_numpy())
    area = np.full(rcids.size, rest, dtype=object)
    free = np.ones(rcids.size, dtype=bool)
    for name, codes in precedence.items():
        coded = issues.loc[issues["short_name"].isin(list(codes)), "rcid"].to_numpy()
        take = free & np.isin(rcids, coded)
        area[take] = name
        free &= ~take
    return pd.DataFrame({"rcid": rcids, "short_name": area.astype(str)})


def unga_area_agreement(raw_dir: Path, years: Iterable[int] | None = None) -> xr.Dataset:
    """Like :func:`unga_issue_agreement` for the disjoint areas of :data:`ISSUE_PARTITION`.

    Parameters
    ----------
    raw_dir
        The raw-data folder.
    years
        The years of the result; by default those the roll-call file covers (1946–2019).

    Returns
    -------
    xarray.Dataset
        Dims ``(year, issue_area)`` with areas ``arms_control``, ``middle_east``,
        ``human_rights`` and ``other``; every joint roll call counts in exactly one.
    """
    votes = read_us_ru_votes(raw_dir)
    issues = partition_issues(votes, read_issue_codes(raw_dir))
    names = [*ISSUE_PARTITION, OTHER_AREA]
    return issue_agreement_table(votes, issues, years, areas={a: a for a in names})


def arms_control_issues(votes: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """Split every roll call into arms control (coded nu or di) or not, each counted once.

    Parameters
    ----------
    votes
        As returned by :func:`read_us_ru_votes`.
    issues
        As returned by :func:`read_issue_codes`.

    Returns
    -------
    pandas.DataFrame
        Columns ``rcid`` and ``short_name``: ``ac`` for a roll call coded nuclear or
        disarmament (once, even when coded both), ``xa`` for every other roll call of
        ``votes``, coded or not (:func:`partition_issues` with one area). Pass it with
        ``areas=ARMS_CONTROL_AREAS`` to :func:`issue_agreement_table`.
    """
    return partition_issues(votes, issues, {"ac": ARMS_CONTROL_CODES}, rest="xa")


def unga_arms_control_agreement(raw_dir: Path, years: Iterable[int] | None = None) -> xr.Dataset:
    """Like :func:`unga_issue_agreement` for two areas: arms control (nu or di) and the rest.

    Parameters
    ----------
    raw_dir
        The raw-data folder.
    years
        The years of the result; by default those the roll-call file covers (1946–2019).

    Returns
    -------
    xarray.Dataset
        Dims ``(year, issue_area)`` with areas ``arms_control`` and ``not_arms_control``.
    """
    votes = read_us_ru_votes(raw_dir)
    issues = arms_control_issues(votes, read_issue_codes(raw_dir))
    return issue_agreement_table(votes, issues, years, areas=ARMS_CONTROL_AREAS)
