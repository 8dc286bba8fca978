"""Fund mandates: versioned, prospectus-like configuration of a fund, and its benchmark in the universe's terms.

A mandate is a JSON file ``portfolio/mandates/<universe>_v<major>.json`` (beside the compliance rules,
``compliance/config/rules_v1.json``) with

* ``name``, ``objective``, ``universe``, ``version`` (semantic), ``effective_date``;
* ``names_policy``: the 80% investment policy that matches the name (Investment Company Act Rule 35d-1): at least
  ``min_weight`` of net assets in the ``qualifying_basket``, defined explicitly by security type
  (``security_type``) and, for sector funds, a GICS sector (``gics_sector_required``). Enforced as a hard
  (prospectus) row ``sum_{i in basket} w_i >= min_weight`` of the program;
* ``benchmark``: a total-return proxy (``ticker``, adjusted closes: dividends reinvested), how its weights are
  expressed over the universe (``weights.method``, a key of :data:`BENCHMARK_METHODS`) and where its daily return
  comes from (``returns``: ``ticker``, the proxy's adjusted closes, default; or ``constituents``, the weights times
  the constituents' adjusted-close returns, :meth:`portfolio.benchmark.CapWeighted.total_returns`, with the proxy
  kept as a sanity comparison); ``label`` names it in reports (default the ticker);
* ``risk``: ex-ante tracking-error budget (annual, default 3%), active risk aversion ``lambda``, the maximum
  active weight of one security, two-sided, ``|w_i - b_i| <= m_s`` (the underweight side yields to a regulatory,
  prospectus or internal cap below ``b_i - m_s``: the compliant bound wins), and the maximum active weight of one
  BEA industry ``|E'(w - b)|_k <= m_k``;
* ``turnover_budget_per_rebalance`` (one-way), ``cash_buffer``, ``rebalance_every_days`` (cadence), ``cost_model``
  (the transaction and holding cost terms of :mod:`portfolio.costs` and the trade aversion), ``signals`` (IC
  shrinkage, :mod:`portfolio.skill`).

Benchmark weights are a function of the decision date (``Callable[[Timestamp], BenchmarkComposition]``), so a
universe plugs in its own composition: the registry maps a method name to a factory
``factory(mandate, universe, benchmark_returns) -> callable``.

Methods: ``cap_weighted`` (point-in-time market-cap weights of an index's members, :mod:`portfolio.benchmark`) and
``style_replica`` (Sharpe 1992 return-based style analysis): for decision date ``t``, with ``R`` the daily returns
of the basket's eligible funds (``basket_sponsor``) and ``r_b`` the benchmark's over the ``window_days`` trading
days before ``t`` (rows where every selected fund and the benchmark have a return; funds with fewer than
``min_obs`` returns are left out),

    b = argmin ||R b - r_b||^2   subject to   b >= 0,  1'b = 1,

the long-only, fully invested combination of the funds that tracks the benchmark best; its residual
``std(R b - r_b) sqrt(252)`` is reported as the replication error. Only prices dated strictly before ``t`` enter.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from scipy import optimize

from ingest.errors import IngestError

from .benchmark import BenchmarkComposition, CapWeighted

MANDATES_DIR = Path(__file__).resolve().parent / "mandates"
SCHEMA = "econgraph.mandate/1"
TRADING_DAYS = 252


class MandateError(IngestError):
    """A mandate file is malformed (names the file, the field and what was expected)."""


@dataclass(frozen=True)
class Mandate:
    mandate_id: str
    version: str
    effective_date: str
    name: str
    universe: str
    objective: str
    names_policy: dict
    benchmark: dict
    tracking_error_budget: float
    active_risk_aversion: float
    max_active_weight_security: float
    max_active_weight_industry: float
    turnover_budget: float
    cash_buffer: float
    rebalance_every_days: int
    cost_model: dict
    signals: dict
    compliance_rules: str
    path: str
    sha256: str
    raw: dict = field(repr=False, default_factory=dict)

    @property
    def label(self) -> str:
        """``<mandate_id>@<version>``: the tag every book, report and journal record carries."""
        return f"{self.mandate_id}@{self.version}"

    @property
    def benchmark_ticker(self) -> str:
        return str(self.benchmark["ticker"])

    @property
    def benchmark_label(self) -> str:
        """What the reports call the benchmark: ``benchmark.label``, else the proxy's ticker."""
        return str(self.benchmark.get("label") or self.benchmark["ticker"])

    @property
    def benchmark_from_constituents(self) -> bool:
        """True where the benchmark's return is its weights times the constituents' returns (not the proxy's)."""
        return self.benchmark.get("returns", "ticker") == "constituents"
    def summary(self) -> dict[str, Any]:
        """The JSON the API, reports and portfolio outputs carry."""
        return {"mandate": self.label, "mandate_id": self.mandate_id, "version": self.version,
                "effective_date": self.effective_date, "name": self.name, "universe": self.universe,
                "objective": self.objective, "names_policy": self.names_policy, "benchmark": self.benchmark,
                "tracking_error_budget": self.tracking_error_budget,
                "active_risk_aversion": self.active_risk_aversion,
                "max_active_weight_security": self.max_active_weight_security,
                "max_active_weight_industry": self.max_active_weight_industry,
                "turnover_budget": self.turnover_budget, "cash_buffer": self.cash_buffer,
                "rebalance_every_days": self.rebalance_every_days, "cost_model": self.cost_model,
                "signals": self.signals, "compliance_rules": self.compliance_rules, "sha256": self.sha256,
                "path": self.path}

    def qualifying(self, securities: pd.DataFrame) -> np.ndarray:
        """Boolean mask over ``securities`` (the universe's master): members of the names-policy basket."""
        basket = self.names_policy["qualifying_basket"]
        ok = np.array(securities["type"].isin(basket["security_type"]), dtype=bool)
        if basket.get("gics_sector_required"):
            sector = securities["gics_sector"]
            ok = ok & np.array(sector.notna(), dtype=bool) & np.array(sector.astype(str).str.strip() != "", dtype=bool)
        return ok


