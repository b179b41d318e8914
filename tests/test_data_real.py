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
from causal_model.data.raw_files import file_sha256
from causal_model.dims import DRIVERS, TENSION


def raw(panel, key, year):
    return float(panel["raw"].sel(indicator=key, year=year))


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
    # PROVENANCE: |USA-RUS| 1.70 (1992, the minimum), 2.54 (2010), 3.53 (2022)
    assert raw(panel, "unga_distance", 1992) == pytest.approx(1.70, abs=0.005)
    assert raw(panel, "unga_distance", 2010) == pytest.approx(2.5345, abs=0.0005)  # listed as 2.54
    assert raw(panel, "unga_distance", 2022) == pytest.approx(3.53, abs=0.005)
    assert np.isnan(raw(panel, "unga_distance", 2024))  # idealpointall ends in 2023


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
    assert raw(panel, "milex_gdp_usa", 2024) == pytest.approx(3.42, abs=0.005)


def test_other_drivers(panel):
    # FAS: Russia 1992 = 26,734 and US 1992 = 13,708 warheads
    assert raw(panel, "warheads", 1992) == 26734 + 13708
    # COW CINC (reader kept, not in the default registry): USA 1992 = 0.1482, RUS 1992 = 0.0673
    from causal_model.data.readers import get_reader

    cinc = get_reader("cinc_ratio_rus_usa")(resolve_raw_dir())["value"]
    assert cinc[1992] == pytest.approx(0.0673 / 0.1482, rel=2e-3)
    assert cinc.index.max() == 2016
    # IMF WEO PPP (Russia 2024 = 6,931.3; USA 29,298.0): projections after 2024 are excluded
    assert raw(panel, "imf_ppp_ratio", 2024) == pytest.approx(6931.3 / 29298.0, rel=1e-4)
    assert np.isnan(raw(panel, "imf_ppp_ratio", 2025))
    # WDI PPP: RUS 2024 = 6.09e12, USA 2024 = 2.567e13
    assert raw(panel, "gdp_ppp_ratio", 2024) == pytest.approx(6.09e12 / 2.567e13, rel=2e-3)
    # V-Dem: USA 2024 = 0.840, Russia 2024 = 0.172
    assert raw(panel, "polyarchy_gap", 2024) == pytest.approx(0.840 - 0.172, abs=1e-9)
    # Freedom House: Russia 1992 PR/CL 3/4, 2023 7/6
    assert raw(panel, "freedom_house_russia", 1992) == 7
    assert raw(panel, "freedom_house_russia", 2023) == 13
    # Polity5: Russia 1992 = 5, 2000 = 6, 2007-2018 = 4; ends 2018
    assert raw(panel, "polity2_russia", 1992) == 5
    assert raw(panel, "polity2_russia", 2018) == 4
    assert np.isnan(raw(panel, "polity2_russia", 2019))
    # V-Dem DemSpaces: Russia freexp 2022 = 0.153
    assert raw(panel, "freedom_expression_russia", 2022) == pytest.approx(0.153)
    # troopdata: Europe & Central Asia 2014 = 70,343; 2024 = 69,028
    assert raw(panel, "us_troops_europe", 2014) == 70343
    assert raw(panel, "us_troops_europe", 2024) == 69028
    # NATO (reader kept, not in the default registry): 16 members to 1998, 19 in 1999, 32 in 2024
    from causal_model.data.readers import get_reader

    nato = get_reader("nato_member_count")(resolve_raw_dir())["value"]
    assert (nato[1998], nato[1999], nato[2024]) == (16, 19, 32)


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
    (raw_copy / "polity5" / "p5v2018.xls").unlink()
    with pytest.raises(DataNotFoundError) as err:
        load_us_russia(raw_copy, cache=False)
    msg = str(err.value)
    assert "p5v2018.xls" in msg and "polity5" in msg and "systemicpeace.org" in msg


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
