"""Near-duplicate fold groups: SOC siblings, equal normalised texts and embedding twins share a group."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.evaluate import occupation_split
from scoring.groups import UnionFind, duplicate_groups, near_duplicate_pairs, normalise_text


def _unit(*rows) -> np.ndarray:
    a = np.asarray(rows, dtype=np.float32)
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def test_normalise_text():
    assert normalise_text("  Prepare   financial-reports, daily. ") == "prepare financial reports daily"
    assert normalise_text("PREPARE financial reports daily") == normalise_text("prepare financial reports; daily")


def test_union_find():
    uf = UnionFind(5)
    uf.union(0, 1)
    uf.union(3, 4)
    uf.union(1, 4)
    assert len({uf.find(i) for i in (0, 1, 3, 4)}) == 1 and uf.find(2) == 2


def test_groups_join_soc_siblings_exact_and_embedding_twins():
    tasks = pd.DataFrame({
        "onet_soc": ["11-1011.00", "11-1011.03",   # same 6-digit SOC
                     "13-2011.00", "15-1252.00",   # share an exact text (case and punctuation differ)
                     "17-2051.00", "19-1042.00",   # share an embedding twin (cosine 0.999)
                     "21-1011.00"],                # alone
        "task_text": ["Direct operations.", "Set policy.",
                      "Prepare tax returns.", "prepare TAX returns",
                      "Design bridges.", "Design a bridge.",
                      "Counsel clients."]})
    emb = _unit([1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 0],
                [0.7, 0.7, 0.1, 0], [0.7, 0.7, 0.13, 0], [0, 0, 0, 1])
    g = duplicate_groups(tasks, emb, threshold=0.95)
    grp = g.group
    assert grp[0] == grp[1] and grp[2] == grp[3] and grp[4] == grp[5]
    assert len({grp[0], grp[2], grp[4], grp[6]}) == 4 and g.n_groups == 4 and g.n_occupations == 7
    assert g.soc6_pairs == 1 and g.exact_pairs == 1 and g.near_pairs == 1 and g.duplicated_tasks == 4
    assert "duplicate" in g.describe()["description"] and g.describe()["grouping"] == "duplicate"
    # text only: the embedding twins stay apart
    assert duplicate_groups(tasks).group[4] != duplicate_groups(tasks).group[5]
    # a stricter threshold than their cosine keeps them apart too
    assert duplicate_groups(tasks, emb, threshold=0.9999).group[4] != duplicate_groups(tasks, emb, 0.9999).group[5]


def test_transitive_chain_and_split_never_separates_twins():
    # occupation k shares a text with k+1 for k even: pairs (0,1), (2,3), ... ; every split keeps pairs together
    rows = []
    for k in range(20):
        soc = f"{11 + k:02d}-{1000 + k:04d}.00"
        rows.append({"onet_soc": soc, "task_text": f"own task {k}"})
        rows.append({"onet_soc": soc, "task_text": f"shared task {k // 2}"})
    tasks = pd.DataFrame(rows)
    g = duplicate_groups(tasks)
    assert g.n_groups == 10 and g.largest_group_occupations == 2
    train, test = occupation_split(tasks, 0.3, seed=2, groups=g.group)
    assert not {normalise_text(t) for t in train.task_text} & {normalise_text(t) for t in test.task_text}
    # by occupation alone the shared texts do leak across the split
    leaks = 0
    for seed in range(5):
        tr, te = occupation_split(tasks, 0.3, seed=seed)
        leaks += len({normalise_text(t) for t in tr.task_text} & {normalise_text(t) for t in te.task_text})
    assert leaks > 0


def test_near_duplicate_pairs_blocked_equals_dense():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(30, 8))
    emb = np.vstack([base, base[:10] + rng.normal(scale=0.01, size=(10, 8))])
    emb = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    dense = {(i, j) for i, j in zip(*np.nonzero(emb @ emb.T >= 0.95)) if i < j}
    assert {tuple(p) for p in near_duplicate_pairs(emb, 0.95, block=7)} == dense
    assert {(i, i + 30) for i in range(10)} <= dense


def test_bad_inputs_are_refused():
    tasks = pd.DataFrame({"onet_soc": ["11-1011.00", "13-2011.00"], "task_text": ["a", "b"]})
    with pytest.raises(ValueError, match="unit vectors"):
        duplicate_groups(tasks, np.array([[2.0, 0.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="3 embeddings for 2 tasks"):
        duplicate_groups(tasks, _unit([1, 0], [0, 1], [1, 1]))
    with pytest.raises(ValueError, match="task_text"):
        duplicate_groups(tasks.drop(columns="task_text"))
