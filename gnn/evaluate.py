r"""Walk-forward evaluation of the GNN against the baselines, in one harness.

Expanding window: for each origin ``o`` (every ``step`` quarters from ``first_test``), every model is re-fitted on
the snapshots whose targets were public by ``o``'s as-of date (``ForecastDataset.known_snapshots``: never a test
quarter, never a quarter whose outcome was unknown then) and forecasts the snapshots ``o .. o + step - 1``. The
pooled out-of-sample forecasts give, per target and model: mean pinball loss, MAE of the median, empirical coverage
of each quantile, and for returns the per-quarter rank IC with its t-statistic (:mod:`gnn.metrics`). The GNN is an
ensemble of ``n_seeds`` networks; the spread of the members' pinball losses is reported too.

An origin is scored only when at least ``min_train`` snapshots were public by its as-of date. Quarterly GDP by
industry at 71 industries was public only from 2012 until the November 2018 update carried it back to 2005
(:mod:`ingest.calendar`), so with ``first_test = 2015Q1`` and ``step = 4`` the first scored origin is 2018Q1 (16
public snapshots, 2014Q1-2017Q4) and the next ones train on the whole history from 2006.

The Diebold-Mariano test compares the GNN with the best baseline (lowest pooled pinball loss) on the per-quarter
mean pinball loss. The learning curve refits on the latest ``m`` public snapshots before a fixed final test block,
for several ``m``. ``winner`` is the model with the lowest pooled pinball loss, whichever it is.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .baselines import BASELINES, make_baseline
from .dataset import NODE_TARGETS, QUANTILES, TARGETS, ForecastDataset
from .metrics import coverage, diebold_mariano, ic_summary, mae, mean_pinball, pinball, rank_ic
from .fit import GNNConfig, GNNForecaster


@dataclass
class EvalConfig:
    first_test: str = "2015Q1"
    last_test: str | None = None
    step: int = 4
    min_train: int = 16
    baselines: tuple = tuple(BASELINES)
    gnn: GNNConfig = field(default_factory=GNNConfig)
    learning_curve_sizes: tuple = (8, 16, 24, 32, 48)
    learning_curve_seeds: int = 5
    learning_curve_test: int = 8
    learning_curve_models: tuple = ("gnn", "ridge", "lightgbm")
    dm_lags: int | None = None
    #: add the Beige Book index (``<home>/text/index.parquet``, ``econgraph text build``) as the node feature
    #: ``beige_index`` (point in time by release date, :func:`gnn.features.attach_text_index`)
    text_index: bool = False

    def to_dict(self) -> dict:
        d = asdict(self)
        d["baselines"], d["learning_curve_sizes"] = list(self.baselines), list(self.learning_curve_sizes)
        d["learning_curve_models"] = list(self.learning_curve_models)
        return d


def ci_config() -> EvalConfig:
    """A small configuration for CI: two origins, three seeds, short training."""
    return EvalConfig(first_test="2022Q1", step=4, gnn=GNNConfig(n_seeds=3, max_epochs=40, patience=8, hidden=16),
                      learning_curve_sizes=(8, 16), learning_curve_seeds=1, learning_curve_test=4,
                      learning_curve_models=("gnn", "ridge"))


@dataclass
class Split:
    origin: int
    train: np.ndarray
    test: np.ndarray


def walk_forward_splits(ds: ForecastDataset, first_test: str, last_test: str | None = None, step: int = 4,
                        min_train: int = 16) -> list[Split]:
    """Expanding-window splits; training snapshots are those public by each origin's as-of date."""
    if step < 1:
        raise ValueError(f"step must be >= 1, got {step}")
    first = ds.index_of(first_test)
    has_target = [i for i in range(ds.n_snapshots)
                  if np.isfinite(ds.y[i]).any() or np.isfinite(ds.edge_y[ds.edge_slice(i)]).any()]
    last = ds.index_of(last_test) if last_test else max(has_target)
    splits = []
    for o in range(first, last + 1, step):
        train = ds.known_snapshots(ds.as_of[o])
        test = np.arange(o, min(o + step, last + 1))
        if len(train) < min_train:
            continue
        if len(np.intersect1d(train, test)) or train.max() >= o:
            raise AssertionError(f"walk-forward split at {ds.quarters[o]} would train on a test quarter")
        splits.append(Split(o, train, test))
    if not splits:
        raise ValueError(f"no walk-forward split from {first_test} with at least {min_train} training snapshots")
    return splits


