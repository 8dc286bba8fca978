"""Rule 22e-4 liquidity classification model: days to cash of a reasonably anticipated trade, measured or fallback ADV.

Rule 22e-4(b)(1)(ii) asks the fund to classify each investment into one of four categories by the number of days in
which it reasonably expects the investment to be convertible to cash (or sold, for the last two) without the
conversion significantly changing its market value, using a reasonably anticipated trade size. The model, stated so
that a compliance officer can review it (thresholds in ``compliance/config/liquidity_model_v1.json`` and in the
``liquidity`` block of the rules configuration):

    trade_usd       = fraction_of_position x position value (default 1.0: the whole position)
    days_to_sell    = trade_usd / (participation_rate x ADV_usd)       trading days, selling at most the
                                                                        participation rate of the daily volume
    conversion_days = days_to_sell + settlement_days

    highly liquid      conversion_days <= highly_liquid_max_days (3)
    moderately liquid  conversion_days <= moderately_liquid_max_days (7)
    less liquid        days_to_sell <= sale_window_days (7), conversion_days > 7
    illiquid           days_to_sell > sale_window_days

(the same arithmetic as :func:`compliance.rules.liquidity_classes`, which works in units: ``units / (rate x
adv_shares)``; a caller converts ADV in USD to units at the book's price, so both give the same class.)

ADV in USD has one of two bases, recorded with every classification:

* ``measured``: mean of raw close x raw share volume over the last ``window_trading_days`` (63) trading days strictly
  before the decision date, using only days within ``max_age_calendar_days`` (92) and at least
  ``min_observations`` (20) of them.
* ``fallback (market-cap bucket x turnover, index member)``: where no fresh measured ADV exists, for a member of the
  index on the decision date only (membership is the evidence of an active market), ADV_usd = turnover(bucket) x
  market cap, where market cap = estimated shares outstanding x the previous close and ``turnover`` is the daily
  dollar volume as a fraction of market cap of the bucket (mega >= $200bn, large >= $10bn, mid >= $2bn, small).
  The turnover of each bucket is set at or below the 5th percentile of the measured ratio on the dates where both
  data exist (:func:`calibrate`; the figures and the command that reproduces them are in portfolio/README.md), so
  95% of measured cases had more volume than the model assumes.

Anything else (no measured ADV, not an index member, or no market cap within ``market_cap_max_age_calendar_days``)
is left unclassified: the 22e-4 rule then reports it and blocks acquisitions under ``enforce``.

Maximum data ages (``data_max_age_calendar_days``): an estimated share count older than its maximum age is not used.
Default 2,600 days, spanning the source's 2018-02-08 .. 2024-10-10 gap. The margin that justifies it: the share
count serves the 10%-of-voting-securities tests, and a $100 million fund's largest position (the 5% issuer limit, $5
million) is below 0.3% of the smallest member's market cap (about $2 billion), so even a halving of the share count
since the snapshot (buybacks) leaves the measure 15 times below the 10% limit.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .inputs import ComplianceInputError

MODEL_PATH = Path(__file__).resolve().parent / "config" / "liquidity_model_v1.json"
CLASSES = ("highly_liquid", "moderately_liquid", "less_liquid", "illiquid")
BASIS_MEASURED = "measured"
BASIS_FALLBACK = "fallback (market-cap bucket x turnover, index member)"
BASIS_NONE = "none (no fresh ADV; not an index member or no market cap)"


def load_model(path: str | Path | None = None) -> dict[str, Any]:
    """Read and validate the liquidity model configuration (errors name the file and key)."""
    path = Path(path) if path is not None else MODEL_PATH
    try:
        cfg = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ComplianceInputError(f"liquidity model unreadable: {exc}", path=path) from exc
    for key in ("version", "trade_size", "measured_adv", "fallback", "data_max_age_calendar_days"):
        if key not in cfg:
            raise ComplianceInputError("missing key", path=path, column=key)
    frac = cfg["trade_size"].get("fraction_of_position")
    if not isinstance(frac, (int, float)) or not 0 < frac <= 1:
        raise ComplianceInputError("bad value", path=path, column="trade_size.fraction_of_position",
                                   expected="a fraction in (0, 1]", got=frac)
    for k in ("window_trading_days", "min_observations", "max_age_calendar_days"):
        v = cfg["measured_adv"].get(k)
        if not isinstance(v, int) or v <= 0:
            raise ComplianceInputError("bad value", path=path, column=f"measured_adv.{k}",
                                       expected="a positive integer", got=v)
    buckets = cfg["fallback"].get("buckets")
    if not buckets or not isinstance(buckets, list):
        raise ComplianceInputError("no buckets", path=path, column="fallback.buckets", expected="a list")
    mins = [b.get("min_market_cap_usd") for b in buckets]
    if any(not isinstance(m, (int, float)) or m < 0 for m in mins) or mins != sorted(mins, reverse=True) \
            or mins[-1] != 0:
        raise ComplianceInputError("bucket thresholds", path=path, column="fallback.buckets.min_market_cap_usd",
                                   expected="descending numbers >= 0 ending with 0", got=mins)
    for i, b in enumerate(buckets):
        t = b.get("daily_turnover_of_market_cap")
        if not isinstance(t, (int, float)) or not 0 < t < 1:
            raise ComplianceInputError("bad turnover", path=path, row=i + 1,
                                       column="fallback.buckets.daily_turnover_of_market_cap",
                                       expected="a fraction in (0, 1)", got=t)
    return cfg


def market_cap_bucket(market_cap_usd: np.ndarray, model: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(bucket name, daily turnover) per market cap; NaN market cap -> (None, NaN). A cap equal to a bucket's
    minimum belongs to that bucket."""
    cap = np.asarray(market_cap_usd, dtype=float)
    names = np.full(cap.shape, None, dtype=object)
    turn = np.full(cap.shape, np.nan)
    done = ~np.isfinite(cap) | (cap <= 0)
    for b in model["fallback"]["buckets"]:
        hit = ~done & (cap >= float(b["min_market_cap_usd"]))
        names[hit], turn[hit] = b["name"], float(b["daily_turnover_of_market_cap"])
        done |= hit
    return names, turn


