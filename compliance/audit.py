"""Append-only, hash-chained audit log with content-addressed input snapshots.

Layout under the state directory::

    audit/log.jsonl          one JSON object per line (the chain)
    snapshots/ab/abcd...json  canonical JSON of each input or output, named by its SHA-256

Each entry holds ``seq`` (0, 1, ...), ``kind`` (check, override, report), ``as_of`` (the business date),
``recorded_at`` (UTC, informational), ``inputs`` (name -> snapshot hash), ``config_hash``, ``result_hash``,
``payload`` (small facts: summary, override details), ``prev_hash`` (the previous entry's ``entry_hash``; 64
zeros for the first) and ``entry_hash`` = SHA-256 of the canonical JSON of the entry without ``entry_hash``.

:func:`AuditLog.verify` recomputes every entry hash, the chain links, the sequence numbers and the hash of every
snapshot an entry names; editing, deleting or reordering any past entry, or editing a snapshot, is detected.
Rewriting the *whole* tail consistently is not detectable from the file alone: publish the head hash
(``verify().head``, printed in every report) somewhere outside the state directory and pass it back as
``expected_head`` to detect that too.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from .rules import canonical_json

GENESIS = "0" * 64


class AuditError(Exception):
    """The audit trail or a snapshot is missing or does not match its hash."""


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    head: str
    problems: list[str] = field(default_factory=list)


def _entry_hash(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "entry_hash"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


# ------------------------------------------------------------------------------------------ frame <-> JSON
def frame_to_json(df: pd.DataFrame) -> dict[str, Any]:
    """A DataFrame as JSON with its dtypes, so that it loads back identically (NaN/NA as null)."""
    df = df.reset_index(drop=True)
    cols = []
    for c in df.columns:
        s = df[c]
        vals = []
        for v in s.tolist():
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                vals.append(None)
            elif isinstance(v, (np.generic,)):
                vals.append(v.item())
            elif isinstance(v, (pd.Timestamp, date)):
                vals.append(v.isoformat())
            else:
                vals.append(v)
        cols.append({"name": str(c), "dtype": str(s.dtype), "values": vals})
    return {"kind": "frame", "columns": cols}


def frame_from_json(obj: dict[str, Any]) -> pd.DataFrame:
    data = {}
    for c in obj["columns"]:
        dt = c["dtype"]
        if dt.startswith("float"):
            data[c["name"]] = pd.Series([np.nan if v is None else v for v in c["values"]], dtype=dt)
        elif dt in ("boolean", "Int64", "string", "str") or dt.startswith("int") or dt == "bool":
            data[c["name"]] = pd.Series(c["values"], dtype=dt)
        else:
            data[c["name"]] = pd.Series(c["values"], dtype=object)
    return pd.DataFrame(data)


# ------------------------------------------------------------------------------------------------- log
class AuditLog:
    def __init__(self, state_dir: str | Path) -> None:
        self.root = Path(state_dir)
        self.path = self.root / "audit" / "log.jsonl"
        self.snap_dir = self.root / "snapshots"

    # ---- snapshots
    def put(self, obj: Any) -> str:
        """Store ``obj`` as canonical JSON named by its SHA-256 (idempotent); returns the hash."""
        data = canonical_json(obj)
        h = hashlib.sha256(data).hexdigest()
        p = self.snap_dir / h[:2] / f"{h}.json"
        if not p.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, p)
        return h

    def get(self, h: str) -> Any:
        p = self.snap_dir / h[:2] / f"{h}.json"
        if not p.exists():
            raise AuditError(f"snapshot {h[:12]}... is missing from {self.snap_dir}")
        data = p.read_bytes()
        if hashlib.sha256(data).hexdigest() != h:
            raise AuditError(f"snapshot {h[:12]}... does not match its hash (edited or corrupted)")
        return json.loads(data)

    # ---- chain
    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = []
        for n, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise AuditError(f"{self.path.name} line {n}: not valid JSON ({exc})") from exc
        return out

    def append(self, kind: str, as_of: date, *, inputs: dict[str, str], config_hash: str | None,
               result_hash: str | None, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """Append one entry under an exclusive file lock (fsync before returning)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.seek(0)
                lines = [ln for ln in fh.read().splitlines() if ln.strip()]
                prev = json.loads(lines[-1]) if lines else None
                entry = {"seq": (prev["seq"] + 1) if prev else 0, "kind": kind, "as_of": as_of.isoformat(),
                         "recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         "inputs": dict(sorted(inputs.items())), "config_hash": config_hash,
                         "result_hash": result_hash, "payload": payload or {},
                         "prev_hash": prev["entry_hash"] if prev else GENESIS}
                entry["entry_hash"] = _entry_hash(entry)
                fh.seek(0, os.SEEK_END)
                fh.write(json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return entry

    def verify(self, expected_head: str | None = None) -> VerifyResult:
        problems: list[str] = []
        prev_hash = GENESIS
        n = 0
        if self.path.exists():
            lines = self.path.read_text(encoding="utf-8").splitlines()
        else:
            lines = []
        for lineno, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                problems.append(f"line {lineno}: not valid JSON")
                prev_hash = "?"
                n += 1
                continue
            if e.get("seq") != n:
                problems.append(f"line {lineno}: sequence {e.get('seq')} where {n} was expected "
                                f"(entry deleted, inserted or reordered)")
            if e.get("prev_hash") != prev_hash:
                problems.append(f"line {lineno} (seq {e.get('seq')}): prev_hash does not match the previous entry")
            if _entry_hash(e) != e.get("entry_hash"):
                problems.append(f"line {lineno} (seq {e.get('seq')}): entry hash mismatch (entry edited)")
            for name, h in {**e.get("inputs", {}), **{k: v for k, v in e.get("payload", {}).items()
                                                       if k.endswith("_snapshot")}}.items():
                try:
                    self.get(h)
                except AuditError as exc:
                    problems.append(f"line {lineno} (seq {e.get('seq')}): input {name!r}: {exc}")
            prev_hash = e.get("entry_hash", "?")
            n += 1
        if expected_head is not None and prev_hash != expected_head:
            problems.append(f"head {prev_hash[:12]}... differs from the published head {expected_head[:12]}...")
        return VerifyResult(ok=not problems, entries=n, head=prev_hash, problems=problems)

    def iter_kind(self, kind: str) -> Iterator[dict[str, Any]]:
        return (e for e in self.entries() if e["kind"] == kind)
