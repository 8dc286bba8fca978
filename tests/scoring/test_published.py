"""Published human and GPT-4 labels as raters."""
from __future__ import annotations

import pandas as pd
import pytest

from scoring.raters import published_raters
from scoring.raters.published import PublishedRater
from scoring.rubric import PUBLISHED_RUBRIC_VERSION

LABELS = pd.DataFrame({"onet_soc": ["11-1011.00"] * 3, "task_id": [1, 2, 3],
                       "task_text": ["a", "b", "c"], "human_exposure": ["E0", "E2", None],
                       "gpt4_exposure": ["E1", "E2", "E0"]})


def test_labels_become_beta_scores():
    human, gpt4 = published_raters(LABELS)
    tasks = LABELS.assign(task_id=[1, 2, 3])
    h = human.score(tasks).set_index("task_id")
    assert list(h.index) == [1, 2]  # task 3 has no human label: left out, not filled in
    assert list(h.score) == [0.0, 0.5] and set(h.source) == {"published_label"}
    assert set(h.rubric_version) == {PUBLISHED_RUBRIC_VERSION} and h.p_E0.isna().all()
    g = gpt4.score(tasks).set_index("task_id")
    assert list(g.exposure_class) == ["E1", "E2", "E0"] and list(g.score) == [1.0, 0.5, 0.0]
    new = pd.DataFrame({"onet_soc": ["15-1252.00"], "task_id": [99999], "task_text": ["An emerging task."]})
    assert human.score(new).empty


def test_bad_labels_are_refused():
    with pytest.raises(ValueError, match="'E5'"):
        PublishedRater(LABELS.assign(human_exposure="E5"), "human")
    with pytest.raises(ValueError, match="unknown published rater"):
        PublishedRater(LABELS, "oracle")


def test_real_labels(eloundou_tasks):
    human, gpt4 = published_raters(eloundou_tasks)
    h, g = human.score(eloundou_tasks), gpt4.score(eloundou_tasks)
    assert len(g) == len(eloundou_tasks) and len(h) == eloundou_tasks["human_exposure"].notna().sum()
    # the published occupation-level betas are E1 + 0.5 E2 shares; the overall human beta is about 0.31
    assert 0.25 < h.score.mean() < 0.4
