"""The compiled rules' row blocks against the exact checker on the real S&P 500 book of 2026-07-31 ("Rule compiled
two ways"): a book the rows allow passes the checker, the rows are the cvxpy constraints' own, and the securities
the rows forbid are exactly those whose regulatory data are missing on the date."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from compliance.compile import compile_rules
from portfolio import fund_rules

T = pd.Timestamp("2026-07-31")
NAV = 1e8


@pytest.fixture(scope="module")
def day(warehouse):
    from portfolio.universe import load_universe

    uni = load_universe("sp500", warehouse)
    last = uni.history(T).iloc[-1].reindex(uni.index)
    master = uni.securities_at(T).join(uni.liquidity(T))
    table = fund_rules.securities_table(master, last.where(last > 0).fillna(1.0))
    rules = fund_rules.rules_for("sp500")
    eligible = uni.eligible(T).to_numpy()
    rows = fund_rules.linear_rows(rules, table, np.zeros(len(table)), NAV, "worst_case", as_of=T.date())
    return uni, table, rules, eligible, rows


def test_a_book_the_row_blocks_allow_passes_the_exact_checker(day):
    uni, table, rules, eligible, rows = day
    n = len(table)
    # the largest book the hard rows allow (eligible names, at most 1% each, 98% invested): an LP on the blocks alone
    ub = np.where(eligible, np.minimum(np.clip(rows.ub_hard, 0, 1), 0.01), 0.0)
    res = linprog(-np.ones(n), A_ub=np.vstack([rows.a_hard, np.ones((1, n))]), b_ub=np.r_[rows.b_hard, 0.98],
                  bounds=list(zip(np.zeros(n), ub)), method="highs")
    assert res.status == 0
    w = res.x
    assert w.sum() > 0.9  # the rules leave room to invest the fund
    price = table.set_index("security_id")["price"]
    qty = pd.Series(np.floor(w * NAV / price.to_numpy()), index=price.index)
    cash = NAV - float((qty * price).sum())
    out = fund_rules.check(rules, T.date(), table, qty, NAV, cash)
    by = out.by_id()
    regulatory = [r for r in out.results if r.severity in ("regulatory", "prospectus")]
    assert not [r.rule_id for r in regulatory if r.status in ("breach", "not_evaluable")]
    assert by["ica_5b1_diversification"].value >= 0.75


def test_row_blocks_are_the_cvxpy_constraints_and_bind_where_data_are_missing(day):
    uni, table, rules, eligible, rows = day
    import cvxpy as cp

    n = len(table)
    w = cp.Variable(n)
    comp = compile_rules(w, table, np.zeros(n), NAV, rules, as_of=T.date())
    rng = np.random.default_rng(0)
    w.value = rng.uniform(0, 0.004, n)
    for tc in comp.constraints:
        if tc.A is None:
            continue
        lhs, rhs = tc.constraint.args  # the cvxpy form built from the block: A w <= b
        assert np.allclose(np.atleast_1d(lhs.value - rhs.value), tc.A @ w.value - tc.b, rtol=1e-12, atol=1e-9)
    # an eligible member with no shares-outstanding estimate on the date may not be bought (no increase from 0)
    no_shares = table["shares_outstanding"].isna().to_numpy() & eligible
    assert no_shares.any()
    assert np.all(rows.ub_hard[no_shares] <= 0)
    have = eligible & ~no_shares & np.isfinite(table["adv_shares"].to_numpy())
    assert np.all(rows.ub_hard[have] > 0)
