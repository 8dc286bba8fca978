"""The hand-labelled sample (``labelled_sample.csv``, rubric ``RUBRIC.md``): agreement between the two labelling
passes, out-of-sample agreement of the raters with the hand labels, and threshold calibration.

Agreement: Cohen's kappa, kappa = (p_o - p_e) / (1 - p_e), p_o the share of equal labels, p_e the agreement expected
from the two label distributions. Rater evaluation: 5-fold cross-validation over the sample (shuffled, seed 0); a
trained rater is fitted on four folds (plus its corpus weak labels, which never contain a sample passage) and
scored on the fifth, so every sample passage is predicted out of sample. Threshold calibration: the threshold on a
similarity or probability that maximises F1 of attaching a passage to its labelled group (a passage labelled
``none`` and attached is a false positive; a labelled group missed or mis-assigned is a false negative), over a
grid of 0.01 steps.

Run ``python -m scoring.text.labels`` to print the two-pass agreement.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SAMPLE_PATH = Path(__file__).resolve().parent / "labelled_sample.csv"
DIRECTIONS = ("down", "flat", "up", "na")


def load_sample(path: str | Path = SAMPLE_PATH) -> pd.DataFrame:
    df = pd.read_csv(path)
    need = ["id", "text", "group_a", "direction_a", "group_b", "direction_b"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ValueError(f"{Path(path).name}: missing columns {missing}; expected {need}")
    for col in ("direction_a", "direction_b"):
        bad = ~df[col].isin(DIRECTIONS)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(f"{Path(path).name} row {i + 2} column {col!r}: expected one of {list(DIRECTIONS)}, "
                             f"got {df[col].iloc[i]!r}")
    return df


def cohen_kappa(a, b) -> float:
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if len(a) != len(b) or len(a) == 0:
        raise ValueError("cohen_kappa: need two equally long, non-empty label lists")
    labels = sorted(set(a) | set(b))
    po = float(np.mean(a == b))
    pe = float(sum(np.mean(a == c) * np.mean(b == c) for c in labels))
    return 1.0 if pe == 1.0 else (po - pe) / (1.0 - pe)


def pass_agreement(sample: pd.DataFrame) -> dict:
    return {
        "n": int(len(sample)),
        "direction_kappa": round(cohen_kappa(sample["direction_a"], sample["direction_b"]), 4),
        "direction_equal": int((sample["direction_a"] == sample["direction_b"]).sum()),
        "group_kappa": round(cohen_kappa(sample["group_a"], sample["group_b"]), 4),
        "group_equal": int((sample["group_a"] == sample["group_b"]).sum()),
    }


def cross_validated(sample: pd.DataFrame, make_rater, weak: pd.DataFrame | None = None, folds: int = 5) -> np.ndarray:
    """Out-of-sample direction of every sample passage from raters ``make_rater()`` fitted on the other folds."""
    from sklearn.model_selection import KFold

    pred = np.empty(len(sample), dtype=object)
    for tr, va in KFold(folds, shuffle=True, random_state=0).split(sample):
        rater = make_rater().fit(sample.iloc[tr], weak)
        pred[va] = rater.score(sample.iloc[va])["direction"].to_numpy()
    return pred


def rater_agreement(sample: pd.DataFrame, predicted) -> dict:
    pred = np.asarray(predicted, dtype=object)
    truth = sample["direction_a"].to_numpy(dtype=object)
    return {"accuracy": round(float(np.mean(pred == truth)), 4), "kappa": round(cohen_kappa(pred, truth), 4)}


def calibrate(values: np.ndarray, predicted: np.ndarray, truth: np.ndarray, grid=None) -> tuple[float, float]:
    """(threshold, F1): attach when ``values >= threshold``; ``predicted`` is the group attached, ``truth`` the
    labelled group (``none`` = no group)."""
    grid = np.round(np.arange(0.0, 1.0, 0.01), 2) if grid is None else grid
    best = (float(grid[-1]), -1.0)
    for tau in grid:
        pred = np.where(values >= tau, predicted, "none")
        tp = int(((pred == truth) & (truth != "none")).sum())
        fp = int(((pred != truth) & (pred != "none")).sum())
        fn = int(((pred != truth) & (truth != "none")).sum())
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        if f1 > best[1]:
            best = (float(tau), f1)
    return best


if __name__ == "__main__":  # pragma: no cover - a report
    print(pass_agreement(load_sample()))
