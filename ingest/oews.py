"""BLS Occupational Employment and Wage Statistics (OEWS), national estimates -> tidy, point-in-time tables.

Inputs (see data/snapshot/bls/PROVENANCE.md): the national cross-industry files of May 2021 (a CSV export with a
UTF-8 BOM and quoted thousands, ``"140,886,310"``) and May 2022-2024 (official xlsx); the national sector x
occupation files of May 2022-2024 (``natsector_M20xx_dl.xlsx``; the 2022 and 2023 copies were re-saved by a third
party, which truncated the sector ranges ``31-33``/``44-45``/``48-49`` to ``31``/``44``/``48``); and the May 2025
national industry file (``oews_national_industry_M2025.csv.gz``, all published industry levels, exported from the
official BLS flat files ``download.bls.gov/pub/time.series/oe/``); and the May 2018 national sector x occupation
file (``oews_older/natsector_M2018_dl.xlsx``, see data/snapshot/bls/oews_older/PROVENANCE.md; SOC 2010 codes).

Tables
------
``oews_national``
    Cross-industry national estimates, one row per (``year``, ``occ_code``, ``o_group``). ``year`` is the May
    reference year. 2025 comes from the industry ``000000`` rows of the 2025 file.
``oews_industry``
    Industry x occupation estimates, one row per (``year``, ``industry_code``, ``occ_code``, ``o_group``):
    2018 and 2022-2024 at sector level (natsector files), 2025 at every level the file has (cross-industry, sector,
    3-, 4-, 5/6-digit NAICS and the government ownership aggregates).

Units: ``employment`` in jobs (BLS rounds to the nearest 10; self-employed excluded); ``*_wage_usd`` in US dollars
per year (annual figures as BLS publishes them, which for most occupations are hourly x 2,080);
``hourly_*_wage_usd`` in US dollars per hour; ``*_prse`` in percent (relative standard error);
``pct_industry_employment`` and ``pct_establishments_reporting`` in percent.

Status columns (never a zero for a missing figure)
--------------------------------------------------
Every published measure has a ``*_status`` column; the value is NaN unless the status is ``reported``:

=====================  ==========================================================================================
``reported``           a number was published
``suppressed``         ``**`` (xlsx/csv: employment estimate not available) or ``-`` with footnote 8 (2025:
                       "estimate not released"); a wage ``-`` with footnote 8 is also ``suppressed``
``not_available``      ``*`` on a wage with neither the ANNUAL nor the HOURLY flag ("wage estimate not available"),
                       ``-`` without footnote, or an empty percent cell (percent columns exist only in industry files)
``top_coded``          ``#`` (xlsx/csv) or footnote 5 (2025): the wage is at or above the top code. In the
                       2022-2024 Field Descriptions the top code is **$115.00/hour or $239,200/year**; the value is
                       kept NaN (a lower bound, not an estimate). In the May 2025 file BLS publishes annual wages
                       well above $239,200 (e.g. a 90th percentile of $972,450), so that threshold does not apply
                       to 2025; its footnote-5 cells (21 means) are still marked ``top_coded``.
``annual_only``        an hourly figure BLS does not publish because the occupation is paid annually (ANNUAL=TRUE,
                       or footnote 4 on an hourly column in 2025): teachers, pilots, athletes
``hourly_only``        an annual figure BLS does not publish because the occupation is paid by the hour
                       (HOURLY=TRUE, or footnote 4 on an annual column in 2025): actors, dancers, musicians
``under_half_percent`` ``~`` in PCT_RPT: under 0.5 % of establishments reported the occupation
``not_in_file``        the input format has no such column (percent columns of the 2025 flat file)
=====================  ==========================================================================================

The May 2018 sector file (``natsector_M2018_dl.xlsx``, ``bls/oews_older/``) has the older download layout:
``OCC_GROUP`` instead of ``O_GROUP`` and no ``I_GROUP``/``OWN_CODE``; its rows are all sectors (``I_GROUP`` =
sector), ``own_code`` is null except for ``99`` (123). Its ``occ_code`` values are **SOC 2010** codes, kept as
published (every May year up to :data:`SOC_2010_LAST_YEAR`); :mod:`graph.labour` maps them to SOC 2018 with the
BLS crosswalk (``xwalk_soc_2010_2018``). Never join them to SOC 2018 codes directly.

Occupation groups
-----------------
``o_group`` is ``total``, ``major``, ``minor``, ``broad`` or ``detailed``. OEWS aggregates of several SOC codes
(``13-1020``, ``29-2010`` ...) appear in the xlsx/csv files twice, once as ``broad`` and once as ``detailed``, with
identical numbers; both rows are kept and told apart by ``o_group`` (it is part of the key). In the 2025 flat file
``o_group`` comes from ``occupation_display_level`` (0 total/major, 1 minor, 2 broad, 3 detailed) and such codes
appear once, as ``detailed``. **Sum only ``detailed`` rows** (:func:`detailed_totals`); the ``detailed`` rows
partition employment, every other level double counts.

Industry codes (``industry_code``, one scheme for all years)
-----------------------------------------------------------
* cross-industry: ``000000`` (all ownerships), ``000001`` (private only);
* sectors: the NAICS sector label as in the official natsector files: ``11``, ``21``, ``22``, ``23``, ``31-33``,
  ``42``, ``44-45``, ``48-49``, ``51`` ... ``81`` and ``99`` (OEWS government designation: federal, state and local
  government excluding state/local schools and hospitals and the Postal Service). The 2025 flat file's exclusive
  ranges (``11--12``, ``31--34``, ``44--46``, ``48--50``, ``99-100``) and the re-saved 2022/2023 truncations
  (``31``, ``44``, ``48``) are mapped onto these;
* below sectors: the 6-character OEWS code as BLS publishes it: ``336000`` (3-digit NAICS 336), ``336100``
  (4-digit 3361), ``332710`` / ``221111`` (5-/6-digit), OEWS combinations such as ``3250A1`` (NAICS 3251, 3252,
  3253 and 3259 only; the members are listed in ``industry_title``), ownership-specific codes such as ``611102``
  (NAICS 6111, state government owned: the last digit is the ownership: 2 state, 3 local, 5 private), and the
  government aggregates ``999000``/``999001``/``999101``/``999201``/``999301``.

``industry_level`` is ``cross_industry``, ``sector``, ``naics3``, ``naics4``, ``naics5`` (5- and 6-digit and the
ownership-specific codes) or ``ownership_aggregate`` (``999xxx``). Levels overlap: never add rows of different
levels, nor the ``999xxx`` rows to the sector rows.

``own_code`` is BLS's ownership code (1 federal, 2 state, 3 local, 5 private and combinations such as 123, 235,
1235; see the Field Descriptions sheet). The xlsx/csv files carry it; the 2025 flat file does not, so it is filled
only where the code itself says it (cross-industry, sector 99, ``999xxx``, ownership-specific 6-digit codes) and
is null elsewhere.

Point in time: ``ref_period`` = ``"YYYY-05"``, ``published_date`` = :func:`ingest.calendar.oews_published` (March 31
of the next year), ``vintage`` = ``"MYYYY"`` (the BLS file family, e.g. ``M2024``).

The cell symbols and the industry-code scheme are implemented in :mod:`ingest.oews_fields`; this module reads the
three file layouts (xlsx download, the May 2018 legacy xlsx, the CSV/flat-file CSV), builds the two tables and
holds the source.
"""
from __future__ import annotations

