"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error body has ``type`` (a stable URI naming the kind of problem), ``title``, ``status``, ``detail`` (what was
wrong, naming the offending value: "quarter 2031Q1 is not in the embedded store ...") and ``instance`` (the request
path); validation errors add ``errors`` (one entry per bad field: ``loc``, ``msg``, ``input``). Unexpected errors give
500 with a request id and no internals; the traceback goes to the server log only.
"""
from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.schema import GraphSchemaError
from graph.store import GraphStoreError, QuarterNotFoundError
from pipeline.graphs import QueryError

log = logging.getLogger("econgraph.api")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://econgraph.dev/problems/"

_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
           409: "Conflict", 413: "Request body too large", 414: "Query string too long", 415: "Unsupported media type",
           422: "Invalid request", 429: "Too many requests", 500: "Internal server error", 501: "Not implemented",
           503: "Service unavailable"}


class ApiError(Exception):
    """An error the API answers with a problem document (``kind`` becomes the ``type`` URI's last part)."""

    def __init__(self, status: int, detail: str, kind: str | None = None, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.kind, self.headers, self.extra = status, detail, kind, headers, extra


def not_found(detail: str, kind: str = "not-found") -> ApiError:
    return ApiError(404, detail, kind)


def json_safe(v: Any) -> Any:
    """``v`` with every non-finite float replaced by its name (``"NaN"``, ``"Infinity"``, ``"-Infinity"``): JSON has
    no such numbers, and an error body that echoes a client's ``NaN`` must still serialise."""
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")
    if isinstance(v, dict):
        return {k: json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    return v


def problem(status: int, detail: str, *, instance: str | None = None, kind: str | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    extra = json_safe(extra)
    body = {"type": TYPE_BASE + (kind or _TITLES.get(status, "error").lower().replace(" ", "-")),
            "title": _TITLES.get(status, "Error"), "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _plain(v: Any) -> Any:
    if isinstance(v, float):
        return json_safe(v)
    if isinstance(v, (str, int, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v][:20]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in list(v.items())[:20]}
    return repr(v)[:200]


def _validation_detail(errors: list[dict]) -> tuple[str, list[dict]]:
    items = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body",)] or ["body"]
        items.append({"loc": loc, "msg": e.get("msg", ""), "input": _plain(e.get("input"))})
    shown = []
    for it in items[:3]:
        where = ".".join(it["loc"])
        inp = it["input"]
        got = "" if inp is None or isinstance(inp, (dict, list)) else f" (got {str(inp)[:60]!r})"
        shown.append(f"{where}: {it['msg']}{got}")
    more = f" and {len(items) - 3} more" if len(items) > 3 else ""
    return "; ".join(shown) + more, items


def install(app: FastAPI) -> None:
    """Register the problem+json handlers on ``app``."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return problem(exc.status, exc.detail, instance=request.url.path, kind=exc.kind, headers=exc.headers,
                       **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such path {request.url.path!r}; see /docs for the API"
        elif exc.status_code == 405:
            detail = f"method {request.method} is not allowed on {request.url.path}"
        return problem(exc.status_code, detail, instance=request.url.path, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        detail, items = _validation_detail(list(exc.errors()))
        return problem(422, detail, instance=request.url.path, kind="validation", errors=items)

    @app.exception_handler(QuarterNotFoundError)
    async def _quarter(request: Request, exc: QuarterNotFoundError):
        return problem(404, str(exc), instance=request.url.path, kind="unknown-quarter")

    @app.exception_handler(QueryError)
    async def _query(request: Request, exc: QueryError):
        return problem(404, str(exc), instance=request.url.path, kind="not-found")

    @app.exception_handler(GraphSchemaError)
    async def _schema(request: Request, exc: GraphSchemaError):
        return problem(404, str(exc), instance=request.url.path, kind="not-found")

    @app.exception_handler(GraphStoreError)
    async def _store(request: Request, exc: GraphStoreError):
        log.error("graph store error on %s %s: %s", request.method, request.url.path, exc)
        return problem(503, f"the graph store could not answer: {exc}", instance=request.url.path,
                       kind="store-unavailable")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        rid = request.headers.get("x-request-id") or getattr(request.state, "request_id", "")
        log.exception("unhandled error on %s %s (request %s)", request.method, request.url.path, rid)
        return problem(500, f"an unexpected error occurred; quote request id {rid!r} to the operators",
                       instance=request.url.path, kind="internal", request_id=rid)
