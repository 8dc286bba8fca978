"""OEWS national and industry tables on the real snapshot files, plus bad-input tests on small copies."""
from __future__ import annotations

import csv
import gzip
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ingest import oews, oews_fields
from ingest.errors import IngestError, MissingInputError
from ingest.storage import SNAPSHOT_ROOT

NATIONAL_TOTALS = {2021: 140_886_310, 2022: 147_886_000, 2023: 151_853_870, 2024: 154_187_380, 2025: 155_495_730}
#: May 2018 all-occupations national total (national_M2018_dl.xlsx, data/snapshot/bls/oews_older/PROVENANCE.md);
#: only the 2018 sector file is ingested, so the figure is checked against the sector sum
NATIONAL_TOTAL_2018 = 144_733_270
#: largest observed gap |sum of detailed rows - 00-0000 total| / total is 8.9e-5 (2025: 11-1031 Legislators has
#: no series in that release); 2021-2024 are below 1e-5 (rounding of each row to the nearest 10)
DETAILED_SUM_RTOL = 1e-4
#: sum of the 20 sector totals minus the national total: observed 0 (2022), +10 (2023), +20 (2024), +10 (2025);
#: each of the 20 figures is rounded to the nearest 10, so up to 100 is possible
SECTOR_SUM_ATOL = 20


@pytest.fixture(scope="module")
def tables():
    return oews.parse({k: SNAPSHOT_ROOT / v for k, v in oews.INPUTS.items()})


@pytest.fixture(scope="module")
def national(tables):
    return oews.NATIONAL.validate(tables["oews_national"])


@pytest.fixture(scope="module")
def industry(tables):
    return oews.INDUSTRY.validate(tables["oews_industry"])


def _total(df: pd.DataFrame) -> pd.Series:
    return df[df["occ_code"] == "00-0000"].set_index("year")["employment"]


def test_national_total_and_detailed_sum(national):
    totals = _total(national)
    assert totals.to_dict() == {y: float(v) for y, v in NATIONAL_TOTALS.items()}
    detailed = oews.detailed_totals(national).set_index("year")
    for year, total in NATIONAL_TOTALS.items():
        assert detailed.at[year, "employment_detailed"] == pytest.approx(total, rel=DETAILED_SUM_RTOL)
        assert detailed.at[year, "employment_detailed"] <= total
        assert detailed.at[year, "n_detailed"] >= 830


def test_sector_totals_add_up_to_national(national, industry):
    sectors = industry[(industry["industry_level"] == "sector") & (industry["occ_code"] == "00-0000")]
    assert set(sectors["year"]) == {2018, 2022, 2023, 2024, 2025}
    for year, group in sectors.groupby("year"):
        assert sorted(group["industry_code"]) == sorted(oews_fields.SECTORS)
        total = NATIONAL_TOTAL_2018 if year == 2018 else NATIONAL_TOTALS[year]
        assert abs(group["employment"].sum() - total) <= SECTOR_SUM_ATOL
    # the 2025 cross-industry row of the industry table is the national figure
    cross = industry[(industry["industry_code"] == "000000") & (industry["occ_code"] == "00-0000")]
    assert cross["employment"].tolist() == [float(NATIONAL_TOTALS[2025])]


def test_only_detailed_rows_are_summed(national):
    y24 = national[national["year"] == 2024]
    dup = y24[y24["occ_code"] == "13-1020"]
    assert sorted(dup["o_group"]) == ["broad", "detailed"]
    assert dup["employment"].nunique() == 1
    manual = y24.loc[y24["o_group"] == "detailed", "employment"].sum()
    assert oews.detailed_totals(y24)["employment_detailed"].item() == manual
    assert y24["employment"].sum() > 4 * NATIONAL_TOTALS[2024]  # every level double counts


