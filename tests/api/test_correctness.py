"""What users hit: compliance visible per universe after the daily step, non-finite JSON numbers, HEAD, chunked
bodies over the limit, impossible dates and unbuildable quarters answered up front."""
from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from .conftest import OPERATE, READ, make_app, wait_job


@pytest.fixture(scope="module")
def client(built, embedded_store):
    with TestClient(make_app(built["home"], store=embedded_store, max_body_bytes=65_536)) as c:
        yield c




def _problem(r, status, *needles):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers.get("x-request-id")
    body = r.json()
    for n in needles:
        assert n in body["detail"], (n, body["detail"])
    return body


def test_daily_step_through_the_api_records_a_check_the_api_reads_back(client, built):
    """POST /v1/portfolio/rebalance runs the daily step (rebalance + audited check) and every compliance endpoint
    then shows it, per universe and in the all-universe status."""
    r = client.post("/v1/portfolio/rebalance", headers=OPERATE,
                    json={"date": "2023-03-06", "universe": "synth20", "nav_usd": 3e7})
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["id"])
    assert job["status"] == "succeeded", job
    audit = job["result"]["compliance"]["audit"]
    assert audit["state_dir"].endswith("compliance/synth20")
    assert (built["home"] / "compliance" / "synth20" / "audit" / "log.jsonl").is_file()

    unis = client.get("/v1/compliance/universes", headers=READ).json()["items"]
    assert {"synth20", "testfund"} <= set(unis)
    st = client.get("/v1/compliance/status", headers=READ, params={"universe": "synth20"}).json()
    assert st["universe"] == "synth20" and st["checks_recorded"] >= 1 and st["audit"]["ok"] is True
    day = client.get("/v1/compliance/checks/2023-03-06", headers=READ).json()  # only synth20 checked that day
    assert day["universe"] == "synth20" and day["as_of"] == "2023-03-06" and day["rules"]
    assert sum(x["status"] == "breach" for x in day["rules"]) == audit["breaches"]
    rep = client.get("/v1/compliance/checks/2023-03-06/replay", headers=READ, params={"universe": "synth20"})
    assert rep.status_code == 200 and rep.json()["matches"] is True
    html = client.get("/v1/compliance/reports/2023-03-06", headers=READ)
    assert html.status_code == 200 and "2023-03-06" in html.text
    assert (built["home"] / "compliance" / "synth20" / "reports" / "compliance_2023-03-06.html").is_file()

    # the all-universe status counts every universe's open breaches (testfund has one open since 2024-03-28)
    every = client.get("/v1/compliance/status", headers=READ).json()
    per = {u["universe"]: u for u in every["universes"]}
    assert {"synth20", "testfund"} <= set(per)
    assert every["open_breaches"] == sum(u["open_breaches"] for u in per.values()) >= 1
    assert every["checks_recorded"] == sum(u["checks_recorded"] for u in per.values())
    items = client.get("/v1/compliance/breaches", headers=READ, params={"limit": 200}).json()["items"]
    assert {b["universe"] for b in items} >= {"testfund"}
    _problem(client.get("/v1/compliance/status", headers=READ, params={"universe": "nosuch"}), 404, "'nosuch'")


@pytest.mark.parametrize("path,body,field", [
    ("/v1/whatif/automation", '{"min_score": NaN, "labour_cost_reduction": 0.5}', "min_score"),
    ("/v1/whatif/automation", '{"min_score": 0.5, "labour_cost_reduction": Infinity}', "labour_cost_reduction"),
    ("/v1/portfolio/rebalance", '{"date": "2023-03-01", "universe": "synth20", "nav_usd": NaN}', "nav_usd"),
    ("/v1/portfolio/rebalance", '{"date": "2023-03-01", "universe": "synth20", "nav_usd": -Infinity}', "nav_usd"),
])
def test_non_finite_numbers_are_422_naming_the_field(client, path, body, field):
    r = client.post(path, headers={**OPERATE, "content-type": "application/json"}, content=body)
    p = _problem(r, 422, field)
    assert any(field in e["loc"] for e in p["errors"])
    json.dumps(p, allow_nan=False)  # strict JSON


def test_unhandled_error_is_500_problem_with_request_id(built):
    app = make_app(built["home"])

    def boom():
        raise RuntimeError("kaboom")

    app.add_api_route("/v1/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/v1/boom", headers={**READ, "x-request-id": "req-123"})
        body = _problem(r, 500, "req-123")
        assert r.headers["x-request-id"] == "req-123" and "kaboom" not in r.text
        metrics = c.get("/metrics").text
        assert 'status="500"' in metrics


