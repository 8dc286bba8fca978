"""Portfolio: the daily run's outputs (``<home>/portfolio/<universe>/<date>/``: target weights, orders, holdings
disclosure, summary), industry exposure, the latest backtest report, and (operate) triggering a rebalance."""
from __future__ import annotations

import json
import re
from datetime import date as Date
from pathlib import Path
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Path as PathParam, Request
from fastapi.responses import FileResponse, JSONResponse

from ..deps import OperateAccess, Paging, ReadAccess, State
from ..errors import ApiError
from ..schemas import (NAME_PATTERN, Backtest, DisclosureRow, Exposure, Job, Order, Page, PortfolioDay, Problem,
                       RebalanceRequest, Weight)

router = APIRouter(prefix="/v1/portfolio", tags=["portfolio"], responses={
    401: {"model": Problem, "description": "missing or unknown API key"},
    404: {"model": Problem, "description": "unknown universe or date, or nothing produced yet"},
    422: {"model": Problem, "description": "invalid parameter"}})

BUILT_IN = ("sp500", "sector_etfs")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UniverseP = Annotated[str, PathParam(pattern=NAME_PATTERN, description="sp500, sector_etfs or a user universe name")]
DateP = Annotated[str, PathParam(pattern=r"^(\d{4}-\d{2}-\d{2}|latest)$", description="YYYY-MM-DD or latest")]
FILES = {"weights": "target_weights.csv", "orders": "orders.csv", "holdings": "holdings_disclosure.csv"}


def _root(state) -> Path:
    return state.settings.core.home / "portfolio"


def _dates(state, universe: str) -> list[str]:
    d = _root(state) / universe
    if not d.is_dir():
        have = sorted(p.name for p in _root(state).iterdir() if p.is_dir()) if _root(state).is_dir() else []
        raise ApiError(404, f"no portfolio outputs for universe {universe!r} (universes with outputs: "
                            f"{', '.join(have) or 'none'}); trigger a rebalance first", "unknown-universe")
    return sorted(p.name for p in d.iterdir() if _DATE.match(p.name) and (p / "summary.json").is_file())


def _day_dir(state, universe: str, date: str) -> tuple[str, Path]:
    if date != "latest":
        try:
            Date.fromisoformat(date)
        except ValueError as exc:
            raise ApiError(422, f"date {date!r} is not a calendar date (YYYY-MM-DD or latest)", "validation") from exc
    dates = _dates(state, universe)
    if not dates:
        raise ApiError(404, f"universe {universe!r} has no completed rebalance yet", "no-rebalance")
    if date == "latest":
        date = dates[-1]
    if date not in dates:
        raise ApiError(404, f"no rebalance of universe {universe!r} on {date} ({len(dates)} dates from {dates[0]} "
                            f"to {dates[-1]})", "unknown-date")
    return date, _root(state) / universe / date


def _csv(path: Path) -> list[dict]:
    df = pd.read_csv(path, dtype={"identifier": str, "description": str, "side": str})
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for r in df.to_dict("records")]


@router.get("", response_model=Page[str], summary="Universes with portfolio outputs")
def universes(state: State, _: ReadAccess, request: Request, paging: Paging):
    root = _root(state)
    names = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    return paging.slice(request, names)


@router.get("/{universe}/dates", response_model=Page[str], summary="Dates with a completed rebalance")
def dates(state: State, _: ReadAccess, request: Request, paging: Paging, universe: UniverseP):
    return paging.slice(request, _dates(state, universe))


@router.get("/{universe}/backtest", response_model=Backtest, summary="The latest backtest report of a universe")
def backtest(state: State, _: ReadAccess, universe: UniverseP):
    d = _root(state) / universe
    runs = sorted((p for p in d.glob("backtest_*") if (p / "metrics.json").is_file()),
                  key=lambda p: p.stat().st_mtime) if d.is_dir() else []
    if not runs:
        raise ApiError(404, f"no backtest report for universe {universe!r}: run `econgraph backtest` first",
                       "no-backtest")
    last = runs[-1]
    md = last / "report.md"
    return {"universe": universe, "directory": last.name, "metrics": json.loads((last / "metrics.json").read_text()),
            "report_markdown": md.read_text() if md.is_file() else None}


@router.get("/{universe}/{date}", response_model=PortfolioDay, summary="The summary of a day's rebalance")
def day(state: State, _: ReadAccess, universe: UniverseP, date: DateP):
    date, d = _day_dir(state, universe, date)
    return {"universe": universe, "date": date, "summary": json.loads((d / "summary.json").read_text())}


class WeightPage(Page[Weight]):
    date: str


class OrderPage(Page[Order]):
    date: str


class DisclosurePage(Page[DisclosureRow]):
    date: str


class ExposurePage(Page[Exposure]):
    date: str


@router.get("/{universe}/{date}/weights", response_model=WeightPage, summary="Target weights (largest first)")
def weights(state: State, _: ReadAccess, request: Request, paging: Paging, universe: UniverseP, date: DateP):
    """Each position with ``bea_code``, the BEA summary industry that carries most of its look-through exposure
    (null when the universe cannot be loaded or the security has none)."""
    date, d = _day_dir(state, universe, date)
    rows = sorted(_csv(d / FILES["weights"]), key=lambda r: (-r["weight"], r["identifier"]))
    main = _main_industry(state, universe)
    for r in rows:
        r["bea_code"] = main.get(str(r["identifier"]))
    return paging.slice(request, rows, date=date)


