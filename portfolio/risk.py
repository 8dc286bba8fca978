"""Statistical factor risk model with shrinkage, re-estimated each day from returns up to the previous close.

Given the daily total returns ``R`` (T x n) of the ``window`` trading days strictly before the decision date ``t``
(:meth:`StatisticalRiskModel.fit` never sees a price dated ``t`` or later), demeaned per security:

1. sample covariance ``S = R'R / (T - 1)``;
2. principal components: ``S ~= V_k diag(lambda_k) V_k'`` with the ``n_factors`` largest eigenvalues (computed
   from the T x T Gram matrix of the scaled returns);
3. idiosyncratic variances ``d_i = max(S_ii - (V_k diag(lambda_k) V_k')_ii, floor)``, shrunk toward their
   cross-sectional median: ``d_i <- (1 - delta) d_i + delta median(d)`` (``delta = shrinkage``);
4. ``Sigma = B B' + diag(d)`` with loadings ``B = V_k diag(sqrt(lambda_k))`` (n x k).

The optimizer uses ``w' Sigma w = ||B' w||^2 + ||sqrt(d) * w||^2`` (DPP-friendly: two sums of squares).
Securities with fewer than ``min_obs`` returns in the window are marked not estimable (they may not be bought);
remaining missing returns are set to the security's mean (zero after demeaning). Units: daily return variance.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg
from threadpoolctl import ThreadpoolController


@dataclass
class RiskEstimate:
    loadings: pd.DataFrame  # n x k, B
    idio_var: pd.Series  # n, d
    estimable: pd.Series  # n, bool
    asof: pd.Timestamp  # last return date used (the previous close)
    n_obs: int

    def covariance(self) -> pd.DataFrame:
        b = self.loadings.to_numpy()
        return pd.DataFrame(b @ b.T + np.diag(self.idio_var.to_numpy()), index=self.loadings.index,
                            columns=self.loadings.index)

    @property
    def vol(self) -> pd.Series:
        """Daily volatility per security (sqrt of the model's diagonal)."""
        b = self.loadings.to_numpy()
        return pd.Series(np.sqrt((b * b).sum(axis=1) + self.idio_var.to_numpy()), index=self.loadings.index)


_POOLS: ThreadpoolController | None = None


def _single_threaded_blas():
    """The day's matrices are small (window x n): one BLAS thread is faster and, above all, steady (idle OpenBLAS
    threads spinning next to the solver's threads made the same fit take 3 to 100 ms)."""
    global _POOLS
    if _POOLS is None:
        _POOLS = ThreadpoolController()
    return _POOLS.limit(limits=1, user_api="blas")


class StatisticalRiskModel:
    """PCA factor model; see the module docstring for the equations."""

    def __init__(self, window: int = 252, n_factors: int = 5, min_obs: int = 126, shrinkage: float = 0.3,
                 idio_floor: float = 1e-6) -> None:
        if not 0 <= shrinkage <= 1:
            raise ValueError(f"shrinkage must be in [0, 1], got shrinkage={shrinkage}")
        if min_obs > window:
            raise ValueError(f"min_obs must be <= window, got min_obs={min_obs} and window={window}")
        self.window, self.n_factors, self.min_obs = window, n_factors, min_obs
        self.shrinkage, self.idio_floor = shrinkage, idio_floor

    def fit(self, prices_before_t: pd.DataFrame) -> RiskEstimate:
        """``prices_before_t``: adjusted closes dated strictly before the decision date (the caller slices with
        :meth:`portfolio.universe.Universe.history`)."""
        return self.fit_returns(prices_before_t.iloc[-(self.window + 1):].pct_change(fill_method=None).iloc[1:])

    def fit_returns(self, returns_before_t: pd.DataFrame) -> RiskEstimate:
        """Same as :meth:`fit` from daily returns already computed (the last ``window`` rows are used)."""
        rets = returns_before_t.iloc[-self.window:]
        a = rets.to_numpy(float)
        finite = np.isfinite(a)
        est_mask = finite.sum(axis=0) >= self.min_obs
        estimable = pd.Series(est_mask, index=rets.columns)
        cols = rets.columns
        k = int(min(self.n_factors, max(int(est_mask.sum()) - 1, 0)))
        b = np.zeros((len(cols), self.n_factors))
        d = np.full(len(cols), np.nan)
        if est_mask.any() and len(rets) > 1:
            r = a[:, est_mask]
            ok = finite[:, est_mask]
            mean = np.where(ok, r, 0.0).sum(axis=0) / ok.sum(axis=0)  # every column has >= min_obs values
            # demeaned, missing returns at the security's mean (0 after demeaning)
            x = np.where(ok, r - mean, 0.0) / np.sqrt(max(len(r) - 1, 1))
            # eigenpairs of S = x'x from the T x T Gram matrix G = x x' (G u = lambda u  =>  S (x'u) = lambda x'u,
            # ||x'u||^2 = lambda): B = x' U_k has columns v_i sqrt(lambda_i). O(T^2 n) instead of O(n^3).
            # only the k largest eigenpairs are needed: LAPACK's subset driver (dsyevr) skips the rest
            with _single_threaded_blas():
                g = x @ x.T
                k = min(k, g.shape[0])
                if k > 0:
                    vals, vecs = scipy.linalg.eigh(g, subset_by_index=[g.shape[0] - k, g.shape[0] - 1])
                    bk = x.T @ vecs[:, ::-1]
                else:
                    bk = np.zeros((x.shape[1], 0))
            resid = np.clip((x * x).sum(axis=0) - (bk * bk).sum(axis=1), self.idio_floor, None)
            resid = (1 - self.shrinkage) * resid + self.shrinkage * np.median(resid)
            pos = np.flatnonzero(est_mask)
            b[pos, :k] = bk
            d[pos] = resid
        med = float(np.nanmedian(d)) if np.isfinite(d).any() else 1e-4
        # not estimable: they cannot be bought, the value only keeps the matrix well defined
        d = pd.Series(np.where(np.isfinite(d), d, med), index=cols)
        asof = rets.index.max() if len(rets) else pd.NaT
        return RiskEstimate(pd.DataFrame(b, index=cols, columns=[f"f{i + 1}" for i in range(self.n_factors)]),
                            d, estimable, asof, int(len(rets)))
