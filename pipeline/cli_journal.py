"""``econgraph journal``: the decision journal (:mod:`portfolio.journal`, ``<home>/journal/journal.sqlite``).

* ``list``: decisions, newest first (date, run, mandate, status, ex-ante tracking error, active share, the IC used
  per signal source, binding constraints);
* ``show ID``: one decision whole (weights against the benchmark's, the largest active positions with their
  drivers, compliance result, outcomes);
* ``outcomes``: realised active returns over 1, 5 and 21 trading days, and per horizon the mean, t-stat and hit
  rate (``--fill`` first inserts the outcomes whose prices now exist, from the warehouse).
"""
from __future__ import annotations

import json
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from .settings import get_settings

journal_app = typer.Typer(help="The decision journal: one record per rebalance (daily or backtest)",
                          no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _fail(exc: Exception) -> None:
    err.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(2)


def _pct(v) -> str:
    return "n/a" if v is None else f"{100 * v:.2f}%"


def _ics(signals) -> str:
    parts = [f"{s.get('source')} {s['ic_used']:.3f}" for s in signals or [] if s.get("ic_used") is not None]
    return ", ".join(parts) or "none"


@journal_app.command("list")
def list_cmd(universe: Optional[str] = typer.Option(None, "--universe"),
             kind: Optional[str] = typer.Option(None, "--kind", help="daily | backtest"),
             run_id: Optional[str] = typer.Option(None, "--run"),
             start: Optional[str] = typer.Option(None, "--start"), end: Optional[str] = typer.Option(None, "--end"),
             limit: int = typer.Option(20, "--limit"),
             fmt: str = typer.Option("table", "--format", help="table | json")) -> None:
    """Decisions, newest first."""
    from portfolio import journal as jr

    try:
        rows = jr.list_decisions(get_settings().home, universe, kind, run_id, start, end, limit)
    except jr.JournalError as exc:
        _fail(exc)
    if fmt == "json":
        out.print_json(json.dumps(rows, default=str))
        return
    t = Table(title=f"decision journal ({len(rows)} shown, newest first)")
    for c in ("id", "date", "universe", "kind", "mandate", "status", "TE ex-ante", "active share", "IC used",
              "binding"):
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(str(r["id"]), r["date"], r["universe"], r["kind"], r["mandate"] or "-", r["status"],
                  _pct(r["tracking_error_ex_ante"]), _pct(r["active_share"]), _ics(r["signals"]),
                  ", ".join(r["binding"] or []) or "-")
    out.print(t)


@journal_app.command("show")
def show_cmd(decision_id: int = typer.Argument(...),
             fmt: str = typer.Option("table", "--format", help="table | json")) -> None:
    """One decision whole."""
    from portfolio import journal as jr

    try:
        d = jr.get_decision(get_settings().home, decision_id)
    except jr.JournalError as exc:
        _fail(exc)
    if fmt == "json":
        out.print_json(json.dumps(d, default=str))
        return
    out.print(f"decision {d['id']} on {d['date']} ({d['kind']}, run {d['run_id']}): {d['universe']}, mandate "
              f"{d['mandate']} (rules {d['rules_version']}), benchmark {d['benchmark']}; status {d['status']}"
              + (f", relaxed {', '.join(d['relaxed'])}" if d["relaxed"] else ""))
    out.print(f"inputs {d['input_hash']}; tracking error ex-ante {_pct(d['tracking_error_ex_ante'])}, active share "
              f"{_pct(d['active_share'])}; binding: {', '.join(d['binding'] or []) or 'none'}")
    for s in d["signals"] or []:
        out.print(f"signal {s.get('source')}: IC used {s.get('ic_used')}, measured mean {s.get('ic_mean')} "
                  f"(t {s.get('ic_t')}, {s.get('n_outcomes')} outcomes; {s.get('reason')}); forecast of "
                  f"{s.get('forecast_date')}")
    t = Table(title="largest active positions")
    for c in ("security", "weight", "benchmark", "active", "driver"):
        t.add_column(c)
    for p in d["top_active"] or []:
        t.add_row(p["security"], _pct(p["weight"]), _pct(p["benchmark_weight"]), _pct(p["active"]), p["driver"])
    out.print(t)
    comp = d.get("compliance") or {}
    out.print(f"compliance: {comp.get('status_counts', 'not checked')}; violations {comp.get('violations', [])}")
    for o in d["outcomes"]:
        out.print(f"outcome {o['horizon_days']:>2}d to {o['end_date']}: fund {_pct(o['portfolio_return'])}, "
                  f"benchmark {_pct(o['benchmark_return'])}, active {_pct(o['active_return'])}")


@journal_app.command("outcomes")
def outcomes_cmd(universe: Optional[str] = typer.Option(None, "--universe"),
                 run_id: Optional[str] = typer.Option(None, "--run"),
                 limit: int = typer.Option(30, "--limit", help="rows shown (the summary uses every outcome)"),
                 fill: bool = typer.Option(False, "--fill", help="first insert the outcomes whose prices exist "
                                                                 "(needs --universe)"),
                 fmt: str = typer.Option("table", "--format", help="table | json")) -> None:
    """Realised active returns of the decisions over 1, 5 and 21 trading days."""
    from ingest.errors import IngestError
    from ingest.warehouse import Warehouse
    from portfolio import journal as jr

    settings = get_settings()
    try:
        if fill:
            if not universe:
                raise jr.JournalError("--fill needs --universe")
            from portfolio.mandate import (benchmark_return_series, benchmark_returns, benchmark_weights_fn,
                                           mandate_for)
            from portfolio.universe import load_universe

            wh = Warehouse(settings.home)
            m = mandate_for(universe)
            if m is None:
                raise jr.JournalError(f"universe {universe!r} has no mandate: no benchmark to measure against")
            uni = load_universe(universe, wh)
            # the benchmark the decisions were made against (sp500: rebuilt from its members, not SPY)
            rb = benchmark_return_series(m, wh, benchmark_weights_fn(m, uni, benchmark_returns(wh, m.benchmark_ticker)))
            n = jr.fill_outcomes(settings.home, universe, uni.prices, rb)
            err.print(f"{n} outcomes inserted")
        df = jr.outcomes(settings.home, universe, run_id, limit=10_000_000)
    except (jr.JournalError, IngestError) as exc:
        _fail(exc)
    summary = jr.summarize_outcomes(df)
    if fmt == "json":
        out.print_json(json.dumps({"summary": summary, "items": df.head(limit).to_dict(orient="records")},
                                  default=str))
        return
    t = Table(title="realised active return per decision horizon (all outcomes)")
    for c in ("horizon (trading days)", "decisions", "mean active", "t-stat", "hit rate"):
        t.add_column(c, justify="right")
    for h, s in summary.items():
        t.add_row(str(h), str(s["n"]), _pct(s["mean_active_return"]),
                  "n/a" if s["t_stat"] is None else f"{s['t_stat']:.2f}", _pct(s["hit_rate"]))
    out.print(t)
    t = Table(title=f"latest {min(limit, len(df))} outcomes")
    for c in ("decision", "date", "horizon", "end", "fund", "benchmark", "active"):
        t.add_column(c)
    for r in df.head(limit).itertuples():
        t.add_row(str(r.decision_id), r.date, str(r.horizon_days), r.end_date, _pct(r.portfolio_return),
                  _pct(r.benchmark_return), _pct(r.active_return))
    out.print(t)
