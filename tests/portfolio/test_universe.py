import numpy as np
import pandas as pd
import pytest

from compliance.liquidity import BASIS_FALLBACK, BASIS_MEASURED, BASIS_NONE
from portfolio.universe import (BEA_SUMMARY, CROSSWALK, UniverseError, load_universe, load_user_universe,
                                read_crosswalk)


def test_crosswalk_covers_every_sub_industry_and_sector_etf(market_warehouse):
    cw = read_crosswalk()
    cons = market_warehouse.read("market_sp500_constituents")
    subs = set(cw.loc[cw["kind"] == "gics_sub_industry", "key"])
    assert set(cons["gics_sub_industry"]) <= subs
    etfs = market_warehouse.read("market_etf_universe")
    assert set(etfs.loc[etfs["role"].isin(["sector", "industry"]), "ticker"]) <= set(cw.loc[cw["kind"] == "etf",
                                                                                           "key"])
    sums = cw.groupby(["kind", "key"])["weight"].sum()
    assert np.allclose(sums, 1.0)
    assert set(cw["bea_code"]) <= set(BEA_SUMMARY)
    assert cw["reasoning"].str.len().min() > 20


def test_crosswalk_rejects_weights_not_summing_to_one(tmp_path):
    bad = tmp_path / "cw.csv"
    text = CROSSWALK.read_text().splitlines()
    text[1] = text[1].replace(",1,", ",0.7,", 1)
    bad.write_text("\n".join(text) + "\n")
    with pytest.raises(UniverseError, match="do not sum to 1"):
        read_crosswalk(bad)


def test_sp500_master(warehouse):
    u = load_universe("sp500", warehouse)  # market + sp500 sources: point-in-time membership and security data
    m = u.master("2025-06-02")
    assert len(m) >= 490
    assert np.allclose(u.exposures.sum(axis=1), 1.0)
    # ADV with its basis, never invented: measured volumes end 2021-04, so members get the documented fallback and
    # a stock of today's list that was not a member on the date gets none
    assert set(m["adv_basis"]) <= {BASIS_MEASURED, BASIS_FALLBACK, BASIS_NONE}
    none = m["adv_basis"] == BASIS_NONE
    assert m.loc[none, "adv_shares"].isna().all() and (m.loc[none, "liquidity_class"] == "unknown").all()
    assert (m.loc[m["adv_basis"] == BASIS_FALLBACK, "index_member"]).all()
    known = m["shares_outstanding"].notna()
    assert known.sum() > 400
    assert m.loc[known, "shares_outstanding_source"].str.startswith("estimated (market cap / price)").all()
    assert (m.loc[known, "shares_outstanding_asof"] < pd.Timestamp("2025-06-02")).all()
    assert m.loc["GOOGL", "issuer_id"] == m.loc["GOOG", "issuer_id"]
    # eligibility from membership on the date: a stock that joined the index later is not eligible before it
    iv = u.pit.intervals
    first = iv[iv["identifier"].isin(u.index)].groupby("identifier")["start_date"].min()
    joined = [(i, d) for i, d in first[first > pd.Timestamp("2025-06-02")].items()
              if u.eligible(d + pd.Timedelta(days=7))[i]]
    assert joined
    for ident, start in joined[:3]:
        assert not u.eligible(start - pd.Timedelta(days=1))[ident]
    assert any("survivorship" in n.lower() for n in u.notes)
    cov = u.industry_coverage()
    assert cov.loc["334", "n_securities"] > 10 and cov.loc["GFGD", "n_securities"] == 0


def test_sector_etfs_master(market_warehouse):
    u = load_universe("sector_etfs", market_warehouse)
    m = u.master("2025-06-02")
    assert m.loc["XLK", "liquidity_class"] == "high" and m.loc["XLK", "adv_shares"] > 1e6
    assert m.loc["KBE", "liquidity_class"] == "unknown" and np.isnan(m.loc["KBE", "adv_shares"])
    assert m.loc["KBE", "shares_outstanding"] == pytest.approx(44.95e6)
    assert m.loc["XLK", "exposure_source"] == "holdings"
    assert np.allclose(u.exposures.sum(axis=1), 1.0)


def test_adv_uses_only_days_before_t(user_universe_dir):
    u = load_user_universe(user_universe_dir)
    t = u.prices.index[100]
    before = u.adv_shares(t)
    u.volumes.loc[u.volumes.index >= t] *= 100
    assert before.equals(u.adv_shares(t))


def test_user_universe_bad_type(tmp_path, user_universe_dir):
    d = tmp_path / "bad"
    d.mkdir()
    sec = pd.read_csv(user_universe_dir / "securities.csv")
    sec.loc[3, "type"] = "bond"
    sec.to_csv(d / "securities.csv", index=False)
    (d / "prices.csv").write_bytes((user_universe_dir / "prices.csv").read_bytes())
    with pytest.raises(UniverseError, match=r"securities.csv row 5 column 'type'"):
        load_user_universe(d)


def test_sector_etfs_holdings_and_shares_outstanding_are_point_in_time(market_warehouse):
    """Holdings-based exposures and the 2022-08-30 shares outstanding are used only after they were observed;
    before that an ETF's exposure is its crosswalk row and its shares outstanding are unknown."""
    u = load_universe("sector_etfs", market_warehouse)
    from_holdings = u.securities.index[u.securities["exposure_source"] == "holdings"]
    assert len(from_holdings) > 5
    etf = from_holdings[0]
    known = u.exposure_known_from[etf]
    assert pd.Timestamp("2021-07-09") < known <= pd.Timestamp("2022-08-26")
    before, after = u.exposures_at(known - pd.Timedelta(days=1)), u.exposures_at(known)
    pd.testing.assert_series_equal(after.loc[etf], u.exposures.loc[etf])
    pd.testing.assert_series_equal(before.loc[etf], u.base_exposures.loc[etf])
    assert not np.allclose(before.loc[etf], after.loc[etf])  # the scrape does change what the ETF is exposed to
    assert np.allclose(before.sum(axis=1), 1.0) and np.allclose(after.sum(axis=1), 1.0)
    listed = u.securities["shares_outstanding"].notna()
    assert listed.any()
    assert u.securities_at("2022-08-30").loc[listed, "shares_outstanding"].isna().all()
    pd.testing.assert_series_equal(u.securities_at("2022-08-31")["shares_outstanding"],
                                   u.securities["shares_outstanding"])
    # the master a decision sees on a date is the one known then
    assert u.master("2020-01-02").loc[listed, "shares_outstanding"].isna().all()
