"""CES employment by industry and Census retail: provenance figures, release lags, bad-input errors."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from ingest import macro_history as mh
from ingest.errors import IngestError
from ingest.storage import SNAPSHOT_ROOT


@pytest.fixture(scope="module")
def ces(warehouse) -> pd.DataFrame:
    return warehouse.read("ces_employment", "macro_history")


@pytest.fixture(scope="module")
def retail(warehouse) -> pd.DataFrame:
    return warehouse.read("census_retail", "macro_history")


def test_ces_provenance_and_dates(ces):
    manuf = ces[ces["series_id"] == "CEU3000000001"].set_index("month")["employment_thousands"]
    assert manuf["2017"].mean() == pytest.approx(12439.2, abs=0.1)  # BLS published 12,439
    assert ces["series_id"].nunique() == 148 and ces["title"].notna().all()
    assert ces["month"].max() == pd.Timestamp("2019-09-01")
    assert ces[ces["series_id"] == "CEU0500000001"]["month"].min() == pd.Timestamp("1939-01-01")
    row = ces[(ces["series_id"] == "CEU3000000001") & (ces["month"] == pd.Timestamp("2019-09-01"))].iloc[0]
    assert row["published_date"] == pd.Timestamp("2019-10-10")  # month end + 10 days
    assert set(ces["vintage"]) == {"alfred-20191004"}


def test_retail_provenance_and_lags(retail):
    adjusted = retail["adjusted"].astype(bool).to_numpy()
    tot = retail[~adjusted & (retail["kind_of_business"] == "Retail and food services sales, total").to_numpy()]
    assert tot.set_index("month")["sales_usd_millions"]["2023"].sum() / 1e3 == pytest.approx(8294, abs=1)
    assert retail["month"].min() == pd.Timestamp("1992-01-01") and retail["month"].max() == pd.Timestamp("2024-04-01")
    prelim = retail["preliminary"].astype(bool)
    assert prelim[retail["month"] == pd.Timestamp("2024-04-01")].all()
    assert not prelim[retail["month"] == pd.Timestamp("2024-03-01")].any()
    lag = retail.drop_duplicates("naics_code").set_index("naics_code")["release_lag_days"]
    assert lag["441"] == 16 and lag["722"] == 16 and lag["4411,4412"] == 45
    adj = retail[adjusted & (retail["naics_code"] == "452").fillna(False).to_numpy()]
    assert len(adj) == adj["month"].nunique() == 388  # 1992-01 .. 2024-04


def test_ces_bad_input_named(tmp_path):
    src = SNAPSHOT_ROOT / mh.INPUTS["ces"]
    lines = src.read_text().splitlines()
    head = lines[0].split("\t")
    head[3] = "MANUFACTURING"
    cells = lines[5].split("\t")
    cells[1] = "12x"
    bad = tmp_path / "ces.txt"
    bad.write_text("\n".join(["\t".join(head), *lines[1:5], "\t".join(cells), *lines[6:]]) + "\n")
    with pytest.raises(IngestError) as err:
        mh.read_ces(bad)
    msg = str(err.value)
    assert "ces.txt" in msg and "MANUFACTURING" in msg and "row 6" in msg and "12x" in msg
    (tmp_path / "x.txt").write_text("date\tA_20191004\n1939-01-01\t1\n")
    with pytest.raises(IngestError, match="observation_date"):
        mh.read_ces(tmp_path / "x.txt")


def test_mrts_bad_input_named(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2015"
    for r in [["Estimates of Monthly Retail ... 2015"], [], [], ["NAICS  Code", "Kind of Business"],
              [None, None, "Jan. 2015", "Febr 2015"], [None, "NOT ADJUSTED"], ["441", "Motor vehicle", 1.0, "x1"],
              [None, "ADJUSTED(2)"], ["441", "Motor vehicle", 2.0, 3.0]]:
        ws.append(r)
    p = tmp_path / "mrts.xlsx"
    wb.save(p)
    with pytest.raises(IngestError) as err:
        mh.read_mrts(p)
    msg = str(err.value)
    assert "mrts.xlsx[2015]" in msg and "row 5 column 'D'" in msg and "Febr 2015" in msg
    ws["D5"] = "Feb. 2015"
    wb.save(p)
    with pytest.raises(IngestError, match=r"row 7 column 'D'.*x1"):
        mh.read_mrts(p)
    ws["D7"] = "(S)"
    ws["B8"] = "SEASONAL"
    wb.save(p)
    with pytest.raises(IngestError, match="ADJUSTED"):
        mh.read_mrts(p)
