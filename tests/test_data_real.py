"""Real values from the real raw files, checked to the precision the files give.

Sanity values are those listed in PROVENANCE_events.md / PROVENANCE_drivers.md beside the data.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from causal_model.data import (
    RAW_FILES,
    DataNotFoundError,
    RawDataError,
    coverage,
    load_us_russia,
    resolve_raw_dir,
)
from causal_model.data.events import source_leader_spells
from causal_model.data.facts import FactsError
from causal_model.data.raw_files import file_sha256
from causal_model.data.readers import get_reader
from causal_model.dims import DRIVERS, TENSION


def raw(panel, key, year):
    return float(panel["raw"].sel(indicator=key, year=year))


def read(reader):
    """The values of a reader kept but not in the default registry (by year)."""
    return get_reader(reader)(resolve_raw_dir())["value"]


def test_shape_and_years(panel):
    assert panel["value"].dims == ("year", "indicator")
    assert int(panel.year.min()) == 1992
    assert int(panel.year.max()) == 2025  # the GPR index covers 2025
    assert np.array_equal(panel.year.values, np.arange(1992, 2026))


def test_enough_indicators_per_latent_from_distinct_sources(panel):
    for latent in DRIVERS:
        sel = panel.indicator[panel.latent == latent]
        assert sel.size >= 3, latent
    tension = panel.indicator[panel.latent == TENSION]
    assert tension.size >= 4
    assert len(set(panel.source.sel(indicator=tension).values)) >= 4
    assert int(panel.anchor.sel(indicator=tension).sum()) == 1


def test_gpr_annual_mean(panel):
    # PROVENANCE: annual mean GPRC_RUS 2013 = 0.53, 2014 = 1.14, 2021 = 0.82, 2022 = 3.69,
    # 2024 = 1.62
    for year, expect in [(2013, 0.53), (2014, 1.14), (2021, 0.82), (2022, 3.69), (2024, 1.62)]:
        assert raw(panel, "gpr_russia", year) == pytest.approx(expect, abs=0.005)
    assert float(panel["value"].sel(indicator="gpr_russia", year=2022)) == pytest.approx(
        np.log(raw(panel, "gpr_russia", 2022))
    )


def test_idealpoint_distance(panel):
    # PROVENANCE (idealpointall, reader kept): |USA-RUS| 1.70 (1992, the minimum), 2.54
    # (2010), 3.53 (2022)
    dist = read("unga_idealpoint_distance")
    assert dist[1992] == pytest.approx(1.70, abs=0.005)
    assert dist[2010] == pytest.approx(2.5345, abs=0.0005)  # listed as 2.54
    assert dist[2022] == pytest.approx(3.53, abs=0.005)
    assert 2024 not in dist.index  # idealpointall ends in 2023
    # the panel's distance is on idealpointfp, to 2024 (PROVENANCE: USA 2.21, RUS -0.60)
    assert "unga_distance" not in panel.indicator
    assert raw(panel, "unga_distance_fp", 2024) == pytest.approx(2.21 + 0.60, abs=0.01)
    assert np.isnan(raw(panel, "unga_distance_fp", 2025))


def test_vote_agreement_binomial(panel):
    # PROVENANCE: share of identical votes by session: 1992 0.34, 1997 0.43, 2014 0.23, 2019 0.21
    # (all roll calls: the tension indicator and the three cooperation areas together)
    votes = ["unga_agreement", "unga_agree_arms_control", "unga_agree_middle_east"]
    votes.append("unga_agree_human_rights")
    share = panel["raw"].sel(indicator=votes).sum("indicator") / panel["trials"].sel(
        indicator=votes
    ).sum("indicator")
    for year, expect in [(1992, 0.34), (1997, 0.43), (2014, 0.23), (2019, 0.21)]:
        assert float(share.sel(year=year)) == pytest.approx(expect, abs=0.005)
    assert np.isnan(raw(panel, "unga_agreement", 2020))  # roll calls end with session 74
    trials = panel["trials"].sel(indicator="unga_agreement")
    assert (trials.dropna("year") > 0).all()
    assert np.isnan(float(panel["trials"].sel(indicator="gpr_russia", year=2000)))


def test_sanctions_counts(panel):
    # PROVENANCE: 0 in 1992-2013, 1 in 2014-16, 2 in 2017-18, 3 in 2019, 4 in 2020-21, 7 in 2022
    s = panel["raw"].sel(indicator="us_sanctions").to_series()
    assert (s.loc[1992:2013] == 0).all()
    assert list(s.loc[2014:2022]) == [1, 1, 1, 2, 2, 3, 4, 4, 7]
    assert s.loc[2023:].isna().all()  # the data base ends in 2022: missing, not zero


def test_mid_onsets(panel):
    # PROVENANCE: onsets 1997 (1), 1999 (1), 2000 (3), 2011 (1), 2013 (1), 2014 (2)
    s = panel["raw"].sel(indicator="mid_onsets").to_series()
    assert s[s > 0].to_dict() == {1997: 1, 1999: 1, 2000: 3, 2011: 1, 2013: 1, 2014: 2}
    assert s.loc[2015:].isna().all()


def test_pew_shares(panel):
    # PROVENANCE: Russians on the USA 61.2 (2002), 57.6 (2010), 23.2 (2014), 15.1 (2015)
    for year, expect in [(2002, 0.612), (2010, 0.576), (2014, 0.232), (2015, 0.151)]:
        assert raw(panel, "pew_russians_fav_us", year) == pytest.approx(expect, abs=0.0005)
    assert raw(panel, "pew_americans_fav_russia", 2020) == pytest.approx(0.185, abs=0.0005)
    assert np.isnan(raw(panel, "pew_russians_fav_us", 2016))  # no wave: missing


def test_sipri(panel):
    # PROVENANCE: Russia share of GDP 2021 = 3.58 %, 2024 = 7.05 %; constant US$m RUS 2024
    # 150,534 and USA 968,382
    assert raw(panel, "milex_gdp_russia", 2024) == pytest.approx(7.05, abs=0.005)
    assert raw(panel, "milex_gdp_russia", 2021) == pytest.approx(3.58, abs=0.005)
    assert raw(panel, "milex_ratio", 2024) == pytest.approx(150534 / 968382, rel=1e-4)
    assert read("milex_share_gdp_usa")[2024] == pytest.approx(3.42, abs=0.005)  # reader kept


def test_other_drivers(panel):
    # FAS (reader kept): Russia 1992 = 26,734 and US 1992 = 13,708 warheads
    assert read("warheads_us_russia")[1992] == 26734 + 13708
    # COW CINC (reader kept, not in the default registry): USA 1992 = 0.1482, RUS 1992 = 0.0673
    cinc = read("cinc_ratio_rus_usa")
    assert cinc[1992] == pytest.approx(0.0673 / 0.1482, rel=2e-3)
    assert cinc.index.max() == 2016
    # IMF WEO PPP (Russia 2024 = 6,931.3; USA 29,298.0): projections after 2024 are excluded
    assert raw(panel, "imf_ppp_ratio", 2024) == pytest.approx(6931.3 / 29298.0, rel=1e-4)
    assert np.isnan(raw(panel, "imf_ppp_ratio", 2025))
    # WDI PPP (reader kept): RUS 2024 = 6.09e12, USA 2024 = 2.567e13
    assert read("gdp_ppp_ratio_rus_usa")[2024] == pytest.approx(6.09e12 / 2.567e13, rel=2e-3)
    # V-Dem: USA 2024 = 0.840, Russia 2024 = 0.172 (the gap's reader kept)
    assert read("polyarchy_gap_usa_rus")[2024] == pytest.approx(0.840 - 0.172, abs=1e-9)
    assert raw(panel, "polyarchy_russia", 2024) == pytest.approx(0.172, abs=5e-4)
    # Freedom House: Russia 1992 PR/CL 3/4, 2023 7/6, 2024 7/6 (the raw-scores file)
    assert raw(panel, "freedom_house_russia", 1992) == 7
    assert raw(panel, "freedom_house_russia", 2023) == 13
    assert raw(panel, "freedom_house_russia", 2024) == 13
    # Freedom House total: Russia 27 (review year 2012), 12 (2024); none before 2012
    assert raw(panel, "freedom_house_total_russia", 2012) == 27
    assert raw(panel, "freedom_house_total_russia", 2024) == 12
    assert np.isnan(raw(panel, "freedom_house_total_russia", 2011))
    # Polity5 (reader kept): Russia 1992 = 5, 2000 = 6, 2007-2018 = 4; ends 2018
    polity = read("polity2_russia")
    assert (polity[1992], polity[2018], polity.index.max()) == (5, 4, 2018)
    # V-Dem DemSpaces: Russia freexp 2022 = 0.153
    assert raw(panel, "freedom_expression_russia", 2022) == pytest.approx(0.153)
    # troopdata (reader kept): Europe & Central Asia 2014 = 70,343; 2024 = 69,028
    troops = read("us_troops_europe")
    assert (troops[2014], troops[2024]) == (70343, 69028)
    # NATO (reader kept, not in the default registry): 16 members to 1998, 19 in 1999, 32 in 2024
    nato = read("nato_member_count")
    assert (nato[1998], nato[1999], nato[2024]) == (16, 19, 32)


def test_security_and_influence_indicators(panel):
    """The fact-based and post-Soviet-bloc indicators, as the panel holds them."""
    # arms-control treaties in force on 31 December (facts/arms_control.toml): New START
    # suspended by Russia in 2023 leaves none
    treaties = panel["raw"].sel(indicator="arms_control_treaties").to_series()
    assert (treaties[1992], treaties[2003], treaties[2019], treaties[2022]) == (3, 5, 2, 1)
    assert (treaties.loc[2023:] == 0).all()
    stage = panel["raw"].sel(indicator="missile_defence_stage").to_series()
    assert (stage[2006], stage[2012], stage[2016], stage[2024]) == (0, 2, 3, 4)
    near = panel["raw"].sel(indicator="nato_members_near_russia").to_series()
    assert (near[1998], near[1999], near[2004], near[2023]) == (1, 4, 10, 12)
    assert np.isnan(near[2025])  # the transcribed file ends in 2024
    eu = panel["raw"].sel(indicator="eu_members_bloc").to_series()
    assert (eu[2003], eu[2004], eu[2007], eu[2025]) == (0, 7, 9, 9)
    # UN alignment of the 21 bloc states: 13 nearer the US than Russia in 2022
    assert raw(panel, "unga_bloc_alignment", 2022) == 13
    assert float(panel["trials"].sel(indicator="unga_bloc_alignment", year=2022)) == 21
    for key in ("arms_control_treaties", "missile_defence_stage", "eu_members_bloc"):
        assert str(panel["source"].sel(indicator=key).item()) == "facts"
    assert bool(panel["anchor"].sel(indicator="arms_control_treaties"))
    assert int(panel["direction"].sel(indicator="arms_control_treaties")) == -1


def test_census_half_year_not_passed_off_as_full():
    # The Census file's 2024 holds January-June only: the trade share must be missing.
    from causal_model.data.readers import get_reader

    share = get_reader("trade_share_russia")(resolve_raw_dir())["value"]
    assert 2024 not in share.index and share.index.max() == 2023
    # 2021: imports 29,638.3 + exports 6,388.2 (US$ m); a share of total US goods trade
    assert 0.5 < share[2021] < 1.0


def test_missing_stays_missing(panel):
    cov = coverage(panel)
    assert cov.loc["icews_conflict_share", "first"] == 2002
    assert cov.loc["icews_conflict_share", "last"] == 2014
    icews = panel["raw"].sel(indicator="icews_conflict_share").to_series()
    assert icews.loc[1992:2001].isna().all() and icews.loc[2015:].isna().all()
    # nothing carried forward: the last observed value does not repeat into missing years
    assert cov["share_observed"].between(0.3, 1.0).all()


def test_cache_is_fast_and_rebuilds_on_change(tmp_path, monkeypatch):
    src = resolve_raw_dir()
    raw_copy = tmp_path / "raw"
    shutil.copytree(src, raw_copy)
    monkeypatch.setenv("CAUSAL_MODEL_CACHE", str(tmp_path / "cache"))
    first = load_us_russia(raw_copy)
    cache_files = list((tmp_path / "cache").glob("panel-*.nc"))
    assert len(cache_files) == 1
    second = load_us_russia(raw_copy)
    assert second.attrs["cache_file"] == str(cache_files[0])
    np.testing.assert_array_equal(first["value"].values, second["value"].values)
    # change a raw file: refused by its SHA-256 (the cached panel is not served either) ...
    path = raw_copy / "sanctions_gsdb" / "GSDB_V3.csv"
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    path.write_text("".join(ln for ln in lines if ",Russia,United States,2014," not in ln))
    with pytest.raises(RawDataError, match=r"GSDB_V3\.csv.*SHA-256.*CAUSAL_MODEL_VERIFY_DATA=0"):
        load_us_russia(raw_copy)
    # ... and, opted out, the panel is rebuilt from it under a new cache key
    monkeypatch.setenv("CAUSAL_MODEL_VERIFY_DATA", "0")
    third = load_us_russia(raw_copy)
    assert len(list((tmp_path / "cache").glob("panel-*.nc"))) == 2
    assert float(third["raw"].sel(indicator="us_sanctions", year=2014)) == 0
    assert float(first["raw"].sel(indicator="us_sanctions", year=2014)) == 1


def test_missing_file_error_names_file_dataset_and_source(tmp_path):
    raw_copy = tmp_path / "raw"
    shutil.copytree(resolve_raw_dir(), raw_copy)
    (raw_copy / "sipri_milex" / "SIPRI-Milex-data-1949-2024_2.xlsx").unlink()
    with pytest.raises(DataNotFoundError) as err:
        load_us_russia(raw_copy, cache=False)
    msg = str(err.value)
    assert "SIPRI-Milex-data-1949-2024_2.xlsx" in msg and "sipri_milex" in msg
    assert "sipri.org" in msg


def test_facts_entries_are_read_from_the_package_not_the_raw_folder(tmp_path, monkeypatch):
    """``source = "facts"`` names a file of causal_model/data/facts/: the raw folder holds no
    facts folder, the panel builds, and a missing facts file is an error naming the folder."""
    from causal_model.data import load_registry, registry_of
    from causal_model.data.facts import FACTS_DIR

    raw_dir = resolve_raw_dir()
    assert not (raw_dir / "facts").exists()
    monkeypatch.setenv("CAUSAL_MODEL_CACHE", str(tmp_path))
    registry = registry_of(load_us_russia())
    facts = registry[registry["source"] == "facts"]
    assert set(facts["file"]) == {"arms_control.toml", "missile_defence.toml", "eu_accessions.toml"}
    assert all((FACTS_DIR / name).is_file() for name in facts["file"])
    wrong = registry.copy()
    wrong.loc["arms_control_treaties", "file"] = "no_such_facts.toml"
    with pytest.raises(FactsError, match=r"no_such_facts\.toml.*arms_control\.toml"):
        load_us_russia(registry=load_registry(wrong), cache=False)


def test_raw_dir_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("CAUSAL_MODEL_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DataNotFoundError, match="CAUSAL_MODEL_DATA"):
        resolve_raw_dir()
    assert resolve_raw_dir(tmp_path) == tmp_path.resolve()


def test_raw_file_table_covers_the_raw_folder_with_its_hashes():
    raw_dir = resolve_raw_dir()
    on_disk = {
        p.relative_to(raw_dir).as_posix()
        for p in raw_dir.rglob("*")
        if p.is_file() and not p.name.startswith("PROVENANCE")
    }
    assert on_disk == {f.relpath for f in RAW_FILES}
    for entry in RAW_FILES:
        assert file_sha256(raw_dir / entry.relpath) == entry.sha256, entry.relpath


def test_every_file_a_reader_opens_is_in_the_table(monkeypatch):
    import sys

    from causal_model.data import paths
    from causal_model.data.reader_tools import READERS

    opened: set[str] = set()

    def recording(raw_dir, dataset, filename):
        opened.add(f"{dataset}/{filename}")
        return paths.raw_file(raw_dir, dataset, filename)

    for name, module in list(sys.modules.items()):
        if name.startswith("causal_model.data.") and getattr(module, "raw_file", None):
            if module is not paths:
                monkeypatch.setattr(module, "raw_file", recording)
    raw_dir = resolve_raw_dir()
    for reader in READERS.values():
        reader(raw_dir)
    source_leader_spells(raw_dir)
    assert len(opened) >= 20
    assert opened <= {f.relpath for f in RAW_FILES}


def test_cache_key_follows_code_and_version(tmp_path, monkeypatch):
    from causal_model.data import cache

    monkeypatch.setenv("CAUSAL_MODEL_CACHE", str(tmp_path))
    load_us_russia()
    assert len(list(tmp_path.glob("panel-*.nc"))) == 1
    # a changed reader module: a new key, so the old panel is not served
    data_copy = tmp_path / "data"
    shutil.copytree(cache._DATA_DIR, data_copy, ignore=shutil.ignore_patterns("__pycache__"))
    (data_copy / "sources_drivers.py").write_text(
        (data_copy / "sources_drivers.py").read_text() + "\n# upgraded\n"
    )
    before = cache.code_fingerprint()
    monkeypatch.setattr(cache, "_DATA_DIR", data_copy)
    assert cache.code_fingerprint() != before
    load_us_russia()
    assert len(list(tmp_path.glob("panel-*.nc"))) == 2
    # a new package version: a new key too
    monkeypatch.setattr(cache, "__version__", "99.0.0")
    load_us_russia()
    assert len(list(tmp_path.glob("panel-*.nc"))) == 3


def test_cache_key_follows_the_facts_files(tmp_path, monkeypatch):
    """A corrected fact (a facts file of the registry, or one a reader reads, e.g. states.toml)
    changes the panel's cache key; the raw folder's files are not consulted for them."""
    from causal_model.data import cache, load_registry

    registry = load_registry()
    raw_dir = resolve_raw_dir()
    before = cache.panel_cache_key(raw_dir, registry, 1992)
    facts_copy = tmp_path / "facts"
    shutil.copytree(cache.FACTS_DIR, facts_copy)
    monkeypatch.setattr(cache, "FACTS_DIR", facts_copy)
    assert cache.panel_cache_key(raw_dir, registry, 1992) == before
    for name in ("arms_control.toml", "states.toml"):
        path = facts_copy / name
        text = path.read_text()
        path.write_text(text + "\n# corrected\n")
        assert cache.panel_cache_key(raw_dir, registry, 1992) != before, name
        path.write_text(text)
    # the registry's facts files are hashed as such, beside the code fingerprint
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "fixed")
    fixed = cache.panel_cache_key(raw_dir, registry, 1992)
    (facts_copy / "arms_control.toml").write_text("[meta]\nchecked_through = 2025\n")
    assert cache.panel_cache_key(raw_dir, registry, 1992) != fixed
