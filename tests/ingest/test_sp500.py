"""sp500 source: bad inputs name file, row and column; units and flags on small files; real-data checks."""
from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from ingest import sp500
from ingest.errors import IngestError


def _write(path: Path, text: str) -> Path:
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def _membership(tmp_path, intervals: str, changes: str = "date,added_tickers,removed_tickers\n"):
    ip = _write(tmp_path / "iv.csv", "ticker,start_date,end_date\n" + intervals)
    cp = _write(tmp_path / "ch.csv", changes)
    return sp500.build_membership(sp500.read_intervals(ip), sp500.read_changes(cp), ip, cp)


def test_overlapping_intervals_name_both_rows(tmp_path):
    with pytest.raises(IngestError) as e:
        _membership(tmp_path, "AAA,2000-01-03,2005-01-03\nBBB,2001-01-02,\nAAA,2004-06-01,\n")
    msg = str(e.value)
    assert "iv.csv row 4" in msg and "overlapping membership intervals of AAA (rows 2 and 4)" in msg


def test_open_interval_then_reuse_overlaps(tmp_path):
    with pytest.raises(IngestError, match="overlapping"):
        _membership(tmp_path, "AAA,2000-01-03,\nAAA,2010-01-04,2012-01-03\n")


def test_reused_ticker_is_kept_and_flagged(tmp_path):
    m = _membership(tmp_path, "AAL,1996-01-02,1997-01-15\nAAL,2015-03-23,2024-09-23\nBBB,2000-01-03,\n")
    aal = m[m["ticker"] == "AAL"]
    assert aal["ticker_reused"].all() and list(aal["interval_no"]) == [1, 2]
    assert not m.loc[m["ticker"] == "BBB", "ticker_reused"].any()


def test_end_before_start_and_bad_date(tmp_path):
    with pytest.raises(IngestError, match=r"row 2 column 'end_date': membership ends on or before it starts"):
        _membership(tmp_path, "AAA,2005-01-03,2001-01-02\n")
    with pytest.raises(IngestError, match=r"row 2 column 'start_date': date does not parse"):
        _membership(tmp_path, "AAA,03/01/2005,\n")


def test_changes_after_the_intervals_extend_membership(tmp_path):
    m = _membership(tmp_path, "AAA,2000-01-03,\nBBB,2000-01-03,2001-01-02\n",
                    "date,added_tickers,removed_tickers\n2000-01-03,['AAA'],[]\n2002-05-01,\"['CCC']\",['AAA']\n")
    assert m.loc[m["ticker"] == "AAA", "end_date"].iloc[0] == pd.Timestamp("2002-05-01")
    ccc = m[m["ticker"] == "CCC"].iloc[0]
    assert ccc["start_date"] == pd.Timestamp("2002-05-01") and pd.isna(ccc["end_date"])
    assert ccc["source"].startswith("chinobing change")


def test_duplicate_change_dates_and_bad_lists(tmp_path):
    with pytest.raises(IngestError, match=r"ch.csv row 3 column 'date': duplicated date"):
        _membership(tmp_path, "AAA,2000-01-03,\n",
                    "date,added_tickers,removed_tickers\n2001-01-02,['X'],[]\n2001-01-02,['Y'],[]\n")
    with pytest.raises(IngestError, match=r"row 2 column 'added_tickers': ticker list does not parse"):
        _membership(tmp_path, "AAA,2000-01-03,\n", "date,added_tickers,removed_tickers\n2001-01-02,X Y,[]\n")


VOL_HEAD = "ticker,date,close,volume,split_coefficient\n"


@pytest.mark.parametrize("row,where,what", [
    ("A,2020-01-03,10.0,-5,1.0", "column 'volume'", "value out of range"),
    ("A,2020-01-03,10.0,12a,1.0", "column 'volume'", "value is not a number"),
    ("A,2020-01-03,-1,100,1.0", "column 'close'", "value out of range"),
    ("A,2020-01-02,10.0,100,1.0", "column 'date'", "duplicated date for A"),
])
def test_volume_bad_rows(tmp_path, row, where, what):
    p = _write(tmp_path / "v.csv.gz", VOL_HEAD + "A,2020-01-02,10.0,100,1.0\nA,2020-01-03,11.0,200,1.0\n" + row + "\n")
    with pytest.raises(IngestError) as e:
        sp500.read_volume(p)
    assert f"v.csv.gz row 4 {where}: {what}" in str(e.value)


def test_volume_units_and_point_in_time(tmp_path):
    p = _write(tmp_path / "v.csv.gz", VOL_HEAD + "B,2020-01-03,4.0,300,1.0\nA,2020-01-02,10.0,100,2.0\n")
    v = sp500.read_volume(p)
    assert list(v["ticker"]) == ["A", "B"]
    assert list(v["dollar_volume_usd"]) == [1000.0, 1200.0]
    assert (v["published_date"] == v["date"]).all()


FIN_HEAD = "snapshot_date,commit,field,symbol,value\n"


def _fin(rows: list[tuple]) -> str:
    return FIN_HEAD + "".join(f"{d},c{d},{f},{s},{v}\n" for d, f, s, v in rows)


