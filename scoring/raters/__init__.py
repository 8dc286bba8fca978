"""Raters of task automatability: one interface, ``Rater.score(tasks) -> scores``.

``tasks`` is a DataFrame with at least ``onet_soc``, ``task_id`` and ``task_text`` (an ``occupation_title`` column is
used by raters that can take the occupation into account). The result has the columns
:data:`scoring.rubric.SCORE_COLUMNS`: one row per scored task, ``exposure_class`` in E0/E1/E2, ``score`` in [0, 1] on
the beta scale (E1 + 0.5·E2), class probabilities ``p_E0..p_E2`` where the rater has them, and the score's identity
(``rater``, ``rubric_version``, ``model``) and ``source``. Tasks a rater cannot score (no published label, an LLM
failure) are absent from its output, never filled in.

The public :meth:`Rater.score` validates the input and the output; subclasses implement :meth:`Rater._score`.
"""
from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod

import pandas as pd

from ..rubric import check_scores, empty_scores

TASK_COLUMNS = ("onet_soc", "task_id", "task_text")


def emerging_task_id(onet_soc: str, task_text: str) -> int:
    """A stable id for an emerging task (O*NET gives none): −(first 52 bits of sha256(onet_soc NUL text)).

    Negative, so it never equals an O*NET Task ID (positive) and a revised statement never inherits the published
    label of the task it revises.
    """
    digest = hashlib.sha256(f"{onet_soc}\0{' '.join(str(task_text).split())}".encode()).hexdigest()
    return -int(digest[:13], 16)


def task_universe(onet_tasks: pd.DataFrame, emerging: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every task to score: the O*NET task statements of all releases in ``onet_tasks`` (one row per
    (onet_soc, task_id), the text of the latest ``release``) plus the emerging tasks with :func:`emerging_task_id`.

    Columns: onet_soc, task_id, task_text, release, origin (``onet`` | ``emerging``).
    """
    tasks = (onet_tasks.sort_values("release").drop_duplicates(["onet_soc", "task_id"], keep="last")
             .loc[:, ["onet_soc", "task_id", "task_text", "release"]].assign(origin="onet"))
    parts = [tasks]
    if emerging is not None and len(emerging):
        em = (emerging.sort_values("release").drop_duplicates(["onet_soc", "task_text"], keep="last")
              .loc[:, ["onet_soc", "task_text", "release"]].copy())
        em["task_id"] = [emerging_task_id(s, t) for s, t in zip(em["onet_soc"], em["task_text"])]
        parts.append(em.assign(origin="emerging"))
    out = pd.concat(parts, ignore_index=True)
    out["task_id"] = out["task_id"].astype("int64")
    return out.loc[:, ["onet_soc", "task_id", "task_text", "release", "origin"]].reset_index(drop=True)


class Rater(ABC):
    #: short name used in outputs and on the command line (``human``, ``gpt4``, ``embedding``, ``llm``)
    name: str
    #: one of :data:`scoring.rubric.SOURCES`
    source: str

    def score(self, tasks: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in TASK_COLUMNS if c not in tasks.columns]
        if missing:
            raise ValueError(f"rater {self.name!r}: tasks lack column(s) {missing}; got {list(tasks.columns)}")
        if tasks["task_text"].isna().any():
            row = tasks.index[tasks["task_text"].isna()][0]
            raise ValueError(f"rater {self.name!r}: task_text is null for task {tasks.loc[row, 'task_id']}")
        if len(tasks) == 0:
            return empty_scores()
        return check_scores(self._score(tasks), self.name)

    @abstractmethod
    def _score(self, tasks: pd.DataFrame) -> pd.DataFrame:
        """Score validated tasks; return a frame with the columns of :data:`scoring.rubric.SCORE_COLUMNS`."""


from .embedding import EmbeddingRater  # noqa: E402
from .llm import LLMConfig, LLMRater  # noqa: E402
from .published import PublishedRater, published_raters  # noqa: E402

__all__ = ["Rater", "TASK_COLUMNS", "task_universe", "emerging_task_id", "PublishedRater", "published_raters",
           "EmbeddingRater", "LLMRater", "LLMConfig"]
