"""Forecast services: the graph store's AI-impact metrics and SUPPLIES edges feed the GNN harness."""
from __future__ import annotations

import pandas as pd

from graph.store import GraphStore
from ingest import calendar

from .settings import Settings

METRICS = ("automatable_share", "automatable_share_of_gross_output", "supply_chain_automatable_per_usd_final_demand",
           "wage_bill_usd")


def metric_publication_dates(manifest: dict) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(labour, AI) publication dates of a graph quarter's metrics: the OEWS year it used, and the latest of that,
    its O*NET release and the exposure labels (:data:`ingest.calendar.EXPOSURE_LABELS_PUBLISHED`)."""
    oews = pd.Timestamp(manifest["oews_published"])
    ai = max(oews, pd.Timestamp(calendar.onet_published(manifest["onet_release"])),
             pd.Timestamp(calendar.EXPOSURE_LABELS_PUBLISHED))
    return oews, ai


def graph_inputs(store: GraphStore, rater: str = "human") -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(supplies, metrics) for every complete published quarter in the store (nowcast quarters, built from
    nowcast gross output, are left out), or (None, None) when it holds none.

    Metrics are keyed by graph quarter (``quarter, bea_code``); the harness joins each snapshot to the newest graph
    quarter known at its forecast date, so nothing later leaks in. ``wage_bill_usd`` enters as its log. Each row
    carries ``labour_published`` / ``ai_published`` (when its inputs became public) so that the harness leaves a
    metric missing in snapshots dated before its inputs were published.
    """
    quarters = [str(q) for q in store.quarters() if not store.manifest(q).get("nowcast")]  # published quarters only
    if not quarters:
        return None, None
    sup, met = [], []
    for q in quarters:
        qg = store.read_quarter(q)
        s = qg.supplies.rename(columns={"src_bea_code": "src", "dst_bea_code": "dst"})
        sup.append(s[["quarter", "src", "dst", "flow_usd_millions", "coefficient"]])
        imp = qg.impact[qg.impact["rater"] == rater]
        cols = [c for c in METRICS if c in imp.columns]
        m = imp[["quarter", "bea_code", *cols]].copy()
        if "wage_bill_usd" in m:
            import numpy as np

            m["log_wage_bill_usd"] = np.log1p(m.pop("wage_bill_usd").astype(float))
        m["labour_published"], m["ai_published"] = metric_publication_dates(qg.manifest)
        met.append(m.rename(columns={c: f"ai_{c}" for c in cols if c != "wage_bill_usd"}))
    return pd.concat(sup, ignore_index=True), pd.concat(met, ignore_index=True)


def open_graph_inputs(settings: Settings):
    from .graphs import open_store

    store = open_store(settings)
    try:
        return graph_inputs(store)
    finally:
        store.close()
