"""The econgraph exposure rubric: versioned text, the answer's JSON schema and the answer validator.

A rater answers, for one O*NET task statement, three things:

* ``exposure_class``: ``E0`` (no exposure), ``E1`` (direct exposure: an LLM alone, through a chat interface, cuts the
  time the task takes by at least half at equal quality) or ``E2`` (exposure only with software built on an LLM:
  retrieval over company documents, tool use, image capture, integration with the systems the task uses).
* ``score`` in [0, 1]: the rater's expected exposure on the beta scale of Eloundou et al. (2024),

      beta = 1·[E1] + 0.5·[E2] + 0·[E0],

  i.e. ``score = Σ_c p(c)·beta(c)`` under the rater's own uncertainty over the three classes. A rater that is sure of
  its class gives exactly ``beta(class)``. Because the class is the most probable one, the score is bounded by the
  class (:data:`SCORE_RANGE`): with E0 most probable, score = p1 + p2/2 <= 1/2; with E1, score >= 1/2; with E2,
  1/4 <= score <= 3/4 (extremes at two-way ties). An answer outside its class's range contradicts itself and is
  rejected.
* ``rationale``: one or two sentences (at most :data:`MAX_RATIONALE_CHARS` characters).

The rubric version (:data:`RUBRIC_VERSION`) is part of every score's identity (and of every LLM cache key): a change to
the text below that could change an answer must bump it. The published labels of Eloundou et al. were made with *their*
rubric, so their rows carry :data:`PUBLISHED_RUBRIC_VERSION` instead.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

RUBRIC_VERSION = "econgraph-rubric-1.0"
#: the rubric behind the published human and GPT-4 labels (Eloundou, Manning, Mishkin & Rock, Science 2024)
PUBLISHED_RUBRIC_VERSION = "eloundou-2024-exposure-rubric"

EXPOSURE_CLASSES: tuple[str, ...] = ("E0", "E1", "E2")
#: beta weight of each class (E1 + 0.5·E2)
CLASS_SCORE: dict[str, float] = {"E0": 0.0, "E1": 1.0, "E2": 0.5}
#: feasible score of an answer whose most probable class is the key (see the module docstring)
SCORE_RANGE: dict[str, tuple[float, float]] = {"E0": (0.0, 0.5), "E1": (0.5, 1.0), "E2": (0.25, 0.75)}
PROBA_COLUMNS: tuple[str, ...] = tuple(f"p_{c}" for c in EXPOSURE_CLASSES)
MAX_RATIONALE_CHARS = 400

#: columns of every rater's output, in order; p_E0..p_E2 are null for raters that give a hard label only
SCORE_COLUMNS: tuple[str, ...] = ("onet_soc", "task_id", "exposure_class", "score", *PROBA_COLUMNS, "rater",
                                  "rubric_version", "model", "source", "rationale")
#: ``source`` values: where a score comes from
SOURCES = ("published_label", "embedding_model", "llm")

RUBRIC_TEXT = f"""You rate how exposed one occupational task is to large language models (LLMs).
Rubric {RUBRIC_VERSION}.

Consider a worker doing the task with access to a state-of-the-art LLM such as a chat assistant that can read and
write text, code and tables, with a large context window, but with no other software and no internet access.

Classes:
- E0, no exposure: access to the LLM, or to software built on it, would not cut the time a competent worker needs for
  the task by at least half at equal quality. Tasks that are mainly physical, that need presence, touch, manual
  dexterity or operating equipment, that rest on licensed judgement or personal relationships, or where the LLM's
  help is marginal, are E0.
- E1, direct exposure: the LLM alone, through a chat interface, cuts the time for the task by at least half at equal
  quality (writing, summarising, translating, coding, drafting, answering questions from text the worker provides).
- E2, exposure with LLM-powered tools: the LLM alone would not halve the time, but software that one could reasonably
  build on top of it would (search or retrieval over an organisation's documents, tool use, data pipelines, image
  input, integration with the systems the task uses).

