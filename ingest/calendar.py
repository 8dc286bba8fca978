"""Publication dates: when each official figure became public (point in time).

BEA GDP by industry and annual IO tables are dated from a table of actual release dates with their sources,
``data/calendar/bea_release_dates.csv`` (columns ``product, ref_period, release_date, verified, source``). Dates that
could not be verified are marked ``verified = no`` and set to a conservative *later* date (a figure counted public
too late costs information; too early leaks it). Rows:

* ``gdp_by_industry_quarterly``: the release that first carried a quarter (verified news releases).
* ``rule_gdp_by_industry_q2`` / ``rule_gdp_by_industry_q134`` (2014Q1-2020Q1): before September 2020 BEA released a
  quarter about 30 days after the third GDP estimate and the second quarter with the annual update (late October to
  early November): unverified quarters get quarter end + 125 days, second quarters November 15.
* ``rule_gdp_by_industry_recent`` (2020Q3 on): with the third GDP estimate, quarter end + 90 days.
* ``gdp_by_industry_history``: quarters published only as history. The 71-industry quarterly series began in 2012
  until the November 2018 comprehensive update carried it back to 2005Q1, so 2005Q1-2011Q4 are public from
  2018-11-30 and 2012Q1-2013Q3 from the first regular quarterly release (2014-04-25).
* ``rule_gdp_by_industry_pseudo``: the *timing* date of quarters before 2013Q4 (the 2014-2020 schedule applied to
  them). It places historical training snapshots in time; it never makes a figure public: a snapshot built on such
  quarters is usable only once :func:`bea_quarterly_published` of each of them has passed.
* ``io_annual``: annual summary IO tables for year ``Y`` (2013-2024): the annual update of ``Y + 1`` (late October to
  mid November for 2013-2018, late September since 2020). Years before 2013: September 26 of ``Y + 2``
  (conservative); years after the table: September 30 of ``Y + 1``.

Other rules (used when the file itself shows no release date; see DESIGN.md section 4):

* BEA detail benchmark tables (2017): published with the 2023 comprehensive update (2023-09-28 as release date used).
* BLS OEWS May-Y estimates: the following spring (we use March 31 of Y+1).
* O*NET releases: the first day of their release month (29.1 = 2024-11-01, 30.1 = 2025-12-01).
* GPT-4 / human exposure labels of Eloundou et al., "GPTs are GPTs" (arXiv 2303.10130 v1): 2023-03-17.
* Market prices: the close of the day (published the same day); monthly French data: a month after the month ends;
  FRED: the observation date plus the series' usual lag.

The snapshot holds one vintage per source, so historical figures carry their first-release *date* but the values of
the snapshot's vintage (later revisions included). Every output that relies on history says so.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from pathlib import Path

import pandas as pd

from ingest.errors import IngestError

SNAPSHOT_VINTAGE_NOTE = (
    "The snapshot holds one vintage per source: historical figures carry their first-release date but the values "
    "of the snapshot's vintage (later revisions included)."
)

RELEASE_TABLE = Path(__file__).resolve().parent.parent / "data" / "calendar" / "bea_release_dates.csv"
RELEASE_COLUMNS = ("product", "ref_period", "release_date", "verified", "source")
RELEASE_PRODUCTS = ("gdp_by_industry_quarterly", "gdp_by_industry_history", "rule_gdp_by_industry_q2",
                    "rule_gdp_by_industry_q134", "rule_gdp_by_industry_recent", "rule_gdp_by_industry_pseudo",
                    "io_annual")
OEWS_RELEASE_MONTH_DAY = (3, 31)
ONET_RELEASES = {"29.1": dt.date(2024, 11, 1), "30.1": dt.date(2025, 12, 1)}
BEA_DETAIL_2017_RELEASE = dt.date(2023, 9, 28)
#: Eloundou, Manning, Mishkin, Rock, "GPTs are GPTs", arXiv 2303.10130 v1 (the published exposure labels)
EXPOSURE_LABELS_PUBLISHED = dt.date(2023, 3, 17)


def quarter_end(quarter: str | pd.Period) -> dt.date:
    p = pd.Period(quarter, freq="Q")
    return p.end_time.date()


# ------------------------------------------------------------------------------------------------ release table
def _quarter_bounds(text: str, path: Path, row: int) -> tuple[pd.Period | None, pd.Period | None]:
    """``"2014Q1:2020Q1"``, ``"2020Q3:"``, ``":2013Q3"`` or ``"2017Q1"`` -> (first, last), None = open end."""
    parts = text.split(":") if ":" in text else [text, text]
    if len(parts) != 2:
        raise IngestError("bad quarter range", path=path, row=row, column="ref_period",
                          expected="YYYYQn, YYYYQn:YYYYQn, YYYYQn: or :YYYYQn", got=text)
    out = []
    for p in parts:
        if not p:
            out.append(None)
            continue
        try:
            out.append(pd.Period(p, freq="Q"))
        except (ValueError, TypeError):
            raise IngestError("bad quarter", path=path, row=row, column="ref_period", expected="YYYYQn",
                              got=text) from None
    if out[0] is None and out[1] is None:
        raise IngestError("quarter range open at both ends", path=path, row=row, column="ref_period", got=text)
    return out[0], out[1]


def read_release_table(path: str | Path = RELEASE_TABLE) -> pd.DataFrame:
    """Read and validate the release-date table (see the module docstring); errors name file, row and field.

    Adds ``first``/``last`` (quarter bounds; years for ``io_annual``), ``date`` (a date; None for rules) and
    ``param`` (rules: the day count, or ``(month, day)`` for ``rule_gdp_by_industry_q2``)."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise IngestError(f"cannot read the BEA release-date table: {exc}", path=path) from exc
    missing = [c for c in RELEASE_COLUMNS if c not in df.columns]
    if missing:
        raise IngestError("release-date table lacks columns", path=path, expected=list(RELEASE_COLUMNS),
                          got=list(df.columns))
    rows = []
    for i, r in enumerate(df.itertuples(index=False), start=2):
        if r.product not in RELEASE_PRODUCTS:
            raise IngestError("unknown product", path=path, row=i, column="product",
                              expected=" | ".join(RELEASE_PRODUCTS), got=r.product)
        if r.verified not in ("yes", "no"):
            raise IngestError("verified must be yes or no", path=path, row=i, column="verified", expected="yes | no",
                              got=r.verified)
        if not r.source.strip():
            raise IngestError("every release date needs its source", path=path, row=i, column="source",
                              expected="a citation or the rule's reasoning", got="")
        date, param = None, None
        if r.product == "io_annual":
            try:
                first = last = int(r.ref_period)
            except ValueError:
                raise IngestError("bad year", path=path, row=i, column="ref_period", expected="YYYY",
                                  got=r.ref_period) from None
        else:
            first, last = _quarter_bounds(r.ref_period, path, i)
        try:
            if r.product == "rule_gdp_by_industry_q2":
                month, day = (int(x) for x in r.release_date.split("-"))
                param = (month, day)
                dt.date(2000, month, day)
            elif r.product.startswith("rule_"):
                param = int(r.release_date)
                if not 0 < param < 400:
                    raise ValueError
            else:
                date = dt.date.fromisoformat(r.release_date)
        except ValueError:
            expected = ("MM-DD" if r.product == "rule_gdp_by_industry_q2" else
                        "days after the quarter end (1..399)" if r.product.startswith("rule_") else "YYYY-MM-DD")
            raise IngestError("bad release_date", path=path, row=i, column="release_date", expected=expected,
                              got=r.release_date) from None
        if date is not None and r.product != "io_annual" and last is not None and date <= last.end_time.date():
            raise IngestError("release date before the quarter ended", path=path, row=i, column="release_date",
                              expected=f"after {last.end_time.date()}", got=r.release_date)
        if r.product == "io_annual" and date.year <= first:
            raise IngestError("annual IO tables released within their own year", path=path, row=i,
                              column="release_date", expected=f"a date after {first}", got=r.release_date)
        rows.append({**r._asdict(), "first": first, "last": last, "date": date, "param": param, "_row": i})
    out = pd.DataFrame(rows)
    for product in ("gdp_by_industry_quarterly", "io_annual"):
        dup = out[out["product"] == product].duplicated("ref_period")
        if dup.any():
            r = int(out[out["product"] == product].loc[dup, "_row"].iloc[0])
            raise IngestError("ref_period listed twice", path=path, row=r, column="ref_period")
    return out


