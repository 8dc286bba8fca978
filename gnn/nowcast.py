r"""Nowcasting quarterly gross output per industry from the monthly indicators published by a date.

**Target.** For BEA industry ``i`` and quarter ``t``: ``y_{i,t} = log GO_{i,t} - log GO_{i,t-1}`` (nominal gross
output, SAAR, BEA GDP by industry), known once BEA has published quarter ``t``
(:func:`ingest.calendar.bea_quarterly_published`).

**Information set at decision date D.** Indicator months published by ``D`` (``macro_monthly.published_date <=
D``; each series' release lag, :mod:`ingest.macro`) and BEA quarters published by ``D``. The ragged edge is handled
by matching availability: if ``n_s(t, D)`` months of quarter ``t`` of series ``s`` are public at ``D`` (0..3), the
feature is ``x_{s,t} = mean_{m <= n_s} log X_{s,m} - mean_{m <= 3} log X_{s,m-3}`` (first ``n_s`` months of ``t``
against the whole previous quarter), and the model is trained on past quarters with the *same* ``n_s`` (a bridge
equation per information pattern; a series with ``n_s = 0`` is dropped).

**Bridge regression (per industry).** ``y_{i,t} = a_i + sum_s b_{i,s} x_{s,t} + e_{i,t}``, OLS on the quarters
published by ``D`` whose features are complete, with the industry's own indicator (:data:`OWN_INDICATOR`, e.g.
G.17 IP for computers for industry 334, retail sales for retail, payrolls by supersector for services) plus the CPI
(gross output is nominal) and total payrolls. Quantiles: ``q_tau = yhat + Q_tau(e)`` with ``Q_tau`` the empirical
quantile of the in-sample residuals inflated by ``sqrt(n / (n - p))`` (degrees of freedom).

**AR(1) baseline.** ``y_{i,t} = c_i + phi_i y_{i,t-1} + e``: same information, no indicators (the last published
quarter only), residual quantiles as above.

**Several quarters ahead** (the snapshot's BEA data stop at 2024Q3; a nowcast of 2026Q1 chains 2024Q4 .. 2026Q1):
the medians add up; the band comes from a residual bootstrap that draws one past quarter's residual *vector* per
step (keeping the cross-industry correlation of surprises), ``B = 2000`` draws, fixed seed.

**Real-time vintages** (:mod:`ingest.realtime`, Philadelphia Fed RTDSM). For the series that have them (payrolls
``PAYEMS`` <- ``EMPLOY``, monthly vintages 1964M12 .. 2024M3; CPI ``CPIAUCSL`` <- ``CPI``, quarterly vintages
1994Q3 .. 2024Q1) the nowcaster decided at ``D`` sees the vintage in effect at ``D`` (the latest vintage dated on or
before ``D``) instead of the snapshot's revised values, for the *whole* history it trains on and the target quarter's
months (a real-time data set, as in Croushore and Stark 2001); months after the vintage's last observation (and
published by ``D``) are appended with the snapshot's month-on-month growth (``log X_m = log X^v_{last} + log
X^s_m - log X^s_{last}``). From the snapshot's own vintage date (FRED-MD 2025-12: 2025-12-31) on, the snapshot is
the vintage in effect. Between the last vintage (2024-03) and then the last vintage is used for the months it covers
(stale but never later than ``D``). :meth:`NowcastInputs.at` gives the inputs as of ``D``.

**Dating of BEA quarters.** ``dating="release"`` (default: nowcast quarters and the evaluation): a quarter is known
from its first publication (:func:`ingest.calendar.bea_quarterly_published`). BEA first published 71-industry
quarters in April 2014 (2012Q1-2013Q4); 2005Q1-2011Q4 became public only with the November 2018 comprehensive
update. A quarter's growth is known only once both its quarters are (:func:`known_quarters`), so 2012Q1's growth
waits for 2011Q4 until then, and the strictly real-time walk-forward can first fit every model at 2015Q2.
``dating="schedule"`` treats each quarter as published on BEA's regular schedule
(:func:`ingest.calendar.bea_quarterly_timing`; identical from 2013Q4 on): optimistic before then, kept to compare with
earlier figures. The decision date of quarter ``t`` is the day before its date under the dating
(:func:`decision_date`).

**Evaluation (walk forward, pseudo real time).** For each quarter ``t`` in the window, ``D = `` the day before BEA
first publishes ``t``; every model refits on what is public at ``D`` and nowcasts ``y_{., t}``; scored by the pinball
loss at :data:`QUANTILES` (:mod:`gnn.metrics`), the empirical coverage of the central 95% interval, and a
Diebold-Mariano test on per-quarter mean pinball losses. Revisions: one vintage of each source (see
:data:`ingest.calendar.SNAPSHOT_VINTAGE_NOTE`): actuals and indicators carry their first-release *dates* but the
values of the snapshot's vintage.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.calendar import bea_quarterly_published, bea_quarterly_timing

QUANTILES = (0.025, 0.05, 0.5, 0.95, 0.975)
COMMON_INDICATORS = ("CPIAUCSL", "PAYEMS")
BOOTSTRAP_DRAWS = 2000

_RETAIL, _SERV, _TPU, _FIRE = "RETAILx", "SRVPRD", "USTPU", "USFIRE"
#: BEA summary industry -> its own monthly indicator (FRED-MD mnemonic or G.17 seasonally adjusted series).
OWN_INDICATOR: dict[str, str] = {
    "111CA": "WPSID62", "113FF": "WPSID62", "211": "OILPRICEx", "212": "CES1021000001", "213": "CES1021000001",
    "22": "IP.G2211A2.S", "23": "USCONS",
    "321": "IPDMAT", "327": "IPDMAT", "331": "IPDMAT", "332": "IPDMAT", "333": "IP.G333.S", "334": "IP.G334.S",
    "335": "IP.G335.S", "3361MV": "IP.G3361T3.S", "3364OT": "IPBUSEQ", "337": "IP.G337.S", "339": "DMANEMP",
    "311FT": "IP.G311A2.S", "313TT": "IP.G313A4.S", "315AL": "IPNCONGD", "322": "IPNMAT", "323": "NDMANEMP",
    "324": "OILPRICEx", "325": "IPNMAT", "326": "IP.G326.S",
    "42": "USWTRADE", "441": _RETAIL, "445": _RETAIL, "452": _RETAIL, "4A0": _RETAIL,
    "481": _TPU, "482": _TPU, "483": _TPU, "484": _TPU, "485": _TPU, "486": _TPU, "487OS": _TPU, "493": _TPU,
    "511": _SERV, "512": _SERV, "513": _SERV, "514": _SERV,
    "521CI": _FIRE, "523": _FIRE, "524": _FIRE, "525": _FIRE, "HS": _FIRE, "ORE": _FIRE, "532RL": _FIRE,
    "5411": _SERV, "5415": _SERV, "5412OP": _SERV, "55": _SERV, "561": _SERV, "562": _SERV,
    "61": _SERV, "621": _SERV, "622": _SERV, "623": _SERV, "624": _SERV,
    "711AS": _SERV, "713": _SERV, "721": _SERV, "722": _RETAIL, "81": _SERV,
    "GFGD": "USGOVT", "GFGN": "USGOVT", "GFE": "USGOVT", "GSLG": "USGOVT", "GSLE": "USGOVT",
}


class NowcastError(ValueError):
    """A nowcast that cannot be made (names the quarter, date or industry and what is missing)."""


DATINGS = ("release", "schedule")


def gross_output_panel(gdp: pd.DataFrame, dating: str = "release") -> tuple[pd.DataFrame, pd.Series]:
    """Quarterly nominal gross output (quarters x industries, USD millions SAAR) and each quarter's BEA publication
    date by the calendar (:func:`ingest.calendar.bea_quarterly_published`; with ``dating="schedule"`` the regular
    schedule's date, :func:`ingest.calendar.bea_quarterly_timing`)."""
    if dating not in DATINGS:
        raise NowcastError(f"unknown dating {dating!r}; expected one of {DATINGS}")
    sel = gdp[(gdp["measure"] == "gross_output") & (gdp["series"] == "nominal") & (gdp["frequency"] == "Q")
              & gdp["bea_code"].notna()]
    go = sel.pivot_table(index="ref_period", columns="bea_code", values="value", aggfunc="first")
    go.index = pd.PeriodIndex(go.index.astype(str), freq="Q")
    go = go.sort_index()
    when = bea_quarterly_published if dating == "release" else bea_quarterly_timing
    pub = pd.Series([pd.Timestamp(when(q)) for q in go.index], index=go.index)
    return go.astype(float), pub


def monthly_logs(monthly: pd.DataFrame, series: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide monthly ``log value`` (months x series) and the matching publication dates, for positive series."""
    sel = monthly[monthly["series_id"].isin(series)]
    sel = sel[sel["source"].isin(["g17", "fredmd", "ces", "census_mrts"])]
    val = sel.pivot_table(index="month", columns="series_id", values="value", aggfunc="first").sort_index()
    pub = sel.pivot_table(index="month", columns="series_id", values="published_date", aggfunc="first")
    missing = sorted(set(series) - set(val.columns))
    if missing:
        raise NowcastError(f"indicators {missing} are not in macro_monthly: run `econgraph ingest` (source macro)")
    if (val <= 0).any().any():
        bad = list(val.columns[(val <= 0).any()])
        raise NowcastError(f"indicators {bad} have non-positive values: log growth is undefined")
    val.index = pd.PeriodIndex(pd.to_datetime(val.index), freq="M")
    pub.index = pd.PeriodIndex(pd.to_datetime(pub.index), freq="M")
    return np.log(val[series]), pub.reindex(columns=series).apply(pd.to_datetime)


def quarter_features(logs: pd.DataFrame, n_months: int) -> pd.DataFrame:
    """Quarters x series: ``mean`` of the first ``n_months`` log levels of each quarter minus the mean of the
    previous quarter's three (NaN where a month is missing)."""
    months = pd.period_range(logs.index.min(), logs.index.max(), freq="M")
    full = logs.reindex(months)
    q = months.asfreq("Q")
    pos = np.asarray([(m - m.asfreq("Q").asfreq("M", "start")).n for m in months])
    cur = full[pos < n_months].groupby(q[pos < n_months]).mean()
    cur[full[pos < n_months].isna().groupby(q[pos < n_months]).any()] = np.nan
    whole = full.groupby(q).mean()
    whole[full.isna().groupby(q).any() | (full.groupby(q).size() < 3).to_numpy()[:, None]] = np.nan
    prev = whole.shift(1)
    prev.index = whole.index
    return (cur - prev.reindex(cur.index))


def months_available(pub: pd.DataFrame, quarter: pd.Period, as_of: pd.Timestamp) -> pd.Series:
    """How many leading months of ``quarter`` each series has published by ``as_of`` (0..3)."""
    start = quarter.asfreq("M", "start")
    p = pub.reindex(pd.period_range(start, periods=3, freq="M"))
    ok = (p <= as_of).fillna(False).astype(int)
    return ok.cumprod().sum().astype(int)  # leading months only (a hole stops the count)


@dataclass
class RealtimeSeries:
    """Revisions of one indicator (rows of ``realtime_vintages``: month, value, date of the vintage)."""

    months: pd.PeriodIndex
    values: np.ndarray
    dates: np.ndarray  # datetime64, vintage date of each row
    source: str  # e.g. "RTDSM EMPLOY"

    def as_of(self, date: pd.Timestamp) -> tuple[pd.Timestamp | None, pd.Series]:
        """(date of the vintage in effect, its values by month); (None, empty) before the first vintage."""
        ok = self.dates <= np.datetime64(pd.Timestamp(date))
        if not ok.any():
            return None, pd.Series(dtype=float)
        sel = pd.DataFrame({"m": self.months[ok], "v": self.values[ok], "d": self.dates[ok]}).sort_values("d",
                                                                                                       kind="stable")
        vint = sel.groupby("m")["v"].last()
        return pd.Timestamp(sel["d"].max()), vint


@dataclass
class NowcastInputs:
    go: pd.DataFrame  # quarters x industries, USD millions SAAR
    go_published: pd.Series
    logs: pd.DataFrame  # months x series, log level (the snapshot's vintage)
    pub: pd.DataFrame  # months x series, publication dates
    own: dict[str, str]
    _cache: dict = None
    realtime: dict = None  # series -> RealtimeSeries (values as published, by vintage)
    snapshot_vintage_date: pd.Timestamp | None = None  # from this date the snapshot is the vintage in effect
    dating: str = "release"
    extra: dict = None  # BEA industry -> extra indicator series (CES, Census retail; gnn.nowcast_history)
    #: hook: ``prior(inp, code, series, as_of) -> (b0, var) | None``, a normal prior on the coefficient of the
    #: industry's own indicator in its bridge equation (e.g. gnn.nowcast_history.AnnualPrior from annual accounts)
    prior: object = None

    def __post_init__(self) -> None:
        self._cache = {}
        self.realtime = dict(self.realtime or {})
        self.extra = dict(self.extra or {})

    @property
    def growth(self) -> pd.DataFrame:
        if "growth" not in self._cache:
            self._cache["growth"] = np.log(self.go).diff()
        return self._cache["growth"]

    def features(self, n_months: int) -> pd.DataFrame:
        if n_months not in self._cache:
            self._cache[n_months] = quarter_features(self.logs, n_months)
        return self._cache[n_months]

    def series_for(self, code: str) -> list[str]:
        own = self.own.get(code)
        return ([own] if own else []) + list(self.extra.get(code, [])) + [s for s in COMMON_INDICATORS if s != own]

    def vintages_at(self, as_of: pd.Timestamp) -> dict[str, pd.Timestamp]:
        """Series -> date of the real-time vintage in effect at ``as_of`` (series without one are left out)."""
        as_of = pd.Timestamp(as_of)
        if self.snapshot_vintage_date is not None and as_of >= self.snapshot_vintage_date:
            return {}
        out = {}
        for sid, rt in self.realtime.items():
            ok = rt.dates <= np.datetime64(as_of)
            if ok.any():
                out[sid] = pd.Timestamp(rt.dates[ok].max())
        return out

    def at(self, as_of: pd.Timestamp) -> "NowcastInputs":
        """These inputs as the nowcaster saw them at ``as_of``: each real-time series replaced by its vintage in
        effect then (module docstring); ``self`` when no vintage applies. Views are cached per vintage set."""
        key = tuple(sorted(self.vintages_at(as_of).items()))
        if not key:
            return self
        views = self._cache.setdefault("views", {})
        if key not in views:
            logs = self.logs.copy()
            for sid, _ in key:
                _, vint = self.realtime[sid].as_of(as_of)
                logs[sid] = splice_vintage(self.logs[sid], np.log(vint))
            views[key] = NowcastInputs(go=self.go, go_published=self.go_published, logs=logs, pub=self.pub,
                                       own=self.own, dating=self.dating, extra=self.extra, prior=self.prior)
            views[key]._cache["growth"] = self.growth
        return views[key]


def splice_vintage(snapshot: pd.Series, vintage: pd.Series) -> pd.Series:
    """Monthly log levels of a vintage on the snapshot's months, extended after the vintage's last month with the
    snapshot's growth; months before the vintage's first stay missing (the vintage is the information)."""
    vintage = vintage.dropna()
    vintage.index = pd.PeriodIndex(vintage.index, freq="M")
    out = vintage.reindex(snapshot.index)
    last = vintage.index.max()
    after = snapshot.index > last
    if after.any():
        if last not in snapshot.index or not np.isfinite(snapshot.get(last, np.nan)):
            raise NowcastError(f"cannot splice {snapshot.name}: the snapshot has no value for {last}")
        out[after] = vintage[last] + snapshot[after] - snapshot[last]
    return out


def realtime_series(table: pd.DataFrame, series: list[str]) -> dict[str, RealtimeSeries]:
    """``realtime_vintages`` rows of the variables whose FRED-MD equivalent is among ``series``
    (:data:`ingest.realtime.FREDMD_EQUIVALENT`), monthly observations only."""
    from ingest.realtime import FREDMD_EQUIVALENT

    out = {}
    for variable, sid in FREDMD_EQUIVALENT.items():
        if sid not in series:
            continue
        sel = table[(table["variable"] == variable) & (table["frequency"] == "M")]
        if sel.empty:
            continue
        out[sid] = RealtimeSeries(pd.PeriodIndex(sel["obs_period"].astype(str), freq="M"),
                                  sel["value"].to_numpy(dtype=float),
                                  pd.to_datetime(sel["published_date"]).to_numpy(dtype="datetime64[ns]"),
                                  f"RTDSM {variable}")
    return out


def snapshot_vintage_date(monthly: pd.DataFrame) -> pd.Timestamp | None:
    """Last day of the FRED-MD vintage month (``fred-md-2025-12`` -> 2025-12-31), None when not stated."""
    v = monthly.loc[monthly["source"] == "fredmd", "vintage"].dropna().astype(str).unique()
    dates = [pd.Period(x.removeprefix("fred-md-"), freq="M").end_time.normalize() for x in v
             if len(x) >= 7 and x.startswith("fred-md-")]
    return max(dates) if dates else None


def nowcast_inputs(gdp: pd.DataFrame, monthly: pd.DataFrame, own: dict[str, str] | None = None,
                   realtime: pd.DataFrame | None = None, dating: str = "release",
                   extra_monthly: pd.DataFrame | None = None,
                   extra_own: dict[str, list[str]] | None = None, prior=None) -> NowcastInputs:
    """Inputs of every nowcaster. ``realtime`` (the ``realtime_vintages`` table) switches on the real-time
    vintages (module docstring); ``dating`` = ``release`` | ``schedule`` for the BEA quarters; ``extra_monthly``
    (rows in the ``macro_monthly`` layout) with ``extra_own`` (industry -> series) adds indicators to the bridge
    equations of those industries (:mod:`gnn.nowcast_history`: CES employment and Census retail by industry)."""
    own = dict(OWN_INDICATOR if own is None else own)
    go, go_pub = gross_output_panel(gdp, dating)
    unknown = sorted(set(go.columns) - set(own))
    if unknown:
        raise NowcastError(f"industries {unknown[:5]} have no own indicator in OWN_INDICATOR")
    series = sorted(set(own.values()) | set(COMMON_INDICATORS))
    extra_own = {k: list(v) for k, v in (extra_own or {}).items()}
    frame = monthly
    if extra_monthly is not None and len(extra_monthly):
        cols = ["source", "series_id", "month", "value", "published_date"]
        frame = pd.concat([monthly[cols], extra_monthly[cols]], ignore_index=True)
        series = sorted(set(series) | {s for v in extra_own.values() for s in v})
    elif extra_own:
        raise NowcastError("extra_own names indicators but no extra_monthly rows were given")
    logs, pub = monthly_logs(frame, series)
    rt = realtime_series(realtime, series) if realtime is not None else {}
    return NowcastInputs(go=go, go_published=go_pub, logs=logs, pub=pub, own=own, realtime=rt,
                         snapshot_vintage_date=snapshot_vintage_date(monthly) if rt else None, dating=dating,
                         extra=extra_own, prior=prior)


def decision_date(inp: NowcastInputs, quarter: pd.Period) -> pd.Timestamp:
    """The walk-forward's decision date for ``quarter``: the day before BEA publishes it under ``inp.dating``."""
    q = pd.Period(quarter, freq="Q")
    if q in inp.go_published.index:
        return pd.Timestamp(inp.go_published[q]) - pd.Timedelta(days=1)
    when = bea_quarterly_published if inp.dating == "release" else bea_quarterly_timing
    return pd.Timestamp(when(q)) - pd.Timedelta(days=1)


def _features(inp: NowcastInputs, series: list[str], quarters, n: pd.Series) -> pd.DataFrame:
    cols = [s for s in series if n[s] > 0]
    idx = pd.PeriodIndex(quarters, freq="Q")
    return pd.DataFrame({s: inp.features(int(n[s]))[s].reindex(idx).to_numpy() for s in cols}, index=idx)


def _residual_quantiles(resid: np.ndarray, p: int, quantiles=QUANTILES) -> np.ndarray:
    n = len(resid)
    inflate = np.sqrt(n / max(n - p, 1))
    return np.quantile(resid * inflate, quantiles)


@dataclass
class StepFit:
    """One industry's fitted equation for one target quarter: median, residuals (by training quarter)."""

    median: float
    resid: pd.Series
    n_params: int


def _ols(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    return beta


def _with_prior(X: np.ndarray, y: np.ndarray, beta: np.ndarray, j: int, b0: float, var0: float) -> np.ndarray:
    """Posterior mode of the bridge coefficients with a normal prior ``b_j ~ N(b0, var0)`` and a flat prior on the
    others, the noise variance fixed at the OLS estimate ``s^2``: ``(X'X + L) b = X'y + L b0`` with ``L = s^2 / var0``
    at ``j`` (a ridge towards ``b0``)."""
    n, p = X.shape
    resid = y - X @ beta
    s2 = float(resid @ resid) / max(n - p, 1)
    lam = np.zeros(p)
    lam[j] = s2 / max(var0, 1e-12)
    target = np.zeros(p)
    target[j] = b0
    return np.linalg.solve(X.T @ X + np.diag(lam), X.T @ y + lam * target)


def bridge_step(inp: NowcastInputs, quarter: pd.Period, as_of: pd.Timestamp, known: pd.PeriodIndex,
                code: str) -> StepFit:
    """Bridge equation for industry ``code`` and quarter ``quarter`` with the information of ``as_of``."""
    key = ("avail", quarter, as_of)
    if key not in inp._cache:
        inp._cache[key] = months_available(inp.pub, quarter, as_of)
    n = inp._cache[key]
    series = inp.series_for(code)
    cols = [s for s in series if n[s] > 0]
    y_all = inp.growth[code].reindex(known)
    if cols:
        feats = pd.concat([inp.features(int(n[s]))[s] for s in cols], axis=1).reindex(known.append(
            pd.PeriodIndex([quarter])))
    else:
        feats = pd.DataFrame(index=known.append(pd.PeriodIndex([quarter])))
    Xtr = feats.iloc[:-1]
    ok = (Xtr.notna().all(axis=1) & y_all.notna()).to_numpy()
    y = y_all.to_numpy()[ok]
    X = np.column_stack([np.ones(int(ok.sum())), Xtr.to_numpy()[ok]])
    if len(y) < X.shape[1] + 8:
        raise NowcastError(f"industry {code}, quarter {quarter}: only {len(y)} training quarters with complete "
                           f"indicators as of {as_of.date()}")
    beta = _ols(X, y)
    own = inp.own.get(code)
    if inp.prior is not None and cols and cols[0] == own:
        pr = inp.prior(inp, code, own, as_of)
        if pr is not None:
            beta = _with_prior(X, y, beta, 1, *pr)
    x_now = feats.iloc[-1].to_numpy()
    if np.isnan(x_now).any():
        raise NowcastError(f"industry {code}: indicator feature for {quarter} is missing as of {as_of.date()}")
    xq = np.concatenate([[1.0], x_now])
    return StepFit(float(xq @ beta), pd.Series(y - X @ beta, index=Xtr.index[ok]), X.shape[1])


def ar_step(inp: NowcastInputs, quarter: pd.Period, known: pd.PeriodIndex, code: str,
            lag_value: float | None = None) -> StepFit:
    """AR(1) in the industry's growth, fitted on the quarters published by the decision date."""
    g = inp.growth[code].reindex(known).dropna()
    y, x = g.iloc[1:].to_numpy(), g.shift(1).iloc[1:].to_numpy()
    X = np.column_stack([np.ones(len(x)), x])
    beta = _ols(X, y)
    last = g.iloc[-1] if lag_value is None else lag_value
    return StepFit(float(beta[0] + beta[1] * last), pd.Series(y - X @ beta, index=g.index[1:]), 2)


def known_quarters(inp: NowcastInputs, as_of: pd.Timestamp) -> pd.PeriodIndex:
    """Quarters whose growth ``log GO_t - log GO_{t-1}`` was public at ``as_of``: ``t`` and ``t - 1`` both
    published by then. (Under release dating, 2012Q1 was published in April 2014 but 2011Q4 only in November 2018,
    so 2012Q1's growth is unknown in between.) The last element is the last published quarter."""
    pub = inp.go_published
    ok = (pub <= as_of).to_numpy()
    prev = pub.reindex(pub.index - 1).to_numpy()
    prev_ok = np.array([pd.notna(p) and pd.Timestamp(p) <= as_of for p in prev])
    return pub.index[ok & prev_ok]


def nowcast_path(inp: NowcastInputs, target: pd.Period, as_of: pd.Timestamp, model: str = "bridge",
                 quantiles=QUANTILES, seed: int = 0) -> pd.DataFrame:
    """Quantiles of ``log GO_{i,target} - log GO_{i,k}`` (k = last BEA quarter published by ``as_of``) and the
    implied gross output levels, per industry (columns ``q0.025`` .. and ``go_q0.5_usd_millions`` ...)."""
    return nowcast_paths(inp, target, as_of, model, quantiles, seed)[pd.Period(target, freq="Q")]


def nowcast_paths(inp: NowcastInputs, target: pd.Period, as_of: pd.Timestamp, model: str = "bridge",
                  quantiles=QUANTILES, seed: int = 0) -> dict[pd.Period, pd.DataFrame]:
    """:func:`nowcast_path` for every quarter from ``k + 1`` to ``target`` in one pass (quarter -> frame). The
    bootstrap draws step by step from one generator, so the frame of an intermediate quarter equals what
    :func:`nowcast_path` gives for that quarter alone (same seed)."""
    target = pd.Period(target, freq="Q")
    inp = inp.at(as_of)
    known = known_quarters(inp, as_of)
    if not len(known):
        raise NowcastError(f"no BEA quarter was published by {as_of.date()}")
    last = known[-1]
    steps = [last + h for h in range(1, (target - last).n + 1)]
    if not steps:
        raise NowcastError(f"quarter {target} was already published by {as_of.date()} (last published {last})")
    codes = list(inp.go.columns)
    med = np.zeros(len(codes))
    prev = {c: None for c in codes}
    rng = np.random.default_rng(seed)
    total = np.zeros((BOOTSTRAP_DRAWS, len(codes)))
    base = inp.go.loc[last, codes].to_numpy()
    paths = {}
    for h, q in enumerate(steps, start=1):
        fits = {}
        for c in codes:
            if model == "bridge":
                fits[c] = bridge_step(inp, q, as_of, known, c)
            elif model == "ar":
                fits[c] = ar_step(inp, q, known, c, prev[c])
                prev[c] = fits[c].median
            else:
                raise NowcastError(f"unknown nowcast model {model!r}; expected 'bridge' or 'ar'")
        med += np.array([fits[c].median for c in codes])
        r = pd.DataFrame({c: fits[c].resid * np.sqrt(len(fits[c].resid) / max(
            len(fits[c].resid) - fits[c].n_params, 1)) for c in codes}).dropna()
        total += r.to_numpy()[rng.integers(0, len(r), BOOTSTRAP_DRAWS)]
        qs = med[None, :] + np.quantile(total, quantiles, axis=0)
        out = pd.DataFrame(qs.T, index=pd.Index(codes, name="bea_code"), columns=[f"q{t:g}" for t in quantiles])
        for t in quantiles:
            out[f"go_q{t:g}_usd_millions"] = base * np.exp(out[f"q{t:g}"].to_numpy())
        out["base_quarter"] = str(last)
        out["horizon_quarters"] = h
        paths[q] = out
    return paths


def nowcast_dates(inp: NowcastInputs, information_date: pd.Timestamp | None = None) -> dict[str, pd.Timestamp]:
    """Quarters after the last BEA quarter up to the last quarter with any indicator month, each with its decision
    date ``min(BEA release date of the quarter, the snapshot's information date)``. The information date is the
    latest first-release date among the inputs (``information_date``, e.g. the newest OEWS file's release; at
    least the last indicator publication): a quarter BEA would have published by then is decided the day it would
    have been published, the latest quarters are decided "now"."""
    last_bea = inp.go.index[-1]
    data_end = pd.Timestamp(inp.pub.max().max())
    if information_date is not None:
        data_end = max(data_end, pd.Timestamp(information_date))
    last_month = inp.pub.index[inp.pub.notna().any(axis=1).to_numpy()][-1]
    last_q = last_month.asfreq("Q")
    out = {}
    q = last_bea + 1
    while q <= last_q:
        out[str(q)] = min(pd.Timestamp(bea_quarterly_published(q)), data_end)
        q += 1
    return out


def as_of_date(d: dt.date | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(d).normalize()
