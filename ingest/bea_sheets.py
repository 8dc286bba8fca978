"""Reading BEA xlsx workbooks: the workbook wrapper, cell helpers and the make/use/requirements matrix reader.

Method. BEA's Input-Output workbooks hold one matrix per year sheet. :func:`read_matrix` finds the header by
content (the row whose column A reads ``IOCode``/``Code``, within the first 20 rows), not by position: in the
summary layout the codes sit in the row above it and the names in it; in the detail layout the other way round.
Data rows run to the first blank row and columns to the first column with neither code nor name. Totals have no
code in the files and get a stable one from a ``total_codes`` map (normalised name -> code); any other uncoded
row or column is an error. Cells: a number, a blank or ``"..."`` (BEA's printed zero, :data:`_ZERO_TEXT`) -> 0.0;
anything else is reported with its sheet, Excel row and column code (:class:`ingest.errors.ProblemCollector`).

:class:`Workbook` opens a file read-only and turns every openpyxl failure (truncated zip, damaged XML, missing
sheet) into an :class:`IngestError` naming the file and sheet. Shared by the IO tables (:mod:`ingest.bea`), the
GDP-by-industry sheets (:mod:`ingest.bea_gdp`), the NAICS concordance (:mod:`ingest.bea_naics`) and
:mod:`ingest.crosswalks`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .errors import IngestError, MissingInputError, ProblemCollector

_ZERO_TEXT = "..."
_YEAR = re.compile(r"^\d{4}$")
_CODE = re.compile(r"^[A-Za-z0-9]{1,10}$")


def _norm(text: object) -> str:
    return " ".join(str(text).split()).lower() if text is not None else ""


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _code(v: object) -> str:
    """A BEA code as text: ints stay digits (111200 -> '111200'), text is stripped."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


class Workbook:
    """An xlsx opened read-only; every failure becomes an :class:`IngestError` naming the file (and sheet)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.exists():
            raise MissingInputError("input file not found", path=self.path)
        try:
            self._wb = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises BadZipFile, KeyError, XML errors ... for damaged files
            raise IngestError(f"cannot open workbook ({type(exc).__name__}: {exc})", path=self.path,
                              expected="a complete .xlsx workbook (is the file truncated or corrupted?)") from exc
        self.sheetnames = list(self._wb.sheetnames)

    def rows(self, sheet: str) -> list[tuple]:
        """All rows of ``sheet`` as tuples of cell values (row 1 first)."""
        if sheet not in self.sheetnames:
            raise MissingInputError("sheet not found", path=self.path, sheet=sheet,
                                    expected=f"sheet {sheet!r}", got=self.sheetnames)
        try:
            return list(self._wb[sheet].iter_rows(values_only=True))
        except Exception as exc:  # damaged sheet XML or zip member
            raise IngestError(f"cannot read sheet ({type(exc).__name__}: {exc})", path=self.path, sheet=sheet,
                              expected="a readable worksheet (is the file truncated or corrupted?)") from exc

    def close(self) -> None:
        self._wb.close()

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _year_sheets(book: Workbook) -> list[int]:
    """The workbook's year sheets ('1997', ...), sorted."""
    years = sorted(int(s) for s in book.sheetnames if _YEAR.match(s.strip()))
    if not years:
        raise MissingInputError("no year sheets", path=book.path, expected="sheets named by year, e.g. '2017'",
                                got=book.sheetnames)
    return years


def _number(v: object, zero_text: str) -> float | None:
    """Cell value -> float; ``None``/blank/``zero_text`` -> 0.0; anything unreadable -> None."""
    if v is None:
        return 0.0
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str):
        s = v.strip()
        if not s or s == zero_text:
            return 0.0
        try:
            return float(s.replace(",", ""))
        except ValueError:
            return None
    return None


# -------------------------------------------------------------------------------------------- matrix sheets
@dataclass
class Matrix:
    """One published IO matrix sheet: labelled rows and columns and a dense value array (zeros where blank)."""

    path: Path
    sheet: str
    row_codes: list[str]
    row_names: list[str]
    col_codes: list[str]
    col_names: list[str]
    values: np.ndarray  # float64, len(row_codes) x len(col_codes)

    def long(self) -> pd.DataFrame:
        """Non-zero cells: row_code, row_name, row_order, col_code, col_name, col_order, value."""
        r, c = np.nonzero(self.values)
        rc, rn = np.asarray(self.row_codes, dtype=object), np.asarray(self.row_names, dtype=object)
        cc, cn = np.asarray(self.col_codes, dtype=object), np.asarray(self.col_names, dtype=object)
        return pd.DataFrame({"row_code": rc[r], "row_name": rn[r], "row_order": r + 1,
                             "col_code": cc[c], "col_name": cn[c], "col_order": c + 1,
                             "value": self.values[r, c]})


