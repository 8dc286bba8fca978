"""Live nowcast bands calibrated per horizon: only quarters published by the decision date calibrate, too-narrow
bands are widened to ~95% coverage out of sample, the live frames carry the record, one pass serves all horizons."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gnn import nowcast as nc
from gnn import nowcast_live_calibration as lc
from gnn.nowcast import QUANTILES, NowcastInputs, decision_date, known_quarters

CODES = ["A", "B", "C"]


def _inputs(first="2000Q1", last="2020Q4", seed=0, rho=0.6) -> NowcastInputs:
    """Three industries whose growth follows their own monthly indicator plus AR(1) noise (the bridge's bootstrap
    draws independent steps, so its multi-quarter bands are too narrow); BEA publishes a quarter 60 days after it
    ends, indicators 20 days after the month."""
    rng = np.random.default_rng(seed)
    quarters = pd.period_range(first, last, freq="Q")
    months = pd.period_range(quarters[0].asfreq("M", "start") - 3, quarters[-1].asfreq("M", "end") + 6, freq="M")
    series = [f"X{c}" for c in CODES] + list(nc.COMMON_INDICATORS)
    logs = pd.DataFrame(np.cumsum(rng.normal(0.002, 0.01, (len(months), len(series))), axis=0), index=months,
                        columns=series)
    pub = pd.DataFrame({s: [m.end_time.normalize() + pd.Timedelta(days=20) for m in months] for s in series},
                       index=months)
    x = nc.quarter_features(logs, 3).reindex(quarters)
    e = np.zeros((len(quarters), len(CODES)))
    for t in range(1, len(quarters)):
        e[t] = rho * e[t - 1] + rng.normal(0, 0.01, len(CODES))
    g = 0.005 + 0.8 * x[[f"X{c}" for c in CODES]].fillna(0).to_numpy() + e
    go = pd.DataFrame(1000.0 * np.exp(np.cumsum(g, axis=0)), index=quarters, columns=CODES)
    go_pub = pd.Series([q.end_time.normalize() + pd.Timedelta(days=60) for q in quarters], index=quarters)
    return NowcastInputs(go=go, go_published=go_pub, logs=logs, pub=pub, own={c: f"X{c}" for c in CODES})


def test_calibration_set_is_published_by_the_decision_date_and_excludes_the_target():
    inp = _inputs()
    as_of = decision_date(inp, pd.Period("2015Q1", freq="Q"))  # 2014Q4 is the last published quarter
    base = known_quarters(inp, as_of)[-1]
    assert base == pd.Period("2014Q4", freq="Q")
    h = 2
    c = lc.LiveCalibrator(inp, n_quarters=8).shifts(h, as_of)
    used = pd.PeriodIndex(c.quarters, freq="Q")
    assert len(used) == 8 and used[-1] == base and str(base + h) not in c.quarters
    assert (inp.go_published[used] <= as_of).all() and (inp.go_published[used - h] <= as_of).all()
    for s in used:  # each nowcast decided when s - h was the last published quarter
        assert known_quarters(inp, decision_date(inp, s - h + 1))[-1] == s - h
    # quarters published after the decision date (the target among them) cannot move the shifts
    tampered = _inputs()
    late = tampered.go_published > as_of
    tampered.go.loc[late] = tampered.go.loc[late] * np.exp(np.random.default_rng(1).normal(0, 0.5, (late.sum(), 3)))
    c2 = lc.LiveCalibrator(tampered, n_quarters=8).shifts(h, as_of)
    np.testing.assert_allclose(c2.delta, c.delta)
    assert c2.quarters == c.quarters
    # ... while a published one does
    tampered.go.loc[pd.Period("2014Q3", freq="Q")] *= 1.3
    assert not np.allclose(lc.LiveCalibrator(tampered, n_quarters=8).shifts(h, as_of).delta, c.delta)


def test_cumulative_sigma_is_the_walk_forward_scale_at_h1_and_point_in_time():
    inp = _inputs()
    as_of = decision_date(inp, pd.Period("2012Q1", freq="Q"))
    known = known_quarters(inp, as_of)
    pd.testing.assert_series_equal(lc.cumulative_sigma(inp, 1, as_of), inp.growth.reindex(known).std())
    lg = np.log(inp.go.loc[:known[-1]])
    assert lc.cumulative_sigma(inp, 3, as_of)["B"] == pytest.approx((lg["B"] - lg["B"].shift(3)).std())


def _fake_paths(mu, sd):
    """A nowcaster whose bands are half as wide as they should be (GO is a random walk with drift ``mu`` and step
    s.d. ``sd`` per industry): median ``h mu``, quantiles ``h mu + 0.5 sd sqrt(h) z``."""
    z = np.array([-1.959964, -1.644854, 0.0, 1.644854, 1.959964])

    def paths(inp, target, as_of, model="bridge"):
        base = known_quarters(inp, as_of)[-1]
        out = {}
        for h in range(1, (target - base).n + 1):
            q = h * mu[:, None] + 0.5 * sd[:, None] * np.sqrt(h) * z[None, :]
            f = pd.DataFrame(q, index=pd.Index(inp.go.columns, name="bea_code"), columns=lc.QCOLS)
            for c in lc.QCOLS:
                f[f"go_{c}_usd_millions"] = inp.go.loc[base].to_numpy() * np.exp(f[c].to_numpy())
            f["base_quarter"] = str(base)
            f["horizon_quarters"] = h
            out[base + h] = f
        return out
    return paths


def test_too_narrow_bands_are_widened_to_95_percent_out_of_sample(monkeypatch):
    rng = np.random.default_rng(3)
    n, quarters = 60, pd.period_range("2000Q1", "2024Q4", freq="Q")
    mu, sd = rng.uniform(0.0, 0.01, n), rng.uniform(0.005, 0.05, n)  # heteroscedastic across industries
    g = mu[None, :] + sd[None, :] * rng.normal(size=(len(quarters), n))
    codes = [f"I{k}" for k in range(n)]
    go = pd.DataFrame(100.0 * np.exp(np.cumsum(g, axis=0)), index=quarters, columns=codes)
    pub = pd.Series([q.end_time.normalize() + pd.Timedelta(days=60) for q in quarters], index=quarters)
    inp = NowcastInputs(go=go, go_published=pub, logs=pd.DataFrame(), pub=pd.DataFrame(), own={})
    monkeypatch.setattr(lc, "nowcast_paths", _fake_paths(mu, sd))
    wf = lc.walk_forward_coverage(inp, "2008Q1", "2024Q4", horizons=(1, 3))
    assert set(wf["horizon"]) == {1, 3} and (wf["n_calibration"] == lc.DEFAULT_CALIBRATION_QUARTERS).all()
    for h, grp in wf.groupby("horizon"):
        raw, cal = np.average(grp["covered_raw"], weights=grp["n"]), np.average(grp["covered"], weights=grp["n"])
        assert raw < 0.75, (h, raw)
        assert abs(cal - 0.95) < 0.025, (h, cal)
        assert grp["pinball"].mean() < grp["pinball_raw"].mean()
    # a live frame: the band widens, stays sorted, levels follow the calibrated log growth, raw kept
    as_of = decision_date(inp, quarters[-1] + 1)
    cal = lc.LiveCalibrator(inp)
    frame = _fake_paths(mu, sd)(inp, quarters[-1] + 2, as_of)[quarters[-1] + 2]
    out = cal.calibrate(frame, as_of)
    assert ((out["q0.975"] - out["q0.025"]) > 1.5 * (out["raw_q0.975"] - out["raw_q0.025"])).all()
    assert (np.diff(out[lc.QCOLS].to_numpy(), axis=1) >= 0).all()
    np.testing.assert_allclose(out["go_q0.975_usd_millions"], go.iloc[-1].to_numpy() * np.exp(out["q0.975"]))
    pd.testing.assert_series_equal(out["raw_go_q0.5_usd_millions"], frame["go_q0.5_usd_millions"],
                                   check_names=False)
    rec = out.attrs["calibration"]
    assert rec["horizon_quarters"] == 2 and rec["n_quarters"] == 20 and rec["last"] == str(quarters[-1])
    assert out["calibration"].iloc[0].startswith("split conformal, horizon 2, 20 calibration quarters")


def test_live_frames_carry_the_record_and_share_one_pass_per_decision_date():
    from graph.nowcast import _calibration
    from pipeline.nowcast import nowcast_frames

    inp = _inputs()
    last = inp.go.index[-1]
    as_of = inp.go_published[last] + pd.Timedelta(days=100)  # the next quarter would be out by now; BEA stops
    dates = {str(last + h): as_of for h in (1, 2, 3)}
    frames = nowcast_frames(inp, dates, n_calibration=8)
    for h, (q, f) in enumerate(frames.items(), start=1):
        raw = nc.nowcast_path(inp, pd.Period(q, freq="Q"), as_of)
        np.testing.assert_allclose(f["raw_q0.5"], raw["q0.5"])  # the raw nowcast is kept
        assert not np.allclose(f["q0.975"], raw["q0.975"])
        assert (np.diff(f[lc.QCOLS].to_numpy(), axis=1) >= 0).all()
        assert f["calibration"].iloc[0].startswith(f"split conformal, horizon {h}, 8 calibration quarters")
        rec = _calibration(f, f.index)
        assert rec["horizon_quarters"] == h and rec["n_quarters"] == 8 and rec["last"] == str(last)
        assert rec["raw_gross_output_usd_millions"]["q0.975"] == pytest.approx(raw["go_q0.975_usd_millions"].sum())
    assert _calibration(raw, raw.index) == "none"
    plain = nowcast_frames(inp, dates, calibrate=False)
    assert "calibration" not in plain[str(last + 1)].columns


def test_one_chained_pass_equals_separate_paths():
    inp = _inputs()
    as_of = decision_date(inp, pd.Period("2016Q2", freq="Q"))
    paths = nc.nowcast_paths(inp, pd.Period("2016Q4", freq="Q"), as_of)
    assert list(paths) == list(pd.period_range("2016Q2", "2016Q4", freq="Q"))
    for q, f in paths.items():
        pd.testing.assert_frame_equal(f, nc.nowcast_path(inp, q, as_of))
    assert paths[pd.Period("2016Q4", freq="Q")]["horizon_quarters"].iloc[0] == 3
    cal = lc.LiveCalibrator(inp, n_quarters=6, max_horizon=3)
    for h in (1, 2, 3):
        assert cal.shifts(h, as_of).delta is not None
    assert cal.passes == 6 + 2  # one pass per decision date, shared by the three horizons
    with pytest.raises(ValueError, match="at least"):
        lc.LiveCalibrator(inp, n_quarters=2)


def test_run_nowcasts_prints_the_raw_band_and_copes_with_uncalibrated_rows(monkeypatch):
    from rich.console import Console

    import pipeline.nowcast as pn

    go = {"q0.025": 40e6, "q0.5": 55e6, "q0.975": 80e6}
    row = {"quarter": "2026Q1", "as_of": "2026-03-31", "horizon_quarters": 6, "base_quarter": "2024Q3",
           "gross_output_usd_millions": go, "oews_period": "2025-05", "io_year": 2023}
    cal = {"n_quarters": 20, "shifts": {"0.5": 0.1}, "raw_gross_output_usd_millions": {**go, "q0.975": 60e6}}
    rows = [{**row, "calibration": cal}, {**row, "quarter": "2025Q4", "calibration": "none"}]
    monkeypatch.setattr(pn, "build_nowcasts", lambda settings: rows)
    console = Console(record=True, width=300)
    assert pn.run_nowcasts(None, console) == rows
    text = console.export_text()
    assert "raw $40.00T-$60.00T, calibrated on 20 quarters" in text
    assert "2025Q4" in text and text.count("raw $") == 1
