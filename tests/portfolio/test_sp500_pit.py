"""Rule 22e-4 liquidity model (boundaries, bases) and the point-in-time sp500 universe on real data."""
from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

from compliance.inputs import ComplianceInputError, build_book
from compliance.liquidity import (BASIS_FALLBACK, BASIS_MEASURED, BASIS_NONE, adv_usd_with_basis,
                                  classification_report, classify, load_model, market_cap_bucket)
from compliance.rules import liquidity_classes, load_config

CFG = load_config()
LIQ = CFG["liquidity"]
MODEL = load_model()


# ------------------------------------------------------------------------------------------------ the model
@pytest.mark.parametrize("days,settle,expected", [
    (0.0, 1, "highly_liquid"),
    (2.0, 1, "highly_liquid"),            # conversion 3 days: the highly-liquid limit itself
    (2.0001, 1, "moderately_liquid"),
    (6.0, 1, "moderately_liquid"),        # conversion 7 days: the moderately-liquid limit itself
    (6.5, 1, "less_liquid"),              # sold within 7 days, cash after 7.5
    (7.0, 1, "less_liquid"),              # sale window limit itself
    (7.0001, 1, "illiquid"),
    (1.0, 3, "moderately_liquid"),        # debt-like settlement pushes conversion past 3 days
])
def test_class_boundaries(days, settle, expected):
    adv = 10e6
    value = days * (LIQ["participation_rate"] * adv)  # trade = whole position (fraction_of_position = 1)
    out = classify(pd.Series([value]), pd.Series([adv]), pd.Series([float(settle)]), LIQ, MODEL)
    assert out["days_to_sell"].iloc[0] == pytest.approx(days)
    assert out["liquidity_class"].iloc[0] == expected


def test_unknown_adv_is_unclassified_and_trade_fraction_applies():
    m = copy.deepcopy(MODEL)
    m["trade_size"]["fraction_of_position"] = 0.5
    out = classify(pd.Series([8e6, 8e6]), pd.Series([np.nan, 10e6]), 1.0, LIQ, m)
    assert out["liquidity_class"].iloc[0] is None
    assert out["trade_usd"].iloc[1] == 4e6 and out["days_to_sell"].iloc[1] == pytest.approx(2.0)


def test_model_agrees_with_the_checker_in_units():
    """The checker classifies units / (rate x adv_shares); the model USD / (rate x ADV_usd): same class."""
    price = 40.0
    ids = [f"S{i}" for i in range(6)]
    adv_usd = np.array([10e6, 10e6, 10e6, 10e6, 1e6, 5e6])
    value = np.array([0.4e6, 8.0e6, 13e6, 15e6, 2e6, 1e6])
    sec = pd.DataFrame({"security_id": ids, "issuer_id": ids, "asset_type": "equity", "shares_outstanding": 1e9,
                        "adv_shares": adv_usd / price, "bea_industry": ids, "qualifies_for_name": True})
    book = build_book(pd.Timestamp("2026-07-31").date(), pd.DataFrame({"security_id": ids, "shares": value / price}),
                      sec, CFG, prices=pd.Series(price, index=ids), nav_usd=1e8)
    checker = liquidity_classes(book, CFG)["liquidity_class"]
    model = classify(pd.Series(value, index=ids), pd.Series(adv_usd, index=ids), 1.0, LIQ, MODEL)["liquidity_class"]
    assert list(checker.reindex(ids)) == list(model)
    assert set(model) == {"highly_liquid", "moderately_liquid", "less_liquid", "illiquid"}


def test_market_cap_bucket_boundaries():
    caps = np.array([200e9, 200e9 - 1, 10e9, 10e9 - 1, 2e9, 2e9 - 1, 1.0, np.nan, 0.0])
    names, turn = market_cap_bucket(caps, MODEL)
    assert list(names) == ["mega", "large", "large", "mid", "mid", "small", "small", None, None]
    assert np.isnan(turn[-2:]).all() and (turn[:-2] > 0).all()


def test_adv_basis_measured_fallback_none():
    out = adv_usd_with_basis(np.array([5e6, np.nan, np.nan, np.nan]), np.array([50e9, 50e9, 50e9, np.nan]),
                             np.array([False, True, False, True]), MODEL)
    assert list(out["adv_basis"]) == [BASIS_MEASURED, BASIS_FALLBACK, BASIS_NONE, BASIS_NONE]
    large = [b for b in MODEL["fallback"]["buckets"] if b["name"] == "large"][0]
    assert out["adv_usd"].iloc[1] == pytest.approx(large["daily_turnover_of_market_cap"] * 50e9)
    assert out["adv_usd"].iloc[0] == 5e6 and np.isnan(out["adv_usd"].iloc[2])


