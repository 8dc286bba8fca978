"""Dates for compliance: fiscal quarter ends, business days and cure deadlines.

Business days are weekdays that are not US federal holidays (``pandas.tseries.holiday.USFederalHolidayCalendar``).
This approximates the NYSE calendar (which also closes on Good Friday and opens on Columbus and Veterans Day); the
difference moves a business-day deadline by at most one day and is on the early (conservative) side except for
Good Friday.
"""
from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Mapping

import pandas as pd
from pandas.tseries.holiday import USFederalHolidayCalendar
from pandas.tseries.offsets import CustomBusinessDay


@lru_cache(maxsize=1)
def _bday() -> CustomBusinessDay:
    return CustomBusinessDay(calendar=USFederalHolidayCalendar())


def add_business_days(d: date, n: int) -> date:
    """The n-th business day after ``d`` (n >= 0; n = 0 returns d rolled forward to a business day)."""
    ts = pd.Timestamp(d)
    if n == 0:
        return (ts + 0 * _bday()).date() if not is_business_day(d) else d
    return (ts + n * _bday()).date()


@lru_cache(maxsize=None)
def _holidays(year: int) -> frozenset[date]:
    """US federal holidays (observed) of one year; computed per year, not over the calendar's whole range."""
    days = USFederalHolidayCalendar().holidays(pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31))
    return frozenset(d.date() for d in days)


def is_business_day(d: date) -> bool:
    d = d.date() if isinstance(d, pd.Timestamp) else d
    return d.weekday() < 5 and d not in _holidays(d.year)


def _month_end(y: int, m: int) -> date:
    return date(y, m, _cal.monthrange(y, m)[1])


def add_months(d: date, months: int) -> date:
    """Same day ``months`` later, clipped to the month's last day (Aug 31 + 6 months = Feb 28/29)."""
    total = d.year * 12 + (d.month - 1) + months
    y, m = divmod(total, 12)
    return date(y, m + 1, min(d.day, _cal.monthrange(y, m + 1)[1]))


def quarter_end(d: date, fiscal_year_end_month: int = 12) -> date:
    """Last calendar day of the fiscal quarter containing ``d`` (quarters end in the FYE month and every third
    month before it)."""
    ends = sorted({((fiscal_year_end_month - 1 - 3 * k) % 12) + 1 for k in range(4)})
    for m in ends:
        if m >= d.month:
            return _month_end(d.year, m)
    return _month_end(d.year + 1, ends[0])


def previous_quarter_end(d: date, fiscal_year_end_month: int = 12) -> date:
    """Last day of the fiscal quarter before the one containing ``d``."""
    qe = quarter_end(d, fiscal_year_end_month)
    return quarter_end(add_months(date(qe.year, qe.month, 1), -3), fiscal_year_end_month)


def is_quarter_end_test_date(d: date, fiscal_year_end_month: int = 12) -> bool:
    """True on the quarter's last calendar day or its last business day (the close of the quarter is measured with
    that day's closing prices when the quarter ends on a weekend or holiday)."""
    qe = quarter_end(d, fiscal_year_end_month)
    if d == qe:
        return True
    last_bd = qe
    while not is_business_day(last_bd):
        last_bd -= timedelta(days=1)
    return d == last_bd


def cure_deadline(spec: Mapping[str, Any] | None, detected: date, fiscal_year_end_month: int = 12) -> date | None:
    """Deadline from a cure spec ``{"days", "day_type": calendar|business, "anchor": detection|quarter_end}``."""
    if not spec:
        return None
    anchor = quarter_end(detected, fiscal_year_end_month) if spec["anchor"] == "quarter_end" else detected
    if spec["day_type"] == "business":
        return add_business_days(anchor, int(spec["days"]))
    return anchor + timedelta(days=int(spec["days"]))
