"""Skill-scaled active signals (Grinold & Kahn, *Active Portfolio Management*, ch. 10: alpha = IC x volatility x score).

Each signal source (today: the GNN's industry forecasts, a table in the format of :mod:`portfolio.signals`) enters
the benchmark-relative program only as far as its measured skill justifies.

**Score.** For a forecast dated ``f`` (the latest dated strictly before the decision date ``t`` and at most
``max_age_days`` old), security ``i``'s forecast is its exposure-weighted industry forecast over the industries
with a forecast, ``m_i = sum_k E_ik f_k / sum_k E_ik`` (securities without covered exposure get none), and its score
is the cross-sectional z-score ``s_i = (m_i - mean m) / std m`` over the eligible securities with a forecast.

**Information coefficient, point in time.** For every earlier forecast date ``f_j`` whose horizon (``h`` trading
days, from the close of the last trading day on or before ``f_j``) ended strictly before ``t``, the realised IC is the
Spearman rank correlation across securities between ``m_i(f_j)`` and the realised total return over the horizon
(adjusted closes). With ``n`` such outcomes, mean ``IC_bar`` and t-stat ``IC_bar / (sd / sqrt n)``, the IC used is

    IC = max(0, IC_bar) * n / (n + n0)        (0 when n < n_min or t < t_min)

a shrinkage toward zero whose weight ``n0`` (``ic_prior_obs``) is a prior worth ``n0`` outcomes of zero skill; a
source with a non-positive measured IC, too few outcomes, or a mean IC not distinguishable from zero (t-stat below
``t_min`` = ``ic_min_t``, default 1) has no measured skill and adds no tilt.

**Alpha.** Over the forecast horizon, ``alpha_i(h) = IC sigma_i sqrt(h) s_i`` with ``sigma_i`` the security's
daily volatility over the risk window before ``t``; the program works in daily units, so
``alpha_i = IC sigma_i s_i / sqrt(h)`` per day. Every decision records, per source: ``ic_used``, ``ic_mean``,
``ic_t``, ``n_outcomes``, the forecast date and the mean |alpha| (annualised).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .signals import SignalResult, validate_forecasts

TRADING_DAYS = 252


@dataclass
class SkillConfig:
    ic_prior_obs: int = 12
    ic_min_obs: int = 4
    ic_min_t: float = 1.0
    max_age_days: int = 120
    source: str = "gnn_forecast"


def security_forecasts(fc: pd.DataFrame, exposures: pd.DataFrame) -> pd.Series:
    """``m_i``: exposure-weighted industry forecast per unit of covered exposure (NaN where none is covered)."""
    f = fc.set_index("bea_code")["median"] / fc.set_index("bea_code")["horizon_days"]
    e = exposures.reindex(columns=f.index, fill_value=0.0)
    covered = e.sum(axis=1)
    m = pd.Series(e.to_numpy() @ f.to_numpy(), index=exposures.index)
    return (m / covered).where(covered > 1e-9)


def _spearman(a: pd.Series, b: pd.Series) -> float:
    x = pd.concat([a, b], axis=1).dropna()
    if len(x) < 5 or x.iloc[:, 0].nunique() < 2 or x.iloc[:, 1].nunique() < 2:
        return float("nan")
    return float(x.iloc[:, 0].rank().corr(x.iloc[:, 1].rank()))


class SkillScaledAlpha:
    """Drop-in for :class:`portfolio.signals.ExpectedReturns` in the benchmark-relative program: ``estimate``
    returns the active expected return (alpha) per security, zero without measured skill."""

    def __init__(self, forecasts: pd.DataFrame | None, universe, config: SkillConfig | None = None) -> None:
        self.forecasts = validate_forecasts(forecasts) if forecasts is not None and len(forecasts) else None
        self.universe = universe
        self.config = config or SkillConfig()
        self._outcomes: pd.DataFrame | None = None

    # ---------------------------------------------------------------------------------------------- skill
    def outcomes(self) -> pd.DataFrame:
        """One row per forecast date: ``date``, ``end`` (last day of the realised horizon), ``ic``, ``n``."""
        if self._outcomes is not None:
            return self._outcomes
        rows = []
        if self.forecasts is not None:
            px = self.universe.prices
            idx = px.index
            for f, g in self.forecasts.groupby("date"):
                h = int(g["horizon_days"].iloc[0])
                i0 = idx.searchsorted(f, side="right") - 1  # the close the forecast was made at (or before)
                if i0 < 0 or i0 + h >= len(idx):
                    rows.append({"date": f, "end": pd.NaT, "ic": np.nan, "n": 0})
                    continue
                realised = px.iloc[i0 + h] / px.iloc[i0] - 1
                elig = self.universe.eligible(f + pd.Timedelta(days=1)).reindex(px.columns).fillna(False)
                m = security_forecasts(g, self.universe.exposures_at(f + pd.Timedelta(days=1)))
                m = m.reindex(px.columns).where(elig.astype(bool))
                ic = _spearman(m, realised)
                rows.append({"date": f, "end": idx[i0 + h], "ic": ic,
                             "n": int(pd.concat([m, realised], axis=1).dropna().shape[0])})
        self._outcomes = pd.DataFrame(rows, columns=["date", "end", "ic", "n"])
        return self._outcomes

    def skill_at(self, t: pd.Timestamp) -> dict:
        """The IC used at ``t`` from outcomes realised strictly before ``t`` (see the module docstring)."""
        o = self.outcomes()
        known = o[(o["end"] < t) & o["ic"].notna()]["ic"]
        n = int(len(known))
        mean = float(known.mean()) if n else float("nan")
        sd = float(known.std()) if n > 1 else float("nan")
        t_stat = mean / (sd / np.sqrt(n)) if n > 1 and sd > 0 else float("nan")
        cfg = self.config
        significant = np.isfinite(t_stat) and t_stat >= cfg.ic_min_t
        used = max(0.0, mean) * n / (n + cfg.ic_prior_obs) if n >= cfg.ic_min_obs and significant else 0.0
        reason = ("measured" if used > 0 else "too few realised outcomes" if n < cfg.ic_min_obs else
                  f"mean IC not distinguishable from zero (t < {cfg.ic_min_t:g})" if not significant else
                  "no positive measured skill")
        return {"source": cfg.source, "ic_used": used, "ic_mean": mean, "ic_t": t_stat, "n_outcomes": n,
                "reason": reason}

    def _latest(self, t: pd.Timestamp) -> pd.DataFrame | None:
        if self.forecasts is None:
            return None
        f = self.forecasts[(self.forecasts["date"] < t)
                           & (self.forecasts["date"] >= t - pd.Timedelta(days=self.config.max_age_days))]
        return None if f.empty else f[f["date"] == f["date"].max()]

    # ---------------------------------------------------------------------------------------------- a day
    def estimate(self, t: pd.Timestamp, exposures: pd.DataFrame, returns: pd.DataFrame, rf_daily: float | None,
                 market: pd.Series | None = None) -> SignalResult:
        t = pd.Timestamp(t)
        zero = pd.Series(0.0, index=exposures.index)
        fc = self._latest(t)
        if fc is None:
            return SignalResult(zero, {"source": "none", "sources": [], "forecast_date": None,
                                       "note": "no forecast dated before t within max_age_days: no active tilt"})
        sk = self.skill_at(t)
        sk["forecast_date"] = str(fc["date"].iloc[0].date())
        if sk["ic_used"] <= 0:
            sk["mean_abs_alpha_annual"] = 0.0
            return SignalResult(zero, {"source": "no_skill", "sources": [sk], "forecast_date": sk["forecast_date"]})
        elig = self.universe.eligible(t).reindex(exposures.index).fillna(False).astype(bool)
        m = security_forecasts(fc, exposures).where(elig)
        sd = m.std()
        score = ((m - m.mean()) / sd).fillna(0.0) if sd and sd > 0 else m * 0.0
        h = float(fc["horizon_days"].iloc[0])
        vol = returns.std().reindex(exposures.index)
        alpha = (sk["ic_used"] * vol * score / np.sqrt(h)).fillna(0.0)
        sk["mean_abs_alpha_annual"] = float(alpha.abs().mean() * TRADING_DAYS)
        return SignalResult(alpha, {"source": "forecast", "sources": [sk], "forecast_date": sk["forecast_date"]})