import gzip
import re
import zipfile
import zlib
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from . import calendar
from .errors import IngestError, MissingInputError, ProblemCollector
from .oews_fields import (_MEASURES, _OWN_BY_CODE, _TRUNCATED_SECTORS, SECTORS, _cell_text, _check_codes,
                          _industry_columns, _measures)
from .registry import Progress, Source, progress_or_noop
from .schemas import Column, TableSchema, schema

PARSER_VERSION = "1.1.0"

_BLS = "https://www.bls.gov/oes/special-requests/"
INPUTS: dict[str, str] = {
    "national_2021": "bls/national_May2021_dl.csv",
    "national_2022": "bls/national_M2022_dl.xlsx",
    "national_2023": "bls/national_M2023_dl.xlsx",
    "national_2024": "bls/national_M2024_dl.xlsx",
    "natsector_2022": "bls/natsector_M2022_dl.xlsx",
    "natsector_2023": "bls/natsector_M2023_dl.xlsx",
    "natsector_2024": "bls/natsector_M2024_dl.xlsx",
    "natsector_2018": "bls/oews_older/natsector_M2018_dl.xlsx",
    "industry_2025": "bls/oews_national_industry_M2025.csv.gz",
}
URLS: dict[str, str] = {
    **{f"national_{y}": f"{_BLS}oesm{y % 100:02d}nat.zip" for y in (2021, 2022, 2023, 2024)},
    **{f"natsector_{y}": f"{_BLS}oesm{y % 100:02d}in4.zip" for y in (2018, 2022, 2023, 2024)},
    "industry_2025": "https://download.bls.gov/pub/time.series/oe/",
}

