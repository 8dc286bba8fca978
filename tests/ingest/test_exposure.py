"""Published AI-exposure datasets: real-file properties (joins to O*NET, published formulas) and bad inputs."""
from __future__ import annotations

import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ingest import exposure, onet
from ingest.errors import IngestError, MissingInputError
from ingest.storage import SNAPSHOT_ROOT
from ingest.warehouse import resolve_inputs

ELOUNDOU = SNAPSHOT_ROOT / "exposure" / "eloundou_gpts_are_gpts"
FELTEN = SNAPSHOT_ROOT / "exposure" / "felten_raj_seamans_aioe"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return exposure.parse(resolve_inputs(exposure.SOURCE))


@pytest.fixture(scope="module")
def onet_tasks() -> dict[str, pd.DataFrame]:
    """O*NET task statements of both releases, parsed with our own O*NET parser."""
    inputs = resolve_inputs(onet.SOURCE)
    out = {}
    for key in ("29_1", "30_1"):
        release = onet.read_release(inputs[f"readme_{key}"])
        out[release.label] = onet.parse_tasks(inputs[f"tasks_{key}"], release)
    return out


def test_every_table_matches_its_schema(tables):
    assert set(tables) == set(exposure.SOURCE.schemas)
    for name, df in tables.items():
        assert len(df) > 0
        assert list(df.columns) == exposure.SCHEMAS[name].column_names
        exposure.SCHEMAS[name].validate(df)


# ------------------------------------------------------------------------------------------------- Eloundou
def _coverage(labels: pd.DataFrame, tasks: pd.DataFrame) -> float:
    keys = ["onet_soc", "task_id"]
    return float(pd.MultiIndex.from_frame(tasks[keys]).isin(pd.MultiIndex.from_frame(labels[keys])).mean())


def test_eloundou_labels_cover_onet_releases(tables, onet_tasks):
    labels = tables["exposure_eloundou_tasks"]
    assert len(labels) == 19_265
    assert str(labels["task_id"].dtype) == "Int64"
    for release in ("29.1", "30.1"):
        assert len(onet_tasks[release]) == 18_796
        assert onet_tasks[release]["onet_soc"].nunique() == 923
    # measured: 18,751 / 18,796 = 99.76 % (29.1) and 18,739 / 18,796 = 99.70 % (30.1)
    assert _coverage(labels, onet_tasks["29.1"]) == pytest.approx(18_751 / 18_796)
    assert _coverage(labels, onet_tasks["30.1"]) == pytest.approx(18_739 / 18_796)
    assert _coverage(labels, onet_tasks["29.1"]) >= 0.995 and _coverage(labels, onet_tasks["30.1"]) >= 0.995
    # every occupation with tasks in either release has labels
    for release in ("29.1", "30.1"):
        assert set(onet_tasks[release]["onet_soc"]) <= set(labels["onet_soc"])
    assert labels["onet_soc"].nunique() == 923


def test_eloundou_label_values(tables):
    t = tables["exposure_eloundou_tasks"]
    for col in ("human_exposure", "gpt4_exposure", "gpt4_exposure_alt_rubric"):
        assert set(t[col].dropna()) == {"E0", "E1", "E2"}
    assert set(t["gpt4_automation"]) == set(t["gpt4_automation_validation"]) == {"T0", "T1", "T2", "T3", "T4"}
    assert set(t["task_type"].dropna()) == {"core", "supplemental"}
    assert t["task_type"].isna().sum() == 1312
    assert int(t["human_automation"].notna().sum()) == 100  # the human validation subset
    assert set(t["gpt3_relevant"].unique()) == {True, False}
    # coreweight: Core 2, everything else 1
    assert (t["core_weight"] == np.where(t["task_type"].fillna("") == "core", 2.0, 1.0)).all()
    # the two GPT-4 automation label sets of the repository really differ (kept side by side)
    agree = (t["gpt4_automation"] == t["gpt4_automation_validation"]).mean()
    assert 0.6 < agree < 0.7


