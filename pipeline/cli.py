"""The ``econgraph`` command line: every step of the pipeline, on the embedded store by default."""
from __future__ import annotations

import json
import sys
import time
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.calendar import SNAPSHOT_VINTAGE_NOTE
from ingest.errors import IngestError
from ingest.registry import available_sources

from .settings import get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="econgraph: official economic data -> quarterly graph of the US economy -> AI-managed ETF")
data_app = typer.Typer(no_args_is_help=True, help="Inspect the warehouse.")
app.add_typer(data_app, name="data")
io_app = typer.Typer(no_args_is_help=True, help="Input-output mathematics (BEA method).")
app.add_typer(io_app, name="io")
graph_app = typer.Typer(no_args_is_help=True, help="The quarterly graph store.")
app.add_typer(graph_app, name="graph")
compliance_app = typer.Typer(no_args_is_help=True, help="Fund-rule compliance: checks, reports, audit replay.")
app.add_typer(compliance_app, name="compliance")
score_app = typer.Typer(no_args_is_help=True, help="LLM-automatability raters: run, evaluate, show.")
app.add_typer(score_app, name="score")
forecast_app = typer.Typer(no_args_is_help=True, help="Next-quarter forecasts (GNN + baselines, walk-forward).")
app.add_typer(forecast_app, name="forecast")
app.add_typer(__import__("pipeline.cli_text", fromlist=["text_app"]).text_app, name="text")
app.add_typer(__import__("pipeline.cli_journal", fromlist=["journal_app"]).journal_app, name="journal")
from .cli_nowcast import app as nowcast_app, scaling_cmd  # noqa: E402
app.add_typer(nowcast_app, name="nowcast")
forecast_app.command("scaling")(scaling_cmd)

console = Console(stderr=True)
out = Console()


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(), console=console,
                    transient=False, disable=not console.is_terminal and False)


def _parse_inputs(values: list[str]) -> dict[str, dict[str, str]]:
    inputs: dict[str, dict[str, str]] = {}
    for v in values:
        if "=" not in v or "." not in v.split("=", 1)[0]:
            raise typer.BadParameter(f"--input {v!r}: expected SOURCE.INPUT=PATH, e.g. bea.use_after=/tmp/new.xlsx")
        lhs, path = v.split("=", 1)
        src, name = lhs.split(".", 1)
        inputs.setdefault(src, {})[name] = path
    return inputs


@app.command()
def ingest(
    source: Optional[List[str]] = typer.Option(None, "--source", "-s", help="source to ingest (repeatable)"),
    force: bool = typer.Option(False, "--force", help="re-parse even if inputs and parser are unchanged"),
    input: Optional[List[str]] = typer.Option(None, "--input",
                                              help="SOURCE.INPUT=PATH: a newer official file of the same format"),
) -> None:
    """Parse the official releases into validated point-in-time Parquet tables."""
    from .quarterly import run_ingest

    settings = get_settings()
    names = source or available_sources()
    for n in names:
        if n not in available_sources():
            raise typer.BadParameter(f"unknown source {n!r}; known: {', '.join(available_sources())}")
    try:
        results = run_ingest(settings, names, force=force, inputs=_parse_inputs(input or []), console=console)
    except IngestError as exc:
        console.print(f"[red]ingest failed:[/red] {exc}")
        console.print("Tables ingested before this failure are intact.")
        raise typer.Exit(2)
    table = Table(title="ingest")
    for col in ("source", "status", "tables", "rows", "seconds"):
        table.add_column(col)
    for r in results:
        table.add_row(r.source, "unchanged (no-op)" if r.skipped else "ingested", str(len(r.tables)),
                      f"{sum(r.tables.values()):,}", f"{r.seconds:.1f}")
    out.print(table)


