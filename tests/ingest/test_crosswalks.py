"""Crosswalk tables on the real snapshot files, plus bad-input tests on small synthetic copies."""
from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest

from ingest import crosswalks as X
from ingest import oews, oews_fields
from ingest.errors import IngestError, MissingInputError
from ingest.storage import SNAPSHOT_ROOT

BEA_SUMMARY_71 = set("""111CA 113FF 211 212 213 22 23 321 327 331 332 333 334 335 3361MV 3364OT 337 339 311FT 313TT
315AL 322 323 324 325 326 42 441 445 452 4A0 481 482 483 484 485 486 487OS 493 511 512 513 514 521CI 523 524 525 HS
ORE 532RL 5411 5415 5412OP 55 561 562 61 621 622 623 624 711AS 713 721 722 81 GFGD GFGN GFE GSLG GSLE""".split())
INPUTS = {k: SNAPSHOT_ROOT / v for k, v in X.INPUTS.items()}


@pytest.fixture(scope="module")
def tables():
    out = X.parse(INPUTS)
    return {name: X.SCHEMAS[name].validate(df) for name, df in out.items()}


@pytest.fixture(scope="module")
def alloc(tables):
    return tables["xwalk_oews_industry_bea"]


def test_bea_naics_expands_ranges_lists_and_splits(tables):
    x = tables["xwalk_bea_naics"]
    codes = x.groupby("bea_detail_code")["naics_code"].agg(lambda s: sorted(s.dropna()))
    assert codes["1111A0"] == ["11111", "11112"]
    assert codes["1111B0"] == ["11113", "11114", "11115", "11116", "11119"]
    assert codes["111200"] == ["1112"]
    assert x.loc[x["bea_detail_code"] == "233210", "naics_split"].tolist() == [True]
    assert x.loc[x["naics_split"], "naics_code"].unique().tolist() == ["23"]
    assert x.loc[x["bea_detail_code"] == "S00500", "naics_code"].isna().all()
    assert set(x["bea_summary_code"]) - {"Used", "Other"} == BEA_SUMMARY_71
    assert x["bea_detail_code"].nunique() >= 402


def test_detail_output_matches_published_total():
    output = X.detail_output(INPUTS["bea_detail_use"])
    assert len(output) == 402
    assert sum(output.values()) == pytest.approx(34_468_130, abs=10)  # T008 total, BEA rounding
    assert output["GSLGE"] == 932_837 and output["491000"] > 0


def test_every_2025_industry_maps_with_shares_summing_to_one(alloc):
    industries = X.read_oews_industries(INPUTS["oews_industry_2025"])
    needed = industries[industries["level"].isin(["sector", "naics3", "naics4"])]
    assert len(needed) == 20 + 84 + 244
    assert set(industries["code"]) == set(alloc["oews_industry_code"])  # every level maps, none left out
    sums = alloc.groupby("oews_industry_code")["share"].sum()
    assert (sums - 1).abs().max() < 1e-12
    assert (alloc["share"] > 0).all()
    assert set(alloc["bea_code"]) <= BEA_SUMMARY_71
    # the 2022-2024 natsector codes use the same normalisation
    assert set(oews_fields.SECTORS) <= set(alloc["oews_industry_code"])


def _shares(alloc, code):
    return alloc[alloc["oews_industry_code"] == code].set_index("bea_code")["share"].to_dict()


def test_prefix_and_split_allocations(alloc):
    assert _shares(alloc, "336100") == {"3361MV": 1.0}
    s = _shares(alloc, "336000")
    assert set(s) == {"3361MV", "3364OT"} and 0.5 < s["3361MV"] < 0.8
    manu = _shares(alloc, "31-33")
    assert len(manu) == 19 and sum(manu.values()) == pytest.approx(1)
    assert _shares(alloc, "3250A1") == {"325": 1.0}
    assert _shares(alloc, "491000") == {"GFE": 1.0}
    assert "GFE" in _shares(alloc, "48-49")  # the sector includes the Postal Service
    methods = alloc.drop_duplicates("oews_industry_code").set_index("oews_industry_code")["method"]
    assert methods["336100"] == "naics_prefix" and methods["336000"] == "split_by_2017_detail_output"


