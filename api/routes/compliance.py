"""Compliance: status, recorded checks, open breaches, reports (HTML/PDF/JSON) and replay, read from the
per-universe compliance state directories ``<home>/compliance/<universe>/`` that the daily run writes (audit log,
snapshots, breaches.json; see :mod:`compliance.service` and :func:`pipeline.daily.compliance_dir`).

Every endpoint takes ``?universe=``. Without it, ``status`` and ``breaches`` cover every universe with a recorded
check (each item names its universe, so nothing recorded is ever hidden), ``checks`` lists every universe's checks,
and a date-addressed endpoint (check, replay, report) uses the one universe with a check on that date, or answers 422
naming the candidates when there are several.
"""
from __future__ import annotations

import json
from datetime import date as Date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Path as PathParam, Query, Request
from fastapi.responses import FileResponse

from compliance import service
from compliance.audit import AuditError, AuditLog

from ..deps import Paging, ReadAccess, State
from ..errors import ApiError
from ..schemas import NAME_PATTERN, Breach, ComplianceCheckDay, ComplianceStatus, Page, Problem

router = APIRouter(prefix="/v1/compliance", tags=["compliance"], responses={
    401: {"model": Problem, "description": "missing or unknown API key"},
    404: {"model": Problem, "description": "no check recorded (for that date)"},
    422: {"model": Problem, "description": "invalid parameter"}})

DateP = Annotated[str, PathParam(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")]
UniverseQ = Annotated[str | None, Query(pattern=NAME_PATTERN, max_length=64,
                                        description="universe (sp500, sector_etfs or a user universe); default: "
                                                    "every universe with a recorded check")]


def state_root(state) -> Path:
    return state.settings.core.home / "compliance"


def universes(state) -> list[str]:
    """Universes whose state directory holds an audit log (``<home>/compliance/<universe>/audit/log.jsonl``)."""
    root = state_root(state)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "audit" / "log.jsonl").is_file())


def state_dir(state, universe: str) -> Path:
    return state_root(state) / universe


def _selected(state, universe: str | None) -> list[str]:
    have = universes(state)
    if universe is None:
        return have
    if universe not in have:
        raise ApiError(404, f"no compliance check recorded for universe {universe!r} (universes with checks: "
                            f"{', '.join(have) or 'none'}); run `econgraph rebalance --universe {universe}` first",
                       "unknown-universe")
    return [universe]


def _checks(state, universe: str) -> list[dict]:
    try:
        return [e for e in AuditLog(state_dir(state, universe)).entries() if e["kind"] == "check"]
    except AuditError as exc:
        raise ApiError(503, f"the compliance audit log of universe {universe!r} cannot be read: {exc}",
                       "audit-unreadable") from exc


def _universe_for_date(state, universe: str | None, d: str) -> str:
    """The universe a date-addressed request means: the one given, or the only one with a check on ``d``."""
    names = _selected(state, universe)
    if universe is not None:
        return universe
    with_day = [u for u in names if any(e["as_of"] == d for e in _checks(state, u))]
    if not with_day:
        raise ApiError(404, f"no compliance check recorded on {d} in any universe (universes with checks: "
                            f"{', '.join(names) or 'none'})", "no-check")
    if len(with_day) > 1:
        raise ApiError(422, f"checks on {d} exist for universes {', '.join(with_day)}: pass ?universe=",
                       "ambiguous-universe")
    return with_day[0]


def _date(s: str) -> str:
    try:
        return Date.fromisoformat(s).isoformat()
    except ValueError as exc:
        raise ApiError(422, f"date {s!r} is not a calendar date (YYYY-MM-DD)", "validation") from exc


def _breaches(state, universe: str) -> list[dict]:
    p = state_dir(state, universe) / "breaches.json"
    if not p.is_file():
        return []
    try:
        return [{**b, "universe": universe} for b in json.loads(p.read_text())["breaches"]]
    except (OSError, ValueError, KeyError) as exc:
        raise ApiError(503, f"{p} cannot be read: {exc}", "compliance-unreadable") from exc


def _is_open(b: dict) -> bool:
    return b["status"] in ("open", "overridden")


def _universe_status(state, universe: str) -> dict:
    checks = _checks(state, universe)
    open_b = [b for b in _breaches(state, universe) if _is_open(b)]
    v = service.verify(state_dir(state, universe)) if checks else {"ok": True, "entries": 0, "head": None,
                                                                    "problems": []}
    last = checks[-1] if checks else None
    return {"universe": universe, "as_of": last["as_of"] if last else None,
            "summary": last["payload"].get("summary") if last else None,
            "config_version": last["payload"].get("config_version") if last else None,
            "open_breaches": len(open_b), "overdue_breaches": sum(bool(b.get("overdue")) for b in open_b),
            "open_by_severity": {s: sum(b.get("severity") == s for b in open_b)
                                 for s in sorted({b.get("severity") or "unknown" for b in open_b})},
            "checks_recorded": len(checks),
            "audit": {"ok": v["ok"], "entries": v["entries"], "head": v["head"], "problems": v["problems"][:5]}}


@router.get("/universes", response_model=Page[str], summary="Universes with a recorded compliance check")
def compliance_universes(state: State, _: ReadAccess, request: Request, paging: Paging):
    return paging.slice(request, universes(state))


