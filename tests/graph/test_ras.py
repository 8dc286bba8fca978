"""RAS / GRAS balancing and quarterly targets: margins met, zero and sign patterns kept, uniqueness, clear errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from graph.quarterly import (RASConvergenceError, RASError, RASInconsistentTargetsError, RASInfeasibleError,
                             quarterly_flows, quarterly_targets, ras)


def frame(values, codes=None) -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    codes = codes or [f"k{i}" for i in range(values.shape[0])]
    return pd.DataFrame(values, index=codes, columns=codes[: values.shape[1]])


@st.composite
def prior_and_truth(draw, max_n: int = 7):
    """A positive prior with zeros, and a matrix diag(r*) Z0 diag(s*) whose margins are therefore reachable.

    Cells span three orders of magnitude and the true multipliers 0.5-2 (a quarter moves an annual table by far
    less). Priors that are nearly decomposable (blocks joined only by cells 1e-4 of their size) make RAS converge
    very slowly; :class:`RASConvergenceError` covers that case (test below).
    """
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_n))
    values = draw(arrays(np.float64, (n, m), elements=st.floats(0.1, 100.0)))
    mask = draw(arrays(np.bool_, (n, m)))
    mask[np.arange(n), np.arange(n) % m] = True  # every row and column keeps a cell
    mask[np.arange(m) % n, np.arange(m)] = True
    r = draw(arrays(np.float64, n, elements=st.floats(0.5, 2.0)))
    s = draw(arrays(np.float64, m, elements=st.floats(0.5, 2.0)))
    Z0 = pd.DataFrame(values * mask, index=[f"r{i}" for i in range(n)], columns=[f"c{j}" for j in range(m)])
    return Z0, Z0 * np.outer(r, s)


@settings(max_examples=80, deadline=None)
@given(prior_and_truth())
def test_ras_meets_margins_and_keeps_pattern(case):
    Z0, truth = case
    u, v = truth.sum(axis=1), truth.sum(axis=0)
    res = ras(Z0, u, v, tol=1e-6)
    X = res.flows
    np.testing.assert_allclose(X.sum(axis=1).to_numpy(), u.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(X.sum(axis=0).to_numpy(), v.to_numpy(), rtol=1e-6)
    assert res.max_row_gap <= 1e-6 and res.max_col_gap <= 1e-6
    assert ((X.to_numpy() == 0) == (Z0.to_numpy() == 0)).all()  # zero pattern preserved
    assert (X.to_numpy()[Z0.to_numpy() > 0] > 0).all()  # positive entries stay positive
    # X = diag(r) Z0 diag(s) with the reported multipliers
    np.testing.assert_allclose(X.to_numpy(), Z0.to_numpy() * np.outer(res.row_multipliers, res.col_multipliers),
                               rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(prior_and_truth())
def test_ras_solution_is_the_biproportional_one(case):
    # the biproportional matrix with given margins is unique, so RAS must recover the truth it was built from
    # (tol 1e-9: at 1e-10 hypothesis found priors whose margins stall at ~1.2e-10 in double precision)
    Z0, truth = case
    res = ras(Z0, truth.sum(axis=1), truth.sum(axis=0), tol=1e-9)
    np.testing.assert_allclose(res.flows.to_numpy(), truth.to_numpy(), rtol=1e-6, atol=1e-9 * truth.to_numpy().max())


@settings(max_examples=40, deadline=None)
@given(prior_and_truth())
def test_already_balanced_input_is_returned(case):
    _, truth = case
    res = ras(truth, truth.sum(axis=1), truth.sum(axis=0))
    assert res.iterations == 1
    np.testing.assert_allclose(res.flows.to_numpy(), truth.to_numpy(), rtol=1e-12)


def test_negative_cells_keep_their_sign_gras():
    Z0 = frame([[50.0, 20.0, -3.0], [10.0, 40.0, 5.0], [-2.0, 8.0, 30.0]])
    u = pd.Series([80.0, 60.0, 40.0], index=Z0.index)
    v = pd.Series([65.0, 75.0, 40.0], index=Z0.columns)
    res = ras(Z0, u, v)
    X = res.flows.to_numpy()
    np.testing.assert_allclose(X.sum(axis=1), u, rtol=1e-6)
    np.testing.assert_allclose(X.sum(axis=0), v, rtol=1e-6)
    assert (np.sign(X) == np.sign(Z0.to_numpy())).all()
    # GRAS form: positive cells r_i z s_j, negative cells z / (r_i s_j)
    r, s = res.row_multipliers.to_numpy(), res.col_multipliers.to_numpy()
    assert X[0, 2] == pytest.approx(-3.0 / (r[0] * s[2]), rel=1e-12)
    assert X[0, 0] == pytest.approx(50.0 * r[0] * s[0], rel=1e-12)


def test_zero_prior_row_with_positive_target_names_the_industry():
    codes = ["111CA", "55", "22"]
    Z0 = frame([[5.0, 1.0, 2.0], [0.0, 0.0, 0.0], [3.0, 4.0, 1.0]], codes)
    u = pd.Series([8.0, 2.0, 8.0], index=codes)
    v = pd.Series([8.0, 5.0, 5.0], index=codes)
    with pytest.raises(RASInfeasibleError, match=r"seller industry '55' has target 2 but no positive prior flow"):
        ras(Z0, u, v)
    Zc = Z0.T
    with pytest.raises(RASInfeasibleError, match=r"buyer industry '55' has target 2"):
        ras(Zc, v, u)


def test_support_only_against_zero_target_columns_is_infeasible():
    # row k1's only prior cell is in column k0, whose target is 0: its positive target cannot be met
    Z0 = frame([[4.0, 1.0], [2.0, 0.0]])
    with pytest.raises(RASInfeasibleError, match=r"'k1' has target 3"):
        ras(Z0, pd.Series([0.0, 3.0], index=Z0.index), pd.Series([0.0, 3.0], index=Z0.columns))


def test_zero_targets_give_zero_rows_and_columns():
    Z0 = frame([[4.0, 1.0, 1.0], [2.0, 3.0, 1.0], [1.0, 1.0, 6.0]])
    u = pd.Series([0.0, 6.0, 9.0], index=Z0.index)
    v = pd.Series([5.0, 4.0, 6.0], index=Z0.columns)
    res = ras(Z0, u, v)
    assert (res.flows.loc["k0"] == 0).all()
    np.testing.assert_allclose(res.flows.sum(axis=0).to_numpy(), v, rtol=1e-6)


def test_inconsistent_totals_raise_or_rescale():
    Z0 = frame([[4.0, 1.0], [2.0, 3.0]])
    u = pd.Series([5.0, 5.0], index=Z0.index)
    v = pd.Series([6.0, 6.0], index=Z0.columns)
    with pytest.raises(RASInconsistentTargetsError, match=r"row targets add to 10 but column targets to 12"):
        ras(Z0, u, v)
    rows = ras(Z0, u, v, rescale="rows")
    assert rows.row_target_scale == pytest.approx(1.2) and rows.col_target_scale == 1.0
    np.testing.assert_allclose(rows.flows.sum(axis=1).to_numpy(), [6.0, 6.0], rtol=1e-6)
    cols = ras(Z0, u, v, rescale="columns")
    assert cols.col_target_scale == pytest.approx(10 / 12)
    np.testing.assert_allclose(cols.flows.sum(axis=0).to_numpy(), [5.0, 5.0], rtol=1e-6)


def test_nearly_infeasible_targets_stop_with_a_named_error():
    # feasible only in the limit x00 -> 0 (row k1 must put 3 into column k0, whose target is 3): RAS crawls
    Z0 = frame([[1.0, 1.0], [1.0, 0.0]])
    with pytest.raises(RASConvergenceError, match=r"did not converge in 50 iterations: worst seller industry"):
        ras(Z0, pd.Series([1.0, 3.0], index=Z0.index), pd.Series([3.0, 1.0], index=Z0.columns), max_iter=50)


def test_bad_inputs_are_named():
    Z0 = frame([[1.0, 2.0], [3.0, np.inf]])
    with pytest.raises(RASError, match=r"Z0\['k1', 'k1'\] is not a finite number"):
        ras(Z0, pd.Series([3.0, 3.0], index=Z0.index), pd.Series([3.0, 3.0], index=Z0.columns))
    Z0 = frame([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(RASError, match=r"row_targets codes do not match.*missing \['k1'\]"):
        ras(Z0, pd.Series([3.0], index=["k0"]), pd.Series([3.0, 3.0], index=Z0.columns))


# ---------------------------------------------------------------------------------------------------------------
# quarterly targets and flows
# ---------------------------------------------------------------------------------------------------------------

CODES = ["a", "b", "c"]


@pytest.fixture()
def annual():
    Z = frame([[10.0, 20.0, 5.0], [5.0, 10.0, 15.0], [20.0, 5.0, 10.0]], CODES)
    x = pd.Series([100.0, 60.0, 70.0], index=CODES)
    ii = pd.Series([35.0, 35.0, 30.0], index=CODES)  # = 1'Z: Z covers all intermediate inputs (c = 1)
    return Z, x, ii


def test_quarterly_targets_by_hand(annual):
    Z, x, ii = annual
    ii = ii.copy()
    ii["a"] = 50.0  # Z covers 35 of a's 50 of inputs: c_a = 0.7
    go_q = pd.Series([110.0, 60.0, 80.0], index=CODES)
    ii_q = pd.Series([60.0, 40.0, 30.0], index=CODES)
    t = quarterly_targets(Z, x, ii, go_q, ii_q)
    # s = Z 1 / x = (35/100, 30/60, 35/70) = (0.35, 0.5, 0.5); c = 1'Z / ii = (35/50, 35/35, 30/30) = (0.7, 1, 1)
    np.testing.assert_allclose(t.intermediate_sales_share.to_numpy(), [0.35, 0.5, 0.5])
    np.testing.assert_allclose(t.covered_input_share.to_numpy(), [0.7, 1.0, 1.0])
    # v = ii_q c = (42, 40, 30), total 112; raw u = go_q s = (38.5, 30, 40), total 108.5; k = 112 / 108.5
    np.testing.assert_allclose(t.cols.to_numpy(), [42.0, 40.0, 30.0])
    assert t.row_scale == pytest.approx(112 / 108.5)
    np.testing.assert_allclose(t.rows.to_numpy(), np.array([38.5, 30.0, 40.0]) * 112 / 108.5)
    assert t.rows.sum() == pytest.approx(t.cols.sum())


def test_quarter_equal_to_the_annual_table_returns_it(annual):
    Z, x, ii = annual
    q = quarterly_flows(Z, x, ii, x, ii)
    assert q.targets.row_scale == pytest.approx(1.0)
    np.testing.assert_allclose(q.flows.to_numpy(), Z.to_numpy(), rtol=1e-12)


def test_quarterly_flows_meet_targets_and_coefficients(annual):
    Z, x, ii = annual
    go_q = pd.Series([110.0, 58.0, 75.0], index=CODES)
    ii_q = pd.Series([44.0, 33.0, 33.0], index=CODES)
    q = quarterly_flows(Z, x, ii, go_q, ii_q)
    np.testing.assert_allclose(q.flows.sum(axis=1).to_numpy(), q.targets.rows.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(q.flows.sum(axis=0).to_numpy(), ii_q.to_numpy(), rtol=1e-6)  # c = 1 here
    np.testing.assert_allclose(q.coefficients.to_numpy(), q.flows.to_numpy() / go_q.to_numpy()[None, :])
    edges = q.edges()
    assert list(edges.columns) == ["seller", "buyer", "flow_usd_millions", "coefficient"]
    assert len(edges) == 9
    row = edges[(edges.seller == "c") & (edges.buyer == "a")].iloc[0]
    assert row.flow_usd_millions == pytest.approx(q.flows.loc["c", "a"])
    assert row.coefficient == pytest.approx(q.flows.loc["c", "a"] / 110.0)


def test_quarter_missing_an_industry_is_named(annual):
    Z, x, ii = annual
    with pytest.raises(RASError, match=r"go_quarter has no value for industries \['c'\]"):
        quarterly_targets(Z, x, ii, x.drop("c"), ii)


def test_industry_with_sales_but_no_annual_output_is_named(annual):
    Z, x, ii = annual
    x = x.copy()
    x["b"] = 0.0
    with pytest.raises(RASError, match=r"industry 'b' has gross output 0 but intermediate sales 30"):
        quarterly_targets(Z, x, ii, x, ii)


def test_seller_with_no_annual_sales_keeps_a_zero_row(annual):
    Z, x, ii = annual
    Z = Z.copy()
    Z.loc["b"] = 0.0  # b sold nothing in the annual table
    # its intermediate-sales share is 0, so its target is 0: the quarter stays feasible and b's row stays zero
    q = quarterly_flows(Z, x, Z.sum(axis=0), x, Z.sum(axis=0) * 1.02)
    assert q.targets.rows["b"] == 0 and (q.flows.loc["b"] == 0).all()
    np.testing.assert_allclose(q.flows.sum(axis=0).to_numpy(), Z.sum(axis=0).to_numpy() * 1.02, rtol=1e-6)
