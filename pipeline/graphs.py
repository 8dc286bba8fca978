"""Graph services shared by the CLI and the API: open a store, build quarters, answer AI-impact queries, export
IO requirements."""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from graph import io_math
from graph.build import BuildInputs, annual_io, build_all, load_inputs, parse_quarters
from graph.impact import industry_impact
from graph.schema import Quarter
from graph.store import GraphStore
from ingest.calendar import SNAPSHOT_VINTAGE_NOTE
from ingest.errors import MissingInputError
from ingest.warehouse import Warehouse

from .settings import Settings


class QueryError(ValueError):
    """A query that names something that does not exist (an unknown quarter, industry or rater)."""


def open_store(settings: Settings, kind: str | None = None) -> GraphStore:
    kind = kind or settings.graph_store
    if kind == "embedded":
        from graph.embedded import EmbeddedGraphStore

        return EmbeddedGraphStore(settings.home)
    if kind == "neo4j":
        from graph.neo4j import Neo4jGraphStore

        pw = settings.neo4j_password.get_secret_value()
        return Neo4jGraphStore(settings.neo4j_uri, (settings.neo4j_user, pw), database=settings.neo4j_database,
                               batch_size=settings.neo4j_batch_size, dialect=settings.neo4j_dialect)
    raise QueryError(f"unknown graph store {kind!r}; expected 'embedded' or 'neo4j'")


def extra_scores(settings: Settings) -> pd.DataFrame | None:
    """Scores of the configured model raters (written by `econgraph score run`), if any."""
    path = settings.home / "scores" / "task_scores.parquet"
    if path.exists():
        return pd.read_parquet(path)
    return None


def build(settings: Settings, quarters: str | None = None, store_kind: str | None = None,
          progress: Callable[[str], None] | None = None, on_total: Callable[[int], None] | None = None) -> list[dict]:
    wh = Warehouse(settings.home)
    inputs = load_inputs(wh, extra_scores=extra_scores(settings))
    qs = parse_quarters(quarters, inputs)
    if on_total:
        on_total(len(qs))
    store = open_store(settings, store_kind)
    try:
        return build_all(inputs, store, qs, progress)
    finally:
        store.close()


def _resolve_quarter(store: GraphStore, quarter: str | None) -> str:
    have = [str(q) for q in store.quarters()]
    if not have:
        raise QueryError("the graph store holds no complete quarter: run `econgraph build` first")
    if quarter is None:
        return have[-1]
    q = str(Quarter.parse(quarter))
    if q not in have:
        raise QueryError(f"quarter {q} is not in the graph store (built: {have[0]}..{have[-1]}, {len(have)} quarters)")
    return q


def impact_report(store: GraphStore, quarter: str | None = None, industry: str | None = None,
                  rater: str | None = None, top_n: int = 5) -> dict:
    """The AI-impact answer for one quarter and rater (JSON-ready dict; see README for the fields)."""
    q = _resolve_quarter(store, quarter)
    qg = store.read_quarter(q)
    raters = sorted(qg.task_scores["rater"].unique())
    rater = rater or ("human" if "human" in raters else raters[0])
    if rater not in raters:
        raise QueryError(f"unknown rater {rater!r}; raters in {q}: {', '.join(raters)}")
    names = qg.industries.set_index("bea_code")["name"]
    if industry is not None and industry not in names.index:
        raise QueryError(f"unknown industry code {industry!r}; see `econgraph impact --format table` for codes")
    imp = qg.impact
    codes = list(names.index)
    go = (imp.drop_duplicates("bea_code").set_index("bea_code")["gross_output_usd"] / 1e6).reindex(codes)
    sup = qg.supplies
    A = sup.pivot(index="src_bea_code", columns="dst_bea_code", values="coefficient").reindex(
        index=codes, columns=codes).fillna(0.0)
    scores = qg.task_scores[qg.task_scores["rater"] == rater]
    res = industry_impact(qg.employs, qg.performs, scores, go, A=A, top_n=top_n)
    ind = res.industries.loc[rater]
    task_text = qg.tasks.set_index("task_id")["text"]
    occ_title = qg.occupations.set_index("soc")["title"]
    band = imp.groupby("bea_code")["automatable_wage_bill_usd"].agg(["min", "max"])
    nat_band = imp.groupby("rater")["automatable_wage_bill_usd"].sum()
    rows = []
    for code in ([industry] if industry else codes):
        r = ind.loc[code]
        to = res.top_occupations[(res.top_occupations["bea_code"] == code)]
        tt = res.top_tasks[(res.top_tasks["bea_code"] == code)]
        rows.append({
            "bea_code": code,
            "name": names[code],
            "wage_bill_usd": _num(r["wage_bill_usd"]),
            "automatable_wage_bill_usd": _num(r["automatable_wage_bill_usd"]),
            "automatable_share": _num(r["automatable_share"]),
            "automatable_share_of_gross_output": _num(r["automatable_share_of_gross_output"]),
            "supply_chain_automatable_per_usd_final_demand": _num(r["supply_chain_automatable_per_usd_final_demand"]),
            "automatable_wage_bill_usd_band": {"min": _num(band.loc[code, "min"]) if code in band.index else None,
                                               "max": _num(band.loc[code, "max"]) if code in band.index else None},
            "top_occupations": [{"soc": o.soc, "title": str(occ_title.get(o.soc, "")),
                                 "automatable_wage_bill_usd": _num(o.automatable_wage_bill_usd),
                                 "automatability": _num(o.automatability)} for o in to.itertuples()],
            "top_tasks": [{"task_id": int(t.task_id), "text": str(task_text.get(t.task_id, "")),
                           "automatable_wage_bill_usd": _num(t.automatable_wage_bill_usd)} for t in tt.itertuples()],
            **_nowcast_band(imp, code, rater),
        })
    nat = res.national.loc[rater]
    man = qg.manifest
    return {
        "quarter": q,
        "nowcast": bool(man.get("nowcast", False)),
        "rater": rater,
        "raters": raters,
        "national": {"wage_bill_usd": _num(nat["wage_bill_usd"]),
                     "automatable_wage_bill_usd": _num(nat["automatable_wage_bill_usd"]),
                     "automatable_share": _num(nat["automatable_share"]),
                     "automatable_wage_bill_usd_by_rater": {k: _num(v) for k, v in nat_band.items()},
                     "automatable_wage_bill_usd_band": {"min": _num(nat_band.min()), "max": _num(nat_band.max())}},
        "industries": rows,
        "basis": {"oews_period": man.get("oews_period"), "backcast": bool(man.get("backcast")),
                  "io_year": man.get("io_year"), "as_of": man.get("as_of"), "score_scheme": man.get("score_scheme"),
                  "weight_scheme": man.get("weight_scheme"), "note": man.get("note", SNAPSHOT_VINTAGE_NOTE),
                  "nowcast": bool(man.get("nowcast", False)),
                  **({"nowcast_basis": man["nowcast_basis"]} if man.get("nowcast") else {})},
    }


