"""Shared parts of the rule compiler (:mod:`compliance.compile`): the compiled-constraint records, the day's
precomputed arrays (:class:`_Ctx`: prices, units per unit of weight, issuer groups, voting-securities rows) and the
row-building helpers (group caps with the passive "no increase" fallback).

Rows are sparse blocks ``A @ w <= b`` over the whole weight vector (``scipy.sparse`` CSR); the cvxpy constraint is
built from a block only when asked for. Every cap is the legal limit minus the rule's compile buffer minus
:data:`NUMERIC_MARGIN` (see :mod:`compliance.compile` for the method).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

#: Extra margin below every compiled cap, above the solvers' feasibility tolerance.
NUMERIC_MARGIN = 1e-6
#: How constraints treat missing data: the checker's worst case (default) or not at all (research).
MISSING_DATA_MODES = ("worst_case", "skip")


@dataclass(frozen=True)
class _Lin:
    """Rows ``A @ w <= b`` (``A`` sparse CSR) before they become a cvxpy constraint."""

    A: sp.csr_matrix
    b: np.ndarray


class TaggedConstraint:
    """One compiled constraint. Linear ones carry their rows ``A @ w <= b`` (``A``: m x n sparse CSR, ``b``: m),
    which the optimizer loads into its Parameters without building or differentiating a cvxpy expression; the cvxpy
    constraint is built on first access. ``a`` is the dense form of ``A`` (None for a non-linear constraint)."""

    __slots__ = ("rule_id", "severity", "relaxable", "priority", "description", "A", "b", "_w", "_constraint")

    def __init__(self, rule_id: str, severity: str, relaxable: bool, priority: int | None, description: str,
                 constraint: cp.Constraint | None = None, A: sp.csr_matrix | None = None,
                 b: np.ndarray | None = None, w: cp.Variable | None = None) -> None:
        if constraint is None and (A is None or w is None):
            raise ValueError(f"{rule_id}: a compiled constraint needs a cvxpy constraint or rows and a variable")
        self.rule_id, self.severity, self.relaxable, self.priority = rule_id, severity, relaxable, priority
        self.description, self.A, self.b, self._w, self._constraint = description, A, b, w, constraint

    @property
    def a(self) -> np.ndarray | None:
        return None if self.A is None else self.A.toarray()

    @property
    def constraint(self) -> cp.Constraint:
        if self._constraint is None:
            self._constraint = self.A @ self._w <= self.b
        return self._constraint

    def __repr__(self) -> str:
        rows = "" if self.A is None else f", rows={self.A.shape[0]}"
        return f"TaggedConstraint({self.rule_id!r}, {self.severity!r}, {self.description!r}{rows})"


@dataclass
class CompiledRules:
    constraints: list[TaggedConstraint] = field(default_factory=list)
    large_bucket: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_list(self, include_relaxable: bool = True) -> list[cp.Constraint]:
        return [t.constraint for t in self.constraints if include_relaxable or not t.relaxable]

    def by_rule(self, rule_id: str) -> list[TaggedConstraint]:
        return [t for t in self.constraints if t.rule_id == rule_id]


class _Ctx:
    """Precomputed arrays for one universe and day."""

    def __init__(self, w: cp.Variable, sec: pd.DataFrame, w0: np.ndarray, nav: float, ta: float,
                 borrowings: float, other_assets: float, config: Mapping[str, Any],
                 missing_data: str = "worst_case") -> None:
        self.w, self.sec, self.w0, self.nav, self.ta = w, sec, w0, nav, ta
        self.skip_missing = missing_data == "skip"
        self._denominator: dict[str, float] | None = None
        self.borrowings, self.other = borrowings, other_assets
        self.config = config
        self.k = nav / ta  # NAV fraction -> total-assets fraction
        self.price = sec["price"].to_numpy(float)
        self.units_per_w = nav / self.price  # units held per unit of weight
        self.n = len(sec)

    def mask(self, cond: pd.Series) -> np.ndarray:
        return cond.to_numpy(bool)

    # linear rows A @ w <= b over the whole weight vector (A dense or sparse; stored sparse)
    def rows(self, A, b) -> _Lin:
        A = sp.csr_matrix(A) if sp.issparse(A) else sp.csr_matrix(np.atleast_2d(np.asarray(A, dtype=float)))
        A.eliminate_zeros()
        return _Lin(A, np.broadcast_to(np.asarray(b, dtype=float), (A.shape[0],)).copy())

    def sel(self, idx) -> sp.csr_matrix:
        """One row per index: picks ``w[idx]``."""
        idx = np.asarray(idx, dtype=int).reshape(-1)
        return sp.csr_matrix((np.ones(len(idx)), (np.arange(len(idx)), idx)), shape=(len(idx), self.n))

    def dot(self, idx, coef) -> sp.csr_matrix:
        """One row: ``coef @ w[idx]``."""
        idx = np.asarray(idx, dtype=int).reshape(-1)
        data = np.broadcast_to(np.asarray(coef, dtype=float), idx.shape).astype(float)
        return sp.csr_matrix((data, (np.zeros(len(idx), dtype=int), idx)), shape=(1, self.n))

    def block(self, rows: list[tuple[np.ndarray, np.ndarray]]) -> sp.csr_matrix:
        """One row per ``(idx, coef)``: ``coef @ w[idx]`` (built in one step, not row by row)."""
        idx = [np.asarray(i, dtype=int).reshape(-1) for i, _ in rows]
        data = np.concatenate([np.broadcast_to(np.asarray(c, dtype=float), i.shape) for i, (_, c) in zip(idx, rows)])
        ptr = np.r_[0, np.cumsum([len(i) for i in idx])]
        return sp.csr_matrix((data, np.concatenate(idx), ptr), shape=(len(rows), self.n))

    def groups(self, keys: pd.Series, mask: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Membership matrix G (groups x n) for securities in ``mask`` grouped by ``keys`` (memoised per day)."""
        memo = self.__dict__.setdefault("_groups", {})
        mk = (keys.name, mask.tobytes())
        if mk in memo:
            names, G = memo[mk]
            return list(names), G.copy()
        k = np.asarray(keys.to_numpy(dtype=object), dtype=object)
        cols = np.flatnonzero(mask)
        labels = [str(x) for x in k[cols]]
        names = sorted(set(labels))
        index = {g: i for i, g in enumerate(names)}
        G = np.zeros((len(names), self.n))
        if len(cols):
            G[[index[x] for x in labels], cols] = 1.0
        memo[mk] = (names, G)
        return list(names), G.copy()

    def voting_rows(self, names: list[str], G: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per group: its voting-securities membership rows ``GV``, whether it has any, the outstanding voting
        securities ``d`` (NaN when unknown) and today's units held / ``d`` (0 without voting securities, NaN when
        ``d`` is unknown)."""
        GV = G * self.sec["is_voting"].to_numpy(bool)[None, :]
        has = GV.any(axis=1)
        denom = self.voting_denominator()
        d = np.array([denom.get(nm, np.nan) for nm in names], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            cur = np.where(has, (GV @ (self.w0 * self.units_per_w)) / d, 0.0)
        return GV, has, d, cur

    def voting_denominator(self) -> dict[str, float]:
        """Issuer -> outstanding voting securities (NaN when unknown), as the checker reads them: the issuer's
        ``issuer_voting_securities`` when given, else its one voting class's ``shares_outstanding``."""
        if self._denominator is None:
            sec = self.sec[self.sec["is_voting"].astype(bool)]
            key = sec["issuer_id"]
            total = pd.to_numeric(sec["issuer_voting_securities"], errors="coerce").groupby(key).max()
            single = pd.to_numeric(sec["shares_outstanding"], errors="coerce").groupby(key).first()
            single = single.where(key.groupby(key).size() == 1)
            d = total.where(total.notna(), single)
            self._denominator = {str(k): float(v) for k, v in d.items()}
        return self._denominator


