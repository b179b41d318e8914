"""Readers of the structural-driver data sets (power, security, political culture).

See ``PROVENANCE_drivers.md`` beside the raw data for what each file is. Every file is read
through :mod:`causal_model.data.raw_read` against what the reader expects, so a damaged file
is an error naming the cell, never a wrong series.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from causal_model.data.paths import raw_file
from causal_model.data.raw_read import open_xls, read_csv, read_excel
from causal_model.data.reader_tools import register_reader, yearly
from causal_model.data.validate import (
    MAX_YEAR,
    Table,
    check_year_labels,
    excel_cell,
    numeric_cells,
    raw_error,
)

SIPRI_FILE = "SIPRI-Milex-data-1949-2024_2.xlsx"
#: SIPRI's texts for "no data" (". ." and "...") and "the state did not exist" ("xxx").
SIPRI_MARKERS = (". .", "...", "xxx")
SIPRI_HEADER_ROW = 5
SIPRI_COUNTRIES = ("United States of America", "Russia")


def _sipri_rows(raw_dir: Path, sheet: str) -> pd.DataFrame:
    """Return SIPRI rows for the USA and Russia as a year x country float frame.

    SIPRI marks missing as ". ." / "..." and non-existence as "xxx": both become NaN; any
    other text in a year cell is an error naming the cell.
    """
    path = raw_file(raw_dir, "sipri_milex", SIPRI_FILE)
    table = read_excel(path, sheet_name=sheet, header=SIPRI_HEADER_ROW)
    table = table.rename(columns={table.columns[0]: "Country"})
    header = f"row {SIPRI_HEADER_ROW + 1} of sheet {sheet!r}"
    labels = [c for c in table.columns if str(c).strip()[:1].isdigit()]
    check_year_labels(labels, path, header)
    rows = table[table["Country"].isin(SIPRI_COUNTRIES)]
    for country in SIPRI_COUNTRIES:
        found = int((rows["Country"] == country).sum())
        if found != 1:
            raise raw_error(
                path,
                f"{found} rows for {country!r} in sheet {sheet!r} (expected 1)",
                column="Country",
            )

    def locate(row: object, col: object) -> str:
        return f"row {SIPRI_HEADER_ROW + 2 + int(row)} of sheet {sheet!r}"

    numeric_cells(rows[labels], path, markers=SIPRI_MARKERS, locate=locate)
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


WDI_FILE = "API_NY.GDP.MKTP.PP.KD_DS2_en_csv_v2_1004.csv"
WDI = Table(
    {"Country Code": "text"},
    unit=("Country Code",),
    unit_name="country",
    need={"Country Code": ("RUS", "USA")},
)


@register_reader("gdp_ppp_ratio_rus_usa")
def gdp_ppp_ratio_rus_usa(raw_dir: Path) -> pd.DataFrame:
    """Russia / USA GDP at PPP, constant international $ (World Bank WDI NY.GDP.MKTP.PP.KD)."""
    path = raw_file(raw_dir, "gdp_wdi_imf", WDI_FILE)
    wdi = read_csv(path, WDI, skiprows=4, extra=lambda c: c[:1].isdigit())
    labels = [c for c in wdi.columns if c[:1].isdigit()]
    check_year_labels(labels, path, "line 5 (the header)")
    lines = wdi.attrs["lines"]
    numeric_cells(wdi[labels], path, markers=(), locate=lambda row, col: f"line {lines[int(row)]}")
    wdi = wdi.set_index("Country Code")
    years = [c for c in wdi.columns if str(c).isdigit()]
    ratio = wdi.loc["RUS", years].astype(float) / wdi.loc["USA", years].astype(float)
    ratio.index = ratio.index.astype(int)
    return yearly(ratio.dropna())


NMC = Table(
    {"ccode": "int", "year": "int", "cinc": "float"},
    unit=("ccode", "year"),
    unit_name="country-year",
    years=("year",),
    need={"ccode": (2, 365)},
    ranges={"cinc": (0.0, 1.0)},
)


@register_reader("cinc_ratio_rus_usa")
def cinc_ratio_rus_usa(raw_dir: Path) -> pd.DataFrame:
    """Russia / USA composite index of national capability (COW NMC 6.0, to 2016)."""
    path = raw_file(raw_dir, "cow_nmc", "NMC-60-abridged.csv")
    nmc = read_csv(path, NMC)
    wide = nmc[nmc["ccode"].isin([2, 365])].pivot(index="year", columns="ccode", values="cinc")
    return yearly((wide[365] / wide[2]).dropna())


MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
TRADE_MONTHLY = [f"I{m}" for m in MONTHS] + [f"E{m}" for m in MONTHS]
TRADE_WORLD = "World, Not Seasonally Adjusted"
TRADE_RUSSIA = 4621
TRADE = Table(
    {
        "year": "int",
        "CTY_CODE": "int",
        "CTYNAME": "text",
        **dict.fromkeys([*TRADE_MONTHLY, "IYR", "EYR"], "float"),
    },
    unit=("year", "CTY_CODE"),
    unit_name="country-year",
    years=("year",),
    need={"CTY_CODE": (TRADE_RUSSIA,), "CTYNAME": (TRADE_WORLD,)},
)


@register_reader("trade_share_russia")
def trade_share_russia(raw_dir: Path) -> pd.DataFrame:
    """Russia's percent share of total US goods trade (imports + exports, Census basis).

    Shares of nominal values need no deflator. Russia's code 4621 starts in 1992; the USSR
    rows (4610) are not mixed in. A year counts only when all twelve monthly import and
    export cells are reported: the file's 2024 holds January–June only and is left missing.
    """
    path = raw_file(raw_dir, "census_trade", "country.xlsx")
    trade = read_excel(path, TRADE)
    world = trade[trade["CTYNAME"] == TRADE_WORLD].set_index("year")
    russia = trade[trade["CTY_CODE"] == TRADE_RUSSIA].set_index("year")
    complete = (world[TRADE_MONTHLY] > 0).all(axis=1)
    total = (world["IYR"] + world["EYR"]).where(complete)
    share = 100 * (russia["IYR"] + russia["EYR"]) / total.reindex(russia.index)
    return yearly(share.dropna())


NATO = Table(
    {"country": "text", "accession_year": "int"},
    unit=("country",),
    unit_name="member country",
    years=("accession_year",),
)


@register_reader("nato_member_count")
def nato_member_count(raw_dir: Path) -> pd.DataFrame:
    """Number of NATO members at the end of each year, from the transcribed accession years."""
    path = raw_file(raw_dir, "nato_accessions_transcribed", "nato_accession_years_TRANSCRIBED.csv")
    nato = read_csv(path, NATO)
    last = int(nato["accession_year"].max())
    years = np.arange(1949, last + 1)
    counts = [int((nato["accession_year"] <= y).sum()) for y in years]
    return yearly(pd.Series(counts, index=years))


FAS = Table(
    {"Year": "int", "Measure Names": "text", "Measure Values": "float"},
    unit=("Year", "Measure Names"),
    unit_name="country-year",
    years=("Year",),
    need={"Measure Names": ("US", "Russia")},
    ranges={"Measure Values": (0, np.inf)},
)


@register_reader("warheads_us_russia")
def warheads_us_russia(raw_dir: Path) -> pd.DataFrame:
    """US + Russian warheads in military stockpiles (FAS; 'Russia' is the USSR before 1992)."""
    path = raw_file(raw_dir, "fas_nuclear", "nuclear_weapons_stockpiles_raw.csv")
    fas = read_csv(path, FAS, encoding="utf-16", sep="\t")
    fas = fas[fas["Measure Names"].isin(["US", "Russia"])]
    wide = fas.pivot(index="Year", columns="Measure Names", values="Measure Values")
    return yearly((wide["US"] + wide["Russia"]).dropna())


TROOPS_REGION = "Europe & Central Asia"
TROOPS = Table(
    {"countryname": "text", "year": "int", "region": "text", "troops_ad": "float"},
    unit=("countryname", "year"),
    unit_name="host-country-year",
    years=("year",),
    need={"region": (TROOPS_REGION,)},
    ranges={"troops_ad": (0, np.inf)},
)


@register_reader("us_troops_europe")
def us_troops_europe(raw_dir: Path) -> pd.DataFrame:
    """US active-duty troops stationed in the 'Europe & Central Asia' region (troopdata, DMDC).

    DMDC counts permanently assigned personnel; rotational forces are largely missing.
    A year counts only if at least one host country reports a value for it.
    """
    path = raw_file(raw_dir, "us_troops_troopdata", "troopdata-rebuild-country-year.csv")
    troops = read_csv(path, TROOPS)[["year", "region", "troops_ad"]]
    europe = troops[troops["region"] == TROOPS_REGION]
    grouped = europe.groupby("year")["troops_ad"]
    return yearly(grouped.sum(min_count=1).dropna())


def _vdem(value: str, countries: tuple[int, ...]) -> Table:
    return Table(
        {"country_id": "int", "year": "int", value: "float"},
        unit=("country_id", "year"),
        unit_name="country-year",
        years=("year",),
        need={"country_id": countries},
        ranges={value: (0.0, 1.0)},
    )


@register_reader("polyarchy_gap_usa_rus")
def polyarchy_gap_usa_rus(raw_dir: Path) -> pd.DataFrame:
    """USA minus Russia V-Dem electoral democracy index (v2x_polyarchy, V-Dem v15 via ERT)."""
    path = raw_file(raw_dir, "vdem_ert", "ert.csv")
    ert = read_csv(path, _vdem("v2x_polyarchy", (20, 11)))
    wide = ert[ert["country_id"].isin([20, 11])].pivot(
        index="year", columns="country_id", values="v2x_polyarchy"
    )
    return yearly((wide[20] - wide[11]).dropna())


FH_FILE = "Country_and_Territory_Ratings_and_Statuses_FIW_1973-2024.xlsx"
FH_SHEET = "Country Ratings, Statuses "
#: Freedom House's text for "not rated" in a PR/CL cell.
FH_MARKERS = ("-",)


@register_reader("freedom_house_russia")
def freedom_house_russia(raw_dir: Path) -> pd.DataFrame:
    """Russia's Freedom House political rights + civil liberties (2 = most free, 14 = least).

    Indexed by the year under review. The 'USSR' row (to 1990) is not mixed in. Each year
    under review must have exactly one PR and one CL column; a rating is 1..7 or "-".
    """
    path = raw_file(raw_dir, "freedom_house", FH_FILE)
    sheet = read_excel(path, sheet_name=FH_SHEET, header=None)
    found_rows = np.flatnonzero(sheet[0].to_numpy() == "Russia") if sheet.shape[0] > 3 else []
    if len(found_rows) != 1:
        raise raw_error(
            path,
            f"{len(found_rows)} rows named 'Russia' in sheet {FH_SHEET!r} (expected 1)",
            column="A",
        )
    review_years = sheet.iloc[1].ffill()
    kinds = sheet.iloc[2]
    row = sheet.iloc[found_rows[0]]
    columns = [col for col in range(1, sheet.shape[1]) if kinds[col] in ("PR", "CL")]
    cells = row[columns].to_frame().T
    cells.columns = [f"{kinds[c]} {review_years[c]}" for c in columns]  # e.g. "CL 2019"
    where = dict(zip(cells.columns, columns, strict=True))
    numeric_cells(
        cells,
        path,
        markers=FH_MARKERS,
        locate=lambda _, label: (
            f"cell {excel_cell(found_rows[0], where[label])} of sheet {FH_SHEET!r}"
        ),
    )
    values: dict[int, float] = {}
    for kind in ("PR", "CL"):
        labels = []
        for col in (c for c in columns if kinds[c] == kind):
            found = re.findall(r"(\d{4})", str(review_years[col]))
            where = f"cell {excel_cell(1, col)} of sheet {FH_SHEET!r}"
            if not found:
                raise raw_error(path, f"no year under review in {review_years[col]!r}", row=where)
            labels.append(found[-1])  # early editions cover spans like "Jan.1981-Aug. 1982"
        years = check_year_labels(labels, path, f"row 2 of sheet {FH_SHEET!r}", consecutive=False)
        for col, year in zip((c for c in columns if kinds[c] == kind), years, strict=True):
            score = pd.to_numeric(row[col], errors="coerce")
            if not (np.isnan(score) or 1 <= score <= 7):
                where = f"cell {excel_cell(found_rows[0], col)} of sheet {FH_SHEET!r}"
                raise raw_error(path, f"rating {score!r} is outside 1..7", row=where)
            values[year] = values.get(year, 0.0) + float(score)
    return yearly(pd.Series(values).dropna())


#: Polity's special codes (-66 interruption, -77 interregnum, -88 transition) occur in other
#: countries' polity2 in this copy; Russia's scores must be on the -10..10 scale.
POLITY_SPECIAL = (-88, -77, -66)
POLITY = Table(
    {"scode": "text", "year": "int", "polity2": "float"},
    unit=("scode", "year"),
    unit_name="country-year",
    years=("year",),
    need={"scode": ("RUS",)},
    ranges={"polity2": (min(POLITY_SPECIAL), 10)},
)


@register_reader("polity2_russia")
def polity2_russia(raw_dir: Path) -> pd.DataFrame:
    """Russia's Polity5 polity2 score (-10 autocracy .. +10 democracy; RUS rows, 1992–2018)."""
    path = raw_file(raw_dir, "polity5", "p5v2018.xls")
    polity = read_excel(path, POLITY, engine="xlrd")
    off_scale = (polity["scode"] == "RUS") & (polity["polity2"] < -10)
    if off_scale.any():
        i = int(np.flatnonzero(off_scale)[0])
        raise raw_error(
            path,
            f"Russia's polity2 is {polity['polity2'].iloc[i]:g}, a special code, not a score",
            column="polity2",
            row=f"row {i + 2} of sheet 1",
        )
    rus = polity[polity["scode"] == "RUS"].set_index("year")["polity2"]
    return yearly(rus.dropna())


