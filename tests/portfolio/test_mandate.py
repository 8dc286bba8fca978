"""Mandates (versioned configuration), the style-replica benchmark and the benchmark-relative program."""
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portfolio.mandate import (MANDATES_DIR, MandateError, StyleReplica, list_mandates, load_mandate,
                               mandate_for)
from portfolio.optimizer import RELAX_ORDER_BENCHMARK, Policy, PolicyConfig
from portfolio.signals import SignalResult
from portfolio.skill import SkillScaledAlpha
from portfolio.universe import load_user_universe

SHIPPED = MANDATES_DIR / "sector_etfs_v1.json"
NAV = 1e5  # small against the synthetic volumes: costs do not hold the book back from its target


def _variant(tmp_path: Path, name: str = "m.json", **changes) -> Path:
    d = json.loads(SHIPPED.read_text())
    for dotted, v in changes.items():
        node = d
        *path, last = dotted.split("__")
        for k in path:
            node = node[k]
        if v is None:
            node.pop(last)
        else:
            node[last] = v
    p = tmp_path / name
    p.write_text(json.dumps(d))
    return p


def test_shipped_mandate_is_valid_and_versioned():
    m = mandate_for("sector_etfs")
    assert m is not None and m.label == "sector_etfs@1.1.0" and m.benchmark_ticker == "SPY"
    assert m.tracking_error_budget == 0.03 and m.names_policy["min_weight"] == 0.80
    assert len(m.sha256) == 64 and m.summary()["mandate"] == m.label
    assert any(x.label == m.label for x in list_mandates())
    assert mandate_for("no_such_universe") is None


@pytest.mark.parametrize("change, field", [
    ({"risk__tracking_error_budget_annual": 0.0}, "risk.tracking_error_budget_annual"),
    ({"risk__tracking_error_budget_annual": "3%"}, "risk.tracking_error_budget_annual"),
    ({"names_policy__min_weight": 1.5}, "names_policy.min_weight"),
    ({"benchmark__weights__method": "magic"}, "benchmark.weights.method"),
    ({"version": "1"}, "version"),
    ({"risk__max_active_weight_security": None}, "risk.max_active_weight_security"),
    ({"risk__max_active_weight_security": 0.0}, "risk.max_active_weight_security"),
    ({"benchmark__returns": "index"}, "benchmark.returns"),
    ({"cash_buffer": None}, "cash_buffer"),
    ({"names_policy__qualifying_basket__security_type": ["bond"]},
     "names_policy.qualifying_basket.security_type"),
])
def test_bad_mandate_names_file_and_field(tmp_path, change, field):
    p = _variant(tmp_path, **change)
    with pytest.raises(MandateError) as e:
        load_mandate(p)
    assert e.value.path == str(p) and p.name in str(e.value) and field in str(e.value)


def test_qualifying_basket_is_explicit():
    m = mandate_for("sector_etfs")
    sec = pd.DataFrame({"type": ["etf", "etf", "stock"], "gics_sector": ["Energy", None, "Energy"]})
    assert m.qualifying(sec).tolist() == [True, False, False]


# ------------------------------------------------------------------------------------------ synthetic universe
@pytest.fixture(scope="module")
def synth(user_universe_dir, tmp_path_factory):
    """The synthetic 20-stock universe, a mandate over it (all stocks qualify, replica over every security) and a
    benchmark that IS a known combination of three stocks."""
    uni = load_user_universe(user_universe_dir)
    tmp = tmp_path_factory.mktemp("mandate")
    p = _variant(tmp, universe=uni.name, names_policy__qualifying_basket__security_type=["stock"],
                 names_policy__qualifying_basket__gics_sector_required=False,
                 benchmark__weights__basket_sponsor=None, benchmark__ticker="BENCH")
    m = load_mandate(p)
    true = pd.Series({"S001": 0.5, "S004": 0.3, "S007": 0.2})
    rets = uni.prices.pct_change(fill_method=None)[true.index] @ true
    return uni, m, true, rets.iloc[1:]


def test_style_replica_recovers_known_weights_point_in_time(synth):
    uni, m, true, rb = synth
    rep = StyleReplica(m, uni, rb)
    c = rep(pd.Timestamp("2023-03-01"))
    assert c.weights.sum() == pytest.approx(1.0) and (c.weights >= 0).all()
    assert c.weights[true.index].to_numpy() == pytest.approx(true.to_numpy(), abs=1e-3)
    assert c.info["replication_te_annual"] < 1e-3 and c.info["n_days"] == 252
    # only returns before t enter: a benchmark that changes on t does not move the weights for t
    rb2 = rb.copy()
    rb2[rb2.index >= "2023-03-01"] *= -5
    assert StyleReplica(m, uni, rb2)(pd.Timestamp("2023-03-01")).weights.equals(c.weights)