def _raw_count(path, column, symbol):
    book = openpyxl.load_workbook(path, read_only=True)
    rows = book[book.sheetnames[0]].iter_rows(values_only=True)
    header = list(next(rows))
    j = header.index(column)
    return sum(1 for r in rows if r[j] == symbol)


def test_suppressed_values_are_nan_with_status_never_zero(industry):
    raw = _raw_count(SNAPSHOT_ROOT / oews.INPUTS["natsector_2024"], "TOT_EMP", "**")
    y24 = industry[industry["year"] == 2024]
    sup = y24[y24["employment_status"] == "suppressed"]
    assert len(sup) == raw == 1061
    assert sup["employment"].isna().all() and sup["emp_prse"].isna().all()
    y25 = industry[industry["year"] == 2025]
    assert (y25["employment_status"] == "suppressed").sum() == 8409  # '-' with footnote 8
    for col in oews_fields._WITH_STATUS:
        status = industry[f"{col.removesuffix('_usd')}_status"]
        assert industry.loc[status != "reported", col].isna().all(), col
        assert industry.loc[status == "reported", col].notna().all(), col
    assert (industry.loc[industry["employment_status"] != "reported", "employment"].fillna(-1) != 0).all()
    assert (industry["pct_establishments_reporting_status"] == "under_half_percent").sum() > 20_000


def test_top_coded_annual_only_and_hourly_only(national):
    y24 = national[national["year"] == 2024]
    top = y24[y24["median_wage_status"] == "top_coded"]
    assert len(top) == _raw_count(SNAPSHOT_ROOT / oews.INPUTS["national_2024"], "A_MEDIAN", "#") == 19
    assert top["median_wage_usd"].isna().all()
    old = national[national["year"] <= 2024]
    assert old["median_wage_usd"].max() < oews.TOP_CODE_ANNUAL_USD
    assert old["hourly_median_wage_usd"].max() < oews.TOP_CODE_HOURLY_USD
    teachers = y24[(y24["occ_code"] == "25-2021") & (y24["o_group"] == "detailed")].iloc[0]
    assert teachers["hourly_mean_wage_status"] == "annual_only" and np.isnan(teachers["hourly_mean_wage_usd"])
    assert teachers["mean_wage_usd"] > 50_000
    actors = y24[(y24["occ_code"] == "27-2011")].iloc[0]
    assert actors["mean_wage_status"] == "hourly_only" and actors["hourly_mean_wage_usd"] > 10
    y25 = national[national["year"] == 2025]
    assert (y25["hourly_mean_wage_status"] == "annual_only").sum() > 50


def test_industry_codes_levels_and_ownership(industry):
    sectors = industry[industry["industry_level"] == "sector"]
    by_year = sectors.groupby("year")["industry_code"].agg(lambda s: sorted(set(s)))
    assert all(codes == sorted(oews_fields.SECTORS) for codes in by_year)
    manu = sectors[(sectors["industry_code"] == "31-33")].groupby("year")["industry_title"].first()
    assert manu.str.contains("Manufacturing").all() and len(manu) == 5
    y25 = industry[industry["year"] == 2025].drop_duplicates("industry_code").set_index("industry_code")
    assert y25.loc["336100", "industry_level"] == "naics4"
    assert y25.loc["3250A1", "industry_level"] == "naics4"
    assert y25.loc["999101", "industry_level"] == "ownership_aggregate"
    assert y25.loc["611102", "own_code"] == "2" and y25.loc["611105", "own_code"] == "5"
    assert pd.isna(y25.loc["336100", "own_code"])
    s24 = sectors[sectors["year"] == 2024].drop_duplicates("industry_code").set_index("industry_code")
    assert s24.loc["61", "own_code"] == "235" and s24.loc["99", "own_code"] == "123"
    # ownership children add up to their all-ownership parent (same file, same survey)
    emp = industry[(industry["year"] == 2025) & (industry["occ_code"] == "00-0000")].set_index("industry_code")
    kids = emp.loc[["611102", "611103", "611105"], "employment"].sum()
    assert kids == emp.at["611100", "employment"]


