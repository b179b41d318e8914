"""Readers of the structural-driver data sets (power, security, political culture).

See ``PROVENANCE_drivers.md`` beside the raw data for what each file is.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from causal_model.data.paths import raw_file
from causal_model.data.reader_tools import read_xls, register_reader, yearly

SIPRI_FILE = "SIPRI-Milex-data-1949-2024_2.xlsx"


def _sipri_rows(raw_dir: Path, sheet: str) -> pd.DataFrame:
    """Return SIPRI rows for the USA and Russia as a year x country float frame.

    SIPRI marks missing as ". ." / "..." and non-existence as "xxx": both become NaN.
    """
    path = raw_file(raw_dir, "sipri_milex", SIPRI_FILE)
    table = pd.read_excel(path, sheet_name=sheet, header=5)
    table = table.rename(columns={table.columns[0]: "Country"})
    rows = table[table["Country"].isin(["United States of America", "Russia"])]
    rows = rows.set_index("Country")
    year_cols = [c for c in rows.columns if str(c).isdigit()]
    wide = rows[year_cols].apply(pd.to_numeric, errors="coerce").T
    wide.index = wide.index.astype(int)
    return wide.rename(columns={"United States of America": "USA", "Russia": "RUS"})


@register_reader("milex_ratio_rus_usa")
def milex_ratio_rus_usa(raw_dir: Path) -> pd.DataFrame:
    """Russia / USA military expenditure, constant (2023) US$ (SIPRI)."""
    wide = _sipri_rows(raw_dir, "Constant (2023) US$")
    return yearly((wide["RUS"] / wide["USA"]).dropna())


@register_reader("milex_share_gdp_russia")
def milex_share_gdp_russia(raw_dir: Path) -> pd.DataFrame:
    """Russia's military expenditure as a percent of GDP (SIPRI)."""
    wide = _sipri_rows(raw_dir, "Share of GDP")
    return yearly((100 * wide["RUS"]).dropna())


@register_reader("milex_share_gdp_usa")
def milex_share_gdp_usa(raw_dir: Path) -> pd.DataFrame:
    """The USA's military expenditure as a percent of GDP (SIPRI)."""
    wide = _sipri_rows(raw_dir, "Share of GDP")
    return yearly((100 * wide["USA"]).dropna())


@register_reader("gdp_ppp_ratio_rus_usa")
def gdp_ppp_ratio_rus_usa(raw_dir: Path) -> pd.DataFrame:
    """Russia / USA GDP at PPP, constant international $ (World Bank WDI NY.GDP.MKTP.PP.KD)."""
    path = raw_file(raw_dir, "gdp_wdi_imf", "API_NY.GDP.MKTP.PP.KD_DS2_en_csv_v2_1004.csv")
    wdi = pd.read_csv(path, skiprows=4).set_index("Country Code")
    years = [c for c in wdi.columns if str(c).isdigit()]
    ratio = wdi.loc["RUS", years].astype(float) / wdi.loc["USA", years].astype(float)
    ratio.index = ratio.index.astype(int)
    return yearly(ratio.dropna())


@register_reader("cinc_ratio_rus_usa")
def cinc_ratio_rus_usa(raw_dir: Path) -> pd.DataFrame:
    """Russia / USA composite index of national capability (COW NMC 6.0, to 2016)."""
    path = raw_file(raw_dir, "cow_nmc", "NMC-60-abridged.csv")
    nmc = pd.read_csv(path, usecols=["ccode", "year", "cinc"])
    wide = nmc[nmc["ccode"].isin([2, 365])].pivot(index="year", columns="ccode", values="cinc")
    return yearly((wide[365] / wide[2]).dropna())


@register_reader("trade_share_russia")
def trade_share_russia(raw_dir: Path) -> pd.DataFrame:
    """Russia's percent share of total US goods trade (imports + exports, Census basis).

    Shares of nominal values need no deflator. Russia's code 4621 starts in 1992; the USSR
    rows (4610) are not mixed in. A year counts only when all twelve monthly import and
    export cells are reported: the file's 2024 holds January–June only and is left missing.
    """
    path = raw_file(raw_dir, "census_trade", "country.xlsx")
    trade = pd.read_excel(path)
    months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    monthly = [f"I{m}" for m in months] + [f"E{m}" for m in months]
    world = trade[trade["CTYNAME"] == "World, Not Seasonally Adjusted"].set_index("year")
    russia = trade[trade["CTY_CODE"] == 4621].set_index("year")
    complete = (world[monthly] > 0).all(axis=1)
    total = (world["IYR"] + world["EYR"]).where(complete)
    share = 100 * (russia["IYR"] + russia["EYR"]) / total.reindex(russia.index)
    return yearly(share.dropna())


@register_reader("nato_member_count")
def nato_member_count(raw_dir: Path) -> pd.DataFrame:
    """Number of NATO members at the end of each year, from the transcribed accession years."""
    path = raw_file(raw_dir, "nato_accessions_transcribed", "nato_accession_years_TRANSCRIBED.csv")
    nato = pd.read_csv(path, usecols=["country", "accession_year"])
    last = int(nato["accession_year"].max())
    years = np.arange(1949, last + 1)
    counts = [int((nato["accession_year"] <= y).sum()) for y in years]
    return yearly(pd.Series(counts, index=years))


