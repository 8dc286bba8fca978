"""Dependencies as ``Annotated`` aliases: the app state, API-key roles, pagination and validated parameters.

They do no I/O and are ``async`` so that FastAPI calls them on the event loop (no thread-pool hop per request).

Authentication: header ``X-API-Key``. The presented key is hashed (SHA-256) and compared with every configured hash
with ``hmac.compare_digest`` (constant time, no early exit), so timing does not reveal how much of a key matched or
which entry. 401 = no key or an unknown key; 403 = a known key without the role (``read`` on an operate endpoint).
With no keys configured (development only), reads are open and operate endpoints answer 403.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.security import APIKeyHeader

from .errors import ApiError
from .schemas import CODE_PATTERN, QUARTER_PATTERN, SOC_PATTERN

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="API key (role read or operate); see api/settings.py")


@dataclass(frozen=True)
class Principal:
    role: str  # "anonymous" | "read" | "operate"


async def get_state(request: Request) -> Any:
    return request.app.state.econ


State = Annotated[Any, Depends(get_state)]


def _authenticate(request: Request, key: str | None) -> Principal:
    table = request.app.state.econ.key_table
    if not table:
        if key:
            raise ApiError(401, "API key not recognised (this service has no keys configured)", "unauthorized",
                           headers={"WWW-Authenticate": "ApiKey"})
        return Principal("anonymous")
    if not key:
        raise ApiError(401, "missing API key: send it in the X-API-Key header", "unauthorized",
                       headers={"WWW-Authenticate": "ApiKey"})
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest().encode()
    role = None
    for stored, r in table:
        if hmac.compare_digest(digest, stored) and role is None:
            role = r
    if role is None:
        raise ApiError(401, "API key not recognised", "unauthorized", headers={"WWW-Authenticate": "ApiKey"})
    return Principal(role)


async def require_read(request: Request, key: Annotated[str | None, Depends(api_key_header)]) -> Principal:
    return _authenticate(request, key)


async def require_operate(request: Request, key: Annotated[str | None, Depends(api_key_header)]) -> Principal:
    p = _authenticate(request, key)
    if p.role != "operate":
        if p.role == "anonymous":
            raise ApiError(403, "operate endpoints need an API key with role 'operate'; none is configured "
                                "(ECONGRAPH_API_KEYS)", "forbidden")
        raise ApiError(403, "this API key has role 'read'; the endpoint needs role 'operate'", "forbidden")
    return p


ReadAccess = Annotated[Principal, Depends(require_read)]
OperateAccess = Annotated[Principal, Depends(require_operate)]


@dataclass(frozen=True)
class PageParams:
    offset: int
    limit: int

    def envelope(self, request: Request, page: list, total: int, **extra) -> dict:
        """The page envelope around ``page`` (already sliced) of a list of ``total`` items."""
        nxt = None
        if self.offset + self.limit < total:
            nxt = str(request.url.include_query_params(offset=self.offset + self.limit, limit=self.limit))
        return {"items": page, "total": total, "offset": self.offset, "limit": self.limit, "next": nxt, **extra}

    def slice(self, request: Request, items: list, **extra) -> dict:
        """The page envelope of a whole list."""
        return self.envelope(request, items[self.offset:self.offset + self.limit], len(items), **extra)


async def page_params(offset: Annotated[int, Query(ge=0, le=1_000_000, description="items to skip")] = 0,
                limit: Annotated[int, Query(ge=1, le=500, description="items per page")] = 100) -> PageParams:
    return PageParams(offset, limit)


Paging = Annotated[PageParams, Depends(page_params)]
QuarterQ = Annotated[str | None, Query(pattern=QUARTER_PATTERN, description="e.g. 2024Q3 (default: latest built)")]
RaterQ = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$",
                                     description="human | gpt4 | ... (default: human)")]
CodeP = Annotated[str, Path(pattern=CODE_PATTERN, description="BEA summary industry code, e.g. 5415")]
SocP = Annotated[str, Path(pattern=SOC_PATTERN, description="SOC 2018 detailed code, e.g. 15-1252")]
