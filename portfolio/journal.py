"""Decision journal: one durable, append-only record per rebalance decision (daily run or backtest).

Storage: SQLite, ``<home>/journal/journal.sqlite`` (``PRAGMA user_version`` = :data:`SCHEMA_VERSION`). Two tables:

``decisions`` (one row per rebalance; never updated or deleted: SQLite triggers abort any UPDATE or DELETE)
    ``id``, ``run_id`` (``daily`` or ``backtest:<universe>:<start>:<end>:every<N>:<UTC time>``), ``kind``
    (``daily`` | ``backtest``), ``universe``, ``date`` (decision date, ISO), ``recorded_at`` (UTC), ``mandate``
    (``<id>@<version>``), ``mandate_sha256``, ``rules_version`` (compliance configuration), ``input_hash`` (universe
    data hash; forecast table hash), ``benchmark`` (ticker), ``status`` (the optimizer's), ``relaxed`` (JSON list),
    ``binding`` (JSON list), ``signals`` (JSON: per source ``source``, ``ic_used``, ``ic_mean``, ``ic_t``,
    ``n_outcomes``, ``forecast_date``), ``top_active`` (JSON: the largest active positions, each with its driver),
    ``compliance`` (JSON: status counts and hard violations of the exact check), ``tracking_error_ex_ante``,
    ``active_share``, ``weights`` and ``benchmark_weights`` (JSON, nonzero entries, fractions of NAV).

``outcomes`` (one row per decision and horizon, inserted once when the prices exist; append-only as well)
    ``decision_id``, ``horizon_days`` (1, 5, 21 trading days), ``end_date``, ``portfolio_return``,
    ``benchmark_return``, ``active_return`` = portfolio - benchmark, ``recorded_at``.

Outcome of a decision taken at ``t`` (trades at the close of ``t``): the decision's weights held from the close of
``t`` to the close of the ``h``-th trading day after ``t``, ``r_p = sum_i w_i (P_i(t+h) / P_i(t) - 1)`` (cash earns
nothing here: the outcome isolates the allocation), against the benchmark's compounded total return over the same
days. A security without a price at either end contributes nothing and is counted in ``n_unpriced``.

Each write is one SQLite transaction (atomic: all records of a call or none).
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

SCHEMA_VERSION = 1
HORIZONS = (1, 5, 21)
JSON_FIELDS = ("relaxed", "binding", "signals", "top_active", "compliance", "weights", "benchmark_weights")
COLUMNS = ("run_id", "kind", "universe", "date", "recorded_at", "mandate", "mandate_sha256", "rules_version",
           "input_hash", "benchmark", "status", "relaxed", "binding", "signals", "top_active", "compliance",
           "tracking_error_ex_ante", "active_share", "weights", "benchmark_weights")

DDL = f"""
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('daily', 'backtest')), universe TEXT NOT NULL,
    date TEXT NOT NULL, recorded_at TEXT NOT NULL, mandate TEXT, mandate_sha256 TEXT, rules_version TEXT,
    input_hash TEXT, benchmark TEXT, status TEXT NOT NULL, relaxed TEXT, binding TEXT, signals TEXT,
    top_active TEXT, compliance TEXT, tracking_error_ex_ante REAL, active_share REAL, weights TEXT NOT NULL,
    benchmark_weights TEXT
);
CREATE INDEX IF NOT EXISTS decisions_by_date ON decisions (universe, date);
CREATE INDEX IF NOT EXISTS decisions_by_run ON decisions (run_id);
CREATE TABLE IF NOT EXISTS outcomes (
    decision_id INTEGER NOT NULL REFERENCES decisions (id), horizon_days INTEGER NOT NULL, end_date TEXT NOT NULL,
    portfolio_return REAL NOT NULL, benchmark_return REAL NOT NULL, active_return REAL NOT NULL,
    n_unpriced INTEGER NOT NULL, recorded_at TEXT NOT NULL, PRIMARY KEY (decision_id, horizon_days)
);
CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
    BEGIN SELECT RAISE(ABORT, 'the decision journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
    BEGIN SELECT RAISE(ABORT, 'the decision journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS outcomes_no_update BEFORE UPDATE ON outcomes
    BEGIN SELECT RAISE(ABORT, 'the decision journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS outcomes_no_delete BEFORE DELETE ON outcomes
    BEGIN SELECT RAISE(ABORT, 'the decision journal is append-only'); END;
PRAGMA user_version = {SCHEMA_VERSION};
"""


class JournalError(RuntimeError):
    """The journal file is not a decision journal of this schema, or a record is malformed."""


def journal_path(home: str | Path) -> Path:
    return Path(home) / "journal" / "journal.sqlite"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def connect(home: str | Path, create: bool = True) -> sqlite3.Connection:
    path = journal_path(home)
    if not path.exists():
        if not create:
            raise JournalError(f"{path}: no decision journal yet (a rebalance or backtest writes it)")
        path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30)
    con.row_factory = sqlite3.Row
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version not in (0, SCHEMA_VERSION):
        con.close()
        raise JournalError(f"{path}: schema version {version}, expected {SCHEMA_VERSION}")
    if version == 0:
        con.executescript(DDL)
    return con


def _clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, (np.floating, float)):
        return float(v) if np.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (pd.Timestamp, dt.date)):
        return str(v.date() if isinstance(v, pd.Timestamp) else v)
    return v


def append(home: str | Path, records: Iterable[dict]) -> list[int]:
    """Append decision records (keys of :data:`COLUMNS`; ``recorded_at`` defaults to now) in one transaction;
    returns their ids."""
    rows = []
    for i, r in enumerate(records):
        missing = [c for c in ("run_id", "kind", "universe", "date", "status", "weights") if r.get(c) is None]
        if missing:
            raise JournalError(f"journal record {i + 1}: missing field(s) {', '.join(missing)}")
        try:
            pd.Timestamp(r["date"])
        except ValueError as exc:
            raise JournalError(f"journal record {i + 1}: field date: expected an ISO date, got {r['date']!r}") from exc
        r = {**r, "recorded_at": r.get("recorded_at") or _now()}
        rows.append(tuple(json.dumps(_clean(r.get(c))) if c in JSON_FIELDS else _clean(r.get(c)) for c in COLUMNS))
    con = connect(home)
    try:
        with con:
            ids = []
            for row in rows:
                cur = con.execute(f"INSERT INTO decisions ({', '.join(COLUMNS)}) VALUES "
                                  f"({', '.join('?' * len(COLUMNS))})", row)
                ids.append(int(cur.lastrowid))
        return ids
    finally:
        con.close()


def _row(r: sqlite3.Row) -> dict:
    d = dict(r)
    for c in JSON_FIELDS:
        if c in d and d[c] is not None:
            d[c] = json.loads(d[c])
    return d


def list_decisions(home: str | Path, universe: str | None = None, kind: str | None = None,
                   run_id: str | None = None, start: str | None = None, end: str | None = None,
                   limit: int = 50) -> list[dict]:
    """Latest first; a summary per decision (no weights)."""
    where, args = [], []
    for col, v in (("universe", universe), ("kind", kind), ("run_id", run_id)):
        if v:
            where.append(f"{col} = ?")
            args.append(v)
    if start:
        where.append("date >= ?")
        args.append(start)
    if end:
        where.append("date <= ?")
        args.append(end)
    sql = ("SELECT id, run_id, kind, universe, date, mandate, rules_version, benchmark, status, relaxed, binding, "
           "signals, tracking_error_ex_ante, active_share, compliance FROM decisions"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY date DESC, id DESC LIMIT ?")
    con = connect(home, create=False)
    try:
        return [_row(r) for r in con.execute(sql, [*args, int(limit)])]
    finally:
        con.close()


def get_decision(home: str | Path, decision_id: int) -> dict:
    con = connect(home, create=False)
    try:
        r = con.execute("SELECT * FROM decisions WHERE id = ?", (int(decision_id),)).fetchone()
        if r is None:
            raise JournalError(f"{journal_path(home)}: no decision with id {decision_id}")
        d = _row(r)
        d["outcomes"] = [dict(o) for o in con.execute(
            "SELECT horizon_days, end_date, portfolio_return, benchmark_return, active_return, n_unpriced "
            "FROM outcomes WHERE decision_id = ? ORDER BY horizon_days", (int(decision_id),))]
        return d
    finally:
        con.close()


def outcomes(home: str | Path, universe: str | None = None, run_id: str | None = None, limit: int = 1000
             ) -> pd.DataFrame:
    """One row per decision and horizon: date, run, mandate, active return (latest decisions first)."""
    where, args = [], []
    if universe:
        where.append("d.universe = ?")
        args.append(universe)
    if run_id:
        where.append("d.run_id = ?")
        args.append(run_id)
    sql = ("SELECT d.id AS decision_id, d.run_id, d.universe, d.date, d.mandate, o.horizon_days, o.end_date, "
           "o.portfolio_return, o.benchmark_return, o.active_return FROM outcomes o JOIN decisions d "
           "ON d.id = o.decision_id" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY d.date DESC, d.id DESC, o.horizon_days LIMIT ?")
    con = connect(home, create=False)
    try:
        return pd.read_sql_query(sql, con, params=[*args, int(limit)])
    finally:
        con.close()


def summarize_outcomes(df: pd.DataFrame) -> dict:
    """Per horizon: number of decisions, mean active return, its t-stat and the hit rate (share > 0)."""
    out = {}
    for h, g in df.groupby("horizon_days"):
        a = g["active_return"].astype(float)
        sd = float(a.std()) if len(a) > 1 else float("nan")
        out[int(h)] = {"n": int(len(a)), "mean_active_return": float(a.mean()),
                       "t_stat": float(a.mean() / (sd / np.sqrt(len(a)))) if len(a) > 1 and sd > 0 else None,
                       "hit_rate": float((a > 0).mean())}
    return out


def fill_outcomes(home: str | Path, universe: str, prices: pd.DataFrame, benchmark_returns: pd.Series,
                  horizons: tuple[int, ...] = HORIZONS) -> int:
    """Insert every missing outcome whose end date has a price; returns the number inserted. ``prices``: trading
    day x identifier adjusted closes; ``benchmark_returns``: the benchmark's daily total returns."""
    con = connect(home)
    try:
        have = {(r[0], r[1]) for r in con.execute(
            "SELECT o.decision_id, o.horizon_days FROM outcomes o JOIN decisions d ON d.id = o.decision_id "
            "WHERE d.universe = ?", (universe,))}
        todo = [r for r in con.execute("SELECT id, date, weights FROM decisions WHERE universe = ?", (universe,))
                if any((r[0], h) not in have for h in horizons)]
        idx = prices.index
        rb = benchmark_returns.reindex(idx)
        px = prices.to_numpy(float)
        cols = {c: j for j, c in enumerate(prices.columns)}
        new, now = [], _now()
        for did, date, wjson in todo:
            i0 = idx.searchsorted(pd.Timestamp(date), side="left")
            if i0 >= len(idx) or idx[i0] != pd.Timestamp(date):
                continue  # the decision day has no close in the panel (e.g. a daily run before the close is known)
            w = json.loads(wjson)
            for h in horizons:
                if (did, h) in have or i0 + h >= len(idx):
                    continue
                rp, unpriced = 0.0, 0
                for sid, wi in w.items():
                    j = cols.get(sid)
                    a, b = (px[i0, j], px[i0 + h, j]) if j is not None else (np.nan, np.nan)
                    if np.isfinite(a) and np.isfinite(b) and a > 0:
                        rp += wi * (b / a - 1)
                    else:
                        unpriced += 1
                seg = rb.iloc[i0 + 1:i0 + h + 1]
                if seg.isna().any():
                    continue
                rbh = float((1 + seg).prod() - 1)
                new.append((did, h, str(idx[i0 + h].date()), rp, rbh, rp - rbh, unpriced, now))
        with con:
            con.executemany("INSERT OR IGNORE INTO outcomes (decision_id, horizon_days, end_date, portfolio_return, "
                            "benchmark_return, active_return, n_unpriced, recorded_at) VALUES (?,?,?,?,?,?,?,?)",
                            new)
        return len(new)
    finally:
        con.close()


def record_from_decision(dec, *, run_id: str, kind: str, universe, mandate, rules_version: str | None,
                         input_hash: str, compliance: dict | None = None) -> dict:
    """A journal record from an optimizer :class:`portfolio.optimizer.Decision` (benchmark-relative or not)."""
    act = dec.active or {}
    w = dec.weights
    return {"run_id": run_id, "kind": kind, "universe": universe.name, "date": dec.date,
            "mandate": mandate.label if mandate else None, "mandate_sha256": mandate.sha256 if mandate else None,
            "rules_version": rules_version, "input_hash": input_hash,
            "benchmark": mandate.benchmark_label if mandate else None, "status": dec.status,
            "relaxed": list(dec.relaxed), "binding": act.get("binding", []),
            "signals": dec.signal.get("sources") or [{"source": dec.signal.get("source"),
                                                     "forecast_date": dec.signal.get("forecast_date")}],
            "top_active": act.get("top_active", []), "compliance": compliance,
            "tracking_error_ex_ante": act.get("tracking_error_ex_ante"), "active_share": act.get("active_share"),
            "weights": {k: float(v) for k, v in w[w > 0].items()},
            "benchmark_weights": act.get("benchmark_weights")}
