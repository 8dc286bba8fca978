"""Dataset cache, model invariants, determinism, walk-forward hygiene, registry + predict, DDP (gloo, 2 ranks)."""
from __future__ import annotations

import json
import socket

import numpy as np
import pandas as pd
import pytest
import torch

from gnn.dataset import TARGETS, build_dataset, dataset_key
from gnn.evaluate import EvalConfig, run_walk_forward, walk_forward_splits
from gnn.model import QuantileHead
from gnn.predict import predict
from gnn.registry import list_models, load_model
from gnn.train import GNNConfig, GNNForecaster, GraphTensors, Standardizer, fit_one, train

from .synthetic import CODES, synthetic_frames

SMALL = GNNConfig(hidden=8, layers=1, window=2, max_epochs=15, min_epochs=15, patience=100, n_seeds=2,
                  val_quarters=2)


@pytest.fixture(scope="module")
def frames():
    return synthetic_frames()


@pytest.fixture(scope="module")
def ds(frames):
    return build_dataset(*frames, max_edges=20)


def test_dataset_shapes_and_targets(ds, frames):
    supplies, nf, tg = frames
    assert ds.x.shape == (len(nf["quarter"].unique()), len(CODES), 5)
    assert ds.industries == sorted(CODES)
    # edge target = ln F_{L+1} - ln F_L from the supplies frame, for the snapshot's information quarter
    s = ds.index_of("2012Q3")
    L, nxt = ds.info_quarters[s], "2012Q2"
    assert L == "2012Q1"
    e = ds.edge_slice(s)
    i, j = ds.edge_index[0, e][0], ds.edge_index[1, e][0]
    f = supplies.set_index(["quarter", "src", "dst"])["flow_usd_millions"]
    want = np.log(f[(nxt, ds.industries[i], ds.industries[j])]) - np.log(f[(L, ds.industries[i], ds.industries[j])])
    assert ds.edge_y[e][0] == pytest.approx(want, rel=1e-5)
    # the industry without a proxy has no return target anywhere
    k = ds.industries.index("481")
    assert np.isnan(ds.y[:, k, 1]).all() and np.isfinite(ds.y[:, k, 0]).all()


def test_cache_key_changes_with_inputs(frames, tmp_path):
    supplies, nf, tg = frames
    base = dataset_key({"supplies": supplies, "node_features": nf, "targets": tg}, {"max_edges": 20})
    nf2 = nf.copy()
    nf2.loc[5, "go_g0"] += 1e-9
    assert dataset_key({"supplies": supplies, "node_features": nf2, "targets": tg}, {"max_edges": 20}) != base
    assert dataset_key({"supplies": supplies, "node_features": nf, "targets": tg}, {"max_edges": 21}) != base
    assert dataset_key({"supplies": supplies, "node_features": nf, "targets": tg}, {"max_edges": 20}) == base
    a = build_dataset(supplies, nf, tg, max_edges=20, cache_dir=tmp_path)
    b = build_dataset(supplies, nf2, tg, max_edges=20, cache_dir=tmp_path)
    assert a.key != b.key and len(list(tmp_path.glob("dataset-*.npz"))) == 2
    again = build_dataset(supplies, nf, tg, max_edges=20, cache_dir=tmp_path)  # served from the cache
    assert again.key == a.key and np.array_equal(np.nan_to_num(again.x), np.nan_to_num(a.x))
    assert again.quarters == a.quarters and np.array_equal(again.edge_index, a.edge_index)


def test_quantile_head_never_crosses():
    torch.manual_seed(0)
    head = QuantileHead(4, 8)
    for scale in (1.0, 100.0, 1e4):
        q = head(torch.randn(500, 4) * scale)
        assert bool((q[:, 1:] >= q[:, :-1]).all())


def test_same_seed_same_predictions_and_non_crossing(ds):
    train_snaps = ds.known_snapshots(ds.as_of[ds.index_of("2015Q1")])
    test = [ds.index_of("2015Q1"), ds.index_of("2015Q2")]
    a = GNNForecaster(SMALL).fit(ds, train_snaps).predict(ds, test)
    b = GNNForecaster(SMALL).fit(ds, train_snaps).predict(ds, test)
    c = GNNForecaster(GNNConfig(**{**SMALL.to_dict(), "base_seed": 7})).fit(ds, train_snaps).predict(ds, test)
    for t in TARGETS:
        assert np.array_equal(a[t], b[t])
        assert np.all(np.diff(a[t], axis=1) > 0)
        assert a[t].shape == (len(ds.rows(t, test)), 5)
    assert not np.allclose(a["go_growth"], c["go_growth"])


