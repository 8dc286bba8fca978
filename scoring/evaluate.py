"""Evaluate raters against the human labels on a split held out by occupation and by near-duplicate task.

Split: :func:`occupation_split` draws test groups with ``GroupShuffleSplit`` (``test_size`` = share of groups,
``seed``). The groups are the ``groups`` given (one id per labelled task), else the occupations (``onet_soc``). The
strict split passes the fold groups of :func:`scoring.groups.duplicate_groups`: occupations joined by a shared
6-digit SOC or by a near-duplicate task statement stay on one side, so no test task has a copy (equal normalised
text or embedding cosine >= 0.95) among the training tasks. The groups travel to the raters as the column
``fold_group`` of the training frame, so a trainable rater's inner cross-validation (calibration, model selection)
uses the same grouping and never sees the test fold. Trainable raters (those with a ``fit`` method, e.g. the
embedding rater) are fitted on the train tasks only; every rater then scores the same test tasks (those with a human
label; optionally a seeded random subset of ``max_test_tasks``, e.g. to bound LLM cost).

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

:func:`kappa_difference_ci` gives the occupation-bootstrap confidence interval of the difference of two raters'
kappas on the tasks both scored: B resamples of the test occupations with replacement (each drawn occupation brings
all its tasks), the kappas recomputed from the summed per-occupation confusion matrices, and the percentile
interval of κ_a − κ_b (3-class and binary).

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


def occupation_split(tasks: pd.DataFrame, test_size: float = 0.25, seed: int = 0,
                     groups: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) with disjoint groups (``groups``, one per row; default the occupations ``onet_soc``)."""
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    if groups is None:
        groups = tasks["onet_soc"].to_numpy()
    elif len(groups) != len(tasks):
        raise ValueError(f"occupation_split: {len(groups)} group ids for {len(tasks)} tasks")
    n_groups = pd.Series(groups).nunique()
    if n_groups < 2:
        raise ValueError(f"need at least two occupations (groups) to hold one out, got {n_groups}")
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    train_idx, test_idx = next(splitter.split(tasks, groups=np.asarray(groups)))
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
             plot_path: str | Path | None = None, n_bins: int = 10, groups: np.ndarray | None = None,
             grouping: dict | None = None, compare: tuple[str, str] | None = None,
             n_boot: int = 2000) -> dict[str, dict]:
    """Fit trainable raters on the train groups, score the test tasks, and measure each rater.

    ``labels`` is a task table with ``onet_soc``, ``task_id``, ``task_text`` and ``label_column`` (the
    ``exposure_eloundou_tasks`` table). ``groups``: fold group per row of ``labels`` (e.g.
    ``duplicate_groups(...).group``; default the occupation) and ``grouping`` its description, recorded in the split.
    ``compare=(a, b)`` adds ``kappa_difference`` (a − b, occupation-bootstrap CI, ``n_boot`` resamples) to rater a.
    Returns ``{rater name: metrics}`` (see the module docstring); every entry also records the split (``seed``,
    ``test_size``, grouping, train/test sizes).
    """
    if label_column not in labels.columns:
        raise ValueError(f"evaluate: labels lack column {label_column!r}")
    names = [r.name for r in raters]
    if len(set(names)) != len(names):
        raise ValueError(f"evaluate: rater names must be unique, got {names}")
    keep = labels[label_column].notna().to_numpy()
    labelled = labels.loc[keep].copy()
    if groups is not None:
        if len(groups) != len(labels):
            raise ValueError(f"evaluate: {len(groups)} group ids for {len(labels)} label rows")
        labelled["fold_group"] = np.asarray(groups)[keep]
    else:
        labelled["fold_group"] = labelled["onet_soc"].to_numpy()
    train, test = occupation_split(labelled, test_size, seed, groups=labelled["fold_group"].to_numpy())
    if max_test_tasks is not None and len(test) > max_test_tasks:
        test = test.sample(n=max_test_tasks, random_state=seed)
    if grouping is None:
        from .groups import OCCUPATION_DESCRIPTION

        grouping = {"grouping": "occupation" if groups is None else "custom",
                    "description": OCCUPATION_DESCRIPTION if groups is None else "caller-supplied fold groups"}
    split = {**grouping, "seed": seed, "test_size": test_size, "n_train_tasks": int(len(train)),
             "n_train_occupations": int(train["onet_soc"].nunique()), "n_test_tasks": int(len(test)),
             "n_test_occupations_in_split": int(test["onet_soc"].nunique()), "label_column": label_column}
    results: dict[str, dict] = {}
    preds: dict[str, pd.DataFrame] = {}
    for rater in raters:
        if hasattr(rater, "fit"):
            rater.fit(train, label_column=label_column)
        pred = preds[rater.name] = rater.score(test)
        results[rater.name] = {**rater_metrics(pred, test, label_column, n_bins), "split": split,
                               "model": rater.model, "source": rater.source}
    if compare is not None:
        a, b = compare
        if a not in preds or b not in preds:
            raise ValueError(f"evaluate: compare={compare} names a rater not evaluated; got {sorted(preds)}")
        results[a]["kappa_difference"] = {"versus": b, **kappa_difference_ci(preds[a], preds[b], test, label_column,
                                                                             n_boot=n_boot, seed=seed)}
    if plot_path is not None:
        reliability_plot(results, plot_path)
    return results