def test_naics_2022_codes_are_translated(alloc):
    assert _shares(alloc, "455000") == {"452": 1.0}
    assert _shares(alloc, "449100") == {"4A0": 1.0}
    assert _shares(alloc, "513200") == {"511": 1.0}
    assert _shares(alloc, "516100") == {"513": 1.0}
    note = alloc.loc[alloc["oews_industry_code"] == "455000", "note"].item()
    assert note == "NAICS 2022 455 -> 2017 452"


def test_government_and_public_schools(alloc):
    rows = alloc.set_index(["oews_industry_code", "bea_code"])
    assert set(_shares(alloc, "99")) == {"GFGD", "GFGN", "GFE", "GSLG", "GSLE"}
    assert "GSLGE" not in rows.loc[("99", "GSLG"), "bea_detail_codes"]
    assert rows.loc[("99", "GFE"), "bea_detail_codes"] == "S00101, S00102"  # USPS excluded
    assert "491000" in rows.loc[("999101", "GFE"), "bea_detail_codes"]
    assert set(_shares(alloc, "999101")) == {"GFGD", "GFGN", "GFE"}
    assert _shares(alloc, "999201") == _shares(alloc, "999301")
    assert "GSLGE" in rows.loc[("999201", "GSLG"), "bea_detail_codes"]
    assert _shares(alloc, "611102") == {"GSLG": 1.0} and _shares(alloc, "622003") == {"GSLG": 1.0}
    assert _shares(alloc, "611105") == {"61": 1.0} and _shares(alloc, "622105") == {"622": 1.0}
    sector61 = _shares(alloc, "61")
    assert set(sector61) == {"61", "GSLG"} and sector61["GSLG"] > 0.5
    gov = alloc[alloc["oews_industry_code"].str.startswith("999")]
    assert (gov["method"] == "government_ownership").all()


def test_onet_soc_reaches_98_percent_of_oews_2024_employment(tables):
    x = tables["xwalk_onet_soc"]
    assert (x["soc_2018"] == x["onet_soc"].str[:7]).all()
    agg = x.set_index("onet_soc")
    assert agg.at["13-1021.00", "oews_occ_code"] == "13-1020"
    assert agg.at["13-1021.00", "method"] == "nem_oews_aggregate"
    assert agg.at["15-1252.00", "method"] == "nem_same_code"
    tasks = pd.read_csv(SNAPSHOT_ROOT / "onet/db_29_1_text/Task Statements.txt", sep="\t",
                        quoting=csv.QUOTE_NONE, dtype=str)
    with_tasks = set(tasks["O*NET-SOC Code"])
    reachable = set(x.loc[x["onet_soc"].isin(with_tasks), "oews_occ_code"])
    nat, *_ = oews.tidy_file(SNAPSHOT_ROOT / oews.INPUTS["national_2024"])
    detailed = nat[nat["o_group"] == "detailed"]
    covered = detailed.loc[detailed["occ_code"].isin(reachable), "employment"].sum()
    share = covered / detailed["employment"].sum()
    assert share >= 0.98, share


def test_soc_and_onet_crosswalks_as_published(tables):
    soc = tables["xwalk_soc_2010_2018"]
    assert len(soc) == 900  # rows 10-909 of 'Sorted by 2010'
    assert soc.loc[soc["soc_2010"] == "55-3017", "soc_2018"].item() == "17-3029"
    assert soc["published_date"].iloc[0] == pd.Timestamp("2017-11-01")
    onet = tables["xwalk_onet_2010_2019"]
    assert len(onet) == 1164 and onet["onet_soc_2019"].str.fullmatch(r"\d{2}-\d{4}\.\d{2}").all()
    assert tables["xwalk_onet_soc"]["published_date"].iloc[0] == pd.Timestamp("2023-09-06")


