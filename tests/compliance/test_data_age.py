"""Maximum data age per datum and per rule (compliance/data_age.py): boundaries in the checker and the compiler."""
from __future__ import annotations

from datetime import date, timedelta

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

from compliance.check import check_book
from compliance.compile import compile_rules
from compliance.inputs import ComplianceInputError
from compliance.rules import ConfigError, RuleSet, load_config

from .factory import percent_book, securities_frame

AS_OF = date(2024, 3, 29)
MAX_5B1 = 30  # a short limit for the s.5(b)(1) voting test only; every other rule keeps the config's default
CFG = load_config(overrides={"data_max_age_calendar_days": {"shares_outstanding": {"ica_5b1_diversification":
                                                                                   MAX_5B1}}})
RULES = RuleSet.from_config(CFG)
DEFAULT = CFG["data_max_age_calendar_days"]["shares_outstanding"]["default"]


def _book(age_days: int | None):
    """The s.5(b)(1) bucket at exactly 75%: four issuers at 6.25% (outside), X at 4% holding 5% of its voting
    stock (inside only if its share count is known), the rest in 4% positions and cash. X's share count is dated
    ``age_days`` before the check (None: undated)."""
    alloc = {f"L{i}": 6.25 for i in range(1, 5)} | {"X": 4.0} | {f"S{i}": 4.0 for i in range(17)}
    rows = [{"security_id": s} for s in alloc]
    sec = securities_frame(rows)
    sec.loc[sec["security_id"] == "X", "shares_outstanding"] = 4.0 / 100 * 1e8 / 10.0 / 0.05
    sec["shares_outstanding_asof"] = None
    if age_days is not None:
        sec.loc[sec["security_id"] == "X", "shares_outstanding_asof"] = (AS_OF - timedelta(days=age_days)).isoformat()
    return percent_book(alloc, securities=sec, cash_pct=3.0, config=CFG, as_of=AS_OF)


@pytest.mark.parametrize("age,expected", [(None, "pass"), (0, "pass"), (MAX_5B1, "pass"),
                                          (MAX_5B1 + 1, "not_evaluable")])
def test_age_at_the_maximum_is_used_one_day_more_is_not_evaluable_for_that_rule_only(age, expected):
    res = check_book(_book(age), RULES).by_id()
    r = res["ica_5b1_diversification"]
    assert r.status in ((expected, "warn") if expected == "pass" else (expected,))
    if expected == "not_evaluable":
        assert r.unknown == ["X"] and "older than 30 days" in r.note
    # the RIC 50% test reads the same datum with the default limit (DEFAULT days): unaffected
    assert res["irc_851b3A_50pct_bucket"].status in ("pass", "warn")
    assert "older than" not in res["irc_851b3A_50pct_bucket"].note


def test_default_limit_applies_to_every_rule_at_its_boundary():
    at = check_book(_book(DEFAULT), RULES).by_id()
    over = check_book(_book(DEFAULT + 1), RULES).by_id()
    assert at["irc_851b3A_50pct_bucket"].unknown == [] and "older than" not in at["irc_851b3A_50pct_bucket"].note
    assert "X" in over["irc_851b3A_50pct_bucket"].note and "X" in over["ica_5b1_diversification"].unknown


def test_compiled_rows_treat_a_stale_datum_as_missing_for_that_rule_only():
    """Compiled two ways: the compiler puts X (stale for s.5(b)(1)) in that rule's large bucket (unknown voting
    stock: the checker's worst case) and nowhere else; at the maximum age X stays a small issuer."""
    for age, stale in ((MAX_5B1, False), (MAX_5B1 + 1, True)):
        book = _book(age)
        pos = book.positions
        sec = pos.drop(columns=["shares", "price", "value_usd"]).reset_index()
        w0 = (pos["value_usd"] / book.nav_usd).to_numpy()
        comp = compile_rules(cp.Variable(len(sec)), sec, w0, book.nav_usd, RULES, prices=pos["price"],
                             as_of=AS_OF)
        assert ("X" in comp.large_bucket["ica_5b1_diversification"]) is stale
        assert "X" not in comp.large_bucket["irc_851b3A_50pct_bucket"]
        assert any("ica_5b1_diversification" in n for n in comp.notes) is stale
        # without a date the compiler cannot age anything
        plain = compile_rules(cp.Variable(len(sec)), sec, w0, book.nav_usd, RULES, prices=pos["price"])
        assert "X" not in plain.large_bucket["ica_5b1_diversification"]


def test_bad_dates_and_bad_limits_are_named():
    sec = securities_frame([{"security_id": "A"}, {"security_id": "B"}])
    sec["adv_shares_asof"] = ["2024-01-02", "yesterday"]
    h = pd.DataFrame({"security_id": ["A"], "shares": [1.0], "price": [10.0]})
    from compliance.inputs import build_book

    with pytest.raises(ComplianceInputError, match=r"row 3.*adv_shares_asof|adv_shares_asof.*row 3"):
        build_book(AS_OF, h, sec, CFG, nav_usd=1e6)
    with pytest.raises(ConfigError, match="data_max_age_calendar_days.shares_outstanding.no_such_rule"):
        load_config(overrides={"data_max_age_calendar_days": {"shares_outstanding": {"no_such_rule": 5}}})
    with pytest.raises(ConfigError, match=r"adv_shares.rule_22e4_illiquid: expected a number of calendar days"):
        load_config(overrides={"data_max_age_calendar_days": {"adv_shares": {"rule_22e4_illiquid": -1}}})
    assert np.isfinite(DEFAULT)