def _get(d: dict, key: str, path: Path, kind, where: str = "") -> Any:
    name = f"{where}{key}"
    if key not in d:
        raise MandateError("missing field", path=path, column=name, expected=kind.__name__
                           if isinstance(kind, type) else str(kind))
    v = d[key]
    if kind is float:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
            raise MandateError("not a number", path=path, column=name, expected="a finite number", got=v)
        return float(v)
    if kind is int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise MandateError("not an integer", path=path, column=name, expected="an integer", got=v)
        return v
    if not isinstance(v, kind):
        raise MandateError("wrong type", path=path, column=name, expected=kind.__name__, got=v)
    return v


def _fraction(v: float, path: Path, name: str, lo: float = 0.0, hi: float = 1.0, open_lo: bool = False) -> float:
    if v < lo or v > hi or (open_lo and v == lo):
        raise MandateError("out of range", path=path, column=name,
                           expected=f"a fraction in {'(' if open_lo else '['}{lo}, {hi}]", got=v)
    return v


def load_mandate(path: str | Path) -> Mandate:
    """Read and validate one mandate file."""
    path = Path(path)
    if not path.exists():
        raise MandateError("mandate file not found", path=path)
    text = path.read_bytes()
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MandateError(f"invalid JSON ({exc.msg})", path=path, row=exc.lineno) from exc
    if not isinstance(d, dict):
        raise MandateError("not a JSON object", path=path, expected="an object", got=type(d).__name__)
    if d.get("schema") != SCHEMA:
        raise MandateError("unknown schema", path=path, column="schema", expected=SCHEMA, got=d.get("schema"))
    version = _get(d, "version", path, str)
    if len(version.split(".")) != 3 or not all(p.isdigit() for p in version.split(".")):
        raise MandateError("bad version", path=path, column="version", expected="MAJOR.MINOR.PATCH", got=version)
    eff = _get(d, "effective_date", path, str)
    try:
        pd.Timestamp(eff)
    except ValueError as exc:
        raise MandateError("bad date", path=path, column="effective_date", expected="an ISO date", got=eff) from exc
    names = _get(d, "names_policy", path, dict)
    _fraction(_get(names, "min_weight", path, float, "names_policy."), path, "names_policy.min_weight")
    basket = _get(names, "qualifying_basket", path, dict, "names_policy.")
    types = _get(basket, "security_type", path, list, "names_policy.qualifying_basket.")
    if not types or not set(types) <= {"etf", "stock"}:
        raise MandateError("bad security types", path=path, column="names_policy.qualifying_basket.security_type",
                           expected="a non-empty subset of ['etf', 'stock']", got=types)
    bench = _get(d, "benchmark", path, dict)
    _get(bench, "ticker", path, str, "benchmark.")
    if bench.get("returns", "ticker") not in ("ticker", "constituents"):
        raise MandateError("unknown benchmark returns", path=path, column="benchmark.returns",
                           expected="ticker | constituents", got=bench.get("returns"))
    bw = _get(bench, "weights", path, dict, "benchmark.")
    method = _get(bw, "method", path, str, "benchmark.weights.")
    if method not in BENCHMARK_METHODS:
        raise MandateError("unknown benchmark weights method", path=path, column="benchmark.weights.method",
                           expected=" | ".join(sorted(BENCHMARK_METHODS)), got=method)
    risk = _get(d, "risk", path, dict)
    te = _fraction(_get(risk, "tracking_error_budget_annual", path, float, "risk."), path,
                   "risk.tracking_error_budget_annual", open_lo=True)
    lam = _get(risk, "active_risk_aversion", path, float, "risk.")
    if lam < 0:
        raise MandateError("negative", path=path, column="risk.active_risk_aversion", expected=">= 0", got=lam)
    every = _get(d, "rebalance_every_days", path, int)
    if every < 1:
        raise MandateError("non-positive", path=path, column="rebalance_every_days", expected=">= 1", got=every)
    cost = _get(d, "cost_model", path, dict)
    _get(cost, "trade_aversion", path, float, "cost_model.")
    sig = _get(d, "signals", path, dict)
    for k in ("ic_prior_obs", "ic_min_obs"):
        if _get(sig, k, path, int, "signals.") < 0:
            raise MandateError("negative", path=path, column=f"signals.{k}", expected=">= 0", got=sig[k])
    _get(sig, "ic_min_t", path, float, "signals.")
    return Mandate(
        mandate_id=_get(d, "mandate_id", path, str), version=version, effective_date=eff,
        name=_get(d, "name", path, str), universe=_get(d, "universe", path, str),
        objective=_get(d, "objective", path, str), names_policy=names, benchmark=bench,
        tracking_error_budget=te, active_risk_aversion=lam,
        max_active_weight_security=_fraction(_get(risk, "max_active_weight_security", path, float, "risk."), path,
                                             "risk.max_active_weight_security", open_lo=True),
        max_active_weight_industry=_fraction(_get(risk, "max_active_weight_industry", path, float, "risk."), path,
                                             "risk.max_active_weight_industry", open_lo=True),
        turnover_budget=_fraction(_get(d, "turnover_budget_per_rebalance", path, float), path,
                                  "turnover_budget_per_rebalance", open_lo=True),
        cash_buffer=_fraction(_get(d, "cash_buffer", path, float), path, "cash_buffer", hi=0.5),
        rebalance_every_days=every, cost_model=cost, signals=sig,
        compliance_rules=_get(d, "compliance_rules", path, str), path=str(path),
        sha256=hashlib.sha256(text).hexdigest(), raw=d)


