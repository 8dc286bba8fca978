"""Expected returns: industry return forecasts mapped through exposures, shrunk toward a prior.

Forecast table (e.g. the GNN's output, ``gnn/predict.py``): one row per (``date``, ``bea_code``) with ``date`` the
day the forecast became available, ``horizon_days`` (optional, default 63 trading days = one quarter) and either
quantile columns ``q05 ... q95`` (``q50`` is used) or ``median``, as total returns over the horizon in decimal.

For a decision date ``t`` the latest forecast dated strictly before ``t`` and not yet expired is used. A forecast
expires at the end of its horizon: the last day of its decision ``quarter`` when the table has that column (the GNN's
forecast for 2025Q1 serves through 2025-03-31, never into 2025Q2), else ``date`` + ``horizon_days`` business days.
``max_age_days`` (default none) caps the age further:

* industry daily mean ``f_k = median_k / horizon_days``;
* security forecast ``m_i = sum_k E_ik f_k + (1 - sum_{k in F} E_ik) prior_i`` (``E`` exposures, ``F`` the
  industries with a forecast; exposure to industries without one is filled with the prior);
* shrinkage ``mu_i = lambda m_i + (1 - lambda) prior_i`` with ``lambda = shrinkage``.

Prior and fallback (used alone, and flagged ``source = "prior_fallback"``, when no forecast exists for ``t``):
CAPM, ``prior_i = rf_t + beta_i * ERP / 252`` where ``rf_t`` is the mean daily risk-free rate of the 21 latest
Fama-French daily rows published before ``t`` (0 and flagged if none), ``ERP`` the annual equity premium
(default 5%) and ``beta_i`` the OLS beta on the market proxy over the risk window, shrunk toward 1
(``beta <- 2/3 beta + 1/3``). Market proxy: SPY's returns when present in ``market_returns``, else the universe's
equal-weighted return. Units: daily decimal returns.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

QUANTILE_COLUMNS = ("q05", "q10", "q25", "q50", "q75", "q90", "q95")


@dataclass
class SignalResult:
    mu: pd.Series
    info: dict = field(default_factory=dict)


def validate_forecasts(df: pd.DataFrame) -> pd.DataFrame:
    """Check the forecast table's columns; returns ``date, bea_code, horizon_days, median``."""
    need = {"date", "bea_code"}
    if not need <= set(df.columns):
        raise ValueError(f"forecasts need columns date, bea_code and q50 or median; got {sorted(df.columns)}")
    if "q50" in df.columns:
        med = df["q50"]
    elif "median" in df.columns:
        med = df["median"]
    else:
        raise ValueError(f"forecasts need a q50 or median column; got {sorted(df.columns)}")
    out = pd.DataFrame({"date": pd.to_datetime(df["date"]), "bea_code": df["bea_code"].astype(str),
                        "horizon_days": df["horizon_days"] if "horizon_days" in df.columns else 63,
                        "median": pd.to_numeric(med, errors="coerce")})
    if out["median"].isna().any() or (out["horizon_days"] <= 0).any():
        raise ValueError("forecasts contain a missing median or a non-positive horizon_days")
    out["expires"] = forecast_expiry(out["date"], out["horizon_days"],
                                     df["quarter"] if "quarter" in df.columns else None)
    return out


def forecast_expiry(date: pd.Series, horizon_days: pd.Series, quarter: pd.Series | None = None) -> pd.Series:
    """Last day a forecast may be used: the end of its decision quarter, else ``date`` + ``horizon_days`` business
    days (the end of its horizon)."""
    if quarter is not None:
        return pd.Series([pd.Period(str(q), freq="Q").end_time.normalize() for q in quarter], index=date.index)
    return pd.Series([d + pd.offsets.BDay(int(h)) for d, h in zip(date, horizon_days)], index=date.index)