TOP_CODE_ANNUAL_USD = 239_200.0
TOP_CODE_HOURLY_USD = 115.00
_XLSX_REQUIRED = ("NAICS", "NAICS_TITLE", "I_GROUP", "OWN_CODE", "OCC_CODE", "OCC_TITLE", "O_GROUP",
                  *_MEASURES, "ANNUAL", "HOURLY")
#: the May 2018 (and earlier) download layout: OCC_GROUP instead of O_GROUP, no I_GROUP/OWN_CODE/AREA columns
_XLSX_LEGACY_REQUIRED = ("NAICS", "NAICS_TITLE", "OCC_CODE", "OCC_TITLE", "OCC_GROUP", *_MEASURES, "ANNUAL",
                         "HOURLY")
#: the last May year whose occupation codes are SOC 2010 (May 2019 and 2020 use BLS's hybrid structure)
SOC_2010_LAST_YEAR = 2018
_FLAT_REQUIRED = ("industry_code", "industry_name", "industry_display_level", "OCC_CODE", "occupation_name",
                  "occupation_display_level", *_MEASURES, *(f"{c}_FOOTNOTE" for c in _MEASURES))

_YEAR_IN_NAME = re.compile(r"(?:^|[^0-9A-Za-z])(?:M|May)_?(\d{4})(?![0-9])|_M(\d{4})(?![0-9])", re.IGNORECASE)


# ----------------------------------------------------------------------------------------------------- schemas
def _measure_columns() -> list[Column]:
    return [
        Column("employment", "float", nullable=True, description="jobs (rounded to 10 by BLS); NaN unless reported"),
        Column("employment_status", "str"),
        Column("emp_prse", "float", nullable=True, description="percent relative standard error of employment"),
        Column("mean_wage_usd", "float", nullable=True, description="annual mean wage, USD/year"),
        Column("mean_wage_status", "str"),
        Column("hourly_mean_wage_usd", "float", nullable=True, description="hourly mean wage, USD/hour"),
        Column("hourly_mean_wage_status", "str"),
        Column("median_wage_usd", "float", nullable=True, description="annual median wage, USD/year"),
        Column("median_wage_status", "str"),
        Column("hourly_median_wage_usd", "float", nullable=True, description="hourly median wage, USD/hour"),
        Column("hourly_median_wage_status", "str"),
        Column("mean_wage_prse", "float", nullable=True, description="percent relative standard error of the mean"),
    ]


_OCC_COLUMNS = [Column("occ_code", "str", description="SOC 2018 or OEWS aggregate code NN-NNNN"),
                Column("occ_title", "str"),
                Column("o_group", "str", description="total|major|minor|broad|detailed")]

NATIONAL = schema("oews_national", [Column("year", "int", description="May reference year"), *_OCC_COLUMNS,
                                    *_measure_columns()],
                  key=["year", "occ_code", "o_group"],
                  description="OEWS national cross-industry employment and wages by occupation (May of each year)")

INDUSTRY = schema("oews_industry", [
    Column("year", "int", description="May reference year"),
    Column("industry_code", "str", description="normalised OEWS industry code (see module docstring)"),
    Column("industry_title", "str"),
    Column("industry_level", "str", description="cross_industry|sector|naics3|naics4|naics5|ownership_aggregate"),
    Column("own_code", "str", nullable=True, description="BLS ownership code; null where the file does not say"),
    *_OCC_COLUMNS, *_measure_columns(),
    Column("pct_industry_employment", "float", nullable=True, description="percent of the industry's employment"),
    Column("pct_establishments_reporting", "float", nullable=True, description="percent of establishments"),
    Column("pct_establishments_reporting_status", "str"),
], key=["year", "industry_code", "occ_code", "o_group"],
    description="OEWS national industry x occupation employment and wages (sectors 2022-2024, all levels 2025)")

