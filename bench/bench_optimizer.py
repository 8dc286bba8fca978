"""Benchmark: time per daily solve of the compiled program at N = 100, 500, 2000 (synthetic universes).

Prints and writes ``.bench/bench_optimizer.json`` (git sha, parameters, median and p90 in ms, per N):
``solve_ms`` = ``problem.solve`` with new parameter values (the daily cost once compiled), ``decide_ms`` = the
whole ``Policy.decide`` (risk model, signals, parameters, solve). The first call (compilation) is reported
separately as ``first_ms`` and excluded from the statistics (warm-up). Compliance is off here (synthetic securities
have no regulatory data); costs and the internal constraints are the product's.

cvxportfolio comparison (same data, same objective terms and constraints: return forecast, full covariance risk,
spread + 3/2-power impact, long-only, leverage/cash, turnover, participation): cvxportfolio is NEVER a dependency of
the product. If ``.bench/cvxp/bin/python`` exists this script runs ``bench/_cvxportfolio_day.py`` there; otherwise
it prints how to create that separate environment:

    python -m venv .bench/cvxp && .bench/cvxp/bin/pip install cvxportfolio

Usage: ``python bench/bench_optimizer.py [--sizes 100 500 2000] [--days 10] [--rounds 3] [--backtest]``
(``--backtest`` also times the whole default backtest on the ingested home, as ``econgraph backtest`` runs it). Never asserts on time.
The ratio at N=500 is the median over ``--rounds`` alternating rounds (ours, then cvxportfolio, on the same data),
because the speed of a shared machine drifts between minutes.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from portfolio.optimizer import Policy, PolicyConfig  # noqa: E402
from portfolio.universe import BEA_SUMMARY, Universe  # noqa: E402

OUT = REPO / ".bench"
CVXP_PY = OUT / "cvxp" / "bin" / "python"


def synthetic_universe(n: int, days: int = 400, seed: int = 0) -> Universe:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-02", periods=days)
    ids = [f"S{i:04d}" for i in range(n)]
    f = rng.normal(0, 0.01, (days, 3))
    b = rng.normal(1, 0.3, (n, 3)) * [1, 0.5, 0.3]
    r = 0.0003 + f @ b.T + rng.normal(0, 0.015, (days, n))
    prices = pd.DataFrame(50 * np.exp(np.cumsum(r, axis=0)), index=dates, columns=ids)
    volumes = pd.DataFrame(rng.integers(200_000, 5_000_000, (days, n)).astype(float), index=dates, columns=ids)
    sec = pd.DataFrame({"name": ids, "type": "stock", "issuer_id": ids, "sponsor": None, "gics_sector": "x",
                        "gics_sub_industry": "x", "exposure_source": "synthetic", "shares_outstanding": np.nan,
                        "shares_outstanding_source": "synthetic", "expense_ratio_annual": 0.0,
                        "eligible_from": pd.Timestamp("2000-01-01"), "bea_industry": "334"},
                       index=pd.Index(ids, name="identifier"))
    exp = pd.DataFrame(0.0, index=ids, columns=list(BEA_SUMMARY))
    exp.iloc[:, :] = rng.dirichlet(np.ones(len(BEA_SUMMARY)) * 0.1, n)
    return Universe(f"synthetic{n}", sec, exp, prices, volumes, [], f"synthetic-{n}-{seed}")


def stats(xs: list[float]) -> dict[str, float]:
    a = np.asarray(xs)
    return {"median": float(np.median(a)), "p90": float(np.percentile(a, 90)), "n": int(len(a))}


def bench_n(n: int, days: int) -> dict:
    uni = synthetic_universe(n)
    pol = Policy(uni, PolicyConfig(compliance="off", turnover_cap=0.5))
    dates = uni.prices.index[300:300 + days + 1]
    w0 = pd.Series(0.0, index=uni.identifiers)
    t0 = time.perf_counter()
    w0 = pol.decide(dates[0], w0, 1e8).weights  # compile + first solve (warm-up)
    first = (time.perf_counter() - t0) * 1e3
    solve, decide = [], []
    for d in dates[1:]:
        t0 = time.perf_counter()
        pol.prepare(d, w0, 1e8)
        t1 = time.perf_counter()
        pol.problem.solve(solver="CLARABEL")
        t2 = time.perf_counter()
        solve.append((t2 - t1) * 1e3)
        decide.append((t2 - t0) * 1e3)
        w0 = pd.Series(np.clip(pol.w.value, 0, None), index=uni.identifiers)
    out = {"n": n, "first_ms": first, "solve_ms": stats(solve), "decide_ms": stats(decide), "status": pol.problem.status}
    if n == 500:
        np.savez(OUT / "day500.npz", prices=uni.prices.to_numpy(), volumes=uni.volumes.to_numpy(),
                 dates=np.array([str(x.date()) for x in uni.prices.index]), w0=w0.to_numpy(),
                 day=str(dates[-1].date()))
    return out


def cvxportfolio_ratio(ours: dict) -> dict:
    if not CVXP_PY.exists():
        msg = ("cvxportfolio comparison skipped: it is not a product dependency. Create its own environment with\n"
               "    python -m venv .bench/cvxp && .bench/cvxp/bin/pip install cvxportfolio\n"
               "and run this script again.")
        print(msg)
        return {"skipped": msg}
    res = subprocess.run([str(CVXP_PY), str(REPO / "bench" / "_cvxportfolio_day.py"), str(OUT / "day500.npz")],
                         capture_output=True, text=True, timeout=900)
    if res.returncode != 0:
        print(res.stderr[-2000:])
        return {"error": res.stderr[-2000:]}
    theirs = json.loads(res.stdout.strip().splitlines()[-1])
    ratio = theirs["median_ms"] / ours["decide_ms"]["median"]
    return {"cvxportfolio": theirs, "ratio_cvxportfolio_over_ours_decide_median": ratio}


def default_backtest() -> dict:
    """The whole default backtest (``econgraph backtest``: sector_etfs, weekly, riskfolio alternatives) on the
    ingested home (``ECONGRAPH_HOME``); skipped with a message when the home has no market data."""
    from ingest.warehouse import Warehouse
    from pipeline.daily import load_forecasts
    from pipeline.settings import get_settings
    from portfolio.backtest import backtest

    settings = get_settings()
    wh = Warehouse(settings.home)
    if not wh.has("market"):
        msg = f"default backtest skipped: no ingested market data under {settings.home} (run `make run` first)"
        print(msg)
        return {"skipped": msg}
    t0 = time.perf_counter()
    res = backtest(None, None, "sector_etfs", home=settings.home, rebalance_every=5,
                   forecasts=load_forecasts(settings, wh), alternatives=True, warehouse=wh)
    secs = time.perf_counter() - t0
    out = {"seconds": secs, "start": res.get("start"), "end": res.get("end"),
           **{k: res.get(k) for k in ("cagr", "volatility", "sharpe", "max_drawdown", "turnover_annual",
                                      "cost_annual", "active_breaches")}}
    print(f"default backtest (sector_etfs {out['start']}..{out['end']}, weekly, with alternatives): {secs:.0f} s; "
          f"CAGR {out['cagr']:.4f}, Sharpe {out['sharpe']:.2f}, max drawdown {out['max_drawdown']:.4f}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3, help="alternating ours/cvxportfolio rounds at N=500")
    ap.add_argument("--backtest", action="store_true", help="also time the whole default backtest (ingested home)")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    results = []
    for n in args.sizes:
        r = bench_n(n, args.days)
        results.append(r)
        print(f"N={n:5d}  first (compile) {r['first_ms']:8.0f} ms   solve median {r['solve_ms']['median']:7.1f} ms "
              f"p90 {r['solve_ms']['p90']:7.1f}   decide median {r['decide_ms']['median']:7.1f} ms "
              f"p90 {r['decide_ms']['p90']:7.1f}  ({r['status']})")
    cmp: dict = {}
    if 500 in args.sizes and CVXP_PY.exists():
        # this machine's speed drifts by tens of percent between minutes (shared VM): alternate the two
        # libraries in rounds on the same N=500 data and report each round's ratio and their median
        rounds = []
        for k in range(args.rounds):
            ours = next(r for r in results if r["n"] == 500) if k == 0 else bench_n(500, args.days)
            c = cvxportfolio_ratio(ours)
            if "ratio_cvxportfolio_over_ours_decide_median" not in c:
                cmp = c
                break
            rounds.append({"ours_decide_median_ms": ours["decide_ms"]["median"],
                           "cvxportfolio_median_ms": c["cvxportfolio"]["median_ms"],
                           "ratio": c["ratio_cvxportfolio_over_ours_decide_median"]})
            print(f"round {k + 1}: ours {ours['decide_ms']['median']:.1f} ms, cvxportfolio "
                  f"{c['cvxportfolio']['median_ms']:.1f} ms per day at N=500: ratio {rounds[-1]['ratio']:.2f}x")
        if rounds:
            med = float(np.median([r["ratio"] for r in rounds]))
            cmp = {"rounds": rounds, "ratio_median": med, "cvxportfolio_version": c["cvxportfolio"].get("cvxportfolio")}
            print(f"cvxportfolio / ours at N=500, median of {len(rounds)} rounds: {med:.2f}x (target >= 3x)")
    elif 500 in args.sizes:
        cmp = cvxportfolio_ratio(next(r for r in results if r["n"] == 500))
    bt = default_backtest() if args.backtest else {"skipped": "run with --backtest"}
    out = {"git_sha": sha, "params": vars(args), "results": results, "cvxportfolio": cmp, "default_backtest": bt}
    (OUT / "bench_optimizer.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"written {OUT / 'bench_optimizer.json'}")


if __name__ == "__main__":
    main()
