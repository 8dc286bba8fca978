r"""Point-in-time inputs of the forecaster: industry returns, node features, targets and quarterly SUPPLIES edges.

Timing convention (one *snapshot* per decision quarter ``s``)
---------------------------------------------------------------
* The forecast is made at the close of the **as-of date** ``A_s`` = the last calendar day of quarter ``s - 1``
  (the day before quarter ``s`` starts). Only rows whose ``published_date <= A_s`` enter the features.
* ``L_s`` (the *information quarter*) is the latest quarter of BEA GDP-by-industry released by ``A_s``, dated by the
  table of actual release dates (:func:`ingest.calendar.bea_quarterly_timing`, capped at the release date of the
  vintage that holds the figure): since September 2020 ``L_s = s - 2`` (a quarter comes out ~90 days after it ends);
  before, a quarter came out ~110 days after it ended and the second quarter only with the November annual update,
  so ``L_s`` was often ``s - 3``.
* **History availability.** The 71-industry quarterly series began in 2012 until the November 2018 update carried
  it back to 2005 (:func:`ingest.calendar.bea_quarterly_published`). Historical snapshots are placed in time by the
  release schedule, but a snapshot counts as known (``known_date``, what a model fitted on a date may train on) only
  once every GDP quarter its features and targets use (``L - 5 .. L + 1``) was public: a model fitted before
  2018-11-30 trains only on snapshots built from 2012 on.
* **AI and labour metrics** from the graph (:func:`attach_graph_quarter_metrics`) enter a snapshot only when every
  input they rest on was public by ``A_s`` (O*NET release, exposure labels, OEWS year); before that they are missing
  (NaN; fitters standardise on the training window and treat a missing value as the window mean).
* Targets (never features):

  - ``go_growth``: next-quarter log growth of nominal gross output, ``ln GO_{L+1} - ln GO_L`` (the next quarter BEA
    will publish; one step beyond the information set). Known when ``L + 1`` is published.
  - ``excess_return``: the industry's simple return over quarter ``s`` (close of ``A_s`` to the close of the last
    trading day of ``s``) minus the compounded one-month T-bill return over the quarter's months (Fama-French
    ``rf``): ``R_s - ((prod_m (1 + rf_m)) - 1)``. Known at the end of ``s``. Industries without a listed proxy have
    no value (masked out of every return loss and metric).
  - ``flow_growth`` (edges, built in :mod:`gnn.dataset`): ``ln F_{L+1}(i, j) - ln F_L(i, j)`` of each SUPPLIES flow.

The snapshot holds one vintage per source: historical figures carry their first-release *date* but the values of the
snapshot's vintage (later revisions included); see :data:`ingest.calendar.SNAPSHOT_VINTAGE_NOTE`. Industry returns
(:mod:`gnn.industry_returns`) count a stock of today's S&P 500 list only on the days it was an index member (point-in-
time membership); companies that have left the index have no prices. Both caveats are printed in the forecast report.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from ingest import calendar
from ingest.errors import IngestError

# the crosswalk and industry returns live in .industry_returns; re-exported here, where the forecaster's inputs meet
from .industry_returns import (CROSSWALK_COLUMNS, CROSSWALK_KINDS, MEMBERSHIP_COLUMNS,  # noqa: F401
                               QUARTER_END_TOLERANCE_DAYS, TRADING_DAYS_PER_YEAR, industry_returns,
                               membership_mask, price_panel, read_crosswalk, validate_crosswalk)

#: FRED series used as macro features (same value for every industry in a snapshot)
MACRO_SERIES = ("DGS10", "T10Y2Y", "VIXCLS", "TB3MS", "FEDFUNDS", "BAA", "AAA", "CPIAUCSL", "UNRATE", "ICSA")


# ------------------------------------------------------------------------------------------------ quarters
def as_of_date(quarter: str | pd.Period) -> pd.Timestamp:
    """The as-of date of decision quarter ``s``: the last day of quarter ``s - 1`` (forecast made at its close)."""
    p = pd.Period(quarter, freq="Q")
    return (p - 1).end_time.normalize()


def quarter_range(first: str, last: str) -> list[str]:
    return [str(p) for p in pd.period_range(pd.Period(first, "Q"), pd.Period(last, "Q"), freq="Q")]


def _qshift(q: str, k: int) -> str:
    return str(pd.Period(q, freq="Q") + k)


# ------------------------------------------------------------------------------------------------ GDP
def dated_gdp(gdp: pd.DataFrame) -> pd.DataFrame:
    """Quarterly rows of ``bea_gdp_by_industry`` re-dated from the release-date table (annual rows unchanged).

    ``timing_date`` = the regular release that first carried the quarter (:func:`ingest.calendar.bea_quarterly_timing`)
    and ``published_date`` = when its 71-industry figures became public
    (:func:`ingest.calendar.bea_quarterly_published`),
    each capped at the release date of the vintage holding the figure (``vintage``) where the table has it. Computed
    here, not taken from the warehouse, so a change of the table needs no re-ingest. Idempotent."""
    if "timing_date" in gdp.columns:
        return gdp
    out = gdp.copy()
    out["published_date"] = pd.to_datetime(out["published_date"]).astype("datetime64[ns]")
    out["timing_date"] = out["published_date"]
    q = out["frequency"] == "Q"
    periods = out.loc[q, "ref_period"].astype(str)
    uniq = periods.unique()
    timing = pd.Series({p: pd.Timestamp(calendar.bea_quarterly_timing(p)) for p in uniq})
    public = pd.Series({p: pd.Timestamp(calendar.bea_quarterly_published(p)) for p in uniq})
    t = periods.map(timing).to_numpy(dtype="datetime64[ns]")
    pb = periods.map(public).to_numpy(dtype="datetime64[ns]")
    if "vintage" in out.columns:
        cap = pd.to_datetime(out.loc[q, "vintage"]).to_numpy(dtype="datetime64[ns]")
        t, pb = np.minimum(t, cap), np.minimum(pb, cap)
    out.loc[q, "timing_date"] = t
    out.loc[q, "published_date"] = pb
    return out


def _gdp_wide(gdp: pd.DataFrame, measure: str, series: str,
              date: str = "timing_date") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(values, dates), quarters x bea_code, for one quarterly GDP-by-industry series (leaf lines); ``date`` =
    ``timing_date`` (when the release schedule carried the quarter) or ``published_date`` (when it became public)."""
    gdp = dated_gdp(gdp)
    sel = gdp[(gdp["frequency"] == "Q") & (gdp["measure"] == measure) & (gdp["series"] == series)
              & gdp["bea_code"].notna()]
    if sel.empty:
        raise IngestError(f"bea_gdp_by_industry has no quarterly {measure}/{series} rows")
    vals = sel.pivot(index="ref_period", columns="bea_code", values="value").sort_index()
    pub = sel.pivot(index="ref_period", columns="bea_code", values=date).sort_index()
    vals.index = vals.index.astype(str)
    pub.index = pub.index.astype(str)
    vals.columns = vals.columns.astype(str)
    pub.columns = pub.columns.astype(str)
    return vals.astype(float), pub


