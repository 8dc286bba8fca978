"""Daily backtest with the SAME Policy object and cost model as the daily run.

Timing convention (no look-ahead): on a rebalance day ``t`` the policy sees prices dated strictly before ``t``
(through the previous close ``t-1``), values the book at ``p_{t-1}``, and its target quantities are rounded down to
whole shares at ``p_{t-1}``; the trades execute at the close of ``t`` (``p_t``, a market-on-close order), clipped to
``participation x ADV`` shares where volume data exist, and pay the cost model's spread + impact in cash
(:meth:`portfolio.costs.TransactionCost.realized_usd`, volatility = 63-day trailing standard deviation). Between
rebalances the shares are held; where the close of ``t`` is above the previous close so that the buys would cost more
than the cash and the sells allow, the buys are scaled down pro rata (the fund never borrows). Dividends and splits
enter through adjusted prices (the book's value is ``shares x adjusted close + cash``; an adjusted series is a
total-return index). Cash earns the Fama-French daily risk-free rate. ETF expense ratios are already netted in their
prices and are not charged again. A security whose price is missing on a day is valued at its last close.

Metrics (from daily book values ``V``): CAGR ``(V_T / V_0)^(252 / T) - 1``; volatility ``std(r) sqrt(252)``; Sharpe
``mean(r - rf) / std(r) sqrt(252)``; maximum drawdown ``min(V / cummax(V) - 1)``; annual turnover = sum of one-way
traded value / V over the period per year; annual cost = sum of costs / V per year; tracking error
``std(r - r_b) sqrt(252)`` against SPY and against the equal-weighted universe (eligible securities, rebalanced
daily, no costs). ``active_breaches``: number of (rebalance day, rule) pairs where the exact compliance checker found
an active breach of a regulatory or prospectus rule (hard violations); internal breaches are counted separately.

Benchmark-relative runs (a universe with a mandate, :mod:`portfolio.mandate`): the policy is the mandate's
benchmark-relative program with skill-scaled alpha (:mod:`portfolio.skill`); the ablation is the same program without
the forecasts (the closest compliant benchmark replica; when no rebalance used a positive IC the two have identical
inputs and the policy's run is reused); the active figures, the forecasts' contribution, the tracking cost of
compliance and the targets are :mod:`portfolio.active`'s; ``active_breaches`` adds the names-policy (prospectus)
breaches of the book after each rebalance; every rebalance is appended to the decision journal. Where the mandate's
benchmark return comes from its constituents (``sp500``: :mod:`portfolio.benchmark`), that series is the benchmark
and ``benchmark_vs_proxy`` sets it beside the proxy ETF's (SPY) over the same days.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import fund_rules
from .active import REPLICA, active_metrics, relative_report, write_journal
from .alternatives import ALLOCATORS, AlternativePolicy
from .costs import TransactionCost
from .benchmark import compare_to_proxy
from .mandate import benchmark_return_series, benchmark_returns, benchmark_weights_fn, mandate_for
from .optimizer import Policy, PolicyConfig
from .signals import ExpectedReturns
from .skill import SkillConfig, SkillScaledAlpha
from .universe import Universe, load_universe

TRADING_DAYS = 252
#: name of the ablation in ``alternatives``: the same policy with the CAPM prior instead of the forecasts
PRIOR_ONLY = "policy_prior_only"
DEFAULT_YEARS = 3


def simulate(policy, universe: Universe, start: pd.Timestamp, end: pd.Timestamp, *, nav_usd: float = 1e8,
             rebalance_every: int = 5, participation: float = 0.10, rf: pd.Series | None = None,
             rules=None, journal: list | None = None) -> dict[str, Any]:
    """Run ``policy`` over the trading days in [start, end]; returns the daily record and per-rebalance data.
    ``journal``: a list that receives ``(decision, compliance summary or None)`` per rebalance."""
    px_all = universe.prices.ffill()
    days = universe.prices.index[(universe.prices.index >= start) & (universe.prices.index <= end)]
    if len(days) < 2:
        raise ValueError(f"fewer than two trading days between {start.date()} and {end.date()}")
    ids = universe.identifiers
    rets_all = universe.prices.pct_change(fill_method=None)
    tc = TransactionCost()
    shares = pd.Series(0.0, index=ids)
    cash = float(nav_usd)
    prev_value = float(nav_usd)
    rows, weights, statuses, checks = [], {}, [], []
    hard = soft = 0
    not_evaluable: dict[str, int] = {}
    not_evaluable_days: dict[str, list[str]] = {}
    for i, d in enumerate(days):
        p = px_all.loc[d].reindex(ids)
        r_f = float(rf.get(d, 0.0)) if rf is not None else 0.0
        cash *= 1 + r_f
        traded = cost = 0.0
        shares_before, cash_before = shares.copy(), cash
        if i % rebalance_every == 0:
            p_prev = px_all.loc[px_all.index < d].iloc[-1].reindex(ids) if (px_all.index < d).any() else p
            v_prev = float((shares * p_prev.fillna(0)).sum()) + cash
            w0 = shares * p_prev.fillna(0) / v_prev
            dec = policy.decide(d, w0, v_prev)
            summary = None
            statuses.append({"date": d, "status": dec.status, "relaxed": ",".join(dec.relaxed),
                             "solve_ms": dec.solve_ms, "signal": dec.signal.get("source")})
            if not dec.status.endswith("kept_previous"):
                ok = p_prev > 0
                target = np.floor(np.where(ok, dec.weights.reindex(ids).fillna(0) * v_prev
                                           / p_prev.where(ok, 1.0), 0.0) + 1e-9)
                delta = pd.Series(target, index=ids) - shares
                liq = universe.liquidity(d)
                cap = participation * liq["adv_shares"]
                delta = delta.where(cap.isna(), delta.clip(lower=-cap.fillna(0), upper=cap.fillna(0)).round(0))
                delta[~(p > 0)] = 0.0
                notional = delta * p.fillna(0)
                sigma = rets_all.loc[rets_all.index < d].iloc[-63:].std().reindex(ids).fillna(0.02)
                costs = tc.realized_usd(notional.to_numpy(), liq, sigma, v_prev)
                cost = float(costs.sum())
                buys = float(notional.clip(lower=0).sum())
                avail = cash - float(notional.clip(upper=0).sum()) - cost
                if buys > 0 and avail < buys:
                    # the close moved above the previous close the orders were sized at: the buys are scaled down
                    # so that the fund never borrows (cash >= 0 after the trades and their costs)
                    f = max(0.0, avail / buys) * (1 - 1e-4)
                    delta = delta.where(delta <= 0, np.floor(delta * f))
                    notional = delta * p.fillna(0)
                    costs = tc.realized_usd(notional.to_numpy(), liq, sigma, v_prev)
                    cost = float(costs.sum())
                traded = float(notional.abs().sum())
                shares = shares + delta
                cash -= float(notional.sum()) + cost
            weights[d] = shares * p.fillna(0)
            if rules is not None:
                master = universe.securities_at(d).join(universe.liquidity(d))
                table = fund_rules.securities_table(master, p.fillna(p_prev).fillna(1.0))
                px = table.set_index("security_id")["price"].reindex(ids).to_numpy()
                value_now = float((shares * px).sum()) + cash
                value_before = float((shares_before * px).sum()) + cash_before
                # the book before the day's trades, at today's prices: the checker's active/passive counterfactual
                res = fund_rules.check(rules, d.date(), table, shares, value_now, cash,
                                       previous=(shares_before, value_before, cash_before))
                for rr in res.results:
                    if rr.status == "not_evaluable":
                        not_evaluable[rr.rule_id] = not_evaluable.get(rr.rule_id, 0) + 1
                        not_evaluable_days.setdefault(rr.rule_id, []).append(
                            f"{d.date()}: {'; '.join(rr.reasons)[:300]}")
                    if rr.status == "breach" and rr.breach_class == "active":
                        if rr.violation:
                            hard += 1
                        else:
                            soft += 1
                summary = {k: v for k, v in fund_rules.summarize(res).items()
                           if k in ("violations", "status_counts", "breaches")}
                checks.append({"date": d, **summary})
            if journal is not None:
                journal.append((dec, summary))
        value = float((shares * p.fillna(0)).sum()) + cash
        rows.append({"date": d, "value_usd": value, "cash_usd": cash, "traded_usd": traded, "cost_usd": cost,
                     "rf": r_f, "return": value / prev_value - 1 if i else 0.0})
        prev_value = value
    daily = pd.DataFrame(rows).set_index("date")
    w = pd.DataFrame(weights).T.fillna(0.0)
    w = w.div(w.sum(axis=1) + daily.loc[w.index, "cash_usd"], axis=0)
    return {"daily": daily, "weights": w, "decisions": pd.DataFrame(statuses), "checks": checks,
            "active_breaches": hard, "internal_breaches": soft, "not_evaluable": not_evaluable,
            "not_evaluable_days": not_evaluable_days}


def mandate_config(cfg: PolicyConfig, mandate) -> PolicyConfig:
    """The policy configuration with the mandate's cash buffer, turnover budget and trade aversion."""
    return replace(cfg, cash_buffer=mandate.cash_buffer, turnover_cap=mandate.turnover_budget,
                   trade_aversion=float(mandate.cost_model["trade_aversion"]))