@data_app.command("list")
def data_list(fmt: str = typer.Option("table", "--format", help="table | json")) -> None:
    """Show each warehouse table with rows, period range, vintage and publication dates."""
    from ingest.warehouse import Warehouse

    settings = get_settings()
    rows = Warehouse(settings.home).list_tables()
    if fmt == "json":
        out.print_json(json.dumps({"note": SNAPSHOT_VINTAGE_NOTE, "tables": [
            {k: r.get(k) for k in ("source", "table", "rows", "period_min", "period_max", "vintages",
                                   "published_min", "published_max", "parser_version", "ingested_at")}
            for r in rows]}, default=str))
        return
    t = Table(title=f"warehouse {settings.warehouse_dir}")
    for col in ("source", "table", "rows", "periods", "vintage", "published"):
        t.add_column(col)
    for r in rows:
        periods = f"{r.get('period_min', '')}..{r.get('period_max', '')}" if r.get("period_min") else "static"
        pub = f"{r.get('published_min', '')}..{r.get('published_max', '')}" if r.get("published_min") else ""
        t.add_row(r["source"], r["table"], f"{r['rows']:,}", periods, ",".join(r.get("vintages") or []), pub)
    out.print(t)
    out.print(f"[dim]{SNAPSHOT_VINTAGE_NOTE}[/dim]")


def _fail(exc: Exception, code: int = 2):
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(code)


@app.command()
def build(
    quarters: Optional[str] = typer.Option(None, "--quarters", help="e.g. 2005Q1:2024Q3 or 2024Q3 (default: all)"),
    store: Optional[str] = typer.Option(None, "--store", help="embedded | neo4j (default: settings)"),
) -> None:
    """Build quarterly graphs (SUPPLIES, EMPLOYS, PERFORMS, task scores, AI impact) into the graph store."""
    from graph.build import BuildError

    from .graphs import QueryError, build as do_build

    settings = get_settings()
    with _progress() as bar:
        task = bar.add_task("build", total=None)
        try:
            rows = do_build(settings, quarters, store, progress=lambda q: bar.update(task, advance=1,
                                                                                     description=f"built {q}"),
                            on_total=lambda n: bar.update(task, total=n))
        except (BuildError, QueryError, IngestError, ValueError) as exc:
            _fail(exc)
    last = rows[-1] if rows else None
    out.print(f"built {len(rows)} quarters into the {store or settings.graph_store} store"
              + (f"; latest {last['quarter']} (IO {last['io_year']}, OEWS {last['oews_period']})" if last else ""))
    backcast = [r["quarter"] for r in rows if r["backcast"]]
    if backcast:
        out.print(f"[yellow]{len(backcast)} quarters ({backcast[0]}..{backcast[-1]}) use an occupation layer "
                  f"backcast from the first published OEWS industry year (flagged in every output)[/yellow]")


