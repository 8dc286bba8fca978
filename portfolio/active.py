"""Benchmark-relative backtest figures and the backtest's decision-journal records.

From daily fund returns ``r_t`` and benchmark total returns ``b_t`` (active ``a_t = r_t - b_t``, ``n`` days):
active return ``252 mean(a)``; tracking error ``TE = sqrt(252) std(a)``; information ratio
``IR = 252 mean(a) / TE``; its t-stat ``mean(a) / (std(a) / sqrt n)`` (= IR sqrt(years)); active share
``1/2 (sum_i |w_i - b_i| + cash)`` of the target weights, averaged over rebalances.

* **Forecasts' contribution**: the same figures for the fund against the same program, costs, limits and rebalance
  days without the forecasts (:data:`REPLICA`, the closest compliant replica of the benchmark).
* **Tracking cost of compliance**: the replica's realised TE against the benchmark and its mean ex-ante TE
  (what the compliance rules and the mandate's limits cost in tracking when no signal moves the book), split into
  the replication error of the unconstrained benchmark weights (``b_t`` held between rebalances, no costs) and the
  replica's TE against those weights.
* **Targets**: realised TE within 1 pp of the budget, IR >= 0 net of costs, no active regulatory or prospectus
  breach (the compliance checker's hard active breaches plus the names policy on the book after each rebalance).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import journal as jr

TRADING_DAYS = 252
#: name of the ablation in ``alternatives`` (benchmark-relative runs): the same program without the forecasts
REPLICA = "compliant_replica_no_forecasts"


def active_metrics(r: pd.Series, rb: pd.Series) -> dict[str, float]:
    """Benchmark-relative figures of daily returns ``r`` against ``rb`` (see the module docstring)."""
    diff = (r - rb.reindex(r.index)).dropna()
    n = len(diff)
    if n < 2:
        return {"active_return": float("nan"), "tracking_error": float("nan"), "information_ratio": float("nan"),
                "information_ratio_t": float("nan"), "n_days": n}
    mean, sd = float(diff.mean()), float(diff.std())
    return {"active_return": mean * TRADING_DAYS, "tracking_error": sd * np.sqrt(TRADING_DAYS),
            "information_ratio": mean / sd * np.sqrt(TRADING_DAYS) if sd > 0 else float("nan"),
            "information_ratio_t": mean / (sd / np.sqrt(n)) if sd > 0 else float("nan"), "n_days": n}


def _mean(xs) -> float | None:
    xs = [x for x in xs if x is not None and np.isfinite(x)]
    return float(np.mean(xs)) if xs else None


def _benchmark_weight_returns(days: pd.DatetimeIndex, rebalance_days, bench_fn, prices: pd.DataFrame) -> pd.Series:
    """Daily returns of the unconstrained benchmark weights b_t, set at each rebalance close and held (no costs)."""
    rets = prices.pct_change(fill_method=None).reindex(days)
    out = pd.Series(np.nan, index=days)
    reb = sorted(pd.Timestamp(d) for d in rebalance_days)
    for k, d in enumerate(reb):
        nxt = reb[k + 1] if k + 1 < len(reb) else days[-1] + pd.Timedelta(days=1)
        seg = rets.loc[(rets.index > d) & (rets.index <= nxt)]
        wb = bench_fn(d).weights.reindex(prices.columns).fillna(0.0)
        out.loc[seg.index] = seg.fillna(0.0).to_numpy() @ wb.to_numpy()
    return out.dropna()


def relative_report(out: dict, sim: dict, records: list, replica_daily: pd.DataFrame | None, replica_records: list,
                    mandate, bench_fn, rb: pd.Series, universe, alternatives: bool) -> dict[str, Any]:
    r = sim["daily"]["return"].iloc[1:]
    am = active_metrics(r, rb)
    days = sim["daily"].index
    b = rb.reindex(days[1:]).fillna(0.0)
    years = len(b) / TRADING_DAYS
    bench_cagr = float((1 + b).prod() ** (1 / years) - 1) if years > 0 else float("nan")
    res: dict[str, Any] = {"mandate": mandate.summary(), "benchmark": mandate.benchmark_label,
                           "benchmark_cagr": bench_cagr, "active_cagr": out["cagr"] - bench_cagr,
                           "tracking_error_budget": mandate.tracking_error_budget, **am,
                           "active_share": _mean(d.active.get("active_share") for d, _ in records if d.active),
                           "tracking_error_ex_ante_mean": _mean(d.active.get("tracking_error_ex_ante")
                                                                for d, _ in records if d.active)}
    # skill used per rebalance
    ics = [(d.date, s) for d, _ in records for s in d.signal.get("sources", [])]
    used = [s["ic_used"] for _, s in ics]
    last = ics[-1][1] if ics else None
    res["signal_skill"] = {"rebalances": len(records), "with_forecast": len(ics),
                           "with_positive_ic": int(sum(u > 0 for u in used)),
                           "mean_ic_used": _mean(used), "last": last}
    # forecasts' contribution: the same program without them
    if replica_daily is not None:
        rr = replica_daily["return"].iloc[1:]
        fc = active_metrics(r, rr)
        res["forecast_contribution"] = {"active_return": fc["active_return"], "tracking_error": fc["tracking_error"],
                                        "t_stat": fc["information_ratio_t"], "n_days": fc["n_days"]}
        rep_te = active_metrics(rr, rb)
        ub = _benchmark_weight_returns(days, [pd.Timestamp(d.date) for d, _ in replica_records], bench_fn,
                                       universe.prices)
        res["tracking_cost_of_compliance"] = {
            "replica_tracking_error": rep_te["tracking_error"], "replica_active_return": rep_te["active_return"],
            "replica_tracking_error_ex_ante_mean": _mean(d.active.get("tracking_error_ex_ante")
                                                         for d, _ in replica_records if d.active),
            "replication_error": active_metrics(ub, rb)["tracking_error"],
            "replica_vs_unconstrained_weights": active_metrics(rr, ub)["tracking_error"]}
    else:
        res["forecast_contribution"] = None
        res["tracking_cost_of_compliance"] = None
    # names policy on the book after each rebalance (prospectus)
    q = mandate.qualifying(universe.securities)
    w = sim["weights"].reindex(columns=universe.identifiers).fillna(0.0)
    share = w.to_numpy() @ q.astype(float)
    breaches = int((share < float(mandate.names_policy["min_weight"]) - 1e-9).sum())
    res["names_policy"] = {"min_weight": float(mandate.names_policy["min_weight"]),
                           "min_qualifying_share": float(share.min()) if len(share) else None,
                           "breaches": breaches}
    res["active_breaches"] = int(out["active_breaches"]) + breaches
    te, ir = am["tracking_error"], am["information_ratio"]
    res["targets"] = {"tracking_error_within_1pp": bool(abs(te - mandate.tracking_error_budget) <= 0.01),
                      "information_ratio_nonnegative": bool(ir >= 0),
                      "zero_active_breaches": res["active_breaches"] == 0}
    if res["signal_skill"]["with_forecast"] == 0:
        res["skill_note"] = ("No forecast was available at any rebalance, so no measured skill: the fund held its "
                             "closest compliant benchmark replica and added no tilt.")
    elif res["signal_skill"]["with_positive_ic"] == 0:
        res["skill_note"] = ("The forecasts showed no measured skill at any rebalance (IC used 0: "
                             + (f"last measured mean IC {last['ic_mean']:.3f}, t {last['ic_t']:.2f}, "
                                f"{last['n_outcomes']} outcomes" if last and last["n_outcomes"] else
                                "no realised outcome yet") +
                             "): the fund held its closest compliant benchmark replica and added no tilt.")
    else:
        res["skill_note"] = (f"The forecasts tilted the book on {res['signal_skill']['with_positive_ic']} of "
                             f"{len(records)} rebalances (mean IC used {res['signal_skill']['mean_ic_used']:.4f}).")
    res["skill_note"] += " " + _ir_verdict(res)
    if alternatives:
        res["alternatives_note"] = ("riskfolio allocators: same cost model, participation limit and dates, but "
                                    "rebalanced every 21 trading days, without compliance constraints or benchmark "
                                    "(absolute allocators): like for like in costs only; the replica is like for "
                                    "like in every respect.")
    return res


def _ir_verdict(res: dict[str, Any]) -> str:
    """One plain sentence on the information-ratio target: met or not, and whether the forecasts are the reason."""
    ir, fc, tc = res["information_ratio"], res.get("forecast_contribution"), res.get("tracking_cost_of_compliance")
    if not np.isfinite(ir):
        return ""
    rep = (f"the compliant replica alone returned {100 * tc['replica_active_return']:+.2f}%/yr against the "
           f"benchmark at {100 * tc['replica_tracking_error']:.2f}% tracking error") if tc else ""
    if ir >= 0:
        return f"Information ratio {ir:.2f} >= 0: target met" + (f" ({rep})." if rep else ".")
    if fc and res["signal_skill"]["with_positive_ic"] > 0 and fc["active_return"] < 0:
        return (f"Information ratio {ir:.2f} < 0: target missed because of the forecasts, whose tilts cost "
                f"{100 * fc['active_return']:.2f}%/yr (t {fc['t_stat']:.2f}) against the same program without them; "
                + (rep + "." if rep else ""))
    if fc is None and res["signal_skill"]["with_positive_ic"] > 0:
        return (f"Information ratio {ir:.2f} < 0: target missed; the forecasts tilted the book, but their "
                f"contribution was not measured (run without --no-ablation to compare the same program without "
                f"them)" + (f"; {rep}." if rep else "."))
    return (f"Information ratio {ir:.2f} < 0: target missed with no forecast tilt, so the shortfall is the tracking "
            f"cost of compliance and costs" + (f" ({rep})." if rep else "."))


def _frame_hash(df: pd.DataFrame | None) -> str:
    if df is None:
        return "none"
    return hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()).hexdigest()


def write_journal(home: str | Path, out: dict, records: list, policy, universe, mandate,
                  forecasts: pd.DataFrame | None, rb: pd.Series) -> dict[str, Any]:
    """Append one journal record per rebalance of the run, then fill the outcomes the prices allow."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run_id = f"backtest:{universe.name}:{out['start']}:{out['end']}:every{out['rebalance_every_days']}:{stamp}"
    rules_version = policy.rules.config.get("version") if policy.rules is not None else None
    input_hash = f"universe:{universe.source_hash[:16]};forecasts:{_frame_hash(forecasts)[:16]}"
    recs = [jr.record_from_decision(d, run_id=run_id, kind="backtest", universe=universe, mandate=mandate,
                                    rules_version=rules_version, input_hash=input_hash, compliance=c)
            for d, c in records]
    ids = jr.append(home, recs)
    filled = jr.fill_outcomes(home, universe.name, universe.prices, rb)
    summary = jr.summarize_outcomes(jr.outcomes(home, run_id=run_id, limit=10 * len(ids) + 10))
    return {"path": str(jr.journal_path(home)), "run_id": run_id, "n_records": len(ids), "outcomes_filled": filled,
            "outcomes": summary}
