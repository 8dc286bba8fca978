"""On the real warehouse (BEA GDP by industry + IO tables, FRED, Fama-French, S&P 500 and ETF prices)."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gnn import features as F
from gnn.dataset import TARGETS, dataset_from_warehouse
from gnn.evaluate import EvalConfig, evaluate
from gnn.predict import predict
from gnn.train import GNNConfig, train
from ingest import calendar
from ingest.errors import IngestError
from ingest.warehouse import Warehouse

REPO = Path(__file__).resolve().parents[2]
HOME = REPO / ".pytest_cache" / "econgraph-warehouse"

# A hand crosswalk of a few unambiguous mappings (the product reads data/crosswalks/securities_bea.csv)
CROSSWALK = pd.DataFrame([
    ("gics_sub_industry", "Semiconductors", "334", 1.0, "semiconductor makers: NAICS 3344, in BEA 334"),
    ("etf", "XLE", "211", 1.0, "energy sector ETF, dominated by oil and gas producers (BEA 211)"),
    ("gics_sub_industry", "Oil & Gas Exploration & Production", "211", 2.0, "crude oil and gas extraction: NAICS 211"),
    ("gics_sub_industry", "Electric Utilities", "22", 1.0, "electric power: NAICS 2211 (BEA 22 utilities)"),
    ("gics_sub_industry", "Multi-Utilities", "22", 1.0, "electric and gas utilities: NAICS 2211/2212"),
    ("gics_sub_industry", "Restaurants", "722", 1.0, "restaurants: NAICS 7225 (BEA 722)"),
    ("gics_sub_industry", "Application Software", "511", 1.0, "software publishers: NAICS 5112 (BEA 511)"),
    ("gics_sub_industry", "Aerospace & Defense", "3364OT", 1.0, "aircraft and parts: NAICS 3364 (BEA 3364OT)"),
    ("gics_sub_industry", "Health Care Equipment", "339", 1.0, "medical equipment: NAICS 3391 (BEA 339)"),
], columns=list(F.CROSSWALK_COLUMNS))
TABLES = ("bea_gdp_by_industry", "market_fred", "market_ff_factors", "market_sp500_prices",
          "market_sp500_constituents", "market_etf_prices", "sp500_membership")


@pytest.fixture(scope="module")
def wh() -> Warehouse:
    w = Warehouse(HOME)
    for src in ("bea", "market", "sp500"):
        w.ingest(src)
    return w


@pytest.fixture(scope="module")
def tables(wh):
    t = {n: wh.read(n) for n in TABLES}
    for n in ("market_sp500_prices", "market_etf_prices"):  # enough history for 2014..2017 features/targets
        t[n] = t[n][(t[n]["date"] >= "2013-06-01") & (t[n]["date"] <= "2017-12-31")]
    return t


def test_industry_returns_follow_the_crosswalk(tables):
    prices = F.price_panel(tables["market_sp500_prices"], tables["market_etf_prices"])
    q = F.industry_returns(prices, tables["market_sp500_constituents"], CROSSWALK, freq="Q")
    d = F.industry_returns(prices, tables["market_sp500_constituents"], CROSSWALK, freq="D")
    assert set(q["bea_code"]) == set(CROSSWALK["bea_code"])
    # the quarterly return compounds the daily ones
    d["q"] = pd.to_datetime(d["period"]).dt.to_period("Q").astype(str)
    comp = d.groupby(["q", "bea_code"])["return_decimal"].apply(lambda r: np.prod(1 + r) - 1)
    row = q[(q["period"] == "2015Q2") & (q["bea_code"] == "211")].iloc[0]
    assert row["return_decimal"] == pytest.approx(comp[("2015Q2", "211")], rel=1e-9)
    # a single-ETF-and-sub-industry industry: weights 1:2 between XLE and the E&P members' equal-weight mean
    day = pd.Timestamp("2015-05-05")
    px = prices.pivot_table(index="date", columns="symbol", values="adj_close_usd").sort_index()
    r = px.pct_change(fill_method=None).loc[day]
    members = tables["market_sp500_constituents"]
    ep = members.loc[members["gics_sub_industry"] == "Oil & Gas Exploration & Production", "yahoo_symbol"]
    want = (r["XLE"] * 1 + r[[s for s in ep if s in r.index]].mean() * 2) / 3
    got = d[(d["period"] == day) & (d["bea_code"] == "211")]["return_decimal"].iloc[0]
    assert got == pytest.approx(want, rel=1e-9)
    assert q["vol_annualized"].between(0.02, 3).all()


def test_features_ignore_everything_published_after_the_as_of_date(tables):
    s = "2015Q3"
    a = F.as_of_date(s)
    assert a == pd.Timestamp("2015-06-30")
    nf, tg = F.node_features_and_targets(tables, CROSSWALK, [s])
    # before September 2020 a quarter came out ~110 days after it ended: on 2015-06-30 the newest was 2014Q4
    assert set(nf["info_quarter"]) == {"2014Q4"}
    rng = np.random.default_rng(0)
    bumped = {k: v.copy() for k, v in tables.items()}
    g = bumped["bea_gdp_by_industry"]
    late = pd.to_datetime(g["published_date"]) > a
    g.loc[late, "value"] = g.loc[late, "value"] * rng.uniform(0.5, 1.5, late.sum())
    fr = bumped["market_fred"]
    late_f = pd.to_datetime(fr["published_date"]) > a
    fr.loc[late_f, "value"] = fr.loc[late_f, "value"] + 5.0
    for n in ("market_sp500_prices", "market_etf_prices"):
        p = bumped[n]
        late_p = pd.to_datetime(p["published_date"]) > a
        p.loc[late_p, "adj_close_usd"] = p.loc[late_p, "adj_close_usd"] * rng.uniform(0.5, 1.5, late_p.sum())
    ff = bumped["market_ff_factors"]
    ff.loc[pd.to_datetime(ff["date"]) > a, "rf"] += 0.01
    nf2, tg2 = F.node_features_and_targets(bumped, CROSSWALK, [s])
    pd.testing.assert_frame_equal(nf, nf2)
    # the perturbation did reach the data: the (future) targets move
    assert not np.allclose(tg["go_growth"], tg2["go_growth"])
    assert not np.allclose(tg["excess_return"].dropna(), tg2["excess_return"].dropna())
    # and the SUPPLIES edges of the information quarter do not move either
    io = Warehouse(HOME).read("bea_io_summary")
    e1 = F.supplies_from_warehouse(tables["bea_gdp_by_industry"], io, ["2014Q4"])
    e2 = F.supplies_from_warehouse(g, io, ["2014Q4"])
    pd.testing.assert_frame_equal(e1, e2)
    assert set(e1["annual_table_year"]) == {2013}  # 2013 came out in November 2014, 2014 on 2015-11-05


def test_history_before_2012_trains_only_models_fitted_after_november_2018(tables):
    gdp = tables["bea_gdp_by_industry"]
    quarters = F.quarter_range("2006Q3", "2020Q1")
    nf = F.gdp_node_features(gdp, quarters)
    tg = F.go_growth_targets(gdp, nf)
    known = tg.groupby("quarter")["go_known_date"].max()
    snaps = nf.drop_duplicates("quarter").set_index("quarter")
    # historical snapshots are placed by the release schedule (2008Q1: as of 2007-12-31, newest quarter 2007Q2) ...
    assert snaps.loc["2008Q1", "info_quarter"] == "2007Q2"
    # ... but rest on 71-industry quarters published only with the November 2018 update
    assert (known[:"2013Q4"] >= pd.Timestamp("2018-11-30")).all()
    assert known["2013Q4"] == pd.Timestamp("2018-11-30")  # L = 2013Q1: its L - 5 = 2011Q4 is pre-2012 history
    assert known["2014Q1"] == pd.Timestamp("2014-04-25")  # L = 2013Q2, L - 5 = 2012Q1, target 2013Q3
    # from 2014 each snapshot is known when its target quarter L + 1 is out, never before
    later = known["2015Q1":]
    nxt = snaps.loc["2015Q1":, "info_quarter"].map(lambda q: calendar.bea_quarterly_published(str(pd.Period(q) + 1)))
    assert (later == pd.to_datetime(nxt)).all()
    # and every feature cell was released by the snapshot's as-of date
    for q in ("2015Q1", "2017Q3", "2019Q4"):
        L = snaps.loc[q, "info_quarter"]
        assert calendar.bea_quarterly_timing(L) <= snaps.loc[q, "as_of_date"].date()
        assert calendar.bea_quarterly_timing(str(pd.Period(L) + 1)) > snaps.loc[q, "as_of_date"].date()


def test_ai_and_labour_metrics_only_after_their_inputs_were_published():
    nf = pd.DataFrame({"quarter": ["2022Q3", "2023Q3", "2025Q1"], "bea_code": "211",
                       "info_quarter": ["2022Q1", "2023Q1", "2024Q3"],
                       "as_of_date": pd.to_datetime(["2022-06-30", "2023-06-30", "2024-12-31"]), "go_g0": 0.01})
    metrics = pd.DataFrame({"quarter": ["2022Q1", "2023Q1", "2024Q3"], "bea_code": "211",
                            "ai_automatable_share": [0.2, 0.3, 0.4], "log_wage_bill_usd": [20.0, 21.0, 22.0],
                            # graphs built on OEWS May 2022 (2023-03-31) and O*NET 29.1 (2024-11-01)
                            "labour_published": pd.Timestamp("2023-03-31"),
                            "ai_published": pd.Timestamp("2024-11-01")})
    out = F.attach_graph_quarter_metrics(nf, metrics).set_index("quarter")
    assert np.isnan(out.loc["2022Q3", "log_wage_bill_usd"]) and out.loc["2023Q3", "log_wage_bill_usd"] == 21.0
    assert out["ai_automatable_share"].isna().tolist() == [True, True, False]
    assert out.loc["2025Q1", "ai_automatable_share"] == 0.4
    assert "ai_published" not in out.columns and "labour_published" not in out.columns
    with pytest.raises(ValueError, match="publication-date columns"):
        F.attach_graph_quarter_metrics(nf, metrics.drop(columns=["ai_published"]))
    with pytest.raises(ValueError, match="no known publication date"):
        F.attach_graph_quarter_metrics(nf, metrics.assign(other_metric=1.0))


def test_graph_metric_publication_dates_from_the_manifest():
    from pipeline.forecasting import metric_publication_dates

    labour, ai = metric_publication_dates({"oews_published": "2023-03-31", "onet_release": "29.1"})
    assert labour == pd.Timestamp("2023-03-31") and ai == pd.Timestamp("2024-11-01")


def test_end_to_end_on_real_data(wh, tmp_path):
    t0 = time.perf_counter()
    ds = dataset_from_warehouse(HOME, CROSSWALK, max_edges=100)
    assert ds.n_nodes == 71 and ds.quarters[0] == "2006Q3"
    assert ds.info_quarters[ds.index_of("2024Q1")] == "2023Q3"
    cfg = EvalConfig(first_test="2023Q1", step=4, min_train=16,
                     gnn=GNNConfig(n_seeds=2, hidden=16, layers=1, window=2, max_epochs=25, patience=5),
                     learning_curve_sizes=(16,), learning_curve_seeds=1, learning_curve_test=4,
                     learning_curve_models=("ridge",))
    result = evaluate(tmp_path, config=cfg, dataset=ds)
    for t in TARGETS:
        r = result["targets"][t]
        assert r["models"]["gnn"]["n"] > 0 and np.isfinite(r["models"]["gnn"]["pinball"])
        assert r["best_baseline"] in r["models"] and 0 <= r["dm_pvalue"] <= 1
    er = result["targets"]["excess_return"]["models"]["gnn"]
    assert np.isfinite(er["rank_ic_mean"]) and er["n"] == len(CROSSWALK["bea_code"].unique()) * len(
        result["test_quarters"])
    report = tmp_path / "reports" / "forecast" / "report.md"
    assert report.exists() and "winner" in report.read_text()
    assert (tmp_path / "reports" / "forecast" / "pinball.png").stat().st_size > 1000
    entry = train(tmp_path, config=cfg.gnn, dataset=ds)
    frame, path = predict(tmp_path, dataset=ds)
    assert path.name == f"{ds.quarters[-1]}.parquet" and entry["model_id"] == frame["model_id"].iloc[0]
    assert set(frame["bea_code"]) == set(CROSSWALK["bea_code"])
    bad = CROSSWALK.assign(bea_code=CROSSWALK["bea_code"].replace({"339": "3345MI"}))
    with pytest.raises(IngestError, match="3345MI"):
        F.node_features_and_targets({k: wh.read(k) for k in ("bea_gdp_by_industry",)}, bad, ["2015Q3"])
    print(f"end-to-end (dataset, walk-forward with 2 origins, train, predict): {time.perf_counter() - t0:.1f} s")
