"""Real-time vintages (Philadelphia Fed RTDSM): provenance figures, vintage dating, as-of values, bad input."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from ingest import realtime
from ingest.errors import IngestError


@pytest.fixture(scope="module")
def vintages(warehouse) -> pd.DataFrame:
    return warehouse.read("realtime_vintages", "realtime")


def test_provenance_advance_estimate(vintages):
    # PROVENANCE_more.md: in vintage 2009Q1 real GDP 2008Q4 = 11,599.4 vs 2008Q3 11,712.4 (the advance estimate)
    gdp = realtime.value_as_of(vintages, "ROUTPUT", "2009-02-15")
    assert gdp["2008Q4"] == pytest.approx(11599.4)
    assert gdp["2008Q3"] == pytest.approx(11712.4)
    assert "2009Q1" not in gdp.index
    # the next vintage revised 2008Q4 (preliminary estimate of 2009-02-27)
    later = realtime.value_as_of(vintages, "ROUTPUT", "2009-05-15")
    assert later["2008Q4"] != pytest.approx(11599.4)


def test_vintage_dates_and_no_look_ahead(vintages):
    assert realtime.vintage_date("EMPLOY24M3", "EMPLOY") == pd.Timestamp("2024-03-15")
    assert realtime.vintage_date("ROUTPUT09Q1", "ROUTPUT") == pd.Timestamp("2009-02-15")
    assert realtime.vintage_date("CPI65Q4", "CPI") == pd.Timestamp("1965-11-15")
    assert realtime.vintage_date("EMPLOY24M13", "EMPLOY") is None
    before = realtime.value_as_of(vintages, "EMPLOY", "2024-03-14")
    on = realtime.value_as_of(vintages, "EMPLOY", "2024-03-15")
    assert before.index.max() == "2024-01" and on.index.max() == "2024-02"
    assert realtime.value_as_of(vintages, "EMPLOY", "1950-01-01").empty
    assert (pd.to_datetime(vintages["published_date"]) == pd.to_datetime(vintages["vintage_date"])).all()
    assert set(vintages["variable"]) == {"EMPLOY", "CPI", "CUT", "ROUTPUT"}


def test_revisions_only_storage(vintages):
    emp = vintages[vintages["variable"] == "EMPLOY"]
    # 712 monthly vintages of ~1,000 months would be 0.7 M cells; only new or revised cells are kept
    assert emp["vintage"].nunique() == 712 and len(emp) < 20_000
    dec = emp[emp["obs_period"] == "2007-12"].sort_values("published_date")
    assert len(dec) >= 3  # first release, monthly revisions, benchmark revisions
    assert dec["value"].diff().abs().iloc[1:].gt(0).all()


def _write(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)


def test_bad_input_named(tmp_path):
    good = [["DATE", "EMPLOY24M1", "EMPLOY24M2"], ["2023:11", 1.0, 1.0], ["2023:12", "#N/A", 2.0]]
    p = tmp_path / "ok.xlsx"
    _write(p, good)
    out = realtime.read_vintage_matrix(p, "EMPLOY", "thousands")
    assert len(out) == 2 and set(out["vintage"]) == {"EMPLOY24M1", "EMPLOY24M2"}
    bad = [["DATE", "EMPLOY24M1", "EMPLOYX"], ["2023:11", 1.0, "abc"], ["2023-13", 1.0, 1.0]]
    p = tmp_path / "bad.xlsx"
    _write(p, bad)
    with pytest.raises(IngestError) as err:
        realtime.read_vintage_matrix(p, "EMPLOY", "thousands")
    msg = str(err.value)
    assert "bad.xlsx" in msg
    assert "row 1 column 'C'" in msg and "EMPLOYX" in msg
    assert "row 3 column 'A'" in msg and "2023-13" in msg
    assert "row 2 column 'C'" in msg and "abc" in msg
    p = tmp_path / "nohead.xlsx"
    _write(p, [["when", "EMPLOY24M1"], ["2023:11", 1.0]])
    with pytest.raises(IngestError, match="DATE"):
        realtime.read_vintage_matrix(p, "EMPLOY", "thousands")
