"""Monthly activity indicators for nowcasting: FRED-MD (vintage 2025-12) and the Fed's G.17 industrial production.

Sources (``data/snapshot/market/macro/PROVENANCE_more.md``):

* **FRED-MD** (McCracken & Ng 2016, St. Louis Fed), vintage 2025-12: 126 monthly US series 1959-01 .. 2025-11 in
  one CSV (first column ``sasdate`` as ``M/D/YYYY``, first of the month), beside a one-row file of McCracken-Ng
  transformation codes (1 level, 2 diff, 4 log, 5 log-diff, 6 log 2nd diff, 7 pct-change diff). The last months are
  ragged (Oct-Nov 2025 partly missing, as published): blanks are dropped, never filled.
* **G.17** industrial production, major industry groups (Federal Reserve data-download format: five header rows
  ``Series Description``, ``Unit:``, ``Multiplier:``, ``Currency:``, ``Unique Identifier:``, then ``Time Period``
  and the series ids such as ``IP.G334.S``), monthly 2000-01 .. 2026-02, index 2017 = 100, seasonally adjusted
  (``.S``) and not (``.N``).

Tidy table ``macro_monthly``: one row per (source, series, month) with ``value`` in the unit of ``unit``.

Point in time. Both files are single vintages (values as of their download, later revisions included; see
:data:`ingest.calendar.SNAPSHOT_VINTAGE_NOTE`), so each month carries its *first-release date* by the series'
release calendar, as a fixed lag after the end of the observed month (:data:`RELEASE_LAGS`, the first matching rule
wins; conservative where the official day moves):

=================================================  ==========  ==========================================
series                                              lag (days)  release
=================================================  ==========  ==========================================
financial markets, rates, spreads, FX, S&P, VIX      1          daily data, month complete at month end
UMCSENTx (Michigan sentiment, final)                 1          last Friday of the month
CLAIMSx (initial claims)                             5          weekly, Thursdays
Employment Situation (payrolls, hours, UNRATE ...)   10         first Friday of the next month
CPI, PPI, oil price                                  15         mid-month (CPI ~10th-15th)
RETAILx (advance retail sales)                       16         ~15th
G.17 and FRED-MD industrial production, capacity     17         ~15th-17th
housing starts and permits                           19         ~17th-19th
personal income and outlays (RPI, PCE, PCEPI)        30         end of the next month
orders, inventories, M&T sales (Census M3)           35         full M3, ~5 weeks
money and credit (H.6, H.8, G.19)                    40         conservative bound
anything else                                        45         conservative default
=================================================  ==========  ==========================================

Quirks handled: a FRED-MD header that is not ``sasdate``, a transform row whose series do not match the data
columns, unparseable dates, non-numeric cells (named by row and column), duplicated months, a G.17 file without its
``Time Period`` row or with non-monthly periods.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from .errors import IngestError, MissingInputError, ProblemCollector
from .registry import Progress, Source, progress_or_noop
from .schemas import Column, schema

PARSER_VERSION = "1"

#: (regex on the series id, lag in days after the end of the observed month, release); first match wins.
RELEASE_LAGS: tuple[tuple[str, int, str], ...] = (
    (r"^(FEDFUNDS|CP3Mx|TB3MS|TB6MS|GS1|GS5|GS10|AAA|BAA|COMPAPFFx|TB3SMFFM|TB6SMFFM|T1YFFM|T5YFFM|T10YFFM|AAAFFM|"
     r"BAAFFM|TWEXAFEGSMTHx|EX[A-Z]+x|S&P.*|VIXCLSx)$", 1, "financial markets (daily data)"),
    (r"^UMCSENTx$", 1, "University of Michigan sentiment, final"),
    (r"^CLAIMSx$", 5, "DOL initial claims, weekly"),
    (r"^(PAYEMS|USGOOD|CES\d+|USCONS|MANEMP|DMANEMP|NDMANEMP|SRVPRD|USTPU|USWTRADE|USTRADE|USFIRE|USGOVT|AWOTMAN|"
     r"AWHMAN|UNRATE|UEMP\w+|CLF16OV|CE16OV)$", 10, "BLS Employment Situation, first Friday"),
    (r"^(CPI\w+|CUSR\w+|WPS\w+|PPICMM|OILPRICEx)$", 15, "BLS CPI / PPI, mid-month"),
    (r"^RETAILx$", 16, "Census advance retail sales"),
    (r"^(INDPRO|IP\w+|CUMFNS|IP\.\w+\.[SN])$", 17, "Federal Reserve G.17, mid-month"),
    (r"^(HOUST\w*|PERMIT\w*)$", 19, "Census new residential construction"),
    (r"^(RPI|W875RX1|DPCERA3M086SBEA|PCEPI|DDURRG3M086SBEA|DNDGRG3M086SBEA|DSERRG3M086SBEA)$", 30,
     "BEA personal income and outlays"),
    (r"^(ACOGNO|AMDMNOx|ANDENOx|AMDMUOx|BUSINVx|ISRATIOx|CMRMTSPLx)$", 35, "Census M3 / manufacturing and trade"),
    (r"^(M1SL|M2SL|M2REAL|BOGMBASE|TOTRESNS|NONBORRES|BUSLOANS|REALLN|NONREVSL|CONSPI|DTCOLNVHFNM|DTCTHFNM|"
     r"INVEST)$", 40, "Federal Reserve H.6 / H.8 / G.19"),
)
DEFAULT_LAG_DAYS = 45

TRANSFORM_CODES = {1: "level", 2: "diff", 3: "second diff", 4: "log", 5: "log diff", 6: "log second diff",
                   7: "pct-change diff"}

INPUTS: dict[str, str] = {
    "fredmd": "market/macro/fredmd/fred_md_2025-12.csv",
    "fredmd_transforms": "market/macro/fredmd/fred_md_2025-12_transforms.csv",
    "g17": "market/macro/g17/FRB_G17_major_industry_groups_2000_2026.csv",
}
URLS = {
    "fredmd": "https://www.stlouisfed.org/research/economists/mccracken/fred-databases (2025-12 vintage)",
    "fredmd_transforms": "https://www.stlouisfed.org/research/economists/mccracken/fred-databases",
    "g17": "https://www.federalreserve.gov/datadownload/Choose.aspx?rel=G17 (IP major industry groups)",
}
LICENCE = ("FRED-MD: free to use with citation (McCracken and Ng 2016, JBES); G.17: Federal Reserve data, public "
           "domain.")

C = Column
SCHEMAS = {
    "macro_monthly": schema("macro_monthly", [
        C("source", "str", description="fredmd | g17"),
        C("series_id", "str", description="FRED-MD mnemonic or G.17 series id (e.g. IP.G334.S)"),
        C("month", "date", description="first day of the observed month"),
        C("value", "float", description="in the series' unit"),
        C("unit", "str"),
        C("transform_code", "int", nullable=True,
          description="McCracken-Ng stationarity transform (FRED-MD only): 1 level .. 7 pct-change diff"),
        C("description", "str", nullable=True),
        C("release_lag_days", "int", description="days after the month end at which the month is first public"),
    ], key=["source", "series_id", "month"],
        description="Monthly activity indicators (FRED-MD 2025-12 vintage, G.17 IP by industry group); one "
                    "vintage each: first-release dates by each series' release lag"),
}


def release_lag_days(series_id: str) -> int:
    """Days after the end of the observed month at which a series' month is first published (module table)."""
    for pattern, lag, _ in RELEASE_LAGS:
        if re.match(pattern, series_id):
            return lag
    return DEFAULT_LAG_DAYS


