"""Skill-scaled alpha: the IC is measured point in time from realised outcomes and scales the tilt."""
import numpy as np
import pandas as pd
import pytest

from portfolio.skill import SkillConfig, SkillScaledAlpha, security_forecasts
from portfolio.universe import load_user_universe

H = 21


@pytest.fixture(scope="module")
def uni(user_universe_dir):
    return load_user_universe(user_universe_dir)


def _forecasts(uni, sign: float, dates) -> pd.DataFrame:
    """Industry forecasts equal to ``sign`` x the industry's realised return over the next H trading days
    (perfect foresight for sign = 1, perfectly wrong for sign = -1): synthetic, to test the IC's measurement."""
    px, E = uni.prices, uni.exposures
    E = E.loc[:, E.sum() > 0]
    rows = []
    for f in dates:
        i0 = px.index.searchsorted(pd.Timestamp(f), side="right") - 1
        r = (px.iloc[i0 + H] / px.iloc[i0] - 1).reindex(E.index)
        ind = (E.mul(r, axis=0).sum() / E.sum())
        rows += [{"date": pd.Timestamp(f), "bea_code": k, "median": sign * v, "horizon_days": H}
                 for k, v in ind.items()]
    return pd.DataFrame(rows)


DATES = pd.bdate_range("2022-03-01", periods=12, freq="25B")


def test_perfect_foresight_is_measured_only_after_its_horizon(uni):
    fc = _forecasts(uni, 1.0, DATES)
    s = SkillScaledAlpha(fc, uni, SkillConfig(ic_prior_obs=12, ic_min_obs=4))
    o = s.outcomes()
    assert (o["ic"].dropna() > 0.3).all()  # industry-level foresight: positive, not perfect, per security
    # point in time: before the first horizon ends no outcome is known, hence no tilt
    first_end = o["end"].min()
    before = s.skill_at(first_end)
    assert before["n_outcomes"] == 0 and before["ic_used"] == 0 and before["reason"] == "too few realised outcomes"
    after = s.skill_at(pd.Timestamp("2023-06-01"))
    n = after["n_outcomes"]
    assert n >= 4 and after["ic_used"] == pytest.approx(after["ic_mean"] * n / (n + 12))
    assert 0 < after["ic_used"] < after["ic_mean"]  # shrunk toward 0


def test_alpha_is_ic_times_vol_times_score(uni):
    fc = _forecasts(uni, 1.0, DATES)
    s = SkillScaledAlpha(fc, uni)
    t = pd.Timestamp("2023-06-01")
    rets = uni.history(t, 253).pct_change(fill_method=None).iloc[1:]
    ex = uni.exposures_at(t)
    res = s.estimate(t, ex, rets, 0.0)
    src = res.info["sources"][0]
    assert res.info["source"] == "forecast" and src["ic_used"] > 0
    latest = fc[fc["date"] == fc[fc["date"] < t]["date"].max()]
    m = security_forecasts(latest, ex)
    z = (m - m.mean()) / m.std()
    expected = src["ic_used"] * rets.std() * z / np.sqrt(H)
    assert np.allclose(res.mu.to_numpy(), expected.reindex(res.mu.index).fillna(0).to_numpy())


def test_no_skill_no_tilt(uni):
    wrong = SkillScaledAlpha(_forecasts(uni, -1.0, DATES), uni)
    res = wrong.estimate(pd.Timestamp("2023-06-01"), uni.exposures, uni.prices.pct_change().iloc[-252:], 0.0)
    assert res.info["source"] == "no_skill" and (res.mu == 0).all()
    assert res.info["sources"][0]["ic_mean"] < 0 and res.info["sources"][0]["ic_used"] == 0
    none = SkillScaledAlpha(None, uni).estimate(pd.Timestamp("2023-06-01"), uni.exposures,
                                                uni.prices.pct_change().iloc[-252:], 0.0)
    assert none.info["source"] == "none" and (none.mu == 0).all()
