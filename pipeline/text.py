"""The Beige Book step of ``econgraph run``: build (or reuse) the point-in-time industry text indexes.

Ingests the ``text`` source into the warehouse if it is absent, then runs :func:`scoring.text.index.build`
(passages -> industries -> raters -> ``<home>/text/index.parquet``), which is free when its inputs and code are
unchanged. Returns the build report's editions, passages, coverage, seconds and whether it was reused. The
``econgraph text`` commands (:mod:`pipeline.cli_text`) call the same build.
"""
from __future__ import annotations

from rich.console import Console


def run_text_step(settings, console: Console | None = None) -> dict:
    """The ``econgraph run`` step: build (or reuse) the indexes; returns the build report."""
    from ingest.warehouse import Warehouse
    from scoring.text.index import build

    con = console or Console(stderr=True)
    wh = Warehouse(settings.home)
    if not wh.has("text"):
        wh.ingest("text")
    with con.status("text: Beige Book passages -> industries -> raters -> indexes"):
        report = build(wh, settings.home, progress=lambda m: con.print(f"  [dim]{m}[/dim]"))
    cov = report["coverage"]
    con.print(f"text: Beige Book indexes for {cov['industries']} industries over {report['editions']} editions "
              f"({report['passages']:,} passages) in {report['seconds']:.0f}s"
              f"{' (unchanged, reused)' if report.get('cached') else ''} -> {settings.home / 'text'}")
    return {k: report[k] for k in ("editions", "passages", "coverage", "seconds", "cached") if k in report}
