r"""Quarterly industry-by-industry flows: RAS (biproportional) balancing of the annual table to quarterly margins.

BEA publishes no quarterly flow matrix. For a quarter we take the latest *published* annual industry-by-industry
flow matrix ``Z0 = D U`` (USD millions; see :mod:`graph.io_math`) and find the matrix closest to it, in the RAS
sense, whose margins equal the quarter's targets (USD millions, seasonally adjusted at annual rates, SAAR):

* column sums (intermediate purchases of buyer ``j``) ``v_j = II^q_j c_j``, where ``II^q`` is BEA's quarterly
  intermediate inputs (GDP by industry, table TII105) and ``c_j = sum_i Z0[i, j] / II^a_j`` the annual table's share
  of industry ``j``'s intermediate inputs that ``Z0`` covers (1 when ``Z0 = D U`` spans every commodity with
  domestic output, as in BEA's summary tables: then the target is the published quarterly figure itself);
* row sums (intermediate sales of seller ``i``) ``u_i = k GO^q_i s_i`` with ``s_i = sum_j Z0[i, j] / x^a_i`` the
  annual intermediate-sales share of gross output and ``GO^q`` BEA's quarterly gross output (TGO105);
* ``k = sum_j v_j / sum_i GO^q_i s_i`` rescales the row targets so both margins add to the same total (a matrix
  cannot have different row and column totals). ``k`` is reported: it measures how far the quarter's mix of
  gross output and intermediate inputs moved from the annual table's (a few tenths of a percent to a few
  percent in practice).

Assumptions: the annual table's pattern of who-buys-from-whom and each seller's intermediate-sales share hold
within the quarter (they are only rescaled), and the quarter's intermediate inputs are right. RAS changes each
prior cell by a row factor times a column factor (``X = diag(r) Z0 diag(s)``): it keeps zeros at zero and signs
unchanged, and is the solution minimising the information distance ``sum X log(X / Z0)`` subject to the margins
(Bacharach 1970; Miller & Blair 2009, ch. 7). The summary Use table holds a few small negative cells (e.g. the
``Used`` scrap row), so ``Z0`` can too; for them the generalised RAS (GRAS) update of Junius & Oosterhaven (2003),
in the form of Temurshoev, Miller & Bouwmeester (2013), is used (``X = diag(r) P diag(s) - diag(r)^-1 N
diag(s)^-1`` with ``Z0 = P - N``, ``P, N >= 0``); with no negative cells it is exactly RAS.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "RASError",
    "RASInconsistentTargetsError",
    "RASInfeasibleError",
    "RASConvergenceError",
    "RASResult",
    "ras",
    "QuarterlyTargets",
    "quarterly_targets",
    "QuarterlyFlows",
    "quarterly_flows",
]


class RASError(ValueError):
    """Margins that RAS cannot meet, or inputs it cannot use."""


class RASInconsistentTargetsError(RASError):
    """Row targets and column targets add to different totals (beyond the tolerance)."""


class RASInfeasibleError(RASError):
    """A row or column has a target that no matrix with the prior's zero/sign pattern can meet."""


class RASConvergenceError(RASError):
    """The iterations stopped (``max_iter``) before the margins were within tolerance."""


@dataclass(frozen=True)
class RASResult:
    """A balanced matrix and its diagnostics.

    ``flows = diag(r) P diag(s) - diag(r)^-1 N diag(s)^-1`` (``= diag(r) Z0 diag(s)`` without negative cells).
    ``max_row_gap`` / ``max_col_gap``: largest ``|sum - target| / |target|`` over rows / columns with a non-zero
    target. ``row_target_scale`` / ``col_target_scale``: factors applied to the targets to make their totals
    agree (1.0 when none was needed).
    """

    flows: pd.DataFrame
    row_multipliers: pd.Series
    col_multipliers: pd.Series
    iterations: int
    max_row_gap: float
    max_col_gap: float
    row_target_scale: float
    col_target_scale: float


