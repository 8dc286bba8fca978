r"""Real-time vintages of US macro series (Philadelphia Fed Real-Time Data Set for Macroeconomists, RTDSM).

Source (``data/snapshot/market/macro/PROVENANCE_more.md``, section ``realtime/``): one workbook per variable, one
sheet, a vintage matrix: first column ``DATE`` holds the observation period (``1947:Q1`` quarterly, ``1939:01`` or
``1947:M01`` monthly), every other column is a vintage named ``<VARIABLE><YY>M<m>`` (monthly vintages, e.g.
``EMPLOY24M3``) or ``<VARIABLE><YY>Q<q>`` (quarterly vintages, e.g. ``ROUTPUT09Q1``); a cell is the value of the
observation as published in that vintage, ``#N/A`` = not yet published (or not carried) in that vintage.

=================  =============================  ====================================================
file               variable                       vintages
=================  =============================  ====================================================
employMvMd.xlsx    EMPLOY nonfarm payrolls,        monthly 1964M12 .. 2024M3 (thousands, SA)
                   thousands
cpiQvMd.xlsx       CPI (all items, SA index)       quarterly columns 1965Q4 .. 2024Q1 (values from 1994Q3),
                                                  monthly observations
cutMvMd.xlsx       CUT capacity utilisation, %     monthly 1983M7 .. 2024M3
ROUTPUTQvQd.xlsx   ROUTPUT real GDP, chained USD   quarterly 1965Q4 .. 2024Q1, quarterly observations
                   billions SAAR
=================  =============================  ====================================================

**Vintage dates.** The RTDSM takes its monthly vintages in the middle of the month and its quarterly vintages in
the middle of the quarter's second month (RTDSM documentation; the provenance check agrees: vintage 2009Q1 carries
the advance estimate of 2008Q4 released 2009-01-30 and not the preliminary one of 2009-02-27). A vintage is dated the
15th of that month (``published_date``): every value in the column was public by then.

**Storage: revisions only.** Most cells repeat the previous vintage. The table ``realtime_vintages`` keeps a cell
only when the observation is new or its value differs from the previous vintage's, so the value of observation
``o`` as known on date ``D`` is the row of ``o`` with the latest ``published_date <= D``
(:func:`value_as_of`). A cell that turns ``#N/A`` in a later vintage keeps its last published value (the RTDSM
marks missing reports that way; the official series did not un-publish).

Quirks handled: a header without ``DATE``, a vintage name that does not parse (named by column), observation
periods that are neither ``YYYY:Qq`` nor ``YYYY:MM``/``YYYY:Mmm`` (named by row), non-numeric cells other than
``#N/A`` (row and column named), duplicated observation rows, vintages out of order.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from .errors import MissingInputError, ProblemCollector
from .registry import Progress, Source, progress_or_noop
from .schemas import Column, schema
from .xlsxgrid import read_grid

PARSER_VERSION = "1"
VINTAGE_DAY = 15

INPUTS: dict[str, str] = {
    "employ": "market/macro/realtime/employMvMd.xlsx",
    "cpi": "market/macro/realtime/cpiQvMd.xlsx",
    "cut": "market/macro/realtime/cutMvMd.xlsx",
    "routput": "market/macro/realtime/ROUTPUTQvQd.xlsx",
}
#: input -> (variable, unit)
VARIABLES: dict[str, tuple[str, str]] = {
    "employ": ("EMPLOY", "thousands of jobs, SA"),
    "cpi": ("CPI", "index 1982-84=100, SA"),
    "cut": ("CUT", "percent of capacity, SA"),
    "routput": ("ROUTPUT", "billions of chained dollars, SAAR"),
}
#: FRED-MD mnemonic of the same concept, for the nowcaster's real-time substitution (:mod:`gnn.nowcast`)
FREDMD_EQUIVALENT = {"EMPLOY": "PAYEMS", "CPI": "CPIAUCSL", "CUT": "CUMFNS"}
URLS = {k: "https://www.philadelphiafed.org/surveys-and-data/real-time-data-research/real-time-data-set-for-"
           "macroeconomists" for k in INPUTS}
LICENCE = "Federal Reserve Bank of Philadelphia, Real-Time Data Set for Macroeconomists: free to use with citation."

C = Column
SCHEMAS = {
    "realtime_vintages": schema("realtime_vintages", [
        C("variable", "str", description="RTDSM variable: EMPLOY, CPI, CUT, ROUTPUT"),
        C("obs_period", "str", description="observation: YYYY-MM (monthly) or YYYYQq (quarterly)"),
        C("frequency", "str", description="M or Q (of the observation)"),
        C("value", "float", description="in `unit`, as published in the vintage"),
        C("unit", "str"),
        C("vintage_date", "date", description="the 15th of the vintage month (mid-quarter month for Q vintages)"),
    ], key=["variable", "vintage", "obs_period"],
        description="Philadelphia Fed real-time vintages, revisions only: a row where an observation is new or "
                    "revised in a vintage; value as of D = latest row with published_date <= D"),
}


def vintage_date(name: str, variable: str) -> pd.Timestamp | None:
    """``EMPLOY24M3`` -> 2024-03-15; ``ROUTPUT09Q1`` -> 2009-02-15 (None when the name does not parse)."""
    m = re.fullmatch(re.escape(variable) + r"(\d{2})([MQ])(\d{1,2})", name.strip())
    if not m:
        return None
    yy, kind, k = int(m.group(1)), m.group(2), int(m.group(3))
    year = 1900 + yy if yy >= 60 else 2000 + yy
    if kind == "M":
        if not 1 <= k <= 12:
            return None
        return pd.Timestamp(year, k, VINTAGE_DAY)
    if not 1 <= k <= 4:
        return None
    return pd.Timestamp(year, 3 * k - 1, VINTAGE_DAY)


def parse_period(text: str) -> tuple[str, str] | None:
    """``1947:Q1`` -> (``1947Q1``, Q); ``1939:01`` / ``1947:M01`` -> (``1939-01``, M); None when it does not parse."""
    s = str(text).strip()
    m = re.fullmatch(r"(\d{4}):Q([1-4])", s)
    if m:
        return f"{m.group(1)}Q{m.group(2)}", "Q"
    m = re.fullmatch(r"(\d{4}):M?(\d{2})", s)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}-{m.group(2)}", "M"
    return None


def read_vintage_matrix(path: Path, variable: str, unit: str) -> pd.DataFrame:
    """One RTDSM workbook -> revision rows (module docstring)."""
    path = Path(path)
    raw = pd.DataFrame(read_grid(path, 0)[1])
    if raw.empty or str(raw.iat[0, 0]).strip().upper() != "DATE":
        raise MissingInputError("not an RTDSM vintage matrix", path=path, row=1, column="A",
                                expected="header 'DATE' then one column per vintage",
                                got=None if raw.empty else raw.iat[0, 0])
    problems = ProblemCollector(path=path)
    names = [str(v).strip() for v in raw.iloc[0, 1:]]
    dates = []
    for j, name in enumerate(names):
        d = vintage_date(name, variable)
        if d is None:
            problems.add("vintage name does not parse", row=1, column=get_column_letter(j + 2),
                         expected=f"{variable}<YY>M<m> or {variable}<YY>Q<q>", got=name)
        dates.append(d)
    ok_dates = [d for d in dates if d is not None]
    if any(b <= a for a, b in zip(ok_dates, ok_dates[1:])):
        problems.add("vintages are not in date order", row=1, expected="increasing vintages left to right")
    body = raw.iloc[1:]
    periods = [parse_period(v) for v in body.iloc[:, 0]]
    for i, p in enumerate(periods):
        if p is None:
            problems.add("observation period does not parse", row=i + 2, column="A",
                         expected="YYYY:Qq or YYYY:MM", got=body.iat[i, 0])
    labels = pd.Series([p[0] if p else None for p in periods])
    dup = labels.duplicated(keep=False) & labels.notna()
    for i in np.flatnonzero(dup.to_numpy())[:2]:
        problems.add("duplicated observation", row=int(i) + 2, column="A", expected="one row per period",
                     got=body.iat[int(i), 0])
    cells = body.iloc[:, 1:].to_numpy()
    flat = pd.Series(cells.ravel()).replace({"#N/A": None, "": None})
    num = pd.to_numeric(flat, errors="coerce")
    v = num.to_numpy(dtype=float).reshape(cells.shape)
    for k in np.flatnonzero((num.isna() & flat.notna()).to_numpy())[:3]:
        i, j = divmod(int(k), cells.shape[1])
        problems.add("value is not a number", row=i + 2, column=get_column_letter(j + 2), expected="a number or #N/A",
                     got=cells[i, j])
    problems.raise_if_any()
    prev = np.full(v.shape[0], np.nan)
    obs, vals, vint, vdates = [], [], [], []
    for j in range(v.shape[1]):
        col = v[:, j]
        new = np.isfinite(col) & ~(np.isfinite(prev) & np.isclose(col, prev, rtol=0, atol=1e-9))
        idx = np.flatnonzero(new)
        obs.append(idx)
        vals.append(col[idx])
        vint.extend([names[j]] * len(idx))
        vdates.extend([dates[j]] * len(idx))
        prev = np.where(np.isfinite(col), col, prev)
    out = pd.DataFrame({"obs_period": labels.to_numpy()[np.concatenate(obs)], "value": np.concatenate(vals),
                        "vintage": vint, "vintage_date": vdates})
    out["variable"] = variable
    out["frequency"] = np.where(out["obs_period"].str.contains("Q"), "Q", "M")
    out["unit"] = unit
    out["ref_period"] = out["obs_period"]
    out["published_date"] = out["vintage_date"]
    return out



def value_as_of(table: pd.DataFrame, variable: str, date: str | pd.Timestamp) -> pd.Series:
    """The series ``variable`` as known on ``date``: per observation, the value of the latest vintage dated on or
    before ``date`` (empty when no vintage is that old)."""
    sel = table[(table["variable"] == variable) & (pd.to_datetime(table["published_date"]) <= pd.Timestamp(date))]
    sel = sel.sort_values("published_date")
    return sel.groupby("obs_period")["value"].last().sort_index()


def parse(inputs: Mapping[str, Path], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    say = progress_or_noop(progress)
    frames = []
    for key, (variable, unit) in VARIABLES.items():
        say(f"realtime: {variable} vintages")
        frames.append(read_vintage_matrix(inputs[key], variable, unit))
    return {"realtime_vintages": pd.concat(frames, ignore_index=True)}


SOURCE = Source(
    name="realtime",
    parser_version=PARSER_VERSION,
    description="Philadelphia Fed real-time vintages (payrolls, CPI, capacity utilisation, real GDP): values as "
                "published on each vintage date",
    inputs=INPUTS,
    parse=parse,
    schemas=SCHEMAS,
    urls=URLS,
    licence=LICENCE,
)
