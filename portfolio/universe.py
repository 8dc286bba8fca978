"""Securities master and price panels of the investable universes.

A :class:`Universe` holds, for one named universe:

* ``securities``: one row per identifier (sorted): ``name``, ``type`` (``stock`` | ``etf``), ``issuer_id`` (the
  legal issuer used by the compliance rules: the SEC CIK for stocks, so GOOG and GOOGL share one; the ticker for an
  ETF, each fund being its own issuer), ``sponsor`` (ETF family), ``gics_sector``, ``gics_sub_industry``,
  ``bea_industry`` (largest exposure), ``exposure_source`` (``crosswalk`` | ``holdings`` | ``user``),
  ``shares_outstanding`` (+ ``shares_outstanding_source``; null where the data have none, never estimated),
  ``expense_ratio_annual`` (decimal), ``eligible_from`` (S&P 'date added' for stocks, first price date for ETFs).
* ``exposures``: identifier x BEA summary industry, rows sum to 1 (stocks through
  ``data/crosswalks/securities_bea.csv``; ETFs from their holdings where at least half of the listed weight maps to
  S&P 500 members, else from the crosswalk's ETF rows).
* ``prices``: trading day x identifier, adjusted close in USD (dividends and splits folded in: a return computed from
  it is a total return). ``volumes``: the same shape in shares, NaN where no volume data exist.

Average daily volume (ADV) and the liquidity class are computed per date from volumes strictly before that date
(:meth:`Universe.adv_shares`, :meth:`Universe.liquidity`): ``ADV_t = mean(volume over the 63 trading days before
t)``, required at least 20 observations within the 92 calendar days before t, else unknown. Liquidity class on ADV in
USD: ``high`` >= $50 million a day, ``medium`` >= $5 million, ``low`` > 0, ``unknown`` when no volume data exist
(never invented).

Universes: ``sp500`` (default: today's S&P 500 members with a price series; with the ``sp500`` warehouse source a
stock is eligible on D only while it is an index member on D (point-in-time membership), and shares outstanding and
ADV are the point-in-time figures of :mod:`portfolio.sp500_pit`, each with its source and as-of date. Without that
source each stock is eligible from its 'date added' of today's list. SURVIVORSHIP BIAS: the price panel holds today's
members, so firms that left the index have no prices; :meth:`Universe.survivorship` counts and names them per date
with their share of the index) and ``sector_etfs`` (US sector and industry ETFs of ``etf_universe.csv``; every one
of them still trades today, so funds that closed are absent: its notes state the count, :func:`etf_survivorship_note`).
A user
universe is a directory in the format of ``portfolio/README.md`` (:func:`load_user_universe`).

The ``sp500`` universe is cached under ``<home>/cache/universe/sp500-<key>.pkl``: the key hashes the warehouse
manifests' keys of ``market`` and ``sp500``, the crosswalk, the liquidity model and this module's, ``sp500_pit``'s and
``compliance/liquidity.py``'s source, so a changed input or code never reads a stale universe (loading it takes a
tenth of a second instead of about two seconds of building).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ingest.errors import IngestError
from ingest.storage import SNAPSHOT_ROOT, verify_snapshot_file

from .sp500_pit import SP500PointInTime, cached_panel, wide

REPO = Path(__file__).resolve().parent.parent
CROSSWALK = REPO / "data" / "crosswalks" / "securities_bea.csv"
ETF_METADATA_2022 = SNAPSHOT_ROOT / "market" / "etf" / "metadata" / "etf_overviews_stockanalysis_20220830.csv"
ETF_SHARES_OUTSTANDING_DATE = "2022-08-30"  # the overview's snapshot date (PROVENANCE.md)

#: The 71 BEA summary industries (input-output accounts, after redefinitions), in the BEA's order.
BEA_SUMMARY = (
    "111CA", "113FF", "211", "212", "213", "22", "23", "321", "327", "331", "332", "333", "334", "335", "3361MV",
    "3364OT", "337", "339", "311FT", "313TT", "315AL", "322", "323", "324", "325", "326", "42", "441", "445", "452",
    "4A0", "481", "482", "483", "484", "485", "486", "487OS", "493", "511", "512", "513", "514", "521CI", "523",
    "524", "525", "HS", "ORE", "532RL", "5411", "5415", "5412OP", "55", "561", "562", "61", "621", "622", "623",
    "624", "711AS", "713", "721", "722", "81", "GFGD", "GFGN", "GFE", "GSLG", "GSLE",
)
UNIVERSES = ("sp500", "sector_etfs")
DEFAULT_UNIVERSE = "sp500"
ADV_WINDOW = 63
ADV_MIN_OBS = 20
ADV_MAX_CALENDAR_DAYS = 92
LIQUIDITY_BANDS_USD = (("high", 50e6), ("medium", 5e6), ("low", 0.0))
HOLDINGS_MIN_MAPPED = 0.5
#: an ETF still trades when its last price is at most this many days before the panel's last day
ETF_TRADING_TOLERANCE_DAYS = 7
SURVIVORSHIP_NOTE = ("Survivorship bias: the sp500 universe is today's S&P 500 list (2026-08); companies that left "
                     "the index (acquired, bankrupt, dropped) are absent, so past performance is overstated.")

PIT_SURVIVORSHIP_NOTE = ("Point-in-time membership: on each date only that date's S&P 500 members are eligible "
                         "(membership history 1996-2026). Remaining survivorship: the price panel holds today's "
                         "members only, so members of a past date that have since left the index have no prices and "
                         "are neither bought nor in any return (counted and named per date under 'survivorship').")
PIT_DATA_NOTE = ("Shares outstanding: estimated (market cap / price) from the last financials snapshot before the "
                 "date; ADV: measured from raw volumes before the date to 2021-04-21, later the calibrated "
                 "market-cap fallback for index members (compliance/config/liquidity_model_v1.json).")


class UniverseError(IngestError):
    """Bad universe input (names the file, row and column)."""


@dataclass
class Universe:
    name: str
    securities: pd.DataFrame
    exposures: pd.DataFrame
    prices: pd.DataFrame
    volumes: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    source_hash: str = ""
    #: point in time: a row of ``exposures`` known only from ``exposure_known_from`` (e.g. a holdings scrape) is
    #: replaced by its ``base_exposures`` row (the crosswalk) on earlier dates; None = known on every date
    base_exposures: pd.DataFrame | None = None
    exposure_known_from: pd.Series | None = None
    #: point-in-time security data (membership, shares outstanding, ADV): :class:`portfolio.sp500_pit.SP500PointInTime`
    pit: Any = None

    @property
    def index(self) -> pd.Index:
        """The identifiers as the securities table's Index (reindexing on it avoids rebuilding an Index)."""
        return self.securities.index

    @property
    def identifiers(self) -> list[str]:
        idx = self.securities.index  # cached per index object: listing an Arrow-backed index costs ~1 ms per call
        if self.__dict__.get("_ids_of") is not idx:
            self.__dict__["_ids_of"], self.__dict__["_ids"] = idx, list(idx)
        return self.__dict__["_ids"]

    def history(self, t: pd.Timestamp | str, days: int | None = None) -> pd.DataFrame:
        """Prices strictly before ``t`` (through the previous close), the last ``days`` rows if given."""
        t = pd.Timestamp(t)
        idx = self.prices.index
        if idx.is_monotonic_increasing:  # the loaders sort by date; a binary search beats a mask over every row
            p = self.prices.iloc[:idx.searchsorted(t, side="left")]
        else:
            p = self.prices.loc[idx < t]
        return p if days is None else p.iloc[-days:]

    def last_close(self, t: pd.Timestamp | str) -> pd.Series:
        """Each security's latest known close strictly before ``t`` (NaN where it never traded before ``t``)."""
        a = self.history(t).to_numpy(float)
        out = np.full(a.shape[1], np.nan)
        if len(a):
            seen = ~np.isnan(a)
            last = a.shape[0] - 1 - np.argmax(seen[::-1], axis=0)
            any_ = seen.any(axis=0)
            out[any_] = a[last[any_], np.flatnonzero(any_)]
        return pd.Series(out, index=self.prices.columns).reindex(self.index)

    def adv_shares(self, t: pd.Timestamp | str) -> pd.Series:
        """Average daily volume in shares over the ``ADV_WINDOW`` trading days before ``t`` (NaN where unknown)."""
        t = pd.Timestamp(t)
        idx = self.volumes.index
        lo_t = t - pd.Timedelta(days=ADV_MAX_CALENDAR_DAYS)
        if idx.is_monotonic_increasing:
            lo, hi = idx.searchsorted(lo_t, side="left"), idx.searchsorted(t, side="left")
            a = self.volumes.to_numpy(float)[max(lo, hi - ADV_WINDOW):hi]
        else:
            a = self.volumes.loc[(idx < t) & (idx >= lo_t)].iloc[-ADV_WINDOW:].to_numpy(float)
        n = np.isfinite(a).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(n > 0, np.nansum(a, axis=0) / np.maximum(n, 1), np.nan)
        mean[n < ADV_MIN_OBS] = np.nan
        return pd.Series(mean, index=self.volumes.columns).reindex(self.index)

    def liquidity(self, t: pd.Timestamp | str) -> pd.DataFrame:
        """``adv_shares``, ``adv_usd`` (ADV x previous close) and ``liquidity_class`` as of ``t``; with point-in-time
        data (``pit``) also the ADV's basis, as-of date and the market cap used (:mod:`portfolio.sp500_pit`)."""
        t = pd.Timestamp(t)
        if self.pit is not None:
            out = self.pit.liquidity(t, self.last_close(t)).reindex(self.index)
            usd = out["adv_usd"]
        else:
            adv = self.adv_shares(t)
            usd = adv * self.last_close(t).reindex(adv.index)
            out = pd.DataFrame({"adv_shares": adv, "adv_usd": usd}, index=adv.index)
        v = usd.to_numpy(float)
        known = np.isfinite(v) & (v > 0)
        cls = np.select([known & (v >= f) for _, f in LIQUIDITY_BANDS_USD], [n for n, _ in LIQUIDITY_BANDS_USD],
                        default="unknown")
        out.insert(2, "liquidity_class", cls.astype(object))
        return out

    def exposures_at(self, t: pd.Timestamp | str) -> pd.DataFrame:
        """The exposure matrix a decision on ``t`` may use: rows not yet known on ``t`` fall back to their base."""
        if self.exposure_known_from is None:
            return self.exposures
        late = (self.exposure_known_from.reindex(self.exposures.index) > pd.Timestamp(t)).fillna(False).to_numpy()
        if not late.any():
            return self.exposures
        key = late.tobytes()
        cache = self.__dict__.setdefault("_exposures_at", {})
        if key not in cache:
            e = self.exposures.copy()
            base = self.base_exposures.reindex(index=e.index[late], columns=e.columns, fill_value=0.0)
            e.loc[e.index[late]] = base.to_numpy()
            cache[key] = e
        return cache[key]

    def securities_at(self, t: pd.Timestamp | str) -> pd.DataFrame:
        """The securities table as known on ``t``: ``shares_outstanding`` observed later
        (``shares_outstanding_known_from`` > ``t``) is unknown (NaN) on ``t``."""
        sec = self.securities
        if self.pit is not None:
            sh = self.pit.shares(pd.Timestamp(t)).reindex(sec.index)
            return sec.drop(columns=[c for c in sh.columns if c in sec.columns]).join(sh)
        if "shares_outstanding_known_from" not in sec.columns:
            return sec
        late = (sec["shares_outstanding_known_from"] > pd.Timestamp(t)).fillna(False).to_numpy()
        if not late.any():
            return sec
        out = sec.copy()
        out.loc[late, "shares_outstanding"] = np.nan
        return out

    def master(self, t: pd.Timestamp | str | None = None) -> pd.DataFrame:
        """The securities master as of ``t`` (default: the day after the last price): static columns plus ADV,
        liquidity class and the exposure vector (JSON, BEA code -> weight)."""
        t = pd.Timestamp(t) if t is not None else self.prices.index.max() + pd.Timedelta(days=1)
        out = self.securities_at(t).join(self.liquidity(t))
        out["exposure"] = [json.dumps({k: round(float(v), 6) for k, v in row[row > 0].items()}, sort_keys=True)
                           for _, row in self.exposures_at(t).reindex(out.index).iterrows()]
        return out

    def eligible(self, t: pd.Timestamp | str) -> pd.Series:
        """True where the security may be bought on ``t``: eligible_from <= t and a positive previous close."""
        t = pd.Timestamp(t)
        h = self.history(t)
        last = h.iloc[-1] if len(h) else pd.Series(np.nan, index=self.identifiers)
        if self.pit is not None:  # an index member on t (point in time), not 'date added' of today's list
            member = pd.Series(self.pit.is_member(t), index=self.pit.ids).reindex(self.index).fillna(False)
            ok = member.astype(bool) & last.reindex(self.index).gt(0)
        else:
            ok = (self.securities["eligible_from"] <= t) & last.reindex(self.index).gt(0)
        return ok.fillna(False).astype(bool)

    def survivorship(self, t: pd.Timestamp | str) -> dict[str, Any] | None:
        """Index members on ``t`` without a price on the previous close (named, with their share of the index);
        None for a universe without point-in-time membership."""
        if self.pit is None:
            return None
        t = pd.Timestamp(t)
        h = self.history(t)
        priced = self.index[h.iloc[-1].reindex(self.index).gt(0).to_numpy()] if len(h) else self.index[:0]
        return self.pit.survivorship(t, priced)

    def industry_coverage(self) -> pd.DataFrame:
        """Per BEA industry: number of securities with exposure and total exposure; industries with no listed
        proxy have ``n_securities == 0`` and are reported as such (no return can be computed for them)."""
        e = self.exposures.reindex(columns=list(BEA_SUMMARY), fill_value=0.0)
        return pd.DataFrame({"n_securities": (e > 0).sum().astype(int), "total_exposure": e.sum()},
                            index=pd.Index(BEA_SUMMARY, name="bea_code"))


