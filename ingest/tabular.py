"""Reading official tabular files (tab-delimited text, CSV, xlsx) and parsing their fields, with row-level errors.

Readers return the required columns **as text** (blank cells -> None) plus ``_row``, the 1-based row a person sees
in the file (header included), so every later check can name file, row and column:

* :func:`read_tab_text`: O*NET's text format: UTF-8, tab-delimited, no quoting (a field may hold commas and double
  quotes); every line must have exactly as many fields as the header.
* :func:`read_delimited`: CSV/TSV with standard double-quote quoting (pandas, Excel); quoted fields may span lines
  (``_row`` is then the record's last line).
* :func:`read_xlsx`: one sheet of a workbook; the header is the first row (within ``header_within``) that holds
  every required name, so title rows above it are skipped; numbers come back as text. Truncated or corrupted
  workbooks raise :class:`IngestError` naming the file.
* :func:`read_table`: ``.txt``/``.tsv`` or ``.xlsx`` by suffix.

Field parsers (:func:`parse_ints`, :func:`parse_floats`, :func:`parse_codes`, :func:`parse_choice`,
:func:`require_text`, :func:`check_in`) convert one text column and report each bad cell to a
:class:`ingest.errors.ProblemCollector` (at most a few rows per problem, then a count); :func:`finish` raises the
collected problems, then validates against the table schema. Used by :mod:`ingest.onet` and
:mod:`ingest.exposure`.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
import zlib
from pathlib import Path
from typing import Iterable, Mapping, Sequence
from xml.etree.ElementTree import ParseError

import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from .errors import IngestError, MissingInputError, ProblemCollector
from .schemas import TableSchema

_EXCEL_ERRORS = (zipfile.BadZipFile, zlib.error, InvalidFileException, ParseError, EOFError, KeyError, ValueError,
                 TypeError, IndexError, OSError)


def read_table(path: Path, required: Sequence[str], sheet: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """Read an official O*NET file, ``.txt`` (tab-delimited) or ``.xlsx``, by suffix.

    Returns ``(frame, sheet_name)``: the ``required`` columns as text (blank cells -> None) plus ``_row``, the
    1-based row number a person sees in the file (header included).
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path, required, sheet=sheet)
    if suffix in (".txt", ".tsv"):
        return read_tab_text(path, required), None
    raise IngestError("unsupported file type", path=path, expected="an official .txt (tab-delimited) or .xlsx file",
                      got=suffix or "no suffix")


def read_tab_text(path: Path, required: Sequence[str]) -> pd.DataFrame:
    """O*NET text format: UTF-8, tab-delimited, header row, CRLF or LF line ends, **no quoting** (a field may hold
    commas and double quotes). Every line must have exactly as many fields as the header."""
    text = _read_utf8(path)
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise IngestError("file is empty", path=path, expected=f"a header row with {list(required)}")
    header = [h.strip() for h in lines[0].split("\t")]
    idx = _column_positions(header, required, path=path, header_row=1)
    problems = ProblemCollector(path=path)
    width = len(header)
    records = []
    for lineno, line in enumerate(lines[1:], start=2):
        parts = line.split("\t")
        if len(parts) != width:
            _field_count_problem(problems, header, len(parts), lineno)
            continue
        records.append([lineno] + [parts[i] if parts[i] != "" else None for i in idx])
    problems.raise_if_any()
    return pd.DataFrame(records, columns=["_row", *required])