def test_eloundou_occupation_scores_are_core_weighted_task_means(tables):
    """occ_level.csv = core-weighted mean over the occupation's tasks (Core 2, other 1) of
    alpha = 1[E1], beta = 1[E1] + 0.5*1[E2], gamma = 1[E1] + 1[E2]; measured max |diff| = 1.1e-16."""
    tasks, occ = tables["exposure_eloundou_tasks"], tables["exposure_eloundou_occupations"].set_index("onet_soc")
    assert len(occ) == 923
    score_cols = [f"{w}_{m}" for w in ("human", "gpt4") for m in ("alpha", "beta", "gamma")]
    assert ((occ[score_cols] >= 0) & (occ[score_cols] <= 1)).all().all()
    points = {"alpha": {"E0": 0, "E1": 1, "E2": 0}, "beta": {"E0": 0, "E1": 1, "E2": 0.5},
              "gamma": {"E0": 0, "E1": 1, "E2": 1}}
    w = tasks["core_weight"]
    for who, col in (("human", "human_exposure"), ("gpt4", "gpt4_exposure")):
        for measure, pts in points.items():
            x = tasks[col].map(pts).astype(float)
            weighted = (x * w).groupby(tasks["onet_soc"]).sum() / w.groupby(tasks["onet_soc"]).sum()
            plain = x.groupby(tasks["onet_soc"]).mean()
            published = occ[f"{who}_{measure}"]
            assert (weighted.reindex(published.index) - published).abs().max() < 1e-12
            # the unweighted mean is NOT what was published
            assert (plain.reindex(published.index) - published).abs().max() > 0.05


def test_eloundou_bad_inputs(tmp_path):
    lines = (ELOUNDOU / "full_labelset.tsv").read_text(encoding="utf-8").splitlines(keepends=True)[:12]
    files = {"auto": ELOUNDOU / "automation_gpt4_human_labels.tsv", "onet": ELOUNDOU / "full_onet_data.tsv"}

    def run(mutated: list[str]) -> str:
        f = tmp_path / "full_labelset.tsv"
        f.write_text("".join(mutated), encoding="utf-8")
        with pytest.raises(IngestError) as err:
            exposure.parse_eloundou_tasks(f, files["auto"], files["onet"])
        return str(err.value)

    def field(line: str, i: int, value: str) -> str:
        parts = line.split("\t")
        parts[i] = value
        return "\t".join(parts)

    # a line with one field too many
    assert "full_labelset.tsv row 4 column \"(field 17, beyond the last column 'human_labels')\": wrong number " \
           "of fields: expected 16 fields, got 17" in run(lines[:3] + [lines[3].rstrip("\n") + "\tx\n"] + lines[4:])
    # junk task id
    assert "full_labelset.tsv row 5 column 'Task ID': value does not parse: expected an integer, got '88x1.0'" \
        in run(lines[:4] + [field(lines[4], 2, "88x1.0")] + lines[5:])
    # an exposure class outside E0/E1/E2
    assert "full_labelset.tsv row 3 column 'gpt4_exposure': value does not parse: expected one of 'E0', 'E1', " \
           "'E2', got 'E3'" in run(lines[:2] + [field(lines[2], 7, "E3")] + lines[3:])
    # renamed header
    assert "full_labelset.tsv row 1 column 'gpt4_exposure': column 'gpt4_exposure' not found" \
        in run([lines[0].replace("\tgpt4_exposure\t", "\tgpt4exposure\t")] + lines[1:])
    # duplicated (O*NET-SOC Code, Task ID)
    msg = run(lines + [field(lines[2], 0, "99")])
    assert "full_labelset.tsv row 13 column 'Task ID': duplicated key" in msg and "first at row 3" in msg