def _make(name: str, cfg: EvalConfig, n_seeds: int | None = None):
    if name == "gnn":
        g = cfg.gnn if n_seeds is None else GNNConfig(**{**cfg.gnn.to_dict(), "n_seeds": n_seeds})
        return GNNForecaster(g)
    return make_baseline(name)


def _target_metrics(target: str, y: np.ndarray, q: np.ndarray, snap: np.ndarray) -> dict:
    ok = np.isfinite(y) & np.isfinite(q).all(axis=1)
    y, q, snap = y[ok], q[ok], snap[ok]
    out = {"pinball": mean_pinball(y, q), "mae": mae(y, q), "coverage": coverage(y, q), "n": int(len(y))}
    if target == "excess_return":
        ic = rank_ic(snap, q[:, QUANTILES.index(0.5)], y)
        out.update(ic_summary(ic["ic"]))
    return out


def _per_quarter_loss(y: np.ndarray, q: np.ndarray, snap: np.ndarray) -> pd.Series:
    ok = np.isfinite(y) & np.isfinite(q).all(axis=1)
    loss = pinball(y[ok], q[ok]).mean(axis=1)
    return pd.Series(loss).groupby(snap[ok]).mean()


def run_walk_forward(ds: ForecastDataset, cfg: EvalConfig, progress=None) -> dict:
    say = progress or (lambda msg: None)
    splits = walk_forward_splits(ds, cfg.first_test, cfg.last_test, cfg.step, cfg.min_train)
    models = ["gnn", *cfg.baselines]
    preds: dict[str, dict[str, list]] = {m: {t: [] for t in TARGETS} for m in models}
    member_preds: dict[str, list] = {t: [] for t in TARGETS}
    timings: dict[str, float] = {m: 0.0 for m in models}
    rows = {t: [] for t in TARGETS}
    for k, sp in enumerate(splits):
        say(f"walk-forward {k + 1}/{len(splits)}: origin {ds.quarters[sp.origin]}, {len(sp.train)} training "
            f"snapshots")
        for t in TARGETS:
            rows[t].append(ds.rows(t, sp.test))
        for m in models:
            t0 = time.perf_counter()
            model = _make(m, cfg).fit(ds, sp.train)
            out = model.predict(ds, sp.test)
            if m == "gnn":
                members = model.predict_members(ds, sp.test)
                for t in TARGETS:
                    member_preds[t].append(np.stack([mm[t] for mm in members]))
            timings[m] += time.perf_counter() - t0
            for t in TARGETS:
                preds[m][t].append(out.get(t))
    result: dict = {"test_quarters": [ds.quarters[i] for sp in splits for i in sp.test],
                    "origins": [ds.quarters[sp.origin] for sp in splits],
                    "train_sizes": [int(len(sp.train)) for sp in splits],
                    "fit_seconds": timings, "targets": {}, "series": {}}
    for t in TARGETS:
        y = np.concatenate([r.y for r in rows[t]])
        snap = np.concatenate([r.snap for r in rows[t]])
        res: dict = {"models": {}}
        losses: dict[str, pd.Series] = {}
        for m in models:
            if preds[m][t][0] is None:
                continue
            q = np.concatenate(preds[m][t])
            res["models"][m] = _target_metrics(t, y, q, snap)
            losses[m] = _per_quarter_loss(y, q, snap)
        seeds = np.concatenate(member_preds[t], axis=1)  # [n_seeds, rows, Q]
        ok = np.isfinite(y)
        per_seed = [mean_pinball(y[ok], s[ok]) for s in seeds]
        res["models"]["gnn"]["pinball_seed_mean"] = float(np.mean(per_seed))
        res["models"]["gnn"]["pinball_seed_sd"] = float(np.std(per_seed, ddof=1)) if len(per_seed) > 1 else 0.0
        res["models"]["gnn"]["n_seeds"] = len(per_seed)
        base = {m: v["pinball"] for m, v in res["models"].items() if m != "gnn"}
        best = min(base, key=base.get)
        common = losses["gnn"].index.intersection(losses[best].index)
        dm = diebold_mariano(losses["gnn"].loc[common].to_numpy(), losses[best].loc[common].to_numpy(),
                             lags=cfg.dm_lags)
        res.update(best_baseline=best, dm_stat=dm.stat, dm_pvalue=dm.pvalue, dm_mean_loss_diff=dm.mean_diff,
                   dm_quarters=dm.n, dm_lags=dm.lags,
                   winner=min(res["models"], key=lambda m: res["models"][m]["pinball"]))
        result["targets"][t] = res
        series = {m: {ds.quarters[int(s)]: float(v) for s, v in losses[m].items()} for m in losses}
        result["series"][t] = {"pinball_by_quarter": series}
        if t == "excess_return":
            ics = {}
            for m in res["models"]:
                q = np.concatenate(preds[m][t])
                ic = rank_ic(snap[ok], q[ok][:, QUANTILES.index(0.5)], y[ok])
                ics[m] = {ds.quarters[int(s)]: float(v) for s, v in zip(ic["snap"], ic["ic"])}
            result["series"][t]["rank_ic_by_quarter"] = ics
    return result


