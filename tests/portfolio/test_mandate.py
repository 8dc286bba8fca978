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
    assert m is not None and m.label == "sector_etfs@1.0.0" and m.benchmark_ticker == "SPY"
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
    loose = replace(m, max_overweight_security=1.0, max_active_weight_industry=1.0,  # only the cap binds
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
    assert dec.weights["S010"] <= m.max_overweight_security + 1e-6  # benchmark weight 0 + max overweight
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