def _cap(limit: float, buffer: float) -> float:
    return float(limit) - float(buffer) - NUMERIC_MARGIN


def _group_caps(ctx: _Ctx, names: list[str], G: np.ndarray, scale: float, cap: float, what: str,
                cons: list[tuple[str, cp.Constraint]], extra: np.ndarray | None = None) -> None:
    """For each group g: scale * (G_g @ w + extra @ w) <= cap when it is within the cap today, otherwise its
    securities may not be increased and the sum may not grow (passive excess)."""
    if not names:
        return
    E = np.zeros(ctx.n) if extra is None else extra
    cur = scale * (G @ ctx.w0 + E @ ctx.w0)
    ok = cur <= cap
    if ok.any():
        A = G[ok] + E[None, :]
        cons.append((f"{what} <= {cap:.6g}", ctx.rows(scale * A, cap)))
    for gi in np.flatnonzero(~ok):
        members = np.flatnonzero(G[gi] + E)
        cons.append((f"{what} {names[gi]}: above cap today ({cur[gi]:.6g}), no increase",
                     ctx.rows(ctx.sel(members), ctx.w0[members])))


def _no_increase(ctx: _Ctx, idx: np.ndarray, why: str, cons: list[tuple[str, cp.Constraint]]) -> None:
    if len(idx):
        cons.append((why, ctx.rows(ctx.sel(idx), ctx.w0[idx])))


def _no_increase_missing(ctx: _Ctx, idx: np.ndarray, why: str, cons: list[tuple[str, cp.Constraint]]) -> None:
    """"No increase" because a datum is missing (left out under ``missing_data='skip'``)."""
    if not ctx.skip_missing:
        _no_increase(ctx, idx, why, cons)
