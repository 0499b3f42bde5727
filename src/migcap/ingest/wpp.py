"""UN World Population Prospects: official CSV files and the ``wpp2024`` R-package extracts.

Layouts read:

* the official "Demographic Indicators" CSV (``WPP2024_Demographic_Indicators_Medium.csv[.gz]``):
  ``LocID, ISO3_code, Location, Variant, Time, TPopulation1July, TPopulationMale1July,
  TPopulationFemale1July, Births, Deaths, NetMigrations, CNMR, CBR, CDR, PopGrowthRate`` …
  (counts in thousands); years after the last estimate year are projections;
* the tables extracted from the UN's ``wpp2024`` R package (the bundled snapshot):
  ``wpp2024_net_migration_annual.csv`` (with 80%/95% intervals),
  ``wpp2024_vital_rates_annual.csv``, ``wpp2024_population_projection_annual.csv``
  and ``wpp2024_population_estimates_5yr.csv``, read together.

Locations are matched by their M49 code; aggregates (codes of 900 and above)
go to ``wpp_published``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from migcap.errors import InputError
from migcap.ingest.common import Sheet, numeric, read_csv_checked, require_columns
from migcap.ingest.snapshot import Snapshot
from migcap.provenance import COL, ROW, Provenance, raw_file, today

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["mid_year_population", "read_wpp"]

PUBLISHER = "United Nations, Department of Economic and Social Affairs, Population Division"
URL = "https://population.un.org/wpp/downloads"
LICENCE = "CC BY 3.0 IGO"
LICENCE_URL = "https://creativecommons.org/licenses/by/3.0/igo/"

# official CSV column → (indicator, multiplier)
OFFICIAL = {
    "TPopulation1July": ("population", 1000.0),
    "TPopulationMale1July": ("population_male", 1000.0),
    "TPopulationFemale1July": ("population_female", 1000.0),
    "Births": ("births", 1000.0),
    "Deaths": ("deaths", 1000.0),
    "NetMigrations": ("net_migration", 1000.0),
    "CNMR": ("cnmr", 1.0),
    "CBR": ("cbr", 1.0),
    "CDR": ("cdr", 1.0),
    "PopGrowthRate": ("growth_rate", 1.0),
}
# wpp2024 R-package extract: file stem → {column: (indicator, multiplier, interval of)}
PACKAGE = {
    "net_migration_annual": {"net_migration_thousands": ("net_migration", 1000.0)},
    "vital_rates_annual": {
        "births": ("births", 1000.0), "deaths": ("deaths", 1000.0), "cbr": ("cbr", 1.0), "cdr": ("cdr", 1.0),
        "cnmr": ("cnmr", 1.0), "growthrate": ("growth_rate", 1.0),
    },
    "population_projection_annual": {
        "pop": ("population", 1000.0), "popM": ("population_male", 1000.0),
        "popF": ("population_female", 1000.0),
    },
    "population_estimates_5yr": {
        "pop": ("population", 1000.0), "popM": ("population_male", 1000.0),
        "popF": ("population_female", 1000.0),
    },
}
_INTERVALS = {
    "net_migration_annual": {"mig_80l": "lower80", "mig_80u": "upper80", "mig_95l": "lower95",
                             "mig_95u": "upper95"},
    "population_projection_annual": {"pop_80l": "lower80", "pop_80u": "upper80", "pop_95l": "lower95",
                                     "pop_95u": "upper95"},
}


def _variant(v: str) -> str:
    v = v.strip().lower()
    return {"projection_median": "median", "medium": "median"}.get(v, v)


def _package_file(path: Path) -> pd.DataFrame:
    """Long rows (code, name, indicator, year, variant, value, intervals, _row) from one extract."""
    import pandas as pd

    stem = next((k for k in PACKAGE if path.name.endswith(f"{k}.csv") or path.name.endswith(f"{k}.csv.gz")),
                None)
    if stem is None:
        raise InputError("not a known WPP table", file=path.name,
                         hint="expected the official Demographic Indicators CSV or wpp2024_*.csv extracts")
    raw = read_csv_checked(path)
    sheet = Sheet(path.name, None, [])
    require_columns(raw.columns, {"code": ["country_code"], "year": ["year"],
                                  **{c: [c] for c in PACKAGE[stem]}}, file=path.name)
    rows = list(range(2, len(raw) + 2))
    variant = raw["variant"].map(_variant) if "variant" in raw else (
        "median" if "projection" in stem else "estimate")
    base = pd.DataFrame({
        "code": numeric(raw["country_code"].tolist(), sheet=sheet, rows=rows, column="country_code", zero=()),
        "name": raw.get("name", ""),
        "year": numeric(raw["year"].tolist(), sheet=sheet, rows=rows, column="year", zero=()),
        "variant": variant,
        ROW: rows,
        f"{COL}:year": "year",
    })
    parts = []
    for col, (indicator, mult) in PACKAGE[stem].items():
        vals = numeric(raw[col].tolist(), sheet=sheet, rows=rows, column=col, zero=())
        part = base.assign(indicator=indicator, value=[None if v is None else v * mult for v in vals],
                           **{f"{COL}:value": col})
        for icol, target in _INTERVALS.get(stem, {}).items():
            if indicator in ("net_migration", "population") and icol in raw:
                ivals = numeric(raw[icol].tolist(), sheet=sheet, rows=rows, column=icol, zero=())
                part[target] = [None if v is None else v * mult for v in ivals]
                part[f"{COL}:{target}"] = icol
        if stem == "population_projection_annual" and indicator == "population":
            for extra, name in (("pop_low", "low"), ("pop_high", "high")):
                if extra in raw:
                    ev = numeric(raw[extra].tolist(), sheet=sheet, rows=rows, column=extra, zero=())
                    parts.append(base.assign(indicator="population", variant=name,
                                             value=[None if v is None else v * mult for v in ev],
                                             **{f"{COL}:value": extra}))
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["_file"] = path.name
    return out


def _official_file(path: Path, last_estimate_year: int) -> pd.DataFrame:
    import pandas as pd

    raw = read_csv_checked(path, compression="infer")
    sheet = Sheet(path.name, None, [])
    cols = require_columns(raw.columns, {"code": ["LocID"], "year": ["Time"], "variant": ["Variant"]},
                           file=path.name)
    present = [c for c in OFFICIAL if c in raw.columns]
    if not present:
        raise InputError("no indicator columns (TPopulation1July, Births, Deaths, NetMigrations …)",
                         file=path.name)
    rows = list(range(2, len(raw) + 2))
    years = numeric(raw[cols["year"]].tolist(), sheet=sheet, rows=rows, column=cols["year"], zero=())
    variant = [
        "estimate" if (y is not None and y <= last_estimate_year) else _variant(v)
        for y, v in zip(years, raw[cols["variant"]], strict=True)
    ]
    base = pd.DataFrame({
        "code": numeric(raw[cols["code"]].tolist(), sheet=sheet, rows=rows, column=cols["code"], zero=()),
        "name": raw.get("Location", ""),
        "year": years,
        "variant": variant,
        ROW: rows,
        f"{COL}:year": cols["year"],
    })
    parts = []
    for col in present:
        indicator, mult = OFFICIAL[col]
        vals = numeric(raw[col].tolist(), sheet=sheet, rows=rows, column=col, zero=())
        parts.append(base.assign(indicator=indicator, value=[None if v is None else v * mult for v in vals],
                                 **{f"{COL}:value": col}))
    out = pd.concat(parts, ignore_index=True)
    out["_file"] = path.name
    return out


def read_wpp(path: Path, *, edition: str | None = None, extra_files: Sequence[Path] = (),
             url: str | None = None) -> list[Snapshot]:
    """Read WPP files (official CSV or the R-package extracts) into a ``wpp`` snapshot.

    Parameters
    ----------
    path, extra_files
        The files of one WPP revision; they are merged.
    edition
        Edition name; default: the revision year ("2024"). The revision year (years before it are
        estimates, later ones projections) is the year the edition name starts with, else the year
        in the file name.

    Raises
    ------
    InputError
        Missing columns, text in numeric cells, unknown location codes, or the
        same indicator, location, year and variant in two files.
    """
    import re

    import pandas as pd

    from migcap.geo.countries import country_table

    files = [path, *extra_files]
    named = re.match(r"^(20\d\d)(?!\d)", edition or "") or re.search(r"(?<!\d)(20\d\d)(?!\d)", path.name)
    if not named:
        raise InputError("cannot tell the WPP revision year", file=path.name,
                         hint="name the edition after it, e.g. --edition 2024, or keep the year "
                              "in the file name")
    revision = int(named.group(1))
    edition = edition or str(revision)
    last_estimate = revision - 1
    frames = []
    for p in files:
        head = read_csv_checked(p, nrows=0, compression="infer").columns
        frames.append(_official_file(p, last_estimate) if "LocID" in head else _package_file(p))
    data = pd.concat(frames, ignore_index=True)
    bad_code = data["code"].isna() | data["year"].isna()
    if bad_code.any():
        i = bad_code.idxmax()
        raise InputError("missing location code or year", file=data.loc[i, "_file"],
                         row=int(data.loc[i, ROW]))
    data = data.dropna(subset=["value"])
    fractional = data["code"] % 1 != 0
    if fractional.any():
        i = fractional.idxmax()
        raise InputError("location code is not a whole number", file=data.loc[i, "_file"],
                         row=int(data.loc[i, ROW]), column="LocID/country_code", value=data.loc[i, "code"])
    data["code"] = data["code"].astype(int)  # the year is checked (whole, in range) when validated
    table = country_table()
    codes = {c: (table.lookup(str(c)) if c < 900 else None) for c in data["code"].unique()}
    unknown = [c for c, iso in codes.items() if c < 900 and iso is None]
    if unknown:
        i = data.index[data["code"] == unknown[0]][0]
        raise InputError("unknown location code", file=data.loc[i, "_file"], row=int(data.loc[i, ROW]),
                         column="LocID/country_code", value=unknown[0])
    data["iso3"] = data["code"].map(codes)
    for col in ("lower80", "upper80", "lower95", "upper95"):
        if col not in data:
            data[col] = float("nan")
    countries = data[data.iso3.notna()]
    published = data[data.iso3.isna()].assign(code=lambda f: f["code"].astype(str))
    prov = Provenance(
        dataset="wpp",
        edition=edition,
        publisher=PUBLISHER,
        title=f"World Population Prospects {revision}",
        revision=f"WPP {revision}",
        url=url or URL,
        licence=LICENCE,
        licence_url=LICENCE_URL,
        citation="United Nations, Department of Economic and Social Affairs, Population "
        f"Division ({revision}). World Population Prospects {revision}.",
        accessed=today(),
        files=[raw_file(p) for p in files],
        transformation=[
            "one row per indicator, location, year and variant; counts from thousands to persons (× 1000)",
            f"years up to {last_estimate} are estimates; later years are projection variants "
            "(median, low, high)",
            "80% and 95% prediction intervals kept for net migration and population where published",
            "location codes of the country table → ISO3; aggregates (codes ≥ 900) kept as published",
        ],
    )
    return [Snapshot("wpp", data=countries, provenance=prov, published=published).validated(file=path.name)]


def mid_year_population(wpp: pd.DataFrame, years: Sequence[int], *, variant: str = "median") -> pd.DataFrame:
    """Total population at mid-year, by country and sex, from the tidy ``wpp`` table.

    The rule (documented in docs/data.md): a year with an estimate (the 5-yearly
    estimates to 2020, which are mid-year figures) takes it as it is. A later year
    Y has only end-of-year populations (31 December) in the bundled WPP, so mid-Y
    is taken as the mean of end-(Y−1) and end-Y. End-(Y−1) is not in the table
    for the first projection year, so it comes from the balancing equation: the
    mean is end-Y − ½ (births − deaths + net migration of year Y). The two sexes
    keep their end-Y shares.

    Parameters
    ----------
    wpp
        Rows ``indicator, iso3, year, variant, value`` (dataset ``wpp``).
    years
        The years wanted.
    variant
        The projection variant for years after the estimates.

    Returns
    -------
    pandas.DataFrame
        ``iso3, year, population, population_male, population_female`` (persons).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [("population", 2024, "median", 1000.0), ("population_male", 2024, "median", 600.0),
    ...         ("population_female", 2024, "median", 400.0), ("births", 2024, "median", 30.0),
    ...         ("deaths", 2024, "median", 10.0), ("net_migration", 2024, "median", 0.0)]
    >>> w = pd.DataFrame([dict(indicator=i, iso3="XYZ", year=y, variant=v, value=x) for i, y, v, x in rows])
    >>> mid_year_population(w, [2024]).to_dict("records")  # synthetic: 1000 − ½·20 = 990
    [{'iso3': 'XYZ', 'year': 2024, 'population': 990.0, 'population_male': 594.0, 'population_female': 396.0}]
    """
    import pandas as pd

    cols = ["population", "population_male", "population_female"]
    w = wpp[wpp["year"].isin(list(years)) & wpp["variant"].isin(["estimate", variant])]
    est = w[(w["variant"] == "estimate") & w["indicator"].isin(cols)]
    est = est.pivot_table(index=["iso3", "year"], columns="indicator", values="value").reset_index()
    proj = w[w["variant"] == variant].pivot_table(index=["iso3", "year"], columns="indicator",
                                                  values="value").reset_index()
    flows = w[w["indicator"].isin(["births", "deaths", "net_migration"])]
    flows = flows.pivot_table(index=["iso3", "year"], columns="indicator", values="value",
                              aggfunc="first").reset_index()
    proj = proj[["iso3", "year", *[c for c in cols if c in proj]]].merge(flows, on=["iso3", "year"])
    proj = proj.merge(est[["iso3", "year"]], on=["iso3", "year"], how="left", indicator=True)
    proj = proj[proj["_merge"] == "left_only"]
    change = proj["births"] - proj["deaths"] + proj["net_migration"]
    mid = proj["population"] - change / 2
    for c in ("population_male", "population_female"):
        proj[c] = proj[c] / proj["population"] * mid
    proj["population"] = mid
    out = pd.concat([est, proj], ignore_index=True)
    for c in cols:
        if c not in out:
            out[c] = float("nan")
    out[cols] = out[cols].round()  # whole persons (the half of a year's change leaves halves)
    out = out[["iso3", "year", *cols]].sort_values(["iso3", "year"]).reset_index(drop=True)
    out["year"] = out["year"].astype("int64")
    out.columns.name = None
    return out