def test_report_records_inputs_and_basis():
    pos = pd.DataFrame({"value_usd": [1e6], "adv_usd": [3e6], "adv_basis": [BASIS_FALLBACK],
                        "market_cap_usd": [1e9], "market_cap_asof": [pd.Timestamp("2026-07-30")],
                        "settlement_days": [1.0]}, index=["X"])
    rep = classification_report(pos, LIQ, MODEL)
    assert {"adv_basis", "market_cap_usd", "market_cap_asof", "days_to_sell", "liquidity_class",
            "participation_rate", "model_version"} <= set(rep.columns)
    assert rep.at["X", "model_version"] == MODEL["version"]


def test_bad_model_config_names_the_key(tmp_path):
    bad = copy.deepcopy(MODEL)
    bad["fallback"]["buckets"] = list(reversed(bad["fallback"]["buckets"]))
    p = tmp_path / "m.json"
    p.write_text(json.dumps(bad))
    with pytest.raises(ComplianceInputError, match=r"m.json column 'fallback.buckets.min_market_cap_usd'"):
        load_model(p)
    bad = copy.deepcopy(MODEL)
    bad["fallback"]["buckets"][0]["daily_turnover_of_market_cap"] = 2
    p.write_text(json.dumps(bad))
    with pytest.raises(ComplianceInputError, match="daily_turnover_of_market_cap"):
        load_model(p)


# ------------------------------------------------------------------------------------------------ real data
@pytest.fixture(scope="module")
def sp500(warehouse):
    from portfolio.universe import load_universe

    return load_universe("sp500", warehouse)


def test_membership_point_in_time(sp500):
    d = pd.Timestamp("2013-06-28")
    el = sp500.eligible(d)
    members = sp500.pit.members_on(d)
    assert set(el[el].index) <= set(members)
    # a stock added to the index later is a member of today's list but not eligible on d
    assert not el.get("TSLA", False)  # TSLA joined 2020-12-21
    assert sp500.eligible(pd.Timestamp("2021-01-04"))["TSLA"]
    s = sp500.survivorship(d)
    assert s["n_members"] == len(members) and s["n_unpriced_members"] == len(s["unpriced_members"]) > 0
    assert 0 < s["unpriced_share_by_count"] < 1 and 0 < s["unpriced_share_by_market_cap"] < 1


def test_shares_outstanding_as_of_strictly_before_and_max_age(sp500):
    on = sp500.securities_at(pd.Timestamp("2024-10-10"))  # the 2024-10-10 snapshot is not yet known
    after = sp500.securities_at(pd.Timestamp("2024-10-11"))
    assert on.at["AAPL", "shares_outstanding_asof"] == pd.Timestamp("2018-02-08")
    assert after.at["AAPL", "shares_outstanding_asof"] == pd.Timestamp("2024-10-10")
    assert after.at["AAPL", "shares_outstanding_source"].startswith("estimated (market cap / price)")
    # AAPL split 4:1 on 2020-08-31: the carried count of the 2018 snapshot is four times the snapshot's
    fin = sp500.pit
    k = fin._snap_row(pd.Timestamp("2020-09-01"))
    j = fin.ids.get_loc("AAPL")
    assert on.at["AAPL", "shares_outstanding_est"] == pytest.approx(4 * fin.so_est[k, j])
    max_age = MODEL["data_max_age_calendar_days"]["shares_outstanding"]
    late = pd.Timestamp("2018-02-08") + pd.Timedelta(days=max_age + 1)
    if late < pd.Timestamp("2024-10-11"):
        assert np.isnan(sp500.securities_at(late).at["AAPL", "shares_outstanding"])


def test_adv_measured_then_fallback(sp500):
    a = sp500.liquidity(pd.Timestamp("2021-04-22"))
    assert a.at["AAPL", "adv_basis"] == BASIS_MEASURED and a.at["AAPL", "adv_asof"] == pd.Timestamp("2021-04-21")
    b = sp500.liquidity(pd.Timestamp("2026-07-31"))
    assert b.at["AAPL", "adv_basis"] == BASIS_FALLBACK and b.at["AAPL", "market_cap_bucket"] == "mega"
    assert b.at["AAPL", "adv_shares"] == pytest.approx(b.at["AAPL", "adv_usd"] / sp500.last_close("2026-07-31")["AAPL"])
    # a stock of today's list that is not a member on the date gets no fallback ADV
    nonmember = b.index[~b["index_member"] & b["adv_usd"].isna()]
    assert (b.loc[nonmember, "adv_basis"] == BASIS_NONE).all()