# ------------------------------------------------------------------------------------------------ crosswalk
def read_crosswalk(path: Path = CROSSWALK) -> pd.DataFrame:
    """Read and validate ``securities_bea.csv`` (codes among the 71, weights in (0, 1] summing to 1 per key)."""
    try:
        cw = pd.read_csv(path, dtype={"kind": str, "key": str, "bea_code": str, "weight": float, "reasoning": str},
                         keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise UniverseError(f"crosswalk unreadable: {exc}", path=path) from exc
    need = ["kind", "key", "bea_code", "weight", "reasoning"]
    if list(cw.columns) != need:
        raise UniverseError("crosswalk header", path=path, row=1, expected=",".join(need), got=",".join(cw.columns))
    for i, r in cw.iterrows():
        if r["bea_code"] not in BEA_SUMMARY:
            raise UniverseError("unknown BEA code", path=path, row=i + 2, column="bea_code",
                                expected="one of the 71 BEA summary codes", got=r["bea_code"])
        if not 0 < r["weight"] <= 1 or r["kind"] not in ("gics_sub_industry", "etf") or not r["reasoning"].strip():
            raise UniverseError("bad crosswalk row", path=path, row=i + 2,
                                expected="kind gics_sub_industry|etf, 0 < weight <= 1, a reasoning", got=dict(r))
    sums = cw.groupby(["kind", "key"])["weight"].sum()
    bad = sums[(sums - 1).abs() > 1e-9]
    if len(bad):
        raise UniverseError("crosswalk weights do not sum to 1", path=path, column="weight",
                            expected="1 per (kind, key)", got=bad.head(3).to_dict())
    if cw.duplicated(["kind", "key", "bea_code"]).any():
        raise UniverseError("duplicated crosswalk row", path=path, got=cw[cw.duplicated(["kind", "key", "bea_code"])]
                            .head(1).to_dict("records"))
    return cw


def _crosswalk_matrix(cw: pd.DataFrame, kind: str) -> pd.DataFrame:
    sub = cw[cw["kind"] == kind]
    return sub.pivot_table(index="key", columns="bea_code", values="weight", aggfunc="sum", fill_value=0.0)


def _hash_frames(*objs) -> str:
    h = hashlib.sha256()
    for o in objs:
        if isinstance(o, (pd.DataFrame, pd.Series)):
            h.update(pd.util.hash_pandas_object(o, index=True).to_numpy().tobytes())
            cols = o.columns if isinstance(o, pd.DataFrame) else [o.name]
            h.update(json.dumps([str(c) for c in cols]).encode())
        else:
            h.update(str(o).encode())
    return h.hexdigest()


def _finish(name, sec, exp, prices, volumes, notes, extra_hash="", base_exposures=None,
            exposure_known_from=None) -> Universe:
    sec = sec.sort_index()
    if sec.empty:
        raise UniverseError(f"universe {name!r} is empty: no security has both a master row and prices")
    exp = exp.reindex(index=sec.index, columns=list(BEA_SUMMARY), fill_value=0.0)
    sec["bea_industry"] = exp.idxmax(axis=1).where(exp.max(axis=1) > 0)
    prices = prices.reindex(columns=sec.index).sort_index()
    volumes = volumes.reindex(index=prices.index, columns=sec.index)
    extra = []
    if exposure_known_from is not None:
        base_exposures = base_exposures.reindex(index=sec.index, columns=list(BEA_SUMMARY), fill_value=0.0)
        exposure_known_from = exposure_known_from.reindex(sec.index)
        extra = [base_exposures, exposure_known_from.astype(str)]
    h = _hash_frames(sec.astype(str), exp, prices, volumes, *extra, extra_hash)
    return Universe(name=name, securities=sec, exposures=exp, prices=prices, volumes=volumes, notes=notes,
                    source_hash=h, base_exposures=base_exposures, exposure_known_from=exposure_known_from)


# ------------------------------------------------------------------------------------------------ built-ins
def load_universe(name: str, warehouse, *, security_data: str | Path | None = None) -> Universe:
    """Load a named universe from the warehouse (``market`` source ingested), or a user universe directory.

    ``security_data``: optional CSV ``identifier,shares_outstanding,adv_shares`` supplying licensed data the
    snapshot lacks (shares outstanding of stocks, volumes); it overrides the master's values (source ``user``).
    """
    if name == "sp500":
        uni = _load_sp500(warehouse)
    elif name == "sector_etfs":
        uni = _load_sector_etfs(warehouse)
    elif Path(name).is_dir():
        uni = load_user_universe(Path(name))
    else:
        raise UniverseError(f"unknown universe {name!r}: use one of {', '.join(UNIVERSES)} or a directory in the "
                            "format of portfolio/README.md")
    if security_data is not None:
        _apply_security_data(uni, Path(security_data))
    return uni


#: bump when the cached sp500 universe's construction changes in a way the source hashes below do not capture
UNIVERSE_CACHE_VERSION = "1"
_CODE = (Path(__file__), Path(__file__).with_name("sp500_pit.py"), REPO / "compliance" / "liquidity.py")


def _sp500_cache_key(wh) -> str:
    """What the sp500 universe is a function of: the warehouse manifests' keys (inputs, parser and code of each
    source), the crosswalk, the liquidity model and the code that builds it."""
    from compliance.liquidity import MODEL_PATH

    parts = [UNIVERSE_CACHE_VERSION, (wh.manifest("market") or {}).get("key"),
             (wh.manifest("sp500") or {}).get("key") if wh.has("sp500") else "no-sp500",
             _file_hash(CROSSWALK), _file_hash(MODEL_PATH), *(_file_hash(p) for p in _CODE)]
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:24]


