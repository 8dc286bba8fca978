"""Benchmark the raters: embedding tasks/s (CPU, and CUDA when present) and LLM-client throughput vs concurrency.

Embedding: encode ``--tasks`` real O*NET task statements (from the Eloundou label file) with the bundled MiniLM model,
no cache, after a warm-up; ``--repeats`` runs, median and p90 of the wall time, tasks/s = tasks / median. The cached
path (every text already on disk) is timed alongside and reported as a ratio.

LLM client: the local OpenAI-compatible test server in a separate process (loopback, ``--latency-ms`` of simulated
model time per answer), ``--llm-tasks`` tasks with an empty cache per run (cache writes included), at each
``--concurrency`` level after a warm-up run; answers/s = tasks / median. The ideal at concurrency c is
c / latency; the gap is client + server CPU (both on this machine).

Prints a table and writes JSON (``--json``) with the git sha, parameters and every timing. Never asserts on time.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoring.raters.embedding import Embedder  # noqa: E402
from scoring.raters.llm import LLMConfig, LLMRater  # noqa: E402
from _common import git_sha  # noqa: E402




def summary(times: list[float], n: int) -> dict:
    med = statistics.median(times)
    p90 = float(np.percentile(times, 90))
    return {"seconds": times, "median_s": med, "p90_s": p90, "tasks_per_s": n / med}


def real_task_texts(n: int, seed: int) -> pd.DataFrame:
    from ingest.exposure import SOURCE
    from ingest.warehouse import resolve_inputs

    tasks = SOURCE.parse(resolve_inputs(SOURCE), lambda _msg: None)["exposure_eloundou_tasks"]
    return tasks.sample(n=min(n, len(tasks)), random_state=seed).reset_index(drop=True)


def bench_embedding(texts: list[str], device: str, repeats: int) -> dict:
    embedder = Embedder(cache_dir=None, device=device)
    embedder.encode(texts[:64])  # warm-up: model load, first kernels
    times = []
    for _ in range(repeats):
        fresh = Embedder(cache_dir=None, device=device)
        fresh._model = embedder._model  # same loaded model, empty cache
        t0 = time.perf_counter()
        fresh.encode(texts)
        times.append(time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as tmp:
        cached = Embedder(cache_dir=tmp, device=device)
        cached._model = embedder._model
        cached.encode(texts)
        hits = []
        for _ in range(repeats):
            reader = Embedder(cache_dir=tmp, device=device)
            t0 = time.perf_counter()
            reader.encode(texts)
            hits.append(time.perf_counter() - t0)
    out = summary(times, len(texts))
    out["cached"] = summary(hits, len(texts))
    out["cached_speedup"] = out["median_s"] / out["cached"]["median_s"]
    return out


def start_server_process(latency_s: float) -> tuple[subprocess.Popen, str]:
    """The test server in its own process, so that it does not share the client's GIL; returns (process, base URL)."""
    proc = subprocess.Popen([sys.executable, "-m", "scoring.testserver", "--latency-s", str(latency_s)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if " at http" not in line:
        proc.terminate()
        raise RuntimeError(f"the test server did not start: {line!r}")
    return proc, line.split(" at ", 1)[1].split()[0]


def bench_llm(tasks: pd.DataFrame, levels: list[int], repeats: int, latency_s: float) -> dict:
    results = {}
    proc, base_url = start_server_process(latency_s)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for c in levels:
                times = []
                for r in range(repeats + 1):  # the first run is the warm-up
                    rater = LLMRater(LLMConfig(base_url, "bench-model", concurrency=c), Path(tmp) / f"c{c}-{r}.sqlite")
                    t0 = time.perf_counter()
                    out = rater.score(tasks)
                    elapsed = time.perf_counter() - t0
                    if len(out) != len(tasks):
                        raise RuntimeError(f"concurrency {c}: {len(tasks) - len(out)} tasks failed")
                    if r:
                        times.append(elapsed)
                results[str(c)] = {**summary(times, len(tasks)), "calls": rater.last_run.calls}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000, help="task statements to embed per run")
    parser.add_argument("--llm-tasks", type=int, default=256, help="tasks per LLM-client run")
    parser.add_argument("--concurrency", default="1,4,16,64")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="simulated model time per answer")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args()

    import torch

    tasks = real_task_texts(max(args.tasks, args.llm_tasks), args.seed)
    texts = tasks["task_text"].tolist()[: args.tasks]
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    report = {"git_sha": git_sha(), "python": platform.python_version(), "torch": torch.__version__,
              "cpu_threads": torch.get_num_threads(),
              "params": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
              "embedding": {}, "llm": {}}
    for device in devices:
        report["embedding"][device] = bench_embedding(texts, device, args.repeats)
        e = report["embedding"][device]
        print(f"embedding {device}: {e['tasks_per_s']:.0f} tasks/s (median {e['median_s']:.2f}s, p90 "
              f"{e['p90_s']:.2f}s for {len(texts)} tasks); from cache {e['cached']['tasks_per_s']:.0f} tasks/s "
              f"({e['cached_speedup']:.0f}x)", flush=True)
    levels = [int(c) for c in args.concurrency.split(",")]
    report["llm"] = bench_llm(tasks.iloc[: args.llm_tasks], levels, args.repeats, args.latency_ms / 1000)
    base = report["llm"][str(levels[0])]["tasks_per_s"]
    print(f"LLM client vs local test server ({args.latency_ms:g} ms per answer, {args.llm_tasks} tasks):")
    for c, r in report["llm"].items():
        print(f"  concurrency {int(c):>3}: {r['tasks_per_s']:7.1f} answers/s (median {r['median_s']:.2f}s, "
              f"p90 {r['p90_s']:.2f}s, {r['tasks_per_s'] / base:.1f}x concurrency {levels[0]})")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
