r"""Longer monthly industry history for the nowcaster: BLS CES employment by industry and Census retail sales.

Sources (read the PROVENANCE files beside them in ``data/snapshot``):

* **BLS Current Employment Statistics** (``bls/ces/``): 148 "All employees, thousands" series, **not seasonally
  adjusted** (``CEU...``), total private and supersectors from 1939, most 3-6 digit NAICS industries from 1990, last
  month 2019-09. One tab-separated file: ``observation_date`` then one column per series named
  ``<SERIES_ID>_20191004`` (an ALFRED vintage of 2019-10-04: values as published that day, before the 2020 benchmark
  revision); empty cell = not published for that month. The README lists each series' title.
* **Census Monthly Retail Trade** (``market/macro/census_mrts/``): one sheet per year 1992 .. 2024 (2024 through
  April, preliminary months marked ``(p)``), sales in USD millions, a ``NOT ADJUSTED`` block then an ``ADJUSTED(2)``
  block (seasonal, holiday and trading-day adjusted, not price adjusted), rows by NAICS kind of business (``441``,
  ``4411,4412``, ``722513, 722514, 722515`` ...) plus total rows without a code; ``(S)`` = suppressed, ``(NA)`` = not
  available (both dropped); ``CY CUM``/``PY CUM``/``TOTAL`` columns skipped.

Point in time. Each file is one vintage (CES: ALFRED 2019-10-04; MRTS: the 2024 download); a month carries its
first-release date by the release calendar, as a lag after the end of the month (the same convention as
:mod:`ingest.macro`): CES, BLS Employment Situation, first Friday: 10 days. MRTS: kinds of business at 3 digits or
less and the total rows come in the Census *advance* report about the 16th of the next month (16 days); finer codes
only in the full Monthly Retail Trade report about six weeks after the month (45 days).

Tables: ``ces_employment`` (series, month, thousands of jobs, NSA) and ``census_retail`` (kind of business, month,
adjusted flag, USD millions).

Quirks handled: a CES header that is not ``observation_date`` or a series column without the ``_YYYYMMDD`` vintage
suffix (named by column), unparseable dates and non-numeric cells (row and column), duplicated months; an MRTS sheet
without its month header row or its ``NOT ADJUSTED``/``ADJUSTED`` markers (named by sheet), a month label that does not
parse, a non-numeric cell other than ``(S)``/``(NA)``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from .errors import IngestError, MissingInputError, ProblemCollector
from .registry import Progress, Source, progress_or_noop
from .schemas import Column, schema
from .xlsxgrid import read_grid

PARSER_VERSION = "1"
CES_LAG_DAYS = 10
MRTS_ADVANCE_LAG_DAYS = 16
MRTS_FULL_LAG_DAYS = 45

INPUTS: dict[str, str] = {
    "ces": "bls/ces/US_employment_fpp3_Monthly.txt",
    "ces_readme": "bls/ces/US_employment_fpp3_README.txt",
    "mrts": "market/macro/census_mrts/mrtssales92-present.xlsx",
}
URLS = {
    "ces": "https://alfred.stlouisfed.org (CES CEU series, vintage 2019-10-04); https://www.bls.gov/ces/",
    "ces_readme": "https://research.stlouisfed.org/pdl/1215",
    "mrts": "https://www.census.gov/retail/sales.html (mrtssales92-present.xlsx)",
}
LICENCE = "BLS and Census data: US government works, public domain."

C = Column
SCHEMAS = {
    "ces_employment": schema("ces_employment", [
        C("series_id", "str", description="CES series id, e.g. CEU3133400001 (NSA, all employees)"),
        C("title", "str", nullable=True, description="series title from the README"),
        C("month", "date", description="first day of the observed month"),
        C("employment_thousands", "float", description="all employees, thousands, not seasonally adjusted"),
        C("release_lag_days", "int", description="days after the month end of the first release"),
    ], key=["series_id", "month"],
        description="BLS CES employment by industry (NSA), ALFRED vintage 2019-10-04, first-release dates"),
    "census_retail": schema("census_retail", [
        C("naics_code", "str", nullable=True, description="NAICS kind of business as printed (e.g. 441, '4411,4412'); "
                                                          "null for total rows"),
        C("kind_of_business", "str"),
        C("adjusted", "bool", description="seasonally (and holiday, trading-day) adjusted block"),
        C("month", "date", description="first day of the observed month"),
        C("sales_usd_millions", "float"),
        C("preliminary", "bool", description="month marked (p) in the file"),
        C("release_lag_days", "int", description="16 (advance report) or 45 (full MRTS)"),
    ], key=["adjusted", "kind_of_business", "naics_code", "month"],
        description="Census monthly retail and food services sales by kind of business, USD millions"),
}

_MONTHS = {m: i + 1 for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                           "Nov", "Dec"])}
_MONTH_LABEL = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.?\s+(\d{4})\s*(\(p\))?$")


def read_ces_titles(path: Path) -> dict[str, str]:
    """Series id -> title from the ALFRED README (``Series ID`` block, then ``Title`` block)."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    out = {}
    for m in re.finditer(r"\n([A-Z][A-Z0-9]{3,})\s+\d{4}-\d{2}-\d{2}.*?\nTitle\s*\n-+\n(.+?)\s{2,}\d{4}-\d{2}-\d{2}",
                         text, re.S):
        out[m.group(1)] = m.group(2).strip()
    return out