def _load_sp500(wh) -> Universe:
    """The sp500 universe, from ``<home>/cache/universe/sp500-<key>.pkl`` when its key (:func:`_sp500_cache_key`)
    matches, else built from the warehouse and cached (written atomically; older entries removed). A pickle our
    own code wrote under the fund's home, read only when every input's hash matches; unreadable: rebuilt."""
    import pickle

    from ingest.storage import atomic_write_bytes

    folder = Path(wh.home) / "cache" / "universe"
    path = folder / f"sp500-{_sp500_cache_key(wh)}.pkl"
    if path.exists():
        try:
            uni = pickle.loads(path.read_bytes())
            if isinstance(uni, Universe):
                return uni
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            pass
    uni = _build_sp500(wh)
    if uni.pit is not None:
        uni.pit._cache.clear()
    atomic_write_bytes(path, pickle.dumps(uni, protocol=pickle.HIGHEST_PROTOCOL))
    for old in folder.glob("sp500-*.pkl"):
        if old != path:
            old.unlink(missing_ok=True)
    return uni


def _build_sp500(wh) -> Universe:
    cons = wh.read("market_sp500_constituents")
    cons = cons[cons["in_price_panel"]].copy()
    cw = read_crosswalk()
    sub = _crosswalk_matrix(cw, "gics_sub_industry")
    missing = sorted(set(cons["gics_sub_industry"]) - set(sub.index))
    if missing:
        raise UniverseError("GICS sub-industries missing from the crosswalk", path=CROSSWALK, got=missing[:5])
    sec = pd.DataFrame({
        "name": cons["security"].to_numpy(), "type": "stock", "issuer_id": ("CIK" + cons["cik"]).to_numpy(),
        "sponsor": None, "gics_sector": cons["gics_sector"].to_numpy(),
        "gics_sub_industry": cons["gics_sub_industry"].to_numpy(), "exposure_source": "crosswalk",
        "shares_outstanding": np.nan, "shares_outstanding_source": "not in snapshot",
        "expense_ratio_annual": 0.0, "eligible_from": pd.to_datetime(cons["date_added"]).to_numpy(),
    }, index=pd.Index(cons["yahoo_symbol"].to_numpy(), name="identifier"))
    exp = sub.reindex(cons["gics_sub_industry"]).set_axis(sec.index)
    prices = cached_panel(wh, "sp500_adj_close", "market", lambda: wide(
        wh.read("market_sp500_prices", columns=["date", "symbol", "adj_close_usd"]), "date", "symbol",
        "adj_close_usd"))
    volumes = pd.DataFrame(np.nan, index=prices.index, columns=prices.columns)
    if not wh.has("sp500"):
        return _finish("sp500", sec, exp, prices, volumes, [SURVIVORSHIP_NOTE,
                       "No volume or shares-outstanding data for stocks in the warehouse (run `econgraph ingest "
                       "--source sp500`): ADV and liquidity are 'unknown'; supply them with security_data "
                       "(portfolio/README.md)."], _file_hash(CROSSWALK))
    from compliance.liquidity import MODEL_PATH

    uni = _finish("sp500", sec, exp, prices, volumes, [PIT_SURVIVORSHIP_NOTE, PIT_DATA_NOTE],
                  _file_hash(CROSSWALK) + wh.manifest("sp500")["key"] + _file_hash(MODEL_PATH))
    uni.pit = SP500PointInTime.from_warehouse(wh, uni.index, uni.prices)
    return uni


