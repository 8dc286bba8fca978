r"""Input-output kernels: BEA requirements (industry-technology assumption), Leontief, Ghosh and the price model.

Pure functions on labelled pandas objects (index/columns = BEA codes); no file reading. Notation follows
Miller & Blair, *Input-Output Analysis: Foundations and Extensions* (2nd ed., 2009, ch. 2, 5 and 12) and BEA,
*Concepts and Methods of the U.S. Input-Output Accounts* (ch. 12, "Derivation of requirements tables"):

======  ========================  ==============================================================================
symbol  shape                     meaning (money in USD millions, as in BEA's tables)
======  ========================  ==============================================================================
U       commodity x industry      intermediate use (Use table, after redefinitions, producers' prices)
V       industry x commodity      make (Make table, after redefinitions)
g       industry                  industry gross output, ``g = V 1``
q       commodity                 commodity output, ``q' = 1' V``
e       commodity                 commodity final demand, ``q = U 1 + e``
B       commodity x industry      commodity-by-industry direct requirements, ``B = U diag(g)^-1``
D       industry x commodity      market shares, ``D = V diag(q)^-1``
A       industry x industry       industry-by-industry direct requirements, ``A = D B``
Z       industry x industry       industry-by-industry flows, ``Z = D U`` (``= A diag(g)``)
y       industry                  industry final demand, ``y = D e``
L       industry x industry       Leontief inverse (total requirements), ``L = (I - A)^-1``;  ``x = L y``
B_g     industry x industry       Ghosh allocation coefficients, ``B_g = diag(x)^-1 Z``
G       industry x industry       Ghosh inverse, ``G = (I - B_g)^-1``;  ``x' = v' G``
v       industry                  value added (primary inputs)
======  ========================  ==============================================================================

Under the industry-technology assumption each industry has one input structure whatever commodities it makes,
and each commodity is supplied by industries in fixed market shares. Then ``g = D q``, ``q = B g + e``, hence
``g = D B g + D e = A g + y`` and ``g = L y`` exactly (up to the rounding of the published tables).

BEA's published *industry-by-industry* requirement tables additionally rescale the market shares for the scrap
an industry sells (BEA *Concepts and Methods*, ch. 12); the plain ``D`` of the project design is used here, for
which ``x = L y`` is an identity of the tables. The commodity-by-industry table ``B`` is BEA's published
"CxI direct requirements" table exactly.

Zero outputs. A commodity nobody makes domestically can have ``q_c = 0`` (and an industry could have
``g_j = 0``). Its coefficients are defined as 0 (no NaN): a zero column of ``D`` says no industry supplies it, which
keeps ``g = D q`` exact. If a zero-output column nonetheless carries flows (an inconsistent table) the function
raises :class:`IOMathError` naming the code and the flow, rather than dividing by zero.

Solve, don't invert. Where only products ``L y`` or ``e L`` are needed, ``(I - A) x = y`` is solved with one LU
factorisation (``scipy.linalg.lu_factor`` for dense, ``scipy.sparse.linalg.splu`` for sparse matrices) reused
across right-hand sides (:class:`FactorizedInverse`). The explicit inverse is formed only when the full matrix is
asked for (:func:`total_requirements`, :func:`ghosh_inverse`).
"""
from __future__ import annotations

from typing import Union

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

__all__ = [
    "IOMathError",
    "NotProductiveError",
    "FactorizedInverse",
    "direct_requirements",
    "market_shares",
    "industry_requirements",
    "industry_flows",
    "industry_final_demand",
    "total_requirements",
    "leontief_apply",
    "leontief_left_apply",
    "ghosh_allocation",
    "ghosh_inverse",
    "ghosh_apply",
    "ghosh_left_apply",
    "leontief_price",
    "price_shock",
    "spectral_radius",
]

Vector = Union[pd.Series, pd.DataFrame, np.ndarray]
Matrix = Union[pd.DataFrame, np.ndarray, scipy.sparse.spmatrix, scipy.sparse.sparray]

# Above this size the dense spectral radius (eigvals, O(n^3)) is replaced by ARPACK on the sparse matrix.
_DENSE_EIG_MAX_N = 3000


class IOMathError(ValueError):
    """Input tables that cannot give coefficients: misaligned codes, non-finite values, flows with zero output."""


class NotProductiveError(IOMathError):
    """``I - A`` has no convergent inverse: the spectral radius of ``|A|`` is 1 or more."""


# ---------------------------------------------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------------------------------------------

