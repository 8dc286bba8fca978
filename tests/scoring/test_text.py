"""Beige Book indexes: splitting, embeddings, raters, agreement, aggregation, a real small build, CLI, evaluation."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from scoring.text import industries as ind
from scoring.text.evaluate import dm_test, walk_forward
from scoring.text.index import aggregate, build, index_as_of, industry_series
from scoring.text.labels import calibrate, cohen_kappa, load_sample, pass_agreement
from scoring.text.passages import WordVectorEmbedder, split_document
from scoring.text.raters import EmbeddingDirectionRater, LexiconRater, cue_counts

#: three flattened editions and three headed ones (real release dates)
EDITIONS = ["1985-06-25", "1995-06-21", "2001-11-28", "2008-10-15", "2019-10-16", "2024-10-23"]


def test_split_headed_and_flat_documents():
    doc = ("Federal Reserve Bank of Chicago\nSummary of Economic Activity\nActivity rose modestly in May. Prices "
           "were flat overall.\nManufacturing\nFactory output increased a lot. Steel demand fell in June.\n"
           "For more information about District economic conditions visit:\nwww.chicagofed.org/cfsbc")
    parts = split_document(doc, headed=True)
    assert [(h, s) for h, _, _, s in parts] == [
        ("Summary of Economic Activity", "Activity rose modestly in May."),
        ("Summary of Economic Activity", "Prices were flat overall."),
        ("Manufacturing", "Factory output increased a lot."), ("Manufacturing", "Steel demand fell in June.")]
    assert split_document("Too short. Sales rose.", headed=False) == []
    flat = split_document("Retail sales rose in May. Bankers reported steady loan demand.", headed=False)
    assert [h for h, *_ in flat] == [None, None] and len(flat) == 2
    assert ind.group_of_heading("Real Estate and Construction") == ("real_estate", "construction")
    assert ind.group_of_heading("Prices") == () and ind.group_of_heading(None) == ()


def test_word_vectors_are_unit_and_semantic():
    corpus = ["Sales of semiconductors rose.", "Farmers harvested corn.", "Bankers saw loan demand."] * 3
    emb = WordVectorEmbedder(corpus)
    e = emb.encode(["semiconductor and electronics demand", "computer chip orders", "cattle and corn farmers", ""])
    assert np.allclose(np.linalg.norm(e[:3], axis=1), 1.0, atol=1e-5) and not e[3].any()
    assert e[0] @ e[1] > e[0] @ e[2]


def test_lexicon_cues_and_rater():
    assert cue_counts("Sales rose.") == (0, 0, 1)
    assert cue_counts("Orders did not increase and output fell.") == (2, 0, 0)
    assert cue_counts("Demand hasn't weakened.") == (0, 0, 1)
    out = LexiconRater().score(pd.DataFrame({"text": ["Retail sales rose strongly.", "Production declined.",
                                                       "Loan demand was unchanged.", "The meeting was held."]}))
    assert list(out["direction"][:3]) == ["up", "down", "flat"]
    assert np.allclose(out[["p_down", "p_flat", "p_up", "p_na"]].sum(axis=1), 1.0)
    assert out["score"].iloc[0] > 0 > out["score"].iloc[1]
    with pytest.raises(ValueError, match="lack a 'text' column"):
        LexiconRater().score(pd.DataFrame({"x": [1]}))


def test_labelled_sample_agreement_and_kappa():
    s = load_sample()
    assert len(s) == 120 and set(s["direction_a"]) <= {"down", "flat", "up", "na"}
    a = pass_agreement(s)
    assert a["direction_kappa"] == pytest.approx(0.9758, abs=1e-4) and a["direction_equal"] == 118
    from sklearn.metrics import cohen_kappa_score

    x, y = ["up", "down", "up", "flat", "na"], ["up", "down", "flat", "flat", "up"]
    assert cohen_kappa(x, y) == pytest.approx(cohen_kappa_score(x, y))
    tau, f1 = calibrate(np.array([0.9, 0.2, 0.8]), np.array(["a", "b", "c"]), np.array(["a", "none", "none"]))
    assert 0.8 < tau <= 0.9 and f1 == 1.0


def test_embedding_rater_beats_majority_out_of_sample():
    s = load_sample()
    emb = WordVectorEmbedder(s["text"])
    tr, te = s.iloc[:90], s.iloc[90:]
    rater = EmbeddingDirectionRater(emb, n_weak=0).fit(tr)
    pred = rater.score(te)
    majority = te["direction_a"].value_counts(normalize=True).iloc[0]
    assert (pred["direction"].to_numpy() == te["direction_a"].to_numpy()).mean() > majority - 0.05
    with pytest.raises(RuntimeError, match="not fitted"):
        EmbeddingDirectionRater(emb).score(te)


def test_aggregate_hand_computed():
    scored = pd.DataFrame({"edition": ["2020-01-15"] * 4, "district": ["Boston", "Dallas", "Boston", "Dallas"],
                           "published_date": pd.Timestamp("2020-01-15"),
                           "score": [0.5, -0.5, 1.0, 0.0], "weight": [1.0, 1.0, 0.5, 1.0],
                           "prices": [True, False, False, False], "wages": False, "employment": False,
                           "score_a": [0.5, -0.5, 1.0, 0.0], "weight_a": [1.0, 1.0, 0.5, 1.0],
                           "score_b": [0.5, -0.5, 1.0, 0.0], "weight_b": [1.0, 1.0, 0.5, 1.0]})
    att = pd.DataFrame({"passage": [0, 1, 2, 3, 3], "bea_code": ["334", "334", "334", "23", "334"],
                        "level": ["group", "group", "industry", "group", "group"]})
    bea = pd.DataFrame({"bea_code": ["334", "23"], "name": ["Computer", "Construction"]})
    out = aggregate(scored, att, ["a", "b"], bea).set_index("bea_code")
    # one industry passage < 3: the group passages 0, 1, 3 are used: (0.5 - 0.5 + 0) / 3
    assert out.loc["334", "index"] == pytest.approx(0.0) and out.loc["334", "level"] == "group"
    assert out.loc["334", "n_passages"] == 3 and out.loc["334", "n_districts"] == 2
    assert out.loc["334", "prices"] == pytest.approx(0.5) and np.isnan(out.loc["23", "prices"])
    se = np.sqrt(sum((x - 0.0) ** 2 for x in (0.5, -0.5, 0.0))) / 3
    assert out.loc["334", "index_se"] == pytest.approx(se)


@pytest.fixture(scope="module")
def small_home(warehouse, tmp_path_factory):
    home = tmp_path_factory.mktemp("text-home")
    report = build(warehouse, home, editions=EDITIONS)
    return home, report


def test_small_real_build_is_point_in_time_and_cached(small_home, warehouse):
    home, report = small_home
    assert report["editions"] == len(EDITIONS) and report["coverage"]["industries"] >= 60
    s = industry_series(home, "334")
    # headed editions carry a Manufacturing section; flattened ones depend on the classifier
    assert set(EDITIONS[3:]) <= set(s["edition"]) <= set(EDITIONS) and s["edition"].is_monotonic_increasing
    assert (s["published_date"].dt.strftime("%Y-%m-%d") == s["edition"]).all()
    assert s["index"].between(-1, 1).all() and (s["band_low"] <= s["index"] + 1e-12).all()
    assert (s["index"] <= s["band_high"] + 1e-12).all() and (s["n_passages"] > 0).all()
    assert set(industry_series(home, "334", as_of="2008-10-14")["edition"]) == set(s["edition"]) & set(EDITIONS[:3])
    snap = index_as_of(home, "2019-12-31", codes=["334", "23"])
    assert set(snap["edition"]) == {"2019-10-16"} and len(snap) == 2
    with pytest.raises(KeyError, match="no Beige Book index for industry"):
        industry_series(home, "XYZ")
    assert build(warehouse, home, editions=EDITIONS)["cached"] is True


def test_cli_text_index_json_and_csv(small_home, monkeypatch):
    from pipeline.cli import app

    home, _ = small_home
    expected = industry_series(home, "334")
    monkeypatch.setenv("ECONGRAPH_HOME", str(home))
    res = CliRunner().invoke(app, ["text", "index", "--industry", "334", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["editions"] == len(expected) and doc["points"][-1]["edition"] == EDITIONS[-1]
    assert doc["points"][0]["index"] == pytest.approx(expected["index"].iloc[0], abs=1e-6)
    res = CliRunner().invoke(app, ["text", "index", "--industry", "334", "--format", "csv"])
    assert res.exit_code == 0 and res.stdout.splitlines()[0].startswith("bea_code,name,edition")
    res = CliRunner().invoke(app, ["text", "index", "--industry", "NOPE"])
    assert res.exit_code == 1


def test_dm_and_walk_forward_detect_an_informative_feature():
    rng = np.random.default_rng(0)
    d = rng.normal(1.0, 0.5, 60)
    res = dm_test(d + 1.0, np.full(60, 1.0))
    assert res["pvalue"] < 1e-6 and res["mean_diff"] > 0
    quarters = pd.period_range("2005Q1", "2015Q4", freq="Q")
    rows = []
    for code in ("a", "b", "c"):
        x = rng.normal(0, 1, len(quarters))
        g = 2 * x + rng.normal(0, 0.3, len(quarters))
        rows.append(pd.DataFrame({"bea_code": code, "quarter": quarters, "growth": g, "x": x,
                                  "lag": np.r_[np.nan, g[:-1]],
                                  "published_date": [q.end_time + pd.Timedelta(days=90) for q in quarters]}))
    wf = walk_forward(pd.concat(rows, ignore_index=True))
    assert ((wf["actual"] - wf["with"]) ** 2).mean() < 0.5 * ((wf["actual"] - wf["without"]) ** 2).mean()
    # point in time: no quarter is predicted with a model fitted on its own published target
    assert (wf["decision_date"] < wf["quarter"].map(lambda q: q.end_time + pd.Timedelta(days=90))).all()


def test_unknown_edition_is_an_error(warehouse, tmp_path):
    with pytest.raises(ValueError, match="no Beige Book edition released on 1985-06-26"):
        build(warehouse, tmp_path, editions=["1985-06-26"])