def adv_usd_with_basis(measured_usd: np.ndarray, market_cap_usd: np.ndarray, is_member: np.ndarray,
                       model: Mapping[str, Any]) -> pd.DataFrame:
    """ADV in USD per security with its basis: measured where given (finite, > 0), else the fallback for index
    members with a market cap, else NaN with basis ``none``. Columns: adv_usd, adv_basis, market_cap_bucket,
    fallback_turnover."""
    m = np.asarray(measured_usd, dtype=float)
    member = np.asarray(is_member, dtype=bool)
    names, turn = market_cap_bucket(market_cap_usd, model)
    has_m = np.isfinite(m) & (m > 0)
    fb = ~has_m & member & np.isfinite(turn)
    adv = np.where(has_m, m, np.where(fb, turn * np.asarray(market_cap_usd, dtype=float), np.nan))
    basis = np.where(has_m, BASIS_MEASURED, np.where(fb, BASIS_FALLBACK, BASIS_NONE))
    return pd.DataFrame({"adv_usd": adv, "adv_basis": basis.astype(object),
                         "market_cap_bucket": np.where(fb, names, None),
                         "fallback_turnover": np.where(fb, turn, np.nan)})


def classify(value_usd: pd.Series, adv_usd: pd.Series, settlement_days: pd.Series | float,
             liquidity_config: Mapping[str, Any], model: Mapping[str, Any]) -> pd.DataFrame:
    """The four categories (see the module docstring) per position. ``value_usd``, ``adv_usd`` share an index;
    returns trade_usd, days_to_sell, conversion_days, liquidity_class (None where ADV is unknown)."""
    rate = float(liquidity_config["participation_rate"])
    trade = value_usd.abs() * float(model["trade_size"]["fraction_of_position"])
    adv = adv_usd.reindex(value_usd.index).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        days = trade / (rate * adv)
    days = days.where(trade != 0, 0.0)
    settle = settlement_days if isinstance(settlement_days, pd.Series) else pd.Series(float(settlement_days),
                                                                                       index=value_usd.index)
    conv = days + settle.reindex(value_usd.index).astype(float)
    hi, mo, win = (float(liquidity_config[k]) for k in ("highly_liquid_max_days", "moderately_liquid_max_days",
                                                         "sale_window_days"))
    cls = pd.Series(None, index=value_usd.index, dtype=object)
    cls[conv <= mo] = "moderately_liquid"
    cls[conv <= hi] = "highly_liquid"
    cls[(days <= win) & (conv > mo)] = "less_liquid"
    cls[days > win] = "illiquid"
    cls[days.isna() | ~np.isfinite(days)] = None
    return pd.DataFrame({"trade_usd": trade, "days_to_sell": days, "conversion_days": conv, "liquidity_class": cls})


def classification_report(positions: pd.DataFrame, liquidity_config: Mapping[str, Any],
                          model: Mapping[str, Any]) -> pd.DataFrame:
    """One row per position: the class and every input with its basis and as-of date. ``positions`` needs
    ``value_usd``, ``adv_usd``, ``adv_basis``, ``settlement_days``; the optional columns ``adv_asof``,
    ``adv_observations``, ``market_cap_usd``, ``market_cap_asof``, ``market_cap_bucket``, ``fallback_turnover``,
    ``index_member`` travel along."""
    cls = classify(positions["value_usd"], positions["adv_usd"], positions["settlement_days"], liquidity_config,
                   model)
    keep = [c for c in ("value_usd", "adv_usd", "adv_basis", "adv_asof", "adv_observations", "market_cap_usd",
                        "market_cap_asof", "market_cap_bucket", "fallback_turnover", "index_member",
                        "settlement_days") if c in positions.columns]
    out = positions[keep].join(cls)
    out["participation_rate"] = float(liquidity_config["participation_rate"])
    out["model_version"] = str(model["version"])
    return out


def calibrate(ratio: pd.DataFrame, model: Mapping[str, Any], quantile: float = 0.05) -> pd.DataFrame:
    """Per market-cap bucket: count and quantiles of the measured daily dollar volume / market cap (``ratio``:
    columns market_cap_usd, adv_usd measured on the same date), against the model's turnover."""
    names, turn = market_cap_bucket(ratio["market_cap_usd"].to_numpy(float), model)
    r = ratio["adv_usd"].to_numpy(float) / ratio["market_cap_usd"].to_numpy(float)
    df = pd.DataFrame({"bucket": names, "ratio": r, "model": turn}).dropna()
    g = df.groupby("bucket")
    out = pd.DataFrame({"n": g.size(), f"q{quantile:g}": g["ratio"].quantile(quantile),
                        "median": g["ratio"].median(), "model_turnover": g["model"].first()})
    out["share_below_model"] = g.apply(lambda x: float((x["ratio"] < x["model"]).mean()), include_groups=False)
    return out