def _file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def etf_shares_outstanding_2022() -> pd.Series:
    """Shares outstanding per ETF from the stockanalysis.com overview of 2022-08-30 (millions as a float, or a
    quoted raw count with commas). The file is verified against the snapshot checksums."""
    verify_snapshot_file(ETF_METADATA_2022)
    m = pd.read_csv(ETF_METADATA_2022, dtype=str, keep_default_na=False)
    m = m.rename(columns={m.columns[0]: "ticker"})
    out = {}
    for i, (t, v) in enumerate(zip(m["ticker"], m["SharesOut"])):
        v = v.strip()
        if v in ("", "n/a"):
            continue
        try:
            out[t.strip()] = float(v.replace(",", "")) if "," in v else float(v) * 1e6
        except ValueError as exc:
            raise UniverseError("SharesOut does not parse", path=ETF_METADATA_2022, row=i + 2, column="SharesOut",
                                expected="millions or a count with commas", got=v) from exc
    return pd.Series(out, dtype=float)


def _load_sector_etfs(wh) -> Universe:
    u = wh.read("market_etf_universe")
    u = u[u["role"].isin(["sector", "industry"])].copy()
    cw = read_crosswalk()
    etf_rows = _crosswalk_matrix(cw, "etf")
    missing = sorted(set(u["ticker"]) - set(etf_rows.index))
    if missing:
        raise UniverseError("ETFs missing from the crosswalk", path=CROSSWALK, got=missing[:5])
    exp = etf_rows.reindex(u["ticker"]).copy()
    base = exp.fillna(0.0).copy()
    known_from = pd.Series(pd.NaT, index=u["ticker"].to_numpy(), dtype="datetime64[ns]")
    source = pd.Series("crosswalk", index=u["ticker"].to_numpy(), dtype=object)
    hold = wh.read("market_etf_holdings")
    cons = wh.read("market_sp500_constituents")
    sub = _crosswalk_matrix(cw, "gics_sub_industry")
    stock_exp = sub.reindex(cons["gics_sub_industry"]).set_axis(cons["symbol"].to_numpy()).fillna(0.0)
    for etf, g in hold.groupby("etf"):
        if etf not in exp.index:
            continue
        g = g[g["weight_pct"] > 0]
        listed = g["weight_pct"].sum()
        mapped = g[g["holding"].isin(stock_exp.index)]
        if listed <= 0 or mapped["weight_pct"].sum() < HOLDINGS_MIN_MAPPED * listed:
            continue
        w = mapped.set_index("holding")["weight_pct"]
        vec = stock_exp.loc[w.index].mul(w, axis=0).sum() / w.sum()
        exp.loc[etf] = vec.reindex(exp.columns, fill_value=0.0)
        extra = sorted(set(vec.index[vec > 0]) - set(exp.columns))
        for code in extra:
            exp[code] = 0.0
            exp.loc[etf, code] = vec[code]
        source[etf] = "holdings"
        # the scrape is known after its date's close: before it, the ETF's exposure is its crosswalk row
        known_from[etf] = pd.Timestamp(g["asof_date"].max()) + pd.Timedelta(days=1)
    exp = exp.fillna(0.0)
    exp = exp.div(exp.sum(axis=1), axis=0)
    so = etf_shares_outstanding_2022()
    sec = pd.DataFrame({
        "name": u["name_yahoo_c2020"].fillna(u["ticker"] + " (" + u["index_or_strategy"].fillna("") + ")").to_numpy(),
        "type": "etf", "issuer_id": u["ticker"].to_numpy(), "sponsor": u["issuer_family"].to_numpy(),
        "gics_sector": u["gics_sector"].to_numpy(), "gics_sub_industry": u["sub_industry_or_theme"].to_numpy(),
        "exposure_source": source.reindex(u["ticker"]).to_numpy(),
        "shares_outstanding": so.reindex(u["ticker"]).to_numpy(),
        "expense_ratio_annual": (u["expense_ratio_pct_sa20220830"].fillna(u["expense_ratio_pct_yahoo_c2020"])
                                 / 100).fillna(0.0).to_numpy(),
        "eligible_from": pd.to_datetime(u["first_price_date"]).to_numpy(),
    }, index=pd.Index(u["ticker"].to_numpy(), name="identifier"))
    sec["shares_outstanding_source"] = np.where(sec["shares_outstanding"].notna(),
                                                "stockanalysis.com 2022-08-30 snapshot", "not in snapshot")
    # observed on 2022-08-30: unknown to any decision before 2022-08-31 (Universe.securities_at)
    sec["shares_outstanding_known_from"] = pd.Timestamp(ETF_SHARES_OUTSTANDING_DATE) + pd.Timedelta(days=1)
    px = wh.read("market_etf_prices", columns=["date", "ticker", "adj_close_usd"])
    px = px[px["ticker"].isin(sec.index)]
    prices = px.pivot(index="date", columns="ticker", values="adj_close_usd")
    bars = wh.read("market_etf_ohlcv", columns=["date", "ticker", "adjustment", "volume_shares"])
    bars = bars[bars["ticker"].isin(sec.index)].sort_values(["ticker", "date", "adjustment"])
    bars = bars.drop_duplicates(["ticker", "date"], keep="last")
    volumes = bars.pivot(index="date", columns="ticker", values="volume_shares").astype(float)
    return _finish("sector_etfs", sec, exp, prices, volumes, [
        etf_survivorship_note(prices.reindex(columns=sec.index)),
        "Volumes exist only for the 11 SPDR sector funds (to 2026-02-06) and XLP/XLY/SPY (to 2026-05-29); other "
        "ETFs have ADV 'unknown'. Shares outstanding: 2022-08-30 snapshot where listed (none for SPDR funds), "
        "unknown to decisions before 2022-08-31.",
        "Holdings-based exposures use each ETF's last 2021-2022 holdings scrape from the day after it; earlier "
        "dates use the ETF's crosswalk row."],
        _file_hash(CROSSWALK), base_exposures=base, exposure_known_from=known_from)