SCHEMAS: dict[str, TableSchema] = {NATIONAL.name: NATIONAL, INDUSTRY.name: INDUSTRY}


# ------------------------------------------------------------------------------------------------ file reading
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, gzip.BadGzipFile, EOFError, OSError, UnicodeDecodeError,
                pd.errors.ParserError, pd.errors.EmptyDataError, KeyError, ValueError)


def _read_xlsx(path: Path, required: tuple[str, ...]) -> tuple[pd.DataFrame, str, int]:
    """The first sheet whose header (within the first 10 rows) holds ``required``: (text frame, sheet, header row).

    Header names are matched case-insensitively; the frame has a ``_row`` column with the 1-based Excel row.
    """
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises BadZipFile, KeyError, XML errors ... for damaged files
        raise IngestError(f"cannot open workbook ({type(exc).__name__}: {exc})", path=path,
                          expected="a complete .xlsx workbook (is the file truncated or corrupted?)") from exc
    try:
        best: tuple[str, int, list[str]] | None = None
        for sheet in book.sheetnames:
            try:
                it = book[sheet].iter_rows(values_only=True)
                for i, row in zip(range(10), it):
                    names = [_cell_text(v).upper() for v in row]
                    if "OCC_CODE" not in names:
                        continue
                    if best is None or len(set(required) & set(names)) > len(set(required) & set(best[2])):
                        best = (sheet, i + 1, names)
                    if set(required) <= set(names):
                        rows = list(it)
                        return _frame(rows, names, i + 1, path, sheet, required), sheet, i + 1
                    break
            except Exception as exc:  # damaged sheet XML or zip member
                raise IngestError(f"cannot read sheet ({type(exc).__name__}: {exc})", path=path, sheet=sheet,
                                  expected="a readable worksheet (is the file truncated or corrupted?)") from exc
    finally:
        book.close()
    if best is None:
        raise MissingInputError("no sheet with an OEWS header row (OCC_CODE ...)", path=path,
                                expected=f"a sheet with columns {list(required)}", got=book.sheetnames)
    sheet, header_row, names = best
    missing = [c for c in required if c not in names]
    raise MissingInputError(f"columns {missing} not found in the header", path=path, sheet=sheet, row=header_row,
                            expected=f"columns {list(required)}", got=[n for n in names if n])


