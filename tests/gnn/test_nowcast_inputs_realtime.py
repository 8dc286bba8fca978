"""Nowcast inputs as of the decision date: real-time vintages of payrolls and CPI, splice, dating of BEA quarters."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gnn import nowcast as nc
from gnn.nowcast_eval import evaluate
from ingest import realtime


@pytest.fixture(scope="module")
def frames(warehouse):
    return (warehouse.read("bea_gdp_by_industry", "bea"), warehouse.read("macro_monthly", "macro"),
            warehouse.read("realtime_vintages", "realtime"))


@pytest.fixture(scope="module")
def inp(frames):
    return nc.nowcast_inputs(*frames[:2], realtime=frames[2], dating="schedule")


def test_splice_vintage_keeps_vintage_and_appends_snapshot_growth():
    months = pd.period_range("2020-01", "2020-06", freq="M")
    snap = pd.Series(np.log([100, 101, 102, 104, 105, 107.0]), index=months, name="S")
    vint = pd.Series(np.log([99, 100.5, 101.0]), index=["2020-01", "2020-02", "2020-03"])
    out = nc.splice_vintage(snap, vint)
    assert np.exp(out.iloc[:3]).tolist() == pytest.approx([99, 100.5, 101.0])
    # April onwards: the vintage's March level times the snapshot's growth since March
    assert np.exp(out.iloc[3:]).tolist() == pytest.approx([101 * 104 / 102, 101 * 105 / 102, 101 * 107 / 102])


def test_vintage_in_effect_replaces_revised_values(inp, frames):
    d = pd.Timestamp("2009-02-20")
    view = inp.at(d)
    emp = realtime.value_as_of(frames[2], "EMPLOY", d)  # vintage 2009M2
    assert view.logs["PAYEMS"][pd.Period("2008-12", freq="M")] == pytest.approx(np.log(emp["2008-12"]))
    assert not np.isclose(inp.logs["PAYEMS"][pd.Period("2008-12", freq="M")], np.log(emp["2008-12"]))
    # other series untouched; the same vintage set gives the same cached view
    pd.testing.assert_series_equal(view.logs["IP.G334.S"], inp.logs["IP.G334.S"])
    assert inp.at(pd.Timestamp("2009-02-25")) is view
    assert inp.vintages_at(d) == {"PAYEMS": pd.Timestamp("2009-02-15"), "CPIAUCSL": pd.Timestamp("2009-02-15")}
    # from the snapshot's own vintage date (FRED-MD 2025-12) on, the snapshot is the vintage in effect
    assert inp.snapshot_vintage_date == pd.Timestamp("2025-12-31")
    assert inp.at(pd.Timestamp("2026-01-15")) is inp


def test_no_look_ahead_through_vintages(frames):
    gdp, monthly, vint = frames
    d = pd.Timestamp("2012-07-20")
    q = pd.Period("2012Q3", freq="Q")
    base = nc.nowcast_path(nc.nowcast_inputs(gdp, monthly, realtime=vint, dating="schedule"), q, d)
    later = vint.copy()
    after = pd.to_datetime(later["published_date"]) > d
    later.loc[after, "value"] = later.loc[after, "value"] * 1.3
    tampered = nc.nowcast_path(nc.nowcast_inputs(gdp, monthly, realtime=later, dating="schedule"), q, d)
    pd.testing.assert_frame_equal(base, tampered)
    revised = nc.nowcast_path(nc.nowcast_inputs(gdp, monthly, dating="schedule"), q, d)
    assert not np.allclose(base["q0.5"], revised["q0.5"])  # the vintage is information the model uses


def test_dating_schedule_vs_release(frames, inp):
    strict = nc.nowcast_inputs(*frames[:2])
    q = pd.Period("2010Q1", freq="Q")
    assert nc.decision_date(strict, q) == pd.Timestamp("2018-11-29")  # published as history in Nov 2018
    assert nc.decision_date(inp, q) < pd.Timestamp("2010-12-31")
    late = pd.Period("2019Q1", freq="Q")
    assert nc.decision_date(strict, late) == nc.decision_date(inp, late)  # the same once BEA publishes quarterly
    with pytest.raises(nc.NowcastError, match="dating"):
        nc.nowcast_inputs(*frames[:2], dating="whenever")


def test_walk_forward_with_vintages_runs(inp):
    ev = evaluate(inp, "2010Q1", "2010Q2", models=("bridge", "ar"), calibrate=False)
    assert set(ev.per_quarter["model"]) == {"bridge", "ar"} and len(ev.per_quarter) == 4
    assert (pd.to_datetime(ev.per_quarter["as_of"]) < pd.Timestamp("2011-01-01")).all()
    assert ev.summary["models"]["bridge"]["pinball"] > 0
