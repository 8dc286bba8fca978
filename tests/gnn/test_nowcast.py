"""Nowcasters: ragged-edge features, no look-ahead, graph propagation, quantile heads, walk-forward summary."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from gnn import nowcast as nc
from gnn.nowcast_eval import GnnConfig, evaluate
from gnn.nowcast_gnn import Panel, fit_gnn, propagation
from ingest.calendar import bea_quarterly_published


@pytest.fixture(scope="module")
def frames(warehouse):
    return warehouse.read("bea_gdp_by_industry", "bea"), warehouse.read("macro_monthly", "macro")


@pytest.fixture(scope="module")
def inp(frames):
    return nc.nowcast_inputs(*frames)


def test_ragged_edge_features_and_availability():
    months = pd.period_range("2020-01", "2020-12", freq="M")
    logs = pd.DataFrame({"S": np.arange(12, dtype=float)}, index=months)
    f2 = nc.quarter_features(logs, 2)
    # 2020Q2 with April-May: mean(3, 4) - mean(0, 1, 2) = 2.5
    assert f2.loc[pd.Period("2020Q2", freq="Q"), "S"] == pytest.approx(2.5)
    assert np.isnan(f2.loc[pd.Period("2020Q1", freq="Q"), "S"])  # no previous quarter
    pub = pd.DataFrame({"S": [m.end_time.normalize() + pd.Timedelta(days=17) for m in months]}, index=months)
    q = pd.Period("2020Q2", freq="Q")
    assert nc.months_available(pub, q, pd.Timestamp("2020-05-16"))["S"] == 0
    assert nc.months_available(pub, q, pd.Timestamp("2020-05-17"))["S"] == 1
    assert nc.months_available(pub, q, pd.Timestamp("2020-08-01"))["S"] == 3


def test_nowcast_dates_run_to_the_last_indicator_quarter(inp):
    dates = nc.nowcast_dates(inp)
    assert list(dates)[0] == "2024Q4" and list(dates)[-1] == "2026Q1"
    assert all(d <= pd.Timestamp("2026-03-17") for d in dates.values())  # the last indicator release
    now = nc.nowcast_dates(inp, pd.Timestamp("2026-03-31"))  # e.g. the newest OEWS file's release
    assert now["2026Q1"] == pd.Timestamp("2026-03-31") and now["2024Q4"] == dates["2024Q4"]


def test_no_look_ahead(frames):
    gdp, monthly = frames
    as_of = pd.Timestamp("2024-12-01")  # October 2024 published for most series, November for a few
    q = pd.Period("2024Q4", freq="Q")
    base = nc.nowcast_path(nc.nowcast_inputs(gdp, monthly), q, as_of)
    later = monthly.copy()
    after = pd.to_datetime(later["published_date"]) > as_of
    later.loc[after, "value"] = later.loc[after, "value"] * 1.5
    tampered = nc.nowcast_path(nc.nowcast_inputs(gdp, later), q, as_of)
    pd.testing.assert_frame_equal(base, tampered)
    informed = nc.nowcast_path(nc.nowcast_inputs(gdp, monthly), q, pd.Timestamp("2025-03-31"))
    assert not np.allclose(base["q0.5"], informed["q0.5"])  # more months published -> a different nowcast


def test_propagation_directions():
    A = pd.DataFrame([[0.0, 0.3, 0.0], [0.0, 0.0, 0.2], [0.1, 0.0, 0.0]], index=list("abc"), columns=list("abc"))
    up, down = propagation(A, list("abc"))
    # seller a sells to buyer b only: a hears from b (upstream demand); buyer b buys from a only
    assert up[0].tolist() == [0.0, 1.0, 0.0]
    assert down[1].tolist() == [1.0, 0.0, 0.0]
    assert np.allclose(up.sum(axis=1), 1.0) and np.allclose(down.sum(axis=1), 1.0)


def test_gnn_uses_the_supply_chain_and_heads_do_not_cross():
    """Industry 1 has no own signal; its growth is its buyer's (industry 0) growth: only propagation finds it."""
    rng = np.random.default_rng(0)
    T, N = 120, 2
    shock = rng.normal(size=T)
    X = np.zeros((T, N, 4))
    X[:, 0, 0] = shock
    X[:, 1, 0] = rng.normal(size=T)  # an unrelated own indicator
    y = np.column_stack([shock, shock]) * 0.02 + rng.normal(scale=0.002, size=(T, N))
    train = Panel(X[:100], y[:100], X[100, :, :], ["0", "1"])
    A = pd.DataFrame([[0.0, 0.0], [0.5, 0.0]], index=["0", "1"], columns=["0", "1"])  # 1 supplies 0
    up, down = propagation(A, ["0", "1"])
    losses = {}
    for graph in (True, False):
        predict = fit_gnn(train, up, down, epochs=150, hidden=16, use_graph=graph)
        q = np.stack([predict(X[t]) for t in range(100, T)])  # [20, N, K]
        assert (np.diff(q, axis=-1) >= -1e-7).all()
        losses[graph] = float(np.abs(q[:, 1, nc.QUANTILES.index(0.5)] - y[100:, 1]).mean())
    assert losses[True] < 0.5 * losses[False]


def test_walk_forward_summary(inp, warehouse):
    ev = evaluate(inp, "2019Q1", "2019Q3", models=("gnn", "lightgbm", "bridge", "ar"),
                  io_summary=warehouse.read("bea_io_summary", "bea"), calibrate=False,
                  gnn=GnnConfig(seeds=1, select_epochs=False, epochs=30))
    s = ev.summary
    assert set(s["models"]) == {"gnn", "lightgbm", "bridge", "ar"}
    for v in s["models"].values():
        assert v["pinball"] > 0 and 0 <= v["coverage"] <= 1 and v["quarters"] == 3
    assert s["best_baseline"] in {"lightgbm", "bridge", "ar"}
    assert s["dm_pair"][0] == "gnn" and s["dm_pair"][1] == s["best_baseline"]
    assert 0 <= s["dm_pvalue"] <= 1
    # pseudo real time: each quarter is decided the day before BEA's release by the calendar
    expected = [(bea_quarterly_published(q) - dt.timedelta(days=1)).isoformat() for q in ("2019Q1", "2019Q2", "2019Q3")]
    assert ev.per_quarter.groupby("quarter")["as_of"].first().tolist() == expected


def test_power_law_fit_recovers_floor_and_exponent():
    from gnn.nowcast_scaling import fit_power_law, power_law

    n = np.array([100, 200, 400, 800, 1600, 3200], float)
    fit = fit_power_law(n, power_law(n, 0.5, 0.7, 0.004))
    assert fit["floor"] == pytest.approx(0.004, rel=1e-3)
    assert fit["exponent"] == pytest.approx(0.7, rel=1e-3)
    assert fit["gain_next_doubling"] == pytest.approx(0.5 * 3200 ** -0.7 * (1 - 2 ** -0.7), rel=1e-3)
