"""O*NET database releases 29.1 (tab-delimited text) and 30.1 (Excel) -> tidy per-release tables.

Each release is a separate set of logical inputs (``<file>_29_1``, ``<file>_30_1``); every input may be given as the
official ``.txt`` or ``.xlsx`` file (the reader is chosen by suffix), so a user can point a set at a newer official
release of either format. The release label and month are read from the release's ``Read Me.txt``
(``O*NET 29.1 Database`` / ``November 2024 Release``), not assumed from the input name.

Tables (all carry ``release``; ``ref_period`` = the release month ``YYYY-MM``; ``vintage`` = the release label;
``published_date`` = :func:`ingest.calendar.onet_published` for the releases it knows, else the first day of the
release month shown in ``Read Me.txt``, the same rule the calendar's dates follow):

* ``onet_occupations``: every O*NET-SOC code of the taxonomy (1,016), ``soc_2018`` = its first 7 characters (in the
  2019 O*NET-SOC taxonomy the detailed SOC 2018 code; ``.00`` = the SOC occupation itself, other suffixes are O*NET
  specialties under it).
* ``onet_tasks``: task statements; ``task_type`` is ``core`` / ``supplemental`` and null where O*NET writes ``n/a``
  (analyst-added tasks without incumbent ratings); ``incumbents_responding`` (count of respondents) null for ``n/a``;
  ``task_date`` kept as O*NET's ``MM/YYYY`` text.
* ``onet_task_dwas``, ``onet_dwa_reference``, ``onet_iwa_reference``: the task -> DWA -> IWA -> GWA (element) links;
  ``DWA ID`` starts with its ``IWA ID``, which starts with its GWA ``Element ID`` (checked).
* ``onet_emerging_tasks``: new and revised task statements proposed by incumbents (``original_task_id`` null for
  ``New``).
* ``onet_task_ratings``: the official "Task Ratings" file (optional input, absent in the snapshot -> an empty table
  with the schema): frequency ``FT`` (categories 1-7, data value = percent of respondents), importance ``IM``
  (1-5 mean) and relevance ``RT`` (percent of respondents rating the task relevant), with N, standard error, 95 %
  confidence bounds and O*NET's suppression flag.

Referential checks (each failure names file and row): task codes exist in the release's occupation list, task-DWA
links point to existing tasks and DWAs, DWAs to existing IWAs, ratings to existing tasks.

The readers (``read_table``, ``read_tab_text``, ``read_xlsx``, ``read_delimited``) and field parsers live in
:mod:`ingest.tabular` (shared with :mod:`ingest.exposure`).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import pandas as pd

from . import calendar
from .errors import IngestError, ProblemCollector
from .registry import Progress, Source, progress_or_noop
from .schemas import Column, TableSchema, schema
from .tabular import (_read_bytes, check_in, finish, parse_choice, parse_codes, parse_floats, parse_ints,
                      read_table, report_rows, require_text)

PARSER_VERSION = "1"

ATTRIBUTION = (
    "This product includes information from the O*NET 29.1 Database and the O*NET 30.1 Database by the U.S. "
    "Department of Labor, Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license. "
    "O*NET(R) is a trademark of USDOL/ETA. Modified by econgraph: files were parsed into tidy tables (codes, "
    "task types and ratings re-typed, n/a values stored as nulls); no values were changed."
)
LICENCE = ("O*NET Database: Creative Commons Attribution 4.0 International (CC BY 4.0), "
           "https://creativecommons.org/licenses/by/4.0/ ; https://www.onetcenter.org/license_db.html")

SNAPSHOT_SETS = {"29_1": ("onet/db_29_1_text", ".txt"), "30_1": ("onet/db_30_1_excel", ".xlsx")}
URLS_BY_SET = {"29_1": "https://www.onetcenter.org/dl_files/database/db_29_1_text.zip",
               "30_1": "https://www.onetcenter.org/dl_files/database/db_30_1_excel.zip"}

SOC_RE = r"^\d{2}-\d{4}\.\d{2}$"
MONTH_YEAR_RE = r"^(0[1-9]|1[0-2])/\d{4}$"
NULL_WORDS = ("n/a", "")

# logical file -> (official file name, official column names the parser needs; extra columns are ignored)
FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "occupations": ("Occupation Data", ("O*NET-SOC Code", "Title", "Description")),
    "tasks": ("Task Statements", ("O*NET-SOC Code", "Task ID", "Task", "Task Type", "Incumbents Responding",
                                  "Date", "Domain Source")),
    "task_dwas": ("Tasks to DWAs", ("O*NET-SOC Code", "Task ID", "DWA ID", "Date", "Domain Source")),
    "dwa_reference": ("DWA Reference", ("Element ID", "IWA ID", "DWA ID", "DWA Title")),
    "iwa_reference": ("IWA Reference", ("Element ID", "IWA ID", "IWA Title")),
    "emerging_tasks": ("Emerging Tasks", ("O*NET-SOC Code", "Task", "Category", "Original Task ID",
                                          "Original Task", "Date", "Domain Source")),
    "task_ratings": ("Task Ratings", ("O*NET-SOC Code", "Task ID", "Scale ID", "Category", "Data Value", "N",
                                      "Standard Error", "Lower CI Bound", "Upper CI Bound", "Recommend Suppress",
                                      "Date", "Domain Source")),
}
REQUIRED_FILES = ("occupations", "tasks", "task_dwas", "dwa_reference", "iwa_reference", "emerging_tasks")

# ----------------------------------------------------------------------------------------------------- schemas
_REL = Column("release", "str", description="O*NET database release, e.g. '29.1'")
_SOC = Column("onet_soc", "str", description="O*NET-SOC 2019 code NN-NNNN.NN")
_TASK = Column("task_id", "int", description="O*NET Task ID (stable across releases for an unchanged statement)")

SCHEMAS: dict[str, TableSchema] = {
    "onet_occupations": schema("onet_occupations", [
        _REL, _SOC,
        Column("soc_2018", "str", description="SOC 2018 detailed code NN-NNNN (first 7 characters of onet_soc)"),
        Column("title", "str"), Column("description", "str"),
    ], key=["release", "onet_soc"], description="O*NET-SOC taxonomy occupations per release"),
    "onet_tasks": schema("onet_tasks", [
        _REL, _SOC, _TASK, Column("task_text", "str"),
        Column("task_type", "str", nullable=True, description="core | supplemental; null where O*NET has n/a"),
        Column("incumbents_responding", "int", nullable=True, description="number of incumbents; null for n/a"),
        Column("task_date", "str", description="O*NET's MM/YYYY date of the statement"),
        Column("domain_source", "str", description="Incumbent, Occupational Expert, Analyst, ..."),
    ], key=["release", "onet_soc", "task_id"], description="O*NET task statements per release"),
    "onet_task_dwas": schema("onet_task_dwas", [
        _REL, _SOC, _TASK, Column("dwa_id", "str"), Column("date", "str", description="MM/YYYY"),
        Column("domain_source", "str"),
    ], key=["release", "onet_soc", "task_id", "dwa_id"], description="task -> detailed work activity links"),
    "onet_dwa_reference": schema("onet_dwa_reference", [
        _REL, Column("dwa_id", "str"), Column("iwa_id", "str"),
        Column("element_id", "str", description="GWA element id (Content Model 4.A.*)"), Column("dwa_title", "str"),
    ], key=["release", "dwa_id"], description="detailed work activities (DWA) with their IWA and GWA"),
    "onet_iwa_reference": schema("onet_iwa_reference", [
        _REL, Column("iwa_id", "str"), Column("element_id", "str", description="GWA element id"),
        Column("iwa_title", "str"),
    ], key=["release", "iwa_id"], description="intermediate work activities (IWA) with their GWA"),
    "onet_emerging_tasks": schema("onet_emerging_tasks", [
        _REL, _SOC, Column("task_text", "str"), Column("category", "str", description="New | Revision"),
        Column("original_task_id", "int", nullable=True, description="revised task's Task ID; null for New"),
        Column("original_task_text", "str", nullable=True), Column("date", "str", description="MM/YYYY"),
        Column("domain_source", "str"),
    ], key=["release", "onet_soc", "task_text"], description="emerging (new / revised) task statements"),
    "onet_task_ratings": schema("onet_task_ratings", [
        _REL, _SOC, _TASK, Column("scale_id", "str", description="FT frequency | IM importance | RT relevance"),
        Column("category", "int", nullable=True, description="FT frequency category 1-7; null for IM/RT"),
        Column("data_value", "float", description="FT, RT: percent of respondents; IM: mean rating 1-5"),
        Column("n", "int", nullable=True, description="number of respondents"),
        Column("standard_error", "float", nullable=True), Column("lower_ci", "float", nullable=True),
        Column("upper_ci", "float", nullable=True),
        Column("recommend_suppress", "bool", nullable=True, description="O*NET's Y/N flag (low precision)"),
        Column("date", "str", description="MM/YYYY"), Column("domain_source", "str"),
    ], key=["release", "onet_soc", "task_id", "scale_id", "category"],
        description="task frequency / importance / relevance ratings (optional input)"),
}

# ------------------------------------------------------------------------------------------------------ release
_MONTHS = {m: i for i, m in enumerate(["January", "February", "March", "April", "May", "June", "July", "August",
                                       "September", "October", "November", "December"], start=1)}


@dataclass(frozen=True)
class Release:
    label: str  # "29.1"
    month: str  # "2024-11": the release month (ref_period)
    published: dt.date

    def pit(self) -> dict:
        return {"release": self.label, "ref_period": self.month, "published_date": self.published,
                "vintage": self.label}


def read_release(path: Path) -> Release:
    """Release label and month from the release's ``Read Me.txt`` ("O*NET 29.1 Database", "November 2024 Release").

    ``published`` = :func:`ingest.calendar.onet_published` for releases the calendar knows; for a newer release
    given by path, the first day of its release month (the rule the calendar's own dates follow).
    """
    text = _read_bytes(path).decode("utf-8-sig", errors="replace")
    label = re.search(r"O\*NET\s+(\d+\.\d+)\s+Database", text)
    month = re.search(r"(" + "|".join(_MONTHS) + r")\s+(\d{4})\s+Release", text)
    if not label or not month:
        raise IngestError("release note does not name the release", path=path,
                          expected="'O*NET <NN.N> Database' and '<Month> <YYYY> Release'", got=text[:80])
    year, mon = int(month.group(2)), _MONTHS[month.group(1)]
    published = (calendar.ONET_RELEASES[label.group(1)] if label.group(1) in calendar.ONET_RELEASES
                 else dt.date(year, mon, 1))
    return Release(label.group(1), f"{year:04d}-{mon:02d}", published)


def _with_pit(df: pd.DataFrame, release: Release) -> pd.DataFrame:
    for key, value in release.pit().items():
        df[key] = value
    return df


# ------------------------------------------------------------------------------------------------ table parsers
def parse_occupations(path: Path, release: Release) -> pd.DataFrame:
    raw, sheet = read_table(path, FILES["occupations"][1])
    pc = ProblemCollector(path=path, sheet=sheet)
    df = pd.DataFrame({"_row": raw["_row"]})
    df["onet_soc"] = parse_codes(raw, "O*NET-SOC Code", SOC_RE, pc, what="an O*NET-SOC code NN-NNNN.NN")
    df["soc_2018"] = df["onet_soc"].str[:7]
    df["title"] = require_text(raw, "Title", pc)
    df["description"] = require_text(raw, "Description", pc)
    return finish(_with_pit(df, release), SCHEMAS["onet_occupations"], pc, path, sheet)


TASK_TYPES = {"Core": "core", "Supplemental": "supplemental", "n/a": None, None: None}


def parse_tasks(path: Path, release: Release, occupations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Task statements; ``occupations`` (same release), when given, must hold every task's O*NET-SOC code."""
    raw, sheet = read_table(path, FILES["tasks"][1])
    pc = ProblemCollector(path=path, sheet=sheet)
    df = pd.DataFrame({"_row": raw["_row"]})
    df["onet_soc"] = parse_codes(raw, "O*NET-SOC Code", SOC_RE, pc, what="an O*NET-SOC code NN-NNNN.NN")
    df["task_id"] = parse_ints(raw, "Task ID", pc)
    df["task_text"] = require_text(raw, "Task", pc)
    df["task_type"] = parse_choice(raw, "Task Type", TASK_TYPES, pc)
    df["incumbents_responding"] = parse_ints(raw, "Incumbents Responding", pc, nulls=NULL_WORDS)
    df["task_date"] = parse_codes(raw, "Date", MONTH_YEAR_RE, pc, what="a date MM/YYYY")
    df["domain_source"] = require_text(raw, "Domain Source", pc)
    if occupations is not None:
        check_in(df, df["onet_soc"], pd.Index(occupations["onet_soc"]), "O*NET-SOC Code", pc,
                 "an occupation (not in Occupation Data)")
    return finish(_with_pit(df, release), SCHEMAS["onet_tasks"], pc, path, sheet)


def parse_iwa_reference(path: Path, release: Release) -> pd.DataFrame:
    raw, sheet = read_table(path, FILES["iwa_reference"][1])
    pc = ProblemCollector(path=path, sheet=sheet)
    df = pd.DataFrame({"_row": raw["_row"]})
    df["element_id"] = parse_codes(raw, "Element ID", r"^4\.A(\.\w+)+$", pc, what="a GWA element id 4.A.*")
    df["iwa_id"] = parse_codes(raw, "IWA ID", r"^4\.A(\.\w+)+\.I\d+$", pc, what="an IWA id 4.A.*.Inn")
    df["iwa_title"] = require_text(raw, "IWA Title", pc)
    _check_prefix(df, "iwa_id", "element_id", "IWA ID", pc)
    return finish(_with_pit(df, release), SCHEMAS["onet_iwa_reference"], pc, path, sheet)


def parse_dwa_reference(path: Path, release: Release, iwas: pd.DataFrame | None = None) -> pd.DataFrame:
    raw, sheet = read_table(path, FILES["dwa_reference"][1])
    pc = ProblemCollector(path=path, sheet=sheet)
    df = pd.DataFrame({"_row": raw["_row"]})
    df["dwa_id"] = parse_codes(raw, "DWA ID", r"^4\.A(\.\w+)+\.I\d+\.D\d+$", pc, what="a DWA id 4.A.*.Inn.Dnn")
    df["iwa_id"] = parse_codes(raw, "IWA ID", r"^4\.A(\.\w+)+\.I\d+$", pc, what="an IWA id 4.A.*.Inn")
    df["element_id"] = parse_codes(raw, "Element ID", r"^4\.A(\.\w+)+$", pc, what="a GWA element id 4.A.*")
    df["dwa_title"] = require_text(raw, "DWA Title", pc)
    _check_prefix(df, "dwa_id", "iwa_id", "DWA ID", pc)
    _check_prefix(df, "iwa_id", "element_id", "IWA ID", pc)
    if iwas is not None:
        check_in(df, df["iwa_id"], pd.Index(iwas["iwa_id"]), "IWA ID", pc, "an IWA (not in IWA Reference)")
    return finish(_with_pit(df, release), SCHEMAS["onet_dwa_reference"], pc, path, sheet)


def _check_prefix(df: pd.DataFrame, child: str, parent: str, column: str, pc: ProblemCollector) -> None:
    ok = [c is None or p is None or (isinstance(c, str) and isinstance(p, str) and c.startswith(p + "."))
          for c, p in zip(df[child].tolist(), df[parent].tolist())]
    bad = pd.Series([not o for o in ok], index=df.index)
    for idx in list(bad[bad].index[:3]):
        pc.add(f"{child} is not under its {parent} {df.at[idx, parent]!r}", row=int(df.at[idx, "_row"]),
               column=column, got=df.at[idx, child])


def parse_task_dwas(path: Path, release: Release, tasks: pd.DataFrame | None = None,
                    dwas: pd.DataFrame | None = None) -> pd.DataFrame:
    raw, sheet = read_table(path, FILES["task_dwas"][1])
    pc = ProblemCollector(path=path, sheet=sheet)
    df = pd.DataFrame({"_row": raw["_row"]})
    df["onet_soc"] = parse_codes(raw, "O*NET-SOC Code", SOC_RE, pc, what="an O*NET-SOC code NN-NNNN.NN")
    df["task_id"] = parse_ints(raw, "Task ID", pc)
    df["dwa_id"] = parse_codes(raw, "DWA ID", r"^4\.A(\.\w+)+\.I\d+\.D\d+$", pc, what="a DWA id 4.A.*.Inn.Dnn")
    df["date"] = parse_codes(raw, "Date", MONTH_YEAR_RE, pc, what="a date MM/YYYY")
    df["domain_source"] = require_text(raw, "Domain Source", pc)
    pc.raise_if_any()
    if tasks is not None:
        check_in(df, pd.MultiIndex.from_arrays([df["onet_soc"], df["task_id"]]),
                 pd.MultiIndex.from_arrays([tasks["onet_soc"], tasks["task_id"]]), "Task ID", pc,
                 "a task (not in Task Statements)")
    if dwas is not None:
        check_in(df, df["dwa_id"], pd.Index(dwas["dwa_id"]), "DWA ID", pc, "a DWA (not in DWA Reference)")
    return finish(_with_pit(df, release), SCHEMAS["onet_task_dwas"], pc, path, sheet)


def parse_emerging_tasks(path: Path, release: Release, occupations: pd.DataFrame | None = None) -> pd.DataFrame:
    raw, sheet = read_table(path, FILES["emerging_tasks"][1])
    pc = ProblemCollector(path=path, sheet=sheet)
    df = pd.DataFrame({"_row": raw["_row"]})
    df["onet_soc"] = parse_codes(raw, "O*NET-SOC Code", SOC_RE, pc, what="an O*NET-SOC code NN-NNNN.NN")
    df["task_text"] = require_text(raw, "Task", pc)
    df["category"] = parse_choice(raw, "Category", {"New": "New", "Revision": "Revision"}, pc)
    df["original_task_id"] = parse_ints(raw, "Original Task ID", pc, nulls=NULL_WORDS)
    df["original_task_text"] = raw["Original Task"].where(~raw["Original Task"].isin(list(NULL_WORDS)))
    df["date"] = parse_codes(raw, "Date", MONTH_YEAR_RE, pc, what="a date MM/YYYY")
    df["domain_source"] = require_text(raw, "Domain Source", pc)
    revision_without_id = (df["category"] == "Revision") & df["original_task_id"].isna()
    report_rows(raw, "Original Task ID", revision_without_id, pc, "the revised task's ID for Category 'Revision'")
    if occupations is not None:
        check_in(df, df["onet_soc"], pd.Index(occupations["onet_soc"]), "O*NET-SOC Code", pc,
                 "an occupation (not in Occupation Data)")
    return finish(_with_pit(df, release), SCHEMAS["onet_emerging_tasks"], pc, path, sheet)


def parse_task_ratings(path: Path, release: Release, tasks: pd.DataFrame | None = None) -> pd.DataFrame:
    """The official "Task Ratings" file: FT rows carry Category 1-7 and percent values (0-100); IM rows a mean on the
    1-5 scale; RT rows a percent (0-100); ``Category`` is ``n/a`` for IM and RT. ``N``, standard error and the
    confidence bounds may be ``n/a``; ``Recommend Suppress`` is Y / N (or n/a -> null)."""
    raw, sheet = read_table(path, FILES["task_ratings"][1])
    pc = ProblemCollector(path=path, sheet=sheet)
    df = pd.DataFrame({"_row": raw["_row"]})
    df["onet_soc"] = parse_codes(raw, "O*NET-SOC Code", SOC_RE, pc, what="an O*NET-SOC code NN-NNNN.NN")
    df["task_id"] = parse_ints(raw, "Task ID", pc)
    df["scale_id"] = parse_choice(raw, "Scale ID", {"FT": "FT", "IM": "IM", "RT": "RT"}, pc)
    df["category"] = parse_ints(raw, "Category", pc, nulls=NULL_WORDS)
    df["data_value"] = parse_floats(raw, "Data Value", pc)
    df["n"] = parse_ints(raw, "N", pc, nulls=NULL_WORDS)
    for src, dst in (("Standard Error", "standard_error"), ("Lower CI Bound", "lower_ci"),
                     ("Upper CI Bound", "upper_ci")):
        df[dst] = parse_floats(raw, src, pc, nulls=NULL_WORDS)
    df["recommend_suppress"] = parse_choice(raw, "Recommend Suppress",
                                            {"Y": True, "N": False, "n/a": None, None: None}, pc)
    df["date"] = parse_codes(raw, "Date", MONTH_YEAR_RE, pc, what="a date MM/YYYY")
    df["domain_source"] = require_text(raw, "Domain Source", pc)
    pc.raise_if_any()
    is_ft = df["scale_id"] == "FT"
    report_rows(raw, "Category", is_ft & ~df["category"].between(1, 7).fillna(False), pc,
            "a frequency category 1-7 on FT rows")
    report_rows(raw, "Category", ~is_ft & df["category"].notna(), pc, "n/a on IM and RT rows")
    value = df["data_value"]
    report_rows(raw, "Data Value", (df["scale_id"] == "IM") & ~value.between(1, 5), pc, "an importance 1-5 (IM)")
    report_rows(raw, "Data Value", (df["scale_id"] != "IM") & ~value.between(0, 100), pc, "a percent 0-100 (FT, RT)")
    if tasks is not None:
        check_in(df, pd.MultiIndex.from_arrays([df["onet_soc"], df["task_id"]]),
                 pd.MultiIndex.from_arrays([tasks["onet_soc"], tasks["task_id"]]), "Task ID", pc,
                 f"a task not in the O*NET {release.label} Task Statements (is the file of another release?)")
    return finish(_with_pit(df, release), SCHEMAS["onet_task_ratings"], pc, path, sheet)


def empty_table(name: str) -> pd.DataFrame:
    """A table with the schema's columns and dtypes and no rows."""
    table = SCHEMAS[name]
    return table.validate(pd.DataFrame({c: pd.Series([], dtype="object") for c in table.column_names}))


# ------------------------------------------------------------------------------------------------------- source
def parse_release(inputs: Mapping[str, Path], key: str, progress: Progress) -> dict[str, pd.DataFrame]:
    """All tables of one release set (``key`` = "29_1" or "30_1"), with referential checks across its files."""
    release = read_release(inputs[f"readme_{key}"])
    progress(f"onet: O*NET {release.label} ({release.month})")
    occ = parse_occupations(inputs[f"occupations_{key}"], release)
    tasks = parse_tasks(inputs[f"tasks_{key}"], release, occ)
    iwas = parse_iwa_reference(inputs[f"iwa_reference_{key}"], release)
    dwas = parse_dwa_reference(inputs[f"dwa_reference_{key}"], release, iwas)
    out = {
        "onet_occupations": occ,
        "onet_tasks": tasks,
        "onet_task_dwas": parse_task_dwas(inputs[f"task_dwas_{key}"], release, tasks, dwas),
        "onet_dwa_reference": dwas,
        "onet_iwa_reference": iwas,
        "onet_emerging_tasks": parse_emerging_tasks(inputs[f"emerging_tasks_{key}"], release, occ),
    }
    ratings_input = _ratings_input(key)
    out["onet_task_ratings"] = (parse_task_ratings(inputs[ratings_input], release, tasks)
                                if inputs.get(ratings_input) is not None else empty_table("onet_task_ratings"))
    return out


def _ratings_input(key: str) -> str:
    """``task_ratings`` belongs to the primary (29.1 text) set; the 30.1 set's is ``task_ratings_30_1``."""
    return "task_ratings" if key == "29_1" else f"task_ratings_{key}"


def parse(inputs: Mapping[str, Path], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    say = progress_or_noop(progress)
    per_release = [parse_release(inputs, key, say) for key in SNAPSHOT_SETS]
    labels = [r["onet_tasks"]["release"].iloc[0] for r in per_release if len(r["onet_tasks"])]
    if len(set(labels)) != len(labels):
        raise IngestError(f"the two release sets are the same release {labels[0]!r}; give two different releases",
                          path=inputs["readme_30_1"])
    return {name: pd.concat([r[name] for r in per_release], ignore_index=True) for name in SCHEMAS}


def _inputs() -> dict[str, str]:
    out = {}
    for key, (folder, suffix) in SNAPSHOT_SETS.items():
        out[f"readme_{key}"] = f"{folder}/Read Me.txt"
        for logical in REQUIRED_FILES:
            out[f"{logical}_{key}"] = f"{folder}/{FILES[logical][0]}{suffix}"
    return out


SOURCE = Source(
    name="onet",
    parser_version=PARSER_VERSION,
    description="O*NET 29.1 (text) and 30.1 (Excel): occupations, task statements, task->DWA->IWA->GWA links, "
                "emerging tasks, optional task ratings",
    inputs=_inputs(),
    parse=parse,
    schemas=SCHEMAS,
    urls={name: URLS_BY_SET[name[-4:]] for name in _inputs()}
    | {"task_ratings": URLS_BY_SET["29_1"], "task_ratings_30_1": URLS_BY_SET["30_1"]},
    licence=LICENCE,
    optional_inputs=("task_ratings", "task_ratings_30_1"),
)
