"""Semantic task search with the offline MiniLM model, on a real quarter cut down to a few occupations (embedding
all ~19,000 O*NET statements takes minutes on a CPU; the index code is the same)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from graph.embedded import EmbeddedGraphStore

from .conftest import READ, make_app, subset_graph


@pytest.fixture(scope="module")
def client(built, tmp_path_factory):
    home = tmp_path_factory.mktemp("search-home")
    store = EmbeddedGraphStore(home)
    store.write_quarter(subset_graph(built["graphs"]["2024Q3"]))
    with TestClient(make_app(home, store=store)) as c:
        yield c


def test_search_builds_in_background_then_ranks_by_meaning(client):
    r = client.get("/v1/tasks/search", headers=READ, params={"q": "change existing software to fix errors and make it faster"})
    idx = client.app.state.econ.task_index
    if r.status_code == 503:  # first request starts the build (unless a cached index was already complete)
        assert r.headers["retry-after"] == "10" and "being built" in r.json()["detail"]
        assert idx.wait(timeout=300), idx.status()
        r = client.get("/v1/tasks/search", headers=READ, params={"q": "change existing software to fix errors and make it faster"})
    assert r.status_code == 200, r.text
    page = r.json()
    n_tasks = len(client.app.state.econ.graph.quarter_graph("2024Q3").tasks)
    assert 0 < page["total"] < n_tasks and page["min_similarity"] == 0.3  # the default floor drops unrelated tasks
    assert page["quarter"] == "2024Q3" and "all-MiniLM-L6-v2" in page["model"]
    assert all(h["similarity"] >= 0.3 for h in page["items"])
    assert {"human", "gpt4"} <= set(page["items"][0]["scores"])  # every rater's score of the hit
    top = page["items"][0]
    assert top["soc"] == "15-1252" and "software" in top["text"].lower(), top  # a paraphrase finds the task
    sims = [h["similarity"] for h in page["items"]]
    assert sims == sorted(sims, reverse=True) and -1.0 <= sims[-1] <= sims[0] <= 1.0
    nurse = client.get("/v1/tasks/search", headers=READ, params={"q": "give patients medication", "limit": 2}).json()
    assert nurse["items"][0]["soc"] == "29-1141" and nurse["next"] and nurse["limit"] == 2
    second = client.get(nurse["next"], headers=READ).json()
    assert second["offset"] == 2 and second["items"][0]["similarity"] <= nurse["items"][-1]["similarity"]
    ready = client.get("/v1/ready").json()["checks"]["task_search"]
    assert ready["state"] == "ready" and ready["total"] == n_tasks


def test_search_floor_and_collapsed_duplicates(client):
    """No floor and no collapsing: every task is a hit; collapsing merges statements repeated under several
    occupations into one hit that names them."""
    q = {"q": "record patient information", "min_similarity": -1, "limit": 500}
    every = client.get("/v1/tasks/search", headers=READ, params={**q, "collapse": "false"}).json()
    n_tasks = len(client.app.state.econ.graph.quarter_graph("2024Q3").tasks)
    assert every["total"] == n_tasks
    merged = client.get("/v1/tasks/search", headers=READ, params=q).json()
    texts = [" ".join(h["text"].lower().split()).rstrip(".") for h in merged["items"]]
    assert len(texts) == len(set(texts)) == merged["total"] <= n_tasks
    assert sum(len(h["duplicate_task_ids"]) for h in merged["items"]) == n_tasks - merged["total"]
    assert client.get("/v1/tasks/search", headers=READ, params={"q": "abc", "min_similarity": 2}).status_code == 422


def test_search_validation(client):
    assert client.get("/v1/tasks/search", headers=READ, params={"q": "x"}).status_code == 422
    assert client.get("/v1/tasks/search", headers=READ, params={"q": "  \t "}).status_code == 422
    assert client.get("/v1/tasks/search", headers=READ).status_code == 422
