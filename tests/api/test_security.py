"""API keys and roles, settings that refuse unsafe values, CORS, size limits and the rate limit."""
from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.settings import ApiSettings, hash_key, new_key
from pipeline.settings import Settings

from .conftest import OPERATE, OPERATE_KEY, READ, READ_KEY, make_app

OPERATE_CALLS = [
    ("/v1/operate/build", {"quarters": "2024Q1"}),
    ("/v1/portfolio/rebalance", {"date": "2023-03-03", "universe": "nosuch", "nav_usd": 1e6}),
]


@pytest.fixture(scope="module")
def client(built, embedded_store):
    with TestClient(make_app(built["home"], store=embedded_store, cors_origins=["https://dash.example.org"],
                             max_body_bytes=2048)) as c:
        yield c


@pytest.mark.parametrize("path,body", OPERATE_CALLS)
def test_operate_endpoints_refuse_missing_wrong_and_read_only_keys(client, path, body):
    r = client.post(path, json=body)
    assert r.status_code == 401 and "missing API key" in r.json()["detail"]
    assert r.headers["www-authenticate"] == "ApiKey"
    r = client.post(path, json=body, headers={"X-API-Key": READ_KEY + "x"})
    assert r.status_code == 401 and r.json()["detail"] == "API key not recognised"
    r = client.post(path, json=body, headers={"X-API-Key": hash_key(OPERATE_KEY)})  # the stored hash is no key
    assert r.status_code == 401
    r = client.post(path, json=body, headers=READ)
    assert r.status_code == 403 and "role 'read'" in r.json()["detail"]
    assert r.headers["content-type"].startswith("application/problem+json")
    assert client.get("/v1/jobs", headers=READ).json()["total"] == 0  # nothing was started


def test_operate_key_is_accepted_and_reads_need_a_key(client):
    r = client.post("/v1/portfolio/rebalance", headers=OPERATE,
                    json={"date": "2023-03-03", "universe": "nosuch", "nav_usd": 1e6})
    assert r.status_code == 404 and "nosuch" in r.json()["detail"]  # authorised, then validated
    assert client.get("/v1/industries").status_code == 401
    assert client.get("/v1/industries", headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.get("/v1/industries", headers=READ).status_code == 200
    assert client.get("/v1/industries", headers=OPERATE).status_code == 200  # operate implies read
    for open_path in ("/v1/health", "/metrics", "/dashboard/", "/openapi.json"):
        assert client.get(open_path).status_code == 200, open_path


def test_no_secret_in_logs(client, caplog):
    with caplog.at_level(logging.DEBUG):
        client.get("/v1/industries", headers=READ, params={"limit": 1})
        client.post("/v1/operate/build", headers={"X-API-Key": READ_KEY}, json={"quarters": "2024Q1"})
        client.get("/v1/industries", headers={"X-API-Key": "guessed-key-123"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/v1/industries" in text  # the access log ran
    for secret in (READ_KEY, OPERATE_KEY, "guessed-key-123", hash_key(READ_KEY)):
        assert secret not in text


def test_settings_refuse_unsafe_values_outside_development():
    prod = Settings(environment="production")
    with pytest.raises(ValidationError, match="needs at least one API key"):
        ApiSettings(core=prod, keys=[])
    with pytest.raises(ValidationError, match="well-known placeholder"):
        ApiSettings(core=prod, keys=[f"operate:{hash_key('changethis')}"])
    with pytest.raises(ValidationError, match="'ROLE:SHA256HEX'"):
        ApiSettings(core=prod, keys=["admin:" + "a" * 64])
    with pytest.raises(ValidationError, match="SHA-256"):
        ApiSettings(core=prod, keys=["read:plain-text-key"])
    _, entry = new_key("read")
    with pytest.raises(ValidationError, match="CORS origin"):
        ApiSettings(core=prod, keys=[entry], cors_origins=["*"])
    ok = ApiSettings(core=prod, keys=f"{entry}, {new_key('operate')[1]}", cors_origins="https://a.example")
    assert [r for _, r in ok.key_table()] == ["read", "operate"] and ok.cors_origins == ["https://a.example"]
    dev = ApiSettings(core=Settings(environment="development"))  # development may run without keys
    assert dev.keys == []


def test_development_without_keys_reads_open_operate_closed(built, embedded_store):
    from api.main import create_app

    app = create_app(ApiSettings(core=Settings(home=built["home"], environment="development"), keys=[],
                                 warm_on_startup=False), store=embedded_store)
    with TestClient(app) as c:
        assert c.get("/v1/industries", params={"limit": 1}).status_code == 200
        r = c.post("/v1/operate/build", json={"quarters": "2024Q1"})
        assert r.status_code == 403 and "none is configured" in r.json()["detail"]


def test_cors_is_locked_to_configured_origins(client):
    ok = client.options("/v1/industries", headers={"Origin": "https://dash.example.org",
                                                    "Access-Control-Request-Method": "GET",
                                                    "Access-Control-Request-Headers": "X-API-Key"})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://dash.example.org"
    bad = client.options("/v1/industries", headers={"Origin": "https://evil.example",
                                                     "Access-Control-Request-Method": "GET"})
    assert bad.status_code == 400 and "access-control-allow-origin" not in bad.headers
    r = client.get("/v1/industries", headers={**READ, "Origin": "https://evil.example"}, params={"limit": 1})
    assert "access-control-allow-origin" not in r.headers


def test_request_size_limits(client):
    big = {"quarters": "2024Q1", "pad": "x" * 4000}
    r = client.post("/v1/operate/build", headers=OPERATE, json=big)
    assert r.status_code == 413 and "limit of 2048 bytes" in r.json()["detail"]
    r = client.get("/v1/industries", headers=READ, params={"x": "y" * 5000})
    assert r.status_code == 414
    metrics = client.get("/metrics").text
    assert 'econgraph_http_rejected_total{reason="body_size"}' in metrics


def test_rate_limit(built, embedded_store):
    with TestClient(make_app(built["home"], store=embedded_store, rate_limit_per_second=0.5,
                             rate_limit_burst=3)) as c:
        codes = [c.get("/v1/quarters", headers=READ).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        r = c.get("/v1/quarters", headers=READ)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert "rate limit" in r.json()["detail"]
        assert c.get("/v1/quarters", headers=OPERATE).status_code == 200  # buckets are per client
        assert c.get("/v1/health").status_code == 200  # probes are exempt
        fakes = [c.get("/v1/quarters", headers={"X-API-Key": f"made-up-{i}"}).status_code for i in range(5)]
        assert fakes == [401, 401, 401, 429, 429]  # made-up keys share their address's bucket
