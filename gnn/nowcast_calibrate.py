r"""Out-of-sample calibration of nowcast quantiles: online, scaled, per-level conformal shifts.

**Why.** The nowcasters' raw quantiles come from in-sample residuals (bridge, AR) or a quantile loss on the
training panel (GNN, LightGBM): both are too narrow out of sample (95% intervals covered 88-90% of outcomes).

**Method (split conformal, expanding, per origin).** For a model ``m`` and a decision date ``D`` the calibration set
is the model's own *out-of-sample* nowcasts of earlier quarters ``s`` whose actuals BEA had published by ``D``
(in the walk-forward: every quarter already evaluated; never the quarter being nowcast). Each calibration row
(industry ``i``, quarter ``s``) gives per level ``tau`` a scaled score

    r_tau = (y_{i,s} - q_tau(i, s)) / sigma_{i,s},

``sigma_{i,s}`` the s.d. of industry ``i``'s output growth over the quarters published by ``s``'s own decision date
(a scale known in real time, so one shift serves volatile and quiet industries alike). The calibrated quantile is

    q'_tau = q_tau + delta_tau sigma,   delta_tau = the conformal tau-quantile of {r_tau}:

the ``ceil((n + 1) tau)``-th smallest score for ``tau > 1/2`` and the ``floor((n + 1) tau)``-th for ``tau < 1/2``
(``n`` calibration rows; split-conformal finite-sample rule, so the interval ``[q'_{alpha/2}, q'_{1-alpha/2}]`` covers
at least ``1 - alpha`` under exchangeability), the plain empirical median at ``tau = 1/2``. A constant shift equal to
the empirical ``tau``-quantile of the scores also minimises the calibration-set pinball loss at ``tau``, so the same
shift fixes coverage and pinball. Quantiles are sorted per row afterwards (no crossing). With fewer than
:data:`MIN_CALIBRATION_QUARTERS` calibration quarters nothing is calibrated (the walk-forward treats those quarters as
burn-in and does not score them).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .nowcast import QUANTILES

MIN_CALIBRATION_QUARTERS = 4


def conformal_shift(scores: np.ndarray, tau: float) -> float:
    """The conformal ``tau``-quantile of ``scores`` (module docstring); NaN scores are ignored."""
    s = np.sort(np.asarray(scores, float)[np.isfinite(scores)])
    n = len(s)
    if n == 0:
        raise ValueError("no finite calibration score")
    if tau == 0.5:
        return float(np.quantile(s, 0.5))
    if tau > 0.5:
        k = min(math.ceil((n + 1) * tau), n)
    else:
        k = max(math.floor((n + 1) * tau), 1)
    return float(s[k - 1])


def level_shifts(y: np.ndarray, q: np.ndarray, sigma: np.ndarray, quantiles=QUANTILES) -> np.ndarray:
    """``delta_tau`` for every level: ``y [n]``, ``q [n, K]``, ``sigma [n]`` (module docstring)."""
    y, q, sigma = np.asarray(y, float), np.asarray(q, float), np.asarray(sigma, float)
    if q.shape != (len(y), len(quantiles)) or sigma.shape != y.shape:
        raise ValueError(f"calibration shapes: y {y.shape}, q {q.shape}, sigma {sigma.shape}; expected y [n], "
                         f"q [n, {len(quantiles)}], sigma [n]")
    if (sigma[np.isfinite(sigma)] <= 0).any():
        raise ValueError("calibration scales must be positive")
    r = (y[:, None] - q) / sigma[:, None]
    return np.array([conformal_shift(r[:, k], t) for k, t in enumerate(quantiles)])


def apply_shifts(q: np.ndarray, sigma: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """``sort(q + delta sigma)`` per row."""
    return np.sort(np.asarray(q, float) + np.asarray(sigma, float)[:, None] * np.asarray(delta)[None, :], axis=1)


@dataclass
class OnlineCalibrator:
    """Expanding calibration set of one model's out-of-sample nowcasts, keyed by the quarter's publication date."""

    quantiles: tuple = QUANTILES
    records: list = field(default_factory=list)  # (published, y [N], q [N, K], sigma [N])

    def add(self, published, y: np.ndarray, q: np.ndarray, sigma: np.ndarray) -> None:
        self.records.append((published, np.asarray(y, float), np.asarray(q, float), np.asarray(sigma, float)))

    def n_quarters(self, as_of) -> int:
        return sum(1 for p, *_ in self.records if p <= as_of)

    def shifts(self, as_of) -> np.ndarray | None:
        """Shifts from the quarters published by ``as_of``; None below :data:`MIN_CALIBRATION_QUARTERS`."""
        use = [r for r in self.records if r[0] <= as_of]
        if len(use) < MIN_CALIBRATION_QUARTERS:
            return None
        y = np.concatenate([r[1] for r in use])
        q = np.concatenate([r[2] for r in use])
        s = np.concatenate([r[3] for r in use])
        ok = np.isfinite(y) & np.isfinite(q).all(axis=1) & np.isfinite(s)
        return level_shifts(y[ok], q[ok], s[ok], self.quantiles)
