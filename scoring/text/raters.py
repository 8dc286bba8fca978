"""Raters of a passage's direction (down / flat / up, or no direction ``na``): one interface, ``score(passages)``.

``passages`` is a DataFrame with a ``text`` column. The result has one row per passage (same order) with
``p_down``, ``p_flat``, ``p_up``, ``p_na`` (summing to 1), ``direction`` = argmax, ``score`` = p_up - p_down in
[-1, 1] (the balance of up and down, as in diffusion indexes), ``weight`` = 1 - p_na (how much the passage speaks
about a direction at all), ``rater`` and ``model``. Classes and labels follow the published rubric
(``scoring/text/RUBRIC.md``).

* :class:`LexiconRater` counts the rubric's cue words: u, f, d = counts of up, flat and down cues (a cue preceded
  by ``not``/``no``/``nor``/``never``/``less``/``n't`` with at most two words between counts for the opposite side);
  logits (d, f, u, n) with n = 0.75 when no cue is found, else 0; p = softmax(1.5 · logits). No training.
* :class:`EmbeddingDirectionRater`: multinomial logistic regression (L2, ``C``) on the passage embedding of
  :class:`scoring.text.passages.WordVectorEmbedder`. Training data: the hand-labelled sample (pass A of
  ``labelled_sample.csv``, weight ``hand_weight``) plus ``n_weak`` corpus passages labelled by the lexicon where it is
  unambiguous (max p >= 0.8; weight 1): distant supervision, so the classifier sees many phrasings while the hand
  labels anchor the rubric. Its agreement with the hand labels is measured out of sample by
  :func:`scoring.text.labels.evaluate_raters` (hand-labelled folds held out; weak labels never include them).

:class:`scoring.text.llm.TextLLMRater` asks an OpenAI-compatible endpoint the same rubric (cached, resumable,
cost reported).
"""
from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod

import numpy as np
import pandas as pd
from scipy.special import softmax
from threadpoolctl import threadpool_limits

CLASSES = ("down", "flat", "up", "na")
PROBA = tuple(f"p_{c}" for c in CLASSES)
OUT_COLUMNS = (*PROBA, "direction", "score", "weight", "rater", "model")

UP_CUES = (r"rose|rise[sn]?|rising|increas\w*|up|gain\w*|grew|grow\w*|improv\w*|strong\w*|strength\w*|robust|solid|"
           r"brisk|expand\w*|expansion|higher|accelerat\w*|boost\w*|firm(?:ed|ing)|healthy|rebound\w*|advanc\w*|"
           r"climb\w*|jump\w*|surg\w*|upturn|upswing|pick(?:ed)?|busy|buoyant|vigorous|record")
DOWN_CUES = (r"fell|fall\w*|declin\w*|decreas\w*|down|weak\w*|slow\w*|soft\w*|lower\w*|drop\w*|poor\w*|sluggish|"
             r"contract\w*|deteriorat\w*|hurt|cut\w*|reduc\w*|loss(?:es)?|cancel\w*|depress\w*|excess\w*|slump\w*|"
             r"layoffs?|dampen\w*|eas(?:ed|ing)|dip\w*|plung\w*|tumbl\w*|stagnan\w*|glut|downturn|lackluster|"
             r"disappoint\w*|struggl\w*|stress\w*|curtail\w*")
FLAT_CUES = (r"unchanged|steady|stable|stabiliz\w*|flat|level|same|little|sideways|maintain\w*|held|"
             r"constant|plateau\w*|mixed")
_NEG = r"(?:\b(?:not|no|nor|never|less)|n't)"
_CUE = re.compile(rf"\b(?:(?P<up>{UP_CUES})|(?P<down>{DOWN_CUES})|(?P<flat>{FLAT_CUES}))\b")
_NEG_CUE = re.compile(rf"{_NEG}\s+(?:[a-z'-]+\s+){{0,2}}(?:(?P<up>{UP_CUES})|(?P<down>{DOWN_CUES}))\b")


def _frame(proba: np.ndarray, rater: str, model: str) -> pd.DataFrame:
    out = pd.DataFrame(proba, columns=list(PROBA))
    out["direction"] = np.array(CLASSES)[proba.argmax(axis=1)]
    out["score"] = proba[:, 2] - proba[:, 0]
    out["weight"] = 1.0 - proba[:, 3]
    out["rater"] = rater
    out["model"] = model
    return out


class TextRater(ABC):
    name: str

    def score(self, passages: pd.DataFrame) -> pd.DataFrame:
        if "text" not in passages.columns:
            raise ValueError(f"text rater {self.name!r}: passages lack a 'text' column; got {list(passages.columns)}")
        if passages["text"].isna().any():
            raise ValueError(f"text rater {self.name!r}: passage {int(passages['text'].isna().to_numpy().argmax())} "
                             "has no text")
        if len(passages) == 0:
            return pd.DataFrame(columns=list(OUT_COLUMNS))
        out = self._score(passages)
        p = out[list(PROBA)].to_numpy()
        if len(out) != len(passages) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-6) or (p < -1e-12).any():
            raise RuntimeError(f"text rater {self.name!r} returned invalid probabilities")
        return out.reset_index(drop=True)

    @property
    @abstractmethod
    def model(self) -> str:
        """Identity of the rater's model (part of every cache key)."""

    @abstractmethod
    def _score(self, passages: pd.DataFrame) -> pd.DataFrame:
        """Score validated passages; return the columns of :data:`OUT_COLUMNS`."""


