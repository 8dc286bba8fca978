"""Cost terms of the program. Each term owns its cvxpy Parameters (cvxportfolio's pattern):
``initialize(n)`` creates them, ``update(day)`` sets their values, ``compile(w, z)`` returns the cvxpy expression
(in fractions of NAV per day), and ``realized_usd(...)`` prices an executed trade with the same formula so the
backtester charges exactly what the optimizer modelled.

Transaction cost of trading ``z_i`` (fraction of NAV; ``x_i = z_i NAV`` in USD):

    cost_i / NAV = s_i |z_i| + c sigma_i sqrt(NAV / ADV_usd_i) |z_i|^{3/2}

the half spread ``s_i`` plus the square-root market-impact law (Almgren et al. 2005; cvxportfolio's
``TransactionCost`` with exponent 3/2): ``c`` = ``impact_coefficient`` (default 1), ``sigma_i`` the daily volatility
from the risk model, ``ADV_usd_i`` the average daily dollar volume. The snapshot has no quotes, so the half spread
is an assumption per liquidity class (:data:`HALF_SPREAD_BPS`). Where no volume data exist the impact term cannot be
computed; it is replaced by a linear ``UNKNOWN_VOLUME_PENALTY_BPS`` (an assumption, flagged in the run's output).

Holding cost: ``h_i w_i`` per day with ``h_i`` = expense ratio / 252 (ETFs; zero for stocks, long-only, no borrow).
"""
from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd

HALF_SPREAD_BPS = {"high": 1.0, "medium": 3.0, "low": 10.0, "unknown": 5.0}
UNKNOWN_VOLUME_PENALTY_BPS = 10.0
TRADING_DAYS = 252


class TransactionCost:
    """Spread plus power-law market impact on the trade variable ``z`` (DPP: nonnegative Parameters times convex
    atoms of the variable)."""

    def __init__(self, impact_coefficient: float = 1.0) -> None:
        self.impact_coefficient = impact_coefficient

    def initialize(self, n: int) -> None:
        self.half_spread = cp.Parameter(n, nonneg=True, name="half_spread")
        self.impact = cp.Parameter(n, nonneg=True, name="impact_coef")
        self.half_spread.value = np.zeros(n)
        self.impact.value = np.zeros(n)

    def coefficients(self, liquidity: pd.DataFrame, sigma: pd.Series, nav_usd: float) -> tuple[np.ndarray, np.ndarray]:
        cls = liquidity["liquidity_class"].fillna("unknown")
        half = cls.map(HALF_SPREAD_BPS).to_numpy(float) / 1e4
        adv_usd = liquidity["adv_usd"].to_numpy(float)
        known = np.isfinite(adv_usd) & (adv_usd > 0)
        impact = np.zeros(len(cls))
        impact[known] = self.impact_coefficient * sigma.to_numpy(float)[known] * np.sqrt(nav_usd / adv_usd[known])
        half[~known] += UNKNOWN_VOLUME_PENALTY_BPS / 1e4
        return half, impact

    def update(self, liquidity: pd.DataFrame, sigma: pd.Series, nav_usd: float) -> None:
        self.half_spread.value, self.impact.value = self.coefficients(liquidity, sigma, nav_usd)

    def compile(self, w: cp.Variable, z: cp.Variable, abs_z: cp.Expression | None = None) -> cp.Expression:
        """``abs_z``: an epigraph variable ``u >= |z|`` shared with the turnover and participation constraints (the
        program states ``|z|`` once instead of once per term); the cost is increasing in ``u``, so ``u = |z|`` at
        the optimum wherever the cost coefficients are positive."""
        a = cp.abs(z) if abs_z is None else abs_z
        return self.half_spread @ a + self.impact @ cp.power(a, 1.5)

    def realized_usd(self, trades_usd: np.ndarray, liquidity: pd.DataFrame, sigma: pd.Series,
                     nav_usd: float) -> np.ndarray:
        """Cost in USD of executed trades (same formula as :meth:`compile`), per security."""
        half, impact = self.coefficients(liquidity, sigma, nav_usd)
        z = np.abs(np.asarray(trades_usd, float)) / nav_usd
        return nav_usd * (half * z + impact * z ** 1.5)


class HoldingCost:
    """Expense ratio of held funds, per day (fraction of NAV)."""

    def initialize(self, n: int) -> None:
        self.daily = cp.Parameter(n, nonneg=True, name="holding_cost")
        self.daily.value = np.zeros(n)

    def update(self, expense_ratio_annual: pd.Series) -> None:
        self.daily.value = np.clip(expense_ratio_annual.to_numpy(float), 0, None) / TRADING_DAYS

    def compile(self, w: cp.Variable, z: cp.Variable) -> cp.Expression:
        return self.daily @ w
