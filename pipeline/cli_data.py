"""``econgraph data``: inspect the warehouse.

* ``data list [--format table|json]``: each ingested table with its rows, reference-period range, vintages and
  publication-date range (:meth:`ingest.warehouse.Warehouse.list_tables`), and the snapshot's one-vintage note
  (:data:`ingest.calendar.SNAPSHOT_VINTAGE_NOTE`): the warehouse holds one download per source, so a historical
  figure carries its first-release date but the values of that download.
"""
from __future__ import annotations

import json

import typer

from ingest.calendar import SNAPSHOT_VINTAGE_NOTE

from .cli_common import _table, out
from .settings import get_settings

data_app = typer.Typer(no_args_is_help=True, help="Inspect the warehouse.")


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
    t = _table(f"warehouse {settings.warehouse_dir}", ("source", "table", "rows", "periods", "vintage", "published"))
    for r in rows:
        periods = f"{r.get('period_min', '')}..{r.get('period_max', '')}" if r.get("period_min") else "static"
        pub = f"{r.get('published_min', '')}..{r.get('published_max', '')}" if r.get("published_min") else ""
        t.add_row(r["source"], r["table"], f"{r['rows']:,}", periods, ",".join(r.get("vintages") or []), pub)
    out.print(t)
    out.print(f"[dim]{SNAPSHOT_VINTAGE_NOTE}[/dim]")