def _full_quarter_index(frame: pd.DataFrame) -> pd.DataFrame:
    idx = quarter_range(frame.index.min(), frame.index.max())
    return frame.reindex(idx)


def latest_gdp_quarter(gdp: pd.DataFrame, as_of: pd.Timestamp) -> str | None:
    """The latest quarter with nominal gross output released by ``as_of`` (the information quarter ``L``)."""
    gdp = dated_gdp(gdp)
    sel = gdp[(gdp["frequency"] == "Q") & (gdp["measure"] == "gross_output") & (gdp["series"] == "nominal")
              & (gdp["timing_date"] <= as_of) & gdp["value"].notna()]
    return None if sel.empty else str(sel["ref_period"].max())


GDP_FEATURES = {
    # name: (measure, series, kind, lag)  kind: growth = ln v_{L-lag} - ln v_{L-lag-1}
    "go_g0": ("gross_output", "nominal", "growth", 0),
    "go_g1": ("gross_output", "nominal", "growth", 1),
    "go_g2": ("gross_output", "nominal", "growth", 2),
    "go_g3": ("gross_output", "nominal", "growth", 3),
    "go_yoy": ("gross_output", "nominal", "yoy", 0),
    "va_g0": ("value_added", "nominal", "growth", 0),
    "va_g1": ("value_added", "nominal", "growth", 1),
    "ii_g0": ("intermediate_inputs", "nominal", "growth", 0),
    "ii_g1": ("intermediate_inputs", "nominal", "growth", 1),
    "go_real_g0": ("gross_output", "real_chained_2017", "growth", 0),
    "go_price_g0": ("gross_output", "price_index", "growth", 0),
}