@app.command()
def impact(
    quarter: Optional[str] = typer.Option(None, "--quarter", help="e.g. 2024Q3 (default: the latest built quarter, "
                                          "a nowcast quarter when `econgraph nowcast build` has run; flagged)"),
    industry: Optional[str] = typer.Option(None, "--industry", help="BEA summary code, e.g. 5415"),
    rater: Optional[str] = typer.Option(None, "--rater", help="human | gpt4 | embedding | llm | consensus"),
    fmt: str = typer.Option("table", "--format", help="table | json | csv"),
    plot: Optional[str] = typer.Option(None, "--plot", help="write a PNG: direct vs supply-chain exposure"),
) -> None:
    """How many dollars of work in each industry LLMs can do, directly and through the supply chain."""
    from .graphs import QueryError, impact_plot, impact_report, open_store

    settings = get_settings()
    store = open_store(settings)
    try:
        rep = impact_report(store, quarter, industry, rater)
    except QueryError as exc:
        _fail(exc)
    finally:
        store.close()
    if plot:
        impact_plot(rep["industries"], rep["quarter"], rep["rater"], plot)
        console.print(f"plot written to {plot}")
    if fmt == "json":
        out.print_json(json.dumps(rep))
        return
    import pandas as pd

    rows = pd.DataFrame([{k: v for k, v in r.items() if not isinstance(v, (list, dict))} for r in rep["industries"]])
    if fmt == "csv":
        sys.stdout.write(rows.to_csv(index=False))
        return
    nat = rep["national"]
    t = Table(title=f"AI impact {rep['quarter']}{' NOWCAST' if rep.get('nowcast') else ''}, rater {rep['rater']} "
                    f"(OEWS {rep['basis']['oews_period']}"
                    f"{', BACKCAST' if rep['basis']['backcast'] else ''}; IO {rep['basis']['io_year']})")
    for col in ("bea_code", "name", "wage bill $B", "automatable $B", "share", "supply chain /$", "raters $B"):
        t.add_column(col, justify="right" if col not in ("bea_code", "name") else "left")
    for r in sorted(rep["industries"], key=lambda r: -(r["automatable_wage_bill_usd"] or 0)):
        b = r["automatable_wage_bill_usd_band"]
        t.add_row(r["bea_code"], r["name"][:40], _b(r["wage_bill_usd"]), _b(r["automatable_wage_bill_usd"]),
                  _p(r["automatable_share"]), _f(r["supply_chain_automatable_per_usd_final_demand"]),
                  f"{_b(b['min'])}-{_b(b['max'])}")
    out.print(t)
    nb = nat["automatable_wage_bill_usd_band"]
    out.print(f"national: wage bill ${_b(nat['wage_bill_usd'])}B, automatable ${_b(nat['automatable_wage_bill_usd'])}B"
              f" ({_p(nat['automatable_share'])}); across raters ${_b(nb['min'])}B-${_b(nb['max'])}B")
    if rep.get("nowcast"):
        nb_ = rep["basis"]["nowcast_basis"]
        go = nb_["gross_output_usd_millions"]
        out.print(f"[yellow]nowcast quarter (as of {rep['basis']['as_of']}, {nb_['model']} nowcaster, "
                  f"{nb_['horizon_quarters']} quarters after BEA {nb_['base_quarter']}): gross output "
                  f"${go['q0.5'] / 1e6:,.2f}T, 95% band ${go['q0.025'] / 1e6:,.2f}T-${go['q0.975'] / 1e6:,.2f}T"
                  f"[/yellow]")
    out.print(f"[dim]{rep['basis']['note']}[/dim]")


def _b(v) -> str:
    return "n/a" if v is None else f"{v / 1e9:,.1f}"


def _p(v) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


def _f(v) -> str:
    return "n/a" if v is None else f"{v:.3f}"


@io_app.command("requirements")
def io_requirements(
    year: int = typer.Option(..., "--year"),
    kind: str = typer.Option("total", "--kind", help="direct | direct-ixi | total | ghosh"),
    fmt: str = typer.Option("csv", "--format", help="csv | json"),
) -> None:
    """Export direct (commodity x industry), industry x industry, total (Leontief) or Ghosh requirements."""
    from .graphs import QueryError, requirements

    try:
        m = requirements(get_settings(), year, kind)
    except QueryError as exc:
        _fail(exc)
    if fmt == "json":
        out.print_json(json.dumps({"year": year, "kind": kind, "rows": list(m.index), "columns": list(m.columns),
                                   "values": m.round(12).values.tolist()}))
    else:
        sys.stdout.write(m.to_csv(float_format="%.10g"))


@graph_app.command("export")
def graph_export(
    quarter: str = typer.Option(..., "--quarter"),
    fmt: str = typer.Option("graphml", "--format", help="graphml | parquet"),
    out_path: Optional[str] = typer.Option(None, "--out", help="file (graphml) or directory (parquet)"),
) -> None:
    """Export one quarter of the graph."""
    from graph.embedded import export_quarter
    from graph.store import GraphStoreError

    from .graphs import open_store

    settings = get_settings()
    path = out_path or str(settings.home / "exports" / (f"{quarter}.graphml" if fmt == "graphml" else quarter))
    store = open_store(settings)
    try:
        export_quarter(store, quarter, fmt, path)
    except (GraphStoreError, ValueError) as exc:
        _fail(exc)
    finally:
        store.close()
    out.print(f"exported {quarter} to {path}")


def _forecast_config(quick: bool, seeds: int | None):
    from gnn.evaluate import EvalConfig, ci_config

    cfg = ci_config() if quick else EvalConfig()
    if seeds is not None:
        cfg.gnn.n_seeds = seeds
    return cfg


