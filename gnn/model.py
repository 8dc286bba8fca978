r"""Temporal graph network over the quarterly SUPPLIES graph, with non-crossing quantile heads.

For each snapshot (quarter) the node features are encoded, then ``layers`` rounds of message passing run over the
IO edges in both directions (PyG ``GraphConv``, weighted sum aggregation):

    m_down_j = sum_i c_ij W_d h_i       (suppliers -> buyer, weight c_ij = F_ij / GO_j, the cost share)
    m_up_i   = sum_j s_ij W_u h_j       (buyers -> supplier, weight s_ij = F_ij / sum_k F_ik, the sales share)
    h <- LayerNorm(h + dropout(relu(W_r h + m_down + m_up)))

A GRU then reads each node's embeddings over the last ``window`` snapshots (the temporal part). Heads:
``go_growth`` and ``excess_return`` from the node state, ``flow_growth`` from ``[h_src, h_dst, edge attributes]``.

Quantile heads are non-crossing by construction: with raw outputs ``r_0..r_4``,
``q_0 = r_0`` and ``q_k = q_{k-1} + softplus(r_k)``, so ``q_0 < q_1 < ... < q_4``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import GraphConv

from .dataset import QUANTILES


class QuantileHead(nn.Module):
    """MLP -> ``len(quantiles)`` increasing values (cumulative softplus increments)."""

    def __init__(self, in_dim: int, hidden: int, n_quantiles: int = len(QUANTILES)):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, n_quantiles))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        raw = self.net(h)
        return torch.cat([raw[..., :1], raw[..., :1] + torch.cumsum(F.softplus(raw[..., 1:]), dim=-1)], dim=-1)


@dataclass
class GraphBatch:
    """Snapshots stacked as one disjoint graph: node ``(k, i)`` has id ``k * N + i``.

    ``x``: [K, N, F]; ``edge_index``: [2, E] ids; ``cost_w``/``sales_w``: [E]; ``edge_attr``: [E, A];
    ``edge_snap``: [E] local snapshot index of each edge."""

    x: torch.Tensor
    edge_index: torch.Tensor
    cost_w: torch.Tensor
    sales_w: torch.Tensor
    edge_attr: torch.Tensor
    edge_snap: torch.Tensor

    def to(self, device) -> "GraphBatch":
        return GraphBatch(*(t.to(device) for t in (self.x, self.edge_index, self.cost_w, self.sales_w,
                                                   self.edge_attr, self.edge_snap)))


class TemporalIOGNN(nn.Module):
    def __init__(self, n_features: int, n_edge_features: int, hidden: int = 32, layers: int = 2, window: int = 4,
                 dropout: float = 0.1, n_quantiles: int = len(QUANTILES)):
        super().__init__()
        self.window = int(window)
        self.encoder = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden))
        self.down = nn.ModuleList(GraphConv(hidden, hidden, aggr="add") for _ in range(layers))
        self.up = nn.ModuleList(GraphConv(hidden, hidden, aggr="add", bias=False) for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in range(layers))
        self.dropout = nn.Dropout(dropout)
        self.gru = nn.GRU(hidden, hidden, batch_first=True) if self.window > 1 else None
        self.go_head = QuantileHead(hidden, hidden, n_quantiles)
        self.ret_head = QuantileHead(hidden, hidden, n_quantiles)
        self.edge_head = QuantileHead(2 * hidden + n_edge_features, hidden, n_quantiles)

    def spatial(self, b: GraphBatch) -> torch.Tensor:
        K, N, _ = b.x.shape
        h = self.encoder(b.x.reshape(K * N, -1))
        rev = b.edge_index.flip(0)
        for down, up, norm in zip(self.down, self.up, self.norms):
            m = down(h, b.edge_index, b.cost_w) + up(h, rev, b.sales_w)
            h = norm(h + self.dropout(F.relu(m)))
        return h.reshape(K, N, -1)

    def forward(self, b: GraphBatch, targets: torch.Tensor) -> dict[str, torch.Tensor]:
        """Quantiles for the snapshots ``targets`` (local indices into the batch; the batch must contain each
        target's ``window - 1`` predecessors, which :meth:`gnn.train.GraphTensors.batch` arranges).

        Returns ``go_growth`` and ``excess_return``: [T, N, Q]; ``flow_growth``: [E_T, Q] for the edges of the
        target snapshots in batch order."""
        H = self.spatial(b)  # [K, N, D]
        K, N, D = H.shape
        if self.gru is not None:
            offs = torch.arange(-self.window + 1, 1, device=H.device)
            idx = (targets[:, None] + offs[None, :]).clamp(min=0)  # [T, W]
            seq = H[idx]  # [T, W, N, D]
            seq = seq.permute(0, 2, 1, 3).reshape(-1, self.window, D)
            _, last = self.gru(seq)
            Ht = last[-1].reshape(len(targets), N, D)
        else:
            Ht = H[targets]
        pos = torch.full((K,), -1, dtype=torch.long, device=H.device)
        pos[targets] = torch.arange(len(targets), device=H.device)
        e_mask = pos[b.edge_snap] >= 0
        ei = b.edge_index[:, e_mask]
        t_of_e = pos[b.edge_snap[e_mask]]
        src, dst = ei[0] % N, ei[1] % N
        e_in = torch.cat([Ht[t_of_e, src], Ht[t_of_e, dst], b.edge_attr[e_mask]], dim=-1)
        return {"go_growth": self.go_head(Ht), "excess_return": self.ret_head(Ht), "flow_growth": self.edge_head(e_in)}
