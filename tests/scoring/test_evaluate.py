"""Evaluation on splits held out by occupation: synthetic checks and the real Eloundou labels."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.evaluate import (METRIC_KEYS, evaluate, expected_calibration_error, kappa_difference_ci,
                              occupation_split, rater_metrics)
from scoring.raters import EmbeddingRater, PublishedRater
from scoring.rubric import PROBA_COLUMNS

from .helpers import synthetic_tasks

#: occupations sampled from the real table for the real-data test (keeps embedding time to ~15 s on 2 CPU cores)
N_REAL_OCCUPATIONS = 160


def test_split_has_no_shared_occupation():
    tasks = synthetic_tasks(n_occupations=20, per_class=1)
    train, test = occupation_split(tasks, test_size=0.3, seed=4)
    assert not set(train.onet_soc) & set(test.onet_soc)
    assert len(train) + len(test) == len(tasks) and test.onet_soc.nunique() == 6
    again = occupation_split(tasks, test_size=0.3, seed=4)[1]
    assert list(again.task_id) == list(test.task_id)  # seeded
    with pytest.raises(ValueError, match="two occupations"):
        occupation_split(tasks[tasks.onet_soc == tasks.onet_soc.iloc[0]])


def _pred(truth: pd.DataFrame, classes, proba=None) -> pd.DataFrame:
    out = truth[["onet_soc", "task_id"]].copy()
    out["exposure_class"] = classes
    out["score"] = pd.Series(classes).map({"E0": 0.0, "E1": 1.0, "E2": 0.5}).to_numpy()
    for i, c in enumerate(PROBA_COLUMNS):
        out[c] = np.nan if proba is None else proba[:, i]
    return out


def test_metrics_by_hand():
    truth = pd.DataFrame({"onet_soc": ["a", "a", "b", "b", "c", "c"], "task_id": range(6),
                          "human_exposure": ["E0", "E1", "E2", "E0", "E1", "E1"]})
    perfect = rater_metrics(_pred(truth, truth.human_exposure.tolist()), truth)
    assert perfect["accuracy"] == 1 and perfect["kappa_3class"] == 1 and perfect["kappa_binary"] == 1
    assert perfect["ece"] == 0 and perfect["occupation_beta_r"] == pytest.approx(1.0) and perfect["n_test"] == 6
    # one E1 -> E2 error: accuracy 5/6; exposed/not-exposed unchanged; hard labels: ECE = 1 - accuracy
    m = rater_metrics(_pred(truth, ["E0", "E2", "E2", "E0", "E1", "E1"]), truth)
    assert m["accuracy"] == pytest.approx(5 / 6) and m["kappa_binary"] == 1 and m["ece"] == pytest.approx(1 / 6)
    # p_o = 5/6, p_e = (2*2 + 3*2 + 1*2)/36 = 1/3  ->  kappa = (5/6 - 1/3) / (2/3) = 0.75
    assert m["kappa_3class"] == pytest.approx(0.75)
    assert set(METRIC_KEYS) <= set(m)
    # only part of the test set scored: metrics on what was scored, coverage says how much
    part = rater_metrics(_pred(truth, truth.human_exposure.tolist()).iloc[:3], truth)
    assert part["n_test"] == 3 and part["coverage"] == 0.5


def test_expected_calibration_error():
    conf = np.array([0.9] * 10 + [0.6] * 10)
    correct = np.array([1] * 9 + [0] + [1] * 3 + [0] * 7, dtype=bool)
    # bin 0.9: accuracy 0.9 (gap 0); bin 0.6: accuracy 0.3 (gap 0.3): ECE = 0.5 * 0.3
    assert expected_calibration_error(conf, correct) == pytest.approx(0.15)


def test_evaluate_synthetic(embedder, tmp_path):
    tasks = synthetic_tasks(n_occupations=16, per_class=2)
    raters = [PublishedRater(tasks, "gpt4"), EmbeddingRater(embedder, calibration_folds=3)]
    res = evaluate(tasks, raters, test_size=0.25, seed=1, plot_path=tmp_path / "reliability.png")
    assert set(res) == {"gpt4", "embedding"}
    for m in res.values():
        assert -1 <= m["kappa_3class"] <= 1 and -1 <= m["kappa_binary"] <= 1
        assert 0 <= m["ece"] <= 1 and 0 <= m["accuracy"] <= 1 and m["n_test"] == 4 * 6
        assert m["split"]["n_train_occupations"] == 12
    assert res["embedding"]["probabilistic"] and not res["gpt4"]["probabilistic"]
    assert (tmp_path / "reliability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def real_results(eloundou_tasks, embedder, tmp_path_factory):
    from scoring.groups import duplicate_groups

    occupations = pd.Series(eloundou_tasks["onet_soc"].unique()).sample(N_REAL_OCCUPATIONS, random_state=0)
    sample = eloundou_tasks[eloundou_tasks["onet_soc"].isin(occupations)].reset_index(drop=True)
    groups = duplicate_groups(sample, embedder.encode(sample["task_text"].tolist()))
    plot = tmp_path_factory.mktemp("evaluate") / "reliability.png"
    raters = [PublishedRater(sample, "gpt4"), EmbeddingRater(embedder, seed=0)]
    res = evaluate(sample, raters, test_size=0.25, seed=0, plot_path=plot, groups=groups.group,
                   grouping=groups.describe(), compare=("embedding", "gpt4"), n_boot=500)
    return sample, groups, res, plot


def test_real_split_and_ranges(real_results):
    from scoring.groups import normalise_text

    sample, groups, res, plot = real_results
    keep = sample.human_exposure.notna().to_numpy()
    train, test = occupation_split(sample[keep], 0.25, 0, groups=groups.group[keep])
    assert not set(train.onet_soc) & set(test.onet_soc)
    assert not set(train.onet_soc.str[:7]) & set(test.onet_soc.str[:7])  # no 6-digit SOC on both sides
    assert not set(train.task_text.map(normalise_text)) & set(test.task_text.map(normalise_text))
    # the sample does hold duplicated statements across occupations, and the grouping joined them
    assert groups.duplicated_tasks > 20 and groups.n_groups < sample.onet_soc.nunique()
    for name, m in res.items():
        assert m["n_test"] == len(test) and m["coverage"] == 1.0, name
        assert m["n_test_occupations"] == test.onet_soc.nunique()
        assert "duplicate" in m["split"]["description"]
        assert all(np.isfinite(m[k]) for k in METRIC_KEYS), name
    d = res["embedding"]["kappa_difference"]
    assert d["kappa_3class"]["ci_low"] <= d["kappa_3class"]["difference"] <= d["kappa_3class"]["ci_high"]
    assert plot.stat().st_size > 10_000


def test_real_embedding_rater_agrees_with_people(real_results):
    """Floors set from measurement. On this sample (160 occupations, a quarter held out, trained on ~2,400 tasks)
    the task-text embedding rater measured, on the occupation split, kappa_binary 0.51, kappa_3class 0.40,
    occupation beta r 0.89, ECE 0.023 (over four sample seeds 0.48-0.61, 0.40-0.45, 0.88-0.93, 0.02-0.05); the
    floors hold on the stricter duplicate split this fixture now uses. A classifier that has not learned the labels
    fails them."""
    _, _, res, _ = real_results
    emb = res["embedding"]
    assert emb["kappa_binary"] > 0.45
    assert emb["kappa_3class"] > 0.33
    assert emb["occupation_beta_r"] > 0.8
    assert emb["ece"] < 0.08  # temperature-scaled probabilities are close to calibrated
    assert res["gpt4"]["kappa_3class"] > 0.3  # the published GPT-4 labels: a sanity check of the pipeline


def test_kappa_difference_ci_by_hand():
    rng = np.random.default_rng(0)
    truth = pd.DataFrame({"onet_soc": np.repeat([f"o{i}" for i in range(30)], 10), "task_id": range(300),
                          "human_exposure": rng.choice(["E0", "E1", "E2"], size=300)})
    good = truth.human_exposure.to_numpy().copy()
    flip = rng.random(300) < 0.2
    good[flip] = rng.choice(["E0", "E1", "E2"], size=flip.sum())
    noisy = truth.human_exposure.to_numpy().copy()
    flip = rng.random(300) < 0.6
    noisy[flip] = rng.choice(["E0", "E1", "E2"], size=flip.sum())
    a, b = _pred(truth, good), _pred(truth, noisy)
    d = kappa_difference_ci(a, b, truth, n_boot=500, seed=1)
    ma, mb = rater_metrics(a, truth), rater_metrics(b, truth)
    for k in ("kappa_3class", "kappa_binary"):
        assert d[k]["difference"] == pytest.approx(ma[k] - mb[k])  # the point estimate is the plain difference
        assert d[k]["ci_low"] < d[k]["difference"] < d[k]["ci_high"]
    assert d["kappa_3class"]["ci_low"] > 0 and d["n_occupations"] == 30 and d["n_tasks"] == 300
    same = kappa_difference_ci(a, a, truth, n_boot=200)
    assert same["kappa_3class"]["ci_low"] == same["kappa_3class"]["ci_high"] == 0
    # only tasks both raters scored count
    assert kappa_difference_ci(a.iloc[:150], b, truth, n_boot=50)["n_tasks"] == 150


def test_evaluate_with_duplicate_groups_states_the_grouping(embedder):
    from scoring.groups import duplicate_groups

    tasks = synthetic_tasks(n_occupations=16, per_class=2)  # the templates repeat texts across occupations
    g = duplicate_groups(tasks, embedder.encode(tasks.task_text.tolist()))
    raters = [PublishedRater(tasks, "gpt4"), EmbeddingRater(embedder, calibration_folds=2)]
    res = evaluate(tasks, raters, test_size=0.25, seed=1, groups=g.group, grouping=g.describe(),
                   compare=("embedding", "gpt4"), n_boot=100)
    split = res["embedding"]["split"]
    assert "duplicate" in split["description"] and split["grouping"] == "duplicate"
    assert "kappa_difference" in res["embedding"] and res["embedding"]["kappa_difference"]["versus"] == "gpt4"
    plain = evaluate(tasks, [PublishedRater(tasks, "gpt4")], test_size=0.25, seed=1)
    assert plain["gpt4"]["split"]["grouping"] == "occupation"
    with pytest.raises(ValueError, match="group ids"):
        evaluate(tasks, raters, groups=g.group[:-1])