@router.get("/status", response_model=ComplianceStatus,
            summary="The latest check, open breaches and the audit chain's integrity (one universe, or all)")
def status(state: State, _: ReadAccess, universe: UniverseQ = None):
    """With ``universe``: that universe's latest check. Without: every universe's status under ``universes``; the
    top-level check fields are those of the most recent check in any universe, and the counts are totals (an open
    breach anywhere is counted, and the audit is ok only when every universe's chain verifies)."""
    per = [_universe_status(state, u) for u in _selected(state, universe)]
    if not per:
        return {"universe": None, "as_of": None, "summary": None, "config_version": None, "open_breaches": 0,
                "overdue_breaches": 0, "checks_recorded": 0, "universes": [],
                "audit": {"ok": True, "entries": 0, "head": None, "problems": []}}
    latest = max(per, key=lambda s: (s["as_of"] or "", s["universe"]))
    audit = latest["audit"] if len(per) == 1 else {
        "ok": all(s["audit"]["ok"] for s in per), "entries": sum(s["audit"]["entries"] for s in per),
        "head": None, "problems": [f"{s['universe']}: {p}" for s in per for p in s["audit"]["problems"]][:5]}
    return {"universe": latest["universe"] if len(per) == 1 else None, "as_of": latest["as_of"],
            "summary": latest["summary"], "config_version": latest["config_version"],
            "open_breaches": sum(s["open_breaches"] for s in per),
            "overdue_breaches": sum(s["overdue_breaches"] for s in per),
            "checks_recorded": sum(s["checks_recorded"] for s in per), "universes": per, "audit": audit}


@router.get("/checks", response_model=Page[ComplianceCheckDay], summary="Recorded checks, newest first")
def checks(state: State, _: ReadAccess, request: Request, paging: Paging, universe: UniverseQ = None):
    items = [{"universe": u, "as_of": e["as_of"], "seq": e["seq"], "summary": e["payload"].get("summary") or {}}
             for u in _selected(state, universe) for e in _checks(state, u)]
    items.sort(key=lambda it: (it["as_of"], it["seq"], it["universe"]), reverse=True)
    return paging.slice(request, items)


@router.get("/checks/{date}", response_model=dict, summary="A recorded check (every rule's value, limit, status)")
def check(state: State, _: ReadAccess, date: DateP, universe: UniverseQ = None):
    d = _date(date)
    u = _universe_for_date(state, universe, d)
    try:
        out, breaches, _book = service.load_recorded_check(state_dir(state, u), d)
    except AuditError as exc:
        raise ApiError(404, f"universe {u!r}: {exc}", "no-check") from exc
    return {"universe": u, **out, "breach_state": breaches}


@router.get("/checks/{date}/replay", response_model=dict,
            summary="Re-run the recorded check from its snapshots and compare result hashes")
def replay(state: State, _: ReadAccess, date: DateP, universe: UniverseQ = None):
    d = _date(date)
    u = _universe_for_date(state, universe, d)
    try:
        rep = service.replay(d, state_dir(state, u))
    except AuditError as exc:
        raise ApiError(404, f"universe {u!r}: {exc}", "no-check") from exc
    return {"universe": u, **{k: v for k, v in rep.items() if k != "result"}}


class BreachPage(Page[Breach]):
    pass


@router.get("/breaches", response_model=BreachPage, summary="Breaches (open by default), oldest detection first")
def breaches(state: State, _: ReadAccess, request: Request, paging: Paging,
             status: Annotated[Literal["open", "all"], Query(description="open = open or overridden")] = "open",
             universe: UniverseQ = None):
    items = [b for u in _selected(state, universe) for b in _breaches(state, u)]
    if status == "open":
        items = [b for b in items if _is_open(b)]
    items = sorted(items, key=lambda b: (b["detected"], b["universe"], b["rule_id"]))
    return paging.slice(request, items)


@router.get("/reports/{date}", summary="The daily compliance report (HTML, PDF or JSON)",
            responses={200: {"content": {"text/html": {}, "application/pdf": {}, "application/json": {}},
                             "description": "the report"}})
def report(state: State, _: ReadAccess, date: DateP,
           format: Annotated[Literal["html", "pdf", "json"], Query()] = "html", universe: UniverseQ = None):
    """Rendered once per date into ``<home>/compliance/<universe>/reports/`` (the rendering is recorded in the audit
    log) and served from there afterwards; JSON is the recorded check with the breach state."""
    d = _date(date)
    u = _universe_for_date(state, universe, d)
    if format == "json":
        return check(state, _, d, u)
    out_dir = state_dir(state, u) / "reports"
    stem = out_dir / f"compliance_{d}"
    path = stem.with_suffix(f".{format}")
    if not path.is_file():
        with state.report_lock:
            if not path.is_file():
                try:
                    service.report(d, state_dir(state, u), out_dir)
                except AuditError as exc:
                    raise ApiError(404, str(exc), "no-check") from exc
    if not path.is_file():
        raise ApiError(500, f"the report renderer did not write {path.name}", "internal")
    return FileResponse(path, media_type="text/html; charset=utf-8" if format == "html" else "application/pdf",
                        filename=path.name if format == "pdf" else None)