def _frame(rows: list[tuple], names: list[str], header_row: int, path: Path, sheet: str | None,
           required: tuple[str, ...]) -> pd.DataFrame:
    width = len(names)
    data = [[_cell_text(v) for v in r[:width]] + [""] * (width - len(r)) for r in rows]
    df = pd.DataFrame(data, columns=names, dtype=object)
    df["_row"] = np.arange(header_row + 1, header_row + 1 + len(df))
    blank = (df[list(required)] == "").all(axis=1)
    return df[~blank].reset_index(drop=True)


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """A CSV (optionally gzip-compressed, optionally with a UTF-8 BOM) as text, with a 1-based ``_row``."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", compression="infer")
    except _READ_ERRORS as exc:
        raise IngestError(f"cannot read the file ({type(exc).__name__}: {exc})", path=path,
                          expected="a complete CSV file (is it truncated or corrupted?)") from exc
    df.columns = [str(c).strip() for c in df.columns]
    upper = {c.upper(): c for c in df.columns}
    missing = [c for c in required if c not in df.columns and c.upper() not in upper]
    if missing:
        raise MissingInputError(f"columns {missing} not found in the header", path=path, row=1,
                                expected=f"columns {list(required)}", got=list(df.columns))
    df = df.rename(columns={upper[c.upper()]: c for c in required if c not in df.columns})
    for c in df.columns:
        df[c] = df[c].str.strip()
    df["_row"] = np.arange(2, 2 + len(df))
    return df


def _year(path: Path, sheet: str | None) -> int:
    """The May reference year, from the sheet name (``national_M2024_dl``) or the file name (``May2021``)."""
    for text in (sheet, path.name):
        if not text:
            continue
        m = _YEAR_IN_NAME.search(text)
        if m:
            return int(m.group(1) or m.group(2))
    raise IngestError("cannot tell the May reference year", path=path, sheet=sheet,
                      expected="a sheet or file name with M<year> or May<year> (as BLS names them)", got=path.name)


# ------------------------------------------------------------------------------------------ per-file readers
def _pit(df: pd.DataFrame, year: int) -> pd.DataFrame:
    df["year"] = year
    df["ref_period"] = f"{year}-05"
    df["published_date"] = pd.Timestamp(calendar.oews_published(year))
    df["vintage"] = f"M{year}"
    return df


def read_oews_file(path: Path) -> tuple[pd.DataFrame, str | None, int, bool]:
    """Any OEWS national file: (text frame with ``_row``, sheet or None, May year, is_flat_file).

    The format is told by content: an xlsx workbook, or a CSV (gzip or not) whose header has either the download
    layout (``NAICS``, ``O_GROUP`` ...) or the flat-file layout (``industry_code``, ``*_FOOTNOTE`` ...).
    """
    path = Path(path)
    if not path.exists():
        raise MissingInputError("input file not found", path=path)
    if zipfile.is_zipfile(path) or path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            df, sheet, _ = _read_xlsx(path, _XLSX_REQUIRED)
        except MissingInputError as exc:
            try:  # the May 2018 sector layout (module docstring)
                df, sheet, _ = _read_xlsx(path, _XLSX_LEGACY_REQUIRED)
            except MissingInputError:
                raise exc from None
            df = _from_legacy_layout(df, path, sheet)
        return df, sheet, _year(path, sheet), False
    try:
        with (gzip.open(path, "rt", encoding="utf-8-sig") if _is_gzip(path)
              else open(path, encoding="utf-8-sig")) as fh:
            header = fh.readline()
    except _READ_ERRORS as exc:
        raise IngestError(f"cannot read the file ({type(exc).__name__}: {exc})", path=path,
                          expected="a complete CSV or gzip-compressed CSV file") from exc
    flat = "industry_display_level" in header
    df = _read_csv(path, _FLAT_REQUIRED if flat else _XLSX_REQUIRED)
    return df, None, _year(path, None), flat


def _from_legacy_layout(df: pd.DataFrame, path: Path, sheet: str) -> pd.DataFrame:
    """A May 2018 sector file in the current download layout: ``O_GROUP`` = ``OCC_GROUP``, ``I_GROUP`` = sector
    (the only file of that layout we read is the sector x occupation file; a code that is not a sector is an
    error), ``OWN_CODE`` only where the code implies it (``99``: 123), else null."""
    codes = df["NAICS"].map(lambda c: _TRUNCATED_SECTORS.get(c, c))
    bad = ~codes.isin(SECTORS)
    if bad.any():
        i = bad[bad].index[0]
        raise IngestError(f"{int(bad.sum())} rows of a May 2018-layout file (no I_GROUP column) are not sectors",
                          path=path, sheet=sheet, row=int(df.at[i, "_row"]), column="NAICS",
                          expected=f"a NAICS sector code {', '.join(SECTORS)} (only natsector files have this "
                                   f"layout)", got=df.at[i, "NAICS"])
    out = df.rename(columns={"OCC_GROUP": "O_GROUP"})
    out["I_GROUP"] = "sector"
    out["OWN_CODE"] = codes.map(lambda c: _OWN_BY_CODE.get(c, ""))
    return out


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _o_group_flat(df: pd.DataFrame, problems: ProblemCollector) -> pd.Series:
    lvl = df["occupation_display_level"].astype(str)
    group = lvl.map({"0": "major", "1": "minor", "2": "broad", "3": "detailed"})
    group[(lvl == "0") & (df["OCC_CODE"] == "00-0000")] = "total"
    bad = group.isna()
    for idx in bad[bad].index[:3]:
        problems.add("unknown occupation display level", row=int(df.at[idx, "_row"]),
                     column="occupation_display_level", expected="0, 1, 2 or 3", got=lvl[idx])
    return group


def tidy_file(path: Path) -> tuple[pd.DataFrame, int, bool, str | None]:
    """One OEWS file as a tidy frame with every output column (industry columns included) and ``_row``."""
    df, sheet, year, flat = read_oews_file(path)
    problems = ProblemCollector(path=path, sheet=sheet)
    if flat:
        df = df.rename(columns={"occupation_name": "OCC_TITLE"})
        df["O_GROUP"] = _o_group_flat(df, problems)
    _check_codes(df.assign(O_GROUP=df["O_GROUP"].fillna("")), problems)
    measures = _measures(df, problems, flat=flat)
    industry = _industry_columns(df, problems, flat=flat)
    out = pd.concat([industry, df[["OCC_CODE", "OCC_TITLE", "O_GROUP", "_row"]], measures], axis=1)
    out = out.rename(columns={"OCC_CODE": "occ_code", "OCC_TITLE": "occ_title", "O_GROUP": "o_group"})
    problems.raise_if_any()
    return _pit(out, year), year, flat, sheet


def _national_rows(tidy: pd.DataFrame, path: Path, sheet: str | None) -> pd.DataFrame:
    """The cross-industry all-ownership rows (``000000``) of a file."""
    rows = tidy[tidy["industry_code"] == "000000"]
    if rows.empty:
        raise IngestError("no cross-industry rows (industry 000000)", path=path, sheet=sheet,
                          column="NAICS", expected="rows with NAICS 000000 (cross-industry national estimates)")
    return rows


# ------------------------------------------------------------------------------------------------------ parse
def parse(inputs: Mapping[str, Path], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """``oews_national`` and ``oews_industry`` from every given input (module docstring)."""
    say = progress_or_noop(progress)
    national, industry = [], []
    seen: dict[tuple[str, int], Path] = {}
    for name in sorted(inputs):
        path = Path(inputs[name])
        say(f"oews: reading {path.name}")
        tidy, year, flat, sheet = tidy_file(path)
        kinds = ["national"] if name.startswith("national") else ["industry"] + (["national"] if flat else [])
        for kind in kinds:
            if (kind, year) in seen:
                raise IngestError(f"two inputs give {kind} estimates for May {year}", path=path, sheet=sheet,
                                  expected=f"one file per year (the other is {seen[(kind, year)].name})")
            seen[(kind, year)] = path
        if "national" in kinds:
            rows = _national_rows(tidy, path, sheet)
            national.append(NATIONAL.validate(rows, path=path, sheet=sheet))
        if "industry" in kinds:
            industry.append(INDUSTRY.validate(tidy, path=path, sheet=sheet))
    if not national:
        raise MissingInputError("no national OEWS input given", expected=f"inputs {sorted(INPUTS)}")
    return {"oews_national": pd.concat(national, ignore_index=True).sort_values(["year", "occ_code", "o_group"],
                                                                                ignore_index=True),
            "oews_industry": (pd.concat(industry, ignore_index=True) if industry
                              else INDUSTRY.validate(pd.DataFrame(columns=INDUSTRY.column_names)))}


# ------------------------------------------------------------------------------------------------ helpers
def detailed_totals(df: pd.DataFrame, by: tuple[str, ...] = ("year",)) -> pd.DataFrame:
    """Sum of ``employment`` over the ``detailed`` rows only, per group ``by``.

    ``employment_detailed = Σ_{o_group = detailed} employment`` with unpublished cells (NaN, status not
    ``reported``) contributing nothing. Columns: ``by``..., ``employment_detailed``, ``n_detailed`` (rows),
    ``n_unpublished`` (detailed rows whose employment is not published: their jobs are in the total but not in
    the sum, so the sum is a lower bound of the published total). Never sum other ``o_group`` levels: every
    aggregate level double counts the detailed rows, and OEWS aggregates such as ``13-1020`` appear as both
    ``broad`` and ``detailed``.
    """
    d = df[df["o_group"] == "detailed"]
    g = d.groupby(list(by), dropna=False)
    return pd.DataFrame({
        "employment_detailed": g["employment"].sum(min_count=0),
        "n_detailed": g.size(),
        "n_unpublished": g["employment"].apply(lambda s: int(s.isna().sum())),
    }).reset_index()


SOURCE = Source(
    name="oews",
    parser_version=PARSER_VERSION,
    description="BLS OEWS national estimates: cross-industry May 2021-2025, sector x occupation May 2018 and "
                "2022-2024, "
                "all NAICS levels May 2025",
    inputs=INPUTS,
    parse=parse,
    schemas=SCHEMAS,
    urls=URLS,
    licence="Public domain (U.S. federal government work). Cite: U.S. Bureau of Labor Statistics, Occupational "
            "Employment and Wage Statistics, May <year>.",
)
