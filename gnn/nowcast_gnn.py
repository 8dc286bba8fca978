r"""Graph nowcaster over the IO network, and the pooled LightGBM baseline with the same information.

**Inputs per quarter ``t`` (decided at D).** Node ``i`` (BEA industry) has features
``x_{i,t} = [own indicator growth, CPI growth, payroll growth, y_{i,t-1}]`` (indicator growth as in
:mod:`gnn.nowcast`: the months of ``t`` published by D against the previous quarter, training quarters with the same
months), standardised with the training mean and s.d.; ``y_{i,t-1}`` is the last published quarter's output growth.
Optionally a fifth, the Beige Book industry index of the editions released by D (:mod:`gnn.nowcast_text`).

**Graph.** ``Z`` = the industry-by-industry flows of the latest annual IO table published by D
(:func:`graph.build.io_year_as_of`; ``Z[j, i] = A[j, i] x_i``, dollars of seller ``j``'s output bought by ``i``).
Demand shocks travel upstream (a seller hears from its buyers), supply shocks downstream (a buyer hears from its
suppliers): ``P_up = row-normalise(Z)`` (seller ``j`` <- buyers ``i``, weights = ``i``'s share of ``j``'s sales)
and ``P_down = row-normalise(Z^T)`` (buyer ``i`` <- suppliers ``j``, weights = ``j``'s share of ``i``'s inputs,
the same as row-normalising ``A^T``), self-loops removed. (Row-normalising ``A`` itself for ``P_up`` would weight a
seller's buyers by their input coefficients, not by what they buy.)

**Model.** ``h^0 = relu(W_0 [x_i, e_i] + G_0 [P_up x, P_down x]_i)`` (``e_i`` a learned 4-d industry embedding;
``G_0`` only in the ``inputs`` variant); two residual layers
``h^{l+1} = h^l + relu(W_s h^l + W_u P_up h^l + W_d P_down h^l)`` (``W_u, W_d`` only in the ``layers`` variant),
width 32; quantile heads give the median and softplus-positive gaps, so
``q_0.025 <= q_0.05 <= q_0.5 <= q_0.95 <= q_0.975`` always. **The graph model nests its ablation**: the graph
weights ``G_0, W_u, W_d`` start at zero and the no-graph model (``gnn_nograph``) is the same network drawn from the
same seed with propagation off, so both start identical and the graph model departs from the ablation only where
propagation lowers the training loss. Loss: mean pinball over nodes, training quarters and levels; Adam (lr 0.01),
full batch, weight decay 1e-4; target scaled by its training s.d. **Selection on the training window only**: the
last 8 training quarters are held out, the network is trained on the rest for up to 300 epochs and the epoch
count (and, with several variants, the variant) with the lowest held-out pinball is kept; the final networks are
refitted on the whole window for that many epochs. **Seed ensemble**: the quantiles of 3 networks (seeds ``s .. s+2``)
are averaged, then sorted. **Annual pretraining** (:mod:`gnn.nowcast_annual`): with an annual panel, every network
(graph and no-graph alike, same seed) is first trained 200 epochs on the annual history published by the decision
date (1998 on; 1960 on once the production accounts are public) and the quarterly training starts from those
weights, so the graph weights can learn propagation from six decades instead of a few dozen quarters.
**LightGBM baseline** (no graph): the same node features plus the industry as a categorical, one quantile
regression per level (``objective='quantile'``), 200 trees of 7 leaves, then sorted per row (no crossing); with an
annual panel its rows join the training set with a frequency flag (each frequency standardised on its own).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .nowcast import COMMON_INDICATORS, QUANTILES, NowcastInputs, months_available

N_FEATURES = 4


@dataclass
class Panel:
    X: np.ndarray  # [T, N, F] training features (raw)
    y: np.ndarray  # [T, N] training targets
    x_now: np.ndarray  # [N, F] features of the target quarter
    codes: list[str]
    quarters: list | None = None  # the training quarters (pd.Period), in order


def node_panel(inp: NowcastInputs, quarter: pd.Period, as_of: pd.Timestamp, known: pd.PeriodIndex,
               lag_now: np.ndarray | None = None, text: pd.DataFrame | None = None) -> Panel:
    """Training panel (quarters published by ``as_of`` with complete features) and the target quarter's features.
    ``text``: the Beige Book index table; adds the fifth node feature :func:`gnn.nowcast_text.quarter_text_features`
    (editions released by ``as_of`` only)."""
    codes = list(inp.go.columns)
    key = ("avail", quarter, as_of)
    if key not in inp._cache:
        inp._cache[key] = months_available(inp.pub, quarter, as_of)
    n = inp._cache[key]
    idx = known.append(pd.PeriodIndex([quarter]))
    growth = inp.growth

    def feat(series: str) -> np.ndarray:
        if n[series] == 0:
            return np.zeros(len(idx))
        return inp.features(int(n[series]))[series].reindex(idx).to_numpy()

    common = [feat(s) for s in COMMON_INDICATORS]
    per = {s: feat(s) for s in set(inp.own.values())}
    lag = growth.shift(1).reindex(idx)
    X = np.zeros((len(idx), len(codes), N_FEATURES + (text is not None)))
    for k, c in enumerate(codes):
        X[:, k, 0] = per[inp.own[c]]
        X[:, k, 1], X[:, k, 2] = common
        X[:, k, 3] = lag[c].to_numpy()
    if lag_now is not None:
        X[-1, :, 3] = lag_now
    if text is not None:
        from .nowcast_text import quarter_text_features

        X[:, :, N_FEATURES] = quarter_text_features(text, idx, codes, as_of).to_numpy()
    y = growth.reindex(known)[codes].to_numpy()
    ok = np.isfinite(X[:-1]).all(axis=(1, 2)) & np.isfinite(y).all(axis=1)
    if not np.isfinite(X[-1]).all():
        raise ValueError(f"features of {quarter} are incomplete as of {as_of.date()}")
    return Panel(X[:-1][ok], y[ok], X[-1], codes, list(known[ok]))


def propagation(A: pd.DataFrame, codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``P_up`` (seller <- its buyers) and ``P_down`` (buyer <- its suppliers), row-normalised, from a seller x
    buyer matrix ``A``: pass the flows ``Z`` for sales-share weights upstream and input-share weights downstream
    (module docstring)."""
    a = A.reindex(index=codes, columns=codes).fillna(0.0).clip(lower=0.0).to_numpy().copy()
    np.fill_diagonal(a, 0.0)

    def rownorm(m: np.ndarray) -> np.ndarray:
        s = m.sum(axis=1, keepdims=True)
        return np.divide(m, s, out=np.zeros_like(m), where=s > 0)

    return rownorm(a), rownorm(a.T)


