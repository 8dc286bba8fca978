"""A small synthetic dataset in the formats :func:`gnn.dataset.build_dataset` takes (for unit tests only)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from gnn.features import as_of_date, quarter_range

CODES = ["111CA", "211", "22", "23", "334", "481"]


def synthetic_frames(first: str = "2008Q1", last: str = "2016Q4", seed: int = 0):
    """Node features, targets and SUPPLIES edges with a real dependence: ``go_growth`` of a buyer follows its
    suppliers' lagged growth, so a model that reads the graph can learn it."""
    rng = np.random.default_rng(seed)
    quarters = quarter_range(first, last)
    graph_q = quarter_range(str(pd.Period(first, "Q") - 3), str(pd.Period(last, "Q") + 1))
    n = len(CODES)
    W = rng.uniform(0.0, 1.0, (n, n)) * (rng.uniform(size=(n, n)) < 0.7)
    W = W / W.sum(axis=0, keepdims=True).clip(1e-9) * 0.5
    g = {graph_q[0]: rng.normal(0.01, 0.02, n)}
    for q in graph_q[1:]:
        prev = g[str(pd.Period(q, "Q") - 1)]
        g[q] = 0.004 + 0.3 * prev + 0.5 * W.T @ prev + rng.normal(0, 0.01, n)
    level = {graph_q[0]: np.full(n, 1000.0)}
    for q in graph_q[1:]:
        level[q] = level[str(pd.Period(q, "Q") - 1)] * np.exp(g[q])
    sup = []
    for q in graph_q:
        F = W * level[q][None, :]
        i, j = np.nonzero(F)
        sup.append(pd.DataFrame({"quarter": q, "src": [CODES[k] for k in i], "dst": [CODES[k] for k in j],
                                 "flow_usd_millions": F[i, j], "coefficient": W[i, j]}))
    supplies = pd.concat(sup, ignore_index=True)
    nf, tg = [], []
    for s in quarters:
        L = str(pd.Period(s, "Q") - 2)
        L1 = str(pd.Period(L, "Q") - 1)
        ret = rng.normal(0.02, 0.08, n)
        nf.append(pd.DataFrame({"quarter": s, "bea_code": CODES, "info_quarter": L, "as_of_date": as_of_date(s),
                                "go_g0": g[L], "go_g1": g[L1], "xret_q0": rng.normal(0.01, 0.08, n),
                                "has_return": np.r_[np.ones(n - 1), 0.0], "noise": rng.normal(size=n)}))
        nxt = str(pd.Period(L, "Q") + 1)
        tg.append(pd.DataFrame({"quarter": s, "bea_code": CODES, "go_growth": g[nxt],
                                "excess_return": np.r_[ret[:-1], np.nan],
                                "known_date": pd.Period(s, "Q").end_time.normalize()}))
    return supplies, pd.concat(nf, ignore_index=True), pd.concat(tg, ignore_index=True)
