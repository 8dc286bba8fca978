"""BEA Input-Output accounts and GDP by Industry: official xlsx workbooks -> tidy, point-in-time tables.

Tables (all dollar figures in **millions of current US dollars** unless the column or ``unit`` says otherwise):

``bea_io_summary``
    Summary Use and Make tables (71 industries, 73 commodities), before and after redefinitions, one row per
    non-zero published cell. **A cell absent from the table is zero** (BEA prints zeros as ``"..."``; they are
    dropped). Columns: ``table`` (use|make), ``redefinitions`` (before|after), ``year``, ``row_code``, ``row_name``,
    ``row_kind``, ``row_order``, ``col_code``, ``col_name``, ``col_kind``, ``col_order``, ``value_usd_millions``.
    Kinds: ``commodity``, ``industry``, ``value_added`` (rows V001-V003), ``final_demand`` (columns F***),
    ``total``. ``row_order``/``col_order`` are 1-based positions in the published sheet.
    Totals have no code in the files; they get these stable codes (:data:`TOTAL_CODES_SUMMARY`):
    ``T_INTERMEDIATE`` (row and column "Total Intermediate"), ``T_VALUE_ADDED`` (row "Total Value Added"),
    ``T_INDUSTRY_OUTPUT`` (Use row / Make column "Total Industry Output"), ``T_COMMODITY_OUTPUT`` (Use column / Make
    row "Total Commodity Output"), ``T_FINAL_USES`` (Use column "Total Final Uses (GDP)"), ``T_TOTAL`` (DR row
    "Total").
    Identities (BEA rounding aside): for industry j, ``T_INTERMEDIATE_j + T_VALUE_ADDED_j = T_INDUSTRY_OUTPUT_j``;
    Make row sums = industry output g; Make column sums = commodity output q.

``bea_dr_summary``
    Commodity-by-industry direct requirements (after redefinitions): ``coefficient`` = dollars of commodity (or
    value-added component) per dollar of industry output, B = U·diag(g)⁻¹; non-zero cells only (absent = 0), plus
    the published column total row ``T_TOTAL`` (= 1).

``bea_io_detail``
    2017-benchmark detail tables (about 402 industries; sheets 2007, 2012, 2017 on the 2017 classification), long
    format, non-zero cells only (absent = 0). ``table`` is one of :data:`DETAIL_TABLES`. Flow tables fill
    ``value_usd_millions``; the direct-requirements table ``dr_after`` fills ``coefficient`` (per dollar of industry
    output); the other of the two columns is null. Codes are always strings (the files mix ints and text). Totals
    carry BEA's own detail codes (T001, T004, T005, T006, T007, T008, T011, T017, T019 ...); the two uncoded total
    columns of the before-redefinitions Use file get the codes BEA uses in the after file (T004, T007).

``bea_gdp_by_industry``
    GDP by Industry (December 2024 release): ``measure`` (gross_output|value_added|intermediate_inputs) ×
    ``series`` (nominal *105, real_chained_2017 *106, price_index *104, quantity_index *103) × ``frequency``
    (A|Q) × ``line``. ``value`` with ``unit``: ``usd_millions`` (annual nominal), ``usd_millions_saar`` (quarterly
    nominal, seasonally adjusted at annual rates, so the mean of four quarters is the annual figure),
    ``usd_millions_chained_2017`` / ``usd_millions_chained_2017_saar`` (real), ``index_2017_100`` (indexes).
    ``"....."`` (not available) is NaN, never 0. ``bea_code`` maps the 71 leaf lines to summary IO codes
    (:data:`GDP_LINE_TO_BEA_CODE`).

``bea_industries``
    The 71 summary industries: ``bea_code``, ``name`` (Use table), ``sector_code``/``sector_name`` (NAICS Codes
    sheet), ``naics`` (comma-separated related 2017 NAICS codes after expanding ranges; null for general government,
    which has none), ``gdp_line``.

``bea_naics_concordance``
    The "NAICS Codes" sheet: one row per (detail industry, NAICS code) after expanding ranges (``'11111-2'`` ->
    11111, 11112) and lists; ``naics_split`` is True where BEA marks the NAICS code with ``*`` (shared by several BEA
    industries); ``n.a.`` gives one row with a null ``naics_code``.

Point in time (see :mod:`ingest.calendar`):

* Summary IO: the file's vintage is the annual update that first carried its last year L: BEA's annual update of
  September of year L+1 (the snapshot's 1997-2023 files -> the 2024 annual update, released 2024-09-26; their xlsx
  metadata, 2024-08-28..2024-09-06, agrees). ``vintage`` = that release date, computed as
  ``calendar.bea_annual_io_published(L - 1)``. ``published_date`` = ``calendar.bea_annual_io_published(year)``
  capped at the vintage date (a figure cannot have been published after the release that contains it).
* Detail benchmark tables and the concordance: ``calendar.BEA_DETAIL_2017_RELEASE``.
* GDP by industry: ``vintage`` = the "Data published <date>" line of each sheet. ``published_date``: quarterly
  ``calendar.bea_quarterly_published``, annual ``calendar.bea_annual_gdp_by_industry_published``, both capped at the
  vintage date.

The snapshot holds one vintage per source: historical figures carry their first-release date but this vintage's
values (later revisions included).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from . import calendar
from .errors import IngestError, MissingInputError, ProblemCollector
from .registry import Progress, Source, progress_or_noop
from .schemas import Column, TableSchema, schema

PARSER_VERSION = "1.0.0"

# --------------------------------------------------------------------------------------------------- inputs
_SUM = "bea/io_summary_1997-2023"
_DET = "bea/io_detail_2017_benchmark"
_GDP = "bea/gdp_by_industry_2024-12"
_IO_ANNUAL = "https://apps.bea.gov/industry/xls/io-annual/"
_SUP_ZIP = "https://apps.bea.gov/industry/iTables%20Static%20Files/AllTablesSUP.zip"
_GDPXIND = "https://apps.bea.gov/industry/Release/XLS/GDPxInd/"

#: logical name -> (table, redefinitions) of the summary Use/Make workbooks
SUMMARY_INPUTS: dict[str, tuple[str, str]] = {
    "use_before": ("use", "before"),
    "use_after": ("use", "after"),
    "make_before": ("make", "before"),
    "make_after": ("make", "after"),
}
#: logical name -> ``table`` value in ``bea_io_detail``
DETAIL_TABLES: dict[str, str] = {
    "detail_use_before_pro": "use_before_pro",
    "detail_use_after_pro": "use_after_pro",
    "detail_use_before_pur": "use_before_pur",
    "detail_make_before": "make_before",
    "detail_make_after": "make_after",
    "detail_dr_after": "dr_after",
    "detail_supply_sut": "supply_sut",
    "detail_use_sut": "use_sut",
}
#: logical name -> ``measure`` and the sheet prefix in the GDP-by-industry workbooks
GDP_INPUTS: dict[str, tuple[str, str]] = {
    "gdp_gross_output": ("gross_output", "TGO"),
    "gdp_value_added": ("value_added", "TVA"),
    "gdp_intermediate_inputs": ("intermediate_inputs", "TII"),
}

INPUTS: dict[str, str] = {
    "use_before": f"{_SUM}/IOUse_Before_Redefinitions_PRO_1997-2023_Summary.xlsx",
    "use_after": f"{_SUM}/IOUse_After_Redefinitions_PRO_1997-2023_Summary.xlsx",
    "make_before": f"{_SUM}/IOMake_Before_Redefinitions_PRO_1997-2023_Summary.xlsx",
    "make_after": f"{_SUM}/IOMake_After_Redefinitions_PRO_1997-2023_Summary.xlsx",
    "dr_summary": f"{_SUM}/CxI_DR_1997-2023_Summary.xlsx",
    "detail_use_before_pro": f"{_DET}/IOUse_Before_Redefinitions_PRO_2017_Detail.xlsx",
    "detail_use_after_pro": f"{_DET}/IOUse_After_Redefinitions_PRO_2017_Detail.xlsx",
    "detail_use_before_pur": f"{_DET}/IOUse_Before_Redefinitions_PUR_2017_Detail.xlsx",
    "detail_make_before": f"{_DET}/IOMake_Before_Redefinitions_2017_Detail.xlsx",
    "detail_make_after": f"{_DET}/IOMake_After_Redefinitions_2017_Detail.xlsx",
    "detail_dr_after": f"{_DET}/CxI_DR_2017_Detail.xlsx",
    "detail_supply_sut": f"{_DET}/Supply_2017_DET.xlsx",
    "detail_use_sut": f"{_DET}/Use_SUT_Framework_2017_DET.xlsx",
    "naics_concordance": f"{_DET}/IOUse_After_Redefinitions_PRO_2017_Detail.xlsx",
    "gdp_gross_output": f"{_GDP}/GrossOutput.xlsx",
    "gdp_value_added": f"{_GDP}/ValueAdded.xlsx",
    "gdp_intermediate_inputs": f"{_GDP}/IntermediateInputs.xlsx",
}

URLS: dict[str, str] = {
    "use_before": _IO_ANNUAL + "IOUse_Before_Redefinitions_PRO_1997-2023_Summary.xlsx",
    "use_after": _IO_ANNUAL + "IOUse_After_Redefinitions_PRO_1997-2023_Summary.xlsx",
    "make_before": _IO_ANNUAL + "IOMake_Before_Redefinitions_PRO_1997-2023_Summary.xlsx",
    "make_after": _IO_ANNUAL + "IOMake_After_Redefinitions_PRO_1997-2023_Summary.xlsx",
    "dr_summary": _IO_ANNUAL + "CxI_DR_1997-2023_Summary.xlsx",
    "detail_use_before_pro": _IO_ANNUAL + "IOUse_Before_Redefinitions_PRO_2017_Detail.xlsx",
    "detail_use_after_pro": _IO_ANNUAL + "IOUse_After_Redefinitions_PRO_2017_Detail.xlsx",
    "detail_use_before_pur": _IO_ANNUAL + "IOUse_Before_Redefinitions_PUR_2017_Detail.xlsx",
    "detail_make_before": _IO_ANNUAL + "IOMake_Before_Redefinitions_2017_Detail.xlsx",
    # BEA's own file name has a space before the extension
    "detail_make_after": _IO_ANNUAL + "IOMake_After_Redefinitions_2017_Detail%20.xlsx",
    "detail_dr_after": _IO_ANNUAL + "CxI_DR_2017_Detail.xlsx",
    "detail_supply_sut": _SUP_ZIP + "#Supply_2017_DET.xlsx",
    "detail_use_sut": _SUP_ZIP + "#Use_SUT_Framework_2017_DET.xlsx",
    "naics_concordance": _IO_ANNUAL + "IOUse_After_Redefinitions_PRO_2017_Detail.xlsx#NAICS%20Codes",
    "gdp_gross_output": _GDPXIND + "GrossOutput.xlsx",
    "gdp_value_added": _GDPXIND + "ValueAdded.xlsx",
    "gdp_intermediate_inputs": _GDPXIND + "IntermediateInputs.xlsx",
}

# ------------------------------------------------------------------------------------------- codes and maps
#: normalised total name -> stable code, summary tables (totals have no code there)
TOTAL_CODES_SUMMARY: dict[str, str] = {
    "total intermediate": "T_INTERMEDIATE",
    "total value added": "T_VALUE_ADDED",
    "total industry output": "T_INDUSTRY_OUTPUT",
    "total commodity output": "T_COMMODITY_OUTPUT",
    "total final uses (gdp)": "T_FINAL_USES",
    "total": "T_TOTAL",
}
#: normalised total name -> BEA's detail code, for the uncoded total columns of some detail files
TOTAL_CODES_DETAIL: dict[str, str] = {
    "total intermediate": "T001",
    "total final uses (gdp)": "T004",
    "total commodity output": "T007",
}

#: GDP-by-industry line -> summary IO code: the 71 leaf lines (private lines match the Use table names exactly;
#: government lines are mapped by position because their names repeat, see GOVERNMENT_LINE_NAMES)
GDP_LINE_TO_BEA_CODE: dict[int, str] = {
    4: "111CA", 5: "113FF", 7: "211", 8: "212", 9: "213", 10: "22", 11: "23", 14: "321", 15: "327", 16: "331",
    17: "332", 18: "333", 19: "334", 20: "335", 21: "3361MV", 22: "3364OT", 23: "337", 24: "339", 26: "311FT",
    27: "313TT", 28: "315AL", 29: "322", 30: "323", 31: "324", 32: "325", 33: "326", 34: "42", 36: "441",
    37: "445", 38: "452", 39: "4A0", 41: "481", 42: "482", 43: "483", 44: "484", 45: "485", 46: "486",
    47: "487OS", 48: "493", 50: "511", 51: "512", 52: "513", 53: "514", 56: "521CI", 57: "523", 58: "524",
    59: "525", 62: "HS", 63: "ORE", 64: "532RL", 67: "5411", 68: "5415", 69: "5412OP", 70: "55", 72: "561",
    73: "562", 75: "61", 77: "621", 78: "622", 79: "623", 80: "624", 83: "711AS", 84: "713", 86: "721",
    87: "722", 88: "81", 92: "GFGD", 93: "GFGN", 94: "GFE", 96: "GSLG", 97: "GSLE",
}
#: expected GDP-by-industry names of the government leaf lines (checked at parse time)
GOVERNMENT_LINE_NAMES: dict[int, str] = {
    92: "National defense", 93: "Nondefense", 94: "Government enterprises", 96: "General government",
    97: "Government enterprises",
}
#: GDP-by-industry sheet number -> (series, unit annual, unit quarterly, text the units line must contain)
GDP_SERIES: dict[str, tuple[str, str, str, str]] = {
    "105": ("nominal", "usd_millions", "usd_millions_saar", "millions of dollars"),
    "106": ("real_chained_2017", "usd_millions_chained_2017", "usd_millions_chained_2017_saar",
            "millions of 2017 chain dollars"),
    "104": ("price_index", "index_2017_100", "index_2017_100", "2017=100"),
    "103": ("quantity_index", "index_2017_100", "index_2017_100", "2017=100"),
}

_ZERO_TEXT = "..."
_MISSING_TEXT = "....."
_FOOTNOTE = re.compile(r"\\\s*\d+\s*\\")
_PUBLISHED = re.compile(r"data published\s+([A-Za-z]+\s+\d{1,2},\s*\d{4})", re.IGNORECASE)
_YEAR = re.compile(r"^\d{4}$")
_PERIOD = {"A": re.compile(r"^\d{4}$"), "Q": re.compile(r"^\d{4}Q[1-4]$")}
_CODE = re.compile(r"^[A-Za-z0-9]{1,10}$")
_VALUE_ADDED = re.compile(r"^V0\d+$")
_FINAL_DEMAND = re.compile(r"^F\d")


# ----------------------------------------------------------------------------------------------- schemas
def _c(name: str, dtype: str, nullable: bool = False, description: str = "") -> Column:
    return Column(name, dtype, nullable, description)


_IO_SUMMARY = schema("bea_io_summary", [
    _c("table", "str", description="use | make"),
    _c("redefinitions", "str", description="before | after"),
    _c("year", "int"),
    _c("row_code", "str"), _c("row_name", "str"),
    _c("row_kind", "str", description="commodity | industry | value_added | total"),
    _c("row_order", "int", description="1-based row position in the published sheet"),
    _c("col_code", "str"), _c("col_name", "str"),
    _c("col_kind", "str", description="commodity | industry | final_demand | total"),
    _c("col_order", "int", description="1-based column position in the published sheet"),
    _c("value_usd_millions", "float", description="millions of current dollars; absent cells are zero"),
], key=["table", "redefinitions", "year", "row_code", "col_code"],
    description="BEA summary Use and Make tables 1997-2023, producers' prices, non-zero cells (absent = 0)")

_DR_SUMMARY = schema("bea_dr_summary", [
    _c("year", "int"),
    _c("commodity_code", "str", description="commodity, value-added row V001-V003, or T_TOTAL"),
    _c("commodity_name", "str"),
    _c("row_kind", "str", description="commodity | value_added | total"),
    _c("industry_code", "str"), _c("industry_name", "str"),
    _c("coefficient", "float", description="dollars per dollar of industry output; absent cells are zero"),
], key=["year", "commodity_code", "industry_code"],
    description="BEA commodity-by-industry direct requirements, after redefinitions, summary, non-zero cells")

_IO_DETAIL = schema("bea_io_detail", [
    _c("table", "str", description=", ".join(DETAIL_TABLES.values())),
    _c("year", "int"),
    _c("row_code", "str"), _c("row_name", "str"), _c("row_order", "int"),
    _c("col_code", "str"), _c("col_name", "str"), _c("col_order", "int"),
    _c("value_usd_millions", "float", nullable=True, description="flow tables; null for dr_after"),
    _c("coefficient", "float", nullable=True, description="dr_after only: dollars per dollar of industry output"),
], key=["table", "year", "row_code", "col_code"],
    description="BEA 2017-benchmark detail IO and supply-use tables (2007, 2012, 2017), non-zero cells (absent = 0)")

_GDP_BY_INDUSTRY = schema("bea_gdp_by_industry", [
    _c("measure", "str", description="gross_output | value_added | intermediate_inputs"),
    _c("series", "str", description="nominal | real_chained_2017 | price_index | quantity_index"),
    _c("frequency", "str", description="A | Q"),
    _c("line", "int"), _c("line_name", "str"),
    _c("bea_code", "str", nullable=True, description="summary IO code of the 71 leaf lines"),
    _c("sheet", "str", description="BEA table id, e.g. TGO105-Q"),
    _c("value", "float", nullable=True, description="NaN where BEA prints '.....' (not available)"),
    _c("unit", "str", description="usd_millions[_saar] | usd_millions_chained_2017[_saar] | index_2017_100"),
], key=["measure", "series", "frequency", "line", "ref_period"],
    description="BEA GDP by Industry, annual 1997-2023 and quarterly 2005Q1-2024Q3 (SAAR)")

_INDUSTRIES = schema("bea_industries", [
    _c("bea_code", "str"), _c("name", "str"),
    _c("sector_code", "str"), _c("sector_name", "str"),
    _c("naics", "str", nullable=True, description="related 2017 NAICS codes, comma-separated; null if none"),
    _c("gdp_line", "int", description="line in the GDP-by-industry tables"),
], key=["bea_code"], description="The 71 BEA summary industries")

_CONCORDANCE = schema("bea_naics_concordance", [
    _c("sector_code", "str"), _c("sector_name", "str"),
    _c("summary_code", "str"), _c("summary_name", "str"),
    _c("usummary_code", "str"), _c("usummary_name", "str"),
    _c("detail_code", "str"), _c("detail_title", "str"),
    _c("naics_code", "str", nullable=True, description="one 2017 NAICS code; null where BEA says n.a."),
    _c("naics_split", "bool", description="NAICS code shared by several BEA industries (BEA's '*')"),
    _c("notes", "str", nullable=True, description="BEA footnote marker (†, ‡, **, ††)"),
], key=["detail_code", "naics_code"], description="BEA industry codes (2017 benchmark) to 2017 NAICS")

SCHEMAS: dict[str, TableSchema] = {s.name: s for s in (_IO_SUMMARY, _DR_SUMMARY, _IO_DETAIL, _GDP_BY_INDUSTRY,
                                                       _INDUSTRIES, _CONCORDANCE)}


# ------------------------------------------------------------------------------------------ workbook reading
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


# ------------------------------------------------------------------------------------------- summary tables
def _summary_kind(code: str, primary: str, col: bool) -> str:
    if code.startswith("T_"):
        return "total"
    if not col and _VALUE_ADDED.match(code):
        return "value_added"
    if col and _FINAL_DEMAND.match(code):
        return "final_demand"
    return primary


def _summary_years(books: Mapping[str, Workbook]) -> list[int]:
    """Common year sheets of the summary workbooks: contiguous and identical in every workbook."""
    years_by = {name: _year_sheets(b) for name, b in books.items()}
    ref_name = max(years_by, key=lambda n: len(years_by[n]))
    ref = years_by[ref_name]
    full = list(range(ref[0], ref[-1] + 1))
    for name, book in books.items():
        missing = sorted(set(full) - set(years_by[name]))
        if missing:
            raise MissingInputError("year sheet missing", path=book.path, sheet=str(missing[0]),
                                    expected=f"sheets {full[0]}..{full[-1]}", got=[str(y) for y in years_by[name]])
        extra = sorted(set(years_by[name]) - set(full))
        if extra:
            raise MissingInputError(f"year sheet {extra[0]} has no counterpart in {books[ref_name].path.name}",
                                    path=book.path, sheet=str(extra[0]))
    return full


def summary_vintage(last_year: int) -> dt.date:
    """Release date of the annual update that first carried ``last_year`` (:func:`calendar.bea_annual_io_published`)."""
    return calendar.bea_annual_io_published(last_year)


def summary_published(year: int, vintage: dt.date) -> dt.date:
    """First publication of ``year``'s summary IO tables, never later than the release holding them."""
    return min(calendar.bea_annual_io_published(year), vintage)


