"""The FastAPI application: ``create_app(settings, store=None)`` (no import-time globals).

``settings``: :class:`api.settings.ApiSettings`, or a core :class:`pipeline.settings.Settings` (the API settings are
then read from the environment around it). ``store``: a :class:`graph.store.GraphStore` to serve (tests inject an
embedded store; the caller keeps ownership and closes it); by default the store named by the settings is opened
and closed with the app.

Start-up (lifespan): read the catalog of built quarters; in the background, compute the latest quarter's AI impact
(``warm_on_startup``) and the task-search index (``task_index_on_startup``); re-read the catalog every
``catalog_ttl_s``. Shut-down: stop the refresher and the job worker, close the store if the app opened it.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from importlib import metadata
from pathlib import Path

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from graph.store import GraphStore
from pipeline.settings import Settings

from . import errors
from .jobs import JobRunner
from .metrics import Metrics
from .compute import ComputeGate
from .middleware import Guard
from .routes import compliance, forecasts, graph, health, industries, journal, portfolio, tasks, text, whatif
from .service import GraphService
from .settings import ApiSettings, api_settings
from .tasksearch import TaskIndex

log = logging.getLogger("econgraph.api")
DASHBOARD = Path(__file__).resolve().parent / "dashboard"

DESCRIPTION = """
Quarterly graph of the US economy (BEA input-output, BLS OEWS, O*NET, LLM-exposure labels) and the AI-managed ETF
built on it: AI impact per industry (direct and through the supply chain, per rater with the band), the graph,
a Leontief price what-if, forecasts, portfolio outputs and compliance.

* Authentication: header `X-API-Key` (roles `read`, `operate`; operate endpoints need `operate`).
* Errors: `application/problem+json` (RFC 9457) with a `detail` naming the offending value.
* Lists paginate with `offset` and `limit` (the envelope gives `total` and the `next` page URL).
* Money in USD (`_usd`) or USD millions (`_usd_millions`), annual rates; shares are decimals.
"""


def _version() -> str:
    try:
        return metadata.version("econgraph")
    except metadata.PackageNotFoundError:  # pragma: no cover - source checkout without install
        return "0+unknown"


class AppState:
    """Everything the routes share, created per app."""

    def __init__(self, settings: ApiSettings, store: GraphStore, owns_store: bool) -> None:
        self.settings = settings
        self.key_table = [(h.encode(), role) for h, role in settings.key_table()]
        self.graph = GraphService(store, settings.impact_cache_size)
        self.owns_store = owns_store
        self.task_index = TaskIndex(settings.embedding_cache, settings.embedding_device)
        self.jobs = JobRunner()
        self.compute = ComputeGate(settings.compute_workers, settings.compute_queue)
        self.metrics = Metrics()
        self.version = _version()
        self.report_lock = threading.Lock()
        self._universes: dict[str, object] = {}
        self._universe_lock = threading.Lock()

    def universe(self, name: str):
        """A loaded universe (securities, BEA exposures, prices), cached per name."""
        from ingest.warehouse import Warehouse
        from portfolio.universe import load_universe

        from .routes.portfolio import universe_argument

        with self._universe_lock:
            if name not in self._universes:
                self._universes[name] = load_universe(universe_argument(self, name),
                                                      Warehouse(self.settings.core.home))
            return self._universes[name]


def create_app(settings: ApiSettings | Settings | None = None, store: GraphStore | None = None) -> FastAPI:
    cfg = api_settings(settings)
    if store is None:
        from pipeline.graphs import open_store

        store, owns = open_store(cfg.core), True
    else:
        owns = False
    state = AppState(cfg, store, owns)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        await run_in_threadpool(state.graph.refresh)
        if cfg.warm_on_startup and state.graph.quarters:
            threading.Thread(target=_warm, args=(state,), name="impact-warm", daemon=True).start()
        if cfg.task_index_on_startup and state.graph.quarters:
            latest = state.graph.quarters[-1]
            state.task_index.start(lambda: state.graph.quarter_graph(latest), state.graph.static_hash(latest))
        refresher = asyncio.create_task(_refresh_loop(state, cfg.catalog_ttl_s))
        try:
            yield
        finally:
            refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresher
            state.jobs.shutdown()
            state.compute.shutdown()
            if state.owns_store:
                state.graph.close()

    app = FastAPI(title="econgraph API", version=state.version, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.econ = state
    errors.install(app)
    for r in (health, industries, graph, tasks, whatif, forecasts, portfolio, compliance, journal, text):
        app.include_router(r.router)
    app.mount("/dashboard", StaticFiles(directory=DASHBOARD, html=True), name="dashboard")
    _offline_docs(app)

    app.openapi = lambda: _openapi(app)

    @app.get("/", include_in_schema=False)
    async def root():
        return RedirectResponse("/dashboard/")

    app.add_middleware(Guard, settings=cfg, metrics=state.metrics)
    app.add_middleware(CORSMiddleware, allow_origins=list(cfg.cors_origins), allow_methods=["GET", "POST"],
                       allow_headers=["X-API-Key", "Content-Type", "X-Request-ID"],
                       expose_headers=["X-Request-ID", "Retry-After"], allow_credentials=False, max_age=600)
    return app


def _offline_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` from the assets the ``swagger-ui-bundle`` package ships (served under
    ``/docs-assets/``): the page works with no network, as the dashboard does."""
    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="econgraph API - Swagger UI",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")


COMMON_ERRORS = {"413": "request body too large", "414": "query string too long", "429": "rate limit exceeded",
                 "500": "unexpected error (quote the request id)", "503": "a backing store is unavailable"}


def _openapi(app: FastAPI) -> dict:
    """The generated schema, with every error response documented as ``application/problem+json`` (the
    :class:`api.schemas.Problem` document) and the errors any route can give (limits, rate limit) listed."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    from .schemas import Problem

    spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    comps = spec.setdefault("components", {}).setdefault("schemas", {})
    comps["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    comps.pop("HTTPValidationError", None)
    comps.pop("ValidationError", None)
    ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            responses = op.setdefault("responses", {})
            extra = dict(COMMON_ERRORS)
            if path.startswith("/v1/") and path not in ("/v1/health", "/v1/ready"):
                extra["401"] = "missing or unknown API key"
            for code, text in extra.items():
                responses.setdefault(code, {"description": text})
            for code, resp in responses.items():
                if code.isdigit() and int(code) >= 400 and not (path == "/v1/ready" and code == "503"):
                    resp["content"] = dict(ref)
    app.openapi_schema = spec
    return spec


def _warm(state: AppState) -> None:
    """Fill, in the background, what first requests would otherwise wait for: the latest quarter's AI impact, every
    quarter's stored impact table (the history endpoint reads all of them) and the universes with portfolio
    outputs (the exposure endpoint needs their security master)."""
    try:
        state.graph.impact(None, None)
        latest = state.graph.quarters[-1]
        code = str(state.graph.industries(latest)["bea_code"].iloc[0])
        state.graph.history(code, None)
    except Exception:  # noqa: BLE001 - readiness reports a cold cache; requests compute it themselves
        log.exception("warming the AI-impact cache failed")
    root = state.settings.core.home / "portfolio"
    for d in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        try:
            state.universe(d.name)
        except Exception:  # noqa: BLE001 - an unloadable universe answers its own error on request
            log.warning("warming universe %s failed", d.name, exc_info=True)


async def _refresh_loop(state: AppState, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await run_in_threadpool(state.graph.refresh)
        except Exception:  # noqa: BLE001 - keep serving the last catalog; readiness reports the failure
            log.exception("refreshing the graph catalog failed")
