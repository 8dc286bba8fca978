"""Bridge to the compliance package: securities table, compiled constraints as linear rows, exact check.

The compliance compiler (:func:`compliance.compile.compile_rules`) returns cvxpy constraints whose constants depend
on the day (large bucket, passive excess, "no increase" rows). To keep the optimizer's program compiled once per
universe, each compiled constraint is read back as linear rows ``a' w <= b`` (the rows the compiler states them with) and
loaded into the program's Parameters: single-security rows become per-security upper bounds, the
others fill a fixed-capacity row block. Regulatory and prospectus rows go to the hard block; internal rules
(``relaxable``) to the relaxable block. The internal turnover rule (a norm, not linear) is not read back: its cap is
applied by the optimizer's own turnover limit (the smaller of the two).

Per-universe defaults (:data:`UNIVERSE_OVERRIDES`): a fund of ETFs relies on Rule 12d1-4 (``elects_rule_12d1_4``),
without which s.12(d)(1)(A)(iii) caps all fund holdings at 10% of assets; counsel must confirm the election.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from compliance.check import CheckResult, check_book
from compliance.compile import compile_rules
from compliance.inputs import build_book
from compliance.rules import RuleSet, load_config

UNIVERSE_OVERRIDES: dict[str, dict[str, Any]] = {"sector_etfs": {"fund": {"elects_rule_12d1_4": True}}}
TURNOVER_RULE = "internal_turnover"


@dataclass
class LinearRows:
    """Rows ``A w <= b`` plus per-security upper bounds, split hard (regulatory/prospectus) vs internal."""

    ub_hard: np.ndarray
    ub_internal: np.ndarray
    a_hard: np.ndarray
    b_hard: np.ndarray
    a_internal: np.ndarray
    b_internal: np.ndarray
    turnover_cap: float | None
    rules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def rules_for(universe_name: str, overrides: Mapping[str, Any] | None = None, path=None) -> RuleSet:
    merged: dict[str, Any] = {}
    for src in (UNIVERSE_OVERRIDES.get(universe_name, {}), overrides or {}):
        for k, v in src.items():
            merged[k] = {**merged.get(k, {}), **v} if isinstance(v, dict) else v
    return RuleSet.from_config(load_config(path, merged))


def securities_table(master: pd.DataFrame, prices: pd.Series) -> pd.DataFrame:
    """The compliance input schema (:mod:`compliance.inputs`) from the securities master. Every security of the
    universe qualifies for the fund's name test (the prospectus defines the investable universe as the economy the
    name describes)."""
    out = pd.DataFrame({
        "security_id": master.index.astype(str),
        "issuer_id": master["issuer_id"].astype(str).to_numpy(),
        "asset_type": np.where(master["type"].eq("etf"), "investment_company", "equity"),
        "shares_outstanding": master["shares_outstanding"].to_numpy(float),
        "adv_shares": master["adv_shares"].to_numpy(float),
        "bea_industry": master["bea_industry"].to_numpy(),
        "qualifies_for_name": True,
        "price": prices.reindex(master.index).to_numpy(float),
    })
    # as-of dates of the dated data, for the rules' maximum ages (compliance.data_age): the shares-outstanding
    # snapshot; for ADV the last day of the measured window, or the market-cap snapshot behind the fallback
    if "shares_outstanding_asof" in master.columns:
        out["shares_outstanding_asof"] = pd.to_datetime(master["shares_outstanding_asof"]).to_numpy()
    if "adv_basis" in master.columns:
        from compliance.liquidity import BASIS_FALLBACK, BASIS_MEASURED

        nat = np.datetime64("NaT", "ns")
        adv_asof = pd.to_datetime(master.get("adv_asof")).to_numpy("datetime64[ns]") \
            if "adv_asof" in master.columns else np.full(len(master), nat)
        cap_asof = pd.to_datetime(master.get("market_cap_asof")).to_numpy("datetime64[ns]") \
            if "market_cap_asof" in master.columns else np.full(len(master), nat)
        out["adv_shares_asof"] = np.where(master["adv_basis"].eq(BASIS_MEASURED).to_numpy(), adv_asof,
                                          np.where(master["adv_basis"].eq(BASIS_FALLBACK).to_numpy(), cap_asof, nat))
    return out


_LAST_ROWS: dict[str, Any] = {}


def linear_rows(rules: RuleSet, securities: pd.DataFrame, w0: np.ndarray, nav_usd: float,
                missing_data: str = "worst_case", as_of: date | None = None) -> LinearRows:
    """``missing_data``: ``worst_case`` (trading) or ``skip`` (research: see :func:`compliance.compile.compile_rules`).

    The last result is kept and returned for identical inputs (same rules, securities table, weights, NAV and mode):
    the optimizer asks again after growing its row blocks, and compiling the rules is the costliest step of a day."""
    key = (rules.hash, float(nav_usd), missing_data, as_of, np.asarray(w0, dtype=float).tobytes(),
           pd.util.hash_pandas_object(securities.astype(str), index=True).to_numpy().tobytes(),
           tuple(securities.columns))
    if _LAST_ROWS.get("key") == key:
        return _LAST_ROWS["rows"]
    out = _linear_rows(rules, securities, w0, nav_usd, missing_data, as_of)
    _LAST_ROWS.update(key=key, rows=out)
    return out


def _linear_rows(rules: RuleSet, securities: pd.DataFrame, w0: np.ndarray, nav_usd: float,
                 missing_data: str, as_of: date | None = None) -> LinearRows:
    n = len(securities)
    wv = cp.Variable(n)
    compiled = compile_rules(wv, securities, w0, nav_usd, rules, missing_data=missing_data, as_of=as_of)
    blocks: dict[bool, tuple[list, list]] = {True: ([], []), False: ([], [])}
    turnover_cap = None
    used: set[str] = set()
    for tc in compiled.constraints:
        used.add(tc.rule_id)
        if tc.rule_id == TURNOVER_RULE:
            turnover_cap = float(rules.get(TURNOVER_RULE).params["turnover_max"])
            continue
        if tc.A is None:
            raise ValueError(f"compiled constraint of {tc.rule_id} has no linear rows: {tc.description}")
        blocks[not tc.relaxable][0].append(tc.A)
        blocks[not tc.relaxable][1].append(tc.b)
    out = {}
    for hard, (As, bs) in blocks.items():
        out[hard] = _split_rows(sp.vstack(As, format="csr") if As else sp.csr_matrix((0, n)),
                                np.concatenate(bs) if bs else np.zeros(0), n)
    (ubh, ah, bh), (ubi, ai, bi) = out[True], out[False]
    return LinearRows(ubh, ubi, ah, bh, ai, bi, turnover_cap, sorted(used), list(compiled.notes))


def _split_rows(A: sp.csr_matrix, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows with one positive coefficient become per-security upper bounds (the smallest ``b / a`` per security);
    rows with no coefficient are dropped unless infeasible whatever ``w`` is (kept so the solver says so); the rest
    stay rows. Returns (upper bounds, dense rows, right-hand sides)."""
    A = A.tocsr()
    A.data[np.abs(A.data) <= 1e-15] = 0.0
    A.eliminate_zeros()
    nnz = np.diff(A.indptr)
    single = (nnz == 1) & (np.r_[A.data, 0.0][A.indptr[:-1]] > 0)
    ub = np.full(n, np.inf)
    if single.any():
        first = A.indptr[:-1][single]
        cols, vals = A.indices[first], A.data[first]
        np.minimum.at(ub, cols, b[single] / vals)
    keep = ~single & ((nnz > 0) | (b < -1e-12))
    return ub, A[keep].toarray(), b[keep].astype(float)