def etf_survivorship_note(prices: pd.DataFrame) -> str:
    """The survivorship of the ETF universe, from its price panel (date x ticker): how many of its funds still trade
    (a price within :data:`ETF_TRADING_TOLERANCE_DAYS` of the panel's last day) and which stopped."""
    last_day = prices.index.max()
    last = prices.apply(lambda c: c.last_valid_index())
    alive = last.notna() & (last >= last_day - pd.Timedelta(days=ETF_TRADING_TOLERANCE_DAYS))
    n, k = int(len(last)), int(alive.sum())
    head = (f"Survivorship: all {n} sector/industry ETFs in the universe still trade today" if k == n else
            f"Survivorship: {k} of the {n} sector/industry ETFs in the universe still trade today (stopped: "
            + ", ".join(f"{t} {pd.Timestamp(d).date() if pd.notna(d) else 'never priced'}"
                        for t, d in last[~alive].items()) + ")")
    return (f"{head} (price on or within {ETF_TRADING_TOLERANCE_DAYS} days of the panel's last day, "
            f"{pd.Timestamp(last_day).date()}): the fund list is today's, so sector and industry funds that "
            "closed or merged before it are absent and the choice of funds on past dates is overstated.")


# ------------------------------------------------------------------------------------------------ user data
USER_SECURITY_COLUMNS = ("identifier", "name", "type", "issuer_id", "gics_sector", "gics_sub_industry",
                         "eligible_from")


