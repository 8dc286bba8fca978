"""Maximum data age per datum and per rule: a datum older than its rule's limit is missing for that rule only.

A securities-table datum (``shares_outstanding``, ``issuer_voting_securities``, ``adv_shares``) may carry its as-of
date in a column ``<datum>_asof`` (:mod:`compliance.inputs`). On a book dated D its age is ``D - asof`` in calendar
days. The rules configuration (``data_max_age_calendar_days``) gives, per datum, a ``default`` maximum age and
optional per-rule overrides::

    "data_max_age_calendar_days": {
      "shares_outstanding": {"default": 2600, "ica_5b1_diversification": 2600, ...},
      "adv_shares": {"default": 2600, "rule_22e4_illiquid": 2600}
    }

For rule R the datum is usable when ``age <= max_age(datum, R)`` (an age equal to the maximum passes; one day more
does not) and is otherwise treated as missing (NaN) by R alone: R then measures it as it measures any missing datum
(worst case / best case bounds), so it is ``not_evaluable`` when the answer depends on it, and the compiler
constrains it as the checker's worst case ("no increase"). Other rules still use the datum. A datum without an as-of
date (no column, or an empty cell) is undated: the caller vouches for it (tables supplied by hand, tests).

The universe that supplies the data may apply its own (datum-level) maximum age before the rules see it (e.g.
``data_max_age_calendar_days.shares_outstanding`` of ``compliance/config/liquidity_model_v1.json``): a rule's limit
above the universe's has no effect, one below it makes that rule stricter.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Mapping

import numpy as np
import pandas as pd

#: securities-table columns whose age is checked, each dated by ``<datum>_asof``
DATUMS = ("shares_outstanding", "issuer_voting_securities", "adv_shares")
CONFIG_KEY = "data_max_age_calendar_days"


def asof_column(datum: str) -> str:
    return f"{datum}_asof"


def validate(cfg: Mapping[str, Any], rule_ids, source: str = "config") -> None:
    """Raise ValueError naming the key when the section is malformed (absent: no age limits)."""
    sec = cfg.get(CONFIG_KEY)
    if sec is None:
        return
    if not isinstance(sec, Mapping):
        raise ValueError(f"{source}: {CONFIG_KEY}: expected an object datum -> {{default, rule_id: days}}")
    for datum, limits in sec.items():
        if datum == "note":
            continue
        if datum not in DATUMS:
            raise ValueError(f"{source}: {CONFIG_KEY}.{datum}: unknown datum; known: {list(DATUMS)}")
        if not isinstance(limits, Mapping) or "default" not in limits:
            raise ValueError(f"{source}: {CONFIG_KEY}.{datum}: expected an object with a 'default' number of days")
        for k, v in limits.items():
            if k == "note":
                continue
            if k != "default" and k not in rule_ids:
                raise ValueError(f"{source}: {CONFIG_KEY}.{datum}.{k}: unknown rule id")
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                raise ValueError(f"{source}: {CONFIG_KEY}.{datum}.{k}: expected a number of calendar days >= 0, "
                                 f"got {v!r}")


def max_age(config: Mapping[str, Any], datum: str, rule_id: str) -> float | None:
    """The maximum age in calendar days of ``datum`` for ``rule_id`` (None: no limit configured)."""
    limits = (config.get(CONFIG_KEY) or {}).get(datum)
    if not limits:
        return None
    return float(limits.get(rule_id, limits["default"]))


def stale(frame: pd.DataFrame, config: Mapping[str, Any], rule_id: str, as_of: date | None
          ) -> dict[str, np.ndarray]:
    """Per datum, a boolean mask over ``frame``'s rows: a value is present and older than the rule's maximum age."""
    out: dict[str, np.ndarray] = {}
    if as_of is None or not config.get(CONFIG_KEY):
        return out
    d = np.datetime64(pd.Timestamp(as_of), "D")
    for datum in DATUMS:
        col = asof_column(datum)
        if datum not in frame.columns or col not in frame.columns:
            continue
        lim = max_age(config, datum, rule_id)
        if lim is None:
            continue
        asof = pd.to_datetime(frame[col]).to_numpy("datetime64[D]")
        age = (d - asof).astype("timedelta64[D]").astype(float)
        age[np.isnat(asof)] = np.nan
        mask = frame[datum].notna().to_numpy() & np.isfinite(age) & (age > lim)
        if mask.any():
            out[datum] = mask
    return out


def mask_stale(frame: pd.DataFrame, config: Mapping[str, Any], rule_id: str, as_of: date | None
               ) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """``frame`` with the data too old for ``rule_id`` set to NaN (the same object when none is), and per datum
    the row labels affected."""
    masks = stale(frame, config, rule_id, as_of)
    if not masks:
        return frame, {}
    out = frame.copy()
    names: dict[str, list[str]] = {}
    for datum, m in masks.items():
        out[datum] = out[datum].where(~m)
        names[datum] = [str(i) for i in frame.index[m]]
    return out, names


def book_for_rule(book, config: Mapping[str, Any], rule_id: str):
    """The :class:`compliance.inputs.Book` as ``rule_id`` may read it, and a note naming the data left out."""
    pos, names = mask_stale(book.positions, config, rule_id, book.as_of)
    if not names:
        return book, ""
    parts = [f"{datum} older than {max_age(config, datum, rule_id):g} days (this rule's maximum age) treated as "
             f"missing for {', '.join(ids[:10])}{' ...' if len(ids) > 10 else ''}" for datum, ids in names.items()]
    return replace(book, positions=pos), "; ".join(parts)
