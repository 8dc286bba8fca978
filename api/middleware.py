"""One pure-ASGI middleware in front of the routes: request id, size limits, rate limit, metrics, access log.

* **Request id** - ``X-Request-ID`` from the client (up to 64 safe characters) or a fresh one; echoed in the response.
* **Size limits** - a body larger than ``max_body_bytes`` (by ``Content-Length``, or counted while it streams) gets
  413; a query string longer than ``max_query_bytes`` gets 414. Both as problem+json.
* **Rate limit** - a token bucket per client (a configured API key, else the client address):
  ``rate_limit_burst`` tokens, refilled at ``rate_limit_per_second``; an empty bucket gives 429 with ``Retry-After``.
  Health, readiness, metrics and the dashboard's static files are exempt.
* **Access log** - method, path (never the query string or headers), status, milliseconds and the client identity
  (``key:<hash prefix>`` or the address): nothing secret is logged.
"""
from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from collections import OrderedDict

from .errors import problem
from .metrics import Metrics
from .settings import ApiSettings

access_log = logging.getLogger("econgraph.api.access")
log = logging.getLogger("econgraph.api")

EXEMPT_PREFIXES = ("/v1/health", "/v1/ready", "/metrics", "/dashboard", "/docs", "/favicon.ico")
DASHBOARD_CSP = (b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                 b"connect-src 'self'; frame-ancestors 'none'")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MAX_CLIENTS = 10_000


class _TooLarge(BaseException):
    """Raised from ``receive`` when a streamed (chunked) body passes the limit. A BaseException, so the framework's
    body parser (which turns any Exception into 400) lets it through to :class:`Guard`, which answers 413."""


class TokenBuckets:
    """Per-client token buckets (event-loop confined: no locking needed)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = float(rate), float(burst)
        self._b: OrderedDict[str, list[float]] = OrderedDict()

    def take(self, client: str, now: float) -> float:
        """0.0 if a token was taken, else the seconds until one is available."""
        b = self._b.get(client)
        if b is None:
            b = [self.burst, now]
            self._b[client] = b
            if len(self._b) > MAX_CLIENTS:
                self._b.popitem(last=False)
        else:
            self._b.move_to_end(client)
            b[0] = min(self.burst, b[0] + (now - b[1]) * self.rate)
            b[1] = now
        if b[0] >= 1.0:
            b[0] -= 1.0
            return 0.0
        return (1.0 - b[0]) / self.rate


def client_identity(scope, known_hashes: frozenset[str]) -> str:
    """``key:<hash prefix>`` for a configured key, else ``addr:<client address>`` (so rotating made-up keys does not
    give a client fresh buckets). The digest is of the key (never the key itself) and its prefix is not secret."""
    for name, value in scope.get("headers", ()):
        if name == b"x-api-key" and value:
            digest = hashlib.sha256(value).hexdigest()
            if digest in known_hashes:
                return "key:" + digest[:12]
            break
    client = scope.get("client")
    return f"addr:{client[0]}" if client else "addr:unknown"


class Guard:
    def __init__(self, app, settings: ApiSettings, metrics: Metrics) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics
        self.buckets = TokenBuckets(settings.rate_limit_per_second, settings.rate_limit_burst)
        self.known_hashes = frozenset(h for h, _ in settings.key_table())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        path = scope.get("path", "")
        head = scope.get("method") == "HEAD"
        if head:  # HEAD = GET without the body (RFC 9110 9.3.2); the routes declare GET only
            scope = {**scope, "method": "GET"}
        rid = None
        length = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                v = value.decode("latin-1")
                rid = v if _SAFE_ID.match(v) else None
            elif name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = -1
        rid = rid or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        who = client_identity(scope, self.known_hashes)
        status_box = [500]
        started = [False]

        async def send_wrapped(message):
            if message["type"] == "http.response.start":
                started[0] = True
                status_box[0] = message["status"]
                message.setdefault("headers", [])
                extra = [(b"x-request-id", rid.encode()), (b"x-content-type-options", b"nosniff")]
                if path.startswith("/dashboard"):
                    extra.append((b"content-security-policy", DASHBOARD_CSP))
                message["headers"] = list(message["headers"]) + extra
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        reject = None
        s = self.settings
        if len(scope.get("query_string", b"")) > s.max_query_bytes:
            reject = ("query_size", problem(414, f"query string is {len(scope['query_string'])} bytes; the limit is "
                                                 f"{s.max_query_bytes}", instance=path))
        elif length is not None and (length < 0 or length > s.max_body_bytes):
            reject = ("body_size", problem(413, f"request body of {length} bytes exceeds the limit of "
                                                f"{s.max_body_bytes} bytes", instance=path))
        elif not path.startswith(EXEMPT_PREFIXES):
            wait = self.buckets.take(who, time.monotonic())
            if wait > 0:
                retry = max(1, int(wait + 0.999))
                reject = ("rate_limit", problem(429, f"rate limit of {s.rate_limit_per_second:g} requests/s (burst "
                                                     f"{s.rate_limit_burst}) exceeded; retry in {retry} s",
                                                instance=path, headers={"Retry-After": str(retry)}))
        if reject is not None:
            self.metrics.rejected.labels(reject[0]).inc()
            await reject[1](scope, receive, send_wrapped)
            self._record(scope, path, status_box[0], t0, who, "rejected")
            return

        seen = [0]

        async def receive_limited():
            message = await receive()
            if message["type"] == "http.request":
                seen[0] += len(message.get("body", b""))
                if seen[0] > s.max_body_bytes:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, receive_limited, send_wrapped)
        except _TooLarge:
            self.metrics.rejected.labels("body_size").inc()
            if not started[0]:
                await problem(413, f"request body exceeds the limit of {s.max_body_bytes} bytes",
                              instance=path)(scope, receive, send_wrapped)
        except Exception:  # an error no handler answered (or a handler that failed): 500 here, with the request id
            log.exception("unhandled error on %s %s (request %s)", scope.get("method"), path, rid)
            status_box[0] = 500
            if not started[0]:
                await problem(500, f"an unexpected error occurred; quote request id {rid!r} to the operators",
                              instance=path, kind="internal", request_id=rid)(scope, receive, send_wrapped)
        self._record(scope, path, status_box[0], t0, who, None)

    def _record(self, scope, path: str, status: int, t0: float, who: str, note: str | None) -> None:
        dt = time.perf_counter() - t0
        route = scope.get("route")
        label = getattr(route, "path", None) or ("static" if path.startswith("/dashboard") else "unmatched")
        self.metrics.requests.labels(scope.get("method", ""), label, str(status)).inc()
        self.metrics.latency.labels(label).observe(dt)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info("%s %s %d %.1fms %s%s", scope.get("method"), path, status, dt * 1000, who,
                            f" ({note})" if note else "")
