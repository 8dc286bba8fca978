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
