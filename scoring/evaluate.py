"""Evaluate raters against the human labels on a split held out by occupation.

Split: :func:`occupation_split` draws test occupations with ``GroupShuffleSplit`` on ``onet_soc`` (``test_size`` =
share of occupations, ``seed``), so no occupation has tasks in both train and test. Trainable raters (those with a
``fit`` method, e.g. the embedding rater) are fitted on the train tasks only; every rater then scores the same test
tasks (those with a human label; optionally a seeded random subset of ``max_test_tasks``, e.g. to bound LLM cost).

Metrics per rater, on the test tasks it scored (``coverage`` = scored / test tasks):

* ``accuracy``: share of tasks whose class equals the human class (E0/E1/E2);
* ``kappa_3class``: Cohen's kappa on the three classes, κ = (p_o − p_e)/(1 − p_e);
* ``kappa_binary``: Cohen's kappa on exposed (E1 or E2) vs not (E0);
* ``occupation_beta_r``: Pearson correlation, across test occupations, of the mean rater score and the mean human
  beta (E1 + 0.5·E2) of the occupation's tasks (unweighted means over the tasks the rater scored);
* ``ece``: expected calibration error of the predicted class's confidence, ECE = Σ_b (n_b/N)·|acc_b − conf_b| over
  ``n_bins`` equal-width confidence bins, where conf = max_c p(c) for a probabilistic rater and 1 for a hard label
  (a hard label claims certainty, so its ECE is 1 − accuracy);
* ``n_test`` (tasks scored), ``n_test_occupations``, and the reliability-diagram bins (``calibration_bins``).

:func:`reliability_plot` draws the reliability diagram of every rater into one PNG.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import GroupShuffleSplit

from .raters import Rater
from .rubric import CLASS_SCORE, EXPOSURE_CLASSES, PROBA_COLUMNS

METRIC_KEYS = ("kappa_3class", "kappa_binary", "occupation_beta_r", "ece", "accuracy", "n_test")


def occupation_split(tasks: pd.DataFrame, test_size: float = 0.25, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) with disjoint occupations: ``GroupShuffleSplit`` on ``onet_soc``."""
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    n_groups = tasks["onet_soc"].nunique()
    if n_groups < 2:
        raise ValueError(f"need at least two occupations to hold one out, got {n_groups}")
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    train_idx, test_idx = next(splitter.split(tasks, groups=tasks["onet_soc"].to_numpy()))
    return tasks.iloc[train_idx].copy(), tasks.iloc[test_idx].copy()


def calibration_bins(confidence: np.ndarray, correct: np.ndarray, n_bins: int = 10) -> pd.DataFrame:
    """Per equal-width confidence bin: tasks, mean confidence, accuracy (empty bins dropped)."""
    confidence = np.asarray(confidence, dtype=float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    df = pd.DataFrame({"bin": idx, "confidence": confidence, "correct": np.asarray(correct, dtype=float)})
    out = df.groupby("bin").agg(n=("correct", "size"), confidence=("confidence", "mean"),
                                accuracy=("correct", "mean")).reset_index()
    out["low"], out["high"] = edges[out["bin"]], edges[out["bin"] + 1]
    return out


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, n_bins: int = 10) -> float:
    """ECE = Σ_b (n_b/N)·|accuracy_b − confidence_b| over equal-width bins."""
    bins = calibration_bins(confidence, correct, n_bins)
    if bins["n"].sum() == 0:
        return float("nan")
    return float((bins["n"] / bins["n"].sum() * (bins["accuracy"] - bins["confidence"]).abs()).sum())


