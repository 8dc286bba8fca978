"""Service flow over several days: carried breaches, hash-chained audit log (tampering detected), replay, reports."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compliance import service
from compliance.audit import AuditError, AuditLog

from .factory import random_universe

NAV = 5e8


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Three days: compliant; an acquisition takes EQ01 over the prospectus 10% limit; an override; a check with
    the industry column changed (a rule change) on the quarter-end date."""
    state = tmp_path_factory.mktemp("state")
    sec, prices, w0 = random_universe(7)
    sec["gics_industry"] = sec["bea_industry"]
    units = np.floor(w0 * NAV / prices.to_numpy())
    h1 = pd.DataFrame({"security_id": sec["security_id"], "shares": units})
    out1 = service.check(date(2024, 3, 27), h1, sec, prices, NAV, state)
    h2 = h1.copy()
    extra = np.floor(0.07 * NAV / prices.iloc[1])
    h2.loc[1, "shares"] += extra
    out2 = service.check(date(2024, 3, 28), h2, sec, prices, NAV + extra * prices.iloc[1], state)
    ov = service.override(state, "prospectus_max_issuer_weight@2024-03-28", reason="index event; trim by Monday",
                          approver="CCO", on=date(2024, 3, 28))
    out3 = service.check(date(2024, 3, 29), h2, sec, prices * 1.01, (NAV + extra * prices.iloc[1]) * 1.0, state,
                         cash_usd=None, industry_column="gics_industry",
                         name_qualifier=lambda s: s["asset_type"].eq("equity"))
    return {"state": state, "out": [out1, out2, out3], "override": ov}


def test_check_json_lists_rules_with_required_fields(history):
    out1, out2, out3 = history["out"]
    for r in out1["rules"]:
        assert {"rule_id", "citation", "value", "limit", "status", "breach_class", "cure_deadline"} <= set(r)
    assert out1["summary"]["violations"] == 0
    pw = {r["rule_id"]: r for r in out2["rules"]}["prospectus_max_issuer_weight"]
    assert pw["status"] == "breach" and pw["breach_class"] == "active" and pw["cure_deadline"] == "2024-03-29"
    json.dumps(out2)  # serialisable as is


def test_breach_carries_with_its_override_and_first_detection(history):
    out3 = history["out"][2]
    pw = {r["rule_id"]: r for r in out3["rules"]}["prospectus_max_issuer_weight"]
    assert pw["breach_id"] == "prospectus_max_issuer_weight@2024-03-28"
    assert pw["breach_status"] == "overridden" and pw["detected"] == "2024-03-28" and pw["days_open"] == 1
    assert pw["cure_deadline"] == "2024-03-29"  # the first detection's deadline is kept
    assert out3["is_quarter_end"] is True
    state = json.loads((history["state"] / "breaches.json").read_text())
    assert any(b["override"] and b["override"]["approver"] == "CCO" for b in state["breaches"])


def test_audit_chain_verifies_and_replay_reproduces_every_day(history):
    v = service.verify(history["state"])
    assert v["ok"] and v["entries"] == 4
    for d in ("2024-03-27", "2024-03-28", "2024-03-29"):
        rep = service.replay(d, history["state"])
        assert rep["matches"], d
        assert rep["replayed_result_hash"] == rep["recorded_result_hash"]
    rep3 = service.replay("2024-03-29", history["state"])
    assert rep3["result"]["rules"] == history["out"][2]["rules"]


