"""The graph store: built quarters and their manifests; operate: trigger a build; jobs."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from ..deps import OperateAccess, Paging, ReadAccess, State
from ..errors import ApiError
from ..schemas import QUARTER_PATTERN, BuildRequest, Job, Page, Problem, QuarterInfo

router = APIRouter(prefix="/v1", tags=["graph"], responses={
    401: {"model": Problem, "description": "missing or unknown API key"},
    404: {"model": Problem, "description": "unknown quarter or job"},
    422: {"model": Problem, "description": "invalid parameter"}})

QuarterP = Annotated[str, Path(pattern=QUARTER_PATTERN, description="e.g. 2024Q3")]


def _info(q: str, m: dict) -> dict:
    return {"quarter": q, "as_of": m.get("as_of"), "io_year": m.get("io_year"), "oews_period": m.get("oews_period"),
            "backcast": m.get("backcast"), "nowcast": bool(m.get("nowcast", False)), "code_version": m.get("code_version"), "static_hash": m.get("static_hash")}


@router.get("/quarters", response_model=Page[QuarterInfo], summary="Quarters built in the graph store")
def quarters(state: State, _: ReadAccess, request: Request, paging: Paging):
    g = state.graph
    qs = g.quarters
    page = qs[paging.offset:paging.offset + paging.limit]
    return paging.envelope(request, [_info(q, g.store.manifest(q)) for q in page], len(qs))


@router.get("/quarters/{quarter}", summary="A quarter's build manifest (sources, vintages, sha256s, code version)",
            response_model=dict)
def manifest(state: State, _: ReadAccess, quarter: QuarterP):
    q = state.graph.resolve_quarter(quarter)
    return state.graph.store.manifest(q)


@router.post("/operate/build", status_code=202, response_model=Job, tags=["operate"],
             responses={403: {"model": Problem, "description": "the key lacks role operate"}},
             summary="Build quarters into the graph store (background job; needs role operate)")
def build(state: State, _: OperateAccess, body: BuildRequest):
    """Builds into the store this service reads (the same steps as `econgraph build`: load the warehouse inputs,
    build each quarter, write it); the service's caches are refreshed when the job succeeds. A range that is not
    buildable from the warehouse (a quarter with no BEA gross output) is refused up front with 422."""
    _validate_quarters(state, body.quarters)
    job = state.jobs.submit("build", {"quarters": body.quarters}, lambda: _build(state, body.quarters),
                            on_success=state.graph.invalidate, expected=_build_errors())
    return JSONResponse(job, status_code=202, headers={"Location": f"/v1/jobs/{job['id']}"})


def _validate_quarters(state, spec: str) -> None:
    from graph.build import available_quarters
    from graph.schema import GraphSchemaError, Quarter
    from ingest.warehouse import Warehouse

    try:
        wanted = [str(q) for q in Quarter.range(spec)]
    except GraphSchemaError as exc:
        raise ApiError(422, f"quarters: {exc}", "validation") from exc
    wh = Warehouse(state.settings.core.home)
    if not wh.has("bea"):
        raise ApiError(409, "the warehouse has no BEA data: run `econgraph ingest` before building", "no-warehouse")
    gdp = wh.read("bea_gdp_by_industry", columns=["measure", "series", "frequency", "ref_period"])
    have = available_quarters(gdp)
    missing = [q for q in wanted if q not in set(have)]
    if missing:
        raise ApiError(422, f"quarters {spec}: {', '.join(missing[:4])}{' ...' if len(missing) > 4 else ''} cannot be "
                            f"built: the warehouse has BEA gross output for {have[0]}..{have[-1]}", "validation")


def _build_errors() -> tuple[type[BaseException], ...]:
    from graph.build import BuildError
    from graph.schema import GraphError
    from ingest.errors import IngestError

    return BuildError, GraphError, IngestError


def _build(state, quarters: str) -> list[dict]:
    from graph.build import build_all, load_inputs, parse_quarters
    from ingest.warehouse import Warehouse
    from pipeline.graphs import extra_scores

    settings = state.settings.core
    inputs = load_inputs(Warehouse(settings.home), extra_scores=extra_scores(settings))
    return build_all(inputs, state.graph.store, parse_quarters(quarters, inputs))


@router.get("/jobs", response_model=Page[Job], tags=["operate"], summary="Recent operate jobs, newest first")
def jobs(state: State, _: ReadAccess, request: Request, paging: Paging):
    return paging.slice(request, state.jobs.list())


@router.get("/jobs/{job_id}", response_model=Job, tags=["operate"], summary="One operate job")
def job(state: State, _: ReadAccess, job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]):
    j = state.jobs.get(job_id)
    if j is None:
        raise ApiError(404, f"no job {job_id!r} (jobs live in memory for the life of the process)", "unknown-job")
    return j
