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


def run_all(settings: Settings, console: Console | None = None) -> None:
    """ingest -> build (every quarter) -> a summary of the latest quarter's AI impact."""
    console = console or Console(stderr=True)
    results = run_ingest(settings, console=console)
    for r in results:
        console.print(f"{r.source}: {'unchanged' if r.skipped else 'ingested'} "
                      f"{len(r.tables)} tables, {sum(r.tables.values()):,} rows in {r.seconds:.1f}s")
    rows = run_build(settings, console=console)
    last = rows[-1]
    console.print(f"graph: {len(rows)} quarters built ({rows[0]['quarter']}..{last['quarter']}); "
                  f"{sum(r['backcast'] for r in rows)} use a backcast occupation layer")
    for key, value in last.items():
        if key.startswith("automatable_wage_bill_usd["):
            console.print(f"  {last['quarter']} national automatable wage bill, rater {key[26:-1]}: "
                          f"${value / 1e12:,.2f} trillion")
