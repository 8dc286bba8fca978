"""Industries: the list, AI impact (one industry, all industries, several, over time), suppliers, customers and
the occupations an industry employs."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from ..deps import CodeP, Paging, QuarterQ, RaterQ, ReadAccess, State
from ..errors import ApiError
from ..schemas import (Comparison, Employment, Flow, ImpactHistoryPoint, ImpactPage, Industry,
                       IndustryImpact, Page, Problem)
from ..service import num

router = APIRouter(prefix="/v1", tags=["industries"], responses={
    401: {"model": Problem, "description": "missing or unknown API key"},
    404: {"model": Problem, "description": "unknown quarter, industry or rater"},
    422: {"model": Problem, "description": "invalid parameter"}})

SORT_KEYS = ("bea_code", "name", "wage_bill_usd", "automatable_wage_bill_usd", "automatable_share",
             "automatable_share_of_gross_output", "supply_chain_automatable_per_usd_final_demand",
             "supply_chain_automatable_usd")
JSON = "application/json"


@router.get("/industries", response_model=Page[Industry], summary="BEA summary industries of a quarter")
def list_industries(state: State, _: ReadAccess, request: Request, paging: Paging, quarter: QuarterQ = None):
    g = state.graph
    q = g.resolve_quarter(quarter)
    df = g.industries(q)
    items = [{"bea_code": r.bea_code, "name": r.name, "sector": r.sector, "naics": list(r.naics)}
             for r in df.itertuples()]
    return paging.slice(request, items)


@router.get("/impact", response_model=ImpactPage, summary="AI impact of every industry (sortable, paginated)")
async def impact_all(state: State, _: ReadAccess, request: Request, paging: Paging, quarter: QuarterQ = None,
                     rater: RaterQ = None,
                     sort: Annotated[Literal[SORT_KEYS], Query(description="sort key")] = "automatable_wage_bill_usd",
                     order: Annotated[Literal["asc", "desc"], Query()] = "desc"):
    g = state.graph
    e = g.cached_impact(quarter, rater) or await run_in_threadpool(g.impact, quarter, rater)
    rows = sorted(e.rows, key=lambda r: (r[sort] is None, r["bea_code"]))
    present = [r for r in rows if r[sort] is not None]
    present.sort(key=lambda r: r[sort], reverse=(order == "desc"))
    rows = present + [r for r in rows if r[sort] is None]
    rep = e.report
    return paging.slice(request, rows, quarter=e.quarter, rater=e.rater, raters=rep["raters"],
                        national=rep["national"], basis=rep["basis"])


@router.get("/industries/compare", response_model=Comparison, summary="AI impact of several industries")
async def compare(state: State, _: ReadAccess,
                  codes: Annotated[str, Query(pattern=r"^[0-9A-Za-z]{1,10}(,[0-9A-Za-z]{1,10}){0,19}$",
                                              description="comma-separated BEA codes (2 to 20), e.g. 5415,523,511")],
                  quarter: QuarterQ = None, rater: RaterQ = None):
    g = state.graph
    e = g.cached_impact(quarter, rater) or await run_in_threadpool(g.impact, quarter, rater)
    wanted = list(dict.fromkeys(codes.split(",")))
    unknown = [c for c in wanted if c not in e.industry_bytes]
    if unknown:
        raise ApiError(404, f"unknown industry code(s) {unknown} in quarter {e.quarter}", "unknown-industry")
    body = b'{"quarter":"%s","rater":"%s","industries":[%s]}' % (
        e.quarter.encode(), e.rater.encode(), b",".join(e.industry_bytes[c] for c in wanted))
    return Response(body, media_type=JSON)


@router.get("/industries/{code}", response_model=Industry, summary="One industry node")
def industry(state: State, _: ReadAccess, code: CodeP, quarter: QuarterQ = None):
    g = state.graph
    q = g.resolve_quarter(quarter)
    g.require_industry(q, code)
    r = g.industries(q).set_index("bea_code").loc[code]
    return {"bea_code": code, "name": r["name"], "sector": r["sector"], "naics": list(r["naics"])}


@router.get("/industries/{code}/impact", response_model=IndustryImpact,
            summary="One industry's AI impact: direct and supply-chain dollars, per rater with the band, top "
                    "occupations and tasks")
async def industry_impact(state: State, _: ReadAccess, code: CodeP, quarter: QuarterQ = None, rater: RaterQ = None):
    g = state.graph
    e = g.cached_impact(quarter, rater)
    if e is None:
        e = await run_in_threadpool(g.impact, quarter, rater)
    body = e.industry_bytes.get(code)
    if body is None:
        raise ApiError(404, f"industry code {code!r} is not an industry of quarter {e.quarter} (list them at "
                            f"/v1/industries)", "unknown-industry")
    return Response(body, media_type=JSON)


@router.get("/industries/{code}/impact/history", response_model=Page[ImpactHistoryPoint],
            summary="An industry's AI exposure over every built quarter")
def impact_history(state: State, _: ReadAccess, request: Request, paging: Paging, code: CodeP, rater: RaterQ = None):
    g = state.graph
    g.require_industry(g.resolve_quarter(None), code)
    return paging.slice(request, g.history(code, rater), bea_code=code)


def _flows(state, request, paging, code: str, quarter: str | None, incoming: bool) -> dict:
    g = state.graph
    q = g.resolve_quarter(quarter)
    g.require_industry(q, code)
    df = g.store.suppliers(q, code) if incoming else g.store.customers(q, code)
    names = g.industry_names(q)
    page = df.iloc[paging.offset:paging.offset + paging.limit]
    items = [{"src_bea_code": r.src_bea_code, "src_name": names.get(r.src_bea_code, ""),
              "dst_bea_code": r.dst_bea_code, "dst_name": names.get(r.dst_bea_code, ""),
              "flow_usd_millions": float(r.flow_usd_millions), "coefficient": float(r.coefficient)}
             for r in page.itertuples()]
    return paging.envelope(request, items, len(df), quarter=q)


class FlowPage(Page[Flow]):
    quarter: str


@router.get("/industries/{code}/suppliers", response_model=FlowPage,
            summary="Who sells to the industry, largest flow first")
def suppliers(state: State, _: ReadAccess, request: Request, paging: Paging, code: CodeP, quarter: QuarterQ = None):
    return _flows(state, request, paging, code, quarter, incoming=True)


@router.get("/industries/{code}/customers", response_model=FlowPage,
            summary="Who buys from the industry, largest flow first")
def customers(state: State, _: ReadAccess, request: Request, paging: Paging, code: CodeP, quarter: QuarterQ = None):
    return _flows(state, request, paging, code, quarter, incoming=False)


class EmploymentPage(Page[Employment]):
    quarter: str


@router.get("/industries/{code}/occupations", response_model=EmploymentPage,
            summary="Occupations the industry employs, largest wage bill first")
def occupations(state: State, _: ReadAccess, request: Request, paging: Paging, code: CodeP, quarter: QuarterQ = None):
    g = state.graph
    q = g.resolve_quarter(quarter)
    g.require_industry(q, code)
    df = g.store.employs(q, code)
    titles = g.occupation_titles(q)
    page = df.iloc[paging.offset:paging.offset + paging.limit]
    items = [{"soc": r.soc, "title": titles.get(r.soc, ""), "period": r.period, "employment": float(r.employment),
              "mean_wage_usd": num(r.mean_wage_usd), "wage_bill_usd": num(r.wage_bill_usd),
              "backcast": bool(r.backcast)} for r in page.itertuples()]
    return paging.envelope(request, items, len(df), quarter=q)

