"""Daily pipeline: forecasts -> optimize -> check -> publish, and the compliance services on published holdings.

``rebalance`` runs :func:`portfolio.rebalance.rebalance` (which already runs the exact checker on the rounded book)
with the universe's mandate where it has one (:func:`portfolio.mandate.mandate_for`): the benchmark-relative program
(tracking-error budget, two-sided active limits, skill-scaled forecasts, the mandate's cash buffer, turnover budget
and trade aversion), the mandate version written into ``summary.json`` and ``inputs.json``, the decision journaled;
without a mandate (or ``mandate=False``) the absolute program as before. It then records the post-trade holdings with
:func:`compliance.service.check`, so every day's holdings pass through the audited checker: breaches carry from day
to day, the hash-chained log records the inputs, and ``econgraph compliance replay --date D`` reproduces the result.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ingest.warehouse import Warehouse

from .settings import Settings

CASH_ID = "CASH_USD"
GNN_HORIZON_DAYS = 63


class DailyError(ValueError):
    """A daily step that cannot run (names the date, universe and what is missing)."""


def universe_key(universe: str) -> str:
    """The name a universe's outputs are filed under: ``sp500``, ``sector_etfs``, or a user universe directory's
    name (``/data/universes/tech20`` -> ``tech20``, as :func:`portfolio.universe.load_universe` names it)."""
    return Path(universe).name if ("/" in universe or Path(universe).is_dir()) else universe


def compliance_dir(settings: Settings, universe: str) -> Path:
    """``<home>/compliance/<universe>/``: the state the API, replay and reports read back."""
    return settings.home / "compliance" / universe_key(universe)


def portfolio_dir(settings: Settings, universe: str, date: str) -> Path:
    return settings.home / "portfolio" / universe_key(universe) / date


def load_forecasts(settings: Settings, wh: Warehouse) -> pd.DataFrame | None:
    """All GNN forecasts under ``<home>/forecasts`` in the allocator's format.

    The GNN forecasts *excess* returns over the quarter; the allocator wants total returns over the horizon, so the
    risk-free rate known at the forecast date (mean Fama-French daily RF of the 21 rows published before it, times
    63 trading days) is added back. ``date`` is the forecast's as-of date (the close it was made at).
    """
    files = sorted((settings.home / "forecasts").glob("*.parquet"))
    if not files:
        return None
    f = pd.concat([pd.read_parquet(p) for p in files], ignore_index=True)
    f["date"] = pd.to_datetime(f["as_of_date"])
    rf = None
    if wh.has("market"):
        ff = wh.read("market_ff_factors")
        ff = ff[(ff["frequency"] == "D") & (ff["dataset"] == "ff_daily")][["date", "rf", "published_date"]]
        rf = ff.sort_values("date")
    adds = {}
    for d in f["date"].unique():
        if rf is None:
            adds[d] = 0.0
            continue
        known = rf[pd.to_datetime(rf["published_date"]) <= d].tail(21)
        adds[d] = float(known["rf"].mean()) * GNN_HORIZON_DAYS if len(known) else 0.0
    add = f["date"].map(adds)
    for q in ("q05", "q25", "q50", "q75", "q95"):
        if q in f:
            f[q] = f[q] + add
    f["horizon_days"] = GNN_HORIZON_DAYS
    return f


def rebalance(settings: Settings, date: str, universe: str = "sp500", nav_usd: float = 1e8,
              holdings_file: str | None = None, security_data: str | None = None,
              compliance_mode: str | None = None, mandate: bool = True) -> dict[str, Any]:
    from portfolio.optimizer import PolicyConfig
    from portfolio.rebalance import rebalance as run_rebalance
    from portfolio.universe import load_universe

    wh = Warehouse(settings.home)
    if not wh.has("market"):
        raise DailyError("the warehouse has no market data: run `econgraph ingest --source market` first")
    uni = load_universe(universe, wh, security_data=security_data)
    cfg = PolicyConfig(compliance=compliance_mode or "enforce")
    forecasts = load_forecasts(settings, wh)
    policy = mandate_policy(uni, cfg, forecasts, wh) if mandate else None
    if policy is not None:
        cfg = policy.config
    summary = run_rebalance(date, universe, nav_usd, holdings_file, settings.home, config=cfg, forecasts=forecasts,
                            warehouse=wh, universe_obj=uni, policy=policy)
    if cfg.compliance != "off":
        audited = compliance_check(settings, summary["date"], universe, security_data=security_data, universe_obj=uni)
        summary["compliance"]["audit"] = {
            "state_dir": str(compliance_dir(settings, universe)),
            "breaches": sum(1 for r in audited["rules"] if r["status"] == "breach"),
            "not_evaluable": sum(1 for r in audited["rules"] if r["status"] == "not_evaluable"),
        }
    return summary


def mandate_policy(uni, cfg, forecasts: pd.DataFrame | None, wh: Warehouse):
    """The universe's mandate program for the daily run (None where the universe has no mandate)."""
    from portfolio.backtest import mandate_config, mandate_policy as policy_for
    from portfolio.mandate import benchmark_returns, benchmark_weights_fn, mandate_for

    m = mandate_for(uni.name)
    if m is None:
        return None
    etf = wh.read("market_etf_prices", columns=["date", "ticker", "adj_close_usd"])
    spy = etf[etf["ticker"] == "SPY"].set_index("date")["adj_close_usd"].pct_change(fill_method=None)
    ff = wh.read("market_ff_factors")
    bench_fn = benchmark_weights_fn(m, uni, benchmark_returns(wh, m.benchmark_ticker))
    return policy_for(uni, mandate_config(cfg, m), m, forecasts, ff, spy, bench_fn)


