"""GET /v1/text/industries/{code}: the Beige Book index served from <home>/text/index.parquet."""
from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from .conftest import READ, make_app


def _index(home):
    eds = ["2024-07-17", "2024-09-04", "2024-10-23"]
    df = pd.DataFrame({"bea_code": "334", "name": "Computer and electronic products", "edition": eds,
                       "published_date": pd.to_datetime(eds), "index": [0.1, -0.2, 0.05],
                       "band_low": [0.0, -0.3, 0.0], "band_high": [0.2, -0.1, 0.1], "index_se": 0.05,
                       "level": ["group", "industry", "group"], "n_passages": [40, 3, 38], "n_districts": [12, 2, 11],
                       "index_lexicon": [0.0, -0.1, 0.0], "index_embedding": [0.2, -0.3, 0.1],
                       "prices": [0.3, float("nan"), 0.2], "n_prices": [5, 0, 4], "wages": float("nan"),
                       "n_wages": 0, "employment": 0.1, "n_employment": 2})
    (home / "text").mkdir(parents=True)
    df.to_parquet(home / "text" / "index.parquet", index=False)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    home = tmp_path_factory.mktemp("text-api")
    _index(home)
    with TestClient(make_app(home)) as c:
        yield c


def test_series_and_as_of(client):
    r = client.get("/v1/text/industries/334", headers=READ)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["editions"] == 3 and [p["edition"] for p in doc["points"]] == ["2024-07-17", "2024-09-04", "2024-10-23"]
    assert doc["points"][1]["level"] == "industry" and doc["points"][1]["prices"] is None
    assert doc["points"][0]["band_low"] <= doc["points"][0]["index"] <= doc["points"][0]["band_high"]
    r = client.get("/v1/text/industries/334", headers=READ, params={"as_of": "2024-09-04"})
    assert [p["edition"] for p in r.json()["points"]] == ["2024-07-17", "2024-09-04"]


def test_errors(client, tmp_path):
    assert client.get("/v1/text/industries/334").status_code == 401
    r = client.get("/v1/text/industries/999X", headers=READ)
    assert r.status_code == 404 and "no Beige Book index for industry" in r.json()["detail"]
    assert client.get("/v1/text/industries/334", headers=READ, params={"as_of": "soon"}).status_code == 422
    with TestClient(make_app(tmp_path)) as empty:
        r = empty.get("/v1/text/industries/334", headers=READ)
        assert r.status_code == 404 and "econgraph text build" in r.json()["detail"]
