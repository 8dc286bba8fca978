r"""Build the quarterly graph from warehouse tables (pure: tables in, :class:`QuarterGraph` out).

For quarter ``Q`` the build is *as of* the regular release that first carried the quarter's GDP by industry
(:func:`ingest.calendar.bea_quarterly_timing`, from the table of actual release dates
``data/calendar/bea_release_dates.csv``: about 110 days after the quarter before September 2020, the second quarter
with the annual update in late October or November, since then about 90 days); nothing published later is used.
Quarters before 2012 were published at 71 industries only with the November 2018 update: their graphs are built as
of their place in the release schedule (for historical training snapshots) and the manifest records both dates
(``as_of`` and ``gdp_published``):

1. **IO structure**: the latest annual summary IO year whose tables were published by then
   (:func:`ingest.calendar.bea_annual_io_published`: since 2013 year ``Y`` arrives with the annual update of
   ``Y + 1``, late October to mid November for 2013-2018 and late September since 2020; before 2013, conservatively,
   September of ``Y + 2``), after redefinitions. ``B = U diag(g)^-1``, ``D = V diag(q)^-1``, ``A = D B``,
   ``Z = D U`` (:mod:`graph.io_math`).
2. **SUPPLIES**: ``Z`` balanced by RAS to the quarter's gross output and intermediate inputs (SAAR,
   :mod:`graph.quarterly`); ``coefficient`` = flow / buyer's quarterly gross output.
3. **EMPLOYS**: the latest OEWS year published by then at its finest industry detail, allocated to BEA industries
   (:func:`graph.labour.labour_layer_for`); quarters before the first published industry file take its occupation
   mix, flagged ``backcast``, with each industry's wage bill scaled to the quarter's BEA compensation level
   (:func:`graph.labour.backcast_wage_scale`).
4. **PERFORMS** and task scores: O*NET tasks with core/supplemental weights; published human and GPT-4 labels
   (score beta = E1 + 0.5 E2 by default) plus any other configured raters' scores.
5. **Impact** (:mod:`graph.impact`) with the quarter's ``A`` (supply-chain content ``e L``) and Ghosh ``B_g``.
"""
from __future__ import annotations

import datetime as dt
import functools
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from ingest.calendar import (SNAPSHOT_VINTAGE_NOTE, bea_annual_io_published, bea_quarterly_published,
                             bea_quarterly_timing)
from ingest.oews import SOC_2010_LAST_YEAR
from ingest.warehouse import Warehouse

from . import io_math
from .impact import industry_impact
from .labour import (LabourLayer, backcast_wage_scale, employs_for_year, labour_layer_for, occupations, performs,
                     published_scores)
from .quarterly import quarterly_flows
from .schema import Quarter, QuarterGraph

BUILD_VERSION = "1"
SOURCES = ("bea", "oews", "onet", "exposure", "crosswalks")


class BuildError(ValueError):
    """A quarter that cannot be built (names the quarter and what is missing)."""


def code_version() -> str:
    repo = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True,
                             timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"econgraph-build-{BUILD_VERSION}" + (f"+{sha}" if sha else "")


@dataclass
class AnnualIO:
    """One year's summary IO system (after redefinitions), USD millions."""

    year: int
    U: pd.DataFrame
    V: pd.DataFrame
    g: pd.Series
    q: pd.Series
    ii: pd.Series  # total intermediate inputs by industry (Use row "Total Intermediate")
    final_demand: pd.DataFrame
    B: pd.DataFrame
    D: pd.DataFrame
    A: pd.DataFrame
    Z: pd.DataFrame


def annual_io(io_summary: pd.DataFrame, year: int) -> AnnualIO:
    from ingest.bea import summary_matrices

    U, V, fd, va, g, q = summary_matrices(io_summary, year, "after")
    use = io_summary[(io_summary["year"] == year) & (io_summary["redefinitions"] == "after")
                     & (io_summary["table"] == "use") & (io_summary["row_code"] == "T_INTERMEDIATE")]
    ii = use.set_index("col_code")["value_usd_millions"].reindex(U.columns).fillna(0.0)
    B = io_math.direct_requirements(U, g)
    D = io_math.market_shares(V, q)
    return AnnualIO(year=year, U=U, V=V, g=g, q=q, ii=ii, final_demand=fd, B=B, D=D,
                    A=io_math.industry_requirements(D, B), Z=io_math.industry_flows(D, U))


