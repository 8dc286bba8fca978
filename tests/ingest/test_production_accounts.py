"""BEA-BLS production accounts: coverage, release dating, crosswalk to the 71 BEA industries, bad input."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ingest import production_accounts as pa
from ingest.errors import IngestError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def go(warehouse) -> pd.DataFrame:
    return warehouse.read("production_accounts_go", "production_accounts")


def test_coverage_and_dates(go):
    by = go.groupby("account").agg(y0=("year", "min"), y1=("year", "max"), k=("pa_code", "nunique"))
    assert by.loc["official_2025"].tolist() == [1997, 2023, 63]
    assert by.loc["experimental_1963_2016"].tolist() == [1963, 2016, 63]
    assert by.loc["experimental_1947_1963"].tolist() == [1947, 1963, 44]
    pub = go.groupby("account")["published_date"].first()
    assert pub["official_2025"] == pd.Timestamp("2025-04-25")
    assert pub["experimental_1963_2016"] == pd.Timestamp("2020-10-26")
    assert "481+482+483+484+485+486+487OS+493" in set(go["pa_code"])  # indnum 2936 in the 1947-1963 sheet


def test_growth_splice_and_point_in_time(go):
    g = pa.annual_growth(go)
    assert g.shape[1] == 71 and g.index.min() == 1948 and g.index.max() == 2023
    assert pa.annual_growth(go, "2020-10-25").empty  # neither file was public yet
    early = pa.annual_growth(go, "2021-01-01")
    assert early.index.max() == 2016
    # the two vintages agree on the growth of the overlap years (the splice is of growth rates)
    off = go[go["account"] == "official_2025"].pivot(index="year", columns="pa_code",
                                                    values="gross_output_usd_millions")
    exp = go[go["account"] == "experimental_1963_2016"].pivot(index="year", columns="pa_code",
                                                              values="gross_output_usd_millions")
    a, b = np.log(off).diff().loc[1998:2016], np.log(exp[off.columns]).diff().loc[1998:2016]
    assert np.corrcoef(a.to_numpy().ravel(), b.to_numpy().ravel())[0, 1] > 0.9
    # an aggregate's growth goes to each member
    assert g["GSLG"].equals(g["GSLE"]) and g["441"].equals(g["4A0"])


def test_crosswalk_file_matches_code():
    csv = pd.read_csv(REPO / "data" / "crosswalks" / "production_accounts_bea.csv", dtype=str)
    pd.testing.assert_frame_equal(csv, pa.crosswalk_frame().astype(str))
    from gnn.nowcast import OWN_INDICATOR

    assert set(csv["bea_code"]) == set(OWN_INDICATOR)  # all 71 BEA summary industries


def test_bad_input_named(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "1963-2016"
    for r in [[None, None, None, "nominal gross output"], ["yr", "indnum", "Description", "go."],
              [1963, 1, "Farms", 39209], [1964, 99, "Nowhere", 1.0], [1965, 2, "Utilities", 2.0]]:
        ws.append(r)
    ws2 = wb.create_sheet("1947-1963")
    ws2.append([None])
    ws2.append(["yr", "indnum", "Description", "go."])
    p = tmp_path / "exp.xlsx"
    wb.save(p)
    codes = pd.DataFrame({"description": ["Farms", "Forestry, fishing, and related activities"],
                          "pa_code": ["111CA", "113FF"]})
    with pytest.raises(IngestError) as err:
        pa.read_experimental(p, codes)
    msg = str(err.value)
    assert "exp.xlsx[1963-2016]" in msg and "row 4" in msg and "99" in msg
    assert "row 5" in msg and "Utilities" in msg
