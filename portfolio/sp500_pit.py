"""Point-in-time S&P 500 security data: membership on D, estimated shares outstanding, ADV, with source and as-of.

Built from the ``sp500`` warehouse source (:mod:`ingest.sp500`) and the universe's adjusted-close panel; every
figure for a decision on date D uses only data dated strictly before D:

* **Membership** on D: the tickers with ``start_date <= D < end_date`` (the history's ``BRK.B`` spelling is matched
  to the price panel's ``BRK-B``). Members without a price on the previous close cannot be bought or valued: they
  are counted and named (:meth:`SP500PointInTime.survivorship`), with their share of the index by count and, where
  a market-cap snapshot knows them, by market cap. This is the survivorship that remains: the price panel holds
  today's members only, so companies that left the index since D have no prices.
* **Shares outstanding**, labelled ``estimated (market cap / price)``: from the last financials snapshot dated before
  D (``s < D``), at most ``data_max_age_calendar_days.shares_outstanding`` days old (else unknown: the rules that need
  it are not evaluable). Two figures are kept:

  - ``shares_outstanding_est``: the snapshot's market cap / price, carried forward through the splits recorded in
    the volume file between the snapshot and D (``x split_ratio`` for each split dated ``s < d < D``);
  - ``shares_outstanding`` (what the compliance checker reads): the same count in the units of the book, whose
    quantities are NAV x weight / adjusted close: ``market cap(s) / adjusted close(s)``, so that ``quantity /
    shares_outstanding = position value / market cap`` whatever splits and dividends the adjusted panel folds in.

* **ADV** in USD: measured (mean raw close x raw volume over the window before D, :mod:`compliance.liquidity`) where
  fresh, else the documented fallback for index members (market-cap bucket x calibrated turnover), else unknown.
  ``adv_shares`` (book units) = ADV in USD / the previous adjusted close. Each row carries ``adv_basis``,
  ``adv_asof`` and the market cap used with its as-of date.

* **Ticker changes.** The membership history and the financials snapshots use the ticker of the day, the price panel
  today's ticker (BK until 2026-05-22, BNY since; FI for Fiserv 2023-06 .. 2025-11, FISV before and after). A
  company that changed ticker would otherwise be an unpriced member under the old ticker and a non-member under the
  new one. :func:`ticker_renames` finds the changes from the data: B (in the price panel) starts an interval on S
  although the constituents table dates B's company's addition to the index well before S (``date_added + 7 days <
  S``), A (not in the panel) ends an interval within 4 days of S, and either A's name in the financials snapshots
  and B's name share their first significant word, or A is the only interval ending then whose share price matches
  B's: its last snapshot price within [0.8, 1.25] x B's adjusted close on that date (the same share less the
  dividends paid since) and the ratio stable within 10% over at least two snapshots in the 400 days before.
  A's interval, snapshots, volumes and splits dated before S are then B's. Changes the data cannot show (no name match, no price)
  stay as they are: counted as unpriced members and named.

``python -m portfolio.sp500_pit calibrate [home]`` (default ``$ECONGRAPH_HOME``) prints the calibration table of the fallback turnover (measured
dollar ADV / market cap per bucket on the snapshot dates where both exist).
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# compliance.liquidity is imported where used: importing the compliance package loads cvxpy, which a caller that
# only reads the universe (the API) should not pay for

SHARES_LABEL = "estimated (market cap / price)"


def _yahoo(ticker: pd.Series) -> pd.Series:
    return ticker.astype(str).str.replace(".", "-", regex=False)


def wide(df: pd.DataFrame, index: str, columns: str, values: str) -> pd.DataFrame:
    """``df.pivot(index, columns, values)`` for a long table with unique (index, columns) pairs, without pandas'
    unstack (about 10x faster on the 2.4-million-row volume table): sorted index and columns, NaN where absent."""
    ri, rows = pd.factorize(df[index], sort=True)
    ci, cols = pd.factorize(df[columns], sort=True)
    cell = ri.astype(np.int64) * max(len(cols), 1) + ci
    if len(np.unique(cell)) < len(cell):
        raise ValueError(f"duplicated ({index}, {columns}) rows in the long table")
    a = np.full((len(rows), len(cols)), np.nan)
    a[ri, ci] = df[values].to_numpy(float)
    return pd.DataFrame(a, index=pd.Index(rows, name=index), columns=pd.Index(cols, name=columns))


RENAME_WINDOW_DAYS = 4
RENAME_PRICE_BAND = (0.8, 1.25)
RENAME_STABLE_DAYS = 400
RENAME_STABLE_SPREAD = 1.10
_NAME_STOP = {"inc", "corp", "corporation", "co", "company", "the", "plc", "ltd", "group", "holdings", "and",
              "limited", "sa", "nv", "class"}


def _first_word(name) -> str | None:
    words = [w for w in re.sub(r"[^a-z0-9 ]", " ", str(name).lower()).split() if w not in _NAME_STOP]
    return words[0] if words and name is not None and name == name else None


def ticker_renames(intervals: pd.DataFrame, constituents: pd.DataFrame, fin: pd.DataFrame,
                   adj_prices: pd.DataFrame) -> pd.DataFrame:
    """Ticker changes shown by the data (see the module docstring): ``old``, ``new``, ``date`` (the new ticker's
    first day), ``evidence``. ``intervals``: identifier, start_date, end_date; ``constituents``: yahoo_symbol,
    security, date_added (today's members in the price panel); ``fin``: identifier, snapshot_date, name, price_usd."""
    panel = set(adj_prices.columns)
    added = pd.to_datetime(pd.Series(constituents["date_added"].to_numpy(), index=constituents["yahoo_symbol"]),
                           errors="coerce")
    names = pd.Series(constituents["security"].to_numpy(), index=constituents["yahoo_symbol"])
    fin = fin.sort_values("snapshot_date")
    last_name = fin.groupby("identifier")["name"].last()
    win = pd.Timedelta(days=RENAME_WINDOW_DAYS)
    ends = intervals[intervals["end_date"].notna() & ~intervals["identifier"].isin(panel)]
    rows = []
    for _, b in intervals[intervals["identifier"].isin(added.index)].iterrows():
        new, start = b["identifier"], b["start_date"]
        da = added.get(new)
        if pd.isna(da) or start <= da + pd.Timedelta(days=7):
            continue
        cand = ends[(ends["end_date"] >= start - win) & (ends["end_date"] <= start + win)]
        pick, why = None, None
        word = _first_word(names.get(new))
        same = [a for a in cand["identifier"] if word and _first_word(last_name.get(a)) == word]
        if len(set(same)) == 1:
            pick, why = same[0], f"same name ({last_name.get(same[0])!r} / {names.get(new)!r})"
        elif new in adj_prices.columns:
            priced = {}
            for a in dict.fromkeys(cand["identifier"]):
                ev = _same_share(fin[(fin["identifier"] == a) & (fin["snapshot_date"] < start)], adj_prices[new])
                if ev is not None:
                    priced[a] = ev
            if len(priced) == 1:
                pick, why = next(iter(priced.items()))
        if pick is not None and pick not in {r["old"] for r in rows}:
            rows.append({"old": pick, "new": new, "date": start, "evidence": why})
    return pd.DataFrame(rows, columns=["old", "new", "date", "evidence"])


def _same_share(fa: pd.DataFrame, px: pd.Series) -> str | None:
    """Evidence that the old ticker's snapshot prices ``fa`` are the new ticker's share (``px``: its adjusted close):
    at least two snapshots in the last ``RENAME_STABLE_DAYS`` before the last one, the last price within
    ``RENAME_PRICE_BAND`` x the adjusted close, and the ratio stable over them (max / min <= ``RENAME_STABLE_SPREAD``:
    only dividends paid since separate a raw from an adjusted price); None otherwise."""
    if len(fa) == 0:
        return None
    last = fa["snapshot_date"].iloc[-1]
    fa = fa[fa["snapshot_date"] >= last - pd.Timedelta(days=RENAME_STABLE_DAYS)]
    p = px.dropna()
    pos = p.index.searchsorted(pd.DatetimeIndex(fa["snapshot_date"]), side="right") - 1
    if len(fa) < 2 or (pos < 0).any():
        return None
    r = fa["price_usd"].to_numpy(float) / p.to_numpy(float)[pos]
    if not np.isfinite(r).all() or not (RENAME_PRICE_BAND[0] <= r[-1] <= RENAME_PRICE_BAND[1]) \
            or r.max() / r.min() > RENAME_STABLE_SPREAD:
        return None
    return (f"price {r[-1]:.3f} x the new ticker's adjusted close on {last.date()}, ratio stable within "
            f"{r.max() / r.min() - 1:.1%} over {len(r)} snapshots")


def _apply_renames(df: pd.DataFrame, renames: pd.DataFrame, date_col: str) -> pd.DataFrame:
    """Rows of an old ticker dated before its change become the new ticker's."""
    if renames.empty or df.empty:
        return df
    df = df.copy()
    renamed = np.zeros(len(df), dtype=bool)
    for r in renames.itertuples(index=False):
        m = ((df["identifier"] == r.old) & (df[date_col] < r.date)).to_numpy()
        df.loc[m, "identifier"] = r.new
        renamed |= m
    # where the new ticker has its own row for the same date, that row stands
    return df.assign(_renamed=renamed).sort_values("_renamed", kind="stable").drop_duplicates(
        [c for c in ("identifier", date_col) if c in df.columns] + (["start_date"] if date_col != "start_date"
                                                                      and "start_date" in df.columns else []),
        keep="first").sort_index().drop(columns="_renamed")


#: bump when a cached panel's construction changes
PANEL_CACHE_VERSION = "1"


def cached_panel(wh, name: str, source: str, build) -> pd.DataFrame:
    """A wide panel (date index x identifier columns) derived from a warehouse source, cached under
    ``<home>/cache/panels/<name>-<key>.parquet`` where the key hashes the source's manifest key (its inputs, parser
    and code): a re-ingest changes the key, so a stale panel is never read. Written atomically; older panels of the
    same name are removed."""
    import hashlib

    from ingest.storage import atomic_write_parquet

    man = wh.manifest(source) or {}
    key = hashlib.sha256(f"{PANEL_CACHE_VERSION}|{name}|{man.get('key')}".encode()).hexdigest()[:16]
    folder = Path(wh.home) / "cache" / "panels"
    path = folder / f"{name}-{key}.parquet"
    if path.exists():
        try:
            df = pd.read_parquet(path)
            return df.set_index(df.columns[0]).rename_axis(None).rename_axis(None, axis=1)
        except (OSError, ValueError):  # unreadable (e.g. a partial copy): rebuild it
            pass
    panel = build()
    out = panel.copy()
    out.columns = [str(c) for c in out.columns]
    out.insert(0, "_date", panel.index)
    atomic_write_parquet(path, out.reset_index(drop=True))
    for old in folder.glob(f"{name}-*.parquet"):
        if old != path:
            old.unlink(missing_ok=True)
    return panel.rename_axis(None).rename_axis(None, axis=1)


@dataclass
class SP500PointInTime:
    ids: pd.Index                      # the universe's identifiers (price panel columns)
    intervals: pd.DataFrame            # identifier, start_date, end_date (NaT = open)
    snap_dates: np.ndarray             # sorted snapshot dates (datetime64[ns])
    mcap: np.ndarray                   # snapshots x ids, forward-filled market cap (USD)
    mcap_asof: np.ndarray              # snapshots x ids, date of the figure carried in ``mcap``
    so_est: np.ndarray                 # snapshots x ids, forward-filled market cap / price
    so_book: np.ndarray                # snapshots x ids, forward-filled market cap / adjusted close
    jump: np.ndarray                   # snapshots x ids, the carried figure is flagged shares_change_unexplained
    all_mcap: pd.DataFrame             # snapshot_date, identifier, market_cap_usd (every symbol, for survivorship)
    splits: pd.DataFrame               # identifier, date, split_ratio (ratio != 1)
    dollar_volume: pd.DataFrame        # date x ids, raw close x raw volume (NaN where none)
    model: dict[str, Any]
    renames: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["old", "new", "date", "evidence"]))
    _cache: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_warehouse(cls, wh, ids: pd.Index, adj_prices: pd.DataFrame, model: dict | None = None):
        from compliance.liquidity import load_model

        model = model or load_model()
        iv = wh.read("sp500_membership", columns=["ticker", "start_date", "end_date"])
        iv = pd.DataFrame({"identifier": _yahoo(iv["ticker"]).to_numpy(), "start_date": iv["start_date"].to_numpy(),
                           "end_date": iv["end_date"].to_numpy()})
        fin = wh.read("sp500_financials", columns=["snapshot_date", "symbol", "name", "price_usd", "market_cap_usd",
                                                   "shares_outstanding_est", "shares_change_unexplained"])
        fin["identifier"] = _yahoo(fin["symbol"])
        cons = wh.read("market_sp500_constituents", columns=["yahoo_symbol", "security", "date_added",
                                                             "in_price_panel"])
        renames = ticker_renames(iv, cons[cons["in_price_panel"]], fin, adj_prices)
        # an old ticker's interval ends on (or just before) the change: dated by its start
        iv = _apply_renames(iv, renames, "start_date")
        fin = _apply_renames(fin, renames, "snapshot_date")
        snaps = np.sort(fin["snapshot_date"].unique())
        mine = fin[fin["identifier"].isin(ids)]

        def snap_wide(col):
            return mine.pivot(index="snapshot_date", columns="identifier", values=col).reindex(index=snaps,
                                                                                                 columns=ids)
        mc = snap_wide("market_cap_usd")
        so = snap_wide("shares_outstanding_est")
        jump = snap_wide("shares_change_unexplained").astype(float)
        # adjusted close on (or last before) each snapshot date
        px = adj_prices.reindex(columns=ids).sort_index().ffill()
        pos = px.index.searchsorted(pd.DatetimeIndex(snaps), side="right") - 1
        adj = np.where(pos[:, None] >= 0, px.to_numpy(float)[np.maximum(pos, 0)], np.nan)
        book = mc.to_numpy(float) / np.where(adj > 0, adj, np.nan)
        have = np.isfinite(mc.to_numpy(float)) & np.isfinite(book)
        asof = np.where(have, np.asarray(snaps, dtype="datetime64[ns]")[:, None], np.datetime64("NaT"))

        def ffill(a):
            return pd.DataFrame(np.where(have, a, np.nan)).ffill().to_numpy()
        asof_f = pd.DataFrame(asof).ffill().to_numpy(dtype="datetime64[ns]")
        def dollar_volume() -> pd.DataFrame:
            vol = wh.read("sp500_daily_volume", columns=["ticker", "date", "dollar_volume_usd"])
            vol["identifier"] = _yahoo(vol["ticker"])
            return wide(vol, "date", "identifier", "dollar_volume_usd")

        dv_all = cached_panel(wh, "sp500_dollar_volume", "sp500", dollar_volume)
        for r in renames.itertuples(index=False):  # the old ticker's volumes before the change are the new one's
            if r.old in dv_all.columns:
                before = dv_all.index < r.date
                cur = dv_all[r.new] if r.new in dv_all.columns else pd.Series(np.nan, index=dv_all.index)
                dv_all[r.new] = cur.where(~before | cur.notna(), dv_all[r.old])
        dv = dv_all.reindex(columns=ids)
        splits = wh.read("sp500_daily_volume", columns=["ticker", "date", "split_ratio"])
        splits = splits[splits["split_ratio"] != 1.0]
        sp = pd.DataFrame({"identifier": _yahoo(splits["ticker"]).to_numpy(), "date": splits["date"].to_numpy(),
                           "split_ratio": splits["split_ratio"].to_numpy()})
        sp = _apply_renames(sp, renames, "date")
        allm = fin[["snapshot_date", "identifier", "market_cap_usd"]].reset_index(drop=True)
        return cls(ids=ids, intervals=iv, snap_dates=np.asarray(snaps, dtype="datetime64[ns]"),
                   mcap=ffill(mc.to_numpy(float)), mcap_asof=asof_f, so_est=ffill(so.to_numpy(float)),
                   so_book=ffill(book), jump=ffill(jump.to_numpy(float)), all_mcap=allm, splits=sp,
                   dollar_volume=dv.sort_index(), model=model, renames=renames)

    # ------------------------------------------------------------------ membership
    def members_on(self, t: pd.Timestamp) -> pd.Index:
        """Every identifier (in the price panel or not) that is an index member on ``t``."""
        iv = self.intervals
        on = (iv["start_date"] <= t) & (iv["end_date"].isna() | (iv["end_date"] > t))
        return pd.Index(sorted(set(iv.loc[on, "identifier"])))

    def is_member(self, t: pd.Timestamp) -> np.ndarray:
        key = ("member", t)
        if key not in self._cache:
            self._cache[key] = self.ids.isin(self.members_on(t))
        return self._cache[key]

    def survivorship(self, t: pd.Timestamp, priced: pd.Index) -> dict[str, Any]:
        """Members on ``t`` without a price on the previous close: count, names, share of the index by count and by
        market cap (last snapshot before ``t`` that knows them; the share is over members with a known cap)."""
        members = self.members_on(t)
        missing = members.difference(priced)
        snaps = self.all_mcap[self.all_mcap["snapshot_date"] < t]
        cap = snaps.sort_values("snapshot_date").groupby("identifier")["market_cap_usd"].last().reindex(members)
        known = cap.dropna()
        share_cap = float(known.reindex(missing).sum() / known.sum()) if len(known) else None
        return {"date": str(t.date()), "n_members": int(len(members)), "n_unpriced_members": int(len(missing)),
                "unpriced_share_by_count": round(len(missing) / len(members), 6) if len(members) else None,
                "unpriced_share_by_market_cap": round(share_cap, 6) if share_cap is not None else None,
                "market_cap_known_for": int(len(known)), "unpriced_members": list(missing),
                "note": "members on this date without prices in the snapshot (companies that left the index since "
                        "are absent from the price panel): they are neither bought nor in any return"}

    # ------------------------------------------------------------------ shares and ADV
    def _snap_row(self, t: pd.Timestamp) -> int:
        return int(np.searchsorted(self.snap_dates, np.datetime64(t, "ns"), side="left")) - 1

    def shares(self, t: pd.Timestamp) -> pd.DataFrame:
        """Shares outstanding as of ``t`` (see the module docstring), per identifier."""
        key = ("shares", t)
        if key in self._cache:
            return self._cache[key]
        k = self._snap_row(t)
        n = len(self.ids)
        if k < 0:
            nan = np.full(n, np.nan)
            out = pd.DataFrame({"shares_outstanding": nan, "shares_outstanding_est": nan,
                                "shares_outstanding_asof": pd.NaT, "shares_outstanding_age_days": nan,
                                "shares_outstanding_flag": None}, index=self.ids)
        else:
            asof = self.mcap_asof[k]
            age = (np.datetime64(t, "ns") - asof).astype("timedelta64[D]").astype(float)
            age[np.isnat(asof)] = np.nan
            max_age = float(self.model["data_max_age_calendar_days"]["shares_outstanding"])
            fresh = np.isfinite(age) & (age <= max_age)
            est = self.so_est[k].copy()
            sp = self.splits[self.splits["identifier"].isin(self.ids) & (self.splits["date"] < t)]
            if len(sp):
                j = self.ids.get_indexer(sp["identifier"])
                after = sp["date"].to_numpy("datetime64[ns]") > asof[j]
                np.multiply.at(est, j[after], sp["split_ratio"].to_numpy(float)[after])
            flag = np.where(self.jump[k] > 0, "share count moved > 50% vs the previous snapshot with no recorded "
                                              "split", None)
            out = pd.DataFrame({"shares_outstanding": np.where(fresh, self.so_book[k], np.nan),
                                "shares_outstanding_est": np.where(fresh, est, np.nan),
                                "shares_outstanding_asof": pd.DatetimeIndex(asof),
                                "shares_outstanding_age_days": age,
                                "shares_outstanding_flag": np.where(fresh, flag, None)}, index=self.ids)
        out["shares_outstanding_source"] = np.where(out["shares_outstanding"].notna(),
                                                    SHARES_LABEL + " (datasets/s-and-p-500-companies-financials)",
                                                    "none within the maximum age")
        self._cache[key] = out
        return out

    def measured_adv_usd(self, t: pd.Timestamp) -> pd.DataFrame:
        m = self.model["measured_adv"]
        dv = self.dollar_volume
        idx = dv.index
        lo = idx.searchsorted(t - pd.Timedelta(days=int(m["max_age_calendar_days"])), side="left")
        hi = idx.searchsorted(t, side="left")
        a = dv.to_numpy(float)[max(lo, hi - int(m["window_trading_days"])):hi]
        n = np.isfinite(a).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(n >= int(m["min_observations"]), np.nansum(a, axis=0) / np.maximum(n, 1), np.nan)
        last = pd.NaT
        if hi > max(lo, hi - int(m["window_trading_days"])):
            last = idx[hi - 1]
        return pd.DataFrame({"adv_usd_measured": mean, "adv_observations": n,
                             "adv_window_last_date": last}, index=self.ids)

    def liquidity(self, t: pd.Timestamp, last_close: pd.Series) -> pd.DataFrame:
        """ADV (USD and book units) with its basis and inputs, per identifier, as of ``t``."""
        from compliance.liquidity import BASIS_MEASURED, adv_usd_with_basis

        key = ("liq", t)
        if key in self._cache:
            return self._cache[key]
        meas = self.measured_adv_usd(t)
        sh = self.shares(t)
        close = last_close.reindex(self.ids).to_numpy(float)
        mcap_now = sh["shares_outstanding"].to_numpy(float) * close  # book-unit shares x adjusted close
        member = self.is_member(t)
        est = adv_usd_with_basis(meas["adv_usd_measured"].to_numpy(float), mcap_now, member, self.model)
        est.index = self.ids
        with np.errstate(invalid="ignore", divide="ignore"):
            adv_sh = est["adv_usd"].to_numpy(float) / np.where(close > 0, close, np.nan)
        measured = est["adv_basis"].eq(BASIS_MEASURED).to_numpy()
        out = pd.DataFrame({
            "adv_shares": adv_sh, "adv_usd": est["adv_usd"].to_numpy(float), "adv_basis": est["adv_basis"],
            "adv_asof": np.where(measured, meas["adv_window_last_date"], pd.NaT),
            "adv_observations": np.where(measured, meas["adv_observations"], 0),
            "market_cap_usd": mcap_now, "market_cap_asof": sh["shares_outstanding_asof"],
            "market_cap_bucket": est["market_cap_bucket"], "fallback_turnover": est["fallback_turnover"],
            "index_member": member}, index=self.ids)
        out["adv_asof"] = pd.to_datetime(out["adv_asof"])
        self._cache[key] = out
        return out


