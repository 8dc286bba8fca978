"""``econgraph io`` and ``econgraph graph``: input-output matrices and graph exports.

* ``io requirements --year Y [--kind direct|direct-ixi|total|ghosh] [--format csv|json]``: the BEA-method matrices
  of one year (:func:`pipeline.graphs.requirements`): direct requirements B = U·diag(g)⁻¹ (commodity x
  industry), industry-by-industry A = D·B with market shares D = V·diag(q)⁻¹, total requirements L = (I - A)⁻¹,
  or the Ghosh inverse G = (I - B_g)⁻¹ (:mod:`graph.io_math`).
* ``graph export --quarter Q [--format graphml|parquet] [--out PATH]``: one quarter of the graph store as
  GraphML or Parquet (:func:`graph.embedded.export_quarter`).
"""
from __future__ import annotations

import json
import sys
from typing import Optional

import typer

from .cli_common import _fail, out
from .settings import get_settings

io_app = typer.Typer(no_args_is_help=True, help="Input-output mathematics (BEA method).")
graph_app = typer.Typer(no_args_is_help=True, help="The quarterly graph store.")


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
