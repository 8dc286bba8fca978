"""Macro source: FRED-MD and G.17 real-snapshot checks (provenance figures), release lags, bad-input errors."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from ingest import macro
from ingest.errors import IngestError
from ingest.schemas import as_of


@pytest.fixture(scope="module")
def monthly(warehouse) -> pd.DataFrame:
    return warehouse.read("macro_monthly", "macro")


def _series(df: pd.DataFrame, source: str, sid: str) -> pd.Series:
    sel = df[(df["source"] == source) & (df["series_id"] == sid)]
    return sel.set_index("month")["value"].sort_index()


def test_provenance_checks(monthly):
    indpro = _series(monthly, "fredmd", "INDPRO")
    assert indpro["2017"].mean() == pytest.approx(100.0, abs=0.05)
    total = _series(monthly, "g17", "IP.B50001.S")
    assert total["2017"].mean() == pytest.approx(100.0, abs=0.05)
    both = pd.concat([indpro["2024-01":"2024-06"], total["2024-01":"2024-06"]], axis=1).dropna()
    assert len(both) == 6
    assert (both.iloc[:, 0] - both.iloc[:, 1]).abs().max() < 0.5
    assert monthly[monthly["source"] == "g17"]["month"].max() == pd.Timestamp("2026-02-01")
    assert monthly[monthly["source"] == "fredmd"]["month"].max() == pd.Timestamp("2025-11-01")
    # the ragged edge is kept as published: RPI has no October 2025 value
    assert pd.Timestamp("2025-10-01") not in _series(monthly, "fredmd", "RPI").index


def test_release_lags_point_in_time(monthly):
    assert macro.release_lag_days("PAYEMS") == 10
    assert macro.release_lag_days("IP.G334.S") == 17
    assert macro.release_lag_days("INDPRO") == 17
    assert macro.release_lag_days("GS10") == 1
    assert macro.release_lag_days("NOT_A_SERIES") == macro.DEFAULT_LAG_DAYS
    seen = as_of(monthly, "2024-11-16")
    ip = seen[(seen["series_id"] == "INDPRO")]
    assert ip["month"].max() == pd.Timestamp("2024-09-01")  # October's IP comes out 2024-11-17
    pay = seen[(seen["series_id"] == "PAYEMS")]
    assert pay["month"].max() == pd.Timestamp("2024-10-01")
    assert (pd.to_datetime(monthly["published_date"]) > pd.to_datetime(monthly["month"])).all()


def _copy(tmp_path: Path, key: str) -> Path:
    src = Path(macro.SOURCE.inputs[key])
    from ingest.storage import SNAPSHOT_ROOT

    dst = tmp_path / src.name
    shutil.copy(SNAPSHOT_ROOT / src, dst)
    return dst


def test_fredmd_bad_cell_named(tmp_path):
    data = _copy(tmp_path, "fredmd")
    tf = _copy(tmp_path, "fredmd_transforms")
    lines = data.read_text().splitlines()
    cells = lines[5].split(",")
    cells[6] = "abc"  # INDPRO
    lines[5] = ",".join(cells)
    data.write_text("\n".join(lines) + "\n")
    with pytest.raises(IngestError) as err:
        macro.read_fredmd(data, tf)
    msg = str(err.value)
    assert "INDPRO" in msg and "row 6" in msg and "abc" in msg


def test_fredmd_bad_date_and_header(tmp_path):
    data = _copy(tmp_path, "fredmd")
    tf = _copy(tmp_path, "fredmd_transforms")
    lines = data.read_text().splitlines()
    lines[3] = "13/45/1959" + lines[3][lines[3].index(","):]
    data.write_text("\n".join(lines) + "\n")
    with pytest.raises(IngestError, match=r"row 4.*sasdate|sasdate.*row 4"):
        macro.read_fredmd(data, tf)
    bad = tmp_path / "bad.csv"
    bad.write_text("date,INDPRO\n1/1/2000,1\n")
    with pytest.raises(IngestError, match="sasdate"):
        macro.read_fredmd(bad, tf)


def test_g17_missing_time_period_and_bad_month(tmp_path):
    g = _copy(tmp_path, "g17")
    text = g.read_text()
    bad = tmp_path / "nohead.csv"
    bad.write_text(text.replace('"Time Period"', '"Periods"'))
    with pytest.raises(IngestError, match="Time Period"):
        macro.read_g17(bad)
    lines = text.splitlines()
    lines[8] = "2000/03" + lines[8][lines[8].index(","):]
    bad2 = tmp_path / "badmonth.csv"
    bad2.write_text("\n".join(lines) + "\n")
    with pytest.raises(IngestError) as err:
        macro.read_g17(bad2)
    assert "row 9" in str(err.value) and "2000/03" in str(err.value)
