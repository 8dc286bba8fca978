"""Liveness, readiness and Prometheus metrics (no API key: for probes and scrapers)."""
from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from ..deps import State
from ..metrics import CONTENT_TYPE_LATEST
from ..schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/v1/health", response_model=Health, summary="Liveness: the process answers")
async def health(state: State):
    return {"status": "ok", "version": state.version}


@router.get("/v1/ready", response_model=Readiness, responses={503: {"model": Readiness}},
            summary="Readiness: the graph store answers and holds at least one complete quarter")
def ready(state: State):
    checks: dict = {}
    ok = True
    g = state.graph
    try:
        g.refresh()
        checks["graph_store"] = {"ok": bool(g.quarters), "backend": g.backend, "quarters": len(g.quarters),
                                 "latest": g.quarters[-1] if g.quarters else None}
        ok = bool(g.quarters)
    except Exception as exc:  # noqa: BLE001 - any failure means not ready; the message says why
        checks["graph_store"] = {"ok": False, "backend": g.backend, "error": f"{type(exc).__name__}: {exc}"}
        ok = False
    latest = g.quarters[-1] if g.quarters else None
    checks["impact_cache"] = {"warm": g.cached_impact(latest, None) is not None if latest else False}
    checks["task_search"] = state.task_index.status()
    body = {"ready": ok, "checks": checks}
    if not ok:
        return JSONResponse(body, status_code=503)
    return body


@router.get("/metrics", include_in_schema=False)
def metrics(state: State):
    def update(m):
        m.quarters.set(len(state.graph.quarters))
        m.cache_entries.set(state.graph.cached_entries())
        m.task_index_ready.set(1 if state.task_index.state == "ready" else 0)

    return Response(state.metrics.render(update), media_type=CONTENT_TYPE_LATEST)
