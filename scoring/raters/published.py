"""Published exposure labels as raters: the human annotators and GPT-4 of Eloundou et al. (Science 2024).

Both label every O*NET 27.2 task E0/E1/E2 under the paper's rubric (hence ``rubric_version`` =
:data:`scoring.rubric.PUBLISHED_RUBRIC_VERSION`, not ours). A label is a hard class: ``score = beta(class)``
(E0 -> 0, E1 -> 1, E2 -> 0.5) and no class probabilities. Labels are joined to the tasks by O*NET ``task_id``
(IDs are global across occupations and releases); tasks without a label are left out of the output, so a
task added after O*NET 27.2 (or an emerging task) must be scored by another rater.
"""
from __future__ import annotations

import pandas as pd

from ..rubric import CLASS_SCORE, EXPOSURE_CLASSES, PROBA_COLUMNS, PUBLISHED_RUBRIC_VERSION
from . import Rater

LABEL_TABLE = "exposure_eloundou_tasks"
#: rater name -> (label column in ``exposure_eloundou_tasks``, model description)
PUBLISHED = {
    "human": ("human_exposure", "human annotators (Eloundou et al. 2024)"),
    "gpt4": ("gpt4_exposure", "gpt-4 (Eloundou et al. 2024)"),
}


class PublishedRater(Rater):
    """A column of published E0/E1/E2 labels (``labels`` = the ``exposure_eloundou_tasks`` table)."""

    source = "published_label"

    def __init__(self, labels: pd.DataFrame, name: str = "human", column: str | None = None,
                 model: str | None = None):
        default_column, default_model = PUBLISHED.get(name, (None, None))
        self.name = name
        self.column = column or default_column
        self.model = model or default_model or name
        if self.column is None:
            raise ValueError(f"unknown published rater {name!r}: pass column=; known: {sorted(PUBLISHED)}")
        for c in ("task_id", self.column):
            if c not in labels.columns:
                raise ValueError(f"published rater {name!r}: labels lack column {c!r}; got {list(labels.columns)}")
        lab = labels.loc[labels[self.column].notna(), ["task_id", self.column]]
        bad = ~lab[self.column].isin(EXPOSURE_CLASSES)
        if bad.any():
            raise ValueError(f"published rater {name!r}: column {self.column!r} has value "
                             f"{lab.loc[bad, self.column].iloc[0]!r} (task {lab.loc[bad, 'task_id'].iloc[0]}); "
                             f"expected one of {list(EXPOSURE_CLASSES)}")
        lab = lab.drop_duplicates("task_id")
        self._labels = pd.Series(lab[self.column].to_numpy(), index=lab["task_id"].astype("int64").to_numpy())

    def _score(self, tasks: pd.DataFrame) -> pd.DataFrame:
        ids = tasks["task_id"].astype("int64")
        cls = ids.map(self._labels)
        keep = cls.notna().to_numpy()
        out = pd.DataFrame({"onet_soc": tasks["onet_soc"].to_numpy()[keep], "task_id": ids.to_numpy()[keep],
                            "exposure_class": cls.to_numpy()[keep]})
        out["score"] = out["exposure_class"].map(CLASS_SCORE).astype(float)
        for c in PROBA_COLUMNS:
            out[c] = float("nan")
        out["rater"] = self.name
        out["rubric_version"] = PUBLISHED_RUBRIC_VERSION
        out["model"] = self.model
        out["source"] = self.source
        out["rationale"] = None
        return out


def published_raters(labels: pd.DataFrame) -> list[PublishedRater]:
    """The two published raters, ``human`` and ``gpt4``."""
    return [PublishedRater(labels, name) for name in PUBLISHED]
