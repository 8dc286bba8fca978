"""O*NET 29.1 (text) and 30.1 (Excel): real-file properties and bad-input errors that name the place."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ingest import onet, tabular
from ingest.errors import IngestError, MissingInputError
from ingest.storage import SNAPSHOT_ROOT
from ingest.warehouse import resolve_inputs

TEXT = SNAPSHOT_ROOT / "onet" / "db_29_1_text"
EXCEL = SNAPSHOT_ROOT / "onet" / "db_30_1_excel"


@pytest.fixture(scope="module")
def inputs() -> dict[str, Path]:
    return resolve_inputs(onet.SOURCE)


@pytest.fixture(scope="module")
def tables(inputs) -> dict[str, pd.DataFrame]:
    return onet.parse(inputs)


@pytest.fixture(scope="module")
def release_29_1(inputs) -> onet.Release:
    return onet.read_release(inputs["readme_29_1"])


# ------------------------------------------------------------------------------------------------ real files
def test_every_table_matches_its_schema(tables):
    assert set(tables) == set(onet.SOURCE.schemas)
    for name, df in tables.items():
        assert list(df.columns) == onet.SCHEMAS[name].column_names
        onet.SCHEMAS[name].validate(df)  # raises on nulls, bad dtypes, duplicated keys


def test_releases_are_read_from_the_release_notes(tables):
    occ = tables["onet_occupations"]
    dates = occ.groupby("release")["published_date"].first().dt.date.to_dict()
    assert dates == {"29.1": dt.date(2024, 11, 1), "30.1": dt.date(2025, 12, 1)}
    assert occ.groupby("release")["ref_period"].first().to_dict() == {"29.1": "2024-11", "30.1": "2025-12"}
    assert (occ["vintage"] == occ["release"]).all()


def test_unknown_newer_release_gets_its_release_month(tmp_path):
    note = tmp_path / "Read Me.txt"
    note.write_text("O*NET 31.0 Database\nJune 2026 Release\n")
    rel = onet.read_release(note)
    assert (rel.label, rel.month, rel.published) == ("31.0", "2026-06", dt.date(2026, 6, 1))
    note.write_text("some other file\n")
    with pytest.raises(IngestError, match="Read Me.txt: release note does not name the release"):
        onet.read_release(note)


def test_task_counts_per_release(tables):
    tasks = tables["onet_tasks"]
    assert tasks.groupby("release").size().to_dict() == {"29.1": 18_796, "30.1": 18_796}
    socs = {rel: set(g["onet_soc"]) for rel, g in tasks.groupby("release")}
    assert len(socs["29.1"]) == len(socs["30.1"]) == 923
    assert len(socs["29.1"] & socs["30.1"]) == 923
    ids = {rel: set(g["task_id"]) for rel, g in tasks.groupby("release")}
    assert len(ids["29.1"] & ids["30.1"]) == 18_775  # PROVENANCE: 21 only in 29.1, 21 only in 30.1
    occ = tables["onet_occupations"]
    assert occ.groupby("release").size().to_dict() == {"29.1": 1016, "30.1": 1016}


def test_task_types_and_ids(tables):
    tasks = tables["onet_tasks"]
    assert str(tasks["task_id"].dtype) == "Int64" and tasks["task_id"].notna().all()
    assert set(tasks["task_type"].dropna()) == {"core", "supplemental"}
    counts = tasks.groupby("release")["task_type"].value_counts(dropna=False)
    for rel in ("29.1", "30.1"):
        assert counts[(rel, "core")] > 10_000 and counts[(rel, "supplemental")] > 3_000
    # the 'n/a' task types of the text file (and blank cells of the Excel file) are nulls
    raw = pd.read_csv(TEXT / "Task Statements.txt", sep="\t", quoting=3, dtype=str, keep_default_na=False)
    n_na = int((raw["Task Type"] == "n/a").sum())
    assert n_na == 1157
    assert int(tasks.loc[tasks["release"] == "29.1", "task_type"].isna().sum()) == n_na
    assert int(tasks.loc[tasks["release"] == "30.1", "task_type"].isna().sum()) == 845
    # analyst-added tasks have neither a type nor a count of incumbents
    untyped = tasks[tasks["task_type"].isna()]
    assert untyped["incumbents_responding"].isna().all()
    assert tasks["task_date"].str.fullmatch(r"(0[1-9]|1[0-2])/\d{4}").all()


def test_first_task_is_parsed_exactly(tables):
    t = tables["onet_tasks"]
    row = t[(t["release"] == "29.1") & (t["task_id"] == 8823)].iloc[0]
    assert row["onet_soc"] == "11-1011.00" and row["task_type"] == "core"
    assert row["incumbents_responding"] == 95 and row["task_date"] == "08/2023"
    assert row["task_text"].startswith("Direct or coordinate an organization's financial or budget")


def test_soc_2018_is_the_first_seven_characters(tables):
    occ = tables["onet_occupations"]
    assert (occ["soc_2018"] == occ["onet_soc"].str[:7]).all()
    assert occ["soc_2018"].str.fullmatch(r"\d{2}-\d{4}").all()
    assert occ.loc[occ["onet_soc"] == "15-1252.00", "title"].iloc[0] == "Software Developers"


def test_task_dwa_iwa_gwa_hierarchy(tables):
    links, dwas, iwas = tables["onet_task_dwas"], tables["onet_dwa_reference"], tables["onet_iwa_reference"]
    assert links.groupby("release").size().to_dict() == {"29.1": 23_233, "30.1": 23_850}
    assert dwas.groupby("release").size().to_dict() == {"29.1": 2087, "30.1": 2087}
    assert iwas.groupby("release").size().to_dict() == {"29.1": 332, "30.1": 332}
    assert all(d.startswith(i + ".") and i.startswith(e + ".")
               for d, i, e in zip(dwas["dwa_id"], dwas["iwa_id"], dwas["element_id"]))
    merged = links.merge(dwas, on=["release", "dwa_id"], how="left")
    assert merged["iwa_id"].notna().all()


def test_emerging_tasks(tables):
    em = tables["onet_emerging_tasks"]
    assert em.groupby("release").size().to_dict() == {"29.1": 240, "30.1": 328}
    assert em.loc[em["category"] == "New", "original_task_id"].isna().all()
    assert em.loc[em["category"] == "Revision", "original_task_id"].notna().all()


def test_task_ratings_absent_gives_empty_table_with_schema(tables):
    ratings = tables["onet_task_ratings"]
    assert len(ratings) == 0
    assert list(ratings.columns) == onet.SCHEMAS["onet_task_ratings"].column_names
    assert str(ratings["data_value"].dtype) == "float64" and str(ratings["task_id"].dtype) == "Int64"


# ---------------------------------------------------------------------------------------- task ratings (synthetic)
RATINGS_HEADER = onet.FILES["task_ratings"][1]


def _ratings_rows() -> list[list[str]]:
    rows = [["11-1011.00", "8823", "FT", str(c), f"{v:.2f}", "84", "2.5000", "1.2000", "9.5000", "N", "08/2023",
             "Incumbent"] for c, v in zip(range(1, 8), (0.0, 1.5, 3.0, 10.0, 25.5, 40.0, 20.0))]
    rows.append(["11-1011.00", "8823", "IM", "n/a", "4.54", "84", "0.0938", "4.3497", "4.7259", "N", "08/2023",
                 "Incumbent"])
    rows.append(["11-1011.00", "8823", "RT", "n/a", "100.00", "84", "0.0000", "n/a", "n/a", "n/a", "08/2023",
                 "Incumbent"])
    return rows


def _write_ratings_txt(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\r\n".join("\t".join(r) for r in [list(RATINGS_HEADER), *rows]) + "\r\n", encoding="utf-8")
    return path


def test_task_ratings_text_file_is_parsed(tmp_path, inputs, tables):
    f = _write_ratings_txt(tmp_path / "Task Ratings.txt", _ratings_rows())
    out = onet.parse_release({**inputs, "task_ratings": f}, "29_1", lambda _m: None)["onet_task_ratings"]
    assert len(out) == 9 and set(out["release"]) == {"29.1"}
    ft = out[out["scale_id"] == "FT"].sort_values("category")
    assert ft["category"].tolist() == list(range(1, 8))
    assert ft["data_value"].sum() == pytest.approx(100.0)
    im = out[out["scale_id"] == "IM"].iloc[0]
    assert pd.isna(im["category"]) and im["data_value"] == 4.54 and im["n"] == 84 and not im["recommend_suppress"]
    rt = out[out["scale_id"] == "RT"].iloc[0]
    assert pd.isna(rt["lower_ci"]) and pd.isna(rt["recommend_suppress"]) and rt["standard_error"] == 0.0


def test_task_ratings_excel_file_is_parsed(tmp_path, release_29_1, tables):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Task Ratings"
    ws.append(["O*NET-SOC Code", "Title", "Task ID", "Task", "Scale ID", "Scale Name", *RATINGS_HEADER[3:]])
    for r in _ratings_rows():
        ws.append([r[0], "Chief Executives", int(r[1]), "Direct or coordinate ...", r[2], "Importance",
                   *[float(x) if x.replace(".", "").isdigit() else x for x in r[3:]]])
    f = tmp_path / "Task Ratings.xlsx"
    wb.save(f)
    tasks = tables["onet_tasks"][tables["onet_tasks"]["release"] == "29.1"]
    out = onet.parse_task_ratings(f, release_29_1, tasks)
    assert len(out) == 9 and out["category"].dropna().tolist() == list(range(1, 8))
    assert out.loc[out["scale_id"] == "IM", "upper_ci"].iloc[0] == pytest.approx(4.7259)


@pytest.mark.parametrize("change, column, row", [
    ({"scale": "IM", "value": "7.00"}, "Data Value", 9),          # importance outside 1-5
    ({"category": "n/a"}, "Category", 2),                          # FT row without a category
    ({"task": "99999999"}, "Task ID", 2),                          # a task that is not in 29.1
    ({"suppress": "maybe"}, "Recommend Suppress", 2),
])
def test_task_ratings_bad_values_name_row_and_column(tmp_path, release_29_1, tables, change, column, row):
    rows = _ratings_rows()
    target = rows[row - 2]
    target[1] = change.get("task", target[1])
    target[2] = change.get("scale", target[2])
    target[3] = change.get("category", target[3])
    target[4] = change.get("value", target[4])
    target[9] = change.get("suppress", target[9])
    f = _write_ratings_txt(tmp_path / "Task Ratings.txt", rows)
    tasks = tables["onet_tasks"][tables["onet_tasks"]["release"] == "29.1"]
    with pytest.raises(IngestError) as err:
        onet.parse_task_ratings(f, release_29_1, tasks)
    assert f"Task Ratings.txt row {row} column {column!r}" in str(err.value)


# ------------------------------------------------------------------------------------------------ bad inputs
def _task_lines(n: int = 12) -> list[str]:
    with open(TEXT / "Task Statements.txt", encoding="utf-8", newline="") as fh:
        return [next(fh) for _ in range(n)]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(lines), encoding="utf-8", newline="")
    return path


def test_text_file_subset_parses(tmp_path, release_29_1):
    out = onet.parse_tasks(_write(tmp_path / "Task Statements.txt", _task_lines()), release_29_1)
    assert len(out) == 11 and out["task_id"].iloc[0] == 8823


def test_junk_task_id_names_row_and_column(tmp_path, release_29_1):
    lines = _task_lines()
    parts = lines[5].split("\t")
    parts[1] = "88x4"
    lines[5] = "\t".join(parts)
    f = _write(tmp_path / "Task Statements.txt", lines)
    with pytest.raises(IngestError) as err:
        onet.parse_tasks(f, release_29_1)
    msg = str(err.value)
    assert "Task Statements.txt row 6 column 'Task ID': value does not parse: expected an integer" in msg


def test_renamed_header_is_refused(tmp_path, release_29_1):
    lines = _task_lines()
    lines[0] = lines[0].replace("Task ID", "TaskID")
    with pytest.raises(MissingInputError) as err:
        onet.parse_tasks(_write(tmp_path / "Task Statements.txt", lines), release_29_1)
    assert "Task Statements.txt row 1 column 'Task ID': column 'Task ID' not found in the header" in str(err.value)


def test_duplicated_task_is_refused(tmp_path, release_29_1):
    lines = _task_lines()
    lines.append(lines[3])
    with pytest.raises(IngestError) as err:
        onet.parse_tasks(_write(tmp_path / "Task Statements.txt", lines), release_29_1)
    msg = str(err.value)
    assert "Task Statements.txt row 4" in msg and "row 13" in msg and "duplicated key" in msg


def test_wrong_field_count_names_row_and_column(tmp_path, release_29_1):
    lines = _task_lines()
    lines[7] = lines[7].replace("\tCore\t", "\tCore\textra\t")
    lines[9] = "\t".join(lines[9].split("\t")[:3]) + "\r\n"
    with pytest.raises(IngestError) as err:
        onet.parse_tasks(_write(tmp_path / "Task Statements.txt", lines), release_29_1)
    msg = str(err.value)
    assert "2 problems" in msg
    assert "row 8 column \"(field 8, beyond the last column 'Domain Source')\": wrong number of fields: " \
           "expected 7 fields, got 8" in msg
    assert "row 10 column 'Task Type': wrong number of fields: expected 7 fields, got 3" in msg


def test_task_of_unknown_occupation_is_refused(tmp_path, release_29_1, tables):
    lines = _task_lines()
    lines[2] = lines[2].replace("11-1011.00", "11-1011.77", 1)
    occ = tables["onet_occupations"][tables["onet_occupations"]["release"] == "29.1"]
    with pytest.raises(IngestError, match=r"row 3 column 'O\*NET-SOC Code': refers to an occupation"):
        onet.parse_tasks(_write(tmp_path / "Task Statements.txt", lines), release_29_1, occ)


def test_truncated_xlsx_is_refused(tmp_path, release_29_1):
    data = (EXCEL / "Occupation Data.xlsx").read_bytes()
    f = tmp_path / "Occupation Data.xlsx"
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError) as err:
        onet.parse_occupations(f, release_29_1)
    assert str(err.value).startswith("Occupation Data.xlsx: not a readable .xlsx workbook")


def test_corrupted_xlsx_is_refused(tmp_path, release_29_1):
    data = bytearray((EXCEL / "Occupation Data.xlsx").read_bytes())
    mid = len(data) // 2
    data[mid:mid + 2000] = b"\x00" * 2000  # damage a compressed member, keep the zip directory
    f = tmp_path / "Occupation Data.xlsx"
    f.write_bytes(bytes(data))
    with pytest.raises(IngestError) as err:
        onet.parse_occupations(f, release_29_1)
    assert "Occupation Data.xlsx" in str(err.value) and "corrupted" in str(err.value)


def test_junk_in_excel_cell_names_sheet_row_column(tmp_path, release_29_1):
    src = openpyxl.load_workbook(EXCEL / "Task Statements.xlsx", read_only=True)
    rows = list(src["Task Statements"].iter_rows(max_row=6, values_only=True))
    src.close()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Task Statements"
    for r in rows:
        ws.append(list(r))
    ws.cell(row=4, column=6, value="ninety")  # Incumbents Responding
    f = tmp_path / "Task Statements.xlsx"
    wb.save(f)
    with pytest.raises(IngestError) as err:
        onet.parse_tasks(f, release_29_1)
    assert ("Task Statements.xlsx[Task Statements] row 4 column 'Incumbents Responding': value does not parse: "
            "expected an integer (or n/a), got 'ninety'") in str(err.value)


def test_workbook_with_several_sheets_needs_the_named_one(tmp_path, release_29_1):
    f = tmp_path / "Occupation Data.xlsx"
    shutil.copy(EXCEL / "Occupation Data.xlsx", f)
    wb = openpyxl.load_workbook(f)
    wb.create_sheet("Notes")
    wb.save(f)
    with pytest.raises(MissingInputError, match="Occupation Data.xlsx: workbook has several sheets"):
        onet.parse_occupations(f, release_29_1)
    with pytest.raises(MissingInputError, match=r"sheet 'Task Statements' not found"):
        tabular.read_xlsx(f, ("Title",), sheet="Task Statements")


def test_full_parse_names_the_overridden_file(tmp_path, inputs):
    with open(TEXT / "Task Statements.txt", encoding="utf-8", newline="") as fh:
        lines = fh.readlines()
    lines[30] = lines[30].replace("\tSupplemental\t", "\tCentral\t")
    f = _write(tmp_path / "my Task Statements.txt", lines)
    with pytest.raises(IngestError) as err:
        onet.parse({**inputs, "tasks_29_1": f})
    assert "my Task Statements.txt row 31 column 'Task Type'" in str(err.value)
    assert "got 'Central'" in str(err.value)