Score: your expected exposure on the beta scale, sum over classes of P(class) * weight(class), with weights
E0 = 0, E1 = 1, E2 = 0.5, where your class is the most probable one. If you are certain, the score equals the weight
of your class; so an E0 answer has a score of at most 0.5, an E1 answer at least 0.5, an E2 answer 0.25 to 0.75.
Rationale: one or two sentences on what decides the class.

Answer with a single JSON object and nothing else:
{{"exposure_class": "E0" | "E1" | "E2", "score": <number in [0, 1]>,
 "rationale": "<at most {MAX_RATIONALE_CHARS} characters>"}}"""

#: JSON schema of an answer (usable as an OpenAI ``response_format`` json_schema with ``strict: true``)
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "exposure_class": {"type": "string", "enum": list(EXPOSURE_CLASSES)},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "rationale": {"type": "string", "maxLength": MAX_RATIONALE_CHARS},
    },
    "required": ["exposure_class", "score", "rationale"],
    "additionalProperties": False,
}

#: the schema sent as ``response_format``: :data:`ANSWER_SCHEMA` without the range and length keywords, which
#: strict structured-output modes of some providers reject; :func:`parse_answer` still enforces them
REQUEST_SCHEMA: dict[str, Any] = {
    **ANSWER_SCHEMA,
    "properties": {name: {k: v for k, v in prop.items() if k not in ("minimum", "maximum", "maxLength")}
                   for name, prop in ANSWER_SCHEMA["properties"].items()},
}

_TASK_PREFIX = "Task: "
_OCCUPATION_PREFIX = "Occupation: "
_FENCE = re.compile(r"^\s*```(?:json|JSON)?\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


class AnswerInvalid(ValueError):
    """An answer that does not satisfy :data:`ANSWER_SCHEMA`; the message says which rule and shows the value."""


@dataclass(frozen=True)
class Answer:
    exposure_class: str
    score: float
    rationale: str


def user_message(task_text: str, occupation: str | None = None) -> str:
    """The user turn for one task (the rubric itself is the system turn).

    Task text is put on a single line so that :func:`task_text_from_user_message` recovers it exactly.
    """
    task = " ".join(str(task_text).split())
    lines = [f"{_OCCUPATION_PREFIX}{' '.join(str(occupation).split())}"] if occupation else []
    lines.append(f"{_TASK_PREFIX}{task}")
    lines.append("Rate this task with the rubric and answer with the JSON object only.")
    return "\n".join(lines)


def task_text_from_user_message(message: str) -> str:
    """Inverse of :func:`user_message` for the task text (used by the local test server)."""
    for line in message.splitlines():
        if line.startswith(_TASK_PREFIX):
            return line[len(_TASK_PREFIX):]
    raise AnswerInvalid(f"no line starting with {_TASK_PREFIX!r} in the user message")


def build_messages(task_text: str, occupation: str | None = None) -> list[dict[str, str]]:
    return [{"role": "system", "content": RUBRIC_TEXT},
            {"role": "user", "content": user_message(task_text, occupation)}]


def parse_answer(content: str | None) -> Answer:
    """Validate a model's reply against :data:`ANSWER_SCHEMA` and return it.

    Tolerates a Markdown code fence around the object (```json ... ```). Raises :class:`AnswerInvalid` naming the
    rule that failed and the offending value.
    """
    if content is None or not str(content).strip():
        raise AnswerInvalid("empty answer")
    text = str(content).strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnswerInvalid(f"answer is not JSON ({exc.msg} at char {exc.pos}): got {text[:80]!r}") from None
    if not isinstance(obj, dict):
        raise AnswerInvalid(f"answer must be a JSON object, got {type(obj).__name__}")
    missing = [k for k in ANSWER_SCHEMA["required"] if k not in obj]
    if missing:
        raise AnswerInvalid(f"answer lacks required field(s) {missing}: got keys {sorted(obj)}")
    extra = sorted(set(obj) - set(ANSWER_SCHEMA["properties"]))
    if extra:
        raise AnswerInvalid(f"answer has unexpected field(s) {extra}")
    cls = obj["exposure_class"]
    if cls not in EXPOSURE_CLASSES:
        raise AnswerInvalid(f"exposure_class must be one of {list(EXPOSURE_CLASSES)}, got {cls!r}")
    score = obj["score"]
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not np.isfinite(score):
        raise AnswerInvalid(f"score must be a finite number, got {score!r}")
    if not 0.0 <= float(score) <= 1.0:
        raise AnswerInvalid(f"score must lie in [0, 1], got {score!r}")
    low, high = SCORE_RANGE[cls]
    if not low <= float(score) <= high:
        raise AnswerInvalid(f"score {score!r} contradicts exposure_class {cls} (its most probable class): an {cls} "
                            f"answer has a score in [{low}, {high}]")
    rationale = obj["rationale"]
    if not isinstance(rationale, str):
        raise AnswerInvalid(f"rationale must be a string, got {type(rationale).__name__}")
    if len(rationale) > MAX_RATIONALE_CHARS:
        raise AnswerInvalid(f"rationale longer than {MAX_RATIONALE_CHARS} characters (got {len(rationale)})")
    return Answer(cls, float(score), rationale.strip())


def class_beta(classes: pd.Series) -> pd.Series:
    """beta weight of each class label (E0 -> 0, E1 -> 1, E2 -> 0.5); null stays null."""
    return classes.map(CLASS_SCORE).astype(float)


def expected_score(proba: np.ndarray) -> np.ndarray:
    """Expected beta from class probabilities in :data:`EXPOSURE_CLASSES` order: Σ_c p(c)·beta(c)."""
    weights = np.array([CLASS_SCORE[c] for c in EXPOSURE_CLASSES])
    return np.asarray(proba, dtype=float) @ weights


def empty_scores() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_SCORE_DTYPES[c]) for c in SCORE_COLUMNS})


_SCORE_DTYPES = {"onet_soc": "object", "task_id": "int64", "exposure_class": "object", "score": "float64",
                 **{c: "float64" for c in PROBA_COLUMNS}, "rater": "object", "rubric_version": "object",
                 "model": "object", "source": "object", "rationale": "object"}


def check_scores(df: pd.DataFrame, rater: str) -> pd.DataFrame:
    """Validate a rater's output (columns, classes, score range, probabilities) and return it in column order.

    Raises ``ValueError`` naming the rater, the column and the first offending row; rater output is program output,
    so a failure here is a bug in the rater, not bad input.
    """
    missing = [c for c in SCORE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"rater {rater!r} output lacks column(s) {missing}")
    out = df.loc[:, list(SCORE_COLUMNS)].reset_index(drop=True)
    out["task_id"] = out["task_id"].astype("int64")
    for c in ("score", *PROBA_COLUMNS):
        out[c] = out[c].astype("float64")
    bad = ~out["exposure_class"].isin(EXPOSURE_CLASSES)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"rater {rater!r} row {i} (task {out.task_id[i]}): exposure_class must be one of "
                         f"{list(EXPOSURE_CLASSES)}, got {out.exposure_class[i]!r}")
    bad = ~out["score"].between(0.0, 1.0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"rater {rater!r} row {i} (task {out.task_id[i]}): score must lie in [0, 1], "
                         f"got {out.score[i]!r}")
    proba = out[list(PROBA_COLUMNS)].to_numpy()
    has = ~np.isnan(proba).any(axis=1)
    if has.any() and not np.allclose(proba[has].sum(axis=1), 1.0, atol=1e-6):
        i = int(np.flatnonzero(has & ~np.isclose(np.nan_to_num(proba).sum(axis=1), 1.0, atol=1e-6))[0])
        raise ValueError(f"rater {rater!r} row {i} (task {out.task_id[i]}): class probabilities sum to "
                         f"{proba[i].sum():.6f}, expected 1")
    dup = out.duplicated(["onet_soc", "task_id"])
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise ValueError(f"rater {rater!r} scored task {out.task_id[i]} of {out.onet_soc[i]} twice")
    return out
