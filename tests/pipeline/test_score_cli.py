"""`econgraph score` on the real labels: consensus and band variants for the graph, and one task's answers."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def home(warehouse, tmp_path_factory):
    h = tmp_path_factory.mktemp("score")
    for s in ("onet", "exposure"):
        shutil.copytree(warehouse.root / s, h / "warehouse" / s)
    mp = pytest.MonkeyPatch()
    mp.setenv("ECONGRAPH_HOME", str(h))
    yield h
    mp.undo()


def test_run_writes_consensus_band_for_the_graph(home):
    r = runner.invoke(app, ["score", "run", "--rater", "human", "--limit", "200", "--format", "json"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    assert info["scored"] <= 200 and info["consensus"]["raters"] == "gpt4,human"
    ts = pd.read_parquet(home / "scores" / "task_scores.parquet")
    wide = ts.pivot(index="task_id", columns="rater", values="score")
    assert set(wide.columns) == {"consensus", "band_low", "band_high"}
    assert (wide["band_low"] <= wide["consensus"] + 1e-12).all() and (wide["consensus"] <= wide["band_high"] + 1e-12).all()
    assert (ts["task_id"] > 0).all() and ts["score"].between(0, 1).all()
    # human and GPT-4 disagree on a large share of tasks: the band is not degenerate
    assert (wide["band_high"] > wide["band_low"]).mean() > 0.2


def test_show_lists_every_rater(home):
    r = runner.invoke(app, ["score", "show", "8823"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    raters = {a["rater"]: a for a in doc["answers"]}
    assert raters["human"]["exposure_class"] == "E0" and raters["gpt4"]["exposure_class"] == "E2"
    assert "financial or budget" in doc["text"]
    r = runner.invoke(app, ["score", "show", "999999999"])
    assert r.exit_code == 2 and "999999999" in r.output


def test_llm_rater_needs_an_endpoint(home):
    r = runner.invoke(app, ["score", "run", "--rater", "llm", "--limit", "5"])
    assert r.exit_code == 2 and "ECONGRAPH_LLM_BASE_URL" in r.output
