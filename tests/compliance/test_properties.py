"""Properties: the check ignores asset order, is scale-free, and the compiled constraints imply the exact check."""
from __future__ import annotations

from datetime import date

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.check import check_book
from compliance.compile import compile_rules
from compliance.inputs import build_book
from compliance.rules import RuleSet, load_config

from .factory import book_from_weights, random_universe

CFG = load_config()
RULES = RuleSet.from_config(CFG)
AS_OF = date(2024, 3, 29)


def _fund(seed: int):
    """A random fund that may breach things (weights drawn freely), as holdings and securities tables."""
    sec, prices, _ = random_universe(seed, n=12)
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.ones(len(sec)) * 0.7) * 0.95
    units = np.floor(w * 1e8 / prices.to_numpy())
    h = pd.DataFrame({"security_id": sec["security_id"], "shares": units, "price": prices.to_numpy()})
    return h, sec


def _check(h, sec, nav, prev=None):
    book = build_book(AS_OF, h, sec, CFG, nav_usd=nav)
    return check_book(book, RULES, prev)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), perm_seed=st.integers(0, 10_000))
def test_check_ignores_asset_order(seed, perm_seed):
    h, sec = _fund(seed)
    a = _check(h, sec, 1e8).to_dict()
    rng = np.random.default_rng(perm_seed)
    b = _check(h.iloc[rng.permutation(len(h))], sec.iloc[rng.permutation(len(sec))], 1e8).to_dict()
    assert a == b


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), k=st.floats(0.01, 1000.0))
def test_scaling_all_positions_leaves_percentage_rules_unchanged(seed, k):
    """Units, NAV, cash, shares outstanding and ADV all times k: every fraction, and so every status, is unchanged."""
    h, sec = _fund(seed)
    base = _check(h, sec, 1e8)
    h2 = h.assign(shares=h["shares"] * k)
    sec2 = sec.assign(shares_outstanding=sec["shares_outstanding"] * k, adv_shares=sec["adv_shares"] * k)
    scaled = _check(h2, sec2, 1e8 * k)
    for r1, r2 in zip(base.results, scaled.results):
        assert r1.rule_id == r2.rule_id
        assert r1.status == r2.status, r1.rule_id
        if r1.value is None:
            assert r2.value is None
        else:
            assert r2.value == pytest.approx(r1.value, rel=1e-9, abs=1e-12)
    # asset-based rules alone do not depend on shares outstanding: scale only the holdings
    only = _check(h2, sec, 1e8 * k)
    for rid in ("irc_851b3Bi_single_issuer", "industry_concentration", "rule_35d1_names", "ica_12d1Aiii_all_funds",
                "prospectus_max_issuer_weight", "internal_large_issuers_40"):
        assert only.by_id()[rid].value == pytest.approx(base.by_id()[rid].value, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_compiled_constraints_solution_passes_exact_checker(seed):
    """Solve a small mean-variance problem with CLARABEL under the compiled constraints; the exact checker finds no
    breach and no regulatory rule out of bounds on the resulting holdings (in whole units)."""
    sec, prices, w0 = random_universe(seed)
    nav = 5e8
    before = book_from_weights(sec, prices, w0, nav, date(2024, 3, 28))
    w = cp.Variable(len(sec))
    compiled = compile_rules(w, sec, w0, nav, RULES, prices=prices, large_candidates=["ISS01", "ISS02", "ISS03"])
    assert {t.rule_id for t in compiled.constraints} >= {"ica_5b1_diversification", "irc_851b3Bi_single_issuer",
                                                         "industry_concentration", "rule_22e4_illiquid"}
    assert all(not t.relaxable for t in compiled.constraints if t.severity != "internal")
    rng = np.random.default_rng(100 + seed)
    mu = rng.normal(0.05, 0.15, len(sec))
    F = rng.normal(0, 0.1, (len(sec), 3))
    prob = cp.Problem(cp.Maximize(mu @ w - cp.sum_squares(F.T @ w) - 0.01 * cp.sum_squares(w)),
                      [w >= 0, cp.sum(w) <= 1] + compiled.as_list())
    assert prob.is_dcp()
    prob.solve(solver="CLARABEL")
    assert prob.status == "optimal"
    after = book_from_weights(sec, prices, w.value, nav, AS_OF)
    res = check_book(after, RULES, before)
    bad = [(r.rule_id, r.status, r.value) for r in res.results if r.status in ("breach", "not_evaluable")]
    assert not bad
    # the optimizer used the room it was given: someone is above 5% (the chosen large bucket)
    assert max(d["pct_assets"] for d in res.by_id()["irc_851b3Bi_single_issuer"].details) > 0.05


def test_compile_from_a_passive_discrepancy_forbids_worsening_it():
    """The large bucket already over 25% through market moves: the compiled program may not add to it, and its
    solution is at worst a passive breach, never an active one."""
    sec, prices, w0 = random_universe(5)
    w0 = w0.copy()
    w0[:5] = 0.065  # five issuers at 6.5% of NAV: 32.5% outside the bucket
    w0[5:24] = (0.90 - 0.325) / 19
    nav = 5e8
    before = book_from_weights(sec, prices, w0, nav, date(2024, 3, 28))
    assert check_book(before, RULES).by_id()["ica_5b1_diversification"].status == "breach"
    w = cp.Variable(len(sec))
    compiled = compile_rules(w, sec, w0, nav, RULES, prices=prices)
    mu = np.linspace(0.2, -0.1, len(sec))  # the model loves the big five
    prob = cp.Problem(cp.Maximize(mu @ w - cp.sum_squares(w)), [w >= 0, cp.sum(w) <= 1] + compiled.as_list())
    prob.solve(solver="CLARABEL")
    after = book_from_weights(sec, prices, w.value, nav, AS_OF)
    r = check_book(after, RULES, before).by_id()["ica_5b1_diversification"]
    assert r.status == "pass" or r.breach_class == "passive"
    assert not any(x.violation for x in check_book(after, RULES, before).results)


@pytest.mark.parametrize("seed", [0, 3])
def test_missing_data_skip_enforces_what_is_known_and_reports_the_rest(seed):
    """Half the equities lose shares outstanding and ADV. Worst case (trading): they may not be increased. Skip
    (research): they may be bought, but every rule whose data exist still holds on the solution (no breach), and
    the rules that need the missing data are 'not_evaluable', never silently 'pass'."""
    sec, prices, w0 = random_universe(seed)
    gone = sec["security_id"].isin([f"EQ{i:02d}" for i in range(1, 24, 2)])
    sec = sec.assign(shares_outstanding=sec["shares_outstanding"].where(~gone),
                     adv_shares=sec["adv_shares"].where(~gone))
    nav = 5e8
    before = book_from_weights(sec, prices, w0, nav, date(2024, 3, 28))
    mu = np.where(gone, 0.3, 0.0)  # the model wants exactly the securities whose data are missing
    out = {}
    for mode in ("worst_case", "skip"):
        w = cp.Variable(len(sec))
        compiled = compile_rules(w, sec, w0, nav, RULES, prices=prices, missing_data=mode)
        prob = cp.Problem(cp.Maximize(mu @ w - cp.sum_squares(w)), [w >= 0, cp.sum(w) <= 1] + compiled.as_list())
        prob.solve(solver="CLARABEL")
        assert prob.status == "optimal", mode
        out[mode] = np.asarray(w.value)
        after = book_from_weights(sec, prices, w.value, nav, AS_OF)
        res = check_book(after, RULES, before).by_id()
        assert not [r for r in res.values() if r.status == "breach"], mode
        if mode == "skip":
            assert res["ica_5b1_diversification"].status == "not_evaluable"
            assert res["rule_22e4_illiquid"].status == "not_evaluable"
            # the 5%-of-assets limb and the industry cap still bind on the securities without data
            assert max(d["pct_assets"] for d in res["irc_851b3Bi_single_issuer"].details) <= 0.25
            assert res["industry_concentration"].value <= 0.25
    g = gone.to_numpy()
    assert np.all(out["worst_case"][g] <= w0[g] + 1e-6)  # no increase where data are missing
    assert out["skip"][g].sum() > w0[g].sum() + 0.05  # skip lets the model buy them
    with pytest.raises(ValueError, match="missing_data"):
        compile_rules(cp.Variable(len(sec)), sec, w0, nav, RULES, prices=prices, missing_data="ignore")
