"""The sp500 mandate's cap-weighted S&P 500 benchmark, rebuilt point in time from the real market-cap snapshots,
and the daily rebalance built from a universe's mandate."""
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from portfolio.benchmark import BenchmarkError, CapWeighted, compare_to_proxy
from portfolio.mandate import benchmark_return_series, benchmark_returns, benchmark_weights_fn, mandate_for
from portfolio.optimizer import PolicyConfig
from portfolio.universe import load_universe, load_user_universe

T = pd.Timestamp("2016-06-01")  # between the 2016-02-26 snapshot and the next one


@pytest.fixture(scope="module")
def sp(warehouse):
    uni = load_universe("sp500", warehouse)
    m = mandate_for("sp500")
    bf = benchmark_weights_fn(m, uni, benchmark_returns(warehouse, m.benchmark_ticker))
    return uni, m, bf, warehouse


def test_shipped_sp500_mandate(sp):
    _, m, bf, _ = sp
    assert m.label == "sp500@1.0.0" and m.benchmark_from_constituents and m.benchmark_ticker == "SPY"
    assert m.benchmark["weights"]["method"] == "cap_weighted" and isinstance(bf, CapWeighted)
    assert m.names_policy["qualifying_basket"]["security_type"] == ["stock"]


def test_weights_are_members_on_the_date_from_the_last_snapshot_before_it(sp):
    uni, m, bf, wh = sp
    c = bf(T)
    w = c.weights
    assert w.sum() == pytest.approx(1.0) and (w >= 0).all()
    assert pd.Timestamp(c.info["snapshot_date"]) < T
    held = w[w > 0].index
    assert set(held) <= set(uni.pit.members_on(T))           # members on T only
    assert uni.last_close(T).reindex(held).gt(0).all()        # with a previous close
    assert c.info["n_constituents"] == len(held)
    # survivorship stated: members without a price are counted, with their share of the index's cap
    assert c.info["n_members_unpriced"] > 0 and 0 < c.info["unpriced_share_by_market_cap"] < 1
    # the ratio of two single-class members is their snapshot caps drifted with the adjusted close to T-1
    fin = wh.read("sp500_financials", columns=["snapshot_date", "symbol", "market_cap_usd"])
    s = pd.Timestamp(c.info["snapshot_date"])
    cap = fin[fin["snapshot_date"] == s].set_index("symbol")["market_cap_usd"]
    px = uni.prices.ffill()
    p_s, p_t = px.loc[:s].iloc[-1], px.loc[px.index < T].iloc[-1]
    drift = {k: cap[k] * p_t[k] / p_s[k] for k in ("JNJ", "XOM")}
    assert w["JNJ"] / w["XOM"] == pytest.approx(drift["JNJ"] / drift["XOM"], rel=1e-9)


def test_point_in_time_later_data_do_not_move_the_weights(sp):
    uni, m, bf, _ = sp
    later = uni.prices.copy()
    later.loc[later.index >= T] *= 3.0  # prices from T on change
    w2 = CapWeighted(m, replace(uni, prices=later))(T).weights
    assert w2.equals(bf(T).weights)


def test_one_company_one_cap_across_share_classes(sp):
    _, _, bf, _ = sp
    w = bf(pd.Timestamp("2026-07-01")).weights
    # the snapshots give GOOG and GOOGL each Alphabet's whole cap: counted once, split equally
    assert w["GOOG"] == pytest.approx(w["GOOGL"]) and 0.03 < w["GOOG"] + w["GOOGL"] < 0.12


def test_total_return_is_the_weights_times_member_returns(sp):
    uni, _, bf, wh = sp
    rb = benchmark_return_series(mandate_for("sp500"), wh, bf)
    d = rb.index[rb.index.get_indexer([T], method="bfill")[0]]
    px = uni.prices.ffill()
    r = (px / px.shift(1) - 1).loc[d].fillna(0.0)
    assert rb[d] == pytest.approx(float(bf(d).weights @ r.reindex(bf(d).weights.index).fillna(0.0)), rel=1e-9)
    # sanity against SPY over 2013-2026: the rebuilt index moves with it (the gap is the survivorship and SPY's fee)
    cmp = compare_to_proxy(rb, benchmark_returns(wh, "SPY"), "2013-01-02", "2026-08-03", "SPY")
    assert cmp["correlation"] > 0.99 and abs(cmp["gap_annual"]) < 0.02 and cmp["tracking_error"] < 0.025


def test_cap_weighted_needs_point_in_time_data(user_universe_dir):
    uni = load_user_universe(user_universe_dir)
    with pytest.raises(BenchmarkError, match="point-in-time") as e:
        CapWeighted(mandate_for("sp500"), uni)
    assert "benchmark.weights.method" in str(e.value)


def test_compare_to_proxy_on_known_series():
    idx = pd.bdate_range("2020-01-01", periods=253)
    b = pd.Series(0.001, index=idx)
    p = pd.Series(0.0005, index=idx)
    c = compare_to_proxy(b, p, idx[0], idx[-1], "X")
    assert c["n_days"] == 253 and c["gap_annual"] > 0 and c["tracking_error"] == pytest.approx(0.0)


# ------------------------------------------------------------------------------ daily rebalance from the mandate
def test_daily_rebalance_uses_the_mandate_and_records_its_version(market_warehouse, tmp_path):
    from pipeline.daily import mandate_policy
    from portfolio import journal as jr
    from portfolio.rebalance import rebalance

    wh = market_warehouse
    uni = load_universe("sector_etfs", wh)
    pol = mandate_policy(uni, PolicyConfig(compliance="evaluable"), None, wh)
    m = mandate_for("sector_etfs")
    assert pol.mandate.label == m.label and pol.config.cash_buffer == m.cash_buffer
    s = rebalance("2024-03-01", "sector_etfs", 1e8, home=tmp_path, config=pol.config, warehouse=wh,
                  universe_obj=uni, policy=pol)
    assert s["mandate"] == m.label and s["active"]["tracking_error_budget"] == m.tracking_error_budget
    assert s["active"]["tracking_error_ex_ante"] <= m.tracking_error_budget + 1e-6
    out = tmp_path / "portfolio" / "sector_etfs" / "2024-03-01"
    assert json.loads((out / "summary.json").read_text())["mandate"] == m.label
    assert json.loads((out / "inputs.json").read_text())["mandate_sha256"] == m.sha256
    rec = jr.get_decision(tmp_path, s["journal_id"])
    assert rec["mandate"] == m.label and rec["kind"] == "daily"


def test_daily_rebalance_without_a_mandate_keeps_the_absolute_program(user_universe_dir, market_warehouse):
    from pipeline.daily import mandate_policy

    uni = load_user_universe(user_universe_dir)
    assert mandate_for(uni.name) is None
    assert mandate_policy(uni, PolicyConfig(compliance="off"), None, market_warehouse) is None
