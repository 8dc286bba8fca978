"""The labour layer on small synthetic OEWS-format frames: allocation, imputation, errors that name the place."""
from __future__ import annotations

import pandas as pd
import pytest

from graph.labour import LabourDataError, TOP_CODE_ANNUAL_USD, choose_oews_year, employs_for_year, performs


def _oews(rows):
    cols = ["year", "industry_code", "industry_level", "occ_code", "occ_title", "o_group", "employment",
            "mean_wage_usd", "mean_wage_status", "hourly_mean_wage_usd"]
    return pd.DataFrame(rows, columns=cols)


ROWS = [
    (2023, "000000", "cross_industry", "11-1011", "CEO", "detailed", 200.0, 250_000.0, "reported", None),
    (2023, "000000", "cross_industry", "15-1252", "Dev", "detailed", 1000.0, 130_000.0, "reported", None),
    (2023, "51", "sector", "00-0000", "All", "total", 1100.0, 100_000.0, "reported", None),
    (2023, "51", "sector", "11-1011", "CEO", "detailed", 100.0, None, "top_coded", None),
    (2023, "51", "sector", "15-1252", "Dev", "detailed", 900.0, None, "hourly_only", 60.0),
    (2023, "51", "sector", "15-1252", "Dev", "broad", 900.0, 125_000.0, "reported", None),
    (2023, "51", "sector", "99-9999", "Other", "detailed", None, 50_000.0, "reported", None),
]
XW = pd.DataFrame({"oews_industry_code": ["51", "51"], "bea_code": ["511", "5415"], "share": [0.25, 0.75]})


def test_allocation_imputation_and_suppression():
    edges, cov = employs_for_year(_oews(ROWS), XW, 2023)
    e = edges.set_index(["bea_code", "soc"])
    # only detailed rows, split by the crosswalk shares
    assert e.loc[("511", "15-1252"), "employment"] == pytest.approx(225.0)
    assert e.loc[("5415", "15-1252"), "employment"] == pytest.approx(675.0)
    # hourly-only wage x 2,080 hours; top-coded wage falls back to the cross-industry mean (here also 250,000)
    assert e.loc[("5415", "15-1252"), "mean_wage_usd"] == pytest.approx(60.0 * 2080)
    assert e.loc[("5415", "11-1011"), "mean_wage_usd"] == pytest.approx(250_000.0)
    assert ("5415", "99-9999") not in e.index  # suppressed employment is left out, never a zero
    c = cov.set_index("bea_code")
    assert c.loc["5415", "suppressed_employment_share"] == pytest.approx(1 - 1000 / 1100)
    assert c.loc["5415", "imputed_wage_share"] == pytest.approx(100 * 250_000 / (100 * 250_000 + 900 * 124_800))


def test_top_code_threshold_when_no_cross_industry_wage():
    rows = [r for r in ROWS if not (r[2] == "cross_industry" and r[3] == "11-1011")]
    edges, _ = employs_for_year(_oews(rows), XW, 2023)
    w = edges.set_index(["bea_code", "soc"]).loc[("511", "11-1011"), "mean_wage_usd"]
    assert w == TOP_CODE_ANNUAL_USD  # a lower bound, documented


def test_industry_without_crosswalk_entry_is_named():
    rows = ROWS + [(2023, "52", "sector", "15-1252", "Dev", "detailed", 10.0, 100_000.0, "reported", None)]
    with pytest.raises(LabourDataError, match=r"no BEA crosswalk entry: \['52'\]"):
        employs_for_year(_oews(rows), XW, 2023)


def test_year_choice_is_point_in_time():
    df = _oews([(y, "51", "sector", "15-1252", "Dev", "detailed", 1.0, 1.0, "reported", None)
                for y in (2022, 2023, 2024)])
    assert choose_oews_year(df, "2024-03-30").year == 2022  # May 2023 not yet published (2024-03-31)
    assert choose_oews_year(df, "2024-03-31").year == 2023
    early = choose_oews_year(df, "2010-01-01")
    assert early.year == 2022 and early.backcast