@forecast_app.command("train")
def forecast_train(
    quarter: Optional[str] = typer.Option(None, "--quarter", help="train with what was known when forecasting it"),
    quick: bool = typer.Option(False, "--quick", help="small configuration (CI)"),
    seeds: Optional[int] = typer.Option(None, "--seeds"),
    device: Optional[str] = typer.Option(None, "--device", help="cpu | cuda (default: settings)"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Train the GNN ensemble and store it in the model registry."""
    from gnn.train import train

    from .forecasting import open_graph_inputs

    settings = get_settings()
    cfg = _forecast_config(quick, seeds).gnn
    cfg.device = device or settings.resolved_device()
    supplies, metrics = open_graph_inputs(settings)
    with console.status("training the GNN ensemble"):
        entry = train(settings.home, config=cfg, supplies=supplies, graph_metrics=metrics, as_of_quarter=quarter)
    if fmt == "json":
        out.print_json(json.dumps(entry, default=str))
    else:
        out.print(f"model {entry.get('model_id', entry.get('id'))} stored under {settings.home / 'models'}")


@forecast_app.command("evaluate")
def forecast_evaluate(
    quick: bool = typer.Option(False, "--quick", help="small configuration (CI): 2 origins, 3 seeds"),
    seeds: Optional[int] = typer.Option(None, "--seeds", help="neural-model seeds (default 20)"),
    text_index: bool = typer.Option(False, "--text-index", help=(
        "add each industry's Beige Book index (latest edition released by the as-of date) as a node feature; "
        "needs `econgraph text build`")),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Walk-forward evaluation of the GNN against the baselines; report under <home>/reports/forecast/."""
    from gnn.evaluate import evaluate

    from .forecasting import open_graph_inputs

    settings = get_settings()
    supplies, metrics = open_graph_inputs(settings)
    cfg = _forecast_config(quick, seeds)
    cfg.gnn.device = settings.resolved_device()
    cfg.text_index = text_index
    with _progress() as bar:
        task = bar.add_task("walk-forward", total=None)
        res = evaluate(settings.home, config=cfg, supplies=supplies, graph_metrics=metrics,
                       progress=lambda *a, **k: bar.update(task, advance=1))
    if fmt == "json":
        out.print_json(json.dumps(res, default=str))
        return
    for target, models in res.get("targets", res).items():
        if not isinstance(models, dict):
            continue
        t = Table(title=f"{target}: best baseline {models.get('best_baseline')}, DM p = {models.get('dm_pvalue')}")
        for col in ("model", "pinball", "mae", "rank IC (t)"):
            t.add_column(col)
        for name, m in (models.get("models") or {}).items():
            ic = f"{m['rank_ic_mean']:.3f} ({m['rank_ic_t']:.2f})" if m.get("rank_ic_mean") is not None else ""
            t.add_row(name, f"{m['pinball']:.5f}", f"{m['mae']:.5f}", ic)
        out.print(t)
    out.print(f"report: {settings.home / 'reports' / 'forecast' / 'report.md'}")


@forecast_app.command("predict")
def forecast_predict(
    quarter: Optional[str] = typer.Option(None, "--quarter"),
    model: Optional[str] = typer.Option(None, "--model", help="model id (default: latest)"),
    since: Optional[str] = typer.Option(None, "--from", help="point-in-time history: forecast every quarter from "
                                        "this one to --quarter (default: the latest), retraining every --step"),
    step: int = typer.Option(4, "--step", help="with --from: quarters per retraining block"),
    quick: bool = typer.Option(False, "--quick", help="with --from: small configuration (CI)"),
    seeds: Optional[int] = typer.Option(None, "--seeds", help="with --from: neural-model seeds"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Per-industry return quantiles for the next period (what the allocator consumes); with --from, the
    point-in-time history of them (each block forecast by a model trained on what was public at its start)."""
    from gnn.predict import history, predict

    from .forecasting import open_graph_inputs

    settings = get_settings()
    supplies, metrics = open_graph_inputs(settings)
    if since is not None:
        if model is not None:
            _fail(ValueError("--model and --from exclude each other: --from trains one model per block"))
        cfg = _forecast_config(quick, seeds).gnn
        cfg.device = settings.resolved_device()
        with _progress() as bar:
            task = bar.add_task("forecast history", total=None)
            try:
                rows = history(settings.home, first=since, last=quarter, step=step, config=cfg, supplies=supplies,
                               graph_metrics=metrics, progress=lambda msg: bar.update(task, description=msg))
            except (FileNotFoundError, KeyError, ValueError) as exc:
                _fail(exc)
        if fmt == "json":
            out.print_json(json.dumps(rows, default=str))
            return
        t = Table(title=f"point-in-time forecasts {rows[0]['quarter']}..{rows[-1]['quarter']}")
        for col in ("quarter", "as_of_date", "model_id", "industries", "trained"):
            t.add_column(col)
        for r in rows:
            t.add_row(r["quarter"], r["as_of_date"], r["model_id"], str(r["n_industries"]),
                      "yes" if r["trained"] else "reused")
        out.print(t)
        out.print(f"written to {settings.home / 'forecasts'}")
        return
    try:
        frame, path = predict(settings.home, quarter=quarter, model_id=model, supplies=supplies,
                              graph_metrics=metrics)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        _fail(exc)
    if fmt == "json":
        out.print_json(frame.to_json(orient="records", date_format="iso"))
    else:
        out.print(frame.to_string(index=False))
        out.print(f"written to {path}")


@app.command()
def rebalance(
    date: str = typer.Option(..., "--date", help="trading date D (decisions use closes before D)"),
    universe: str = typer.Option("sp500", "--universe", help="sp500 | sector_etfs | a user universe directory"),
    nav: float = typer.Option(1e8, "--nav", help="net asset value, USD"),
    holdings: Optional[str] = typer.Option(None, "--holdings", help="CSV identifier,quantity (+ CASH_USD row)"),
    security_data: Optional[str] = typer.Option(None, "--security-data",
                                                help="CSV identifier,shares_outstanding,adv_shares (licensed data)"),
    compliance_mode: str = typer.Option("enforce", "--compliance",
                                        help="enforce (trading: missing data blocks acquisitions) | evaluable "
                                             "(research: rules enforced where their data exist) | report | off"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Daily target weights, whole-share orders and the holdings disclosure file for one date."""
    from portfolio.rebalance import RebalanceError

    from .daily import DailyError, rebalance as run_rebalance

    settings = get_settings()
    try:
        with console.status(f"rebalancing {universe} for {date}"):
            summary = run_rebalance(settings, date, universe, nav, holdings, security_data, compliance_mode)
    except (RebalanceError, DailyError, IngestError, ValueError) as exc:
        _fail(exc)
    if fmt == "json":
        out.print_json(json.dumps(summary, default=str))
        return
    out.print(f"{summary['date']} {universe}: status {summary['status']}, {summary['n_positions']} positions, "
              f"turnover {summary['turnover']:.2%}, solve {summary['solve_ms']:.0f} ms")
    if summary["relaxed"]:
        out.print(f"[yellow]relaxed: {', '.join(map(str, summary['relaxed']))}[/yellow]")
    comp = summary["compliance"]
    out.print(f"compliance ({comp.get('mode')}): {comp.get('status_counts')}; violations {comp.get('violations')}")
    for note in summary.get("notes", [])[:5]:
        out.print(f"[dim]{note}[/dim]")
    out.print(f"files: {settings.home / 'portfolio' / summary['universe'] / summary['date']}")


@app.command()
def backtest(
    start: Optional[str] = typer.Option(None, "--start"),
    end: Optional[str] = typer.Option(None, "--end"),
    universe: str = typer.Option("sector_etfs", "--universe"),
    every: int = typer.Option(5, "--every", help="rebalance every N trading days"),
    compliance_mode: str = typer.Option("evaluable", "--compliance",
                                        help="evaluable (default: every rule enforced where its data exist) | "
                                             "enforce | report | off"),
    no_alternatives: bool = typer.Option(False, "--no-alternatives", help="skip the riskfolio allocators"),
    no_ablation: bool = typer.Option(False, "--no-ablation", help="skip the same program without the forecasts "
                                                                   "(the compliant benchmark replica)"),
    no_mandate: bool = typer.Option(False, "--no-mandate", help="absolute program (no benchmark) even where the "
                                                                "universe has a mandate"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Daily simulation with the same policy and costs as the daily run, from the first point-in-time forecast
    (`econgraph forecast predict --from Q`) to the latest price; report with plots."""
    from .daily import DailyError, backtest as run_backtest, backtest_table, json_safe, relative_lines

    settings = get_settings()
    with console.status(f"backtesting {universe}"):
        try:
            res = run_backtest(settings, start, end, universe, every, compliance_mode,
                               alternatives=not no_alternatives, ablation=not no_ablation, mandate=not no_mandate)
        except (DailyError, IngestError, ValueError) as exc:
            _fail(exc)
    if fmt == "json":
        out.print_json(json.dumps(json_safe(res), default=str))
        return
    out.print(backtest_table(res))
    out.print(f"regulatory/prospectus active breaches: {res['active_breaches']}; internal: {res['internal_breaches']}; "
              f"not evaluable (rule: rebalance days): {res.get('not_evaluable_rules') or 'none'}")
    out.print(f"decisions: {res['decisions']['status_counts']}; signal: {res['decisions']['signal_sources']}")
    for line in relative_lines(res):
        out.print(line)
    out.print(f"report: {res.get('report')}")


@compliance_app.command("check")
def compliance_check(
    date: str = typer.Option(..., "--date"),
    universe: str = typer.Option("sp500", "--universe"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Check the holdings published for a date against every rule (recorded in the audit log)."""
    from .daily import DailyError, compliance_check as run_check

    settings = get_settings()
    try:
        res = run_check(settings, date, universe)
    except (DailyError, IngestError, ValueError) as exc:
        _fail(exc)
    if fmt == "json":
        out.print_json(json.dumps(res, default=str))
        return
    t = Table(title=f"compliance {universe} {date}")
    for col in ("rule_id", "citation", "value", "limit", "status", "breach_class", "cure_deadline"):
        t.add_column(col)
    for r in res["rules"]:
        t.add_row(r["rule_id"], str(r["citation"])[:38], _fmt_num(r.get("value")), _fmt_num(r.get("limit")),
                  r["status"], str(r.get("breach_class") or ""), str(r.get("cure_deadline") or ""))
    out.print(t)


def _fmt_num(v) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    return "" if v is None else str(v)


@compliance_app.command("report")
def compliance_report(
    date: str = typer.Option(..., "--date"),
    out_dir: str = typer.Option(..., "--out"),
    universe: str = typer.Option("sp500", "--universe"),
) -> None:
    """Daily compliance report (HTML + PDF; RIC report on quarter ends) of a recorded check."""
    from compliance import service

    from .daily import compliance_dir

    settings = get_settings()
    try:
        files = service.report(date, compliance_dir(settings, universe), out_dir)
    except (LookupError, ValueError, OSError) as exc:
        _fail(exc)
    for kind, path in files.items():
        out.print(f"{kind}: {path}")


@compliance_app.command("replay")
def compliance_replay(
    date: str = typer.Option(..., "--date"),
    universe: str = typer.Option("sp500", "--universe"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Re-run a past date's check from its recorded inputs and show whether it reproduces."""
    from compliance import service

    from .daily import compliance_dir

    settings = get_settings()
    try:
        res = service.replay(date, compliance_dir(settings, universe))
    except (LookupError, ValueError, OSError) as exc:
        _fail(exc)
    if fmt == "json":
        out.print_json(json.dumps(res, default=str))
        return
    same = res["matches"]
    out.print(f"replay {date} (audit seq {res['seq']}): {'reproduced' if same else 'DIFFERENT'}; recorded "
              f"{res['recorded_result_hash'][:16]}, replayed {res['replayed_result_hash'][:16]}")
    for r in res["result"]["rules"]:
        out.print(f"  {r['rule_id']:<28} {r['status']}")
    if not same:
        raise typer.Exit(1)


@compliance_app.command("verify")
def compliance_verify(universe: str = typer.Option("sp500", "--universe")) -> None:
    """Verify the hash chain of the audit log (any edited, deleted or reordered entry is reported)."""
    from compliance import service

    from .daily import compliance_dir

    res = service.verify(compliance_dir(get_settings(), universe))
    out.print(f"audit log: {'OK' if res['ok'] else 'TAMPERED'}; {res['entries']} entries; head {res['head']}")
    for p in res["problems"]:
        out.print(f"[red]{p}[/red]")
    if not res["ok"]:
        raise typer.Exit(1)


@score_app.command("run")
def score_run(
    rater: str = typer.Option(..., "--rater", help="embedding | llm | human | gpt4"),
    limit: Optional[int] = typer.Option(None, "--limit", help="score only the first N tasks (trial)"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Score every O*NET 29.1/30.1 and emerging task; refresh the consensus and band (re-run `build` after)."""
    from .scoring import ScoringError, run as run_score

    try:
        with console.status(f"scoring tasks with {rater}"):
            info = run_score(get_settings(), rater, limit)
    except (ScoringError, IngestError, ValueError) as exc:
        _fail(exc)
    if fmt == "json":
        out.print_json(json.dumps(info, default=str))
    else:
        out.print(f"{rater}: scored {info['scored']:,} of {info['tasks']:,} tasks {info['by_class']}; consensus over "
                  f"{info['consensus']['raters']} (mean band width {info['consensus']['mean_band_width']:.3f}); "
                  "run `econgraph build` to use them")


@score_app.command("evaluate")
def score_evaluate(
    seed: int = typer.Option(0, "--seed", help="split seed"),
    split: str = typer.Option("duplicate", "--split",
                              help="duplicate (occupations + 6-digit SOC + near-duplicate tasks held out together) "
                                   "| occupation (former split, leaks through duplicated task texts)"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Each rater against the human labels on held-out groups: kappa, binary kappa, occupation beta r, ECE."""
    from .scoring import ScoringError, evaluate as run_eval

    try:
        with console.status("evaluating raters on held-out groups"):
            res = run_eval(get_settings(), seed, split)
    except (ScoringError, IngestError, ValueError) as exc:
        _fail(exc)
    if fmt == "json":
        out.print_json(json.dumps(res, default=str))
        return
    first = next(iter(res.values()))["split"]
    t = Table(title=f"raters vs human labels ({first['description']})")
    for col in ("rater", "kappa_3class", "kappa_binary", "occupation_beta_r", "ece", "accuracy", "n_test"):
        t.add_column(col)
    for name, m in res.items():
        t.add_row(name, *[f"{m[k]:.3f}" for k in ("kappa_3class", "kappa_binary", "occupation_beta_r", "ece",
                                                   "accuracy")], str(m.get("n_test")))
    out.print(t)
    for name, m in res.items():
        d = m.get("kappa_difference")
        if d:
            out.print(f"{name} - {d['versus']}: kappa_3class {d['kappa_3class']['difference']:+.3f} "
                      f"[{d['kappa_3class']['ci_low']:+.3f}, {d['kappa_3class']['ci_high']:+.3f}], kappa_binary "
                      f"{d['kappa_binary']['difference']:+.3f} [{d['kappa_binary']['ci_low']:+.3f}, "
                      f"{d['kappa_binary']['ci_high']:+.3f}] ({d['level']:.0%} occupation bootstrap, "
                      f"{d['n_boot']} resamples)")


@score_app.command("show")
def score_show(task_id: int = typer.Argument(..., help="O*NET Task ID")) -> None:
    """All raters' answers for one task."""
    from .scoring import ScoringError, show

    try:
        out.print_json(json.dumps(show(get_settings(), task_id)))
    except ScoringError as exc:
        _fail(exc)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """Serve the v1 API and the dashboard (http://HOST:PORT/dashboard/)."""
    from api.server import serve as run_server

    try:
        run_server(get_settings(), host, port)
    except ValueError as exc:  # settings refused (e.g. no API key outside development)
        _fail(exc)


@app.command()
def run() -> None:
    """The main job end to end on the embedded store (what `make run` calls)."""
    from .quarterly import run_all

    settings = get_settings()
    t0 = time.perf_counter()
    try:
        run_all(settings, console=console)
    except IngestError as exc:
        console.print(f"[red]run failed:[/red] {exc}")
        raise typer.Exit(2)
    console.print(f"[green]done[/green] in {time.perf_counter() - t0:.1f}s; home: {settings.home}")


def main() -> None:  # console-script entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