@pytest.mark.parametrize("raw,level,expected", [
    ("31--34", "sector", "31-33"), ("11--12", "sector", "11"), ("99-100", "sector", "99"),
    ("44--46", "sector", "44-45"), ("31-33", "sector", "31-33"), (44, "sector", "44-45"), ("48", "sector", "48-49"),
    ("336000", "naics3", "336000"), ("3250A1", "naics4", "3250A1"), ("999201", "cross_industry", "999201"),
    ("19", "sector", None), ("33--35", "sector", None), ("33A", "naics4", None),
])
def test_normalise_industry_code(raw, level, expected):
    assert oews_fields.normalise_industry_code(raw, level) == expected


def test_point_in_time_columns(national):
    row = national[national["year"] == 2024].iloc[0]
    assert row["ref_period"] == "2024-05" and row["vintage"] == "M2024"
    assert row["published_date"] == pd.Timestamp("2025-03-31")


# ------------------------------------------------------------------------------------------- bad inputs
def _small_csv(tmp_path, name="national_May2021_dl.csv", rows=40):
    src = SNAPSHOT_ROOT / oews.INPUTS["national_2021"]
    lines = src.read_text(encoding="utf-8-sig").splitlines()[: rows + 1]
    dest = tmp_path / name
    dest.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return dest