class _Tilt:
    """A signal source with a large positive alpha on one security (to push the book against the TE budget)."""
    forecasts = None

    def __init__(self, sid):
        self.sid = sid

    def estimate(self, t, exposures, returns, rf, market=None):
        mu = pd.Series(0.0, index=exposures.index)
        mu[self.sid] = 0.01
        return SignalResult(mu, {"source": "test", "sources": [{"source": "test", "ic_used": 0.1}]})


def _policy(uni, m, rb, signals, **cfg):
    return Policy(uni, PolicyConfig(compliance="off", cash_buffer=m.cash_buffer, turnover_cap=1.0, **cfg),
                  signals=signals, mandate=m, benchmark=StyleReplica(m, uni, rb))


def test_no_signal_holds_the_benchmark_replica(synth):
    uni, m, true, rb = synth
    pol = _policy(uni, m, rb, SkillScaledAlpha(None, uni), position_cap=1.0)
    dec = pol.decide("2023-03-01", pd.Series(dtype=float), NAV)
    assert dec.status == "optimal", dec.relaxed
    w = dec.weights
    # the replica: its three names are the three largest holdings, near their benchmark weights (the rest hedges the
    # cash buffer's missing exposure), at a small ex-ante tracking error
    assert set(w.nlargest(3).index) == set(true.index)
    assert w[true.index].to_numpy() == pytest.approx(true.to_numpy(), abs=0.08)
    assert dec.active["tracking_error_ex_ante"] < 0.01
    assert dec.active["benchmark"]["method"] == "style_replica"


def test_position_cap_costs_tracking_and_is_reported(synth):
    uni, m, true, rb = synth
    loose = replace(m, max_active_weight_security=1.0, max_active_weight_industry=1.0,  # only the cap binds
                    tracking_error_budget=1.0)
    pol = _policy(uni, loose, rb, SkillScaledAlpha(None, uni), position_cap=0.25)
    dec = pol.decide("2023-03-01", pd.Series(dtype=float), NAV)
    assert dec.status == "optimal", dec.relaxed
    assert dec.weights["S001"] <= 0.25 + 1e-6
    assert dec.active["tracking_error_ex_ante"] > 0.001  # the tracking cost of the cap
    top = dec.active["top_active"][0]
    assert top["security"] == "S001" and "position cap" in top["driver"]
    assert any(b.startswith("upper_bounds") for b in dec.active["binding"])


def test_alpha_moves_the_book_within_the_tracking_error_budget(synth):
    uni, m, true, rb = synth
    pol = _policy(uni, m, rb, _Tilt("S010"), position_cap=1.0)
    dec = pol.decide("2023-03-01", pd.Series(dtype=float), NAV)
    assert dec.status == "optimal", dec.relaxed
    a = dec.active
    assert a["tracking_error_ex_ante"] <= m.tracking_error_budget * (1 + 1e-3)
    assert dec.weights["S010"] <= m.max_active_weight_security + 1e-6  # benchmark weight 0 + max active weight
    tilt = [p for p in a["top_active"] if p["security"] == "S010"]
    assert tilt and tilt[0]["active"] > 0.04 and tilt[0]["driver"].startswith("signal test")
    assert "tracking_error" in a["binding"] or any(b.startswith("upper_bounds") for b in a["binding"])
    assert set(dec.relaxed) <= set(RELAX_ORDER_BENCHMARK)


def test_names_policy_is_a_hard_row(synth):
    uni, m, true, rb = synth
    pol = _policy(uni, m, rb, SkillScaledAlpha(None, uni), position_cap=1.0)
    pol.qualifying[:] = 0.0
    pol.qualifying[:10] = 1.0  # only the first ten stocks qualify: the benchmark holds S001, S004, S007 and others
    dec = pol.decide("2023-03-01", pd.Series(dtype=float), NAV)
    assert dec.weights.iloc[:10].sum() >= 0.80 - 1e-6


def test_policy_needs_mandate_and_benchmark_together(synth):
    uni, m, _, _ = synth
    with pytest.raises(ValueError, match="both a mandate and a benchmark"):
        Policy(uni, PolicyConfig(compliance="off"), mandate=m)


