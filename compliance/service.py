"""Service functions the CLI and the API wrap: ``check``, ``pre_trade_check``, ``override``, ``report``,
``annual_report``, ``replay``, ``verify``.

State directory (``state_dir``)::

    audit/log.jsonl        hash-chained audit log (compliance.audit)
    snapshots/             content-addressed inputs and outputs of every check
    breaches.json          the current breach state (a materialised view; the log holds every version)

A check records, as snapshots named by their hashes: the holdings, the securities table (after a callable name
qualifier has been materialised into its column), prices and fund amounts, the effective configuration (with
overrides such as the industry column), the breach state before the check and the check's outputs. The previous
holdings used for active/passive classification are those of the latest earlier check (its sequence number is
recorded). ``replay(date)`` rebuilds everything from those snapshots and re-runs the pure checker; it returns the
same result hash or says where it differs.
"""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from .audit import AuditError, AuditLog, frame_from_json, frame_to_json
from .breaches import BreachBook
from .calendar import previous_quarter_end
from .check import CheckResult, check_book, pre_trade
from .inputs import Book, ComplianceInputError, build_book
from .rules import RuleSet, canonical_json, load_config

RIC_RULES = ("irc_851b3A_50pct_bucket", "irc_851b3Bi_single_issuer", "irc_851b3Bii_controlled_group")


def _as_date(d: date | str) -> date:
    return d if isinstance(d, date) else date.fromisoformat(str(d))


def _effective_config(config_path: str | Path | None, overrides: Mapping[str, Any] | None,
                      industry_column: str | None) -> dict[str, Any]:
    ov: dict[str, Any] = dict(overrides or {})
    if industry_column:
        ov.setdefault("classification", {})
        ov["classification"] = {**ov["classification"], "industry_column": industry_column}
    return load_config(config_path, ov)


def _holdings_frame(holdings: pd.DataFrame, prices: Mapping[str, float] | pd.Series | None) -> pd.DataFrame:
    h = holdings.copy()
    if prices is not None:
        p = pd.Series(prices, dtype=float) if not isinstance(prices, pd.Series) else prices.astype(float)
        p.index = p.index.astype(str)
        h["price"] = h["security_id"].astype(str).str.strip().map(p)
        if "price" in holdings.columns:
            h["price"] = h["price"].fillna(pd.to_numeric(holdings["price"], errors="coerce"))
    return h


def _result_hash(check: CheckResult, breaches: BreachBook) -> str:
    return hashlib.sha256(canonical_json({"check": check.to_dict(), "breaches": breaches.to_dict()})).hexdigest()


def _book_from_entry(log: AuditLog, entry: Mapping[str, Any], cfg: Mapping[str, Any] | None = None) -> Book:
    ins = entry["inputs"]
    cfg = cfg if cfg is not None else log.get(ins["config"])
    fund = log.get(ins["fund"])
    return build_book(date.fromisoformat(entry["as_of"]), frame_from_json(log.get(ins["holdings"])),
                      frame_from_json(log.get(ins["securities"])), cfg, nav_usd=fund["nav_usd"],
                      cash_usd=fund["cash_usd"], liabilities_usd=fund["liabilities_usd"],
                      total_assets_usd=fund["total_assets_usd"], borrowings_usd=fund["borrowings_usd"],
                      look_through=fund.get("look_through"))


def _prior_state_entry(entries: list[dict[str, Any]], d: date) -> dict[str, Any] | None:
    """The latest entry that produced a breach state before a check dated ``d``: any entry dated earlier, or an
    override dated ``d`` itself."""
    best = None
    for e in entries:
        ed = date.fromisoformat(e["as_of"])
        if "breaches_after_snapshot" in e["payload"] and (ed < d or (ed == d and e["kind"] != "check")):
            best = e
    return best


def _ric_prior_quarter_passed(entries: list[dict[str, Any]], d: date, fye: int) -> bool | None:
    cutoff = previous_quarter_end(d, fye)
    last = None
    for e in entries:
        if e["kind"] == "check" and e["payload"].get("is_quarter_end") and date.fromisoformat(e["as_of"]) <= cutoff:
            last = e
    return None if last is None else bool(last["payload"].get("ric_pass"))


