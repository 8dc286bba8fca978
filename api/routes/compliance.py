"""Compliance: status, recorded checks, open breaches, reports (HTML/PDF/JSON) and replay, read from the
compliance state directory ``<home>/compliance/`` (audit log, snapshots, breaches.json; see
:mod:`compliance.service`)."""
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
from ..schemas import Breach, ComplianceCheckDay, ComplianceStatus, Page, Problem

router = APIRouter(prefix="/v1/compliance", tags=["compliance"], responses={
    401: {"model": Problem, "description": "missing or unknown API key"},
    404: {"model": Problem, "description": "no check recorded (for that date)"},
    422: {"model": Problem, "description": "invalid parameter"}})

DateP = Annotated[str, PathParam(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")]


def state_dir(state) -> Path:
    return state.settings.core.home / "compliance"


def _checks(state) -> list[dict]:
    d = state_dir(state)
    try:
        return [e for e in AuditLog(d).entries() if e["kind"] == "check"]
    except AuditError as exc:
        raise ApiError(503, f"the compliance audit log cannot be read: {exc}", "audit-unreadable") from exc


def _date(s: str) -> str:
    try:
        return Date.fromisoformat(s).isoformat()
    except ValueError as exc:
        raise ApiError(422, f"date {s!r} is not a calendar date (YYYY-MM-DD)", "validation") from exc


def _breaches(state) -> list[dict]:
    p = state_dir(state) / "breaches.json"
    if not p.is_file():
        return []
    try:
        return json.loads(p.read_text())["breaches"]
    except (OSError, ValueError, KeyError) as exc:
        raise ApiError(503, f"{p.name} cannot be read: {exc}", "compliance-unreadable") from exc


@router.get("/status", response_model=ComplianceStatus,
            summary="The latest check, open breaches and the audit chain's integrity")
def status(state: State, _: ReadAccess):
    checks = _checks(state)
    breaches = _breaches(state)
    open_b = [b for b in breaches if b["status"] in ("open", "overridden")]
    v = service.verify(state_dir(state)) if checks else {"ok": True, "entries": 0, "head": None, "problems": []}
    last = checks[-1] if checks else None
    return {"as_of": last["as_of"] if last else None, "summary": last["payload"].get("summary") if last else None,
            "config_version": last["payload"].get("config_version") if last else None,
            "open_breaches": len(open_b), "overdue_breaches": sum(bool(b.get("overdue")) for b in open_b),
            "checks_recorded": len(checks),
            "audit": {"ok": v["ok"], "entries": v["entries"], "head": v["head"], "problems": v["problems"][:5]}}


@router.get("/checks", response_model=Page[ComplianceCheckDay], summary="Recorded checks, newest first")
def checks(state: State, _: ReadAccess, request: Request, paging: Paging):
    items = [{"as_of": e["as_of"], "seq": e["seq"], "summary": e["payload"].get("summary") or {}}
             for e in reversed(_checks(state))]
    return paging.slice(request, items)


@router.get("/checks/{date}", response_model=dict, summary="A recorded check (every rule's value, limit, status)")
def check(state: State, _: ReadAccess, date: DateP):
    d = _date(date)
    try:
        out, breaches, _book = service.load_recorded_check(state_dir(state), d)
    except AuditError as exc:
        raise ApiError(404, str(exc), "no-check") from exc
    return {**out, "breach_state": breaches}


@router.get("/checks/{date}/replay", response_model=dict,
            summary="Re-run the recorded check from its snapshots and compare result hashes")
def replay(state: State, _: ReadAccess, date: DateP):
    d = _date(date)
    try:
        rep = service.replay(d, state_dir(state))
    except AuditError as exc:
        raise ApiError(404, str(exc), "no-check") from exc
    return {k: v for k, v in rep.items() if k != "result"}


class BreachPage(Page[Breach]):
    pass


@router.get("/breaches", response_model=BreachPage, summary="Breaches (open by default), oldest detection first")
def breaches(state: State, _: ReadAccess, request: Request, paging: Paging,
             status: Annotated[Literal["open", "all"], Query(description="open = open or overridden")] = "open"):
    items = _breaches(state)
    if status == "open":
        items = [b for b in items if b["status"] in ("open", "overridden")]
    items = sorted(items, key=lambda b: (b["detected"], b["rule_id"]))
    return paging.slice(request, items)


@router.get("/reports/{date}", summary="The daily compliance report (HTML, PDF or JSON)",
            responses={200: {"content": {"text/html": {}, "application/pdf": {}, "application/json": {}},
                             "description": "the report"}})
def report(state: State, _: ReadAccess, date: DateP,
           format: Annotated[Literal["html", "pdf", "json"], Query()] = "html"):
    """Rendered once per date into ``<home>/compliance/reports/`` (the rendering is recorded in the audit log) and
    served from there afterwards; JSON is the recorded check with the breach state."""
    d = _date(date)
    if format == "json":
        return check(state, _, d)
    out_dir = state_dir(state) / "reports"
    stem = out_dir / f"compliance_{d}"
    path = stem.with_suffix(f".{format}")
    if not path.is_file():
        with state.report_lock:
            if not path.is_file():
                try:
                    service.report(d, state_dir(state), out_dir)
                except AuditError as exc:
                    raise ApiError(404, str(exc), "no-check") from exc
    if not path.is_file():
        raise ApiError(500, f"the report renderer did not write {path.name}", "internal")
    return FileResponse(path, media_type="text/html; charset=utf-8" if format == "html" else "application/pdf",
                        filename=path.name if format == "pdf" else None)
