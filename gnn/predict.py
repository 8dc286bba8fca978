"""Next-period industry return quantiles for the allocator: ``<home>/forecasts/<quarter>.parquet``.

Columns: ``quarter`` (the decision quarter forecast), ``as_of_date``, ``bea_code``, ``q05 .. q95`` (excess return
over the quarter, decimal), ``model_id``. Only industries with a listed proxy (a trailing return at the as-of
date) are written. The model must have been trained on data public by the forecast's as-of date (no look-ahead):
a model whose as-of quarter is later than the requested quarter is refused.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ingest.storage import atomic_write_parquet

from .dataset import ForecastDataset
from .registry import load_model

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