def load_user_universe(directory: Path) -> Universe:
    """A user universe: ``securities.csv`` (columns :data:`USER_SECURITY_COLUMNS`, optional ``shares_outstanding``,
    ``expense_ratio_annual``), ``prices.csv`` (format of :func:`ingest.market.load_user_prices`) and optional
    ``exposures.csv`` (``identifier,bea_code,weight``; else exposures come from the GICS sub-industry crosswalk)."""
    from ingest.market import load_user_prices

    path = directory / "securities.csv"
    if not path.exists():
        raise UniverseError("user universe has no securities.csv", path=path)
    sec = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in USER_SECURITY_COLUMNS if c not in sec.columns]
    if missing:
        raise UniverseError("missing column", path=path, row=1, column=missing[0],
                            expected=",".join(USER_SECURITY_COLUMNS), got=",".join(sec.columns))
    if sec["identifier"].duplicated().any():
        i = int(np.flatnonzero(sec["identifier"].duplicated().to_numpy())[0])
        raise UniverseError("duplicated identifier", path=path, row=i + 2, column="identifier",
                            got=sec["identifier"].iloc[i])
    for i, r in sec.iterrows():
        if r["type"] not in ("stock", "etf"):
            raise UniverseError("unknown type", path=path, row=i + 2, column="type", expected="stock or etf",
                                got=r["type"])
        if pd.isna(pd.to_datetime(r["eligible_from"], format="%Y-%m-%d", errors="coerce")):
            raise UniverseError("date does not parse", path=path, row=i + 2, column="eligible_from",
                                expected="YYYY-MM-DD", got=r["eligible_from"])
    out = sec.set_index("identifier")[list(USER_SECURITY_COLUMNS[1:])].copy()
    out["eligible_from"] = pd.to_datetime(out["eligible_from"])
    out["sponsor"] = None
    so = pd.to_numeric(sec.set_index("identifier").get("shares_outstanding", pd.Series(dtype=str)),
                       errors="coerce")
    out["shares_outstanding"] = so.reindex(out.index)
    out["shares_outstanding_source"] = np.where(out["shares_outstanding"].notna(), "user", "not supplied")
    er = pd.to_numeric(sec.set_index("identifier").get("expense_ratio_annual", pd.Series(dtype=str)),
                       errors="coerce")
    out["expense_ratio_annual"] = er.reindex(out.index).fillna(0.0)
    cw = read_crosswalk()
    exp_path = directory / "exposures.csv"
    if exp_path.exists():
        e = pd.read_csv(exp_path, dtype={"identifier": str, "bea_code": str, "weight": float})
        bad = e[~e["bea_code"].isin(BEA_SUMMARY) | ~e["identifier"].isin(out.index)]
        if len(bad):
            raise UniverseError("unknown BEA code or identifier", path=exp_path, row=int(bad.index[0]) + 2,
                                got=bad.iloc[0].to_dict())
        exp = e.pivot_table(index="identifier", columns="bea_code", values="weight", aggfunc="sum", fill_value=0)
        exp = exp.div(exp.sum(axis=1), axis=0)
        out["exposure_source"] = np.where(out.index.isin(exp.index), "user", "none")
    else:
        sub = _crosswalk_matrix(cw, "gics_sub_industry")
        exp = sub.reindex(out["gics_sub_industry"]).set_axis(out.index).fillna(0.0)
        out["exposure_source"] = np.where(exp.sum(axis=1) > 0, "crosswalk", "none")
    px = load_user_prices(directory / "prices.csv")
    unknown = sorted(set(px["identifier"]) - set(out.index))
    if unknown:
        raise UniverseError("prices for an identifier not in securities.csv", path=directory / "prices.csv",
                            column="identifier", got=unknown[0])
    prices = px.pivot(index="date", columns="identifier", values="adj_close_usd").astype(float)
    volumes = px.pivot(index="date", columns="identifier", values="volume_shares").astype(float)
    return _finish(directory.name, out, exp, prices, volumes, ["User universe: survivorship and data quality are "
                                                                "the supplier's responsibility."],
                   _file_hash(path) + _file_hash(directory / "prices.csv"))


