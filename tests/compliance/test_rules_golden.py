"""Golden cases: Treas. Reg. s.1.851-5 examples and the boundaries of every percentage test.

Each boundary test puts a holding *exactly* on the statutory number and one unit past it, and states which
side of the inequality the statute's words put the exact value on.
"""
from __future__ import annotations

import pandas as pd
import pytest

from compliance.check import check_book
from compliance.inputs import ComplianceInputError, build_book
from compliance.rules import ConfigError, RuleSet, load_config

from .factory import percent_book, securities_frame

CFG = load_config()
RULES = RuleSet.from_config(CFG)
TA = 100_000_000.0
PRICE = 10.0


def results(book, previous=None, rules=RULES, **kw):
    return check_book(book, rules, previous, **kw).by_id()


def with_voting(rows: list[dict], voting: dict[str, float], alloc: dict[str, float]) -> pd.DataFrame:
    """Set shares_outstanding so that the holding is ``voting[s]`` of the issuer's voting securities."""
    out = []
    for r in rows:
        s = r["security_id"]
        if s in voting:
            units = alloc[s] / 100 * TA / PRICE
            r = {**r, "shares_outstanding": units / voting[s]}
        out.append(r)
    return securities_frame(out)


# ------------------------------------------------------------------------------- Treas. Reg. s.1.851-5
def test_treas_reg_1_851_5_example_1_meets_both_tests():
    """Example 1: cash 5, Government securities 10, RICs 20, A 10 and B 15 (all of their voting stock), C 20 (15% of
    its voting stock), various corporations 20 (none over 5% of assets, under 10% of voting stock): meets (A) with
    55% and (B) since no issuer, nor two or more controlled issuers, exceed 25%. We put A and B in the same business
    so that the controlled-group sum sits exactly on 25% ("not more than 25 percent": passes)."""
    alloc = {"GOV": 10, "RIC": 20, "A": 10, "B": 15, "C": 20, "V1": 4, "V2": 4, "V3": 4, "V4": 4, "V5": 4}
    rows = [{"security_id": "GOV", "asset_type": "government"},
            {"security_id": "RIC", "asset_type": "investment_company"},
            {"security_id": "A", "ric_business_group": "radios"}, {"security_id": "B", "ric_business_group": "radios"},
            {"security_id": "C"}] + [{"security_id": f"V{i}"} for i in range(1, 6)]
    voting = {"A": 1.0, "B": 1.0, "C": 0.15, **{f"V{i}": 0.05 for i in range(1, 6)}}
    sec = with_voting(rows, voting, alloc)
    # "None of the corporations is a member of a controlled group": declared with an empty look-through table
    book = percent_book(alloc, securities=sec, cash_pct=5, look_through=[])
    r = results(book)
    assert r["irc_851b3A_50pct_bucket"].value == pytest.approx(0.55)
    assert r["irc_851b3A_50pct_bucket"].status == "pass"
    assert r["irc_851b3Bi_single_issuer"].value == pytest.approx(0.20)
    assert r["irc_851b3Bi_single_issuer"].status == "pass"
    assert r["irc_851b3Bii_controlled_group"].value == pytest.approx(0.25)
    assert r["irc_851b3Bii_controlled_group"].status != "breach"
    # A, B (over 10% of voting stock) and C (over 5% of assets) are outside the bucket
    assert set(r["irc_851b3A_50pct_bucket"].contributors) == {"A", "B", "C"}
    # without that declaration the fund controls A and B (all their voting stock) but their own investments are
    # unknown: the (B) tests cannot be bounded, while the (A) bucket (no look-through) is unaffected
    r0 = results(percent_book(alloc, securities=sec, cash_pct=5))
    assert r0["irc_851b3Bi_single_issuer"].status == "not_evaluable"
    assert set(r0["irc_851b3Bi_single_issuer"].unknown) == {"A", "B"}
    assert r0["irc_851b3Bii_controlled_group"].status == "not_evaluable"
    assert r0["irc_851b3A_50pct_bucket"].status == "pass"


