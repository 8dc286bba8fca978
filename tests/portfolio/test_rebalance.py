import json

import numpy as np
import pandas as pd
import pytest

from ingest.warehouse import Warehouse
from portfolio.optimizer import PolicyConfig
from portfolio.rebalance import RebalanceError, rebalance
from portfolio.universe import UniverseError, load_user_universe

from .conftest import write_user_universe

CFG = PolicyConfig(compliance="report", turnover_cap=1.0)


@pytest.fixture(scope="module")
def run(user_universe_dir, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    uni = load_user_universe(user_universe_dir)
    wh = Warehouse(home)  # no market source: no risk-free rate, equal-weight market proxy

    def go(date, **kw):
        kw.setdefault("config", CFG)
        return rebalance(date, str(user_universe_dir), 1e7, home=home, warehouse=wh, universe_obj=uni, **kw)
    return home, uni, go


def test_outputs_and_summary(run):
    home, uni, go = run
    s = go("2023-03-01")
    assert {"date", "status", "n_positions", "turnover", "solve_ms", "relaxed", "compliance"} <= set(s)
    d = home / "portfolio" / uni.name / "2023-03-01"
    tw = pd.read_csv(d / "target_weights.csv")
    orders = pd.read_csv(d / "orders.csv")
    disc = pd.read_csv(d / "holdings_disclosure.csv")
    assert list(disc.columns) == ["identifier", "description", "quantity", "weight"]
    assert (tw["quantity"] == tw["quantity"].round()).all() and (orders["quantity"] > 0).all()
    assert disc["weight"].sum() == pytest.approx(1.0, abs=1e-9)  # positions + cash = NAV
    assert (tw["weight"] >= 0).all() and tw["weight"].sum() <= 0.98 + 1e-9
    # the price used is the previous close (2023-02-28), not the day's
    assert (tw["price_usd"].to_numpy() == uni.prices.loc["2023-02-28", tw["identifier"]].round(6).to_numpy()).all()
    inputs = json.loads((d / "inputs.json").read_text())
    assert inputs["price_date"] == "2023-02-28" and len(inputs["universe_data_sha256"]) == 64
    assert s["compliance"]["mode"] == "report" and "status_counts" in s["compliance"]


def test_byte_identical_rerun_and_other_dates_untouched(run):
    home, uni, go = run
    go("2023-03-02")
    go("2023-03-03")
    root = home / "portfolio" / uni.name
    before = {p.name: p.read_bytes() for p in (root / "2023-03-02").iterdir()}
    other = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (root / "2023-03-03").iterdir()}
    go("2023-03-02")
    assert {p.name: p.read_bytes() for p in (root / "2023-03-02").iterdir()} == before
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (root / "2023-03-03").iterdir()} == other
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no temporary directories left


def test_holdings_file_and_turnover(run, tmp_path):
    home, uni, go = run
    h = tmp_path / "h.csv"
    h.write_text("identifier,quantity\nS001,10000\nS002,5000\nCASH_USD,8000000\n")
    s = go("2023-03-06", holdings_file=h)
    assert s["status"] in ("optimal", "relaxed") and 0 <= s["turnover"] <= 1


@pytest.mark.parametrize("text, match", [
    ("identifier,quantity\nNOPE,10\n", r"row 2 column 'identifier': unknown identifier"),
    ("identifier,quantity\nS001,abc\n", r"row 2 column 'quantity'"),
    ("identifier,quantity\nS001,10000000\n", r"holdings are worth more than the NAV"),
])
def test_bad_holdings(run, tmp_path, text, match):
    home, uni, go = run
    h = tmp_path / "h.csv"
    h.write_text(text)
    with pytest.raises(RebalanceError, match=match):
        go("2023-03-07", holdings_file=h)
    assert not (home / "portfolio" / uni.name / "2023-03-07").exists()


def test_bad_nav_and_dates(run):
    home, uni, go = run
    with pytest.raises(RebalanceError, match="NAV must be a positive"):
        rebalance("2023-03-01", "x", 0.0, home=home)
    with pytest.raises(RebalanceError, match="no prices before"):
        go("2021-01-04")


def test_held_security_without_price(tmp_path):
    d = write_user_universe(tmp_path / "gap", n=6, days=320)
    px = pd.read_csv(d / "prices.csv")
    px = px[~((px["identifier"] == "S002") & (px["date"] == px["date"].max()))]
    px.to_csv(d / "prices.csv", index=False)
    uni = load_user_universe(d)
    uni.prices.loc[uni.prices.index.max(), "S002"] = np.nan  # missing on the previous close
    h = tmp_path / "h.csv"
    h.write_text("identifier,quantity\nS002,100\n")
    nxt = (uni.prices.index.max() + pd.offsets.BDay(1)).strftime("%Y-%m-%d")
    with pytest.raises(RebalanceError, match="no positive price on the previous close"):
        rebalance(nxt, str(d), 1e6, holdings_file=h, home=tmp_path, warehouse=Warehouse(tmp_path),
                  universe_obj=uni, config=CFG)


def test_zero_price_and_empty_universe_are_rejected(tmp_path):
    from ingest.errors import IngestError
    d = write_user_universe(tmp_path / "z", n=4, days=40)
    px = pd.read_csv(d / "prices.csv")
    px.loc[5, "adj_close"] = 0
    px.to_csv(d / "prices.csv", index=False)
    with pytest.raises(IngestError, match=r"prices.csv row 7 column 'adj_close'"):
        load_user_universe(d)
    e = tmp_path / "empty"
    e.mkdir()
    (e / "securities.csv").write_text("identifier,name,type,issuer_id,gics_sector,gics_sub_industry,eligible_from\n")
    (e / "prices.csv").write_text("date,identifier,adj_close\n")
    with pytest.raises((UniverseError, IngestError)):
        load_user_universe(e)


def test_universe_empty_on_the_date_writes_nothing(tmp_path):
    """Every security becomes eligible only after the date: a clear error and no files for that date (not an
    all-cash target that would sell every holding)."""
    d = write_user_universe(tmp_path / "late", n=5, days=300)
    s = pd.read_csv(d / "securities.csv")
    s["eligible_from"] = "2030-01-01"
    s.to_csv(d / "securities.csv", index=False)
    uni = load_user_universe(d)
    nxt = (uni.prices.index.max() + pd.offsets.BDay(1)).strftime("%Y-%m-%d")
    with pytest.raises(RebalanceError, match=r"no security of universe 'late' is eligible on"):
        rebalance(nxt, str(d), 1e6, home=tmp_path, warehouse=Warehouse(tmp_path), universe_obj=uni, config=CFG)
    assert not (tmp_path / "portfolio" / "late" / nxt).exists()