def _confusions(pred: pd.DataFrame, truth: pd.DataFrame, label_column: str, occ_codes: dict) -> np.ndarray:
    """Per-occupation 3×3 confusion counts (occupations × 9), rows = human class, columns = rater class."""
    idx = {c: i for i, c in enumerate(EXPOSURE_CLASSES)}
    m = truth.loc[:, ["onet_soc", "task_id", label_column]].merge(pred.loc[:, ["task_id", "exposure_class"]],
                                                                   on="task_id", how="inner")
    cell = m[label_column].map(idx).to_numpy() * 3 + m["exposure_class"].map(idx).to_numpy()
    out = np.zeros((len(occ_codes), 9))
    np.add.at(out, (m["onet_soc"].map(occ_codes).to_numpy(), cell), 1.0)
    return out


def _kappa_from_confusion(c: np.ndarray) -> np.ndarray:
    """Cohen's kappa of each row of ``c`` (… × k × k confusion counts)."""
    n = c.sum(axis=(-2, -1))
    po = np.trace(c, axis1=-2, axis2=-1) / n
    pe = (c.sum(axis=-1) * c.sum(axis=-2)).sum(axis=-1) / n**2
    with np.errstate(invalid="ignore", divide="ignore"):
        return (po - pe) / (1 - pe)


def _binary(c9: np.ndarray) -> np.ndarray:
    """3-class confusion (… × 9, E0/E1/E2) -> exposed-vs-not confusion (… × 2 × 2)."""
    c = c9.reshape(*c9.shape[:-1], 3, 3)
    e00 = c[..., 0, 0]
    e01 = c[..., 0, 1:].sum(-1)
    e10 = c[..., 1:, 0].sum(-1)
    e11 = c[..., 1:, 1:].sum((-2, -1))
    return np.stack([np.stack([e00, e01], -1), np.stack([e10, e11], -1)], -2)


def kappa_difference_ci(pred_a: pd.DataFrame, pred_b: pd.DataFrame, truth: pd.DataFrame,
                        label_column: str = "human_exposure", n_boot: int = 2000, seed: int = 0,
                        level: float = 0.95) -> dict:
    """κ_a − κ_b on the test tasks both raters scored, with its occupation-bootstrap percentile interval."""
    common = set(pred_a["task_id"]) & set(pred_b["task_id"])
    t = truth[truth["task_id"].isin(common)]
    occ_codes = {o: i for i, o in enumerate(sorted(t["onet_soc"].unique()))}
    if len(occ_codes) < 2:
        raise ValueError(f"kappa_difference_ci: need at least two test occupations, got {len(occ_codes)}")
    ca = _confusions(pred_a[pred_a["task_id"].isin(common)], t, label_column, occ_codes)
    cb = _confusions(pred_b[pred_b["task_id"].isin(common)], t, label_column, occ_codes)
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(len(occ_codes), np.full(len(occ_codes), 1 / len(occ_codes)), size=n_boot)
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    out: dict = {"n_tasks": int(len(t)), "n_occupations": len(occ_codes), "n_boot": int(n_boot), "level": level}
    for name, fn in (("kappa_3class", lambda c: c.reshape(*c.shape[:-1], 3, 3)), ("kappa_binary", _binary)):
        point = float(_kappa_from_confusion(fn(ca.sum(0))) - _kappa_from_confusion(fn(cb.sum(0))))
        boot = _kappa_from_confusion(fn(weights @ ca)) - _kappa_from_confusion(fn(weights @ cb))
        boot = boot[np.isfinite(boot)]
        out[name] = {"difference": point, "ci_low": float(np.quantile(boot, lo_q)),
                     "ci_high": float(np.quantile(boot, hi_q))}
    return out


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