# ------------------------------------------------------------------------------------------- bad inputs
def _use_book(path, *, naics_sheet=True, t008_value=100):
    """A tiny detail Use workbook in BEA's layout: NAICS Codes sheet + a 2017 sheet with codes and T008."""
    book = openpyxl.Workbook()
    ws = book.active
    if naics_sheet:
        ws.title = "NAICS Codes"
        for r in [["Industry Codes"], [], [], ["BEA Industry Code", None, None, None, "Industry Title"],
                  ["Sector", "Summary", "U.Summary", "Detail", None, "Notes", "Related 2017 NAICS Codes"],
                  [11, "AGRICULTURE"], [None, "111CA", "Farms"], [None, None, 111, "Crop production"],
                  [None, None, None, "1111A0", "Oilseed farming", None, "11111-2"]]:
            ws.append(r)
        ws = book.create_sheet("2017")
    else:
        ws.title = "2017"
    for r in [["Use Table"], ["[Millions of Dollars]"], ["Bureau of Economic Analysis"], [],
              ["Commodities/Industries", None, "Oilseed farming"], ["Code", "Commodity Description", "1111A0"],
              ["1111A0", "Oilseed farming", 5], ["T008", "Total Industry Output", t008_value]]:
        ws.append(r)
    book.save(path)
    return path


def test_tiny_use_workbook_parses(tmp_path):
    path = _use_book(tmp_path / "use.xlsx")
    assert X.detail_output(path) == {"1111A0": 100.0}
    assert X.bea_naics(path)["naics_code"].tolist() == ["11111", "11112"]


def test_missing_naics_sheet(tmp_path):
    path = _use_book(tmp_path / "use.xlsx", naics_sheet=False)
    with pytest.raises(MissingInputError, match=r"use.xlsx\[NAICS Codes\]: sheet not found"):
        X.parse({**INPUTS, "bea_detail_use": path})


def test_junk_in_output_row_names_row_and_column(tmp_path):
    path = _use_book(tmp_path / "use.xlsx", t008_value="(D)")
    with pytest.raises(IngestError, match=r"use.xlsx\[2017\] row 8 column '1111A0': value does not parse.*'\(D\)'"):
        X.detail_output(path)


def test_truncated_oews_gz(tmp_path):
    data = INPUTS["oews_industry_2025"].read_bytes()
    bad = tmp_path / "oews_national_industry_M2025.csv.gz"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError, match=r"oews_national_industry_M2025.csv.gz: cannot read the file"):
        X.read_oews_industries(bad)


def _copy_sheet(src, dest, edit=None):
    rows = list(openpyxl.load_workbook(src, read_only=True).worksheets[0].iter_rows(values_only=True))
    rows = edit(rows) if edit else rows
    book = openpyxl.Workbook()
    book.active.title = "ONET to SOC crosswalk"
    for r in rows:
        book.active.append(list(r))
    book.save(dest)
    return dest


def test_renamed_header_in_nem_crosswalk(tmp_path):
    def rename(rows):
        rows[4] = tuple("NEM Occ Code" if v == "NEM Code" else v for v in rows[4])
        return rows[:30]
    path = _copy_sheet(INPUTS["nem_onet_soc"], tmp_path / "nem.xlsx", rename)
    with pytest.raises(MissingInputError) as err:
        X.onet_soc(path)
    assert "nem.xlsx" in str(err.value) and "'NEM Code'" in str(err.value)


def test_junk_code_in_nem_crosswalk(tmp_path):
    def junk(rows):
        rows[9] = (rows[9][0], "11-20xx.00") + tuple(rows[9][2:])
        return rows[:30]
    path = _copy_sheet(INPUTS["nem_onet_soc"], tmp_path / "nem.xlsx", junk)
    with pytest.raises(IngestError, match=r"nem.xlsx\[ONET to SOC crosswalk\] row 10 column 'O\*NET-SOC Code'"):
        X.onet_soc(path)


def test_duplicated_key_in_onet_crosswalk(tmp_path):
    lines = INPUTS["onet_2010_2019"].read_text(encoding="utf-8").splitlines()[:20]
    path = tmp_path / "2010_to_2019_Crosswalk.csv"
    path.write_text("\n".join(lines + [lines[3]]) + "\n", encoding="utf-8")
    with pytest.raises(IngestError) as err:
        X.parse({**INPUTS, "onet_2010_2019": path})
    msg = str(err.value)
    assert "2010_to_2019_Crosswalk.csv row 4" in msg and "duplicated key" in msg and "row 21" in msg