def gdp_node_features(gdp: pd.DataFrame, quarters: Iterable[str]) -> pd.DataFrame:
    r"""GDP-by-industry features per decision quarter ``s`` and industry, from figures published by ``A_s``.

    With ``L`` the information quarter and ``v`` a quarterly SAAR level: ``*_g<k> = ln v_{L-k} - ln v_{L-k-1}``
    (quarter-on-quarter log growth, lag ``k``); ``go_yoy = ln GO_L - ln GO_{L-4}``; ``log_go_share = ln(GO_L /
    sum_i GO_L)``; ``ii_share = II_L / GO_L``. Cells published after ``A_s`` are masked before anything is computed.
    Returns ``quarter, bea_code, info_quarter, as_of_date`` + features.
    """
    needed = {(m, s) for m, s, _, _ in GDP_FEATURES.values()} | {("intermediate_inputs", "nominal")}
    wide = {}
    for m, s in needed:
        v, p = _gdp_wide(gdp, m, s)
        wide[(m, s)] = (_full_quarter_index(v), _full_quarter_index(p))
    codes = sorted(wide[("gross_output", "nominal")][0].columns)
    rows = []
    for s in quarters:
        a = as_of_date(s)
        known = {k: np.log(v.where(p <= a).where(lambda x: x > 0)) for k, (v, p) in wide.items()}
        go = known[("gross_output", "nominal")]
        avail = go.index[go.notna().any(axis=1)]
        if len(avail) == 0:
            continue
        L = avail.max()
        feats: dict[str, pd.Series] = {}
        for name, (m, ser, kind, lag) in GDP_FEATURES.items():
            lv = known[(m, ser)].reindex(columns=codes)
            q0, q1 = _qshift(L, -lag), _qshift(L, -lag - (4 if kind == "yoy" else 1))
            if q0 in lv.index and q1 in lv.index:
                feats[name] = lv.loc[q0] - lv.loc[q1]
            else:
                feats[name] = pd.Series(np.nan, index=codes)
        go_l = np.exp(go.loc[L].reindex(codes))
        ii_l = np.exp(known[("intermediate_inputs", "nominal")].loc[L].reindex(codes))
        feats["log_go_share"] = np.log(go_l / go_l.sum())
        feats["ii_share"] = ii_l / go_l
        frame = pd.DataFrame(feats)
        frame.insert(0, "as_of_date", a)
        frame.insert(0, "info_quarter", L)
        frame.insert(0, "bea_code", codes)
        frame.insert(0, "quarter", s)
        rows.append(frame.reset_index(drop=True))
    return pd.concat(rows, ignore_index=True)