def read_delimited(path: Path, required: Sequence[str] | None, sep: str = ",") -> pd.DataFrame:
    """A CSV/TSV with standard (minimal, double-quote) quoting, as written by pandas or Excel. Every record must have
    as many fields as the header; quoted fields may span lines (``_row`` is then the record's last line).
    ``required=None`` keeps every column of the header."""
    text = _read_utf8(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise IngestError("file is empty", path=path, expected=f"a header row with {list(required)}") from None
    except csv.Error as exc:
        raise IngestError(f"header row does not parse ({exc})", path=path, row=1) from exc
    if required is None:
        required = header
    idx = _column_positions(header, required, path=path, header_row=1)
    problems = ProblemCollector(path=path)
    records = []
    try:
        for parts in reader:
            if not parts or (len(parts) == 1 and not parts[0].strip()):
                continue
            if len(parts) != len(header):
                _field_count_problem(problems, header, len(parts), reader.line_num)
                continue
            records.append([reader.line_num] + [parts[i] if parts[i] != "" else None for i in idx])
    except csv.Error as exc:
        raise IngestError(f"malformed quoting ({exc})", path=path, row=reader.line_num) from exc
    problems.raise_if_any()
    return pd.DataFrame(records, columns=["_row", *required])


def read_xlsx(path: Path, required: Sequence[str], sheet: str | None = None,
              header_within: int = 10) -> tuple[pd.DataFrame, str]:
    """One sheet of an ``.xlsx`` workbook: ``sheet`` by name, or the only sheet of a single-sheet workbook.

    The header is the first row (among the first ``header_within``) that holds every required column name, so title
    or note rows above it are skipped. Empty rows are skipped. Numbers come back as text (``8823``, ``1.334246``).
    Truncated or corrupted workbooks raise :class:`IngestError` naming the file (and sheet).
    """
    path = Path(path)
    if not path.exists():
        raise MissingInputError("input file not found", path=path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except _EXCEL_ERRORS as exc:
        raise IngestError(f"not a readable .xlsx workbook ({type(exc).__name__}: {exc}); the file is truncated, "
                          "corrupted or not an Excel file", path=path) from exc
    try:
        names = wb.sheetnames
        if sheet is None:
            if len(names) != 1:
                raise MissingInputError("workbook has several sheets and none was named", path=path,
                                        expected="one sheet", got=names)
            sheet = names[0]
        elif sheet not in names:
            raise MissingInputError(f"sheet {sheet!r} not found", path=path, expected=sheet, got=names)
        try:
            rows = wb[sheet].iter_rows(values_only=True)
            header: list[str] | None = None
            records = []
            for rowno, values in enumerate(rows, start=1):
                cells = [_cell_text(v) for v in values]
                if header is None:
                    if set(required) <= {c.strip() for c in cells if c is not None}:
                        header = [c.strip() if c is not None else "" for c in cells]
                        idx = _column_positions(header, required, path=path, sheet=sheet, header_row=rowno)
                    elif rowno >= header_within:
                        break
                    continue
                if all(c is None or not c.strip() for c in cells):
                    continue
                cells += [None] * (len(header) - len(cells))
                records.append([rowno] + [cells[i] for i in idx])
        except _EXCEL_ERRORS as exc:
            raise IngestError(f"workbook cannot be read ({type(exc).__name__}: {exc}); the file is truncated or "
                              "corrupted", path=path, sheet=sheet) from exc
        if header is None:
            raise MissingInputError(f"no header row with columns {list(required)} in the first {header_within} rows",
                                    path=path, sheet=sheet, expected=f"columns {list(required)}")
        return pd.DataFrame(records, columns=["_row", *required]), sheet
    finally:
        wb.close()


def _read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise MissingInputError("input file not found", path=path) from exc
    except OSError as exc:
        raise IngestError(f"file cannot be read ({exc})", path=path) from exc


def _read_utf8(path: Path) -> str:
    """The file as UTF-8 text (a leading BOM dropped); undecodable bytes are an error naming their line."""
    raw = _read_bytes(path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError("file is not UTF-8 text", path=path, row=raw[:exc.start].count(b"\n") + 1,
                          expected="UTF-8", got=raw[exc.start:exc.start + 8]) from exc


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    text = str(value)
    return text if text != "" else None


def _column_positions(header: list[str], required: Sequence[str], *, path, header_row: int,
                      sheet: str | None = None) -> list[int]:
    missing = [c for c in required if c not in header]
    if missing:
        raise MissingInputError(f"column {missing[0]!r} not found in the header", path=path, sheet=sheet,
                                row=header_row, column=missing[0], expected=f"columns {list(required)}",
                                got=[h for h in header if h])
    return [header.index(c) for c in required]


def _field_count_problem(problems: ProblemCollector, header: list[str], n: int, row: int) -> None:
    column = header[n] if n < len(header) else f"(field {n}, beyond the last column {header[-1]!r})"
    problems.add("wrong number of fields", row=row, column=column, expected=f"{len(header)} fields", got=n)


# ------------------------------------------------------------------------------------------------ field parsers
def parse_ints(df: pd.DataFrame, column: str, problems: ProblemCollector, *, nulls: Iterable[str] = (),
               float_text: bool = False) -> pd.Series:
    """Whole numbers from text; ``nulls`` words (and blanks) become null; ``float_text`` accepts ``8823.0``."""
    s = df[column]
    null = s.isna() | s.str.strip().isin(list(nulls))
    pattern = r"^\s*-?\d+(\.0*)?\s*$" if float_text else r"^\s*-?\d+\s*$"
    ok = s.str.match(pattern, na=False)
    report_rows(df, column, ~ok & ~null, problems, "an integer" + (" (or n/a)" if nulls else ""))
    out = pd.to_numeric(s.where(ok), errors="coerce")
    return out.round().astype("Int64")


def parse_floats(df: pd.DataFrame, column: str, problems: ProblemCollector, *, nulls: Iterable[str] = (),
                 lo: float | None = None, hi: float | None = None) -> pd.Series:
    """Decimal numbers from text, optionally checked against ``[lo, hi]``; ``nulls`` words become null."""
    s = df[column]
    null = s.isna() | s.str.strip().isin(list(nulls))
    num = pd.to_numeric(s.where(~null), errors="coerce")
    report_rows(df, column, num.isna() & ~null, problems, "a number")
    if lo is not None or hi is not None:
        out_of_range = num.notna() & ((num < (lo if lo is not None else -float("inf")))
                                      | (num > (hi if hi is not None else float("inf"))))
        report_rows(df, column, out_of_range, problems, f"a number in [{lo}, {hi}]")
    return num.astype("float64")


def parse_codes(df: pd.DataFrame, column: str, pattern: str, problems: ProblemCollector, *,
                nullable: bool = False, what: str | None = None) -> pd.Series:
    """Text codes checked against a regular expression (leading/trailing blanks removed)."""
    s = df[column].str.strip()
    bad = ~s.str.match(pattern, na=False)
    if nullable:
        bad &= s.notna()
    report_rows(df, column, bad, problems, what or f"a code matching {pattern}")
    return s


def parse_choice(df: pd.DataFrame, column: str, mapping: Mapping[str | None, object],
                 problems: ProblemCollector) -> pd.Series:
    """Map text values through ``mapping`` (key ``None`` = blank cell); anything else is a problem."""
    s = df[column].str.strip()
    known = s.isin([k for k in mapping if k is not None]) | (s.isna() & (None in mapping))
    report_rows(df, column, ~known, problems, "one of " + ", ".join(repr(k if k is not None else "")
                                                                 for k in mapping))
    return s.map(lambda v: mapping.get(None if pd.isna(v) else v))


def require_text(df: pd.DataFrame, column: str, problems: ProblemCollector) -> pd.Series:
    s = df[column]
    report_rows(df, column, s.isna() | (s.str.strip() == ""), problems, "a non-empty text")
    return s


def report_rows(df: pd.DataFrame, column: str, bad: pd.Series, problems: ProblemCollector, expected: str,
                limit: int = 3) -> None:
    """Add a problem for the first ``limit`` rows where ``bad`` is true (and count the rest)."""
    for idx in list(bad[bad.fillna(False)].index[:limit]):
        problems.add("value does not parse", row=int(df.at[idx, "_row"]), column=column, expected=expected,
                     got=df.at[idx, column])
    extra = int(bad.fillna(False).sum()) - limit
    if extra > 0:
        problems.count += extra


def check_in(df: pd.DataFrame, keys: pd.Series | pd.MultiIndex, allowed: pd.Index, column: str,
             problems: ProblemCollector, what: str) -> None:
    """Referential check: each of ``keys`` (aligned with ``df``) must be in ``allowed``."""
    index = keys if isinstance(keys, pd.MultiIndex) else pd.Index(keys)
    bad = pd.Series(~index.isin(allowed), index=df.index)
    for idx in list(bad[bad].index[:3]):
        value = index[df.index.get_loc(idx)]
        problems.add(f"refers to {what} that does not exist", row=int(df.at[idx, "_row"]), column=column,
                     got=" ".join(map(str, value)) if isinstance(value, tuple) else str(value))
    if bad.sum() > 3:
        problems.count += int(bad.sum()) - 3


def finish(df: pd.DataFrame, table: TableSchema, problems: ProblemCollector, path: Path,
           sheet: str | None) -> pd.DataFrame:
    """Raise the collected problems, then validate against the schema (with ``_row`` for messages)."""
    problems.raise_if_any()
    return table.validate(df, path=path, sheet=sheet)

