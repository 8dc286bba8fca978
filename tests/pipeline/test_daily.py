"""Daily run through the CLI: rebalance -> audited compliance check -> report -> replay, on the real snapshot."""
from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()
DATE = "2026-07-01"


@pytest.fixture(scope="module")
def home(warehouse, tmp_path_factory):
    h = tmp_path_factory.mktemp("daily")
    (h / "warehouse").mkdir()
    shutil.copytree(warehouse.root / "market", h / "warehouse" / "market")
    mp = pytest.MonkeyPatch()
    mp.setenv("ECONGRAPH_HOME", str(h))
    yield h
    mp.undo()


def _json(r):
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_enforce_mode_holds_cash_when_regulatory_data_is_missing(home):
    """The snapshot has no shares outstanding for the SPDR funds: the 1940 Act and 12(d)(1) tests cannot be
    evaluated for them, so (as the rules require) no acquisition is allowed and the run says why."""
    s = _json(runner.invoke(app, ["rebalance", "--date", DATE, "--universe", "sector_etfs", "--format", "json"]))
    for key in ("date", "status", "n_positions", "turnover", "solve_ms", "relaxed", "compliance"):
        assert key in s
    assert s["date"] == DATE and s["compliance"]["mode"] == "enforce"
    assert s["compliance"]["violations"] == []
    assert s["cash_usd"] > 0.9 * s["nav_usd"]


def test_report_mode_invests_and_the_audited_check_replays(home, tmp_path):
    s = _json(runner.invoke(app, ["rebalance", "--date", DATE, "--universe", "sector_etfs", "--compliance",
                                  "report", "--format", "json"]))
    assert s["n_positions"] > 5 and 0.9 < 1 - s["cash_usd"] / s["nav_usd"] <= 1.0
    weights = (home / "portfolio" / "sector_etfs" / DATE / "target_weights.csv").read_text().splitlines()
    assert weights[0].startswith("identifier,weight,quantity")
    check = _json(runner.invoke(app, ["compliance", "check", "--date", DATE, "--universe", "sector_etfs",
                                      "--format", "json"]))
    ids = {r["rule_id"] for r in check["rules"]}
    assert {"rule_35d1_names", "rule_18f4_limited_user", "prospectus_max_issuer_weight"} <= ids
    assert any(i.startswith("ica_5b1") for i in ids) and any(i.startswith("irc_851") for i in ids)
    for r in check["rules"]:
        assert r["status"] in {"pass", "warn", "breach", "not_evaluable"}
        assert r["citation"]
    rep = runner.invoke(app, ["compliance", "replay", "--date", DATE, "--universe", "sector_etfs"])
    assert rep.exit_code == 0 and "reproduced" in rep.output
    out = tmp_path / "rep"
    r = runner.invoke(app, ["compliance", "report", "--date", DATE, "--universe", "sector_etfs", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert (out / f"compliance_{DATE}.pdf").read_bytes()[:4] == b"%PDF"
    v = runner.invoke(app, ["compliance", "verify", "--universe", "sector_etfs"])
    assert v.exit_code == 0 and "OK" in v.output


def test_bad_inputs_give_clear_errors(home, tmp_path):
    r = runner.invoke(app, ["rebalance", "--date", DATE, "--universe", "sector_etfs", "--nav", "0"])
    assert r.exit_code == 2 and "NAV" in r.output
    bad = tmp_path / "h.csv"
    bad.write_text("identifier,quantity\nNOPE,10\n")
    r = runner.invoke(app, ["rebalance", "--date", DATE, "--universe", "sector_etfs", "--holdings", str(bad)])
    assert r.exit_code == 2 and "NOPE" in r.output
    r = runner.invoke(app, ["compliance", "check", "--date", "2026-01-05", "--universe", "sector_etfs"])
    assert r.exit_code == 2 and "rebalance" in r.output


def test_evaluable_mode_invests_under_the_rules_it_can_evaluate(home):
    """Research mode: the program carries every compiled rule whose data exist; the SPDR funds' missing shares
    outstanding leave the 12(d)(1) voting test not evaluable (reported, not enforced) and nothing is breached."""
    s = _json(runner.invoke(app, ["rebalance", "--date", DATE, "--universe", "sector_etfs", "--compliance",
                                  "evaluable", "--format", "json"]))
    assert s["compliance"]["mode"] == "evaluable"
    # the daily run trades the universe's mandate and says which version produced the book
    assert s["mandate"] == "sector_etfs@1.1.0" and s["active"]["tracking_error_ex_ante"] <= 0.03 + 1e-6
    assert s["n_positions"] > 5 and s["cash_usd"] < 0.1 * s["nav_usd"]
    assert s["compliance"]["violations"] == []
    assert "ica_12d1Ai_fund_voting" in {r["rule_id"] for r in s["compliance"]["not_evaluable"]}
    assert not [b for b in s["compliance"]["breaches"] if b["hardness"] == "hard"]


def test_backtest_cli_json(home):
    s = _json(runner.invoke(app, ["backtest", "--start", "2026-01-02", "--end", "2026-06-30", "--every", "21",
                                  "--no-alternatives", "--format", "json"]))
    for key in ("cagr", "volatility", "sharpe", "max_drawdown", "turnover_annual", "cost_annual", "active_breaches"):
        assert key in s
    for key in ("benchmark", "tracking_error", "tracking_error_budget", "information_ratio", "information_ratio_t",
                "forecast_contribution"):
        assert key in s
    assert s["compliance_mode"] == "evaluable" and s["universe"] == "sector_etfs"
    assert s["active_breaches"] == 0 and s["benchmark"] == "SPY" and s["mandate"]["mandate"] == "sector_etfs@1.1.0"
    # no forecasts in this home: no decision tilts, so the same program without forecasts (the compliant replica)
    # is the policy itself, reused rather than re-run; the journal holds every rebalance
    assert s["decisions"]["signal_sources"] == {"none": s["decisions"]["n"]}
    assert list(s["alternatives"]) == ["compliant_replica_no_forecasts"]
    assert s["forecast_contribution"]["active_return"] == 0.0
    assert s["journal"]["n_records"] == s["decisions"]["n"]
    assert set(s["not_evaluable_rules"]) >= {"ica_12d1Ai_fund_voting"}
    # the absolute program on request
    a = _json(runner.invoke(app, ["backtest", "--start", "2026-01-02", "--end", "2026-02-27", "--every", "21",
                                  "--no-alternatives", "--no-mandate", "--format", "json"]))
    assert "benchmark" not in a and a["decisions"]["signal_sources"] == {"prior_fallback": a["decisions"]["n"]}
