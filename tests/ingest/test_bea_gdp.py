"""BEA GDP by Industry (:mod:`ingest.bea_gdp`): the real December 2024 workbooks (headline figures, publication
dates, SAAR quarters against annual figures, leaf lines against the total and the IO tables, units and missing
values) and bad input named by file/sheet/row/column in small workbooks written in the official layout.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ingest import bea_gdp
from ingest.errors import IngestError, MissingInputError


@pytest.fixture(scope="module")
def tables(bea_tables) -> dict[str, pd.DataFrame]:
    return bea_tables


def test_gdp_headline_2024q3_and_vintage(tables):
    gdp = tables["bea_gdp_by_industry"]
    q3 = gdp[(gdp["ref_period"] == "2024Q3") & (gdp["line"] == 1) & (gdp["series"] == "nominal")]
    by = q3.set_index("measure")
    assert by.loc["value_added", "value"] == 29_374_914 and by.loc["gross_output", "value"] == 50_898_479
    assert by.loc["value_added", "line_name"] == "Gross domestic product"
    assert set(q3["unit"]) == {"usd_millions_saar"}
    assert set(gdp["vintage"]) == {"2024-12-19"}
    # quarter end + 90 days, capped at the release date printed in the file
    assert (q3["published_date"] == pd.Timestamp("2024-12-19")).all()
    pub = gdp[(gdp["frequency"] == "Q")].drop_duplicates("ref_period").set_index("ref_period")["published_date"]
    assert pub["2024Q2"] == pd.Timestamp("2024-09-28")
    annual = gdp[gdp["frequency"] == "A"].drop_duplicates("ref_period").set_index("ref_period")["published_date"]
    assert annual["2023"] == pd.Timestamp("2024-03-31")
    # before September 2020 quarters came out ~30 days after the third GDP estimate, Q2 with the annual update;
    # 71-industry quarters before 2012 only with the November 2018 update (data/calendar/bea_release_dates.csv)
    assert pub["2016Q3"] == pd.Timestamp("2017-01-19") and pub["2019Q2"] == pd.Timestamp("2019-10-29")
    assert pub["2015Q4"] == pd.Timestamp("2016-05-04")  # unverified: quarter end + 125 days
    assert pub["2005Q1"] == pub["2011Q4"] == pd.Timestamp("2018-11-30")
    assert pub["2012Q1"] == pd.Timestamp("2014-04-25")


def test_gdp_quarterly_saar_mean_equals_annual(tables):
    gdp = tables["bea_gdp_by_industry"]
    go = gdp[(gdp["measure"] == "gross_output") & (gdp["series"] == "nominal") & (gdp["line"] <= 97)]
    q = go[go["frequency"] == "Q"].assign(year=lambda d: d["ref_period"].str[:4])
    q = q[q["year"] <= "2023"]
    mean = q.groupby(["line", "year"])["value"].mean()
    assert mean.groupby(level="line").size().eq(19).all()  # 2005-2023, every line
    annual = go[go["frequency"] == "A"].set_index(["line", "ref_period"])["value"]
    annual.index = annual.index.set_names(["line", "year"])
    rel = (mean / annual.reindex(mean.index) - 1).abs()
    assert rel.notna().all() and rel.max() <= 1e-4


def test_gdp_leaf_lines_add_to_total_and_match_io(tables):
    gdp, io = tables["bea_gdp_by_industry"], tables["bea_io_summary"]
    assert gdp.loc[gdp["bea_code"].notna(), "bea_code"].nunique() == 71
    for measure in ("gross_output", "value_added", "intermediate_inputs"):
        d = gdp[(gdp["measure"] == measure) & (gdp["series"] == "nominal")]
        leaf = d[d["bea_code"].notna()].groupby(["frequency", "ref_period"])["value"].sum()
        total = d[d["line"] == 1].set_index(["frequency", "ref_period"])["value"]
        gap = (leaf - total.reindex(leaf.index)).abs()
        # independent rounding of 71 published figures: at most $46M (annual 2016) on totals of $30-50T;
        # PROVENANCE.md's "within $1M" holds for the latest quarter only
        assert (gap / total.reindex(leaf.index)).max() <= 5e-6, measure
        assert gap[("Q", "2024Q3")] <= 1.0, measure
    go23 = gdp[(gdp["measure"] == "gross_output") & (gdp["series"] == "nominal") & (gdp["frequency"] == "A") &
               (gdp["ref_period"] == "2023") & gdp["bea_code"].notna()].set_index("bea_code")["value"]
    use = io[(io["table"] == "use") & (io["redefinitions"] == "before") & (io["year"] == 2023) &
             (io["row_code"] == "T_INDUSTRY_OUTPUT") & (io["col_kind"] == "industry")]
    g = use.set_index("col_code")["value_usd_millions"]
    assert np.abs(go23.reindex(g.index) - g).max() <= 1.0


def test_gdp_series_units_missing_and_names(tables):
    gdp = tables["bea_gdp_by_industry"]
    units = gdp.groupby(["series", "frequency"])["unit"].unique().map(list).to_dict()
    assert units[("nominal", "A")] == ["usd_millions"] and units[("nominal", "Q")] == ["usd_millions_saar"]
    assert units[("price_index", "A")] == ["index_2017_100"]
    assert units[("real_chained_2017", "Q")] == ["usd_millions_chained_2017_saar"]
    # "....." is missing (NaN), never 0: exactly the ICT addendum (line 100, 101 in *106) of every quarterly sheet
    ict_line = np.where(gdp["series"] == "real_chained_2017", 101, 100)
    is_ict_q = (gdp["frequency"] == "Q") & (gdp["line"] == ict_line)
    assert is_ict_q.sum() == 3 * 4 * 79
    assert gdp["value"].isna().eq(is_ict_q).all()
    names = set(gdp["line_name"])
    assert not any("\\" in n or n != n.strip() for n in names)
    assert "Information-communications-technology-producing industries" in names
    real = gdp[(gdp["series"] == "real_chained_2017") & (gdp["line"] == 98)]
    assert set(real["line_name"]) == {"Not allocated by industry"} and real["bea_code"].isna().all()
    price17 = gdp[(gdp["series"] == "price_index") & (gdp["ref_period"] == "2017") & (gdp["line"] <= 97)]
    assert np.allclose(price17["value"], 100.0, atol=0.01)


# ---------------------------------------------------------------------------------------- GDP bad inputs
def _write_gdp(path: Path, tamper=None) -> Path:
    """A GDP-by-industry workbook with every sheet the parser reads (all three prefixes), three lines each."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    units = {"105": "[Millions of dollars]", "106": "[Millions of 2017 chain dollars]", "104": "[2017=100]",
             "103": "[2017=100]"}
    for prefix in ("TGO", "TVA", "TII"):
        for number, unit in units.items():
            for freq, periods in (("A", ["2022", "2023"]), ("Q", ["2023Q3", "2023Q4", "2024Q1"])):
                sheet = f"{prefix}{number}-{freq}"
                ws = wb.create_sheet(sheet)
                saar = " Seasonally adjusted at annual rates" if freq == "Q" and number in ("105", "106") else ""
                for line in ("Title", unit + saar, "Coverage", "Bureau of Economic Analysis",
                             "Data published December 19, 2024", "File created"):
                    ws.append([line])
                ws.append([])
                ws.append(["Line", None, None, *periods])
                ws.append(["1", "    All industries", None, *[100.0 + i for i in range(len(periods))]])
                ws.append(["2", "    Farms\\1\\", None, *[10.0] * len(periods)])
                ws.append([None, "  Addenda:", None])
                ws.append(["3", "      ICT-producing industries\\ 4\\", None, *["....."] * len(periods)])
                ws.append([])
                ws.append(["1. Consists of ..."])
                if tamper:
                    tamper(sheet, ws)
    wb.save(path)
    return path


