r"""Training entry points of the temporal GNN: fit an ensemble on the public snapshots and store it in the registry.

:func:`train` fits :class:`gnn.fit.GNNForecaster` (loss, early stopping, seed ensembles and DDP are described in
:mod:`gnn.fit`) on every snapshot whose targets were public by the as-of date and saves it with
:func:`gnn.registry.save_model`. Layering: ``fit`` <- ``registry`` <- ``train`` (the registry never imports this
module). Command line: ``python -m gnn.train --home H [--device cuda] [--seeds K] [--ddp]`` (torchrun for ``--ddp``).
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pandas as pd
import torch

from .dataset import ForecastDataset
from .fit import (DEFAULT_CROSSWALK, REPO, GNNConfig, GNNForecaster, GraphTensors, Standardizer, _counts, _loss,
                  deterministic, fit_one, pinball_sum, seed_everything)

__all__ = ["DEFAULT_CROSSWALK", "REPO", "GNNConfig", "GNNForecaster", "GraphTensors", "Standardizer", "_counts",
           "_loss", "deterministic", "fit_one", "pinball_sum", "seed_everything", "load_crosswalk", "train", "main"]


# ---------------------------------------------------------------------------------------------- public API
def load_crosswalk(path: str | Path | None = None) -> pd.DataFrame:
    from .features import read_crosswalk

    path = Path(path) if path is not None else DEFAULT_CROSSWALK
    if not path.exists():
        from ingest.errors import MissingInputError

        raise MissingInputError("the securities -> BEA crosswalk is missing (columns kind, key, bea_code, weight, "
                                "reasoning)", path=path)
    return read_crosswalk(path)


def train(home: str | Path, *, config: GNNConfig | None = None, crosswalk: pd.DataFrame | None = None,
          supplies: pd.DataFrame | None = None, graph_metrics: pd.DataFrame | None = None,
          dataset: ForecastDataset | None = None, as_of_quarter: str | None = None) -> dict:
    """Fit the GNN ensemble on every snapshot whose targets are public by the as-of date of ``as_of_quarter``
    (default: the dataset's last snapshot) and store it in the registry. Returns the registry entry (dict)."""
    import torch.distributed as dist

    from . import registry
    from .dataset import dataset_from_warehouse

    cfg = config or GNNConfig()
    ds = dataset or dataset_from_warehouse(home, crosswalk if crosswalk is not None else load_crosswalk(),
                                           supplies=supplies, graph_metrics=graph_metrics)
    q = as_of_quarter or ds.quarters[-1]
    snaps = ds.known_snapshots(ds.as_of[ds.index_of(q)])
    if len(snaps) < 2 * cfg.val_quarters + 1:
        raise ValueError(f"only {len(snaps)} snapshots with public targets before {q}: too few to train")
    model = GNNForecaster(cfg).fit(ds, snaps)
    metrics = {"seeds": [{"seed": cfg.base_seed + k, **h} for k, h in enumerate(model.histories_)],
               "train_quarters": [ds.quarters[int(snaps[0])], ds.quarters[int(snaps[-1])]],
               "n_train_snapshots": int(len(snaps))}
    if dist.is_available() and dist.is_initialized() and dist.get_rank() != 0:
        return {"model_id": None, "metrics": metrics}
    return registry.save_model(home, model, ds, metrics, as_of_quarter=q)


def main(argv: list[str] | None = None) -> int:
    """``python -m gnn.train --home H [--device cuda] [--seeds K] [--ddp]`` (use torchrun for ``--ddp``)."""
    import torch.distributed as dist

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", required=True)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seeds", type=int, default=GNNConfig.n_seeds)
    ap.add_argument("--max-epochs", type=int, default=GNNConfig.max_epochs)
    ap.add_argument("--crosswalk", default=None)
    ap.add_argument("--ddp", action="store_true")
    args = ap.parse_args(argv)
    device = args.device
    if args.ddp:
        backend = "nccl" if device.startswith("cuda") else "gloo"
        dist.init_process_group(backend)
        if device.startswith("cuda"):
            device = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
            torch.cuda.set_device(device)
    try:
        cfg = GNNConfig(device=device, n_seeds=args.seeds, max_epochs=args.max_epochs)
        entry = train(args.home, config=cfg, crosswalk=load_crosswalk(args.crosswalk))
        if not args.ddp or dist.get_rank() == 0:
            print(json.dumps({k: entry[k] for k in ("model_id", "path") if k in entry}))
    finally:
        if args.ddp:
            dist.destroy_process_group()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
