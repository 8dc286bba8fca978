"""Benchmark: Leontief solves, LU solve versus explicit inverse, at n = 71, n = 402 and a sparse n = 10,000 system.

Prints a table and writes ``.bench/bench_io.json`` (git sha, parameters, machine, every timing). Never asserts on
time. Run: ``.venv/bin/python bench/bench_io.py [--repeats 50] [--sparse-n 10000] [--no-dense-inverse]``.

What is timed (each figure = one full computation of ``x = L y`` from ``A`` and ``y``):

* ``lu_solve``: :func:`graph.io_math.leontief_apply` on ndarrays (productivity check, ``lu_factor``, ``lu_solve``);
* ``lu_solve_labelled``: the same on labelled pandas (alignment and validation overhead included);
* ``inverse``: ``numpy.linalg.inv(I - A) @ y`` (the explicit inverse);
* sparse system: ``sparse_lu_solve`` = :func:`graph.io_math.leontief_apply` on a CSR matrix (SuperLU), against
  ``dense_inverse`` = ``inv(I - A.toarray()) @ y``. The dense inverse at n = 10,000 needs ~0.8 GB per n x n
  float64 matrix (about 2.4 GB in all) and about a minute on 2 cores, so it is timed once (no warm-up, no
  repeats): its median and p90 are that single run.

Matrices are SYNTHETIC (no real tables are wired in yet; the lead will switch the n = 71 and n = 402 cases to the
BEA summary and detail ``A`` matrices). They imitate the real ones' density: 74% of the cells of the 2023
summary Use table's intermediate block are non-zero and 31% of the 2017 detail table's (measured once on
``data/snapshot/bea``); values are log-normal (IO flows are heavy-tailed) and each column is scaled so that its sum,
the intermediate-input share of output, is uniform on [0.2, 0.7] (the 2023 economy-wide share is 0.43).
The sparse n = 10,000 system is IO-like: 200 sector blocks of 50 industries (20% dense inside), plus 100 economy-wide
"hub" suppliers (utilities, transport, trade, finance) from which every industry buys 5. Sparse LU cost depends
heavily on structure: on unstructured random sparsity SuperLU fills in badly (measured here: 5 non-zeros per
column gave 20 million factor entries and a 17 s factorisation; 20 per column, 63 million and 168 s).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import scipy.sparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from graph.io_math import FactorizedInverse, leontief_apply  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SUMMARY_DENSITY = 0.74  # non-zero share, 2023 summary Use table, intermediate block (73 x 71)
DETAIL_DENSITY = 0.31  # non-zero share, 2017 detail Use table, intermediate block (406 x 402)


def git_state() -> dict:
    def run(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""
    return {"sha": run("rev-parse", "HEAD") or None, "dirty": bool(run("status", "--porcelain"))}


def scale_columns(A: np.ndarray | scipy.sparse.csc_matrix, rng: np.random.Generator):
    """Scale each column so it sums to an intermediate-input share drawn uniformly from [0.2, 0.7]."""
    sums = np.asarray(A.sum(axis=0)).ravel()
    factor = np.divide(rng.uniform(0.2, 0.7, A.shape[1]), sums, out=np.zeros(A.shape[1]), where=sums > 0)
    if scipy.sparse.issparse(A):
        return scipy.sparse.csc_matrix(A @ scipy.sparse.diags(factor))
    return A * factor[None, :]


def dense_io_like(n: int, density: float, rng: np.random.Generator) -> np.ndarray:
    pattern = rng.random((n, n)) < density
    np.fill_diagonal(pattern, True)  # industries buy from themselves
    return scale_columns(np.where(pattern, rng.lognormal(0.0, 1.5, (n, n)), 0.0), rng)


def sparse_io_like(n: int, rng: np.random.Generator, block: int = 50, block_density: float = 0.2,
                   hubs: int = 100, hub_links: int = 5) -> scipy.sparse.csc_matrix:
    rows, cols = [], []
    for start in range(0, n, block):
        size = min(block, n - start)
        r, c = np.nonzero(rng.random((size, size)) < block_density)
        rows.append(r + start)
        cols.append(c + start)
    hub_rows = rng.choice(n, size=min(hubs, n), replace=False)
    picks = np.stack([rng.choice(hub_rows, size=min(hub_links, len(hub_rows)), replace=False) for _ in range(n)])
    rows.append(picks.ravel())
    cols.append(np.repeat(np.arange(n), picks.shape[1]))
    r, c = np.concatenate(rows), np.concatenate(cols)
    A = scipy.sparse.csc_matrix((rng.lognormal(0.0, 1.5, len(r)), (r, c)), shape=(n, n))
    A.sum_duplicates()
    return scale_columns(A, rng)


def timed(fn, repeats: int, warmup: int) -> tuple[list[float], object]:
    for _ in range(warmup):
        fn()
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def record(case: str, n: int, nnz: int, method: str, times: list[float], warmup: int, **extra) -> dict:
    return {"case": case, "n": n, "nnz": nnz, "method": method, "repeats": len(times), "warmup": warmup,
            "median_s": float(np.median(times)), "p90_s": float(np.percentile(times, 90)),
            "min_s": float(np.min(times)), **extra}


def rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def bench_dense(n: int, density: float, repeats: int, warmup: int, rng: np.random.Generator) -> list[dict]:
    A = dense_io_like(n, density, rng)
    y = rng.lognormal(0.0, 1.0, n) * 1e4  # final demand, USD millions
    codes = [f"k{i:04d}" for i in range(n)]
    A_df, y_s = pd.DataFrame(A, index=codes, columns=codes), pd.Series(y, index=codes)
    case = f"dense n={n}"
    nnz = int(np.count_nonzero(A))
    t_lu, x_lu = timed(lambda: leontief_apply(A, y), repeats, warmup)
    t_lab, _ = timed(lambda: leontief_apply(A_df, y_s), repeats, warmup)
    eye = np.eye(n)
    t_inv, x_inv = timed(lambda: np.linalg.inv(eye - A) @ y, repeats, warmup)
    residual = float(np.max(np.abs((eye - A) @ x_lu - y)) / np.max(np.abs(y)))
    return [record(case, n, nnz, "lu_solve", t_lu, warmup, relative_residual=residual),
            record(case, n, nnz, "lu_solve_labelled", t_lab, warmup),
            record(case, n, nnz, "inverse", t_inv, warmup, max_rel_diff_vs_lu=rel_diff(x_inv, x_lu))]


def bench_sparse(n: int, repeats: int, warmup: int, dense_inverse: bool, rng: np.random.Generator) -> list[dict]:
    A = sparse_io_like(n, rng)
    y = rng.lognormal(0.0, 1.0, n) * 1e4
    case = f"sparse n={n}"
    fill = FactorizedInverse(A).factor_nnz
    t_sp, x_sp = timed(lambda: leontief_apply(A, y), repeats, warmup)
    residual = float(np.max(np.abs(y - (x_sp - A @ x_sp))) / np.max(np.abs(y)))
    out = [record(case, n, int(A.nnz), "sparse_lu_solve", t_sp, warmup, lu_factor_nnz=fill,
                  relative_residual=residual)]
    if dense_inverse:
        dense = A.toarray()
        t_inv, x_inv = timed(lambda: np.linalg.inv(np.eye(n) - dense) @ y, 1, 0)
        out.append(record(case, n, int(A.nnz), "dense_inverse", t_inv, 0, matrix_bytes=int(dense.nbytes),
                          max_rel_diff_vs_sparse=rel_diff(x_inv, x_sp)))
    return out


def ratios(results: list[dict]) -> list[dict]:
    pairs = [("inverse", "lu_solve"), ("lu_solve_labelled", "lu_solve"), ("dense_inverse", "sparse_lu_solve")]
    by = {(r["case"], r["method"]): r for r in results}
    out = []
    for case in dict.fromkeys(r["case"] for r in results):
        for slow, fast in pairs:
            if (case, slow) in by and (case, fast) in by:
                out.append({"case": case, "ratio": f"{slow} / {fast}",
                            "median_ratio": by[(case, slow)]["median_s"] / by[(case, fast)]["median_s"]})
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50, help="timed runs per dense method (n = 71, 402)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs before each dense method")
    parser.add_argument("--sparse-n", type=int, default=10_000)
    parser.add_argument("--sparse-repeats", type=int, default=5)
    parser.add_argument("--no-dense-inverse", dest="dense_inverse", action="store_false",
                        help="skip the one-off dense inverse of the sparse system (memory: 3 x n^2 x 8 bytes)")
    parser.add_argument("--seed", type=int, default=20240930)
    parser.add_argument("--out", type=Path, default=ROOT / ".bench" / "bench_io.json")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    results = bench_dense(71, SUMMARY_DENSITY, args.repeats, args.warmup, rng)
    results += bench_dense(402, DETAIL_DENSITY, args.repeats, args.warmup, rng)
    results += bench_sparse(args.sparse_n, args.sparse_repeats, 1, args.dense_inverse, rng)
    report = {
        "benchmark": "bench_io",
        "timestamp_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git": git_state(),
        "parameters": {**{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                       "summary_density": SUMMARY_DENSITY, "detail_density": DETAIL_DENSITY,
                       "sparse_structure": "200-ish blocks of 50 at 20% + 100 hub suppliers x 5 links per column",
                       "matrices": "synthetic (real BEA A matrices to replace n=71/402 once wired)"},
        "machine": {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
                    "cpu_count": os.cpu_count(), "platform": platform.platform()},
        "results": results,
        "ratios": ratios(results),
        "total_s": time.perf_counter() - started,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2))
    os.replace(tmp, args.out)

    print(f"{'case':<16} {'method':<18} {'repeats':>7} {'median ms':>11} {'p90 ms':>11}  notes")
    for r in results:
        notes = ", ".join(f"{k}={v:.3g}" for k, v in r.items()
                          if k in ("relative_residual", "max_rel_diff_vs_lu", "max_rel_diff_vs_sparse"))
        if "lu_factor_nnz" in r:
            notes += f", nnz(A)={r['nnz']:,}, nnz(L+U)={r['lu_factor_nnz']:,}"
        print(f"{r['case']:<16} {r['method']:<18} {r['repeats']:>7} {r['median_s'] * 1e3:>11.3f} "
              f"{r['p90_s'] * 1e3:>11.3f}  {notes}")
    for q in report["ratios"]:
        print(f"{q['case']:<16} {q['ratio']:<36} median ratio {q['median_ratio']:.2f}x")
    print(f"git {report['git']['sha']}{' (dirty)' if report['git']['dirty'] else ''}; wrote {args.out}")
    return report


if __name__ == "__main__":
    main()