def test_performs_weights_sum_to_one_across_onet_specialties():
    tasks = pd.DataFrame({"release": "29.1", "onet_soc": ["11-1011.00", "11-1011.00", "11-1011.03"],
                          "task_id": [1, 2, 3], "task_type": ["core", "supplemental", "core"]})
    xw = pd.DataFrame({"onet_soc": ["11-1011.00", "11-1011.03"], "oews_occ_code": ["11-1011", "11-1011"]})
    p = performs(tasks, xw, "29.1", "core").set_index("task_id")["weight"]
    # each O*NET occupation counts half; within 11-1011.00 core counts twice supplemental
    assert p.to_dict() == pytest.approx({1: 1 / 3, 2: 1 / 6, 3: 1 / 2})
    with pytest.raises(LabourDataError, match="30.1"):
        performs(tasks, xw, "30.1")


# ---------------------------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def real_inputs(warehouse):
    from graph.build import load_inputs

    return load_inputs(warehouse)


def _layer_wage_bills(inputs, quarter):
    from graph.build import available_quarters, io_year_as_of, quarterly_gdp
    from graph.labour import labour_layer_for
    from ingest.calendar import bea_quarterly_published

    assert quarter in available_quarters(inputs.gdp)
    as_of = bea_quarterly_published(quarter)
    layer = labour_layer_for(inputs.oews_industry, as_of)
    io_year = io_year_as_of(inputs.io_years(), as_of)
    va = quarterly_gdp(inputs.gdp, quarter, "value_added")
    emp, _, scaling = inputs.layer_employs(layer, quarter, io_year, va)
    return layer, emp.groupby("bea_code")["wage_bill_usd"].sum(), va * 1e6, scaling.set_index("bea_code")


def test_backcast_wage_bill_follows_bea_compensation(real_inputs):
    """The backcast layer is scaled per industry: never above value added, and 5415 no longer frozen at its
    May 2022 level (the bug: $206B in both 2005Q1 and 2023Q1)."""
    old, wb_old, va_old, sc_old = _layer_wage_bills(real_inputs, "2005Q1")
    new, wb_new, _, sc_new = _layer_wage_bills(real_inputs, "2023Q1")
    assert old.backcast and not new.backcast
    assert (sc_new["wage_scaling"] == "none").all() and (sc_new["wage_scale_factor"] == 1.0).all()
    assert sc_old["wage_scaling"].str.startswith(("bea_compensation", "national_factor")).all()
    assert (wb_old <= va_old.reindex(wb_old.index) * (1 + 1e-9)).all()  # wages never exceed value added
    # 5415's compensation (Use row V001) grew ~4x 2002 -> 2022; its wage bill now moves with it
    assert 0.15 < wb_old["5415"] / wb_new["5415"] < 0.5
    # the occupation mix is the layer's: shares within an industry are unchanged by the scaling
    emp_old = real_inputs.layer_employs(old, "2005Q1", 2002, va_old / 1e6)[0]
    base = real_inputs.employs(old.year)[0]
    m = emp_old[emp_old.bea_code == "5415"].set_index("soc")["wage_bill_usd"]
    b = base[base.bea_code == "5415"].set_index("soc")["wage_bill_usd"]
    pd.testing.assert_series_equal(m / m.sum(), b / b.sum(), check_dtype=False)