# ------------------------------------------------------------------------------------------------ ticker changes
def test_ticker_change_rules_on_small_tables():
    from portfolio.sp500_pit import ticker_renames

    d = pd.Timestamp
    iv = pd.DataFrame({"identifier": ["OLD", "NEWCO", "GONE", "ADDED", "X1", "X2", "NEWX"],
                       "start_date": [d("2000-01-03"), d("2020-05-01"), d("2000-01-03"), d("2020-05-01"),
                                      d("2000-01-03"), d("2000-01-03"), d("2021-03-01")],
                       "end_date": [d("2020-05-01"), pd.NaT, d("2020-05-01"), pd.NaT, d("2021-03-01"),
                                    d("2021-03-01"), pd.NaT]})
    cons = pd.DataFrame({"yahoo_symbol": ["NEWCO", "ADDED", "NEWX"], "security": ["Acme Corp", "Other Inc", "Zed"],
                         "date_added": ["1990-01-01", "2020-04-29", "1995-01-01"]})
    fin = pd.DataFrame({"identifier": ["OLD", "GONE", "X1", "X2"], "snapshot_date": [d("2019-06-01")] * 4,
                        "name": ["Acme Corporation", "Gone Co", "Alpha Old", "Other"], "price_usd": [10.0] * 4})
    px = pd.DataFrame({"NEWCO": [10.5], "ADDED": [10.0], "NEWX": [10.0]}, index=[d("2019-05-31")])
    r = ticker_renames(iv, cons, fin, px)
    # NEWCO's company was a member before its interval and OLD shares its name; ADDED is a new addition (dated on
    # its interval), NEWX's predecessor is ambiguous (two intervals end, neither name matches): left alone
    assert r[["old", "new"]].values.tolist() == [["OLD", "NEWCO"]]
    # without a name match: the one predecessor whose share price matches (within the band, stable ratio)
    fin2 = pd.concat([fin, fin.assign(snapshot_date=d("2019-09-01"))]).assign(
        name=["Zzz", "Gone Co", "Alpha Old", "Other"] * 2)
    fin2.loc[(fin2["identifier"] == "GONE") & (fin2["snapshot_date"] == d("2019-09-01")), "price_usd"] = 30.0
    px2 = pd.DataFrame({"NEWCO": [10.5, 10.4], "ADDED": [10.0, 10.0], "NEWX": [10.0, 10.0]},
                       index=[d("2019-05-31"), d("2019-08-30")])
    assert ticker_renames(iv, cons, fin2, px2)[["old", "new"]].values.tolist() == [["OLD", "NEWCO"]]
    assert ticker_renames(iv, cons, fin2, px2 * 2).empty  # no share price matches
    # GONE matches as well (its ratio is stable too): ambiguous, left alone
    fin3 = fin2.copy()
    fin3.loc[fin3["identifier"] == "GONE", "price_usd"] = 10.2
    assert ticker_renames(iv, cons, fin3, px2).empty


def test_ticker_changes_on_real_data(sp500):
    r = sp500.pit.renames.set_index("old")["new"]
    assert r["BK"] == "BNY" and r["FI"] == "FISV" and r["MMC"] == "MRSH" and r["FB"] == "META"
    assert sp500.eligible(pd.Timestamp("2020-06-01"))["META"]  # a member as FB then
    # additions on a day of removals are not mistaken for ticker changes
    assert not sp500.pit.renames["new"].isin(["DASH", "TKO", "EXE", "WSM", "APO"]).any()
    d = pd.Timestamp("2025-01-02")
    el = sp500.eligible(d)
    assert el["BNY"] and el["FISV"] and el["MRSH"]
    unpriced = sp500.survivorship(d)["unpriced_members"]
    assert not {"BK", "FI", "MMC", "PARA"} & set(unpriced)
    sec = sp500.securities_at(d)
    assert sec.at["FISV", "shares_outstanding_asof"] >= pd.Timestamp("2024-10-10")  # the FI snapshots
    assert np.isfinite(sec.at["FISV", "shares_outstanding"])
    # what the data truly lack stays missing: members the financials never list
    assert np.isnan(sec.at["WDAY", "shares_outstanding"]) and el["WDAY"]
