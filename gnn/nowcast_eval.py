r"""Walk-forward, pseudo-real-time evaluation of the gross-output nowcasters (:mod:`gnn.nowcast`).

For each quarter ``t`` from ``first`` to ``last`` the decision date is ``D_t = `` the day before BEA first publishes
``t`` (:func:`gnn.nowcast.decision_date`: release or regular-schedule dating), so ``t - 1`` is the last published
quarter and only the indicator months published by ``D_t`` (in the real-time vintage of ``D_t`` where the inputs have
one, :meth:`gnn.nowcast.NowcastInputs.at`) are used. Each model refits at every ``D_t`` and nowcasts
``y_{i,t} = log GO_{i,t} - log GO_{i,t-1}`` for every industry ``i``.

Scores (:mod:`gnn.metrics`): mean pinball loss over industries, quarters and the levels :data:`gnn.nowcast.QUANTILES`;
coverage of the central 95% interval ``[q_0.025, q_0.975]`` (should be 0.95); MAE of the median. Diebold-Mariano
(HAC variance, Harvey-Leybourne-Newbold correction, two-sided) on the per-quarter mean pinball losses of the graph
model (GNN) against the best non-graph model (``dm_stat < 0``: the GNN's loss is lower).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .metrics import diebold_mariano, pinball
from .nowcast import QUANTILES, NowcastInputs, nowcast_path

MODELS = ("gnn", "gnn_nograph", "lightgbm", "bridge", "ar")
#: models that propagate along the IO graph; ``gnn_nograph`` is the same network with the propagation switched off
GRAPH_MODELS: tuple[str, ...] = ("gnn",)
PANEL_MODELS = ("gnn", "gnn_nograph", "lightgbm")


@dataclass
class NowcastEvaluation:
    per_quarter: pd.DataFrame  # quarter, model, pinball, covered, mae
    summary: dict


def evaluate(inp: NowcastInputs, first: str = "2010Q1", last: str = "2024Q3", models=MODELS,
             io_summary: pd.DataFrame | None = None, refit_every: int = 4, epochs: int = 100, seed: int = 0,
             progress=None) -> NowcastEvaluation:
    """Walk forward over ``first..last`` (module docstring). The panel models (GNN, LightGBM) refit every
    ``refit_every`` quarters on what was public at that quarter's decision date and nowcast the following quarters
    with each quarter's own features (published by its own decision date); bridge and AR refit every quarter.
    ``io_summary`` (the warehouse's ``bea_io_summary``) is needed for the GNN's graph."""
    from graph.build import annual_io, io_year_as_of

    from .nowcast import decision_date, known_quarters
    from .nowcast_gnn import fit_gnn, fit_lightgbm, node_panel, propagation

    if any(m.startswith("gnn") for m in models) and io_summary is None:
        raise ValueError("the GNN nowcaster needs io_summary (the annual IO tables) for its graph")
    quarters = pd.period_range(first, last, freq="Q")
    growth = inp.growth
    rows = []
    fitted: dict = {}
    io_cache: dict = {}
    for i, t in enumerate(quarters):
        if t not in growth.index:
            continue
        as_of = decision_date(inp, t)  # the day before BEA publishes t (under inp.dating)
        y = growth.loc[t]
        known = known_quarters(inp, as_of)
        panel = node_panel(inp.at(as_of), t, as_of, known) if any(m in PANEL_MODELS for m in models) else None
        for m in models:
            if m in PANEL_MODELS:
                if m not in fitted or i % refit_every == 0:
                    if m == "lightgbm":
                        fitted[m] = fit_lightgbm(panel, seed=seed)
                    else:
                        year = io_year_as_of(sorted(int(v) for v in io_summary["year"].unique()), as_of.date())
                        if year not in io_cache:
                            io_cache[year] = annual_io(io_summary, year).A
                        up, down = propagation(io_cache[year], panel.codes)
                        fitted[m] = fit_gnn(panel, up, down, epochs=epochs, seed=seed, use_graph=(m == "gnn"))
                q = pd.DataFrame(fitted[m](panel.x_now), index=panel.codes).reindex(y.index).to_numpy()
            else:
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
    graph = [m for m in ranked if m in GRAPH_MODELS]
    if graph and baselines:
        a, b = graph[0], baselines[0]
    elif len(ranked) >= 2:
        a, b = ranked[0], ranked[1]
    else:
        a = b = None
    if a is not None:
        pa = per[per["model"] == a].set_index("quarter")["pinball"]
        pb = per[per["model"] == b].set_index("quarter")["pinball"].reindex(pa.index)
        dm = diebold_mariano(pa.to_numpy(), pb.to_numpy())
        out["dm_pair"] = [a, b]
        out["dm_stat"] = float(dm.stat)
        out["dm_pvalue"] = float(dm.pvalue)
    return out
