r"""Walk-forward, pseudo-real-time evaluation of the gross-output nowcasters (:mod:`gnn.nowcast`).

For each quarter ``t`` from ``first`` to ``last`` the decision date is ``D_t = `` the day before BEA first publishes
``t`` (:func:`gnn.nowcast.decision_date`: release or regular-schedule dating), so ``t - 1`` is the last published
quarter and only the indicator months published by ``D_t`` (in the real-time vintage of ``D_t`` where the inputs have
one, :meth:`gnn.nowcast.NowcastInputs.at`) are used. Each model refits at every ``D_t`` and nowcasts
``y_{i,t} = log GO_{i,t} - log GO_{i,t-1}`` for every industry ``i``.

**Window.** BEA first published 71-industry quarterly figures in April 2014 (2012Q1-2013Q4); 2005-2011 became
public only as history in November 2018 (:mod:`ingest.calendar`). In pseudo real time the first quarter every model
can be fitted is :data:`FIRST_FEASIBLE` (2015Q2: the bridge equations need 12 quarters of growth, and a growth
is known only once both its quarters are published, so 2012Q1's waits for 2011Q4 until November 2018); the default
scored window is 2016Q2-2024Q3, the four quarters before it feeding only the calibration.

**Annual history** (:mod:`gnn.nowcast_annual`, on by default in ``econgraph nowcast evaluate``): at each refit the
panel models also get the annual panel published by the decision date (GNN: pretraining; LightGBM: extra rows).

**Calibration** (:mod:`gnn.nowcast_calibrate`): each model's quantiles for quarter ``t`` are shifted by the
conformal shifts of its own earlier out-of-sample nowcasts of the quarters published by ``D_t`` (expanding; never
``t``). Scores before calibration are kept (``before_calibration``).

Scores (:mod:`gnn.metrics`): mean pinball loss over industries, quarters and the levels :data:`gnn.nowcast.QUANTILES`;
coverage of the central 95% interval ``[q_0.025, q_0.975]`` (should be 0.95); MAE of the median. Diebold-Mariano
(HAC variance, Harvey-Leybourne-Newbold correction, two-sided) on the per-quarter mean pinball losses of the graph
model (GNN) against the best non-graph model (``dm_stat < 0``: the GNN's loss is lower), and against every other
model (``dm_graph_vs``). **Text** (:func:`compare_text`): the same walk-forward with the Beige Book index as a node
feature of the panel models and a regressor of the bridge equations, Diebold-Mariano with vs without per model.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .metrics import diebold_mariano, pinball
from .nowcast import QUANTILES, NowcastInputs, nowcast_path
from .nowcast_calibrate import MIN_CALIBRATION_QUARTERS

MODELS = ("gnn", "gnn_nograph", "lightgbm", "bridge", "ar")
#: models that propagate along the IO graph; ``gnn_nograph`` is the same network with the propagation switched off
GRAPH_MODELS: tuple[str, ...] = ("gnn",)
PANEL_MODELS = ("gnn", "gnn_nograph", "lightgbm")


#: the first quarter every model can be fitted in pseudo real time: BEA first published 71-industry quarters in
#: April 2014 (2012Q1-2013Q4; 2005-2011 only as history in November 2018), and the bridge equations need 12
#: published quarters
FIRST_FEASIBLE = "2015Q2"


@dataclass
class NowcastEvaluation:
    per_quarter: pd.DataFrame  # quarter, model, pinball, covered, mae (calibrated) and *_raw (before calibration)
    summary: dict


@dataclass
class GnnConfig:
    """How the GNN is trained at each refit (:func:`gnn.nowcast_gnn.fit_gnn`)."""

    epochs: int = 100
    hidden: int = 32
    seeds: int = 3
    select_epochs: bool = True
    val_quarters: int = 8
    max_epochs: int = 300
    #: graph variants chosen between on the inner validation (:data:`gnn.nowcast_gnn.GRAPH_MODES`); one by default
    #: (``--gnn-modes`` for the others and for choosing among them)
    modes: tuple = ("layers",)
    #: epochs of pretraining on the annual panel (:mod:`gnn.nowcast_annual`) when the evaluation has one
    pre_epochs: int = 200
    #: fine-tuning after the annual pretraining (:data:`gnn.nowcast_gnn.FINETUNES`), chosen on the inner validation
    finetunes: tuple = ("all",)


def _score(y: np.ndarray, q: np.ndarray) -> dict:
    ok = np.isfinite(y) & np.isfinite(q).all(axis=1)
    yy, qq = y[ok], q[ok]
    lo, hi = qq[:, QUANTILES.index(0.025)], qq[:, QUANTILES.index(0.975)]
    return {"pinball": float(pinball(yy, qq, QUANTILES).mean()), "covered": float(((yy >= lo) & (yy <= hi)).mean()),
            "mae": float(np.abs(yy - qq[:, QUANTILES.index(0.5)]).mean()), "n": int(ok.sum())}


def evaluate(inp: NowcastInputs, first: str = "2016Q2", last: str = "2024Q3", models=MODELS,
             io_summary: pd.DataFrame | None = None, refit_every: int = 4, epochs: int = 100, seed: int = 0,
             progress=None, calibrate: bool = True, burn_in: int = MIN_CALIBRATION_QUARTERS,
             text_index: pd.DataFrame | None = None, gnn: GnnConfig | None = None,
             annual=None) -> NowcastEvaluation:
    """Walk forward over ``first..last`` (module docstring). The panel models (GNN, LightGBM) refit every
    ``refit_every`` quarters on what was public at that quarter's decision date and nowcast the following quarters
    with each quarter's own features (published by its own decision date); bridge and AR refit every quarter.
    ``io_summary`` (the warehouse's ``bea_io_summary``) is needed for the GNN's graph.

    ``calibrate``: every model's quantiles are recalibrated out of sample (:mod:`gnn.nowcast_calibrate`) from its
    own nowcasts of the quarters published by each decision date; the walk-forward then starts ``burn_in``
    quarters before ``first`` and those quarters only feed the calibration (not scored). Scores before calibration
    are kept (``*_raw``). ``text_index``: the Beige Book index table, added as a node feature of the panel models
    (:mod:`gnn.nowcast_text`), and as one more regressor of every bridge equation (in a burn-in quarter with too few
    published quarters for it, the bridge without it). ``gnn``: the GNN's training (default :class:`GnnConfig`; ``epochs`` is used when
    ``select_epochs`` is off)."""
    from graph.build import annual_io, io_year_as_of

    from .nowcast import decision_date, known_quarters
    from .nowcast_calibrate import OnlineCalibrator, apply_shifts
    from .nowcast_gnn import fit_gnn, fit_lightgbm, node_panel, propagation

    if any(m.startswith("gnn") for m in models) and io_summary is None:
        raise ValueError("the GNN nowcaster needs io_summary (the annual IO tables) for its graph")
    gcfg = gnn or GnnConfig(epochs=epochs)
    start = pd.Period(first, freq="Q") - (burn_in if calibrate else 0)
    if inp.dating == "release" and start < pd.Period(FIRST_FEASIBLE, freq="Q"):
        raise ValueError(f"the walk-forward would start at {start} ({first} less {burn_in} calibration quarters); "
                         f"the first quarter every model can be fitted in pseudo real time is {FIRST_FEASIBLE}")
    quarters = pd.period_range(start, last, freq="Q")
    scored_from = pd.Period(first, freq="Q")
    growth = inp.growth
    rows = []
    fitted: dict = {}
    epochs_used: dict = {m: [] for m in models}
    io_cache: dict = {}
    annual_years: dict = {}
    cal = {m: OnlineCalibrator() for m in models}
    for i, t in enumerate(quarters):
        if t not in growth.index:
            continue
        as_of = decision_date(inp, t)  # the day before BEA publishes t (under inp.dating)
        y = growth.loc[t]
        known = known_quarters(inp, as_of)
        sigma = growth.reindex(known).std().reindex(y.index).to_numpy()
        panel = (node_panel(inp.at(as_of), t, as_of, known, text=text_index)
                 if any(m in PANEL_MODELS for m in models) else None)
        for m in models:
            if m in PANEL_MODELS:
                if m not in fitted or i % refit_every == 0:
                    ap = None
                    if annual is not None:
                        akey = ("annual", as_of)
                        if akey not in io_cache:
                            io_cache[akey] = annual.panel(inp.at(as_of), as_of, panel.codes, panel.X.shape[-1])
                        ap = io_cache[akey]
                        annual_years.setdefault(str(t), len(ap.years) if ap is not None else 0)
                    if m == "lightgbm":
                        fitted[m] = fit_lightgbm(panel, seed=seed, pretrain=ap)
                    else:
                        year = io_year_as_of(sorted(int(v) for v in io_summary["year"].unique()), as_of.date())
                        if year not in io_cache:
                            io_cache[year] = annual_io(io_summary, year).Z  # flows: sales and input shares
                        up, down = propagation(io_cache[year], panel.codes)
                        fitted[m] = fit_gnn(panel, up, down, epochs=gcfg.epochs, hidden=gcfg.hidden, seed=seed,
                                            use_graph=(m == "gnn"), seeds=gcfg.seeds,
                                            select_epochs=gcfg.select_epochs, val_quarters=gcfg.val_quarters,
                                            max_epochs=gcfg.max_epochs, modes=tuple(gcfg.modes),
                                            pretrain=ap, pre_epochs=gcfg.pre_epochs,
                                            finetunes=tuple(gcfg.finetunes))
                        epochs_used[m].append(f"{fitted[m].mode}:{fitted[m].finetune}:{fitted[m].epochs}"
                                              if m in GRAPH_MODELS else int(fitted[m].epochs))
                q = pd.DataFrame(fitted[m](panel.x_now), index=panel.codes).reindex(y.index).to_numpy()
            elif m == "bridge" and text_index is not None:
                from .nowcast import NowcastError
                from .nowcast_text import bridge_inputs_with_text

                try:
                    nc = nowcast_path(bridge_inputs_with_text(inp, text_index, as_of), t, as_of, model=m)
                except NowcastError:  # one regressor more: too few published quarters yet (burn-in only)
                    if t >= scored_from:
                        raise
                    nc = nowcast_path(inp, t, as_of, model=m)
                q = nc[[f"q{tau:g}" for tau in QUANTILES]].reindex(y.index).to_numpy()
            else:
                nc = nowcast_path(inp, t, as_of, model=m)
                q = nc[[f"q{tau:g}" for tau in QUANTILES]].reindex(y.index).to_numpy()
            yv = y.to_numpy()
            if t >= scored_from:
                raw = _score(yv, q)
                if calibrate:
                    delta = cal[m].shifts(as_of)
                    if delta is None:
                        raise ValueError(f"{m}: fewer than {MIN_CALIBRATION_QUARTERS} calibration quarters "
                                         f"published by {as_of.date()} (raise burn_in)")
                    qc = apply_shifts(q, np.where(np.isfinite(sigma), sigma, np.nanmedian(sigma)), delta)
                    cal_score = _score(yv, qc)
                else:
                    cal_score = raw
                rows.append({"quarter": str(t), "model": m, "as_of": as_of.date().isoformat(), **cal_score,
                             **{f"{k}_raw": v for k, v in raw.items() if k != "n"}})
            if calibrate:
                cal[m].add(as_of + pd.Timedelta(days=1), yv, q, sigma)  # t is public the day after D_t
        if progress:
            progress(str(t))
    per = pd.DataFrame(rows)
    summary = summarise(per, first, last)
    summary["calibration"] = ("online split conformal, scaled per-level shifts from each model's own out-of-sample "
                              f"nowcasts of quarters published by each decision date (burn-in {burn_in} quarters "
                              f"from {start})" if calibrate else "none")
    summary["text_index"] = text_index is not None
    if annual is not None:
        summary["annual_history"] = {"years_at_refit": annual_years}
    if any(m.startswith("gnn") for m in models):
        summary["gnn_config"] = {**gcfg.__dict__, "epochs_chosen": {m: v for m, v in epochs_used.items() if v}}
    return NowcastEvaluation(per, summary)


def summarise(per: pd.DataFrame, first: str, last: str) -> dict:
    models = {}
    for m, g in per.groupby("model", sort=False):
        w = g["n"] / g["n"].sum()
        models[m] = {"pinball": float((g["pinball"] * w).sum()), "coverage": float((g["covered"] * w).sum()),
                     "mae": float((g["mae"] * w).sum()), "quarters": int(len(g)),
                     "graph_model": m in GRAPH_MODELS}
        if "pinball_raw" in g:
            models[m]["before_calibration"] = {"pinball": float((g["pinball_raw"] * w).sum()),
                                               "coverage": float((g["covered_raw"] * w).sum())}
    ranked = sorted(models, key=lambda m: models[m]["pinball"])
    baselines = [m for m in ranked if m not in GRAPH_MODELS]
    out = {"window": f"{first}..{last}", "quantiles": list(QUANTILES), "models": models,
           "best_model": ranked[0], "best_baseline": baselines[0] if baselines else None,
           "coverage_target": 0.95,
           "graph_model_available": bool(GRAPH_MODELS),
           "note": "pseudo real time: indicators published by each decision date (day before BEA's first release of "
                   "the quarter under the dating), BEA quarters (and growths whose two quarters are) published by "
                   "then; payrolls and CPI as published on the decision date where real-time vintages are on "
                   "(see realtime_vintages), every other series and BEA's actuals at the snapshot's vintage (later "
                   "revisions included)."}
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
    for g in graph:
        pa = per[per["model"] == g].set_index("quarter")["pinball"]
        out.setdefault("dm_graph_vs", {})[g] = {
            b: dict(zip(("stat", "pvalue"), _dm(pa, per[per["model"] == b].set_index("quarter")["pinball"])))
            for b in baselines}
    return out


def _dm(a: pd.Series, b: pd.Series) -> tuple[float, float]:
    b = b.reindex(a.index)
    dm = diebold_mariano(a.to_numpy(), b.to_numpy())
    return float(dm.stat), float(dm.pvalue)


def compare_text(without: NowcastEvaluation, with_text: NowcastEvaluation) -> dict:
    """Per model evaluated both ways: pinball and coverage without and with the Beige Book feature, and the
    Diebold-Mariano test of with vs without on the per-quarter pinball (``stat < 0``: the text helps)."""
    out = {}
    for m, v in with_text.summary["models"].items():
        if m not in without.summary["models"]:
            continue
        a = with_text.per_quarter[with_text.per_quarter["model"] == m].set_index("quarter")["pinball"]
        b = without.per_quarter[without.per_quarter["model"] == m].set_index("quarter")["pinball"]
        if a.equals(b.reindex(a.index)):
            continue  # the model does not take the text feature
        stat, p = _dm(a, b)
        w = without.summary["models"][m]
        out[m] = {"pinball_without": w["pinball"], "pinball_with": v["pinball"], "coverage_without": w["coverage"],
                  "coverage_with": v["coverage"], "dm_stat": stat, "dm_pvalue": p}
    return out
