"""What-if on a backcast quarter (real data): prices never below zero, shocks capped at value added and said so,
the backcast flag in the summary; non-finite inputs rejected by name."""
from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

from api.analysis import WhatIfError, automation_price_shock
from graph.build import build_quarter, load_inputs
from graph.embedded import EmbeddedGraphStore

from .conftest import READ, make_app

FULL = {"min_score": 0.0, "labour_cost_reduction": 1.0}  # every scored task's labour cost removed


@pytest.fixture(scope="module")
def backcast(warehouse, built, tmp_path_factory):
    """A home with the backcast quarter 2005Q1 (built here) and the published-layer quarter 2024Q3."""
    home = tmp_path_factory.mktemp("whatif-backcast-home")
    store = EmbeddedGraphStore(home)
    qg = build_quarter(load_inputs(warehouse), "2005Q1").graph
    store.write_quarter(qg)
    store.write_quarter(built["graphs"]["2024Q3"])
    with TestClient(make_app(home, store=store)) as client:
        yield {"client": client, "graph": qg, "latest": built["graphs"]["2024Q3"]}


def _post(client, **body):
    r = client.post("/v1/whatif/automation", headers=READ, json=body, params={"limit": 500})
    assert r.status_code == 200, r.text
    return r.json()


def test_full_automation_on_a_backcast_quarter_keeps_prices_positive(backcast):
    page = _post(backcast["client"], quarter="2005Q1", **FULL)
    rows = {r["bea_code"]: r for r in page["items"]}
    assert len(rows) == 71
    # the reported bug: -1.276 for 5415 (-125% for 624, -120% for 622); now every price stays >= 0
    assert all(r["price_change"] >= -1.0 for r in rows.values())
    for code in ("5415", "624", "622"):
        assert -1.0 < rows[code]["price_change"] < 0.0
    s = page["summary"]
    assert s["backcast"] is True and s["oews_period"] == backcast["graph"].manifest["oews_period"]
    assert "V001" in s["wage_scaling"] and any("backcast" in w for w in s["warnings"])
    capped = {c for c, r in rows.items() if r["capped"]}
    assert capped == set(s["industries_capped"])
    for c in capped:  # a capped shock removes exactly the industry's value added
        r = rows[c]
        assert -r["labour_cost_change_usd"] == pytest.approx(max(r["value_added_usd"], 0.0), rel=1e-9)


def test_published_quarter_caps_wages_above_value_added_and_says_so(backcast):
    page = _post(backcast["client"], quarter="2024Q3", **FULL)
    s = page["summary"]
    assert s["backcast"] is False and s["wage_scaling"] == "none"
    assert not any("backcast" in w for w in s["warnings"])
    rows = {r["bea_code"]: r for r in page["items"]}
    # OEWS wages allocated to funds and trusts (525) exceed its BEA value added: capped, flagged, warned
    assert "525" in s["industries_capped"] and rows["525"]["capped"]
    assert any("525" in w and "value added" in w for w in s["warnings"])
    assert min(r["price_change"] for r in rows.values()) >= -1.0
    # a mild shock on one industry caps nothing and warns nothing
    mild = _post(backcast["client"], quarter="2024Q3", min_score=0.5, labour_cost_reduction=0.2,
                 industries=["5415"])
    assert mild["summary"]["industries_capped"] == [] and mild["summary"]["warnings"] == []


@pytest.mark.parametrize("field,value", [("min_score", math.nan), ("min_score", math.inf),
                                         ("labour_cost_reduction", -math.inf), ("labour_cost_reduction", 0.0),
                                         ("min_score", "0.5"), ("labour_cost_reduction", True)])
def test_non_finite_or_out_of_range_inputs_are_named(backcast, field, value):
    args = {"min_score": 0.5, "labour_cost_reduction": 0.2, field: value}
    with pytest.raises(WhatIfError, match=field):
        automation_price_shock(backcast["latest"], "human", args["min_score"], args["labour_cost_reduction"])
    with pytest.raises(WhatIfError, match="industries"):
        automation_price_shock(backcast["latest"], "human", 0.5, 0.2, "5415")