class ExpectedReturns:
    def __init__(self, forecasts: pd.DataFrame | None = None, shrinkage: float = 0.5,
                 equity_premium_annual: float = 0.05, max_age_days: int | None = None) -> None:
        if not 0 <= shrinkage <= 1:
            raise ValueError(f"shrinkage must be in [0, 1], got shrinkage={shrinkage}")
        self.forecasts = validate_forecasts(forecasts) if forecasts is not None else None
        self.shrinkage, self.erp, self.max_age_days = shrinkage, equity_premium_annual, max_age_days

    def prior(self, returns: pd.DataFrame, rf_daily: float, market: pd.Series | None) -> pd.Series:
        r = returns.to_numpy(float)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns/rows: handled below
            mkt = (market.reindex(returns.index).to_numpy(float) if market is not None
                   else np.nanmean(r, axis=1) if r.size else np.zeros(len(returns)))
            # pairwise-complete moments, as pandas' skipna sums: NaN returns contribute nothing
            x = mkt - np.nanmean(mkt) if np.isfinite(mkt).any() else np.full(len(mkt), np.nan)
            x = np.where(np.isfinite(x), x, 0.0)
            var = float((x * x).sum())
            dev = r - np.nanmean(r, axis=0)
            cov = np.nansum(dev * x[:, None], axis=0)
        count = np.isfinite(r).sum(axis=0)
        beta = cov / var if var > 0 else np.ones(r.shape[1])
        beta = np.where(count > 20, beta, 1.0)
        beta = (2 / 3) * beta + 1 / 3
        return pd.Series(rf_daily + beta * self.erp / 252, index=returns.columns)

    def estimate(self, t: pd.Timestamp, exposures: pd.DataFrame, returns: pd.DataFrame, rf_daily: float | None,
                 market: pd.Series | None = None) -> SignalResult:
        """``returns``: daily returns before ``t`` (the risk window); ``exposures``: identifier x BEA code."""
        info: dict = {"rf_daily": rf_daily if rf_daily is not None else 0.0, "rf_missing": rf_daily is None,
                      "market_proxy": "SPY" if market is not None else "universe equal weight"}
        prior = self.prior(returns, info["rf_daily"], market).reindex(exposures.index).fillna(info["rf_daily"])
        fc = self._latest(t)
        if fc is None:
            info.update(source="prior_fallback", forecast_date=None,
                        note="no unexpired forecast dated before t: CAPM prior used")
            return SignalResult(prior, info)
        f = (fc.set_index("bea_code")["median"] / fc.set_index("bea_code")["horizon_days"])
        e = exposures.reindex(columns=f.index, fill_value=0.0)
        covered = e.sum(axis=1)
        m = e.to_numpy() @ f.to_numpy() + (1 - covered.to_numpy()) * prior.to_numpy()
        mu = self.shrinkage * pd.Series(m, index=exposures.index) + (1 - self.shrinkage) * prior
        info.update(source="forecast", forecast_date=str(fc["date"].iloc[0].date()),
                    n_industries=int(len(f)), shrinkage=self.shrinkage)
        return SignalResult(mu, info)

    def _latest(self, t: pd.Timestamp) -> pd.DataFrame | None:
        if self.forecasts is None:
            return None
        ok = (self.forecasts["date"] < t) & (t <= self.forecasts["expires"])
        if self.max_age_days is not None:
            ok &= self.forecasts["date"] >= t - pd.Timedelta(days=self.max_age_days)
        f = self.forecasts[ok]
        if f.empty:
            return None
        return f[f["date"] == f["date"].max()]


def risk_free_daily(ff_factors: pd.DataFrame | None, t: pd.Timestamp) -> float | None:
    """Mean daily RF of the 21 latest Fama-French daily rows published before ``t`` (None if none)."""
    if ff_factors is None or ff_factors.empty:
        return None
    d = ff_factors[(ff_factors["dataset"] == "ff_daily") & (ff_factors["published_date"] < t)]
    if d.empty:
        return None
    return float(d.sort_values("date")["rf"].iloc[-21:].mean())