@functools.lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    return read_release_table(RELEASE_TABLE)


def release_table_digest() -> str:
    """SHA-256 of the release-date table (part of every cache key that depends on publication dates)."""
    return hashlib.sha256(RELEASE_TABLE.read_bytes()).hexdigest()


def _covers(row, p: pd.Period) -> bool:
    return (row.first is None or row.first <= p) and (row.last is None or p <= row.last)


def _rule_date(product: str, p: pd.Period) -> dt.date | None:
    t = _table()
    for row in t[t["product"] == product].itertuples(index=False):
        if _covers(row, p):
            if product == "rule_gdp_by_industry_q2" or (product == "rule_gdp_by_industry_pseudo" and p.quarter == 2):
                month, day = row.param if isinstance(row.param, tuple) else (11, 15)
                return dt.date(p.year, month, day)
            return quarter_end(p) + dt.timedelta(days=int(row.param))
    return None


@functools.lru_cache(maxsize=8192)  # pure: the release table is fixed for the process
def bea_quarterly_timing(quarter: str | pd.Period) -> dt.date:
    """Date of the regular release that first carried ``quarter`` (verified date, else the conservative rule of the
    table). Quarters before BEA's first regular quarterly release get the 2014-2020 schedule as a *timing* date only
    (see :func:`bea_quarterly_published` for when their figures became public)."""
    p = pd.Period(quarter, freq="Q")
    t = _table()
    hit = t[(t["product"] == "gdp_by_industry_quarterly") & (t["first"] == p)]
    if len(hit):
        return hit["date"].iloc[0]
    if p.quarter == 2:
        d = _rule_date("rule_gdp_by_industry_q2", p)
        if d is not None:
            return d
    else:
        d = _rule_date("rule_gdp_by_industry_q134", p)
        if d is not None:
            return d
    for product in ("rule_gdp_by_industry_recent", "rule_gdp_by_industry_pseudo"):
        d = _rule_date(product, p)
        if d is not None:
            return d
    raise KeyError(f"no release date or rule for quarter {p} in {RELEASE_TABLE}")


