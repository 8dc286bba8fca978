"""Out-of-sample calibration of nowcast quantiles and the Beige Book feature: finite-sample rule, coverage restored
on fresh data, point in time, clear errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gnn.nowcast import QUANTILES
from gnn.nowcast_calibrate import (MIN_CALIBRATION_QUARTERS, OnlineCalibrator, apply_shifts, conformal_shift,
                                   level_shifts)
from gnn.nowcast_text import check_index, quarter_text_features


def test_conformal_shift_uses_the_finite_sample_rank():
    s = np.arange(1.0, 20.0)  # 19 scores: ceil(20 * 0.975) = 20 -> capped at the largest; ceil(20 * 0.9) = 18
    assert conformal_shift(s, 0.975) == 19.0
    assert conformal_shift(s, 0.9) == 18.0
    assert conformal_shift(s, 0.05) == 1.0  # floor(20 * 0.05) = 1
    assert conformal_shift(s, 0.5) == 10.0
    assert conformal_shift(np.array([np.nan, 2.0, 1.0]), 0.5) == 1.5
    with pytest.raises(ValueError, match="no finite"):
        conformal_shift(np.array([np.nan]), 0.5)


def test_shifts_restore_coverage_and_lower_pinball_out_of_sample():
    """Raw quantiles half as wide as they should be and biased: calibrated on one sample, tested on a fresh one."""
    from gnn.metrics import pinball

    rng = np.random.default_rng(0)
    z = np.array([-1.96, -1.645, 0.0, 1.645, 1.96])

    def draw(n):
        sigma = rng.uniform(0.5, 3.0, n)  # heteroscedastic: the scaled scores are what is exchangeable
        y = sigma * rng.normal(size=n) + 0.3 * sigma
        return y, 0.5 * sigma[:, None] * z[None, :], sigma

    y, q, s = draw(4000)
    delta = level_shifts(y, q, s)
    y2, q2, s2 = draw(4000)
    cal = apply_shifts(q2, s2, delta)
    cov_raw = np.mean((y2 >= q2[:, 0]) & (y2 <= q2[:, -1]))
    cov = np.mean((y2 >= cal[:, 0]) & (y2 <= cal[:, -1]))
    assert cov_raw < 0.75 and abs(cov - 0.95) < 0.015
    assert pinball(y2, cal, QUANTILES).mean() < pinball(y2, q2, QUANTILES).mean()
    assert (np.diff(cal, axis=1) >= 0).all()
    with pytest.raises(ValueError, match="shapes"):
        level_shifts(y, q[:, :3], s)
    with pytest.raises(ValueError, match="positive"):
        level_shifts(y, q, -s)


def test_online_calibrator_uses_only_quarters_published_by_the_date():
    cal = OnlineCalibrator()
    rng = np.random.default_rng(1)
    dates = pd.date_range("2020-01-31", periods=MIN_CALIBRATION_QUARTERS + 1, freq="QE")
    for k, d in enumerate(dates):
        y = rng.normal(size=10) * (100.0 if k == len(dates) - 1 else 1.0)  # the last quarter is wild
        cal.add(d, y, np.zeros((10, len(QUANTILES))), np.ones(10))
    assert cal.shifts(dates[MIN_CALIBRATION_QUARTERS - 2]) is None  # too few quarters published yet
    before = cal.shifts(dates[-1] - pd.Timedelta(days=1))
    after = cal.shifts(dates[-1])
    assert np.abs(before).max() < 5 and np.abs(after).max() > 5  # the wild quarter counts only once published
    assert cal.n_quarters(dates[-1] - pd.Timedelta(days=1)) == MIN_CALIBRATION_QUARTERS


def _index(rows):
    return pd.DataFrame(rows, columns=["bea_code", "edition", "published_date", "index"])


def test_text_feature_window_fallback_and_no_look_ahead():
    idx = _index([
        ("334", "2020-01-15", "2020-01-15", 0.2), ("334", "2020-03-04", "2020-03-04", 0.4),
        ("334", "2020-04-15", "2020-04-15", -0.6),  # reports on Q1 (within 45 days of its end) and on Q2
        ("334", "2020-05-27", "2020-05-27", -0.8), ("22", "2020-01-15", "2020-01-15", 0.1),
    ])
    qs = pd.PeriodIndex(["2020Q1", "2020Q2"], freq="Q")
    late = quarter_text_features(idx, qs, ["334", "22", "111CA"], pd.Timestamp("2020-12-31"))
    assert late.loc[qs[0], "334"] == pytest.approx((0.2 + 0.4 - 0.6) / 3)
    assert late.loc[qs[1], "334"] == pytest.approx((-0.6 - 0.8) / 2)
    assert late.loc[qs[1], "22"] == pytest.approx(0.1)  # no edition in the window: the latest one stands in
    assert late["111CA"].eq(0.0).all()  # no edition at all: neutral
    early = quarter_text_features(idx, qs, ["334"], pd.Timestamp("2020-04-20"))
    assert early.loc[qs[0], "334"] == pytest.approx((0.2 + 0.4 - 0.6) / 3)
    assert early.loc[qs[1], "334"] == pytest.approx(-0.6)  # May 27 not yet released
    tampered = idx.copy()
    tampered.loc[tampered["published_date"] > "2020-04-20", "index"] = 1.0
    pd.testing.assert_frame_equal(early, quarter_text_features(tampered, qs, ["334"], pd.Timestamp("2020-04-20")))


def test_text_index_bad_input_names_the_row_and_field():
    good = _index([("334", "2020-01-15", "2020-01-15", 0.2), ("22", "2020-01-15", "2020-01-15", 0.1)])
    with pytest.raises(ValueError, match="lacks columns"):
        check_index(good.drop(columns="index"))
    bad = good.copy()
    bad.loc[1, "published_date"] = "not a date"
    with pytest.raises(ValueError, match=r"row 1 \(22, edition 2020-01-15\): published_date"):
        check_index(bad)
    bad = good.copy()
    bad.loc[0, "index"] = 1.7
    with pytest.raises(ValueError, match=r"row 0 \(334.*index 1.7 is not a number in \[-1, 1\]"):
        check_index(bad)
