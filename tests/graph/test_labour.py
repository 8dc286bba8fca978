"""The labour layer on small synthetic OEWS-format frames: allocation, imputation, errors that name the place."""
from __future__ import annotations

import pandas as pd
import pytest

from graph.labour import LabourDataError, TOP_CODE_ANNUAL_USD, choose_oews_year, employs_for_year, performs


def _oews(rows):
    cols = ["year", "industry_code", "industry_level", "occ_code", "occ_title", "o_group", "employment",
            "mean_wage_usd", "mean_wage_status", "hourly_mean_wage_usd"]
    return pd.DataFrame(rows, columns=cols)


ROWS = [
    (2023, "000000", "cross_industry", "11-1011", "CEO", "detailed", 200.0, 250_000.0, "reported", None),
    (2023, "000000", "cross_industry", "15-1252", "Dev", "detailed", 1000.0, 130_000.0, "reported", None),
    (2023, "51", "sector", "00-0000", "All", "total", 1100.0, 100_000.0, "reported", None),
    (2023, "51", "sector", "11-1011", "CEO", "detailed", 100.0, None, "top_coded", None),
    (2023, "51", "sector", "15-1252", "Dev", "detailed", 900.0, None, "hourly_only", 60.0),
    (2023, "51", "sector", "15-1252", "Dev", "broad", 900.0, 125_000.0, "reported", None),
    (2023, "51", "sector", "99-9999", "Other", "detailed", None, 50_000.0, "reported", None),
]
XW = pd.DataFrame({"oews_industry_code": ["51", "51"], "bea_code": ["511", "5415"], "share": [0.25, 0.75]})


def test_allocation_imputation_and_suppression():
    edges, cov = employs_for_year(_oews(ROWS), XW, 2023)
    e = edges.set_index(["bea_code", "soc"])
    # only detailed rows, split by the crosswalk shares
    assert e.loc[("511", "15-1252"), "employment"] == pytest.approx(225.0)
    assert e.loc[("5415", "15-1252"), "employment"] == pytest.approx(675.0)
    # hourly-only wage x 2,080 hours; top-coded wage falls back to the cross-industry mean (here also 250,000)
    assert e.loc[("5415", "15-1252"), "mean_wage_usd"] == pytest.approx(60.0 * 2080)
    assert e.loc[("5415", "11-1011"), "mean_wage_usd"] == pytest.approx(250_000.0)
    assert ("5415", "99-9999") not in e.index  # suppressed employment is left out, never a zero
    c = cov.set_index("bea_code")
    assert c.loc["5415", "suppressed_employment_share"] == pytest.approx(1 - 1000 / 1100)
    assert c.loc["5415", "imputed_wage_share"] == pytest.approx(100 * 250_000 / (100 * 250_000 + 900 * 124_800))


def test_top_code_threshold_when_no_cross_industry_wage():
    rows = [r for r in ROWS if not (r[2] == "cross_industry" and r[3] == "11-1011")]
    edges, _ = employs_for_year(_oews(rows), XW, 2023)
    w = edges.set_index(["bea_code", "soc"]).loc[("511", "11-1011"), "mean_wage_usd"]
    assert w == TOP_CODE_ANNUAL_USD  # a lower bound, documented


def test_industry_without_crosswalk_entry_is_named():
    rows = ROWS + [(2023, "52", "sector", "15-1252", "Dev", "detailed", 10.0, 100_000.0, "reported", None)]
    with pytest.raises(LabourDataError, match=r"no BEA crosswalk entry: \['52'\]"):
        employs_for_year(_oews(rows), XW, 2023)


def test_year_choice_is_point_in_time():
    df = _oews([(y, "51", "sector", "15-1252", "Dev", "detailed", 1.0, 1.0, "reported", None)
                for y in (2022, 2023, 2024)])
    assert choose_oews_year(df, "2024-03-30").year == 2022  # May 2023 not yet published (2024-03-31)
    assert choose_oews_year(df, "2024-03-31").year == 2023
    early = choose_oews_year(df, "2010-01-01")
    assert early.year == 2022 and early.backcast


def test_performs_weights_sum_to_one_across_onet_specialties():
    tasks = pd.DataFrame({"release": "29.1", "onet_soc": ["11-1011.00", "11-1011.00", "11-1011.03"],
                          "task_id": [1, 2, 3], "task_type": ["core", "supplemental", "core"]})
    xw = pd.DataFrame({"onet_soc": ["11-1011.00", "11-1011.03"], "oews_occ_code": ["11-1011", "11-1011"]})
    p = performs(tasks, xw, "29.1", "core").set_index("task_id")["weight"]
    # each O*NET occupation counts half; within 11-1011.00 core counts twice supplemental
    assert p.to_dict() == pytest.approx({1: 1 / 3, 2: 1 / 6, 3: 1 / 2})
    with pytest.raises(LabourDataError, match="30.1"):
        performs(tasks, xw, "30.1")
