"""The task universe: O*NET releases merged, emerging tasks given stable negative ids."""
from __future__ import annotations

import pandas as pd

from scoring.raters import emerging_task_id, published_raters, task_universe


def test_universe_merges_releases_and_emerging_tasks():
    onet = pd.DataFrame({"release": ["29.1", "30.1", "30.1"], "onet_soc": ["11-1011.00"] * 3,
                         "task_id": [8823, 8823, 9000], "task_text": ["Old text.", "New text.", "Other."],
                         "task_type": ["core"] * 3})
    emerging = pd.DataFrame({"release": ["30.1", "30.1"], "onet_soc": ["11-1011.00", "15-1252.00"],
                             "task_text": ["Use AI agents to draft budgets.", "Review AI-generated code."],
                             "category": ["New", "Revision"]})
    u = task_universe(onet, emerging)
    assert len(u) == 4 and not u.duplicated(["onet_soc", "task_id"]).any()
    assert u.loc[u.task_id == 8823, "task_text"].item() == "New text."  # the latest release's statement
    em = u[u.origin == "emerging"]
    assert (em.task_id < 0).all()
    assert em.task_id.tolist() == [emerging_task_id(s, t) for s, t in zip(em.onet_soc, em.task_text)]
    assert emerging_task_id("11-1011.00", "Use  AI agents to draft budgets.") == em.task_id.iloc[0]
    # emerging tasks never inherit a published label
    labels = pd.DataFrame({"task_id": [8823], "human_exposure": ["E1"], "gpt4_exposure": ["E1"]})
    human = published_raters(labels)[0].score(u)
    assert human.task_id.tolist() == [8823]
