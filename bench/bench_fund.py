"""Benchmark: the fund's targets under its mandate (issue: a fund you could launch), on the ingested home.

Runs the benchmark-relative backtest of ``--universe`` (default ``sector_etfs``, mandate
``portfolio/mandates/<universe>_v1.json``) over every point-in-time forecast under ``<home>/forecasts`` (or
``--start``/``--end``), monthly (``--every 21``, as ``econgraph run``), under ``--compliance`` (default
``evaluable``; ``enforce`` as the daily run trades), and prints and writes ``.bench/bench_fund.json``
(``.bench/bench_fund_<universe>.json`` for another universe): active return, realised tracking error against the
budget, information ratio and its t-stat, active share, turnover, costs, the forecasts' contribution with its t-stat,
the tracking cost of compliance, the active breaches, the rebuilt benchmark against its proxy ETF where the benchmark
is rebuilt from its members (``sp500``), and each target (TE within 1 pp of the budget, IR >= 0 net of costs, no
active regulatory or prospectus breach) met or not. Never asserts; a target not met is a finding, printed as such.

Usage: ``ECONGRAPH_HOME=... python bench/bench_fund.py [--universe sector_etfs] [--start D] [--end D] [--every 21]
[--compliance evaluable|enforce]``
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import ROOT, git_sha  # noqa: E402

OUT = ROOT / ".bench"
KEYS = ("start", "end", "benchmark", "cagr", "benchmark_cagr", "active_return", "tracking_error",
        "tracking_error_budget", "tracking_error_ex_ante_mean", "information_ratio", "information_ratio_t",
        "active_share", "turnover_annual", "cost_annual", "forecast_contribution", "tracking_cost_of_compliance",
        "active_breaches", "internal_breaches", "benchmark_vs_proxy", "targets", "signal_skill", "skill_note",
        "policy_runtime_s", "decisions")


def main() -> None:
    from ingest.warehouse import Warehouse
    from pipeline.daily import json_safe, load_forecasts
    from pipeline.settings import get_settings
    from portfolio.backtest import backtest
    from portfolio.optimizer import PolicyConfig

    ap = argparse.ArgumentParser()
    ap.add_argument("--universe", default="sector_etfs")
    ap.add_argument("--start")
    ap.add_argument("--end")
    ap.add_argument("--every", type=int, default=21)
    ap.add_argument("--compliance", default="evaluable", choices=("evaluable", "enforce", "report", "off"))
    args = ap.parse_args()
    settings = get_settings()
    wh = Warehouse(settings.home)
    if not wh.has("market"):
        print(f"skipped: no ingested market data under {settings.home} (run `make run` first)")
        return
    t0 = time.perf_counter()
    res = backtest(args.start, args.end, args.universe, home=settings.home, rebalance_every=args.every,
                   forecasts=load_forecasts(settings, wh), alternatives=False, warehouse=wh,
                   config=PolicyConfig(compliance=args.compliance))
    if "mandate" not in res:
        print(f"universe {args.universe} has no mandate: nothing benchmark-relative to measure")
        return
    out = {"git_sha": git_sha(), "universe": args.universe, "every": args.every, "compliance": args.compliance,
           "mandate": res["mandate"]["mandate"],
           "seconds": round(time.perf_counter() - t0, 1), **{k: res.get(k) for k in KEYS}}
    OUT.mkdir(exist_ok=True)
    name = "bench_fund.json" if args.universe == "sector_etfs" else f"bench_fund_{args.universe}.json"
    (OUT / name).write_text(json.dumps(json_safe(out), indent=2, default=str) + "\n")
    fc = res["forecast_contribution"] or {}
    print(f"{out['mandate']} {out['start']}..{out['end']} vs {out['benchmark']}: active {res['active_return']:+.2%}/yr, "
          f"TE {res['tracking_error']:.2%} (budget {res['tracking_error_budget']:.0%}), IR "
          f"{res['information_ratio']:.2f} (t {res['information_ratio_t']:.2f}), forecasts' contribution "
          f"{fc.get('active_return', float('nan')):+.2%}/yr, active breaches {res['active_breaches']}; "
          f"{out['seconds']:.0f} s")
    bp = res.get("benchmark_vs_proxy")
    if bp and bp.get("n_days", 0) > 1:
        print(f"  benchmark rebuilt from its members vs {bp['proxy']}: {bp['benchmark_annual_return']:.2%} vs "
              f"{bp['proxy_annual_return']:.2%} a year (gap {bp['gap_annual']:+.2%}, TE {bp['tracking_error']:.2%})")
    for k, v in res["targets"].items():
        print(f"  target {k}: {'met' if v else 'NOT MET'}")
    print(f"  {res['skill_note']}")


if __name__ == "__main__":
    main()
