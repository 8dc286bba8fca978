"""Quarterly pipeline: ingest -> build -> score -> train (later issues add the later steps)."""
from __future__ import annotations

from typing import Mapping, Sequence

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ingest.registry import available_sources
from ingest.warehouse import IngestResult, Warehouse

from .settings import Settings


def run_ingest(settings: Settings, sources: Sequence[str] | None = None, *, force: bool = False,
               inputs: Mapping[str, Mapping[str, str]] | None = None,
               console: Console | None = None) -> list[IngestResult]:
    wh = Warehouse(settings.home)
    names = list(sources or available_sources())
    inputs = dict(inputs or {})
    results: list[IngestResult] = []
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} sources"), TimeElapsedColumn(),
                  console=console or Console(stderr=True)) as bar:
        task = bar.add_task("ingest", total=len(names))
        for name in names:
            bar.update(task, description=f"ingest {name}")

            def say(msg: str, _task=task) -> None:
                bar.update(_task, description=msg[:70])

            results.append(wh.ingest(name, inputs.get(name), force=force, progress=say))
            bar.advance(task)
        bar.update(task, description="ingest done")
    return results


def run_build(settings: Settings, quarters: str | None = None, console: Console | None = None) -> list[dict]:
    from .graphs import build

    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} quarters"), TimeElapsedColumn(),
                  console=console or Console(stderr=True)) as bar:
        task = bar.add_task("build graph", total=None)
        return build(settings, quarters, progress=lambda q: bar.update(task, advance=1, description=f"built {q}"),
                     on_total=lambda n: bar.update(task, total=n))


