"""S&P 500 point-in-time data: membership history, daily share volumes, and price / market-cap snapshots.

Sources (see ``data/snapshot/market/sp500_*/PROVENANCE.md``):

* ``sp500_history``: membership intervals ``ticker,start_date,end_date`` 1996 .. 2025-07 (github fja05680/sp500,
  MIT), extended with the dated additions and removals after the intervals file's last date from
  ``sp500_changes_since_1996.csv`` (github chinobing/historical_sp500_constituents, MIT, from Wikipedia). A ticker is
  a member on D when ``start_date <= D < end_date`` (``end_date`` empty = still a member); the removal date itself is
  no longer a member day.
* ``sp500_volume``: raw (unadjusted) daily close and share volume, and the split ratio effective that day, of the
  April-2021 members, 1999-11-01 .. 2021-04-21 (Pooksoft, AlphaVantage downloads).
* ``sp500_financials``: 142 snapshots 2012-12 .. 2026-08 of price and market capitalisation per member (github
  datasets/s-and-p-500-companies-financials, ODC-PDDL, values from Yahoo Finance).

Tables and units (units live in the column names):

* ``sp500_membership``: ``ticker``, ``start_date``, ``end_date`` (null = open), ``interval_no`` (1, 2, ... per
  ticker in date order), ``ticker_reused`` (the ticker has more than one interval: a reused or re-added ticker,
  reported, e.g. AAL), ``source``. Point in time: an interval is known from its ``start_date`` (published_date).
* ``sp500_daily_volume``: ``ticker``, ``date``, ``close_usd`` (raw close), ``volume_shares`` (raw shares that day),
  ``split_ratio`` (shares after / before on a split day, 1 otherwise), ``dollar_volume_usd = close_usd x
  volume_shares``. Point in time: a day's volume is known after its close (``published_date = date``; a decision on
  D uses days strictly before D).
* ``sp500_financials``: ``snapshot_date``, ``symbol``, ``name``, ``sector``, ``price_usd``, ``market_cap_usd``,
  ``market_cap_unit_in_file`` (``billions_usd`` | ``usd``), ``shares_outstanding_est = market_cap_usd /
  price_usd`` (an ESTIMATE: the company's total across share classes, not a voting-class count),
  ``shares_change_unexplained`` (the estimate moved by more than :data:`SHARE_JUMP_MAX` (50%) against the
  symbol's previous snapshot while the volume file records no split between them that explains it; reported,
  kept), ``commit``. Point in time: known from its snapshot date.

Market cap units: the 2012-2017 files state billions of USD (``63.802B`` or ``88.874``), later files USD. The unit of
each snapshot is detected from the magnitude of its median (below :data:`BILLIONS_MEDIAN_MAX` = billions, above
:data:`USD_MEDIAN_MIN` = USD, in between = an error) and recorded per row; a value whose own magnitude contradicts
its snapshot's unit (a dollar figure inside a billions file) is an error naming the row.

Bad input raises :class:`~ingest.errors.IngestError` naming the file, row (1-based, header = row 1) and column:
overlapping intervals of one ticker, an end before its start, dates that do not parse, duplicated (ticker, date)
volume rows, negative or non-numeric volumes, closes or market caps, a non-positive price.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from .errors import IngestError, MissingInputError, ProblemCollector
from .registry import Progress, Source, progress_or_noop
from .schemas import Column, schema

PARSER_VERSION = "1"
#: a snapshot whose median market cap is below this is in billions of USD
BILLIONS_MEDIAN_MAX = 1e5
#: a snapshot whose median market cap is above this is in USD
USD_MEDIAN_MIN = 1e8
#: relative change of the share-count estimate between snapshots beyond which a split must explain it
SHARE_JUMP_MAX = 0.5
HISTORY_VINTAGE = "fja05680@58490ec8+chinobing@34dbd445"
VOLUME_VINTAGE = "pooksoft@19a3f02f (AlphaVantage to 2021-04-21)"

_H = "market/sp500_history/"
INPUTS: dict[str, str] = {
    "membership_intervals": _H + "sp500_ticker_start_end.csv",
    "membership_changes": _H + "sp500_changes_since_1996.csv",
    "daily_volume": "market/sp500_volume/sp500_daily_close_volume_1999-2021.csv.gz",
    "financials": "market/sp500_financials/constituents_financials_snapshots_2013-2026.csv.gz",
}
URLS: dict[str, str] = {
    "membership_intervals": "https://github.com/fja05680/sp500 (sp500_ticker_start_end.csv)",
    "membership_changes": "https://github.com/chinobing/historical_sp500_constituents",
    "daily_volume": "https://github.com/Pooksoft/PooksoftSP500EquityPriceDataSet (AlphaVantage daily adjusted)",
    "financials": "https://github.com/datasets/s-and-p-500-companies-financials (data/constituents-financials.csv)",
}
LICENCE = ("Membership: MIT (fja05680/sp500; chinobing, compiled from Wikipedia CC BY-SA). Volumes: repository MIT, "
           "data AlphaVantage, research and demo use only. Financials: ODC-PDDL-1.0, values from Yahoo Finance.")

C = Column
SCHEMAS = {
    "sp500_membership": schema("sp500_membership", [
        C("ticker", "str", description="ticker as the history file spells it (class shares with a dot: BRK.B)"),
        C("start_date", "date", description="first member day"),
        C("end_date", "date", nullable=True, description="first day no longer a member; null = still a member"),
        C("interval_no", "int", description="1, 2, ... per ticker in date order"),
        C("ticker_reused", "bool", description="the ticker has more than one membership interval"),
        C("source", "str"),
    ], key=["ticker", "start_date"], description="S&P 500 membership intervals (point in time)"),
    "sp500_daily_volume": schema("sp500_daily_volume", [
        C("ticker", "str"), C("date", "date", description="trading day"),
        C("close_usd", "float", description="raw (unadjusted) close, USD"),
        C("volume_shares", "float", description="raw share volume that day"),
        C("split_ratio", "float", description="shares after / before on a split day, 1 otherwise"),
        C("dollar_volume_usd", "float", description="close_usd x volume_shares"),
    ], key=["ticker", "date"], description="Daily raw close and share volume of the April-2021 S&P 500 members"),
    "sp500_financials": schema("sp500_financials", [
        C("snapshot_date", "date"), C("symbol", "str"),
        C("name", "str", nullable=True), C("sector", "str", nullable=True),
        C("price_usd", "float", description="price on the snapshot date, USD"),
        C("market_cap_usd", "float", description="market capitalisation, USD (all share classes)"),
        C("market_cap_unit_in_file", "str", description="billions_usd | usd: the unit the file used"),
        C("shares_outstanding_est", "float", description="estimated (market cap / price), all share classes"),
        C("shares_change_unexplained", "bool",
          description="estimate moved > 50% vs the previous snapshot with no recorded split explaining it"),
        C("commit", "str"),
    ], key=["snapshot_date", "symbol"], description="Price and market-cap snapshots of the S&P 500 members"),
}


def _read_csv(path: Path, **kwargs) -> pd.DataFrame:
    if not Path(path).exists():
        raise MissingInputError("input file not found", path=path)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)
    except (OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise IngestError(f"file unreadable (truncated, corrupted or not CSV): {exc}", path=path) from exc


def _require(df: pd.DataFrame, path: Path, cols: list[str]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise IngestError("missing columns", path=path, row=1, column=missing[0], expected=",".join(cols),
                          got=",".join(df.columns))


def _dates(values: pd.Series, problems: ProblemCollector, column: str, *, nullable: bool = False) -> pd.Series:
    s = values.str.strip()
    out = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    bad = out.isna() & ~(s.eq("") & nullable)
    for i in np.flatnonzero(bad.to_numpy())[:3]:
        problems.add("date does not parse", row=int(i) + 2, column=column, expected="YYYY-MM-DD", got=s.iloc[i])
    return out


def _numbers(values: pd.Series, problems: ProblemCollector, column: str, *, positive: bool = False) -> pd.Series:
    s = values.str.strip()
    out = pd.to_numeric(s, errors="coerce")
    bad = out.isna() | ~np.isfinite(out)
    for i in np.flatnonzero(bad.to_numpy())[:3]:
        problems.add("value is not a number", row=int(i) + 2, column=column, expected="a finite number",
                     got=s.iloc[i])
    neg = ~bad & ((out <= 0) if positive else (out < 0))
    for i in np.flatnonzero(neg.to_numpy())[:3]:
        problems.add("value out of range", row=int(i) + 2, column=column,
                     expected="a number > 0" if positive else "a number >= 0", got=s.iloc[i])
    return out.astype(float)


def _pit(df: pd.DataFrame, ref_period, published, vintage) -> pd.DataFrame:
    df["ref_period"] = ref_period
    df["published_date"] = published
    df["vintage"] = vintage
    return df


# ------------------------------------------------------------------------------------------------- membership
def read_intervals(path: Path) -> pd.DataFrame:
    df = _read_csv(path)
    _require(df, path, ["ticker", "start_date", "end_date"])
    problems = ProblemCollector(path=path)
    tick = df["ticker"].str.strip()
    for i in np.flatnonzero(tick.eq("").to_numpy())[:3]:
        problems.add("missing ticker", row=int(i) + 2, column="ticker")
    start = _dates(df["start_date"], problems, "start_date")
    end = _dates(df["end_date"], problems, "end_date", nullable=True)
    problems.raise_if_any()
    out = pd.DataFrame({"ticker": tick, "start_date": start, "end_date": end, "_row": np.arange(len(df)) + 2})
    back = out["end_date"].notna() & (out["end_date"] <= out["start_date"])
    for i in np.flatnonzero(back.to_numpy())[:3]:
        problems.add("membership ends on or before it starts", row=int(out["_row"].iloc[i]), column="end_date",
                     expected=f"a date after {out['start_date'].iloc[i].date()}",
                     got=str(out["end_date"].iloc[i].date()))
    problems.raise_if_any()
    return out


def read_changes(path: Path) -> pd.DataFrame:
    """``date,added_tickers,removed_tickers`` (Python-list strings) as long rows ``date, ticker, action``."""
    df = _read_csv(path)
    _require(df, path, ["date", "added_tickers", "removed_tickers"])
    problems = ProblemCollector(path=path)
    dates = _dates(df["date"], problems, "date")
    dup = dates.duplicated(keep="first") & dates.notna()
    for i in np.flatnonzero(dup.to_numpy())[:3]:
        problems.add("duplicated date", row=int(i) + 2, column="date", expected="one row per date",
                     got=df["date"].iloc[i])
    rows = []
    for i, (d, add, rem) in enumerate(zip(dates, df["added_tickers"], df["removed_tickers"])):
        for col, raw, action in (("added_tickers", add, "add"), ("removed_tickers", rem, "remove")):
            try:
                vals = ast.literal_eval(raw) if raw.strip() else []
                if not isinstance(vals, list) or not all(isinstance(v, str) for v in vals):
                    raise ValueError
            except (ValueError, SyntaxError):
                problems.add("ticker list does not parse", row=i + 2, column=col,
                             expected="a Python list of strings, e.g. ['AAPL']", got=raw)
                continue
            rows += [(d, v.strip(), action, i + 2) for v in vals if v.strip()]
    problems.raise_if_any()
    return pd.DataFrame(rows, columns=["date", "ticker", "action", "_row"])


def build_membership(intervals: pd.DataFrame, changes: pd.DataFrame, interval_path: Path | str,
                     changes_path: Path | str) -> pd.DataFrame:
    """The intervals, extended by the changes dated after the intervals file's last date; overlapping intervals of
    one ticker are an error naming both rows."""
    iv = intervals.copy()
    iv["source"] = "fja05680 intervals"
    last = max(iv["start_date"].max(), iv["end_date"].max())
    later = changes[changes["date"] > last].sort_values(["date", "action"], kind="stable")
    iv["_path"] = str(interval_path)
    for d, tick, action, row in later.itertuples(index=False):
        open_ = iv.index[(iv["ticker"] == tick) & iv["end_date"].isna()]
        if action == "remove" and len(open_):
            iv.loc[open_, "end_date"] = d
        elif action == "add" and not len(open_):
            iv.loc[len(iv)] = {"ticker": tick, "start_date": d, "end_date": pd.NaT, "_row": row,
                               "source": f"chinobing change {d.date()}", "_path": str(changes_path)}
    iv = iv.sort_values(["ticker", "start_date"], kind="stable").reset_index(drop=True)
    problems = ProblemCollector(path=interval_path)
    same = iv["ticker"].eq(iv["ticker"].shift())
    prev_end = iv["end_date"].shift()
    overlap = same & (prev_end.isna() | (prev_end > iv["start_date"]))
    for i in np.flatnonzero(overlap.to_numpy())[:3]:
        problems.add(f"overlapping membership intervals of {iv['ticker'].iloc[i]} (rows {iv['_row'].iloc[i - 1]} "
                     f"and {iv['_row'].iloc[i]})", row=int(iv["_row"].iloc[i]), column="start_date",
                     expected=f"a start on or after the previous interval's end "
                              f"({'open' if pd.isna(prev_end.iloc[i]) else prev_end.iloc[i].date()})",
                     got=str(iv["start_date"].iloc[i].date()))
    problems.raise_if_any()
    iv["interval_no"] = iv.groupby("ticker").cumcount() + 1
    iv["ticker_reused"] = iv.groupby("ticker")["ticker"].transform("size") > 1
    out = iv[["ticker", "start_date", "end_date", "interval_no", "ticker_reused", "source"]].copy()
    return _pit(out, "static", out["start_date"], HISTORY_VINTAGE)


# ------------------------------------------------------------------------------------------------- volumes
def read_volume(path: Path) -> pd.DataFrame:
    df = _read_csv(path)
    cols = ["ticker", "date", "close", "volume", "split_coefficient"]
    _require(df, path, cols)
    problems = ProblemCollector(path=path)
    date = _dates(df["date"], problems, "date")
    close = _numbers(df["close"], problems, "close", positive=True)
    vol = _numbers(df["volume"], problems, "volume")
    split = _numbers(df["split_coefficient"], problems, "split_coefficient", positive=True)
    tick = df["ticker"].str.strip()
    dup = pd.DataFrame({"t": tick, "d": date}).duplicated(keep="first")
    for i in np.flatnonzero(dup.to_numpy())[:3]:
        problems.add(f"duplicated date for {tick.iloc[i]}", row=int(i) + 2, column="date",
                     expected="one row per (ticker, date)", got=df["date"].iloc[i])
    problems.raise_if_any()
    out = pd.DataFrame({"ticker": tick, "date": date, "close_usd": close, "volume_shares": vol,
                        "split_ratio": split, "dollar_volume_usd": close * vol})
    out = out.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)
    return _pit(out, out["date"].dt.strftime("%Y-%m-%d"), out["date"], VOLUME_VINTAGE)


# ------------------------------------------------------------------------------------------------- financials
_SUFFIX = {"T": 1e12, "B": 1e9, "M": 1e6, "K": 1e3}


#: the source's "not available" spellings; with a zero price or market cap they mean "no figure" (row dropped)
MISSING_TOKENS = ("", "N/A", "NA", "n/a", "-", "nan")


def _cap_numbers(values: pd.Series, problems: ProblemCollector) -> tuple[pd.Series, pd.Series]:
    """Parse market caps; returns (number as written, multiplier from a B/M/T suffix or NaN when none). Missing
    spellings and zero give NaN (no figure); negative or unparsable values are problems."""
    s = values.str.strip().str.replace(",", "", regex=False)
    missing = s.isin(MISSING_TOKENS)
    suffix = s.str[-1:].str.upper()
    has = suffix.isin(list(_SUFFIX))
    num = pd.to_numeric(s.where(~has, s.str[:-1]), errors="coerce")
    mult = suffix.map(_SUFFIX).where(has)
    bad = ~missing & (num.isna() | ~np.isfinite(num) | (num < 0))
    for i in np.flatnonzero(bad.to_numpy())[:3]:
        problems.add("market cap is not a number >= 0", row=int(values.index[i]) + 2, column="value",
                     expected="a number >= 0 (optionally with a B/M/T suffix) or N/A", got=values.iloc[i])
    return num.where(~missing & (num > 0)), mult


def read_financials(path: Path, splits: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long ``snapshot_date,commit,field,symbol,value`` to one row per (snapshot, symbol); see the module docstring
    for the unit detection and the unexplained-jump flag (``splits``: ticker, date, split_ratio)."""
    df = _read_csv(path)
    _require(df, path, ["snapshot_date", "commit", "field", "symbol", "value"])
    problems = ProblemCollector(path=path)
    snap = _dates(df["snapshot_date"], problems, "snapshot_date")
    problems.raise_if_any()
    field = df["field"].str.strip().str.lower().replace({"market capitalization": "market cap"})
    known = field.isin(["name", "sector", "price", "market cap"])
    for i in np.flatnonzero(~known.to_numpy())[:3]:
        problems.add("unknown field", row=int(i) + 2, column="field", expected="Name, Sector, Price, Market Cap",
                     got=df["field"].iloc[i])
    dup = pd.DataFrame({"s": snap, "f": field, "y": df["symbol"]}).duplicated(keep="first")
    for i in np.flatnonzero(dup.to_numpy())[:3]:
        problems.add("duplicated (snapshot_date, field, symbol)", row=int(i) + 2, column="symbol",
                     got=df["symbol"].iloc[i])
    problems.raise_if_any()
    price_rows = df[field.eq("price")]
    cap_rows = df[field.eq("market cap")]
    pp = ProblemCollector(path=path)
    praw = price_rows["value"].str.strip()
    pnum = pd.to_numeric(praw, errors="coerce")
    for idx in price_rows.index[(~praw.isin(MISSING_TOKENS) & (pnum.isna() | (pnum < 0))).to_numpy()][:3]:
        pp.add("price is not a number >= 0", row=int(idx) + 2, column="value", expected="a number >= 0 or N/A",
               got=df.at[idx, "value"])
    num, mult = _cap_numbers(cap_rows["value"], pp)
    pp.raise_if_any()
    cap = pd.DataFrame({"snapshot_date": snap[cap_rows.index], "symbol": cap_rows["symbol"].str.strip(),
                        "num": num, "mult": mult, "_row": cap_rows.index + 2})
    # unit per snapshot from the median magnitude of the numbers as written (suffixed values are explicit)
    units = {}
    for d, g in cap.groupby("snapshot_date"):
        plain = g.loc[g["mult"].isna(), "num"].dropna()
        if plain.empty:
            units[d] = "billions_usd"  # every value carries its own suffix (2012-12-27: '63.802B')
            continue
        med = float(plain.median())
        if med < BILLIONS_MEDIAN_MAX:
            units[d] = "billions_usd"
        elif med > USD_MEDIAN_MIN:
            units[d] = "usd"
        else:
            r = int(g["_row"].iloc[0])
            raise IngestError(f"market cap unit of snapshot {d.date()} cannot be told from its magnitude", path=path,
                              row=r, column="value", expected=f"a median below {BILLIONS_MEDIAN_MAX:g} (billions) "
                              f"or above {USD_MEDIAN_MIN:g} (USD)", got=med)
    cap = cap[cap["num"].notna()].copy()
    cap["unit"] = cap["snapshot_date"].map(units)
    contra = cap["mult"].isna() & (((cap["unit"] == "billions_usd") & (cap["num"] >= BILLIONS_MEDIAN_MAX))
                                   | ((cap["unit"] == "usd") & (cap["num"] <= BILLIONS_MEDIAN_MAX)))
    for i in np.flatnonzero(contra.to_numpy())[:3]:
        r = cap.iloc[i]
        pp.add(f"market cap magnitude contradicts its snapshot's unit ({r['unit']}, detected from the snapshot "
               "median)", row=int(r["_row"]), column="value",
               expected="billions of USD" if r["unit"] == "billions_usd" else "USD", got=r["num"])
    pp.raise_if_any()
    factor = np.where(cap["mult"].notna(), cap["mult"], np.where(cap["unit"] == "billions_usd", 1e9, 1.0))
    cap["market_cap_usd"] = cap["num"] * factor
    cap["market_cap_unit_in_file"] = np.where(cap["mult"].notna(), "billions_usd", cap["unit"])
    wide = pd.DataFrame({"snapshot_date": snap, "field": field, "symbol": df["symbol"].str.strip(),
                         "value": df["value"].str.strip(), "commit": df["commit"].str.strip()})
    attrs = wide[wide["field"].isin(["name", "sector", "price"])].pivot_table(
        index=["snapshot_date", "symbol"], columns="field", values="value", aggfunc="first")
    commits = wide.groupby(["snapshot_date", "symbol"])["commit"].first()
    out = cap.set_index(["snapshot_date", "symbol"])[["market_cap_usd", "market_cap_unit_in_file"]].join(
        attrs, how="left").join(commits)
    out = out.reset_index()
    out["price_usd"] = pd.to_numeric(out.get("price"), errors="coerce")
    out = out[out["price_usd"] > 0].copy()  # a market cap without a price gives no share estimate
    out["name"] = out.get("name")
    out["sector"] = out.get("sector")
    out["shares_outstanding_est"] = out["market_cap_usd"] / out["price_usd"]
    out = out.sort_values(["symbol", "snapshot_date"], kind="stable").reset_index(drop=True)
    out["shares_change_unexplained"] = unexplained_jumps(out, splits)
    cols = ["snapshot_date", "symbol", "name", "sector", "price_usd", "market_cap_usd", "market_cap_unit_in_file",
            "shares_outstanding_est", "shares_change_unexplained", "commit"]
    out = out[cols]
    return _pit(out, out["snapshot_date"].dt.strftime("%Y-%m-%d"), out["snapshot_date"], out["commit"])