def _main_industry(state, universe: str) -> dict[str, str]:
    try:
        exp = state.universe(universe).exposures
    except Exception:  # noqa: BLE001 - the weights stand without the link
        return {}
    exp = exp[exp.sum(axis=1) > 0]
    return {str(k): str(v) for k, v in exp.idxmax(axis=1).items()} if not exp.empty else {}


PLOTS = ("equity_curve", "drawdown", "weights", "industry_exposure")


@router.get("/{universe}/backtest/plots/{name}", summary="A plot of the latest backtest report (PNG)",
            responses={200: {"content": {"image/png": {}}, "description": "the plot"}})
def backtest_plot(state: State, _: ReadAccess, universe: UniverseP, name: str):
    d = _root(state) / universe
    runs = sorted((p for p in d.glob("backtest_*") if (p / "metrics.json").is_file()),
                  key=lambda p: p.stat().st_mtime) if d.is_dir() else []
    stem = name[:-4] if name.endswith(".png") else name
    if not runs:
        raise ApiError(404, f"no backtest report for universe {universe!r}", "no-backtest")
    path = runs[-1] / f"{stem}.png"
    if not re.fullmatch(r"[a-z_]{1,40}", stem) or not path.is_file():
        have = sorted(p.stem for p in runs[-1].glob("*.png"))
        raise ApiError(404, f"no plot {name!r} in {runs[-1].name} (plots: {', '.join(have) or 'none'})", "no-plot")
    return FileResponse(path, media_type="image/png")


@router.get("/{universe}/{date}/orders", response_model=OrderPage, summary="Whole-share orders")
def orders(state: State, _: ReadAccess, request: Request, paging: Paging, universe: UniverseP, date: DateP):
    date, d = _day_dir(state, universe, date)
    return paging.slice(request, _csv(d / FILES["orders"]), date=date)


@router.get("/{universe}/{date}/holdings", response_model=DisclosurePage,
            summary="The holdings disclosure (posted before the open; cash as CASH_USD)")
def holdings(state: State, _: ReadAccess, request: Request, paging: Paging, universe: UniverseP, date: DateP):
    date, d = _day_dir(state, universe, date)
    return paging.slice(request, _csv(d / FILES["holdings"]), date=date)


@router.get("/{universe}/{date}/exposure", response_model=ExposurePage,
            summary="Look-through exposure to BEA summary industries (weights x security exposures)")
def exposure(state: State, _: ReadAccess, request: Request, paging: Paging, universe: UniverseP, date: DateP):
    date, d = _day_dir(state, universe, date)
    uni = state.universe(universe)
    w = pd.DataFrame(_csv(d / FILES["weights"]))
    if w.empty:
        return paging.slice(request, [], date=date)
    ws = w.set_index("identifier")["weight"].astype(float)
    exp = uni.exposures.reindex(ws.index).fillna(0.0)
    by = (exp.mul(ws, axis=0)).sum(axis=0)
    by = by[by > 0].sort_values(ascending=False)
    names = {}
    g = state.graph
    if g.quarters:
        names = g.industry_names(g.quarters[-1])
    items = [{"bea_code": str(c), "name": names.get(str(c)), "weight": float(v)} for c, v in by.items()]
    return paging.slice(request, items, date=date)


def universe_argument(state, name: str) -> str:
    """What :func:`portfolio.universe.load_universe` takes: a built-in name or ``<home>/universes/<name>``."""
    if name in BUILT_IN:
        return name
    d = state.settings.core.home / "universes" / name
    if not d.is_dir():
        raise ApiError(404, f"unknown universe {name!r}: use {', '.join(BUILT_IN)} or a user universe directory "
                            f"<home>/universes/{name}/ (securities.csv, prices.csv)", "unknown-universe")
    return str(d)


@router.post("/rebalance", status_code=202, response_model=Job, tags=["operate"],
             responses={403: {"model": Problem, "description": "the key lacks role operate"}},
             summary="Run the daily rebalance for a date (background job; needs role operate)")
def rebalance(state: State, _: OperateAccess, body: RebalanceRequest):
    """The daily step of ``econgraph rebalance`` (:func:`pipeline.daily.rebalance`): decide with prices before the
    date, whole-share orders, compliance check of the rounded book, outputs under
    ``<home>/portfolio/<universe>/<date>/``, then the audited check of the post-trade book recorded under
    ``<home>/compliance/<universe>/`` (visible at ``/v1/compliance/...?universe=``), starting from cash with
    ``nav_usd``."""
    from pipeline.daily import DailyError, rebalance as daily_rebalance
    from portfolio.rebalance import RebalanceError
    from portfolio.universe import UniverseError

    arg = universe_argument(state, body.universe)
    settings = state.settings.core
    params = {"date": body.date.isoformat(), "universe": body.universe, "nav_usd": body.nav_usd}
    job = state.jobs.submit("rebalance", params,
                            lambda: daily_rebalance(settings, body.date.isoformat(), arg, body.nav_usd),
                            expected=(RebalanceError, UniverseError, DailyError, ValueError))
    return JSONResponse(job, status_code=202, headers={"Location": f"/v1/jobs/{job['id']}"})