@dataclass
class BuildInputs:
    io_summary: pd.DataFrame
    gdp: pd.DataFrame
    industries: pd.DataFrame
    oews_industry: pd.DataFrame
    xwalk_oews_bea: pd.DataFrame
    onet_tasks: pd.DataFrame
    xwalk_onet_soc: pd.DataFrame
    eloundou: pd.DataFrame
    manifests: dict
    xwalk_soc_2010_2018: pd.DataFrame | None = None
    extra_scores: pd.DataFrame | None = None
    onet_release: str = "29.1"
    weight_scheme: str = "core"
    score_scheme: str = "beta"
    _cache: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ cached pieces
    def io(self, year: int) -> AnnualIO:
        key = ("io", year)
        if key not in self._cache:
            self._cache[key] = annual_io(self.io_summary, year)
        return self._cache[key]

    def io_years(self) -> list[int]:
        return sorted(int(y) for y in self.io_summary["year"].unique())

    def employs(self, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        key = ("employs", year)
        if key not in self._cache:
            self._cache[key] = employs_for_year(self.oews_industry, self.xwalk_oews_bea, year,
                                                self.xwalk_soc_2010_2018, self.xwalk_onet_soc)
        return self._cache[key]

    def value_added_parts(self, year: int) -> pd.DataFrame:
        """Compensation (Use row ``V001``) and total value added by industry of IO ``year`` (USD millions)."""
        key = ("va", year)
        if key not in self._cache:
            io = self.io_summary
            use = io[(io["year"] == year) & (io["redefinitions"] == "after") & (io["table"] == "use")
                     & io["row_code"].isin(["V001", "T_VALUE_ADDED"])]
            if set(use["row_code"]) != {"V001", "T_VALUE_ADDED"}:
                raise BuildError(f"IO year {year}: the Use table lacks row V001 (compensation of employees) or "
                                 f"T_VALUE_ADDED, needed to scale a backcast labour layer")
            self._cache[key] = use.pivot_table(index="col_code", columns="row_code", values="value_usd_millions",
                                               aggfunc="sum").astype(float)
        return self._cache[key]

    def layer_employs(self, layer: LabourLayer, quarter: str, io_year: int,
                      va_quarter: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """``(edges, coverage, scaling)`` of ``layer`` for ``quarter``: edges as :func:`employs_for_year`, a
        backcast layer's wage bill scaled to the quarter (:func:`graph.labour.backcast_wage_scale`); ``scaling``
        has ``bea_code, wage_scale_factor, wage_scaling`` (factor 1 and ``none`` for a published layer)."""
        emp, coverage = self.employs(layer.year)
        key = ("employs_codes", layer.year)
        if key not in self._cache:  # per layer: industry positions of the edges and the wage bill per industry
            pos, uniq = pd.factorize(emp["bea_code"].to_numpy(dtype=object))
            self._cache[key] = (pos, pd.Index(uniq), emp.groupby("bea_code")["wage_bill_usd"].sum())
        pos, uniq, wb = self._cache[key]
        if not layer.backcast:
            return emp, coverage, pd.DataFrame({"bea_code": wb.index, "wage_scale_factor": 1.0,
                                                "wage_scaling": "none"})
        years = self.io_years()
        near = min(years, key=lambda y: (abs(y - layer.year), -y))
        lay, cur = self.value_added_parts(near), self.value_added_parts(io_year)
        scale = backcast_wage_scale(wb, lay["V001"], cur["V001"], cur["T_VALUE_ADDED"],
                                    va_quarter)
        scale["wage_scaling"] = scale["wage_scaling"] + f" (V001 {near} -> {quarter} via IO {io_year})"
        f = scale.set_index("bea_code")["wage_scale_factor"].reindex(uniq).to_numpy(dtype=float)[pos]
        emp = emp.assign(wage_bill_usd=emp["wage_bill_usd"].to_numpy(dtype=float) * f,
                         mean_wage_usd=emp["mean_wage_usd"].to_numpy(dtype=float) * f)
        return emp, coverage, scale

    def static(self) -> dict[str, pd.DataFrame]:
        if "static" not in self._cache:
            tasks = self.onet_tasks[self.onet_tasks["release"] == self.onet_release]
            perf = performs(self.onet_tasks, self.xwalk_onet_soc, self.onet_release, self.weight_scheme)
            occ = occupations(self.oews_industry)
            occ = occ[occ["soc"].isin(set(perf["soc"]) | set(self._all_employs_socs()))]
            scores = published_scores(self.eloundou, self.score_scheme)
            if self.extra_scores is not None and len(self.extra_scores):
                scores = pd.concat([scores, self.extra_scores[scores.columns]], ignore_index=True)
            scores = scores[scores["task_id"].isin(tasks["task_id"])]
            perf = perf[perf["soc"].isin(occ["soc"])]
            ind = self.industries
            self._cache["static"] = {
                "industries": pd.DataFrame({
                    "bea_code": ind["bea_code"],
                    "name": ind["name"],
                    "naics": ind["naics"].fillna("").map(lambda s: [p.strip() for p in str(s).split(",") if p.strip()]),
                    "sector": ind["sector_name"],
                }),
                "occupations": occ,
                "tasks": pd.DataFrame({"task_id": tasks["task_id"].astype("int64"), "text": tasks["task_text"],
                                       "task_type": tasks["task_type"], "onet_release": self.onet_release}),
                "task_scores": scores,
                "performs": perf,
            }
        return self._cache["static"]

    def _all_employs_socs(self) -> set[str]:
        det = self.oews_industry[(self.oews_industry["o_group"] == "detailed")
                                 & (self.oews_industry["year"] > SOC_2010_LAST_YEAR)]  # SOC 2010 codes are mapped
        return set(det["occ_code"])


def load_inputs(wh: Warehouse, *, extra_scores: pd.DataFrame | None = None, weight_scheme: str = "core",
                score_scheme: str = "beta", onet_release: str = "29.1") -> BuildInputs:
    missing = [s for s in SOURCES if not wh.has(s)]
    if missing:
        raise BuildError(f"the warehouse lacks sources {missing}: run `econgraph ingest` first")
    return BuildInputs(
        io_summary=wh.read("bea_io_summary", "bea"),
        gdp=wh.read("bea_gdp_by_industry", "bea"),
        industries=wh.read("bea_industries", "bea"),
        oews_industry=wh.read("oews_industry", "oews"),
        xwalk_oews_bea=wh.read("xwalk_oews_industry_bea", "crosswalks"),
        onet_tasks=wh.read("onet_tasks", "onet"),
        xwalk_onet_soc=wh.read("xwalk_onet_soc", "crosswalks"),
        xwalk_soc_2010_2018=wh.read("xwalk_soc_2010_2018", "crosswalks"),
        eloundou=wh.read("exposure_eloundou_tasks", "exposure"),
        manifests={s: wh.manifest(s) for s in SOURCES},
        extra_scores=extra_scores, weight_scheme=weight_scheme, score_scheme=score_scheme,
        onet_release=onet_release,
    )


def quarterly_gdp(gdp: pd.DataFrame, quarter: str, measure: str) -> pd.Series:
    sel = gdp[(gdp["measure"] == measure) & (gdp["series"] == "nominal") & (gdp["frequency"] == "Q")
              & (gdp["ref_period"] == quarter) & gdp["bea_code"].notna()]
    return sel.set_index("bea_code")["value"].astype(float)


def available_quarters(gdp: pd.DataFrame) -> list[str]:
    sel = gdp[(gdp["measure"] == "gross_output") & (gdp["series"] == "nominal") & (gdp["frequency"] == "Q")]
    return sorted(sel["ref_period"].astype(str).unique(), key=lambda s: pd.Period(s, freq="Q"))


def io_year_as_of(years: Iterable[int], as_of: dt.date) -> int:
    ok = [y for y in years if bea_annual_io_published(y) <= as_of]
    if not ok:
        raise BuildError(f"no annual IO table was published by {as_of} (earliest in the warehouse: {min(years)}, "
                         f"published {bea_annual_io_published(min(years))})")
    return max(ok)


@dataclass
class QuarterBuild:
    graph: QuarterGraph
    impact: object  # graph.impact.ImpactResult
    flows: object  # graph.quarterly.QuarterlyFlows


def supplies_table(flows, q: str) -> pd.DataFrame:
    """SUPPLIES rows of a quarter from its balanced flows (:func:`graph.quarterly.quarterly_flows`): one row per
    nonzero flow with its coefficient (flow / buyer's gross output). Shared by BEA and nowcast quarters."""
    supplies = flows.flows.stack().rename("flow_usd_millions").reset_index()
    supplies.columns = ["src_bea_code", "dst_bea_code", "flow_usd_millions"]
    supplies["coefficient"] = flows.coefficients.stack().to_numpy()
    supplies = supplies[supplies["flow_usd_millions"] != 0].reset_index(drop=True)
    supplies.insert(0, "quarter", q)
    return supplies


def build_quarter(inputs: BuildInputs, quarter: str | Quarter) -> QuarterBuild:
    q = str(Quarter.parse(quarter))
    as_of = bea_quarterly_timing(q)
    go = quarterly_gdp(inputs.gdp, q, "gross_output")
    ii = quarterly_gdp(inputs.gdp, q, "intermediate_inputs")
    if go.empty or ii.empty:
        have = available_quarters(inputs.gdp)
        raise BuildError(f"quarter {q}: BEA has published no gross output / intermediate inputs for it in the "
                         f"warehouse (quarters available: {have[0]}..{have[-1]})")
    year = io_year_as_of(inputs.io_years(), as_of)
    aio = inputs.io(year)
    codes = aio.Z.index
    missing = sorted(set(codes) - set(go.index))
    if missing:
        raise BuildError(f"quarter {q}: no quarterly gross output for IO industries {missing}")
    flows = quarterly_flows(aio.Z, aio.g, aio.ii, go.reindex(codes), ii.reindex(codes))
    supplies = supplies_table(flows, q)

    layer = labour_layer_for(inputs.oews_industry, as_of)
    va_q = quarterly_gdp(inputs.gdp, q, "value_added").reindex(codes)  # USD millions, SAAR
    emp, coverage, scaling = inputs.layer_employs(layer, q, year, va_q)
    static = inputs.static()
    emp = emp[emp["soc"].isin(static["occupations"]["soc"])]
    employs = emp[["bea_code", "soc", "period", "employment", "mean_wage_usd", "wage_bill_usd"]].copy()
    employs.insert(0, "quarter", q)
    employs["backcast"] = layer.backcast

    A_q = flows.coefficients
    B_g = io_math.ghosh_allocation(flows.flows, go.reindex(codes))
    result = industry_impact(employs, static["performs"], static["task_scores"], go.reindex(codes), A=A_q,
                             ghosh_B=B_g, top_n=0)  # the graph stores industry figures; queries rank on demand
    imp = result.industries.reset_index()
    imp.insert(0, "quarter", q)
    imp["backcast"] = layer.backcast
    imp = imp.merge(coverage[["bea_code", "suppressed_employment_share", "imputed_wage_share",
                              "unmapped_soc_wage_share"]], on="bea_code", how="left")
    imp = imp.merge(scaling, on="bea_code", how="left")
    imp["wage_scaling"] = imp["wage_scaling"].fillna("none").astype(str)
    imp["oews_period"] = layer.period
    imp["oews_granularity"] = layer.granularity
    imp["io_year"] = year

    man = inputs.manifests
    manifest = {
        "sources": {s: {"parser_version": m["parser_version"], "inputs": m["inputs"]} for s, m in man.items() if m},
        "vintages": {s: sorted({v for t in m["tables"].values() for v in (t.get("vintages") or [])})[:6]
                     for s, m in man.items() if m},
        "sha256s": {f"{s}/{n}": i["sha256"] for s, m in man.items() if m for n, i in m["inputs"].items()},
        "code_version": code_version(),
        "as_of": as_of.isoformat(),
        "gdp_published": bea_quarterly_published(q).isoformat(),
        "io_year": year,
        "oews_period": layer.period,
        "oews_published": layer.published.date().isoformat(),
        "backcast": layer.backcast,
        "labour_layer": {
            "oews_period": layer.period, "published": layer.published.date().isoformat(),
            "backcast": layer.backcast, "granularity": layer.granularity,
            "wage_scaling": ("none" if not layer.backcast else
                             "backcast wage bill scaled per industry to BEA compensation (Use row V001) implied "
                             "for the quarter: labour share of the IO year x quarterly value added, capped at "
                             "value added"),
            "industries_by_scaling": {str(k): int(v) for k, v in
                                      scaling["wage_scaling"].str.split(" ").str[0].value_counts().items()},
        },
        "onet_release": inputs.onet_release,
        "weight_scheme": inputs.weight_scheme,
        "score_scheme": inputs.score_scheme,
        "ras": {"iterations": int(flows.ras.iterations), "max_row_gap": float(flows.ras.max_row_gap),
                "max_col_gap": float(flows.ras.max_col_gap), "row_scale_k": float(flows.targets.row_scale)},
        "note": SNAPSHOT_VINTAGE_NOTE,
    }
    graph = QuarterGraph(quarter=Quarter.parse(q), supplies=supplies, employs=employs, impact=imp, manifest=manifest,
                         **static)
    return QuarterBuild(graph=graph, impact=result, flows=flows)


def parse_quarters(spec: str | None, inputs: BuildInputs) -> list[str]:
    have = available_quarters(inputs.gdp)
    if not spec:
        return have
    wanted = [str(q) for q in Quarter.range(spec)] if ":" in spec else [str(Quarter.parse(spec))]
    return wanted


def build_all(inputs: BuildInputs, store, quarters: list[str],
              progress: Callable[[str], None] | None = None) -> list[dict]:
    """Build and write each quarter; returns a summary row per quarter (a failure raises before the write)."""
    out = []
    for q in quarters:
        qb = build_quarter(inputs, q)
        store.write_quarter(qb.graph)
        nat = qb.impact.national
        out.append({"quarter": q, "supplies": len(qb.graph.supplies), "employs": len(qb.graph.employs),
                    "backcast": qb.graph.manifest["backcast"], "io_year": qb.graph.manifest["io_year"],
                    "oews_period": qb.graph.manifest["oews_period"],
                    **{f"automatable_wage_bill_usd[{r}]": float(nat.loc[r, "automatable_wage_bill_usd"])
                       for r in nat.index}})
        if progress:
            progress(q)
    return out