def test_walk_forward_never_trains_on_test_quarters(ds):
    splits = walk_forward_splits(ds, "2013Q1", step=3, min_train=8)
    assert len(splits) >= 4
    for sp in splits:
        assert sp.train.max() < sp.test.min()
        assert not set(sp.train) & set(sp.test)
        # every training target was public by the origin's as-of date
        assert all(pd.Timestamp(ds.known_date[i]) <= pd.Timestamp(ds.as_of[sp.origin]) for i in sp.train)
        # and expanding: each split trains on everything public then
        assert len(sp.train) == sum(pd.Timestamp(k) <= pd.Timestamp(ds.as_of[sp.origin]) for k in ds.known_date)
    assert [len(sp.train) for sp in splits] == sorted(len(sp.train) for sp in splits)


def test_walk_forward_harness_scores_every_model(ds):
    cfg = EvalConfig(first_test="2015Q1", step=4, min_train=8, gnn=SMALL)
    r = run_walk_forward(ds, cfg)
    assert r["test_quarters"][0] == "2015Q1"
    for t in TARGETS:
        res = r["targets"][t]
        models = set(res["models"])
        assert {"gnn", "random_walk", "historical_mean", "ridge", "lightgbm", "network_ar"} <= models
        assert ("io_momentum" in models) == (t == "excess_return")
        assert res["best_baseline"] != "gnn" and res["winner"] in models
        assert 0 <= res["dm_pvalue"] <= 1
        for v in res["models"].values():
            assert set(v["coverage"]) == {"0.05", "0.25", "0.5", "0.75", "0.95"}
    # the synthetic go_growth follows suppliers' lagged growth: network AR must beat the historical mean
    go = r["targets"]["go_growth"]["models"]
    assert go["network_ar"]["pinball"] < go["historical_mean"]["pinball"]
    assert "rank_ic_mean" in r["targets"]["excess_return"]["models"]["gnn"]