@register_reader("warheads_us_russia")
def warheads_us_russia(raw_dir: Path) -> pd.DataFrame:
    """US + Russian warheads in military stockpiles (FAS; 'Russia' is the USSR before 1992)."""
    path = raw_file(raw_dir, "fas_nuclear", "nuclear_weapons_stockpiles_raw.csv")
    fas = pd.read_csv(path, encoding="utf-16", sep="\t")
    fas = fas[fas["Measure Names"].isin(["US", "Russia"])]
    wide = fas.pivot(index="Year", columns="Measure Names", values="Measure Values")
    return yearly((wide["US"] + wide["Russia"]).dropna())


@register_reader("us_troops_europe")
def us_troops_europe(raw_dir: Path) -> pd.DataFrame:
    """US active-duty troops stationed in the 'Europe & Central Asia' region (troopdata, DMDC).

    DMDC counts permanently assigned personnel; rotational forces are largely missing.
    A year counts only if at least one host country reports a value for it.
    """
    path = raw_file(raw_dir, "us_troops_troopdata", "troopdata-rebuild-country-year.csv")
    troops = pd.read_csv(path, usecols=["year", "region", "troops_ad"])
    europe = troops[troops["region"] == "Europe & Central Asia"]
    grouped = europe.groupby("year")["troops_ad"]
    return yearly(grouped.sum(min_count=1).dropna())


@register_reader("polyarchy_gap_usa_rus")
def polyarchy_gap_usa_rus(raw_dir: Path) -> pd.DataFrame:
    """USA minus Russia V-Dem electoral democracy index (v2x_polyarchy, V-Dem v15 via ERT)."""
    path = raw_file(raw_dir, "vdem_ert", "ert.csv")
    ert = pd.read_csv(path, usecols=["country_id", "year", "v2x_polyarchy"])
    wide = ert[ert["country_id"].isin([20, 11])].pivot(
        index="year", columns="country_id", values="v2x_polyarchy"
    )
    return yearly((wide[20] - wide[11]).dropna())


@register_reader("freedom_house_russia")
def freedom_house_russia(raw_dir: Path) -> pd.DataFrame:
    """Russia's Freedom House political rights + civil liberties (2 = most free, 14 = least).

    Indexed by the year under review. The 'USSR' row (to 1990) is not mixed in.
    """
    path = raw_file(
        raw_dir, "freedom_house", "Country_and_Territory_Ratings_and_Statuses_FIW_1973-2024.xlsx"
    )
    sheet = pd.read_excel(path, sheet_name="Country Ratings, Statuses ", header=None)
    review_years = sheet.iloc[1].ffill()
    kinds = sheet.iloc[2]
    row = sheet[sheet[0] == "Russia"].iloc[0]
    values: dict[int, float] = {}
    for col in range(1, sheet.shape[1]):
        if kinds[col] not in ("PR", "CL"):
            continue
        found = re.findall(r"(\d{4})", str(review_years[col]))
        if not found:
            continue
        year = int(found[-1])  # early editions cover spans such as "Jan.1981-Aug. 1982"
        score = pd.to_numeric(row[col], errors="coerce")
        values[year] = values.get(year, 0.0) + float(score)
    return yearly(pd.Series(values).dropna())


@register_reader("polity2_russia")
def polity2_russia(raw_dir: Path) -> pd.DataFrame:
    """Russia's Polity5 polity2 score (-10 autocracy .. +10 democracy; RUS rows, 1992–2018)."""
    path = raw_file(raw_dir, "polity5", "p5v2018.xls")
    polity = read_xls(path)
    rus = polity[polity["scode"] == "RUS"].set_index("year")["polity2"]
    return yearly(rus.dropna())


@register_reader("freedom_expression_russia")
def freedom_expression_russia(raw_dir: Path) -> pd.DataFrame:
    """Russia's V-Dem freedom of expression and alternative information index (V-Dem v14)."""
    path = raw_file(raw_dir, "vdem_demspaces", "dv_data_1968_on.csv")
    dem = pd.read_csv(path, usecols=["country_id", "year", "v2x_freexp_altinf"])
    rus = dem[dem["country_id"] == 11].set_index("year")["v2x_freexp_altinf"]
    return yearly(rus.dropna())


#: IMF WEO October 2025: values after 2024 are projections, not observations.
IMF_WEO_LAST_ACTUAL = 2024


@register_reader("imf_ppp_ratio_rus_usa")
def imf_ppp_ratio_rus_usa(raw_dir: Path) -> pd.DataFrame:
    """Russia / USA GDP at PPP, current international $ (IMF WEO October 2025, PPPGDP).

    Only years up to 2024 are kept: the WEO's 2025–2030 values are projections, and a
    projection is not an observation. The file's OLE header is corrupt and is read with
    ``ignore_workbook_corruption``.
    """
    import xlrd

    path = raw_file(raw_dir, "gdp_wdi_imf", "imf-dm-export-20251119_PPP.xls")
    book = xlrd.open_workbook(str(path), ignore_workbook_corruption=True)
    sheet = book.sheet_by_index(0)
    years = [int(v) for v in sheet.row_values(0)[1:]]
    rows = {sheet.row_values(r)[0]: sheet.row_values(r)[1:] for r in range(2, sheet.nrows)}
    rus = pd.to_numeric(pd.Series(rows["Russian Federation"], index=years), errors="coerce")
    usa = pd.to_numeric(pd.Series(rows["United States"], index=years), errors="coerce")
    ratio = (rus / usa).loc[:IMF_WEO_LAST_ACTUAL]
    return yearly(ratio.dropna())