def _apply_security_data(uni: Universe, path: Path) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "identifier" not in df.columns:
        raise UniverseError("missing column", path=path, row=1, column="identifier")
    for i, ident in enumerate(df["identifier"]):
        if ident not in uni.securities.index:
            raise UniverseError("identifier not in the universe", path=path, row=i + 2, column="identifier",
                                got=ident)
    idx = df["identifier"].to_numpy()
    if "shares_outstanding" in df.columns:
        v = pd.to_numeric(df["shares_outstanding"], errors="coerce").to_numpy()
        uni.securities.loc[idx, "shares_outstanding"] = v
        uni.securities.loc[idx[~np.isnan(v)], "shares_outstanding_source"] = "user"
        if "shares_outstanding_known_from" in uni.securities.columns:  # the user's figure applies to every date
            uni.securities.loc[idx[~np.isnan(v)], "shares_outstanding_known_from"] = pd.NaT
    if "adv_shares" in df.columns:
        v = pd.to_numeric(df["adv_shares"], errors="coerce")
        for ident, a in zip(idx, v):
            if pd.notna(a):  # a constant ADV supplied by the user: fill the volume panel where it has no data
                col = uni.volumes[ident]
                uni.volumes[ident] = col.fillna(float(a))
    uni.source_hash = _hash_frames(uni.source_hash, _file_hash(path))
