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
    (:data:`ingest.bea_gdp.GDP_LINE_TO_BEA_CODE`).

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

Modules: workbook and matrix reading in :mod:`ingest.bea_sheets`, GDP by Industry in :mod:`ingest.bea_gdp`, the
NAICS concordance in :mod:`ingest.bea_naics`; this module holds the inputs, schemas, the summary and detail IO
tables, :func:`summary_matrices`, the industry table and ``parse``.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from . import calendar
from .bea_gdp import GDP_LINE_TO_BEA_CODE, check_gdp_line_map, parse_gdp
from .bea_naics import parse_naics
from .bea_sheets import Workbook, _check_year_cell, _year_sheets, read_matrix
from .errors import IngestError, MissingInputError
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
