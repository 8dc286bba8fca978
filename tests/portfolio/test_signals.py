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
