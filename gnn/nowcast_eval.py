r"""Walk-forward, pseudo-real-time evaluation of the gross-output nowcasters (:mod:`gnn.nowcast`).

For each quarter ``t`` from ``first`` to ``last`` the decision date is ``D_t = `` the day before BEA first publishes
``t`` (:func:`ingest.calendar.bea_quarterly_published`), so ``t - 1`` is the last published quarter and only the
indicator months published by ``D_t`` are used. Each model refits at every ``D_t`` and nowcasts
``y_{i,t} = log GO_{i,t} - log GO_{i,t-1}`` for every industry ``i``.

Scores (:mod:`gnn.metrics`): mean pinball loss over industries, quarters and the levels :data:`gnn.nowcast.QUANTILES`;
coverage of the central 95% interval ``[q_0.025, q_0.975]`` (should be 0.95); MAE of the median. Diebold-Mariano
(HAC variance, Harvey-Leybourne-Newbold correction, two-sided) on the per-quarter mean pinball losses of the best
model against the runner-up.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.calendar import bea_quarterly_published

from .metrics import diebold_mariano, pinball
from .nowcast import QUANTILES, NowcastInputs, nowcast_path

MODELS = ("bridge", "ar")
#: no model in :data:`MODELS` propagates along the IO graph (the GNN nowcaster is not built yet)
GRAPH_MODELS: tuple[str, ...] = ()


@dataclass
class NowcastEvaluation:
    per_quarter: pd.DataFrame  # quarter, model, pinball, covered, mae
    summary: dict


def evaluate(inp: NowcastInputs, first: str = "2010Q1", last: str = "2024Q3", models=MODELS,
             progress=None) -> NowcastEvaluation:
    quarters = pd.period_range(first, last, freq="Q")
    growth = inp.growth
    rows = []
    for t in quarters:
        if t not in growth.index:
            continue
        as_of = pd.Timestamp(bea_quarterly_published(t)) - pd.Timedelta(days=1)
        y = growth.loc[t]
        for m in models:
            nc = nowcast_path(inp, t, as_of, model=m)
            q = nc[[f"q{tau:g}" for tau in QUANTILES]].reindex(y.index).to_numpy()
            ok = np.isfinite(y.to_numpy()) & np.isfinite(q).all(axis=1)
            yy, qq = y.to_numpy()[ok], q[ok]
            lo, hi = qq[:, QUANTILES.index(0.025)], qq[:, QUANTILES.index(0.975)]
            rows.append({"quarter": str(t), "model": m, "as_of": as_of.date().isoformat(),
                         "pinball": float(pinball(yy, qq, QUANTILES).mean()),
                         "covered": float(((yy >= lo) & (yy <= hi)).mean()),
                         "mae": float(np.abs(yy - qq[:, QUANTILES.index(0.5)]).mean()), "n": int(ok.sum())})
        if progress:
            progress(str(t))
    per = pd.DataFrame(rows)
    return NowcastEvaluation(per, summarise(per, first, last))


def summarise(per: pd.DataFrame, first: str, last: str) -> dict:
    models = {}
    for m, g in per.groupby("model", sort=False):
        w = g["n"] / g["n"].sum()
        models[m] = {"pinball": float((g["pinball"] * w).sum()), "coverage": float((g["covered"] * w).sum()),
                     "mae": float((g["mae"] * w).sum()), "quarters": int(len(g)),
                     "graph_model": m in GRAPH_MODELS}
    ranked = sorted(models, key=lambda m: models[m]["pinball"])
    baselines = [m for m in ranked if m not in GRAPH_MODELS]
    out = {"window": f"{first}..{last}", "quantiles": list(QUANTILES), "models": models,
           "best_model": ranked[0], "best_baseline": baselines[0] if baselines else None,
           "coverage_target": 0.95,
           "graph_model_available": bool(GRAPH_MODELS),
           "note": "pseudo real time: indicators published by each decision date (day before BEA's first release of "
                   "the quarter by the calendar), BEA quarters published by then; one vintage of each source "
                   "(later revisions included)."}
    if len(ranked) >= 2:
        a, b = ranked[0], ranked[1]
        pa = per[per["model"] == a].set_index("quarter")["pinball"]
        pb = per[per["model"] == b].set_index("quarter")["pinball"].reindex(pa.index)
        dm = diebold_mariano(pa.to_numpy(), pb.to_numpy())
        out["dm_pair"] = [a, b]
        out["dm_stat"] = float(dm.stat)
        out["dm_pvalue"] = float(dm.pvalue)
    return out
