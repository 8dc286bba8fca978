"""Benchmark of the forecaster: training time per epoch and the whole walk-forward, CPU (and CUDA when present).

    .venv/bin/python bench/bench_gnn.py [--home H] [--device cpu|cuda] [--seeds K] [--repeats R] [--json OUT]

Data: the real warehouse under ``--home`` (BEA + market ingested) and ``data/crosswalks/securities_bea.csv``.
Prints median and p90 seconds per epoch (full-batch over the training snapshots, after warm-up) for 1 and 2 CPU
threads side by side, then the time of one walk-forward (all origins, every baseline, ``--seeds`` GNN seeds, no
learning curve). Writes a JSON record with the git sha and parameters. Never asserts on time.
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
from _common import git_sha as _git_sha  # noqa: E402




def epoch_times(ds, train_snaps, cfg, device: str, threads: int | None, epochs: int, warmup: int = 3) -> list[float]:
    from gnn.dataset import EDGE_FEATURES
    from gnn.model import TemporalIOGNN
    from gnn.train import GraphTensors, Standardizer, _counts, _loss, seed_everything

    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    tensors = GraphTensors(ds, Standardizer.fit(ds, train_snaps), device)
    seed_everything(0)
    model = TemporalIOGNN(ds.x.shape[2], len(EDGE_FEATURES), hidden=cfg.hidden, layers=cfg.layers,
                          window=cfg.window, dropout=cfg.dropout).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    counts = _counts(tensors, train_snaps, cfg.window)
    out = []
    for k in range(warmup + epochs):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        opt.zero_grad()
        _loss(model, tensors, train_snaps, cfg, counts).backward()
        opt.step()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        if k >= warmup:
            out.append(time.perf_counter() - t0)
    torch.set_num_threads(before)
    return out


def _stats(xs: list[float]) -> dict:
    return {"median_s": float(np.median(xs)), "p90_s": float(np.percentile(xs, 90)), "n": len(xs)}


def main() -> int:
    from gnn.dataset import dataset_from_warehouse
    from gnn.evaluate import EvalConfig, run_walk_forward
    from gnn.train import GNNConfig, load_crosswalk

    ap = argparse.ArgumentParser()
    ap.add_argument("--home", default=str(REPO / ".pytest_cache" / "econgraph-warehouse"))
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--first-test", default="2015Q1")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    t0 = time.perf_counter()
    ds = dataset_from_warehouse(args.home, load_crosswalk())
    build_s = time.perf_counter() - t0
    cfg = GNNConfig(n_seeds=args.seeds, device=args.device)
    train_snaps = ds.known_snapshots(ds.as_of[-1])
    record = {"git_sha": _git_sha(), "python": platform.python_version(), "torch": torch.__version__,
              "device": args.device, "cpu_count": torch.get_num_threads(), "dataset_seconds": build_s,
              "snapshots": ds.n_snapshots, "train_snapshots": int(len(train_snaps)), "edges": int(ds.edge_y.size),
              "config": cfg.to_dict(), "epoch": {}}
    print(f"dataset: {ds.n_snapshots} snapshots x {ds.n_nodes} industries, {ds.edge_y.size} edges "
          f"({build_s:.1f} s incl. cache)")
    variants = [("cpu", 1), ("cpu", 2)] + ([(args.device, None)] if args.device.startswith("cuda") else [])
    for device, threads in variants:
        name = f"{device}" + (f"-{threads}thread" if threads else "")
        st = _stats(epoch_times(ds, train_snaps, cfg, device, threads, args.epochs))
        record["epoch"][name] = st
        print(f"epoch ({name}, {len(train_snaps)} training snapshots): median {st['median_s'] * 1e3:.1f} ms, "
              f"p90 {st['p90_s'] * 1e3:.1f} ms")
    base = record["epoch"]["cpu-1thread"]["median_s"]
    for name, st in record["epoch"].items():
        print(f"  ratio {name} / cpu-1thread: {st['median_s'] / base:.2f}")
    if not args.device.startswith("cuda"):
        print("GPU: none available on this machine (no figures)")
    ecfg = EvalConfig(first_test=args.first_test, gnn=cfg, learning_curve_sizes=())
    t0 = time.perf_counter()
    wf = run_walk_forward(ds, ecfg)
    record["walk_forward"] = {"seconds": time.perf_counter() - t0, "origins": len(wf["origins"]),
                              "fit_seconds": wf["fit_seconds"], "seeds": args.seeds}
    print(f"walk-forward ({len(wf['origins'])} origins, {args.seeds} GNN seeds, all baselines, {args.device}): "
          f"{record['walk_forward']['seconds']:.1f} s; per model: "
          + ", ".join(f"{m} {s:.1f}s" for m, s in wf["fit_seconds"].items()))
    per_seed_fit = wf["fit_seconds"]["gnn"] / (len(wf["origins"]) * args.seeds)
    print(f"  GNN per seed per origin: {per_seed_fit:.1f} s -> 20 seeds x {len(wf['origins'])} origins "
          f"~ {per_seed_fit * 20 * len(wf['origins']) / 60:.0f} min")
    if args.json:
        Path(args.json).write_text(json.dumps(record, indent=2, default=float) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