def _require_frame(obj: object, name: str) -> pd.DataFrame:
    if not isinstance(obj, pd.DataFrame):
        raise IOMathError(f"{name} must be a pandas DataFrame labelled with BEA codes, got {type(obj).__name__}")
    return obj


def _require_series(obj: object, name: str) -> pd.Series:
    if not isinstance(obj, pd.Series):
        raise IOMathError(f"{name} must be a pandas Series labelled with BEA codes, got {type(obj).__name__}")
    return obj


def _first_labels(labels: pd.Index | list, limit: int = 5) -> str:
    labels = list(labels)
    shown = ", ".join(repr(x) for x in labels[:limit])
    return shown + (f" … ({len(labels)} in all)" if len(labels) > limit else "")


def _align(labels: pd.Index, vector: pd.Series | pd.DataFrame, what: str, against: str):
    """``vector`` (Series or DataFrame rows) reindexed to ``labels``; raises naming the codes one side lacks."""
    if vector.index.has_duplicates:
        dup = vector.index[vector.index.duplicated()].unique()
        raise IOMathError(f"{what} has duplicated codes: {_first_labels(dup)}")
    missing = labels.difference(vector.index, sort=False)
    extra = vector.index.difference(labels, sort=False)
    if len(missing) or len(extra):
        parts = []
        if len(missing):
            parts.append(f"missing {_first_labels(missing)}")
        if len(extra):
            parts.append(f"not in {against}: {_first_labels(extra)}")
        raise IOMathError(f"{what} codes do not match the {against} codes: " + "; ".join(parts))
    return vector.reindex(labels)


def _check_finite_frame(frame: pd.DataFrame, name: str) -> None:
    values = frame.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise IOMathError(f"{name}[{frame.index[i]!r}, {frame.columns[j]!r}] is not a finite number "
                          f"(got {values[i, j]!r}); {int(bad.sum())} such cells")


def _check_finite_series(series: pd.Series, name: str) -> None:
    values = series.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise IOMathError(f"{name}[{series.index[k]!r}] is not a finite number (got {values[k]!r})")


def _square(A: pd.DataFrame, name: str) -> pd.DataFrame:
    A = _require_frame(A, name)
    if A.shape[0] != A.shape[1] or not A.index.equals(A.columns):
        raise IOMathError(f"{name} must be square with the same codes, in the same order, on rows and columns "
                          f"(got {A.shape[0]} rows x {A.shape[1]} columns)")
    _check_finite_frame(A, name)
    return A


def _scale_columns(M: pd.DataFrame, d: pd.Series, m_name: str, d_name: str, kind: str,
                   line: str = "column") -> pd.DataFrame:
    """``M diag(d)^-1`` with the convention 0 for a zero divisor whose column of ``M`` is all zero."""
    d = _align(M.columns, d, d_name, f"columns of {m_name}")
    _check_finite_frame(M, m_name)
    _check_finite_series(d, d_name)
    dv = d.to_numpy(dtype=float)
    if (dv < 0).any():
        k = int(np.flatnonzero(dv < 0)[0])
        raise IOMathError(f"{d_name}[{d.index[k]!r}] is negative (got {dv[k]!r}): outputs must be >= 0")
    values = M.to_numpy(dtype=float)
    zero = dv == 0
    if zero.any():
        flows = np.abs(values[:, zero]).sum(axis=0)
        if (flows > 0).any():
            k = int(np.flatnonzero(zero)[np.flatnonzero(flows > 0)[0]])
            raise IOMathError(
                f"{kind} {M.columns[k]!r} has {d_name} = 0 but its {line} of {m_name} holds "
                f"{np.abs(values[:, k]).sum():.6g} of flows: cannot form coefficients (inconsistent table)")
    inv = np.divide(1.0, dv, out=np.zeros_like(dv), where=~zero)
    return pd.DataFrame(values * inv[None, :], index=M.index, columns=M.columns)


# ---------------------------------------------------------------------------------------------------------------
# requirements (BEA method)
# ---------------------------------------------------------------------------------------------------------------