# ------------------------------------------------------------------------------ two-sided active weight limits
def _at(uni, m, rb, signals, **cfg):
    pol = _policy(uni, m, rb, signals, **cfg)
    dec = pol.decide("2023-03-01", pd.Series(dtype=float), NAV)
    assert dec.status == "optimal", dec.relaxed
    return pol, dec


def test_security_active_weight_is_two_sided_at_the_boundary(synth):
    """A strong negative alpha on a benchmark name pushes it down to exactly b - m_s, not below; a strong positive
    alpha on a non-benchmark name lifts it to exactly b + m_s (0 + m_s), not above."""
    uni, m, true, rb = synth
    lim = 0.10
    mm = replace(m, max_active_weight_security=lim, max_active_weight_industry=1.0, tracking_error_budget=1.0,
                 active_risk_aversion=0.0)

    class Both(_Tilt):
        def estimate(self, t, exposures, returns, rf, market=None):
            mu = pd.Series(0.0, index=exposures.index)
            mu["S001"], mu["S010"] = -0.01, 0.01
            return SignalResult(mu, {"source": "test", "sources": [{"source": "test", "ic_used": 0.1}]})

    pol, dec = _at(uni, mm, rb, Both("S001"), position_cap=1.0)
    b = pol.wb[uni.identifiers.index("S001")]
    assert b > lim
    assert dec.weights["S001"] == pytest.approx(b - lim, abs=1e-5)      # floor binds, exactly at the boundary
    assert dec.weights["S010"] == pytest.approx(lim, abs=1e-5)          # cap binds, exactly at the boundary
    assert any(x.startswith("lower_bounds") for x in dec.active["binding"])
    drv = {r["security"]: r["driver"] for r in dec.active["top_active"]}
    assert "maximum underweight" in drv["S001"]
    # one step wider and the floor moves with it: the limit, not the alpha, sets the weight
    _, dec2 = _at(uni, replace(mm, max_active_weight_security=lim + 0.05), rb, Both("S001"), position_cap=1.0)
    assert dec2.weights["S001"] == pytest.approx(b - lim - 0.05, abs=1e-5)


def test_underweight_floor_yields_to_a_compliance_cap(synth):
    """Where a per-security cap is below b - m_s the floor is the cap (the compliant bound wins): feasible, no
    relaxation, the name held at the cap."""
    uni, m, true, rb = synth
    mm = replace(m, max_active_weight_security=0.05, max_active_weight_industry=1.0, tracking_error_budget=1.0)
    pol, dec = _at(uni, mm, rb, SkillScaledAlpha(None, uni), position_cap=0.25)
    assert dec.relaxed == []
    assert dec.weights["S001"] == pytest.approx(0.25, abs=1e-5)  # b = 0.5, floor 0.45 > cap 0.25


def test_industry_active_weight_is_two_sided_at_the_boundary(synth):
    """|E'(w - b)|_k <= m_k on both sides: an alpha pulling an industry down stops exactly at b_k - m_k."""
    uni, m, true, rb = synth
    lim = 0.05
    mm = replace(m, max_active_weight_security=1.0, max_active_weight_industry=lim, tracking_error_budget=1.0,
                 active_risk_aversion=0.0)
    pol0 = _policy(uni, mm, rb, SkillScaledAlpha(None, uni), position_cap=1.0)
    pol0.decide("2023-03-01", pd.Series(dtype=float), NAV)
    E = uni.exposures_at(pd.Timestamp("2023-03-01")).reindex(index=uni.index, columns=pol0.industries).fillna(0.0)
    b_ind = E.T.to_numpy() @ pol0.wb
    k = int(np.argmax(b_ind))
    names = [uni.identifiers[i] for i in np.flatnonzero(E.iloc[:, k].to_numpy() > 0)]

    class Down(_Tilt):
        def estimate(self, t, exposures, returns, rf, market=None):
            mu = pd.Series(0.0005, index=exposures.index)
            mu[names] = -0.01
            return SignalResult(mu, {"source": "test", "sources": [{"source": "test", "ic_used": 0.1}]})

    pol, dec = _at(uni, mm, rb, Down(names[0]), position_cap=1.0)
    ew = E.T.to_numpy() @ dec.weights.reindex(uni.identifiers).to_numpy()
    assert ew[k] == pytest.approx(b_ind[k] - lim, abs=1e-5)
    assert np.all(np.abs(ew - b_ind) <= lim + 1e-6)
    assert any(x.startswith("industry_active_lo") for x in dec.active["binding"])
