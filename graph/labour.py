r"""The labour layer of the graph: EMPLOYS (industry -> occupation), PERFORMS (occupation -> task), task scores.

Sources (warehouse tables): ``oews_industry`` (BLS OEWS by industry), ``xwalk_oews_industry_bea`` (OEWS industry
code -> BEA summary industry with allocation shares), ``onet_tasks``, ``xwalk_onet_soc`` (O*NET-SOC -> OEWS
occupation code), ``xwalk_soc_2010_2018``, ``exposure_eloundou_tasks`` (published human and GPT-4 labels), and for
backcast wage levels the IO Use table rows ``V001``/``T_VALUE_ADDED`` and quarterly value added by industry.

**Which OEWS year a quarter uses (point in time).** A quarter's graph is built as of its GDP-by-industry release
(:func:`ingest.calendar.bea_quarterly_published`). It uses the latest OEWS May year whose industry-by-occupation
estimates were published by then: in the snapshot May 2018 sectors (informed 2019-03-31 .. 2023-03-30), May
2022, 2023 and 2024 sectors, then May 2025 with 3-/4-digit detail (from 2026-03-31). Quarters released before the
first industry file (May 2018, published 2019-03-31) get its occupation layer, flagged ``backcast`` in every
output, with the wage level scaled to the quarter (below).

**Layer selection** (:func:`labour_layer_for`, used by every builder: quarterly graphs and nowcast quarters).
Given an information date ``d``, the layer is the newest OEWS May year ``Y`` with ``oews_published(Y) <= d``
(March 31 of ``Y + 1``), at the finest industry detail that year publishes. Dates before the first year in the
warehouse get that nearest later year, flagged ``backcast``.

**Backcast wage level** (:func:`backcast_wage_scale`). A backcast layer keeps the later year's occupation mix
per industry (the part we cannot observe earlier) but not its dollar level: each BEA industry ``j``'s wage bill
is scaled by ``s_j = C_q(j) / C_L(j)``, where ``C_L(j)`` is BEA compensation of employees (Use table row
``V001``, after redefinitions) in the IO year nearest the layer's May year and ``C_q(j) = (C_Y(j) / VA_Y(j))
VA_q(j)`` is the compensation implied for the quarter: the labour share of value added in the IO year ``Y`` the
quarter's graph uses (published by its information date) times the quarter's value added (GDP by industry,
SAAR). An industry whose factor is undefined (non-positive compensation or value added) gets the ratio of the
totals over the industries where it is defined (``national_factor``). Finally the scaled wage bill never exceeds
the quarter's value added: ``s_j <= VA_q(j) / W_L(j)`` when ``VA_q(j) > 0`` (``capped_at_value_added``).
Employment stays the layer's; ``mean_wage_usd`` and ``wage_bill_usd`` are scaled. The method is recorded per
industry (``wage_scaling``, ``wage_scale_factor`` in impact rows) and in the manifest (``labour_layer``).

**Granularity.** May 2018 and 2022-2024 give 2-digit sectors; May 2025 gives 3- and 4-digit industries. Within each
3-digit industry we use its 4-digit children when they partition it (their total employment is within 0.5% of the
parent's), else the 3-digit row; years with sectors only use the sectors. Each OEWS industry is allocated to BEA
summary industries with the crosswalk's documented shares (2017 detail gross output), so a sector's occupation mix
is shared by the BEA industries in it: that is the main approximation for the sector years and is reported as
``oews_granularity`` (impact rows) and ``labour_layer.granularity`` (manifest).

**SOC 2010 layers** (May 2018 and earlier, :data:`ingest.oews.SOC_2010_LAST_YEAR`). Their occupation codes are
mapped to the codes of the rest of the graph before allocation: SOC 2010 -> SOC 2018 with the BLS crosswalk
(``xwalk_soc_2010_2018``, published November 2017, so usable at every date the layer is), then SOC 2018 -> OEWS
occupation code (``xwalk_onet_soc``: OEWS aggregates such as ``13-1020``). A SOC 2010 code that the crosswalk
splits into ``k`` SOC 2018 codes gives each ``1/k`` of its employment and wage bill (equal split: no occupation
employment under both classifications was published by the layer's date); codes merged by the crosswalk add up.
A code the crosswalk does not list keeps its own code when that is an OEWS code of a SOC 2018 year; otherwise its
wage bill is reported as ``unmapped_soc_wage_share`` of the industry, never silently dropped.

**Wage bill** = employment x mean annual wage (USD). Only ``detailed`` occupations are used (never the broad/major
aggregates). Employment that BLS suppressed is left out and its share reported. Where the annual mean wage is not
published: hourly-only occupations use hourly x 2,080 hours (the BLS convention); otherwise the occupation's
cross-industry mean wage of the same year; if that is top-coded too, the published top-code threshold
($239,200/yr, a lower bound). The imputed share of the wage bill is reported per industry.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.calendar import oews_published
from ingest.oews import SOC_2010_LAST_YEAR

from .impact import score_from_labels, task_weights

HOURS_PER_YEAR = 2080.0
USD_PER_MILLION = 1_000_000.0
TOP_CODE_ANNUAL_USD = 239_200.0
PARTITION_TOLERANCE = 0.005


class LabourDataError(ValueError):
    """A labour-layer input that cannot be used (names the industry, occupation or year)."""


@dataclass(frozen=True)
class OewsChoice:
    year: int
    backcast: bool
    published: pd.Timestamp


@dataclass(frozen=True)
class LabourLayer:
    """The OEWS layer a date uses: May ``year``, its publication date, ``backcast`` and ``granularity``."""

    year: int
    published: pd.Timestamp
    backcast: bool
    granularity: str  # "naics4/naics3" (finest published detail) or "sector"

    @property
    def period(self) -> str:
        return f"{self.year}-05"


def layer_granularity(oews_industry: pd.DataFrame, year: int) -> str:
    levels = set(oews_industry.loc[oews_industry["year"] == year, "industry_level"].unique())
    return "naics4/naics3" if "naics3" in levels else "sector"


def labour_layer_for(oews_industry: pd.DataFrame, info_date) -> LabourLayer:
    """The labour layer for information date ``info_date`` (module docstring, "Layer selection").

    The newest OEWS May year published by ``info_date`` (else the earliest year, ``backcast=True``), with the
    finest industry detail it has. Use :meth:`BuildInputs.employs` (or :func:`employs_for_year`) with
    ``layer.year`` for its EMPLOYS edges, and :func:`backcast_wage_scale` when ``layer.backcast``.
    """
    c = choose_oews_year(oews_industry, info_date)
    return LabourLayer(c.year, c.published, c.backcast, layer_granularity(oews_industry, c.year))


def choose_oews_year(oews_industry: pd.DataFrame, as_of) -> OewsChoice:
    """The latest OEWS year with industry-by-occupation data published by ``as_of`` (else the earliest, backcast)."""
    years = sorted(int(y) for y in oews_industry["year"].unique())
    if not years:
        raise LabourDataError("no OEWS industry-by-occupation data in the warehouse")
    ts = pd.Timestamp(as_of)
    published = [y for y in years if pd.Timestamp(oews_published(y)) <= ts]
    if published:
        y = max(published)
        return OewsChoice(y, False, pd.Timestamp(oews_published(y)))
    y = min(years)
    return OewsChoice(y, True, pd.Timestamp(oews_published(y)))


def _industry_rows(oews: pd.DataFrame, year: int) -> tuple[pd.DataFrame, str]:
    """Rows of the finest industry partition available in ``year`` (see module docstring)."""
    yr = oews[oews["year"] == year]
    levels = set(yr["industry_level"].unique())
    totals = yr[yr["occ_code"] == "00-0000"].set_index("industry_code")["employment"]
    if "naics3" not in levels:
        return yr[yr["industry_level"] == "sector"], "sector"
    sectors = yr[yr["industry_level"] == "sector"]["industry_code"].unique()
    n3 = yr[yr["industry_level"] == "naics3"]["industry_code"].unique()
    n4 = yr[yr["industry_level"] == "naics4"]["industry_code"].unique()
    chosen: list[str] = []
    for parent in n3:
        kids = [c for c in n4 if c[:3] == parent[:3]]
        kid_total = float(totals.reindex(kids).fillna(0).sum()) if kids else 0.0
        par_total = float(totals.get(parent, np.nan))
        if kids and par_total > 0 and abs(kid_total / par_total - 1) <= PARTITION_TOLERANCE:
            chosen.extend(kids)
        else:
            chosen.append(parent)
    # sectors without any 3-digit breakdown (e.g. government '99') keep the sector row
    covered = {c[:2] for c in n3}
    for s in sectors:
        first = s.split("-")[0]
        if not any(cov.startswith(first[:2]) for cov in covered) or s == "99":
            chosen.append(s)
    return yr[yr["industry_code"].isin(chosen)], "naics4/naics3"


def backcast_wage_scale(wage_bill: pd.Series, comp_layer: pd.Series, comp_io_year: pd.Series,
                        va_io_year: pd.Series, va_quarter: pd.Series) -> pd.DataFrame:
    """Per-industry factors that move a backcast layer's wage bill to the quarter's level (module docstring).

    Inputs are indexed by BEA code: ``wage_bill`` the layer's wage bill (USD), ``comp_layer`` compensation in the
    IO year nearest the layer, ``comp_io_year``/``va_io_year`` compensation and value added of the quarter's IO
    year, ``va_quarter`` the quarter's value added (the four BEA series in USD millions, the wage bill in USD). Returns
    ``bea_code, wage_scale_factor, wage_scaling`` for the industries of ``wage_bill``.
    """
    codes = wage_bill.index
    c_l = comp_layer.reindex(codes).astype(float)
    c_y = comp_io_year.reindex(codes).astype(float)
    va_y = va_io_year.reindex(codes).astype(float)
    va_q = va_quarter.reindex(codes).astype(float)
    c_q = c_y / va_y.where(va_y > 0) * va_q
    ok = (c_q > 0) & (c_l > 0) & np.isfinite(c_q) & np.isfinite(c_l)
    if not ok.any():
        raise LabourDataError("backcast wage scaling: no industry has positive compensation in both the layer's "
                              "IO year and the quarter (BEA Use row V001)")
    national = float(c_q[ok].sum() / c_l[ok].sum())
    factor = (c_q / c_l).where(ok, national)
    method = pd.Series("bea_compensation", index=codes).where(ok, "national_factor")
    w = wage_bill.astype(float)
    cap = (va_q * USD_PER_MILLION / w.where(w > 0)).where(va_q > 0)
    over = cap.notna() & (factor > cap)
    factor = factor.where(~over, cap)
    method = method.where(~over, method + ";capped_at_value_added")
    return pd.DataFrame({"bea_code": codes, "wage_scale_factor": factor.to_numpy(),
                         "wage_scaling": method.to_numpy()})


def soc_2010_weights(codes, xwalk_soc_2010_2018: pd.DataFrame, xwalk_onet_soc: pd.DataFrame,
                     known: set[str]) -> pd.DataFrame:
    """``soc_2010, soc, weight``: each SOC 2010 code's share going to each graph occupation code (module
    docstring, "SOC 2010 layers"). Codes the crosswalk lacks map to themselves when in ``known`` (OEWS codes of
    SOC 2018 years); the rest are absent from the result."""
    xw = xwalk_soc_2010_2018[["soc_2010", "soc_2018"]].dropna().drop_duplicates()
    to_oews = (xwalk_onet_soc[["soc_2018", "oews_occ_code"]].dropna().drop_duplicates("soc_2018")
               .set_index("soc_2018")["oews_occ_code"])
    xw = xw[xw["soc_2010"].isin(set(codes))].copy()
    xw["weight"] = 1.0 / xw.groupby("soc_2010")["soc_2018"].transform("nunique")
    xw["soc"] = xw["soc_2018"].map(to_oews).fillna(xw["soc_2018"])
    same = sorted(set(codes) - set(xw["soc_2010"]) & known)
    out = pd.concat([xw[["soc_2010", "soc", "weight"]],
                     pd.DataFrame({"soc_2010": same, "soc": same, "weight": 1.0})], ignore_index=True)
    return out.groupby(["soc_2010", "soc"], as_index=False)["weight"].sum()


def employs_for_year(oews_industry: pd.DataFrame, xwalk: pd.DataFrame, year: int,
                     xwalk_soc_2010_2018: pd.DataFrame | None = None,
                     xwalk_onet_soc: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """EMPLOYS edges for one OEWS year.

    Returns ``(edges, coverage)``: edges ``bea_code, soc, employment, wage_bill_usd, mean_wage_usd,
    imputed_wage_bill_usd, period`` and per-industry coverage ``bea_code, suppressed_employment_share,
    imputed_wage_share, unmapped_soc_wage_share, granularity``. A SOC 2010 year (May 2018 and earlier) needs
    both SOC crosswalks.
    """
    rows, granularity = _industry_rows(oews_industry, year)
    det = rows[rows["o_group"] == "detailed"].copy()
    if det.empty:
        raise LabourDataError(f"OEWS May {year}: no detailed occupation rows at industry level")
    unknown = sorted(set(det["industry_code"]) - set(xwalk["oews_industry_code"]))
    if unknown:
        raise LabourDataError(f"OEWS May {year}: industry codes with no BEA crosswalk entry: {unknown[:10]}")
    nat = oews_industry[(oews_industry["year"] == year) & (oews_industry["industry_level"] == "cross_industry")
                        & (oews_industry["o_group"] == "detailed")]
    nat_wage = nat.drop_duplicates("occ_code").set_index("occ_code")["mean_wage_usd"]
    wage = det["mean_wage_usd"].astype(float)
    imputed = wage.isna()
    hourly = det["hourly_mean_wage_usd"].astype(float) * HOURS_PER_YEAR
    wage = wage.fillna(hourly.where(det["mean_wage_status"] == "hourly_only"))
    hourly_only = (det["mean_wage_status"] == "hourly_only") & det["mean_wage_usd"].isna()
    imputed = imputed & ~hourly_only
    wage = wage.fillna(det["occ_code"].map(nat_wage)).fillna(TOP_CODE_ANNUAL_USD)
    det = det.assign(mean_wage_usd=wage, wage_imputed=imputed)
    suppressed = det["employment"].isna()
    det["employment"] = det["employment"].astype(float)
    ok = det[~suppressed].copy()
    ok["wage_bill_usd"] = ok["employment"] * ok["mean_wage_usd"]
    ok["imputed_wage_bill_usd"] = ok["wage_bill_usd"].where(ok["wage_imputed"], 0.0)
    ok["unmapped_wage_bill_usd"] = 0.0
    if year <= SOC_2010_LAST_YEAR:
        if xwalk_soc_2010_2018 is None or xwalk_onet_soc is None:
            raise LabourDataError(f"OEWS May {year} uses SOC 2010 codes: the SOC 2010 -> 2018 and O*NET-SOC -> "
                                  f"OEWS crosswalks are needed to map them")
        later = oews_industry[(oews_industry["year"] > SOC_2010_LAST_YEAR) & (oews_industry["o_group"] == "detailed")]
        wts = soc_2010_weights(ok["occ_code"].unique(), xwalk_soc_2010_2018, xwalk_onet_soc,
                               set(later["occ_code"]))
        mapped = ok.merge(wts, left_on="occ_code", right_on="soc_2010", how="left")
        lost = mapped["soc"].isna()
        mapped.loc[lost, "unmapped_wage_bill_usd"] = mapped.loc[lost, "wage_bill_usd"]
        mapped["weight"] = mapped["weight"].fillna(1.0)
        for col in ("employment", "wage_bill_usd", "imputed_wage_bill_usd"):
            mapped[col] = mapped[col] * mapped["weight"]
            mapped.loc[lost, col] = 0.0
        mapped["occ_code"] = mapped["soc"].fillna(mapped["occ_code"])
        ok = mapped.drop(columns=["soc_2010", "soc", "weight"])
    xw = xwalk[["oews_industry_code", "bea_code", "share"]].rename(columns={"oews_industry_code": "industry_code"})
    alloc = ok.merge(xw, on="industry_code", how="inner")
    for col in ("employment", "wage_bill_usd", "imputed_wage_bill_usd", "unmapped_wage_bill_usd"):
        alloc[col] = alloc[col] * alloc["share"]
    unmapped = alloc.groupby("bea_code")[["wage_bill_usd", "unmapped_wage_bill_usd"]].sum()
    edges = alloc.groupby(["bea_code", "occ_code"], as_index=False)[
        ["employment", "wage_bill_usd", "imputed_wage_bill_usd"]].sum()
    edges = edges[edges["employment"] > 0].rename(columns={"occ_code": "soc"})
    edges["mean_wage_usd"] = edges["wage_bill_usd"] / edges["employment"]
    edges["period"] = f"{year}-05"
    # coverage per BEA industry: share of industry employment hidden by suppression (estimated from the
    # industry's 'All Occupations' total) and the imputed share of the wage bill
    totals = rows[rows["occ_code"] == "00-0000"][["industry_code", "employment"]].merge(xw, on="industry_code")
    totals["employment"] = totals["employment"] * totals["share"]
    tot = totals.groupby("bea_code")["employment"].sum()
    got = edges.groupby("bea_code")["employment"].sum()
    wb = edges.groupby("bea_code")[["wage_bill_usd", "imputed_wage_bill_usd"]].sum()
    coverage = pd.DataFrame({
        "total_employment": tot,
        "detailed_employment": got.reindex(tot.index).fillna(0.0),
    })
    coverage["suppressed_employment_share"] = (1 - coverage["detailed_employment"] / coverage["total_employment"]
                                               ).clip(lower=0.0)
    coverage["imputed_wage_share"] = (wb["imputed_wage_bill_usd"] / wb["wage_bill_usd"]).reindex(coverage.index)
    coverage["unmapped_soc_wage_share"] = (unmapped["unmapped_wage_bill_usd"]
                                           / (unmapped["wage_bill_usd"] + unmapped["unmapped_wage_bill_usd"])
                                           ).reindex(coverage.index).fillna(0.0)
    coverage["granularity"] = granularity
    coverage.index.name = "bea_code"
    return edges.reset_index(drop=True), coverage.reset_index()


def national_share_direct(oews_industry: pd.DataFrame, year: int, automatability: pd.DataFrame) -> pd.Series:
    """Check figure per rater: ``sum_o W(o) a(o) / sum_o W(o)`` over the cross-industry (``000000``) detailed rows
    of ``year`` (no industry allocation: the published national wage bills and the occupation automatability
    ``a(o)`` of :func:`graph.impact.occupation_automatability`), over occupations the rater scored. The graph's
    national ``automatable_share`` (sum over industries) should be close; the gap measures what the industry
    allocation, suppression and imputation change."""
    nat = oews_industry[(oews_industry["year"] == year) & (oews_industry["industry_code"] == "000000")
                        & (oews_industry["o_group"] == "detailed") & oews_industry["employment"].notna()]
    if nat.empty:
        raise LabourDataError(f"OEWS May {year}: no cross-industry (000000) detailed rows")
    wage = nat["mean_wage_usd"].astype(float).fillna(nat["hourly_mean_wage_usd"].astype(float) * HOURS_PER_YEAR)
    wb = (nat["employment"].astype(float) * wage.fillna(TOP_CODE_ANNUAL_USD)).groupby(nat["occ_code"]).sum()
    out = {}
    for rater, a in automatability.groupby("rater"):
        a = a.set_index("soc")["automatability"]
        w = wb[wb.index.isin(a.index)]
        out[rater] = float((w * a.reindex(w.index)).sum() / w.sum())
    return pd.Series(out, name="automatable_share_direct").rename_axis("rater")


def occupations(oews_industry: pd.DataFrame, onet_occupations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Occupation nodes: OEWS detailed codes (SOC 2018, or OEWS aggregates such as 13-1020) with titles."""
    det = oews_industry[(oews_industry["o_group"] == "detailed")
                        & (oews_industry["year"] > SOC_2010_LAST_YEAR)].sort_values("year")  # SOC 2018 codes only
    occ = det.drop_duplicates("occ_code", keep="last")[["occ_code", "occ_title"]]
    return occ.rename(columns={"occ_code": "soc", "occ_title": "title"}).sort_values("soc").reset_index(drop=True)