def run_all(settings: Settings, console: Console | None = None) -> dict:
    """The main job end to end on the configured store (embedded by default):

    ingest -> score tasks (embedding rater + consensus band) -> build every quarter -> forecast (a small CPU
    configuration: point-in-time forecasts of every quarter from the evaluation's first test quarter, one model per
    year trained on what was public then, the latest quarter by a model trained as of it) -> daily rebalance of the
    default universe on the first trading day after the latest forecast -> audited compliance check and report ->
    a monthly-rebalanced backtest of the ETF universe over every forecast, beside the same policy on the CAPM prior
    alone. Each step prints what it did; the summary is returned.
    """
    import datetime as dt

    import pandas as pd

    console = console or Console(stderr=True)
    summary: dict = {}
    results = run_ingest(settings, console=console)
    for r in results:
        console.print(f"{r.source}: {'unchanged' if r.skipped else 'ingested'} "
                      f"{len(r.tables)} tables, {sum(r.tables.values()):,} rows in {r.seconds:.1f}s")
    from .scoring import run as run_score

    with console.status("scoring every O*NET task with the offline embedding rater"):
        info = run_score(settings, "embedding")
    console.print(f"scores: embedding rater scored {info['scored']:,} tasks; consensus and band over "
                  f"{info['consensus']['raters']}")
    from .text import run_text_step

    summary["text"] = run_text_step(settings, console)
    rows = run_build(settings, console=console)
    last = rows[-1]
    console.print(f"graph: {len(rows)} quarters built ({rows[0]['quarter']}..{last['quarter']}); "
                  f"{sum(r['backcast'] for r in rows)} use a backcast occupation layer")
    for key, value in last.items():
        if key.startswith("automatable_wage_bill_usd["):
            console.print(f"  {last['quarter']} national automatable wage bill, rater {key[26:-1]}: "
                          f"${value / 1e12:,.2f} trillion (OEWS {last['oews_period']})")
    summary["graph"] = last
    from .nowcast import run_nowcasts

    summary["nowcast"] = run_nowcasts(settings, console)

    from gnn.evaluate import EvalConfig, ci_config
    from gnn.predict import history, predict
    from gnn.train import train

    from .forecasting import open_graph_inputs

    supplies, metrics = open_graph_inputs(settings)
    cfg = ci_config().gnn
    cfg.device = settings.resolved_device()
    first = EvalConfig().first_test
    with console.status(f"forecast: point-in-time GNN forecasts from {first} (small CPU configuration)") as st:
        rows = history(settings.home, first=first, config=cfg, supplies=supplies, graph_metrics=metrics,
                       progress=lambda msg: st.update(f"forecast: {msg}"))
        latest = rows[-1]
        if not latest["model_id"].startswith(f"gnn-{latest['quarter']}-"):  # the live quarter: its own model
            train(settings.home, config=cfg, supplies=supplies, graph_metrics=metrics)
            predict(settings.home, supplies=supplies, graph_metrics=metrics)
    frame = pd.read_parquet(latest["path"])
    as_of = pd.Timestamp(frame["as_of_date"].iloc[0])
    console.print(f"forecast: {len(rows)} quarters {rows[0]['quarter']}..{latest['quarter']} with "
                  f"{len({r['model_id'] for r in rows})} models; {len(frame)} industries forecast for "
                  f"{latest['quarter']} as of {as_of.date()} by {frame['model_id'].iloc[0]} -> {latest['path']}")
    summary["forecast"] = {"quarter": latest["quarter"], "path": latest["path"], "history": len(rows)}

    from .daily import compliance_dir, rebalance

    from ingest.warehouse import Warehouse

    etf = Warehouse(settings.home).read("market_etf_prices", columns=["date", "ticker"])
    days = pd.to_datetime(etf.loc[etf["ticker"] == "SPY", "date"])
    day = days[days > as_of].min().date().isoformat()  # the first trading day after the forecast
    with console.status(f"rebalance: sp500 for {day}"):
        reb = rebalance(settings, day, "sp500")
    comp = reb["compliance"]
    console.print(f"rebalance {day} (sp500, compliance {comp.get('mode')}): status {reb['status']}, "
                  f"{reb['n_positions']} positions, cash ${reb['cash_usd']:,.0f} of ${reb['nav_usd']:,.0f}; "
                  f"signal {reb['signal'].get('source')}; mandate {reb.get('mandate') or 'none'}")
    if reb["relaxed"]:
        console.print(f"  [yellow]relaxed: {', '.join(map(str, reb['relaxed']))}[/yellow]")
    for note in reb.get("notes", [])[:3]:
        console.print(f"  [dim]{note}[/dim]")
    if reb["n_positions"] == 0:
        console.print("  [yellow]no position could be bought: the regulatory tests (1940 Act 5(b)(1) voting "
                      "securities, Rule 22e-4 liquidity) cannot be evaluated without shares outstanding and volumes, "
                      "which the snapshot lacks for these stocks; supply licensed data with --security-data "
                      "(portfolio/README.md)[/yellow]")
    from compliance import service

    out_dir = settings.home / "reports" / "compliance"
    files = service.report(dt.date.fromisoformat(day), compliance_dir(settings, "sp500"), out_dir)
    console.print(f"compliance report: {', '.join(str(p) for p in files.values())}")
    summary["rebalance"] = reb
    from .daily import backtest, backtest_table

    with console.status("backtest: sector_etfs, monthly rebalancing, every forecast"):
        bt = backtest(settings, universe="sector_etfs", every=21, alternatives=False)
    console.print(backtest_table(bt))
    console.print(f"  backtest report (plots): {bt['report']}; `econgraph backtest` runs the weekly default with "
                  f"the riskfolio allocators")
    summary["backtest"] = {k: bt[k] for k in ("start", "end", "cagr", "sharpe", "max_drawdown", "report")}
    console.print("dashboard and API: run `.venv/bin/econgraph serve`, then open http://127.0.0.1:8000/dashboard/")
    console.print("sample query: curl -H \"X-API-Key: $KEY\" "
                  f"'http://127.0.0.1:8000/v1/industries/5415/impact?quarter={last['quarter']}'  "
                  "(in development with no ECONGRAPH_API_KEYS set, reads need no key; see README)")
    return summary