def check(rules: RuleSet, as_of: date, securities: pd.DataFrame, shares: pd.Series, nav_usd: float,
          cash_usd: float, previous: tuple[pd.Series, float, float] | None = None) -> CheckResult:
    """Exact check of a book (shares per security at the securities' prices). ``previous``: (shares, nav, cash)
    of the book before the trades, for the active/passive classification."""
    def book(sh, nav, cash):
        h = pd.DataFrame({"security_id": sh.index.astype(str), "shares": sh.to_numpy(float)})
        h = h[h["shares"] > 0]
        # build_book takes prices separately (a 'price' column in the securities table would clash)
        return build_book(as_of, h, securities.drop(columns=["price"]), rules.config, nav_usd=nav,
                          cash_usd=max(cash, 0.0), prices=securities.set_index("security_id")["price"])
    prev = book(*previous) if previous is not None and previous[1] > 0 else None
    return check_book(book(shares, nav_usd, cash_usd), rules, previous=prev)


def summarize(res: CheckResult) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for r in res.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return {
        "config_version": res.config_version, "config_hash": res.config_hash,
        "status_counts": dict(sorted(counts.items())),
        "violations": [r.rule_id for r in res.violations],
        "breaches": [{"rule_id": r.rule_id, "class": r.breach_class, "hardness": r.hardness}
                     for r in res.results if r.status == "breach"],
        "warnings": [r.rule_id for r in res.results if r.status == "warn"],
        "not_evaluable": [{"rule_id": r.rule_id, "reasons": list(r.reasons)[:2]}
                          for r in res.results if r.status == "not_evaluable"],
        "result_hash": res.result_hash(),
    }
