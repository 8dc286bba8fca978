"""Beige Book industry indexes (``scoring.text.index``): one industry's release-dated series.

``GET /v1/text/industries/{code}``: every edition's index for the BEA summary industry ``code`` (from
``<home>/text/index.parquet``, written by ``econgraph text build`` or ``econgraph run``), oldest first; ``as_of``
keeps only editions released on or before that date (point in time). Each point: ``edition`` (= release date),
``index`` in [-1, 1] (balance of up and down passages), the rater band ``band_low``..``band_high``, ``index_se``,
``level`` (``industry`` passages or the industry's ``group``), passages and districts used, and the aspect indexes
for prices, wages and employment (null where no passage mentions them).
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Annotated

from fastapi import APIRouter, Query

from ..deps import CodeP, ReadAccess, State
from ..errors import ApiError
from ..schemas import Problem

router = APIRouter(prefix="/v1/text", tags=["text"], responses={
    401: {"model": Problem, "description": "missing or unknown API key"},
    404: {"model": Problem, "description": "indexes not built, or no index for that industry"},
    422: {"model": Problem, "description": "invalid parameter"}})

FIELDS = ("index", "band_low", "band_high", "index_se", "index_lexicon", "index_embedding", "prices", "wages",
          "employment")
COUNTS = ("n_passages", "n_districts", "n_prices", "n_wages", "n_employment")


def _num(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


@router.get("/industries/{code}", summary="Beige Book index of one industry, by edition (release-dated)")
def industry_index(state: State, _: ReadAccess, code: CodeP,
                   as_of: Annotated[dt.date | None, Query(description="only editions released by this date")] = None):
    from scoring.text.index import industry_series

    home = state.settings.core.home
    try:
        df = industry_series(home, code, as_of)
    except FileNotFoundError as exc:
        raise ApiError(404, str(exc), "text-index-missing") from exc
    except KeyError as exc:
        raise ApiError(404, str(exc.args[0]), "unknown-industry") from exc
    points = [{"edition": r["edition"], "published_date": str(r["published_date"].date()), "level": r["level"],
               **{k: _num(r[k]) for k in FIELDS if k in r},
               **{k: int(r[k]) for k in COUNTS if k in r}} for r in df.to_dict("records")]
    name = df["name"].iloc[0] if len(df) else None
    return {"bea_code": code, "name": name, "as_of": None if as_of is None else str(as_of),
            "editions": len(points), "points": points}