def _standardise(panel: Panel):
    F = panel.X.shape[-1]
    mu = panel.X.reshape(-1, F).mean(axis=0)
    sd = panel.X.reshape(-1, F).std(axis=0)
    sd[sd == 0] = 1.0
    ysd = float(np.nanstd(panel.y)) or 1.0
    return mu, sd, ysd


def gnn_nowcast(panel: Panel, P_up: np.ndarray, P_down: np.ndarray, **kwargs) -> np.ndarray:
    """Quantiles ``[N, len(QUANTILES)]`` of the target quarter's growth (module docstring)."""
    return fit_gnn(panel, P_up, P_down, **kwargs)(panel.x_now)


GRAPH_MODES = ("layers", "inputs", "none")
#: how a pretrained network is trained on the quarterly panel (:func:`fit_gnn`)
FINETUNES = ("all", "freeze_graph")


def _net(N: int, F: int, hidden: int, use_graph: bool, mode: str = "layers"):
    """The network of the module docstring; the graph weights start at zero (the graph model starts as its
    no-graph ablation, drawn from the same seed, and leaves it only where propagation lowers the loss).
    ``mode``: ``layers`` (message passing in every layer) or ``inputs`` (the neighbours' propagated inputs
    ``P_up x`` and ``P_down x`` enter the first layer; no message passing after it) or ``none`` (propagation off:
    the ablation, a candidate when the variant is chosen on the inner validation)."""
    import torch

    if mode not in GRAPH_MODES:
        raise ValueError(f"unknown graph mode {mode!r}; expected one of {GRAPH_MODES}")

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(N, 4)
            self.lin0 = torch.nn.Linear(F + 4, hidden)
            self.lin_g = torch.nn.Linear(2 * F, hidden, bias=False)  # propagated inputs (mode ``inputs``)
            self.layers = torch.nn.ModuleList([torch.nn.ModuleDict({
                "s": torch.nn.Linear(hidden, hidden), "u": torch.nn.Linear(hidden, hidden, bias=False),
                "d": torch.nn.Linear(hidden, hidden, bias=False)}) for _ in range(2)])
            self.head = torch.nn.Linear(hidden, len(QUANTILES))
            for layer in self.layers:
                torch.nn.init.zeros_(layer["u"].weight)
                torch.nn.init.zeros_(layer["d"].weight)
            torch.nn.init.zeros_(self.lin_g.weight)
            self.use_graph = use_graph
            self.register_buffer("nodes", torch.arange(N))

        def forward(self, x, up, down):  # x [B, N, F] -> [B, N, K]
            e = self.emb(self.nodes).expand(x.shape[0], N, 4)
            z0 = self.lin0(torch.cat([x, e], dim=-1))
            if self.use_graph and mode == "inputs":
                z0 = z0 + self.lin_g(torch.cat([up @ x, down @ x], dim=-1))
            h = torch.relu(z0)
            for layer in self.layers:
                z = layer["s"](h)
                if self.use_graph and mode == "layers":
                    z = z + layer["u"](up @ h) + layer["d"](down @ h)
                h = h + torch.relu(z)  # residual: each layer refines the node's own representation
            o = self.head(h)
            sp = torch.nn.functional.softplus
            mid = QUANTILES.index(0.5)
            med = o[..., mid:mid + 1]
            below = torch.cumsum(sp(o[..., :mid]).flip(-1), dim=-1).flip(-1)
            above = torch.cumsum(sp(o[..., mid + 1:]), dim=-1)
            return torch.cat([med - below, med, med + above], dim=-1)

    return Net()


