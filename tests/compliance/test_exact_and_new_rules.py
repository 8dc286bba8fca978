"""Golden cases for the exact comparisons (money and units, at $20 billion and $2 million of total assets), Rule
12d1-1 (money market fund exemption), IRC s.851(b)(3)(B)(iii) (qualified publicly traded partnerships) and the
Rule 35d-1 compliance date of the 2023 amendments.

"Exactly at the limit" passes and "one cent / one share over" fails, whatever the size of the fund: with the old
fixed tolerance of 1e-9 on fractions an issuer at 5% + $10 of a $20 billion fund passed.
"""
from __future__ import annotations

from datetime import date

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

from compliance.calendar import add_months, quarter_end
from compliance.check import check_book
from compliance.compile import compile_rules
from compliance.rules import ConfigError, RuleSet, load_config

from .factory import book_from_weights, securities_frame
from compliance.inputs import build_book

CFG = load_config()
RULES = RuleSet.from_config(CFG)
AS_OF = date(2024, 3, 29)
SIZES = [20_000_000_000.0, 2_000_000.0]
CENT = 0.01


def usd_book(values: dict[str, float], ta: float, rows: list[dict] | None = None, as_of: date = AS_OF,
             config=None):
    """Positions given in USD at a price of 1 (one unit = one dollar); the residual of total assets is cash."""
    rows = [{"shares_outstanding": 1e15, **r} for r in (rows or [{"security_id": s} for s in values])]
    sec = securities_frame(rows)  # 1e15 units outstanding: the voting tests stay out of the way
    h = pd.DataFrame({"security_id": list(values), "shares": list(values.values()), "price": 1.0})
    return build_book(as_of, h, sec, config or CFG, nav_usd=ta)


def status(book, rule_id, rules=RULES, previous=None):
    return check_book(book, rules, previous).by_id()[rule_id]


# ----------------------------------------------------------------------------------------- exact comparisons
@pytest.mark.parametrize("ta", SIZES)
def test_ica_5b1_issuer_at_5pct_is_in_the_bucket_one_cent_more_is_not(ta):
    """Cash 70%, issuer A at 5%, issuer BIG at 25% (outside): bucket = 75% exactly (passes, "at least 75 per
    centum"). A at 5% + one cent leaves the bucket ("not greater in value than 5 per centum"): bucket 70%."""
    at = usd_book({"A": 0.05 * ta, "BIG": 0.25 * ta}, ta)
    r = status(at, "ica_5b1_diversification")
    assert r.status in ("pass", "warn") and r.over <= 0.001
    over = usd_book({"A": 0.05 * ta + CENT, "BIG": 0.25 * ta}, ta)
    r = status(over, "ica_5b1_diversification")
    assert r.status == "breach" and r.value == pytest.approx(0.70 - CENT / ta, abs=1e-12)
    assert "A" in r.contributors


@pytest.mark.parametrize("ta", SIZES)
def test_ica_5b1_bucket_exactly_75pct_passes_one_cent_short_fails(ta):
    at = usd_book({"BIG": 0.25 * ta}, ta)
    assert status(at, "ica_5b1_diversification").status != "breach"
    short = usd_book({"BIG": 0.25 * ta + CENT}, ta)
    r = status(short, "ica_5b1_diversification")
    assert r.status == "breach" and r.over_unit == "USD" and r.over == pytest.approx(CENT, abs=1e-4)


@pytest.mark.parametrize("ta", SIZES)
@pytest.mark.parametrize("rule_id,frac,row", [
    ("irc_851b3Bi_single_issuer", 0.25, {}),
    ("rule_12d3_1_assets", 0.05, {"is_securities_related": True}),
    ("prospectus_max_issuer_weight", 0.10, {}),
    ("industry_concentration", 0.25, {}),
])
def test_money_limits_at_the_limit_pass_one_cent_over_fails(ta, rule_id, frac, row):
    at = usd_book({"X": frac * ta}, ta, [{"security_id": "X", **row}])
    assert status(at, rule_id).status != "breach"
    over = usd_book({"X": frac * ta + CENT}, ta, [{"security_id": "X", **row}])
    r = status(over, rule_id)
    assert r.status == "breach", (rule_id, ta, r.over)
    assert r.over == pytest.approx(CENT, abs=1e-4)


