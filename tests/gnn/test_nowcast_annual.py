"""Annual history for the panel nowcasters: point in time on the real accounts, proxies before G.17, pretraining of
the GNN (both variants from the same annual weights) and the annual rows of LightGBM."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gnn import nowcast as nc
from gnn.nowcast_annual import EARLY_PROXY, FIRST_71_INDUSTRY_RELEASE, AnnualHistory, AnnualPanel
from gnn.nowcast_eval import GnnConfig, evaluate
from gnn.nowcast_gnn import Panel, _pretrainer, fit_gnn, fit_lightgbm

from .test_nowcast_eval import _chain_panel


@pytest.fixture(scope="module")
def inp(warehouse):
    return nc.nowcast_inputs(warehouse.read("bea_gdp_by_industry", "bea"), warehouse.read("macro_monthly", "macro"))


@pytest.fixture(scope="module")
def history(warehouse):
    return AnnualHistory(warehouse.read("bea_gdp_by_industry", "bea"),
                         warehouse.read("production_accounts_go", "production_accounts"),
                         warehouse.read("macro_monthly", "macro"))


def test_annual_targets_are_point_in_time(history):
    before_71 = history.growth(FIRST_71_INDUSTRY_RELEASE - pd.Timedelta(days=1))
    assert before_71.empty  # no 71-industry annual figure before April 2014, no production account before 2020
    early = history.growth(pd.Timestamp("2019-06-30"))
    assert early.index.min() >= 1998 and early.index.max() <= 2018  # GDP by industry only: 1998 .. 2018 (Mar 2019)
    later = history.growth(pd.Timestamp("2021-01-01"))  # the experimental production accounts (2020-10-26) arrive
    assert later.index.min() <= 1949 and later.index.max() <= 2019
    assert "334" in later.columns and later.loc[1970, "334"] == pytest.approx(later.loc[1970, "334"])  # finite
    # where GDP by industry has the year it wins over the production accounts
    np.testing.assert_allclose(later.loc[2005].dropna(), early.loc[2005].reindex(later.loc[2005].dropna().index))


def test_annual_panel_uses_only_published_months_and_proxies_before_g17(history, inp):
    d = pd.Timestamp("2021-01-01")
    codes = list(inp.go.columns)
    p = history.panel(inp.at(d), d, codes, 4)
    assert p.X.shape == (len(p.years), len(codes), 4) and p.y.shape == (len(p.years), len(codes))
    assert p.years[0] <= 1961 and p.years[-1] == 2019  # FRED-MD from 1959; 2020's months were not all out
    assert np.isfinite(p.X).all()
    k = codes.index("334")  # computers: G.17 from 2000, business equipment before
    assert EARLY_PROXY[inp.own["334"]] == "IPBUSEQ"
    y1980 = p.years.index(1980)
    x = inp.at(d).logs["IPBUSEQ"].dropna()
    yr = x.groupby(x.index.year).mean()
    assert p.X[y1980, k, 0] == pytest.approx(yr[1980] - yr[1979])
    no_proxy = AnnualHistory.__new__(AnnualHistory)
    no_proxy.__dict__.update({**history.__dict__, "_proxy_logs": None})
    assert no_proxy.panel(inp.at(d), d, codes, 4).years[0] >= 2001  # without proxies: from the G.17 series on


def _chain():
    """The two-industry supply chain of the GNN tests: features, targets and propagation."""
    _, X, y, prop = _chain_panel()
    return X, y, prop


def test_pretraining_starts_both_variants_from_annual_weights():
    X, y, (up, down) = _chain()
    quarterly = Panel(X[:12], y[:12], X[-1], ["0", "1"])
    annual = AnnualPanel(X[12:50] * 2, y[12:50] * 4, list(range(1960, 1998)))
    cold = fit_gnn(quarterly, up, down, epochs=0, hidden=8)(X[-1])
    warm = fit_gnn(quarterly, up, down, epochs=0, hidden=8, pretrain=annual, pre_epochs=80)(X[-1])
    assert not np.allclose(cold, warm)  # zero quarterly epochs: the prediction is the pretrained network's
    # the graph propagation learned on the annual panel: node 1 follows its supplier's shock with the graph only
    g = fit_gnn(quarterly, up, down, epochs=0, hidden=8, pretrain=annual, pre_epochs=200)
    ng = fit_gnn(quarterly, up, down, epochs=0, hidden=8, pretrain=annual, pre_epochs=200, use_graph=False)
    test_y = y[50:, 1]
    err = [np.mean([abs(f(X[t])[1, 2] - test_y[t - 50]) for t in range(50, 60)]) for f in (g, ng)]
    assert err[0] < err[1]
    import torch

    start = _pretrainer(annual, torch.tensor(up, dtype=torch.float32), torch.tensor(down, dtype=torch.float32), 10, dict(hidden=8, use_graph=True, lr=0.01, weight_decay=1e-4))
    assert start(0, "layers", 1965) is None  # fewer than 8 years before the held-out quarters' year
    assert start(0, "layers", 1990) is not None and start(0, "layers", None) is not None


def test_lightgbm_takes_annual_rows_and_returns_the_quarterly_scale():
    X, y, _ = _chain()
    quarterly = Panel(X[:20], y[:20], X[-1], ["0", "1"])
    annual = AnnualPanel(X[20:50] * 2, y[20:50] * 4, list(range(1960, 1990)))
    q_plain = fit_lightgbm(quarterly)(X[-1])
    q_annual = fit_lightgbm(quarterly, pretrain=annual)(X[-1])
    assert q_annual.shape == q_plain.shape and (np.diff(q_annual, axis=1) >= 0).all()
    assert not np.allclose(q_plain, q_annual)
    assert np.abs(q_annual).max() < 0.2  # quarterly scale, not the annual panel's


def test_walk_forward_with_annual_history_records_the_years(inp, warehouse, history):
    ev = evaluate(inp, "2021Q1", "2021Q1", models=("gnn", "lightgbm"), io_summary=warehouse.read("bea_io_summary", "bea"),
                  calibrate=False, gnn=GnnConfig(seeds=1, select_epochs=False, epochs=5, pre_epochs=5),
                  annual=history)
    years = ev.summary["annual_history"]["years_at_refit"]
    assert list(years) == ["2021Q1"] and 55 <= years["2021Q1"] <= 62  # 1960 .. 2019 or 2020
    assert set(ev.summary["models"]) == {"gnn", "lightgbm"}


def test_freeze_graph_keeps_the_pretrained_propagation_and_is_chosen_on_the_inner_validation():
    import torch

    from gnn.nowcast_gnn import _train

    X, y, (up, down) = _chain()
    annual = AnnualPanel(X[12:50] * 2, y[12:50] * 4, list(range(1960, 1998)))
    kw = dict(hidden=8, use_graph=True, lr=0.01, weight_decay=1e-4)
    tu, td = torch.tensor(up, dtype=torch.float32), torch.tensor(down, dtype=torch.float32)
    init = _pretrainer(annual, tu, td, 50, kw)(0, "layers", None)
    Xq, yq = X[:40], y[:40]
    frozen, _ = _train(Xq, yq, tu, td, seed=0, epochs=30, init=init, freeze_graph=True, **kw)
    free, _ = _train(Xq, yq, tu, td, seed=0, epochs=30, init=init, **kw)
    sf, sa = frozen.state_dict(), free.state_dict()
    for name in ("layers.0.u.weight", "layers.1.d.weight"):
        assert torch.equal(sf[name], init[name]) and not torch.equal(sa[name], init[name])
    assert not torch.equal(sf["layers.0.s.weight"], init["layers.0.s.weight"])  # node weights still adapt
    quarterly = Panel(X[:40], y[:40], X[-1], ["0", "1"], [pd.Period("2000Q1", freq="Q") + k for k in range(40)])
    p = fit_gnn(quarterly, up, down, hidden=8, select_epochs=True, max_epochs=30, pretrain=annual, pre_epochs=20,
                finetunes=("all", "freeze_graph"))
    assert p.finetune in ("all", "freeze_graph")
    with pytest.raises(ValueError, match="unknown fine-tuning"):
        fit_gnn(quarterly, up, down, epochs=1, finetunes=("bogus",))
