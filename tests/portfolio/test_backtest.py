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


def test_forecast_ablation_and_evaluable_mode(user_universe_dir, tmp_path):
    """With forecasts the report carries the same policy on the CAPM prior alone (what the forecasts add); in
    `evaluable` mode the compiled fund rules are in the program and the exact checker finds no active breach of a
    regulatory or prospectus rule on any rebalance day."""
    uni = load_user_universe(user_universe_dir)
    codes = sorted(uni.exposures.columns[uni.exposures.sum() > 0])
    # one forecast per month, industry medians that differ (a deterministic pattern, not real data)
    dates = pd.date_range("2022-12-30", "2023-06-30", freq="ME")
    fc = pd.DataFrame([{"date": d, "bea_code": c, "q50": 0.02 * ((k + m) % 5 - 2), "horizon_days": 21}
                       for m, d in enumerate(dates) for k, c in enumerate(codes)])
    r = backtest(None, "2023-06-30", str(user_universe_dir), home=tmp_path, warehouse=Warehouse(tmp_path),
                 universe_obj=uni, rebalance_every=10, forecasts=fc, alternatives=False,
                 config=PolicyConfig(compliance="evaluable"), report_dir=tmp_path / "rep")
    assert r["start"] == "2023-01-02"  # the first trading day after the first forecast
    assert r["compliance_mode"] == "evaluable"
    assert set(r["alternatives"]) == {"policy_prior_only"}
    base = r["alternatives"]["policy_prior_only"]
    assert np.isfinite(base["cagr"]) and base["cagr"] != pytest.approx(r["cagr"], abs=1e-6)
    assert r["decisions"]["signal_sources"] == {"forecast": r["decisions"]["n"]}
    assert r["active_breaches"] == 0
    assert "policy_prior_only" in (tmp_path / "rep" / "report.md").read_text()
    # the synthetic universe has shares outstanding and volumes: every rule can be evaluated
    assert r["not_evaluable_rules"] == {}