@pytest.mark.parametrize("ta", SIZES)
def test_names_rule_exactly_80pct_passes_one_cent_short_fails(ta):
    rows = [{"security_id": "Q"}, {"security_id": "N", "qualifies_for_name": False}]
    at = usd_book({"Q": 0.80 * ta, "N": 0.20 * ta}, ta, rows)
    assert status(at, "rule_35d1_names").status != "breach"
    short = usd_book({"Q": 0.80 * ta - CENT, "N": 0.20 * ta + CENT}, ta, rows)
    assert status(short, "rule_35d1_names").status == "breach"


@pytest.mark.parametrize("ta", SIZES)
@pytest.mark.parametrize("rule_id,limit,row", [
    ("ica_12d1Ai_fund_voting", 0.03, {"asset_type": "investment_company"}),
    ("rule_12d3_1_equity_class", 0.05, {"is_securities_related": True}),
])
def test_unit_limits_at_the_limit_pass_one_share_over_fails(ta, rule_id, limit, row):
    """3% / 5% of 1,000,000 outstanding shares: 30,000 / 50,000 shares pass, one share more fails; the value held
    is tiny against total assets, so only the count decides."""
    outstanding = 1_000_000.0
    sec = securities_frame([{"security_id": "F", "shares_outstanding": outstanding, **row}])
    for extra, expected in ((0.0, "pass"), (1.0, "breach")):
        h = pd.DataFrame({"security_id": ["F"], "shares": [limit * outstanding + extra], "price": [0.01]})
        book = build_book(AS_OF, h, sec, CFG, nav_usd=ta)
        r = status(book, rule_id)
        assert r.over_unit == "units"
        assert (r.status == "breach") == (expected == "breach"), (rule_id, ta, extra, r.status)


@pytest.mark.parametrize("ta", SIZES)
def test_voting_10pct_boundary_in_units_for_the_bucket(ta):
    """5(b)(1) inclusion: 10% of the voting securities exactly is in the bucket, one share more is not."""
    outstanding = 10_000_000.0
    rows = [{"security_id": "V", "shares_outstanding": outstanding}, {"security_id": "BIG"}]
    for extra, in_bucket in ((0.0, True), (1.0, False)):
        h = pd.DataFrame({"security_id": ["V", "BIG"], "shares": [0.10 * outstanding + extra, 0.25 * ta],
                          "price": [0.001, 1.0]})
        book = build_book(AS_OF, h, securities_frame(rows), CFG, nav_usd=ta)
        t = RULES.get("ica_5b1_diversification").issuer_table(book)
        assert bool(t.at["V", "in_bucket_worst"]) is in_bucket


def test_one_share_bought_is_an_acquisition_at_any_position_size():
    from compliance.check import acquired_securities
    prev = usd_book({"A": 2e9}, 2e10)
    now = prev.apply_trades({"A": 1.0})
    assert acquired_securities(now, prev) == ["A"]


def test_tolerance_must_be_amounts_below_a_cent_and_a_share():
    with pytest.raises(ConfigError, match="tolerance"):
        load_config(overrides={"tolerance": 1e-9})
    with pytest.raises(ConfigError, match=r"tolerance\.usd"):
        load_config(overrides={"tolerance": {"usd": 0.01, "units": 0.001}})
    with pytest.raises(ConfigError, match=r"tolerance\.units"):
        load_config(overrides={"tolerance": {"usd": 0.001, "units": 1}})


# ------------------------------------------------------------------------------------------------ Rule 12d1-1
def _mmf_rows(cond, asset_type="investment_company"):
    return [{"security_id": "MMF", "asset_type": asset_type, "is_money_market_fund": True,
             "mmf_no_sales_charge_or_offset": cond, "shares_outstanding": 1e12},
            {"security_id": "EQ"}]


@pytest.mark.parametrize("cond,expect_a,expect_row", [
    (True, "pass", "pass"),            # conditions hold: exempt from 12(d)(1)(A)
    (False, "breach", "breach"),       # sales charge paid and not offset: counted, 20% > 5% / 10%
    (None, "not_evaluable", "not_evaluable"),  # conditions not on record
])
def test_rule_12d1_1_exempts_money_market_fund_shares_only_when_conditions_hold(cond, expect_a, expect_row):
    ta = 100_000_000.0
    book = usd_book({"MMF": 0.20 * ta, "EQ": 0.04 * ta}, ta, _mmf_rows(cond))
    r = check_book(book, RULES).by_id()
    assert r["ica_12d1Aii_single_fund"].status == expect_a
    assert r["ica_12d1Aiii_all_funds"].status == expect_a
    assert r["rule_12d1_1_money_market"].status == expect_row
    if cond is True:
        assert "exempt under Rule 12d1-1: MMF" in r["ica_12d1Aii_single_fund"].note
        assert r["ica_12d1Aii_single_fund"].value == 0.0
    if cond is False:
        row = r["rule_12d1_1_money_market"]
        assert row.severity == "internal" and row.hardness == "soft" and not row.violation
        assert r["ica_12d1Aii_single_fund"].violation  # the law's limit, not the policy, is violated


