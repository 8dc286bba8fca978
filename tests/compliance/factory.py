"""Small synthetic funds in the compliance input schema (see compliance/inputs.py)."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from compliance.inputs import build_book
from compliance.rules import load_config


def securities_frame(rows: list[dict]) -> pd.DataFrame:
    """Fill the optional columns with neutral defaults so that each test states only what it is about."""
    base = {"asset_type": "equity", "shares_outstanding": 1e9, "adv_shares": 1e9, "bea_industry": None,
            "qualifies_for_name": True, "is_securities_related": False}
    out = []
    for r in rows:
        d = dict(base)
        d.update(r)
        d.setdefault("issuer_id", d["security_id"])
        if "bea_industry" not in r and d["asset_type"] not in ("government", "investment_company"):
            d["bea_industry"] = f"IND-{d['issuer_id']}"  # an industry of its own unless the test says otherwise
        out.append(d)
    return pd.DataFrame(out)


def percent_book(alloc: dict[str, float], *, total_assets: float = 100_000_000.0, cash_pct: float | None = None,
                 securities: pd.DataFrame | None = None, as_of: date = date(2024, 3, 29), config=None,
                 price: float = 10.0, look_through=None):
    """A book whose positions are given as percentages of total assets (price 10 per unit, no liabilities).

    ``alloc`` maps security_id -> percent of total assets; the residual is cash unless ``cash_pct`` is given.
    """
    cfg = config or load_config()
    if securities is None:
        securities = securities_frame([{"security_id": s} for s in alloc])
    units = {s: pct / 100.0 * total_assets / price for s, pct in alloc.items()}
    h = pd.DataFrame({"security_id": list(units), "shares": list(units.values()), "price": price})
    cash = None if cash_pct is None else cash_pct / 100.0 * total_assets
    return build_book(as_of, h, securities, cfg, nav_usd=total_assets, cash_usd=cash, look_through=look_through)


def random_universe(seed: int, n: int = 24):
    """A universe with equities in 5 industries, 2 Government securities, 2 ETFs (RICs), one securities-related
    issuer, and a compliant current portfolio (weights as fractions of NAV)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        rows.append({"security_id": f"EQ{i:02d}", "issuer_id": f"ISS{i:02d}", "asset_type": "equity",
                     "shares_outstanding": float(rng.uniform(2e6, 5e7)), "adv_shares": float(rng.uniform(5e4, 2e6)),
                     "bea_industry": f"IND{i % 5}", "qualifies_for_name": bool(i % 10 != 9),
                     "is_securities_related": i == 0})
    rows.append({"security_id": "UST1", "issuer_id": "USTREAS", "asset_type": "government",
                 "shares_outstanding": None, "adv_shares": 1e9, "qualifies_for_name": False})
    rows.append({"security_id": "UST2", "issuer_id": "USTREAS", "asset_type": "government",
                 "shares_outstanding": None, "adv_shares": 1e9, "qualifies_for_name": False})
    rows.append({"security_id": "ETF1", "issuer_id": "ETF1", "asset_type": "investment_company",
                 "shares_outstanding": 4e8, "adv_shares": 5e6, "qualifies_for_name": True})
    rows.append({"security_id": "ETF2", "issuer_id": "ETF2", "asset_type": "investment_company",
                 "shares_outstanding": 1e8, "adv_shares": 2e6, "qualifies_for_name": False})
    sec = securities_frame(rows)
    prices = pd.Series(rng.uniform(20, 300, len(sec)), index=sec["security_id"])
    w0 = np.zeros(len(sec))
    w0[:n] = 0.90 / n  # equities: 90% of NAV spread evenly
    w0[n] = 0.02
    w0[n + 2] = 0.03
    return sec, prices, w0


def book_from_weights(sec: pd.DataFrame, prices: pd.Series, w: np.ndarray, nav: float, as_of: date, config=None):
    cfg = config or load_config()
    w = np.clip(np.asarray(w, float), 0.0, None)
    units = np.floor(w * nav / prices.to_numpy() + 1e-6)  # whole units, as an order would be sized
    h = pd.DataFrame({"security_id": sec["security_id"], "shares": units})
    return build_book(as_of, h, sec, cfg, prices=prices, nav_usd=nav)
