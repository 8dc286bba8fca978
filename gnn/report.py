"""The forecast evaluation report: ``<home>/reports/forecast/report.md``, ``evaluation.json`` and PNG plots.

It states which model wins each target (lowest out-of-sample pinball loss), whether the GNN's difference from the
best baseline is significant (Diebold-Mariano), and the data caveats (one vintage, today's S&P 500 list).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ingest.calendar import SNAPSHOT_VINTAGE_NOTE
from ingest.storage import atomic_path, atomic_write_json, atomic_write_text

TITLES = {"go_growth": "Gross output growth (next quarter, log)",
          "excess_return": "Industry excess return (next quarter)",
          "flow_growth": "SUPPLIES flow growth (next quarter, log)"}


def _plots(result: dict, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    targets = list(result["targets"])
    fig, axes = plt.subplots(1, len(targets), figsize=(5 * len(targets), 4))
    for ax, t in zip(np.atleast_1d(axes), targets):
        models = result["targets"][t]["models"]
        names = sorted(models, key=lambda m: models[m]["pinball"])
        ax.barh(names, [models[m]["pinball"] for m in names],
                color=["tab:red" if m == "gnn" else "tab:blue" for m in names])
        ax.invert_yaxis()
        ax.set_title(TITLES.get(t, t), fontsize=9)
        ax.set_xlabel("mean pinball loss (lower is better)")
    fig.tight_layout()
    files.append(_save(fig, out / "pinball.png", plt))

    fig, axes = plt.subplots(1, len(targets), figsize=(5 * len(targets), 4))
    for ax, t in zip(np.atleast_1d(axes), targets):
        qs = result["quantiles"]
        ax.plot(qs, qs, "k--", lw=1, label="nominal")
        for m, v in result["targets"][t]["models"].items():
            ax.plot(qs, [v["coverage"][f"{q:g}"] for q in qs], marker="o", lw=2 if m == "gnn" else 1, label=m)
        ax.set_title(TITLES.get(t, t), fontsize=9)
        ax.set_xlabel("quantile level")
        ax.set_ylabel("share of outcomes below the forecast")
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.tight_layout()
    files.append(_save(fig, out / "coverage.png", plt))

    ics = result["series"].get("excess_return", {}).get("rank_ic_by_quarter")
    if ics:
        fig, ax = plt.subplots(figsize=(9, 3.5))
        best = result["targets"]["excess_return"]["best_baseline"]
        for m in ("gnn", best):
            s = ics.get(m, {})
            ax.plot(list(s), list(s.values()), marker=".", label=m)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_ylabel("rank IC")
        ax.tick_params(axis="x", rotation=90, labelsize=6)
        ax.legend()
        fig.tight_layout()
        files.append(_save(fig, out / "rank_ic.png", plt))

    lc = result.get("learning_curve")
    if lc:
        fig, axes = plt.subplots(1, len(targets), figsize=(5 * len(targets), 4))
        for ax, t in zip(np.atleast_1d(axes), targets):
            for m, curve in lc["models"].items():
                ax.plot(lc["sizes"], curve[t], marker="o", label=m)
            ax.set_title(TITLES.get(t, t), fontsize=9)
            ax.set_xlabel("training snapshots (quarters)")
            ax.set_ylabel("out-of-sample pinball loss")
        np.atleast_1d(axes)[0].legend(fontsize=7)
        fig.tight_layout()
        files.append(_save(fig, out / "learning_curve.png", plt))
    return files


def _save(fig, path: Path, plt) -> str:
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return path.name


def _fmt(v, nd=4) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "n/a"
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def render_markdown(result: dict, images: list[str]) -> str:
    cfg = result["config"]
    lines = ["# Forecast evaluation: temporal GNN vs baselines", "",
             f"Walk-forward, expanding window, retrained every {cfg['step']} quarter(s) at {len(result['origins'])} "
             f"origins ({result['origins'][0]} .. {result['origins'][-1]}); test quarters "
             f"{result['test_quarters'][0]} .. {result['test_quarters'][-1]}. GNN: ensemble of "
             f"{cfg['gnn']['n_seeds']} seeds. Dataset key `{result['data_key'][:16]}`; "
             f"{result['n_industries']} industries, {result['n_return_industries']} with a listed return proxy.", ""]
    lines += ["## Verdict", ""]
    for t, r in result["targets"].items():
        g, b = r["models"]["gnn"], r["models"][r["best_baseline"]]
        sig = "significant at 5%" if np.isfinite(r["dm_pvalue"]) and r["dm_pvalue"] < 0.05 else "not significant"
        better = "lower" if g["pinball"] < b["pinball"] else "higher"
        lines.append(f"- **{TITLES.get(t, t)}**: winner **{r['winner']}**. The GNN's pinball loss "
                     f"({_fmt(g['pinball'])}) is {better} than the best baseline, {r['best_baseline']} "
                     f"({_fmt(b['pinball'])}); Diebold-Mariano stat {_fmt(r['dm_stat'], 2)}, p = "
                     f"{_fmt(r['dm_pvalue'], 3)} over {r['dm_quarters']} quarters ({sig}).")
    lines.append("")
    for t, r in result["targets"].items():
        lines += [f"## {TITLES.get(t, t)}", ""]
        ret = t == "excess_return"
        head = "| model | pinball | MAE | cov 5% | cov 25% | cov 50% | cov 75% | cov 95% |" + \
            (" rank IC | IC t |" if ret else "") + " n |"
        lines += [head, "|" + "---|" * (head.count("|") - 1)]
        for m in sorted(r["models"], key=lambda k: r["models"][k]["pinball"]):
            v = r["models"][m]
            cov = " | ".join(_fmt(v["coverage"][f"{q:g}"], 2) for q in result["quantiles"])
            extra = f" {_fmt(v.get('rank_ic_mean'), 3)} | {_fmt(v.get('rank_ic_t'), 2)} |" if ret else ""
            lines.append(f"| {m} | {_fmt(v['pinball'])} | {_fmt(v['mae'])} | {cov} |{extra} {v['n']} |")
        g = r["models"]["gnn"]
        lines += ["", f"GNN seed spread: pinball {_fmt(g['pinball_seed_mean'])} ± {_fmt(g['pinball_seed_sd'])} "
                      f"(mean ± sd over {g['n_seeds']} single-seed networks; the ensemble is reported above).", ""]
    lc = result.get("learning_curve")
    if lc:
        lines += ["## Learning curve", "", f"Test quarters {lc['test_quarters'][0]} .. {lc['test_quarters'][-1]}; "
                  "out-of-sample pinball loss against the number of most recent training snapshots.", ""]
        for t in result["targets"]:
            lines.append(f"- {TITLES.get(t, t)}: " + "; ".join(
                f"{m}: " + ", ".join(f"{n}→{_fmt(v)}" for n, v in zip(lc["sizes"], c[t]))
                for m, c in lc["models"].items()))
        lines.append("")
    lines += ["## Timing", "", "Fit + predict seconds over the walk-forward: " + ", ".join(
        f"{m} {s:.1f}" for m, s in result["fit_seconds"].items()) + ".", ""]
    lines += ["## Caveats", "", f"- {SNAPSHOT_VINTAGE_NOTE}",
              "- Industry returns use today's S&P 500 members, each only on the days it was an index member "
              "(point-in-time membership), and the sector/industry ETFs of the crosswalk (all still trading). "
              "Remaining survivorship: companies that left the index have no prices, and sub-industries are "
              "today's GICS classes. Industries without a listed proxy are masked out of return losses.",
              "- Quarterly SUPPLIES flows are RAS estimates scaled from annual tables (BEA publishes no quarterly "
              "flow matrix): flow growth largely mirrors gross-output and intermediate-input growth.",
              "- Point baselines get their quantiles from in-sample residuals, which tends to make them "
              "over-confident; compare coverage columns.", ""]
    lines += ["## Plots", ""] + [f"![{i}]({i})" for i in images] + [""]
    return "\n".join(lines)


def write_report(result: dict, home: str | Path) -> Path:
    out = Path(home) / "reports" / "forecast"
    out.mkdir(parents=True, exist_ok=True)
    images = _plots(result, out)
    atomic_write_json(out / "evaluation.json", json.loads(json.dumps(result, default=float)))
    path = out / "report.md"
    atomic_write_text(path, render_markdown(result, images))
    return path
