"""Response and request schemas (separate from storage records). Money in USD (``_usd``) or USD millions
(``_usd_millions``), annual rates; shares and intensities are decimals (0.25 = 25%)."""
from __future__ import annotations

from datetime import date
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

QUARTER_PATTERN = r"^\d{4}Q[1-4]$"
CODE_PATTERN = r"^[0-9A-Za-z]{1,10}$"
SOC_PATTERN = r"^\d{2}-\d{4}$"
NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="items in the whole list")
    offset: int
    limit: int
    next: str | None = Field(None, description="URL of the next page, if any")


class Band(BaseModel):
    min: float | None
    max: float | None


class QuarterInfo(BaseModel):
    quarter: str
    as_of: str | None = Field(None, description="the build's as-of date: nothing published later was used")
    io_year: int | None = None
    oews_period: str | None = None
    backcast: bool | None = None
    nowcast: bool = False
    code_version: str | None = None
    static_hash: str | None = None


class Industry(BaseModel):
    bea_code: str
    name: str
    sector: str
    naics: list[str]


class TopOccupation(BaseModel):
    soc: str
    title: str
    automatable_wage_bill_usd: float | None
    automatability: float | None


class TopTask(BaseModel):
    task_id: int
    text: str
    automatable_wage_bill_usd: float | None


class RaterFigures(BaseModel):
    wage_bill_usd: float | None = None
    automatable_wage_bill_usd: float | None = None
    automatable_share: float | None = None
    automatable_share_of_gross_output: float | None = None
    supply_chain_automatable_per_usd_final_demand: float | None = None
    forward_automatable_per_usd_primary_input: float | None = None


class ImpactBasis(BaseModel):
    oews_period: str | None = None
    backcast: bool | None = None
    io_year: int | None = None
    as_of: str | None = None
    score_scheme: str | None = None
    weight_scheme: str | None = None
    note: str | None = None
    nowcast: bool = Field(False, description="a quarter BEA had not published by its as-of date: gross output is a "
                                             "nowcast from monthly indicators (band in nowcast_basis)")
    nowcast_basis: dict | None = None


class IndustryImpactRow(BaseModel):
    bea_code: str
    name: str
    wage_bill_usd: float | None
    automatable_wage_bill_usd: float | None
    automatable_share: float | None
    automatable_share_of_gross_output: float | None = Field(description="direct: automatable wages per USD of output")
    supply_chain_automatable_per_usd_final_demand: float | None = Field(
        description="e'L: automatable wages embodied, across the supply chain, in one USD of final demand")
    automatable_wage_bill_usd_band: Band = Field(description="across raters")
    final_demand_usd: float | None = Field(description="y = x - Z1 (annual rate)")
    supply_chain_automatable_usd: float | None = Field(
        description="supply-chain automatable wages embodied in the industry's final demand (m_j y_j)")


class IndustryImpact(IndustryImpactRow):
    quarter: str
    rater: str
    raters: list[str]
    top_occupations: list[TopOccupation]
    top_tasks: list[TopTask]
    by_rater: dict[str, RaterFigures]
    basis: ImpactBasis


class National(BaseModel):
    wage_bill_usd: float | None
    automatable_wage_bill_usd: float | None
    automatable_share: float | None
    automatable_wage_bill_usd_by_rater: dict[str, float | None]
    automatable_wage_bill_usd_band: Band


class ImpactPage(Page[IndustryImpactRow]):
    quarter: str
    rater: str
    raters: list[str]
    national: National
    basis: ImpactBasis


class ImpactHistoryPoint(RaterFigures):
    quarter: str
    rater: str
    automatable_wage_bill_usd_band: Band
    backcast: bool
    nowcast: bool = False
    oews_period: str | None
    io_year: int | None


class Comparison(BaseModel):
    quarter: str
    rater: str
    industries: list[IndustryImpact]


class Flow(BaseModel):
    src_bea_code: str
    src_name: str
    dst_bea_code: str
    dst_name: str
    flow_usd_millions: float = Field(description="intermediate flow, USD millions, SAAR")
    coefficient: float = Field(description="flow / gross output of the buyer")


class Employment(BaseModel):
    soc: str
    title: str
    period: str
    employment: float
    mean_wage_usd: float | None
    wage_bill_usd: float | None
    backcast: bool


class TaskScore(BaseModel):
    score: float
    exposure_class: str | None
    rubric_version: str
    model: str | None


class OccupationTask(BaseModel):
    task_id: int
    text: str
    task_type: str | None
    weight: float = Field(description="share of the occupation's work (sums to 1 per scheme)")
    scheme: str
    scores: dict[str, TaskScore] = Field(description="by rater")