def go_growth_targets(gdp: pd.DataFrame, node_features: pd.DataFrame) -> pd.DataFrame:
    """``go_growth = ln GO_{L+1} - ln GO_L`` per snapshot row, with ``go_known_date`` = the date every GDP quarter
    ``L - 5 .. L + 1`` of the row was public (:func:`ingest.calendar.bea_quarterly_published`): the target itself and
    the history behind the features."""
    v, p = _gdp_wide(gdp, "gross_output", "nominal", date="published_date")
    v, p = _full_quarter_index(v), _full_quarter_index(p)
    pub_q = p.apply(pd.to_datetime).max(axis=1).astype("int64")  # per quarter, as ns since the epoch
    hist = pd.to_datetime(pub_q.rolling(7, min_periods=1).max().shift(-1))  # max over L-5 .. L+1
    lv = np.log(v.where(v > 0))
    nxt = node_features["info_quarter"].map(lambda q: _qshift(q, 1))
    out = node_features[["quarter", "bea_code"]].copy()
    cur_v = lv.stack(future_stack=True)
    pub = p.stack(future_stack=True)
    key_cur = pd.MultiIndex.from_arrays([node_features["info_quarter"], node_features["bea_code"]])
    key_nxt = pd.MultiIndex.from_arrays([nxt, node_features["bea_code"]])
    out["go_growth"] = cur_v.reindex(key_nxt).to_numpy() - cur_v.reindex(key_cur).to_numpy()
    nxt_pub = pub.reindex(key_nxt).to_numpy()
    hist_pub = node_features["info_quarter"].map(hist).to_numpy(dtype="datetime64[ns]")
    out["go_known_date"] = np.where(pd.isna(nxt_pub), np.datetime64("NaT"),
                                    np.maximum(nxt_pub.astype("datetime64[ns]"), hist_pub))
    return out


# ------------------------------------------------------------------------------------------------ market
def _asof_values(series: pd.DataFrame, dates: Iterable[pd.Timestamp]) -> np.ndarray:
    """Latest ``value`` with ``published_date <= d`` for each date ``d`` (NaN if none); also its observation date."""
    s = series.sort_values(["published_date", "date"])
    pub = s["published_date"].to_numpy(dtype="datetime64[ns]")
    vals = s["value"].to_numpy(dtype=float)
    obs = s["date"].to_numpy(dtype="datetime64[ns]")
    d = np.asarray(list(dates), dtype="datetime64[ns]")
    k = np.searchsorted(pub, d, side="right") - 1
    out_v = np.where(k >= 0, vals[np.clip(k, 0, None)], np.nan)
    out_d = np.where(k >= 0, obs[np.clip(k, 0, None)], np.datetime64("NaT"))
    return np.stack([out_v, out_d.astype("datetime64[ns]").astype(np.int64)], axis=1)


def macro_features(fred: pd.DataFrame, quarters: Iterable[str]) -> pd.DataFrame:
    r"""Macro features as of ``A_s`` (latest FRED observation *published* by then; publication lags from the market
    parser): levels of the 10-year yield, 10y-2y term spread, VIX, 3-month bill, fed funds (percent), unemployment
    rate, ``credit_spread = BAA - AAA`` (percent), ``cpi_yoy = ln CPI_m - ln CPI_{m-12}`` for the latest published
    month ``m``, ``log_claims = ln ICSA``; 3-month changes ``d_dgs10``, ``d_vix`` (value as of ``A_s`` minus value as of
    ``A_s - 91 days``). Returns ``quarter`` + features (one row per quarter)."""
    quarters = list(quarters)
    dates = [as_of_date(q) for q in quarters]
    earlier = [d - pd.Timedelta(days=91) for d in dates]
    fred = fred.assign(date=pd.to_datetime(fred["date"]), published_date=pd.to_datetime(fred["published_date"]))
    by = {sid: g for sid, g in fred.groupby("series_id")}
    missing = [s for s in MACRO_SERIES if s not in by]
    if missing:
        raise IngestError("market_fred lacks macro series", expected=list(MACRO_SERIES), got=sorted(by))
    now = {sid: _asof_values(by[sid], dates) for sid in MACRO_SERIES}
    out = pd.DataFrame({"quarter": quarters})
    for sid, name in (("DGS10", "dgs10"), ("T10Y2Y", "t10y2y"), ("VIXCLS", "vix"), ("TB3MS", "tb3ms"),
                      ("FEDFUNDS", "fedfunds"), ("UNRATE", "unrate")):
        out[name] = now[sid][:, 0]
    out["credit_spread"] = now["BAA"][:, 0] - now["AAA"][:, 0]
    out["log_claims"] = np.log(now["ICSA"][:, 0])
    cpi = by["CPIAUCSL"].set_index("date")["value"].sort_index()
    cpi_obs = pd.to_datetime(now["CPIAUCSL"][:, 1].astype(np.int64))
    prev = cpi.reindex(cpi_obs - pd.DateOffset(months=12)).to_numpy()
    out["cpi_yoy"] = np.log(now["CPIAUCSL"][:, 0]) - np.log(prev)
    for sid, name in (("DGS10", "d_dgs10"), ("VIXCLS", "d_vix")):
        out[name] = now[sid][:, 0] - _asof_values(by[sid], earlier)[:, 0]
    return out


