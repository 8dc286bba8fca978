"""Work-activity text of tasks (DWA/IWA titles, occupation title) and the rater features built on it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.activities import task_activities, with_activities
from scoring.raters.embedding import EmbeddingRater, kappa_decision_weights, mean_embeddings

from .helpers import synthetic_tasks


def _onet():
    links = pd.DataFrame({"release": ["29.1", "29.1", "29.1", "28.0", "30.1"],
                          "onet_soc": ["11-1011.00", "11-1011.00", "13-2011.00", "13-2011.00", "15-1252.00"],
                          "task_id": [1, 1, 2, 2, 3], "dwa_id": ["D2", "D1", "D1", "D3", "D9"]})
    dwa = pd.DataFrame({"release": ["29.1", "29.1", "28.0", "30.1"], "dwa_id": ["D1", "D2", "D3", "D9"],
                        "iwa_id": ["I1", "I1", "I2", "I2"],
                        "dwa_title": ["Prepare reports.", "Analyze data.", "Old activity.", "Write code."]})
    iwa = pd.DataFrame({"release": ["29.1", "28.0", "30.1"], "iwa_id": ["I1", "I2", "I2"],
                        "iwa_title": ["Document information.", "Old IWA.", "Program computers."]})
    return links, dwa, iwa


def test_task_activities_latest_release_sorted_and_unique():
    act = task_activities(*_onet())
    row = act.set_index("task_id")
    assert row.loc[1, "dwa_titles"] == "Prepare reports.\nAnalyze data."  # sorted by DWA id D1, D2
    assert row.loc[1, "iwa_titles"] == "Document information."  # one IWA, named once
    assert row.loc[2, "dwa_titles"] == "Prepare reports."  # release 29.1 replaces 28.0's link
    assert row.loc[3, "iwa_titles"] == "Program computers."


def test_with_activities_matches_by_occupation_then_id():
    act = task_activities(*_onet())
    tasks = pd.DataFrame({"onet_soc": ["11-1011.00", "11-1011.03", "15-1252.00"], "task_id": [1, 2, -5],
                          "task_text": ["a", "b", "emerging"]})
    titles = pd.DataFrame({"release": ["28.0", "29.1", "29.1", "29.1"],
                           "onet_soc": ["11-1011.00", "11-1011.00", "11-1011.03", "15-1252.00"],
                           "title": ["Old title", "Chief Executives", "Sustainability", "Developers"]})
    out = with_activities(tasks, act, titles)
    assert out["dwa_titles"].tolist() == ["Prepare reports.\nAnalyze data.", "Prepare reports.", ""]
    assert out["occupation_title"].tolist() == ["Chief Executives", "Sustainability", "Developers"]
    with pytest.raises(ValueError, match="occupation_title"):
        with_activities(tasks, act)


def test_unknown_dwa_is_refused():
    links, dwa, iwa = _onet()
    with pytest.raises(ValueError, match="D9.*absent"):
        task_activities(links, dwa[dwa.dwa_id != "D9"], iwa)


def test_kappa_decision_weights_raise_a_rare_class():
    # class 2 is 20 % of the labels but never the plain argmax (p = 0.4 against 0.5 for class 0)
    rng = np.random.default_rng(0)
    y = rng.choice(3, size=2000, p=[0.5, 0.3, 0.2])
    proba = np.array([[0.6, 0.2, 0.2], [0.2, 0.6, 0.2], [0.5, 0.1, 0.4]])[y]
    assert (proba.argmax(1) == 2).sum() == 0
    w = kappa_decision_weights(proba, y)
    pred = np.argmax(proba * w, axis=1)
    assert w[2] > 1.25 and (pred == y).mean() == 1.0
    # well-separated probabilities keep w = (1, 1, 1)
    assert np.allclose(kappa_decision_weights(np.eye(3)[y] * 0.8 + 0.2 / 3, y), 1.0)


def test_activity_features_fit_and_score(embedder):
    tasks = synthetic_tasks(n_occupations=12, per_class=2)
    dwa = {"E0": "Move materials.", "E1": "Prepare documents.\nWrite reports.", "E2": "Search databases."}
    tasks = tasks.assign(dwa_titles=tasks.human_exposure.map(dwa), iwa_titles="Work with information.",
                         occupation_title="Clerks")
    tasks.loc[tasks.index[:3], "dwa_titles"] = ""  # some tasks have no linked activity
    X = EmbeddingRater(embedder, features="activities")._features(tasks)
    assert X.shape == (len(tasks), 4 * 384 + 1) and X[:3, -1].tolist() == [1, 1, 1] and X[3, -1] == 0
    assert np.allclose(X[0, 384:768], 0.0)  # no DWA -> zero mean embedding
    both = mean_embeddings(embedder, ["Prepare documents.\nWrite reports."])[0]
    parts = embedder.encode(["Prepare documents.", "Write reports."]).mean(axis=0)
    assert np.allclose(both, parts, atol=1e-6)
    r = EmbeddingRater(embedder, features="activities", decision="kappa", C=[0.03, 0.3], calibration_folds=3)
    out = r.fit(tasks).score(tasks)
    assert r.C_ in (0.03, 0.3) and r.inner_cv_["folds"] == 3 and np.isfinite(r.inner_cv_["kappa_3class"])
    assert "decision=kappa" in out["model"].iloc[0] and "C=0.03,0.3" in out["model"].iloc[0]
    assert (out["exposure_class"].to_numpy() == tasks["human_exposure"].to_numpy()).mean() >= 0.9
    with pytest.raises(ValueError, match="dwa_titles"):
        EmbeddingRater(embedder, features="activities").fit(tasks.drop(columns="dwa_titles"))
