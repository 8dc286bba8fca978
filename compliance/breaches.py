"""Breach lifecycle: detected -> classified -> cure deadline -> resolved or overridden; open breaches carry over.

One breach per rule at a time. A rule that breaches opens a breach (class, hardness, cure deadline from the check);
while it stays in breach the same breach carries from day to day, keeping its first detection date and its cure
deadline (a 90-day Rule 35d-1 clock runs from the first day, not from today). A passive breach that an acquisition
later worsens is reclassified active (and gets the active deadline); an active breach stays active until cured.
When the rule passes again the breach is resolved. An override records a reason and an approver (both required);
it documents a decision and never unblocks a regulatory pre-trade check. A breach still open after its cure
deadline is flagged overdue (a material matter for the CCO).

The state is a JSON document written atomically (temporary file in the same directory, fsync, ``os.replace``).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .check import CheckResult, RuleResult

SCHEMA = "econgraph.compliance.breaches/1"


class BreachError(ValueError):
    """An invalid lifecycle operation (unknown breach, override without reason or approver ...)."""


def _d(v: str | date | None) -> date | None:
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(v)


@dataclass
class Breach:
    breach_id: str
    rule_id: str
    citation: str
    severity: str
    detected: date
    last_seen: date
    status: str  # open | overridden | resolved
    breach_class: str
    hardness: str
    cure_deadline: date | None
    limit: float
    comparison: str
    first_value: float | None
    last_value: float | None
    cure_note: str | None = None
    overdue: bool = False
    resolved_on: date | None = None
    override: dict[str, Any] | None = None
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in ("open", "overridden")

    @property
    def material(self) -> bool:
        """Hard breaches of regulatory or prospectus limits and overdue cures are material matters for the CCO."""
        return (self.severity in ("regulatory", "prospectus") and self.hardness == "hard") or self.overdue

    def days_open(self, as_of: date) -> int:
        end = self.resolved_on or as_of
        return (end - self.detected).days

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("detected", "last_seen", "cure_deadline", "resolved_on"):
            d[k] = d[k].isoformat() if d[k] else None
        d["material"] = self.material
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Breach":
        d = {k: v for k, v in d.items() if k != "material"}
        for k in ("detected", "last_seen", "cure_deadline", "resolved_on"):
            d[k] = _d(d.get(k))
        return cls(**d)


@dataclass
class BreachUpdate:
    opened: list[str] = field(default_factory=list)
    carried: list[str] = field(default_factory=list)
    reclassified: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    became_overdue: list[str] = field(default_factory=list)


@dataclass
class BreachBook:
    as_of: date | None = None
    breaches: list[Breach] = field(default_factory=list)

    # ---- queries
    def open(self) -> list[Breach]:
        return [b for b in self.breaches if b.is_open]

    def get(self, breach_id: str) -> Breach:
        for b in self.breaches:
            if b.breach_id == breach_id:
                return b
        raise BreachError(f"unknown breach {breach_id!r}; open breaches: {[b.breach_id for b in self.open()]}")

    def open_for(self, rule_id: str) -> Breach | None:
        for b in self.breaches:
            if b.rule_id == rule_id and b.is_open:
                return b
        return None

    # ---- lifecycle
    def update(self, check: CheckResult) -> BreachUpdate:
        """Apply one day's check (dates must not go backwards)."""
        if self.as_of is not None and check.as_of < self.as_of:
            raise BreachError(f"check dated {check.as_of} is earlier than the breach state ({self.as_of})")
        up = BreachUpdate()
        d = check.as_of
        for r in check.results:
            b = self.open_for(r.rule_id)
            if r.status == "breach":
                if b is None:
                    b = self._open(r, d)
                    up.opened.append(b.breach_id)
                else:
                    self._carry(b, r, d, up)
            elif r.status in ("pass", "warn") and b is not None:
                b.status = "resolved"
                b.resolved_on = d
                b.last_seen = d
                b.last_value = r.value
                b.events.append({"date": d.isoformat(), "event": "resolved",
                                 "detail": f"value {r.value:.6g} {r.comparison} limit {r.limit:.6g}"})
                up.resolved.append(b.breach_id)
            elif r.status == "not_evaluable" and b is not None:
                b.last_seen = d
                b.events.append({"date": d.isoformat(), "event": "not_evaluable", "detail": "; ".join(r.reasons)})
        for b in self.open():
            if b.cure_deadline is not None and d > b.cure_deadline and not b.overdue:
                b.overdue = True
                b.events.append({"date": d.isoformat(), "event": "overdue",
                                 "detail": f"cure deadline {b.cure_deadline.isoformat()} passed"})
                up.became_overdue.append(b.breach_id)
        self.as_of = d
        return up

    def _open(self, r: RuleResult, d: date) -> Breach:
        b = Breach(breach_id=f"{r.rule_id}@{d.isoformat()}", rule_id=r.rule_id, citation=r.citation,
                   severity=r.severity, detected=d, last_seen=d, status="open", breach_class=r.breach_class or "",
                   hardness=r.hardness or "", cure_deadline=r.cure_deadline, cure_note=r.cure_note, limit=r.limit,
                   comparison=r.comparison, first_value=r.value, last_value=r.value)
        b.events.append({"date": d.isoformat(), "event": "detected",
                         "detail": f"value {r.value:.6g} vs limit {r.comparison} {r.limit:.6g}"})
        b.events.append({"date": d.isoformat(), "event": "classified",
                         "detail": f"{r.breach_class}/{r.hardness}; " + "; ".join(r.reasons)})
        self.breaches.append(b)
        return b

    def _carry(self, b: Breach, r: RuleResult, d: date, up: BreachUpdate) -> None:
        b.last_seen = d
        b.last_value = r.value
        up.carried.append(b.breach_id)
        if b.breach_class == "passive" and r.breach_class == "active":
            b.breach_class = "active"
            b.hardness = r.hardness or b.hardness
            b.cure_deadline = r.cure_deadline
            b.cure_note = r.cure_note
            b.events.append({"date": d.isoformat(), "event": "reclassified",
                             "detail": "passive -> active: " + "; ".join(r.reasons)})
            up.reclassified.append(b.breach_id)

    def override(self, breach_id: str, *, reason: str, approver: str, on: date) -> Breach:
        """Record an override decision on an open breach (reason and approver required)."""
        if not reason or not reason.strip():
            raise BreachError(f"override of {breach_id}: a reason is required")
        if not approver or not approver.strip():
            raise BreachError(f"override of {breach_id}: an approver is required")
        b = self.get(breach_id)
        if not b.is_open:
            raise BreachError(f"override of {breach_id}: the breach is {b.status}, not open")
        b.status = "overridden"
        b.override = {"reason": reason.strip(), "approver": approver.strip(), "date": on.isoformat()}
        b.events.append({"date": on.isoformat(), "event": "overridden",
                         "detail": f"by {approver.strip()}: {reason.strip()}"})
        return b

    # ---- persistence
    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "as_of": self.as_of.isoformat() if self.as_of else None,
                "breaches": [b.to_dict() for b in self.breaches]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "BreachBook":
        if d.get("schema") != SCHEMA:
            raise BreachError(f"breach state: expected schema {SCHEMA!r}, got {d.get('schema')!r}")
        return cls(as_of=_d(d.get("as_of")), breaches=[Breach.from_dict(b) for b in d.get("breaches", [])])

    def save(self, path: str | Path) -> None:
        atomic_write_text(Path(path), json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "BreachBook":
        p = Path(path)
        if not p.exists():
            return cls()
        try:
            return cls.from_dict(json.loads(p.read_text(encoding="utf-8")))
        except json.JSONDecodeError as exc:
            raise BreachError(f"{p.name}: breach state is not valid JSON: {exc}") from exc


def atomic_write_text(dest: Path, text: str) -> None:
    """Write ``text`` to ``dest`` atomically (temporary file in the same directory, fsync, os.replace)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
