"""`econgraph nowcast ...`: nowcast quarters after the last BEA quarter, and the nowcasters' walk-forward evaluation.

* ``nowcast build``: nowcast gross output per industry for every quarter up to the last one with monthly
  indicators and write those quarters' graphs to the store, flagged ``nowcast`` (:mod:`pipeline.nowcast`).
* ``nowcast show``: the nowcast table (quantiles of gross output per industry) for one quarter.
* ``nowcast evaluate``: walk-forward pseudo-real-time evaluation 2016Q2-2024Q3 (:mod:`gnn.nowcast_eval`), every
  model's quantiles calibrated out of sample; ``--text-index`` runs it without and with the Beige Book feature.
* ``nowcast calibration``: out-of-sample check of the live bands' per-horizon calibration
  (:func:`gnn.nowcast_live_calibration.walk_forward_coverage`).
* ``forecast scaling`` (registered under ``forecast``): marginal value of data (:mod:`gnn.nowcast_scaling`), with the
  text-source line.
"""
from __future__ import annotations

import json
import sys
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from .settings import get_settings

app = typer.Typer(no_args_is_help=True, help="Nowcast quarters BEA has not published yet (monthly indicators).")
console = Console(stderr=True)
out = Console()


@app.command("build")
def build_cmd(
    model: str = typer.Option("bridge", "--model", help="bridge | ar"),
    store: Optional[str] = typer.Option(None, "--store", help="embedded | neo4j (default: settings)"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Build the graph of every nowcast quarter (after the last BEA quarter) into the store, flagged nowcast."""
    from .nowcast import build_nowcasts

    settings = get_settings()
    with console.status("nowcast: building quarters") as st:
        rows = build_nowcasts(settings, model=model, store_kind=store,
                              progress=lambda q: st.update(f"nowcast: built {q}"))
    if fmt == "json":
        out.print_json(json.dumps(rows))
        return
    t = Table(title=f"nowcast quarters ({model} nowcaster)")
    for col in ("quarter", "as of", "base", "gross output $T (95% band)", "OEWS", "IO"):
        t.add_column(col)
    for r in rows:
        go = r["gross_output_usd_millions"]
        t.add_row(r["quarter"], r["as_of"], r["base_quarter"],
                  f"{go['q0.5'] / 1e6:,.2f} ({go['q0.025'] / 1e6:,.2f}-{go['q0.975'] / 1e6:,.2f})",
                  r["oews_period"], str(r["io_year"]))
    out.print(t)


@app.command("show")
def show_cmd(
    quarter: Optional[str] = typer.Option(None, "--quarter", help="a nowcast quarter (default: the latest)"),
    model: str = typer.Option("bridge", "--model", help="bridge | ar"),
    fmt: str = typer.Option("table", "--format", help="table | json | csv"),
) -> None:
    """Gross-output nowcast quantiles per industry for one nowcast quarter (computed, not read from the store)."""
    from .nowcast import nowcast_table

    tables = nowcast_table(get_settings(), model)
    if not tables:
        console.print("[red]no quarter after the last BEA quarter has indicator months[/red]")
        raise typer.Exit(1)
    q = quarter or list(tables)[-1]
    if q not in tables:
        console.print(f"[red]{q} is not a nowcast quarter; nowcast quarters: {', '.join(tables)}[/red]")
        raise typer.Exit(1)
    frame = tables[q].reset_index()
    if fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False))
        return
    if fmt == "json":
        out.print_json(json.dumps({"quarter": q, "nowcast": True, "model": model,
                                   "rows": json.loads(frame.to_json(orient="records"))}))
        return
    t = Table(title=f"{q} NOWCAST gross output, USD billions SAAR (as of {frame['as_of'].iloc[0]}, base "
                    f"{frame['base_quarter'].iloc[0]})")
    for col in ("bea_code", "q0.025", "q0.5", "q0.975"):
        t.add_column(col, justify="right")
    cols = ["go_q0.025_usd_millions", "go_q0.5_usd_millions", "go_q0.975_usd_millions"]
    for code, *vals in frame[["bea_code", *cols]].itertuples(index=False):
        t.add_row(code, *(f"{v / 1e3:,.1f}" for v in vals))
    out.print(t)


@app.command("calibration")
def calibration_cmd(
    first: str = typer.Option("2019Q1", "--first", help="first target quarter"),
    last: str = typer.Option("2024Q3", "--last", help="last target quarter"),
    horizons: str = typer.Option("1,2,3,4", "--horizons", help="comma-separated quarters ahead"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Walk-forward check of the live bands' calibration: every h-step nowcast of first..last decided the day before
    BEA published t - h + 1, calibrated with the shifts known then; 95% coverage and pinball, raw and calibrated."""
    from gnn.nowcast_live_calibration import walk_forward_coverage
    from ingest.warehouse import Warehouse

    from .nowcast import load_nowcast_inputs

    inp = load_nowcast_inputs(Warehouse(get_settings().home), realtime=True, annual_prior=True)
    with console.status("nowcast calibration check"):
        wf = walk_forward_coverage(inp, first, last, tuple(int(h) for h in horizons.split(",")))
    if wf.empty:
        console.print(f"[red]no {first}..{last} nowcast could be calibrated (too few published quarters)[/red]")
        raise typer.Exit(1)
    cols = ["covered_raw", "covered", "pinball_raw", "pinball"]
    by_h = wf.groupby("horizon")[cols].mean()
    res = {"window": f"{first}..{last}", "horizons": {int(h): {**{c: float(r[c]) for c in cols},
                                                                "quarters": int((wf["horizon"] == h).sum())}
                                                      for h, r in by_h.iterrows()}}
    if fmt == "json":
        out.print_json(json.dumps(res))
        return
    t = Table(title=f"live-band calibration, walk-forward {first}..{last} (central 95% band)")
    for col in ("h", "quarters", "coverage raw", "coverage calibrated", "pinball raw", "pinball calibrated"):
        t.add_column(col, justify="right")
    for h, v in res["horizons"].items():
        t.add_row(str(h), str(v["quarters"]), f"{v['covered_raw']:.3f}", f"{v['covered']:.3f}",
                  f"{v['pinball_raw']:.5f}", f"{v['pinball']:.5f}")
    out.print(t)


@app.command("evaluate")
def evaluate_cmd(
    first: str = typer.Option("2016Q2", "--first", help="first scored quarter (the walk-forward starts --burn-in "
                              "quarters earlier; 2015Q2 is the first quarter every model can be fitted under release dating)"),
    last: str = typer.Option("2024Q3", "--last"),
    models: str = typer.Option("gnn,gnn_nograph,lightgbm,bridge,ar", "--models", help="comma-separated"),
    refit_every: int = typer.Option(4, "--refit-every", help="quarters between refits of the GNN and LightGBM"),
    epochs: int = typer.Option(100, "--epochs", help="GNN training epochs when --no-select-epochs"),
    seeds: int = typer.Option(3, "--seeds", help="GNN networks averaged (seed ensemble)"),
    seed: int = typer.Option(0, "--seed", help="first seed of the GNN ensemble and the LightGBM seed"),
    select_epochs: bool = typer.Option(True, "--select-epochs/--no-select-epochs",
                                       help="GNN early stopping on the last 8 training quarters"),
    gnn_modes: str = typer.Option("layers", "--gnn-modes", help=(
        "GNN graph variant(s): layers | inputs | none, comma-separated to choose among them on the inner "
        "validation (none = propagation off)")),
    gnn_finetune: str = typer.Option("all", "--gnn-finetune", help=(
        "after the annual pretraining: all (every weight trained on the quarters) | freeze_graph (graph weights "
        "kept from the annual history), comma-separated to choose on the inner validation")),
    pre_epochs: int = typer.Option(200, "--pre-epochs", help="GNN pretraining epochs on the annual history"),
    calibrate: bool = typer.Option(True, "--calibrate/--no-calibrate",
                                   help="out-of-sample conformal calibration of every model's quantiles"),
    burn_in: int = typer.Option(4, "--burn-in", help="calibration-only quarters before --first"),
    text_index: bool = typer.Option(False, "--text-index", help=(
        "evaluate without and with the Beige Book industry index as a feature of the panel models (GNN, "
        "LightGBM) and a regressor of the bridge equations, and report Diebold-Mariano p per model (needs "
        "`econgraph text build`)")),
    vintages: bool = typer.Option(True, "--vintages/--revised",
                                  help="payrolls and CPI as published on each decision date (real-time vintages) "
                                       "or the snapshot's revised values"),
    dating: str = typer.Option("release", "--dating",
                               help="release (strict: each BEA quarter known from its first publication; "
                                    "2005-2011 only from Nov 2018) | schedule (as if every quarter had been "
                                    "published on BEA's regular schedule: optimistic before 2013Q4)"),
    extra: str = typer.Option("none", "--extra",
                              help="extra indicators in the bridge equations: none | ces (BLS employment by "
                                   "industry, to 2019-09) | mrts (Census retail by kind of business, to 2024-04) "
                                   "| all"),
    annual_prior: bool = typer.Option(True, "--annual-prior/--no-annual-prior",
                                      help="prior on each bridge's own-indicator coefficient from the annual "
                                           "production accounts published by the decision date"),
    annual_history: bool = typer.Option(True, "--annual-history/--no-annual-history", help=(
        "pretrain the GNN (graph and no-graph alike) on the annual history published by each decision date and "
        "give LightGBM its rows (GDP by industry 1997+, BEA-BLS production accounts 1947+ once published)")),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Walk-forward pseudo-real-time evaluation of the nowcasters: pinball, 95% coverage (before and after
    calibration), Diebold-Mariano."""
    from gnn.nowcast_eval import GnnConfig, compare_text, evaluate
    from ingest.storage import atomic_write_text
    from ingest.warehouse import Warehouse

    from .nowcast import load_nowcast_inputs

    settings = get_settings()
    wh = Warehouse(settings.home)
    inp = load_nowcast_inputs(wh, realtime=vintages, dating=dating, extra=extra, annual_prior=annual_prior)
    text = None
    if text_index:
        from scoring.text.index import load_index

        try:
            text = load_index(settings.home)
        except FileNotFoundError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
    annual = None
    if annual_history:
        from gnn.nowcast_annual import AnnualHistory

        annual = AnnualHistory(wh.read("bea_gdp_by_industry", "bea"),
                               wh.read("production_accounts_go", "production_accounts"), wh.read("macro_monthly", "macro"))
    kw = dict(models=tuple(m.strip() for m in models.split(",")), io_summary=wh.read("bea_io_summary", "bea"),
              annual=annual,
              refit_every=refit_every, calibrate=calibrate, burn_in=burn_in, seed=seed,
              gnn=GnnConfig(epochs=epochs, seeds=seeds, select_epochs=select_epochs,
                            modes=tuple(m.strip() for m in gnn_modes.split(",")), pre_epochs=pre_epochs,
                            finetunes=tuple(f.strip() for f in gnn_finetune.split(","))))
    runs = {}
    with console.status("nowcast evaluate") as st:
        for label, tx in (("without_text", None), ("with_text", text)) if text_index else (("main", None),):
            runs[label] = evaluate(inp, first, last, text_index=tx, **kw,
                                   progress=lambda q, lb=label: st.update(f"nowcast evaluate ({lb}): {q}"))
    ev = runs.get("without_text", runs.get("main"))
    s = {**ev.summary, "dating": dating, "extra_indicators": {"set": extra, "industries": sorted(inp.extra)},
         "annual_prior": annual_prior, "annual_history_pretraining": annual_history,
         "realtime_vintages": {k: v.source for k, v in inp.realtime.items()} if vintages else {}}
    if text_index:
        s["with_text"] = runs["with_text"].summary
        s["text_comparison"] = compare_text(runs["without_text"], runs["with_text"])
    dest = settings.home / "nowcast" / "evaluation.json"
    atomic_write_text(dest, json.dumps({**s, "per_quarter": ev.per_quarter.to_dict(orient="records")}))
    console.print(f"per-quarter losses written to {dest}")
    if fmt == "json":
        out.print_json(json.dumps(s))
        return
    for label, run in runs.items():
        r = run.summary
        t = Table(title=f"nowcast evaluation {r['window']}{'' if label == 'main' else ' ' + label.replace('_', ' ')} "
                        f"(pinball over levels {r['quantiles']})")
        for col in ("model", "pinball", "95% coverage", "pinball raw", "coverage raw", "MAE", "quarters"):
            t.add_column(col, justify="right")
        for m, v in r["models"].items():
            b = v.get("before_calibration", {"pinball": v["pinball"], "coverage": v["coverage"]})
            t.add_row(m, f"{v['pinball']:.5f}", f"{v['coverage']:.3f}", f"{b['pinball']:.5f}", f"{b['coverage']:.3f}",
                      f"{v['mae']:.4f}", str(v["quarters"]))
        out.print(t)
        if "dm_pvalue" in r:
            out.print(f"best {r['best_model']}; Diebold-Mariano {r['dm_pair'][0]} vs {r['dm_pair'][1]}: "
                      f"stat {r['dm_stat']:.2f}, p = {r['dm_pvalue']:.3g}")
    if text_index:
        t = Table(title="Beige Book index as a feature: with vs without (Diebold-Mariano on per-quarter pinball)")
        for col in ("model", "pinball without", "pinball with", "coverage without", "coverage with", "DM stat", "p"):
            t.add_column(col, justify="right")
        for m, v in s["text_comparison"].items():
            t.add_row(m, f"{v['pinball_without']:.5f}", f"{v['pinball_with']:.5f}", f"{v['coverage_without']:.3f}",
                      f"{v['coverage_with']:.3f}", f"{v['dm_stat']:.2f}", f"{v['dm_pvalue']:.3g}")
        out.print(t)


def scaling_cmd(
    repeats: int = typer.Option(3, "--repeats", help="random subsets per training size"),
    boot: int = typer.Option(200, "--boot", help="bootstrap draws over test quarters"),
    plot: Optional[str] = typer.Option(None, "--plot", help="PNG path (default: <home>/nowcast/scaling.png)"),
    text_index: bool = typer.Option(True, "--text-index/--no-text-index", help=(
        "add the text-source line: the loss change from adding the Beige Book index (needs `econgraph text "
        "build`; skipped with a note when the index is missing)")),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Marginal value of data: nowcaster out-of-sample loss vs training size, power law + floor with bootstrap
    bands, and the projected loss change from adding the Beige Book text source (gnn.nowcast_scaling)."""
    from gnn.nowcast import nowcast_inputs
    from gnn.nowcast_scaling import scaling_experiment, scaling_plot
    from ingest.storage import atomic_write_text
    from ingest.warehouse import Warehouse

    settings = get_settings()
    wh = Warehouse(settings.home)
    monthly = wh.read("macro_monthly", "macro")
    inp = nowcast_inputs(wh.read("bea_gdp_by_industry", "bea"), monthly)
    text = None
    if text_index:
        from scoring.text.index import load_index

        try:
            text = load_index(settings.home)
        except FileNotFoundError as exc:
            console.print(f"[yellow]no text-source line: {exc}[/yellow]")
    with console.status("scaling: fitting the nowcaster on subsets"):
        res = scaling_experiment(inp, monthly, repeats=repeats, boot=boot, text_index=text)
    dest = settings.home / "nowcast"
    png = plot or str(dest / "scaling.png")
    scaling_plot(res, png)
    atomic_write_text(dest / "scaling.json", json.dumps(res.summary))
    console.print(f"plot: {png}; summary: {dest / 'scaling.json'}")
    if fmt == "json":
        out.print_json(json.dumps(res.summary))
        return
    t = Table(title=f"nowcaster loss vs data (test {res.summary['test']})")
    for col in ("dimension", "floor (5-95%)", "exponent (5-95%)", "gain of next doubling (5-95%)"):
        t.add_column(col)
    for dim in ("rows", "indicator_series"):
        s, b = res.summary[dim], res.summary[dim]["bands_5_95"]
        t.add_row(dim, f"{s['floor']:.5f} ({b['floor'][0]:.5f}-{b['floor'][1]:.5f})",
                  f"{s['exponent']:.2f} ({b['exponent'][0]:.2f}-{b['exponent'][1]:.2f})",
                  f"{s['gain_next_doubling']:.6f} ({b['gain_next_doubling'][0]:.6f}-"
                  f"{b['gain_next_doubling'][1]:.6f})")
    out.print(t)
    if "text_source" in res.summary:
        v = res.summary["text_source"]
        b = v["bands_5_95"]
        out.print(f"text source (Beige Book index): pinball change now {v['change_now']:+.6f} "
                  f"({b['change_now'][0]:+.6f} .. {b['change_now'][1]:+.6f}); after doubling the rows "
                  f"{v['change_next_doubling']:+.6f} ({b['change_next_doubling'][0]:+.6f} .. "
                  f"{b['change_next_doubling'][1]:+.6f}); {'helps' if v['helps'] else 'no significant gain'}")