def _snapshot(date, caps: dict[str, str], prices: dict[str, float]) -> list[tuple]:
    out = []
    for s in caps:
        out += [(date, "Price", s, prices[s]), (date, "Market Cap", s, caps[s])]
    return out


def test_market_cap_units_detected_by_magnitude(tmp_path):
    rows = (_snapshot("2014-03-08", {"AAA": "88.874", "BBB": "61.059"}, {"AAA": 10.0, "BBB": 20.0})
            + _snapshot("2012-12-27", {"AAA": "63.802B", "BBB": "500M"}, {"AAA": 10.0, "BBB": 5.0})
            + _snapshot("2018-02-08", {"AAA": "138721055226", "BBB": "10783419933"}, {"AAA": 100.0, "BBB": 10.0}))
    f = sp500.read_financials(_write(tmp_path / "f.csv", _fin(rows)))
    a = f[f["symbol"] == "AAA"].set_index("snapshot_date")
    assert a.loc["2014-03-08", "market_cap_unit_in_file"] == "billions_usd"
    assert a.loc["2014-03-08", "market_cap_usd"] == pytest.approx(88.874e9)
    assert a.loc["2012-12-27", "market_cap_usd"] == pytest.approx(63.802e9)
    assert a.loc["2018-02-08", "market_cap_unit_in_file"] == "usd"
    assert a.loc["2018-02-08", "shares_outstanding_est"] == pytest.approx(1387210552.26)
    b = f[f["symbol"] == "BBB"].set_index("snapshot_date")
    assert b.loc["2012-12-27", "market_cap_usd"] == pytest.approx(500e6)


def test_dollar_figure_in_a_billions_snapshot_is_reported(tmp_path):
    rows = _snapshot("2014-03-08", {"AAA": "88.874", "BBB": "61.059", "CCC": "45000000000"},
                     {"AAA": 10.0, "BBB": 20.0, "CCC": 30.0})
    with pytest.raises(IngestError) as e:
        sp500.read_financials(_write(tmp_path / "f.csv", _fin(rows)))
    assert "f.csv row 7 column 'value': market cap magnitude contradicts its snapshot's unit (billions_usd" in str(
        e.value)


def test_ambiguous_snapshot_magnitude_and_non_numeric_cap(tmp_path):
    with pytest.raises(IngestError, match="cannot be told from its magnitude"):
        sp500.read_financials(_write(tmp_path / "f.csv", _fin(_snapshot("2014-03-08", {"AAA": "5000000"},
                                                                        {"AAA": 1.0}))))
    with pytest.raises(IngestError, match=r"row 3 column 'value': market cap is not a number >= 0"):
        sp500.read_financials(_write(tmp_path / "g.csv", _fin(_snapshot("2014-03-08", {"AAA": "ten"},
                                                                        {"AAA": 1.0}))))


def test_missing_figures_are_dropped_not_invented(tmp_path):
    rows = (_snapshot("2018-02-08", {"AAA": "N/A", "BBB": "10783419933", "CCC": "20000000000"},
                      {"AAA": 10.0, "BBB": 0.0, "CCC": 10.0}))
    f = sp500.read_financials(_write(tmp_path / "f.csv", _fin(rows)))
    assert list(f["symbol"]) == ["CCC"]


def test_share_jump_without_split_is_flagged_and_a_recorded_split_explains_one(tmp_path):
    rows = (_snapshot("2018-02-08", {"AAA": "100000000000", "BBB": "100000000000"}, {"AAA": 100.0, "BBB": 100.0})
            + _snapshot("2024-10-10", {"AAA": "100000000000", "BBB": "100000000000"}, {"AAA": 25.0, "BBB": 25.0}))
    splits = pd.DataFrame({"ticker": ["AAA"], "date": [pd.Timestamp("2020-08-31")], "split_ratio": [4.0]})
    f = sp500.read_financials(_write(tmp_path / "f.csv", _fin(rows)), splits)
    late = f[f["snapshot_date"] == "2024-10-10"].set_index("symbol")["shares_change_unexplained"]
    assert not late["AAA"] and late["BBB"]


def test_real_source_ingested(warehouse):
    m = warehouse.read("sp500_membership")
    on = lambda d: int(((m["start_date"] <= d) & (m["end_date"].isna() | (m["end_date"] > d))).sum())  # noqa: E731
    # PROVENANCE.md checks on receipt: 487 members on 1996-01-02, 505 on 2019-12-31
    assert on(pd.Timestamp("1996-01-02")) == 487 and on(pd.Timestamp("2019-12-31")) == 505
    assert m.loc[m["ticker"] == "AAL", "ticker_reused"].all()
    fin = warehouse.read("sp500_financials")
    units = fin.groupby("market_cap_unit_in_file")["snapshot_date"].agg(["min", "max"])
    assert units.loc["billions_usd", "max"] < pd.Timestamp("2018-01-01") <= units.loc["usd", "min"]
    aapl = fin[fin["symbol"] == "AAPL"].set_index("snapshot_date")["shares_outstanding_est"]
    assert 0.8e9 < aapl.iloc[0] < 1.0e9 and 14e9 < aapl.iloc[-1] < 15.5e9  # PROVENANCE: 939M (2013), 14.69B (2026)
    man = warehouse.manifest("sp500")
    assert set(man["inputs"]) == set(sp500.INPUTS)
