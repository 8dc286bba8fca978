"""Consensus of raters: weighted mean, band across raters, sources."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.consensus import consensus, score_variants, weights_from_evaluation


def scores(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["onet_soc", "task_id", "rater", "score", "source"])


SCORES = scores([
    ("11-1011.00", 1, "human", 0.0, "published_label"),
    ("11-1011.00", 1, "gpt4", 0.5, "published_label"),
    ("11-1011.00", 1, "embedding", 0.2, "embedding_model"),
    ("11-1011.00", 2, "embedding", 0.9, "embedding_model"),  # emerging task: one rater only
])


def test_mean_band_and_sources():
    c = consensus(SCORES).set_index("task_id")
    assert c.loc[1, "consensus_score"] == pytest.approx(0.7 / 3)
    assert (c.loc[1, "band_low"], c.loc[1, "band_high"]) == (0.0, 0.5)
    assert c.loc[1, "n_raters"] == 3 and c.loc[1, "raters"] == "embedding,gpt4,human"
    assert c.loc[1, "sources"] == "embedding_model,published_label" and c.loc[1, "consensus_class"] == "E0"
    assert c.loc[2, "n_raters"] == 1 and c.loc[2, "band_low"] == c.loc[2, "band_high"] == 0.9
    assert c.loc[2, "sources"] == "embedding_model" and c.loc[2, "consensus_class"] == "E1"
    assert c.loc[2, "score_sd"] == 0.0


def test_kappa_weights():
    results = {"gpt4": {"kappa_3class": 0.4}, "embedding": {"kappa_3class": -0.1}}
    w = weights_from_evaluation(results)
    assert w == {"gpt4": 0.4, "embedding": 0.0, "human": 1.0}
    c = consensus(SCORES, w).set_index("task_id")
    assert c.loc[1, "consensus_score"] == pytest.approx(0.4 * 0.5 / 1.4)
    assert c.loc[1, "band_high"] == 0.5  # a zero-weight rater still widens the band
    assert c.loc[2, "consensus_score"] == 0.9 and c.loc[2, "method"] == "mean"  # only zero weights: plain mean
    with pytest.raises(ValueError, match="no weight for rater"):
        consensus(SCORES, {"gpt4": 1.0})


def test_duplicate_rater_rows_are_refused():
    with pytest.raises(ValueError, match="more than once"):
        consensus(pd.concat([SCORES, SCORES.iloc[[0]]]))


def test_variants_cover_raters_and_band():
    v = score_variants(SCORES, consensus(SCORES))
    assert set(v[v.task_id == 1].variant) == {"human", "gpt4", "embedding", "consensus", "band_low", "band_high"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.sampled_from(["a", "b", "c"]), st.floats(0, 1)), min_size=1,
                max_size=30),
       st.dictionaries(st.sampled_from(["a", "b", "c"]), st.floats(0, 5), min_size=3, max_size=3))
def test_consensus_lies_in_its_band(rows, weights):
    df = scores([("11-1011.00", t, r, s, "llm") for t, r, s in rows]).drop_duplicates(["task_id", "rater"])
    for w in (None, weights):
        c = consensus(df, w)
        assert (c.band_low <= c.consensus_score + 1e-12).all() and (c.consensus_score <= c.band_high + 1e-12).all()
        assert ((c.consensus_score >= 0) & (c.consensus_score <= 1)).all()
        assert c.n_raters.sum() == len(df)
        assert np.isfinite(c.score_sd).all()