def rater_metrics(pred: pd.DataFrame, truth: pd.DataFrame, label_column: str = "human_exposure",
                  n_bins: int = 10) -> dict:
    """Metrics of one rater's output ``pred`` against ``truth`` (test tasks with ``label_column``)."""
    merged = truth.loc[:, ["onet_soc", "task_id", label_column]].merge(
        pred.drop(columns=["onet_soc"]), on="task_id", how="inner")
    n = len(merged)
    result: dict = {"n_test": int(n), "coverage": float(n / len(truth)) if len(truth) else float("nan"),
                    "n_test_occupations": int(merged["onet_soc"].nunique())}
    if n == 0:
        return {**result, **{k: float("nan") for k in METRIC_KEYS if k != "n_test"}, "calibration_bins": []}
    y, p = merged[label_column].to_numpy(), merged["exposure_class"].to_numpy()
    result["accuracy"] = float((y == p).mean())
    result["kappa_3class"] = _kappa(y, p, list(EXPOSURE_CLASSES))
    result["kappa_binary"] = _kappa(y != "E0", p != "E0", [False, True])
    occ = pd.DataFrame({"onet_soc": merged["onet_soc"], "human": merged[label_column].map(CLASS_SCORE),
                        "rater": merged["score"]}).groupby("onet_soc").mean()
    ok = len(occ) >= 3 and occ["human"].std() > 0 and occ["rater"].std() > 0
    result["occupation_beta_r"] = float(occ["human"].corr(occ["rater"])) if ok else float("nan")
    proba = merged[list(PROBA_COLUMNS)].to_numpy(dtype=float)
    has_proba = ~np.isnan(proba).any(axis=1)
    confidence = np.where(has_proba, np.nan_to_num(proba).max(axis=1), 1.0)
    correct = y == p
    result["ece"] = expected_calibration_error(confidence, correct, n_bins)
    result["probabilistic"] = bool(has_proba.all())
    result["calibration_bins"] = calibration_bins(confidence, correct, n_bins).to_dict(orient="records")
    return result


def _kappa(y, p, labels) -> float:
    k = cohen_kappa_score(y, p, labels=labels)
    return float(k) if np.isfinite(k) else float("nan")


def evaluate(labels: pd.DataFrame, raters: Sequence[Rater], *, label_column: str = "human_exposure",
             test_size: float = 0.25, seed: int = 0, max_test_tasks: int | None = None,
             plot_path: str | Path | None = None, n_bins: int = 10) -> dict[str, dict]:
    """Fit trainable raters on the train occupations, score the test tasks, and measure each rater.

    ``labels`` is a task table with ``onet_soc``, ``task_id``, ``task_text`` and ``label_column`` (the
    ``exposure_eloundou_tasks`` table). Returns ``{rater name: metrics}`` (see the module docstring); every entry
    also records the split (``seed``, ``test_size``, train/test sizes).
    """
    if label_column not in labels.columns:
        raise ValueError(f"evaluate: labels lack column {label_column!r}")
    names = [r.name for r in raters]
    if len(set(names)) != len(names):
        raise ValueError(f"evaluate: rater names must be unique, got {names}")
    labelled = labels.loc[labels[label_column].notna()]
    train, test = occupation_split(labelled, test_size, seed)
    if max_test_tasks is not None and len(test) > max_test_tasks:
        test = test.sample(n=max_test_tasks, random_state=seed)
    split = {"seed": seed, "test_size": test_size, "n_train_tasks": int(len(train)),
             "n_train_occupations": int(train["onet_soc"].nunique()), "n_test_tasks": int(len(test)),
             "n_test_occupations_in_split": int(test["onet_soc"].nunique()), "label_column": label_column}
    results: dict[str, dict] = {}
    for rater in raters:
        if hasattr(rater, "fit"):
            rater.fit(train, label_column=label_column)
        pred = rater.score(test)
        results[rater.name] = {**rater_metrics(pred, test, label_column, n_bins), "split": split,
                               "model": rater.model, "source": rater.source}
    if plot_path is not None:
        reliability_plot(results, plot_path)
    return results


def reliability_plot(results: dict[str, dict], path: str | Path) -> Path:
    """Reliability diagram (accuracy against confidence per bin, one line per rater, ECE in the legend) as PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 5.5), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect calibration")
    for name, m in results.items():
        bins = pd.DataFrame(m.get("calibration_bins") or [])
        if bins.empty:
            continue
        ax.plot(bins["confidence"], bins["accuracy"], marker="o",
                label=f"{name} (ECE {m['ece']:.3f}, n={m['n_test']})")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence of the predicted class")
    ax.set_ylabel("accuracy against human labels")
    ax.set_title("Reliability on occupations held out")
    ax.legend(loc="upper left", fontsize=8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, format="png")
    tmp.replace(path)
    return path