def return_features(quarterly_returns: pd.DataFrame, macro: pd.DataFrame, quarters: Iterable[str]) -> pd.DataFrame:
    r"""Trailing return features as of ``A_s`` from quarterly industry returns (:func:`industry_returns`, freq Q):
    ``ret_q0 = R_{s-1}``; ``ret_4q = sum_{k=1..4} ln(1 + R_{s-k})``; ``vol_q0`` = annualised daily volatility in
    ``s - 1``; ``xret_q0 = R_{s-1} - TB3MS(A_s) / 400`` (excess over the bill rate known at ``A_s``, the random-walk
    forecast of the excess return); ``has_return`` = 1 if ``R_{s-1}`` exists. Quarter ``s - 1`` ends on ``A_s``.
    Returns ``quarter, bea_code`` + features."""
    r = quarterly_returns.pivot(index="period", columns="bea_code", values="return_decimal")
    v = quarterly_returns.pivot(index="period", columns="bea_code", values="vol_annualized")
    rf = macro.set_index("quarter")["tb3ms"] / 400.0
    rows = []
    for s in quarters:
        prev = [_qshift(s, -k) for k in range(1, 5)]
        r_prev = r.reindex(prev)
        frame = pd.DataFrame({
            "ret_q0": r_prev.iloc[0],
            "ret_4q": np.log1p(r_prev).sum(min_count=4),
            "vol_q0": v.reindex(prev[:1]).iloc[0],
        })
        frame["xret_q0"] = frame["ret_q0"] - rf.get(s, np.nan)
        frame["has_return"] = frame["ret_q0"].notna().astype(float)
        frame.index.name = "bea_code"
        frame = frame.reset_index()
        frame.insert(0, "quarter", s)
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def quarterly_rf(ff_factors: pd.DataFrame) -> pd.Series:
    """Risk-free return per quarter, ``prod_m (1 + rf_m) - 1`` over the quarter's three months of the Fama-French
    monthly file (decimal); quarters with fewer than three months are absent."""
    m = ff_factors[ff_factors["dataset"] == "ff_monthly"]
    per = pd.to_datetime(m["date"]).dt.to_period("Q")
    g = np.log1p(m["rf"].astype(float)).groupby(per)
    q = np.expm1(g.sum())[g.count() == 3]
    q.index = q.index.astype(str)
    return q


