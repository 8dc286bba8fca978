r"""Fitting of the temporal GNN: standardisation, deterministic seeds, early stopping, seed ensembles, DDP.

Loss: the sum over targets (weights ``target_weights``) of the mean pinball loss over the five quantile levels and
all observed rows, in standardised target units (``(y - mean) / sd`` of the training rows). Rows without a target
(no listed proxy, unpublished quarter) are masked out.

Early stopping: the last ``val_quarters`` training snapshots are held out (time order), training stops after
``patience`` epochs without a better validation loss and the best weights are restored.

Distributed data parallel (``torchrun --nproc_per_node=K -m gnn.train --ddp``): each rank takes every K-th
training snapshot; each rank's loss is its rows' pinball sum divided by the *global* row count times K, so the
gradient DDP averages equals the single-process full-batch gradient. Validation (identical on every rank) drives
early stopping, so all ranks stop together. Only rank 0 writes the registry.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .baselines import Forecaster
from .dataset import EDGE_FEATURES, EDGE_TARGET, NODE_TARGETS, QUANTILES, TARGETS, ForecastDataset
from .model import GraphBatch, TemporalIOGNN

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CROSSWALK = REPO / "data" / "crosswalks" / "securities_bea.csv"
#: standard deviation given to a feature with no value in the training window: any later value standardises to 0
NEVER_SEEN_SD = 1e300


@dataclass
class GNNConfig:
    hidden: int = 32
    layers: int = 2
    window: int = 4
    dropout: float = 0.1
    lr: float = 3e-3
    weight_decay: float = 1e-4
    max_epochs: int = 300
    min_epochs: int = 10
    patience: int = 25
    val_quarters: int = 4
    n_seeds: int = 20
    base_seed: int = 0
    target_weights: dict = field(default_factory=lambda: {t: 1.0 for t in TARGETS})
    device: str = "cpu"
    #: intra-op CPU threads while training (the graphs are small: one thread is fastest on a shared machine);
    #: None leaves torch's setting alone
    num_threads: int | None = 1

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "GNNConfig":
        return cls(**d)

    def digest(self) -> str:
        d = self.to_dict()
        d.pop("device")
        d.pop("num_threads")
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


@contextlib.contextmanager
def deterministic():
    """Deterministic kernels while training (restored afterwards)."""
    before = torch.are_deterministic_algorithms_enabled()
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before)


# ---------------------------------------------------------------------------------------------- scaling
@dataclass
class Standardizer:
    """Means and standard deviations of features, edge attributes and targets over the training snapshots."""

    x_mean: list
    x_sd: list
    e_mean: list
    e_sd: list
    y_mean: dict
    y_sd: dict

    @staticmethod
    def _ms(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = np.where(np.isfinite(a), a, np.nan).astype(float)
        with warnings.catch_warnings():  # all-NaN columns: handled below
            warnings.simplefilter("ignore", RuntimeWarning)
            m, s = np.nanmean(a, axis=0), np.nanstd(a, axis=0)
        seen = np.isfinite(m)
        m = np.where(seen, m, 0.0)
        s = np.where(np.isfinite(s) & (s > 1e-12), s, 1.0)
        # a column never observed in the training window (e.g. an AI metric before its inputs were published) must
        # contribute nothing when it appears later: its weights never learnt from it, so it standardises to 0
        s = np.where(seen, s, NEVER_SEEN_SD)
        return m, s

    @classmethod
    def fit(cls, ds: ForecastDataset, snaps) -> "Standardizer":
        snaps = np.asarray(sorted(snaps))
        xm, xs = cls._ms(ds.x[snaps].reshape(-1, ds.x.shape[2]))
        edges = np.concatenate([np.arange(ds.edge_ptr[s], ds.edge_ptr[s + 1]) for s in snaps])
        em, es = cls._ms(ds.edge_attr[edges])
        em[EDGE_FEATURES.index("has_flow_g0")], es[EDGE_FEATURES.index("has_flow_g0")] = 0.0, 1.0
        ym, ys = {}, {}
        for t in TARGETS:
            y = ds.rows(t, snaps).y
            m, s = cls._ms(y[:, None])
            ym[t], ys[t] = float(m[0]), float(s[0])
        return cls(xm.tolist(), xs.tolist(), em.tolist(), es.tolist(), ym, ys)

    def x(self, x: np.ndarray) -> np.ndarray:
        z = (x - np.asarray(self.x_mean)) / np.asarray(self.x_sd)
        return np.where(np.isfinite(z), z, 0.0).astype(np.float32)

    def e(self, a: np.ndarray) -> np.ndarray:
        z = (a - np.asarray(self.e_mean)) / np.asarray(self.e_sd)
        return np.where(np.isfinite(z), z, 0.0).astype(np.float32)

    def to_dict(self) -> dict:
        return asdict(self)


class GraphTensors:
    """The whole dataset as tensors on a device, standardised; :meth:`batch` cuts snapshot sub-batches."""

    def __init__(self, ds: ForecastDataset, std: Standardizer, device: str | torch.device = "cpu"):
        self.ds, self.std, self.device = ds, std, torch.device(device)
        self.N = ds.n_nodes
        self.x = torch.from_numpy(std.x(ds.x))
        self.cost_w = torch.from_numpy(np.exp(ds.edge_attr[:, EDGE_FEATURES.index("log_cost_share")]).astype(
            np.float32))
        self.sales_w = torch.from_numpy(np.exp(ds.edge_attr[:, EDGE_FEATURES.index("log_sales_share")]).astype(
            np.float32))
        self.edge_attr = torch.from_numpy(std.e(ds.edge_attr))
        self.edge_index = torch.from_numpy(ds.edge_index)
        ys = [(ds.y[:, :, k] - std.y_mean[t]) / std.y_sd[t] for k, t in enumerate(NODE_TARGETS)]
        self.y_node = torch.from_numpy(np.stack(ys, axis=-1).astype(np.float32))
        self.y_edge = torch.from_numpy(((ds.edge_y - std.y_mean[EDGE_TARGET]) / std.y_sd[EDGE_TARGET]).astype(
            np.float32))
        self._cache: dict[tuple, tuple] = {}

    def batch(self, snaps, window: int) -> tuple[GraphBatch, torch.Tensor, np.ndarray]:
        """Sub-batch holding ``snaps`` and their ``window - 1`` predecessors. Returns (batch, local indices of
        ``snaps``, global edge ids of the target snapshots in output order)."""
        snaps = tuple(sorted(int(s) for s in snaps))
        key = (snaps, window)
        if key not in self._cache:
            need = sorted({j for s in snaps for j in range(max(0, s - window + 1), s + 1)})
            local = {s: k for k, s in enumerate(need)}
            e_ids = [np.arange(self.ds.edge_ptr[s], self.ds.edge_ptr[s + 1]) for s in need]
            e_all = torch.from_numpy(np.concatenate(e_ids))
            e_snap = torch.from_numpy(np.concatenate([np.full(len(e), k) for k, e in enumerate(e_ids)]))
            ei = self.edge_index[:, e_all] + e_snap[None, :] * self.N
            b = GraphBatch(self.x[need], ei, self.cost_w[e_all], self.sales_w[e_all], self.edge_attr[e_all],
                           e_snap).to(self.device)
            tgt = torch.tensor([local[s] for s in snaps], dtype=torch.long, device=self.device)
            out_edges = np.concatenate([np.arange(self.ds.edge_ptr[s], self.ds.edge_ptr[s + 1]) for s in snaps])
            self._cache[key] = (b, tgt, out_edges)
        return self._cache[key]

    def targets(self, snaps, out_edges: np.ndarray) -> dict[str, torch.Tensor]:
        idx = torch.tensor(sorted(int(s) for s in snaps), dtype=torch.long)
        y = {t: self.y_node[idx, :, k].to(self.device) for k, t in enumerate(NODE_TARGETS)}
        y[EDGE_TARGET] = self.y_edge[torch.from_numpy(out_edges)].to(self.device)
        return y


def pinball_sum(y: torch.Tensor, q: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Sum over observed rows of the mean (over levels) pinball loss, and the number of observed rows."""
    m = torch.isfinite(y)
    y, q = y[m], q[m]
    tau = torch.tensor(QUANTILES, dtype=q.dtype, device=q.device)
    u = y[:, None] - q
    return torch.maximum(tau * u, (tau - 1) * u).mean(dim=1).sum(), int(m.sum())