def test_smaller_contract_items(client):
    # the documented example of compare works
    r = client.get("/v1/industries/compare", headers=READ, params={"codes": "5415,523,511"})
    assert r.status_code == 200, r.text
    assert [i["bea_code"] for i in r.json()["industries"]] == ["5415", "523", "511"]
    # an impossible date is a validation error, as in compliance
    _problem(client.get("/v1/portfolio/synth20/2024-13-45", headers=READ), 422, "2024-13-45")
    _problem(client.get("/v1/portfolio/synth20/2024-13-45/weights", headers=READ), 422, "2024-13-45")
    # HEAD answers like GET without a body
    h = client.head("/v1/health")
    assert h.status_code == 200 and h.content == b"" and h.headers.get("x-request-id")
    # a chunked body over the limit is 413, not 400
    chunks = (b'{"min_score": 0.5, "pad": "' + b"x" * 70_000 + b'"}' for _ in range(1))
    r = client.post("/v1/whatif/automation", headers={**READ, "content-type": "application/json"}, content=chunks)
    _problem(r, 413, "limit")
    # a build that cannot succeed is refused up front
    _problem(client.post("/v1/operate/build", headers=OPERATE, json={"quarters": "2031Q1:2031Q4"}), 422,
             "2031Q1")
    _problem(client.post("/v1/operate/build", headers=OPERATE, json={"quarters": "2024Q4:2024Q1"}), 422,
             "ends before it starts")


def test_docs_are_served_offline(client):
    """/docs loads Swagger UI from this server's own assets (no CDN): every script and stylesheet it names is local
    and served."""
    import re

    page = client.get("/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    refs = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', page.text)
    assert refs and all(r.startswith("/docs-assets/") for r in refs), refs
    for ref in refs:
        r = client.get(ref)
        assert r.status_code == 200 and len(r.content) > 500, ref


def test_compute_gate_runs_off_the_loop_and_sheds_load():
    """One worker, one waiting slot: of three simultaneous slow jobs one runs, one waits, one gets 503 with
    Retry-After at once; meanwhile the event loop stays free (a 10 ms tick is never late by more than 50 ms)."""
    import asyncio
    import threading

    from api.compute import ComputeGate
    from api.errors import ApiError

    gate = ComputeGate(workers=1, queue=1)
    threads = set()

    def slow(x):
        threads.add(threading.current_thread().name)
        time.sleep(0.3)
        return x

    async def main():
        lags = []

        async def ticker():
            for _ in range(40):
                t = asyncio.get_running_loop().time()
                await asyncio.sleep(0.01)
                lags.append(asyncio.get_running_loop().time() - t - 0.01)

        results = await asyncio.gather(gate.run(slow, 1), gate.run(slow, 2), gate.run(slow, 3), ticker(),
                                       return_exceptions=True)
        return results[:3], lags

    try:
        results, lags = asyncio.run(main())
    finally:
        gate.shutdown()
    assert results[0] == 1 and results[1] == 2
    assert isinstance(results[2], ApiError) and results[2].status == 503
    assert int(results[2].headers["Retry-After"]) >= 1
    assert threads == {t for t in threads if t.startswith("compute")}
    assert max(lags) < 0.05


@pytest.mark.parametrize("rater,theta,r,inds", [("human", 0.5, 0.2, None), ("gpt4", 0.0, 1.0, None),
                                                ("human", 0.75, 0.4, ["5415", "523"])])
def test_whatif_model_equals_the_direct_computation(built, rater, theta, r, inds):
    """The precomputed model (LU reused, integer-indexed tables) answers exactly what a direct pandas computation of
    the module's equations gives on the real quarter."""
    from api.analysis import (WhatIfModel, direct_requirements, final_demand_usd, gross_output_usd,
                              occupation_share_above, value_added_usd)
    from graph import io_math

    qg = built["graphs"]["2024Q3"]
    res = WhatIfModel(qg).shock(rater, theta, r, inds)
    codes = list(qg.industries["bea_code"])
    h = occupation_share_above(qg, rater, theta)
    emp = qg.employs[["bea_code", "soc", "wage_bill_usd"]].dropna(subset=["wage_bill_usd"])
    exposed = (emp["wage_bill_usd"] * emp["soc"].map(h).fillna(0.0)).groupby(emp["bea_code"]).sum()
    shocked = pd.Series([inds is None or c in inds for c in codes], index=codes)
    d_w = -r * exposed.reindex(codes).fillna(0.0).where(shocked, 0.0)
    limit = value_added_usd(qg).clip(lower=0.0).fillna(0.0)
    d_w = d_w.where(~(shocked & (-d_w > limit)), -limit)
    dv = (d_w / gross_output_usd(qg)).fillna(0.0)
    dp = io_math.price_shock(direct_requirements(qg), dv)
    got = res.industries.set_index("bea_code")
    np.testing.assert_allclose(got["labour_cost_change_usd"], d_w, rtol=1e-12, atol=1e-3)
    np.testing.assert_allclose(got["price_change"], dp.reindex(codes), rtol=1e-10, atol=1e-14)
    y = final_demand_usd(qg).clip(lower=0.0)
    assert res.summary["final_demand_weighted_price_change"] == pytest.approx(float((y * dp).sum() / y.sum()),
                                                                              rel=1e-10)
    assert (got["price_change"] >= -1.0).all()
