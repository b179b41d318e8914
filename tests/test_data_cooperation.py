"""The cooperation readers: UNGA agreement by issue area and ICEWS cooperation events.

Counts are checked against an independent count made here from the raw files with the
``csv`` module and plain dicts (the issue codes, an R data file, are read with pyreadr but
counted with dicts). Bad-input cases use small synthetic files in a temporary folder.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadr
import pytest

from causal_model.data import DataNotFoundError, resolve_raw_dir
from causal_model.data.raw_checks import RawDataError
from causal_model.data.readers import get_reader
from causal_model.data.registry import (
    DEFAULT_REGISTRY,
    OPTIONAL,
    REQUIRED,
    RegistryError,
    load_registry,
    validate_registry,
)
from causal_model.data.sources_cooperation import (
    ISSUE_AREAS,
    issue_agreement_table,
    unga_issue_agreement,
)
from causal_model.data.sources_cooperation_areas import (
    OTHER_AREA,
    arms_control_issues,
    partition_issues,
)
from causal_model.data.sources_cooperation_icews import icews_us_russia_quads
from causal_model.data.sources_cooperation_readers import AREA_READERS, JOINT_NO_READERS

UNGA = "unga_unvotes_rollcalls"
ICEWS = "icews_netify"
VOTES_CSV = "un_votes_US_RU_subset.csv"
ISSUES_RDA = "un_roll_call_issues.rda"
ICEWS_CSV = "icews_2002_2014_dyad_year_USA_or_RUS_rows.csv"
ICEWS_READERS = (
    "icews_verbal_coop_share",
    "icews_material_coop_share",
    "icews_verbal_coop_count",
    "icews_material_coop_count",
)


@pytest.fixture(scope="module")
def raw_dir() -> Path:
    try:
        raw = resolve_raw_dir()
    except DataNotFoundError as exc:
        pytest.skip(f"raw data not available ({exc})")
    if not (raw / UNGA / VOTES_CSV).is_file() or not (raw / ICEWS / ICEWS_CSV).is_file():
        pytest.skip("raw roll-call or ICEWS file not available")
    return raw


@pytest.fixture(scope="module")
def independent(raw_dir: Path) -> dict[str, Counter]:
    """Counts per (year, code) made with csv + dicts: joint, agree, yes, no."""
    votes: dict[int, dict[str, str]] = {}
    session: dict[int, int] = {}
    with open(raw_dir / UNGA / VOTES_CSV, newline="") as fh:
        for row in csv.DictReader(fh):
            rcid = int(float(row["rcid"]))
            votes.setdefault(rcid, {})[row["country_code"]] = row["vote"]
            session[rcid] = int(float(row["session"]))
    issues = pyreadr.read_r(raw_dir / UNGA / ISSUES_RDA)["un_roll_call_issues"]
    codes: dict[int, set[str]] = {}
    for rcid, code in zip(issues["rcid"].tolist(), issues["short_name"].tolist(), strict=True):
        codes.setdefault(int(rcid), set()).add(str(code))
    out = {k: Counter() for k in ("joint", "agree", "yes", "no")}
    for rcid, pair in votes.items():
        if "US" not in pair or "RU" not in pair:
            continue
        year = session[rcid] + 1945
        for code in codes.get(rcid, ()):
            out["joint"][year, code] += 1
            out["agree"][year, code] += pair["US"] == pair["RU"]
            out["yes"][year, code] += pair["US"] == pair["RU"] == "yes"
            out["no"][year, code] += pair["US"] == pair["RU"] == "no"
    return out


@pytest.fixture(scope="module")
def table(raw_dir: Path):
    return unga_issue_agreement(raw_dir, years=range(1946, 2025))


def cell(table, var: str, year: int, code: str) -> float:
    return float(table[var].sel(year=year, issue_area=ISSUE_AREAS[code]))


@pytest.mark.parametrize("year", [1992, 1997, 2003, 2008, 2014, 2019])
def test_counts_equal_independent_count(table, independent, year):
    for code in ISSUE_AREAS:
        joint = independent["joint"][year, code]
        assert cell(table, "joint_votes", year, code) == joint, (year, code)
        if joint == 0:
            assert np.isnan(cell(table, "agreements", year, code))
            continue
        assert cell(table, "agreements", year, code) == independent["agree"][year, code]
        assert cell(table, "joint_yes", year, code) == independent["yes"][year, code]
        assert cell(table, "joint_no", year, code) == independent["no"][year, code]


def test_issue_file_facts(raw_dir):
    issues = pyreadr.read_r(raw_dir / UNGA / ISSUES_RDA)["un_roll_call_issues"]
    per_rcid = Counter(int(r) for r in issues["rcid"])
    assert len(per_rcid) == 4099  # coded roll calls
    assert sum(n > 1 for n in per_rcid.values()) == 1391  # with more than one code


@pytest.mark.parametrize(
    ("code", "first", "last", "agree", "joint"),
    [
        ("nu", 1992, 1999, 53, 92),  # .58
        ("nu", 2014, 2019, 77, 116),  # .66
        ("di", 2000, 2007, 55, 160),  # .34
        ("hr", 2008, 2013, 8, 143),  # .06
        ("me", 2014, 2019, 0, 92),  # .00
    ],
)
def test_period_agreement(table, code, first, last, agree, joint):
    period = table.sel(year=slice(first, last), issue_area=ISSUE_AREAS[code])
    assert float(period["agreements"].sum()) == agree
    assert float(period["joint_votes"].sum()) == joint


def test_nuclear_joint_no_share_2014_2019(raw_dir):
    frame = get_reader("unga_joint_no_nuclear")(raw_dir).loc[2014:2019]
    assert (frame["value"].sum(), frame["trials"].sum()) == (58, 77)  # 75 %


def test_reader_matches_table_and_trials_convention(raw_dir, table, independent):
    frame = get_reader("unga_agreement_nuclear")(raw_dir)
    assert list(frame.columns) == ["value", "trials"]
    assert (frame["trials"] > 0).all() and (frame["value"] <= frame["trials"]).all()
    assert frame.loc[2016, "value"] == independent["agree"][2016, "nu"]
    assert frame.loc[2016, "trials"] == independent["joint"][2016, "nu"]
    for name in AREA_READERS:
        assert get_reader(name) is AREA_READERS[name]


def test_missing_after_end_of_file(raw_dir, table):
    assert table.attrs["last_covered_year"] == 2019
    assert cell(table, "joint_votes", 2019, "nu") > 0
    after = table.sel(year=slice(2020, None))
    for var in table.data_vars:
        assert bool(after[var].isnull().all()), var
    for name in AREA_READERS:
        assert get_reader(name)(raw_dir).index.max() <= 2019, name


def test_no_joint_vote_is_missing_not_zero(raw_dir, table, independent):
    covered = {year for (year, _code) in independent["joint"]}
    empty = [
        (y, c) for y in sorted(covered) for c in ISSUE_AREAS if independent["joint"][y, c] == 0
    ]
    year, code = empty[0]
    assert cell(table, "joint_votes", year, code) == 0
    assert np.isnan(cell(table, "agreements", year, code))
    assert year not in get_reader(f"unga_agreement_{ISSUE_AREAS[code]}")(raw_dir).index


def test_arms_control_split_partitions_the_roll_calls(raw_dir, independent_union):
    every = get_reader("unga_vote_agreement")(raw_dir)
    arms = get_reader("unga_agreement_arms_control")(raw_dir)
    rest = get_reader("unga_agreement_not_arms_control")(raw_dir)
    both = arms.add(rest, fill_value=0).reindex(every.index)
    pd.testing.assert_frame_equal(both, every, check_dtype=False)
    for year in (1995, 2007, 2015, 2019):
        assert (arms.loc[year, "value"], arms.loc[year, "trials"]) == independent_union[year]


@pytest.fixture(scope="module")
def independent_union(raw_dir: Path) -> dict[int, tuple[int, int]]:
    """(agreements, joint votes) per year on roll calls coded nu or di, each counted once."""
    issues = pyreadr.read_r(raw_dir / UNGA / ISSUES_RDA)["un_roll_call_issues"]
    pairs = zip(issues["rcid"], issues["short_name"], strict=True)
    arms = {int(rcid) for rcid, code in pairs if code in ("nu", "di")}
    votes: dict[int, dict[str, str]] = {}
    with open(raw_dir / UNGA / VOTES_CSV, newline="") as fh:
        for row in csv.DictReader(fh):
            rcid = int(float(row["rcid"]))
            votes.setdefault(rcid, {"year": str(int(float(row["session"])) + 1945)})
            votes[rcid][row["country_code"]] = row["vote"]
    out: dict[int, tuple[int, int]] = {}
    for rcid, pair in votes.items():
        if rcid in arms and "US" in pair and "RU" in pair:
            agree, joint = out.get(int(pair["year"]), (0, 0))
            out[int(pair["year"])] = (agree + (pair["US"] == pair["RU"]), joint + 1)
    return out


def test_icews_counts_and_shares_independent(raw_dir):
    sums: dict[int, Counter] = {}
    with open(raw_dir / ICEWS / ICEWS_CSV, newline="") as fh:
        for row in csv.DictReader(fh):
            if {row["i_iso3c"], row["j_iso3c"]} == {"USA", "RUS"}:
                year = int(float(row["year"]))
                for quad in ("verbCoop", "matlCoop", "verbConf", "matlConf"):
                    sums.setdefault(year, Counter())[quad] += int(float(row[quad]))
    quads = icews_us_russia_quads(raw_dir)
    assert list(quads.index) == list(range(2002, 2015))
    for year in (2002, 2008, 2013, 2014):
        total = sum(sums[year].values())
        assert quads.loc[year, "matlCoop"] == sums[year]["matlCoop"]
        verbal = get_reader("icews_verbal_coop_share")(raw_dir).loc[year, "value"]
        material = get_reader("icews_material_coop_share")(raw_dir).loc[year, "value"]
        assert verbal == pytest.approx(sums[year]["verbCoop"] / total)
        assert material == pytest.approx(sums[year]["matlCoop"] / total)
    assert quads.loc[2013, "matlCoop"] == 243  # 159 Russia->US + 84 US->Russia
    for name in ICEWS_READERS:
        years = get_reader(name)(raw_dir).index
        assert years.min() == 2002 and years.max() == 2014, name


# ---------------------------------------------------------------- synthetic inputs


def votes_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["rcid", "session", "country_code", "vote"])


def test_table_rules_on_synthetic_votes():
    votes = votes_frame(
        [
            (1, 70, "US", "no"),
            (1, 70, "RU", "no"),  # joint no, coded nu and di
            (2, 70, "US", "yes"),
            (2, 70, "RU", "no"),  # disagreement, nu
            (3, 70, "US", "yes"),  # Russia absent: not a joint vote
            (4, 71, "US", "abstain"),
            (4, 71, "RU", "abstain"),  # joint abstain, hr
        ]
    )
    issues = pd.DataFrame({"rcid": [1, 1, 2, 3, 4], "short_name": ["nu", "di", "nu", "nu", "hr"]})
    tab = issue_agreement_table(votes, issues, years=[2015, 2016, 2017])
    assert cell(tab, "joint_votes", 2015, "nu") == 2
    assert cell(tab, "agreements", 2015, "nu") == 1
    assert cell(tab, "joint_no", 2015, "di") == 1  # the multi-coded roll call counts in di too
    assert cell(tab, "joint_abstain", 2016, "hr") == 1
    assert cell(tab, "joint_votes", 2016, "nu") == 0  # covered year, no joint vote
    assert np.isnan(cell(tab, "agreements", 2016, "nu"))
    assert np.isnan(cell(tab, "joint_votes", 2017, "nu"))  # after the data end


def write_votes(raw: Path, frame: pd.DataFrame) -> None:
    (raw / UNGA).mkdir(parents=True, exist_ok=True)
    frame.to_csv(raw / UNGA / VOTES_CSV, index=False)


def write_issues(raw: Path, frame: pd.DataFrame, name: str = "un_roll_call_issues") -> None:
    (raw / UNGA).mkdir(parents=True, exist_ok=True)
    pyreadr.write_rdata(str(raw / UNGA / ISSUES_RDA), frame, df_name=name)


GOOD_VOTES = [(1, 70, "US", "no"), (1, 70, "RU", "no")]
GOOD_ISSUES = pd.DataFrame({"rcid": [1], "short_name": ["nu"]})


@pytest.mark.parametrize(
    ("votes", "issues", "message"),
    [
        (votes_frame(GOOD_VOTES).drop(columns="vote"), GOOD_ISSUES, "missing column"),
        (votes_frame([*GOOD_VOTES, (2, 70, "US", "maybe")]), GOOD_ISSUES, "'vote'"),
        (votes_frame([*GOOD_VOTES, (1, 70, "US", "yes")]), GOOD_ISSUES, "duplicate"),
        (votes_frame([*GOOD_VOTES, (2, 70.5, "US", "yes")]), GOOD_ISSUES, "'session'"),
        (votes_frame([*GOOD_VOTES, (2, 70, "FR", "yes")]), GOOD_ISSUES, "'country_code'"),
        (votes_frame(GOOD_VOTES), pd.DataFrame({"rcid": [1], "short_name": ["xx"]}), "short_nam"),
        (votes_frame(GOOD_VOTES), pd.DataFrame({"rcid": [1, 1], "short_name": ["nu"] * 2}), "dup"),
        (votes_frame(GOOD_VOTES), GOOD_ISSUES.rename(columns={"rcid": "id"}), "missing column"),
    ],
)
@pytest.mark.parametrize("reader", sorted(AREA_READERS))
def test_unga_readers_refuse_bad_input(tmp_path, votes, issues, message, reader):
    write_votes(tmp_path, votes)
    write_issues(tmp_path, issues)
    with pytest.raises(RawDataError, match=message) as err:
        get_reader(reader)(tmp_path)
    assert UNGA in str(err.value)  # the error names the file


def test_issues_file_without_the_object(tmp_path):
    write_votes(tmp_path, votes_frame(GOOD_VOTES))
    write_issues(tmp_path, GOOD_ISSUES, name="something_else")
    with pytest.raises(RawDataError, match="no object 'un_roll_call_issues'"):
        unga_issue_agreement(tmp_path)


def icews_frame(rows: list[tuple]) -> pd.DataFrame:
    cols = ["i_iso3c", "j_iso3c", "year", "verbCoop", "matlCoop", "verbConf", "matlConf"]
    return pd.DataFrame(rows, columns=cols)


GOOD_ICEWS = [("USA", "RUS", 2002, 10, 1, 2, 0), ("RUS", "USA", 2002, 8, 0, 1, 1)]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (icews_frame(GOOD_ICEWS).drop(columns="matlCoop"), "missing column"),
        (icews_frame([*GOOD_ICEWS, ("USA", "RUS", 2002, 1, 1, 1, 1)]), "duplicate"),
        (icews_frame([*GOOD_ICEWS, ("USA", "RUS", 2003, -1, 1, 1, 1)]), "negative"),
        (icews_frame([*GOOD_ICEWS, ("USA", "RUS", 2003, 1.5, 1, 1, 1)]), "'verbCoop'"),
        (icews_frame([("USA", "CHN", 2002, 1, 1, 1, 1)]), "no US-Russia rows"),
    ],
)
@pytest.mark.parametrize("reader", ICEWS_READERS)
def test_icews_readers_refuse_bad_input(tmp_path, frame, message, reader):
    (tmp_path / ICEWS).mkdir()
    frame.to_csv(tmp_path / ICEWS / ICEWS_CSV, index=False)
    with pytest.raises(RawDataError, match=message) as err:
        get_reader(reader)(tmp_path)
    assert ICEWS_CSV in str(err.value)


def test_icews_year_with_one_direction_is_missing(tmp_path):
    (tmp_path / ICEWS).mkdir()
    rows = [*GOOD_ICEWS, ("USA", "RUS", 2003, 5, 1, 0, 0)]
    icews_frame(rows).to_csv(tmp_path / ICEWS / ICEWS_CSV, index=False)
    share = get_reader("icews_material_coop_share")(tmp_path)
    assert list(share.index) == [2002]
    assert share.loc[2002, "value"] == pytest.approx(1 / 23)


# ---------------------------------------------------------------- the registries

PROPOSED = (
    Path(__file__).parents[1] / "causal_model" / "data" / "registry_cooperation_proposed.toml"
)


def proposed_entries() -> list[dict]:
    """The alternatives kept as comments in the proposed file, uncommented."""
    pattern = r"^# ((?:\[\[indicator\]\]|[a-z_]+ = ).*)$"
    lines = re.findall(pattern, PROPOSED.read_text(), flags=re.M)
    return tomllib.loads("\n".join(lines))["indicator"]


def registry_cooperation() -> list[dict]:
    with DEFAULT_REGISTRY.open("rb") as fh:
        entries = tomllib.load(fh)["indicator"]
    return [e for e in entries if e["latent"] == "cooperation"]


def test_proposed_file_has_only_commented_alternatives():
    assert "indicator" not in tomllib.loads(PROPOSED.read_text())  # nothing active there
    entries = proposed_entries()
    assert len(entries) == 8
    active = {e["key"] for e in registry_cooperation()}
    assert not active & {e["key"] for e in entries}  # no key means two things
    for entry in entries:
        assert set(entry) <= set(REQUIRED) | set(OPTIONAL), entry["key"]
        assert entry["latent"] == "cooperation" and entry["direction"] == 1
        get_reader(entry["reader"])  # registered
        if entry["reader"].startswith("unga_"):
            assert entry["family"] == "binomial"
    # valid once the anchor flag (which a cooperation indicator may not carry) is dropped
    frame = pd.DataFrame([{**e, "anchor": False} for e in entries])
    assert len(validate_registry(frame)) == len(entries)


def test_registry_cooperation_entries():
    entries = registry_cooperation()
    assert [e["key"] for e in entries] == [
        "unga_agree_arms_control",
        "unga_agree_middle_east",
        "unga_agree_human_rights",
        "icews_material_coop_share",
    ]
    for entry in entries:
        assert entry["direction"] == 1 and not entry.get("anchor", False)
        get_reader(entry["reader"])
    reg = load_registry()
    assert reg.loc["unga_agreement", "reader"] == "unga_area_agreement_other"
    with pytest.raises(RegistryError, match="cannot be an anchor"):
        validate_registry(pd.DataFrame([{**entries[0], "anchor": True}]))


def test_cooperation_readers_give_trials_for_binomials(raw_dir):
    for entry in proposed_entries() + registry_cooperation():
        frame = get_reader(entry["reader"])(raw_dir)
        assert ("trials" in frame) == (entry["family"] == "binomial"), entry["key"]
        assert frame["value"].notna().all() and frame.index.max() <= 2019


# ---------------------------------------------------------------- the disjoint areas


def area_of(codes: set[str]) -> str:
    """The precedence rule, written out: arms control, Middle East, human rights, other."""
    if codes & {"nu", "di"}:
        return "arms_control"
    if "me" in codes:
        return "middle_east"
    if "hr" in codes:
        return "human_rights"
    return "other"


@pytest.fixture(scope="module")
def independent_areas(raw_dir: Path) -> Counter:
    """(agreements, joint votes) per (year, disjoint area), with csv + dicts."""
    issues = pyreadr.read_r(raw_dir / UNGA / ISSUES_RDA)["un_roll_call_issues"]
    codes: dict[int, set[str]] = {}
    for rcid, code in zip(issues["rcid"].tolist(), issues["short_name"].tolist(), strict=True):
        codes.setdefault(int(rcid), set()).add(str(code))
    votes: dict[int, dict[str, str]] = {}
    with open(raw_dir / UNGA / VOTES_CSV, newline="") as fh:
        for row in csv.DictReader(fh):
            rcid = int(float(row["rcid"]))
            votes.setdefault(rcid, {"session": row["session"]})[row["country_code"]] = row["vote"]
    out: Counter = Counter()
    for rcid, pair in votes.items():
        if "US" in pair and "RU" in pair:
            key = (int(float(pair["session"])) + 1945, area_of(codes.get(rcid, set())))
            out[key + ("agree",)] += pair["US"] == pair["RU"]
            out[key + ("joint",)] += 1
            out[key + ("no",)] += pair["US"] == pair["RU"] == "no"
    return out


PANEL_AREAS = {
    "unga_agree_arms_control": "arms_control",
    "unga_agree_middle_east": "middle_east",
    "unga_agree_human_rights": "human_rights",
    "unga_agreement": "other",
}


@pytest.mark.parametrize("year", [1993, 1999, 2004, 2011, 2016, 2019])
def test_panel_areas_equal_independent_count(panel, independent_areas, year):
    for key, area in PANEL_AREAS.items():
        joint = independent_areas[year, area, "joint"]
        value = float(panel["raw"].sel(indicator=key, year=year))
        trials = float(panel["trials"].sel(indicator=key, year=year))
        if joint == 0:
            assert np.isnan(value), (key, year)
            continue
        assert (value, trials) == (independent_areas[year, area, "agree"], joint), (key, year)


def test_no_roll_call_enters_two_indicators(raw_dir, panel):
    """The UNGA agreement indicators of the panel partition the joint roll calls: per year
    their agreements and joint votes add up to those of all roll calls."""
    every = get_reader("unga_vote_agreement")(raw_dir).loc[1992:]
    keys = list(PANEL_AREAS)
    raw = panel["raw"].sel(indicator=keys).sum("indicator").to_series()
    trials = panel["trials"].sel(indicator=keys).sum("indicator").to_series()
    np.testing.assert_array_equal(raw.loc[every.index], every["value"])
    np.testing.assert_array_equal(trials.loc[every.index], every["trials"])
    assert panel["trials"].sel(indicator=keys, year=slice(2020, None)).isnull().all()


def test_partition_rule_on_synthetic_codes():
    votes = votes_frame([(r, 70, c, "yes") for r in range(1, 6) for c in ("US", "RU")])
    issues = pd.DataFrame(
        {
            "rcid": [1, 1, 2, 2, 3, 3, 4],
            "short_name": ["me", "di", "hr", "me", "hr", "co", "ec"],
        }
    )
    part = partition_issues(votes, issues).set_index("rcid")["short_name"].to_dict()
    assert part == {
        1: "arms_control",
        2: "middle_east",
        3: "human_rights",
        4: OTHER_AREA,
        5: OTHER_AREA,  # uncoded
    }
    split = arms_control_issues(votes, issues).set_index("rcid")["short_name"]
    assert list(split) == ["ac", "xa", "xa", "xa", "xa"]


def test_area_readers_match_the_arms_control_split(raw_dir):
    pd.testing.assert_frame_equal(
        get_reader("unga_area_agreement_arms_control")(raw_dir),
        get_reader("unga_agreement_arms_control")(raw_dir),
    )
    for agreement, joint_no in JOINT_NO_READERS.items():
        frame, no = get_reader(agreement)(raw_dir), get_reader(joint_no)(raw_dir)
        both = frame.join(no, rsuffix="_no", how="inner")
        assert (both["trials_no"] == both["value"]).all(), agreement  # no-share of agreements


def test_joint_no_shares_equal_independent_count(panel, independent_areas):
    """The scorecard's joint-'no' share of each UN area: its last five observed years."""
    from causal_model.analysis.cooperation import joint_no_shares

    table = joint_no_shares(panel)
    assert set(table.index) == set(PANEL_AREAS) - {"unga_agreement"}
    for key, row in table.iterrows():
        area = PANEL_AREAS[key]
        assert (row["first"], row["last"]) == (2015, 2019)
        years = range(2015, 2020)
        assert row["joint_no"] == sum(independent_areas[y, area, "no"] for y in years)
        assert row["agreements"] == sum(independent_areas[y, area, "agree"] for y in years)
    assert table.loc["unga_agree_middle_east", "agreements"] == 0  # none since 2008
    assert np.isnan(table.loc["unga_agree_middle_east", "share"])
    missing = joint_no_shares(panel, raw_dir="/nonexistent/raw")
    assert missing.empty and "not read" in missing.attrs["problem"]