def test_treas_reg_1_851_5_example_2_fails_50_percent_test():
    """Example 2: cash 10, Government securities 35, A 7, B 12, C 15, D 21: fails (A) because every corporate holding
    exceeds 5% of assets, so only 45% qualifies. A 7% holding counts for nothing (not for its first 5%)."""
    alloc = {"GOV": 35, "A": 7, "B": 12, "C": 15, "D": 21}
    rows = [{"security_id": "GOV", "asset_type": "government"}] + [{"security_id": s} for s in "ABCD"]
    book = percent_book(alloc, securities=securities_frame(rows), cash_pct=10)
    r = results(book)
    a = r["irc_851b3A_50pct_bucket"]
    assert a.value == pytest.approx(0.45)
    assert a.status == "breach"
    assert set(a.contributors) == {"A", "B", "C", "D"}
    assert r["irc_851b3Bi_single_issuer"].status == "pass"  # 21% <= 25%


def test_controlled_issuers_in_related_business_modelled_on_example_3():
    """Modelled on s.1.851-5 Example 3 (two controlled issuers in related trades together over 25% fail (B)); the
    amounts are ours: 30% and 25% of the voting stock (controlled: 20% or more) of A (15%) and B (12%)."""
    alloc = {"GOV": 40, "A": 15, "B": 12, "S1": 4, "S2": 4}
    rows = [{"security_id": "GOV", "asset_type": "government"},
            {"security_id": "A", "ric_business_group": "radio"}, {"security_id": "B", "ric_business_group": "radio"},
            {"security_id": "S1"}, {"security_id": "S2"}]
    sec = with_voting(rows, {"A": 0.30, "B": 0.20}, alloc)
    r = results(percent_book(alloc, securities=sec, look_through=[]))["irc_851b3Bii_controlled_group"]
    assert r.value == pytest.approx(0.27)
    assert r.status == "breach"
    # without the business classification the answer depends on it: not evaluable, and the reason names them
    sec2 = sec.copy()
    sec2["ric_business_group"] = None
    r2 = results(percent_book(alloc, securities=sec2, look_through=[]))["irc_851b3Bii_controlled_group"]
    assert r2.status == "not_evaluable"
    assert set(r2.unknown) == {"A", "B"}
    # control starts at exactly 20% ("20 percent or more"): B at 19.99% is not controlled
    sec3 = with_voting(rows, {"A": 0.30, "B": 0.1999}, alloc)
    assert results(percent_book(alloc, securities=sec3, look_through=[]))["irc_851b3Bii_controlled_group"].status \
        == "pass"
    # the breach does not depend on the look-through: without the declaration it is still a breach
    assert results(percent_book(alloc, securities=sec))["irc_851b3Bii_controlled_group"].status == "breach"


def test_controlled_group_look_through_s_1_851_3():
    """Treas. Reg. s.1.851-3(a): for subparagraph (B) the fund's investment in an issuer includes its proper
    proportion of a controlled-group member's investment in that issuer. The fund holds 20% of its assets in X
    directly and all the voting stock of M (10%); M holds X worth 8% of the fund's assets with proportion 0.75:
    X counts 20% + 6% = 26% > 25% -> (B)(i) breach; with proportion 0.5 it is 24% -> passes (with a warning inside
    the buffer). The (A) bucket is unchanged by the look-through (it applies to (B) only)."""
    alloc = {"GOV": 40, "X": 20, "M": 10, "S1": 4, "S2": 4}
    rows = [{"security_id": "GOV", "asset_type": "government"}, {"security_id": "X"}, {"security_id": "M"},
            {"security_id": "S1"}, {"security_id": "S2"}]
    sec = with_voting(rows, {"M": 1.0, "X": 0.01}, alloc)
    lt = [{"member_id": "M", "issuer_id": "X", "value_usd": 0.08 * TA, "proportion": 0.75}]
    r = results(percent_book(alloc, securities=sec, look_through=lt))
    bi = r["irc_851b3Bi_single_issuer"]
    assert bi.value == pytest.approx(0.26)
    assert bi.status == "breach" and set(bi.contributors) == {"X"}
    direct = results(percent_book(alloc, securities=sec, look_through=[]))
    assert direct["irc_851b3Bi_single_issuer"].value == pytest.approx(0.20)
    assert direct["irc_851b3A_50pct_bucket"].value == r["irc_851b3A_50pct_bucket"].value
    half = results(percent_book(alloc, securities=sec, look_through=[{**lt[0], "proportion": 0.5}]))
    assert half["irc_851b3Bi_single_issuer"].value == pytest.approx(0.24)
    assert half["irc_851b3Bi_single_issuer"].status in ("pass", "warn")
    # an issuer reached only through the member joins the test; the fund does not control it
    deep = lt + [{"member_id": "M", "issuer_id": "Y", "value_usd": 0.30 * TA, "proportion": 1.0}]
    rd = results(percent_book(alloc, securities=sec, look_through=deep))
    assert rd["irc_851b3Bi_single_issuer"].value == pytest.approx(0.30)
    assert "Y" in rd["irc_851b3Bi_single_issuer"].contributors
    assert rd["irc_851b3Bii_controlled_group"].status != "not_evaluable"


