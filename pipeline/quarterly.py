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


def run_all(settings: Settings, console: Console | None = None) -> None:
    console = console or Console(stderr=True)
    results = run_ingest(settings, console=console)
    for r in results:
        console.print(f"{r.source}: {'unchanged' if r.skipped else 'ingested'} "
                      f"{len(r.tables)} tables, {sum(r.tables.values()):,} rows in {r.seconds:.1f}s")