def excess_return_targets(quarterly_returns: pd.DataFrame, rf_q: pd.Series, node_index: pd.DataFrame) -> pd.DataFrame:
    """``excess_return`` of quarter ``s`` (see module docstring) per ``(quarter, bea_code)`` of ``node_index``, with
    ``ret_known_date`` = the quarter's last day."""
    r = quarterly_returns.set_index(["period", "bea_code"])["return_decimal"]
    key = pd.MultiIndex.from_arrays([node_index["quarter"], node_index["bea_code"]])
    out = node_index[["quarter", "bea_code"]].copy()
    out["excess_return"] = r.reindex(key).to_numpy() - node_index["quarter"].map(rf_q).astype(float).to_numpy()
    out["ret_known_date"] = node_index["quarter"].map(lambda q: pd.Period(q, "Q").end_time.normalize())
    return out


# ------------------------------------------------------------------------------------------------ SUPPLIES
def io_release_dates(io_summary: pd.DataFrame) -> pd.DataFrame:
    """``year, published_date`` of each annual summary IO year: :func:`ingest.calendar.bea_annual_io_published`
    capped at the release date of the vintage holding it (re-dated here, so a change of the table needs no
    re-ingest)."""
    cols = ["year", "vintage"] if "vintage" in io_summary.columns else ["year", "published_date"]
    y = io_summary[io_summary["redefinitions"] == "after"][cols].drop_duplicates("year").sort_values("year")
    cal = pd.to_datetime([calendar.bea_annual_io_published(int(v)) for v in y["year"]])
    cap = pd.to_datetime(y[cols[1]]).to_numpy(dtype="datetime64[ns]")
    pub = np.minimum(cal.to_numpy(dtype="datetime64[ns]"), cap) if cols[1] == "vintage" else cal
    return pd.DataFrame({"year": y["year"].astype(int).to_numpy(), "published_date": pub})


def supplies_from_warehouse(gdp: pd.DataFrame, io_summary: pd.DataFrame,
                            quarters: Iterable[str] | None = None) -> pd.DataFrame:
    r"""Quarterly SUPPLIES edges when no graph store is wired: for quarter ``L``, RAS-balance the latest annual
    industry-by-industry flow matrix ``Z = D U`` *published by L's GDP release date* (DESIGN.md section 4) to L's
    gross output and intermediate inputs (:func:`graph.quarterly.quarterly_flows`).

    Returns ``quarter, src, dst, flow_usd_millions`` (SAAR) and ``coefficient`` (flow / buyer's quarterly GO).
    """
    from graph import io_math
    from graph.quarterly import quarterly_flows
    from ingest.bea import summary_matrices

    go, go_pub = _gdp_wide(gdp, "gross_output", "nominal")
    ii, _ = _gdp_wide(gdp, "intermediate_inputs", "nominal")
    years = io_release_dates(io_summary)
    annual: dict[int, tuple] = {}
    out = []
    for q in (quarters if quarters is not None else go.index):
        if q not in go.index or go.loc[q].isna().any() or ii.loc[q].isna().any():
            continue
        released = go_pub.loc[q].max()
        ok = years[years["published_date"] <= released]
        if ok.empty:
            continue
        y = int(ok["year"].max())
        if y not in annual:
            U, V, _, _, g, qq = summary_matrices(io_summary, y)
            D = io_math.market_shares(V, qq)
            annual[y] = (io_math.industry_flows(D, U), g, U.sum(axis=0))
        Z, x_a, ii_a = annual[y]
        flows = quarterly_flows(Z, x_a, ii_a, go.loc[q].reindex(Z.index), ii.loc[q].reindex(Z.index))
        e = flows.edges().rename(columns={"seller": "src", "buyer": "dst"})
        e.insert(0, "quarter", q)
        e["annual_table_year"] = y
        out.append(e)
    return pd.concat(out, ignore_index=True)


