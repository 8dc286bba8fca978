import json

import numpy as np
import pandas as pd
import pytest

from ingest.warehouse import Warehouse
from portfolio.backtest import backtest
from portfolio.optimizer import PolicyConfig
from portfolio.universe import load_user_universe


@pytest.fixture(scope="module")
def result(user_universe_dir, tmp_path_factory):
    home = tmp_path_factory.mktemp("bt")
    uni = load_user_universe(user_universe_dir)
    return backtest("2023-01-02", "2023-06-30", str(user_universe_dir), home=home, warehouse=Warehouse(home),
                    universe_obj=uni, rebalance_every=5, config=PolicyConfig(compliance="report"),
                    report_dir=home / "report"), home


def test_metrics_are_finite(result):
    r, _ = result
    for k in ("cagr", "volatility", "sharpe", "max_drawdown", "turnover_annual", "cost_annual",
              "tracking_error_equal_weight"):
        assert np.isfinite(r[k]), k
    assert isinstance(r["active_breaches"], int) and r["active_breaches"] >= 0
    assert r["max_drawdown"] <= 0 and r["volatility"] > 0 and r["cost_annual"] > 0
    assert set(r["alternatives"]) == {"risk_parity", "hrp", "mean_cvar"}
    assert all(np.isfinite(a["cagr"]) for a in r["alternatives"].values())


def test_report_written(result):
    r, home = result
    rep = home / "report"
    for f in ("report.md", "equity_curve.png", "drawdown.png", "weights.png", "industry_exposure.png",
              "metrics.json"):
        assert (rep / f).stat().st_size > 0, f
    assert json.loads((rep / "metrics.json").read_text())["cagr"] == pytest.approx(r["cagr"])


def test_equity_curve_consistent_with_returns(user_universe_dir, tmp_path):
    from portfolio.backtest import simulate
    from portfolio.optimizer import Policy

    uni = load_user_universe(user_universe_dir)
    pol = Policy(uni, PolicyConfig(compliance="off"))
    sim = simulate(pol, uni, pd.Timestamp("2023-02-01"), pd.Timestamp("2023-03-31"), nav_usd=1e7,
                   rebalance_every=10)
    d = sim["daily"]
    curve = d["value_usd"].iloc[0] * (1 + d["return"]).cumprod()
    assert np.allclose(curve, d["value_usd"], rtol=1e-12)
    # no trade, no cost, and (without a risk-free series) no change in cash between rebalances
    no_trade = d["traded_usd"] == 0
    assert (d["cash_usd"].diff()[no_trade].iloc[1:].abs() < 1e-6).all()
    w = sim["weights"]
    assert len(w) == 5 and (w.sum(axis=1) <= 1 + 1e-9).all()
    assert (d["cost_usd"] >= 0).all() and d["cost_usd"].sum() > 0
    assert d["cost_usd"][d["traded_usd"] == 0].eq(0).all()
