r"""Industry returns from listed securities: the securities-to-BEA crosswalk and point-in-time S&P 500 membership.

Method
------
Day ``t``: each crosswalk key ``k`` is either one ETF or a GICS sub-industry. A sub-industry's return is the equal-
weighted mean of the daily returns ``(P_t / P_{t-1}) - 1`` (adjusted closes) of its stocks **that are S&P 500
members on day t**: ``g_{k,t} = mean_{j in k, member(j, t)} r_{j,t}``. Industry ``i``'s return is the exposure-
weighted mean ``r_{i,t} = sum_k w_{ik} g_{k,t} / sum_k w_{ik}`` over the keys with a value that day (``w_{ik}``: the
crosswalk ``weight``). Period returns compound the daily ones, ``R = prod_t (1 + r_t) - 1``;
``vol_annualized = std(r_t) sqrt(252)``; a month or quarter counts only when the price panel reaches within 7 days of
its end.

Point-in-time membership (survivorship)
---------------------------------------
The sub-industry assignment comes from today's S&P 500 list (``market_sp500_constituents``: GICS sub-industry and
Yahoo symbol), and the price panel holds today's members only. Without a date filter every price row of a stock
counts, also the years before it joined the index (about a quarter of the panel's rows since 2005): the industry
return would then be that of the companies that later succeeded well enough to enter the index. With the membership
intervals of the ``sp500`` source (``sp500_membership``: ``ticker, start_date, end_date``, a member on ``D`` when
``start_date <= D < end_date``, ``end_date`` empty = still a member; the history's ``BRK.B`` spelling is matched to
the panel's ``BRK-B``) a stock's return on ``t`` counts only when it is a member on ``t``. Membership on ``t`` is
public by ``t`` (an interval is known from its start date, a removal from its end date), so the filter uses nothing
later than the day it filters. Two limits remain and are stated in the forecast report: companies that left the
index have no prices (they are absent from the returns of the days they were members), and the GICS sub-industry is
today's classification. A ticker matched by symbol also picks up an earlier company that used the same ticker
(``ticker_reused`` in the membership table) only on days where the panel has prices for the symbol.

ETF keys are not filtered (an ETF is not an index member; every ETF in the panel trades today).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ingest.errors import IngestError

TRADING_DAYS_PER_YEAR = 252
#: a quarter's return counts only if the security panel reaches within this many days of the quarter's end
QUARTER_END_TOLERANCE_DAYS = 7
CROSSWALK_COLUMNS = ("kind", "key", "bea_code", "weight", "reasoning")
CROSSWALK_KINDS = ("gics_sub_industry", "etf")
MEMBERSHIP_COLUMNS = ("ticker", "start_date", "end_date")


# ------------------------------------------------------------------------------------------------ crosswalk
def read_crosswalk(path: str | Path) -> pd.DataFrame:
    """Read ``data/crosswalks/securities_bea.csv``: ``kind`` (gics_sub_industry | etf), ``key`` (sub-industry name or
    ETF ticker), ``bea_code``, ``weight`` (> 0; relative weight of the key within the industry), ``reasoning``."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise IngestError(f"cannot read the securities crosswalk: {exc}", path=path) from exc
    return validate_crosswalk(df, path=path)


def validate_crosswalk(df: pd.DataFrame, path: str | Path | None = None) -> pd.DataFrame:
    missing = [c for c in CROSSWALK_COLUMNS if c not in df.columns]
    if missing:
        raise IngestError("securities crosswalk lacks columns", path=path, expected=list(CROSSWALK_COLUMNS),
                          got=list(df.columns))
    out = df[list(CROSSWALK_COLUMNS)].copy()
    for i, row in enumerate(out.itertuples(index=False), start=2):
        if row.kind not in CROSSWALK_KINDS:
            raise IngestError("unknown crosswalk kind", path=path, row=i, column="kind",
                              expected=" | ".join(CROSSWALK_KINDS), got=row.kind)
        try:
            w = float(row.weight)
        except (TypeError, ValueError):
            w = float("nan")
        if not np.isfinite(w) or w <= 0:
            raise IngestError("crosswalk weight must be a positive number", path=path, row=i, column="weight",
                              expected="a number > 0", got=row.weight)
        if not str(row.key).strip() or not str(row.bea_code).strip():
            raise IngestError("crosswalk key and bea_code must not be blank", path=path, row=i)
    out["weight"] = out["weight"].astype(float)
    dup = out.duplicated(["kind", "key", "bea_code"])
    if dup.any():
        r = int(np.flatnonzero(dup.to_numpy())[0]) + 2
        raise IngestError("duplicated crosswalk row (kind, key, bea_code)", path=path, row=r)
    return out