def direct_requirements(U: pd.DataFrame, g: pd.Series) -> pd.DataFrame:
    r"""Commodity-by-industry direct requirements ``B = U diag(g)^-1``.

    ``B[c, j] = U[c, j] / g[j]``: dollars of commodity ``c`` bought directly per dollar of industry ``j``'s output.
    This is BEA's published "CxI direct requirements" table when ``U`` is the after-redefinitions Use table at
    producers' prices (intermediate block, USD millions) and ``g`` its "Total Industry Output" row.

    Parameters
    ----------
    U : DataFrame, commodities x industries, USD millions.
    g : Series, industry gross output, USD millions, indexed by the industry codes of ``U.columns``.

    Returns
    -------
    DataFrame, commodities x industries, dimensionless. An industry with ``g_j = 0`` and no inputs gets a zero
    column; one with ``g_j = 0`` but inputs raises :class:`IOMathError`.
    """
    U = _require_frame(U, "U")
    return _scale_columns(U, _require_series(g, "g"), "U", "g", "industry")


def market_shares(V: pd.DataFrame, q: pd.Series) -> pd.DataFrame:
    r"""Market shares ``D = V diag(q)^-1`` (industry-technology assumption).

    ``D[i, c] = V[i, c] / q[c]``: the share of commodity ``c``'s output made by industry ``i``; each non-empty column
    sums to 1. A commodity with ``q_c = 0`` (made by no industry, e.g. noncomparable imports in some years) gets a
    zero column, so ``D q = g`` still holds.

    Parameters
    ----------
    V : DataFrame, industries x commodities (Make table), USD millions.
    q : Series, commodity output, USD millions, indexed by the commodity codes of ``V.columns``.
    """
    V = _require_frame(V, "V")
    return _scale_columns(V, _require_series(q, "q"), "V", "q", "commodity")


def _product(left: pd.DataFrame, right: pd.DataFrame, left_name: str, right_name: str) -> pd.DataFrame:
    left = _require_frame(left, left_name)
    right = _require_frame(right, right_name)
    if not left.columns.equals(right.index):
        missing = right.index.difference(left.columns, sort=False)
        extra = left.columns.difference(right.index, sort=False)
        if len(missing) or len(extra):
            raise IOMathError(
                f"columns of {left_name} and rows of {right_name} must be the same commodity codes: "
                f"{left_name} lacks {_first_labels(missing) or 'none'}; {right_name} lacks "
                f"{_first_labels(extra) or 'none'}")
        right = right.reindex(left.columns)
    _check_finite_frame(left, left_name)
    _check_finite_frame(right, right_name)
    return pd.DataFrame(left.to_numpy(dtype=float) @ right.to_numpy(dtype=float),
                        index=left.index, columns=right.columns)


def industry_requirements(D: pd.DataFrame, B: pd.DataFrame) -> pd.DataFrame:
    r"""Industry-by-industry direct requirements ``A = D B``.

    ``A[i, j] = sum_c D[i, c] B[c, j]``: dollars of industry ``i``'s output used directly per dollar of industry
    ``j``'s output. ``D.columns`` and ``B.index`` must be the same commodity codes (any order).
    """
    return _product(D, B, "D", "B")


def industry_flows(D: pd.DataFrame, U: pd.DataFrame) -> pd.DataFrame:
    r"""Industry-by-industry intermediate flows ``Z = D U`` (USD millions).

    ``Z[i, j] = sum_c D[i, c] U[c, j]``: industry ``i``'s output used by industry ``j`` (seller ``i`` in the row,
    buyer ``j`` in the column). Column sums are industry ``j``'s intermediate inputs bought from domestic
    industries (inputs of commodities with ``q_c = 0`` drop out); ``Z = A diag(g)``.
    """
    return _product(D, U, "D", "U")


