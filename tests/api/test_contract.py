"""Contract tests of every /v1 endpoint on the embedded store built from the real snapshot."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from pipeline.graphs import impact_report

from .conftest import OPERATE, QUARTERS, READ, make_app, wait_job


@pytest.fixture(scope="module")
def client(built, embedded_store):
    with TestClient(make_app(built["home"], store=embedded_store)) as c:
        yield c


def get(client, path, status=200, **params):
    r = client.get(path, headers=READ, params=params)
    assert r.status_code == status, (path, r.status_code, r.text[:500])
    return r.json()


def all_pages(client, path, limit=7, **params):
    items, url, total = [], None, None
    r = client.get(path, headers=READ, params={"limit": limit, **params})
    while True:
        assert r.status_code == 200, r.text
        page = r.json()
        total = page["total"]
        items += page["items"]
        if not page["next"]:
            break
        url = page["next"]
        r = client.get(url, headers=READ)
    assert len(items) == total
    return items


def assert_problem(r, status, *needles):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["type"].startswith("https://")
    for n in needles:
        assert n in body["detail"], body["detail"]
    return body


def test_quarters_and_manifest(client, built):
    qs = all_pages(client, "/v1/quarters", limit=1)
    assert [q["quarter"] for q in qs] == list(QUARTERS)
    for q in qs:
        m = built["graphs"][q["quarter"]].manifest
        assert q["io_year"] == m["io_year"] and q["oews_period"] == m["oews_period"] and q["as_of"] == m["as_of"]
    man = get(client, "/v1/quarters/2024Q3")
    assert man["status"] == "complete" and man["tables"]["industries"] == 71
    assert_problem(client.get("/v1/quarters/2031Q1", headers=READ), 404, "2031Q1")


def test_industries_list_paginates_and_matches_the_store(client, built):
    items = all_pages(client, "/v1/industries", limit=10)
    ind = built["graphs"]["2024Q3"].industries
    assert [i["bea_code"] for i in items] == list(ind["bea_code"])
    assert items[0]["naics"] == list(ind["naics"].iloc[0])
    one = get(client, "/v1/industries/5415")
    assert one["name"] == "Computer systems design and related services"
    assert_problem(client.get("/v1/industries/XYZ99", headers=READ), 404, "'XYZ99'")


@pytest.mark.parametrize("quarter,rater", [("2024Q3", "human"), ("2024Q2", "gpt4")])
def test_industry_impact_equals_the_service_answer(client, embedded_store, built, quarter, rater):
    rep = impact_report(embedded_store, quarter, "5415", rater)
    row = rep["industries"][0]
    got = get(client, "/v1/industries/5415/impact", quarter=quarter, rater=rater)
    assert got["quarter"] == quarter and got["rater"] == rater and got["raters"] == ["gpt4", "human"]
    for k in ("wage_bill_usd", "automatable_wage_bill_usd", "automatable_share",
              "supply_chain_automatable_per_usd_final_demand", "automatable_wage_bill_usd_band"):
        assert got[k] == row[k], k
    assert got["top_occupations"] == row["top_occupations"] and got["top_tasks"] == row["top_tasks"]
    band = got["automatable_wage_bill_usd_band"]
    # the band comes from the stored impact rows, the value from the recomputation: equal up to rounding
    assert band["min"] * (1 - 1e-12) <= got["automatable_wage_bill_usd"] <= band["max"] * (1 + 1e-12)
    # per rater figures are the stored impact rows
    stored = embedded_store.impact(quarter, None, "5415").set_index("rater")
    for r, fig in got["by_rater"].items():
        assert fig["automatable_wage_bill_usd"] == pytest.approx(stored.loc[r, "automatable_wage_bill_usd"], rel=1e-12)
    assert {band["min"], band["max"]} == {v["automatable_wage_bill_usd"] for v in got["by_rater"].values()}
    # supply-chain dollars = m_j y_j with y = x - Z1 from the quarter's flows
    qg = built["graphs"][quarter]
    x = float(qg.impact[qg.impact["bea_code"] == "5415"]["gross_output_usd"].iloc[0])
    sales = float(qg.supplies[qg.supplies["src_bea_code"] == "5415"]["flow_usd_millions"].sum()) * 1e6
    assert got["final_demand_usd"] == pytest.approx(x - sales, rel=1e-12)
    assert got["supply_chain_automatable_usd"] == pytest.approx(
        got["supply_chain_automatable_per_usd_final_demand"] * (x - sales), rel=1e-12)


def test_impact_list_sorts_and_pages_consistently(client, embedded_store):
    rows = all_pages(client, "/v1/impact", limit=20, sort="automatable_share", order="desc")
    assert len(rows) == 71
    shares = [r["automatable_share"] for r in rows if r["automatable_share"] is not None]
    assert shares == sorted(shares, reverse=True)
    assert all(r["automatable_share"] is None for r in rows[len(shares):])  # unknowns last
    page = get(client, "/v1/impact", limit=3, sort="bea_code", order="asc")
    rep = impact_report(embedded_store, "2024Q3", None, "human")
    assert page["national"] == rep["national"] and page["rater"] == "human"
    assert [r["bea_code"] for r in page["items"]] == sorted(r["bea_code"] for r in rep["industries"])[:3]
    assert_problem(client.get("/v1/impact", headers=READ, params={"sort": "nonsense"}), 422, "sort")


def test_compare_returns_each_industry_answer(client):
    cmp = get(client, "/v1/industries/compare", codes="5415,521CI,111CA", quarter="2024Q2")
    assert [i["bea_code"] for i in cmp["industries"]] == ["5415", "521CI", "111CA"]
    assert cmp["industries"][1] == get(client, "/v1/industries/521CI/impact", quarter="2024Q2")
    assert_problem(client.get("/v1/industries/compare", headers=READ, params={"codes": "5415,NOPE"}), 404, "NOPE")


def test_history_has_one_point_per_quarter(client, embedded_store):
    hist = get(client, "/v1/industries/5415/impact/history", rater="gpt4")
    assert [p["quarter"] for p in hist["items"]] == list(QUARTERS)
    for p in hist["items"]:
        s = embedded_store.impact(p["quarter"], "gpt4", "5415").iloc[0]
        assert p["automatable_wage_bill_usd"] == pytest.approx(s["automatable_wage_bill_usd"], rel=1e-12)
    assert_problem(client.get("/v1/industries/5415/impact/history", headers=READ, params={"rater": "nobody"}),
                   404, "'nobody'")


@pytest.mark.parametrize("kind", ["suppliers", "customers"])
def test_flows_sorted_and_equal_to_the_store(client, embedded_store, kind):
    items = all_pages(client, f"/v1/industries/5415/{kind}", limit=25)
    ref = getattr(embedded_store, kind)("2024Q3", "5415")
    assert len(items) == len(ref)
    flows = [i["flow_usd_millions"] for i in items]
    assert flows == sorted(flows, reverse=True)
    assert flows == pytest.approx(list(ref["flow_usd_millions"]), rel=1e-12)
    if kind == "suppliers":
        assert 0 < sum(i["coefficient"] for i in items) < 1  # intermediate inputs per $ of output
        assert all(i["dst_bea_code"] == "5415" and i["src_name"] for i in items)


def test_occupations_and_tasks_with_every_raters_score(client, embedded_store, built):
    occ = get(client, "/v1/industries/5415/occupations", limit=5)
    ref = embedded_store.employs("2024Q3", "5415")
    assert occ["total"] == len(ref) and [o["soc"] for o in occ["items"]] == list(ref["soc"][:5])
    assert occ["items"][0]["title"]
    soc = occ["items"][0]["soc"]
    tasks = all_pages(client, f"/v1/occupations/{soc}/tasks", limit=10)
    ts = built["graphs"]["2024Q3"].task_scores
    assert sum(t["weight"] for t in tasks) == pytest.approx(1.0)
    for t in tasks:
        exp = ts[ts["task_id"] == t["task_id"]].set_index("rater")["score"]
        assert {r: s["score"] for r, s in t["scores"].items()} == exp.to_dict()
    assert_problem(client.get("/v1/occupations/99-9999/tasks", headers=READ), 404, "99-9999")
    assert_problem(client.get("/v1/occupations/not-a-soc/tasks", headers=READ), 422, "soc")


def _whatif(client, **body):
    r = client.post("/v1/whatif/automation", headers=READ, json=body, params={"limit": 500})
    assert r.status_code == 200, r.text
    return r.json()


def test_whatif_price_model_properties(client, built):
    base = _whatif(client, quarter="2024Q3", rater="human", min_score=0.5, labour_cost_reduction=0.2,
                   industries=["5415", "521CI"])
    rows = {r["bea_code"]: r for r in base["items"]}
    assert len(rows) == 71 and base["total"] == 71
    dv = pd.Series({c: r["value_added_change_per_usd"] for c, r in rows.items()})
    dp = pd.Series({c: r["price_change"] for c, r in rows.items()})
    assert set(dv[dv != 0].index) == {"5415", "521CI"} and (dv <= 0).all()
    assert (dp <= 1e-15).all() and (dp <= dv + 1e-15).all()  # L >= I: a cost cut passes through at least fully
    assert (dp[~dp.index.isin(["5415", "521CI"])] < 0).any()  # and reaches customers
    # dp' = dv' L, checked against an independent dense solve of (I - A)' dp = dv
    qg = built["graphs"]["2024Q3"]
    codes = list(qg.industries["bea_code"])
    A = qg.supplies.pivot(index="src_bea_code", columns="dst_bea_code", values="coefficient").reindex(
        index=codes, columns=codes).fillna(0.0).to_numpy()
    ref = np.linalg.solve((np.eye(len(codes)) - A).T, dv.reindex(codes).to_numpy())
    np.testing.assert_allclose(dp.reindex(codes).to_numpy(), ref, rtol=1e-9, atol=1e-15)
    # linear in the reduction; stricter threshold never saves more
    double = _whatif(client, quarter="2024Q3", rater="human", min_score=0.5, labour_cost_reduction=0.4,
                     industries=["5415", "521CI"])
    np.testing.assert_allclose([r["price_change"] for r in double["items"]],
                               [2 * r["price_change"] for r in base["items"]], rtol=1e-9)
    strict = _whatif(client, quarter="2024Q3", rater="human", min_score=1.0, labour_cost_reduction=0.2,
                     industries=["5415", "521CI"])
    assert 0 < strict["summary"]["labour_cost_saved_usd"] < base["summary"]["labour_cost_saved_usd"]
    s = base["summary"]
    assert s["final_demand_weighted_price_change"] < 0 and s["largest_price_fall"]["bea_code"] in ("5415", "521CI")
    prices = [r["price_change"] for r in base["items"]]
    assert prices == sorted(prices)  # largest fall first


def test_whatif_validation(client):
    r = client.post("/v1/whatif/automation", headers=READ, json={"min_score": 1.5})
    assert_problem(r, 422, "min_score")
    r = client.post("/v1/whatif/automation", headers=READ, json={"industries": ["5415", "NOPE1"]})
    assert_problem(r, 404, "NOPE1")
    r = client.post("/v1/whatif/automation", headers=READ, json={"labour_cost_reduction": 0.1, "extra": 1})
    assert_problem(r, 422, "extra")
    r = client.post("/v1/whatif/automation", headers=READ, json={"rater": "oracle"})
    assert_problem(r, 404, "oracle")


def test_forecasts_latest_and_missing(client, built, embedded_store, tmp_path):
    page = get(client, "/v1/forecasts/latest", limit=500)
    df = pd.read_parquet(built["home"] / "forecasts" / "2024Q4.parquet")
    assert page["quarter"] == "2024Q4" and page["total"] == len(df)
    first = page["items"][0]
    assert first["q05"] <= first["q25"] <= first["q50"] <= first["q75"] <= first["q95"]
    assert first["name"] and first["model_id"] == "test-model" and first["as_of_date"] == "2024-12-28"
    assert get(client, "/v1/forecasts")["items"] == ["2024Q4"]
    assert_problem(client.get("/v1/forecasts/2023Q1", headers=READ), 404, "2023Q1")
    with TestClient(make_app(tmp_path, store=embedded_store)) as empty:
        assert_problem(empty.get("/v1/forecasts/latest", headers=READ), 404, "forecasts have not been produced")


def test_portfolio_outputs_and_exposure(client, built):
    assert get(client, "/v1/portfolio")["items"] == ["synth20"]
    assert get(client, "/v1/portfolio/synth20/dates")["items"] == ["2023-03-01"]
    day = get(client, "/v1/portfolio/synth20/latest")
    assert day["date"] == "2023-03-01" and day["summary"]["status"] == built["rebalance"]["status"]
    w = all_pages(client, "/v1/portfolio/synth20/2023-03-01/weights", limit=5)
    ref = pd.read_csv(built["home"] / "portfolio" / "synth20" / "2023-03-01" / "target_weights.csv")
    assert sum(x["weight"] for x in w) == pytest.approx(ref["weight"].sum())
    assert [x["weight"] for x in w] == sorted((x["weight"] for x in w), reverse=True)
    disc = all_pages(client, "/v1/portfolio/synth20/2023-03-01/holdings")
    assert sum(x["weight"] for x in disc) == pytest.approx(1.0, abs=1e-9) and disc[-1]["identifier"] == "CASH_USD"
    orders = all_pages(client, "/v1/portfolio/synth20/2023-03-01/orders")
    assert all(o["side"] == "BUY" for o in orders)  # from cash
    ex = all_pages(client, "/v1/portfolio/synth20/latest/exposure")
    assert sum(e["weight"] for e in ex) == pytest.approx(ref["weight"].sum(), rel=1e-9)  # exposures sum to 1
    assert_problem(client.get("/v1/portfolio/nosuch/latest", headers=READ), 404, "'nosuch'")
    assert_problem(client.get("/v1/portfolio/synth20/2020-01-01/weights", headers=READ), 404, "2020-01-01")
    assert_problem(client.get("/v1/portfolio/synth20/backtest", headers=READ), 404, "backtest")


def test_compliance_status_breaches_reports_replay(client, built):
    st = get(client, "/v1/compliance/status", universe="testfund")
    state = json.loads((built["home"] / "compliance" / "testfund" / "breaches.json").read_text())
    open_b = [b for b in state["breaches"] if b["status"] in ("open", "overridden")]
    assert st["as_of"] == "2024-03-29" and st["checks_recorded"] == 3 and st["open_breaches"] == len(open_b) >= 1
    assert st["audit"]["ok"] is True and st["universe"] == "testfund"
    br = get(client, "/v1/compliance/breaches", universe="testfund")
    assert [b["breach_id"] for b in br["items"]] == sorted(b["breach_id"] for b in open_b)
    assert any(b["rule_id"] == "prospectus_max_issuer_weight" and b["override"]["approver"] == "CCO"
               for b in br["items"])
    checks = get(client, "/v1/compliance/checks", universe="testfund")
    assert [c["as_of"] for c in checks["items"]] == ["2024-03-29", "2024-03-28", "2024-03-27"]
    assert {c["universe"] for c in checks["items"]} == {"testfund"}
    day = get(client, "/v1/compliance/checks/2024-03-28")
    assert day["as_of"] == "2024-03-28" and day["rules"]
    assert get(client, "/v1/compliance/checks/2024-03-28/replay")["matches"] is True
    html = client.get("/v1/compliance/reports/2024-03-29", headers=READ)
    assert html.status_code == 200 and "text/html" in html.headers["content-type"] and "2024-03-29" in html.text
    pdf = client.get("/v1/compliance/reports/2024-03-29", headers=READ, params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    js = get(client, "/v1/compliance/reports/2024-03-29", format="json")
    assert js["audit"]["seq"] == checks["items"][0]["seq"]
    assert_problem(client.get("/v1/compliance/checks/2023-01-02", headers=READ), 404, "2023-01-02")
    assert_problem(client.get("/v1/compliance/checks/2024-02-30", headers=READ), 422, "2024-02-30")


def test_errors_are_problem_json(client):
    assert_problem(client.get("/v1/industries/5415/impact", headers=READ, params={"quarter": "2031Q1"}), 404,
                   "2031Q1", "2024Q2..2024Q3")
    assert_problem(client.get("/v1/industries/5415/impact", headers=READ, params={"quarter": "2024Q9"}), 422,
                   "quarter", "2024Q9")
    assert_problem(client.get("/v1/industries/5415/impact", headers=READ, params={"rater": "oracle"}), 404,
                   "oracle")
    assert_problem(client.get("/v1/nowhere", headers=READ), 404, "/v1/nowhere")
    assert_problem(client.delete("/v1/industries", headers=READ), 405, "DELETE")
    assert_problem(client.get("/v1/industries", headers=READ, params={"limit": 0}), 422, "limit")


def test_health_ready_metrics(client):
    assert client.get("/v1/health").json()["status"] == "ok"
    ready = client.get("/v1/ready").json()
    assert ready["ready"] is True and ready["checks"]["graph_store"]["latest"] == "2024Q3"
    assert ready["checks"]["impact_cache"]["warm"] is True  # earlier tests computed the latest quarter
    text = client.get("/metrics").text
    assert 'econgraph_http_requests_total{method="GET",route="/v1/industries/{code}/impact",status="200"}' in text
    assert "econgraph_graph_quarters 2.0" in text
    assert client.get("/v1/health").headers["x-request-id"]


def test_rebuilt_quarter_drops_its_cached_answers(built, tmp_path):
    """A quarter rewritten with different content (another manifest) is recomputed after the next refresh; an
    unchanged quarter keeps its cached answer."""
    from api.service import GraphService
    from graph.embedded import EmbeddedGraphStore

    store = EmbeddedGraphStore(tmp_path)
    for q in QUARTERS:
        store.write_quarter(built["graphs"][q])
    g = GraphService(store)
    g.refresh()
    old_q3, old_q2 = g.impact("2024Q3", "human"), g.impact("2024Q2", "human")
    g.refresh()
    assert g.cached_impact("2024Q3", "human") is old_q3  # nothing changed: still cached
    from graph.schema import QuarterGraph

    q3 = built["graphs"]["2024Q3"]
    store.write_quarter(QuarterGraph.from_tables("2024Q3", q3.tables(),
                                                 {**q3.manifest, "code_version": "revised-build"}))
    g.refresh()
    assert g.cached_impact("2024Q3", "human") is None and g.cached_impact("2024Q2", "human") is old_q2
    assert g.impact("2024Q3", "human").report == old_q3.report  # same data, recomputed
    store.delete_quarter("2024Q2")
    g.refresh()
    assert g.quarters == ["2024Q3"] and g.cached_impact("2024Q2", "human") is None


def test_operate_build_job_refreshes_the_catalog(built, tmp_path):
    """A build job (role operate) writes 2024Q1 into the store the service reads; the catalog then lists it."""
    home = tmp_path / "home"
    shutil.copytree(built["home"] / "graph", home / "graph")
    (home / "warehouse").symlink_to((built["home"] / "warehouse").resolve())
    with TestClient(make_app(home)) as c:
        assert [q["quarter"] for q in c.get("/v1/quarters", headers=READ).json()["items"]] == list(QUARTERS)
        before = c.get("/v1/industries/5415/impact", headers=READ).json()
        r = c.post("/v1/operate/build", headers=OPERATE, json={"quarters": "2024Q1"})
        assert r.status_code == 202 and r.headers["location"] == f"/v1/jobs/{r.json()['id']}"
        job = wait_job(c, r.json()["id"])
        assert job["status"] == "succeeded", job
        assert job["result"][0]["quarter"] == "2024Q1"
        qs = [q["quarter"] for q in c.get("/v1/quarters", headers=READ).json()["items"]]
        assert qs == ["2024Q1", *QUARTERS]
        assert c.get("/v1/industries/5415/impact", headers=READ).json() == before  # latest unchanged
        assert_problem(c.post("/v1/operate/build", headers=OPERATE, json={"quarters": "1900Q1"}), 422, "1900Q1")


def test_operate_rebalance_job(client, built):
    r = client.post("/v1/portfolio/rebalance", headers=OPERATE,
                    json={"date": "2023-03-02", "universe": "synth20", "nav_usd": 2e7})
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["id"])
    assert job["status"] == "succeeded", job
    assert job["result"]["date"] == "2023-03-02" and job["result"]["nav_usd"] == 2e7
    assert get(client, "/v1/portfolio/synth20/dates")["items"] == ["2023-03-01", "2023-03-02"]
    r = client.post("/v1/portfolio/rebalance", headers=OPERATE, json={"date": "2023-03-02", "universe": "nosuch"})
    assert_problem(r, 404, "'nosuch'")


