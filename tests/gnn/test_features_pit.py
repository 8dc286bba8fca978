"""Industry returns count a stock only on the days it was an S&P 500 member (real membership history and prices)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gnn import features as F
from ingest.errors import IngestError

SEMIS = pd.DataFrame([("gics_sub_industry", "Semiconductors", "334", 1.0, "semiconductor makers: NAICS 3344")],
                     columns=list(F.CROSSWALK_COLUMNS))


@pytest.fixture(scope="module")
def semis(warehouse):
    cons = warehouse.read("market_sp500_constituents")
    cons = cons[cons["gics_sub_industry"] == "Semiconductors"]
    px = warehouse.read("market_sp500_prices")
    px = px[px["symbol"].isin(cons["yahoo_symbol"])]
    return cons, F.price_panel(px), warehouse.read("sp500_membership")


def _daily(prices, cons, membership):
    d = F.industry_returns(prices, cons, SEMIS, freq="D", membership=membership)
    return d.set_index("period")


def test_rows_before_inclusion_do_not_count(semis):
    cons, prices, membership = semis
    # AVGO joined the index on 2014-05-08; its prices start in 2009; AMD left on 2013-09-23 and rejoined 2017-03-20
    iv = membership[membership["ticker"].isin(["AVGO", "AMD"])].sort_values(["ticker", "start_date"])
    assert [(t, str(s.date())) for t, s in zip(iv["ticker"], iv["start_date"])] == [
        ("AMD", "1996-01-02"), ("AMD", "2017-03-20"), ("AVGO", "2014-05-08")]
    assert prices.loc[prices["symbol"] == "AVGO", "date"].min() < pd.Timestamp("2010-01-01")
    wide = prices.pivot(index="date", columns="symbol", values="adj_close_usd").sort_index()
    r = wide.pct_change(fill_method=None)
    d = _daily(prices, cons, membership)
    # members of the sub-industry on those days, read off the membership file (AMD out, AVGO joins on the 8th)
    before = ["ADI", "FSLR", "INTC", "MCHP", "MU", "NVDA", "QCOM", "TXN"]
    for day, names in (("2014-05-07", before), ("2014-05-08", before + ["AVGO"])):
        t = pd.Timestamp(day)
        assert d.loc[t, "n_securities"] == len(names)
        assert d.loc[t, "return_decimal"] == pytest.approx(r.loc[t, names].mean(), rel=1e-12)
    # without the membership filter AVGO and AMD (and later entrants) would count: the filter changes the return
    raw = F.industry_returns(prices, cons, SEMIS, freq="D").set_index("period")
    assert raw.loc[pd.Timestamp("2014-05-07"), "n_securities"] > len(before)
    # AVGO before its inclusion never contributes: on every day before 2014-05-08 its return is not in the mean
    early = d.index[(d.index >= pd.Timestamp("2010-01-04")) & (d.index < pd.Timestamp("2014-05-08"))]
    assert r.loc[early, "AVGO"].notna().sum() > 1000  # the panel does hold those rows ...
    assert not np.isclose(raw.loc[early, "return_decimal"], d.loc[early, "return_decimal"]).all()  # ... now unused


def test_member_count_per_day_matches_membership(semis):
    cons, prices, membership = semis
    d = _daily(prices, cons, membership)
    wide = prices.pivot(index="date", columns="symbol", values="adj_close_usd").sort_index()
    has_ret = wide.pct_change(fill_method=None).iloc[1:].notna()
    # independent count: for each day, the symbols with a return whose interval holds the day (start <= t < end)
    iv = membership.assign(sym=membership["ticker"].str.replace(".", "-", regex=False))
    iv = iv[iv["sym"].isin(has_ret.columns)]
    member = pd.DataFrame(False, index=has_ret.index, columns=has_ret.columns)
    for sym, start, end in zip(iv["sym"], iv["start_date"], iv["end_date"]):
        on = (member.index >= start) & ((member.index < end) if pd.notna(end) else True)
        member.loc[on, sym] = True
    want = (has_ret & member).sum(axis=1)
    want = want[want > 0]
    got = d["n_securities"].reindex(want.index)
    assert len(want) > 6000
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    assert set(d.index) == set(want.index)  # no day without a priced member has a return
    # the removal date is not a member day: AMD counted on 2013-09-20, not on 2013-09-23
    mask = F.membership_mask(membership, pd.DatetimeIndex(["2013-09-20", "2013-09-23", "2017-03-20"]), ["AMD"])
    assert mask["AMD"].tolist() == [True, False, True]


def test_membership_is_required_and_checked(warehouse):
    with pytest.raises(IngestError, match="sp500_membership"):
        F.node_features_and_targets({"bea_gdp_by_industry": warehouse.read("bea_gdp_by_industry")}, SEMIS,
                                    ["2015Q3"])
    bad = pd.DataFrame({"ticker": ["AVGO", "AMD"], "start_date": ["2014-05-08", "2017-03-20"],
                        "end_date": [None, "2016-01-01"]})
    with pytest.raises(IngestError, match=r"row 2.*start_date"):
        F.membership_mask(bad, pd.DatetimeIndex(["2020-01-02"]), ["AVGO", "AMD"])


def test_text_feature_is_the_latest_edition_released_by_the_as_of_date(tmp_path):
    from scoring.text.index import index_as_of, out_dir

    # a small index: industry 334 has editions released on and after as-of dates, 211 starts late, 22 has none
    idx = pd.DataFrame({
        "bea_code": ["334", "334", "334", "334", "211"],
        "edition": ["2015-05", "2015-06", "2015-07", "2015-09", "2015-09"],
        "published_date": pd.to_datetime(["2015-05-27", "2015-06-30", "2015-07-15", "2015-09-02", "2015-09-02"]),
        "index": [0.10, -0.20, 0.30, 0.40, -0.50]})
    out_dir(tmp_path).mkdir(parents=True)
    idx.to_parquet(out_dir(tmp_path) / "index.parquet")
    nf = pd.DataFrame([(q, c) for q in ("2015Q3", "2015Q4") for c in ("334", "211", "22")],
                      columns=["quarter", "bea_code"])
    nf["as_of_date"] = [F.as_of_date(q) for q in nf["quarter"]]  # 2015-06-30 and 2015-09-30
    got = F.attach_text_index(nf, idx).set_index(["quarter", "bea_code"])[F.TEXT_FEATURE]
    # the edition released on the as-of date itself counts; the one released the day after does not
    assert got[("2015Q3", "334")] == -0.20 and got[("2015Q4", "334")] == 0.40
    assert np.isnan(got[("2015Q3", "211")]) and got[("2015Q4", "211")] == -0.50
    assert got.xs("22", level="bea_code").isna().all()
    for q in ("2015Q3", "2015Q4"):  # the same rule as scoring.text.index.index_as_of
        ref = index_as_of(tmp_path, F.as_of_date(q), ["334", "211", "22"]).set_index("bea_code")["index"]
        pd.testing.assert_series_equal(got.xs(q, level="quarter").dropna().sort_index(),
                                       ref.sort_index().rename(F.TEXT_FEATURE), check_names=False)
    with pytest.raises(ValueError, match="published_date"):
        F.attach_text_index(nf, idx.drop(columns="published_date"))