BACKTEST_COLUMNS = ("cagr", "volatility", "sharpe", "max_drawdown", "turnover_annual", "cost_annual")
BACKTEST_LABELS = {"cagr": "CAGR", "volatility": "vol", "sharpe": "Sharpe", "max_drawdown": "max DD",
                   "turnover_annual": "turn/yr", "cost_annual": "cost/yr"}


def backtest(settings: Settings, start: str | None = None, end: str | None = None, universe: str = "sector_etfs",
             every: int = 5, compliance_mode: str = "evaluable", alternatives: bool = True,
             ablation: bool = True, mandate: bool = True) -> dict[str, Any]:
    """The backtest the CLI and ``econgraph run`` call: every point-in-time forecast under ``<home>/forecasts``
    (the first one sets the default start), the daily run's policy and cost model, report under the home.
    ``mandate``: benchmark-relative under the universe's mandate where it has one (decisions journaled under
    ``<home>/journal/``); False: the absolute program."""
    from portfolio.backtest import backtest as run_backtest
    from portfolio.optimizer import PolicyConfig

    from portfolio.universe import load_universe

    wh = Warehouse(settings.home)
    if not wh.has("market"):
        raise DailyError("the warehouse has no market data: run `econgraph ingest --source market` first")
    uni = load_universe(universe, wh)
    forecasts = load_forecasts(settings, wh)
    res = run_backtest(start, end, universe, home=settings.home, rebalance_every=every,
                       config=PolicyConfig(compliance=compliance_mode), forecasts=forecasts,
                       alternatives=alternatives, ablation=ablation, warehouse=wh, universe_obj=uni,
                       mandate="auto" if mandate else None)
    res["forecast_models"] = forecast_models(settings, forecasts)
    surv = backtest_survivorship(uni, res["start"], res["end"])
    if surv is not None:
        res["survivorship"] = surv
    return res