@pytest.mark.parametrize("row, column", [
    ({"member_id": "Q", "issuer_id": "X", "value_usd": 1.0, "proportion": 0.5}, "member_id"),
    ({"member_id": "M", "issuer_id": "X", "value_usd": -1.0, "proportion": 0.5}, "value_usd"),
    ({"member_id": "M", "issuer_id": "X", "value_usd": 1.0, "proportion": 1.5}, "proportion"),
    ({"member_id": "M", "issuer_id": None, "value_usd": 1.0, "proportion": 0.5}, "issuer_id"),
])
def test_look_through_bad_rows_name_the_table_row_and_column(row, column):
    alloc = {"X": 20, "M": 10}
    sec = with_voting([{"security_id": "X"}, {"security_id": "M"}], {"M": 1.0}, alloc)
    with pytest.raises(ComplianceInputError) as e:
        percent_book(alloc, securities=sec, look_through=[row])
    msg = str(e.value)
    assert "look_through" in msg and column in msg and "row 2" in msg


# ------------------------------------------------------------------------------------------ boundaries
def _bucket_book(big_pct: float, issuer_pct: float, voting: float | None = 0.05):
    """Large issuers L1..L4 share ``big_pct`` of assets; X is held at ``issuer_pct`` with ``voting``; rest small."""
    alloc = {f"L{i}": big_pct / 4 for i in range(1, 5)}
    alloc["X"] = issuer_pct
    rest = 100 - big_pct - issuer_pct
    n_small = int(rest // 4)
    for i in range(n_small):
        alloc[f"S{i}"] = 4.0
    rows = [{"security_id": s} for s in alloc]
    vot = {} if voting is None else {"X": voting}
    sec = with_voting(rows, vot, alloc)
    if voting is None:
        sec.loc[sec["security_id"] == "X", "shares_outstanding"] = None
    cash = rest - 4.0 * n_small
    return percent_book(alloc, securities=sec, cash_pct=cash)


def test_issuer_at_exactly_5_percent_and_10_percent_of_voting_stays_in_the_bucket():
    """"not greater in value than 5 per centum" and "not more than 10 per centum": both non-strict."""
    r = results(_bucket_book(25.0, 5.0, 0.10))["ica_5b1_diversification"]
    assert "X" not in r.contributors
    assert r.value == pytest.approx(0.75)
    assert r.status in ("pass", "warn")  # exactly 75%: "at least 75 per centum" passes


def test_issuer_just_over_5_percent_leaves_the_bucket_and_breaks_75():
    r = results(_bucket_book(25.0, 5.001, 0.05))["ica_5b1_diversification"]
    assert "X" in r.contributors
    assert r.status == "breach"
    assert r.value == pytest.approx(0.75 - 0.05001, abs=1e-9)


def test_voting_just_over_10_percent_leaves_the_bucket():
    r = results(_bucket_book(25.0, 4.0, 0.1000001))["ica_5b1_diversification"]
    assert "X" in r.contributors and r.status == "breach"


def test_bucket_exactly_50_percent_passes_and_just_under_fails():
    alloc = {"GOV": 40.0, "S": 5.0, "T": 5.0, "A": 25.0, "B": 25.0}
    rows = [{"security_id": "GOV", "asset_type": "government"}] + [{"security_id": s} for s in "STAB"]
    r = results(percent_book(alloc, securities=securities_frame(rows), cash_pct=0))
    assert r["irc_851b3A_50pct_bucket"].value == pytest.approx(0.50)
    assert r["irc_851b3A_50pct_bucket"].status in ("pass", "warn")
    assert r["irc_851b3Bi_single_issuer"].value == pytest.approx(0.25)  # exactly 25%: passes
    assert r["irc_851b3Bi_single_issuer"].status in ("pass", "warn")
    alloc2 = {"GOV": 39.99, "S": 5.0, "T": 5.0, "A": 25.01, "B": 25.0}
    r2 = results(percent_book(alloc2, securities=securities_frame(rows), cash_pct=0))
    assert r2["irc_851b3A_50pct_bucket"].status == "breach"
    assert r2["irc_851b3Bi_single_issuer"].status == "breach"


def test_industry_exactly_25_percent_is_not_concentration():
    """Concentration is "more than 25%": 25.00% passes, 25.01% breaches."""
    for pct, expected in ((25.0, {"pass", "warn"}), (25.01, {"breach"})):
        alloc = {"A1": 5.0, "A2": 5.0, "A3": 5.0, "A4": 5.0, "A5": pct - 20.0, "B1": 4.0, "B2": 4.0}
        rows = [{"security_id": s, "bea_industry": s[0]} for s in alloc]
        r = results(percent_book(alloc, securities=securities_frame(rows)))["industry_concentration"]
        assert r.status in expected, (pct, r.value)


def test_illiquid_exactly_15_percent_passes():
    """Rule 22e-4: "more than 15% of its net assets": exactly 15% passes."""
    alloc = {"ILL": 15.0, "LIQ": 50.0}
    rows = [{"security_id": "ILL", "adv_shares": 1.0}, {"security_id": "LIQ"}]
    r = results(percent_book(alloc, securities=securities_frame(rows)))["rule_22e4_illiquid"]
    assert r.value == pytest.approx(0.15) and r.status in ("pass", "warn")
    alloc["ILL"] = 15.01
    r = results(percent_book(alloc, securities=securities_frame(rows)))["rule_22e4_illiquid"]
    assert r.status == "breach"


def test_names_rule_exactly_80_percent_passes():
    rows = [{"security_id": "Q", "qualifies_for_name": True}, {"security_id": "N", "qualifies_for_name": False}]
    r = results(percent_book({"Q": 80.0, "N": 10.0}, securities=securities_frame(rows)))["rule_35d1_names"]
    assert r.value == pytest.approx(0.80) and r.status in ("pass", "warn")
    r = results(percent_book({"Q": 79.99, "N": 10.0}, securities=securities_frame(rows)))["rule_35d1_names"]
    assert r.status == "breach"


def test_fund_of_funds_limits_at_their_boundaries_and_the_12d1_4_election():
    """s.12(d)(1)(A): "more than 3 per centum" of voting stock, "in excess of 5 / 10 per centum" of assets."""
    alloc = {"ETF1": 5.0, "ETF2": 5.0, "EQ": 4.0}
    rows = [{"security_id": "ETF1", "asset_type": "investment_company"},
            {"security_id": "ETF2", "asset_type": "investment_company"}, {"security_id": "EQ"}]
    sec = with_voting(rows, {"ETF1": 0.03, "ETF2": 0.04}, alloc)
    r = results(percent_book(alloc, securities=sec))
    assert r["ica_12d1Aii_single_fund"].status in ("pass", "warn")  # exactly 5%
    assert r["ica_12d1Aiii_all_funds"].status in ("pass", "warn")  # exactly 10%
    assert r["ica_12d1Ai_fund_voting"].status == "breach"  # ETF2 at 4% of its voting stock
    assert r["ica_12d1Ai_fund_voting"].contributors == ["ETF2"]
    elected = RuleSet.from_config(load_config(overrides={"fund": {"elects_rule_12d1_4": True}}))
    r2 = results(percent_book(alloc, securities=sec), rules=elected)
    assert r2["ica_12d1Ai_fund_voting"].status == "pass"  # control limit 25% under Rule 12d1-4
    assert "Rule 12d1-4" in r2["ica_12d1Ai_fund_voting"].citation
    assert "ica_12d1Aii_single_fund" not in r2 and "ica_12d1Aiii_all_funds" not in r2


def test_securities_related_issuer_limits():
    alloc = {"BD": 5.0, "BDD": 3.0, "EQ": 4.0}
    rows = [{"security_id": "BD", "issuer_id": "BROKER", "is_securities_related": True},
            {"security_id": "BDD", "issuer_id": "BROKER", "asset_type": "debt", "is_securities_related": True},
            {"security_id": "EQ"}]
    sec = with_voting(rows, {"BD": 0.05, "BDD": 0.10}, alloc)
    r = results(percent_book(alloc, securities=sec))
    assert r["rule_12d3_1_equity_class"].value == pytest.approx(0.05)
    assert r["rule_12d3_1_equity_class"].status in ("pass", "warn")
    assert r["rule_12d3_1_debt"].value == pytest.approx(0.10)
    assert r["rule_12d3_1_debt"].status in ("pass", "warn")
    assert r["rule_12d3_1_assets"].value == pytest.approx(0.08)  # equity + debt of the issuer: over 5%
    assert r["rule_12d3_1_assets"].status == "breach"


def test_large_issuers_rule_counts_only_issuers_strictly_above_5_percent():
    alloc = {f"A{i}": 9.0 for i in range(4)} | {"B": 5.0, "C": 5.0}
    r = results(percent_book(alloc))["internal_large_issuers_40"]
    assert r.value == pytest.approx(0.36)  # the two 5.00% issuers are not "above 5%"
    alloc["B"] = 5.01
    r = results(percent_book(alloc))["internal_large_issuers_40"]
    assert r.value == pytest.approx(0.4101) and r.status == "breach"


def test_derivatives_exposure_limited_user():
    rows = [{"security_id": "FUT", "asset_type": "derivative", "notional_per_unit_usd": 1000.0},
            {"security_id": "HEDGE", "asset_type": "derivative", "notional_per_unit_usd": 1000.0, "is_hedge": True},
            {"security_id": "EQ"}]
    h = pd.DataFrame({"security_id": ["FUT", "HEDGE", "EQ"], "shares": [-10_000.0, 50_000.0, 1_000_000.0],
                      "price": [1.0, 1.0, 10.0]})
    book = build_book(pd.Timestamp("2024-05-01").date(), h, securities_frame(rows), CFG, nav_usd=TA)
    r = results(book)["rule_18f4_limited_user"]
    assert r.value == pytest.approx(0.10)  # |-10,000| x 1,000 / 100m; hedges excluded
    assert r.status in ("pass", "warn")


# ------------------------------------------------------------------------------------------ missing data
def test_unknown_shares_outstanding_is_not_evaluable_only_when_it_matters():
    # X at 4% with unknown voting stock: bucket is 75.0% if X qualifies, 71% if not -> not evaluable
    r = results(_bucket_book(25.0, 4.0, None))["ica_5b1_diversification"]
    assert r.status == "not_evaluable"
    assert r.unknown == ["X"] and "X" in r.reasons[0]
    # with plenty of room the answer is the same either way: pass
    r = results(_bucket_book(10.0, 4.0, None))["ica_5b1_diversification"]
    assert r.status == "pass"


# ------------------------------------------------------------------------------------------ bad input
def test_bad_inputs_name_table_row_and_column():
    sec = securities_frame([{"security_id": "A"}, {"security_id": "B"}])
    h = pd.DataFrame({"security_id": ["A", "B"], "shares": [1.0, "12x"], "price": [1.0, 1.0]})
    with pytest.raises(ComplianceInputError, match=r"holdings row 3 column 'shares'.*'12x'"):
        build_book(pd.Timestamp("2024-01-02").date(), h, sec, CFG, nav_usd=100.0)
    dup = pd.concat([sec, sec.iloc[[0]]])
    with pytest.raises(ComplianceInputError, match=r"securities row 4 column 'security_id': duplicated key"):
        build_book(pd.Timestamp("2024-01-02").date(), h.iloc[:1], dup, CFG, nav_usd=100.0)
    with pytest.raises(ComplianceInputError, match=r"column 'asset_type'.*expected equity"):
        build_book(pd.Timestamp("2024-01-02").date(), h.iloc[:1], sec.assign(asset_type="stock"), CFG, nav_usd=100.0)
    with pytest.raises(ComplianceInputError, match=r"column 'bea_industry'"):
        build_book(pd.Timestamp("2024-01-02").date(), h.iloc[:1], sec.drop(columns=["bea_industry"]), CFG,
                   nav_usd=100.0)
    with pytest.raises(ComplianceInputError, match=r"positions and cash exceed total assets"):
        build_book(pd.Timestamp("2024-01-02").date(), h.iloc[:1].assign(shares=1e6), sec, CFG, nav_usd=100.0)
    with pytest.raises(ConfigError, match=r"rules.ica_5b1_diversification.bucket_min"):
        load_config(overrides={"rules": {"ica_5b1_diversification": {"bucket_min": 75}}})