@functools.lru_cache(maxsize=8192)  # pure: the release table is fixed for the process
def bea_quarterly_published(quarter: str | pd.Period) -> dt.date:
    """When ``quarter``'s 71-industry GDP-by-industry figures became public: the history row covering it (quarters
    published only as history), else :func:`bea_quarterly_timing`."""
    p = pd.Period(quarter, freq="Q")
    t = _table()
    for row in t[t["product"] == "gdp_by_industry_history"].itertuples(index=False):
        if _covers(row, p):
            return max(row.date, bea_quarterly_timing(p))
    return bea_quarterly_timing(p)


@functools.lru_cache(maxsize=8192)  # pure: the release table is fixed for the process
def bea_annual_io_published(year: int) -> dt.date:
    """Annual summary IO tables for ``year``: the table's release date (2013-2024); September 26 of ``year + 2``
    before 2013 (conservative); September 30 of ``year + 1`` after the table."""
    year = int(year)
    t = _table()
    hit = t[(t["product"] == "io_annual") & (t["first"] == year)]
    if len(hit):
        return hit["date"].iloc[0]
    if year < int(t.loc[t["product"] == "io_annual", "first"].min()):
        return dt.date(year + 2, 9, 26)
    return dt.date(year + 1, 9, 30)


@functools.lru_cache(maxsize=8192)  # pure: the release table is fixed for the process
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