# ------------------------------------------------------------------------------------------------ returns
def price_panel(sp500_prices: pd.DataFrame, etf_prices: pd.DataFrame | None = None) -> pd.DataFrame:
    """One long price frame ``date, symbol, adj_close_usd`` from the S&P 500 (Yahoo symbols) and ETF tables.

    S&P 500 closes flagged ``suspect_jump`` by the market parser are dropped (their day's return is not used)."""
    sp = sp500_prices
    if "return_flag" in sp.columns:
        sp = sp[sp["return_flag"].isna()]
    parts = [sp[["date", "symbol", "adj_close_usd"]]]
    if etf_prices is not None:
        parts.append(etf_prices.rename(columns={"ticker": "symbol"})[["date", "symbol", "adj_close_usd"]])
    out = pd.concat(parts, ignore_index=True)
    out["symbol"] = out["symbol"].astype(str)
    out["date"] = pd.to_datetime(out["date"])
    return out


def membership_mask(membership: pd.DataFrame, dates: pd.DatetimeIndex, symbols) -> pd.DataFrame:
    """``dates x symbols`` booleans: the (Yahoo-spelled) symbol is an S&P 500 member on the date, i.e. some interval
    of ``membership`` (``ticker, start_date, end_date``; ``end_date`` empty = open) has ``start <= date < end``.
    A symbol without an interval is never a member. Bad input raises :class:`IngestError` naming the row."""
    missing = [c for c in MEMBERSHIP_COLUMNS if c not in membership.columns]
    if missing:
        raise IngestError("membership table lacks columns", path="sp500_membership",
                          expected=list(MEMBERSHIP_COLUMNS), got=list(membership.columns))
    symbols = pd.Index([str(x) for x in symbols])
    d = np.asarray(pd.DatetimeIndex(dates).values, dtype="datetime64[ns]")
    start = pd.to_datetime(membership["start_date"], errors="coerce")
    end = pd.to_datetime(membership["end_date"], errors="coerce")
    bad = start.isna() | (end.notna() & (end <= start))
    if bad.any():
        r = int(np.flatnonzero(bad.to_numpy())[0])
        raise IngestError("membership interval without a start date or ending on/before its start",
                          path="sp500_membership", row=r + 1, column="start_date",
                          expected="start_date < end_date (end_date empty = open)",
                          got=f"{membership['start_date'].iloc[r]} .. {membership['end_date'].iloc[r]}")
    ticker = membership["ticker"].astype(str).str.replace(".", "-", regex=False).to_numpy()
    mask = np.zeros((len(d), len(symbols)), dtype=bool)
    col = symbols.get_indexer(ticker)
    s_ns = np.asarray(start.values, dtype="datetime64[ns]")
    e_ns = np.asarray(end.values, dtype="datetime64[ns]")
    for j, a, b in zip(col, s_ns, e_ns):
        if j < 0:
            continue
        lo = np.searchsorted(d, a, side="left")
        hi = len(d) if np.isnat(b) else np.searchsorted(d, b, side="left")
        mask[lo:hi, j] = True
    return pd.DataFrame(mask, index=pd.DatetimeIndex(dates), columns=symbols)