def _counts(t: GraphTensors, snaps, window) -> dict[str, int]:
    _, _, out_edges = t.batch(snaps, window)
    y = t.targets(snaps, out_edges)
    return {k: int(torch.isfinite(v).sum()) for k, v in y.items()}


def _loss(model, t: GraphTensors, snaps, cfg: GNNConfig, counts: dict[str, int], scale: float = 1.0):
    b, tgt, out_edges = t.batch(snaps, cfg.window)
    out = model(b, tgt)
    y = t.targets(snaps, out_edges)
    total = torch.zeros((), device=t.device)
    for name, w in cfg.target_weights.items():
        if counts.get(name, 0) == 0 or w == 0:
            continue
        s, _ = pinball_sum(y[name], out[name])
        total = total + w * s / counts[name] * scale
    return total


def fit_one(ds: ForecastDataset, tensors: GraphTensors, train_snaps, cfg: GNNConfig, seed: int) -> tuple[dict, dict]:
    """Train one network (one seed). Returns (best state dict on CPU, history)."""
    import torch.distributed as dist

    snaps = sorted(int(s) for s in train_snaps)
    n_val = cfg.val_quarters if len(snaps) > 2 * cfg.val_quarters else 0
    fit_snaps, val_snaps = (snaps[:-n_val], snaps[-n_val:]) if n_val else (snaps, [])
    ddp = dist.is_available() and dist.is_initialized()
    rank, world = (dist.get_rank(), dist.get_world_size()) if ddp else (0, 1)
    my_snaps = fit_snaps[rank::world]
    counts = _counts(tensors, fit_snaps, cfg.window)
    val_counts = _counts(tensors, val_snaps, cfg.window) if val_snaps else {}
    seed_everything(seed)
    model = TemporalIOGNN(ds.x.shape[2], len(EDGE_FEATURES), hidden=cfg.hidden, layers=cfg.layers,
                          window=cfg.window, dropout=cfg.dropout).to(tensors.device)
    net = model
    if ddp:
        from torch.nn.parallel import DistributedDataParallel as DDP

        net = DDP(model, device_ids=[tensors.device.index] if tensors.device.type == "cuda" else None)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    best, best_state, best_epoch, history = float("inf"), None, 0, {"train": [], "val": []}
    for epoch in range(cfg.max_epochs):
        net.train()
        opt.zero_grad()
        loss = _loss(net, tensors, my_snaps, cfg, counts, scale=float(world)) if my_snaps else \
            sum(p.sum() * 0.0 for p in net.parameters())
        loss.backward()
        opt.step()
        lv = loss.detach().clone()
        if ddp:
            dist.all_reduce(lv)  # sum over ranks of K * shard sum / N  ->  K * full-batch loss
        history["train"].append(float(lv) / world)
        if val_snaps:
            net.eval()
            with torch.no_grad():
                v = float(_loss(model, tensors, val_snaps, cfg, val_counts))
            history["val"].append(v)
        else:
            v = history["train"][-1]
        if v < best - 1e-7:
            best, best_epoch = v, epoch
            best_state = {k: p.detach().cpu().clone() for k, p in model.state_dict().items()}
        if epoch + 1 >= cfg.min_epochs and epoch - best_epoch >= cfg.patience:
            break
    history.update(best_epoch=best_epoch, best_val=best, epochs=epoch + 1)
    return best_state, history