def unexplained_jumps(fin: pd.DataFrame, splits: pd.DataFrame | None) -> np.ndarray:
    """True where ``shares_outstanding_est`` moved by more than :data:`SHARE_JUMP_MAX` against the symbol's previous
    snapshot after dividing out the splits recorded between the two snapshot dates (``splits``: ticker, date,
    split_ratio; tickers with a dot or a dash are matched either way)."""
    fin = fin.reset_index(drop=True)
    prev_sh = fin.groupby("symbol")["shares_outstanding_est"].shift()
    prev_d = fin.groupby("symbol")["snapshot_date"].shift()
    ratio = fin["shares_outstanding_est"] / prev_sh
    if splits is not None and len(splits):
        sp = splits[splits["split_ratio"] != 1.0]
        for i in np.flatnonzero(((ratio > 1 + SHARE_JUMP_MAX) | (ratio < 1 / (1 + SHARE_JUMP_MAX))).to_numpy()):
            sym = fin.at[i, "symbol"]
            s = sp[sp["ticker"].isin([sym, sym.replace(".", "-"), sym.replace("-", ".")])
                   & (sp["date"] > prev_d.iloc[i]) & (sp["date"] <= fin.at[i, "snapshot_date"])]
            ratio.iloc[i] /= float(s["split_ratio"].prod()) if len(s) else 1.0
    jump = (ratio > 1 + SHARE_JUMP_MAX) | (ratio < 1 / (1 + SHARE_JUMP_MAX))
    return jump.fillna(False).to_numpy(bool)