def forecast_models(settings: Settings, forecasts: pd.DataFrame | None) -> dict[str, Any]:
    """Which GNN the backtest traded: the model ids behind its forecasts and their configurations (seeds, width,
    epochs) from the registry, so a figure is never read as the evaluated ensemble's when it is not."""
    import json

    if forecasts is None or "model_id" not in forecasts:
        return {"models": [], "note": "no GNN forecast: every decision used the CAPM prior"}
    ids = sorted(forecasts["model_id"].dropna().astype(str).unique())
    configs = set()
    for mid in ids:
        p = settings.home / "models" / mid / "config.json"
        if p.is_file():
            c = json.loads(p.read_text())
            configs.add(tuple((k, c.get(k)) for k in ("n_seeds", "hidden", "max_epochs")))
    conf = [dict(c) for c in sorted(configs, key=str)]
    return {"models": ids, "configurations": conf,
            "note": f"{len(ids)} point-in-time models of configuration(s) {conf}; the README's walk-forward "
                    f"figures belong to the configuration `econgraph forecast evaluate` used, not necessarily "
                    f"this one"}


def backtest_survivorship(uni, start: str, end: str) -> dict[str, Any] | None:
    """The survivorship a point-in-time universe still has over a backtest: on the first trading day of each year
    in [start, end] (and on both ends), the index members without a price (count, share by count and by market
    cap); the members are named on the first and last day. None for a universe without membership history."""
    if getattr(uni, "pit", None) is None:
        return None
    days = uni.prices.index[(uni.prices.index >= pd.Timestamp(start)) & (uni.prices.index <= pd.Timestamp(end))]
    if not len(days):
        return None
    yearly = pd.Series(days, index=days).groupby(days.year).first().tolist()
    dates = sorted({days[0], *yearly, days[-1]})
    rows = []
    for d in dates:
        s = uni.survivorship(d)
        rows.append({k: v for k, v in s.items() if k not in ("unpriced_members", "note")})
    first, last = uni.survivorship(dates[0]), uni.survivorship(dates[-1])
    return {"by_date": rows, "unpriced_members_first_day": first["unpriced_members"],
            "unpriced_members_last_day": last["unpriced_members"],
            "max_unpriced_share_by_count": max(r["unpriced_share_by_count"] or 0 for r in rows),
            "max_unpriced_share_by_market_cap": max(r["unpriced_share_by_market_cap"] or 0 for r in rows),
            "note": first["note"] + "; returns of those members are missing, so the backtest overstates returns "
                    "by an amount this share bounds, not measures"}