class GNNForecaster(Forecaster):
    """An ensemble of ``n_seeds`` networks (seeds ``base_seed .. base_seed + n_seeds - 1``); the forecast is the
    mean of the members' quantiles (a mean of increasing vectors is increasing: still non-crossing)."""

    name = "gnn"

    def __init__(self, config: GNNConfig | None = None):
        self.config = config or GNNConfig()

    def fit(self, ds: ForecastDataset, train_snaps) -> "GNNForecaster":
        cfg = self.config
        self.standardizer_ = Standardizer.fit(ds, train_snaps)
        tensors = GraphTensors(ds, self.standardizer_, cfg.device)
        self.states_, self.histories_ = [], []
        threads = torch.get_num_threads()
        if cfg.num_threads and tensors.device.type == "cpu":
            torch.set_num_threads(cfg.num_threads)
        with deterministic():
            for k in range(cfg.n_seeds):
                state, hist = fit_one(ds, tensors, train_snaps, cfg, cfg.base_seed + k)
                self.states_.append(state)
                self.histories_.append(hist)
        torch.set_num_threads(threads)
        self.n_features_ = ds.x.shape[2]
        self.feature_names_ = list(ds.feature_names)
        return self

    def _network(self) -> TemporalIOGNN:
        c = self.config
        return TemporalIOGNN(self.n_features_, len(EDGE_FEATURES), hidden=c.hidden, layers=c.layers,
                             window=c.window, dropout=c.dropout)

    def predict_members(self, ds: ForecastDataset, snaps) -> list[dict[str, np.ndarray]]:
        """Per-seed forecasts (original units), each aligned with ``ds.rows(target, snaps)``."""
        if list(ds.feature_names) != self.feature_names_:
            raise ValueError("the dataset's features differ from the ones the model was trained on")
        tensors = GraphTensors(ds, Standardizer(**self.standardizer_.to_dict()), self.config.device)
        b, tgt, _ = tensors.batch(snaps, self.config.window)
        net = self._network().to(tensors.device)
        out = []
        with torch.no_grad():
            for state in self.states_:
                net.load_state_dict(state)
                net.eval()
                pred = net(b, tgt)
                member = {}
                for t in TARGETS:
                    q = pred[t].cpu().double().numpy().reshape(-1, len(QUANTILES))
                    member[t] = q * self.standardizer_.y_sd[t] + self.standardizer_.y_mean[t]
                out.append(member)
        return out

    def predict(self, ds: ForecastDataset, snaps) -> dict[str, np.ndarray]:
        members = self.predict_members(ds, snaps)
        return {t: np.mean([m[t] for m in members], axis=0) for t in TARGETS}