def cue_counts(text: str) -> tuple[int, int, int]:
    """(down, flat, up) cue counts of one passage; a negated up cue counts as down and a negated down cue as up."""
    t = text.lower()
    n = {"up": 0, "down": 0, "flat": 0}
    for m in _CUE.finditer(t):
        n[m.lastgroup] += 1
    nu = nd = 0
    for m in _NEG_CUE.finditer(t):
        nu, nd = (nu + 1, nd) if m.lastgroup == "up" else (nu, nd + 1)
    return n["down"] - nd + nu, n["flat"], n["up"] - nu + nd


class LexiconRater(TextRater):
    name = "lexicon"

    @property
    def model(self) -> str:
        digest = hashlib.sha256("|".join((UP_CUES, DOWN_CUES, FLAT_CUES)).encode()).hexdigest()[:10]
        return f"lexicon-bb1-{digest}"

    def logits(self, texts) -> np.ndarray:
        c = np.array([cue_counts(t) for t in texts], dtype=float).reshape(-1, 3)
        none = (c.sum(axis=1) == 0) * 0.75
        return 1.5 * np.column_stack([c, none])

    def _score(self, passages: pd.DataFrame) -> pd.DataFrame:
        return _frame(softmax(self.logits(passages["text"].tolist()), axis=1), self.name, self.model)


class EmbeddingDirectionRater(TextRater):
    """Logistic regression on passage embeddings; :meth:`fit` first."""

    name = "embedding"

    def __init__(self, embedder, C: float = 1.0, hand_weight: float = 5.0, n_weak: int = 4000, seed: int = 0):
        self.embedder = embedder
        self.C, self.hand_weight, self.n_weak, self.seed = C, hand_weight, n_weak, seed

    def weak_labels(self, corpus: pd.DataFrame, exclude: set[str] = frozenset()) -> pd.DataFrame:
        """Up to ``n_weak`` corpus passages the lexicon labels with p >= 0.8 (never one of ``exclude``)."""
        pool = corpus.loc[~corpus["text"].isin(exclude), ["text"]]
        pool = pool.sample(min(len(pool), self.n_weak * 4), random_state=self.seed)
        p = LexiconRater().score(pool)
        keep = p[list(PROBA)].max(axis=1).to_numpy() >= 0.8
        out = pool.loc[keep].assign(label=p.loc[keep, "direction"].to_numpy())
        return out.head(self.n_weak)

    def fit(self, hand: pd.DataFrame, weak: pd.DataFrame | None = None, label_column: str = "direction_a"):
        from sklearn.linear_model import LogisticRegression

        bad = ~hand[label_column].isin(CLASSES)
        if bad.any():
            raise ValueError(f"fit: label {hand.loc[bad, label_column].iloc[0]!r} not in {list(CLASSES)}")
        texts = hand["text"].tolist() + ([] if weak is None else weak["text"].tolist())
        y = hand[label_column].tolist() + ([] if weak is None else weak["label"].tolist())
        w = [self.hand_weight] * len(hand) + [1.0] * (0 if weak is None else len(weak))
        X = self.embedder.encode(texts)
        with threadpool_limits(limits=1, user_api="blas"):
            self.clf_ = LogisticRegression(C=self.C, max_iter=2000, random_state=self.seed).fit(
                X, np.array([CLASSES.index(v) for v in y]), sample_weight=np.array(w))
        digest = hashlib.sha256("".join(f"{t}\0{v};" for t, v in zip(texts, y)).encode()).hexdigest()[:10]
        self.fitted_ = f"n_hand={len(hand)};n_weak={0 if weak is None else len(weak)};labels={digest}"
        return self

    @property
    def model(self) -> str:
        return f"{self.embedder.model_id}+lr;C={self.C};hw={self.hand_weight};{getattr(self, 'fitted_', 'unfitted')}"

    def _score(self, passages: pd.DataFrame) -> pd.DataFrame:
        return self.score_embeddings(self.embedder.encode(passages["text"].tolist()))

    def score_embeddings(self, X: np.ndarray) -> pd.DataFrame:
        """Scores of passages already embedded by ``self.embedder`` (rows of ``X``)."""
        if not hasattr(self, "clf_"):
            raise RuntimeError("EmbeddingDirectionRater is not fitted: call fit(labelled_sample) first")
        with threadpool_limits(limits=1, user_api="blas"):
            p = self.clf_.predict_proba(X)
        full = np.zeros((len(X), len(CLASSES)))
        full[:, self.clf_.classes_] = p
        return _frame(full, self.name, self.model)
