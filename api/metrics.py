"""Prometheus metrics (prometheus-client), one registry per app (no process-global state).

* ``econgraph_http_requests_total{method, route, status}`` - requests answered; ``route`` is the route template
  (``/v1/industries/{code}/impact``), ``unmatched`` for unknown paths, so label values stay bounded.
* ``econgraph_http_request_duration_seconds{route}`` - latency histogram (buckets from 1 ms to 10 s).
* ``econgraph_http_rejected_total{reason}`` - requests refused before routing: ``rate_limit``, ``body_size``,
  ``query_size``.
* ``econgraph_graph_quarters`` - complete quarters in the store; ``econgraph_impact_cache_entries`` - cached
  (quarter, rater) answers; ``econgraph_task_index_ready`` - 1 when semantic search is ready.
"""
from __future__ import annotations

from typing import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("econgraph_http_requests_total", "HTTP requests answered",
                                ("method", "route", "status"), registry=self.registry)
        self.latency = Histogram("econgraph_http_request_duration_seconds", "HTTP request latency",
                                 ("route",), buckets=BUCKETS, registry=self.registry)
        self.rejected = Counter("econgraph_http_rejected_total", "requests refused before routing", ("reason",),
                                registry=self.registry)
        self.quarters = Gauge("econgraph_graph_quarters", "complete quarters in the graph store",
                              registry=self.registry)
        self.cache_entries = Gauge("econgraph_impact_cache_entries", "cached (quarter, rater) AI-impact answers",
                                   registry=self.registry)
        self.task_index_ready = Gauge("econgraph_task_index_ready", "1 when semantic task search is ready",
                                      registry=self.registry)

    def render(self, update: Callable[["Metrics"], None] | None = None) -> bytes:
        if update is not None:
            update(self)
        return generate_latest(self.registry)