def relative_lines(res: dict[str, Any]) -> list[str]:
    """The benchmark-relative figures of a mandate backtest as plain lines (CLI, ``econgraph run``)."""
    if "mandate" not in res:
        return []

    def pct(v):
        return "n/a" if v is None or v != v else f"{100 * v:.2f}%"

    def num(v):
        return "n/a" if v is None or v != v else f"{v:.2f}"

    m, fc, tc, tg = (res["mandate"], res.get("forecast_contribution"), res.get("tracking_cost_of_compliance"),
                     res["targets"])
    lines = [f"fund: {m['name']} (mandate {m['mandate']}), benchmark {res['benchmark']}: active return "
             f"{pct(res['active_return'])}/yr, tracking error {pct(res['tracking_error'])} (budget "
             f"{pct(res['tracking_error_budget'])}, ex-ante mean {pct(res.get('tracking_error_ex_ante_mean'))}), "
             f"IR {num(res['information_ratio'])} (t {num(res['information_ratio_t'])}), active share "
             f"{pct(res.get('active_share'))}"]
    bp = res.get("benchmark_vs_proxy")
    if bp and bp.get("n_days", 0) > 1:
        lines.append(f"benchmark rebuilt from its members vs {bp['proxy']}: {pct(bp['benchmark_annual_return'])} vs "
                     f"{pct(bp['proxy_annual_return'])} a year (gap {pct(bp['gap_annual'])}, tracking error "
                     f"{pct(bp['tracking_error'])})")
    if fc:
        lines.append(f"forecasts' contribution (vs the compliant replica): {pct(fc['active_return'])}/yr "
                     f"(t {num(fc['t_stat'])})")
    if tc:
        lines.append(f"tracking cost of compliance: replica TE {pct(tc['replica_tracking_error'])} (benchmark "
                     f"replication error {pct(tc['replication_error'])}, replica vs unconstrained weights "
                     f"{pct(tc['replica_vs_unconstrained_weights'])})")
    lines.append("targets: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in tg.items()))
    lines.append(res.get("skill_note", ""))
    if res.get("journal"):
        j = res["journal"]
        lines.append(f"journal: {j['n_records']} decisions appended to {j['path']} (`econgraph journal list`)")
    return lines


def json_safe(v: Any) -> Any:
    """Non-finite floats to None (JSON has no NaN), recursively."""
    if isinstance(v, float):
        return v if np.isfinite(v) else None
    if isinstance(v, dict):
        return {k: json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    return v


def backtest_table(res: dict[str, Any]):
    """A rich table: the policy, the forecast ablation and the alternative allocators side by side."""
    from rich.table import Table

    t = Table(title=f"backtest {res.get('universe')} {res.get('start')}..{res.get('end')} (rebalance every "
                    f"{res.get('rebalance_every_days')} days, compliance {res.get('compliance_mode')})",
              caption="\n".join(relative_lines(res)) or None, caption_justify="left")
    t.add_column("allocator", no_wrap=True)
    for col in BACKTEST_COLUMNS:
        t.add_column(BACKTEST_LABELS[col], justify="right", no_wrap=True)

    def cell(row, c):
        v = row.get(c)
        if not isinstance(v, float) or v != v:
            return "n/a"
        return f"{v:.2f}" if c == "sharpe" else (f"{100 * v:.3f}%" if c == "cost_annual" else f"{100 * v:.1f}%")

    names = {"compliant_replica_no_forecasts": "replica, no forecasts", "policy_prior_only": "CAPM prior only"}
    for name, row in [("policy", res), *res.get("alternatives", {}).items()]:
        t.add_row(names.get(name, name), *[cell(row, c) for c in BACKTEST_COLUMNS])
    return t


def _published_book(settings: Settings, date: str, universe: str) -> tuple[pd.DataFrame, float, float]:
    d = portfolio_dir(settings, universe, date)
    disc = d / "holdings_disclosure.csv"
    if not disc.exists():
        raise DailyError(f"no published holdings for {universe} on {date} ({disc}): run `econgraph rebalance "
                         f"--date {date} --universe {universe}` first")
    h = pd.read_csv(disc, dtype={"identifier": str})
    import json

    summary = json.loads((d / "summary.json").read_text())
    cash = float(h.loc[h["identifier"] == CASH_ID, "quantity"].sum())
    h = h[h["identifier"] != CASH_ID]
    holdings = pd.DataFrame({"security_id": h["identifier"].astype(str), "shares": h["quantity"].astype(float)})
    return holdings, float(summary["nav_usd"]), cash


def compliance_check(settings: Settings, date: str, universe: str = "sp500", security_data: str | None = None,
                     universe_obj=None) -> dict[str, Any]:
    """Check the holdings published for ``date`` with the audited checker (appends to the hash-chained log)."""
    from compliance import service
    from portfolio import fund_rules
    from portfolio.universe import load_universe

    wh = Warehouse(settings.home)
    uni = universe_obj or load_universe(universe, wh, security_data=security_data)
    holdings, nav, cash = _published_book(settings, date, universe)
    t = pd.Timestamp(date)
    hist = uni.history(t)
    if hist.empty:
        raise DailyError(f"no prices before {date} in universe {universe}")
    last = hist.ffill().iloc[-1]
    master = uni.securities_at(t).join(uni.liquidity(t))
    table = fund_rules.securities_table(master, last.fillna(np.nan))
    rules = fund_rules.rules_for(uni.name)
    prices = table.set_index("security_id")["price"]
    return service.check(dt.date.fromisoformat(date), holdings, table.drop(columns=["price"]), prices, nav,
                         compliance_dir(settings, universe), cash_usd=max(cash, 0.0),
                         config_overrides=_overrides(rules))


def _overrides(rules) -> dict:
    """The universe's effective rule configuration, passed whole so the audit records exactly what was applied."""
    return rules.config if isinstance(rules.config, dict) else {}
