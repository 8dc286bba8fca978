"""Marginal value of a new data source: paired loss change now and after a doubling, with bootstrap bands."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gnn.nowcast_scaling import ScalingResult, power_law, scaling_plot, source_value


def _curve(shift: float, rng) -> pd.DataFrame:
    sizes = [100, 200, 400, 800, 1600]
    quarters = [f"2020Q{k}" for k in range(1, 5)] + [f"2021Q{k}" for k in range(1, 5)]
    noise = {q: rng.normal(scale=1e-4) for q in quarters}
    return pd.DataFrame([{"size": n, "repeat": 0, "quarter": q, "loss": power_law(n, 0.05, 0.6, 0.004) + shift
                          + noise[q]} for n in sizes for q in quarters])


def test_source_value_is_paired_and_signed():
    base = _curve(0.0, np.random.default_rng(0))
    better = base.assign(loss=base["loss"] - 5e-4)  # the source lowers every quarter's loss by 5e-4
    v = source_value(base, better, boot=20, rng=np.random.default_rng(1))
    assert v["change_now"] == pytest.approx(-5e-4)
    assert v["change_next_doubling"] == pytest.approx(-5e-4, rel=0.05)
    assert v["bands_5_95"]["change_now"][1] < 0 and v["helps"]
    same = source_value(base, base.copy(), boot=20, rng=np.random.default_rng(1))
    assert same["change_now"] == 0.0 and not same["helps"]


def test_scaling_plot_with_the_text_source_line(tmp_path):
    rng = np.random.default_rng(0)
    base = _curve(0.0, rng)
    sizes = sorted(base["size"].unique())
    mean = base.groupby("size")["loss"].mean().tolist()
    fit = {"a": 0.05, "exponent": 0.6, "floor": 0.004, "sizes": sizes, "mean_loss": mean}
    text = source_value(base, base.assign(loss=base["loss"] + 1e-4), boot=20, rng=rng)
    res = ScalingResult({"rows": base}, {"rows": fit, "text_source": text, "learner": "test", "test": "2020Q1..2021Q4"})
    scaling_plot(res, tmp_path / "s.png")
    assert (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"