def check(
    as_of: date | str,
    holdings_df: pd.DataFrame,
    securities_df: pd.DataFrame,
    prices: Mapping[str, float] | pd.Series | None,
    nav: float,
    state_dir: str | Path,
    *,
    cash_usd: float | None = None,
    liabilities_usd: float = 0.0,
    total_assets_usd: float | None = None,
    borrowings_usd: float = 0.0,
    config_path: str | Path | None = None,
    config_overrides: Mapping[str, Any] | None = None,
    industry_column: str | None = None,
    name_qualifier: Callable[[pd.DataFrame], pd.Series] | None = None,
    look_through: pd.DataFrame | list[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run the exact checker on a day's holdings, carry the breaches, write the audit entry; returns the check JSON.

    ``name_qualifier``: optional callable securities -> boolean Series (Rule 35d-1 qualifying set, e.g. "industry
    AI exposure above a threshold"); it is evaluated once and stored in the configured column so replay needs no
    code. ``industry_column`` overrides ``classification.industry_column`` (recorded in the config hash).
    ``look_through``: the controlled group's investments (IRC s.851(b)(3)(B), Treas. Reg. s.1.851-3; schema in
    :mod:`compliance.inputs`), recorded with the fund amounts so replay sees the same table.
    """
    d = _as_date(as_of)
    cfg = _effective_config(config_path, config_overrides, industry_column)
    sec = securities_df.copy()
    if name_qualifier is not None:
        q = pd.Series(name_qualifier(sec)).reset_index(drop=True)
        if len(q) != len(sec):
            raise ComplianceInputError("name qualifier returned the wrong number of rows", path="securities",
                                       column=cfg["classification"]["name_qualifying_column"],
                                       expected=f"{len(sec)} values", got=len(q))
        sec[cfg["classification"]["name_qualifying_column"]] = q.to_numpy()
    h = _holdings_frame(holdings_df, prices)
    book = build_book(d, h, sec, cfg, nav_usd=nav, cash_usd=cash_usd, liabilities_usd=liabilities_usd,
                      total_assets_usd=total_assets_usd, borrowings_usd=borrowings_usd, look_through=look_through)
    fund = {"nav_usd": float(nav), "cash_usd": None if cash_usd is None else float(cash_usd),
            "liabilities_usd": float(liabilities_usd),
            "total_assets_usd": None if total_assets_usd is None else float(total_assets_usd),
            "borrowings_usd": float(borrowings_usd)}
    if book.look_through is not None:
        fund["look_through"] = book.look_through.to_dict(orient="records")
    log = AuditLog(state_dir)
    entries = log.entries()
    return _run_and_record(log, entries, d, cfg, h, sec, fund, book)


def _run_and_record(log: AuditLog, entries: list[dict[str, Any]], d: date, cfg: dict[str, Any], h: pd.DataFrame,
                    sec: pd.DataFrame, fund: dict[str, Any], book: Book) -> dict[str, Any]:
    rules = RuleSet.from_config(cfg)
    prev_entries = [e for e in entries if e["kind"] == "check" and date.fromisoformat(e["as_of"]) < d]
    prev_entry = prev_entries[-1] if prev_entries else None
    previous = _book_from_entry(log, prev_entry) if prev_entry else None
    state_entry = _prior_state_entry(entries, d)
    before = BreachBook.from_dict(log.get(state_entry["payload"]["breaches_after_snapshot"])) if state_entry \
        else BreachBook()
    ric_prior = _ric_prior_quarter_passed(entries, d, int(cfg["fund"].get("fiscal_year_end_month", 12)))
    result, after = _evaluate(book, rules, previous, before, ric_prior)
    inputs = {"holdings": log.put(frame_to_json(h)), "securities": log.put(frame_to_json(sec)),
              "fund": log.put(fund), "config": log.put(cfg), "breaches_before": log.put(before.to_dict())}
    ric_pass = all(not r.violation and r.status != "not_evaluable" for r in result.results if r.rule_id in RIC_RULES)
    payload = {"is_quarter_end": result.is_quarter_end, "ric_pass": ric_pass,
               "ric_prior_quarter_passed": ric_prior,
               "previous_check_seq": prev_entry["seq"] if prev_entry else None,
               "summary": result.to_dict()["summary"], "config_version": cfg.get("version"),
               "result_snapshot": log.put(result.to_dict()),
               "breaches_after_snapshot": log.put(after.to_dict())}
    rh = _result_hash(result, after)
    entry = log.append("check", d, inputs=inputs, config_hash=rules.hash, result_hash=rh, payload=payload)
    after.save(Path(log.root) / "breaches.json")
    return _output(result, after, entry)


def _evaluate(book: Book, rules: RuleSet, previous: Book | None, before: BreachBook,
              ric_prior: bool | None) -> tuple[CheckResult, BreachBook]:
    result = check_book(book, rules, previous, ric_prior_quarter_passed=ric_prior)
    after = BreachBook.from_dict(before.to_dict())
    after.update(result)
    return result, after


def _output(result: CheckResult, breaches: BreachBook, entry: Mapping[str, Any]) -> dict[str, Any]:
    out = result.to_dict()
    for r in out["rules"]:
        b = breaches.open_for(r["rule_id"])
        if b is not None:
            r["breach_id"] = b.breach_id
            r["breach_status"] = b.status
            r["breach_class"] = b.breach_class
            r["hardness"] = b.hardness
            r["cure_deadline"] = b.cure_deadline.isoformat() if b.cure_deadline else None
            r["detected"] = b.detected.isoformat()
            r["days_open"] = b.days_open(result.as_of)
            r["overdue"] = b.overdue
    out["breaches"] = [b.to_dict() for b in breaches.breaches if b.is_open or b.resolved_on == result.as_of]
    out["audit"] = {"seq": entry["seq"], "entry_hash": entry["entry_hash"], "result_hash": entry["result_hash"],
                    "config_hash": entry["config_hash"]}
    return out


def pre_trade_check(as_of: date | str, holdings_df: pd.DataFrame, securities_df: pd.DataFrame,
                    prices: Mapping[str, float] | pd.Series | None, nav: float, trades: Mapping[str, float], *,
                    cash_usd: float | None = None, liabilities_usd: float = 0.0,
                    config_path: str | Path | None = None, config_overrides: Mapping[str, Any] | None = None,
                    state_dir: str | Path | None = None,
                    look_through: pd.DataFrame | list[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """Pre-trade check of ``trades`` (security_id -> change in units) against today's holdings (read-only)."""
    d = _as_date(as_of)
    cfg = _effective_config(config_path, config_overrides, None)
    book = build_book(d, _holdings_frame(holdings_df, prices), securities_df, cfg, nav_usd=nav, cash_usd=cash_usd,
                      liabilities_usd=liabilities_usd, look_through=look_through)
    ric_prior = None
    if state_dir is not None:
        ric_prior = _ric_prior_quarter_passed(AuditLog(state_dir).entries(), d,
                                              int(cfg["fund"].get("fiscal_year_end_month", 12)))
    return pre_trade(book, trades, RuleSet.from_config(cfg), ric_prior_quarter_passed=ric_prior).to_dict()


def override(state_dir: str | Path, breach_id: str, *, reason: str, approver: str, on: date | str) -> dict[str, Any]:
    """Record an override (reason + approver) on an open breach; appended to the audit log."""
    d = _as_date(on)
    log = AuditLog(state_dir)
    entries = log.entries()
    last = None
    for e in entries:
        if "breaches_after_snapshot" in e["payload"]:
            last = e
    if last is None:
        raise AuditError("no breach state on record: run a check first")
    book = BreachBook.from_dict(log.get(last["payload"]["breaches_after_snapshot"]))
    before_hash = log.put(book.to_dict())
    b = book.override(breach_id, reason=reason, approver=approver, on=d)
    after_hash = log.put(book.to_dict())
    entry = log.append("override", d, inputs={"breaches_before": before_hash}, config_hash=last["config_hash"],
                       result_hash=after_hash,
                       payload={"breach_id": breach_id, "rule_id": b.rule_id, "reason": reason.strip(),
                                "approver": approver.strip(), "breaches_after_snapshot": after_hash})
    book.save(Path(state_dir) / "breaches.json")
    return {"breach": b.to_dict(), "audit": {"seq": entry["seq"], "entry_hash": entry["entry_hash"]}}


def _check_entry(log: AuditLog, d: date, seq: int | None = None) -> dict[str, Any]:
    cands = [e for e in log.entries() if e["kind"] == "check" and e["as_of"] == d.isoformat()
             and (seq is None or e["seq"] == seq)]
    if not cands:
        raise AuditError(f"no compliance check recorded for {d.isoformat()}" + (f" with seq {seq}" if seq else ""))
    return cands[-1]


def replay(as_of: date | str, state_dir: str | Path, *, seq: int | None = None) -> dict[str, Any]:
    """Re-run the recorded check of ``as_of`` from its snapshots (read-only) and compare result hashes."""
    d = _as_date(as_of)
    log = AuditLog(state_dir)
    entry = _check_entry(log, d, seq)
    cfg = log.get(entry["inputs"]["config"])
    rules = RuleSet.from_config(cfg)
    if rules.hash != entry["config_hash"]:
        raise AuditError(f"seq {entry['seq']}: the recorded configuration does not match its config hash")
    book = _book_from_entry(log, entry, cfg)
    prev_seq = entry["payload"].get("previous_check_seq")
    previous = None
    if prev_seq is not None:
        prev_entry = next(e for e in log.entries() if e["seq"] == prev_seq)
        previous = _book_from_entry(log, prev_entry)
    before = BreachBook.from_dict(log.get(entry["inputs"]["breaches_before"]))
    result, after = _evaluate(book, rules, previous, before, entry["payload"].get("ric_prior_quarter_passed"))
    rh = _result_hash(result, after)
    out = _output(result, after, entry)
    return {"as_of": d.isoformat(), "seq": entry["seq"], "matches": rh == entry["result_hash"],
            "recorded_result_hash": entry["result_hash"], "replayed_result_hash": rh,
            "config_version": cfg.get("version"), "config_hash": rules.hash, "result": out}


def verify(state_dir: str | Path, expected_head: str | None = None) -> dict[str, Any]:
    v = AuditLog(state_dir).verify(expected_head)
    return {"ok": v.ok, "entries": v.entries, "head": v.head, "problems": v.problems}


def load_recorded_check(state_dir: str | Path, as_of: date | str) -> tuple[dict[str, Any], dict[str, Any], Book]:
    """The recorded check output, breach state and rebuilt book of a date (for reports)."""
    d = _as_date(as_of)
    log = AuditLog(state_dir)
    entry = _check_entry(log, d)
    result = log.get(entry["payload"]["result_snapshot"])
    state = entry
    for e in log.entries():  # overrides recorded later the same day belong in that day's report
        if e["seq"] > entry["seq"] and e["as_of"] == d.isoformat() and "breaches_after_snapshot" in e["payload"]:
            state = e
    breaches = log.get(state["payload"]["breaches_after_snapshot"])
    return {**result, "audit": {"seq": entry["seq"], "entry_hash": entry["entry_hash"],
                                "result_hash": entry["result_hash"], "config_hash": entry["config_hash"]}}, \
        breaches, _book_from_entry(log, entry)


def report(as_of: date | str, state_dir: str | Path, out_dir: str | Path) -> dict[str, str]:
    """Render the daily report (HTML + PDF) of a recorded check, and the RIC report on a quarter-end date."""
    from .reports import render_daily, render_ric

    d = _as_date(as_of)
    check_out, breaches, book = load_recorded_check(state_dir, d)
    log = AuditLog(state_dir)
    head = log.verify()
    cfg = log.get(_check_entry(log, d)["inputs"]["config"])
    paths = render_daily(check_out, breaches, book, cfg, Path(out_dir), audit_head=head)
    if check_out.get("is_quarter_end"):
        paths.update(render_ric(check_out, book, cfg, Path(out_dir), audit_head=head))
    files = {k: hashlib.sha256(Path(p).read_bytes()).hexdigest() for k, p in paths.items()}
    log.append("report", d, inputs={}, config_hash=check_out["config_hash"], result_hash=None,
               payload={"files": {k: Path(p).name for k, p in paths.items()}, "file_hashes": files,
                        "check_seq": check_out["audit"]["seq"]})
    return {k: str(p) for k, p in paths.items()}


def annual_report(year: int, state_dir: str | Path, out_dir: str | Path) -> dict[str, str]:
    """The CCO's annual summary for ``year`` (HTML + PDF) from the audit trail."""
    from .reports import render_annual

    return {k: str(p) for k, p in render_annual(year, AuditLog(state_dir), Path(out_dir)).items()}
