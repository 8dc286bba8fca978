"""The CAPM prior (fallback signal): betas computed with NaN-aware numpy equal the textbook pandas formula."""
import numpy as np
import pandas as pd
import pytest

from portfolio.signals import ExpectedReturns


def _reference_prior(returns: pd.DataFrame, rf: float, market: pd.Series | None, erp: float) -> pd.Series:
    mkt = market.reindex(returns.index) if market is not None else returns.mean(axis=1)
    x = mkt - mkt.mean()
    var = float((x * x).sum())
    r = returns - returns.mean()
    beta = r.mul(x, axis=0).sum() / var
    beta = (2 / 3) * beta.where(returns.count() > 20, 1.0) + 1 / 3
    return rf + beta * erp / 252


@pytest.mark.parametrize("with_market", [False, True])
def test_prior_matches_reference_with_missing_returns(with_market):
    rng = np.random.default_rng(3)
    idx = pd.bdate_range("2023-01-02", periods=120)
    m = pd.Series(rng.normal(0, 0.01, len(idx)), index=idx)
    r = pd.DataFrame({f"S{i}": 0.8 * m + rng.normal(0, 0.01, len(idx)) * (1 + i / 5) for i in range(6)})
    r.iloc[:30, 1] = np.nan  # late listing
    r.iloc[::7, 2] = np.nan  # gaps
    r.iloc[:110, 3] = np.nan  # too short: beta falls back to 1
    r["S5"] = np.nan  # never traded
    market = m.copy()
    market.iloc[5:9] = np.nan
    er = ExpectedReturns()
    got = er.prior(r, 1e-4, market if with_market else None)
    ref = _reference_prior(r, 1e-4, market if with_market else None, er.erp)
    pd.testing.assert_series_equal(got, ref, check_names=False, rtol=1e-10, atol=1e-14)
    assert got["S3"] == pytest.approx(1e-4 + er.erp / 252)  # beta 1 when fewer than 21 returns


@pytest.mark.parametrize("with_quarter", [True, False])
def test_forecast_expires_at_the_end_of_its_quarter(with_quarter):
    # the 2025Q1 forecast (as of 2024-12-31, 63 business days) serves through 2025-03-31 and never into 2025Q2
    fc = pd.DataFrame({"date": ["2024-12-31"] * 2, "bea_code": ["A", "B"], "q50": [0.063, -0.063],
                       "horizon_days": [63, 63]})
    if with_quarter:
        fc["quarter"] = "2025Q1"
    er = ExpectedReturns(fc, shrinkage=1.0)
    idx = pd.bdate_range("2024-10-01", periods=60)
    rets = pd.DataFrame(np.random.default_rng(0).normal(0, 0.01, (60, 2)), index=idx, columns=["x", "y"])
    expo = pd.DataFrame({"A": [1.0, 0.0], "B": [0.0, 1.0]}, index=["x", "y"])
    # without a quarter column: 63 business days (weekdays) after 2024-12-31 is Friday 2025-03-28
    last = er.estimate(pd.Timestamp("2025-03-31" if with_quarter else "2025-03-28"), expo, rets, 0.0)
    assert last.info["source"] == "forecast" and last.mu["x"] == pytest.approx(0.001)
    # within the old 120-day window, but past the forecast's quarter (horizon)
    for t in ("2025-04-01", "2025-04-15") if with_quarter else ("2025-03-31", "2025-04-15"):
        assert er.estimate(pd.Timestamp(t), expo, rets, 0.0).info["source"] == "prior_fallback"
    # a forecast is never used on or before its own date
    assert er.estimate(pd.Timestamp("2024-12-31"), expo, rets, 0.0).info["source"] == "prior_fallback"
