"""``econgraph forecast``: next-quarter forecasts from the GNN and its baselines, trained point in time.

* ``forecast train [--quarter Q] [--quick] [--seeds N]``: train the GNN ensemble on what was public when Q was
  forecast and store it in the model registry (:func:`gnn.train.train`).
* ``forecast evaluate [--quick] [--seeds N] [--text-index]``: walk-forward evaluation against the baselines
  (pinball loss, interval coverage, Diebold-Mariano p against the best baseline; :func:`gnn.evaluate.evaluate`).
* ``forecast predict [--quarter Q | --from Q]``: per-industry return quantiles for the next period, or with
  ``--from`` their point-in-time history (each block forecast by a model trained on what was public at its start;
  :func:`gnn.predict.history`).
* ``forecast scaling`` is registered by :mod:`pipeline.cli` from :mod:`pipeline.cli_nowcast`.

``--quick`` selects the small CI configuration (:func:`gnn.evaluate.ci_config`); otherwise the full
:class:`gnn.evaluate.EvalConfig` (20 seeds), with ``--seeds`` overriding the neural-model seed count.
"""
from __future__ import annotations

from typing import Optional

import typer

from .cli_common import _fail, _print_json, _progress, _table, console, out
from .settings import get_settings

forecast_app = typer.Typer(no_args_is_help=True, help="Next-quarter forecasts (GNN + baselines, walk-forward).")


def _forecast_config(quick: bool, seeds: int | None):
    from gnn.evaluate import EvalConfig, ci_config

    cfg = ci_config() if quick else EvalConfig()
    if seeds is not None:
        cfg.gnn.n_seeds = seeds
    return cfg


@forecast_app.command("train")
def forecast_train(
    quarter: Optional[str] = typer.Option(None, "--quarter", help="train with what was known when forecasting it"),
    quick: bool = typer.Option(False, "--quick", help="small configuration (CI)"),
    seeds: Optional[int] = typer.Option(None, "--seeds"),
    device: Optional[str] = typer.Option(None, "--device", help="cpu | cuda (default: settings)"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Train the GNN ensemble and store it in the model registry."""
    from gnn.train import train

    from .forecasting import open_graph_inputs

    settings = get_settings()
    cfg = _forecast_config(quick, seeds).gnn
    cfg.device = device or settings.resolved_device()
    supplies, metrics = open_graph_inputs(settings)
    with console.status("training the GNN ensemble"):
        entry = train(settings.home, config=cfg, supplies=supplies, graph_metrics=metrics, as_of_quarter=quarter)
    if fmt == "json":
        _print_json(entry)
    else:
        out.print(f"model {entry.get('model_id', entry.get('id'))} stored under {settings.home / 'models'}")


@forecast_app.command("evaluate")
def forecast_evaluate(
    quick: bool = typer.Option(False, "--quick", help="small configuration (CI): 2 origins, 3 seeds"),
    seeds: Optional[int] = typer.Option(None, "--seeds", help="neural-model seeds (default 20)"),
    text_index: bool = typer.Option(False, "--text-index", help=(
        "add each industry's Beige Book index (latest edition released by the as-of date) as a node feature; "
        "needs `econgraph text build`")),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Walk-forward evaluation of the GNN against the baselines; report under <home>/reports/forecast/."""
    from gnn.evaluate import evaluate

    from .forecasting import open_graph_inputs

    settings = get_settings()
    supplies, metrics = open_graph_inputs(settings)
    cfg = _forecast_config(quick, seeds)
    cfg.gnn.device = settings.resolved_device()
    cfg.text_index = text_index
    with _progress() as bar:
        task = bar.add_task("walk-forward", total=None)
        res = evaluate(settings.home, config=cfg, supplies=supplies, graph_metrics=metrics,
                       progress=lambda *a, **k: bar.update(task, advance=1))
    if fmt == "json":
        _print_json(res)
        return
    for target, models in res.get("targets", res).items():
        if not isinstance(models, dict):
            continue
        t = _table(f"{target}: best baseline {models.get('best_baseline')}, DM p = {models.get('dm_pvalue')}",
                   ("model", "pinball", "mae", "rank IC (t)"))
        for name, m in (models.get("models") or {}).items():
            ic = f"{m['rank_ic_mean']:.3f} ({m['rank_ic_t']:.2f})" if m.get("rank_ic_mean") is not None else ""
            t.add_row(name, f"{m['pinball']:.5f}", f"{m['mae']:.5f}", ic)
        out.print(t)
    out.print(f"report: {settings.home / 'reports' / 'forecast' / 'report.md'}")


@forecast_app.command("predict")
def forecast_predict(
    quarter: Optional[str] = typer.Option(None, "--quarter"),
    model: Optional[str] = typer.Option(None, "--model", help="model id (default: latest)"),
    since: Optional[str] = typer.Option(None, "--from", help="point-in-time history: forecast every quarter from "
                                        "this one to --quarter (default: the latest), retraining every --step"),
    step: int = typer.Option(4, "--step", help="with --from: quarters per retraining block"),
    quick: bool = typer.Option(False, "--quick", help="with --from: small configuration (CI)"),
    seeds: Optional[int] = typer.Option(None, "--seeds", help="with --from: neural-model seeds"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Per-industry return quantiles for the next period (what the allocator consumes); with --from, the
    point-in-time history of them (each block forecast by a model trained on what was public at its start)."""
    from gnn.predict import history, predict

    from .forecasting import open_graph_inputs

    settings = get_settings()
    supplies, metrics = open_graph_inputs(settings)
    if since is not None:
        if model is not None:
            _fail(ValueError("--model and --from exclude each other: --from trains one model per block"))
        cfg = _forecast_config(quick, seeds).gnn
        cfg.device = settings.resolved_device()
        with _progress() as bar:
            task = bar.add_task("forecast history", total=None)
            try:
                rows = history(settings.home, first=since, last=quarter, step=step, config=cfg, supplies=supplies,
                               graph_metrics=metrics, progress=lambda msg: bar.update(task, description=msg))
            except (FileNotFoundError, KeyError, ValueError) as exc:
                _fail(exc)
        if fmt == "json":
            _print_json(rows)
            return
        t = _table(f"point-in-time forecasts {rows[0]['quarter']}..{rows[-1]['quarter']}",
                   ("quarter", "as_of_date", "model_id", "industries", "trained"))
        for r in rows:
            t.add_row(r["quarter"], r["as_of_date"], r["model_id"], str(r["n_industries"]),
                      "yes" if r["trained"] else "reused")
        out.print(t)
        out.print(f"written to {settings.home / 'forecasts'}")
        return
    try:
        frame, path = predict(settings.home, quarter=quarter, model_id=model, supplies=supplies,
                              graph_metrics=metrics)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        _fail(exc)
    if fmt == "json":
        out.print_json(frame.to_json(orient="records", date_format="iso"))
    else:
        out.print(frame.to_string(index=False))
        out.print(f"written to {path}")
