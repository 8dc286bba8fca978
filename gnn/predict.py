"""Next-period industry return quantiles for the allocator: ``<home>/forecasts/<quarter>.parquet``.

Columns: ``quarter`` (the decision quarter forecast), ``as_of_date``, ``bea_code``, ``q05 .. q95`` (excess return
over the quarter, decimal), ``model_id``. Only industries with a listed proxy (a trailing return at the as-of
date) are written. The model must have been trained on data public by the forecast's as-of date (no look-ahead):
a model whose as-of quarter is later than the requested quarter is refused.

:func:`history` writes the same file for every quarter of a range, each from a model trained only on what was
public at the start of its block of ``step`` quarters (the walk-forward protocol of :mod:`gnn.evaluate`), so a
backtest can use point-in-time forecasts for every date they cover.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ingest.storage import atomic_write_parquet

from .dataset import ForecastDataset
from .registry import load_model, model_id_for, models_dir

COLUMNS = ("q05", "q25", "q50", "q75", "q95")


def forecast_frame(model, ds: ForecastDataset, quarter: str, model_id: str) -> pd.DataFrame:
    s = ds.index_of(quarter)
    q = model.predict(ds, [s])["excess_return"]
    has = ds.feature("has_return")[s] > 0
    out = pd.DataFrame(q, columns=list(COLUMNS))
    out.insert(0, "bea_code", ds.industries)
    out.insert(0, "as_of_date", pd.Timestamp(ds.as_of[s]))
    out.insert(0, "quarter", quarter)
    out["model_id"] = model_id
    return out[has].reset_index(drop=True)


def predict(home: str | Path, *, quarter: str | None = None, model_id: str | None = None,
            dataset: ForecastDataset | None = None, crosswalk: pd.DataFrame | None = None,
            supplies: pd.DataFrame | None = None, graph_metrics: pd.DataFrame | None = None) -> tuple[pd.DataFrame,
                                                                                                      Path]:
    """Forecast ``quarter`` (default: the dataset's last snapshot) with a stored model (default: the latest) and
    write the parquet file. Returns (frame, path)."""
    from .dataset import dataset_from_warehouse
    from .train import load_crosswalk

    model, data = load_model(home, model_id)
    ds = dataset or dataset_from_warehouse(home, crosswalk if crosswalk is not None else load_crosswalk(),
                                           supplies=supplies, graph_metrics=graph_metrics)
    q = quarter or ds.quarters[-1]
    if pd.Period(data["as_of_quarter"], "Q") > pd.Period(q, "Q"):
        raise ValueError(f"model {data['model_id']} was trained as of {data['as_of_quarter']}, after {q}: its "
                         f"training data include outcomes unknown on {q}'s as-of date; train one as of {q}")
    frame = forecast_frame(model, ds, q, data["model_id"])
    path = Path(home) / "forecasts" / f"{q}.parquet"
    atomic_write_parquet(path, frame)
    return frame, path


def history(home: str | Path, *, first: str = "2015Q1", last: str | None = None, step: int = 4, config=None,
            dataset: ForecastDataset | None = None, crosswalk: pd.DataFrame | None = None,
            supplies: pd.DataFrame | None = None, graph_metrics: pd.DataFrame | None = None,
            progress=None, min_train: int = 16) -> list[dict]:
    """Point-in-time forecasts for every quarter ``first .. last`` (default: the dataset's last snapshot).

    As in the walk-forward evaluation (:func:`gnn.evaluate.walk_forward_splits`), a block whose origin had fewer than
    ``min_train`` public snapshots is skipped (no model could be trained on what was public then: before the
    November 2018 update the 71-industry history began in 2012), and the skip is reported through ``progress``.

    Quarters are taken in blocks of ``step``; the block starting at quarter ``o`` is forecast by a model trained on
    the snapshots whose targets were public by ``o``'s as-of date (``ForecastDataset.known_snapshots``), stored in
    the registry as ``gnn-<o>-...``; a model already in the registry with the same id (same configuration, data key
    and as-of quarter: deterministic seeds give the same weights) is reused instead of retrained. Each quarter's
    file is ``<home>/forecasts/<quarter>.parquet`` (as :func:`predict`). Returns one row per quarter:
    ``quarter``, ``as_of_date``, ``model_id``, ``n_industries``, ``path``, ``trained`` (False when reused).
    """
    from .dataset import dataset_from_warehouse
    from .train import GNNConfig, load_crosswalk, train

    if step < 1:
        raise ValueError(f"step must be >= 1, got {step}")
    cfg = config or GNNConfig()
    ds = dataset or dataset_from_warehouse(home, crosswalk if crosswalk is not None else load_crosswalk(),
                                           supplies=supplies, graph_metrics=graph_metrics)
    lo, hi = ds.index_of(first), ds.index_of(last or ds.quarters[-1])
    if hi < lo:
        raise ValueError(f"empty range: {first} is after {last}")
    say = progress or (lambda msg: None)
    out: list[dict] = []
    for o in range(lo, hi + 1, step):
        origin = ds.quarters[o]
        public = len(ds.known_snapshots(ds.as_of[o]))
        if public < min_train:
            say(f"skip {origin}: only {public} snapshots were public by {ds.as_of[o]} (at least {min_train} needed)")
            continue
        mid = model_id_for(cfg, ds.key, origin)
        trained = not (models_dir(home) / mid / "weights.pt").exists()
        if trained:
            say(f"training as of {origin}")
            mid = train(home, config=cfg, dataset=ds, as_of_quarter=origin)["model_id"]
        model, _ = load_model(home, mid)
        for s in range(o, min(o + step, hi + 1)):
            q = ds.quarters[s]
            frame = forecast_frame(model, ds, q, mid)
            path = Path(home) / "forecasts" / f"{q}.parquet"
            atomic_write_parquet(path, frame)
            out.append({"quarter": q, "as_of_date": ds.as_of[s], "model_id": mid, "n_industries": int(len(frame)),
                        "path": str(path), "trained": trained})
            say(f"forecast {q} (as of {ds.as_of[s]})")
    if not out:
        raise ValueError(f"no quarter {first}..{ds.quarters[hi]} had {min_train} public snapshots to train on")
    return out
