"""The exact checker: evaluates every enabled rule on a day's holdings, independent of the optimizer.

Status (per rule)
-----------------
``pass``           within the limit and outside the warning buffer
``warn``           within the limit but inside the warning buffer (``warn_buffer`` in the config)
``breach``         over the limit (even in the best case for missing data)
``not_evaluable``  the answer depends on missing data (e.g. unknown shares outstanding); the reasons name it

The status is decided on amounts, never on fractions: the rule's worst-case excess over its limit in USD or units
(``Measurement.over``) against an allowance below one cent / one share (config ``tolerance``; see
:mod:`compliance.rule_base`). Exactly at the limit passes; one cent or one share over fails, at any fund size.

Breach classification
---------------------
``breach_class``: ``active`` when the breach is wholly or partly the result of an acquisition since the previous
holdings, ``passive`` when it comes only from market moves (or from sales / flows). The test, in the words of
ICA s.5(c) and IRC s.851(d)(1): compare the book with its counterfactual (the previous units at today's prices,
the cash of the trades put back); the breach is active if an acquired security belongs to a subject that
contributes to the breach (an issuer outside the bucket, an industry over 25%, a non-qualifying security ...) or
if the acquisitions made the measure worse than the counterfactual. With no previous holdings on record the
breach is conservatively classified ``active``.

``hardness``: ``hard`` for a violation of a regulatory or prospectus limit (an active breach; for quarter-end
RIC tests also a passive discrepancy when the prior quarter's pass is not on record, since s.851(d)(1) protects
only a company that met the test at the close of an earlier quarter); ``soft`` for passive excursions that the
rule tolerates and for every internal limit. ``violation`` = hard breach.

``cure_deadline``: from the rule's cure spec for the class (see the config): e.g. 30 days after the quarter end
for an acquisition-caused RIC failure (s.851(d)(1)), or 6 months after the quarter end when the failure is de
minimis (assets to dispose of worth no more than the lesser of 1% of total assets or $10 million, s.851(d)(2)(A)),
90 days for a Rule 35d-1 departure.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any, Mapping

import pandas as pd

from .calendar import add_months, cure_deadline, is_quarter_end_test_date, quarter_end
from .data_age import book_for_rule
from .inputs import Book
from .rules import InternalTurnover, Measurement, Rule, RuleSet, canonical_json, tolerances

STATUSES = ("pass", "warn", "breach", "not_evaluable")


@dataclass
class RuleResult:
    rule_id: str
    title: str
    citation: str
    text: str
    severity: str
    basis: str
    timing: str
    semantics: str
    value: float | None
    best_value: float | None
    limit: float
    comparison: str  # "<=" or ">="
    headroom: float | None
    headroom_usd: float | None
    warn_threshold: float
    status: str
    breach_class: str | None = None
    hardness: str | None = None
    violation: bool = False
    cure_deadline: date | None = None
    cure_note: str | None = None
    reasons: list[str] = field(default_factory=list)
    contributors: list[str] = field(default_factory=list)
    acquired_contributors: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    excess_usd: float = 0.0
    details: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""
    #: the decisive amount: worst-case excess over the limit (shortfall for a minimum) in ``over_unit``
    over: float | None = None
    over_unit: str = "USD"

    def to_dict(self) -> dict[str, Any]:
        # shallow: the fields hold plain values, lists and dicts (no nested dataclass), which _jsonable copies
        return _jsonable({f.name: getattr(self, f.name) for f in fields(self)})


@dataclass
class CheckResult:
    as_of: date
    config_version: str
    config_hash: str
    fiscal_quarter_end: date
    is_quarter_end: bool
    previous_on_record: bool
    acquisitions: list[str]
    nav_usd: float
    total_assets_usd: float
    cash_usd: float
    results: list[RuleResult]

    @property
    def violations(self) -> list[RuleResult]:
        return [r for r in self.results if r.violation]

    def by_id(self) -> dict[str, RuleResult]:
        return {r.rule_id: r for r in self.results}

    def to_dict(self) -> dict[str, Any]:
        d = _jsonable({f.name: getattr(self, f.name) for f in fields(self) if f.name != "results"})
        d["rules"] = [r.to_dict() for r in self.results]
        d["summary"] = {s: sum(r.status == s for r in self.results) for s in STATUSES}
        d["summary"]["violations"] = len(self.violations)
        return d

    def result_hash(self) -> str:
        return hashlib.sha256(canonical_json(self.to_dict())).hexdigest()


@dataclass
class PreTradeResult:
    """Pre-trade verdict: ``blocked`` when a regulatory or prospectus limit would be actively breached, or a
    regulatory rule is not evaluable after a trade that acquires anything (missing data never lets a trade
    through). Internal active breaches do not block; they need an override (reason and approver)."""

    blocked: bool
    reasons: list[str]
    requires_override: list[str]
    trades: dict[str, float]
    after: CheckResult

    def to_dict(self) -> dict[str, Any]:
        return {"blocked": self.blocked, "reasons": self.reasons, "requires_override": self.requires_override,
                "trades": dict(sorted(self.trades.items())), "after": self.after.to_dict()}


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in obj]
        return sorted(items, key=str) if isinstance(obj, (set, frozenset)) else items
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else float(obj)
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        return _jsonable(obj.item())
    if obj is pd.NA:
        return None
    return obj


# ---------------------------------------------------------------------------------------------- classification
def acquired_securities(book: Book, previous: Book, tol_units: float = 0.001) -> list[str]:
    """Securities whose units rose since ``previous`` by more than ``tol_units`` (for derivatives: whose absolute
    units rose): one share bought is an acquisition at any position size."""
    prev = previous.positions["shares"].reindex(book.positions.index).fillna(0.0)
    cur = book.positions["shares"]
    deriv = book.positions["asset_type"].eq("derivative")
    cur_m = cur.where(~deriv, cur.abs())
    prev_m = prev.where(~deriv, prev.abs())
    up = cur_m > prev_m + tol_units
    return sorted(book.positions.index[up])


def counterfactual(book: Book, previous: Book) -> Book:
    """The previous units at today's prices with the trades' cash put back (total assets unchanged): the book the
    fund would hold had it not traded. Securities sold out since keep their previous price and attributes."""
    pos = book.positions.copy()
    prev_shares = previous.positions["shares"].reindex(pos.index).fillna(0.0)
    net_bought = float(((pos["shares"] - prev_shares) * pos["price"]).sum())
    pos["shares"] = prev_shares
    gone_idx = previous.positions.index.difference(pos.index)
    gone = previous.positions.loc[gone_idx]
    sold_value = float((gone["shares"] * gone["price"]).sum())
    cols = list(pos.columns)
    frames = [pos] + ([gone.reindex(columns=cols)] if len(gone) else [])
    allpos = pd.concat(frames).sort_index()
    allpos["value_usd"] = allpos["shares"] * allpos["price"]
    return replace(book, positions=allpos, cash_usd=book.cash_usd + net_bought - sold_value)


def _status(rule: Rule, m: Measurement) -> tuple[str, list[str]]:
    """Status from the amounts (``m.over``: excess over the limit in USD or units; see rule_base), never from the
    fractions: pass iff the worst-case excess is at most the allowance (below one cent / one unit)."""
    tol = rule.allowance(m.unit)
    reasons: list[str] = []
    worst_ok = m.over is not None and m.over <= tol
    best_bad = m.best_over is not None and m.best_over > tol
    if best_bad:
        return "breach", reasons
    if not worst_ok:
        missing = ", ".join(m.unknown[:10]) + (" ..." if len(m.unknown) > 10 else "")
        reasons.append(f"not evaluable: the result depends on missing data for {missing or 'some positions'}")
        return "not_evaluable", reasons
    buf = rule.warn_buffer
    # the warning buffer is advisory (not a legal boundary) and is read on the fractions
    inside = (m.value > m.limit - buf) if m.kind == "max" else (m.value < m.limit + buf)
    return ("warn" if buf > 0 and inside else "pass"), reasons


def _evaluate(rule: Rule, book: Book, previous: Book | None) -> Measurement:
    """The rule's measurement on the book as the rule may read it: data older than the rule's maximum age
    (:mod:`compliance.data_age`) are missing for it; the note says which."""
    if isinstance(rule, InternalTurnover):
        return rule.measure_trades(book, previous)
    rbook, note = book_for_rule(book, rule.config, rule.rule_id)
    m = rule.measure(rbook)
    return replace(m, note=(m.note + "; " if m.note else "") + note) if note else m


def check_book(book: Book, rules: RuleSet, previous: Book | None = None, *,
               ric_prior_quarter_passed: bool | None = None) -> CheckResult:
    """Evaluate every rule of ``rules`` on ``book``; ``previous`` (the last checked holdings) drives the
    active/passive classification. ``ric_prior_quarter_passed``: whether the RIC tests passed at the close of an
    earlier quarter (s.851(d)(1) protection); None = not on record."""
    cfg = rules.config
    fye = int(cfg["fund"].get("fiscal_year_end_month", 12))
    qe = quarter_end(book.as_of, fye)
    at_qe = is_quarter_end_test_date(book.as_of, fye)
    acquired = acquired_securities(book, previous, tolerances(cfg)[1]) if previous is not None else []
    cf_book = counterfactual(book, previous) if previous is not None else None
    results: list[RuleResult] = []
    for rule in rules:
        m = _evaluate(rule, book, previous)
        status, reasons = _status(rule, m)
        shown = m.value if m.value is not None else m.best
        headroom = None
        if shown is not None:
            headroom = (m.limit - shown) if m.kind == "max" else (shown - m.limit)
        res = RuleResult(
            rule_id=rule.rule_id, title=rule.describe()["title"], citation=rule.describe()["citation"],
            text=rule.describe()["text"], severity=rule.severity, basis=rule.basis, timing=rule.timing,
            semantics=rule.semantics, value=shown, best_value=m.best, limit=m.limit,
            comparison="<=" if m.kind == "max" else ">=", headroom=headroom,
            headroom_usd=None if headroom is None or m.basis_usd is None else headroom * m.basis_usd,
            warn_threshold=(m.limit - rule.warn_buffer) if m.kind == "max" else (m.limit + rule.warn_buffer),
            status=status, reasons=reasons, contributors=sorted(m.contributors), unknown=list(m.unknown),
            excess_usd=m.excess_usd, details=list(m.details), note=m.note, over=m.over, over_unit=m.unit)
        if rule.semantics == "quarter_end" and not at_qe:
            res.note = (res.note + "; " if res.note else "") + \
                f"quarter-end test (next test date {qe.isoformat()}); today's figures are a projection"
        if status == "breach":
            _classify(res, rule, m, book, previous, cf_book, acquired, qe, fye, ric_prior_quarter_passed)
        results.append(res)
    return CheckResult(as_of=book.as_of, config_version=str(cfg.get("version")), config_hash=rules.hash,
                       fiscal_quarter_end=qe, is_quarter_end=at_qe, previous_on_record=previous is not None,
                       acquisitions=acquired, nav_usd=book.nav_usd, total_assets_usd=book.total_assets_usd,
                       cash_usd=book.cash_usd, results=results)


def _classify(res: RuleResult, rule: Rule, m: Measurement, book: Book, previous: Book | None,
              cf_book: Book | None, acquired: list[str], qe: date, fye: int,
              ric_prior_quarter_passed: bool | None) -> None:
    if previous is None:
        active = True
        res.reasons.append("no previous holdings on record: treated as caused by an acquisition")
    elif isinstance(rule, InternalTurnover):
        active = True  # turnover exists only through trades
    else:
        hit = sorted(rule.subjects_of(acquired, book) & m.contributors)
        res.acquired_contributors = hit
        worse = False
        if acquired and cf_book is not None:
            cf = _evaluate(rule, cf_book, previous)
            if cf.over is not None and m.over is not None:
                worse = m.over > cf.over + rule.allowance(m.unit)
        active = bool(hit) or worse
        if hit:
            res.reasons.append("caused or worsened by the acquisition of " + ", ".join(hit))
        elif worse:
            res.reasons.append("worsened by the acquisitions since the previous holdings")
        else:
            res.reasons.append("market movement or sales only: no acquisition caused or worsened it")
    res.breach_class = "active" if active else "passive"
    hard = rule.severity in ("regulatory", "prospectus") and active
    spec_class = res.breach_class
    if rule.semantics == "quarter_end" and not active and ric_prior_quarter_passed is not True:
        hard = rule.severity in ("regulatory", "prospectus")
        spec_class = "active"
        res.reasons.append("s.851(d)(1) protects a passive discrepancy only after the test was met at the close of "
                           "an earlier quarter; that pass is not on record")
    res.hardness = "hard" if hard else "soft"
    res.violation = hard
    spec = rule.cure_spec(spec_class)
    res.cure_deadline = cure_deadline(spec, book.as_of, fye)
    res.cure_note = spec.get("note") if spec else None
    dm = rule.params.get("de_minimis")
    if dm and hard and res.cure_deadline is not None:
        threshold = min(float(dm["fraction_of_total_assets"]) * book.total_assets_usd, float(dm["usd"]))
        if m.excess_usd <= threshold + rule.tol_usd:
            res.cure_deadline = add_months(qe, int(dm["months"]))
            res.cure_note = (f"de minimis failure (assets to dispose of ${m.excess_usd:,.0f} <= lesser of 1% of total "
                             f"assets or $10 million = ${threshold:,.0f}): dispose of assets or otherwise meet the "
                             f"test within {dm['months']} months after the quarter end (IRC s.851(d)(2)(A))")
        else:
            res.reasons.append(f"not de minimis: ${m.excess_usd:,.0f} of assets to dispose of exceeds "
                               f"${threshold:,.0f}")


def pre_trade(book: Book, trades: Mapping[str, float], rules: RuleSet, *,
              ric_prior_quarter_passed: bool | None = None) -> PreTradeResult:
    """Check the book after ``trades`` (security_id -> change in units, at today's prices, paid from cash)."""
    after = book.apply_trades(trades)
    res = check_book(after, rules, previous=book, ric_prior_quarter_passed=ric_prior_quarter_passed)
    acquires = bool(res.acquisitions)
    reasons: list[str] = []
    override: list[str] = []
    for r in res.results:
        if r.status == "breach" and r.breach_class == "active":
            msg = (f"{r.rule_id} ({r.citation}): value {r.value:.6g} vs limit {r.comparison} {r.limit:.6g}; "
                   + "; ".join(r.reasons))
            if r.severity in ("regulatory", "prospectus"):
                reasons.append(msg)
            else:
                override.append(msg)
        elif r.status == "not_evaluable" and r.severity == "regulatory" and acquires:
            reasons.append(f"{r.rule_id} ({r.citation}) is not evaluable after the trade: " + "; ".join(r.reasons))
    return PreTradeResult(blocked=bool(reasons), reasons=reasons, requires_override=override,
                          trades={k: float(v) for k, v in trades.items()}, after=res)
