"""Readers of the tension (event and relations) data sets.

See ``PROVENANCE_events.md`` beside the raw data for what each file is. Every file is read
through :mod:`causal_model.data.raw_read` against a :class:`~causal_model.data.validate.Table`
of what the reader expects, so a damaged file is an error naming the cell, never a wrong series.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from causal_model.data.paths import raw_file
from causal_model.data.raw_read import read_csv, read_excel
from causal_model.data.reader_tools import register_reader, yearly
from causal_model.data.validate import MAX_YEAR, Table, raw_error

US_CCODE, RU_CCODE = 2, 365
#: A UN General Assembly session s opens in September of year 1945 + s.
SESSION_YEAR_OFFSET = 1945

GPR = Table({"month": "date", "GPRC_RUS": "float"}, unit=("month",), unit_name="month")
IDEALPOINTS = Table(
    {"ccode": "int", "year": "int", "idealpointall": "float"},
    unit=("ccode", "year"),
    unit_name="country-year",
    years=("year",),
    need={"ccode": (US_CCODE, RU_CCODE)},
)
VOTES = Table(
    {"rcid": "int", "country_code": "text", "vote": "text", "session": "int"},
    unit=("rcid", "country_code"),
    unit_name="country's vote on a roll call",
    filled=("session", "vote"),
    need={"country_code": ("US", "RU")},
    ranges={"session": (1, MAX_YEAR - SESSION_YEAR_OFFSET)},
    allowed={"vote": ("yes", "no", "abstain")},
)
SANCTIONS = Table(
    {
        "case_id": "int",
        "sanctioned_state": "text",
        "sanctioning_state": "text",
        "begin": "int",
        "end": "int",
    },
    unit=("case_id",),
    unit_name="sanction case",
    years=("begin", "end"),
    filled=("sanctioned_state", "sanctioning_state"),
)
MIDS = Table(
    {"dispnum": "int", "ccode1": "int", "ccode2": "int", "year": "int", "disponset": "int"},
    unit=("dispnum", "ccode1", "ccode2", "year"),
    unit_name="directed dispute-year",
    years=("year",),
    need={"ccode1": (US_CCODE, RU_CCODE)},
    allowed={"disponset": (0, 1)},
)
PEW_ANSWERS = (
    "Very favorable",
    "Somewhat favorable",
    "Somewhat unfavorable",
    "Very unfavorable",
    "DK",
    "Refused",
)
#: Respondent rows have no identifier, and identical rows are genuine (same wave, country,
#: weight and answers): duplicates are found by the file's SHA-256, not here.
PEW = Table(
    {"wav": "int", "sta": "text", "wgt": "float", "opi_USA": "text", "opi_RUS": "text"},
    years=("wav",),
    filled=("wgt",),
    need={"sta": ("RUS", "USA")},
    allowed={"opi_USA": PEW_ANSWERS, "opi_RUS": PEW_ANSWERS},
    ranges={"wgt": (0.0, np.inf)},
)
ICEWS_QUADS = ["verbCoop", "matlCoop", "verbConf", "matlConf"]
ICEWS = Table(
    {"i_iso3c": "text", "j_iso3c": "text", "year": "int", **dict.fromkeys(ICEWS_QUADS, "int")},
    unit=("i_iso3c", "j_iso3c", "year"),
    unit_name="directed dyad-year",
    years=("year",),
    need={"i_iso3c": ("USA", "RUS"), "j_iso3c": ("USA", "RUS")},
    ranges=dict.fromkeys(ICEWS_QUADS, (0, np.inf)),
)


@register_reader("gpr_russia_annual_mean")
def gpr_russia_annual_mean(raw_dir: Path) -> pd.DataFrame:
    """Annual mean of Russia's country GPR index (percent of articles), complete years only.

    A year counts only when all 12 months are present, so a partial year is never passed off
    as a full one.
    """
    path = raw_file(raw_dir, "gpr_caldara_iacoviel", "data_gpr_export.xls")
    gpr = read_excel(path, GPR, engine="xlrd")[["month", "GPRC_RUS"]]
    gpr["year"] = pd.to_datetime(gpr["month"]).dt.year
    grouped = gpr.groupby("year")["GPRC_RUS"]
    mean = grouped.mean().where(grouped.count() == 12)
    return yearly(mean.dropna())


@register_reader("unga_idealpoint_distance")
def unga_idealpoint_distance(raw_dir: Path) -> pd.DataFrame:
    """Absolute USA–RUS distance of UNGA ideal points (``idealpointall``, all votes)."""
    path = raw_file(raw_dir, "unga_voeten_idealpoints", "IdealpointsJuly2025_all_countries.csv")
    ip = read_csv(path, IDEALPOINTS)
    wide = ip[ip["ccode"].isin([US_CCODE, RU_CCODE])].pivot(
        index="year", columns="ccode", values="idealpointall"
    )
    return yearly((wide[US_CCODE] - wide[RU_CCODE]).abs().dropna())


@register_reader("unga_vote_agreement")
def unga_vote_agreement(raw_dir: Path) -> pd.DataFrame:
    """US–Russia UNGA roll-call agreement: identical votes (successes) out of joint votes.

    Years are sessions (session s opens in year 1945 + s). A joint vote is a roll call on
    which both voted yes, no or abstain (absences were dropped by the source).
    """
    path = raw_file(raw_dir, "unga_unvotes_rollcalls", "un_votes_US_RU_subset.csv")
    votes = read_csv(path, VOTES)
    wide = votes.pivot_table(
        index=["rcid", "session"], columns="country_code", values="vote", aggfunc="first"
    ).dropna(subset=["US", "RU"])
    wide = wide.reset_index()
    wide["year"] = wide["session"].astype(int) + SESSION_YEAR_OFFSET
    wide["agree"] = (wide["US"] == wide["RU"]).astype(int)
    by_year = wide.groupby("year")["agree"].agg(["sum", "count"])
    return yearly(by_year["sum"], trials=by_year["count"])


@register_reader("us_sanctions_on_russia_active")
def us_sanctions_on_russia_active(raw_dir: Path) -> pd.DataFrame:
    """Number of GSDB sanction cases by the US on Russia (or the USSR) active each year.

    A case is counted when the sanctioning side includes the United States and the
    sanctioned side includes Russia or the Soviet Union, for every year from ``begin`` to
    ``end``. The file's last year (2022) bounds the series: later years are missing.
    """
    path = raw_file(raw_dir, "sanctions_gsdb", "GSDB_V3.csv")
    cases = read_csv(path, SANCTIONS)
    backwards = cases["end"] < cases["begin"]
    if backwards.any():
        i = int(np.flatnonzero(backwards)[0])
        raise raw_error(
            path,
            f"the case ends ({cases['end'].iloc[i]}) before it begins ({cases['begin'].iloc[i]})",
            column="end",
            row=f"line {cases.attrs['lines'][i]}",
        )
    last = int(cases["end"].max())
    target = cases["sanctioned_state"].str.contains(r"\bRussia\b|Soviet Union", regex=True)
    sender = cases["sanctioning_state"].str.contains("United States", regex=False)
    cases = cases[target & sender]
    if cases.empty:
        raise raw_error(path, "no case of the United States sanctioning Russia or the USSR")
    years = np.arange(1946, last + 1)
    counts = [int(((cases["begin"] <= y) & (cases["end"] >= y)).sum()) for y in years]
    return yearly(pd.Series(counts, index=years))


@register_reader("mid_onsets_us_russia")
def mid_onsets_us_russia(raw_dir: Path) -> pd.DataFrame:
    """Number of new militarized interstate disputes between the US and Russia (COW MID 5.0).

    Counts distinct disputes with an onset in the year in either direction; the source
    covers every year to 2014, so a year without a dispute is a true zero; after 2014 the
    series is missing.
    """
    path = raw_file(raw_dir, "mid_peacesciencer", "cow_mid_dirdisps_USA_RUS_subset.csv")
    mids = read_csv(path, MIDS)
    onsets = mids[mids["disponset"] == 1].groupby("year")["dispnum"].nunique()
    years = np.arange(1946, 2015)
    return yearly(onsets.reindex(years, fill_value=0))


def _pew_share(raw_dir: Path, respondents: str, column: str) -> pd.DataFrame:
    path = raw_file(raw_dir, "pew_global_attitudes", "pew_opi_RUS_USA_respondents.csv")
    pew = read_csv(path, PEW)[["wav", "sta", "wgt", column]]
    pew = pew[(pew["sta"] == respondents) & pew[column].notna()]
    pew = pew.assign(fav=pew[column].isin(["Very favorable", "Somewhat favorable"]).astype(float))
    pew = pew.assign(wfav=pew["fav"] * pew["wgt"])
    grouped = pew.groupby(pew["wav"].astype(int))
    share = grouped["wfav"].sum() / grouped["wgt"].sum()
    return yearly(share)


@register_reader("pew_russians_favourable_usa")
def pew_russians_favourable_usa(raw_dir: Path) -> pd.DataFrame:
    """Weighted share of Russian respondents favourable to the USA (DK in the denominator)."""
    return _pew_share(raw_dir, "RUS", "opi_USA")


@register_reader("pew_americans_favourable_russia")
def pew_americans_favourable_russia(raw_dir: Path) -> pd.DataFrame:
    """Weighted share of US respondents favourable to Russia (DK in the denominator)."""
    return _pew_share(raw_dir, "USA", "opi_RUS")


@register_reader("icews_conflict_share")
def icews_conflict_share(raw_dir: Path) -> pd.DataFrame:
    """Share of conflictual events in US<->Russia ICEWS events (both directions), 2002–2014.

    (verbal + material conflict) / (all four quad classes), summing both directed dyads.
    """
    path = raw_file(raw_dir, "icews_netify", "icews_2002_2014_dyad_year_USA_or_RUS_rows.csv")
    icews = read_csv(path, ICEWS)
    dyad = icews[
        ((icews["i_iso3c"] == "USA") & (icews["j_iso3c"] == "RUS"))
        | ((icews["i_iso3c"] == "RUS") & (icews["j_iso3c"] == "USA"))
    ]
    sums = dyad.groupby(dyad["year"].astype(int))[ICEWS_QUADS].sum()
    total = sums.sum(axis=1)
    share = (sums["verbConf"] + sums["matlConf"]) / total
    return yearly(share[total > 0])
