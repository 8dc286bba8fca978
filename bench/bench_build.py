"""Benchmark: the full graph build of every quarter, and Leontief solves on the REAL BEA matrices.

Prints a table and writes ``.bench/bench_build.json`` (git sha, parameters, timings). Never asserts on time.
Run after `econgraph ingest`: ``ECONGRAPH_HOME=.econgraph .venv/bin/python bench/bench_build.py [--quarters 2005Q1:2024Q3]``

* full build: load the warehouse tables, build every quarter (RAS flows, labour layer, impact for every rater) and
  write it to a fresh embedded store; wall time, per-quarter median, and the process's peak resident memory.
* Leontief ``x = L y`` on the real industry-by-industry ``A``: n = 71 (2023 summary tables, after redefinitions)
  and n = 402 (2017 detail benchmark, after redefinitions: ``A = D B`` from the detail Make and Use tables), LU solve
  (``FactorizedInverse(A, check=False).apply``) against the explicit inverse, median and p90 over repeats after
  warm-up; also :func:`graph.io_math.leontief_apply` with its productivity check, which computes the spectral radius
  when a column sum of ``|A|`` reaches 1 (some 2017 detail industries do) and then dominates the time.
  The synthetic sparse n = 10,000 comparison is in ``bench_io.py``.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import ROOT, git_sha  # noqa: E402

from graph import io_math  # noqa: E402
from graph.build import annual_io, build_quarter, load_inputs, parse_quarters  # noqa: E402
from graph.embedded import EmbeddedGraphStore  # noqa: E402
from ingest.warehouse import Warehouse  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def detail_A(io_detail: pd.DataFrame, year: int = 2017) -> pd.DataFrame:
    use = io_detail[(io_detail["table"] == "use_after_pro") & (io_detail["year"] == year)]
    make = io_detail[(io_detail["table"] == "make_after") & (io_detail["year"] == year)]
    ug = use.pivot_table(index="row_code", columns="col_code", values="value_usd_millions", aggfunc="sum")
    mg = make.pivot_table(index="row_code", columns="col_code", values="value_usd_millions", aggfunc="sum")
    industries = [c for c in mg.index if not c.startswith("T")]
    commodities = [c for c in mg.columns if not c.startswith("T")]
    U = ug.reindex(index=commodities, columns=industries).fillna(0.0)
    V = mg.reindex(index=industries, columns=commodities).fillna(0.0)
    g = ug.reindex(index=["T008"], columns=industries).fillna(0.0).iloc[0]
    q = mg.reindex(index=["T007"], columns=commodities).fillna(0.0).iloc[0]
    return io_math.industry_requirements(io_math.market_shares(V, q), io_math.direct_requirements(U, g))


def time_solves(A: pd.DataFrame, repeats: int, warmup: int) -> dict:
    M = A.to_numpy(dtype=float)
    y = np.abs(np.random.default_rng(0).normal(size=len(M))) * 1000
    out = {}
    for name, fn in (("lu_solve", lambda: io_math.FactorizedInverse(M, check=False).apply(y)),
                     ("lu_solve_with_productivity_check", lambda: io_math.leontief_apply(M, y)),
                     ("inverse", lambda: np.linalg.inv(np.eye(len(M)) - M) @ y)):
        for _ in range(warmup):
            fn()
        ts = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            ts.append((time.perf_counter() - t0) * 1e3)
        out[name] = {"median_ms": float(np.median(ts)), "p90_ms": float(np.percentile(ts, 90))}
    out["inverse_over_lu"] = out["inverse"]["median_ms"] / out["lu_solve"]["median_ms"]
    return out


def main() -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quarters", default=None, help="e.g. 2005Q1:2024Q3 (default: all)")
    ap.add_argument("--repeats", type=int, default=50)
    args = ap.parse_args()
    home = Path(os.environ.get("ECONGRAPH_HOME", ROOT / ".econgraph"))
    wh = Warehouse(home)
    res: dict = {"git_sha": git_sha(), "home": str(home)}

    rss0 = peak_rss_mb()
    t0 = time.perf_counter()
    inputs = load_inputs(wh)
    qs = parse_quarters(args.quarters, inputs)
    per = []
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedGraphStore(tmp)
        for q in qs:
            t1 = time.perf_counter()
            store.write_quarter(build_quarter(inputs, q).graph)
            per.append(time.perf_counter() - t1)
    res["full_build"] = {"quarters": len(qs), "wall_s": time.perf_counter() - t0,
                         "per_quarter_median_s": float(np.median(per)), "per_quarter_p90_s": float(np.percentile(per, 90)),
                         "peak_rss_mb": peak_rss_mb(), "peak_rss_before_mb": rss0}
    A71 = annual_io(inputs.io_summary, 2023).A
    A402 = detail_A(wh.read("bea_io_detail"))
    res["leontief_real"] = {"n71_summary_2023": {"n": len(A71), **time_solves(A71, args.repeats, 5)},
                            f"n{len(A402)}_detail_2017": {"n": len(A402), **time_solves(A402, args.repeats, 5)}}
    out = ROOT / ".bench" / "bench_build.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(res, indent=2))
    fb = res["full_build"]
    print(f"full build: {fb['quarters']} quarters in {fb['wall_s']:.1f} s (median {fb['per_quarter_median_s']:.2f} s "
          f"per quarter, p90 {fb['per_quarter_p90_s']:.2f} s); peak RSS {fb['peak_rss_mb']:.0f} MB")
    for name, r in res["leontief_real"].items():
        print(f"Leontief x = L y, real A {name}: LU solve {r['lu_solve']['median_ms']:.3f} ms (p90 "
              f"{r['lu_solve']['p90_ms']:.3f}) vs inverse {r['inverse']['median_ms']:.3f} ms (p90 "
              f"{r['inverse']['p90_ms']:.3f}): inverse/LU = {r['inverse_over_lu']:.1f}x; LU with the productivity "
              f"check (spectral radius when a column sum of |A| >= 1) "
              f"{r['lu_solve_with_productivity_check']['median_ms']:.3f} ms")
    print(f"written to {out}")
    return res


if __name__ == "__main__":
    main()
