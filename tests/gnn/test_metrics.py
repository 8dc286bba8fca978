"""Metrics: pinball loss by hand, coverage, rank IC, the Newey-West variance and the Diebold-Mariano test."""
from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from gnn.metrics import coverage, diebold_mariano, ic_summary, mae, mean_pinball, newey_west_variance, pinball, \
    rank_ic


def test_pinball_hand_example():
    # y = 1; forecasts 0 (tau 0.05), 2 (tau 0.95): 0.05 * (1 - 0) = 0.05 and (0.95 - 1) * (1 - 2) = 0.05
    got = pinball(np.array([1.0]), np.array([[0.0, 2.0]]), quantiles=(0.05, 0.95))
    assert got == pytest.approx(np.array([[0.05, 0.05]]))
    # y = 3 against the median forecast 1: 0.5 * 2 = 1; below the forecast: 0.5 * |..| too
    assert mean_pinball(np.array([3.0, -1.0]), np.array([[1.0], [1.0]]), quantiles=(0.5,)) == pytest.approx(1.0)
    # tau = 0.25, y = 0, q = 4: (0.25 - 1) * (0 - 4) = 3
    assert pinball(np.array([0.0]), np.array([[4.0]]), quantiles=(0.25,))[0, 0] == pytest.approx(3.0)


def test_mae_and_coverage():
    y = np.array([0.0, 1.0, 2.0, 3.0])
    q = np.tile(np.array([0.5, 1.0, 1.5, 2.0, 2.5]), (4, 1))
    assert mae(y, q) == pytest.approx(np.mean(np.abs(y - 1.5)))
    cov = coverage(y, q)
    assert cov == {"0.05": 0.25, "0.25": 0.5, "0.5": 0.5, "0.75": 0.75, "0.95": 0.75}


def test_rank_ic_perfect_and_inverted():
    snap = np.repeat([0, 1, 2], 6)
    f = np.tile(np.arange(6.0), 3)
    ic = rank_ic(snap, f, np.r_[f[:6] * 2, -f[6:12], f[12:] ** 3])
    assert ic["ic"] == pytest.approx([1.0, -1.0, 1.0])
    s = ic_summary(ic["ic"])
    assert s["rank_ic_mean"] == pytest.approx(1 / 3)
    assert s["rank_ic_t"] == pytest.approx((1 / 3) / (np.std(ic["ic"], ddof=1) / np.sqrt(3)))


def test_newey_west_matches_statsmodels():
    rng = np.random.default_rng(3)
    e = rng.normal(size=200)
    d = 0.2 + e + 0.6 * np.r_[0.0, e[:-1]]  # MA(1): autocorrelated loss differential
    for lags in (0, 1, 4):
        res = sm.OLS(d, np.ones_like(d)).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": False})
        assert newey_west_variance(d, lags) / len(d) == pytest.approx(float(res.bse[0] ** 2), rel=1e-10)


def test_diebold_mariano_known_cases():
    rng = np.random.default_rng(0)
    base = rng.gamma(2.0, 1.0, 80)
    # A is uniformly worse by a clear margin: DM strongly positive, p tiny
    worse = diebold_mariano(base + 0.5 + rng.normal(0, 0.1, 80), base)
    assert worse.stat > 10 and worse.pvalue < 1e-6 and worse.mean_diff > 0
    # identical up to symmetric noise: no evidence either way
    same = diebold_mariano(base + rng.normal(0, 0.1, 80), base)
    assert same.pvalue > 0.05
    # hand computation with lag 0, horizon 1: DM = mean / sqrt(var / T) * sqrt((T - 1) / T)
    d = np.array([1.0, 2.0, 0.0, 3.0, 1.0, 2.0])
    r = diebold_mariano(d, np.zeros(6), lags=0)
    v = np.mean((d - d.mean()) ** 2)
    assert r.stat == pytest.approx(d.mean() / np.sqrt(v / 6) * np.sqrt(5 / 6))
