"""The sector_etfs universe states its survivorship: every ETF in it still trades today (real data) and a short real
backtest report carries the note among its caveats."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio.backtest import backtest
from portfolio.universe import ETF_TRADING_TOLERANCE_DAYS, etf_survivorship_note, load_universe


@pytest.fixture(scope="module")
def etfs(market_warehouse):
    return load_universe("sector_etfs", market_warehouse)


def test_the_universe_states_that_every_etf_still_trades(etfs):
    n = len(etfs.securities)
    assert n > 100  # the real list: 112 sector and industry funds
    last = etfs.prices.apply(lambda c: c.last_valid_index())
    assert (last >= etfs.prices.index.max() - pd.Timedelta(days=ETF_TRADING_TOLERANCE_DAYS)).all()
    note = [x for x in etfs.notes if x.startswith("Survivorship")]
    assert note == [f"Survivorship: all {n} sector/industry ETFs in the universe still trade today (price on or "
                    f"within {ETF_TRADING_TOLERANCE_DAYS} days of the panel's last day, "
                    f"{etfs.prices.index.max().date()}): the fund list is today's, so sector and industry funds that "
                    "closed or merged before it are absent and the choice of funds on past dates is overstated."]


def test_a_fund_that_stopped_trading_is_named():
    days = pd.bdate_range("2024-01-02", periods=60)
    px = pd.DataFrame({"AAA": np.linspace(10, 11, 60), "BBB": np.linspace(5, 6, 60), "CCC": np.nan}, index=days)
    px.loc[days[30]:, "BBB"] = np.nan
    note = etf_survivorship_note(px)
    assert note.startswith(f"Survivorship: 1 of the 3 sector/industry ETFs in the universe still trade today "
                           f"(stopped: BBB {days[29].date()}, CCC never priced)")


def test_the_backtest_report_carries_the_note(etfs, market_warehouse, tmp_path):
    r = backtest("2024-01-02", "2024-02-15", "sector_etfs", home=tmp_path, warehouse=market_warehouse,
                 universe_obj=etfs, rebalance_every=21, alternatives=False, ablation=False, journal=False)
    note = next(x for x in etfs.notes if x.startswith("Survivorship"))
    assert note in r["notes"]
    assert f"- {note}" in open(r["report"]).read().split("## Caveats", 1)[1]