def mandate_policy(uni: Universe, cfg: PolicyConfig, mandate, forecasts: pd.DataFrame | None, ff, market_returns,
                   bench_fn) -> Policy:
    """The mandate's benchmark-relative program with skill-scaled forecasts (the daily run and the backtest)."""
    skill_cfg = SkillConfig(ic_prior_obs=int(mandate.signals["ic_prior_obs"]),
                            ic_min_obs=int(mandate.signals["ic_min_obs"]),
                            ic_min_t=float(mandate.signals["ic_min_t"]))
    return Policy(uni, cfg, signals=SkillScaledAlpha(forecasts, uni, skill_cfg), ff_factors=ff,
                  market_returns=market_returns, mandate=mandate, benchmark=bench_fn)


def metrics(daily: pd.DataFrame, bench: dict[str, pd.Series]) -> dict[str, float]:
    r = daily["return"].iloc[1:]
    v = daily["value_usd"]
    years = len(r) / TRADING_DAYS
    sd = float(r.std())
    out = {
        "cagr": float((v.iloc[-1] / v.iloc[0]) ** (1 / years) - 1) if years > 0 else float("nan"),
        "volatility": sd * np.sqrt(TRADING_DAYS),
        "sharpe": float((r - daily["rf"].iloc[1:]).mean() / sd * np.sqrt(TRADING_DAYS)) if sd > 0 else float("nan"),
        "max_drawdown": float((v / v.cummax() - 1).min()),
        "turnover_annual": float((daily["traded_usd"] / 2 / v.shift(1).fillna(v.iloc[0])).sum() / years),
        "cost_annual": float((daily["cost_usd"] / v.shift(1).fillna(v.iloc[0])).sum() / years),
    }
    for name, b in bench.items():
        diff = (r - b.reindex(r.index)).dropna()
        out[f"tracking_error_{name}"] = float(diff.std() * np.sqrt(TRADING_DAYS)) if len(diff) > 1 else float("nan")
    return out


