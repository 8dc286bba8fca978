"""AI-impact arithmetic: a hand-computed example, weight and score schemes, properties, and clear errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.impact import (ImpactInputError, industry_impact, occupation_automatability, rater_band,
                          score_from_labels, task_weights)

# ---------------------------------------------------------------------------------------------------------------
# hand-computed example
#
# PERFORMS (core scheme: core 2, supplemental or untyped 1, normalised per occupation)
#   A: t1 core, t2 supplemental            -> w = (2/3, 1/3)
#   B: t3 core, t4 core, t5 (no type)      -> w = (2/5, 2/5, 1/5)
#   C: no tasks at all
# scores: human labels t1..t5 = E1, E0, E2, E1, E2 -> beta = (1, 0, 0.5, 1, 0.5); gpt4 scored t1=1, t2=1, t3=0 only
#   a_human(A) = 2/3*1 + 1/3*0 = 2/3;    a_human(B) = 0.4*0.5 + 0.4*1 + 0.2*0.5 = 0.7
#   a_gpt4(A) = (2/3*1 + 1/3*1) / 1 = 1;  a_gpt4(B) = (0.4*0) / 0.4 = 0 (scored weight 0.4)
# EMPLOYS (USD): i1: A 100, B 200;  i2: A 300, C 50;  i3: none
#   human: W^A(i1) = 100*2/3 + 200*0.7 = 206.67;  W^A(i2) = 300*2/3 = 200;  C unscored: 50
#   gpt4:  W^A(i1) = 100*1 + 200*0 = 100;         W^A(i2) = 300
# gross output x (USD millions) = (0.001, 0.002, 0.001) -> USD (1000, 2000, 1000)
#   e_human = (0.20667, 0.1, 0);  e_gpt4 = (0.1, 0.15, 0)
# top tasks, human, i1: t4 = 200*0.4*1 = 80, t1 = 100*2/3 = 66.67, t3 = 200*0.4*0.5 = 40, t5 = 200*0.2*0.5 = 20
# ---------------------------------------------------------------------------------------------------------------

CODES = ["i1", "i2", "i3"]


@pytest.fixture()
def example():
    tasks = pd.DataFrame({"soc": ["A", "A", "B", "B", "B"], "task_id": ["t1", "t2", "t3", "t4", "t5"],
                          "task_type": ["Core", "Supplemental", "Core", " core ", None]})
    performs = task_weights(tasks, "core")
    labels = pd.Series(["E1", "E0", "E2", "E1", "E2"], index=["t1", "t2", "t3", "t4", "t5"])
    scores = pd.concat([
        pd.DataFrame({"task_id": labels.index, "rater": "human", "score": score_from_labels(labels).to_numpy()}),
        pd.DataFrame({"task_id": ["t1", "t2", "t3"], "rater": "gpt4", "score": [1.0, 1.0, 0.0]}),
    ], ignore_index=True)
    employs = pd.DataFrame({"bea_code": ["i1", "i1", "i2", "i2"], "soc": ["A", "B", "A", "C"],
                            "employment": [2, 3, 5, 1], "wage_bill_usd": [100.0, 200.0, 300.0, 50.0]})
    x = pd.Series([0.001, 0.002, 0.001], index=CODES)
    A = pd.DataFrame([[0.1, 0.2, 0.0], [0.1, 0.0, 0.3], [0.0, 0.1, 0.1]], index=CODES, columns=CODES)
    return employs, performs, scores, x, A


def test_hand_example_occupations(example):
    _, performs, scores, _, _ = example
    np.testing.assert_allclose(performs["weight"], [2 / 3, 1 / 3, 0.4, 0.4, 0.2])
    occ = occupation_automatability(performs, scores).set_index(["rater", "soc"])
    assert occ.loc[("human", "A"), "automatability"] == pytest.approx(2 / 3)
    assert occ.loc[("human", "B"), "automatability"] == pytest.approx(0.7)
    assert occ.loc[("gpt4", "A"), "automatability"] == pytest.approx(1.0)
    assert occ.loc[("gpt4", "B"), "automatability"] == pytest.approx(0.0)
    assert occ.loc[("gpt4", "B"), "scored_weight"] == pytest.approx(0.4)
    assert ("human", "C") not in occ.index


def test_hand_example_industries(example):
    employs, performs, scores, x, A = example
    res = industry_impact(employs, performs, scores, x, A=A, ghosh_B=A.T * 0.5, top_n=2)
    ind = res.industries
    assert ind.loc[("human", "i1"), "automatable_wage_bill_usd"] == pytest.approx(100 * 2 / 3 + 200 * 0.7)
    assert ind.loc[("human", "i2"), "wage_bill_usd"] == pytest.approx(350.0)
    assert ind.loc[("human", "i2"), "automatable_wage_bill_usd"] == pytest.approx(200.0)
    assert ind.loc[("human", "i2"), "unscored_wage_bill_usd"] == pytest.approx(50.0)
    assert ind.loc[("human", "i2"), "automatable_share"] == pytest.approx(200 / 350)
    assert ind.loc[("gpt4", "i1"), "automatable_wage_bill_usd"] == pytest.approx(100.0)
    assert ind.loc[("gpt4", "i2"), "automatable_wage_bill_usd"] == pytest.approx(300.0)
    # no employment data for i3: zero dollars, unknown share, flagged
    assert not ind.loc[("human", "i3"), "employment_covered"] and ind.loc[("human", "i1"), "employment_covered"]
    assert ind.loc[("human", "i3"), "wage_bill_usd"] == 0 and np.isnan(ind.loc[("human", "i3"), "automatable_share"])
    # e = W^A / (x * 1e6)
    e_h = np.array([(100 * 2 / 3 + 200 * 0.7) / 1000, 200 / 2000, 0.0])
    np.testing.assert_allclose(ind.loc["human", "automatable_share_of_gross_output"].to_numpy(), e_h)
    np.testing.assert_allclose(ind.loc["human", "gross_output_usd"].to_numpy(), [1000.0, 2000.0, 1000.0])
    # supply chain e L and forward G e against explicit inverses
    L = np.linalg.inv(np.eye(3) - A.to_numpy())
    np.testing.assert_allclose(ind.loc["human", "supply_chain_automatable_per_usd_final_demand"].to_numpy(),
                               e_h @ L, rtol=1e-12)
    G = np.linalg.inv(np.eye(3) - 0.5 * A.T.to_numpy())
    np.testing.assert_allclose(ind.loc["human", "forward_automatable_per_usd_primary_input"].to_numpy(),
                               G @ e_h, rtol=1e-12)
    assert ind.loc[("human", "i3"), "supply_chain_automatable_per_usd_final_demand"] > 0  # buys from i2


def test_hand_example_national_top_and_band(example):
    employs, performs, scores, x, A = example
    res = industry_impact(employs, performs, scores, x, A=A, top_n=2)
    nat = res.national
    assert nat.loc["human", "wage_bill_usd"] == pytest.approx(650.0)
    assert nat.loc["human", "automatable_wage_bill_usd"] == pytest.approx(100 * 2 / 3 + 140 + 200)
    assert nat.loc["gpt4", "automatable_wage_bill_usd"] == pytest.approx(400.0)
    assert nat.loc["gpt4", "automatable_share_of_gross_output"] == pytest.approx(400 / 4000)
    top = res.top_tasks[(res.top_tasks.rater == "human") & (res.top_tasks.bea_code == "i1")]
    assert list(top.task_id) == ["t4", "t1"] and list(top["rank"]) == [1, 2]
    np.testing.assert_allclose(top.automatable_wage_bill_usd, [80.0, 200 / 3])
    occ = res.top_occupations[(res.top_occupations.rater == "gpt4") & (res.top_occupations.bea_code == "i1")]
    assert list(occ.soc) == ["A", "B"] and list(occ.scored_weight) == pytest.approx([1.0, 0.4])
    band = res.band
    assert band.loc["i1", ("automatable_wage_bill_usd", "min")] == pytest.approx(100.0)
    assert band.loc["i1", ("automatable_wage_bill_usd", "max")] == pytest.approx(206.6666667)
    assert band.loc["i1", ("n_raters", "count")] == 2
    assert rater_band(res.industries, ["automatable_share"]).columns.tolist() == [
        ("automatable_share", "min"), ("automatable_share", "median"), ("automatable_share", "max"),
        ("n_raters", "count")]


# ---------------------------------------------------------------------------------------------------------------
# scores and weights
# ---------------------------------------------------------------------------------------------------------------

def test_score_schemes():
    labels = pd.Series(["E0", "E1", "E2", "e2 "])
    assert score_from_labels(labels).tolist() == [0.0, 1.0, 0.5, 0.5]
    assert score_from_labels(labels, "alpha").tolist() == [0.0, 1.0, 0.0, 0.0]
    assert score_from_labels(labels, "zeta").tolist() == [0.0, 1.0, 1.0, 1.0]
    with pytest.raises(ImpactInputError, match=r"label at 't9' is 'E3': expected one of E0, E1, E2"):
        score_from_labels(pd.Series(["E1", "E3"], index=["t8", "t9"]))
    with pytest.raises(ImpactInputError, match="unknown score scheme 'gamma'"):
        score_from_labels(labels, "gamma")


def test_onet_weights_use_importance_times_relevance():
    tasks = pd.DataFrame({"soc": ["A", "A", "B"], "task_id": [1, 2, 3], "importance": [4.0, 2.0, 3.0],
                          "relevance": [100.0, 50.0, 80.0]})
    w = task_weights(tasks, "onet")
    np.testing.assert_allclose(w["weight"], [400 / 500, 100 / 500, 1.0])
    w_imp = task_weights(tasks.drop(columns="relevance"), "onet")
    np.testing.assert_allclose(w_imp["weight"], [4 / 6, 2 / 6, 1.0])
    assert set(w["scheme"]) == {"onet"}


def test_weight_errors_name_the_task_or_occupation():
    tasks = pd.DataFrame({"soc": ["A", "A"], "task_id": [1, 2], "importance": [4.0, None]})
    with pytest.raises(ImpactInputError, match=r"'importance' at \{'soc': 'A', 'task_id': 2\}"):
        task_weights(tasks, "onet")
    with pytest.raises(ImpactInputError, match=r"expected Core, Supplemental or empty, got 'Optional'"):
        task_weights(pd.DataFrame({"soc": ["A"], "task_id": [1], "task_type": ["Optional"]}), "core")
    with pytest.raises(ImpactInputError, match=r"occupation 'Z': its task weights add to 0"):
        task_weights(pd.DataFrame({"soc": ["Z"], "task_id": [1], "importance": [0.0]}), "onet")
    with pytest.raises(ImpactInputError, match=r"duplicated key"):
        task_weights(pd.DataFrame({"soc": ["A", "A"], "task_id": [1, 1]}), "equal")


def test_input_errors_are_named(example):
    employs, performs, scores, x, A = example
    bad_w = performs.copy()
    bad_w.loc[0, "weight"] = 0.5
    with pytest.raises(ImpactInputError, match=r"occupation 'A' adds to 0.8333"):
        industry_impact(employs, bad_w, scores, x)
    bad_s = scores.copy()
    bad_s.loc[1, "score"] = 1.5
    with pytest.raises(ImpactInputError, match=r"column 'score' at \{'task_id': 't2', 'rater': 'human'\}"):
        industry_impact(employs, performs, bad_s, x)
    with pytest.raises(ImpactInputError, match=r"industries with no gross output: \['i2'\]"):
        industry_impact(employs, performs, scores, x.drop("i2"))
    with pytest.raises(ImpactInputError, match=r"employs lacks column\(s\) \['wage_bill_usd'\]"):
        industry_impact(employs.drop(columns="wage_bill_usd"), performs, scores, x)


# ---------------------------------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------------------------------

@st.composite
def economies(draw):
    n_occ = draw(st.integers(1, 5))
    socs = [f"o{k}" for k in range(n_occ)]
    task_rows = []
    for soc in socs:
        for t in range(draw(st.integers(1, 4))):
            task_rows.append({"soc": soc, "task_id": f"{soc}t{t}",
                              "task_type": draw(st.sampled_from(["Core", "Supplemental", None])),
                              "importance": draw(st.floats(1.0, 5.0)), "relevance": draw(st.floats(1.0, 100.0))})
    tasks = pd.DataFrame(task_rows)
    raters = draw(st.lists(st.sampled_from(["human", "gpt4", "llm"]), min_size=1, max_size=3, unique=True))
    scores = pd.DataFrame([{"task_id": t, "rater": r, "score": draw(st.floats(0.0, 1.0))}
                           for r in raters for t in tasks["task_id"]])
    n_ind = draw(st.integers(1, 4))
    codes = [f"i{k}" for k in range(n_ind)]
    # wage bills are 0 or at least one dollar: sub-dollar (down to subnormal) floats only test float underflow,
    # where k * w rounds a zero automatable bill to a non-zero one
    employs = pd.DataFrame([{"bea_code": c, "soc": s,
                             "wage_bill_usd": draw(st.one_of(st.just(0.0), st.floats(1.0, 1e9)))}
                            for c in codes for s in socs if draw(st.booleans())])
    if employs.empty:
        employs = pd.DataFrame({"bea_code": [codes[0]], "soc": [socs[0]], "wage_bill_usd": [1e6]})
    x = pd.Series([draw(st.floats(1.0, 1e5)) for _ in codes], index=codes)
    A = pd.DataFrame(np.full((n_ind, n_ind), 0.5 / n_ind), index=codes, columns=codes)
    scheme = draw(st.sampled_from(["equal", "core", "onet"]))
    return tasks, scheme, scores, employs, x, A


@settings(max_examples=50, deadline=None)
@given(economies(), st.floats(0.01, 100.0))
def test_impact_properties(economy, k):
    tasks, scheme, scores, employs, x, A = economy
    performs = task_weights(tasks, scheme)
    sums = performs.groupby("soc")["weight"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=1e-12)
    res = industry_impact(employs, performs, scores, x, A=A, top_n=100)
    ind = res.industries
    wb, auto = ind["wage_bill_usd"].to_numpy(), ind["automatable_wage_bill_usd"].to_numpy()
    assert (auto >= 0).all() and (auto <= wb * (1 + 1e-12) + 1e-6).all()
    # every automatable dollar is attributed to occupations and to tasks (top_n covers them all here)
    by_occ = res.top_occupations.groupby(["rater", "bea_code"])["automatable_wage_bill_usd"].sum()
    by_task = res.top_tasks.groupby(["rater", "bea_code"])["automatable_wage_bill_usd"].sum()
    np.testing.assert_allclose(by_occ.reindex(ind.index, fill_value=0).to_numpy(), auto, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(by_task.reindex(ind.index, fill_value=0).to_numpy(), auto, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(res.national["automatable_wage_bill_usd"].to_numpy(),
                               ind.groupby(level="rater")["automatable_wage_bill_usd"].sum().to_numpy(), rtol=1e-12)
    # linear in the wage bills: dollars and intensities scale by k, shares do not move
    scaled = industry_impact(employs.assign(wage_bill_usd=employs["wage_bill_usd"] * k), performs, scores, x,
                             A=A, top_n=100).industries
    for col in ("wage_bill_usd", "automatable_wage_bill_usd", "automatable_share_of_gross_output",
                "supply_chain_automatable_per_usd_final_demand"):
        np.testing.assert_allclose(scaled[col].to_numpy(), k * ind[col].to_numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(scaled["automatable_share"].to_numpy(), ind["automatable_share"].to_numpy(),
                               rtol=1e-9, atol=1e-12, equal_nan=True)  # a share lies in [0, 1]