def _copy_state(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_tampering_with_any_past_entry_or_snapshot_is_detected(history, tmp_path):
    # edit a past entry's payload
    s1 = _copy_state(history["state"], tmp_path / "s1")
    log = s1 / "audit" / "log.jsonl"
    lines = log.read_text().splitlines()
    e = json.loads(lines[1])
    e["payload"]["summary"]["violations"] = 0
    lines[1] = json.dumps(e, sort_keys=True, separators=(",", ":"))
    log.write_text("\n".join(lines) + "\n")
    v = service.verify(s1)
    assert not v["ok"] and any("line 2" in p and "entry hash mismatch" in p for p in v["problems"])
    # delete an entry
    s2 = _copy_state(history["state"], tmp_path / "s2")
    log2 = s2 / "audit" / "log.jsonl"
    lines = log2.read_text().splitlines()
    log2.write_text("\n".join(lines[:1] + lines[2:]) + "\n")
    v = service.verify(s2)
    assert not v["ok"] and any("sequence" in p for p in v["problems"])
    # edit an input snapshot (the recorded holdings of day 1)
    s3 = _copy_state(history["state"], tmp_path / "s3")
    first = json.loads((s3 / "audit" / "log.jsonl").read_text().splitlines()[0])
    h = first["inputs"]["holdings"]
    snap = s3 / "snapshots" / h[:2] / f"{h}.json"
    snap.write_text(snap.read_text().replace('"shares"', '"shares" ', 1))
    v = service.verify(s3)
    assert not v["ok"] and any("'holdings'" in p and "does not match its hash" in p for p in v["problems"])
    with pytest.raises(AuditError, match="does not match its hash"):
        service.replay("2024-03-27", s3)
    # a consistent rewrite of the head is caught against the published head
    assert not AuditLog(s1).verify(expected_head=service.verify(history["state"])["head"]).ok


def test_reports_render_html_pdf_and_are_recorded(history, tmp_path):
    paths = service.report("2024-03-29", history["state"], tmp_path / "r")
    assert set(paths) == {"daily_html", "daily_pdf", "ric_html", "ric_pdf"}
    html = Path(paths["daily_html"]).read_text()
    for r in history["out"][2]["rules"]:
        assert r["citation"].split(",")[0].replace("&", "&amp;") in html or r["citation"] in html
    assert "overridden" in html and "data:image/png;base64," in html
    assert Path(paths["daily_pdf"]).read_bytes()[:5] == b"%PDF-"
    ric = Path(paths["ric_html"]).read_text()
    assert "50% bucket composition" in ric and "De minimis" in ric
    # same inputs, same bytes (the hash recorded in the audit log identifies the document)
    from compliance.reports import render_daily

    check_out, breaches, book = service.load_recorded_check(history["state"], "2024-03-29")
    log = AuditLog(history["state"])
    cfg = log.get(next(e for e in log.entries() if e["seq"] == check_out["audit"]["seq"])["inputs"]["config"])
    a = render_daily(check_out, breaches, book, cfg, tmp_path / "d1")["daily_pdf"].read_bytes()
    b = render_daily(check_out, breaches, book, cfg, tmp_path / "d2")["daily_pdf"].read_bytes()
    assert a == b
    entries = AuditLog(history["state"]).entries()
    assert entries[-1]["kind"] == "report" and "daily_pdf" in entries[-1]["payload"]["file_hashes"]
    annual = service.annual_report(2024, history["state"], tmp_path / "a")
    text = Path(annual["annual_html"]).read_text()
    assert "index event; trim by Monday" in text  # the override, with its reason
    assert "classification.industry_column: &#39;bea_industry&#39; -&gt; &#39;gics_industry&#39;" in text
    assert "prospectus violation: prospectus_max_issuer_weight@2024-03-28" in text
    assert Path(annual["annual_pdf"]).read_bytes()[:5] == b"%PDF-"


def test_look_through_table_is_recorded_and_replayed(tmp_path):
    """A controlled-group look-through (IRC s.851(b)(3)(B), Treas. Reg. s.1.851-3) supplied to the check travels
    in the audit entry: replay rebuilds the same book and reproduces the (B)(i) value that includes it."""
    sec, prices, w0 = random_universe(11)
    units = np.floor(w0 * NAV / prices.to_numpy())
    h = pd.DataFrame({"security_id": sec["security_id"], "shares": units})
    target = str(sec.loc[sec["asset_type"] == "equity", "issuer_id"].iloc[0])
    member = str(sec.loc[sec["asset_type"] == "equity", "issuer_id"].iloc[1])
    lt = [{"member_id": member, "issuer_id": target, "value_usd": 0.4 * NAV, "proportion": 0.5}]
    out = service.check(date(2024, 6, 28), h, sec, prices, NAV, tmp_path, look_through=lt)
    plain = service.check(date(2024, 6, 28), h, sec, prices, NAV, tmp_path / "plain")
    bi = {r["rule_id"]: r for r in out["rules"]}["irc_851b3Bi_single_issuer"]
    bi0 = {r["rule_id"]: r for r in plain["rules"]}["irc_851b3Bi_single_issuer"]
    assert bi["value"] >= 0.2 > bi0["value"]  # 20% of NAV looked through onto one issuer
    rep = service.replay("2024-06-28", tmp_path)
    assert rep["matches"]
    assert {r["rule_id"]: r for r in rep["result"]["rules"]}["irc_851b3Bi_single_issuer"]["value"] == bi["value"]
