"""Alternative allocators from riskfolio-lib, for comparison in the backtest report (never the fund's policy).

Each is a policy with the optimizer's interface (``decide(t, w0, nav_usd) -> Decision``) so the backtester runs it
with the same simulator, share rounding, participation cap and cost model. Inputs: daily returns of the
``window`` trading days strictly before ``t``, securities with a complete window and eligible on ``t``. Weights are
long-only and scaled to ``1 - cash_buffer``.

* ``risk_parity``: equal risk contributions under the sample covariance (``Portfolio.rp_optimization``, rm='MV').
* ``hrp``: hierarchical risk parity (Lopez de Prado 2016; ``HCPortfolio.optimization(model='HRP')``).
* ``mean_cvar``: maximum return / CVaR(95%) ratio on historical scenarios (``Portfolio.optimization``, rm='CVaR').
"""
from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from .optimizer import Decision
from .universe import Universe

ALLOCATORS = ("risk_parity", "hrp", "mean_cvar")


class AlternativePolicy:
    def __init__(self, universe: Universe, method: str, window: int = 252, cash_buffer: float = 0.02) -> None:
        if method not in ALLOCATORS:
            raise ValueError(f"method must be one of {ALLOCATORS}, got method={method!r}")
        self.universe, self.method, self.window, self.cash_buffer = universe, method, window, cash_buffer
        self.last_day: dict = {}

    def decide(self, t, w0: pd.Series, nav_usd: float) -> Decision:
        import riskfolio as rp

        t = pd.Timestamp(t)
        hist = self.universe.history(t, self.window + 1)
        rets = hist.pct_change(fill_method=None).iloc[1:]
        ok = rets.notna().all() & self.universe.eligible(t).reindex(rets.columns).fillna(False)
        r = rets.loc[:, ok]
        t0 = time.perf_counter()
        w = None
        if r.shape[1] >= 2:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    if self.method == "hrp":
                        w = rp.HCPortfolio(returns=r).optimization(model="HRP", codependence="pearson", rm="MV",
                                                                   rf=0, linkage="single", leaf_order=True)
                    else:
                        port = rp.Portfolio(returns=r)
                        port.assets_stats(method_mu="hist", method_cov="hist")
                        if self.method == "risk_parity":
                            w = port.rp_optimization(model="Classic", rm="MV", rf=0, b=None, hist=True)
                        else:
                            w = port.optimization(model="Classic", rm="CVaR", obj="Sharpe", rf=0, l=0, hist=True)
                except Exception:  # riskfolio raises bare exceptions from its solvers; keep previous, said below
                    w = None
        ms = (time.perf_counter() - t0) * 1e3
        prev = w0.reindex(self.universe.identifiers).fillna(0.0)
        if w is None or w.isna().all().all():
            return Decision(str(t.date()), prev, "solver_failed_kept_previous", None, ms, [], {}, [
                f"riskfolio {self.method} returned no weights; previous weights kept"])
        ws = w.iloc[:, 0].clip(lower=0)
        ws = ws / ws.sum() * (1 - self.cash_buffer)
        return Decision(str(t.date()), ws.reindex(self.universe.identifiers).fillna(0.0), "optimal", "riskfolio",
                        ms, [], {"source": self.method}, [])