@register_reader("freedom_expression_russia")
def freedom_expression_russia(raw_dir: Path) -> pd.DataFrame:
    """Russia's V-Dem freedom of expression and alternative information index (V-Dem v14)."""
    path = raw_file(raw_dir, "vdem_demspaces", "dv_data_1968_on.csv")
    dem = read_csv(path, _vdem("v2x_freexp_altinf", (11,)))
    rus = dem[dem["country_id"] == 11].set_index("year")["v2x_freexp_altinf"]
    return yearly(rus.dropna())


#: IMF WEO October 2025: values after 2024 are projections, not observations.
IMF_WEO_LAST_ACTUAL = 2024
#: The WEO projects about five years ahead: its header may run this far past next year.
IMF_PROJECTION_YEARS = 10
IMF_MARKERS = ("no data", "")
IMF_COUNTRIES = ("Russian Federation", "United States")


@register_reader("imf_ppp_ratio_rus_usa")
def imf_ppp_ratio_rus_usa(raw_dir: Path) -> pd.DataFrame:
    """Russia / USA GDP at PPP, current international $ (IMF WEO October 2025, PPPGDP).

    Only years up to 2024 are kept: the WEO's 2025–2030 values are projections, and a
    projection is not an observation. The file's OLE header is corrupt and is read with
    ``ignore_workbook_corruption``.
    """
    path = raw_file(raw_dir, "gdp_wdi_imf", "imf-dm-export-20251119_PPP.xls")
    sheet = open_xls(path).sheet_by_index(0)
    years = check_year_labels(
        sheet.row_values(0)[1:], path, "row 1", max_year=MAX_YEAR + IMF_PROJECTION_YEARS
    )
    names = [sheet.row_values(r)[0] for r in range(2, sheet.nrows)]
    rows = {}
    for country in IMF_COUNTRIES:
        at = [r + 2 for r, name in enumerate(names) if name == country]
        if len(at) != 1:
            raise raw_error(path, f"{len(at)} rows for {country!r} (expected 1)", column="A")
        rows[country] = sheet.row_values(at[0])[1:]
        numeric_cells(
            pd.DataFrame([rows[country]], index=[at[0]]),
            path,
            markers=IMF_MARKERS,
            locate=lambda r, c: f"cell {excel_cell(int(r), int(c) + 1)}",
        )
    rus = pd.to_numeric(pd.Series(rows["Russian Federation"], index=years), errors="coerce")
    usa = pd.to_numeric(pd.Series(rows["United States"], index=years), errors="coerce")
    ratio = (rus / usa).loc[:IMF_WEO_LAST_ACTUAL]
    return yearly(ratio.dropna())
