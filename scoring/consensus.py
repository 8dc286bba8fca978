"""Consensus of several raters per task, with an uncertainty band and the sources it rests on.

Input: the raters' outputs concatenated (long form, columns of :data:`scoring.rubric.SCORE_COLUMNS`), at most one
row per (task, rater). For task t with raters R(t) that scored it:

    consensus(t) = Σ_{r∈R(t)} w_r·s_r(t) / Σ_{r∈R(t)} w_r
    band(t)      = [min_{r∈R(t)} s_r(t), max_{r∈R(t)} s_r(t)]
    score_sd(t)  = population standard deviation of the s_r(t) (0 for one rater)

with s_r the rater's score (beta scale, [0, 1]) and w_r = 1 by default (plain mean). :func:`weights_from_evaluation`
gives w_r = max(kappa_r, 0), the rater's 3-class Cohen's kappa against the human labels on a split held out by
occupation (:mod:`scoring.evaluate`), with the reference rater (``human``) at weight 1, so a rater that agrees with
people no better than chance gets no weight but still widens the band; where every rater of a task has zero weight,
the plain mean is used (``method`` says which). The band is the spread of the raters, not a confidence interval: with a
single rater it is a point and ``n_raters`` = 1 says so. ``consensus_class`` is the class whose beta weight is nearest
the consensus score (E0 below 0.25, E2 in [0.25, 0.75), E1 from 0.75). ``sources``/``raters`` list what the
consensus of each task rests on (e.g. ``embedding_model`` alone for an emerging task without published labels).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

CONSENSUS_COLUMNS = ("onet_soc", "task_id", "consensus_score", "band_low", "band_high", "score_sd",
                     "consensus_class", "n_raters", "raters", "sources", "method")
KEY = ["onet_soc", "task_id"]


def weights_from_evaluation(results: Mapping[str, Mapping[str, float]], metric: str = "kappa_3class",
                            reference: str = "human") -> dict[str, float]:
    """w_r = max(metric_r, 0) from :func:`scoring.evaluate.evaluate` results; the reference rater gets 1."""
    weights = {name: max(float(m[metric]), 0.0) if np.isfinite(m[metric]) else 0.0 for name, m in results.items()}
    weights[reference] = 1.0
    return weights


def consensus(scores: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One row per task: weighted mean score, band [min, max] across raters, spread, class and sources."""
    missing = [c for c in (*KEY, "rater", "score", "source") if c not in scores.columns]
    if missing:
        raise ValueError(f"consensus: scores lack column(s) {missing}")
    dup = scores.duplicated([*KEY, "rater"])
    if dup.any():
        row = scores[dup].iloc[0]
        raise ValueError(f"consensus: rater {row['rater']!r} scored task {row['task_id']} of {row['onet_soc']} "
                         f"more than once; give each rater configuration its own name")
    df = scores.loc[:, [*KEY, "rater", "score", "source"]].copy()
    if weights is None:
        df["w"] = 1.0
        method = "mean"
    else:
        unknown = sorted(set(df["rater"]) - set(weights))
        if unknown:
            raise ValueError(f"consensus: no weight for rater(s) {unknown}; weights given for {sorted(weights)}")
        bad = {k: v for k, v in weights.items() if not (np.isfinite(v) and v >= 0)}
        if bad:
            raise ValueError(f"consensus: weights must be finite and >= 0, got {bad}")
        top = max(weights.values(), default=0.0)
        df["w"] = df["rater"].map(weights).astype(float) / (top if top > 0 else 1.0)  # scale-free; avoids underflow
        method = "kappa-weighted mean"
    df["ws"] = df["w"] * df["score"]
    g = df.groupby(KEY, sort=True)
    out = g.agg(wsum=("w", "sum"), wssum=("ws", "sum"), mean=("score", "mean"), band_low=("score", "min"),
                band_high=("score", "max"), score_sd=("score", lambda s: float(np.std(s.to_numpy()))),
                n_raters=("rater", "size"),
                raters=("rater", lambda s: ",".join(sorted(s))),
                sources=("source", lambda s: ",".join(sorted(set(s))))).reset_index()
    weighted = out["wsum"] > 0
    out["consensus_score"] = np.where(weighted, out["wssum"] / out["wsum"].where(weighted, 1.0), out["mean"])
    out["consensus_score"] = out["consensus_score"].clip(out["band_low"], out["band_high"])  # rounding only
    out["consensus_class"] = np.select([out["consensus_score"] < 0.25, out["consensus_score"] < 0.75],
                                       ["E0", "E2"], "E1")
    out["method"] = np.where(weighted, method, "mean")
    return out.loc[:, list(CONSENSUS_COLUMNS)]


def score_variants(scores: pd.DataFrame, consensus_frame: pd.DataFrame) -> pd.DataFrame:
    """Long table (onet_soc, task_id, variant, score) with one variant per rater plus ``consensus``, ``band_low``
    and ``band_high``, so that every AI-impact figure can be computed per rater and for the band."""
    per_rater = scores.loc[:, [*KEY, "rater", "score"]].rename(columns={"rater": "variant"})
    band = consensus_frame.melt(id_vars=KEY, value_vars=["consensus_score", "band_low", "band_high"],
                                var_name="variant", value_name="score")
    band["variant"] = band["variant"].replace({"consensus_score": "consensus"})
    return pd.concat([per_rater, band], ignore_index=True).sort_values([*KEY, "variant"], ignore_index=True)