def performs(onet_tasks: pd.DataFrame, xwalk_onet_soc: pd.DataFrame, release: str = "29.1",
             scheme: str = "core") -> pd.DataFrame:
    """PERFORMS edges: OEWS occupation -> O*NET task, weights summing to 1 per occupation.

    Task weights are built per O*NET-SOC occupation with ``scheme`` (equal | core | onet; see
    :func:`graph.impact.task_weights`); when several O*NET-SOC occupations map to one OEWS code (specialties such
    as 11-1011.03, or OEWS aggregates such as 13-1020), each counts equally.
    """
    tasks = onet_tasks[onet_tasks["release"] == release]
    if tasks.empty:
        raise LabourDataError(f"no O*NET tasks for release {release!r}")
    base = tasks.rename(columns={"onet_soc": "soc"})[["soc", "task_id", "task_type"]]
    w = task_weights(base, scheme=scheme)  # per O*NET-SOC code
    xw = xwalk_onet_soc[["onet_soc", "oews_occ_code"]].dropna().drop_duplicates()
    w = w.merge(xw, left_on="soc", right_on="onet_soc", how="inner")
    n_onet = w.groupby("oews_occ_code")["onet_soc"].transform("nunique")
    w["weight"] = w["weight"] / n_onet
    out = w.groupby(["oews_occ_code", "task_id"], as_index=False)["weight"].sum()
    out = out.rename(columns={"oews_occ_code": "soc"})
    out["weight"] = out["weight"] / out.groupby("soc")["weight"].transform("sum")
    out["scheme"] = scheme
    return out


def published_scores(eloundou: pd.DataFrame, scheme: str = "beta") -> pd.DataFrame:
    """Task scores of the published raters (``human``, ``gpt4``): long table task_id, rater, exposure_class, score."""
    frames = []
    for rater, col, model in (("human", "human_exposure", "human annotators (Eloundou et al. 2024)"),
                              ("gpt4", "gpt4_exposure", "GPT-4 (Eloundou et al. 2024)")):
        lab = eloundou[["task_id", col]].dropna()
        frames.append(pd.DataFrame({
            "task_id": lab["task_id"].astype("int64").to_numpy(),
            "rater": rater,
            "exposure_class": lab[col].astype(str).to_numpy(),
            "score": score_from_labels(lab[col].astype(str), scheme).to_numpy(),
            "rubric_version": "eloundou-2023",
            "model": model,
        }))
    return pd.concat(frames, ignore_index=True)