def test_backcast_scale_fallbacks_and_cap():
    from graph.labour import backcast_wage_scale

    idx = ["a", "b", "c"]
    wb = pd.Series([100e6, 50e6, 80e6], index=idx)  # USD
    s = backcast_wage_scale(wb, comp_layer=pd.Series([200.0, 0.0, 100.0], index=idx),  # USD millions
                            comp_io_year=pd.Series([100.0, 10.0, 50.0], index=idx),
                            va_io_year=pd.Series([200.0, 20.0, 100.0], index=idx),
                            va_quarter=pd.Series([300.0, 40.0, 60.0], index=idx)).set_index("bea_code")
    # a: labour share 0.5 x VA 300 = 150 -> 150 / 200
    assert s.loc["a", "wage_scale_factor"] == pytest.approx(0.75)
    assert s.loc["a", "wage_scaling"] == "bea_compensation"
    # b: no layer compensation -> ratio of totals over a and c: (150 + 30) / 300
    assert s.loc["b", "wage_scale_factor"] == pytest.approx(0.6) and s.loc["b", "wage_scaling"] == "national_factor"
    # c: 30/100 = 0.3 -> 24 M of wages, below VA 60 M: no cap; now shrink VA to force it
    assert s.loc["c", "wage_scale_factor"] == pytest.approx(0.3)
    # the layer puts 300 M of wages where BEA measured 100 M of compensation (an allocation artefact): scaled by
    # 0.9 x 30 / 100 = 0.27 it would be 81 M > 30 M of value added, so it is capped at value added
    big = pd.Series([300e6, 50e6, 80e6], index=idx)
    t = backcast_wage_scale(big, pd.Series([100.0] * 3, index=idx), pd.Series([90.0] * 3, index=idx),
                            pd.Series([100.0] * 3, index=idx), pd.Series([30.0] * 3, index=idx)).set_index("bea_code")
    assert t.loc["a", "wage_scale_factor"] == pytest.approx(0.1)
    assert t.loc["a", "wage_scaling"] == "bea_compensation;capped_at_value_added"
    assert t.loc["b", "wage_scale_factor"] == pytest.approx(0.27) and t.loc["b", "wage_scaling"] == "bea_compensation"
    assert (big * t["wage_scale_factor"] <= 30e6 * (1 + 1e-12)).all()
    with pytest.raises(LabourDataError, match="V001"):
        backcast_wage_scale(wb, pd.Series(0.0, index=idx), pd.Series(0.0, index=idx), pd.Series(1.0, index=idx),
                            pd.Series(1.0, index=idx))


def test_soc_2010_codes_are_mapped_split_and_reported():
    from graph.labour import soc_2010_weights

    xw = pd.DataFrame({"soc_2010": ["15-1132", "15-1133", "13-1022", "13-1023", "25-3099", "25-3099"],
                       "soc_2018": ["15-1252", "15-1252", "13-1022", "13-1023", "25-3041", "25-3099"]})
    nem = pd.DataFrame({"soc_2018": ["15-1252", "13-1022", "13-1023"],
                        "oews_occ_code": ["15-1252", "13-1020", "13-1020"]})
    w = soc_2010_weights(["15-1132", "15-1133", "13-1022", "13-1023", "25-3099", "11-1011", "51-2098"], xw, nem,
                         known={"11-1011"}).set_index(["soc_2010", "soc"])["weight"]
    assert w.to_dict() == {("11-1011", "11-1011"): 1.0, ("13-1022", "13-1020"): 1.0, ("13-1023", "13-1020"): 1.0,
                           ("15-1132", "15-1252"): 1.0, ("15-1133", "15-1252"): 1.0,
                           ("25-3099", "25-3041"): 0.5, ("25-3099", "25-3099"): 0.5}  # 51-2098: unmapped
    rows = [(2018, "51", "sector", "00-0000", "All", "total", 400.0, 50_000.0, "reported", None),
            (2018, "51", "sector", "15-1132", "Dev apps", "detailed", 100.0, 100_000.0, "reported", None),
            (2018, "51", "sector", "15-1133", "Dev sys", "detailed", 100.0, 120_000.0, "reported", None),
            (2018, "51", "sector", "25-3099", "Teachers", "detailed", 100.0, 50_000.0, "reported", None),
            (2018, "51", "sector", "51-2098", "Assemblers", "detailed", 100.0, 40_000.0, "reported", None)]
    with pytest.raises(LabourDataError, match="SOC 2010"):
        employs_for_year(_oews(rows), XW, 2018)
    edges, cov = employs_for_year(_oews(rows), XW, 2018, xw, nem)
    e = edges[edges.bea_code == "511"].set_index("soc")
    assert e.loc["15-1252", "employment"] == pytest.approx(0.25 * 200)  # merged codes add up
    assert e.loc["15-1252", "wage_bill_usd"] == pytest.approx(0.25 * (100 * 100_000 + 100 * 120_000))
    assert e.loc["25-3041", "employment"] == pytest.approx(0.25 * 50)  # a split code: equal halves
    assert "51-2098" not in e.index
    c = cov.set_index("bea_code")
    assert c.loc["511", "unmapped_soc_wage_share"] == pytest.approx(4e6 / (10e6 + 12e6 + 5e6 + 4e6))


