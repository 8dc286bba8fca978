"""Benchmark compositions over a universe, and the cap-weighted S&P 500 rebuilt point in time from its constituents.

A benchmark composition is a function of the decision date, ``b(t)`` (:class:`BenchmarkComposition`: weights over
the universe's identifiers summing to 1, and what they were built from). :mod:`portfolio.mandate` maps a mandate's
``benchmark.weights.method`` to a factory ``factory(mandate, universe, benchmark_returns) -> b``; this module
defines ``cap_weighted``.

``cap_weighted`` (a universe with point-in-time index data, :mod:`portfolio.sp500_pit`): for decision date ``t``

* members: the index members on ``t`` (``start_date <= t < end_date``) with a positive previous close;
* market cap of member ``i``: from the last financials snapshot ``s_i < t`` that knows ``i`` (at most
  ``max_snapshot_age_days`` old), drifted with its price to the previous close (``drift_with_prices``):

      cap_i(t) = mcap_i(s_i) x P_i(t-1) / P_i(s_i)

  with ``P`` the adjusted close (so splits drop out; dividends make the drift overstate a cap by the dividend yield
  since ``s_i``, about the same for every member, so weights barely move). Share counts are those of the snapshot:
  buybacks and issuance after ``s_i`` are not seen (the snapshots have a 6.7-year gap, 2018-02-08 .. 2024-10-10);
* one company, one cap: the snapshots give each share class the whole company's market cap (GOOG and GOOGL both
  carry Alphabet's), so the classes of one issuer (``issuer_id``) in the weights share the mean of their figures
  equally (the class split is not in the data; an equal split is a stated approximation);
* weights ``b_i(t) = cap_i(t) / sum_j cap_j(t)`` over members with a price and a cap.

Survivorship, stated per date in ``info``: members without a price (companies that left the index since are absent
from the price panel) and members without a market cap in any snapshot before ``t`` (e.g. a company added between
two snapshots) are not in the weights; their count and, for the unpriced, their share of the index by market cap are
recorded. The benchmark is therefore the priced, snapshot-known part of the index, renormalised.

Total return (:meth:`CapWeighted.total_returns`): on each trading day ``d``, ``r_b(d) = sum_i b_i(d) r_i(d)``
with ``b(d)`` as above (weights at the close of ``d-1``) and ``r_i(d)`` the adjusted-close return: dividends are
included (reinvested in the stock that paid them), there are no costs. A member without a close on ``d`` returns 0
that day (valued at its last close, as the backtest does). :func:`compare_to_proxy` sets that series beside the
proxy ETF's (SPY's) adjusted-close return over the same dates: annual return of each, the gap, and the tracking
error between them, a sanity check of the reconstruction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ingest.errors import IngestError

TRADING_DAYS = 252


class BenchmarkError(IngestError):
    """A benchmark cannot be built (names the mandate file, the field or the date, and what is missing)."""


@dataclass
class BenchmarkComposition:
    weights: pd.Series  # over the universe's identifiers, sums to 1
    info: dict = field(default_factory=dict)


def _membership(pit, days: pd.DatetimeIndex, ids: pd.Index) -> np.ndarray:
    """days x ids: True where the identifier is an index member on the day (``start <= d < end``)."""
    out = np.zeros((len(days), len(ids)), dtype=bool)
    col = ids.get_indexer(pit.intervals["identifier"])
    d64 = days.to_numpy("datetime64[ns]")
    for j, s, e in zip(col, pit.intervals["start_date"], pit.intervals["end_date"]):
        if j < 0:
            continue
        lo = np.searchsorted(d64, np.datetime64(pd.Timestamp(s), "ns"), side="left")
        hi = len(d64) if pd.isna(e) else np.searchsorted(d64, np.datetime64(pd.Timestamp(e), "ns"), side="left")
        out[lo:hi, j] = True
    return out


class CapWeighted:
    """``cap_weighted``: index members on ``t`` weighted by market cap (last snapshot before ``t``, drifted with
    prices). Callable ``b(t)``; :meth:`total_returns` gives the daily benchmark return series."""

    method = "cap_weighted"

    def __init__(self, mandate, universe, bench_returns: pd.Series | None = None) -> None:
        pit = getattr(universe, "pit", None)
        if pit is None:
            raise BenchmarkError(f"benchmark method 'cap_weighted' needs point-in-time index data (membership and "
                                 f"market-cap snapshots), which universe {universe.name!r} does not have",
                                 path=mandate.path, column="benchmark.weights.method",
                                 expected="a universe with index membership history (sp500 with its warehouse "
                                          "source)", got=universe.name)
        cfg = mandate.benchmark["weights"]
        self.universe, self.pit = universe, pit
        self.max_age = int(cfg.get("max_snapshot_age_days", 3000))
        self.drift = bool(cfg.get("drift_with_prices", True))
        self.ids = pd.Index(universe.identifiers)
        # column j of the snapshot arrays for each universe identifier (-1: not in the point-in-time panel)
        self._col = pit.ids.get_indexer(self.ids)
        # issuers with more than one share class in the universe: column groups whose caps are one company's
        iss = universe.securities["issuer_id"].reindex(self.ids) if "issuer_id" in universe.securities else None
        self._classes: list[np.ndarray] = []
        if iss is not None:
            pos = pd.Series(np.arange(len(self.ids)), index=self.ids)
            for _, g in iss.dropna().groupby(iss.dropna()):
                if len(g) > 1:
                    self._classes.append(pos[g.index].to_numpy())
        self._cache: dict[pd.Timestamp, BenchmarkComposition] = {}
        self._returns: pd.Series | None = None

    # ------------------------------------------------------------------ caps on a day
    def _caps(self, k: np.ndarray, day64: np.ndarray, prev_close: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Market caps (rows: days with snapshot row ``k``) and the mask of caps known within the maximum age."""
        pit, col = self.pit, self._col
        ok_col = col >= 0
        kk = np.maximum(k, 0)
        src = pit.so_book if self.drift else pit.mcap
        base = np.full((len(k), len(col)), np.nan)
        base[:, ok_col] = src[kk][:, col[ok_col]]
        asof = np.full((len(k), len(col)), np.datetime64("NaT"), dtype="datetime64[ns]")
        asof[:, ok_col] = pit.mcap_asof[kk][:, col[ok_col]]
        age = (day64[:, None] - asof).astype("timedelta64[D]").astype(float)
        age[np.isnat(asof)] = np.nan
        known = np.isfinite(base) & np.isfinite(age) & (age <= self.max_age) & (k[:, None] >= 0)
        cap = base * prev_close if self.drift else base
        known &= np.isfinite(cap) & (cap > 0)
        return np.where(known, cap, 0.0), known

    def _one_cap_per_issuer(self, c: np.ndarray) -> np.ndarray:
        """``c`` (days x ids, 0 where unused): each multi-class issuer's used classes share the mean of their caps
        equally."""
        c = c.copy()
        for cols in self._classes:
            sub = c[:, cols]
            n = (sub > 0).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                each = np.where(n > 0, sub.sum(axis=1) / np.maximum(n, 1) ** 2, 0.0)
            c[:, cols] = np.where(sub > 0, each[:, None], 0.0)
        return c

    def __call__(self, t: pd.Timestamp) -> BenchmarkComposition:
        t = pd.Timestamp(t)
        if t in self._cache:
            return self._cache[t]
        pit, u = self.pit, self.universe
        k = pit._snap_row(t)
        if k < 0:
            raise BenchmarkError(f"cap-weighted benchmark for {t.date()}: no market-cap snapshot before the date "
                                 f"(first {pd.Timestamp(pit.snap_dates[0]).date()})", column="date",
                                 expected="a date after the first financials snapshot", got=str(t.date()))
        last = u.last_close(t).reindex(self.ids).to_numpy(float)
        priced = np.isfinite(last) & (last > 0)
        member = pd.Series(pit.is_member(t), index=pit.ids).reindex(self.ids).fillna(False).to_numpy(bool)
        cap, known = self._caps(np.array([k]), np.array([np.datetime64(t, "ns")]), last[None, :])
        use = member & priced & known[0]
        if not use.any():
            raise BenchmarkError(f"cap-weighted benchmark for {t.date()}: no member has both a price and a market "
                                 f"cap", column="date", got=str(t.date()))
        c = self._one_cap_per_issuer(np.where(use, cap[0], 0.0)[None, :])[0]
        w = pd.Series(c / c.sum(), index=self.ids)
        surv = u.survivorship(t) or {}
        asof = pit.mcap_asof[k][self._col[use & (self._col >= 0)]]
        no_cap = self.ids[member & priced & ~known[0]]
        info = {"method": self.method, "snapshot_date": str(pd.Timestamp(pit.snap_dates[k]).date()),
                "oldest_cap_used": str(pd.Timestamp(asof.min()).date()) if len(asof) else None,
                "drift_with_prices": self.drift, "n_constituents": int(use.sum()),
                "n_members": surv.get("n_members"), "n_members_unpriced": surv.get("n_unpriced_members"),
                "unpriced_share_by_market_cap": surv.get("unpriced_share_by_market_cap"),
                "n_members_without_cap": int(len(no_cap)), "members_without_cap": list(no_cap),
                "multi_class_issuers": len(self._classes),
                "top5": {s: round(float(v), 6) for s, v in w.nlargest(5).items()}}
        out = BenchmarkComposition(w, info)
        self._cache[t] = out
        return out

    # ------------------------------------------------------------------ daily total return
    def total_returns(self) -> pd.Series:
        """Daily total return of the benchmark (see the module docstring), from the day after the first snapshot."""
        if self._returns is not None:
            return self._returns
        px = self.universe.prices.reindex(columns=self.ids).sort_index()
        pf = px.ffill()
        days = px.index[px.index > pd.Timestamp(self.pit.snap_dates[0])]
        prev = pf.shift(1).reindex(days).to_numpy(float)
        ret = (pf / pf.shift(1) - 1).reindex(days).to_numpy(float)
        k = np.searchsorted(self.pit.snap_dates, days.to_numpy("datetime64[ns]"), side="left") - 1
        cap, known = self._caps(k, days.to_numpy("datetime64[ns]"), prev)
        member = _membership(self.pit, days, self.ids)
        use = member & known & np.isfinite(prev) & (prev > 0)
        c = self._one_cap_per_issuer(np.where(use, cap, 0.0))
        tot = c.sum(axis=1)
        r = np.where(use, np.nan_to_num(ret, nan=0.0), 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = (c * r).sum(axis=1) / tot
        self._returns = pd.Series(np.where(tot > 0, out, np.nan), index=days, name="benchmark").dropna()
        return self._returns


def compare_to_proxy(rb: pd.Series, proxy: pd.Series, start, end, name: str) -> dict[str, Any]:
    """The reconstructed benchmark's daily total return against the proxy's over the days both have in
    [start, end]: annual (geometric) returns, their gap, and the tracking error between them."""
    idx = rb.index[(rb.index >= pd.Timestamp(start)) & (rb.index <= pd.Timestamp(end))]
    both = pd.DataFrame({"b": rb.reindex(idx), "p": proxy.reindex(idx)}).dropna()
    n = len(both)
    if n < 2:
        return {"proxy": name, "n_days": n}
    yrs = n / TRADING_DAYS
    cb = float((1 + both["b"]).prod() ** (1 / yrs) - 1)
    cp_ = float((1 + both["p"]).prod() ** (1 / yrs) - 1)
    d = both["b"] - both["p"]
    return {"proxy": name, "start": str(both.index[0].date()), "end": str(both.index[-1].date()), "n_days": n,
            "benchmark_annual_return": cb, "proxy_annual_return": cp_, "gap_annual": cb - cp_,
            "tracking_error": float(d.std() * np.sqrt(TRADING_DAYS)),
            "correlation": float(both["b"].corr(both["p"]))}
