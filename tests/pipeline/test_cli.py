"""The `econgraph` CLI end to end on the real snapshot (warehouse from the session fixture, a few quarters)."""
from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def home(warehouse, tmp_path_factory, monkeypatch_module):
    h = tmp_path_factory.mktemp("home")
    shutil.copytree(warehouse.root, h / "warehouse")
    monkeypatch_module.setenv("ECONGRAPH_HOME", str(h))
    r = runner.invoke(app, ["build", "--quarters", "2024Q2:2024Q3"])
    assert r.exit_code == 0, r.output
    return h


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_ingest_is_a_noop_when_unchanged(home):
    r = runner.invoke(app, ["ingest", "--source", "exposure"])
    assert r.exit_code == 0, r.output
    assert "unchanged" in r.output


def test_data_list_json(home):
    r = runner.invoke(app, ["data", "list", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    tables = {t["table"]: t for t in doc["tables"]}
    assert tables["bea_gdp_by_industry"]["period_max"] == "2024Q3"
    assert tables["oews_national"]["rows"] > 6000
    assert "one vintage per source" in doc["note"]


def test_impact_json_shape_and_values(home, tmp_path):
    png = tmp_path / "impact.png"
    r = runner.invoke(app, ["impact", "--quarter", "2024Q3", "--format", "json", "--plot", str(png)])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["quarter"] == "2024Q3" and doc["rater"] == "human"
    nat = doc["national"]
    assert 0 < nat["automatable_wage_bill_usd"] < nat["wage_bill_usd"]
    # the OEWS detailed-occupation wage bill (May 2023) is about $9.9 trillion
    assert 9.0e12 < nat["wage_bill_usd"] < 11.0e12
    assert len(doc["industries"]) == 71
    row = next(i for i in doc["industries"] if i["bea_code"] == "5415")
    for key in ("bea_code", "name", "wage_bill_usd", "automatable_wage_bill_usd", "automatable_share",
                "supply_chain_automatable_per_usd_final_demand", "top_occupations", "top_tasks"):
        assert key in row
    assert row["automatable_share"] > nat["automatable_share"]  # computer systems design is more exposed
    assert row["top_occupations"][0]["automatable_wage_bill_usd"] >= row["top_occupations"][-1][
        "automatable_wage_bill_usd"]
    band = nat["automatable_wage_bill_usd_band"]
    assert band["min"] <= nat["automatable_wage_bill_usd"] <= band["max"]
    assert png.stat().st_size > 10_000


def test_impact_unknown_industry_and_quarter(home):
    r = runner.invoke(app, ["impact", "--quarter", "2024Q3", "--industry", "XXX"])
    assert r.exit_code == 2 and "XXX" in r.output
    r = runner.invoke(app, ["impact", "--quarter", "1999Q1"])
    assert r.exit_code == 2 and "1999Q1" in r.output


def test_io_requirements_csv(home):
    r = runner.invoke(app, ["io", "requirements", "--year", "2022", "--kind", "total", "--format", "csv"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 72 and lines[0].split(",")[1] == "111CA"
    r = runner.invoke(app, ["io", "requirements", "--year", "1990", "--kind", "total"])
    assert r.exit_code == 2 and "1990" in r.output


def test_graph_export_graphml(home, tmp_path):
    out = tmp_path / "q.graphml"
    r = runner.invoke(app, ["graph", "export", "--quarter", "2024Q3", "--format", "graphml", "--out", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "SUPPLIES" in text and "5415" in text
