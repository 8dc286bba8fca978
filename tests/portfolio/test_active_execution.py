"""Backtest execution: the fund never borrows when the close it trades at is above the close it sized at."""
from dataclasses import replace

import numpy as np
import pandas as pd

from portfolio.backtest import simulate
from portfolio.optimizer import Decision
from portfolio.universe import load_user_universe


class _AllIn:
    """A policy that puts 99.9% of NAV into the universe, equally weighted (no cash buffer to absorb a move)."""
    rules = None

    def __init__(self, ids):
        self.ids = ids

    def decide(self, t, w0, nav):
        w = pd.Series(0.999 / len(self.ids), index=self.ids)
        return Decision(str(pd.Timestamp(t).date()), w, "optimal", None, 0.0, [], {"source": "test"}, [])


def test_buys_are_scaled_when_the_close_jumps_above_the_sizing_close(user_universe_dir):
    uni = load_user_universe(user_universe_dir)
    days = uni.prices.index
    start = days[300]
    px = uni.prices.copy()
    px.loc[px.index >= start] *= 1.10  # every close from the rebalance day on is 10% above the previous close
    jumped = replace(uni, prices=px)
    sim = simulate(_AllIn(uni.identifiers), jumped, start, days[310], nav_usd=1e5, rebalance_every=5,
                   participation=1.0)
    cash = sim["daily"]["cash_usd"]
    assert (cash >= 0).all(), cash.min()
    # still invested: the buys were scaled to the cash, not dropped
    v = sim["daily"]["value_usd"].iloc[0]
    assert cash.iloc[0] < 0.01 * v
    # without the jump the same orders fit the cash anyway
    plain = simulate(_AllIn(uni.identifiers), uni, start, days[310], nav_usd=1e5, rebalance_every=5,
                     participation=1.0)
    assert (plain["daily"]["cash_usd"] >= 0).all() and np.isfinite(plain["daily"]["value_usd"]).all()