class TaskHit(BaseModel):
    task_id: int
    text: str
    similarity: float = Field(description="cosine similarity of the embeddings, -1..1")
    soc: str | None
    occupation: str | None
    duplicate_task_ids: list[int] = Field(default_factory=list,
                                          description="other task ids with the same statement (collapsed)")
    occupations: list[str] = Field(default_factory=list, description="occupations that list the statement")
    scores: dict[str, float | None] = Field(default_factory=dict, description="every rater's score of the task")


class TaskSearchPage(Page[TaskHit]):
    query: str
    min_similarity: float | None = None
    collapsed: bool | None = None
    quarter: str | None = Field(description="quarter whose task statements were indexed")
    model: str


class WhatIfRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    quarter: str | None = Field(None, pattern=QUARTER_PATTERN, description="default: the latest built")
    rater: str | None = Field(None, max_length=64, description="default: human")
    min_score: float = Field(0.5, ge=0.0, le=1.0, description="tasks scored at or above this are automated")
    labour_cost_reduction: float = Field(0.2, gt=0.0, le=1.0,
                                         description="fraction of those tasks' labour cost removed")
    industries: list[str] | None = Field(None, max_length=100,
                                         description="BEA codes where automation happens (default: every industry)")


class WhatIfIndustry(BaseModel):
    bea_code: str
    name: str
    shocked: bool
    labour_cost_change_usd: float
    value_added_change_per_usd: float = Field(description="dv_j: change in value-added cost per USD of output")
    price_change: float = Field(description="dp_j = (dv' L)_j, relative to base price 1")
    indirect_price_change: float = Field(description="dp_j - dv_j: the part that arrives through suppliers")
    final_demand_usd: float | None
    capped: bool = Field(False, description="labour-cost change capped at the industry's value added")
    value_added_usd: float | None = Field(None, description="x_j (1 - sum_i A_ij), USD per year")


class WhatIfSummary(BaseModel):
    quarter: str
    rater: str
    min_score: float
    labour_cost_reduction: float
    industries_shocked: list[str] | Literal["all"]
    labour_cost_saved_usd: float
    final_demand_weighted_price_change: float | None
    largest_price_fall: dict[str, Any]
    backcast: bool = Field(False, description="the quarter's occupation layer is backcast from a later OEWS year")
    oews_period: str | None = None
    wage_scaling: str | None = Field(None, description="how a backcast layer's wage level was set")
    industries_capped: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    assumptions: list[str]


class WhatIfPage(Page[WhatIfIndustry]):
    summary: WhatIfSummary


class Forecast(BaseModel):
    bea_code: str
    name: str | None
    quarter: str
    as_of_date: str | None
    q05: float | None
    q25: float | None
    q50: float | None
    q75: float | None
    q95: float | None
    model_id: str | None


class ForecastPage(Page[Forecast]):
    quarter: str
    target: str = "excess return over the quarter (decimal)"
    file: str


class Weight(BaseModel):
    identifier: str
    weight: float
    quantity: int
    price_usd: float
    bea_code: str | None = Field(None, description="the BEA industry carrying most of the position's exposure")


class Order(BaseModel):
    identifier: str
    side: Literal["BUY", "SELL"]
    quantity: int
    price_usd: float
    notional_usd: float


class DisclosureRow(BaseModel):
    identifier: str
    description: str
    quantity: float
    weight: float


class Exposure(BaseModel):
    bea_code: str
    name: str | None
    weight: float = Field(description="share of NAV exposed to the industry (look-through)")


class PortfolioDay(BaseModel):
    universe: str
    date: str
    summary: dict[str, Any]


class Backtest(BaseModel):
    universe: str
    directory: str
    metrics: dict[str, Any]
    report_markdown: str | None


class Breach(BaseModel):
    model_config = ConfigDict(extra="allow")

    breach_id: str
    rule_id: str
    citation: str
    severity: str
    status: str
    detected: str
    cure_deadline: str | None = None
    overdue: bool = False


class ComplianceStatus(BaseModel):
    universe: str | None = Field(None, description="the universe reported (null when several are summed)")
    as_of: str | None
    summary: dict[str, Any] | None
    config_version: str | None
    open_breaches: int
    overdue_breaches: int
    checks_recorded: int
    universes: list[dict[str, Any]] = Field(default_factory=list, description="each universe's own status")
    audit: dict[str, Any]


class ComplianceCheckDay(BaseModel):
    universe: str
    as_of: str
    seq: int
    summary: dict[str, Any]


class Job(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    params: dict[str, Any]
    submitted_at: str
    started_at: str | None
    finished_at: str | None
    result: Any = None
    error: str | None


class BuildRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    quarters: str = Field(pattern=r"^\d{4}Q[1-4](:\d{4}Q[1-4])?$", description="e.g. 2024Q3 or 2023Q1:2024Q3")


class RebalanceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    date: date
    universe: str = Field("sp500", pattern=NAME_PATTERN,
                          description="sp500, sector_etfs, or a user universe directory under <home>/universes/")
    nav_usd: float = Field(1e8, gt=0, le=1e13)


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, Any]
