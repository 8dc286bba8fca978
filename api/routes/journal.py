"""Fund mandates and the decision journal: ``GET /v1/mandates`` (every versioned mandate of
``portfolio/mandates/``), ``GET /v1/journal`` (rebalance decisions, newest first, from
``<home>/journal/journal.sqlite``: :mod:`portfolio.journal`), ``GET /v1/journal/outcomes`` (realised active returns of
the decisions over 1, 5 and 21 trading days, with mean, t-stat and hit rate per horizon) and
``GET /v1/journal/{id}`` (one decision whole: weights, benchmark weights, signals with their ICs, drivers)."""
from __future__ import annotations

import math
from datetime import date as Date
from typing import Annotated, Literal

from fastapi import APIRouter, Path as PathParam, Query, Request

from portfolio import journal as jr
from portfolio.mandate import MandateError, list_mandates

from ..deps import Paging, ReadAccess, State
from ..errors import ApiError
from ..schemas import Problem

router = APIRouter(tags=["fund"], responses={
    401: {"model": Problem, "description": "missing or unknown API key"},
    404: {"model": Problem, "description": "no such decision"},
    422: {"model": Problem, "description": "invalid parameter"}})

MAX_LIST = 100_000
DateQ = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")]


def _finite(v):
    """JSON has no NaN: non-finite floats become null, recursively."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_finite(x) for x in v]
    return v


@router.get("/v1/mandates", response_model=dict, summary="The fund mandates (versioned configuration)",
            responses={503: {"model": Problem, "description": "a mandate file is malformed"}})
def mandates(_: ReadAccess):
    try:
        return {"items": [m.summary() for m in list_mandates()]}
    except MandateError as exc:
        raise ApiError(503, str(exc), "mandate-unreadable") from exc


@router.get("/v1/journal", response_model=dict, summary="Rebalance decisions, newest first")
def journal_list(state: State, _: ReadAccess, request: Request, paging: Paging,
                 universe: Annotated[str | None, Query(max_length=200)] = None,
                 kind: Annotated[Literal["daily", "backtest"] | None, Query()] = None,
                 run_id: Annotated[str | None, Query(max_length=300)] = None,
                 start: DateQ = None, end: DateQ = None):
    for name, v in (("start", start), ("end", end)):
        if v is not None:
            try:
                Date.fromisoformat(v)
            except ValueError as exc:
                raise ApiError(422, f"{name} {v!r} is not a calendar date (YYYY-MM-DD)", "validation") from exc
    home = state.settings.core.home
    if not jr.journal_path(home).exists():
        return paging.slice(request, [])
    items = jr.list_decisions(home, universe, kind, run_id, start, end, limit=MAX_LIST)
    return paging.slice(request, _finite(items))


@router.get("/v1/journal/outcomes", response_model=dict,
            summary="Realised active returns of the decisions (1, 5, 21 trading days) and their summary")
def journal_outcomes(state: State, _: ReadAccess, universe: Annotated[str | None, Query(max_length=200)] = None,
                     run_id: Annotated[str | None, Query(max_length=300)] = None,
                     limit: Annotated[int, Query(ge=1, le=10000)] = 1000):
    home = state.settings.core.home
    if not jr.journal_path(home).exists():
        return {"summary": {}, "items": []}
    df = jr.outcomes(home, universe, run_id, limit)
    return _finite({"summary": {str(k): v for k, v in jr.summarize_outcomes(df).items()},
                    "items": df.to_dict(orient="records")})


@router.get("/v1/journal/{decision_id}", response_model=dict, summary="One decision whole, with its outcomes")
def journal_show(state: State, _: ReadAccess, decision_id: Annotated[int, PathParam(ge=1, le=2**62)]):
    try:
        return _finite(jr.get_decision(state.settings.core.home, decision_id))
    except jr.JournalError as exc:
        raise ApiError(404, f"no decision with id {decision_id} in the journal", "no-decision") from exc