def _edit_csv(path, row_index, column, value):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[row_index][rows[0].index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def test_small_copy_parses(tmp_path):
    out = oews.parse({"national_2021": _small_csv(tmp_path)})
    assert len(out["oews_national"]) == 40 and out["oews_industry"].empty


def test_truncated_gz_is_reported(tmp_path):
    data = (SNAPSHOT_ROOT / oews.INPUTS["industry_2025"]).read_bytes()
    bad = tmp_path / "oews_national_industry_M2025.csv.gz"
    bad.write_bytes(data[: len(data) // 3])
    with pytest.raises(IngestError) as err:
        oews.parse({"industry_2025": bad})
    assert "oews_national_industry_M2025.csv.gz" in str(err.value) and "truncated" in str(err.value)


def test_junk_in_tot_emp_names_row_and_column(tmp_path):
    path = _small_csv(tmp_path)
    _edit_csv(path, 7, "TOT_EMP", "12 thousand")
    with pytest.raises(IngestError) as err:
        oews.parse({"national_2021": path})
    msg = str(err.value)
    assert "national_May2021_dl.csv row 8 column 'TOT_EMP'" in msg and "12 thousand" in msg


def test_unknown_symbol_in_wage_is_reported(tmp_path):
    path = _small_csv(tmp_path)
    _edit_csv(path, 3, "A_MEAN", "**")  # the employment symbol is not a wage symbol
    with pytest.raises(IngestError, match=r"row 4 column 'A_MEAN'.*'\*\*'"):
        oews.parse({"national_2021": path})


def test_renamed_header_in_xlsx(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "national_M2024_dl"
    src = openpyxl.load_workbook(SNAPSHOT_ROOT / oews.INPUTS["national_2024"], read_only=True)
    for i, row in enumerate(src[src.sheetnames[0]].iter_rows(values_only=True)):
        if i > 20:
            break
        ws.append(["TOTAL_EMPLOYMENT" if v == "TOT_EMP" else v for v in row])
    path = tmp_path / "national_M2024_dl.xlsx"
    book.save(path)
    with pytest.raises(MissingInputError) as err:
        oews.parse({"national_2024": path})
    msg = str(err.value)
    assert "national_M2024_dl.xlsx[national_M2024_dl] row 1" in msg and "'TOT_EMP'" in msg


def test_workbook_without_data_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Field Descriptions"
    book.active.append(["Field", "Field Description"])
    path = tmp_path / "natsector_M2024_dl.xlsx"
    book.save(path)
    with pytest.raises(MissingInputError, match=r"natsector_M2024_dl.xlsx: no sheet with an OEWS header"):
        oews.parse({"natsector_2024": path})


def test_corrupted_xlsx(tmp_path):
    path = tmp_path / "national_M2023_dl.xlsx"
    path.write_bytes((SNAPSHOT_ROOT / oews.INPUTS["national_2023"]).read_bytes()[:5000])
    with pytest.raises(IngestError, match=r"national_M2023_dl.xlsx: cannot open workbook"):
        oews.parse({"national_2023": path})


def test_duplicated_key_names_rows(tmp_path):
    path = _small_csv(tmp_path)
    with open(path, encoding="utf-8-sig") as fh:
        lines = fh.read().splitlines()
    path.write_text("\n".join(lines + [lines[5]]) + "\n", encoding="utf-8")
    with pytest.raises(IngestError) as err:
        oews.parse({"national_2021": path})
    msg = str(err.value)
    assert "national_May2021_dl.csv row 6" in msg and "duplicated key" in msg and "row 42" in msg


def test_two_files_for_one_year_are_refused(tmp_path):
    a = _small_csv(tmp_path)
    b = tmp_path / "copy"
    b.mkdir()
    shutil.copy(a, b / a.name)
    with pytest.raises(IngestError, match="two inputs give national estimates for May 2021"):
        oews.parse({"national_2021": a, "national_2022": b / a.name})


def test_gzip_csv_flat_layout_small(tmp_path):
    src = SNAPSHOT_ROOT / oews.INPUTS["industry_2025"]
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        head = [next(fh) for _ in range(60)]
    path = tmp_path / "oews_national_industry_M2025.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(head)
    out = oews.parse({"industry_2025": path})
    assert set(out["oews_national"]["year"]) == {2025} and len(out["oews_industry"]) == 59


def test_may_2018_sector_file_legacy_layout(industry):
    """natsector_M2018 (OCC_GROUP, no I_GROUP/OWN_CODE, SOC 2010 codes kept as published)."""
    y18 = industry[industry["year"] == 2018]
    assert set(y18["industry_level"]) == {"sector"} and set(y18["vintage"]) == {"M2018"}
    assert (y18["published_date"] == pd.Timestamp("2019-03-31")).all()
    assert set(y18["o_group"]) == set(oews_fields.O_GROUPS)
    assert set(y18.loc[y18["industry_code"] == "99", "own_code"]) == {"123"}
    assert y18.loc[y18["industry_code"] != "99", "own_code"].isna().all()
    codes = set(y18.loc[y18["o_group"] == "detailed", "occ_code"])
    assert "15-1132" in codes and "15-1252" not in codes  # SOC 2010 software developers, not SOC 2018
    ceo = y18[(y18["industry_code"] == "11") & (y18["occ_code"] == "11-1011") & (y18["o_group"] == "detailed")]
    assert ceo[["employment", "mean_wage_usd"]].iloc[0].tolist() == [180.0, 199180.0]  # row 6 of the sheet


def test_legacy_layout_with_a_non_sector_code_is_named(tmp_path):
    src = openpyxl.load_workbook(SNAPSHOT_ROOT / oews.INPUTS["natsector_2018"], read_only=True)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "natsector_dl"
    for i, row in enumerate(src[src.sheetnames[0]].iter_rows(values_only=True)):
        if i > 12:
            break
        ws.append(["336100", *row[1:]] if i == 5 else list(row))  # Excel row 6: a 4-digit code
    path = tmp_path / "natsector_M2018_dl.xlsx"
    book.save(path)
    with pytest.raises(IngestError) as err:
        oews.parse({"natsector_2018": path})
    msg = str(err.value)
    assert "natsector_M2018_dl.xlsx[natsector_dl] row 6" in msg and "NAICS" in msg and "336100" in msg