def test_registry_roundtrip_and_predict(ds, tmp_path):
    entry = train(tmp_path, config=SMALL, dataset=ds, as_of_quarter="2016Q4")
    assert list_models(tmp_path)[0]["model_id"] == entry["model_id"]
    stored = tmp_path / "models" / entry["model_id"]
    assert json.loads((stored / "data.json").read_text())["data_key"] == ds.key
    assert len(json.loads((stored / "metrics.json").read_text())["seeds"]) == SMALL.n_seeds
    model, _ = load_model(tmp_path)
    fresh = GNNForecaster(SMALL).fit(ds, ds.known_snapshots(ds.as_of[ds.index_of("2016Q4")]))
    s = [ds.index_of("2016Q4")]
    assert np.allclose(model.predict(ds, s)["excess_return"], fresh.predict(ds, s)["excess_return"])
    frame, path = predict(tmp_path, dataset=ds, quarter="2016Q4")
    assert path == tmp_path / "forecasts" / "2016Q4.parquet" and path.exists()
    back = pd.read_parquet(path)
    assert list(back.columns) == ["quarter", "as_of_date", "bea_code", "q05", "q25", "q50", "q75", "q95", "model_id"]
    assert set(back["bea_code"]) == set(CODES) - {"481"}  # only industries with a listed proxy
    assert (np.diff(back[["q05", "q25", "q50", "q75", "q95"]].to_numpy(), axis=1) > 0).all()
    with pytest.raises(ValueError, match="trained as of 2016Q4"):
        predict(tmp_path, dataset=ds, quarter="2015Q1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_worker(rank: int, world: int, port: int, frames, out_dir: str) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        torch.set_num_threads(1)
        ds = build_dataset(*frames, max_edges=20)
        snaps = ds.known_snapshots(ds.as_of[ds.index_of("2015Q1")])
        cfg = GNNConfig(**{**SMALL.to_dict(), "dropout": 0.0})
        t = GraphTensors(ds, Standardizer.fit(ds, snaps))
        state, hist = fit_one(ds, t, snaps, cfg, seed=3)
        torch.save({"state": state, "train": hist["train"]}, f"{out_dir}/rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def test_ddp_two_ranks_match_single_process(frames, ds, tmp_path):
    import torch.multiprocessing as mp

    mp.spawn(_ddp_worker, args=(2, _free_port(), frames, str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f"rank{k}.pt", weights_only=True) for k in (0, 1))
    snaps = ds.known_snapshots(ds.as_of[ds.index_of("2015Q1")])
    cfg = GNNConfig(**{**SMALL.to_dict(), "dropout": 0.0})
    torch.set_num_threads(1)
    single, hist = fit_one(ds, GraphTensors(ds, Standardizer.fit(ds, snaps)), snaps, cfg, seed=3)
    for k, v in single.items():
        assert torch.equal(r0["state"][k], r1["state"][k]), k  # ranks stay in sync
        assert torch.allclose(r0["state"][k], v, atol=1e-4), k  # and equal the full-batch single process
    assert np.allclose(r0["train"], hist["train"], rtol=1e-4)


def test_point_in_time_history_trains_per_block_and_reuses_models(ds, tmp_path):
    from gnn.predict import history

    rows = history(tmp_path, first="2015Q1", last="2016Q2", step=4, config=SMALL, dataset=ds, min_train=1)
    assert [r["quarter"] for r in rows] == ["2015Q1", "2015Q2", "2015Q3", "2015Q4", "2016Q1", "2016Q2"]
    # one model per block of four quarters, named by the block's first quarter
    assert {r["model_id"].split("-")[1] for r in rows[:4]} == {"2015Q1"}
    assert {r["model_id"].split("-")[1] for r in rows[4:]} == {"2016Q1"}
    assert all(r["trained"] for r in rows)
    for r in rows:
        stored = json.loads((tmp_path / "models" / r["model_id"] / "metrics.json").read_text())
        origin = r["model_id"].split("-")[1]
        last_train = stored["train_quarters"][1]
        # trained only on snapshots whose outcomes were public at the block's start, never on the forecast quarter
        assert pd.Period(last_train, "Q") < pd.Period(origin, "Q") <= pd.Period(r["quarter"], "Q")
        assert pd.Timestamp(ds.known_date[ds.index_of(last_train)]) <= pd.Timestamp(ds.as_of[ds.index_of(origin)])
        frame = pd.read_parquet(r["path"])
        assert (frame["quarter"] == r["quarter"]).all() and (frame["model_id"] == r["model_id"]).all()
        assert str(frame["as_of_date"].iloc[0].date()) == r["as_of_date"]
    # the second block's model saw more data than the first one
    m = [json.loads((tmp_path / "models" / rows[k]["model_id"] / "metrics.json").read_text())["n_train_snapshots"]
         for k in (0, 4)]
    assert m[1] > m[0]
    # a re-run reuses the registry's models and rewrites identical forecasts
    before = pd.read_parquet(rows[5]["path"])
    again = history(tmp_path, first="2015Q1", last="2016Q2", step=4, config=SMALL, dataset=ds, min_train=1)
    assert not any(r["trained"] for r in again)
    pd.testing.assert_frame_equal(before, pd.read_parquet(rows[5]["path"]))
    with pytest.raises(ValueError, match="step"):
        history(tmp_path, first="2015Q1", step=0, config=SMALL, dataset=ds)
    # a block whose origin had too few public snapshots is skipped, as in the walk-forward evaluation
    n0 = len(ds.known_snapshots(ds.as_of[ds.index_of("2015Q1")]))
    said = []
    later = history(tmp_path, first="2015Q1", last="2016Q2", step=4, config=SMALL, dataset=ds, min_train=n0 + 1,
                    progress=said.append)
    assert [r["quarter"] for r in later] == ["2016Q1", "2016Q2"] and any(m.startswith("skip 2015Q1") for m in said)
    with pytest.raises(ValueError, match="public snapshots"):
        history(tmp_path, first="2015Q1", last="2016Q2", step=4, config=SMALL, dataset=ds, min_train=10_000)


def test_feature_unseen_in_training_contributes_nothing_later():
    # an AI metric missing in every training snapshot (inputs unpublished) and present at the test quarter
    from gnn.fit import Standardizer

    train = np.array([[1.0, np.nan], [3.0, np.nan]])
    m, s = Standardizer._ms(train)
    st = Standardizer(m.tolist(), s.tolist(), [], [], {}, {})
    z = st.x(np.array([[2.0, 22.5]]))
    assert z[0, 0] == pytest.approx(0.0) and z[0, 1] == 0.0
    assert st.x(np.array([[5.0, np.nan]]))[0, 1] == 0.0
