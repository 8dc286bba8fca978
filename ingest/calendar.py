"""Publication dates: when each official figure became public (point in time).

Rules (used when the file itself shows no release date; see DESIGN.md section 4):

* BEA quarterly GDP by industry: about 90 days after the quarter ends (the release that first carries the quarter).
* BEA annual summary IO tables (Use/Make/requirements) for year Y: since BEA's 2014 comprehensive update the annual
  update in late September of Y+1 carries year Y (the September 2024 update carried 2023); for years before 2013 we
  use the conservative rule Y+2 (the annual tables then came with longer lags).
* BEA detail benchmark tables (2017): published with the 2023 comprehensive update (2023-09-28 as release date used).
* BLS OEWS May-Y estimates: the following spring (we use March 31 of Y+1).
* O*NET releases: the first day of their release month (29.1 = 2024-11-01, 30.1 = 2025-12-01).
* Market prices: the close of the day (published the same day); monthly French data: a month after the month ends;
  FRED: the observation date plus the series' usual lag.

The snapshot holds one vintage per source, so historical figures carry their first-release *date* but the values of
the snapshot's vintage (later revisions included). Every output that relies on history says so.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

SNAPSHOT_VINTAGE_NOTE = (
    "The snapshot holds one vintage per source: historical figures carry their first-release date but the values "
    "of the snapshot's vintage (later revisions included)."
)

BEA_QUARTERLY_LAG_DAYS = 90
OEWS_RELEASE_MONTH_DAY = (3, 31)
ONET_RELEASES = {"29.1": dt.date(2024, 11, 1), "30.1": dt.date(2025, 12, 1)}
BEA_DETAIL_2017_RELEASE = dt.date(2023, 9, 28)


def quarter_end(quarter: str | pd.Period) -> dt.date:
    p = pd.Period(quarter, freq="Q")
    return p.end_time.date()


def bea_quarterly_published(quarter: str | pd.Period) -> dt.date:
    """First release of a quarter's GDP-by-industry figures: quarter end + 90 days."""
    return quarter_end(quarter) + dt.timedelta(days=BEA_QUARTERLY_LAG_DAYS)


def bea_annual_io_published(year: int) -> dt.date:
    """Annual summary IO tables for ``year``: the annual update of September ``year + 1`` (``year + 2`` before
    2013, conservatively)."""
    year = int(year)
    return dt.date(year + 1 if year >= 2013 else year + 2, 9, 26)


def bea_annual_gdp_by_industry_published(year: int) -> dt.date:
    """Annual GDP-by-industry figures for ``year``: the fourth-quarter release of that year, about March 31 of Y+1."""
    return dt.date(int(year) + 1, 3, 31)


def oews_published(year: int) -> dt.date:
    month, day = OEWS_RELEASE_MONTH_DAY
    return dt.date(int(year) + 1, month, day)


def onet_published(release: str) -> dt.date:
    try:
        return ONET_RELEASES[release]
    except KeyError as exc:
        raise KeyError(f"unknown O*NET release {release!r}; known: {sorted(ONET_RELEASES)}") from exc


def month_end_published(month: str | pd.Period, lag_days: int = 30) -> dt.date:
    """Monthly series (French portfolios, FRED monthly) published about ``lag_days`` after the month ends."""
    p = pd.Period(month, freq="M")
    return p.end_time.date() + dt.timedelta(days=lag_days)
