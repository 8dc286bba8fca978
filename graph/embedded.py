"""Embedded graph store (the default, no server): Parquet per quarter plus a networkx view built on demand.

Layout under ``<root>/graph/``::

    static/<static_hash>/   industries, occupations, tasks, task_scores, performs .parquet + manifest.json
    <quarter>/              supplies, employs, impact .parquet + manifest.json (names its static_hash)

Quarters built from the same releases share one static directory (keyed by the SHA-256 of its canonical content).
Every directory is written into a hidden temporary sibling, its ``manifest.json`` last, then renamed into place
(:func:`ingest.storage.atomic_directory`), so a quarter directory that exists is complete; hidden leftovers of a
killed writer are ignored by readers and removed by the next write of that quarter. One writer per root at a time.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import networkx as nx
import pandas as pd

from ingest.storage import atomic_directory, atomic_path, atomic_write_json

from .schema import QUARTER_TABLES, STATIC_TABLES, TABLES, Quarter, QuarterGraph
from .store import TASK_COLUMNS, GraphStore, GraphStoreError, Progress, stored_manifest

MANIFEST = "manifest.json"
_QUARTER_DIR = re.compile(r"^\d{4}Q[1-4]$")


class EmbeddedGraphStore(GraphStore):
    """Parquet files under ``<root>/graph`` (``root`` is the econgraph home directory)."""

    backend = "embedded"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.dir = self.root / "graph"

    # ------------------------------------------------------------------------------------------- paths
    def _qdir(self, q: Quarter) -> Path:
        return self.dir / str(q)

    def _sdir(self, static_hash: str) -> Path:
        return self.dir / "static" / static_hash

    # ------------------------------------------------------------------------------------------- writing
    def _put_quarter(self, qg: QuarterGraph, progress: Progress) -> None:
        q, h = qg.quarter, qg.static_hash()
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            for stale in self.dir.glob(f".{q}.*.tmp"):
                shutil.rmtree(stale, ignore_errors=True)
            sdir = self._sdir(h)
            if not (sdir / MANIFEST).exists():
                with atomic_directory(sdir) as tmp:
                    for spec in STATIC_TABLES:
                        df = getattr(qg, spec.name)
                        df.to_parquet(tmp / f"{spec.name}.parquet", index=False)
                        progress(f"static layer {h}: {spec.name} ({len(df):,} rows)")
                    atomic_write_json(tmp / MANIFEST, {"static_hash": h, "status": "complete",
                                                       "tables": {s.name: len(getattr(qg, s.name))
                                                                  for s in STATIC_TABLES}})
            with atomic_directory(self._qdir(q)) as tmp:
                for spec in QUARTER_TABLES:
                    df = getattr(qg, spec.name)
                    df.to_parquet(tmp / f"{spec.name}.parquet", index=False)
                    progress(f"{q}: {spec.name} ({len(df):,} rows)")
                atomic_write_json(tmp / MANIFEST, stored_manifest(qg, h))
                progress(f"{q}: manifest")
        except OSError as exc:
            raise GraphStoreError(f"writing quarter {q} under {self.dir} failed: {exc}. The quarter was not "
                                  f"replaced (a previous complete copy, if any, is intact); fix the cause and "
                                  f"re-run the build") from exc

    def _delete_quarter(self, q: Quarter) -> None:
        qdir = self._qdir(q)
        if qdir.exists():
            gone = self.dir / f".{q}.deleted.tmp"
            qdir.rename(gone)  # atomic: readers stop seeing it at once
            shutil.rmtree(gone, ignore_errors=True)
        for stale in self.dir.glob(f".{q}.*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)

    # ------------------------------------------------------------------------------------------- reading
    def _complete_quarters(self) -> list[str]:
        if not self.dir.exists():
            return []
        out = []
        for d in self.dir.iterdir():
            if not (_QUARTER_DIR.match(d.name) and (d / MANIFEST).is_file()):
                continue
            m = self._read_json(d / MANIFEST)
            if m.get("status") == "complete" and (self._sdir(m.get("static_hash", "")) / MANIFEST).is_file():
                out.append(d.name)
        return out

    def _read_json(self, path: Path) -> dict:
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise GraphStoreError(f"cannot read {path}: {exc}; rebuild the quarter") from exc

    def _read(self, path: Path) -> pd.DataFrame:
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise GraphStoreError(f"cannot read {path}: {exc}; rebuild the quarter") from exc

    def _get_manifest(self, q: Quarter) -> dict:
        return self._read_json(self._qdir(q) / MANIFEST)

    def _table_path(self, q: Quarter, manifest: dict, name: str) -> Path:
        if TABLES[name] in STATIC_TABLES:
            return self._sdir(manifest["static_hash"]) / f"{name}.parquet"
        return self._qdir(q) / f"{name}.parquet"

    def _get_tables(self, q, manifest, only=None):
        return {name: self._read(self._table_path(q, manifest, name)) for name in (only or TABLES)}

    def _get_industries(self, q: Quarter) -> pd.DataFrame:
        return self._read(self._table_path(q, self._get_manifest(q), "industries"))

    def _get_flows(self, q: Quarter, code: str, incoming: bool) -> pd.DataFrame:
        df = self._read(self._qdir(q) / "supplies.parquet")
        return df[df["dst_bea_code" if incoming else "src_bea_code"] == code]

    def _get_employs(self, q: Quarter, code: str) -> pd.DataFrame:
        df = self._read(self._qdir(q) / "employs.parquet")
        return df[df["bea_code"] == code]

    def _get_tasks(self, q: Quarter, soc: str) -> pd.DataFrame:
        manifest = self._get_manifest(q)
        performs = self._read(self._table_path(q, manifest, "performs"))
        tasks = self._read(self._table_path(q, manifest, "tasks"))
        return performs[performs["soc"] == soc].merge(tasks, on="task_id", how="inner")[TASK_COLUMNS]

    def _get_impact(self, q, rater, code, manifest):
        df = self._read(self._qdir(q) / "impact.parquet")
        if rater is not None:
            df = df[df["rater"] == rater]
        if code is not None:
            df = df[df["bea_code"] == code]
        return df

    def _close(self) -> None:
        return None

    # ------------------------------------------------------------------------------------------- views
    def to_networkx(self, quarter: "str | Quarter") -> nx.MultiDiGraph:
        """The quarter as a networkx graph (see :func:`to_networkx`)."""
        return to_networkx(self.read_quarter(quarter))


def to_networkx(qg: QuarterGraph) -> nx.MultiDiGraph:
    """Build a ``MultiDiGraph`` of one quarter.

    Nodes ``industry:<bea_code>``, ``occupation:<soc>``, ``task:<task_id>`` carry ``kind`` and their table's
    columns; task nodes add ``score[<rater>/<rubric_version>]`` and ``exposure_class[...]``; industry nodes add
    every impact column as ``<column>[<rater>]``. Edges carry ``kind`` (SUPPLIES, EMPLOYS, PERFORMS) and their
    table's columns; edge keys are the kind (PERFORMS: ``PERFORMS:<scheme>``).
    """
    g = nx.MultiDiGraph(quarter=str(qg.quarter))
    for r in qg.industries.to_dict("records"):
        g.add_node(f"industry:{r['bea_code']}", kind="Industry", **r)
    for r in qg.occupations.to_dict("records"):
        g.add_node(f"occupation:{r['soc']}", kind="Occupation", **r)
    for r in qg.tasks.to_dict("records"):
        g.add_node(f"task:{r['task_id']}", kind="Task", **r)
    for r in qg.task_scores.to_dict("records"):
        node = g.nodes[f"task:{r['task_id']}"]
        tag = f"[{r['rater']}/{r['rubric_version']}]"
        node[f"score{tag}"] = r["score"]
        node[f"exposure_class{tag}"] = r["exposure_class"]
    value_cols = [c for c in qg.impact.columns if c not in ("quarter", "bea_code", "rater")]
    for r in qg.impact.to_dict("records"):
        node = g.nodes[f"industry:{r['bea_code']}"]
        for c in value_cols:
            node[f"{c}[{r['rater']}]"] = r[c]
    for r in qg.supplies.to_dict("records"):
        g.add_edge(f"industry:{r['src_bea_code']}", f"industry:{r['dst_bea_code']}", key="SUPPLIES",
                   kind="SUPPLIES", **r)
    for r in qg.employs.to_dict("records"):
        g.add_edge(f"industry:{r['bea_code']}", f"occupation:{r['soc']}", key="EMPLOYS", kind="EMPLOYS", **r)
    for r in qg.performs.to_dict("records"):
        g.add_edge(f"occupation:{r['soc']}", f"task:{r['task_id']}", key=f"PERFORMS:{r['scheme']}",
                   kind="PERFORMS", **r)
    return g


def _graphml_safe(attrs: dict) -> dict:
    """GraphML holds scalars only: lists become comma-joined strings, missing values are left out."""
    out = {}
    for k, v in attrs.items():
        if isinstance(v, list):
            out[k] = ",".join(v)
        elif v is None or v is pd.NA or (isinstance(v, float) and v != v):
            continue
        elif hasattr(v, "item"):
            out[k] = v.item()
        else:
            out[k] = v
    return out


def export_quarter(store: GraphStore, quarter: "str | Quarter", fmt: str, path: str | Path) -> Path:
    """Export one complete quarter from any store.

    ``fmt="graphml"``: one GraphML file at ``path`` (the networkx view; NAICS lists comma-joined, missing values
    omitted). ``fmt="parquet"``: a directory at ``path`` with one Parquet file per table and ``manifest.json``.
    Written atomically; returns ``path``.
    """
    if fmt not in ("graphml", "parquet"):
        raise GraphStoreError(f"unknown export format {fmt!r}; expected 'graphml' or 'parquet'")
    qg = store.read_quarter(quarter)
    path = Path(path)
    if fmt == "graphml":
        g = to_networkx(qg)
        safe = nx.MultiDiGraph(quarter=str(qg.quarter))
        safe.add_nodes_from((n, _graphml_safe(a)) for n, a in g.nodes(data=True))
        safe.add_edges_from((u, v, k, _graphml_safe(a)) for u, v, k, a in g.edges(keys=True, data=True))
        with atomic_path(path, suffix=".graphml") as tmp:
            nx.write_graphml(safe, tmp)
    elif fmt == "parquet":
        with atomic_directory(path) as tmp:
            for name, df in qg.tables().items():
                df.to_parquet(tmp / f"{name}.parquet", index=False)
            atomic_write_json(tmp / MANIFEST, qg.manifest)
    return path