def _version_key(m: Mandate) -> tuple[int, ...]:
    return tuple(int(p) for p in m.version.split("."))


def list_mandates(directory: str | Path = MANDATES_DIR) -> list[Mandate]:
    """Every mandate file of ``directory``, by universe then version."""
    out = [load_mandate(p) for p in sorted(Path(directory).glob("*.json"))]
    return sorted(out, key=lambda m: (m.universe, _version_key(m)))


def mandate_for(universe: str, directory: str | Path = MANDATES_DIR) -> Mandate | None:
    """The latest version of the universe's mandate (None where the universe has none)."""
    ms = [m for m in list_mandates(directory) if m.universe == universe]
    return ms[-1] if ms else None


# ------------------------------------------------------------------------------------------------ benchmark
def benchmark_returns(warehouse, ticker: str) -> pd.Series:
    """Daily total returns of the benchmark proxy from the ETF price panel (adjusted closes)."""
    px = warehouse.read("market_etf_prices", columns=["date", "ticker", "adj_close_usd"])
    s = px[px["ticker"] == ticker].set_index("date")["adj_close_usd"].sort_index()
    if s.empty:
        raise MandateError(f"benchmark {ticker} has no prices in market_etf_prices", column="benchmark.ticker",
                           got=ticker)
    return s.pct_change(fill_method=None).iloc[1:].rename(ticker)