def test_rule_12d1_1_disabled_or_unregistered_fund_is_not_exempt():
    ta = 100_000_000.0
    off = RuleSet.from_config(load_config(overrides={"rules": {"rule_12d1_1_money_market": {"enabled": False}}}))
    book = usd_book({"MMF": 0.20 * ta}, ta, _mmf_rows(True)[:1])
    assert status(book, "ica_12d1Aii_single_fund", rules=off).status == "breach"
    unreg = usd_book({"MMF": 0.20 * ta}, ta, _mmf_rows(True, asset_type="debt")[:1])
    r = status(unreg, "rule_12d1_1_money_market")
    assert r.status == "breach" and "never exempt" in r.note


def test_rule_12d1_1_bad_flag_names_the_column_and_security():
    from compliance.inputs import ComplianceInputError
    rows = _mmf_rows("perhaps")
    with pytest.raises(ComplianceInputError, match="mmf_no_sales_charge_or_offset.*MMF"):
        check_book(usd_book({"MMF": 1e6}, 1e8, rows), RULES)


def _universe(mmf_cond):
    rows = [{"security_id": f"E{i:02d}", "bea_industry": f"IND{i % 8}"} for i in range(30)]
    rows.append({"security_id": "MMF", "asset_type": "investment_company", "is_money_market_fund": True,
                 "mmf_no_sales_charge_or_offset": mmf_cond, "shares_outstanding": 1e12, "adv_shares": 1e12})
    sec = securities_frame(rows)
    prices = pd.Series(10.0, index=sec["security_id"])
    w0 = np.r_[np.full(30, 0.03), 0.0]
    return sec, prices, w0


@pytest.mark.parametrize("cond", [True, False, None])
def test_rule_12d1_1_compiled_rows_and_checker_agree(cond):
    """Maximise the money market fund weight under the compiled rules: an exempt fund may pass 5% of total assets
    (the prospectus 10% issuer cap binds), a non-conforming one may not be bought (internal policy row), and the
    exact checker agrees with the solution."""
    sec, prices, w0 = _universe(cond)
    nav = 1e8
    w = cp.Variable(len(sec))
    comp = compile_rules(w, sec, w0, nav, RULES, prices=prices, large_candidates=["MMF"])
    j = len(sec) - 1
    aii = [t for t in comp.by_rule("ica_12d1Aii_single_fund") if t.a is not None]
    if cond is True:
        assert all(t.a[:, j].max(initial=0.0) == 0.0 for t in aii)
    assert comp.by_rule("rule_12d1_1_money_market") or cond is True
    prob = cp.Problem(cp.Maximize(w[j]), comp.as_list() + [w >= 0, cp.sum(w) <= 1])
    prob.solve(solver=cp.CLARABEL)
    assert prob.status == "optimal"
    if cond is True:
        assert w.value[j] > 0.09
    else:
        assert w.value[j] <= 1e-6
    book = book_from_weights(sec, prices, w.value, nav, AS_OF)
    prev = book_from_weights(sec, prices, w0, nav, AS_OF)
    r = check_book(book, RULES, prev).by_id()
    for rid in ("ica_12d1Aii_single_fund", "ica_12d1Aiii_all_funds", "rule_12d1_1_money_market"):
        assert r[rid].status in ("pass", "warn"), (rid, r[rid].status, r[rid].value)


# ------------------------------------------------------------------------------ IRC s.851(b)(3)(B)(iii) QPTP
@pytest.mark.parametrize("ta", SIZES)
def test_qptp_exactly_25pct_passes_one_cent_over_fails_de_minimis_cure(ta):
    rows = [{"security_id": "P1", "is_qualified_ptp": True}, {"security_id": "P2", "is_qualified_ptp": True},
            {"security_id": "C", "is_qualified_ptp": False}]
    at = usd_book({"P1": 0.125 * ta, "P2": 0.125 * ta, "C": 0.04 * ta}, ta, rows)
    r = status(at, "irc_851b3Biii_qualified_ptp")
    assert r.status != "breach" and r.value == pytest.approx(0.25)
    over = usd_book({"P1": 0.125 * ta + CENT, "P2": 0.125 * ta, "C": 0.04 * ta}, ta, rows)
    r = status(over, "irc_851b3Biii_qualified_ptp")
    assert r.status == "breach" and r.contributors == ["P1", "P2"]
    assert r.citation.startswith("Internal Revenue Code s.851(b)(3)(B)(iii)")
    # one cent to dispose of is de minimis (<= lesser of 1% of total assets or $10 million): 6 months
    assert r.cure_deadline == add_months(quarter_end(AS_OF, 12), 6)


