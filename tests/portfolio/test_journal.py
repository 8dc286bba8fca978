"""Decision journal: append-only SQLite, outcomes from prices, CLI and API over the same file."""
import json
import sqlite3

import pandas as pd
import pytest
from typer.testing import CliRunner

from portfolio import journal as jr


def _rec(date="2024-01-02", **kw):
    return {"run_id": "test", "kind": "backtest", "universe": "u", "date": date, "status": "optimal",
            "mandate": "u@1.0.0", "signals": [{"source": "gnn", "ic_used": 0.0, "ic_mean": 0.01}],
            "top_active": [{"security": "A", "weight": 0.6, "benchmark_weight": 0.5, "active": 0.1,
                            "driver": "signal gnn"}],
            "binding": ["tracking_error"], "relaxed": [], "tracking_error_ex_ante": 0.02, "active_share": 0.1,
            "weights": {"A": 0.6, "B": 0.4}, "benchmark_weights": {"A": 0.5, "B": 0.5}, **kw}


@pytest.fixture()
def home(tmp_path):
    jr.append(tmp_path, [_rec("2024-01-02"), _rec("2024-01-03", kind="daily", run_id="daily")])
    return tmp_path


def test_append_list_show(home):
    rows = jr.list_decisions(home)
    assert [r["date"] for r in rows] == ["2024-01-03", "2024-01-02"]
    assert rows[1]["signals"][0]["source"] == "gnn" and rows[1]["binding"] == ["tracking_error"]
    d = jr.get_decision(home, rows[1]["id"])
    assert d["weights"] == {"A": 0.6, "B": 0.4} and d["top_active"][0]["driver"] == "signal gnn"
    assert jr.list_decisions(home, kind="daily")[0]["run_id"] == "daily"
    with pytest.raises(jr.JournalError, match="no decision with id 99"):
        jr.get_decision(home, 99)


def test_journal_is_append_only(home):
    con = sqlite3.connect(jr.journal_path(home))
    for sql in ("UPDATE decisions SET status = 'x'", "DELETE FROM decisions"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute(sql)
    con.close()
    assert len(jr.list_decisions(home)) == 2


def test_bad_record_names_the_field(tmp_path):
    with pytest.raises(jr.JournalError, match="record 2: missing field.*weights"):
        jr.append(tmp_path, [_rec(), {**_rec(), "weights": None}])
    with pytest.raises(jr.JournalError, match="field date"):
        jr.append(tmp_path, [_rec(date="not a date")])
    # neither record of the failed call was written (one transaction)
    assert not jr.journal_path(tmp_path).exists() or jr.list_decisions(tmp_path) == []


def test_outcomes_are_active_returns_over_1_5_21_days(home):
    days = pd.bdate_range("2024-01-02", periods=30)
    # A gains 1% a day, B nothing; the benchmark gains 0.5% a day
    prices = pd.DataFrame({"A": 100 * 1.01 ** pd.Series(range(30)).to_numpy(), "B": 50.0}, index=days)
    bench = pd.Series(0.005, index=days)
    n = jr.fill_outcomes(home, "u", prices, bench)
    assert n == 6  # two decisions x three horizons
    assert jr.fill_outcomes(home, "u", prices, bench) == 0  # inserted once
    d = jr.get_decision(home, jr.list_decisions(home, kind="backtest")[0]["id"])
    o = {x["horizon_days"]: x for x in d["outcomes"]}
    for h in (1, 5, 21):
        assert o[h]["portfolio_return"] == pytest.approx(0.6 * (1.01 ** h - 1))
        assert o[h]["active_return"] == pytest.approx(0.6 * (1.01 ** h - 1) - (1.005 ** h - 1))
    s = jr.summarize_outcomes(jr.outcomes(home))
    assert s[21]["n"] == 2 and s[21]["hit_rate"] == 1.0


def test_cli_and_api(home, monkeypatch):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from api import errors
    from api.deps import get_state, require_read
    from api.routes import journal as routes
    from pipeline.cli import app

    monkeypatch.setenv("ECONGRAPH_HOME", str(home))
    r = CliRunner().invoke(app, ["journal", "list", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert [x["date"] for x in json.loads(r.output)] == ["2024-01-03", "2024-01-02"]
    r = CliRunner().invoke(app, ["journal", "show", "1"])
    assert r.exit_code == 0 and "signal gnn" in r.output
    assert CliRunner().invoke(app, ["journal", "show", "42"]).exit_code == 2

    class State:
        class settings:
            class core:
                pass
    State.settings.core.home = home
    web = FastAPI()
    errors.install(web)
    web.include_router(routes.router)
    web.dependency_overrides[get_state] = lambda: State
    web.dependency_overrides[require_read] = lambda: None
    c = TestClient(web)
    page = c.get("/v1/journal", params={"kind": "backtest"}).json()
    assert page["total"] == 1 and page["items"][0]["mandate"] == "u@1.0.0"
    assert c.get("/v1/journal/1").json()["weights"] == {"A": 0.6, "B": 0.4}
    assert c.get("/v1/journal/77").status_code == 404
    m = c.get("/v1/mandates").json()["items"]
    assert any(x["mandate"] == "sector_etfs@1.1.0" and x["benchmark"]["ticker"] == "SPY" for x in m)
    assert any(x["mandate"] == "sp500@1.0.0" and x["benchmark"]["weights"]["method"] == "cap_weighted" for x in m)