def _nowcast_band(imp: pd.DataFrame, code: str, rater: str) -> dict:
    """A nowcast quarter's band per industry (graph.nowcast): gross output and automatable share of it at the
    nowcast quantiles; empty for a published quarter."""
    row = imp[(imp["bea_code"] == code) & (imp["rater"] == rater)]
    cols = [c for c in imp.columns if c.startswith("gross_output_usd_q")]
    if not cols or row.empty:
        return {}
    r = row.iloc[0]
    band = {}
    for c in cols:
        tau = c[len("gross_output_usd_"):]  # q0_025
        band[tau.replace("_", ".")] = {"gross_output_usd": _num(r[c]),
                                       "automatable_share_of_gross_output":
                                           _num(r.get(f"automatable_share_of_gross_output_{tau}"))}
    return {"nowcast_band": band}


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if not np.isfinite(f) else f


def requirements(settings: Settings, year: int, kind: str) -> pd.DataFrame:
    """IO requirements for ``year`` (after redefinitions), labelled with BEA codes.

    ``direct``: commodity-by-industry direct requirements B (as BEA's CxI_DR table); ``direct-ixi``: industry-by-
    industry A = D B; ``total``: industry-by-industry total requirements L = (I - A)^-1; ``ghosh``: the Ghosh
    inverse G = (I - B_g)^-1 with B_g = diag(g)^-1 Z.
    """
    wh = Warehouse(settings.home)
    try:
        io = wh.read("bea_io_summary", "bea")
    except MissingInputError as exc:
        raise QueryError(str(exc)) from exc
    years = sorted(int(y) for y in io["year"].unique())
    if year not in years:
        raise QueryError(f"no summary IO tables for {year}; years available: {years[0]}..{years[-1]}")
    aio = annual_io(io, year)
    if kind == "direct":
        return aio.B
    if kind == "direct-ixi":
        return aio.A
    if kind == "total":
        return io_math.total_requirements(aio.A)
    if kind == "ghosh":
        return io_math.ghosh_inverse(io_math.ghosh_allocation(aio.Z, aio.g))
    raise QueryError(f"unknown kind {kind!r}; expected direct, direct-ixi, total or ghosh")


def impact_plot(report_rows: list[dict], quarter: str, rater: str, path) -> None:
    """Direct vs supply-chain exposure by industry (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = pd.DataFrame(report_rows).dropna(subset=["automatable_share_of_gross_output"])
    df = df.sort_values("supply_chain_automatable_per_usd_final_demand")
    fig, ax = plt.subplots(figsize=(9, max(6, 0.18 * len(df))))
    y = np.arange(len(df))
    ax.barh(y - 0.2, df["automatable_share_of_gross_output"], height=0.4, label="direct (per $ of own output)")
    ax.barh(y + 0.2, df["supply_chain_automatable_per_usd_final_demand"], height=0.4,
            label="supply chain (per $ of final demand)")
    ax.set_yticks(y, [f"{c} {n[:28]}" for c, n in zip(df["bea_code"], df["name"])], fontsize=6)
    ax.set_xlabel("automatable labour dollars per dollar")
    ax.set_title(f"LLM-automatable labour content by industry, {quarter}, rater {rater}")
    ax.legend(loc="lower right")
    fig.tight_layout()
    from ingest.storage import atomic_path

    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=130, format="png")
    plt.close(fig)