def _train(X: np.ndarray, y: np.ndarray, up, down, *, hidden: int, seed: int, use_graph: bool, epochs: int,
           lr: float, weight_decay: float, X_val: np.ndarray | None = None, y_val: np.ndarray | None = None,
           check_every: int = 10, mode: str = "layers", init: dict | None = None, freeze_graph: bool = False):
    """Full-batch Adam on the mean pinball loss; with a validation set, also the validation loss every
    ``check_every`` epochs (list of ``(epoch, loss)``). ``init``: start from these weights (a pretrained
    ``state_dict``) instead of the seed's draw."""
    import torch

    torch.manual_seed(seed)
    T, N, F = X.shape
    net = _net(N, F, hidden, use_graph, mode)
    if init is not None:
        net.load_state_dict(init)
        if freeze_graph:  # keep the propagation learned on the annual history; adapt the node weights only
            for name, prm in net.named_parameters():
                if name.startswith("lin_g.") or name.endswith(".u.weight") or name.endswith(".d.weight"):
                    prm.requires_grad_(False)
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=lr, weight_decay=weight_decay)
    tau = torch.tensor(QUANTILES, dtype=torch.float32)
    Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    ok = torch.isfinite(yt)
    yt = torch.nan_to_num(yt)
    if X_val is not None:
        Xv, yv = torch.tensor(X_val, dtype=torch.float32), torch.tensor(y_val, dtype=torch.float32)
    curve = []

    def pin(pred, target):
        u = target[..., None] - pred
        return torch.maximum(tau * u, (tau - 1) * u)

    for ep in range(1, epochs + 1):
        opt.zero_grad()
        loss = pin(net(Xt, up, down), yt)[ok].mean()
        loss.backward()
        opt.step()
        if X_val is not None and ep % check_every == 0:
            with torch.no_grad():
                curve.append((ep, float(pin(net(Xv, up, down), yv).mean())))
    return net, curve