def learning_curve(ds: ForecastDataset, cfg: EvalConfig, progress=None) -> dict:
    """Out-of-sample pinball loss on the final ``learning_curve_test`` snapshots against the number of (most
    recent, public) training snapshots."""
    say = progress or (lambda msg: None)
    splits = walk_forward_splits(ds, cfg.first_test, cfg.last_test, 1, 1)
    test = np.array([sp.origin for sp in splits[-cfg.learning_curve_test:]])
    avail = ds.known_snapshots(ds.as_of[int(test[0])])
    sizes = [m for m in cfg.learning_curve_sizes if m <= len(avail)]
    if len(avail) not in sizes:
        sizes.append(int(len(avail)))
    out = {"test_quarters": [ds.quarters[i] for i in test], "sizes": sizes, "models": {}}
    for name in cfg.learning_curve_models:
        curve = {t: [] for t in TARGETS}
        for m in sizes:
            say(f"learning curve: {name} on {m} snapshots")
            train = avail[-m:]
            model = _make(name, cfg, n_seeds=cfg.learning_curve_seeds)
            if name == "gnn" and m <= 2 * model.config.val_quarters:
                model.config.val_quarters = 0
            pred = model.fit(ds, train).predict(ds, test)
            for t in TARGETS:
                r = ds.rows(t, test)
                ok = np.isfinite(r.y)
                curve[t].append(mean_pinball(r.y[ok], pred[t][ok]) if ok.any() else float("nan"))
        out["models"][name] = curve
    return out


def evaluate(home: str | Path | None = None, *, config: EvalConfig | None = None,
             dataset: ForecastDataset | None = None, crosswalk: pd.DataFrame | None = None,
             supplies: pd.DataFrame | None = None, graph_metrics: pd.DataFrame | None = None,
             report: bool = True, progress=None) -> dict:
    """Walk-forward evaluation (+ learning curve); writes the report under ``<home>/reports/forecast/`` when
    ``report`` and ``home`` are given. Returns the JSON-able result (see module docstring)."""
    from .dataset import dataset_from_warehouse
    from .train import load_crosswalk

    cfg = config or EvalConfig()
    if dataset is None:
        if home is None:
            raise ValueError("give a home directory or a dataset")
        text = None
        if cfg.text_index:
            from scoring.text.index import load_index

            text = load_index(home)
        dataset = dataset_from_warehouse(home, crosswalk if crosswalk is not None else load_crosswalk(),
                                         supplies=supplies, graph_metrics=graph_metrics, text_index=text)
    t0 = time.perf_counter()
    result = run_walk_forward(dataset, cfg, progress)
    result["walk_forward_seconds"] = time.perf_counter() - t0
    if cfg.learning_curve_sizes and cfg.learning_curve_models:
        result["learning_curve"] = learning_curve(dataset, cfg, progress)
    result.update(config=cfg.to_dict(), data_key=dataset.key, quantiles=list(QUANTILES),
                  n_industries=dataset.n_nodes,
                  n_return_industries=int(np.isfinite(dataset.y[:, :, NODE_TARGETS.index("excess_return")])
                                          .any(axis=0).sum()),
                  seconds=time.perf_counter() - t0)
    if report and home is not None:
        from .report import write_report

        result["report"] = str(write_report(result, home))
    return result
