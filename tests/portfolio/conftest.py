"""Fixtures: a small synthetic user universe (fast optimizer tests) and a market-only warehouse (real data)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingest.warehouse import Warehouse

REPO = Path(__file__).resolve().parents[2]
SUBS = ["Semiconductors", "Application Software", "Diversified Banks", "Pharmaceuticals", "Electric Utilities",
        "Restaurants", "Oil & Gas Exploration & Production", "Aerospace & Defense", "Regional Banks",
        "Packaged Foods & Meats"]


def write_user_universe(root: Path, n: int = 20, days: int = 400, seed: int = 7, with_volume: bool = True) -> Path:
    """securities.csv + prices.csv in the documented user format: n stocks, business days from 2022-01-03."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    ids = [f"S{i:03d}" for i in range(n)]
    pd.DataFrame({"identifier": ids, "name": [f"Synthetic {i}" for i in ids], "type": "stock",
                  "issuer_id": [f"ISS{i}" for i in ids], "gics_sector": "Mixed",
                  "gics_sub_industry": [SUBS[i % len(SUBS)] for i in range(n)],
                  "eligible_from": ["2000-01-01"] * (n - 1) + ["2022-09-01"],
                  "shares_outstanding": 5e8}).to_csv(root / "securities.csv", index=False)
    dates = pd.bdate_range("2022-01-03", periods=days)
    mkt = rng.normal(0.0003, 0.01, days)
    rows = []
    for j, ident in enumerate(ids):
        r = 0.0002 + (0.6 + 0.05 * j) * mkt + rng.normal(0, 0.012, days)
        p = 50 * np.exp(np.cumsum(r))
        vol = rng.integers(2_000_000, 6_000_000, days)
        for d, pp, vv in zip(dates, p, vol):
            rows.append((d.strftime("%Y-%m-%d"), ident, round(float(pp), 6), int(vv)))
    df = pd.DataFrame(rows, columns=["date", "identifier", "adj_close", "volume"])
    if not with_volume:
        df = df.drop(columns=["volume"])
    df.to_csv(root / "prices.csv", index=False)
    return root


@pytest.fixture(scope="module")
def user_universe_dir(tmp_path_factory) -> Path:
    return write_user_universe(tmp_path_factory.mktemp("uni") / "synth20")


@pytest.fixture(scope="module")
def market_warehouse() -> Warehouse:
    """Only the market source (the session-wide ``warehouse`` fixture ingests every source)."""
    wh = Warehouse(REPO / ".pytest_cache" / "econgraph-warehouse")
    wh.ingest("market")
    return wh