def _daily_industry_returns(prices: pd.DataFrame, constituents: pd.DataFrame, crosswalk: pd.DataFrame,
                            membership: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily industry returns (dates x bea_code) and the number of securities behind each (same shape). With
    ``membership``, a sub-industry stock's return counts only on the days it is an index member."""
    wide = prices.pivot_table(index="date", columns="symbol", values="adj_close_usd", aggfunc="last").sort_index()
    rets = wide.pct_change(fill_method=None).iloc[1:]
    members = constituents.assign(yahoo_symbol=constituents["yahoo_symbol"].astype(str),
                                  gics_sub_industry=constituents["gics_sub_industry"].astype(str))
    if membership is not None:
        stocks = [s for s in pd.unique(members["yahoo_symbol"]) if s in rets.columns]
        on = membership_mask(membership, rets.index, stocks)
        rets[stocks] = rets[stocks].where(on.to_numpy())
    groups: dict[tuple[str, str], list[str]] = {}
    for kind, key in crosswalk[["kind", "key"]].drop_duplicates().itertuples(index=False):
        if kind == "etf":
            syms = [key]
        else:
            syms = members.loc[members["gics_sub_industry"] == key, "yahoo_symbol"].tolist()
        groups[(kind, key)] = [s for s in syms if s in rets.columns]
    num: dict[str, pd.Series] = {}
    den: dict[str, pd.Series] = {}
    cnt: dict[str, pd.Series] = {}
    for row in crosswalk.itertuples(index=False):
        syms = groups[(row.kind, row.key)]
        if not syms:
            continue
        g = rets[syms]
        grp = g.mean(axis=1, skipna=True)  # equal weight within the sub-industry / the ETF itself
        n = g.notna().sum(axis=1)
        ok = grp.notna()
        num[row.bea_code] = num.get(row.bea_code, 0) + grp.fillna(0.0) * row.weight
        den[row.bea_code] = den.get(row.bea_code, 0) + ok * row.weight
        cnt[row.bea_code] = cnt.get(row.bea_code, 0) + n
    if not num:
        empty = pd.DataFrame(index=rets.index)
        return empty, empty
    num_df, den_df = pd.DataFrame(num), pd.DataFrame(den)
    daily = num_df / den_df.where(den_df > 0)
    return daily, pd.DataFrame(cnt).reindex(columns=daily.columns)


def industry_returns(prices: pd.DataFrame, constituents: pd.DataFrame, crosswalk: pd.DataFrame,
                     freq: str = "Q", membership: pd.DataFrame | None = None) -> pd.DataFrame:
    r"""Industry returns from the securities mapped to each BEA industry (module docstring).

    Day ``t``: each crosswalk key ``k`` (a GICS sub-industry's stocks that are S&P 500 members on ``t``, equally
    weighted, or one ETF) has return ``g_{k,t}``; industry ``i``'s return is the exposure-weighted mean
    ``r_{i,t} = sum_k w_{ik} g_{k,t} / sum_k w_{ik}`` over the keys with a price that day, ``w_{ik}`` being the
    crosswalk ``weight`` (the share of key ``k``'s activity attributed to ``i``). Period returns compound the daily
    ones: ``R = prod_t (1 + r_t) - 1``; ``vol_annualized = std(r_t) sqrt(252)``. A quarter or month counts only when the
    price panel reaches within 7 days of its end (no partial periods).

    ``prices``: long ``date, symbol, adj_close_usd`` (:func:`price_panel`); ``constituents``: ``yahoo_symbol,
    gics_sub_industry``; ``crosswalk``: :func:`read_crosswalk`; ``membership``: the ``sp500_membership`` table
    (``ticker, start_date, end_date``); ``None`` counts every price row of today's members (survivorship-biased: the
    years before a stock joined the index count too). Returns ``period`` (``"2024Q3"``, ``"2024-05"``, or
    the date for ``freq="D"``), ``bea_code``, ``return_decimal``, ``vol_annualized`` (not for D), ``n_days``,
    ``n_securities`` (mean count per day). Industries with no listed proxy are absent.
    """
    if freq not in ("D", "M", "Q"):
        raise ValueError(f"freq must be 'D', 'M' or 'Q', got {freq!r}")
    crosswalk = validate_crosswalk(crosswalk)
    daily, counts = _daily_industry_returns(prices, constituents, crosswalk, membership)
    cols = ["period", "bea_code", "return_decimal", "n_days", "n_securities"]
    if daily.shape[1] == 0:
        return pd.DataFrame(columns=cols if freq == "D" else cols[:3] + ["vol_annualized"] + cols[3:])
    if freq == "D":
        out = daily.stack().rename("return_decimal").rename_axis(["period", "bea_code"]).reset_index()
        out["n_days"] = 1
        out["n_securities"] = counts.stack().reindex(pd.MultiIndex.from_frame(out[["period", "bea_code"]])).to_numpy()
        return out[cols]
    per = daily.index.to_period(freq)
    last_day = prices["date"].max()
    log1p = np.log1p(daily)
    g = log1p.groupby(per)
    ret = np.expm1(g.sum(min_count=1))
    vol = daily.groupby(per).std() * np.sqrt(TRADING_DAYS_PER_YEAR)
    ndays = daily.notna().groupby(per).sum()
    nsec = counts.groupby(per).mean()
    complete = [p.end_time.normalize() - pd.Timedelta(days=QUARTER_END_TOLERANCE_DAYS) <= last_day for p in ret.index]
    frames = {"return_decimal": ret, "vol_annualized": vol, "n_days": ndays, "n_securities": nsec}
    long = pd.concat({k: v[complete].stack() for k, v in frames.items()}, axis=1)
    long.index = long.index.set_names(["period", "bea_code"])
    long = long.reset_index()
    long = long[(long["n_days"] > 0) & long["return_decimal"].notna()]
    long["period"] = long["period"].astype(str)
    return long[["period", "bea_code", "return_decimal", "vol_annualized", "n_days", "n_securities"]].reset_index(
        drop=True)


