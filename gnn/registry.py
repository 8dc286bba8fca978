"""A small model registry: ``<home>/models/<model_id>/`` holding

* ``config.json``: the GNN configuration (hyper-parameters, seeds, device);
* ``data.json``: the dataset key (schema version + input checksums), features, quarters trained on, as-of quarter;
* ``metrics.json``: per-seed training histories (best epoch, validation loss) and any evaluation figures;
* ``weights.pt``: the members' state dicts and the standardiser (tensors and plain numbers only: loaded with
  ``torch.load(weights_only=True)``).

A model directory is written into a temporary sibling and renamed (``ingest.storage.atomic_directory``), so a
reader sees a complete model or none. The id is deterministic: ``gnn-<as-of quarter>-<data key 8>-<config 8>``.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from ingest.storage import atomic_directory, atomic_write_json

from .dataset import ForecastDataset
from .fit import GNNConfig, GNNForecaster, Standardizer

FILES = ("config.json", "data.json", "metrics.json", "weights.pt")


class RegistryError(LookupError):
    pass


def models_dir(home: str | Path) -> Path:
    return Path(home) / "models"


def model_id_for(config: GNNConfig, data_key: str, as_of_quarter: str) -> str:
    return f"gnn-{as_of_quarter}-{data_key[:8]}-{config.digest()[:8]}"


def save_model(home: str | Path, model: GNNForecaster, ds: ForecastDataset, metrics: dict, *,
               as_of_quarter: str) -> dict:
    mid = model_id_for(model.config, ds.key, as_of_quarter)
    dest = models_dir(home) / mid
    data = {"data_key": ds.key, "as_of_quarter": as_of_quarter, "feature_names": model.feature_names_,
            "industries": ds.industries, "dataset_quarters": [ds.quarters[0], ds.quarters[-1]],
            "dataset_params": ds.params}
    with atomic_directory(dest) as tmp:
        (tmp / "config.json").write_text(json.dumps(model.config.to_dict(), indent=2, sort_keys=True) + "\n")
        (tmp / "data.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True, default=float) + "\n")
        torch.save({"states": model.states_, "standardizer": model.standardizer_.to_dict(),
                    "n_features": model.n_features_}, tmp / "weights.pt")
    return {"model_id": mid, "path": str(dest), "data_key": ds.key, "metrics": metrics}


def update_metrics(home: str | Path, model_id: str, extra: dict) -> None:
    """Merge ``extra`` into a stored model's ``metrics.json`` (atomic rewrite)."""
    path = models_dir(home) / model_id / "metrics.json"
    if not path.exists():
        raise RegistryError(f"no model {model_id!r} under {models_dir(home)}")
    current = json.loads(path.read_text())
    current.update(extra)
    atomic_write_json(path, current)


def list_models(home: str | Path) -> list[dict]:
    root = models_dir(home)
    out = []
    if not root.exists():
        return out
    for d in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if all((d / f).exists() for f in FILES):
            data = json.loads((d / "data.json").read_text())
            out.append({"model_id": d.name, "as_of_quarter": data["as_of_quarter"], "data_key": data["data_key"],
                        "mtime": (d / "weights.pt").stat().st_mtime})
    return out


def latest_model_id(home: str | Path) -> str:
    models = list_models(home)
    if not models:
        raise RegistryError(f"no trained model under {models_dir(home)}; run `econgraph forecast train`")
    return max(models, key=lambda m: (m["as_of_quarter"], m["mtime"]))["model_id"]


def load_model(home: str | Path, model_id: str | None = None) -> tuple[GNNForecaster, dict]:
    """Load a stored ensemble (latest by as-of quarter if ``model_id`` is None). Returns (model, data.json)."""
    mid = model_id or latest_model_id(home)
    d = models_dir(home) / mid
    missing = [f for f in FILES if not (d / f).exists()]
    if missing:
        raise RegistryError(f"model {mid!r} under {models_dir(home)} is incomplete or absent (missing {missing})")
    cfg = GNNConfig.from_dict(json.loads((d / "config.json").read_text()))
    data = json.loads((d / "data.json").read_text())
    blob = torch.load(d / "weights.pt", weights_only=True)
    model = GNNForecaster(cfg)
    model.states_ = blob["states"]
    model.standardizer_ = Standardizer(**blob["standardizer"])
    model.n_features_ = int(blob["n_features"])
    model.feature_names_ = list(data["feature_names"])
    data["model_id"] = mid
    return model, data