def parse_summary(paths: Mapping[str, Path], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """``bea_io_summary`` and ``bea_dr_summary`` from the four Use/Make workbooks and the CxI_DR workbook."""
    say = progress_or_noop(progress)
    with contextlib.ExitStack() as stack:
        books = {name: stack.enter_context(Workbook(paths[name])) for name in (*SUMMARY_INPUTS, "dr_summary")}
        years = _summary_years(books)
        vintage = summary_vintage(years[-1])
        frames = []
        for name, (table, redef) in SUMMARY_INPUTS.items():
            book = books[name]
            say(f"bea: {book.path.name} ({len(years)} sheets)")
            row_primary, col_primary = ("commodity", "industry") if table == "use" else ("industry", "commodity")
            for year in years:
                rows = book.rows(str(year))
                _check_year_cell(rows, path=book.path, sheet=str(year))
                m = read_matrix(rows, path=book.path, sheet=str(year), total_codes=TOTAL_CODES_SUMMARY)
                long = m.long().rename(columns={"value": "value_usd_millions"})
                row_kinds = np.array([_summary_kind(c, row_primary, False) for c in m.row_codes], dtype=object)
                col_kinds = np.array([_summary_kind(c, col_primary, True) for c in m.col_codes], dtype=object)
                long["row_kind"] = row_kinds[long["row_order"].to_numpy() - 1]
                long["col_kind"] = col_kinds[long["col_order"].to_numpy() - 1]
                long.insert(0, "year", year)
                long.insert(0, "redefinitions", redef)
                long.insert(0, "table", table)
                frames.append(long)
        io = pd.concat(frames, ignore_index=True)
        _add_pit(io, years, vintage)

        book = books["dr_summary"]
        say(f"bea: {book.path.name} ({len(years)} sheets)")
        dr_frames = []
        for year in years:
            rows = book.rows(str(year))
            _check_year_cell(rows, path=book.path, sheet=str(year))
            m = read_matrix(rows, path=book.path, sheet=str(year), total_codes=TOTAL_CODES_SUMMARY)
            long = m.long()
            long.insert(0, "year", year)
            dr_frames.append(long)
        dr = pd.concat(dr_frames, ignore_index=True).rename(columns={
            "row_code": "commodity_code", "row_name": "commodity_name", "col_code": "industry_code",
            "col_name": "industry_name", "value": "coefficient"})
        dr["row_kind"] = [_summary_kind(c, "commodity", False) for c in dr["commodity_code"]]
        dr = dr.drop(columns=["row_order", "col_order"])
        _add_pit(dr, years, vintage)
    return {"bea_io_summary": io, "bea_dr_summary": dr}


def _add_pit(df: pd.DataFrame, years: Iterable[int], vintage: dt.date) -> None:
    pub = {y: pd.Timestamp(summary_published(y, vintage)) for y in years}
    df["ref_period"] = df["year"].astype(str)
    df["published_date"] = df["year"].map(pub)
    df["vintage"] = vintage.isoformat()


def summary_matrices(df: pd.DataFrame, year: int, redefinitions: str = "after"):
    """Labelled summary matrices for one year from ``bea_io_summary`` (all in millions of dollars).

    Returns ``(U, V, final_demand, value_added, g, q)``:

    * ``U``: DataFrame, commodities (73, published row order) × industries (71, published column order):
      intermediate use of commodity i by industry j.
    * ``V``: DataFrame, industries (same 71, same order as ``U.columns``) × commodities (same order as
      ``U.index``): make (output) of commodity j by industry i.
    * ``final_demand``: DataFrame, commodities (``U.index``) × final-demand columns (F010 ... F10N, 20).
    * ``value_added``: DataFrame, V001/V002/V003 × industries (``U.columns``).
    * ``g``: Series, industry output by industry (Use row ``T_INDUSTRY_OUTPUT``), index ``U.columns``.
    * ``q``: Series, commodity output by commodity (Use column ``T_COMMODITY_OUTPUT``), index ``U.index``.

    Absent cells are zeros. Identities (to BEA rounding, a few $M):
    ``U.sum(axis=0) + value_added.sum(axis=0) == g``, ``V.sum(axis=1) == g``, ``V.sum(axis=0) == q``,
    ``U.sum(axis=1) + final_demand.sum(axis=1) == q``. Direct requirements B = U·diag(g)⁻¹, market shares
    D = V·diag(q)⁻¹ (DESIGN.md section 4). Raises ``ValueError`` if the year or redefinitions variant is not in
    ``df``.
    """
    sel = df[(df["year"] == year) & (df["redefinitions"] == redefinitions)]
    use, make = sel[sel["table"] == "use"], sel[sel["table"] == "make"]
    if use.empty or make.empty:
        raise ValueError(f"no summary Use/Make tables for year {year}, redefinitions {redefinitions!r}")

    def order(part: pd.DataFrame, kind_col: str, kind: str, code_col: str, order_col: str) -> list[str]:
        p = part[part[kind_col] == kind].drop_duplicates(code_col).sort_values(order_col)
        return p[code_col].tolist()

    commodities = order(use, "row_kind", "commodity", "row_code", "row_order")
    industries = order(use, "col_kind", "industry", "col_code", "col_order")
    fd_cols = order(use, "col_kind", "final_demand", "col_code", "col_order")
    va_rows = order(use, "row_kind", "value_added", "row_code", "row_order")
    grid = use.pivot(index="row_code", columns="col_code", values="value_usd_millions")
    U = grid.reindex(index=commodities, columns=industries).fillna(0.0)
    final_demand = grid.reindex(index=commodities, columns=fd_cols).fillna(0.0)
    value_added = grid.reindex(index=va_rows, columns=industries).fillna(0.0)
    g = grid.reindex(index=["T_INDUSTRY_OUTPUT"], columns=industries).fillna(0.0).iloc[0].rename("g")
    q = grid.reindex(index=commodities, columns=["T_COMMODITY_OUTPUT"]).fillna(0.0).iloc[:, 0].rename("q")
    mgrid = make.pivot(index="row_code", columns="col_code", values="value_usd_millions")
    V = mgrid.reindex(index=industries, columns=commodities).fillna(0.0)
    for frame in (U, V, final_demand, value_added):
        frame.index.name, frame.columns.name = None, None
    g.index.name = q.index.name = None
    return U, V, final_demand, value_added, g, q


# -------------------------------------------------------------------------------------------- detail tables
def parse_detail(paths: Mapping[str, Path], progress: Progress | None = None) -> pd.DataFrame:
    """``bea_io_detail`` from the eight 2017-benchmark detail workbooks (every year sheet of each)."""
    say = progress_or_noop(progress)
    with contextlib.ExitStack() as stack:
        books = {name: stack.enter_context(Workbook(paths[name])) for name in DETAIL_TABLES}
        years_by = {name: _year_sheets(book) for name, book in books.items()}
        first = next(iter(DETAIL_TABLES))
        expected = years_by[first]
        for name, years in years_by.items():
            if years != expected:
                odd = sorted(set(expected) - set(years)) or sorted(set(years) - set(expected))
                raise MissingInputError("detail workbooks cover different years", path=books[name].path,
                                        sheet=str(odd[0]),
                                        expected=f"sheets {expected} as in {books[first].path.name}",
                                        got=[str(y) for y in years])
        frames = []
        for name, table in DETAIL_TABLES.items():
            book = books[name]
            say(f"bea: {book.path.name} ({len(expected)} sheets)")
            for year in expected:
                m = read_matrix(book.rows(str(year)), path=book.path, sheet=str(year),
                                total_codes=TOTAL_CODES_DETAIL)
                long = m.long()
                long.insert(0, "year", year)
                long.insert(0, "table", table)
                frames.append(long)
    out = pd.concat(frames, ignore_index=True)
    is_dr = (out["table"] == "dr_after").to_numpy()
    out["value_usd_millions"] = np.where(is_dr, np.nan, out["value"])
    out["coefficient"] = np.where(is_dr, out["value"], np.nan)
    out = out.drop(columns="value")
    out["ref_period"] = out["year"].astype(str)
    out["published_date"] = pd.Timestamp(calendar.BEA_DETAIL_2017_RELEASE)
    out["vintage"] = calendar.BEA_DETAIL_2017_RELEASE.isoformat()
    return out


# ------------------------------------------------------------------------------------------ NAICS concordance
def expand_naics(text: object, *, path: Path | None = None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None) -> list[tuple[str, bool]]:
    """Expand BEA's NAICS notation into ``[(code, split)]``.

    ``'11111-2'`` -> 11111, 11112 (the digits after '-' replace the tail of the first code); ``'11113-6, 11119'``
    -> 11113..11116, 11119; a trailing ``*`` marks a code shared by several BEA industries (split=True);
    ints are codes; ``'n.a.'`` and blanks -> ``[]``.
    """
    if _blank(text):
        return []
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return [(_code(text), False)]
    s = str(text).strip()
    if s.lower() == "n.a.":
        return []
    out: list[tuple[str, bool]] = []
    for part in s.split(","):
        p = part.strip()
        split = p.endswith("*")
        p = p.rstrip("*").strip()
        first, _, last = p.partition("-")
        first, last = first.strip(), last.strip()
        if not first.isdigit() or (last and (not last.isdigit() or len(last) > len(first))):
            raise IngestError("NAICS entry does not parse", path=path, sheet=sheet, row=row, column=column,
                              expected="codes, ranges like '11111-2', lists, 'n.a.'", got=text)
        if not last:
            out.append((first, split))
            continue
        end = first[: len(first) - len(last)] + last
        if int(end) < int(first):
            raise IngestError("NAICS range runs backwards", path=path, sheet=sheet, row=row, column=column,
                              expected="end >= start", got=text)
        out.extend((str(k).zfill(len(first)), split) for k in range(int(first), int(end) + 1))
    return out


def parse_naics(path: Path) -> pd.DataFrame:
    """``bea_naics_concordance`` from the "NAICS Codes" sheet of a detail workbook.

    The hierarchy is read by indentation: sector code in column A (title B), summary code in B (title C),
    U.Summary code in C (title D), detail code in D (title E); the Notes and NAICS columns are found by their
    sub-header ("Notes", "Related 2017 NAICS Codes"). The table ends at the first row whose column A holds text
    that is not a code (the footnotes).
    """
    sheet = "NAICS Codes"
    with Workbook(path) as book:
        rows = book.rows(sheet)
    head = next((i for i, r in enumerate(rows[:15])
                 if [_norm(v) for v in (r[:4] if r else ())] == ["sector", "summary", "u.summary", "detail"]), None)
    if head is None:
        raise IngestError("header row not found", path=path, sheet=sheet, column="A",
                          expected="a row reading Sector, Summary, U.Summary, Detail in columns A-D")
    labels = [_norm(v) for v in rows[head]]
    try:
        naics_j = next(j for j, v in enumerate(labels) if "naics" in v)
        notes_j = labels.index("notes")
    except (StopIteration, ValueError):
        raise IngestError("NAICS or Notes column not found", path=path, sheet=sheet, row=head + 1,
                          expected="'Related 2017 NAICS Codes' and 'Notes' sub-headers", got=rows[head]) from None
    naics_col, notes_col = get_column_letter(naics_j + 1), get_column_letter(notes_j + 1)

    def cell(r: tuple, j: int) -> object:
        return r[j] if j < len(r) else None

    sector = summary = usummary = None
    out = []
    for i in range(head + 1, len(rows)):
        r, excel = rows[i], i + 1
        a, b, c, d, e = (cell(r, j) for j in range(5))
        if not _blank(a):
            if not _CODE.match(_code(a)):
                break  # footnotes
            sector, summary, usummary = (_code(a), " ".join(str(b).split())), None, None
        elif not _blank(b):
            summary, usummary = (_code(b), " ".join(str(c).split())), None
        elif not _blank(c):
            usummary = (_code(c), " ".join(str(d).split()))
        elif not _blank(d):
            if _blank(e):
                raise IngestError("detail code without a title", path=path, sheet=sheet, row=excel, column="E",
                                  expected="the detail industry title", got=e)
            if sector is None or summary is None or usummary is None:
                raise IngestError("detail row outside a sector/summary/U.Summary block", path=path, sheet=sheet,
                                  row=excel, column="D", got=d)
            code = _code(d)
            if not _CODE.match(code):
                raise IngestError("detail code is not a BEA code", path=path, sheet=sheet, row=excel, column="D",
                                  expected="letters and digits", got=d)
            note = cell(r, notes_j)
            base = {"sector_code": sector[0], "sector_name": sector[1], "summary_code": summary[0],
                    "summary_name": summary[1], "usummary_code": usummary[0], "usummary_name": usummary[1],
                    "detail_code": code, "detail_title": " ".join(str(e).split()),
                    "notes": None if _blank(note) else str(note).strip(), "_row": excel}
            codes = expand_naics(cell(r, naics_j), path=path, sheet=sheet, row=excel, column=naics_col)
            if not codes:
                out.append({**base, "naics_code": None, "naics_split": False})
            out.extend({**base, "naics_code": n, "naics_split": s} for n, s in codes)
    if not out:
        raise IngestError("no detail rows found", path=path, sheet=sheet, column=notes_col)
    df = pd.DataFrame(out)
    df["ref_period"] = "static"
    df["published_date"] = pd.Timestamp(calendar.BEA_DETAIL_2017_RELEASE)
    df["vintage"] = calendar.BEA_DETAIL_2017_RELEASE.isoformat()
    return df


# ---------------------------------------------------------------------------------------- GDP by industry
def _gdp_sheet(rows: list[tuple], *, path: Path, sheet: str, frequency: str, units_text: str,
               saar: bool) -> tuple[
        pd.DataFrame, dt.date]:
    """One GDP-by-industry sheet -> (line, line_name, period, value, _row) rows and the publication date."""
    head = next((i for i, r in enumerate(rows[:20]) if r and _norm(r[0]) == "line"), None)
    if head is None:
        raise IngestError("header row not found", path=path, sheet=sheet, column="A",
                          expected="a row with 'Line' in column A within the first 20 rows")
    meta = " ".join(str(r[0]) for r in rows[:head] if r and r[0] is not None)
    if units_text not in _norm(meta) or (saar and "annual rates" not in _norm(meta)):
        raise IngestError("units line differs from the table's", path=path, sheet=sheet, row=2, column="A",
                          expected=units_text + (", seasonally adjusted at annual rates" if saar else ""),
                          got=rows[1][0] if len(rows) > 1 and rows[1] else None)
    found = _PUBLISHED.search(meta)
    if not found:
        raise IngestError("publication date not found", path=path, sheet=sheet, column="A",
                          expected="'Data published <Month D, YYYY>' above the header")
    published = dt.datetime.strptime(" ".join(found.group(1).replace(",", ", ").split()), "%B %d, %Y").date()
    header = rows[head]
    periods: list[tuple[int, str]] = []
    for j in range(3, len(header)):
        v = header[j]
        if _blank(v):
            continue
        p = _code(v)
        if not _PERIOD[frequency].match(p):
            raise IngestError("period header does not parse", path=path, sheet=sheet, row=head + 1,
                              column=get_column_letter(j + 1),
                              expected="'2005Q1'" if frequency == "Q" else "'1997'", got=v)
        periods.append((j, p))
    if not periods:
        raise IngestError("no period columns", path=path, sheet=sheet, row=head + 1)
    problems = ProblemCollector(path=path, sheet=sheet)
    out: list[tuple] = []
    lines: dict[int, int] = {}
    started = False
    for i in range(head + 1, len(rows)):
        r, excel = rows[i], i + 1
        a, b = (r[0] if r else None), (r[1] if len(r) > 1 else None)
        if _blank(a):
            if _blank(b):
                if started:
                    break
                continue
            continue  # "Addenda:" captions
        try:
            line = int(str(a).strip())
        except ValueError:
            raise IngestError("line number does not parse", path=path, sheet=sheet, row=excel, column="A",
                              expected="an integer line number", got=a) from None
        if line in lines:
            raise IngestError(f"duplicated line {line} (also in row {lines[line]})", path=path, sheet=sheet,
                              row=excel, column="A", expected="unique line numbers")
        lines[line] = excel
        started = True
        name = _FOOTNOTE.sub("", str(b) if b is not None else "").strip()
        for j, p in periods:
            v = r[j] if j < len(r) else None
            if isinstance(v, str) and v.strip() == _MISSING_TEXT:
                val = float("nan")
            elif _blank(v):
                problems.add("empty cell", row=excel, column=p, expected=f"a number or {_MISSING_TEXT!r}")
                continue
            else:
                val = _number(v, zero_text="\0")
                if val is None:
                    problems.add("value does not parse", row=excel, column=p,
                                 expected=f"a number or {_MISSING_TEXT!r}", got=v)
                    continue
            out.append((line, name, p, val, excel))
    problems.raise_if_any()
    if not out:
        raise IngestError("no data lines", path=path, sheet=sheet, row=head + 2)
    return pd.DataFrame(out, columns=["line", "line_name", "ref_period", "value", "_row"]), published


def parse_gdp(paths: Mapping[str, Path], progress: Progress | None = None) -> pd.DataFrame:
    """``bea_gdp_by_industry`` from the three GDP-by-industry workbooks (sheets *103-*106, annual and quarterly)."""
    say = progress_or_noop(progress)
    frames = []
    for name, (measure, prefix) in GDP_INPUTS.items():
        with Workbook(paths[name]) as book:
            say(f"bea: {book.path.name}")
            for number, (series, unit_a, unit_q, units_text) in GDP_SERIES.items():
                for freq, unit in (("A", unit_a), ("Q", unit_q)):
                    sheet = f"{prefix}{number}-{freq}"
                    part, published = _gdp_sheet(book.rows(sheet), path=book.path, sheet=sheet, frequency=freq,
                                                 units_text=units_text, saar=unit.endswith("_saar"))
                    if freq == "Q":
                        pub = {p: min(calendar.bea_quarterly_published(p), published)
                               for p in part["ref_period"].unique()}
                    else:
                        pub = {p: min(calendar.bea_annual_gdp_by_industry_published(int(p)), published)
                               for p in part["ref_period"].unique()}
                    part["published_date"] = pd.to_datetime(part["ref_period"].map(pub))
                    part["vintage"] = published.isoformat()
                    part["measure"], part["series"], part["frequency"] = measure, series, freq
                    part["sheet"], part["unit"] = sheet, unit
                    frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    # leaf lines (<= 97) are numbered alike in every sheet; only the addenda move down by one in *106
    out["bea_code"] = out["line"].map(GDP_LINE_TO_BEA_CODE)
    return out


def check_gdp_line_map(gdp: pd.DataFrame, industry_names: Mapping[str, str], path: Path | None = None) -> None:
    """Check that each mapped GDP line carries the expected industry: private lines must read exactly as the Use
    table's industry name, government lines as :data:`GOVERNMENT_LINE_NAMES`. Raises IngestError naming the sheet
    and row otherwise (a newer file with renumbered lines must not be mapped silently)."""
    first = gdp.drop_duplicates(["sheet", "line"])
    first = first[first["line"].isin(list(GDP_LINE_TO_BEA_CODE))]
    for sheet, line, name, row in zip(first["sheet"], first["line"], first["line_name"], first["_row"]):
        code = GDP_LINE_TO_BEA_CODE[line]
        expected = GOVERNMENT_LINE_NAMES.get(line, industry_names.get(code))
        if _norm(name) != _norm(expected):
            raise IngestError(f"GDP line {line} is not industry {code}", path=path, sheet=sheet,
                              row=int(row), column="B", expected=expected, got=name)
    seen = set(first["line"])
    missing = sorted(set(GDP_LINE_TO_BEA_CODE) - seen)
    if missing:
        raise IngestError(f"GDP leaf lines missing: {missing[:5]}", path=path, expected="lines 4..97")


# ---------------------------------------------------------------------------------------------- industries
def build_industries(io: pd.DataFrame, concordance: pd.DataFrame) -> pd.DataFrame:
    """``bea_industries``: the Use table's industries (latest year, before redefinitions) with their sector,
    related NAICS codes (from the concordance's detail rows under each summary code) and GDP line."""
    use = io[(io["table"] == "use") & (io["redefinitions"] == "before") & (io["year"] == io["year"].max())]
    inds = use[use["col_kind"] == "industry"].drop_duplicates("col_code").sort_values("col_order")
    code_to_line = {c: line for line, c in GDP_LINE_TO_BEA_CODE.items()}
    by_summary = concordance.groupby("summary_code")
    rows = []
    for rec in inds.itertuples(index=False):
        code = rec.col_code
        if code not in by_summary.groups:
            raise IngestError(f"industry {code!r} of the Use table is not in the NAICS concordance",
                              sheet="NAICS Codes", column="B", expected="a summary code row")
        if code not in code_to_line:
            raise IngestError(f"industry {code!r} of the Use table has no GDP-by-industry line",
                              expected=f"one of {sorted(code_to_line)}")
        part = by_summary.get_group(code)
        naics = sorted({n for n in part["naics_code"].dropna()})
        rows.append({"bea_code": code, "name": rec.col_name, "sector_code": part["sector_code"].iloc[0],
                     "sector_name": part["sector_name"].iloc[0], "naics": ",".join(naics) or None,
                     "gdp_line": code_to_line[code]})
    df = pd.DataFrame(rows)
    df["ref_period"] = "static"
    df["published_date"] = use["published_date"].iloc[0]
    df["vintage"] = use["vintage"].iloc[0]
    return df


# ----------------------------------------------------------------------------------------------------- parse
def parse(inputs: Mapping[str, Path], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """All six BEA tables (see the module docstring)."""
    say = progress_or_noop(progress)
    missing = sorted(set(INPUTS) - set(inputs))
    if missing:
        raise MissingInputError(f"BEA inputs not given: {missing}")
    out = parse_summary(inputs, say)
    say("bea: NAICS concordance")
    out["bea_naics_concordance"] = parse_naics(Path(inputs["naics_concordance"]))
    out["bea_gdp_by_industry"] = parse_gdp(inputs, say)
    io = out["bea_io_summary"]
    names = dict(io.loc[io["col_kind"] == "industry", ["col_code", "col_name"]].drop_duplicates("col_code")
                 .itertuples(index=False, name=None))
    check_gdp_line_map(out["bea_gdp_by_industry"], names, path=Path(inputs["gdp_gross_output"]))
    out["bea_industries"] = build_industries(io, out["bea_naics_concordance"])
    out["bea_io_detail"] = parse_detail(inputs, say)
    return out


SOURCE = Source(
    name="bea",
    parser_version=PARSER_VERSION,
    description="BEA Input-Output accounts (summary 1997-2023, 2024 annual update; 2017-benchmark detail) and "
                "GDP by Industry (December 19, 2024 release), with BEA's industry-to-NAICS concordance",
    inputs=INPUTS,
    parse=parse,
    schemas=SCHEMAS,
    urls=URLS,
    licence="Public domain (U.S. federal government work, 17 U.S.C. §105). Cite: U.S. Bureau of Economic "
            "Analysis, Input-Output Accounts / GDP by Industry, <table>, <vintage>.",
)
