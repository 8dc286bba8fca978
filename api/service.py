"""The graph side of the API: one store, a catalog of built quarters, and caches of the answers.

Caches (all in memory, per app instance; nothing is shared between apps):

* **catalog** - the complete quarters and, for each quarter with cached answers, a fingerprint (SHA-256 of its
  manifest). :meth:`GraphService.refresh` re-reads it; the app calls it every ``catalog_ttl_s`` seconds in the
  background and after a build job. A quarter that was rebuilt (new fingerprint) or removed drops its cached answers.
* **impact** - :func:`pipeline.graphs.impact_report` per (quarter, rater), about a second to compute, with every
  industry's answer pre-serialised to JSON bytes, so the AI-impact endpoints answer with a dictionary look-up (LRU of
  ``impact_cache_size`` entries; one computation at a time per key, concurrent requests wait for it).
* **quarter tables** - the whole quarter (:meth:`GraphStore.read_quarter`), last 2 quarters; the what-if model of a
  quarter (:class:`api.analysis.WhatIfModel`: LU factorisation and indexed tables), last 4 quarters; the stored
  impact table and industry list per quarter (small).
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from graph.schema import Quarter, QuarterGraph
from graph.store import GraphStore, QuarterNotFoundError
from pipeline.graphs import QueryError, impact_report

from . import analysis
from .errors import ApiError

#: Per-rater columns of the stored impact table reported by the industry endpoints.
RATER_COLUMNS = ("wage_bill_usd", "automatable_wage_bill_usd", "automatable_share", "automatable_share_of_gross_output",
                 "supply_chain_automatable_per_usd_final_demand", "forward_automatable_per_usd_primary_input")


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), allow_nan=False, default=_default).encode()


def _default(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        f = float(v)
        return f if np.isfinite(f) else None
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, (pd.Timestamp,)):
        return v.isoformat()
    raise TypeError(f"not JSON serialisable: {type(v).__name__}")


def num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


@dataclass
class ImpactEntry:
    """One (quarter, rater) answer: the report and the JSON bytes of each industry's full answer."""

    quarter: str
    rater: str
    report: dict
    industry_bytes: dict[str, bytes] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)  # list rows (no top lists), for sorting and paging


class _LRU(OrderedDict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)

    def hit(self, key):
        v = self.get(key)
        if v is not None:
            self.move_to_end(key)
        return v


class _Loaded:
    """The two store methods :func:`pipeline.graphs.impact_report` uses, over a quarter already in memory (so a
    quarter is read from the store once for the report, the final demand and the what-if)."""

    def __init__(self, qg: QuarterGraph) -> None:
        self.qg = qg

    def quarters(self) -> list[Quarter]:
        return [self.qg.quarter]

    def read_quarter(self, quarter) -> QuarterGraph:
        return self.qg