class StyleReplica:
    """``style_replica``: the basket combination that tracks the benchmark best over the window before ``t``."""

    def __init__(self, mandate: Mandate, universe, bench_returns: pd.Series) -> None:
        cfg = mandate.benchmark["weights"]
        self.universe, self.bench = universe, bench_returns
        self.window, self.min_obs = int(cfg.get("window_days", 252)), int(cfg.get("min_obs", 126))
        sponsor = cfg.get("basket_sponsor")
        sec = universe.securities
        self.basket = list(sec.index[sec["sponsor"] == sponsor]) if sponsor else list(sec.index)
        if not self.basket:
            raise MandateError("benchmark replica basket is empty", path=mandate.path,
                               column="benchmark.weights.basket_sponsor", got=sponsor)
        self._cache: dict[pd.Timestamp, BenchmarkComposition] = {}

    def __call__(self, t: pd.Timestamp) -> BenchmarkComposition:
        t = pd.Timestamp(t)
        if t in self._cache:
            return self._cache[t]
        hist = self.universe.history(t, self.window + 1)[self.basket]
        r = hist.pct_change(fill_method=None).iloc[1:]
        elig = self.universe.eligible(t).reindex(self.basket).fillna(False).astype(bool)
        counts = r.notna().sum()
        cols = [c for c in self.basket if elig[c] and counts[c] >= self.min_obs]
        rb = self.bench[self.bench.index < t].reindex(r.index)
        X = r[cols].assign(_b=rb).dropna()
        if not cols or len(X) < self.min_obs:
            raise MandateError(f"benchmark replica for {t.date()}: {len(X)} complete days of basket and "
                               f"benchmark returns before the date", expected=f">= {self.min_obs}")
        R, y = X[cols].to_numpy(float), X["_b"].to_numpy(float)
        k = len(cols)
        G, g = R.T @ R, R.T @ y
        res = optimize.minimize(lambda b: b @ G @ b - 2 * g @ b, np.full(k, 1 / k), jac=lambda b: 2 * (G @ b - g),
                                bounds=[(0, 1)] * k, constraints=[{"type": "eq", "fun": lambda b: b.sum() - 1,
                                                                   "jac": lambda b: np.ones(k)}],
                                method="SLSQP", options={"ftol": 1e-14, "maxiter": 500})
        if not res.success:
            raise MandateError(f"benchmark replica for {t.date()}: the least-squares solve failed ({res.message})")
        bw = np.clip(res.x, 0, None)
        bw = bw / bw.sum()
        resid = R @ bw - y
        w = pd.Series(0.0, index=self.universe.identifiers)
        w[cols] = bw
        out = BenchmarkComposition(w, {"method": "style_replica", "n_funds": len(cols), "n_days": int(len(X)),
                                       "replication_te_annual": float(resid.std() * np.sqrt(TRADING_DAYS)),
                                       "r2": float(1 - resid.var() / y.var()) if y.var() > 0 else float("nan")})
        self._cache[t] = out
        return out


#: method name -> factory(mandate, universe, benchmark_returns) -> Callable[[Timestamp], BenchmarkComposition].
#: ``cap_weighted``: point-in-time index cap weights (:mod:`portfolio.benchmark`).
BENCHMARK_METHODS: dict[str, Callable[..., Callable[[pd.Timestamp], BenchmarkComposition]]] = {
    "style_replica": StyleReplica,
    "cap_weighted": CapWeighted,
}


def benchmark_weights_fn(mandate: Mandate, universe, bench_returns: pd.Series
                         ) -> Callable[[pd.Timestamp], BenchmarkComposition]:
    return BENCHMARK_METHODS[mandate.benchmark["weights"]["method"]](mandate, universe, bench_returns)


def benchmark_return_series(mandate: Mandate, warehouse, bench_fn) -> pd.Series:
    """The benchmark's daily total return: the constituents' (``benchmark.returns = constituents``: ``bench_fn``
    must offer ``total_returns()``) or the proxy ticker's adjusted closes."""
    if mandate.benchmark_from_constituents:
        if not hasattr(bench_fn, "total_returns"):
            raise MandateError("benchmark returns from constituents need a weights method that builds them",
                               path=mandate.path, column="benchmark.returns", expected="ticker",
                               got="constituents")
        return bench_fn.total_returns()
    return benchmark_returns(warehouse, mandate.benchmark_ticker)
