"""GNN nowcaster training (nests its ablation, early stopping, seed ensemble) and the walk-forward with calibration
and the Beige Book feature on real data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gnn import nowcast as nc
from gnn.nowcast_eval import GnnConfig, compare_text, evaluate
from gnn.nowcast_gnn import Panel, fit_gnn, propagation


@pytest.fixture(scope="module")
def inp(warehouse):
    return nc.nowcast_inputs(warehouse.read("bea_gdp_by_industry", "bea"), warehouse.read("macro_monthly", "macro"))


def _chain_panel(T=60, seed=0):
    rng = np.random.default_rng(seed)
    shock = rng.normal(size=T)
    X = np.zeros((T, 2, 4))
    X[:, 0, 0] = shock
    X[:, 1, 0] = rng.normal(size=T)
    y = np.column_stack([shock, shock]) * 0.02 + rng.normal(scale=0.002, size=(T, 2))
    A = pd.DataFrame([[0.0, 0.0], [0.5, 0.0]], index=["0", "1"], columns=["0", "1"])
    return Panel(X[:-10], y[:-10], X[-10], ["0", "1"]), X, y, propagation(A, ["0", "1"])


def test_graph_model_starts_as_its_no_graph_ablation_and_leaves_it_when_training():
    panel, X, _, (up, down) = _chain_panel()
    untrained = [fit_gnn(panel, up, down, epochs=0, use_graph=g)(X[-1]) for g in (True, False)]
    np.testing.assert_allclose(untrained[0], untrained[1])  # zero-initialised graph weights: the same network
    trained = [fit_gnn(panel, up, down, epochs=40, hidden=8, use_graph=g)(X[-1]) for g in (True, False)]
    assert not np.allclose(trained[0], trained[1])


def test_early_stopping_on_the_inner_validation_and_seed_ensemble():
    panel, X, _, (up, down) = _chain_panel()
    p = fit_gnn(panel, up, down, hidden=8, seeds=2, select_epochs=True, val_quarters=8, max_epochs=60)
    epochs = [e for e, _ in p.validation_curve]
    assert epochs == list(range(10, 61, 10)) and p.epochs in epochs
    assert p.epochs == min(p.validation_curve, key=lambda c: c[1])[0]
    q = p(X[-1])
    assert q.shape == (2, len(nc.QUANTILES)) and (np.diff(q, axis=1) >= 0).all()
    short = Panel(panel.X[:15], panel.y[:15], panel.x_now, panel.codes)  # too short to hold 8 quarters out
    assert fit_gnn(short, up, down, epochs=7, hidden=8, select_epochs=True).epochs == 7


def test_walk_forward_calibrates_out_of_sample_and_keeps_the_raw_scores(inp, warehouse):
    ev = evaluate(inp, "2019Q1", "2019Q2", models=("gnn", "lightgbm", "ar"),
                  io_summary=warehouse.read("bea_io_summary", "bea"), burn_in=4,
                  gnn=GnnConfig(seeds=1, select_epochs=False, epochs=20))
    assert ev.per_quarter["quarter"].unique().tolist() == ["2019Q1", "2019Q2"]  # burn-in quarters not scored
    for m, v in ev.summary["models"].items():
        raw = v["before_calibration"]
        assert 0 <= v["coverage"] <= 1 and v["pinball"] > 0 and raw["pinball"] > 0
    assert not np.allclose(ev.per_quarter["pinball"], ev.per_quarter["pinball_raw"])
    assert set(ev.summary["dm_graph_vs"]["gnn"]) == {"lightgbm", "ar"}
    with pytest.raises(ValueError, match="first quarter every model can be fitted"):
        evaluate(inp, "2015Q2", "2015Q3", models=("bridge",), burn_in=4)


def test_text_feature_with_and_without_compares_only_models_that_take_it(inp, warehouse):
    rng = np.random.default_rng(0)
    editions = pd.date_range("2012-01-10", "2020-12-31", freq="45D")
    codes = list(inp.go.columns)
    idx = pd.DataFrame([(c, d.date().isoformat(), d, float(np.tanh(rng.normal()))) for d in editions for c in codes],
                       columns=["bea_code", "edition", "published_date", "index"])
    kw = dict(models=("lightgbm", "ar"), calibrate=False)
    without = evaluate(inp, "2019Q1", "2019Q3", **kw)
    with_text = evaluate(inp, "2019Q1", "2019Q3", text_index=idx, **kw)
    cmp = compare_text(without, with_text)
    assert set(cmp) == {"lightgbm"}  # the AR does not take the text feature
    assert 0 <= cmp["lightgbm"]["dm_pvalue"] <= 1
    assert cmp["lightgbm"]["pinball_with"] != cmp["lightgbm"]["pinball_without"]
    assert with_text.summary["text_index"] and not without.summary["text_index"]


def test_bridge_text_regressor_changes_the_nowcast_and_is_point_in_time(inp):
    from gnn.nowcast_text import bridge_inputs_with_text
    from ingest.calendar import bea_quarterly_published

    rng = np.random.default_rng(1)
    editions = pd.date_range("2011-01-10", "2021-12-31", freq="45D")
    idx = pd.DataFrame([(c, d.date().isoformat(), d, float(np.tanh(rng.normal()))) for d in editions
                        for c in inp.go.columns], columns=["bea_code", "edition", "published_date", "index"])
    t = pd.Period("2019Q1", freq="Q")
    as_of = pd.Timestamp(bea_quarterly_published(t)) - pd.Timedelta(days=1)
    base = nc.nowcast_path(inp, t, as_of)
    with_text = nc.nowcast_path(bridge_inputs_with_text(inp, idx, as_of), t, as_of)
    assert not np.allclose(base["q0.5"], with_text["q0.5"])
    tampered = idx.copy()
    tampered.loc[tampered["published_date"] > as_of, "index"] = 0.99
    pd.testing.assert_frame_equal(with_text, nc.nowcast_path(bridge_inputs_with_text(inp, tampered, as_of), t, as_of))


def test_a_growth_is_known_only_when_both_of_its_quarters_are_published(inp):
    """Release dating: 2012Q1-2013Q4 appeared in April 2014, 2005-2011 only in November 2018, so between those dates
    2012Q1's growth (which needs 2011Q4's level) is not public and must not train any model."""
    assert inp.dating == "release"
    mid = pd.Timestamp("2016-06-30")
    known = nc.known_quarters(inp, mid)
    assert pd.Period("2012Q1", freq="Q") not in known and pd.Period("2012Q2", freq="Q") in known
    assert known[-1] == inp.go_published.index[(inp.go_published <= mid).to_numpy()][-1]
    later = nc.known_quarters(inp, pd.Timestamp("2019-01-31"))
    assert pd.Period("2012Q1", freq="Q") in later and pd.Period("2005Q2", freq="Q") in later