def _gdp_paths(path: Path) -> dict[str, Path]:
    return {name: path for name in bea_gdp.GDP_INPUTS}


def test_mini_gdp_parses_lines_missing_and_dates(tmp_path):
    gdp = bea_gdp.parse_gdp(_gdp_paths(_write_gdp(tmp_path / "gdp.xlsx")))
    assert len(gdp) == 3 * 4 * 3 * (2 + 3)
    assert set(gdp["line_name"]) == {"All industries", "Farms", "ICT-producing industries"}
    assert gdp.loc[gdp["line"] == 3, "value"].isna().all()
    q = gdp[(gdp["frequency"] == "Q") & (gdp["line"] == 1)].drop_duplicates("ref_period") \
        .set_index("ref_period")["published_date"]
    assert q["2023Q3"] == pd.Timestamp(dt.date(2023, 12, 29)) and q["2024Q1"] == pd.Timestamp("2024-06-29")
    assert set(gdp["vintage"]) == {"2024-12-19"}


def test_gdp_junk_cell_renamed_header_duplicate_line_missing_sheet(tmp_path):
    def junk(sheet, ws):
        if sheet == "TVA105-Q":
            ws["E9"] = "n/a"

    with pytest.raises(IngestError) as err:
        bea_gdp.parse_gdp(_gdp_paths(_write_gdp(tmp_path / "a.xlsx", junk)))
    assert str(err.value) == ("a.xlsx[TVA105-Q] row 9 column '2023Q4': value does not parse: "
                              "expected a number or '.....', got 'n/a'")

    def header(sheet, ws):
        if sheet == "TII104-A":
            ws["A8"] = "Row"

    with pytest.raises(IngestError, match=r"b.xlsx\[TII104-A\] column 'A': header row not found"):
        bea_gdp.parse_gdp(_gdp_paths(_write_gdp(tmp_path / "b.xlsx", header)))

    def dup(sheet, ws):
        if sheet == "TGO106-A":
            ws["A10"] = "1"

    with pytest.raises(IngestError, match=r"c.xlsx\[TGO106-A\] row 10 column 'A': duplicated line 1"):
        bea_gdp.parse_gdp(_gdp_paths(_write_gdp(tmp_path / "c.xlsx", dup)))

    path = _write_gdp(tmp_path / "d.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.remove(wb["TGO104-Q"])
    wb.save(path)
    with pytest.raises(MissingInputError, match=r"d.xlsx\[TGO104-Q\]: sheet not found"):
        bea_gdp.parse_gdp(_gdp_paths(path))


def test_gdp_line_map_refuses_renumbered_lines(tables):
    gdp = tables["bea_gdp_by_industry"]
    io = tables["bea_io_summary"]
    names = dict(io.loc[io["col_kind"] == "industry", ["col_code", "col_name"]]
                 .drop_duplicates("col_code").itertuples(index=False, name=None))
    shifted = gdp.assign(line_name=gdp["line_name"].where(gdp["line"] != 5, "Mining"), _row=9)
    with pytest.raises(IngestError, match=r"GDP line 5 is not industry 113FF"):
        bea_gdp.check_gdp_line_map(shifted, names)