def calibration_sample(wh) -> pd.DataFrame:
    """(date, identifier, market_cap_usd, adv_usd): measured 63-day dollar ADV before each financials snapshot
    date that the volume file covers, against the snapshot's market cap."""
    from compliance.liquidity import load_model

    model = load_model()
    m = model["measured_adv"]
    v = wh.read("sp500_daily_volume", columns=["ticker", "date", "dollar_volume_usd"])
    v["identifier"] = _yahoo(v["ticker"])
    dv = v.pivot(index="date", columns="identifier", values="dollar_volume_usd").sort_index()
    fin = wh.read("sp500_financials", columns=["snapshot_date", "symbol", "market_cap_usd"])
    fin["identifier"] = _yahoo(fin["symbol"])
    rows = []
    for d, g in fin.groupby("snapshot_date"):
        if d > dv.index.max():
            continue
        win = dv.loc[(dv.index < d) & (dv.index >= d - pd.Timedelta(days=int(m["max_age_calendar_days"])))]
        win = win.iloc[-int(m["window_trading_days"]):]
        adv = win.mean().where(win.notna().sum() >= int(m["min_observations"]))
        gg = g.set_index("identifier")
        rows.append(pd.DataFrame({"date": d, "market_cap_usd": gg["market_cap_usd"],
                                  "adv_usd": adv.reindex(gg.index)}).dropna())
    return pd.concat(rows).reset_index()


def main(argv: list[str]) -> int:
    import os

    from compliance.liquidity import calibrate, load_model
    from ingest.warehouse import Warehouse

    if not argv or argv[0] != "calibrate":
        print("usage: python -m portfolio.sp500_pit calibrate [home]")
        return 2
    home = argv[1] if len(argv) > 1 else os.environ.get("ECONGRAPH_HOME", ".econgraph")
    sample = calibration_sample(Warehouse(home))
    model = load_model()
    print(f"{len(sample):,} (snapshot, member) pairs on {sample['date'].nunique()} dates "
          f"{sample['date'].min().date()} .. {sample['date'].max().date()}")
    for q in (0.01, 0.05):
        print(calibrate(sample, model, q).to_string())
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
