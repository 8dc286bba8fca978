"""Nowcast quarters: margins, point-in-time layers, flags and band, store round trip, bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graph.build import BuildError, load_inputs, quarterly_gdp
from graph.embedded import EmbeddedGraphStore
from graph.labour import choose_oews_year
from graph.nowcast import build_nowcast_quarter
from gnn.nowcast import nowcast_dates, nowcast_inputs, nowcast_path
from ingest.calendar import bea_annual_io_published
from pipeline.graphs import impact_report
from pipeline.nowcast import information_date


@pytest.fixture(scope="module")
def inputs(warehouse):
    return load_inputs(warehouse)


@pytest.fixture(scope="module")
def latest(warehouse):
    """The latest nowcast quarter, its decision date and the bridge nowcast."""
    inp = nowcast_inputs(warehouse.read("bea_gdp_by_industry", "bea"), warehouse.read("macro_monthly", "macro"))
    dates = nowcast_dates(inp, information_date(warehouse))
    q = list(dates)[-1]
    return q, dates[q], nowcast_path(inp, pd.Period(q, freq="Q"), dates[q])


@pytest.fixture(scope="module")
def built(inputs, latest):
    q, as_of, nc = latest
    return build_nowcast_quarter(inputs, q, as_of, nc, str(nc["base_quarter"].iloc[0]), "bridge")


def test_latest_nowcast_quarter_is_after_2025q3(latest):
    q, as_of, nc = latest
    assert pd.Period(q, freq="Q") >= pd.Period("2025Q4", freq="Q")
    assert as_of <= pd.Timestamp("2026-03-31")
    assert len(nc) == 71
    cols = ["go_q0.025_usd_millions", "go_q0.05_usd_millions", "go_q0.5_usd_millions", "go_q0.95_usd_millions",
            "go_q0.975_usd_millions"]
    assert (np.diff(nc[cols].to_numpy(), axis=1) >= 0).all()


def test_nowcast_graph_margins_layers_and_flags(built, inputs, latest, warehouse):
    q, as_of, nc = latest
    man = built.graph.manifest
    assert man["nowcast"] is True and man["as_of"] == as_of.date().isoformat()
    assert man["nowcast_basis"]["base_quarter"] == "2024Q3"
    assert pd.Timestamp(bea_annual_io_published(man["io_year"])) <= as_of
    assert man["oews_period"] == f"{choose_oews_year(inputs.oews_industry, as_of).year}-05"
    # the latest quarter is informed after 2026-03-31: May 2025's 3-/4-digit detail, as for BEA quarters
    assert man["labour_layer"]["granularity"] == "naics4/naics3" and man["labour_layer"]["backcast"] is False
    assert (built.graph.impact["oews_granularity"] == "naics4/naics3").all()
    # RAS: buyers' intermediate purchases equal nowcast GO x the base quarter's input share
    sup = built.graph.supplies
    col = sup.groupby("dst_bea_code")["flow_usd_millions"].sum()
    go = nc["go_q0.5_usd_millions"]
    go_b = quarterly_gdp(inputs.gdp, "2024Q3", "gross_output")
    ii_b = quarterly_gdp(inputs.gdp, "2024Q3", "intermediate_inputs")
    target = (go * ii_b / go_b).reindex(col.index) * built.flows.targets.covered_input_share.reindex(col.index)
    assert np.allclose(col, target, rtol=1e-5)
    imp = built.graph.impact
    assert imp["nowcast"].all()
    lo, mid, hi = (imp[f"gross_output_usd_q{t}"] for t in ("0_025", "0_5", "0_975"))
    assert (lo <= mid).all() and (mid <= hi).all()
    assert (imp["automatable_share_of_gross_output_q0_975"] <= imp["automatable_share_of_gross_output_q0_025"]).all()


def test_store_round_trip_and_impact_answers_latest_flagged(built, tmp_path, inputs):
    store = EmbeddedGraphStore(tmp_path)
    store.write_quarter(built.graph)
    rep = impact_report(store)  # no quarter: the latest, the nowcast one
    assert rep["quarter"] == str(built.graph.quarter)
    assert rep["nowcast"] is True and rep["basis"]["nowcast"] is True
    row = rep["industries"][0]
    band = row["nowcast_band"]
    assert band["q0.025"]["gross_output_usd"] <= band["q0.5"]["gross_output_usd"] <= band["q0.975"]["gross_output_usd"]
    # the national share is the direct ratio of the published labels' automatable wage bill to the wage bill
    nat = rep["national"]
    tot = sum(r["automatable_wage_bill_usd"] for r in rep["industries"])
    assert nat["automatable_wage_bill_usd"] == pytest.approx(tot, rel=1e-9)
    assert store.manifest(rep["quarter"])["nowcast"] is True


def test_bad_nowcast_input_named(inputs, latest):
    q, as_of, nc = latest
    with pytest.raises(BuildError, match="no nowcast for IO industries"):
        build_nowcast_quarter(inputs, q, as_of, nc.drop(index="5415"), "2024Q3", "bridge")
    bad = nc.copy()
    bad.loc["23", "go_q0.5_usd_millions"] = -1.0
    with pytest.raises(BuildError, match=r"non-positive nowcast gross output for \['23'\]"):
        build_nowcast_quarter(inputs, q, as_of, bad, "2024Q3", "bridge")
    with pytest.raises(BuildError, match="lacks columns"):
        build_nowcast_quarter(inputs, q, as_of, nc.drop(columns="go_q0.5_usd_millions"), "2024Q3", "bridge")


def test_cli_nowcast_build_then_impact_defaults_to_latest_flagged(warehouse, tmp_path, monkeypatch):
    """`econgraph nowcast build` writes 2024Q4..2026Q1; `econgraph impact` with no quarter answers 2026Q1, flagged."""
    import json
    import shutil

    from typer.testing import CliRunner

    from pipeline.cli import app

    shutil.copytree(warehouse.root, tmp_path / "warehouse")
    monkeypatch.setenv("ECONGRAPH_HOME", str(tmp_path))
    runner = CliRunner()
    r = runner.invoke(app, ["nowcast", "build", "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [x["quarter"] for x in rows] == ["2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    assert all(x["nowcast"] for x in rows)
    for h, x in enumerate(rows, start=1):  # every live quarter's band is calibrated for its horizon
        cal = x["calibration"]
        assert cal["horizon_quarters"] == h and cal["n_quarters"] >= 4 and cal["shifts"] is not None
        assert cal["text"].startswith(f"split conformal, horizon {h}, ")
        go, raw = x["gross_output_usd_millions"], cal["raw_gross_output_usd_millions"]
        assert go["q0.025"] <= go["q0.5"] <= go["q0.975"]
        assert go["q0.975"] - go["q0.025"] != pytest.approx(raw["q0.975"] - raw["q0.025"])
    r = runner.invoke(app, ["impact", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["quarter"] == "2026Q1" and doc["nowcast"] is True
    assert doc["basis"]["nowcast_basis"]["horizon_quarters"] == 6
    assert doc["basis"]["nowcast_basis"]["calibration"]["horizon_quarters"] == 6
    r = runner.invoke(app, ["impact"])
    assert r.exit_code == 0, r.output
    assert "NOWCAST" in r.output and "95% band" in r.output


def test_cli_nowcast_calibration_check_reports_raw_and_calibrated_coverage(warehouse, tmp_path, monkeypatch):
    """`econgraph nowcast calibration` scores the live bands' per-horizon calibration out of sample."""
    import json
    import shutil

    from typer.testing import CliRunner

    from pipeline.cli import app

    shutil.copytree(warehouse.root, tmp_path / "warehouse")
    monkeypatch.setenv("ECONGRAPH_HOME", str(tmp_path))
    runner = CliRunner()
    r = runner.invoke(app, ["nowcast", "calibration", "--first", "2023Q1", "--last", "2023Q4", "--horizons", "1,2",
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["window"] == "2023Q1..2023Q4" and set(doc["horizons"]) == {"1", "2"}
    for v in doc["horizons"].values():
        assert v["quarters"] >= 1 and 0 <= v["covered_raw"] <= 1 and 0 <= v["covered"] <= 1
        assert v["covered"] != v["covered_raw"] or v["pinball"] != v["pinball_raw"]  # calibration moved the bands
    r = runner.invoke(app, ["nowcast", "calibration", "--first", "2006Q1", "--last", "2006Q2"])
    assert r.exit_code == 1 and "could be calibrated" in r.output
