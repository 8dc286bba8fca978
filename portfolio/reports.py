"""Backtest report: PNG plots (equity curve, drawdown, weights over time, BEA industry exposure) and a markdown
summary with the metrics, the alternative allocators, the decisions' statuses and the data caveats
(survivorship bias, missing volumes). Written atomically into one directory."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ingest.storage import atomic_directory  # noqa: E402

METRIC_ROWS = ("cagr", "volatility", "sharpe", "max_drawdown", "turnover_annual", "cost_annual",
               "tracking_error_spy", "tracking_error_equal_weight", "active_return", "tracking_error",
               "information_ratio", "information_ratio_t")


def _pct(v) -> str:
    return "n/a" if v is None or (isinstance(v, float) and v != v) else f"{100 * v:.2f}%"


def _relative_lines(r: dict[str, Any]) -> list[str]:
    """The benchmark-relative section (mandate runs): mandate version, active figures against their targets."""
    if "mandate" not in r:
        return []
    m, fc, tc, tg = r["mandate"], r.get("forecast_contribution"), r.get("tracking_cost_of_compliance"), r["targets"]
    ok = {True: "met", False: "**not met**"}
    out = ["## Fund and benchmark", "",
           f"Mandate **{m['mandate']}** ({m['name']}; file `{Path(m['path']).name}`, sha256 {m['sha256'][:12]}); "
           f"benchmark **{r['benchmark']}** ({m['benchmark']['weights']['method']} over the universe). "
           f"Objective: {m['objective']}", "",
           "| figure | value | target |", "|---|---|---|",
           f"| active return (arithmetic, per year) | {_pct(r['active_return'])} | |",
           f"| fund CAGR / benchmark CAGR | {_pct(r['cagr'])} / {_pct(r['benchmark_cagr'])} | |",
           f"| tracking error realised (ex-ante mean) | {_pct(r['tracking_error'])} "
           f"({_pct(r.get('tracking_error_ex_ante_mean'))}) | {_pct(r['tracking_error_budget'])} +- 1 pp: "
           f"{ok[tg['tracking_error_within_1pp']]} |",
           f"| information ratio (t-stat) | {_fmt(r['information_ratio'])} ({_fmt(r['information_ratio_t'])}) | "
           f">= 0: {ok[tg['information_ratio_nonnegative']]} |",
           f"| active share (mean of targets) | {_pct(r.get('active_share'))} | |",
           f"| turnover / year, costs / year | {_pct(r['turnover_annual'])}, {_pct(r['cost_annual'])} | |",
           f"| active regulatory/prospectus breaches | {r['active_breaches']} | 0: {ok[tg['zero_active_breaches']]} |"]
    if fc:
        out.append(f"| forecasts' contribution (vs the same program without them; t-stat) | "
                   f"{_pct(fc['active_return'])} ({_fmt(fc['t_stat'])}) | |")
    if tc:
        out += [f"| tracking cost of compliance: replica TE realised (ex-ante mean) | "
                f"{_pct(tc['replica_tracking_error'])} ({_pct(tc['replica_tracking_error_ex_ante_mean'])}) | |",
                f"| of which benchmark replication error / replica vs unconstrained weights | "
                f"{_pct(tc['replication_error'])} / {_pct(tc['replica_vs_unconstrained_weights'])} | |"]
    bp = r.get("benchmark_vs_proxy")
    if bp and bp.get("n_days", 0) > 1:
        out.append(f"| benchmark (rebuilt) vs its proxy {bp['proxy']}: annual return, gap, TE | "
                   f"{_pct(bp['benchmark_annual_return'])} vs {_pct(bp['proxy_annual_return'])}, "
                   f"{_pct(bp['gap_annual'])}, {_pct(bp['tracking_error'])} | |")
    out += ["", r.get("skill_note", ""), ""]
    if r.get("alternatives_note"):
        out += [r["alternatives_note"], ""]
    if r.get("journal"):
        out += [f"Decision journal: {r['journal']['n_records']} records appended to `{r['journal']['path']}` "
                f"(run `{r['journal']['run_id']}`): `econgraph journal list`.", ""]
    return out


def _fmt(v) -> str:
    return "n/a" if v is None or (isinstance(v, float) and v != v) else f"{v:.4f}"


def write_report(dest: Path, result: dict[str, Any], sim: dict[str, Any], universe, bench: dict[str, pd.Series],
                 alt_daily: dict[str, pd.DataFrame]) -> Path:
    daily, w = sim["daily"], sim["weights"]
    with atomic_directory(dest) as tmp:
        eq = daily["value_usd"] / daily["value_usd"].iloc[0]
        fig, ax = plt.subplots(figsize=(9, 4))
        ax.plot(eq.index, eq, label="policy")
        for name, b in bench.items():
            ax.plot(eq.index, (1 + b.reindex(eq.index).fillna(0).iloc[1:]).cumprod().reindex(eq.index).fillna(1),
                    label=name, lw=0.8)
        for name, d in alt_daily.items():
            ax.plot(d.index, d["value_usd"] / d["value_usd"].iloc[0], label=name, lw=0.8, ls="--")
        ax.set_title("Equity curve (growth of 1)")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(tmp / "equity_curve.png", dpi=90)
        plt.close(fig)
        fig, ax = plt.subplots(figsize=(9, 3))
        ax.fill_between(eq.index, eq / eq.cummax() - 1, 0, color="tab:red", alpha=0.5)
        ax.set_title("Drawdown")
        fig.tight_layout()
        fig.savefig(tmp / "drawdown.png", dpi=90)
        plt.close(fig)
        top = w.mean().sort_values(ascending=False).index[:10]
        fig, ax = plt.subplots(figsize=(9, 4))
        if len(w):
            ax.stackplot(w.index, *[w[c] for c in top], (w.drop(columns=top).sum(axis=1)), labels=list(top) + ["other"])
        ax.set_title("Weights over time (10 largest on average)")
        ax.legend(fontsize=6, ncol=2, loc="upper left")
        fig.tight_layout()
        fig.savefig(tmp / "weights.png", dpi=90)
        plt.close(fig)
        expo = w.reindex(columns=universe.exposures.index, fill_value=0.0) @ universe.exposures
        topi = expo.mean().sort_values(ascending=False).index[:8]
        fig, ax = plt.subplots(figsize=(9, 4))
        if len(expo):
            ax.stackplot(expo.index, *[expo[c] for c in topi], expo.drop(columns=topi).sum(axis=1),
                         labels=[f"BEA {c}" for c in topi] + ["other"])
        ax.set_title("Exposure to BEA summary industries")
        ax.legend(fontsize=6, ncol=2, loc="upper left")
        fig.tight_layout()
        fig.savefig(tmp / "industry_exposure.png", dpi=90)
        plt.close(fig)
        lines = [f"# Backtest: {result['universe']} {result['start']} to {result['end']}", "",
                 f"Rebalance every {result['rebalance_every_days']} trading days; compliance mode "
                 f"`{result['compliance_mode']}`; runtime {result.get('runtime_s', 'n/a')} s.", "",
                 *_relative_lines(result),
                 "| " + " | ".join(["metric", "policy", *result["alternatives"]]) + " |",
                 "|---|---|" + "---|" * len(result["alternatives"])]
        for m in METRIC_ROWS:
            lines.append(f"| {m} | {_fmt(result.get(m))} | "
                         + " | ".join(_fmt(a.get(m)) for a in result["alternatives"].values()) + " |")
        lines += ["", f"Active breaches of regulatory/prospectus rules (exact checker, rebalance days): "
                      f"**{result['active_breaches']}**; internal-limit breaches: {result['internal_breaches']}.", "",
                  "Rules the exact checker could not evaluate (missing data; rebalance days): "
                  + (", ".join(f"`{k}` {v}" for k, v in result.get("not_evaluable_rules", {}).items()) or "none")
                  + ". In compliance mode `evaluable` the program enforces every rule where its data exist and "
                    "these rules only where they can be computed; `enforce` (the daily run's default) would block "
                    "the acquisitions they cannot clear.", "",
                  "Decisions: `" + json.dumps(result["decisions"], default=str) + "`", "", "## Caveats", ""]
        lines += [f"- {n}" for n in result["notes"]]
        if "policy_prior_only" in result["alternatives"]:
            lines += ["- `policy_prior_only`: the same program, costs, limits and rebalance days with the CAPM prior "
                      "in place of the forecasts: the difference from `policy` is what the forecasts added."]
        lines += ["- Alternatives (riskfolio-lib) rebalance every 21 trading days on securities with a complete "
                  "252-day history, long-only, same simulator and cost model.", "",
                  "![equity](equity_curve.png)", "![drawdown](drawdown.png)", "![weights](weights.png)",
                  "![industries](industry_exposure.png)", ""]
        (tmp / "report.md").write_text("\n".join(lines))
        (tmp / "metrics.json").write_text(json.dumps({k: v for k, v in result.items() if k != "report"},
                                                     indent=2, sort_keys=True, default=str) + "\n")
    return dest / "report.md"
