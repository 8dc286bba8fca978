"""The ``econgraph`` command line: every step of the pipeline, on the embedded store by default.

This module is the composition root: it defines the top-level commands (``ingest``, ``build``, ``impact``,
``rebalance``, ``backtest``, ``serve``, ``run``) and registers each command group, one ``add_typer`` line a group;
the groups live in ``pipeline/cli_<area>.py`` (data, io and graph, forecast, compliance, score, text, journal,
nowcast). Commands parse options and print; the work is done by service functions that the API calls too.
"""
from __future__ import annotations

import json
import sys
import time
from typing import List, Optional

import typer
from rich.table import Table

from ingest.errors import IngestError
from ingest.registry import available_sources

from .cli_common import _fail, _progress, console, out
from .cli_compliance import compliance_app
from .cli_data import data_app
from .cli_forecast import forecast_app
from .cli_graph import graph_app, io_app
from .cli_score import score_app
from .settings import get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="econgraph: official economic data -> quarterly graph of the US economy -> AI-managed ETF")
app.add_typer(data_app, name="data")
app.add_typer(io_app, name="io")
app.add_typer(graph_app, name="graph")
app.add_typer(compliance_app, name="compliance")
app.add_typer(score_app, name="score")
app.add_typer(forecast_app, name="forecast")
app.add_typer(__import__("pipeline.cli_text", fromlist=["text_app"]).text_app, name="text")
app.add_typer(__import__("pipeline.cli_journal", fromlist=["journal_app"]).journal_app, name="journal")
from .cli_nowcast import app as nowcast_app, scaling_cmd  # noqa: E402
app.add_typer(nowcast_app, name="nowcast")
forecast_app.command("scaling")(scaling_cmd)


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