def parse(inputs: Mapping[str, Path], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    say = progress_or_noop(progress)
    say("sp500: membership intervals and changes")
    members = build_membership(read_intervals(inputs["membership_intervals"]),
                               read_changes(inputs["membership_changes"]), inputs["membership_intervals"],
                               inputs["membership_changes"])
    reused = sorted(members.loc[members["ticker_reused"], "ticker"].unique())
    say(f"sp500: {len(members):,} membership intervals; {len(reused)} tickers with several intervals "
        f"(reused or re-added: {', '.join(reused[:8])}{' ...' if len(reused) > 8 else ''})")
    say("sp500: daily volumes (2.4M rows)")
    vol = read_volume(inputs["daily_volume"])
    say("sp500: financials snapshots")
    fin = read_financials(inputs["financials"], vol.loc[vol["split_ratio"] != 1.0, ["ticker", "date", "split_ratio"]])
    units = fin.groupby("market_cap_unit_in_file")["snapshot_date"].agg(["min", "max", "nunique"])
    for unit, r in units.iterrows():
        say(f"sp500: market cap in {unit} in {r['nunique']} snapshots {r['min'].date()} .. {r['max'].date()}")
    n_jump = int(fin["shares_change_unexplained"].sum())
    say(f"sp500: {n_jump} share-count estimates moved > {SHARE_JUMP_MAX:.0%} with no recorded split (flagged "
        "shares_change_unexplained)")
    return {"sp500_membership": members, "sp500_daily_volume": vol, "sp500_financials": fin}


SOURCE = Source(
    name="sp500",
    parser_version=PARSER_VERSION,
    description="S&P 500 point-in-time membership, daily share volumes and price / market-cap snapshots",
    inputs=INPUTS,
    parse=parse,
    schemas=SCHEMAS,
    urls=URLS,
    licence=LICENCE,
)
