"""Shared pieces of the ``econgraph`` command modules: the two consoles, the progress bar, and the failure exit.

Output convention: results go to stdout (``out``: tables, JSON, CSV, so they can be piped), progress and messages
to stderr (``console``). A command that meets a user error (unknown quarter, missing input, refused settings)
prints ``error: <message>`` on stderr and exits with status 2 (:func:`_fail`); status 1 is kept for checks that ran
and failed (a replay that does not reproduce, a tampered audit log).
"""
from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console(stderr=True)
out = Console()


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(), console=console,
                    transient=False, disable=not console.is_terminal and False)


def _fail(exc: Exception, code: int = 2):
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(code)


def _print_json(obj) -> None:
    """``obj`` as JSON on stdout; values JSON does not know (dates, paths, numpy scalars) as their ``str``."""
    out.print_json(json.dumps(obj, default=str))


def _table(title: str, columns) -> Table:
    """An empty rich table with these column headers."""
    t = Table(title=title)
    for col in columns:
        t.add_column(col)
    return t