def read_ces(path: Path, titles: Mapping[str, str] | None = None) -> pd.DataFrame:
    path = Path(path)
    try:
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise IngestError(f"cannot read the CES file: {exc}", path=path) from exc
    if not len(df.columns) or df.columns[0].strip() != "observation_date":
        raise MissingInputError("not an ALFRED CES download", path=path, row=1,
                                column=str(df.columns[0]) if len(df.columns) else None,
                                expected="first column 'observation_date'", got=list(df.columns[:2]))
    problems = ProblemCollector(path=path)
    ids = []
    for c in df.columns[1:]:
        m = re.fullmatch(r"([A-Z][A-Z0-9]{3,})_(\d{8})", c.strip())
        if not m:
            problems.add("series column name does not parse", row=1, column=c,
                         expected="<series id>_<YYYYMMDD vintage>, e.g. CEU3000000001_20191004")
            ids.append(c)
        else:
            ids.append(m.group(1))
    rows = np.arange(2, len(df) + 2)
    dates = pd.to_datetime(df.iloc[:, 0].str.strip(), format="%Y-%m-%d", errors="coerce")
    for i in np.flatnonzero((dates.isna() | (dates.dt.day != 1)).to_numpy())[:3]:
        problems.add("date does not parse as the first of a month", row=int(rows[i]), column="observation_date",
                     expected="YYYY-MM-01", got=df.iloc[i, 0])
    for i in np.flatnonzero((dates.duplicated(keep=False) & dates.notna()).to_numpy())[:2]:
        problems.add("duplicated month", row=int(rows[i]), column="observation_date", expected="one row per month",
                     got=df.iloc[i, 0])
    raw = df.iloc[:, 1:]
    values = raw.apply(lambda s: pd.to_numeric(s.str.strip().replace({"": None, ".": None}), errors="coerce"))
    bad = values.isna() & raw.apply(lambda s: ~s.str.strip().isin(["", "."]))
    for j, col in enumerate(raw.columns):
        for i in np.flatnonzero(bad[col].to_numpy())[:3]:
            problems.add("value is not a number", row=int(rows[i]), column=col, expected="a number or blank",
                         got=raw.iat[i, j])
    problems.raise_if_any()
    values.columns = ids
    values.index = dates.to_numpy()
    long = values.stack().rename("employment_thousands").dropna().reset_index()
    long.columns = ["month", "series_id", "employment_thousands"]
    long["title"] = long["series_id"].map(dict(titles or {}))
    long["release_lag_days"] = CES_LAG_DAYS
    long["vintage"] = "alfred-" + df.columns[1].strip()[-8:]
    return long


