"""The daily allocation program, compiled once per universe (cvxportfolio's pattern).

Variables: target weights ``w`` (fractions of NAV, one per security of the universe) and ``u >= |z|`` for the
trades ``z = w - w0`` (an affine expression; ``u`` is shared by every term that needs ``|z|``, and the 3/2-power
impact cost is a nonnegative Parameter times a convex atom of ``u``: DPP).

    maximize   mu'w - gamma_risk (||B'w||^2 + ||sqrt(d) * w||^2) - gamma_trade TC(u) - h'w
    subject to u >= w - w0,  u >= w0 - w,  w >= 0                     trades, long-only
               1'w <= 1 - cash_buffer                                 cash buffer (hard)
               1'w >= min_invested                                    fully invested   (internal, relaxable)
               w <= min(ub_hard, position_cap, ub_internal)           eligibility and per-security regulatory
                                                                      bounds; position cap and compiled internal
                                                                      bounds (internal; each term kept apart)
               A_hard w <= b_hard                                     compiled regulatory / prospectus rules
               A_internal w <= b_internal                             compiled internal rules (internal)
               1/2 sum(u) <= turnover_cap                             (internal)
               u <= participation * ADV_usd / NAV                     (internal; no cap where volume is unknown)

The cost is increasing in ``u``, so ``u = |z|`` at the optimum wherever a cost coefficient is positive; the
feasible set of ``w`` is the same as with ``|z|`` itself in the turnover and participation limits.

Every number above is a cvxpy Parameter owned by its term; a day only sets values (``Policy.decide``). The
compliance rows are read back from :mod:`compliance.compile` each day (:mod:`portfolio.fund_rules`) into
fixed-capacity parameter blocks; a day with more rows than the capacity rebuilds the program once with twice the
capacity (recorded in ``notes``).

Large compliance row blocks: cvxpy's one-time DPP compilation grows with the entries of the matrix Parameters; above
:data:`DPP_MAX_ROW_ENTRIES` (n x rows, e.g. the S&P 500 under ``enforce``: 500 x 130) it takes minutes while
canonicalizing the same program with the day's values takes a fraction of a second, so such a program is solved with
``ignore_dpp`` (same program, same Parameters; measured in bench/bench_optimizer.py ``--sp500``).

Benchmark-relative mode (a :class:`portfolio.mandate.Mandate` and a benchmark-weights function ``b(t)``): the same
variables, terms and limits, with the objective and the mandate's rows stated on the active weights ``a = w - b``
(``b`` from :mod:`portfolio.mandate`, ``mu`` the skill-scaled alpha of :mod:`portfolio.skill`, zero without skill):

    maximize   alpha'w - lambda (||B'w - B'b||^2 + ||sqrt(d) * w - sqrt(d) * b||^2) - (gamma_trade TC(u)) / H - h'w
    subject to (every constraint above)
               ||B'a||^2 + ||sqrt(d) * a||^2 <= TE^2 / 252                ex-ante tracking-error budget (internal)
               min(max(b - m_s, 0), ub) <= w <= b + m_s                   maximum active weight per security, two-sided
                                                                          (internal; the underweight side yields to
                                                                          the per-security caps ub above)
               -m_k <= E'(w - b) <= m_k                                   maximum active weight per BEA industry
                                                                          (internal)
               q'w >= names_min                                           the 80% names policy (prospectus: hard)

``lambda`` the mandate's active risk aversion, ``H`` its rebalance interval in trading days (a trade's cost is paid
once and amortised over the days the book is held), ``E`` the exposures, ``q`` the qualifying basket. ``B'b`` and
``sqrt(d) * b`` are Parameters of their own (a Parameter times a Parameter is not DPP). Without alpha the program
returns the closest compliant replica of the benchmark (minimum active variance net of costs under every limit).
Its ex-ante tracking error is the tracking cost of compliance (and of the other limits); every decision records it,
the binding constraints (nonzero dual values) and the largest active positions with what drove each.

Solvers: Clarabel, then ECOS, then SCS. An infeasible day relaxes the internal limits one by one in the declared
order :data:`RELAX_ORDER` (never a regulatory or prospectus one; ``min_invested`` is lowered in steps of
:data:`MIN_INVESTED_STEP`, the others are lifted) and records what was relaxed; if it is still
infeasible, or every solver fails, the previous weights are kept and the status says so.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import cvxpy as cp
import numpy as np
import pandas as pd

from . import fund_rules
from .costs import HoldingCost, TransactionCost
from .risk import StatisticalRiskModel
from .signals import ExpectedReturns, risk_free_daily
from .universe import Universe

SOLVERS = ("CLARABEL", "ECOS", "SCS")
#: Internal limits relaxed on an infeasible day, first to last. Regulatory/prospectus limits are never relaxed.
RELAX_ORDER = ("turnover", "participation", "compliance_internal", "position_cap", "min_invested")
#: the same in benchmark-relative mode: the mandate's internal limits come before the investment level
RELAX_ORDER_BENCHMARK = ("turnover", "participation", "compliance_internal", "position_cap", "industry_active",
                         "security_active", "tracking_error", "min_invested")
BIG = 1e3
#: above this many entries in the compliance row Parameters (n x (hard + internal rows)), solve with ignore_dpp
DPP_MAX_ROW_ENTRIES = 20_000
MIN_INVESTED_STEP = 0.05
TRADING_DAYS = 252
COMPLIANCE_MODES = ("enforce", "evaluable", "report", "off")
#: modes whose program carries the compiled fund rules
COMPILED_MODES = ("enforce", "evaluable")


@dataclass
class PolicyConfig:
    risk_aversion: float = 5.0
    trade_aversion: float = 1.0
    cash_buffer: float = 0.02  # cash kept for costs and flows (fraction of NAV)
    invested_tolerance: float = 0.01  # min_invested = 1 - cash_buffer - invested_tolerance
    position_cap: float = 0.09  # internal, below the prospectus 10% issuer limit
    turnover_cap: float = 0.20  # one-way, per rebalance
    participation: float = 0.10  # of ADV per day
    #: enforce: compiled rules with missing data as the worst case (trading); evaluable: compiled rules where their
    #: data exist, the rest reported not_evaluable (research backtests); report: checker only; off: neither
    compliance: str = "enforce"
    compliance_overrides: dict = field(default_factory=dict)
    rows_capacity: int = 16  # initial capacity of each compliance row block (grows on demand)


@dataclass
class Decision:
    date: str
    weights: pd.Series
    status: str  # optimal | relaxed | infeasible_kept_previous | solver_failed_kept_previous
    solver: str | None
    solve_ms: float
    relaxed: list[str]
    signal: dict
    notes: list[str]
    objective: float | None = None
    #: benchmark-relative mode: benchmark weights, ex-ante tracking error, binding constraints, largest active
    #: positions with their drivers (:meth:`Policy.active_report`)
    active: dict | None = None


class Policy:
    """Returns target weights for a date; the caller (rebalance, backtester) owns holdings, rounding and cash."""

    def __init__(self, universe: Universe, config: PolicyConfig | None = None,
                 signals: ExpectedReturns | None = None, risk_model: StatisticalRiskModel | None = None,
                 ff_factors: pd.DataFrame | None = None, market_returns: pd.Series | None = None,
                 mandate=None, benchmark: Callable[[pd.Timestamp], Any] | None = None) -> None:
        self.universe = universe
        self.config = config or PolicyConfig()
        if (mandate is None) != (benchmark is None):
            raise ValueError("benchmark-relative mode needs both a mandate and a benchmark-weights function")
        self.mandate, self.benchmark = mandate, benchmark
        self.relative = mandate is not None
        if self.relative:
            # E_t = diag(late_t) E_base + diag(1 - late_t) E_final (a row is its crosswalk until its holdings scrape is
            # known): constant matrices times Parameter-scaled weights keep the industry rows DPP with n parameters
            # per row block instead of m x n
            final = universe.exposures
            base = universe.base_exposures if universe.base_exposures is not None else final
            cols = [c for c in final.columns if final[c].abs().sum() > 0]
            cols += [c for c in base.columns if c not in cols and base[c].abs().sum() > 0]
            self.industries = cols
            self.E_final = final.reindex(index=universe.index, columns=cols).fillna(0.0).to_numpy(float)
            self.E_base = base.reindex(index=universe.index, columns=cols).fillna(0.0).to_numpy(float)
            self.qualifying = mandate.qualifying(universe.securities).astype(float)
        if self.config.compliance not in COMPLIANCE_MODES:
            raise ValueError(f"compliance must be one of {', '.join(COMPLIANCE_MODES)}, got "
                             f"{self.config.compliance!r}")
        self.signals = signals or ExpectedReturns()
        self.risk_model = risk_model or StatisticalRiskModel()
        self.ff_factors = ff_factors
        self.market_returns = market_returns
        self.rules = fund_rules.rules_for(universe.name, self.config.compliance_overrides) \
            if self.config.compliance != "off" else None
        self.n = len(universe.identifiers)
        self.tcost, self.hcost = TransactionCost(), HoldingCost()
        cap = self.config.rows_capacity if self.config.compliance in COMPILED_MODES else 0
        self._build(cap, cap)
        self._solve_hook: Callable[[str], None] | None = None  # tests: simulate solver failures
        self.last_day: dict[str, Any] = {}

    # ------------------------------------------------------------------------------------------------ program
    def _build(self, cap_hard: int, cap_int: int) -> None:
        n, k = self.n, self.risk_model.n_factors
        self.cap_hard, self.cap_int = cap_hard, cap_int
        self.ignore_dpp = n * (cap_hard + cap_int) > DPP_MAX_ROW_ENTRIES
        # the trade z = w - w0 is an affine expression of the weights (not a second variable: n fewer unknowns and
        # equalities); u >= |z| is stated once and shared by the cost, turnover and participation terms
        self.w = cp.Variable(n, name="w")
        self.u = cp.Variable(n, name="abs_trades")  # u >= |z| >= 0 already
        P = cp.Parameter
        self.p = {
            "w0": P(n, name="w0"), "mu": P(n, name="mu"), "Bt": P((k, n), name="loadings_t"),
            "d_sqrt": P(n, nonneg=True, name="idio_sd"), "max_invested": P(nonneg=True, name="max_invested"),
            "min_invested": P(name="min_invested"),
            # one per-security upper bound: min(hard bound, position cap, compiled internal bound); the three terms
            # keep their own values in ``self.bounds`` so a relaxation lifts only its own term
            "ub": P(n, nonneg=True, name="upper_bound"),
            "turnover": P(nonneg=True, name="turnover_cap"), "participation": P(n, nonneg=True, name="part_cap"),
        }
        if cap_hard:
            self.p.update({"a_hard": P((cap_hard, n), name="a_hard"), "b_hard": P(cap_hard, name="b_hard")})
        if cap_int:
            self.p.update({"a_int": P((cap_int, n), name="a_int"), "b_int": P(cap_int, name="b_int")})
        p, w, u = self.p, self.w, self.u
        self.z = z = w - p["w0"]
        self.tcost.initialize(n)
        self.hcost.initialize(n)
        risk = cp.sum_squares(p["Bt"] @ w) + cp.sum_squares(cp.multiply(p["d_sqrt"], w))
        # risk and trade aversions are constants of the compiled program (a Parameter times a Parameter-dependent
        # term would not be DPP); a different aversion is a different Policy.
        cfg = self.config
        if self.relative:
            m, mand = len(self.industries), self.mandate
            p.update({"b_fac": P(k, name="benchmark_factor_exposure"), "b_idio": P(n, name="benchmark_idio"),
                      "te2": P(nonneg=True, name="te_budget_daily_var"),
                      "late": P(n, nonneg=True, name="exposure_is_base"),
                      "known": P(n, nonneg=True, name="exposure_is_final"),
                      "b_ind": P(m, name="benchmark_industry"), "ind_cap": P(nonneg=True, name="industry_cap"),
                      "q": P(n, nonneg=True, name="qualifying"), "names_min": P(nonneg=True, name="names_min"),
                      "lb": P(n, nonneg=True, name="lower_bound")})
            active_risk = cp.sum_squares(p["Bt"] @ w - p["b_fac"]) \
                + cp.sum_squares(cp.multiply(p["d_sqrt"], w) - p["b_idio"])
            self.active_risk = active_risk
            objective = cp.Maximize(p["mu"] @ w - mand.active_risk_aversion * active_risk
                                    - cfg.trade_aversion / mand.rebalance_every_days
                                    * self.tcost.compile(w, z, abs_z=u) - self.hcost.compile(w, z))
        else:
            objective = cp.Maximize(p["mu"] @ w - cfg.risk_aversion * risk
                                    - cfg.trade_aversion * self.tcost.compile(w, z, abs_z=u)
                                    - self.hcost.compile(w, z))
        self.constraints = {
            "long_only": w >= 0, "abs_trades_hi": u >= z, "abs_trades_lo": u >= -z,
            "cash_buffer": cp.sum(w) <= p["max_invested"], "min_invested": cp.sum(w) >= p["min_invested"],
            "upper_bounds": w <= p["ub"],
            "turnover": 0.5 * cp.sum(u) <= p["turnover"], "participation": u <= p["participation"],
        }
        if self.relative:
            ew = self.E_base.T @ cp.multiply(p["late"], w) + self.E_final.T @ cp.multiply(p["known"], w)
            self.constraints.update({
                "tracking_error": self.active_risk <= p["te2"],
                "lower_bounds": p["lb"] <= w,
                "industry_active_hi": ew - p["b_ind"] <= p["ind_cap"],
                "industry_active_lo": p["b_ind"] - ew <= p["ind_cap"],
                "names_policy": p["q"] @ w >= p["names_min"]})
        if cap_hard:
            self.constraints["compliance_hard"] = p["a_hard"] @ w <= p["b_hard"]
        if cap_int:
            self.constraints["compliance_internal"] = p["a_int"] @ w <= p["b_int"]
        self.problem = cp.Problem(objective, list(self.constraints.values()))
        for name, c in self.constraints.items():
            if not c.is_dcp(dpp=True):
                raise ValueError(f"constraint term {name!r} is not DPP; the program cannot be compiled once")
        if not objective.is_dcp(dpp=True):
            raise ValueError("objective is not DPP: check the cost and risk terms")

    # ------------------------------------------------------------------------------------------------ a day
    def prepare(self, t: pd.Timestamp, w0: pd.Series, nav_usd: float) -> dict[str, Any]:
        """Set every Parameter for decision date ``t`` from data dated strictly before ``t``."""
        u, cfg, p = self.universe, self.config, self.p
        hist = u.history(t, self.risk_model.window + 1)
        rets = hist.pct_change(fill_method=None).iloc[1:]
        est = self.risk_model.fit_returns(rets)
        mkt = None
        if self.market_returns is not None:
            mkt = self.market_returns[self.market_returns.index < t].reindex(rets.index)
        rf = risk_free_daily(self.ff_factors, t)
        sig = self.signals.estimate(t, u.exposures_at(t), rets, rf, mkt)
        liq = u.liquidity(t)
        eligible = u.eligible(t) & est.estimable.reindex(u.index).fillna(False)
        w0v = w0.reindex(u.index).fillna(0.0).to_numpy(float)
        p["w0"].value = w0v
        p["mu"].value = sig.mu.reindex(u.index).fillna(0.0).to_numpy(float)
        p["Bt"].value = est.loadings.reindex(u.index).fillna(0.0).to_numpy(float).T
        p["d_sqrt"].value = np.sqrt(est.idio_var.reindex(u.index).to_numpy(float))
        p["max_invested"].value = 1 - cfg.cash_buffer
        p["min_invested"].value = 1 - cfg.cash_buffer - cfg.invested_tolerance

        adv_usd = liq["adv_usd"].to_numpy(float)
        part = np.where(np.isfinite(adv_usd) & (adv_usd > 0), cfg.participation * adv_usd / nav_usd, BIG)
        p["participation"].value = part
        self.tcost.update(liq, est.vol.reindex(u.index), nav_usd)
        self.hcost.update(u.securities["expense_ratio_annual"])
        ub_hard = np.where(eligible.to_numpy(), BIG, 0.0)
        notes: list[str] = []
        turnover = cfg.turnover_cap
        ub_int = np.full(self.n, BIG)
        rows = None
        last = hist.iloc[-1] if len(hist) else pd.Series(np.nan, index=u.index)
        if self.config.compliance in COMPILED_MODES:
            master = u.securities_at(t).join(liq)
            prices = last.reindex(u.index).where(lambda s: s > 0)
            table = fund_rules.securities_table(master, prices.fillna(1.0))
            rows = fund_rules.linear_rows(self.rules, table, w0v, nav_usd,
                                          "skip" if self.config.compliance == "evaluable" else "worst_case",
                                          as_of=t.date())
            ub_hard = np.minimum(ub_hard, np.clip(rows.ub_hard, 0, BIG))
            ub_int = np.clip(rows.ub_internal, 0, BIG)
            if rows.turnover_cap is not None:
                turnover = min(turnover, rows.turnover_cap)
            if len(rows.b_hard) > self.cap_hard or len(rows.b_internal) > self.cap_int:
                notes.append(f"compliance rows ({len(rows.b_hard)} hard, {len(rows.b_internal)} internal) exceeded "
                             f"the capacity; program rebuilt")
                self._build(max(self.cap_hard, 2 * len(rows.b_hard)), max(self.cap_int, 2 * len(rows.b_internal)))
                return self.prepare(t, w0, nav_usd) | {"notes": notes}
        self.bounds = {"hard": ub_hard, "position_cap": np.full(self.n, cfg.position_cap), "internal": ub_int}
        bench_info = None
        if self.relative:
            bench_info = self._prepare_benchmark(t, est)
        self._set_bounds()
        p["turnover"].value = turnover
        self._fill_rows("a_hard", "b_hard", rows.a_hard if rows else None, rows.b_hard if rows else None)
        self._fill_rows("a_int", "b_int", rows.a_internal if rows else None, rows.b_internal if rows else None)
        n_gaps = int(((liq["liquidity_class"].to_numpy() == "unknown") & eligible.to_numpy(bool)).sum())
        if n_gaps:
            notes.append(f"{n_gaps} eligible securities without volume data: no participation cap, linear "
                         f"cost penalty instead of market impact")
        return {"signal": sig.info, "risk_asof": str(est.asof.date()) if pd.notna(est.asof) else None,
                "eligible": eligible, "notes": notes, "prices": last, "liquidity": liq, "sigma": est.vol,
                "benchmark": bench_info, "alpha": p["mu"].value.copy()}

    def _prepare_benchmark(self, t: pd.Timestamp, est) -> dict:
        """Benchmark-relative Parameters for ``t``: benchmark weights and their exposures, the mandate's limits."""
        p, mand, u = self.p, self.mandate, self.universe
        comp = self.benchmark(t)
        wb = comp.weights.reindex(u.index).fillna(0.0).to_numpy(float)
        self.wb = wb
        p["b_fac"].value = p["Bt"].value @ wb
        p["b_idio"].value = p["d_sqrt"].value * wb
        p["te2"].value = mand.tracking_error_budget ** 2 / TRADING_DAYS
        E = u.exposures_at(t).reindex(index=u.index, columns=self.industries).fillna(0.0).to_numpy(float)
        late = np.zeros(self.n)
        if u.exposure_known_from is not None:
            late = (u.exposure_known_from.reindex(u.index) > t).fillna(False).to_numpy(float)
        if not np.allclose(late[:, None] * self.E_base + (1 - late[:, None]) * self.E_final, E, atol=1e-9):
            raise ValueError(f"{t.date()}: the universe's exposures are not its base rows before their known-from "
                             f"dates and its final rows after: the industry limits cannot be stated")
        p["late"].value, p["known"].value = late, 1 - late
        p["b_ind"].value = E.T @ wb
        p["ind_cap"].value = mand.max_active_weight_industry
        p["q"].value = self.qualifying
        p["names_min"].value = float(mand.names_policy["min_weight"])
        self.bounds["overweight"] = wb + mand.max_active_weight_security
        self.lower = np.maximum(wb - mand.max_active_weight_security, 0.0)
        return {"ticker": mand.benchmark_ticker, **comp.info}

    def _fill_rows(self, a_name: str, b_name: str, a: np.ndarray | None, b: np.ndarray | None) -> None:
        if a_name not in self.p:
            return
        A = np.zeros(self.p[a_name].shape)
        B = np.full(self.p[b_name].shape, BIG)
        if a is not None and len(b):
            A[:len(b)], B[:len(b)] = a, b
        self.p[a_name].value, self.p[b_name].value = A, B

    def _set_bounds(self) -> None:
        b = self.bounds
        ub = np.minimum(np.minimum(b["hard"], b["position_cap"]), b["internal"])
        self.p["ub"].value = np.minimum(ub, b["overweight"]) if "overweight" in b else ub
        if "lb" in self.p:
            self.p["lb"].value = np.minimum(getattr(self, "lower", np.zeros(self.n)), self.p["ub"].value)

    def _relax(self, name: str) -> None:
        p = self.p
        if name == "turnover":
            p["turnover"].value = 1.0
        elif name == "participation":
            p["participation"].value = np.full(self.n, BIG)
        elif name == "compliance_internal":
            self.bounds["internal"] = np.full(self.n, BIG)
            self._set_bounds()
            if "b_int" in p:
                p["b_int"].value = np.full(self.cap_int, BIG)
        elif name == "position_cap":
            self.bounds["position_cap"] = np.full(self.n, BIG)
            self._set_bounds()
        elif name == "security_active":
            self.bounds["overweight"] = np.full(self.n, BIG)
            self.lower = np.zeros(self.n)
            self._set_bounds()
        elif name == "industry_active":
            p["ind_cap"].value = BIG
        elif name == "tracking_error":
            p["te2"].value = BIG
        else:
            raise KeyError(name)

    def _solve(self) -> tuple[str, str | None]:
        """Try the solver chain; returns (cvxpy status or 'solver_error', solver used)."""
        for s in SOLVERS:
            try:
                if self._solve_hook is not None:
                    self._solve_hook(s)
                self.problem.solve(solver=s, ignore_dpp=self.ignore_dpp)
            except (cp.error.SolverError, ArithmeticError, ValueError):
                continue
            if self.problem.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
                return self.problem.status, s
            if self.problem.status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
                return cp.INFEASIBLE, s
        return "solver_error", None

    def decide(self, t: pd.Timestamp | str, w0: pd.Series, nav_usd: float) -> Decision:
        t = pd.Timestamp(t)
        day = self.prepare(t, w0, nav_usd)
        self.last_day = day
        t0 = time.perf_counter()
        relaxed: list[str] = []
        notes = list(day["notes"])
        order = list(RELAX_ORDER_BENCHMARK if self.relative else RELAX_ORDER)
        # one-way turnover >= |1'w - 1'w0| / 2: when the investment level alone needs more than the turnover cap
        # (e.g. the first day, from cash) the program is infeasible until turnover is relaxed; relax it without
        # solving first (the same outcome, one solve fewer)
        s0 = float(np.sum(self.p["w0"].value))
        need = 0.5 * max(float(self.p["min_invested"].value) - s0, s0 - float(self.p["max_invested"].value), 0.0)
        if order[0] == "turnover" and need > float(self.p["turnover"].value) + 1e-9:
            relaxed.append(order.pop(0))
            self._relax("turnover")
            notes.append(f"turnover relaxed before solving: reaching the investment level needs one-way turnover of "
                         f"at least {need:.4f}")
        status, solver = self._solve()
        for name in order:
            if status != cp.INFEASIBLE:
                break
            relaxed.append(name)
            if name == "min_invested":  # lowered in steps, so the fund stays as invested as the hard limits allow
                level = float(self.p["min_invested"].value)
                while status == cp.INFEASIBLE and level > 0:
                    level = max(level - MIN_INVESTED_STEP, 0.0)
                    self.p["min_invested"].value = level
                    status, solver = self._solve()
                notes.append(f"min_invested lowered to {level:.2f}")
                continue
            self._relax(name)
            status, solver = self._solve()
        ms = (time.perf_counter() - t0) * 1e3
        prev = w0.reindex(self.universe.identifiers).fillna(0.0)
        if status == cp.INFEASIBLE:
            notes.append("infeasible after relaxing every internal limit: a regulatory or prospectus constraint "
                         "conflicts with the holdings; previous weights kept. Remedy: review the compliance "
                         "report's binding rules or the data they miss")
            return Decision(str(t.date()), prev, "infeasible_kept_previous", solver, ms, relaxed, day["signal"],
                            notes)
        if status == "solver_error":
            notes.append(f"every solver failed ({', '.join(SOLVERS)}); previous weights kept")
            return Decision(str(t.date()), prev, "solver_failed_kept_previous", None, ms, relaxed, day["signal"],
                            notes)
        w = pd.Series(np.clip(self.w.value, 0, None), index=self.universe.identifiers)
        w[w < 1e-7] = 0.0
        active = self.active_report(w.to_numpy(float), day) if self.relative else None
        return Decision(str(t.date()), w, "relaxed" if relaxed else "optimal", solver, ms, relaxed, day["signal"],
                        notes, float(self.problem.value), active)

    def active_report(self, w: np.ndarray, day: dict, top: int = 5) -> dict:
        """Ex-ante tracking error, binding constraints and the largest active positions with their drivers."""
        p, wb = self.p, self.wb
        a = w - wb
        te = float(np.sqrt((np.sum((p["Bt"].value @ a) ** 2) + np.sum((p["d_sqrt"].value * a) ** 2))
                           * TRADING_DAYS))
        binding = []
        for name, c in self.constraints.items():  # u >= |z| and w >= 0 are structural, not limits
            if name in ("long_only", "abs_trades_hi", "abs_trades_lo"):
                continue
            lhs, rhs = c.args  # every limit is stated lhs <= rhs
            gap = np.atleast_1d(rhs.value - lhs.value)
            scale = np.maximum(np.abs(np.atleast_1d(rhs.value)), 1e-12)
            tight = (gap <= 1e-4 * scale) & (np.atleast_1d(rhs.value) < BIG / 2)
            if name == "lower_bounds":  # lb <= w: a zero lower bound on an unheld security is not a limit
                gap = np.atleast_1d(rhs.value - lhs.value)
                tight = (gap <= 1e-6) & (np.atleast_1d(lhs.value) > 1e-9)
            if tight.any():
                binding.append(name if tight.size == 1 else f"{name} ({int(tight.sum())})")
        ub = p["ub"].value
        labels = {"hard": "regulatory/prospectus limit", "position_cap": "internal position cap",
                  "internal": "internal compliance limit", "overweight": "mandate maximum active weight"}
        lb = p["lb"].value
        alpha = day.get("alpha")
        src = ", ".join(s["source"] for s in day["signal"].get("sources", []) if s.get("ic_used", 0) > 0)
        ind = self.universe.securities.get("bea_industry")
        rows = []
        for i in np.argsort(-np.abs(a))[:top]:
            if abs(a[i]) < 1e-6:
                break
            sid = self.universe.identifiers[i]
            if ub[i] < BIG and w[i] >= ub[i] - 1e-6 and a[i] < 0:
                term = min((k for k in labels if k in self.bounds), key=lambda k: self.bounds[k][i])
                driver = f"capped by {labels[term]} ({ub[i]:.4f})"
            elif a[i] < 0 and lb[i] > 1e-9 and w[i] <= lb[i] + 1e-6:
                driver = f"held up by the mandate's maximum underweight (floor {lb[i]:.4f})"
            elif alpha is not None and src and alpha[i] * a[i] > 0:
                driver = f"signal {src} (alpha {alpha[i] * TRADING_DAYS:+.2%}/yr)"
            elif a[i] > 0:
                code = ind[sid] if ind is not None else None
                driver = f"substitute for capped benchmark funds (industry {code})"
            else:
                driver = "risk/cost trade-off (underweight)"
            rows.append({"security": sid, "weight": float(w[i]), "benchmark_weight": float(wb[i]),
                         "active": float(a[i]), "driver": driver})
        return {"benchmark": day.get("benchmark"), "tracking_error_ex_ante": te,
                "tracking_error_budget": self.mandate.tracking_error_budget,
                "active_share": float(0.5 * (np.abs(a).sum() + max(0.0, 1 - w.sum()))),
                "cash": float(1 - w.sum()), "binding": binding, "top_active": rows,
                "benchmark_weights": {self.universe.identifiers[i]: float(wb[i]) for i in np.flatnonzero(wb > 1e-6)}}