def test_qptp_unknown_flag_is_not_evaluable_and_named():
    ta = 1e8
    rows = [{"security_id": "P1", "is_qualified_ptp": True}, {"security_id": "U", "is_qualified_ptp": None}]
    r = status(usd_book({"P1": 0.20 * ta, "U": 0.10 * ta}, ta, rows), "irc_851b3Biii_qualified_ptp")
    assert r.status == "not_evaluable" and r.unknown == ["U"]
    r = status(usd_book({"P1": 0.26 * ta, "U": 0.01 * ta}, ta, rows), "irc_851b3Biii_qualified_ptp")
    assert r.status == "breach"


def test_qptp_compiled_cap_and_checker_agree():
    rows = [{"security_id": f"P{i}", "is_qualified_ptp": True, "bea_industry": f"IND{i}"} for i in range(6)]
    rows += [{"security_id": f"E{i:02d}", "bea_industry": f"INDE{i % 8}", "is_qualified_ptp": False}
             for i in range(30)]
    sec = securities_frame(rows)
    prices = pd.Series(10.0, index=sec["security_id"])
    w0 = np.r_[np.zeros(6), np.full(30, 0.03)]
    w = cp.Variable(len(sec))
    comp = compile_rules(w, sec, w0, 1e8, RULES, prices=prices)
    assert comp.by_rule("irc_851b3Biii_qualified_ptp")
    prob = cp.Problem(cp.Maximize(cp.sum(w[:6])), comp.as_list() + [w >= 0, cp.sum(w) <= 1])
    prob.solve(solver=cp.CLARABEL)
    assert prob.status == "optimal"
    assert 0.22 < float(np.sum(w.value[:6])) <= 0.23 + 1e-6  # 25% less the 2% compile buffer
    book = book_from_weights(sec, prices, w.value, 1e8, AS_OF)
    assert status(book, "irc_851b3Biii_qualified_ptp").status in ("pass", "warn")


# ------------------------------------------------------------------------------ Rule 35d-1 compliance date
def test_names_rule_2023_amendments_apply_from_the_extended_compliance_date():
    ta = 1e8
    rows = [{"security_id": "Q"}]
    before = status(usd_book({"Q": 0.9 * ta}, ta, rows, as_of=date(2026, 6, 10)), "rule_35d1_names")
    after = status(usd_book({"Q": 0.9 * ta}, ta, rows, as_of=date(2026, 6, 11)), "rule_35d1_names")
    assert "earlier Rule 35d-1 text governs" in before.note and "2026-06-11" in before.note
    assert "as amended in 2023 applies" in after.note
    assert CFG["rules"]["rule_35d1_names"]["amendments_2023"]["compliance_date"] == "2026-06-11"
    with pytest.raises(ConfigError, match="compliance_date"):
        load_config(overrides={"rules": {"rule_35d1_names": {"amendments_2023": {"compliance_date": "soon"}}}})


# ------------------------------------------------------------------------------------------------ reports
def test_new_rules_are_visible_in_the_daily_and_ric_reports(tmp_path):
    from compliance.reports import render_daily, render_ric
    ta = 1e8
    rows = _mmf_rows(True) + [{"security_id": "P1", "is_qualified_ptp": True}]
    book = usd_book({"MMF": 0.20 * ta, "EQ": 0.04 * ta, "P1": 0.26 * ta}, ta, rows)
    check = check_book(book, RULES).to_dict()
    html = render_daily(check, {"breaches": []}, book, CFG, tmp_path / "d")["daily_html"].read_text()
    assert "Rule 12d1-1 under the Investment Company Act" in html and "exempt under Rule 12d1-1: MMF" in html
    assert "qualified publicly traded partnerships" in html
    ric = render_ric(check, book, CFG, tmp_path / "r")["ric_html"].read_text()
    assert "s.851(b)(3)(B)(iii)" in ric