def _market_inputs(wh):
    ff = wh.read("market_ff_factors") if wh.has("market") else None
    rf = ff[ff["dataset"] == "ff_daily"].set_index("date")["rf"] if ff is not None else None
    etf = wh.read("market_etf_prices", columns=["date", "ticker", "adj_close_usd"]) if wh.has("market") else None
    spy_r = None
    if etf is not None:
        spy_r = etf[etf["ticker"] == "SPY"].set_index("date")["adj_close_usd"].pct_change(fill_method=None)
    return ff, rf, spy_r


def backtest(start: str | None = None, end: str | None = None, universe: str = "sector_etfs", *,
             home: str | Path = ".", nav_usd: float = 1e8, rebalance_every: int = 5,
             config: PolicyConfig | None = None, forecasts: pd.DataFrame | None = None, alternatives: bool = True,
             ablation: bool = True, report_dir: str | Path | None = None, warehouse=None,
             universe_obj: Universe | None = None, mandate: Any = "auto", journal: bool = True) -> dict[str, Any]:
    """Backtest ``universe`` from ``start`` (default: the first forecast date, else three years before ``end``) to
    ``end`` (default: the last price). Writes the report (plots + markdown) to ``report_dir`` (default
    ``<home>/portfolio/<universe>/backtest_<start>_<end>/``). Returns the JSON keys ``cagr``, ``volatility``,
    ``sharpe``, ``max_drawdown``, ``turnover_annual``, ``cost_annual``, ``active_breaches`` and more.

    ``mandate``: ``"auto"`` (default) runs the benchmark-relative program of the universe's latest mandate
    (:func:`portfolio.mandate.mandate_for`) where one exists, a :class:`portfolio.mandate.Mandate` that one, None the
    absolute program. Benchmark-relative runs add ``mandate``, ``benchmark``, ``tracking_error``,
    ``tracking_error_budget``, ``information_ratio``, ``information_ratio_t``, ``active_return``, ``active_share``,
    ``forecast_contribution`` (the same program without the forecasts: the compliant benchmark replica),
    ``tracking_cost_of_compliance``, ``signal_skill`` and ``targets``; every rebalance is appended to the decision
    journal (``journal=True``, :mod:`portfolio.journal`) with its realised 1/5/21-day outcomes.

    Default compliance mode is ``evaluable``: every rule is compiled into the program where its data exist, and the
    exact checker runs on every rebalance (breaches counted, not-evaluable rules reported). ``enforce`` would hold
    cash with the snapshot, which lacks the shares outstanding and volumes the regulatory rules need to allow an
    acquisition."""
    from ingest.warehouse import Warehouse
    from .reports import write_report

    t_start = time.perf_counter()
    home = Path(home)
    wh = warehouse or Warehouse(home)
    uni = universe_obj or load_universe(universe, wh)
    if isinstance(mandate, str) and mandate == "auto":
        mandate = mandate_for(uni.name)
    cfg = config or PolicyConfig(compliance="evaluable")
    if mandate is not None:
        cfg = mandate_config(cfg, mandate)
    last = uni.prices.index.max()
    end_ts = pd.Timestamp(end) if end else last
    if start:
        start_ts = pd.Timestamp(start)
    elif forecasts is not None and len(forecasts):
        start_ts = pd.to_datetime(forecasts["date"]).min() + pd.Timedelta(days=1)
    else:
        start_ts = end_ts - pd.DateOffset(years=DEFAULT_YEARS)
    ff, rf, spy_r = _market_inputs(wh)
    bench_fn = rb = None
    if mandate is not None:
        proxy = benchmark_returns(wh, mandate.benchmark_ticker)
        bench_fn = benchmark_weights_fn(mandate, uni, proxy)
        rb = benchmark_return_series(mandate, wh, bench_fn)

        def make_policy(fc):
            return mandate_policy(uni, cfg, mandate, fc, ff, spy_r, bench_fn)
    else:
        def make_policy(fc):
            return Policy(uni, cfg, signals=ExpectedReturns(fc), ff_factors=ff, market_returns=spy_r)
    pol = make_policy(forecasts)
    t_policy = time.perf_counter()
    records: list = []
    sim = simulate(pol, uni, start_ts, end_ts, nav_usd=nav_usd, rebalance_every=rebalance_every,
                   participation=cfg.participation, rf=rf, rules=pol.rules, journal=records)
    policy_s = round(time.perf_counter() - t_policy, 1)
    elig = pd.DataFrame({d: uni.eligible(d) for d in sim["daily"].index[:: max(rebalance_every, 1)]}).T
    elig = elig.reindex(sim["daily"].index).ffill()
    ew = uni.prices.pct_change(fill_method=None).reindex(sim["daily"].index).where(elig.astype(bool)).mean(axis=1)
    bench = {"equal_weight": ew}
    if spy_r is not None:
        bench["spy"] = spy_r
    out: dict[str, Any] = {"universe": uni.name, "start": str(sim["daily"].index[0].date()),
                           "end": str(sim["daily"].index[-1].date()), "rebalance_every_days": rebalance_every,
                           "compliance_mode": cfg.compliance}
    out.update(metrics(sim["daily"], bench))
    out["active_breaches"] = sim["active_breaches"]
    out["internal_breaches"] = sim["internal_breaches"]
    #: rule -> number of rebalance days on which the exact checker could not evaluate it (missing data)
    out["not_evaluable_rules"] = dict(sorted(sim["not_evaluable"].items()))
    #: rule -> the first rebalance days it was not evaluable on, with the checker's reason (the securities named)
    out["not_evaluable_days"] = {k: v[:20] for k, v in sorted(sim["not_evaluable_days"].items())}
    dec = sim["decisions"]
    out["decisions"] = {"n": int(len(dec)), "status_counts": dec["status"].value_counts().to_dict(),
                        "median_solve_ms": float(dec["solve_ms"].median()),
                        "signal_sources": dec["signal"].value_counts().to_dict()}
    alts: dict[str, Any] = {}
    alt_daily = {}
    others = []
    replica_name = REPLICA if mandate is not None else PRIOR_ONLY
    if ablation and (mandate is not None or pol.signals.forecasts is not None):
        # the same program, costs and limits without the forecasts: what the forecasts add (benchmark-relative:
        # the closest compliant replica of the benchmark; absolute: the CAPM prior alone)
        others.append((replica_name, make_policy(None), rebalance_every))
    if alternatives:
        others += [(m, AlternativePolicy(uni, m, cash_buffer=cfg.cash_buffer), 21) for m in ALLOCATORS]
    replica_records: list = []
    no_tilt = mandate is not None and not any(s.get("ic_used", 0) > 0 for d, _ in records
                                              for s in d.signal.get("sources", []))
    for name, policy, every in others:
        t0 = time.perf_counter()
        if name == REPLICA and no_tilt:
            # no rebalance used a positive IC: every alpha was exactly 0, so the program without the forecasts has
            # the same inputs and the same decisions; the run is reused rather than repeated
            alts[name] = {**metrics(sim["daily"], bench), **active_metrics(sim["daily"]["return"].iloc[1:], rb),
                          "runtime_s": 0.0, "note": "identical to the policy: no rebalance used a positive IC"}
            alt_daily[name] = sim["daily"]
            replica_records = records
            continue
        s = simulate(policy, uni, start_ts, end_ts, nav_usd=nav_usd, rebalance_every=every,
                     participation=cfg.participation, rf=rf,
                     journal=replica_records if name == REPLICA else None)
        alts[name] = {**metrics(s["daily"], bench), "runtime_s": round(time.perf_counter() - t0, 1)}
        if rb is not None:
            alts[name].update(active_metrics(s["daily"]["return"].iloc[1:], rb))
        alt_daily[name] = s["daily"]
    out["alternatives"] = alts
    if mandate is not None:
        out.update(relative_report(out, sim, records, alt_daily.get(REPLICA), replica_records, mandate, bench_fn, rb,
                                   uni, alternatives))
        if mandate.benchmark_from_constituents:
            # the rebuilt index beside its proxy ETF over the backtest's days: a sanity check of the reconstruction
            # (the fund's first return is the day after the start: the same days as benchmark_cagr)
            out["benchmark_vs_proxy"] = compare_to_proxy(rb, proxy, sim["daily"].index[1], out["end"],
                                                         mandate.benchmark_ticker)
        if journal:
            out["journal"] = write_journal(home, out, records, pol, uni, mandate, forecasts, rb)
    out["notes"] = list(uni.notes)
    out["policy_runtime_s"] = policy_s
    out["runtime_s"] = round(time.perf_counter() - t_start, 1)
    rdir = Path(report_dir) if report_dir else home / "portfolio" / uni.name / f"backtest_{out['start']}_{out['end']}"
    out["report"] = str(write_report(rdir, out, sim, uni, bench, alt_daily))
    return out
