r"""Forecast metrics: pinball loss, MAE, coverage, rank IC, Diebold-Mariano with a HAC variance.

* Pinball (quantile) loss of forecast ``q`` at level ``tau`` for outcome ``y``:
  ``rho_tau(y - q) = max(tau (y - q), (tau - 1)(y - q))``; reported as the mean over observations and levels.
* MAE of the median forecast: ``mean |y - q_0.5|``.
* Empirical coverage of level ``tau``: ``mean 1[y <= q_tau]`` (should be close to ``tau``).
* Rank IC for quarter ``t``: Spearman correlation across industries between the median return forecast and the
  realised excess return; over ``T`` quarters, ``IC_mean`` and ``t = IC_mean / (sd(IC) / sqrt(T))``.
* Diebold-Mariano (1995): loss differential ``d_t = L^A_t - L^B_t`` per quarter;
  ``DM = mean(d) / sqrt(V_HAC / T)`` with the Newey-West (Bartlett) long-run variance
  ``V_HAC = g_0 + 2 sum_{j=1..h} (1 - j / (h + 1)) g_j``, ``g_j = (1/T) sum_t (d_t - mean d)(d_{t-j} - mean d)``;
  the Harvey-Leybourne-Newbold (1997) small-sample factor ``sqrt((T + 1 - 2H + H(H - 1)/T) / T)`` for forecast
  horizon ``H`` and a two-sided p-value from Student's t with ``T - 1`` degrees of freedom. ``DM < 0``: A is better.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .dataset import QUANTILES


def pinball(y: np.ndarray, q: np.ndarray, quantiles=QUANTILES) -> np.ndarray:
    """Pinball loss per observation and level: ``y`` [n], ``q`` [n, K] -> [n, K]."""
    tau = np.asarray(quantiles, dtype=float)[None, :]
    u = np.asarray(y, dtype=float)[:, None] - np.asarray(q, dtype=float)
    return np.maximum(tau * u, (tau - 1.0) * u)


def mean_pinball(y, q, quantiles=QUANTILES) -> float:
    return float(pinball(y, q, quantiles).mean())


def mae(y, q, quantiles=QUANTILES) -> float:
    k = list(quantiles).index(0.5)
    return float(np.mean(np.abs(np.asarray(y, float) - np.asarray(q, float)[:, k])))


def coverage(y, q, quantiles=QUANTILES) -> dict[str, float]:
    hit = np.asarray(y, float)[:, None] <= np.asarray(q, float)
    return {f"{tau:g}": float(h) for tau, h in zip(quantiles, hit.mean(axis=0))}


def rank_ic(snap: np.ndarray, forecast: np.ndarray, realised: np.ndarray, min_names: int = 5) -> dict[str, np.ndarray]:
    """Spearman IC per quarter (quarters with fewer than ``min_names`` industries or no dispersion are skipped)."""
    quarters, ics = [], []
    for s in np.unique(snap):
        m = snap == s
        if m.sum() < min_names or np.ptp(forecast[m]) == 0 or np.ptp(realised[m]) == 0:
            continue
        quarters.append(int(s))
        ics.append(stats.spearmanr(forecast[m], realised[m]).statistic)
    return {"snap": np.asarray(quarters, dtype=np.int64), "ic": np.asarray(ics, dtype=float)}


def ic_summary(ic: np.ndarray) -> dict[str, float]:
    n = len(ic)
    if n < 2:
        return {"rank_ic_mean": float(ic.mean()) if n else float("nan"), "rank_ic_t": float("nan"), "n_quarters": n}
    sd = float(np.std(ic, ddof=1))
    return {"rank_ic_mean": float(ic.mean()), "rank_ic_t": float(ic.mean() / (sd / np.sqrt(n))) if sd > 0 else
            float("nan"), "n_quarters": n}


def newey_west_variance(d: np.ndarray, lags: int) -> float:
    """Bartlett-kernel long-run variance of ``d`` (module docstring), no small-sample correction."""
    d = np.asarray(d, dtype=float)
    T = len(d)
    e = d - d.mean()
    v = float(e @ e) / T
    for j in range(1, min(lags, T - 1) + 1):
        v += 2.0 * (1.0 - j / (lags + 1.0)) * float(e[j:] @ e[:-j]) / T
    return v


def default_lags(T: int) -> int:
    """Newey-West rule of thumb ``floor(4 (T / 100)^(2/9))``."""
    return int(np.floor(4.0 * (T / 100.0) ** (2.0 / 9.0)))


@dataclass
class DMResult:
    stat: float
    pvalue: float
    mean_diff: float
    n: int
    lags: int


def diebold_mariano(loss_a: np.ndarray, loss_b: np.ndarray, horizon: int = 1, lags: int | None = None) -> DMResult:
    """DM test of equal expected loss (module docstring). ``loss_a``/``loss_b``: per-period losses, aligned."""
    d = np.asarray(loss_a, float) - np.asarray(loss_b, float)
    d = d[np.isfinite(d)]
    T = len(d)
    if T < 3:
        return DMResult(float("nan"), float("nan"), float(d.mean()) if T else float("nan"), T, 0)
    h = default_lags(T) if lags is None else int(lags)
    h = max(h, horizon - 1)
    v = newey_west_variance(d, h)
    if v <= 0:
        return DMResult(float("nan"), float("nan"), float(d.mean()), T, h)
    dm = float(d.mean() / np.sqrt(v / T))
    H = horizon
    dm *= float(np.sqrt((T + 1 - 2 * H + H * (H - 1) / T) / T))
    p = float(2.0 * stats.t.sf(abs(dm), df=T - 1))
    return DMResult(dm, p, float(d.mean()), T, h)
