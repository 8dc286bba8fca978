"""Occupations and tasks: an occupation's tasks with every rater's score; semantic search over task statements."""
from __future__ import annotations

from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from graph.schema import GraphSchemaError

from ..deps import Paging, QuarterQ, ReadAccess, SocP, State
from ..errors import ApiError
from ..schemas import OccupationTask, Page, Problem, TaskSearchPage

WAIT_FOR_INDEX_S = 20.0  # a search waits this long for an index being built before answering 503

router = APIRouter(prefix="/v1", tags=["occupations and tasks"], responses={
    401: {"model": Problem, "description": "missing or unknown API key"},
    404: {"model": Problem, "description": "unknown quarter or occupation"},
    422: {"model": Problem, "description": "invalid parameter"}})


class OccupationTaskPage(Page[OccupationTask]):
    quarter: str
    soc: str
    title: str


@router.get("/occupations/{soc}/tasks", response_model=OccupationTaskPage,
            summary="An occupation's tasks (heaviest first) with every rater's score")
def occupation_tasks(state: State, _: ReadAccess, request: Request, paging: Paging, soc: SocP,
                     quarter: QuarterQ = None):
    g = state.graph
    q = g.resolve_quarter(quarter)
    try:
        df = g.store.tasks(soc, q)
    except GraphSchemaError as exc:
        raise ApiError(404, f"occupation {soc!r} is not an occupation of quarter {q}", "unknown-occupation") from exc
    scores = g.task_scores(q)
    page = df.iloc[paging.offset:paging.offset + paging.limit]
    items = []
    for r in page.itertuples():
        s = scores.get(int(r.task_id), {})
        items.append({"task_id": int(r.task_id), "text": r.text,
                      "task_type": None if pd.isna(r.task_type) else str(r.task_type), "weight": float(r.weight),
                      "scheme": r.scheme, "scores": s})
    return paging.envelope(request, items, len(df), quarter=q, soc=soc, title=g.occupation_titles(q).get(soc, ""))


@router.get("/tasks/search", response_model=TaskSearchPage,
            responses={503: {"model": Problem, "description": "the search index is still being built"}},
            summary="Semantic search over O*NET task statements (sentence embeddings, cosine similarity)")
async def search(state: State, _: ReadAccess, request: Request, paging: Paging,
                 q: Annotated[str, Query(min_length=2, max_length=300, description="what the task does")],
                 min_similarity: Annotated[float, Query(ge=-1.0, le=1.0, allow_inf_nan=False,
                                                        description="drop hits below this cosine similarity")] = 0.3,
                 collapse: Annotated[bool, Query(description="one hit per repeated task statement")] = True):
    query = " ".join(q.split())
    if len(query) < 2:
        raise ApiError(422, "q must contain at least 2 non-blank characters", "validation")
    g = state.graph
    latest = g.resolve_quarter(None)
    static_hash = g.static_hash(latest)
    idx = state.task_index
    if not idx.ready_for(static_hash):
        idx.start(lambda: g.quarter_graph(latest), static_hash)
    if not idx.ready_for(None) and idx.state == "building":
        await run_in_threadpool(idx.wait, WAIT_FOR_INDEX_S)  # a warm embedding cache builds in seconds
    if idx.state == "failed" and not idx.ready_for(None):
        raise ApiError(503, f"the task-search index could not be built: {idx.error}", "search-unavailable")
    if not idx.ready_for(None):
        raise ApiError(503, f"the task-search index is being built ({idx.done:,} of {idx.total:,} task statements "
                            f"embedded); retry shortly", "search-building", headers={"Retry-After": "10"})
    hits, total = await run_in_threadpool(idx.search, query, paging.offset, paging.limit, min_similarity, collapse)
    scores = g.task_scores(idx.quarter) if idx.quarter in g.quarters else {}
    for h in hits:
        h["scores"] = {r: v["score"] for r, v in scores.get(h["task_id"], {}).items()}
    return paging.envelope(request, hits, total, query=query, quarter=idx.quarter, model=idx.embedder.model_id,
                           min_similarity=min_similarity, collapsed=collapse)