def _aligned_targets(labels: pd.Index, targets: pd.Series, what: str, axis: str) -> np.ndarray:
    if not isinstance(targets, pd.Series):
        raise RASError(f"{what} must be a pandas Series indexed by the {axis} codes, got {type(targets).__name__}")
    if targets.index.has_duplicates:
        raise RASError(f"{what} has duplicated codes: {sorted(set(targets.index[targets.index.duplicated()]))[:5]}")
    missing = labels.difference(targets.index, sort=False)
    extra = targets.index.difference(labels, sort=False)
    if len(missing) or len(extra):
        raise RASError(f"{what} codes do not match the {axis} codes of Z0: missing {list(missing[:5])}, "
                       f"not in Z0 {list(extra[:5])}")
    values = targets.reindex(labels).to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise RASError(f"{what}[{labels[k]!r}] is not a finite number (got {values[k]!r})")
    return values


def _check_support(labels: pd.Index, targets: np.ndarray, pos_support: np.ndarray, neg_support: np.ndarray,
                   name: str, counterpart: str) -> None:
    """A positive target needs a positive prior cell (a negative one a negative cell) against a non-zero target."""
    for k in np.flatnonzero((targets > 0) & ~pos_support):
        raise RASInfeasibleError(
            f"{name} {labels[k]!r} has target {targets[k]:,.6g} but no positive prior flow with any {counterpart} "
            f"that has a non-zero target: RAS keeps zero cells at zero, so no balanced matrix exists. Give it a "
            f"prior (e.g. from another year's table) or a zero target")
    for k in np.flatnonzero((targets < 0) & ~neg_support):
        raise RASInfeasibleError(
            f"{name} {labels[k]!r} has negative target {targets[k]:,.6g} but no negative prior flow with any "
            f"{counterpart} that has a non-zero target: RAS keeps signs, so no balanced matrix exists")


def _multiplier(target: np.ndarray, p: np.ndarray, n: np.ndarray) -> np.ndarray:
    r"""Solve ``m p - n / m = target`` for ``m > 0`` (GRAS step; ``m = target / p`` when ``n = 0``)."""
    out = np.empty_like(target)
    has_p = p > 0
    disc = np.sqrt(target[has_p] ** 2 + 4.0 * p[has_p] * n[has_p])
    out[has_p] = (target[has_p] + disc) / (2.0 * p[has_p])
    out[~has_p] = -n[~has_p] / target[~has_p]
    return out


