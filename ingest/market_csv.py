"""Reading market CSV files with errors that name file, row and column.

Every market file is a CSV (plain, ``.gz`` or a single-CSV ``.zip``). A reader here does one thing and reports what
it could not do through :class:`ingest.errors.ProblemCollector` (row numbers are 1-based file lines: the header is
row 1, the first data row is row 2):

* :func:`_read_csv` / :func:`_read_text`: a truncated, corrupted or undecodable file becomes an :class:`IngestError`
  (a pandas parser error keeps the line it names); text falls back from UTF-8 to cp1252.
* :func:`parse_dates`: trading days from ISO dates, Yahoo tz-aware stamps (the first ten characters are the
  exchange-local day) or ``YYYY/M/D``; :func:`_numeric_frame`: columns to float64, junk reported cell by cell.
* :func:`_report_duplicates`, :func:`_report_nonpositive`: key and price checks (at most a few rows each, so an
  error stays readable).
* :func:`_pit`: stamps the point-in-time columns ``ref_period``, ``published_date``, ``vintage`` that every
  ingested table carries; :func:`_iso` formats many repeated dates by formatting the unique ones once.
"""
from __future__ import annotations

import gzip
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import IngestError, MissingInputError, ProblemCollector

_READ_ERRORS = (EOFError, OSError, zlib.error, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError,
                zipfile.BadZipFile)


def _read_csv(path: Path, **kwargs) -> pd.DataFrame:
    """``pd.read_csv`` that turns a truncated/corrupted/undecodable file into an :class:`IngestError`."""
    if not Path(path).exists():
        raise MissingInputError("input file not found", path=path)
    try:
        return pd.read_csv(path, **kwargs)
    except pd.errors.ParserError as exc:
        line = re.search(r"in line (\d+)", str(exc))
        raise IngestError(f"malformed CSV: {str(exc).strip()}", path=path,
                          row=int(line.group(1)) if line else None) from exc
    except _READ_ERRORS as exc:
        raise IngestError(f"file cannot be read as CSV (truncated or corrupted?): {type(exc).__name__}: {exc}",
                          path=path) from exc


def _read_text(path: Path) -> str:
    """The text of a plain, ``.gz`` or single-CSV ``.zip`` file (UTF-8, falling back to cp1252)."""
    path = Path(path)
    if not path.exists():
        raise MissingInputError("input file not found", path=path)
    try:
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
                if len(names) != 1:
                    raise IngestError("zip file should hold exactly one .csv file", path=path,
                                      expected="one .csv member", got=zf.namelist())
                data = zf.read(names[0])
        elif path.suffix.lower() == ".gz":
            data = gzip.decompress(path.read_bytes())
        else:
            data = path.read_bytes()
    except (EOFError, OSError, zlib.error, zipfile.BadZipFile) as exc:
        raise IngestError(f"file cannot be read (truncated or corrupted?): {type(exc).__name__}: {exc}",
                          path=path) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _header(path: Path) -> list[str]:
    """The raw header fields (pandas would rename duplicates to ``X.1``)."""
    head = _read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
    return [str(v).strip() for v in head.iloc[0].tolist()]


def _check_header(names: list[str], problems: ProblemCollector) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if not name:
            problems.add("empty column name", row=1, column=f"#{i + 1}", expected="a ticker or field name")
        elif name in seen:
            problems.add("duplicated column", row=1, column=name, expected="unique column names")
        seen.add(name)


def _require(path: Path, have, needed, what: str = "columns") -> None:
    missing = [c for c in needed if c not in have]
    if missing:
        raise MissingInputError(f"missing {what} {missing}", path=path, row=1, expected=f"{list(needed)}",
                                got=list(have))


def parse_dates(values: pd.Series, problems: ProblemCollector, column: str, rows: np.ndarray) -> pd.Series:
    """Trading days from ISO dates, Yahoo tz-aware stamps (``1998-12-22 00:00:00-05:00``: the first ten characters
    are the exchange-local day) or ``YYYY/M/D``. Unparseable cells are reported with their source row."""
    s = values.astype("string").str.strip()
    out = pd.to_datetime(s.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    retry = out.isna() & s.notna()
    if retry.any():
        out = out.where(~retry, pd.to_datetime(s.where(retry), format="%Y/%m/%d", errors="coerce"))
    bad = out.isna()
    for i in np.flatnonzero(bad.to_numpy())[:3]:
        problems.add("date does not parse", row=int(rows[i]), column=column, expected="YYYY-MM-DD",
                     got=None if pd.isna(values.iloc[i]) else values.iloc[i])
    return out.astype("datetime64[ns]")


def _numeric_frame(df: pd.DataFrame, problems: ProblemCollector, rows: np.ndarray,
                   what: str = "a number") -> pd.DataFrame:
    """Columns as float64; cells that are present but not numbers are reported (row, column, value)."""
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[col] = s.astype("float64")
            continue
        text = s.astype("string").str.strip()
        num = pd.to_numeric(text, errors="coerce")
        bad = num.isna() & text.notna() & (text != "")
        for i in np.flatnonzero(bad.to_numpy())[:3]:
            problems.add("value does not parse", row=int(rows[i]), column=str(col), expected=what,
                         got=s.iloc[i])
        out[col] = num.astype("float64")
    return pd.DataFrame(out, index=df.index)


def _report_duplicates(keys: pd.DataFrame | pd.Series, problems: ProblemCollector, rows: np.ndarray,
                       column: str) -> None:
    def show(v):
        return v.date().isoformat() if isinstance(v, pd.Timestamp) else str(v)

    dup = keys.duplicated(keep=False).to_numpy()
    for i in np.flatnonzero(dup)[:4]:
        got = keys.iloc[i]
        got = tuple(show(v) for v in got) if isinstance(got, pd.Series) else show(got)
        problems.add("duplicated key", row=int(rows[i]), column=column, expected="one row per key", got=got)


def _report_nonpositive(values: np.ndarray, problems: ProblemCollector, rows: np.ndarray,
                        columns: list[str]) -> None:
    r, c = np.nonzero(values <= 0)
    for i, j in list(zip(r, c))[:3]:
        problems.add("non-positive price", row=int(rows[i]), column=columns[j], expected="a price > 0",
                     got=float(values[i, j]))


def _iso(dates: pd.Series | np.ndarray, fmt: str = "%Y-%m-%d") -> np.ndarray:
    """Format many dates with few distinct values quickly (format the unique dates, then index)."""
    arr = np.asarray(dates, dtype="datetime64[ns]")
    uniq, inverse = np.unique(arr, return_inverse=True)
    text = np.asarray(pd.DatetimeIndex(uniq).strftime(fmt), dtype=object)
    return text[inverse]


def _pit(df: pd.DataFrame, ref_period, published, vintage: str) -> pd.DataFrame:
    df["ref_period"] = ref_period
    df["published_date"] = published
    df["vintage"] = vintage
    return df