# ------------------------------------------------------------------------------------------------ assembly
def node_features_and_targets(tables: Mapping[str, pd.DataFrame], crosswalk: pd.DataFrame,
                              quarters: Iterable[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All node features and node targets from warehouse tables.

    ``tables``: ``bea_gdp_by_industry``, ``market_fred``, ``market_ff_factors``, ``market_sp500_prices``,
    ``market_sp500_constituents``, ``sp500_membership`` (point-in-time index membership: a stock's return counts
    only on its member days) and optionally ``market_etf_prices``. ``quarters``: decision quarters (default:
    every quarter whose as-of date has four quarters of published GDP history and at most one quarter beyond the
    last published GDP quarter, i.e. up to ``L_max + 2``).

    Returns ``(node_features, targets)``: ``node_features`` = ``quarter, bea_code, info_quarter, as_of_date`` + GDP,
    return and macro features; ``targets`` = ``quarter, bea_code, go_growth, excess_return, known_date``
    (``known_date`` = when both targets are public: the later of the publication of ``L + 1`` and the end of ``s``).
    """
    gdp = tables["bea_gdp_by_industry"]
    known = set(gdp["bea_code"].dropna().astype(str))
    unknown = sorted(set(crosswalk["bea_code"]) - known)
    if unknown:
        r = int(np.flatnonzero(crosswalk["bea_code"].isin(unknown).to_numpy())[0]) + 2
        raise IngestError("securities crosswalk names BEA codes that are not summary industries", row=r,
                          column="bea_code", expected="one of the 71 BEA summary codes", got=unknown)
    if "sp500_membership" not in tables:
        raise IngestError("industry returns need the point-in-time S&P 500 membership: ingest the 'sp500' source",
                          path="sp500_membership", expected="the sp500_membership table")
    if quarters is None:
        gq = sorted(gdp.loc[(gdp["frequency"] == "Q"), "ref_period"].astype(str).unique())
        quarters = quarter_range(_qshift(gq[0], 6), _qshift(gq[-1], 2))
    quarters = list(quarters)
    gfeat = gdp_node_features(gdp, quarters)
    macro = macro_features(tables["market_fred"], quarters)
    prices = price_panel(tables["market_sp500_prices"], tables.get("market_etf_prices"))
    qret = industry_returns(prices, tables["market_sp500_constituents"], crosswalk, freq="Q",
                            membership=tables["sp500_membership"])
    rfeat = return_features(qret, macro, quarters)
    nf = gfeat.merge(rfeat, on=["quarter", "bea_code"], how="left").merge(macro, on="quarter", how="left")
    nf["has_return"] = nf["has_return"].fillna(0.0)
    go_t = go_growth_targets(gdp, nf)
    ex_t = excess_return_targets(qret, quarterly_rf(tables["market_ff_factors"]), nf)
    tg = go_t.merge(ex_t, on=["quarter", "bea_code"])
    tg["known_date"] = tg[["go_known_date", "ret_known_date"]].max(axis=1)
    tg = tg.drop(columns=["go_known_date", "ret_known_date"])
    return nf, tg


#: publication-date column of the graph metrics that each metric rests on (see :func:`attach_graph_quarter_metrics`)
LABOUR_PUBLISHED = "labour_published"
AI_PUBLISHED = "ai_published"


def metric_publication_column(name: str) -> str:
    """``log_wage_bill_usd`` rests on OEWS only (``labour_published``); every ``ai_*`` metric on O*NET, the exposure
    labels and OEWS (``ai_published``)."""
    if name == "log_wage_bill_usd":
        return LABOUR_PUBLISHED
    if name.startswith("ai_"):
        return AI_PUBLISHED
    raise ValueError(f"graph metric {name!r} has no known publication date: name it log_wage_bill_usd or ai_*, "
                     f"or add its inputs to gnn.features.metric_publication_column")


def attach_graph_quarter_metrics(node_features: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """Join per-industry metrics keyed by *graph* quarter (``quarter, bea_code, ...``; e.g. AI-impact metrics from
    the graph store) to each snapshot's information quarter ``L`` (the newest graph quarter known at ``A_s``).

    Point in time: ``metrics`` carries ``labour_published`` and ``ai_published`` (the date the last input of the
    row's labour / AI metrics became public, e.g. OEWS May 2022 on 2023-03-31, O*NET 29.1 on 2024-11-01, the
    exposure labels on 2023-03-17); a metric is kept for snapshot ``s`` only where that date is ``<= A_s`` and is
    missing (NaN) otherwise."""
    m = metrics.rename(columns={"quarter": "info_quarter"})
    values = [c for c in m.columns if c not in ("info_quarter", "bea_code", LABOUR_PUBLISHED, AI_PUBLISHED)]
    need = sorted({metric_publication_column(c) for c in values})
    missing = [c for c in need if c not in m.columns]
    if missing:
        raise ValueError(f"graph metrics lack the publication-date columns {missing} (the date each row's inputs "
                         f"became public); metrics: {values}")
    clash = set(values) & set(node_features.columns)
    if clash:
        raise ValueError(f"metric columns already among the node features: {sorted(clash)}")
    out = node_features.merge(m, on=["info_quarter", "bea_code"], how="left")
    as_of = pd.to_datetime(out["as_of_date"])
    for c in values:
        pub = pd.to_datetime(out[metric_publication_column(c)])
        out.loc[~(pub <= as_of), c] = np.nan
    return out.drop(columns=[c for c in (LABOUR_PUBLISHED, AI_PUBLISHED) if c in out.columns])


# ------------------------------------------------------------------------------------------------ Beige Book text
#: node feature added by :func:`attach_text_index` (optional: ``EvalConfig.text_index``)
TEXT_FEATURE = "beige_index"
TEXT_INDEX_COLUMNS = ("bea_code", "edition", "published_date", "index")


def attach_text_index(node_features: pd.DataFrame, text_index: pd.DataFrame) -> pd.DataFrame:
    r"""Add ``beige_index``: each industry's Beige Book index (:mod:`scoring.text.index`, -1 all down .. +1 all up)
    of the latest edition released on or before the snapshot's as-of date ``A_s`` (``published_date <= A_s``), the
    rule of :func:`scoring.text.index.index_as_of`. An industry without an edition by ``A_s`` has NaN (fitters use
    the training window's mean). ``text_index``: the ``index.parquet`` table (``bea_code, edition,
    published_date, index``)."""
    missing = [c for c in TEXT_INDEX_COLUMNS if c not in text_index.columns]
    if missing:
        raise ValueError(f"the Beige Book index table lacks columns {missing}; expected {list(TEXT_INDEX_COLUMNS)}")
    if TEXT_FEATURE in node_features.columns:
        raise ValueError(f"{TEXT_FEATURE!r} is already among the node features")
    idx = text_index.loc[:, list(TEXT_INDEX_COLUMNS)].copy()
    idx["bea_code"] = idx["bea_code"].astype(str)
    idx["published_date"] = pd.to_datetime(idx["published_date"])
    if idx["published_date"].isna().any():
        r = int(np.flatnonzero(idx["published_date"].isna().to_numpy())[0])
        raise ValueError(f"Beige Book index row {r} ({idx['bea_code'].iloc[r]}, edition {idx['edition'].iloc[r]}) "
                         "has no published_date")
    # latest edition by release date; ties (one release) broken by edition, as index_as_of sorts by edition
    idx = idx.sort_values(["published_date", "edition"])
    out = node_features.copy()
    out[TEXT_FEATURE] = np.nan
    as_of = pd.to_datetime(out["as_of_date"])
    for code, g in idx.groupby("bea_code", sort=False):
        rows = np.flatnonzero((out["bea_code"].astype(str) == code).to_numpy())
        if not len(rows):
            continue
        pub = g["published_date"].to_numpy(dtype="datetime64[ns]")
        k = np.searchsorted(pub, as_of.iloc[rows].to_numpy(dtype="datetime64[ns]"), side="right") - 1
        vals = g["index"].to_numpy(float)
        out.iloc[rows, out.columns.get_loc(TEXT_FEATURE)] = np.where(k >= 0, vals[np.maximum(k, 0)], np.nan)
    return out
