"""Extra indicators by industry (CES employment, Census retail): trailing seasonal adjustment, maps, bridge use."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gnn import nowcast as nc
from gnn import nowcast_history as nh


@pytest.fixture(scope="module")
def extra(warehouse) -> pd.DataFrame:
    return pd.concat([nh.ces_indicators(warehouse.read("ces_employment", "macro_history")),
                      nh.mrts_indicators(warehouse.read("census_retail", "macro_history"))], ignore_index=True)


def test_trailing_seasonal_adjustment_removes_a_fixed_pattern_without_look_ahead():
    months = pd.period_range("2000-01", "2012-12", freq="M")
    season = np.tile([0.05, -0.03, 0.0, 0.02, -0.01, 0.04, -0.06, 0.01, 0.0, -0.02, 0.03, -0.03], 13)
    trend = 0.002 * np.arange(len(months))
    logs = pd.DataFrame({"S": trend + season}, index=months)
    sa = nh.trailing_seasonal_adjust(logs)["S"]
    resid = (sa - trend).loc["2007-01":]
    assert resid.std() < 1e-9  # a fixed seasonal pattern is removed exactly, up to a constant
    changed = logs.copy()
    changed.loc["2010-06":, "S"] += 1.0  # a later change cannot move the adjusted values before it
    pd.testing.assert_series_equal(nh.trailing_seasonal_adjust(changed)["S"].loc[:"2010-05"], sa.loc[:"2010-05"])


def test_maps_cover_the_industries_and_series_exist(extra, warehouse):
    ces = set(warehouse.read("ces_employment", "macro_history")["series_id"])
    used = {s for plus, minus in nh.CES_INDUSTRY.values() for s in plus + minus}
    assert used <= ces
    assert set(nh.CES_INDUSTRY) <= set(nc.OWN_INDICATOR) and set(nh.MRTS_INDUSTRY) <= set(nc.OWN_INDICATOR)
    own = nh.extra_own(extra)
    assert own["441"] == ["CES:441", "MRTS:441"] and own["334"] == ["CES:334"]
    assert "111CA" not in own and "HS" not in own  # no CES series for farms or owner-occupied housing
    assert (extra["value"] > 0).all()
    # point in time: CES months keep the 10-day, MRTS the 16-day first-release lag
    ces334 = extra[extra["series_id"] == "CES:334"].set_index("month")
    assert ces334.loc[pd.Timestamp("2019-09-01"), "published_date"] == pd.Timestamp("2019-10-10")
    other = extra[extra["series_id"] == "MRTS:4A0"].set_index("month")
    assert other.loc[pd.Timestamp("2024-03-01"), "published_date"] == pd.Timestamp("2024-04-16")


def test_bridge_uses_extras_where_published_and_drops_them_after(extra, warehouse):
    gdp, monthly = warehouse.read("bea_gdp_by_industry", "bea"), warehouse.read("macro_monthly", "macro")
    base = nc.nowcast_inputs(gdp, monthly, dating="schedule")
    inp = nc.nowcast_inputs(gdp, monthly, dating="schedule", extra_monthly=extra, extra_own=nh.extra_own(extra))
    assert inp.series_for("334") == ["IP.G334.S", "CES:334", "CPIAUCSL", "PAYEMS"]
    q, d = pd.Period("2015Q2", freq="Q"), nc.decision_date(inp, pd.Period("2015Q2", freq="Q"))
    with_extra = nc.bridge_step(inp, q, d, nc.known_quarters(inp, d), "334")
    without = nc.bridge_step(base, q, d, nc.known_quarters(base, d), "334")
    assert with_extra.n_params == without.n_params + 1 and with_extra.median != pytest.approx(without.median)
    q2 = pd.Period("2021Q2", freq="Q")  # CES ends 2019-09: the extra series drops out, the equation is the base one
    d2 = nc.decision_date(inp, q2)
    a = nc.bridge_step(inp, q2, d2, nc.known_quarters(inp, d2), "334")
    b = nc.bridge_step(base, q2, d2, nc.known_quarters(base, d2), "334")
    assert a.n_params == b.n_params and a.median == pytest.approx(b.median)
    with pytest.raises(nc.NowcastError, match="extra_monthly"):
        nc.nowcast_inputs(gdp, monthly, extra_own={"334": ["CES:334"]})


def test_prior_ridge_limits():
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(40), rng.normal(size=40)])
    y = 0.01 + 0.8 * X[:, 1] + rng.normal(scale=0.1, size=40)
    ols = np.linalg.lstsq(X, y, rcond=None)[0]
    assert nc._with_prior(X, y, ols, 1, 5.0, 1e9) == pytest.approx(ols, abs=1e-6)  # a vague prior: OLS
    assert nc._with_prior(X, y, ols, 1, 5.0, 1e-12)[1] == pytest.approx(5.0, abs=1e-4)  # a sharp prior: b0


def test_annual_prior_is_point_in_time(warehouse):
    gdp, monthly = warehouse.read("bea_gdp_by_industry", "bea"), warehouse.read("macro_monthly", "macro")
    pa = warehouse.read("production_accounts_go", "production_accounts")
    inp = nc.nowcast_inputs(gdp, monthly, dating="schedule", prior=nh.AnnualPrior(pa))
    assert inp.prior(inp, "334", "IP.G334.S", pd.Timestamp("2020-10-25")) is None  # no account published yet
    b, var = inp.prior(inp, "334", "IP.G334.S", pd.Timestamp("2021-06-01"))
    assert 0.2 < b < 2.0 and var > 0
    later = pa.copy()
    after = pd.to_datetime(later["published_date"]) > pd.Timestamp("2021-06-01")
    later.loc[after, "gross_output_usd_millions"] *= np.linspace(1, 3, int(after.sum()))
    assert nh.AnnualPrior(later)(inp, "334", "IP.G334.S", pd.Timestamp("2021-06-01")) == pytest.approx((b, var))
    q = pd.Period("2021Q2", freq="Q")
    d = nc.decision_date(inp, q)
    base = nc.nowcast_inputs(gdp, monthly, dating="schedule")
    with_prior = nc.bridge_step(inp, q, d, nc.known_quarters(inp, d), "334").median
    assert with_prior != pytest.approx(nc.bridge_step(base, q, d, nc.known_quarters(base, d), "334").median)