def industry_final_demand(D: pd.DataFrame, e: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    r"""Industry final demand ``y = D e`` from commodity final demand ``e`` (USD millions).

    ``e`` is the row sum of the Use table's final-demand columns (exports and imports included, imports negative),
    i.e. ``e = q - U 1``. With ``y`` so defined, ``x = L y`` reproduces industry output ``g``.
    ``e`` may be a DataFrame with one column per final-demand category (then one ``y`` column each).
    """
    D = _require_frame(D, "D")
    if isinstance(e, pd.Series):
        e = _align(D.columns, e, "e", "columns of D")
        _check_finite_series(e, "e")
        return pd.Series(D.to_numpy(dtype=float) @ e.to_numpy(dtype=float), index=D.index, name=e.name)
    return _product(D, _require_frame(e, "e"), "D", "e")


# ---------------------------------------------------------------------------------------------------------------
# factorised (I - M)^-1
# ---------------------------------------------------------------------------------------------------------------

def spectral_radius(M: Matrix) -> float:
    """Largest absolute eigenvalue of ``M`` (dense ``eigvals`` up to n = 3000, ARPACK beyond or for sparse)."""
    if isinstance(M, pd.DataFrame):
        M = M.to_numpy(dtype=float)
    n = M.shape[0]
    if n == 0:
        return 0.0
    if scipy.sparse.issparse(M) and n > _DENSE_EIG_MAX_N:
        vals = scipy.sparse.linalg.eigs(scipy.sparse.csr_array(M, dtype=float), k=1, which="LM",
                                        return_eigenvectors=False, maxiter=max(1000, 20 * n), tol=1e-8)
        return float(np.abs(vals).max())
    dense = M.toarray() if scipy.sparse.issparse(M) else np.asarray(M, dtype=float)
    return float(np.abs(np.linalg.eigvals(dense)).max())


class FactorizedInverse:
    r"""``(I - M)^-1`` kept as an LU factorisation of ``I - M``; applied to vectors without forming the inverse.

    * :meth:`apply` returns ``(I - M)^-1 y`` by solving ``(I - M) x = y``;
    * :meth:`left_apply` returns ``e (I - M)^-1`` by solving ``(I - M)' z = e'``.

    ``M`` may be a labelled DataFrame (results are labelled), a dense ndarray, or a scipy sparse matrix
    (factorised with SuperLU, ``scipy.sparse.linalg.splu``). One factorisation costs ``O(n^3)`` dense (a third of an
    explicit inverse) and each solve ``O(n^2)``; sparse costs depend on fill-in and are far lower for IO-like
    sparsity.

    Productivity is checked unless ``check=False``: ``rho(|M|) < 1`` guarantees ``(I - M)^-1 = I + M + M^2 + ...``
    converges (Hawkins-Simon for a non-negative ``M``). The cheap sufficient test ``max column (or row) sum of
    |M| < 1`` is tried first; only if it fails is the spectral radius computed. ``name`` is used in messages.

    Sparse ordering. When every column sum of ``|M|`` is below 1 (an IO table whose industries all have positive
    value added), ``I - M`` is strictly diagonally dominant by columns, so Gaussian elimination is stable without
    row interchanges (growth factor <= 2; Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed.,
    sec. 9.5). SuperLU then pivots on the diagonal and orders by minimum degree on ``M + M'``, which keeps the
    fill-in far lower than the default column ordering with partial pivoting (``bench/bench_io.py``). Otherwise
    the SuperLU defaults (COLAMD, partial pivoting) are used.
    """

    def __init__(self, M: Matrix, *, check: bool = True, name: str = "A") -> None:
        self.name = name
        self.labels: pd.Index | None = None
        if isinstance(M, pd.DataFrame):
            M = _square(M, name)
            self.labels = M.index
            M = M.to_numpy(dtype=float)
        self.n = M.shape[0]
        if M.ndim != 2 or M.shape[0] != M.shape[1]:
            raise IOMathError(f"{name} must be square, got shape {M.shape}")
        self.sparse = scipy.sparse.issparse(M)
        if self.sparse:
            M = scipy.sparse.csc_array(M, dtype=float)
            if not np.isfinite(M.data).all():
                raise IOMathError(f"{name} holds non-finite values")
        else:
            M = np.asarray(M, dtype=float)
            if not np.isfinite(M).all():
                raise IOMathError(f"{name} holds non-finite values")
        col_sums = np.asarray(abs(M).sum(axis=0)).ravel()
        #: ``I - M`` strictly diagonally dominant by columns: elimination needs no pivoting (growth factor <= 2)
        self.column_dominant = bool(self.n == 0 or col_sums.max() < 1)
        if check and not self.column_dominant:
            self._check_productive(M, col_sums)
        if self.sparse:
            eye = scipy.sparse.identity(self.n, format="csc", dtype=float)
            IM = scipy.sparse.csc_matrix(eye - M)
            if self.column_dominant:
                # pivot on the diagonal with a fill-reducing ordering of the symmetrised pattern
                self._lu = scipy.sparse.linalg.splu(IM, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                                                    options={"SymmetricMode": True})
            else:
                self._lu = scipy.sparse.linalg.splu(IM)
        else:
            self._lu = scipy.linalg.lu_factor(np.eye(self.n) - M, check_finite=False)

    def _check_productive(self, M: Matrix, col: np.ndarray) -> None:
        absM = abs(M)
        if np.asarray(absM.sum(axis=1)).max() < 1:
            return
        rho = spectral_radius(absM)
        if rho >= 1:
            k = int(np.argmax(col))
            label = self.labels[k] if self.labels is not None else k
            raise NotProductiveError(
                f"{self.name} is not productive: spectral radius of |{self.name}| is {rho:.6g} >= 1, so "
                f"(I - {self.name})^-1 = I + {self.name} + {self.name}^2 + ... does not converge; the largest column "
                f"sum is {col[k]:.6g} at {label!r} (a column sum >= 1 means inputs cost at least the output)")

    def _as_array(self, v: Vector, what: str) -> tuple[np.ndarray, pd.Series | None]:
        """``v`` as an array (aligned to the codes when both are labelled) and the aligned Series, if any."""
        if isinstance(v, pd.Series) and self.labels is not None:
            v = _align(self.labels, v, what, f"codes of {self.name}")
            _check_finite_series(v, what)
            return v.to_numpy(dtype=float), v
        arr = v.to_numpy(dtype=float) if isinstance(v, (pd.Series, pd.DataFrame)) else np.asarray(v, dtype=float)
        if arr.ndim not in (1, 2) or arr.shape[0] != self.n:
            raise IOMathError(f"{what} has shape {arr.shape}, {self.name} is {self.n} x {self.n}")
        if not np.isfinite(arr).all():
            raise IOMathError(f"{what} holds non-finite values")
        return arr, None

    def _solve(self, b: np.ndarray, transpose: bool) -> np.ndarray:
        if self.sparse:
            return self._lu.solve(np.ascontiguousarray(b), trans="T" if transpose else "N")
        return scipy.linalg.lu_solve(self._lu, b, trans=1 if transpose else 0, check_finite=False)

    def apply(self, y: Vector) -> Vector:
        r"""``(I - M)^-1 y``: a vector, or a matrix whose columns are separate right-hand sides."""
        if isinstance(y, pd.DataFrame) and self.labels is not None:
            frame = _align(self.labels, y, "y", f"codes of {self.name}")
            _check_finite_frame(frame, "y")
            return pd.DataFrame(self._solve(frame.to_numpy(dtype=float), False), index=self.labels,
                                columns=y.columns)
        arr, labelled = self._as_array(y, "y")
        out = self._solve(arr, False)
        if labelled is not None:
            return pd.Series(out, index=self.labels, name=labelled.name)
        return out

    def left_apply(self, e: Vector) -> Vector:
        r"""``e (I - M)^-1``: a row vector, or a matrix whose rows are separate row vectors."""
        if isinstance(e, pd.DataFrame) and self.labels is not None:
            frame = _align(self.labels, e.T, "columns of e", f"codes of {self.name}")
            _check_finite_frame(frame, "e")
            out = self._solve(frame.to_numpy(dtype=float), True)
            return pd.DataFrame(out.T, index=e.index, columns=self.labels)
        if np.ndim(e) == 2:
            arr, _ = self._as_array(np.asarray(e, dtype=float).T, "e")
            return self._solve(arr, True).T
        arr, labelled = self._as_array(e, "e")
        out = self._solve(arr, True)
        if labelled is not None:
            return pd.Series(out, index=self.labels, name=labelled.name)
        return out

    @property
    def factor_nnz(self) -> int:
        """Stored entries of the LU factors (``n^2`` dense; ``nnz(L) + nnz(U)`` sparse: the fill-in)."""
        return int(self._lu.L.nnz + self._lu.U.nnz) if self.sparse else self.n * self.n

    def matrix(self) -> np.ndarray:
        """The explicit inverse ``(I - M)^-1`` (dense n x n): solves against the identity."""
        return self._solve(np.eye(self.n), False)


# ---------------------------------------------------------------------------------------------------------------
# Leontief (demand side)
# ---------------------------------------------------------------------------------------------------------------

def total_requirements(A: pd.DataFrame) -> pd.DataFrame:
    r"""Total requirements (Leontief inverse) ``L = (I - A)^-1``, as a full labelled matrix.

    ``L[i, j]``: output of industry ``i`` needed, directly and indirectly, per dollar of final demand for industry
    ``j``. ``L = I + A + A^2 + ...``; ``L (I - A) = I``. Only form this when the full table is wanted (export,
    display); use :func:`leontief_apply` / :func:`leontief_left_apply` for products.
    """
    fact = FactorizedInverse(A, name="A")
    return pd.DataFrame(fact.matrix(), index=fact.labels, columns=fact.labels)


def leontief_apply(A: Matrix, y: Vector) -> Vector:
    r"""Industry output required by final demand: ``x = L y = (I - A)^-1 y``, by solving ``(I - A) x = y``.

    ``A`` labelled DataFrame (``y`` a Series or a DataFrame of several demand columns, labelled results), dense
    ndarray or scipy sparse matrix (ndarray results).
    """
    return FactorizedInverse(A, name="A").apply(y)


def leontief_left_apply(e: Vector, A: Matrix) -> Vector:
    r"""Row vector times the Leontief inverse: ``m' = e' L = e' (I - A)^-1``, by solving ``(I - A)' m = e``.

    With ``e_i`` an intensity per dollar of industry ``i``'s output (e.g. automatable labour dollars), ``m_j`` is
    the amount embodied in one dollar of final demand for industry ``j``, through its whole supply chain.
    ``e`` may be a DataFrame whose rows are several intensity vectors (e.g. one per rater).
    """
    return FactorizedInverse(A, name="A").left_apply(e)


# ---------------------------------------------------------------------------------------------------------------
# Ghosh (supply side)
# ---------------------------------------------------------------------------------------------------------------

def ghosh_allocation(Z: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    r"""Ghosh allocation (output) coefficients ``B_g = diag(x)^-1 Z``.

    ``B_g[i, j] = Z[i, j] / x[i]``: the share of industry ``i``'s output sold to industry ``j`` as an input. An
    industry with ``x_i = 0`` and no sales gets a zero row; ``x_i = 0`` with sales raises :class:`IOMathError`.
    """
    Z = _square(Z, "Z")
    x = _require_series(x, "x")
    return _scale_columns(Z.T, x, "Z", "x", "industry", line="row").T


def ghosh_inverse(B_g: pd.DataFrame) -> pd.DataFrame:
    r"""Ghosh inverse ``G = (I - B_g)^-1`` as a full labelled matrix.

    ``G[i, j]``: output of industry ``j`` enabled, directly and indirectly, per dollar of primary input (value
    added) entering industry ``i``; ``x' = v' G``.
    """
    fact = FactorizedInverse(B_g, name="B_g")
    return pd.DataFrame(fact.matrix(), index=fact.labels, columns=fact.labels)


def ghosh_left_apply(v: Vector, B_g: Matrix) -> Vector:
    r"""Forward (supply-side) propagation ``x' = v' G = v' (I - B_g)^-1`` of primary inputs ``v`` to outputs.

    With ``v`` the value added of the table, this reproduces gross output ``x`` (``x' = v' + x' B_g``).
    """
    return FactorizedInverse(B_g, name="B_g").left_apply(v)


def ghosh_apply(B_g: Matrix, f: Vector) -> Vector:
    r"""Ghosh inverse times a column vector: ``G f = (I - B_g)^-1 f``, by solving ``(I - B_g) r = f``.

    With ``f_j`` an intensity per dollar of industry ``j``'s output, ``r_i = sum_j G[i, j] f_j`` is the amount
    carried by the downstream output that one dollar of primary input into industry ``i`` enables (forward
    exposure).
    """
    return FactorizedInverse(B_g, name="B_g").apply(f)


# ---------------------------------------------------------------------------------------------------------------
# price model
# ---------------------------------------------------------------------------------------------------------------

def leontief_price(A: pd.DataFrame, va_coeff: pd.Series) -> pd.Series:
    r"""Leontief (cost-push) price model ``p' = v' L``, i.e. ``p' = p' A + v'``.

    ``va_coeff[j]`` is value added per dollar of industry ``j``'s output (``v_j = VA_j / x_j``). Each price is the
    unit cost of intermediate inputs plus value added. With the table's own coefficients
    (``v_j = 1 - sum_i A[i, j]``) every price index is 1.
    """
    return FactorizedInverse(A, name="A").left_apply(_require_series(va_coeff, "va_coeff"))


def price_shock(A: pd.DataFrame, dva: pd.Series) -> pd.Series:
    r"""Price effect of a change in value-added costs: ``dp' = dv' L``.

    ``dva[j]`` is the change in value-added cost per dollar of industry ``j``'s output (e.g. ``-0.02`` if
    automation cuts labour cost by 2 cents per dollar of output). Industries absent from ``dva`` have no direct
    change (0); ``dp[j]`` is the resulting change in industry ``j``'s price index once the cost passes through
    the supply chain (prices are 1 in the base table, so ``dp`` is also a relative change).
    """
    A = _square(A, "A")
    dva = _require_series(dva, "dva")
    extra = dva.index.difference(A.index, sort=False)
    if len(extra):
        raise IOMathError(f"dva names codes that are not industries of A: {_first_labels(extra)}")
    return FactorizedInverse(A, name="A").left_apply(dva.reindex(A.index, fill_value=0.0))
