r"""Out-of-sample calibration of the *live* multi-quarter nowcast bands, per horizon (split conformal).

**Method.** A live nowcast decided at ``D`` (``as_of``) with base quarter ``k`` (the last BEA quarter published by
``D``) and horizon ``h`` (target ``k + h``) gives raw quantiles ``q_tau`` of the cumulative log growth
``log GO_{k+h} - log GO_k`` (:func:`gnn.nowcast.nowcast_path`, residual bootstrap). They are recalibrated as in the
walk-forward (:mod:`gnn.nowcast_calibrate`: scaled per-level conformal shifts, sorted), with a calibration set made
of the same model's own pseudo-real-time ``h``-step nowcasts of earlier quarters:

* **calibration quarters** ``s``: the last ``K`` quarters (default :data:`DEFAULT_CALIBRATION_QUARTERS` = 20) whose
  growth BEA had published by ``D`` (:func:`gnn.nowcast.known_quarters`; never the target, which is unpublished at
  ``D``); at least :data:`gnn.nowcast_calibrate.MIN_CALIBRATION_QUARTERS`, else nothing is calibrated;
* **their nowcasts**: ``s`` nowcast at ``D_s^h = `` :func:`gnn.nowcast.decision_date` ``(s - h + 1)``, the day
  before BEA published ``s - h + 1``, so ``s - h`` was the last published quarter and ``s`` was ``h`` quarters ahead
  (the inputs as seen then, real-time vintages included, :meth:`gnn.nowcast.NowcastInputs.at`). A quarter whose
  base at that date is not ``s - h`` (irregular publication, e.g. the 2018 comprehensive update) or that the model
  cannot nowcast then (too little history) is left out;
* **scores** ``r_tau = (y_s - q_tau(s)) / sigma^h_s`` per industry, ``y_s = log GO_s - log GO_{s-h}`` (actuals
  published by ``D``), ``sigma^h_s`` the s.d. of the industry's ``h``-quarter cumulative growth
  ``log GO_t - log GO_{t-h}`` over the quarters ``t`` with ``t`` and ``t - h`` published by ``D_s^h`` (known in
  real time; for ``h = 1`` the walk-forward's scale);
* **shifts** ``delta_tau`` = the conformal ``tau``-quantile of the pooled scores (``level_shifts``); the live
  quantile is ``sort(q_tau + delta_tau sigma^h_D)`` with ``sigma^h_D`` the same scale over the quarters published
  by ``D``; gross-output levels follow as ``GO_k exp(q'_tau)``.

**Cost.** All ``h``-step nowcasts made at one decision date come from one chained pass
(:func:`gnn.nowcast.nowcast_paths`, identical to separate calls), cached per decision date, and the shifts are
cached per ``(h, D)``: the six live quarters (horizons 1-6, base 2024Q3) need ``K + 5`` passes.

**Caveat.** The calibration nowcast of ``s`` is decided the day before ``s - h + 1`` is published; a live quarter may
be decided later than that relative to its target (the snapshot stops at BEA's 2024Q3 while indicators run to
2026Q1), with more indicator months, so for such quarters the calibrated band is, if anything, conservative.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .nowcast import QUANTILES, NowcastError, NowcastInputs, decision_date, known_quarters, nowcast_paths
from .nowcast_calibrate import MIN_CALIBRATION_QUARTERS, apply_shifts, level_shifts

DEFAULT_CALIBRATION_QUARTERS = 20
QCOLS = [f"q{t:g}" for t in QUANTILES]


def cumulative_sigma(inp: NowcastInputs, h: int, as_of: pd.Timestamp) -> pd.Series:
    """Per industry, the s.d. of ``log GO_t - log GO_{t-h}`` over the quarters ``t`` with ``t`` and ``t - h`` both
    published by ``as_of`` (for ``h = 1`` the s.d. of the known growths, as in the walk-forward)."""
    pub = inp.go_published
    ok = pub[pub <= pd.Timestamp(as_of)].index
    ts = ok[(ok - h).isin(ok)]  # t - h also published
    lg = np.log(inp.go)
    cum = lg.loc[ts].to_numpy() - lg.loc[ts - h].to_numpy()
    return pd.DataFrame(cum, index=ts, columns=inp.go.columns).std()


@dataclass
class Calibration:
    """Shifts for one horizon and decision date, and what they were estimated from."""

    horizon: int
    as_of: pd.Timestamp
    delta: np.ndarray | None  # None: too few calibration quarters
    quarters: list = field(default_factory=list)  # calibration quarters used (str)
    skipped: list = field(default_factory=list)  # (quarter, why)

    def describe(self) -> str:
        if self.delta is None:
            return (f"none: {len(self.quarters)} calibration quarters for horizon {self.horizon} by "
                    f"{self.as_of.date()} (need {MIN_CALIBRATION_QUARTERS})")
        return (f"split conformal, horizon {self.horizon}, {len(self.quarters)} calibration quarters, from "
                f"{self.quarters[0]}..{self.quarters[-1]} (own {self.horizon}-step nowcasts in pseudo real time)")

    def record(self) -> dict:
        return {"method": "split conformal, scaled per-level shifts (gnn.nowcast_live_calibration)",
                "horizon_quarters": self.horizon, "as_of": self.as_of.date().isoformat(),
                "n_quarters": len(self.quarters), "first": self.quarters[0] if self.quarters else None,
                "last": self.quarters[-1] if self.quarters else None,
                "shifts": None if self.delta is None else {f"{t:g}": float(d) for t, d in zip(QUANTILES, self.delta)},
                "skipped": [f"{q}: {why}" for q, why in self.skipped], "text": self.describe()}


class LiveCalibrator:
    """Per-horizon conformal shifts for live nowcasts of ``model`` (module docstring), cached per decision date."""

    def __init__(self, inp: NowcastInputs, model: str = "bridge", n_quarters: int = DEFAULT_CALIBRATION_QUARTERS,
                 max_horizon: int = 6):
        if n_quarters < MIN_CALIBRATION_QUARTERS:
            raise ValueError(f"n_quarters = {n_quarters}: at least {MIN_CALIBRATION_QUARTERS} calibration quarters")
        self.inp, self.model, self.n_quarters, self.max_horizon = inp, model, n_quarters, max_horizon
        self._paths: dict = {}  # decision date -> (base, {target: q [N, K]}) or NowcastError
        self._shifts: dict = {}  # (h, as_of) -> Calibration
        self.passes = 0  # chained nowcast passes computed (for tests and timing)

    def _nowcast(self, date: pd.Timestamp, target: pd.Period):
        """(base quarter, raw quantiles [N, K]) of ``target`` nowcast at ``date``; raises NowcastError."""
        hit = self._paths.get(date)
        if hit is None or (not isinstance(hit, NowcastError) and target > hit[0] and target not in hit[1]):
            last = self.inp.go.index[-1]  # no actuals after it: nothing later can be a calibration quarter
            base = known_quarters(self.inp, date)
            base = base[-1] if len(base) else None
            upto = max(target, min(base + self.max_horizon, last)) if base is not None else target
            try:
                paths = nowcast_paths(self.inp, upto, date, self.model)
                self.passes += 1
                first = next(iter(paths.values()))
                hit = (pd.Period(first["base_quarter"].iloc[0], freq="Q"),
                       {t: f[QCOLS].reindex(self.inp.go.columns).to_numpy() for t, f in paths.items()})
            except NowcastError as e:
                hit = e
            self._paths[date] = hit
        if isinstance(hit, NowcastError):
            raise hit
        if target not in hit[1]:
            raise NowcastError(f"quarter {target} is not ahead of the last quarter published on {date.date()} "
                               f"({hit[0]})")
        return hit[0], hit[1][target]

    def calibration_quarters(self, as_of: pd.Timestamp) -> pd.PeriodIndex:
        """Candidate calibration quarters at ``as_of``: quarters whose growth was published by then (newest last)."""
        return known_quarters(self.inp, pd.Timestamp(as_of))

    def shifts(self, h: int, as_of: pd.Timestamp) -> Calibration:
        """Conformal shifts for horizon ``h`` at decision date ``as_of`` (module docstring)."""
        as_of = pd.Timestamp(as_of)
        key = (int(h), as_of)
        if key in self._shifts:
            return self._shifts[key]
        if h < 1:
            raise ValueError(f"horizon {h}: expected at least 1 quarter")
        if h > self.max_horizon:
            self.max_horizon = h
        lg = np.log(self.inp.go)
        pub = self.inp.go_published
        ys, qs, sig, used, skipped = [], [], [], [], []
        for s in reversed(self.calibration_quarters(as_of)):
            if len(used) == self.n_quarters:
                break
            if s - h not in pub.index or pub[s - h] > as_of:
                skipped.append((str(s), f"{s - h} not published by {as_of.date()}"))
                continue
            date = decision_date(self.inp, s - h + 1)
            try:
                base, q = self._nowcast(date, s)
            except NowcastError as e:
                skipped.append((str(s), str(e)))
                continue
            if base != s - h:
                skipped.append((str(s), f"last published quarter on {date.date()} was {base}, not {s - h}"))
                continue
            ys.append((lg.loc[s] - lg.loc[s - h]).to_numpy())
            qs.append(q)
            sig.append(cumulative_sigma(self.inp, h, date).to_numpy())
            used.append(s)
        used = used[::-1]
        delta = None
        if len(used) >= MIN_CALIBRATION_QUARTERS:
            y, q, s = np.concatenate(ys), np.concatenate(qs), np.concatenate(sig)
            ok = np.isfinite(y) & np.isfinite(q).all(axis=1) & np.isfinite(s) & (s > 0)
            delta = level_shifts(y[ok], q[ok], s[ok])
        cal = Calibration(int(h), as_of, delta, [str(x) for x in used], skipped)
        self._shifts[key] = cal
        return cal

    def calibrate(self, frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
        """A :func:`gnn.nowcast.nowcast_path` frame decided at ``as_of`` with calibrated quantiles: ``q*`` and
        ``go_q*_usd_millions`` replaced, the raw ones kept as ``raw_q*`` / ``raw_go_q*_usd_millions``, a
        ``calibration`` column (text) and ``frame.attrs["calibration"]`` (the record)."""
        as_of = pd.Timestamp(as_of)
        h = int(frame["horizon_quarters"].iloc[0])
        base = pd.Period(str(frame["base_quarter"].iloc[0]), freq="Q")
        known = known_quarters(self.inp, as_of)
        if not len(known) or known[-1] != base:
            raise NowcastError(f"calibration: the frame's base quarter {base} is not the last quarter published by "
                               f"{as_of.date()}")
        cal = self.shifts(h, as_of)
        out = frame.copy()
        gocols = [f"go_{c}_usd_millions" for c in QCOLS]
        for c in QCOLS + gocols:
            out[f"raw_{c}"] = frame[c]
        if cal.delta is not None:
            sigma = cumulative_sigma(self.inp, h, as_of).reindex(frame.index).to_numpy()
            sigma = np.where(np.isfinite(sigma) & (sigma > 0), sigma, np.nanmedian(sigma))
            q = apply_shifts(frame[QCOLS].to_numpy(), sigma, cal.delta)
            levels = self.inp.go.loc[base].reindex(frame.index).to_numpy()
            for k, c in enumerate(QCOLS):
                out[c] = q[:, k]
                out[f"go_{c}_usd_millions"] = levels * np.exp(q[:, k])
        out["calibration"] = cal.describe()
        out.attrs["calibration"] = cal.record()
        return out


def walk_forward_coverage(inp: NowcastInputs, first: str = "2019Q1", last: str = "2024Q3", horizons=(1, 2, 3, 4),
                          model: str = "bridge", n_quarters: int = DEFAULT_CALIBRATION_QUARTERS,
                          calibrator: LiveCalibrator | None = None) -> pd.DataFrame:
    """Out-of-sample check of the live calibration: for each target ``t`` in ``first..last`` and horizon ``h``, the
    ``h``-step nowcast decided at :func:`gnn.nowcast.decision_date` ``(t - h + 1)`` (base ``t - h``) is calibrated
    with the shifts of that date (quarters published by then only) and scored against ``log GO_t - log GO_{t-h}``.
    One row per (horizon, quarter): ``covered_raw`` / ``covered`` (share of industries inside the central 95%
    band), ``n`` industries, ``n_calibration`` quarters; quarters that cannot be nowcast or calibrated are left out."""
    from .metrics import pinball

    cal = calibrator or LiveCalibrator(inp, model, n_quarters, max_horizon=max(horizons))
    lg = np.log(inp.go)
    rows = []
    for h in horizons:
        for t in pd.period_range(first, last, freq="Q"):
            date = decision_date(inp, t - h + 1)
            try:
                base, q = cal._nowcast(date, t)
            except NowcastError:
                continue
            if base != t - h:
                continue
            c = cal.shifts(h, date)
            if c.delta is None:
                continue
            y = (lg.loc[t] - lg.loc[t - h]).to_numpy()
            sigma = cumulative_sigma(inp, h, date).reindex(inp.go.columns).to_numpy()
            sigma = np.where(np.isfinite(sigma) & (sigma > 0), sigma, np.nanmedian(sigma))
            qc = apply_shifts(q, sigma, c.delta)
            ok = np.isfinite(y) & np.isfinite(q).all(axis=1)
            lo, hi = QUANTILES.index(0.025), QUANTILES.index(0.975)
            row = {"horizon": h, "quarter": str(t), "as_of": date.date().isoformat(), "n": int(ok.sum()),
                   "n_calibration": len(c.quarters)}
            for tag, qq in (("_raw", q), ("", qc)):
                yy, qo = y[ok], qq[ok]
                row[f"covered{tag}"] = float(((yy >= qo[:, lo]) & (yy <= qo[:, hi])).mean())
                row[f"pinball{tag}"] = float(pinball(yy, qo, QUANTILES).mean())
            rows.append(row)
    return pd.DataFrame(rows)