def test_layer_for_each_information_date(real_inputs):
    from graph.labour import labour_layer_for

    o = real_inputs.oews_industry
    got = {d: labour_layer_for(o, d) for d in ("2005-06-29", "2019-03-30", "2019-03-31", "2023-03-30",
                                               "2023-03-31", "2025-03-31", "2026-03-30", "2026-03-31")}
    assert [(v.year, v.backcast) for v in got.values()] == [
        (2018, True), (2018, True), (2018, False), (2018, False), (2022, False), (2024, False), (2024, False),
        (2025, False)]
    assert got["2026-03-31"].granularity == "naics4/naics3" and got["2025-03-31"].granularity == "sector"


def test_may_2018_layer_is_in_graph_occupation_codes(real_inputs):
    edges, cov = real_inputs.employs(2018)
    socs = set(edges["soc"])
    assert "15-1252" in socs and "15-1132" not in socs  # SOC 2018 software developers, not the SOC 2010 codes
    assert socs <= set(real_inputs.static()["occupations"]["soc"])  # every edge reaches an Occupation node
    # nothing lost silently: what the crosswalk cannot place is reported, and it is small (OEWS-specific
    # May 2018 aggregates such as 51-2098)
    assert len(cov) == 71 and (cov["unmapped_soc_wage_share"] < 0.06).all()
    o = real_inputs.oews_industry
    det = o[(o["year"] == 2018) & (o["industry_level"] == "sector") & (o["o_group"] == "detailed")]
    assert edges["employment"].sum() <= det["employment"].sum()


def test_may_2025_detail_layer_targets(real_inputs):
    """The finest layer: >= 60 distinct industry shares among 71 (sectors gave 22), and the national share within
    2 pp of the direct computation from the published labels and cross-industry wage bills."""
    from graph.build import quarterly_gdp
    from graph.impact import industry_impact, occupation_automatability
    from graph.labour import national_share_direct

    st = real_inputs.static()
    go = quarterly_gdp(real_inputs.gdp, "2024Q3", "gross_output")
    res = {}
    for year in (2024, 2025):
        edges, _ = real_inputs.employs(year)
        res[year] = industry_impact(edges[edges["soc"].isin(st["occupations"]["soc"])], st["performs"],
                                    st["task_scores"], go, top_n=0)
    for rater in ("human", "gpt4"):
        shares = {y: r.industries.xs(rater, level="rater")["automatable_share"].dropna().round(6)
                  for y, r in res.items()}
        assert shares[2025].nunique() >= 60 and shares[2024].nunique() <= 22
    direct = national_share_direct(real_inputs.oews_industry, 2025,
                                   occupation_automatability(st["performs"], st["task_scores"]))
    graph = res[2025].national["automatable_share"]
    assert set(direct.index) == set(graph.index) == {"human", "gpt4"}
    assert (graph - direct).abs().max() < 0.02


def test_crosswalk_csv_matches_the_ingested_table(warehouse):
    """data/crosswalks/oews_industry_bea.csv is the ingested crosswalk, byte for byte, shares summing to 1."""
    from ingest.crosswalks import OEWS_BEA_CSV, oews_bea_csv_text

    table = warehouse.read("xwalk_oews_industry_bea", "crosswalks")
    assert OEWS_BEA_CSV.read_text() == oews_bea_csv_text(table)
    csv = pd.read_csv(OEWS_BEA_CSV, dtype={"oews_industry_code": str})
    sums = csv.groupby("oews_industry_code")["share"].sum()
    assert (sums - 1).abs().max() < 1e-8
    four = csv[csv["industry_level"] == "naics4"]
    assert four["oews_industry_code"].nunique() >= 228
