"""Schemathesis against the OpenAPI schema: generated requests for every operation, none may get a server error,
and every answer must match its documented status codes, content type and response schema.

The app serves the two real quarters cut down to a few occupations (so the semantic-search index embeds in
seconds), with copies of the compliance state, forecasts and portfolio outputs. Requests carry a read key:
operate endpoints answer 403 (a fuzzer must not start builds), every other endpoint is exercised for real.
"""
from __future__ import annotations

import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_schema_conformance, status_code_conformance)
from schemathesis.checks import not_a_server_error

from graph.embedded import EmbeddedGraphStore

from .conftest import QUARTERS, READ, make_app, subset_graph

EXAMPLES_PER_OPERATION = 45
MIN_REQUESTS = 1000


@pytest.fixture(scope="module")
def fuzz_app(built, tmp_path_factory):
    home = tmp_path_factory.mktemp("fuzz-home")
    store = EmbeddedGraphStore(home)
    for q in QUARTERS:
        store.write_quarter(subset_graph(built["graphs"][q]))
    for d in ("compliance", "forecasts", "portfolio", "universes"):
        shutil.copytree(built["home"] / d, home / d)
    app = make_app(home, store=store)
    idx = app.state.econ.task_index
    app.state.econ.graph.refresh()
    latest = QUARTERS[-1]
    idx.start(lambda: store.read_quarter(latest), app.state.econ.graph.static_hash(latest))
    assert idx.wait(timeout=300), idx.status()
    return app


def test_no_server_error_and_conformance(fuzz_app):
    """Every operation: up to EXAMPLES_PER_OPERATION generated requests (valid and invalid data), checked for
    server errors, documented status codes, content type, response schema and rejection of invalid data.
    (Driven from one test: schemathesis' pytest loader does not run under pytest 9 here.)"""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
              negative_data_rejection]
    calls: dict[str, int] = {}
    failures: list[str] = []
    for result in schema.get_all_operations():
        op = result.ok()

        @given(case=op.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            calls[op.label] = calls.get(op.label, 0) + 1
            case.call_and_validate(headers=READ, checks=checks)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, report them together
            failures.append(f"{op.label}: {str(exc)[:1500]}")
    total = sum(calls.values())
    assert not failures, "\n\n".join(failures)
    assert total >= MIN_REQUESTS, f"only {total} generated requests: {calls}"
    assert len(calls) >= 25, sorted(calls)
