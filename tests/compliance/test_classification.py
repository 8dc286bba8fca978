"""Active vs passive breaches, cure deadlines (RIC 30 days, de minimis, Rule 35d-1 90 days), pre-trade blocking,
liquidity classes and the breach lifecycle."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from compliance.breaches import BreachBook, BreachError
from compliance.check import check_book, pre_trade
from compliance.inputs import build_book
from compliance.rules import RuleSet, liquidity_classes, load_config

from .factory import securities_frame

CFG = load_config()
RULES = RuleSet.from_config(CFG)
Q1_END_TEST = date(2024, 3, 29)  # last business day of 2024Q1 (March 31 is a Sunday)


def book_of(units: dict[str, float], prices: dict[str, float], sec: pd.DataFrame, nav: float, as_of: date,
            cash: float | None = None):
    h = pd.DataFrame({"security_id": list(units), "shares": list(units.values())})
    return build_book(as_of, h, sec, CFG, prices=prices, nav_usd=nav, cash_usd=cash)


# ----------------------------------------------------------------------------------- active vs passive drift
def _drift_setup():
    """Four issuers at 6% (outside the bucket: 24%), S at 4.8%, the rest small; bucket 76%."""
    alloc = {"L1": 6, "L2": 6, "L3": 6, "L4": 6, "S": 4.8, **{f"T{i}": 4.0 for i in range(15)}}
    sec = securities_frame([{"security_id": s} for s in alloc])
    prices = {s: 10.0 for s in alloc}
    units = {s: pct / 100 * 1e8 / 10.0 for s, pct in alloc.items()}
    return sec, prices, units


def test_same_final_holdings_breach_is_passive_after_a_price_move_and_active_after_a_purchase():
    """ICA s.5(c): S ends at 5.5% of total assets (outside the bucket, which falls below 75%). Reached by a price
    rise it is passive (no violation); reached by buying S at unchanged prices it is active (a violation)."""
    sec, prices, units = _drift_setup()
    final_units = dict(units)
    final_units["S"] = units["S"] * 1.0  # same units; the price moves
    p_up = dict(prices)
    # choose the new S price so that S is 5.5% of the (new) total assets
    other = sum(u * prices[s] for s, u in units.items() if s != "S")
    cash = 1e8 - sum(u * prices[s] for s, u in units.items())
    p_up["S"] = 0.055 * (other + cash) / (units["S"] * 0.945)
    final = book_of(final_units, p_up, sec, other + cash + units["S"] * p_up["S"], Q1_END_TEST, cash=cash)
    # path 1: yesterday the same units at yesterday's prices
    before_passive = book_of(units, prices, sec, 1e8, date(2024, 3, 28), cash=cash)
    # path 2: yesterday fewer units of S at today's prices (the difference was bought today with cash)
    bought = 0.1 * final_units["S"]
    prev_units = dict(final_units)
    prev_units["S"] = final_units["S"] - bought
    before_active = book_of(prev_units, p_up, sec, final.nav_usd, date(2024, 3, 28),
                            cash=cash + bought * p_up["S"])
    passive = check_book(final, RULES, before_passive).by_id()["ica_5b1_diversification"]
    active = check_book(final, RULES, before_active).by_id()["ica_5b1_diversification"]
    assert passive.status == active.status == "breach"
    assert passive.value == pytest.approx(active.value)
    assert (passive.breach_class, passive.hardness, passive.violation) == ("passive", "soft", False)
    assert passive.cure_deadline is None
    assert (active.breach_class, active.hardness, active.violation) == ("active", "hard", True)
    assert active.acquired_contributors == ["S"]


def test_buying_a_small_issuer_while_passively_out_of_the_bucket_is_not_active():
    """While a passive discrepancy exists, buying an issuer that stays at <= 5% does not worsen it."""
    sec, prices, units = _drift_setup()
    units["L1"] = 30 / 100 * 1e8 / 10.0  # L1 drifted up earlier: outside the bucket is now over 25% (passive)
    base = book_of(units, prices, sec, 10.0 * sum(units.values()), date(2024, 3, 28))
    after = base.apply_trades({"T0": 10_000.0})  # T0 4.0% -> ~4.08%
    r = check_book(after, RULES, base).by_id()["ica_5b1_diversification"]
    assert r.status == "breach" and r.breach_class == "passive"
    after2 = base.apply_trades({"L2": 10_000.0})  # adding to an issuer outside the bucket worsens it
    r2 = check_book(after2, RULES, base).by_id()["ica_5b1_diversification"]
    assert r2.breach_class == "active" and r2.acquired_contributors == ["L2"]


def test_without_previous_holdings_a_breach_is_treated_as_active():
    sec, prices, units = _drift_setup()
    units["L1"] = 30 / 100 * 1e8 / 10.0
    book = book_of(units, prices, sec, 10.0 * sum(units.values()), date(2024, 3, 28))
    r = check_book(book, RULES).by_id()["ica_5b1_diversification"]
    assert r.breach_class == "active" and "no previous holdings" in r.reasons[0]


# ----------------------------------------------------------------------------------- RIC quarter-end timing
def _single_issuer_book(pct: float, ta: float, as_of: date):
    alloc = {"BIG": pct, "GOV": 60.0 - pct + 25.0}
    sec = securities_frame([{"security_id": "BIG"}, {"security_id": "GOV", "asset_type": "government"}])
    units = {s: p / 100 * ta / 10.0 for s, p in alloc.items()}
    return book_of(units, {"BIG": 10.0, "GOV": 10.0}, sec, ta, as_of), sec


@pytest.mark.parametrize("pct,ta,deadline,de_minimis", [
    (26.5, 1e8, date(2024, 4, 30), False),   # $1.5m to dispose of > 1% of $100m: 30 days after March 31
    (25.5, 1e8, date(2024, 9, 30), True),    # $0.5m <= $1m: de minimis, 6 months after the quarter end
    (25.4, 2e9, date(2024, 9, 30), True),    # $8m <= lesser of $20m and $10m
    (25.6, 2e9, date(2024, 4, 30), False),   # $12m > $10m cap
])
def test_ric_acquisition_caused_failure_cure_deadline_and_de_minimis(pct, ta, deadline, de_minimis):
    after, sec = _single_issuer_book(pct, ta, Q1_END_TEST)
    before_units = after.positions["shares"].to_dict()
    before_units["BIG"] = before_units["BIG"] * 0.9  # the position was bought up into the failure today
    before = book_of(before_units, {"BIG": 10.0, "GOV": 10.0}, sec, ta, date(2024, 3, 28))
    res = check_book(after, RULES, before, ric_prior_quarter_passed=True)
    assert res.is_quarter_end and res.fiscal_quarter_end == date(2024, 3, 31)
    r = res.by_id()["irc_851b3Bi_single_issuer"]
    assert r.status == "breach" and r.breach_class == "active" and r.hardness == "hard"
    assert r.excess_usd == pytest.approx((pct - 25.0) / 100 * ta)
    assert r.cure_deadline == deadline
    assert ("de minimis" in (r.cure_note or "")) is de_minimis


def test_rev_rul_69_134_acquisition_pushing_the_50_percent_bucket_below_the_line():
    """Facts of Rev. Rul. 69-134 (1969-1 C.B. 187): during the quarter the fund buys more of Z, in which it held
    less than 5% of assets; afterwards Z exceeds 5% and issuers above 5% together exceed 50% of assets; no issuer
    above 10% of its voting securities; unchanged at the close of the quarter. Under s.851(d)(1) the discrepancy
    is wholly the result of an acquisition: a hard, active failure of (A) that must be eliminated within 30 days
    after the close of the quarter (the amounts are ours; the ruling states none)."""
    ta, px = 1e8, 10.0
    big = {f"L{i}": 7.5 for i in range(1, 7)}  # 45% in issuers above 5%
    small = {f"T{i}": 1.0 for i in range(23)}
    after_pct = {"GOV": 20.0, **big, "Z": 7.0, **small}  # + 5% cash
    before_pct = {**after_pct, "Z": 4.5}  # + 7.5% cash
    sec = securities_frame([{"security_id": "GOV", "asset_type": "government"}]
                           + [{"security_id": s} for s in after_pct if s != "GOV"])
    prices = {s: px for s in after_pct}
    units = lambda pct: {s: p / 100 * ta / px for s, p in pct.items()}  # noqa: E731
    before = book_of(units(before_pct), prices, sec, ta, date(2024, 3, 1), cash=0.075 * ta)
    after = book_of(units(after_pct), prices, sec, ta, Q1_END_TEST, cash=0.05 * ta)
    assert check_book(before, RULES).by_id()["irc_851b3A_50pct_bucket"].status in ("pass", "warn")
    res = check_book(after, RULES, before, ric_prior_quarter_passed=True)
    r = res.by_id()["irc_851b3A_50pct_bucket"]
    assert r.value == pytest.approx(0.48)  # 20% Government + 5% cash + 23% small issuers
    assert (r.status, r.breach_class, r.hardness) == ("breach", "active", "hard")
    assert r.cure_deadline == date(2024, 4, 30)  # 30 days after March 31
    assert "Z" in r.contributors
    # the same final holdings reached by a market move alone (no purchase) keep the earlier pass: passive, soft
    drift_before = book_of(units(after_pct), {**prices, "Z": px * 4.5 / 7.0}, sec, ta - 0.025 * ta,
                           date(2024, 3, 1), cash=0.05 * ta)
    drift = check_book(after, RULES, drift_before, ric_prior_quarter_passed=True).by_id()["irc_851b3A_50pct_bucket"]
    assert (drift.breach_class, drift.hardness, drift.cure_deadline) == ("passive", "soft", None)


def test_ric_passive_discrepancy_is_protected_only_after_a_prior_quarter_pass():
    """s.851(d)(1): a market-move discrepancy does not cost RIC status if the test was met at an earlier quarter
    end; with no such pass on record it is treated as a hard failure with the 30-day clock."""
    after, sec = _single_issuer_book(27.0, 1e8, Q1_END_TEST)
    prices_before = {"BIG": 9.0, "GOV": 10.0}
    before = book_of(after.positions["shares"].to_dict(), prices_before, sec,
                     1e8 - after.positions.at["BIG", "shares"], date(2024, 3, 28))
    protected = check_book(after, RULES, before, ric_prior_quarter_passed=True).by_id()["irc_851b3Bi_single_issuer"]
    assert (protected.breach_class, protected.hardness, protected.cure_deadline) == ("passive", "soft", None)
    unprotected = check_book(after, RULES, before).by_id()["irc_851b3Bi_single_issuer"]
    assert (unprotected.breach_class, unprotected.hardness) == ("passive", "hard")
    assert unprotected.cure_deadline == date(2024, 4, 30)


def test_ric_test_off_quarter_end_is_labelled_a_projection():
    after, _ = _single_issuer_book(10.0, 1e8, date(2024, 2, 15))
    res = check_book(after, RULES)
    assert not res.is_quarter_end
    assert "projection" in res.by_id()["irc_851b3A_50pct_bucket"].note


# ----------------------------------------------------------------------------------- pre-trade
def test_pre_trade_blocks_regulatory_active_breach_and_missing_data_but_not_sales():
    alloc = {"L1": 6, "L2": 6, "L3": 6, "L4": 6, "X": 4.0, **{f"T{i}": 4.0 for i in range(13)}}
    rows = [{"security_id": s} for s in alloc]
    sec = securities_frame(rows)
    sec.loc[sec["security_id"] == "X", "shares_outstanding"] = None  # unknown voting securities
    prices = {s: 10.0 for s in alloc}
    units = {s: p / 100 * 1e8 / 10.0 for s, p in alloc.items()}
    book = book_of(units, prices, sec, 1e8, date(2024, 5, 1))
    assert check_book(book, RULES).by_id()["ica_5b1_diversification"].status == "not_evaluable"
    buy = pre_trade(book, {"T0": 1000.0}, RULES)
    assert buy.blocked and any("ica_5b1_diversification" in r and "not evaluable" in r for r in buy.reasons)
    sell = pre_trade(book, {"T0": -1000.0}, RULES)
    assert not sell.blocked
    # with X's data known, buying L1 up is an active 5(b)(1) breach? no: L1 is already outside; bucket unchanged.
    sec2 = securities_frame(rows)
    book2 = book_of(units, prices, sec2, 1e8, date(2024, 5, 1))
    assert not pre_trade(book2, {"L1": 1000.0}, RULES).blocked
    # buying T0 from 4% to 6% takes it out of the bucket: 76% -> 70%, blocked with the citation
    blocked = pre_trade(book2, {"T0": 200_000.0}, RULES)
    assert blocked.blocked
    assert any("ica_5b1_diversification (Investment Company Act of 1940 s.5(b)(1)" in r for r in blocked.reasons)


def test_internal_breach_requires_override_rather_than_blocking():
    alloc = {f"A{i}": 9.0 for i in range(4)} | {f"S{i}": 4.0 for i in range(10)}
    sec = securities_frame([{"security_id": s} for s in alloc])
    units = {s: p / 100 * 1e8 / 10.0 for s, p in alloc.items()}
    book = book_of(units, {s: 10.0 for s in alloc}, sec, 1e8, date(2024, 5, 1))
    non_diversified = RuleSet.from_config(load_config(overrides={"fund": {"diversified": False}}))
    res = pre_trade(book, {"S0": 150_000.0}, non_diversified)  # S0 4% -> 5.5%: five issuers above 5% = 41.5%
    assert not res.blocked
    assert any(r.startswith("internal_large_issuers_40") for r in res.requires_override)


# ----------------------------------------------------------------------------------- liquidity classes
def test_liquidity_classes_from_adv_and_position_size():
    rows = [{"security_id": s, "adv_shares": 100_000.0} for s in ("H", "M", "I")]
    rows.append({"security_id": "L", "adv_shares": 100_000.0, "settlement_days": 10.0})
    rows.append({"security_id": "V", "adv_shares": None, "liquidity_class": "illiquid"})
    sec = securities_frame(rows)
    # participation 20% of ADV = 20,000 units a day; equities settle T+1
    units = {"H": 40_000.0, "M": 50_000.0, "I": 200_000.0, "L": 40_000.0, "V": 10.0}
    book = book_of(units, {s: 1.0 for s in units}, sec, 1e6, date(2024, 5, 1))
    lc = liquidity_classes(book, CFG)
    assert lc.loc["H", "days_to_sell"] == pytest.approx(2.0)
    assert lc["liquidity_class"].to_dict() == {"H": "highly_liquid", "I": "illiquid", "L": "less_liquid",
                                               "M": "moderately_liquid", "V": "illiquid"}


# ----------------------------------------------------------------------------------- breach lifecycle
def _names_book(q_pct: float, n_pct: float, as_of: date):
    sec = securities_frame([{"security_id": "Q", "qualifies_for_name": True},
                            {"security_id": "N", "qualifies_for_name": False}])
    units = {"Q": q_pct / 100 * 1e8 / 10.0, "N": n_pct / 100 * 1e8 / 10.0}
    return book_of(units, {"Q": 10.0, "N": 10.0}, sec, 1e8, as_of)


def test_names_rule_departure_carries_its_90_day_clock_then_resolves():
    book = BreachBook()
    d0, d1, d2 = date(2024, 5, 1), date(2024, 6, 3), date(2024, 7, 1)
    b0 = _names_book(90, 5, date(2024, 4, 30))
    b1 = _names_book(78, 17, d0)  # sold qualifying, bought non-qualifying: active departure
    r1 = check_book(b1, RULES, b0)
    names = r1.by_id()["rule_35d1_names"]
    assert names.breach_class == "active" and names.cure_deadline == date(2024, 7, 30)
    up = book.update(r1)
    assert "rule_35d1_names@2024-05-01" in up.opened
    b2 = _names_book(79, 16, d1)  # still below: carried, same deadline
    up = book.update(check_book(b2, RULES, b1))
    assert "rule_35d1_names@2024-05-01" in up.carried
    br = book.get("rule_35d1_names@2024-05-01")
    assert br.cure_deadline == date(2024, 7, 30) and br.days_open(d1) == 33
    with pytest.raises(BreachError, match="approver is required"):
        book.override(br.breach_id, reason="rebalancing over the month", approver=" ", on=d1)
    book.override(br.breach_id, reason="rebalancing over the month", approver="CCO J. Doe", on=d1)
    assert book.get(br.breach_id).status == "overridden"
    b3 = _names_book(85, 10, d2)
    up = book.update(check_book(b3, RULES, b2))
    assert br.breach_id in up.resolved
    assert book.get(br.breach_id).resolved_on == d2 and book.open_for("rule_35d1_names") is None
    with pytest.raises(BreachError, match="earlier than the breach state"):
        book.update(check_book(b3.__class__(**{**b3.__dict__, "as_of": date(2024, 6, 1)}), RULES))


def test_passive_breach_reclassified_active_and_overdue_flag(tmp_path):
    sec = securities_frame([{"security_id": "A"}, {"security_id": "B"}])
    mk = lambda ua, pa, d: book_of({"A": ua, "B": 1_000_000.0}, {"A": pa, "B": 10.0}, sec,  # noqa: E731
                                   ua * pa + 1e7 + 8.1e7, d, cash=8.1e7)
    b0 = mk(900_000.0, 10.0, date(2024, 5, 1))     # A 9% of assets
    b1 = mk(900_000.0, 12.0, date(2024, 5, 2))     # price up: A over 10% -> passive prospectus breach
    b2 = mk(950_000.0, 12.0, date(2024, 5, 3))     # bought more A: reclassified active
    book = BreachBook()
    book.update(check_book(b0, RULES))
    book.update(check_book(b1, RULES, b0))
    br = book.open_for("prospectus_max_issuer_weight")
    assert br.breach_class == "passive" and br.cure_deadline == date(2024, 5, 16)  # 10 business days
    up = book.update(check_book(b2, RULES, b1))
    assert up.reclassified == [br.breach_id]
    assert br.breach_class == "active" and br.hardness == "hard" and br.cure_deadline == date(2024, 5, 6)
    b3 = mk(950_000.0, 12.0, date(2024, 5, 8))
    up = book.update(check_book(b3, RULES, b2))
    assert up.became_overdue == [br.breach_id] and br.material
    path = tmp_path / "breaches.json"
    book.save(path)
    again = BreachBook.load(path)
    assert again.to_dict() == book.to_dict()


def test_issuer_voting_fraction_classes_and_unknowns():
    """Numerator: units of the issuer's voting classes held; denominator: issuer_voting_securities when given, else
    the single held class's outstanding units; two held voting classes without the issuer total: unknown."""
    from compliance.rules import issuer_voting_fraction

    pos = pd.DataFrame({
        "issuer_id": ["A", "A", "B", "C", "C", "D", "E"],
        "is_voting": [True, False, True, True, True, True, True],
        "shares": [100.0, 500.0, 30.0, 10.0, 10.0, 0.0, 5.0],
        "shares_outstanding": [1000.0, 10.0, 300.0, 100.0, 100.0, 50.0, np.nan],
        "issuer_voting_securities": [np.nan, np.nan, 600.0, np.nan, np.nan, np.nan, np.nan],
    }, index=["A1", "A2", "B1", "C1", "C2", "D1", "E1"])
    v = issuer_voting_fraction(pos)
    assert list(v.index) == ["A", "B", "C", "D", "E"]
    assert v["A"] == pytest.approx(0.1)  # the non-voting class is not counted
    assert v["B"] == pytest.approx(0.05)  # issuer total beats the class's own outstanding
    assert np.isnan(v["C"]) and np.isnan(v["E"])
    assert v["D"] == 0.0  # nothing held