def fit_gnn(panel: Panel, P_up: np.ndarray, P_down: np.ndarray, epochs: int = 100, hidden: int = 32,
            seed: int = 0, use_graph: bool = True, seeds: int = 1, select_epochs: bool = False,
            val_quarters: int = 8, max_epochs: int = 300, lr: float = 0.01, weight_decay: float = 1e-4,
            modes: tuple[str, ...] = ("layers",), pretrain=None, pre_epochs: int = 200,
            finetunes: tuple[str, ...] = ("all",)):
    """Train on ``panel`` (module docstring); returns ``predict(x_now [N, F]) -> quantiles [N, K]``.

    ``select_epochs``: early stopping chosen on the training window only: fit on all but the last
    ``val_quarters`` training quarters, take the epoch count with the lowest pinball on those quarters (checked
    every 10 epochs up to ``max_epochs``), then refit on the whole window for that many epochs; with several graph
    ``modes`` (:data:`GRAPH_MODES`) the (mode, epochs) pair with the lowest validation pinball is chosen the same
    way (without selection: the first mode). ``seeds``: average the quantiles of that many networks (seeds
    ``seed .. seed + seeds - 1``), then sort. ``pretrain`` (:class:`gnn.nowcast_annual.AnnualPanel`): each
    network is first trained ``pre_epochs`` epochs on the annual panel (standardised on its own) and then on the
    quarterly one from those weights; for the epoch selection only the years before the first held-out quarter's
    year are pretrained on. ``finetunes`` (with ``pretrain``): ``all`` (every weight trained on the quarterly
    panel) and/or ``freeze_graph`` (the graph weights stay as pretrained on the annual history, the node weights
    adapt); several are chosen between on the inner validation like the modes."""
    import torch

    torch.set_num_threads(1)  # tiny dense tensors: threads only add contention
    mu, sd, ysd = _standardise(panel)
    X, y = (panel.X - mu) / sd, panel.y / ysd
    up = torch.tensor(P_up if use_graph else np.zeros_like(P_up), dtype=torch.float32)
    down = torch.tensor(P_down if use_graph else np.zeros_like(P_down), dtype=torch.float32)
    kw = dict(hidden=hidden, use_graph=use_graph, lr=lr, weight_decay=weight_decay)
    for ft in finetunes:
        if ft not in FINETUNES:
            raise ValueError(f"unknown fine-tuning {ft!r}; expected one of {FINETUNES}")
    chosen, mode = epochs, modes[0]
    fts = finetunes if (use_graph and pretrain is not None) else ("all",)
    finetune = fts[0]
    curve: list = []
    start = _pretrainer(pretrain, up, down, pre_epochs, kw)
    if select_epochs and len(X) >= val_quarters + 12:
        best = None
        before = panel.quarters[-val_quarters].year if panel.quarters else None
        for md in (modes if use_graph else modes[:1]):
            for ft in fts:
                init = start(seed, md, before)
                _, c = _train(X[:-val_quarters], y[:-val_quarters], up, down, seed=seed, epochs=max_epochs,
                              X_val=X[-val_quarters:], y_val=y[-val_quarters:], mode=md, init=init,
                              freeze_graph=(ft == "freeze_graph" and init is not None), **kw)
                e, v = min(c, key=lambda t: t[1])
                if best is None or v < best[0]:
                    best, chosen, mode, finetune, curve = (v,), e, md, ft, c
    nets = []
    for k in range(seeds):
        init = start(seed + k, mode, None)
        nets.append(_train(X, y, up, down, seed=seed + k, epochs=chosen, mode=mode, init=init,
                           freeze_graph=(finetune == "freeze_graph" and init is not None), **kw)[0])

    def predict(x_now: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            x = torch.tensor(((x_now - mu) / sd)[None], dtype=torch.float32)
            q = np.mean([net(x, up, down)[0].numpy() for net in nets], axis=0) * ysd
        return np.sort(q, axis=1)

    predict.epochs = chosen  # type: ignore[attr-defined]
    predict.mode = mode  # type: ignore[attr-defined]
    predict.finetune = finetune  # type: ignore[attr-defined]
    predict.validation_curve = curve  # type: ignore[attr-defined]
    return predict


def _pretrainer(pretrain, up, down, pre_epochs: int, kw: dict):
    """``start(seed, mode, before_year) -> state_dict | None``: a network pretrained on the annual panel (years
    before ``before_year`` when given), or None without one (or with fewer than 8 such years)."""
    if pretrain is None or pre_epochs <= 0:
        return lambda *a: None
    mu, sd, ysd = _standardise(pretrain)  # the annual panel on its own
    Xa, ya = (pretrain.X - mu) / sd, pretrain.y / ysd
    years = np.asarray(pretrain.years)
    cache: dict = {}

    def start(seed: int, mode: str, before_year):
        sel = years < before_year if before_year is not None else np.ones(len(years), bool)
        if sel.sum() < 8:
            return None
        key = (seed, mode, int(sel.sum()))
        if key not in cache:
            net, _ = _train(Xa[sel], ya[sel], up, down, seed=seed, epochs=pre_epochs, mode=mode, **kw)
            cache[key] = net.state_dict()
        return cache[key]

    return start


def lightgbm_nowcast(panel: Panel, **kwargs) -> np.ndarray:
    """Pooled LightGBM quantile regressions (module docstring): ``[N, len(QUANTILES)]``."""
    return fit_lightgbm(panel, **kwargs)(panel.x_now)


def fit_lightgbm(panel: Panel, n_estimators: int = 200, seed: int = 0, pretrain=None):
    """Train the pooled quantile regressions; returns ``predict(x_now [N, F]) -> quantiles [N, K]``.
    ``pretrain`` (:class:`gnn.nowcast_annual.AnnualPanel`): its rows join the training rows with a frequency flag
    (a last column, 1 = annual), features and targets of each frequency standardised by that frequency's own mean and
    s.d.; the quarterly prediction is scaled back."""
    import lightgbm as lgb

    T, N, F = panel.X.shape
    ind = np.tile(np.arange(N), T)
    Xq, yq = panel.X.reshape(-1, F), panel.y.reshape(-1)
    mu, sd, ysd = np.zeros(F), np.ones(F), 1.0
    if pretrain is not None:
        mu, sd, ysd = _standardise(panel)
        Xq, yq = (Xq - mu) / sd, yq / ysd
    Xtr = np.column_stack([Xq, ind])
    ytr = yq
    if pretrain is not None:
        Ta = pretrain.X.shape[0]
        Xa = pretrain.X.reshape(-1, F)
        mua, sda, ysda = _standardise(pretrain)  # the annual panel on its own
        ya = pretrain.y.reshape(-1) / ysda
        Xtr = np.vstack([np.column_stack([Xtr, np.zeros(len(Xtr))]),
                         np.column_stack([(Xa - mua) / sda, np.tile(np.arange(N), Ta), np.ones(len(Xa))])])
        ytr = np.concatenate([ytr, ya])
    ok = np.isfinite(ytr)  # padded cells of a subsampled panel (gnn.nowcast_scaling) carry no target
    Xtr, ytr = Xtr[ok], ytr[ok]
    models = []
    for t in QUANTILES:
        m = lgb.LGBMRegressor(objective="quantile", alpha=t, n_estimators=n_estimators, num_leaves=7,
                              learning_rate=0.05, min_child_samples=20, random_state=seed, verbose=-1,
                              n_jobs=1)
        m.fit(Xtr, ytr, categorical_feature=[F])
        models.append(m)

    def predict(x_now: np.ndarray) -> np.ndarray:
        cols = [(x_now - mu) / sd, np.arange(N)] + ([np.zeros(N)] if pretrain is not None else [])
        Xnow = np.column_stack(cols)
        return np.sort(np.column_stack([m.predict(Xnow) for m in models]), axis=1) * ysd

    return predict