class GraphService:
    """Store access and caches for the API (thread-safe)."""

    def __init__(self, store: GraphStore, impact_cache_size: int = 16) -> None:
        self.store = store
        self.backend = store.backend
        self._lock = threading.RLock()
        self._key_locks: dict[tuple, threading.Lock] = {}
        self.quarters: list[str] = []
        self.refreshed_at = 0.0
        self._fingerprints: dict[str, str] = {}
        self._impact: _LRU = _LRU(impact_cache_size)
        self._default_rater: dict[str, str] = {}
        self._qg: _LRU = _LRU(2)
        self._models: _LRU = _LRU(4)
        self._tables: dict[tuple[str, str], Any] = {}

    # ------------------------------------------------------------------------------------------- catalog
    def refresh(self) -> None:
        """Re-read the list of complete quarters; drop cached answers of quarters rebuilt or removed."""
        quarters = [str(q) for q in self.store.quarters()]
        with self._lock:
            cached = {k[0] for k in self._impact} | set(self._qg) | {k[1] for k in self._tables}
            known = dict(self._fingerprints)
        changed = {q for q in cached if q not in quarters or self._fingerprint(q) != known.get(q)}
        with self._lock:
            for q in changed:
                self._drop(q)
            self.quarters = quarters
            self.refreshed_at = time.time()

    def _fingerprint(self, q: str) -> str:
        """SHA-256 of the quarter's stored manifest (changes when the quarter is rebuilt)."""
        return hashlib.sha256(json.dumps(self.store.manifest(q), sort_keys=True, default=str).encode()).hexdigest()

    def _remember(self, q: str) -> None:
        """Record the fingerprint of a quarter whose data is about to be cached (first one wins until dropped)."""
        if q not in self._fingerprints:
            fp = self._fingerprint(q)
            with self._lock:
                self._fingerprints.setdefault(q, fp)

    def cached_entries(self) -> int:
        return len(self._impact)

    def _drop(self, q: str) -> None:
        for k in [k for k in self._impact if k[0] == q]:
            del self._impact[k]
        self._qg.pop(q, None)
        self._models.pop(q, None)
        for k in [k for k in self._tables if k[1] == q]:
            del self._tables[k]
        self._default_rater.pop(q, None)
        self._fingerprints.pop(q, None)

    def invalidate(self) -> None:
        with self._lock:
            for q in list(self._fingerprints) + list(self._default_rater):
                self._drop(q)
            self._impact.clear()
            self._qg.clear()
            self._models.clear()
            self._tables.clear()
        self.refresh()

    def resolve_quarter(self, quarter: str | None) -> str:
        """The quarter asked for (validated) or the latest; 404 naming it when it is not built."""
        have = self.quarters
        if not have:
            raise ApiError(404, f"the {self.backend} graph store holds no complete quarter: run `econgraph build` "
                                "first", "no-quarters")
        if quarter is None:
            return have[-1]
        q = str(Quarter.parse(quarter))
        if q not in have:
            shown = f"{have[0]}..{have[-1]} ({len(have)} quarters)"
            raise ApiError(404, f"quarter {q} is not in the {self.backend} graph store (built: {shown})",
                           "unknown-quarter")
        return q

    def _key_lock(self, key: tuple) -> threading.Lock:
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def _cached(self, kind: str, q: str, make: Callable[[], Any]) -> Any:
        key = (kind, q)
        v = self._tables.get(key)
        if v is not None:
            return v
        with self._key_lock(key):
            v = self._tables.get(key)
            if v is None:
                self._remember(q)
                v = make()
                with self._lock:
                    self._tables[key] = v
        return v

    # ------------------------------------------------------------------------------------------- tables
    def industries(self, q: str) -> pd.DataFrame:
        return self._cached("industries", q, lambda: self.store.industries(q))

    def industry_names(self, q: str) -> dict[str, str]:
        return self._cached("names", q, lambda: dict(zip(self.industries(q)["bea_code"], self.industries(q)["name"])))

    def occupation_titles(self, q: str) -> dict[str, str]:
        return self._cached("titles", q, lambda: dict(zip(self.quarter_graph(q).occupations["soc"],
                                                          self.quarter_graph(q).occupations["title"])))

    def static_hash(self, q: str) -> str | None:
        return self._cached("static_hash", q, lambda: self.store.manifest(q).get("static_hash"))

    def task_scores(self, q: str) -> dict[int, dict[str, dict]]:
        """task_id -> rater -> {score, exposure_class, rubric_version, model}."""
        def make():
            out: dict[int, dict[str, dict]] = {}
            ts = self.quarter_graph(q).task_scores
            for t, r, rv, m, c, s in zip(ts["task_id"], ts["rater"], ts["rubric_version"], ts["model"],
                                         ts["exposure_class"], ts["score"]):
                out.setdefault(int(t), {})[str(r)] = {
                    "score": float(s), "exposure_class": None if pd.isna(c) else str(c),
                    "rubric_version": str(rv), "model": None if pd.isna(m) else str(m)}
            return out
        return self._cached("task_scores", q, make)

    def impact_table(self, q: str) -> pd.DataFrame:
        return self._cached("impact", q, lambda: self.store.impact(q))

    def require_industry(self, q: str, code: str) -> None:
        names = self.industry_names(q)
        if code not in names:
            raise ApiError(404, f"industry code {code!r} is not an industry of quarter {q} ({len(names)} BEA summary "
                                f"industries; list them at /v1/industries)", "unknown-industry")

    def quarter_graph(self, q: str) -> QuarterGraph:
        qg = self._qg.hit(q)
        if qg is not None:
            return qg
        with self._key_lock(("qg", q)):
            qg = self._qg.hit(q)
            if qg is None:
                self._remember(q)
                qg = self.store.read_quarter(q)
                with self._lock:
                    self._qg.put(q, qg)
        return qg

    def whatif_model(self, q: str) -> "analysis.WhatIfModel":
        """The quarter's precomputed what-if model (LU of ``I - A`` and indexed EMPLOYS/PERFORMS), last 4 quarters."""
        m = self._models.hit(q)
        if m is not None:
            return m
        with self._key_lock(("whatif", q)):
            m = self._models.hit(q)
            if m is None:
                self._remember(q)
                m = analysis.WhatIfModel(self.quarter_graph(q))
                with self._lock:
                    self._models.put(q, m)
        return m

    def final_demand(self, q: str) -> pd.Series:
        return self._cached("final_demand", q, lambda: analysis.final_demand_usd(self.quarter_graph(q)))

    # ------------------------------------------------------------------------------------------- impact
    def raters(self, q: str) -> list[str]:
        return sorted(set(self.impact_table(q)["rater"]))

    def resolve_rater(self, q: str, rater: str | None) -> str:
        raters = self.raters(q)
        if rater is None:
            return "human" if "human" in raters else raters[0]
        if rater not in raters:
            raise ApiError(404, f"unknown rater {rater!r}; raters in {q}: {', '.join(raters)}", "unknown-rater")
        return rater

    def cached_impact(self, q: str | None, rater: str | None) -> ImpactEntry | None:
        """The cached answer if present (no I/O: for the fast path)."""
        if q is None:
            if not self.quarters:
                return None
            q = self.quarters[-1]
        r = rater or self._default_rater.get(q)
        if r is None:
            return None
        return self._impact.get((q, r))

    def impact(self, quarter: str | None, rater: str | None) -> ImpactEntry:
        q = self.resolve_quarter(quarter)
        r = self.resolve_rater(q, rater)
        e = self._impact.hit((q, r))
        if e is None:
            with self._key_lock(("impact", q, r)):
                e = self._impact.hit((q, r))
                if e is None:
                    e = self._compute_impact(q, r)
                    with self._lock:
                        self._impact.put((q, r), e)
        if rater is None:
            self._default_rater[q] = r  # lets the fast path answer requests that name no rater
        return e

    def _compute_impact(self, q: str, r: str) -> ImpactEntry:
        try:
            rep = impact_report(_Loaded(self.quarter_graph(q)), q, None, r)
        except QueryError as exc:
            raise ApiError(404, str(exc), "not-found") from exc
        imp = self.impact_table(q)
        by = {code: g for code, g in imp.groupby("bea_code")}
        y = self.final_demand(q)
        self._remember(q)
        entry = ImpactEntry(quarter=q, rater=r, report=rep)
        for row in rep["industries"]:
            code = row["bea_code"]
            g = by.get(code)
            by_rater = {}
            if g is not None:
                for rr in g.to_dict("records"):
                    by_rater[rr["rater"]] = {c: num(rr.get(c)) for c in RATER_COLUMNS if c in rr}
            yd = num(y.get(code))
            m = row["supply_chain_automatable_per_usd_final_demand"]
            full = {"quarter": q, "rater": r, "raters": rep["raters"], **row,
                    "final_demand_usd": yd,
                    "supply_chain_automatable_usd": (m * yd) if (m is not None and yd is not None) else None,
                    "by_rater": by_rater, "basis": rep["basis"]}
            entry.industry_bytes[code] = dumps(full)
            entry.rows.append({k: v for k, v in full.items()
                               if k not in ("top_occupations", "top_tasks", "by_rater", "basis", "raters", "quarter",
                                            "rater")})
        return entry

    def history(self, code: str, rater: str | None) -> list[dict]:
        """One industry's stored impact figures for every built quarter (oldest first)."""
        out = []
        for q in list(self.quarters):
            try:
                imp = self.impact_table(q)
            except QuarterNotFoundError:  # removed since the catalog was read
                continue
            r = self.resolve_rater(q, rater)
            sel = imp[(imp["bea_code"] == code) & (imp["rater"] == r)]
            if sel.empty:
                continue
            rec = sel.iloc[0].to_dict()
            band = imp[imp["bea_code"] == code]["automatable_wage_bill_usd"]
            out.append({"quarter": q, "rater": r, **{c: num(rec.get(c)) for c in RATER_COLUMNS if c in rec},
                        "automatable_wage_bill_usd_band": {"min": num(band.min()), "max": num(band.max())},
                        "backcast": bool(rec.get("backcast")),
                        "nowcast": bool(rec.get("nowcast")) if pd.notna(rec.get("nowcast", False)) else False,
                        "oews_period": None if rec.get("oews_period") is None else str(rec.get("oews_period")),
                        "io_year": None if rec.get("io_year") is None else int(rec.get("io_year"))})
        return out

    def close(self) -> None:
        self.store.close()