def read_matrix(rows: list[tuple], *, path: Path, sheet: str, total_codes: Mapping[str, str],
                zero_text: str = _ZERO_TEXT) -> Matrix:
    """Parse a BEA make/use/requirements sheet.

    The header is found by content: the row whose column A reads ``IOCode``/``Code``. If the row above has a blank
    column A (summary layout) the codes are in that row above and the names in the ``Code`` row; otherwise (detail
    layout) the names are in the row above and the codes in the ``Code`` row. Data rows follow until the first
    blank row. Columns run until the first column with neither code nor name. Uncoded rows/columns must be totals
    named in ``total_codes`` (normalised name -> code).
    """
    header = next((i for i, r in enumerate(rows[:20]) if r and _norm(r[0]) in ("iocode", "code")), None)
    if header is None or header == 0:
        raise IngestError("header row not found", path=path, sheet=sheet, column="A",
                          expected="a row with 'IOCode' or 'Code' in column A within the first 20 rows")
    above = rows[header - 1]
    codes_i, names_i = (header - 1, header) if _blank(above[0] if above else None) else (header, header - 1)
    codes_row, names_row = rows[codes_i], rows[names_i]
    width = max(len(codes_row), len(names_row))

    def cell(row: tuple, j: int) -> object:
        return row[j] if j < len(row) else None

    col_codes: list[str] = []
    col_names: list[str] = []
    seen: dict[str, str] = {}
    for j in range(2, width):
        code, name = cell(codes_row, j), cell(names_row, j)
        if _blank(code) and _blank(name):
            break
        letter = get_column_letter(j + 1)
        name_text = " ".join(str(name).split()) if not _blank(name) else ""
        if _blank(code):
            code_text = total_codes.get(_norm(name))
            if code_text is None:
                raise IngestError("column has no code and is not a known total", path=path, sheet=sheet,
                                  row=codes_i + 1, column=letter, expected=f"a code or one of {sorted(total_codes)}",
                                  got=name)
        else:
            code_text = _code(code)
            if not _CODE.match(code_text):
                raise IngestError("column code is not a BEA code", path=path, sheet=sheet, row=codes_i + 1,
                                  column=letter, expected="letters and digits", got=code)
        if code_text in seen:
            raise IngestError(f"duplicated column code {code_text!r} (also in column {seen[code_text]})",
                              path=path, sheet=sheet, row=codes_i + 1, column=letter, expected="unique codes")
        seen[code_text] = letter
        col_codes.append(code_text)
        col_names.append(name_text or code_text)
    if not col_codes:
        raise IngestError("no data columns after the header", path=path, sheet=sheet, row=codes_i + 1)
    ncol = len(col_codes)

    row_codes: list[str] = []
    row_names: list[str] = []
    data: list[list[float | None]] = []
    problems = ProblemCollector(path=path, sheet=sheet)
    seen_rows: dict[str, int] = {}
    for i in range(header + 1, len(rows)):
        r = rows[i]
        code, name = cell(r, 0), cell(r, 1)
        if _blank(code) and _blank(name):
            break
        excel_row = i + 1
        if _blank(code):
            code_text = total_codes.get(_norm(name))
            if code_text is None:
                raise IngestError("row has no code and is not a known total", path=path, sheet=sheet,
                                  row=excel_row, column="A", expected=f"a code or one of {sorted(total_codes)}",
                                  got=name)
        else:
            code_text = _code(code)
            if not _CODE.match(code_text):
                raise IngestError("row code is not a BEA code (missing blank row before the notes?)", path=path,
                                  sheet=sheet, row=excel_row, column="A", expected="letters and digits", got=code)
        if code_text in seen_rows:
            raise IngestError(f"duplicated row code {code_text!r} (also in row {seen_rows[code_text]})",
                              path=path, sheet=sheet, row=excel_row, column="A", expected="unique codes")
        seen_rows[code_text] = excel_row
        raw = list(r[2:2 + ncol]) + [None] * max(0, ncol - len(r) + 2)
        vals = [float(v) if type(v) in (int, float) else _number(v, zero_text) for v in raw]
        for j, v in enumerate(vals):
            if v is None:
                problems.add("value does not parse", row=excel_row, column=col_codes[j],
                             expected=f"a number or {zero_text!r}", got=raw[j])
        row_codes.append(code_text)
        row_names.append(" ".join(str(name).split()) if not _blank(name) else code_text)
        data.append(vals)
    problems.raise_if_any()
    if not row_codes:
        raise IngestError("no data rows after the header", path=path, sheet=sheet, row=header + 1)
    return Matrix(path, sheet, row_codes, row_names, col_codes, col_names, np.array(data, dtype="float64"))


def _check_year_cell(rows: list[tuple], *, path: Path, sheet: str) -> None:
    """Summary sheets carry their year in a title cell (row 4): it must match the sheet name."""
    for i, r in enumerate(rows[:5]):
        v = r[0] if r else None
        if v is not None and _YEAR.match(str(v).strip()) and str(v).strip() != sheet.strip():
            raise IngestError("year in the sheet differs from the sheet name", path=path, sheet=sheet, row=i + 1,
                              column="A", expected=sheet, got=v)