def ras(Z0: pd.DataFrame, row_targets: pd.Series, col_targets: pd.Series, tol: float = 1e-6,
        max_iter: int = 10_000, rescale: Literal["rows", "columns"] | None = None,
        row_name: str = "seller industry", col_name: str = "buyer industry") -> RASResult:
    r"""Biproportional (RAS / GRAS) balancing of ``Z0`` to row sums ``u`` and column sums ``v``.

    Iterates ``r_i <- u_i / sum_j Z0[i, j] s_j`` then ``s_j <- v_j / sum_i r_i Z0[i, j]`` (the GRAS form of
    :func:`_multiplier` when ``Z0`` has negative cells) until every row and column sum is within ``tol``
    (relative) of its target; returns ``X = diag(r) Z0 diag(s)`` (module docstring).

    Parameters
    ----------
    Z0 : DataFrame, the prior matrix (e.g. annual flows, USD millions); finite.
    row_targets, col_targets : Series indexed by ``Z0.index`` / ``Z0.columns`` (any order).
    tol : relative tolerance on every margin, and on the agreement of the two totals.
    max_iter : iteration cap; reaching it raises :class:`RASConvergenceError` naming the worst row/column.
    rescale : the two totals must agree (``|sum u - sum v| <= tol * max(|sum u|, |sum v|)``) or
        :class:`RASInconsistentTargetsError` is raised. ``"rows"`` multiplies the row targets by
        ``sum v / sum u`` first, ``"columns"`` the column targets by ``sum u / sum v``. Gaps within ``tol``
        (rounding) are always absorbed into the row targets. The factor used is in the result.
    row_name, col_name : what rows and columns are, for messages (e.g. ``seller industry '55'``).

    Rows and columns with a zero target come out all zero. A non-zero target whose row (column) has no prior cell
    of its sign against a non-zero-target column (row) is infeasible: :class:`RASInfeasibleError` names it.
    """
    if not isinstance(Z0, pd.DataFrame):
        raise RASError(f"Z0 must be a pandas DataFrame, got {type(Z0).__name__}")
    if Z0.index.has_duplicates or Z0.columns.has_duplicates:
        raise RASError("Z0 has duplicated row or column codes")
    prior = Z0.to_numpy(dtype=float)
    bad = ~np.isfinite(prior)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise RASError(f"Z0[{Z0.index[i]!r}, {Z0.columns[j]!r}] is not a finite number (got {prior[i, j]!r})")
    if not tol > 0:
        raise RASError(f"tol must be > 0, got {tol!r}")
    if rescale not in (None, "rows", "columns"):
        raise RASError(f"rescale must be None, 'rows' or 'columns', got {rescale!r}")
    u = _aligned_targets(Z0.index, row_targets, "row_targets", "row")
    v = _aligned_targets(Z0.columns, col_targets, "col_targets", "column")

    total_u, total_v = u.sum(), v.sum()
    scale_of = max(abs(total_u), abs(total_v))
    gap = abs(total_u - total_v) / scale_of if scale_of > 0 else 0.0
    row_scale = col_scale = 1.0
    if gap > tol and rescale is None:
        raise RASInconsistentTargetsError(
            f"row targets add to {total_u:,.6g} but column targets to {total_v:,.6g} (relative gap {gap:.3g} > "
            f"tol {tol:g}): a matrix has one total. Pass rescale='rows' to multiply the row targets by "
            f"{total_v / total_u if total_u else float('nan'):.6g}, or rescale='columns'")
    if gap > 0 and rescale == "columns":
        if total_v == 0:
            raise RASInconsistentTargetsError("column targets add to 0: cannot rescale them to the row total")
        col_scale = total_u / total_v
        v = v * col_scale
    elif gap > 0:
        if total_u == 0:
            raise RASInconsistentTargetsError("row targets add to 0: cannot rescale them to the column total")
        row_scale = total_v / total_u
        u = u * row_scale

    rows_on, cols_on = u != 0, v != 0
    P = np.where(prior > 0, prior, 0.0) * rows_on[:, None] * cols_on[None, :]
    N = np.where(prior < 0, -prior, 0.0) * rows_on[:, None] * cols_on[None, :]
    _check_support(Z0.index, u, (P > 0).any(axis=1), (N > 0).any(axis=1), row_name, col_name)
    _check_support(Z0.columns, v, (P > 0).any(axis=0), (N > 0).any(axis=0), col_name, row_name)

    has_neg = bool((N > 0).any())
    r = np.where(rows_on, 1.0, 0.0)
    s = np.where(cols_on, 1.0, 0.0)

    def balanced() -> np.ndarray:
        X = r[:, None] * P * s[None, :]
        if has_neg:
            rs = np.outer(r, s)
            X -= np.divide(N, rs, out=np.zeros_like(N), where=N > 0)
        return X

    def inv(m: np.ndarray) -> np.ndarray:
        return np.divide(1.0, m, out=np.zeros_like(m), where=m != 0)

    def gaps(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        row_gap = np.abs(X.sum(axis=1) - u) / np.where(rows_on, np.abs(u), 1.0)
        col_gap = np.abs(X.sum(axis=0) - v) / np.where(cols_on, np.abs(v), 1.0)
        return row_gap, col_gap

    iterations = 0
    while True:
        iterations += 1
        r[rows_on] = _multiplier(u[rows_on], (P @ s)[rows_on], (N @ inv(s))[rows_on])
        s[cols_on] = _multiplier(v[cols_on], (r @ P)[cols_on], (inv(r) @ N)[cols_on])
        X = balanced()
        row_gap, col_gap = gaps(X)
        if max(row_gap.max(initial=0.0), col_gap.max(initial=0.0)) <= tol:
            break
        if iterations >= max_iter:
            i, j = int(np.argmax(row_gap)), int(np.argmax(col_gap))
            raise RASConvergenceError(
                f"RAS did not converge in {max_iter} iterations: worst {row_name} {Z0.index[i]!r} is "
                f"{row_gap[i]:.3g} off its target, worst {col_name} {Z0.columns[j]!r} {col_gap[j]:.3g} (tol "
                f"{tol:g}). Slow convergence means the targets nearly violate the prior's zero pattern: check "
                f"those codes' targets")

    return RASResult(
        flows=pd.DataFrame(X, index=Z0.index, columns=Z0.columns),
        row_multipliers=pd.Series(r, index=Z0.index, name="r"),
        col_multipliers=pd.Series(s, index=Z0.columns, name="s"),
        iterations=iterations,
        max_row_gap=float(row_gap.max(initial=0.0)),
        max_col_gap=float(col_gap.max(initial=0.0)),
        row_target_scale=row_scale,
        col_target_scale=col_scale,
    )


# ---------------------------------------------------------------------------------------------------------------
# quarterly margins and flows
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuarterlyTargets:
    """Margins for one quarter (USD millions, SAAR), indexed by BEA industry code.

    ``rows``: intermediate-sales targets ``u = k GO^q s``; ``cols``: intermediate-purchase targets ``v = II^q c``;
    ``row_scale``: ``k`` (``k - 1`` is the size of the adjustment); ``intermediate_sales_share``: ``s``;
    ``covered_input_share``: ``c``.
    """

    rows: pd.Series
    cols: pd.Series
    row_scale: float
    intermediate_sales_share: pd.Series
    covered_input_share: pd.Series


def _industry_series(values: pd.Series, labels: pd.Index, what: str) -> pd.Series:
    if not isinstance(values, pd.Series):
        raise RASError(f"{what} must be a pandas Series indexed by BEA industry code, got {type(values).__name__}")
    missing = labels.difference(values.index, sort=False)
    if len(missing):
        raise RASError(f"{what} has no value for industries {list(missing[:5])} of the annual flow matrix"
                       + (f" ({len(missing)} in all)" if len(missing) > 5 else ""))
    extra = values.index.difference(labels, sort=False)
    if len(extra):
        raise RASError(f"{what} has industries that are not in the annual flow matrix: {list(extra[:5])}")
    out = values.reindex(labels).astype(float)
    bad = ~np.isfinite(out.to_numpy())
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise RASError(f"{what}[{labels[k]!r}] is not a finite number (got {out.iloc[k]!r})")
    return out


def _share(part: pd.Series, whole: pd.Series, part_name: str, whole_name: str) -> pd.Series:
    """``part / whole``; 0 where both are 0; error naming the industry where only ``whole`` is 0."""
    stray = (whole == 0) & (part != 0)
    if stray.any():
        code = stray.index[stray.to_numpy()][0]
        raise RASError(f"industry {code!r} has {whole_name} 0 but {part_name} {part[code]:,.6g} in the annual "
                       f"table: its share is undefined")
    return (part / whole.where(whole != 0)).fillna(0.0)


def quarterly_targets(Z_annual: pd.DataFrame, x_annual: pd.Series, ii_annual: pd.Series,
                      go_quarter: pd.Series, ii_quarter: pd.Series) -> QuarterlyTargets:
    r"""Row and column targets for one quarter (module docstring).

    ``s_i = sum_j Z[i, j] / x^a_i``;  ``c_j = sum_i Z[i, j] / II^a_j``;  ``v_j = II^q_j c_j``;
    ``u_i = k GO^q_i s_i`` with ``k = sum v / sum_i GO^q_i s_i``.

    Parameters (all USD millions; indexed by BEA industry code, the codes of ``Z_annual``)
    ----------
    Z_annual : industry x industry flows of the annual table (seller rows, buyer columns), ``D U``.
    x_annual : the annual table's industry gross output.
    ii_annual : the annual table's industry intermediate inputs (Use table "Total Intermediate").
    go_quarter, ii_quarter : BEA's gross output and intermediate inputs for the quarter, SAAR.
    """
    if not isinstance(Z_annual, pd.DataFrame) or not Z_annual.index.equals(Z_annual.columns):
        raise RASError("Z_annual must be a square DataFrame with the same industry codes, in the same order, on "
                       "rows and columns")
    labels = Z_annual.index
    x_a = _industry_series(x_annual, labels, "x_annual")
    ii_a = _industry_series(ii_annual, labels, "ii_annual")
    go_q = _industry_series(go_quarter, labels, "go_quarter")
    ii_q = _industry_series(ii_quarter, labels, "ii_quarter")
    sales_share = _share(Z_annual.sum(axis=1), x_a, "intermediate sales", "gross output")
    input_share = _share(Z_annual.sum(axis=0), ii_a, "intermediate purchases in Z", "intermediate inputs")
    cols = (ii_q * input_share).rename("col_target_usd_millions")
    raw_rows = go_q * sales_share
    if raw_rows.sum() == 0:
        raise RASError("the quarter's intermediate-sales targets add to 0 (gross output x sales share): nothing "
                       "to scale to the intermediate inputs total")
    k = float(cols.sum() / raw_rows.sum())
    return QuarterlyTargets(
        rows=(raw_rows * k).rename("row_target_usd_millions"),
        cols=cols,
        row_scale=k,
        intermediate_sales_share=sales_share.rename("intermediate_sales_share"),
        covered_input_share=input_share.rename("covered_input_share"),
    )


@dataclass(frozen=True)
class QuarterlyFlows:
    """One quarter's industry-by-industry flows.

    ``flows``: USD millions SAAR, seller rows x buyer columns. ``coefficients``: ``flows[i, j] / GO^q_j``, the
    dollars of seller ``i``'s output bought per dollar of buyer ``j``'s quarterly gross output (0 for a buyer with
    zero output). ``targets`` and ``ras``: the margins used and the balancing diagnostics.
    """

    flows: pd.DataFrame
    coefficients: pd.DataFrame
    targets: QuarterlyTargets
    ras: RASResult

    def edges(self) -> pd.DataFrame:
        """Non-zero flows as a long table: ``seller``, ``buyer``, ``flow_usd_millions``, ``coefficient``."""
        flows = self.flows.rename_axis(index="seller", columns="buyer").stack().rename("flow_usd_millions")
        coef = self.coefficients.rename_axis(index="seller", columns="buyer").stack().rename("coefficient")
        out = pd.concat([flows, coef], axis=1).reset_index()
        return out[out["flow_usd_millions"] != 0].reset_index(drop=True)


def quarterly_flows(Z_annual: pd.DataFrame, x_annual: pd.Series, ii_annual: pd.Series, go_quarter: pd.Series,
                    ii_quarter: pd.Series, *, tol: float = 1e-6, max_iter: int = 10_000) -> QuarterlyFlows:
    r"""Flows for one quarter: :func:`ras` of ``Z_annual`` to :func:`quarterly_targets`.

    Use the latest annual table *published* by the quarter's release date (point in time; the caller picks it).
    Inputs as in :func:`quarterly_targets`; errors as in :func:`ras` (an industry with a positive target and no
    prior flows is named).
    """
    targets = quarterly_targets(Z_annual, x_annual, ii_annual, go_quarter, ii_quarter)
    result = ras(Z_annual, targets.rows, targets.cols, tol=tol, max_iter=max_iter)
    go_q = go_quarter.reindex(Z_annual.columns).astype(float).to_numpy()
    inv_go = np.divide(1.0, go_q, out=np.zeros_like(go_q), where=go_q != 0)
    coefficients = pd.DataFrame(result.flows.to_numpy() * inv_go[None, :], index=Z_annual.index,
                                columns=Z_annual.columns)
    return QuarterlyFlows(flows=result.flows, coefficients=coefficients, targets=targets, ras=result)
