"""FRED macro series: the series we ingest, their release lags, and the FRED CSV download reader.

A FRED download is ``DATE,<ID>`` (or ``observation_date,<ID>``); blank or ``.`` observations (holidays; the
October 2025 CPI/UNRATE that the shutdown left uncollected) are dropped, anything else must be a number. Values
keep FRED's units, named in the ``unit`` column.

Point in time: FRED files carry no release dates, so each series has a lag rule (:class:`FredSeries`):
``published_date`` = observation date + lag (:func:`fred_published`): daily H.15 / Cboe series the next business
day (``1B``), weekly claims five days after the week ending Saturday (``+5D``: Thursday), monthly series a fixed
number of days after the month ends (``ME+7D``, ``ME+15D``). The values are those of the snapshot's download
(revisions included); see :data:`ingest.calendar.SNAPSHOT_VINTAGE_NOTE`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import IngestError, MissingInputError, ProblemCollector
from .market_csv import _iso, _numeric_frame, _pit, _read_csv, _report_duplicates, parse_dates


@dataclass(frozen=True)
class FredSeries:
    """A FRED series: its unit, observation frequency and publication lag.

    ``lag`` reads: ``"1B"`` = the next business day after the observation date (weekends skipped, federal
    holidays not: a lower bound that errs by at most a day); ``"+5D"`` = five calendar days after
    the observation date (weekly claims: week ending Saturday, released Thursday); ``"ME+15D"`` = fifteen days after
    the end of the observed month (monthly observations are dated the first of the month).
    """

    series_id: str
    unit: str
    frequency: str  # daily | weekly | monthly
    lag: str
    title: str


FRED_SERIES: dict[str, FredSeries] = {s.series_id: s for s in (
    FredSeries("DGS10", "percent", "daily", "1B", "10-year Treasury constant-maturity yield (H.15)"),
    FredSeries("T10Y2Y", "percentage_points", "daily", "1B", "10-year minus 2-year Treasury yield spread"),
    FredSeries("VIXCLS", "index", "daily", "1B", "Cboe VIX close"),
    FredSeries("TB3MS", "percent", "monthly", "ME+7D", "3-month T-bill secondary-market rate, monthly average"),
    FredSeries("FEDFUNDS", "percent", "monthly", "ME+7D", "effective federal funds rate, monthly average"),
    FredSeries("BAA", "percent", "monthly", "ME+7D", "Moody's seasoned Baa corporate bond yield, monthly average"),
    FredSeries("AAA", "percent", "monthly", "ME+7D", "Moody's seasoned Aaa corporate bond yield, monthly average"),
    FredSeries("CPIAUCSL", "index_1982_84_eq_100", "monthly", "ME+15D",
               "CPI for all urban consumers, all items, seasonally adjusted (BLS, mid-month release)"),
    FredSeries("UNRATE", "percent", "monthly", "ME+15D",
               "civilian unemployment rate, seasonally adjusted (BLS Employment Situation, first Friday; "
               "15 days is a conservative bound)"),
    FredSeries("ICSA", "persons", "weekly", "+5D",
               "initial unemployment claims, seasonally adjusted, week ending Saturday (DOL, released Thursday)"),
)}


def fred_published(dates: pd.Series | np.ndarray, series: FredSeries) -> np.ndarray:
    """Publication dates by the series' lag rule (see :class:`FredSeries`)."""
    idx = pd.DatetimeIndex(np.asarray(dates, dtype="datetime64[ns]"))
    if series.lag == "1B":
        return (idx + pd.offsets.BDay(1)).to_numpy()
    m = re.fullmatch(r"ME\+(\d+)D", series.lag)
    if m:
        return ((idx + pd.offsets.MonthEnd(0)) + pd.Timedelta(days=int(m.group(1)))).to_numpy()
    m = re.fullmatch(r"\+(\d+)D", series.lag)
    if m:
        return (idx + pd.Timedelta(days=int(m.group(1)))).to_numpy()
    raise ValueError(f"unknown lag rule {series.lag!r}")


def read_fred(path: Path, series_id: str) -> pd.DataFrame:
    """A FRED CSV download (``DATE,<ID>`` or ``observation_date,<ID>``). Blank or ``.`` observations (holidays; the
    October 2025 CPI/UNRATE that the shutdown left uncollected) are dropped; anything else must be a number."""
    path = Path(path)
    series = FRED_SERIES[series_id]
    problems = ProblemCollector(path=path)
    df = _read_csv(path, dtype=str, keep_default_na=False)
    cols = [c.strip() for c in df.columns]
    if len(cols) != 2 or cols[0].lower() not in ("date", "observation_date"):
        raise MissingInputError("not a FRED download", path=path, row=1,
                                expected=f"columns ['DATE', '{series_id}']", got=cols)
    if cols[1] != series_id:
        raise IngestError("file holds another series", path=path, row=1, column=cols[1], expected=series_id,
                          got=cols[1])
    rows = np.arange(2, len(df) + 2)
    raw = df.iloc[:, 1].str.strip()
    keep = ~raw.isin(["", "."]).to_numpy()
    df, raw, rows = df[keep], raw[keep], rows[keep]
    dates = parse_dates(df.iloc[:, 0], problems, cols[0], rows)
    values = _numeric_frame(raw.to_frame(series_id), problems, rows)[series_id]
    if series.frequency == "monthly":
        for i in np.flatnonzero((dates.dt.day != 1).to_numpy())[:3]:
            problems.add("monthly observation not dated the first of the month", row=int(rows[i]), column=cols[0],
                         expected="YYYY-MM-01", got=df.iloc[i, 0])
    _report_duplicates(dates, problems, rows, cols[0])
    problems.raise_if_any()
    out = pd.DataFrame({"series_id": series_id, "date": dates.to_numpy(), "value": values.to_numpy(),
                        "unit": series.unit, "frequency": series.frequency, "_row": rows})
    ref = _iso(out["date"], "%Y-%m" if series.frequency == "monthly" else "%Y-%m-%d")
    vintage = f"fred-download-to-{out['date'].max().date().isoformat()}"
    return _pit(out, ref, fred_published(out["date"], series), vintage)