def _mrts_sheet(path: Path, sheet: str, grid: np.ndarray) -> pd.DataFrame:
    problems = ProblemCollector(path=path, sheet=sheet)
    g = pd.DataFrame(grid).apply(lambda s: s.map(lambda v: v.strip() if isinstance(v, str) else v))
    header = None
    for i in range(min(len(g), 12)):
        labels = [_MONTH_LABEL.match(str(v)) for v in g.iloc[i, 2:] if not _blank(v)]
        if sum(m is not None for m in labels) >= 1:
            header = i
            break
    if header is None:
        raise MissingInputError("no month header row", path=path, sheet=sheet, row=None,
                                expected="a row of month labels like 'Jan. 2015' in the first 12 rows")
    months: dict[int, tuple[pd.Timestamp, bool]] = {}
    for j in range(2, g.shape[1]):
        v = g.iat[header, j]
        if _blank(v) or v in ("CY CUM", "PY CUM", "TOTAL"):
            continue
        m = _MONTH_LABEL.match(str(v))
        if not m:
            problems.add("month label does not parse", row=header + 1, column=get_column_letter(j + 1),
                         expected="'Mon. YYYY' or 'Mon. YYYY(p)'", got=v)
            continue
        months[j] = (pd.Timestamp(int(m.group(2)), _MONTHS[m.group(1)], 1), m.group(3) is not None)
    kinds = g.iloc[:, 1].astype(object)
    starts = {str(k).upper().split("(")[0]: i for i, k in enumerate(kinds) if isinstance(k, str)
              and str(k).upper().startswith(("NOT ADJUSTED", "ADJUSTED"))}
    if "NOT ADJUSTED" not in starts or "ADJUSTED" not in starts:
        raise MissingInputError("sheet lacks its NOT ADJUSTED / ADJUSTED blocks", path=path, sheet=sheet, column="B",
                                expected="rows 'NOT ADJUSTED' and 'ADJUSTED(2)'", got=sorted(starts))
    out = []
    blocks = [(False, starts["NOT ADJUSTED"] + 1, starts["ADJUSTED"]), (True, starts["ADJUSTED"] + 1, len(g))]
    for adjusted, a, b in blocks:
        for i in range(a, b):
            kind = g.iat[i, 1]
            if _blank(kind) or not isinstance(kind, str):
                if adjusted:
                    break  # the footnotes follow a blank row
                continue
            code = None if _blank(g.iat[i, 0]) else str(g.iat[i, 0])
            for j, (month, prelim) in months.items():
                v = g.iat[i, j]
                if _blank(v) or v in ("(S)", "(NA)"):
                    continue
                try:
                    x = float(v)
                except (TypeError, ValueError):
                    problems.add("value is not a number", row=i + 1, column=get_column_letter(j + 1),
                                 expected="USD millions, (S) or (NA)", got=v)
                    continue
                out.append((code, kind, adjusted, month, x, prelim, i + 1))
    problems.raise_if_any()
    return pd.DataFrame(out, columns=["naics_code", "kind_of_business", "adjusted", "month", "sales_usd_millions",
                                      "preliminary", "_row"])


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v)



def mrts_lag(code: str | None) -> int:
    """Advance report (16 days) for total rows and codes of at most three digits, else the full MRTS (45 days)."""
    if not isinstance(code, str) or re.fullmatch(r"\d{1,3}", code):
        return MRTS_ADVANCE_LAG_DAYS
    return MRTS_FULL_LAG_DAYS


def read_mrts(path: Path) -> pd.DataFrame:
    import zipfile

    path = Path(path)
    try:
        with zipfile.ZipFile(path) as z:
            book = z.read("xl/workbook.xml").decode("utf-8")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise IngestError(f"cannot read the MRTS workbook: {exc}", path=path) from exc
    sheets = re.findall(r'<sheet [^>]*name="([^"]*)"', book)
    if not any(re.fullmatch(r"\d{4}", s) for s in sheets):
        raise MissingInputError("no yearly sheets", path=path, expected="sheets named by year (1992 .. 2024)",
                                got=sheets[:5])
    frames = []
    for k, name in enumerate(sheets):
        if not re.fullmatch(r"\d{4}", name):
            continue
        _, grid = read_grid(path, k)
        frames.append(_mrts_sheet(path, name, grid))
    out = pd.concat(frames, ignore_index=True)
    dup = out.duplicated(["adjusted", "kind_of_business", "naics_code", "month"], keep="last")
    out = out[~dup]  # a month repeated in two yearly sheets: the later sheet (newer revision) wins
    out["release_lag_days"] = out["naics_code"].map(mrts_lag).astype("int64")
    out["vintage"] = f"census-mrts-to-{out['month'].max():%Y-%m}"
    return out


def _pit(long: pd.DataFrame) -> pd.DataFrame:
    long = long.copy()
    months = pd.to_datetime(long["month"])
    long["ref_period"] = months.dt.strftime("%Y-%m")
    long["published_date"] = (months + pd.offsets.MonthEnd(0)
                              + pd.to_timedelta(long["release_lag_days"].astype("int64"), unit="D"))
    return long


def parse(inputs: Mapping[str, Path], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    say = progress_or_noop(progress)
    say("macro_history: BLS CES employment by industry")
    ces = _pit(read_ces(inputs["ces"], read_ces_titles(inputs["ces_readme"])))
    say("macro_history: Census monthly retail trade")
    mrts = _pit(read_mrts(inputs["mrts"]))
    return {"ces_employment": ces, "census_retail": mrts}


SOURCE = Source(
    name="macro_history",
    parser_version=PARSER_VERSION,
    description="Monthly industry history: BLS CES employment by industry (NSA, 1939-2019) and Census retail sales "
                "by kind of business (1992-2024)",
    inputs=INPUTS,
    parse=parse,
    schemas=SCHEMAS,
    urls=URLS,
    licence=LICENCE,
)
