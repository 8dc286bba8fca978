"""BEA parser: properties of the real snapshot files, and bad input named by file/sheet/row/column.

The real workbooks are parsed once for the ingest tests (``bea_tables`` in conftest.py; about 25 s, the
detail tables are most of it); GDP by Industry is tested in ``test_bea_gdp.py``. Bad-input tests use
small workbooks written in the official layouts in tmp_path, or truncated copies of a real file.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ingest import bea, bea_naics
from ingest.errors import IngestError, MissingInputError
from ingest.registry import get_source
from ingest.storage import SNAPSHOT_ROOT, read_checksum_list

PATHS = {name: SNAPSHOT_ROOT / rel for name, rel in bea.INPUTS.items()}
YEARS = list(range(1997, 2024))
# the 71 summary industry codes in the Use table's column order (PROVENANCE.md section 1)
INDUSTRY_CODES = (
    "111CA 113FF 211 212 213 22 23 321 327 331 332 333 334 335 3361MV 3364OT 337 339 311FT 313TT 315AL 322 323 324 "
    "325 326 42 441 445 452 4A0 481 482 483 484 485 486 487OS 493 511 512 513 514 521CI 523 524 525 HS ORE 532RL "
    "5411 5415 5412OP 55 561 562 61 621 622 623 624 711AS 713 721 722 81 GFGD GFGN GFE GSLG GSLE").split()


@pytest.fixture(scope="module")
def tables(bea_tables) -> dict[str, pd.DataFrame]:
    return bea_tables


def _tol(year: int, redefinitions: str) -> float:
    """$1M (rounding), except 2016 before redefinitions where BEA's own tables differ by up to $12M
    (PROVENANCE.md section 1: 'max gap 1, or 12 in 2016')."""
    return 12.0 if (year, redefinitions) == (2016, "before") else 1.0


# ------------------------------------------------------------------------------------------------ registry
def test_source_is_registered_with_snapshot_inputs_and_official_urls():
    src = get_source("bea")
    assert src is bea.SOURCE and set(src.schemas) == {"bea_io_summary", "bea_dr_summary", "bea_io_detail",
                                                      "bea_gdp_by_industry", "bea_industries",
                                                      "bea_naics_concordance"}
    listed = read_checksum_list()
    for name, rel in src.inputs.items():
        assert rel in listed, f"{name}: {rel} not in SHA256SUMS"
        assert src.urls[name].startswith("https://apps.bea.gov/industry/"), name


def test_every_table_validates_with_expected_size(tables):
    sizes = {name: len(df) for name, df in tables.items()}
    assert sizes["bea_industries"] == 71
    assert 250_000 < sizes["bea_io_summary"] < 400_000
    assert 800_000 < sizes["bea_io_detail"] < 1_000_000
    for name, df in tables.items():
        assert list(df.columns) == bea.SCHEMAS[name].column_names
        assert df["vintage"].notna().all() and df["published_date"].notna().all()


# ------------------------------------------------------------------------------------------- summary IO
def test_summary_covers_four_tables_every_year(tables):
    io = tables["bea_io_summary"]
    counts = io.groupby(["table", "redefinitions"])["year"].agg(lambda s: sorted(s.unique()))
    assert len(counts) == 4 and all(list(v) == YEARS for v in counts)
    assert not (io["value_usd_millions"] == 0).any()  # zeros ("...") are omitted: absent = 0
    use = io[io["table"] == "use"]
    assert set(use["row_kind"]) == {"commodity", "value_added", "total"}
    assert set(use["col_kind"]) == {"industry", "final_demand", "total"}
    assert set(use.loc[use["row_kind"] == "total", "row_code"]) == {"T_INTERMEDIATE", "T_VALUE_ADDED",
                                                                     "T_INDUSTRY_OUTPUT"}
    assert set(use.loc[use["col_kind"] == "total", "col_code"]) == {"T_INTERMEDIATE", "T_FINAL_USES",
                                                                     "T_COMMODITY_OUTPUT"}
    make = io[io["table"] == "make"]
    assert set(make["row_kind"]) == {"industry", "total"} and set(make["col_kind"]) == {"commodity", "total"}


def test_summary_matrices_contract_and_output_identity_every_year(tables):
    io = tables["bea_io_summary"]
    for year in YEARS:
        for redef in ("before", "after"):
            U, V, fd, va, g, q = bea.summary_matrices(io, year, redef)
            assert U.shape == (73, 71) and V.shape == (71, 73) and fd.shape == (73, 20) and va.shape == (3, 71)
            assert list(U.columns) == INDUSTRY_CODES and list(V.index) == INDUSTRY_CODES
            assert list(V.columns) == list(U.index) == list(q.index) and U.index[-2:].tolist() == ["Used", "Other"]
            assert list(va.index) == ["V001", "V002", "V003"] and list(g.index) == INDUSTRY_CODES
            use = io[(io["year"] == year) & (io["redefinitions"] == redef) & (io["table"] == "use")]
            grid = use.pivot(index="row_code", columns="col_code", values="value_usd_millions").fillna(0.0)
            ti, tva = grid.loc["T_INTERMEDIATE", U.columns], grid.loc["T_VALUE_ADDED", U.columns]
            # published totals: intermediate inputs + value added = industry output, every industry
            assert np.abs(ti + tva - g).max() <= _tol(year, redef), (year, redef)
            # and the cells add up to the published totals (rounding of up to 71 cells)
            assert np.abs(va.sum(axis=0) - tva).max() <= 1.0
            assert np.abs(U.sum(axis=0) - ti).max() <= 15.0
            assert (g > 0).all()


def test_make_totals_equal_use_outputs_every_year(tables):
    io = tables["bea_io_summary"]
    for year in YEARS:
        for redef in ("before", "after"):
            part = io[(io["year"] == year) & (io["redefinitions"] == redef)]
            use, make = part[part["table"] == "use"], part[part["table"] == "make"]
            g_use = use[use["row_code"] == "T_INDUSTRY_OUTPUT"].set_index("col_code")["value_usd_millions"]
            g_make = make[(make["col_code"] == "T_INDUSTRY_OUTPUT") & (make["row_kind"] == "industry")] \
                .set_index("row_code")["value_usd_millions"]
            assert list(g_make.index) == INDUSTRY_CODES
            assert np.abs(g_make - g_use.reindex(g_make.index)).max() <= _tol(year, redef), (year, redef)
            q_use = use[use["col_code"] == "T_COMMODITY_OUTPUT"].set_index("row_code")["value_usd_millions"]
            q_make = make[(make["row_code"] == "T_COMMODITY_OUTPUT") & (make["col_kind"] == "commodity")] \
                .set_index("col_code")["value_usd_millions"]
            assert len(q_make) >= 72  # 'Other' commodity output is zero in some years
            assert np.abs(q_make - q_use.reindex(q_make.index).fillna(0.0)).max() <= 1.0, (year, redef)


def test_summary_magnitudes_and_point_in_time(tables):
    io = tables["bea_io_summary"]
    use = io[(io["table"] == "use") & (io["redefinitions"] == "before")]
    corner = use[use["col_code"] == "T_INTERMEDIATE"].set_index(["year", "row_code"])["value_usd_millions"]
    assert corner[(2017, "T_INTERMEDIATE")] == pytest.approx(14.86e6, rel=1e-3)
    assert use[(use["year"] == 2023) & (use["row_code"] == "T_INDUSTRY_OUTPUT") &
               (use["col_kind"] == "industry")]["value_usd_millions"].sum() == pytest.approx(48_386_809, abs=71)
    assert set(io["vintage"]) == {"2024-09-26"}
    pub = io.drop_duplicates("year").set_index("year")["published_date"]
    # calendar.bea_annual_io_published (data/calendar/bea_release_dates.csv): Y+1 from 2013 (late October to mid
    # November for 2013-2018, late September since 2020 except the 2023 comprehensive update), Y+2 before
    assert pub[2021] == pd.Timestamp("2022-09-30") and pub[2022] == pd.Timestamp("2023-12-21")
    assert pub[2023] == pd.Timestamp("2024-09-26")
    assert pub[2014] == pd.Timestamp("2015-11-05") and pub[2017] == pd.Timestamp("2018-11-30")
    assert pub[2012] == pd.Timestamp("2014-09-26") and pub[1997] == pd.Timestamp("1999-09-26")


def test_published_dr_equals_use_over_industry_output(tables):
    io, dr = tables["bea_io_summary"], tables["bea_dr_summary"]
    assert sorted(dr["year"].unique()) == YEARS
    assert set(dr["row_kind"]) == {"commodity", "value_added", "total"}
    for year in YEARS:
        U, _, _, va, g, _ = bea.summary_matrices(io, year, "after")
        published = dr[dr["year"] == year].pivot(index="commodity_code", columns="industry_code",
                                                 values="coefficient")
        computed = pd.concat([U, va]) / g
        got = published.reindex(index=computed.index, columns=computed.columns).fillna(0.0)
        err = (got - computed).abs()
        # BEA computes B from unrounded flows; the published flows are rounded to $1M, so a cell may differ by
        # up to about $1M / g_j (plus 1e-7 for the coefficients' 7 decimals). Worst cell: 2017 ('485', '315AL'):
        # flow '...' (< $0.5M), coefficient 3.05e-5 on g = $16,285M, just above PROVENANCE.md's "3e-5".
        assert (err.to_numpy() <= 1.0 / g.to_numpy() + 1e-7).all(), year
        assert err.to_numpy().max() <= 3.1e-5, year
        assert np.allclose(published.loc["T_TOTAL", INDUSTRY_CODES], 1.0)


# -------------------------------------------------------------------------------------------------- detail
def test_detail_tables_2017_totals(tables):
    det = tables["bea_io_detail"]
    assert set(det["table"]) == set(bea.DETAIL_TABLES.values())
    assert sorted(det["year"].unique()) == [2007, 2012, 2017]
    d17 = det[det["year"] == 2017].set_index(["table", "row_code", "col_code"])
    assert d17.loc[("use_after_pro", "T005", "T001"), "value_usd_millions"] == 14_856_026
    assert d17.loc[("use_after_pro", "T005", "T004"), "value_usd_millions"] == 19_612_103
    # the before-redefinitions file has no codes on its last two columns: they get BEA's after-file codes
    assert d17.loc[("use_before_pro", "T005", "T007"), "value_usd_millions"] == 34_468_130
    assert d17.loc[("make_before", "T007", "T008"), "value_usd_millions"] == 34_468_130
    use17 = det[(det["table"] == "use_after_pro") & (det["year"] == 2017)]
    assert use17.loc[use17["row_code"] == "T008", "value_usd_millions"].sum() == pytest.approx(34.468e6, rel=1e-3)
    commodities = use17.loc[use17["row_order"] < use17.loc[use17["row_code"] == "T005", "row_order"].iloc[0],
                            "row_code"].unique()
    assert len(commodities) == 402 and "111200" in commodities and "S00401" in commodities
    pur = det[(det["table"] == "use_before_pur") & (det["year"] == 2017)]
    assert pur.loc[pur["row_code"].str.match(r"^(?!T0|V0)"), "row_code"].nunique() == 394
    dr = det[det["table"] == "dr_after"]
    assert dr["value_usd_millions"].isna().all() and dr["coefficient"].notna().all()
    flows = det[det["table"] != "dr_after"]
    assert flows["coefficient"].isna().all() and flows["value_usd_millions"].notna().all()
    assert (det["published_date"] == pd.Timestamp("2023-09-28")).all()


def test_detail_dr_equals_use_over_output_2017(tables):
    det = tables["bea_io_detail"]
    part = det[(det["year"] == 2017) & det["table"].isin(["use_after_pro", "dr_after"])]
    use = part[part["table"] == "use_after_pro"].pivot(index="row_code", columns="col_code",
                                                       values="value_usd_millions").fillna(0.0)
    dr = part[part["table"] == "dr_after"].pivot(index="row_code", columns="col_code",
                                                 values="coefficient").fillna(0.0)
    industries = list(dr.columns)
    rows = [r for r in use.index if not r.startswith("T")]  # 402 commodities + V00100..V00300
    assert len(industries) == 402 and set(industries) <= set(use.columns) and len(rows) == 405
    g = use.loc["T008", industries]
    computed = use.loc[rows, industries] / g
    full = dr.reindex(index=rows, columns=industries).fillna(0.0)
    err = (full - computed).abs()
    # same bound as the summary check: the published flows are rounded to $1M
    assert (err.to_numpy() <= 1.0 / g.to_numpy() + 1e-7).all()
    # the published total row is the column sum of the rounded coefficients (BEA prints 0.999989 for 811400)
    total = dr.loc["T011", industries]
    assert np.abs(total - full.sum(axis=0)).max() <= 3e-5
    assert np.abs(total - 1.0).max() <= 2e-5


# ----------------------------------------------------------------------------------------- release calendar
def test_release_table_dates_and_rules():
    from ingest import calendar as c

    t = c.read_release_table()
    assert set(t["verified"]) == {"yes", "no"} and t["source"].str.len().min() > 20
    verified = t[(t["product"] == "gdp_by_industry_quarterly") & (t["verified"] == "yes")]
    for row in verified.itertuples():  # a verified quarter is dated by its news release, not by a rule
        assert c.bea_quarterly_timing(row.ref_period) == row.date
    assert c.bea_quarterly_timing("2017Q1") == dt.date(2017, 7, 21)
    assert c.bea_quarterly_timing("2016Q2") == dt.date(2016, 11, 15)  # unverified Q2: mid-November
    assert c.bea_quarterly_timing("2023Q1") == dt.date(2023, 6, 29)  # since 2020Q3: with the third estimate
    # before 2013Q4 (no regular release yet) the timing date follows the 2014-2020 schedule; public much later
    assert c.bea_quarterly_timing("2008Q3") == dt.date(2009, 2, 2)
    assert c.bea_quarterly_published("2008Q3") == dt.date(2018, 11, 30)
    # every unverified quarter is dated no earlier than the ~110 days of the verified pre-2020 releases
    for q in pd.period_range("2014Q1", "2020Q1", freq="Q"):
        lag = (c.bea_quarterly_timing(q) - c.quarter_end(q)).days
        assert lag >= 105, (str(q), lag)
    assert c.bea_annual_io_published(2015) == dt.date(2016, 11, 15)
    assert c.bea_annual_io_published(2011) == dt.date(2013, 9, 26)


@pytest.mark.parametrize("column,value,message", [
    ("release_date", "2017-13-01", "bad release_date"),
    ("release_date", "2017-03-01", "release date before the quarter ended"),
    ("ref_period", "2017Q5", "bad quarter"),
    ("product", "gdp_monthly", "unknown product"),
    ("verified", "maybe", "verified must be yes or no"),
    ("source", "", "every release date needs its source"),
])
def test_release_table_bad_rows_name_file_row_and_field(tmp_path, column, value, message):
    from ingest import calendar as c

    df = pd.read_csv(c.RELEASE_TABLE, dtype=str, keep_default_na=False)
    i = int(df.index[(df["product"] == "gdp_by_industry_quarterly") & (df["ref_period"] == "2017Q1")][0])
    df.loc[i, column] = value
    path = tmp_path / "bea_release_dates.csv"
    df.to_csv(path, index=False)
    with pytest.raises(IngestError) as err:
        c.read_release_table(path)
    text = str(err.value)
    assert message in text and path.name in text and str(i + 2) in text


# ---------------------------------------------------------------------------------- industries, concordance
def test_industries_have_names_sectors_naics_and_lines(tables):
    ind = tables["bea_industries"]
    assert ind["bea_code"].tolist() == INDUSTRY_CODES
    assert ind["name"].str.len().gt(2).all() and ind["gdp_line"].is_unique
    row = ind.set_index("bea_code")
    assert row.loc["111CA", "name"] == "Farms" and row.loc["111CA", "sector_code"] == "11"
    assert row.loc["111CA", "naics"].split(",")[:2] == ["11111", "11112"]
    assert row.loc["5415", "naics"] == "541511,541512,541513,541519"
    assert row.loc["GFE", "naics"] == "491"
    # general government and state/local enterprises have no NAICS counterpart (BEA: n.a.); all others do
    no_naics = set(ind.loc[ind["naics"].isna(), "bea_code"])
    assert no_naics == {"GFGD", "GFGN", "GSLG", "GSLE"}
    assert row.loc["GFGD", "gdp_line"] == 92 and row.loc["GSLE", "gdp_line"] == 97


def test_naics_concordance_expands_ranges_and_lists(tables):
    cc = tables["bea_naics_concordance"]
    # 402 detail industries + 4 special commodities (scrap, used goods, noncomparable imports, RoW adjustment);
    # 71 summary industries + Used + Other; 21 sectors + Used + Other; 138 U.Summary + 3 special
    assert cc["detail_code"].nunique() == 406 and cc["usummary_code"].nunique() == 141
    assert cc["summary_code"].nunique() == 73 and cc["sector_code"].nunique() == 23
    by = cc.groupby("detail_code")["naics_code"].apply(lambda s: sorted(s.dropna()))
    assert by["1111A0"] == ["11111", "11112"]
    assert by["1111B0"] == ["11113", "11114", "11115", "11116", "11119"]
    assert by["323110"] == ["32311"]  # '32311\n' in the sheet
    constr = cc[cc["sector_code"] == "23"]
    assert constr["naics_code"].eq("23").all() and constr["naics_split"].all()
    na = cc[cc["naics_code"].isna()]
    assert {"GSLGE", "S00401", "S00300"} <= set(na["detail_code"]) and not na["naics_split"].any()
    assert cc.loc[cc["detail_code"] == "S00401", "notes"].iloc[0] == "††"
    assert cc["naics_code"].dropna().str.fullmatch(r"\d{2,6}").all()


def test_expand_naics_notation():
    assert bea_naics.expand_naics("11111-2") == [("11111", False), ("11112", False)]
    assert bea_naics.expand_naics("7223-4, 722514-5") == [("7223", False), ("7224", False), ("722514", False),
                                                    ("722515", False)]
    assert bea_naics.expand_naics("23*") == [("23", True)]
    assert bea_naics.expand_naics(1112) == [("1112", False)]
    assert bea_naics.expand_naics("n.a.") == [] and bea_naics.expand_naics(None) == []
    with pytest.raises(IngestError, match="row 12 column 'G'.*does not parse"):
        bea_naics.expand_naics("11x1", path="f.xlsx", sheet="NAICS Codes", row=12, column="G")
    with pytest.raises(IngestError, match="backwards"):
        bea_naics.expand_naics("1119-5")


# =========================================================================================== bad inputs
def _matrix_sheet(ws, title: str, year: int, corner: str, codes: list, names: list, rows: list) -> None:
    """Write a summary-layout sheet: title/units/BEA/year, blank, codes (row 6), names (row 7), data (row 8+)."""
    for line in (title, "(Millions of dollars)", "Bureau of Economic Analysis", str(year)):
        ws.append([line])
    ws.append([])
    ws.append([None, corner, *codes])
    ws.append(["IOCode", "Name", *names])
    for r in rows:
        ws.append(list(r))
    ws.append([])
    ws.append(["Note. Selected data with zero values are not shown."])


USE_COLS = (["A1", "A2", None, "F010", "F040", None, None],
            ["Ind one", "Ind two", "Total Intermediate", "Personal consumption expenditures", "Exports",
             "Total Final Uses (GDP)", "Total Commodity Output"])
USE_ROWS = [
    ("A1", "Ind one", 10, 5, 15, 40, 5, 45, 60),
    ("A2", "Ind two", 4, 20, 24, 50, 6, 56, 80),
    ("Used", "Scrap, used and secondhand goods", 1, "...", 1, "...", "...", "...", 1),
    ("Other", "Noncomparable imports [1]", "...", 2, 2, "...", -2, -2, "..."),
    (None, "Total Intermediate", 15, 27, 42, 90, 9, 99, 141),
    ("V001", "Compensation of employees", 30, 40, 70),
    ("V002", "Taxes on production and imports, less subsidies", 5, "...", 5),
    ("V003", "Gross operating surplus", 10, 13, 23),
    (None, "Total Value Added", 45, 53, 98),
    (None, "Total Industry Output", 60, 80, 140),
]
MAKE_COLS = (["A1", "A2", "Used", "Other", None],
             ["Ind one", "Ind two", "Scrap /1/", "Other /2/", "Total Industry Output"])
MAKE_ROWS = [
    ("A1", "Ind one", 59, "...", 1, "...", 60),
    ("A2", "Ind two", 1, 80, "...", "...", 81),
    (None, "Total Commodity Output", 60, 80, 1, "...", 141),
]
DR_ROWS = [
    ("A1", "Ind one", 0.1666667, 0.0625),
    ("A2", "Ind two", 0.0666667, 0.25),
    ("Used", "Scrap", 0.0166667, 0),
    ("Other", "Other", 0, 0.025),
    ("V001", "Compensation of employees", 0.5, 0.5),
    ("V002", "Taxes", 0.0833333, 0),
    ("V003", "Gross operating surplus", 0.1666667, 0.1625),
    (None, "Total", 1, 1),
]


def _write_summary(tmp: Path, years=(2022, 2023), tamper=None) -> dict[str, Path]:
    """The five summary workbooks in the official layout; ``tamper(name, year, ws)`` may damage one sheet."""
    specs = {
        "use_before": ("IOUse_mini.xlsx", "Commodities/Industries", USE_COLS, USE_ROWS),
        "use_after": ("IOUseAfter_mini.xlsx", "Commodities/Industries", USE_COLS, USE_ROWS),
        "make_before": ("IOMake_mini.xlsx", "Industries/Commodities", MAKE_COLS, MAKE_ROWS),
        "make_after": ("IOMakeAfter_mini.xlsx", "Industries/Commodities", MAKE_COLS, MAKE_ROWS),
        "dr_summary": ("CxI_DR_mini.xlsx", "Commodities/Industries", (["A1", "A2"], ["Ind one", "Ind two"]),
                       DR_ROWS),
    }
    paths = {}
    for name, (fname, corner, (codes, names), rows) in specs.items():
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for year in years:
            ws = wb.create_sheet(str(year))
            _matrix_sheet(ws, f"mini {name}", year, corner, codes, names, rows)
            if tamper:
                tamper(name, year, ws)
        paths[name] = tmp / fname
        wb.save(paths[name])
    return paths


def test_mini_summary_parses_to_the_written_cells(tmp_path):
    out = bea.parse_summary(_write_summary(tmp_path))
    io = out["bea_io_summary"]
    U, V, fd, va, g, q = bea.summary_matrices(io, 2023, "before")
    assert U.loc["A2", "A1"] == 4 and U.loc["Used", "A2"] == 0 and U.loc["Other", "A2"] == 2
    assert V.loc["A1", "Used"] == 1 and list(fd.columns) == ["F010", "F040"]
    assert g.tolist() == [60, 80] and q.tolist() == [60, 80, 1, 0]
    assert (U.sum(axis=0) + va.sum(axis=0)).tolist() == g.tolist()
    assert set(io["vintage"]) == {"2024-09-26"}  # last year 2023 -> the 2024 annual update
    assert io.set_index(["table", "year", "row_code", "col_code"]).loc[
        ("use", 2023, "T_INTERMEDIATE", "T_FINAL_USES"), "value_usd_millions"].iloc[0] == 99
    row_names = io.drop_duplicates("row_code").set_index("row_code")["row_name"]
    assert row_names["Other"] == "Noncomparable imports [1]"
    assert out["bea_dr_summary"].query("commodity_code == 'T_TOTAL'")["coefficient"].eq(1).all()


def test_truncated_workbook_names_the_file(tmp_path):
    real = PATHS["dr_summary"]
    bad = tmp_path / real.name
    bad.write_bytes(real.read_bytes()[: real.stat().st_size // 2])
    paths = {**PATHS, "dr_summary": bad}
    with pytest.raises(IngestError) as err:
        bea.parse_summary(paths)
    assert real.name in str(err.value) and "truncated" in str(err.value)


def test_missing_year_sheet_is_named(tmp_path):
    paths = _write_summary(tmp_path)
    wb = openpyxl.load_workbook(paths["make_after"])
    wb.remove(wb["2022"])
    wb.save(paths["make_after"])
    with pytest.raises(MissingInputError) as err:
        bea.parse_summary(paths)
    assert "IOMakeAfter_mini.xlsx[2022]" in str(err.value) and "year sheet missing" in str(err.value)


def test_renamed_header_row_is_refused(tmp_path):
    def rename(name, year, ws):
        if name == "use_after" and year == 2023:
            ws["A7"] = "Industry code"

    with pytest.raises(IngestError) as err:
        bea.parse_summary(_write_summary(tmp_path, tamper=rename))
    msg = str(err.value)
    assert "IOUseAfter_mini.xlsx[2023]" in msg and "column 'A'" in msg and "header row not found" in msg


def test_junk_text_in_a_numeric_cell_names_row_and_column(tmp_path):
    def junk(name, year, ws):
        if name == "use_before" and year == 2022:
            ws["C9"] = "(D)"  # commodity A2 used by industry A1

    with pytest.raises(IngestError) as err:
        bea.parse_summary(_write_summary(tmp_path, tamper=junk))
    assert str(err.value) == ("IOUse_mini.xlsx[2022] row 9 column 'A1': value does not parse: "
                              "expected a number or '...', got '(D)'")


def test_duplicated_industry_code_is_refused(tmp_path):
    def dup_col(name, year, ws):
        if name == "make_before" and year == 2023:
            ws["D6"] = "A1"

    with pytest.raises(IngestError) as err:
        bea.parse_summary(_write_summary(tmp_path, tamper=dup_col))
    assert "IOMake_mini.xlsx[2023] row 6 column 'D': duplicated column code 'A1'" in str(err.value)

    def dup_row(name, year, ws):
        if name == "dr_summary" and year == 2022:
            ws["A9"] = "A1"

    with pytest.raises(IngestError) as err:
        bea.parse_summary(_write_summary(tmp_path, tamper=dup_row))
    assert "CxI_DR_mini.xlsx[2022] row 9 column 'A': duplicated row code 'A1'" in str(err.value)


def test_uncoded_row_that_is_not_a_total_is_refused(tmp_path):
    def stray(name, year, ws):
        if name == "use_before" and year == 2023:
            ws["A10"] = None  # the 'Used' row loses its code

    with pytest.raises(IngestError, match=r"IOUse_mini.xlsx\[2023\] row 10 column 'A': row has no code"):
        bea.parse_summary(_write_summary(tmp_path, tamper=stray))


# -------------------------------------------------------------------------------------- NAICS bad inputs
def test_naics_sheet_bad_entry_and_missing_sheet(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "NAICS Codes"
    for r in (["Industry Codes"], ["long text"], [], ["BEA Industry Code", None, None, None, "Industry Title"],
              ["Sector", "Summary", "U.Summary", "Detail", None, "Notes", "Related 2017 NAICS Codes"],
              [11, "AGRICULTURE"], [None, "111CA", "Farms"], [None, None, 111, "Crop production"],
              [None, None, None, "1111A0", "Oilseed farming", None, "11111-2"],
              [None, None, None, 111200, "Vegetable farming", None, "11x2"]):
        ws.append(r)
    wb.create_sheet("2017")
    path = tmp_path / "det.xlsx"
    wb.save(path)
    with pytest.raises(IngestError) as err:
        bea_naics.parse_naics(path)
    assert str(err.value).startswith("det.xlsx[NAICS Codes] row 10 column 'G': NAICS entry does not parse")
    wb.remove(wb["NAICS Codes"])
    wb.save(path)
    with pytest.raises(MissingInputError, match=r"det.xlsx\[NAICS Codes\]: sheet not found"):
        bea_naics.parse_naics(path)


def test_detail_workbooks_must_cover_the_same_years(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "NAICS Codes"
    wb.create_sheet("2017")
    short = tmp_path / "IOUse_short.xlsx"
    wb.save(short)
    with pytest.raises(MissingInputError, match=r"IOUse_short.xlsx\[2007\]: detail workbooks cover different"):
        bea.parse_detail({**PATHS, "detail_use_after_pro": short})
