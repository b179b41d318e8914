"""Readers and facts of the driver indicators of issue 17 (security dilemma, influence, latest
years), merged into the registry.

Single values are checked against the facts files, the PROVENANCE sanity lines, or a count
made here from the raw file with the ``csv`` module. Bad-input cases use small synthetic
files in a temporary folder. Real-data tests skip when the raw folder is absent.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from causal_model.data import DataNotFoundError, load_registry, resolve_raw_dir, sources_recent
from causal_model.data.facts import (
    FactsError,
    accession_years,
    load_facts,
    stage_by_year,
    state_table,
    treaties_in_force,
    treaty_table,
)
from causal_model.data.raw_checks import RawDataError
from causal_model.data.readers import READERS, get_reader
from causal_model.data.sources_influence import read_ideal_points
from causal_model.data.sources_recent import read_fiw_scores
from causal_model.data.sources_security import read_nato_accessions

IDEAL_CSV = "IdealpointsJuly2025_all_countries.csv"
#: The post-Soviet bloc, typed here independently of facts/states.toml (COW codes).
BLOC = {366, 367, 368, 369, 370, 359, 371, 372, 373, 701, 702, 703, 704, 705}
BLOC |= {290, 315, 316, 317, 310, 360, 355, 339}


@pytest.fixture(scope="module")
def raw_dir() -> Path:
    try:
        return resolve_raw_dir()
    except DataNotFoundError as exc:
        pytest.skip(f"raw data not available ({exc})")


def value(name: str, raw: Path) -> pd.Series:
    return get_reader(name)(raw)["value"]


# ---------------------------------------------------------------- facts (no raw data needed)
def test_treaties_in_force_on_31_december():
    count = get_reader("arms_control_treaties_in_force")(Path("unused"))["value"]
    assert (int(count.index.min()), int(count.index.max())) == (1992, 2025)
    expected = {1992: 3, 1994: 4, 2002: 4, 2003: 5, 2007: 4, 2009: 3, 2011: 3, 2019: 2}
    expected |= {2020: 1, 2022: 1, 2023: 0, 2025: 0}
    for year, n in expected.items():
        assert count[year] == n, year


def test_treaty_table_start2_never_counts_and_suspensions_cease():
    table = treaty_table(load_facts("arms_control"))
    assert len(table) == 8
    assert math.isnan(table.at["start2", "in_force_year"])
    assert table.at["new_start", "ceased_year"] == 2023
    assert table.at["new_start", "ceased_how"] == "suspended by Russia"
    assert table.at["cfe", "ceased_year"] == 2007
    assert table.at["open_skies", "ceased_how"] == "withdrawal_effective by United States"


def test_missile_defence_stage_and_eu_accessions():
    stage = get_reader("missile_defence_europe_stage")(Path("unused"))["value"]
    for year, s in {2006: 0, 2007: 1, 2009: 1, 2011: 1, 2012: 2, 2016: 3, 2023: 3, 2024: 4}.items():
        assert stage[year] == s, year
    eu = get_reader("eu_members_post_soviet_bloc")(Path("unused"))["value"]
    assert (eu[2003], eu[2004], eu[2006], eu[2007], eu[2025]) == (0, 7, 7, 9, 9)


def test_states_file_bloc_is_the_21_states():
    states = state_table(load_facts("states"))
    assert set(states.index[states["bloc"]]) == BLOC
    assert set(states.loc[states["borders_russia"], "name"]) >= {"Norway", "Finland", "Poland"}


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    return folder


TREATY = """[meta]
checked_through = 2000
[[treaty]]
key = "t"
name = "T"
[[treaty.event]]
date = "{d1}"
event = "{e1}"
source = "{s1}"
[[treaty.event]]
date = "{d2}"
event = "{e2}"
source = "s"
"""


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"e1": "ratifed"}, "unknown event"),
        ({"s1": " "}, "non-empty 'source'"),
        ({"d1": "1995-13-01"}, "is not 'YYYY'"),
        ({"d1": "1999-01-01", "d2": "1995-01-01"}, "not in date order"),
        ({"e1": "signed", "e2": "suspended"}, "before the treaty entered into force"),
    ],
)
def test_treaty_facts_bad_input(tmp_path: Path, fields: dict, message: str):
    args = {"d1": "1990-01-01", "e1": "entered_into_force", "s1": "s"}
    args |= {"d2": "1995-01-01", "e2": "expired"} | fields
    folder = _write(tmp_path, "arms_control", TREATY.format(**args))
    with pytest.raises(FactsError, match=message):
        treaties_in_force(load_facts("arms_control", folder))


def test_treaty_facts_good_synthetic(tmp_path: Path):
    args = {"d1": "1990-06", "e1": "entered_into_force", "s1": "s"}
    folder = _write(tmp_path, "arms_control", TREATY.format(**args, d2="1995", e2="expired"))
    count = treaties_in_force(load_facts("arms_control", folder), first_year=1989)
    assert count.to_dict() == {y: float(1990 <= y < 1995) for y in range(1989, 2001)}


def test_facts_file_errors(tmp_path: Path):
    with pytest.raises(FactsError, match="not found"):
        load_facts("arms_control", tmp_path)
    step = '[[step]]\ndate = "2000"\nstage_after = 1\nwhat = "w"\nsource = "s"\n'
    folder = _write(tmp_path, "steps", '[meta]\ntitle = "x"\n' + step)
    with pytest.raises(FactsError, match="checked_through"):
        stage_by_year(load_facts("steps", folder))
    bad_stage = '[meta]\nchecked_through = 2001\n[[step]]\ndate = "2000"\nstage_after = -1\n'
    bad_stage += 'what = "w"\nsource = "s"\n'
    folder = _write(tmp_path, "steps", bad_stage)
    with pytest.raises(FactsError, match="non-negative integer"):
        stage_by_year(load_facts("steps", folder))
    twice = "[meta]\nchecked_through = 2001\n" + 2 * (
        '[[accession]]\nstate = "A"\nccode = 1\ndate = "2000"\nsource = "s"\n'
    )
    folder = _write(tmp_path, "eu", twice)
    with pytest.raises(FactsError, match="listed twice"):
        accession_years(load_facts("eu", folder))
    no_source = '[meta]\ntitle = "x"\n[sources]\nccode = "c"\n[[state]]\nname = "A"\nccode = 1\n'
    folder = _write(tmp_path, "states", no_source)
    with pytest.raises(FactsError, match="needs a source"):
        state_table(load_facts("states", folder))


# ---------------------------------------------------------------- NATO (transcribed raw file)
def test_nato_member_counts(raw_dir: Path):
    total = value("nato_members_total", raw_dir)
    assert (total[2004], total[2020], total[2024], int(total.index.max())) == (26, 30, 32, 2024)
    assert total.equals(value("nato_member_count", raw_dir))  # the existing reader
    near = value("nato_members_near_russia", raw_dir)
    assert (near[1998], near[1999], near[2004], near[2009], near[2023]) == (1, 4, 10, 11, 12)
    border = value("nato_members_bordering_russia", raw_dir)
    assert (border[1998], border[1999], border[2004], border[2023]) == (1, 2, 5, 6)
    bloc = value("nato_members_post_soviet_bloc", raw_dir)
    assert (int(bloc.index.min()), bloc[1998], bloc[2004], bloc[2009]) == (1992, 0, 9, 10)
    assert value("west_memberships_post_soviet_bloc", raw_dir)[2007] == 18


def _nato_dir(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "nato_accessions_transcribed"
    folder.mkdir()
    (folder / "nato_accession_years_TRANSCRIBED.csv").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("country,year\nA,1949\n", "missing column"),
        ("country,accession_year\nA,1949\nB,19x9\n", "whole numbers"),
        ("country,accession_year\nA,1949\nA,1952\n", "duplicate rows"),
        ("country,accession_year\nA,1948\n", "outside"),
    ],
)
def test_nato_bad_input(tmp_path: Path, text: str, message: str):
    raw = _nato_dir(tmp_path, text)
    with pytest.raises(RawDataError, match=message):
        read_nato_accessions(raw)
    with pytest.raises(RawDataError, match=message):
        get_reader("nato_members_near_russia")(raw)


# ---------------------------------------------------------------- UN ideal points
def _independent_fp(raw_dir: Path) -> dict[tuple[int, int], float]:
    out = {}
    with (raw_dir / "unga_voeten_idealpoints" / IDEAL_CSV).open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["idealpointfp"]:
                out[(int(row["ccode"]), int(float(row["year"])))] = float(row["idealpointfp"])
    return out


def test_unga_bloc_alignment_against_independent_count(raw_dir: Path):
    fp = _independent_fp(raw_dir)
    counted = get_reader("unga_bloc_nearer_us_count")(raw_dir)
    position = value("unga_bloc_position", raw_dir)
    assert (int(counted.index.min()), int(counted.index.max())) == (1992, 2024)
    for year in (2005, 2022, 2024):
        us, ru = fp[(2, year)], fp[(365, year)]
        states = [fp[(c, year)] for c in sorted(BLOC) if (c, year) in fp]
        nearer = sum(abs(x - us) < abs(x - ru) for x in states)
        assert counted.at[year, "value"] == nearer
        assert counted.at[year, "trials"] == len(states)
        mean = sum((x - ru) / (us - ru) for x in states) / len(states)
        assert position[year] == pytest.approx(mean, rel=1e-12)
    assert counted.at[2022, "value"] == 13  # 13 of the 21 bloc states, from 0 in 2019
    share = value("unga_bloc_nearer_us_share", raw_dir)
    assert share[2022] == pytest.approx(13 / 21)


def test_unga_distance_fp_reaches_2024(raw_dir: Path):
    fp = _independent_fp(raw_dir)
    dist = value("unga_idealpoint_distance_fp", raw_dir)
    assert int(dist.index.max()) == 2024
    assert dist[2024] == pytest.approx(abs(fp[(2, 2024)] - fp[(365, 2024)]))
    assert dist[2024] == pytest.approx(2.21 + 0.60, abs=0.01)  # PROVENANCE: USA 2.21, RUS -0.60


def _ideal_dir(tmp_path: Path, frame: pd.DataFrame) -> Path:
    folder = tmp_path / "unga_voeten_idealpoints"
    folder.mkdir(parents=True)
    frame.to_csv(folder / IDEAL_CSV, index=False)
    return tmp_path


def test_ideal_points_bad_input(tmp_path: Path):
    good = pd.DataFrame({"ccode": [2, 365, 290], "year": [2000.0] * 3, "idealpointfp": [2, -1, 0]})
    cases = [
        (good.drop(columns="idealpointfp"), "missing column"),
        (pd.concat([good, good.iloc[[2]]]), "duplicate rows"),
        (good.assign(idealpointfp=["2", "-1", "abc"]), "non-numeric"),
        (good.assign(year=[2000.0, 2000.5, 2000.0]), "whole numbers"),
    ]
    for i, (frame, message) in enumerate(cases):
        raw = _ideal_dir(tmp_path / str(i), frame)
        with pytest.raises(RawDataError, match=message):
            read_ideal_points(raw)
        with pytest.raises(RawDataError, match=message):
            get_reader("unga_bloc_position")(raw)
    raw = _ideal_dir(tmp_path / "nous", good[good["ccode"] != 2])
    with pytest.raises(RawDataError, match="no rows for ccode 2"):
        get_reader("unga_bloc_nearer_us_count")(raw)
    position = get_reader("unga_bloc_position")(_ideal_dir(tmp_path / "ok", good))["value"]
    assert position.to_dict() == {2000: pytest.approx(1 / 3)}  # Poland at 0: 1/3 of -1 -> 2


# ---------------------------------------------------------------- culture, latest years
def test_freedom_house_total_and_latest(raw_dir: Path):
    total = value("freedom_house_total_russia", raw_dir)
    assert (int(total.index.min()), int(total.index.max())) == (2012, 2024)
    # PROVENANCE: Russia's total in editions 2013, 2022, 2025 = review years 2012, 2021, 2024
    assert (total[2012], total[2021], total[2024]) == (27, 19, 12)
    assert value("freedom_house_total_gap_usa_rus", raw_dir)[2024] == 84 - 12
    latest = value("freedom_house_russia_latest", raw_dir)
    old = value("freedom_house_russia", raw_dir)
    assert latest.loc[: old.index.max()].equals(old)
    assert (int(old.index.max()), int(latest.index.max()), latest[2024]) == (2023, 2024, 13)


def test_freedom_house_latest_refuses_disagreeing_files(raw_dir: Path, monkeypatch):
    def shifted(raw: Path) -> pd.DataFrame:
        frame = get_reader("freedom_house_russia")(raw)
        return frame.assign(value=frame["value"] + 1)

    monkeypatch.setattr(sources_recent, "freedom_house_russia", shifted)
    with pytest.raises(RawDataError, match="differs from the ratings file"):
        sources_recent.freedom_house_russia_latest(raw_dir)


def _fiw_dir(tmp_path: Path, frame: pd.DataFrame, sheet: str = "FIW13-25") -> Path:
    folder = tmp_path / "freedom_house"
    folder.mkdir(parents=True)
    with pd.ExcelWriter(folder / "All_data_FIW_2013-2024.xlsx") as writer:
        frame.to_excel(writer, sheet_name=sheet, index=False, startrow=1)
    return tmp_path


def test_fiw_bad_input(tmp_path: Path):
    good = pd.DataFrame(
        {
            "Country/Territory": ["Russia", "United States"],
            "C/T": ["c", "c"],
            "Edition": [2025, 2025],
            "PR rating": [7, 2],
            "CL rating": [6, 2],
            "Total": [12, 84],
        }
    )
    total = get_reader("freedom_house_total_russia")(_fiw_dir(tmp_path / "ok", good))["value"]
    assert total.to_dict() == {2024: 12.0}
    cases = [
        (good.drop(columns="Total"), "FIW13-25", "missing column"),
        (good.assign(Total=[150, 84]), "FIW13-25", "outside"),
        (good.assign(Total=["12", "eighty"]), "FIW13-25", "non-numeric"),
        (pd.concat([good, good.iloc[[0]]]), "FIW13-25", "duplicate rows"),
        (good, "Sheet1", "cannot read sheet"),
    ]
    for i, (frame, sheet, message) in enumerate(cases):
        raw = _fiw_dir(tmp_path / str(i), frame, sheet)
        with pytest.raises(RawDataError, match=message):
            read_fiw_scores(raw)


def test_polyarchy_russia(raw_dir: Path, tmp_path: Path):
    poly = value("polyarchy_russia", raw_dir)
    assert (round(poly[2020], 3), round(poly[2024], 3)) == (0.256, 0.172)  # PROVENANCE
    folder = tmp_path / "vdem_ert"
    folder.mkdir()
    bad = pd.DataFrame({"country_id": [11, 11], "year": [2000, 2000], "v2x_polyarchy": [0.3, 0.4]})
    bad.to_csv(folder / "ert.csv", index=False)
    with pytest.raises(RawDataError, match="duplicate rows"):
        get_reader("polyarchy_russia")(tmp_path)
    bad.assign(year=[2000, 2001], v2x_polyarchy=[0.3, 1.4]).to_csv(folder / "ert.csv", index=False)
    with pytest.raises(RawDataError, match="outside"):
        get_reader("polyarchy_russia")(tmp_path)


def test_gpr_already_reaches_2025(raw_dir: Path):
    gpr = value("gpr_russia_annual_mean", raw_dir)
    assert int(gpr.index.max()) == 2025  # complete years only; the file ends in 2025-12
    assert gpr[2024] == pytest.approx(1.62, abs=0.005)  # PROVENANCE annual mean


# ---------------------------------------------------------------- the registry's drivers
DROPPED = ("warheads", "us_troops_europe", "milex_gdp_usa", "gdp_ppp_ratio", "polity2_russia")
DROPPED += ("polyarchy_gap", "unga_distance")


def test_registry_has_the_issue_17_drivers():
    registry = load_registry()
    assert set(registry["reader"]) <= set(READERS)
    assert not set(DROPPED) & set(registry.index)
    anchors = registry.loc[registry["anchor"]]
    assert anchors["latent"].to_dict() == {
        "gpr_russia": "tension",
        "milex_ratio": "geopolitics",
        "arms_control_treaties": "security",
        "freedom_expression_russia": "culture",
    }
    assert registry.at["arms_control_treaties", "direction"] == -1  # fewer treaties: insecurity
    by_latent = registry.groupby("latent").groups
    assert sorted(by_latent["security"]) == sorted(
        ["arms_control_treaties", "missile_defence_stage", "nato_members_near_russia"]
        + ["milex_gdp_russia"]
    )
    assert sorted(by_latent["geopolitics"]) == sorted(
        ["imf_ppp_ratio", "milex_ratio", "unga_bloc_alignment", "unga_bloc_position"]
        + ["eu_members_bloc"]
    )
    assert sorted(by_latent["culture"]) == sorted(
        ["freedom_house_total_russia", "freedom_house_russia", "polyarchy_russia"]
        + ["freedom_expression_russia"]
    )
    assert registry.at["freedom_house_russia", "reader"] == "freedom_house_russia_latest"
    assert "unga_distance_fp" in by_latent["tension"]
    assert (registry["family"] != "student_t").all()  # the Student-t tests declare their own


def test_drivers_correlate_positively(raw_dir: Path):
    """The goal of issue 17: within each driver every pair correlates positively."""

    def series(name: str, log: bool = False) -> pd.Series:
        frame = get_reader(name)(raw_dir)
        s = frame["value"] / frame["trials"] if "trials" in frame else frame["value"]
        s = s.loc[1992:]
        return np.log(s) if log else s

    drivers = {
        "security": [
            -series("arms_control_treaties_in_force"),
            series("missile_defence_europe_stage"),
            series("nato_members_near_russia"),
            series("milex_share_gdp_russia", log=True),
        ],
        "geopolitics": [
            series("milex_ratio_rus_usa", log=True),
            series("imf_ppp_ratio_rus_usa", log=True),
            series("unga_bloc_nearer_us_count"),
            series("unga_bloc_position"),
            series("eu_members_post_soviet_bloc"),
        ],
        "culture": [
            -series("freedom_expression_russia"),
            -series("polyarchy_russia"),
            series("freedom_house_russia_latest"),
            -series("freedom_house_total_russia"),
        ],
    }
    for latent, columns in drivers.items():
        corr = pd.concat(columns, axis=1).corr().to_numpy()
        assert (corr[np.triu_indices_from(corr, 1)] > 0).all(), latent
    anchor = drivers["security"][0]
    assert anchor.loc[2015:2024].mean() > anchor.loc[2000:2013].mean()