def test_eloundou_task_missing_from_companion_file(tmp_path):
    lines = (ELOUNDOU / "full_onet_data.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
    f = tmp_path / "full_onet_data.tsv"
    f.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")
    with pytest.raises(IngestError) as err:
        exposure.parse_eloundou_tasks(ELOUNDOU / "full_labelset.tsv", ELOUNDOU / "automation_gpt4_human_labels.tsv",
                                      f)
    assert "full_labelset.tsv row 2 column 'Task ID': 1 labelled task(s) are missing from full_onet_data.tsv, " \
           "e.g. (11-1011.00, 8823)" in str(err.value)


def test_occupation_score_out_of_range(tmp_path):
    lines = (ELOUNDOU / "occ_level.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = ",".join(lines[5].split(",")[:3] + ["1.5"] + lines[5].split(",")[4:])
    f = tmp_path / "occ_level.csv"
    f.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(IngestError, match=r"occ_level.csv row 6 column 'dv_rating_beta': value does not parse: "
                                          r"expected a number in \[0.0, 1.0\], got '1.5'"):
        exposure.parse_eloundou_occupations(f)


# ---------------------------------------------------------------------------------------------------- Felten
def test_felten_scores_are_z_scores(tables):
    occ, ind = tables["exposure_felten_occupations"], tables["exposure_felten_industries"]
    assert len(occ) == 774 and len(ind) == 250
    for df, cols in ((occ, ["aioe", "lm_aioe", "ig_aioe"]), (ind, ["aiie", "lm_aiie", "ig_aiie"])):
        assert df[cols].mean().abs().max() < 1e-6
        assert np.allclose(df[cols].std(), 1.0, atol=1e-4)
    assert occ["soc_2010"].str.fullmatch(r"\d{2}-\d{4}").all()
    assert set(occ["published_date"].dt.strftime("%Y-%m-%d")) == {"2023-05-31"}


def test_felten_split_industries_are_matched_by_title(tables):
    """The 2021 appendix writes 3250/3320/4240 several times (OEWS split groups); the 2023 files use 3250A1..."""
    ind = tables["exposure_felten_industries"].set_index("industry_code")
    assert ind.loc["3250A2", "title"] == "Chemical Manufacturing (3255 and 3256 only)"
    assert ind.loc["3250A2", "aiie"] == pytest.approx(-0.1203409)
    assert ind.loc["3250A1", "aiie"] == pytest.approx(-0.3080356)
    assert ind.loc["4240A3", "aiie"] == pytest.approx(0.6838242)
    assert ind.loc["113300", "aiie"] == pytest.approx(-1.360161) and ind.loc["113300", "naics4"] == "1133"
    assert (ind["naics4"] == ind.index.str[:4]).all()


def test_felten_truncated_and_missing_sheet(tmp_path):
    f = tmp_path / "Language Modeling AIOE and AIIE.xlsx"
    data = (FELTEN / f.name).read_bytes()
    f.write_bytes(data[: len(data) // 3])
    with pytest.raises(IngestError, match=r"^Language Modeling AIOE and AIIE.xlsx: not a readable .xlsx workbook"):
        exposure.parse_felten(FELTEN / "AIOE_DataAppendix.xlsx", f, FELTEN / "Image Generation AIOE and AIIE.xlsx")
    shutil.copy(FELTEN / f.name, f)
    wb = openpyxl.load_workbook(f)
    wb["LM AIOE"].title = "LM AIOE v2"
    wb.save(f)
    with pytest.raises(MissingInputError,
                       match=r"^Language Modeling AIOE and AIIE.xlsx: sheet 'LM AIOE' not found"):
        exposure.parse_felten(FELTEN / "AIOE_DataAppendix.xlsx", f, FELTEN / "Image Generation AIOE and AIIE.xlsx")


def test_felten_junk_score_names_sheet_row_column(tmp_path):
    f = tmp_path / "Image Generation AIOE and AIIE.xlsx"
    shutil.copy(FELTEN / f.name, f)
    wb = openpyxl.load_workbook(f)
    wb["IG AIIE"].cell(row=7, column=3, value="n.a.")
    wb.save(f)
    with pytest.raises(IngestError) as err:
        exposure.parse_felten(FELTEN / "AIOE_DataAppendix.xlsx", FELTEN / "Language Modeling AIOE and AIIE.xlsx", f)
    assert "Image Generation AIOE and AIIE.xlsx[IG AIIE] row 7 column 'Image Generation AIIE': value does not " \
           "parse: expected a number" in str(err.value)


# ------------------------------------------------------------------------------------------------- Microsoft
def test_microsoft_tables(tables, onet_tasks):
    occ = tables["exposure_microsoft_occupations"]
    assert len(occ) == 785
    mean = (occ["ai_applicability_score_user"] + occ["ai_applicability_score_ai"]) / 2
    assert (occ["ai_applicability_score"] - mean).abs().max() < 1e-12
    iwa = tables["exposure_microsoft_iwa"]
    weights = tables["exposure_microsoft_soc_iwa_weights"]
    assert len(iwa) == 332 and len(weights) == 13_538 and (weights["weight"] > 0).all()
    assert set(weights["soc_2018"]) == set(occ["soc_2018"]) and set(weights["iwa_id"]) <= set(iwa["iwa_id"])
    onet_iwas = onet.parse_iwa_reference(SNAPSHOT_ROOT / onet.SOURCE.inputs["iwa_reference_29_1"],
                                         onet.read_release(SNAPSHOT_ROOT / onet.SOURCE.inputs["readme_29_1"]))
    assert set(iwa["iwa_id"]) == set(onet_iwas["iwa_id"])


# ------------------------------------------------------------------------------------------------- Anthropic
def test_anthropic_percentages_and_matches(tables, onet_tasks):
    a = tables["exposure_anthropic_tasks"]
    names = a.drop_duplicates("task_name")
    assert len(names) == 3514
    assert names["pct_conversations"].sum() == pytest.approx(100.0, abs=1e-9)
    assert a["pct_conversations_per_match"].sum() == pytest.approx(100.0, abs=1e-9)
    unmatched = a[a["task_id"].isna()]
    assert unmatched["task_name"].tolist() == ["none"] and (unmatched["n_matches"] == 0).all()
    assert len(a) == 4245  # 3,513 matched names -> 4,244 (occupation, task) rows, plus 'none'
    assert (a.groupby("task_name")["task_id"].count().reindex(a["task_name"]).to_numpy() == a["n_matches"]).all()
    # a matched statement's text equals the name (lower-cased, stripped): spot-check through O*NET 29.1 ids
    t = onet_tasks["29.1"].set_index("task_id")["task_text"]
    both = a.dropna(subset=["task_id"])
    both = both[both["task_id"].isin(t.index)]
    same = both["task_name"].str.strip() == t.reindex(both["task_id"]).str.lower().str.strip().to_numpy()
    # measured 90.0 %: the rest are statements reworded between O*NET 20.x and 29.1 under the same Task ID
    assert same.mean() == pytest.approx(0.9001, abs=1e-3)


def test_anthropic_total_must_be_100(tmp_path):
    src = SNAPSHOT_ROOT / exposure.INPUTS["anthropic_task_pct"]
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    f = tmp_path / "onet_task_mappings.csv"
    f.write_text("".join(lines[:-200]), encoding="utf-8")
    with pytest.raises(IngestError, match=r"onet_task_mappings.csv column 'pct': task percentages do not sum to 100"):
        exposure.parse_anthropic(f, SNAPSHOT_ROOT / exposure.INPUTS["anthropic_task_statements"])


# ------------------------------------------------------------------------------------------------------ Webb
def test_webb_tables(tables):
    occ, m = tables["exposure_webb_occupations"], tables["exposure_webb_onet_map"]
    assert len(occ) == 341 and int(occ["pct_ai"].isna().sum()) == 3
    assert occ[["pct_ai", "pct_software", "pct_robot"]].stack().between(1, 100).all()
    assert len(m) == 963 and m["onet_soc_2010"].is_unique
    assert len(set(occ["occ1990dd"]) & set(m["occ1990dd"])) == 338
    assert occ.set_index("occ1990dd").loc[7, "pct_ai"] == 67


def test_quoted_csv_with_wrong_field_count(tmp_path):
    src = SNAPSHOT_ROOT / exposure.INPUTS["webb_exposure"]
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\r\n") + ",99\n"
    f = tmp_path / "exposure_by_occ1990dd_lswt2010.csv"
    f.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(IngestError, match=r"exposure_by_occ1990dd_lswt2010.csv row 3 column .*: wrong number of "
                                          r"fields: expected 6 fields, got 7"):
        exposure.parse_webb(f, SNAPSHOT_ROOT / exposure.INPUTS["webb_onet_map"])


def test_constants_for_the_readme():
    assert "Copyright (c) 2024 OpenAI" in exposure.ELOUNDOU_MIT_NOTICE
    assert set(exposure.CITATIONS) == set(exposure.LICENCES) == {"eloundou", "felten", "microsoft", "anthropic",
                                                                 "webb"}
    assert "CC BY 4.0" in onet.ATTRIBUTION and "USDOL/ETA" in onet.ATTRIBUTION
