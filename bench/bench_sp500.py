"""Benchmark: the S&P 500 ``enforce`` rebalance and weekly backtest, absolute seconds and ratios to baselines measured
in the same run (prints; writes ``.bench/bench_sp500.json``; never asserts on time).

On the ingested home (``$ECONGRAPH_HOME``), for DATE (default 2026-07-31), in one process:

* ``universe``: loading the sp500 universe from its cache (``<home>/cache/universe``, keyed on its inputs and code)
  against building it from the warehouse (the baseline: what every call paid before the cache);
* ``compile``: the compiled rules as sparse row blocks read by the optimizer (:func:`portfolio.fund_rules.linear_rows`,
  uncached) against the same rules with one cvxpy constraint built per row (the baseline: the previous form, one
  cvxpy constraint per issuer and rule, built only to read its rows back);
* ``decide`` (prices, risk, signals, rows compiled afresh, solve) and ``check`` (the exact checker on the rounded
  book).

Then, as a user runs them: ``--cli`` times ``python -m pipeline.cli rebalance --date DATE --universe sp500 --format
json`` (:func:`bench_optimizer.sp500_rebalance`: wall and CPU seconds, ratio to the 5 s target) and
``--backtest START END`` a slice of the weekly enforce backtest, extrapolated to 2013-2026 from its CPU seconds per
rebalance (ratio to the 600 s target). CPU seconds are the honest figure on a shared machine: wall seconds include
waiting for a core.

Usage: ``python bench/bench_sp500.py [--date 2026-07-31] [--repeat 3] [--cli] [--backtest 2025-06-02 2025-08-29]``
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import git_sha  # noqa: E402

OUT = REPO / ".bench"


def _cpu(fn, repeat: int) -> tuple[float, object]:
    """Median CPU seconds of ``fn()`` over ``repeat`` calls, and the last result."""
    times, res = [], None
    for _ in range(repeat):
        t0 = time.process_time()
        res = fn()
        times.append(time.process_time() - t0)
    return float(np.median(times)), res


def components(date: str, repeat: int) -> dict:
    import cvxpy as cp

    from ingest.warehouse import Warehouse
    from pipeline.settings import get_settings
    from portfolio import fund_rules, universe as U
    from portfolio.optimizer import Policy, PolicyConfig
    from compliance.compile import compile_rules

    wh = Warehouse(get_settings().home)
    t = pd.Timestamp(date)
    build_s, _ = _cpu(lambda: U._build_sp500(wh), 1)
    U.load_universe("sp500", wh)  # fills the cache if this home has none
    load_s, uni = _cpu(lambda: U.load_universe("sp500", wh), repeat)
    last = uni.history(t).iloc[-1].reindex(uni.index)
    master = uni.securities_at(t).join(uni.liquidity(t))
    table = fund_rules.securities_table(master, last.where(last > 0).fillna(1.0))
    rules = fund_rules.rules_for("sp500")
    w0 = np.zeros(len(table))
    rows_s, rows = _cpu(lambda: fund_rules._linear_rows(rules, table, w0, 1e8, "worst_case", t.date()), repeat)

    def per_row_cvxpy():
        w = cp.Variable(len(table))
        comp = compile_rules(w, table, w0, 1e8, rules, as_of=t.date())
        cons = []
        for tc in comp.constraints:  # one cvxpy constraint per row, as one per issuer and rule was built before
            if tc.A is None:
                continue
            A = tc.A.toarray()
            cons += [A[i] @ w <= tc.b[i] for i in range(A.shape[0])]
        return cons
    cvx_s, cons = _cpu(per_row_cvxpy, repeat)
    pol = Policy(uni, PolicyConfig(compliance="enforce"))
    w0s = pd.Series(0.0, index=uni.identifiers)
    pol.decide(t, w0s, 1e8)  # compiles the program once (as the daily run's first decision does)

    def decide():
        fund_rules._LAST_ROWS.clear()  # a new day: the rows are compiled again
        return pol.decide(t, w0s, 1e8)
    decide_s, dec = _cpu(decide, repeat)
    price = last.fillna(0.0)
    qty = pd.Series(np.floor(np.where(price > 0, dec.weights * 1e8 / price.where(price > 0, 1.0), 0.0)),
                    index=uni.identifiers)
    cash = 1e8 - float((qty * price).sum())
    check_s, res = _cpu(lambda: fund_rules.check(rules, t.date(), table, qty, 1e8, cash), repeat)
    out = {"date": date, "repeat": repeat,
           "universe": {"cached_load_cpu_s": load_s, "build_cpu_s_baseline": build_s,
                        "speedup": build_s / max(load_s, 1e-9)},
           "compile": {"row_blocks_cpu_s": rows_s, "per_row_cvxpy_cpu_s_baseline": cvx_s, "rows": len(cons),
                       "speedup": cvx_s / max(rows_s, 1e-9), "hard_rows": int(len(rows.b_hard)),
                       "bounded_securities": int(np.isfinite(rows.ub_hard).sum())},
           "decide_cpu_s": decide_s, "solve_ms": dec.solve_ms, "status": dec.status,
           "positions": int((qty > 0).sum()), "check_cpu_s": check_s,
           "violations": [r.rule_id for r in res.violations]}
    print(f"{date}: universe cached {load_s:.2f} s vs build {build_s:.2f} s (x{out['universe']['speedup']:.0f}); "
          f"compile as row blocks {rows_s:.3f} s vs one cvxpy constraint per row ({len(cons)}) {cvx_s:.3f} s "
          f"(x{out['compile']['speedup']:.1f}); decide {decide_s:.2f} s (solve {dec.solve_ms:.0f} ms, {dec.status}); "
          f"check {check_s:.2f} s; {out['positions']} positions, violations {out['violations']} (CPU seconds, median "
          f"of {repeat})")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--date", default="2026-07-31")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cli", action="store_true", help="also time the CLI rebalance end to end (subprocesses)")
    ap.add_argument("--backtest", nargs=2, metavar=("START", "END"), default=None,
                    help="also time the weekly enforce backtest over [START, END] and extrapolate to 2013-2026")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    res = {"git_sha": git_sha(), "params": vars(args), "components": components(args.date, args.repeat)}
    if args.cli or args.backtest:
        import bench_optimizer as bo

        if args.cli:
            res["cli_rebalance"] = bo.sp500_rebalance(args.date, args.repeat)
        if args.backtest:
            res["backtest_slice"] = bo.sp500_backtest(*args.backtest)
    (OUT / "bench_sp500.json").write_text(json.dumps(res, indent=2, default=str) + "\n")
    print(f"written {OUT / 'bench_sp500.json'}")


if __name__ == "__main__":
    main()
