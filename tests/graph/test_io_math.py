"""IO kernels: a hand-computed 2-commodity / 2-industry table, property tests on random productive matrices,
zero outputs, and errors that name the code."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from graph import io_math as io

# ---------------------------------------------------------------------------------------------------------------
# hand-computed example
#
#   Use U (commodity x industry)     Make V (industry x commodity)
#            i1   i2                          c1   c2
#       c1   10   20                     i1   90   10      g = V 1  = (100, 150)
#       c2   30   10                     i2    0  150      q = 1'V  = (90, 160)
#
#   B = U diag(g)^-1 = [[10/100, 20/150], [30/100, 10/150]] = [[0.1, 2/15], [0.3, 1/15]]
#   D = V diag(q)^-1 = [[90/90, 10/160], [0/90, 150/160]]   = [[1, 1/16], [0, 15/16]]
#   A = D B:
#     a11 = 1*0.1 + (1/16)*0.3      = 0.11875       a12 = 1*(2/15) + (1/16)*(1/15) = 33/240 = 0.1375
#     a21 = 0*0.1 + (15/16)*0.3     = 0.28125       a22 = (15/16)*(1/15)             = 0.0625
#   I - A = [[0.88125, -0.1375], [-0.28125, 0.9375]],  det = 0.88125*0.9375 - 0.1375*0.28125 = 0.7875 = 63/80
#   L = (I - A)^-1 = (80/63) [[0.9375, 0.1375], [0.28125, 0.88125]] = [[25/21, 11/63], [5/14, 47/42]]
#   e = q - U 1 = (90 - 30, 160 - 40) = (60, 120);  y = D e = (60 + 120/16, 120*15/16) = (67.5, 112.5)
#   x = L y = (25/21*67.5 + 11/63*112.5, 5/14*67.5 + 47/42*112.5) = (100, 150) = g
#   Z = D U = [[10 + 30/16, 20 + 10/16], [30*15/16, 10*15/16]] = [[11.875, 20.625], [28.125, 9.375]]
#   B_g = diag(x)^-1 Z = [[0.11875, 0.20625], [0.1875, 0.0625]];  G = (80/63) [[0.9375, 0.20625], [0.1875, 0.88125]]
#       = [[25/21, 11/42], [5/21, 47/42]];  v = x - 1'Z = (60, 120);  v'G = (100, 150)
#   price model: v/x = (0.6, 0.8); p' = (v/x)' L = (0.6*25/21 + 0.8*5/14, 0.6*11/63 + 0.8*47/42) = (1, 1)
# ---------------------------------------------------------------------------------------------------------------

IND = ["i1", "i2"]
COM = ["c1", "c2"]


@pytest.fixture()
def table():
    U = pd.DataFrame([[10.0, 20.0], [30.0, 10.0]], index=COM, columns=IND)
    V = pd.DataFrame([[90.0, 10.0], [0.0, 150.0]], index=IND, columns=COM)
    return U, V, V.sum(axis=1), V.sum(axis=0)


def test_hand_example_requirements(table):
    U, V, g, q = table
    B = io.direct_requirements(U, g)
    D = io.market_shares(V, q)
    A = io.industry_requirements(D, B)
    np.testing.assert_allclose(B.to_numpy(), [[0.1, 2 / 15], [0.3, 1 / 15]], rtol=1e-14)
    np.testing.assert_allclose(D.to_numpy(), [[1.0, 1 / 16], [0.0, 15 / 16]], rtol=1e-14)
    np.testing.assert_allclose(A.to_numpy(), [[0.11875, 0.1375], [0.28125, 0.0625]], rtol=1e-14)
    assert list(A.index) == IND and list(A.columns) == IND
    L = io.total_requirements(A)
    np.testing.assert_allclose(L.to_numpy(), [[25 / 21, 11 / 63], [5 / 14, 47 / 42]], rtol=1e-13)
    assert list(L.index) == IND and list(L.columns) == IND


def test_hand_example_output_and_flows(table):
    U, V, g, q = table
    D = io.market_shares(V, q)
    A = io.industry_requirements(D, io.direct_requirements(U, g))
    y = io.industry_final_demand(D, q - U.sum(axis=1))
    np.testing.assert_allclose(y.to_numpy(), [67.5, 112.5], rtol=1e-14)
    x = io.leontief_apply(A, y)
    assert isinstance(x, pd.Series) and list(x.index) == IND
    np.testing.assert_allclose(x.to_numpy(), [100.0, 150.0], rtol=1e-13)
    Z = io.industry_flows(D, U)
    np.testing.assert_allclose(Z.to_numpy(), [[11.875, 20.625], [28.125, 9.375]], rtol=1e-14)
    np.testing.assert_allclose(Z.to_numpy(), A.to_numpy() * g.to_numpy()[None, :], rtol=1e-14)


def test_hand_example_ghosh_and_prices(table):
    U, V, g, q = table
    D = io.market_shares(V, q)
    Z = io.industry_flows(D, U)
    Bg = io.ghosh_allocation(Z, g)
    np.testing.assert_allclose(Bg.to_numpy(), [[0.11875, 0.20625], [0.1875, 0.0625]], rtol=1e-14)
    np.testing.assert_allclose(io.ghosh_inverse(Bg).to_numpy(), [[25 / 21, 11 / 42], [5 / 21, 47 / 42]], rtol=1e-13)
    v = g - Z.sum(axis=0)
    np.testing.assert_allclose(v.to_numpy(), [60.0, 120.0])
    np.testing.assert_allclose(io.ghosh_left_apply(v, Bg).to_numpy(), [100.0, 150.0], rtol=1e-13)
    A = io.industry_requirements(D, io.direct_requirements(U, g))
    np.testing.assert_allclose(io.leontief_price(A, v / g).to_numpy(), [1.0, 1.0], rtol=1e-13)
    # a 10-cent cut in i1's value added per dollar: dp' = (-0.1, 0) L = (-0.1*25/21, -0.1*11/63)
    dp = io.price_shock(A, pd.Series({"i1": -0.1}))
    np.testing.assert_allclose(dp.to_numpy(), [-2.5 / 21, -1.1 / 63], rtol=1e-13)


# ---------------------------------------------------------------------------------------------------------------
# zero outputs and errors
# ---------------------------------------------------------------------------------------------------------------

def test_commodity_with_zero_output_gives_zero_shares_not_nan(table):
    U, V, g, q = table
    U = pd.concat([U, pd.DataFrame([[0.0, 0.0]], index=["Other"], columns=IND)])
    V = V.assign(Other=0.0)
    q = V.sum(axis=0)
    D = io.market_shares(V, q)
    assert D["Other"].eq(0).all() and np.isfinite(D.to_numpy()).all()
    np.testing.assert_allclose((D * q).sum(axis=1).to_numpy(), g.to_numpy())  # g = D q still holds
    A = io.industry_requirements(D, io.direct_requirements(U, g))
    assert np.isfinite(A.to_numpy()).all()


def test_industry_with_zero_output_and_no_inputs_gets_zero_column(table):
    U, V, g, q = table
    U = U.assign(i3=0.0)
    g = pd.concat([g, pd.Series({"i3": 0.0})])
    B = io.direct_requirements(U, g)
    assert B["i3"].eq(0).all() and np.isfinite(B.to_numpy()).all()


def test_zero_output_with_flows_names_the_industry(table):
    U, V, g, q = table
    g = g.copy()
    g["i2"] = 0.0
    with pytest.raises(io.IOMathError, match=r"industry 'i2' has g = 0 but its column of U holds 30"):
        io.direct_requirements(U, g)
    Z = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=IND, columns=IND)
    with pytest.raises(io.IOMathError, match=r"industry 'i1' has x = 0 but its row of Z holds 3"):
        io.ghosh_allocation(Z, pd.Series({"i1": 0.0, "i2": 5.0}))


def test_misaligned_codes_are_named(table):
    U, V, g, q = table
    with pytest.raises(io.IOMathError, match=r"missing 'i2'.*not in columns of U: 'i9'"):
        io.direct_requirements(U, pd.Series({"i1": 100.0, "i9": 150.0}))
    A = pd.DataFrame(np.eye(2) * 0.1, index=IND, columns=IND)
    with pytest.raises(io.IOMathError, match=r"missing 'i2'"):
        io.leontief_apply(A, pd.Series({"i1": 1.0}))
    with pytest.raises(io.IOMathError, match=r"not industries of A: 'zz'"):
        io.price_shock(A, pd.Series({"zz": 1.0}))


def test_non_finite_cell_is_named(table):
    U, V, g, q = table
    U = U.copy()
    U.loc["c2", "i1"] = np.nan
    with pytest.raises(io.IOMathError, match=r"U\['c2', 'i1'\] is not a finite number"):
        io.direct_requirements(U, g)


def test_unproductive_matrix_is_refused():
    A = pd.DataFrame([[0.5, 0.9], [0.6, 0.2]], index=IND, columns=IND)  # eigenvalues 1.1 and -0.4
    with pytest.raises(io.NotProductiveError, match=r"spectral radius of \|A\| is 1\.1 >= 1.*'i1'"):
        io.total_requirements(A)


def test_productive_matrix_with_a_column_sum_above_one_is_accepted():
    # column 1 sums to 1.05, but rho(A) = 0.65 < 1 (I + A + A^2 + ... converges)
    A = np.array([[0.0, 0.0], [1.05, 0.65]])
    x = io.leontief_apply(A, np.array([1.0, 1.0]))
    np.testing.assert_allclose((np.eye(2) - A) @ x, [1.0, 1.0], rtol=1e-13)
    fact = io.FactorizedInverse(scipy.sparse.csr_array(A))  # not column-dominant: SuperLU with partial pivoting
    assert not fact.column_dominant
    np.testing.assert_allclose(fact.apply(np.array([1.0, 1.0])), x, rtol=1e-13)
    np.testing.assert_allclose(fact.left_apply(np.array([1.0, 2.0])), np.array([1.0, 2.0]) @ np.linalg.inv(
        np.eye(2) - A), rtol=1e-13)


def test_dataframe_of_demand_columns_and_intensity_rows(table):
    U, V, g, q = table
    D = io.market_shares(V, q)
    A = io.industry_requirements(D, io.direct_requirements(U, g))
    L = io.total_requirements(A)
    Y = pd.DataFrame({"pce": [2.0, 1.0], "exports": [0.0, 3.0]}, index=["i2", "i1"])  # rows in another order
    X = io.leontief_apply(A, Y)
    assert list(X.columns) == ["pce", "exports"] and list(X.index) == IND
    np.testing.assert_allclose(X.to_numpy(), L.to_numpy() @ Y.reindex(IND).to_numpy(), rtol=1e-13)
    E = pd.DataFrame([[1.0, 0.0], [0.5, 2.0]], index=["human", "gpt4"], columns=["i2", "i1"])
    M = io.leontief_left_apply(E, A)
    assert list(M.index) == ["human", "gpt4"] and list(M.columns) == IND
    np.testing.assert_allclose(M.to_numpy(), E[IND].to_numpy() @ L.to_numpy(), rtol=1e-13)


# ---------------------------------------------------------------------------------------------------------------
# properties on random productive matrices
# ---------------------------------------------------------------------------------------------------------------

@st.composite
def productive(draw, max_n: int = 8):
    n = draw(st.integers(1, max_n))
    raw = draw(arrays(np.float64, (n, n), elements=st.floats(0.0, 1.0)))
    raw[raw < 1e-6] = 0.0  # no subnormal column sums to divide by
    target = draw(arrays(np.float64, n, elements=st.floats(0.0, 0.95)))  # column sums (intermediate shares)
    sums = raw.sum(axis=0)
    A = raw * np.divide(target, sums, out=np.zeros(n), where=sums > 0)[None, :]
    codes = [f"k{i}" for i in range(n)]
    return pd.DataFrame(A, index=codes, columns=codes)


vectors = arrays(np.float64, 8, elements=st.floats(0.0, 1e6))


@settings(max_examples=60, deadline=None)
@given(productive(), vectors)
def test_leontief_identities(A, yy):
    n = len(A)
    eye = np.eye(n)
    L = io.total_requirements(A).to_numpy()
    np.testing.assert_allclose(L @ (eye - A.to_numpy()), eye, atol=1e-10)
    y = pd.Series(yy[:n], index=A.index)
    x = io.leontief_apply(A, y)
    np.testing.assert_allclose((eye - A.to_numpy()) @ x.to_numpy(), y.to_numpy(), atol=1e-6, rtol=1e-10)
    np.testing.assert_allclose(x.to_numpy(), L @ y.to_numpy(), atol=1e-6, rtol=1e-10)  # solve == inverse product
    assert (x.to_numpy() >= y.to_numpy() - 1e-6).all()  # x = y + A y + A^2 y + ... >= y for A >= 0
    e = pd.Series(yy[::-1][:n], index=A.index)
    np.testing.assert_allclose(io.leontief_left_apply(e, A).to_numpy(), e.to_numpy() @ L, atol=1e-6, rtol=1e-10)


@settings(max_examples=40, deadline=None)
@given(productive(), vectors)
def test_sparse_and_dense_paths_agree(A, yy):
    n = len(A)
    y = yy[:n]
    dense = io.leontief_apply(A.to_numpy(), y)
    sparse = io.leontief_apply(scipy.sparse.csr_array(A.to_numpy()), y)
    np.testing.assert_allclose(sparse, dense, atol=1e-6, rtol=1e-10)
    np.testing.assert_allclose(io.leontief_left_apply(y, scipy.sparse.csc_matrix(A.to_numpy())),
                               io.leontief_left_apply(y, A.to_numpy()), atol=1e-6, rtol=1e-10)


@settings(max_examples=40, deadline=None)
@given(productive(), arrays(np.float64, 8, elements=st.floats(1.0, 1e6)))
def test_ghosh_reproduces_output_and_prices_are_one(A, yy):
    n = len(A)
    x = io.leontief_apply(A, pd.Series(yy[:n], index=A.index))  # a consistent table: x = A x + y, y > 0
    Z = A * x.to_numpy()[None, :]
    Bg = io.ghosh_allocation(Z, x)
    v = x - Z.sum(axis=0)  # value added
    np.testing.assert_allclose(io.ghosh_left_apply(v, Bg).to_numpy(), x.to_numpy(), rtol=1e-9)
    G = io.ghosh_inverse(Bg).to_numpy()
    np.testing.assert_allclose(G @ (np.eye(n) - Bg.to_numpy()), np.eye(n), atol=1e-10)
    f = pd.Series(np.linspace(0.0, 1.0, n), index=A.index)
    np.testing.assert_allclose(io.ghosh_apply(Bg, f).to_numpy(), G @ f.to_numpy(), atol=1e-10)
    p = io.leontief_price(A, 1.0 - A.sum(axis=0))
    np.testing.assert_allclose(p.to_numpy(), np.ones(n), rtol=1e-10)


@settings(max_examples=30, deadline=None)
@given(productive(), st.floats(-2.0, 2.0))
def test_price_shock_is_linear(A, k):
    dva = pd.Series(np.linspace(-0.1, 0.05, len(A)), index=A.index)
    base = io.price_shock(A, dva)
    np.testing.assert_allclose(io.price_shock(A, dva * k).to_numpy(), k * base.to_numpy(), atol=1e-12)
