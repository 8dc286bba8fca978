"""What-if: an automation shock propagated through the Leontief price model (see :mod:`api.analysis`)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from ..analysis import WhatIfError
from ..deps import Paging, ReadAccess, State
from ..errors import ApiError
from ..schemas import Problem, WhatIfPage, WhatIfRequest

router = APIRouter(prefix="/v1", tags=["what-if"], responses={
    401: {"model": Problem, "description": "missing or unknown API key"},
    404: {"model": Problem, "description": "unknown quarter, rater or industry"},
    422: {"model": Problem, "description": "invalid request"},
    503: {"model": Problem, "description": "the compute pool is full: retry after Retry-After seconds"}})


@router.post("/whatif/automation", response_model=WhatIfPage,
             summary="Price effect, in every industry, of automating high-scoring tasks in chosen industries")
async def automation(state: State, _: ReadAccess, request: Request, paging: Paging, body: WhatIfRequest,
                     sort: Annotated[Literal["price_change", "bea_code"], Query()] = "price_change"):
    """Labour cost falls by ``labour_cost_reduction`` on the tasks scored at least ``min_score`` by ``rater`` in
    ``industries``; the value-added change per dollar of output, ``dv``, passes through the supply chain as
    ``dp' = dv' L``. Items: every industry, largest price fall first (or by code). The computation runs on the
    bounded compute pool (:mod:`api.compute`): 503 with Retry-After when it is full."""
    return await state.compute.run(_automation, state, request, paging, body, sort)


def _automation(state, request, paging, body: WhatIfRequest, sort: str):
    g = state.graph
    q = g.resolve_quarter(body.quarter)
    rater = g.resolve_rater(q, body.rater)
    if body.industries:
        for code in body.industries:
            g.require_industry(q, code)
    try:
        res = g.whatif_model(q).shock(rater, body.min_score, body.labour_cost_reduction, body.industries)
    except WhatIfError as exc:
        raise ApiError(422, str(exc), "validation") from exc
    df = res.industries
    df = df.sort_values(["price_change", "bea_code"] if sort == "price_change" else ["bea_code"], kind="mergesort")
    df = df.iloc[paging.offset:paging.offset + paging.limit]  # only the page is serialised
    items = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
             for r in df.to_dict("records")]
    for it in items:
        it["shocked"] = bool(it["shocked"])
        it["capped"] = bool(it.get("capped", False))
    return paging.envelope(request, items, len(res.industries), summary=res.summary)