def published_dates(months: pd.Series, lags: pd.Series) -> pd.Series:
    """``month end + lag`` for first-of-month dates and integer lags (days)."""
    ends = pd.to_datetime(months) + pd.offsets.MonthEnd(0)
    return ends + pd.to_timedelta(lags.astype("int64"), unit="D")


def _numeric(raw: pd.DataFrame, problems: ProblemCollector, rows: np.ndarray) -> pd.DataFrame:
    out = raw.apply(lambda s: pd.to_numeric(s.str.strip().replace({"": None}), errors="coerce"))
    bad = out.isna() & raw.apply(lambda s: s.str.strip().ne("") & s.notna())
    for j, col in enumerate(raw.columns):
        for i in np.flatnonzero(bad[col].to_numpy())[:3]:
            problems.add("value is not a number", row=int(rows[i]), column=str(col), expected="a number or blank",
                         got=raw.iat[i, j])
    return out


def read_fredmd(path: Path, transforms_path: Path) -> pd.DataFrame:
    """FRED-MD vintage CSV + its transform row -> long rows (blanks dropped: the ragged edge as published)."""
    path, transforms_path = Path(path), Path(transforms_path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        tf = pd.read_csv(transforms_path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise IngestError(f"cannot read FRED-MD CSV: {exc}", path=path) from exc
    if not len(df.columns) or df.columns[0].strip().lower() != "sasdate":
        raise MissingInputError("not a FRED-MD file", path=path, row=1, column=str(df.columns[0]) if len(df.columns)
                                else None, expected="first column 'sasdate'", got=list(df.columns[:3]))
    if df.iloc[:1, 0].str.startswith("Transform").any():  # some vintages carry the transform row in the data file
        tf = df.iloc[:1].copy()
        df = df.iloc[1:]
        first_row = 3
    else:
        first_row = 2
    if not len(tf) or tf.columns[0].strip().lower() != "sasdate":
        raise MissingInputError("not a FRED-MD transform file", path=transforms_path, row=1,
                                expected="header 'sasdate,<series>...' and a 'Transform:' row",
                                got=list(tf.columns[:3]))
    series = [c.strip() for c in df.columns[1:]]
    tf_series = [c.strip() for c in tf.columns[1:]]
    missing = [s for s in series if s not in tf_series]
    if missing:
        raise IngestError("transform file lacks series of the data file", path=transforms_path, row=1,
                          expected=f"a code for every series ({len(series)})", got=missing[:5])
    codes = dict(zip(tf_series, tf.iloc[0, 1:].str.strip().str.strip('"')))
    problems = ProblemCollector(path=path)
    rows = np.arange(first_row, len(df) + first_row)
    dates = pd.to_datetime(df.iloc[:, 0].str.strip(), format="%m/%d/%Y", errors="coerce")
    for i in np.flatnonzero(dates.isna().to_numpy())[:3]:
        problems.add("date does not parse", row=int(rows[i]), column="sasdate", expected="M/D/YYYY",
                     got=df.iloc[i, 0])
    for i in np.flatnonzero((dates.notna() & (dates.dt.day != 1)).to_numpy())[:3]:
        problems.add("monthly observation not dated the first of the month", row=int(rows[i]), column="sasdate",
                     expected="M/1/YYYY", got=df.iloc[i, 0])
    dup = dates.duplicated(keep=False) & dates.notna()
    for i in np.flatnonzero(dup.to_numpy())[:2]:
        problems.add("duplicated month", row=int(rows[i]), column="sasdate", expected="one row per month",
                     got=df.iloc[i, 0])
    values = _numeric(df.iloc[:, 1:].set_axis(series, axis=1), problems, rows)
    for s, code in codes.items():
        if s in series and not re.fullmatch(r"[1-7]", code):
            problems.add(f"unknown transform code in {transforms_path.name}", row=2, column=s, expected="1..7",
                         got=code)
    problems.raise_if_any()
    values.index = dates.to_numpy()
    long = values.stack().rename("value").dropna().reset_index()
    long.columns = ["month", "series_id", "value"]
    long["source"] = "fredmd"
    long["unit"] = "fred-md native units (see FRED)"
    long["transform_code"] = long["series_id"].map(lambda s: int(codes[s]))
    long["description"] = long["transform_code"].map(lambda c: f"McCracken-Ng transform {c}: {TRANSFORM_CODES[c]}")
    return long


def read_g17(path: Path) -> pd.DataFrame:
    """Federal Reserve data-download CSV (5 header rows + ``Time Period`` row) -> long rows."""
    path = Path(path)
    try:
        raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise IngestError(f"cannot read G.17 CSV: {exc}", path=path) from exc
    head = raw.iloc[:, 0].str.strip()
    where = np.flatnonzero(head.eq("Time Period").to_numpy())
    if not len(where):
        raise MissingInputError("not a Federal Reserve data-download file", path=path, column="A",
                                expected="a 'Time Period' header row after the description rows",
                                got=list(head[:6]))
    h = int(where[0])
    ids = [c.strip() for c in raw.iloc[h, 1:]]
    meta = {head.iloc[i].rstrip(":").strip(): list(raw.iloc[i, 1:]) for i in range(h)}
    desc = meta.get("Series Description", [""] * len(ids))
    unit = meta.get("Unit", ["index"] * len(ids))
    body = raw.iloc[h + 1:]
    rows = np.arange(h + 2, h + 2 + len(body))
    problems = ProblemCollector(path=path)
    period = body.iloc[:, 0].str.strip()
    months = pd.to_datetime(period, format="%Y-%m", errors="coerce")
    for i in np.flatnonzero(months.isna().to_numpy())[:3]:
        problems.add("time period does not parse", row=int(rows[i]), column="Time Period", expected="YYYY-MM",
                     got=period.iloc[i])
    dup = months.duplicated(keep=False) & months.notna()
    for i in np.flatnonzero(dup.to_numpy())[:2]:
        problems.add("duplicated month", row=int(rows[i]), column="Time Period", expected="one row per month",
                     got=period.iloc[i])
    values = _numeric(body.iloc[:, 1:].set_axis(ids, axis=1).replace({"ND": "", "NA": ""}), problems, rows)
    problems.raise_if_any()
    values.index = months.to_numpy()
    long = values.stack().rename("value").dropna().reset_index()
    long.columns = ["month", "series_id", "value"]
    long["source"] = "g17"
    long["unit"] = long["series_id"].map(dict(zip(ids, [u.strip() for u in unit])))
    long["transform_code"] = pd.NA
    long["description"] = long["series_id"].map(dict(zip(ids, [d.strip() for d in desc])))
    return long


def _with_pit(long: pd.DataFrame, vintage: str) -> pd.DataFrame:
    long = long.copy()
    long["release_lag_days"] = long["series_id"].map(release_lag_days).astype("int64")
    long["ref_period"] = pd.to_datetime(long["month"]).dt.strftime("%Y-%m")
    long["published_date"] = published_dates(long["month"], long["release_lag_days"])
    long["vintage"] = vintage
    return long


def parse(inputs: Mapping[str, Path], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    say = progress_or_noop(progress)
    say("macro: FRED-MD")
    fm = read_fredmd(inputs["fredmd"], inputs["fredmd_transforms"])
    fm = _with_pit(fm, f"fred-md-{Path(inputs['fredmd']).stem.split('_')[-1]}")
    say("macro: G.17 industrial production")
    g = read_g17(inputs["g17"])
    g = _with_pit(g, f"g17-download-to-{pd.Timestamp(g['month'].max()).strftime('%Y-%m')}")
    return {"macro_monthly": pd.concat([fm, g], ignore_index=True)}


SOURCE = Source(
    name="macro",
    parser_version=PARSER_VERSION,
    description="Monthly activity indicators: FRED-MD (2025-12 vintage) and G.17 industrial production by "
                "industry group",
    inputs=INPUTS,
    parse=parse,
    schemas=SCHEMAS,
    urls=URLS,
    licence=LICENCE,
)
