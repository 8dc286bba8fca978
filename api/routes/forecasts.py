"""Forecasts: next-quarter industry return quantiles written by the forecaster (``gnn.predict``) as
``<home>/forecasts/<quarter>.parquet`` (columns ``quarter``, ``as_of_date``, ``bea_code``, ``q05 .. q95``,
``model_id``)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Path as PathParam, Request

from ..deps import Paging, ReadAccess, State
from ..errors import ApiError
from ..schemas import QUARTER_PATTERN, ForecastPage, Page, Problem

router = APIRouter(prefix="/v1/forecasts", tags=["forecasts"], responses={
    401: {"model": Problem, "description": "missing or unknown API key"},
    404: {"model": Problem, "description": "no forecasts produced (for that quarter)"},
    422: {"model": Problem, "description": "invalid parameter"}})

QUANTILES = ("q05", "q25", "q50", "q75", "q95")
REQUIRED = ("bea_code",) + QUANTILES
_FILE = re.compile(r"^(\d{4}Q[1-4])\.parquet$")


def _files(home: Path) -> dict[str, Path]:
    d = home / "forecasts"
    if not d.is_dir():
        return {}
    out = {m.group(1): p for p in d.iterdir() if (m := _FILE.match(p.name))}
    return dict(sorted(out.items(), key=lambda kv: pd.Period(kv[0], "Q")))


def _none(v):
    return None if v is None or (isinstance(v, float) and v != v) or v is pd.NaT else v


def _rows(state, q: str, path: Path) -> list[dict]:
    try:
        df = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise ApiError(503, f"forecast file {path.name} cannot be read ({exc}); re-run the forecaster",
                       "forecast-unreadable") from exc
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ApiError(503, f"forecast file {path.name} lacks columns {missing}; re-run the forecaster",
                       "forecast-unreadable")
    names = {}
    g = state.graph
    if g.quarters:
        names = g.industry_names(g.quarters[-1])
    out = []
    for r in df.sort_values("bea_code").to_dict("records"):
        a = r.get("as_of_date")
        out.append({"bea_code": str(r["bea_code"]), "name": names.get(str(r["bea_code"])),
                    "quarter": str(r.get("quarter") or q),
                    "as_of_date": None if _none(a) is None else str(pd.Timestamp(a).date()),
                    **{k: _none(float(r[k])) if _none(r[k]) is not None else None for k in QUANTILES},
                    "model_id": None if _none(r.get("model_id")) is None else str(r["model_id"])})
    return out


class ForecastQuarter(Page[str]):
    pass


@router.get("", response_model=ForecastQuarter, summary="Quarters with forecasts")
def forecast_quarters(state: State, _: ReadAccess, request: Request, paging: Paging):
    return paging.slice(request, list(_files(state.settings.core.home)))


@router.get("/latest", response_model=ForecastPage, summary="The latest industry return quantiles")
def latest(state: State, _: ReadAccess, request: Request, paging: Paging):
    files = _files(state.settings.core.home)
    if not files:
        raise ApiError(404, "forecasts have not been produced: run the forecaster (gnn.predict) to write "
                            "<home>/forecasts/<quarter>.parquet", "no-forecasts")
    q, path = list(files.items())[-1]
    return paging.slice(request, _rows(state, q, path), quarter=q, file=path.name)


@router.get("/{quarter}", response_model=ForecastPage, summary="One quarter's industry return quantiles")
def for_quarter(state: State, _: ReadAccess, request: Request, paging: Paging,
                quarter: Annotated[str, PathParam(pattern=QUARTER_PATTERN)]):
    files = _files(state.settings.core.home)
    if quarter not in files:
        have = ", ".join(files) or "none"
        raise ApiError(404, f"no forecasts for quarter {quarter} (quarters with forecasts: {have})", "no-forecasts")
    return paging.slice(request, _rows(state, quarter, files[quarter]), quarter=quarter, file=files[quarter].name)
