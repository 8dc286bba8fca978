"""Published AI / LLM exposure measures -> tidy tables (task, occupation, IWA and industry level).

Datasets (full citations and licences in :data:`CITATIONS` / :data:`LICENCES`; Eloundou's MIT notice in
:data:`ELOUNDOU_MIT_NOTICE`, to be kept with any copy of the labels):

* **Eloundou, Manning, Mishkin & Rock (2023/2024), "GPTs are GPTs"** - task labels for every O*NET 27.2 task.
  Exposure classes: E0 no exposure, E1 direct exposure (an LLM alone cuts the task's time by half or more at equal
  quality), E2 exposure given LLM-powered software. Automation rubric T0 (none) ... T4 (full). Occupation scores
  (``occ_level.csv``): alpha = E1 share, beta = E1 + 0.5*E2, gamma = E1 + E2, each a **core-weighted mean over the
  occupation's tasks** with weight 2 for Core and 1 for Supplemental or untyped tasks (the ``coreweight`` column of
  ``full_onet_data.tsv``)::

      beta_o = sum_t w_t * (1[E1_t] + 0.5 * 1[E2_t]) / sum_t w_t

  This reproduces the published human and GPT-4 columns to 1e-15 (the plain unweighted mean differs by up to 0.1);
  tests/ingest/test_exposure.py checks it on the real files.
* **Felten, Raj & Seamans** AIOE (2021, ability-based AI exposure by SOC 2010 occupation), AIIE (by 4-digit NAICS
  2017 industry) and their language-modelling (2023-03) and image-generation (2023-05) variants. All scores are
  **z-scores** (standardised to mean 0, sd 1 across occupations or industries), not shares.
* **Tomlinson, Jaffe, Wang, Counts & Suri (2025), "Working with AI"** (Microsoft): AI applicability score per SOC
  2018 occupation (the mean of the user-goal and AI-action scores; each = coverage x completion x impact scope over
  the occupation's IWAs), IWA-level Bing Copilot metrics, and the SOC x IWA weights (from O*NET 29.0 task importance
  x relevance), kept in long form with non-zero weights only.
* **Anthropic Economic Index (Handa et al., 2025-02-10)**: percent of sampled Claude.ai conversations per O*NET
  task statement (lower-cased task text, as published; the ``none`` row = conversations matched to no task).
  Matched to Task IDs of Anthropic's own ``onet_task_statements.csv`` (O*NET-SOC **2010** codes) by exact equality of
  ``text.strip().lower()``; a name shared by several occupations gives one row per (occupation, task);
  ``pct_conversations_per_match`` splits the task's percent equally across those rows (our assumption, so that it
  sums to 100 over the table); names without a match keep null codes.
* **Webb (2020), "The Impact of Artificial Intelligence on the Labor Market"**: exposure percentiles (1-100,
  employment-weighted) to AI, software and robot patents by Dorn ``occ1990dd`` occupation, its 2010 labour-supply
  weight ``lswt2010`` (as named in the file), and the O*NET-SOC 2010 -> occ1990dd crosswalk used.

Point in time: ``ref_period`` = the publication date at the precision known (day or month); ``published_date`` =
that day, or the **last day** of the month where only the month is known (never earlier than the true date).
The Felten occupation/industry rows combine three releases and carry the latest one's date (2023-05).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from .errors import IngestError, ProblemCollector
from .registry import Progress, Source, progress_or_noop
from .schemas import Column, TableSchema, schema
from .tabular import (finish, parse_choice, parse_codes, parse_floats, parse_ints, read_delimited, read_xlsx,
                      report_rows, require_text)

PARSER_VERSION = "1"

ELOUNDOU_MIT_NOTICE = """MIT License

Copyright (c) 2024 OpenAI

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
documentation files (the "Software"), to deal in the Software without restriction, including without limitation the
rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit
persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the
Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""

CITATIONS = {
    "eloundou": "Eloundou T, Manning S, Mishkin P, Rock D (2024). GPTs are GPTs: Labor market impact potential of "
                "LLMs. Science 384(6702):1306-1308. arXiv:2303.10130 (v1 2023-03-17). Data: "
                "github.com/openai/GPTs-are-GPTs (commit 0471612).",
    "felten": "Felten E, Raj M, Seamans R (2021). Occupational, industry, and geographic exposure to artificial "
              "intelligence: A novel dataset and its potential uses. Strategic Management Journal 42(12):2195-2217. "
              "Felten E, Raj M, Seamans R (2023). How will Language Modelers like ChatGPT Affect Occupations and "
              "Industries? arXiv:2303.01157. Data: github.com/AIOE-Data/AIOE (commit adca5fc).",
    "microsoft": "Tomlinson K, Jaffe S, Wang W, Counts S, Suri S (2025). Working with AI: Measuring the "
                 "Applicability of Generative AI to Occupations. arXiv:2507.07935. Data: "
                 "github.com/microsoft/working-with-ai (commit 84c4eba).",
    "anthropic": "Handa K, Tamkin A, McCain M, et al. (2025). Which Economic Tasks are Performed with AI? Evidence "
                 "from Millions of Claude Conversations. Anthropic Economic Index, release 2025-02-10 "
                 "(huggingface.co/datasets/Anthropic/EconomicIndex).",
    "webb": "Webb M (2020). The Impact of Artificial Intelligence on the Labor Market. Working paper, Stanford "
            "University (November 2019 version). Replication files via github.com/demirev/ai-products "
            "(commit bd4a5f1).",
}
LICENCES = {
    "eloundou": "MIT License, Copyright (c) 2024 OpenAI (notice in ELOUNDOU_MIT_NOTICE must accompany copies).",
    "felten": "No licence stated in the AIOE-Data/AIOE repository; cite Felten, Raj & Seamans (2021, 2023).",
    "microsoft": "CC BY 4.0 (microsoft/working-with-ai); SOC-IWA weights derived from the O*NET 29.0 Database "
                 "(CC BY 4.0, O*NET(R) is a trademark of USDOL/ETA).",
    "anthropic": "MIT (Anthropic/EconomicIndex dataset card).",
    "webb": "No licence stated in the third-party copy (demirev/ai-products); cite Webb (2020).",
}

#: (ref_period, published_date, vintage) per dataset; month-precision dates are published at the month's last day.
DATES = {
    "eloundou": ("2023-03-17", dt.date(2023, 3, 17), "arXiv:2303.10130v1"),
    "felten_aioe": ("2021-06", dt.date(2021, 6, 30), "AIOE 2021-06"),
    "felten_lm": ("2023-03", dt.date(2023, 3, 31), "LM-AIOE 2023-03"),
    "felten_ig": ("2023-05", dt.date(2023, 5, 31), "IG-AIOE 2023-05"),
    "microsoft": ("2025-07", dt.date(2025, 7, 31), "arXiv:2507.07935"),
    "anthropic": ("2025-02-10", dt.date(2025, 2, 10), "release_2025_02_10"),
    "webb": ("2019-11", dt.date(2019, 11, 30), "Webb 2019-11 working paper"),
}

_E = ("E0", "E1", "E2")
_T = ("T0", "T1", "T2", "T3", "T4")
ONET_SOC_RE = r"^\d{2}-\d{4}\.\d{2}$"
SOC6_RE = r"^\d{2}-\d{4}$"
IWA_RE = r"^4\.A(\.\w+)+\.I\d+$"

# ----------------------------------------------------------------------------------------------------- schemas


def _f(name: str, description: str = "", nullable: bool = False) -> Column:
    return Column(name, "float", nullable=nullable, description=description)


_MS_SOC = ("coverage_user", "coverage_ai", "completion_user", "completion_ai", "feedback_positive_fraction_user",
           "feedback_positive_fraction_ai", "impact_scope_user", "impact_scope_ai", "ai_applicability_score_user",
           "ai_applicability_score_ai")
_MS_IWA = ("share_user", "share_ai", "completion_user", "completion_ai", "impact_scope_user", "impact_scope_ai",
           "feedback_positive_fraction_user", "feedback_positive_fraction_ai",
           "completion_x_scope_x_coverage_user", "completion_x_scope_x_coverage_ai")
_ALPHA = "share of tasks: alpha = E1, beta = E1 + 0.5*E2, gamma = E1 + E2, core-weighted (Core 2, other 1)"

SCHEMAS: dict[str, TableSchema] = {
    "exposure_eloundou_tasks": schema("exposure_eloundou_tasks", [
        Column("onet_soc", "str", description="O*NET-SOC 2019 code"), Column("task_id", "int"),
        Column("task_text", "str"),
        Column("task_type", "str", nullable=True, description="core | supplemental; null for untyped tasks"),
        Column("human_exposure", "str", nullable=True, description="E0/E1/E2, aggregated human annotators"),
        Column("gpt4_exposure", "str", description="E0/E1/E2, GPT-4 with the main rubric"),
        Column("gpt4_exposure_alt_rubric", "str", description="E0/E1/E2, GPT-4 with the alternative rubric"),
        Column("gpt4_automation", "str", description="T0-T4, GPT-4 automation rubric (full_labelset.tsv)"),
        Column("gpt4_automation_validation", "str",
               description="T0-T4, GPT-4 automation label of automation_gpt4_human_labels.tsv (differs from "
                           "gpt4_automation on about a third of tasks)"),
        Column("human_automation", "str", nullable=True, description="T0-T4, human label (validation subset)"),
        Column("gpt3_relevant", "bool", nullable=True), Column("core_weight", "float",
                                                              description="2 for Core tasks, 1 otherwise"),
    ], key=["onet_soc", "task_id"], description="Eloundou et al. task-level exposure labels"),
    "exposure_eloundou_occupations": schema("exposure_eloundou_occupations", [
        Column("onet_soc", "str"), Column("title", "str"),
        *[_f(f"{who}_{m}", f"{who} labels; {_ALPHA}") for who in ("human", "gpt4") for m in ("alpha", "beta", "gamma")],
    ], key=["onet_soc"], description="Eloundou et al. occupation-level exposure shares (0-1)"),
    "exposure_felten_occupations": schema("exposure_felten_occupations", [
        Column("soc_2010", "str", description="SOC 2010 detailed code NN-NNNN"), Column("title", "str"),
        _f("aioe", "AI occupational exposure, z-score (2021)"),
        _f("lm_aioe", "language-modelling AIOE, z-score (2023-03)"),
        _f("ig_aioe", "image-generation AIOE, z-score (2023-05)"),
    ], key=["soc_2010"], description="Felten-Raj-Seamans occupation exposure z-scores"),
    "exposure_felten_industries": schema("exposure_felten_industries", [
        Column("industry_code", "str", description="OEWS 4-digit-level industry code: NNNN00, or NNNNA1.. for "
                                                   "OEWS groups of 4-digit NAICS 2017 industries"),
        Column("naics4", "str", description="4-digit NAICS 2017 prefix (repeats for split groups)"),
        Column("title", "str"),
        _f("aiie", "AI industry exposure, z-score (2021)"), _f("lm_aiie", "language-modelling AIIE, z-score"),
        _f("ig_aiie", "image-generation AIIE, z-score"),
    ], key=["industry_code"], description="Felten-Raj-Seamans industry exposure z-scores"),
    "exposure_microsoft_occupations": schema("exposure_microsoft_occupations", [
        Column("soc_2018", "str", description="SOC 2018 code NN-NNNN (OEWS aggregates such as 13-1020 included)"),
        Column("title", "str"),
        _f("ai_applicability_score", "mean of the user and AI applicability scores (0-1)"),
        *[_f(c, "0-1 share, Tomlinson et al. 2025 definitions") for c in _MS_SOC],
    ], key=["soc_2018"], description="Microsoft AI applicability by occupation"),
    "exposure_microsoft_iwa": schema("exposure_microsoft_iwa", [
        Column("iwa_id", "str"), Column("title", "str"),
        *[_f(c, "0-1 share, Tomlinson et al. 2025 definitions; null where no conversations", nullable=True)
          for c in _MS_IWA],
    ], key=["iwa_id"], description="Microsoft Copilot metrics by O*NET IWA"),
    "exposure_microsoft_soc_iwa_weights": schema("exposure_microsoft_soc_iwa_weights", [
        Column("soc_2018", "str"), Column("iwa_id", "str"),
        _f("weight", "importance x relevance weight of the IWA in the occupation (O*NET 29.0), > 0, unnormalised"),
    ], key=["soc_2018", "iwa_id"], description="Microsoft SOC x IWA weights, non-zero entries"),
    "exposure_anthropic_tasks": schema("exposure_anthropic_tasks", [
        Column("task_name", "str", description="lower-case task text as published ('none' = unmatched)"),
        _f("pct_conversations", "percent of sampled Claude.ai conversations for this task name (sums to 100 over "
                                "distinct task names)"),
        Column("onet_soc_2010", "str", nullable=True, description="O*NET-SOC 2010 code of a matched statement"),
        Column("task_id", "int", nullable=True), Column("n_matches", "int",
                                                        description="rows sharing this task name (0 = no match)"),
        _f("pct_conversations_per_match", "pct_conversations / max(n_matches, 1) (equal split; sums to 100)"),
    ], key=["task_name", "onet_soc_2010", "task_id"], description="Anthropic Economic Index task usage shares"),
    "exposure_webb_occupations": schema("exposure_webb_occupations", [
        Column("occ1990dd", "int", description="Dorn occ1990dd occupation code"), Column("title", "str"),
        Column("pct_ai", "int", nullable=True, description="AI-patent exposure percentile 1-100"),
        Column("pct_software", "int", nullable=True, description="software exposure percentile 1-100"),
        Column("pct_robot", "int", nullable=True, description="robot exposure percentile 1-100"),
        _f("lswt2010", "labour-supply weight 2010, as named in Webb's file"),
    ], key=["occ1990dd"], description="Webb (2020) exposure percentiles by occ1990dd"),
    "exposure_webb_onet_map": schema("exposure_webb_onet_map", [
        Column("onet_soc_2010", "str"), Column("onet_title", "str"), Column("occ1990dd", "int"),
        Column("occ1990dd_title", "str"), Column("census_occ", "str", description="Census/ACS occupation code"),
        Column("acs_occ", "str", description="ACS occupation code (may end in XX)"),
        Column("acs_title", "str", nullable=True),
    ], key=["onet_soc_2010"], description="Webb's O*NET-SOC 2010 -> occ1990dd crosswalk"),
}

_ELOUNDOU = "eloundou_gpts_are_gpts"
_FELTEN = "felten_raj_seamans_aioe"
_MS = "microsoft_working_with_ai"
_AEI = "anthropic_economic_index/release_2025_02_10"
INPUTS = {
    "eloundou_labels": f"exposure/{_ELOUNDOU}/full_labelset.tsv",
    "eloundou_automation": f"exposure/{_ELOUNDOU}/automation_gpt4_human_labels.tsv",
    "eloundou_onet": f"exposure/{_ELOUNDOU}/full_onet_data.tsv",
    "eloundou_occupations": f"exposure/{_ELOUNDOU}/occ_level.csv",
    "felten_aioe": f"exposure/{_FELTEN}/AIOE_DataAppendix.xlsx",
    "felten_lm": f"exposure/{_FELTEN}/Language Modeling AIOE and AIIE.xlsx",
    "felten_ig": f"exposure/{_FELTEN}/Image Generation AIOE and AIIE.xlsx",
    "microsoft_scores": f"exposure/{_MS}/soc_ai_applicability_scores.csv",
    "microsoft_soc_metrics": f"exposure/{_MS}/soc_metrics.csv",
    "microsoft_iwa_metrics": f"exposure/{_MS}/iwa_metrics.csv",
    "microsoft_soc_iwa_weights": f"exposure/{_MS}/soc_iwa_weights.csv",
    "anthropic_task_pct": f"exposure/{_AEI}/onet_task_mappings.csv",
    "anthropic_task_statements": f"exposure/{_AEI}/onet_task_statements.csv",
    "webb_exposure": "exposure/webb_2020/exposure_by_occ1990dd_lswt2010.csv",
    "webb_onet_map": "exposure/webb_2020/onet_to_occ1990dd.csv",
}
URLS = {
    "eloundou_labels": "https://github.com/openai/GPTs-are-GPTs/raw/main/data/full_labelset.tsv",
    "eloundou_automation": "https://github.com/openai/GPTs-are-GPTs/raw/main/data/automation_gpt4_human_labels.tsv",
    "eloundou_onet": "https://github.com/openai/GPTs-are-GPTs/raw/main/data/full_onet_data.tsv",
    "eloundou_occupations": "https://github.com/openai/GPTs-are-GPTs/raw/main/data/occ_level.csv",
    "felten_aioe": "https://github.com/AIOE-Data/AIOE/raw/main/AIOE_DataAppendix.xlsx",
    "felten_lm": "https://github.com/AIOE-Data/AIOE/raw/main/Language%20Modeling%20AIOE%20and%20AIIE.xlsx",
    "felten_ig": "https://github.com/AIOE-Data/AIOE/raw/main/Image%20Generation%20AIOE%20and%20AIIE.xlsx",
    **{k: f"https://github.com/microsoft/working-with-ai/raw/main/{Path(v).name}"
       for k, v in INPUTS.items() if k.startswith("microsoft_")},
    "anthropic_task_pct": "https://huggingface.co/datasets/Anthropic/EconomicIndex/resolve/main/"
                          "release_2025_02_10/onet_task_mappings.csv",
    "anthropic_task_statements": "https://huggingface.co/datasets/Anthropic/EconomicIndex/resolve/main/"
                                 "release_2025_02_10/onet_task_statements.csv",
    "webb_exposure": "https://github.com/demirev/ai-products/raw/main/data/webb/exposure_by_occ1990dd_lswt2010.csv",
    "webb_onet_map": "https://github.com/demirev/ai-products/raw/main/data/webb/onet_to_occ1990dd.dta",
}


def _pit(df: pd.DataFrame, dataset: str) -> pd.DataFrame:
    ref, published, vintage = DATES[dataset]
    df["ref_period"], df["published_date"], df["vintage"] = ref, published, vintage
    return df


def _unique(raw: pd.DataFrame, df: pd.DataFrame, keys: Sequence[str], column: str, pc: ProblemCollector) -> None:
    """Report rows whose ``keys`` repeat an earlier row (naming both rows)."""
    dup = df.duplicated(list(keys), keep=False) & df[list(keys)].notna().all(axis=1)
    if not dup.any():
        return
    first_rows = df[dup].groupby(list(keys), sort=False)["_row"].transform("min")
    repeats = first_rows.index[df.loc[dup, "_row"] != first_rows]
    for idx in list(repeats[:3]):
        pc.add(f"duplicated key {dict((k, df.at[idx, k]) for k in keys)} (first at row {first_rows[idx]})",
               row=int(raw.at[idx, "_row"]), column=column, expected=f"unique ({', '.join(keys)})")


# ---------------------------------------------------------------------------------------------------- Eloundou
def _eloundou_keyed(path: Path, columns: Sequence[str], sep: str = "\t") -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                   ProblemCollector]:
    raw = read_delimited(path, ("O*NET-SOC Code", "Task ID", *columns), sep=sep)
    pc = ProblemCollector(path=path)
    df = pd.DataFrame({"_row": raw["_row"]})
    df["onet_soc"] = parse_codes(raw, "O*NET-SOC Code", ONET_SOC_RE, pc, what="an O*NET-SOC code NN-NNNN.NN")
    df["task_id"] = parse_ints(raw, "Task ID", pc, float_text=True)
    _unique(raw, df, ("onet_soc", "task_id"), "Task ID", pc)
    return raw, df, pc


def parse_eloundou_tasks(labels: Path, automation: Path, onet_data: Path) -> pd.DataFrame:
    """Join the three task files on (O*NET-SOC Code, Task ID); every labelled task must be in the other two."""
    raw, df, pc = _eloundou_keyed(labels, ("Task", "Task Type", "human_exposure_agg", "gpt4_exposure",
                                           "gpt4_exposure_alt_rubric", "gpt_3_relevant", "gpt4_automation"))
    df["task_text"] = require_text(raw, "Task", pc)
    df["task_type"] = parse_choice(raw, "Task Type", {"Core": "core", "Supplemental": "supplemental", None: None},
                                   pc)
    df["human_exposure"] = parse_choice(raw, "human_exposure_agg", {**{e: e for e in _E}, None: None}, pc)
    df["gpt4_exposure"] = parse_choice(raw, "gpt4_exposure", {e: e for e in _E}, pc)
    df["gpt4_exposure_alt_rubric"] = parse_choice(raw, "gpt4_exposure_alt_rubric", {e: e for e in _E}, pc)
    df["gpt3_relevant"] = parse_choice(raw, "gpt_3_relevant", {"True": True, "False": False, None: None}, pc)
    df["gpt4_automation"] = parse_choice(raw, "gpt4_automation", {t: t for t in _T}, pc)
    pc.raise_if_any()

    raw_a, auto, pc_a = _eloundou_keyed(automation, ("gpt4_automation", "human_automation"))
    auto["gpt4_automation_validation"] = parse_choice(raw_a, "gpt4_automation", {t: t for t in _T}, pc_a)
    auto["human_automation"] = parse_choice(raw_a, "human_automation", {**{t: t for t in _T}, None: None}, pc_a)
    pc_a.raise_if_any()

    raw_w, weights, pc_w = _eloundou_keyed(onet_data, ("coreweight",))
    weights["core_weight"] = parse_floats(raw_w, "coreweight", pc_w, lo=0.0)
    pc_w.raise_if_any()

    keys = ["onet_soc", "task_id"]
    for other, path in ((auto, automation), (weights, onet_data)):
        missing = ~pd.MultiIndex.from_frame(df[keys]).isin(pd.MultiIndex.from_frame(other[keys]))
        if missing.any():
            idx = df.index[missing][0]
            raise IngestError(f"{int(missing.sum())} labelled task(s) are missing from {Path(path).name}, e.g. "
                              f"({df.at[idx, 'onet_soc']}, {df.at[idx, 'task_id']})", path=labels,
                              row=int(df.at[idx, "_row"]), column="Task ID")
    out = (df.merge(auto[keys + ["gpt4_automation_validation", "human_automation"]], on=keys, how="left")
             .merge(weights[keys + ["core_weight"]], on=keys, how="left"))
    return finish(_pit(out, "eloundou"), SCHEMAS["exposure_eloundou_tasks"], pc, labels, None)


def parse_eloundou_occupations(path: Path) -> pd.DataFrame:
    cols = {f"{who}_{m}": f"{src}_rating_{m}" for who, src in (("human", "human"), ("gpt4", "dv"))
            for m in ("alpha", "beta", "gamma")}
    raw = read_delimited(path, ("O*NET-SOC Code", "Title", *cols.values()), sep=",")
    pc = ProblemCollector(path=path)
    df = pd.DataFrame({"_row": raw["_row"]})
    df["onet_soc"] = parse_codes(raw, "O*NET-SOC Code", ONET_SOC_RE, pc, what="an O*NET-SOC code NN-NNNN.NN")
    df["title"] = require_text(raw, "Title", pc)
    for dst, src in cols.items():
        df[dst] = parse_floats(raw, src, pc, lo=0.0, hi=1.0)
    return finish(_pit(df, "eloundou"), SCHEMAS["exposure_eloundou_occupations"], pc, path, None)


# ------------------------------------------------------------------------------------------------------ Felten
def _felten_sheet(path: Path, sheet: str, code: str, title: str, value: str, kind: str) -> pd.DataFrame:
    """One Felten sheet -> ``_row, code, title, value``. ``kind``: ``soc`` (SOC 2010 NN-NNNN), ``naics4`` (the
    2021 appendix: 4-digit NAICS, where split industries repeat the code with different titles) or ``oews``
    (the 2023 files: OEWS industry codes ``NNNN00`` or split groups ``NNNNA1``)."""
    raw, _ = read_xlsx(path, (code, title, value), sheet=sheet)
    pc = ProblemCollector(path=path, sheet=sheet)
    df = pd.DataFrame({"_row": raw["_row"]})
    patterns = {"soc": (SOC6_RE, "a SOC 2010 code NN-NNNN"), "naics4": (r"^\d{4}$", "a 4-digit NAICS code"),
                "oews": (r"^\d{4}(00|A\d)$", "an OEWS 4-digit industry code NNNN00 or NNNNA1")}
    df["code"] = parse_codes(raw, code, patterns[kind][0], pc, what=patterns[kind][1])
    df["title"] = require_text(raw, title, pc).str.strip()
    df["value"] = parse_floats(raw, value, pc, lo=-10.0, hi=10.0)
    _unique(raw, df, ("code", "title") if kind == "naics4" else ("code",), code, pc)
    pc.raise_if_any()
    df.attrs["place"] = (path, sheet)
    return df


def _resolve_industry_codes(appendix: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Give each row of the 2021 appendix (4-digit codes) the OEWS industry code of ``reference`` (a 2023 file): the
    reference row with the same 4-digit prefix when there is exactly one, else the one with the same title (split
    industries such as 3250A1 'Chemical Manufacturing (3251, 3252, 3253, and 3259 only)')."""
    path, sheet = appendix.attrs["place"]
    ref = reference.assign(naics4=reference["code"].str[:4])
    by_prefix = ref.groupby("naics4")["code"].agg(list).to_dict()
    by_title = {(n, t): c for n, t, c in zip(ref["naics4"], ref["title"], ref["code"])}
    pc = ProblemCollector(path=path, sheet=sheet)
    codes = []
    for row, code, title in zip(appendix["_row"], appendix["code"], appendix["title"]):
        candidates = by_prefix.get(code, [])
        resolved = candidates[0] if len(candidates) == 1 else by_title.get((code, title))
        if resolved is None:
            pc.add(f"industry matches no single row of {Path(reference.attrs['place'][0]).name} by code or title",
                   row=int(row), column="NAICS", got=f"{code} {title}")
        codes.append(resolved)
    pc.raise_if_any()
    out = appendix.assign(code=codes)
    out.attrs = appendix.attrs
    return out


def _felten_join(parts: dict[str, pd.DataFrame], key: str) -> pd.DataFrame:
    """Join the three measures on their code; all three files must list the same codes."""
    base_name, base = next(iter(parts.items()))
    out = base[["_row", "code", "title"]].rename(columns={"code": key})
    for name, part in parts.items():
        path, sheet = part.attrs["place"]
        extra = sorted(set(part["code"]) ^ set(base["code"]))
        if extra:
            raise IngestError(f"{len(extra)} code(s) differ from those of {base_name}, e.g. {extra[0]!r}", path=path,
                              sheet=sheet, expected="the same codes in all three Felten files")
        out = out.merge(part[["code", "value"]].rename(columns={"code": key, "value": name}), on=key, how="left")
    return out


def parse_felten(aioe: Path, lm: Path, ig: Path) -> dict[str, pd.DataFrame]:
    occ = _felten_join({
        "aioe": _felten_sheet(aioe, "Appendix A", "SOC Code", "Occupation Title", "AIOE", "soc"),
        "lm_aioe": _felten_sheet(lm, "LM AIOE", "SOC Code", "Occupation Title", "Language Modeling AIOE", "soc"),
        "ig_aioe": _felten_sheet(ig, "IG AIOE", "SOC Code", "Occupation Title", "Image Generation AIOE", "soc"),
    }, "soc_2010")
    lm_ind = _felten_sheet(lm, "LM AIIE", "NAICS", "NAICS Description", "Language Modeling AIIE", "oews")
    ind = _felten_join({
        "aiie": _resolve_industry_codes(
            _felten_sheet(aioe, "Appendix B", "NAICS", "Industry Title", "AIIE", "naics4"), lm_ind),
        "lm_aiie": lm_ind,
        "ig_aiie": _felten_sheet(ig, "IG AIIE", "NAICS", "NAICS Description", "Image Generation AIIE", "oews"),
    }, "industry_code")
    ind["naics4"] = ind["industry_code"].str[:4]
    return {
        "exposure_felten_occupations": SCHEMAS["exposure_felten_occupations"].validate(
            _pit(occ, "felten_ig"), path=aioe, sheet="Appendix A"),
        "exposure_felten_industries": SCHEMAS["exposure_felten_industries"].validate(
            _pit(ind, "felten_ig"), path=aioe, sheet="Appendix B"),
    }


# --------------------------------------------------------------------------------------------------- Microsoft
def parse_microsoft(scores: Path, soc_metrics: Path, iwa_metrics: Path, weights: Path) -> dict[str, pd.DataFrame]:
    raw_s = read_delimited(scores, ("SOC Code", "title", "ai_applicability_score"))
    pc = ProblemCollector(path=scores)
    occ = pd.DataFrame({"_row": raw_s["_row"]})
    occ["soc_2018"] = parse_codes(raw_s, "SOC Code", SOC6_RE, pc, what="a SOC 2018 code NN-NNNN")
    occ["title"] = require_text(raw_s, "title", pc)
    occ["ai_applicability_score"] = parse_floats(raw_s, "ai_applicability_score", pc, lo=0.0, hi=1.0)
    _unique(raw_s, occ, ("soc_2018",), "SOC Code", pc)
    pc.raise_if_any()

    raw_m = read_delimited(soc_metrics, ("SOC Code", *_MS_SOC))
    pc_m = ProblemCollector(path=soc_metrics)
    met = pd.DataFrame({"_row": raw_m["_row"]})
    met["soc_2018"] = parse_codes(raw_m, "SOC Code", SOC6_RE, pc_m, what="a SOC 2018 code NN-NNNN")
    for c in _MS_SOC:
        met[c] = parse_floats(raw_m, c, pc_m, lo=0.0, hi=1.0)
    _unique(raw_m, met, ("soc_2018",), "SOC Code", pc_m)
    diff = sorted(set(met["soc_2018"]) ^ set(occ["soc_2018"]))
    if diff:
        pc_m.add(f"{len(diff)} SOC code(s) differ from {Path(scores).name}, e.g. {diff[0]!r}", column="SOC Code")
    pc_m.raise_if_any()
    occ = occ.merge(met.drop(columns="_row"), on="soc_2018", how="left")
    occ_t = finish(_pit(occ, "microsoft"), SCHEMAS["exposure_microsoft_occupations"], pc, scores, None)

    raw_i = read_delimited(iwa_metrics, ("IWA", "title", *_MS_IWA))
    pc_i = ProblemCollector(path=iwa_metrics)
    iwa = pd.DataFrame({"_row": raw_i["_row"]})
    iwa["iwa_id"] = parse_codes(raw_i, "IWA", IWA_RE, pc_i, what="an O*NET IWA id 4.A.*.Inn")
    iwa["title"] = require_text(raw_i, "title", pc_i)
    for c in _MS_IWA:
        iwa[c] = parse_floats(raw_i, c, pc_i, lo=0.0, hi=1.0)
    iwa_t = finish(_pit(iwa, "microsoft"), SCHEMAS["exposure_microsoft_iwa"], pc_i, iwa_metrics, None)

    return {"exposure_microsoft_occupations": occ_t, "exposure_microsoft_iwa": iwa_t,
            "exposure_microsoft_soc_iwa_weights": parse_microsoft_weights(weights)}


def parse_microsoft_weights(path: Path) -> pd.DataFrame:
    """Wide SOC x IWA matrix (first column ``SOC Code``, one column per IWA id) -> long rows with weight > 0."""
    raw = read_delimited(path, None)
    pc = ProblemCollector(path=path)
    if "SOC Code" not in raw.columns:
        raise IngestError("column 'SOC Code' not found in the header", path=path, row=1, column="SOC Code",
                          expected="'SOC Code' followed by one column per IWA id")
    iwa_cols = [c for c in raw.columns if c not in ("SOC Code", "_row")]
    for c in iwa_cols:
        if not pd.Series([c]).str.match(IWA_RE).iloc[0]:
            pc.add("header is not an IWA id", row=1, column=c, expected="4.A.*.Inn")
    socs = parse_codes(raw, "SOC Code", SOC6_RE, pc, what="a SOC 2018 code NN-NNNN")
    values = {c: parse_floats(raw, c, pc, lo=0.0) for c in iwa_cols}
    pc.raise_if_any()
    wide = pd.DataFrame(values).set_axis(pd.Index(socs, name="soc_2018"), axis=0)
    wide.columns.name = "iwa_id"
    long = wide.stack().rename("weight").reset_index()
    long = long[long["weight"] > 0].reset_index(drop=True)
    long["_row"] = long["soc_2018"].map(dict(zip(socs, raw["_row"])))
    return SCHEMAS["exposure_microsoft_soc_iwa_weights"].validate(_pit(long, "microsoft"), path=path)


# --------------------------------------------------------------------------------------------------- Anthropic
def parse_anthropic(task_pct: Path, statements: Path) -> pd.DataFrame:
    """Usage percent per task name, matched to (O*NET-SOC 2010 code, Task ID) by ``text.strip().lower()``."""
    raw = read_delimited(task_pct, ("task_name", "pct"))
    pc = ProblemCollector(path=task_pct)
    df = pd.DataFrame({"_row": raw["_row"]})
    df["task_name"] = require_text(raw, "task_name", pc)
    df["pct_conversations"] = parse_floats(raw, "pct", pc, lo=0.0, hi=100.0)
    _unique(raw, df, ("task_name",), "task_name", pc)
    pc.raise_if_any()
    total = df["pct_conversations"].sum()
    if abs(total - 100.0) > 0.01:
        raise IngestError("task percentages do not sum to 100", path=task_pct, column="pct",
                          expected="a total of 100 +/- 0.01", got=round(float(total), 4))

    raw_s = read_delimited(statements, ("O*NET-SOC Code", "Task ID", "Task"))
    pc_s = ProblemCollector(path=statements)
    st = pd.DataFrame({"_row": raw_s["_row"]})
    st["onet_soc_2010"] = parse_codes(raw_s, "O*NET-SOC Code", ONET_SOC_RE, pc_s,
                                      what="an O*NET-SOC code NN-NNNN.NN")
    st["task_id"] = parse_ints(raw_s, "Task ID", pc_s)
    st["match_key"] = require_text(raw_s, "Task", pc_s).str.strip().str.lower()
    _unique(raw_s, st, ("onet_soc_2010", "task_id"), "Task ID", pc_s)
    pc_s.raise_if_any()

    df["match_key"] = df["task_name"].str.strip().str.lower()
    out = df.merge(st[["match_key", "onet_soc_2010", "task_id"]].drop_duplicates(), on="match_key", how="left")
    out["n_matches"] = out.groupby("task_name")["task_id"].transform("count")
    out["pct_conversations_per_match"] = out["pct_conversations"] / out["n_matches"].clip(lower=1)
    return finish(_pit(out, "anthropic"), SCHEMAS["exposure_anthropic_tasks"], pc, task_pct, None)


# -------------------------------------------------------------------------------------------------------- Webb
def parse_webb(exposure: Path, onet_map: Path) -> dict[str, pd.DataFrame]:
    raw = read_delimited(exposure, ("occ1990dd", "occ1990dd_title", "lswt2010", "pct_software", "pct_robot",
                                    "pct_ai"))
    pc = ProblemCollector(path=exposure)
    occ = pd.DataFrame({"_row": raw["_row"]})
    occ["occ1990dd"] = parse_ints(raw, "occ1990dd", pc)
    occ["title"] = require_text(raw, "occ1990dd_title", pc)
    for c in ("pct_ai", "pct_software", "pct_robot"):
        occ[c] = parse_ints(raw, c, pc, nulls=("",))
        report_rows(raw, c, ~occ[c].between(1, 100).fillna(True), pc, "a percentile 1-100")
    occ["lswt2010"] = parse_floats(raw, "lswt2010", pc, lo=0.0)
    occ_t = finish(_pit(occ, "webb"), SCHEMAS["exposure_webb_occupations"], pc, exposure, None)

    raw_m = read_delimited(onet_map, ("onet_name", "onetsoccode", "occ1990dd", "occ1990dd_title", "occ", "acs",
                                      "acs_title"))
    pc_m = ProblemCollector(path=onet_map)
    m = pd.DataFrame({"_row": raw_m["_row"]})
    m["onet_soc_2010"] = parse_codes(raw_m, "onetsoccode", ONET_SOC_RE, pc_m, what="an O*NET-SOC code NN-NNNN.NN")
    m["onet_title"] = require_text(raw_m, "onet_name", pc_m)
    m["occ1990dd"] = parse_ints(raw_m, "occ1990dd", pc_m)
    m["occ1990dd_title"] = require_text(raw_m, "occ1990dd_title", pc_m)
    m["census_occ"] = require_text(raw_m, "occ", pc_m)
    m["acs_occ"] = require_text(raw_m, "acs", pc_m)
    m["acs_title"] = raw_m["acs_title"]
    map_t = finish(_pit(m, "webb"), SCHEMAS["exposure_webb_onet_map"], pc_m, onet_map, None)
    return {"exposure_webb_occupations": occ_t, "exposure_webb_onet_map": map_t}


# ------------------------------------------------------------------------------------------------------ source
def parse(inputs: Mapping[str, Path], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    say = progress_or_noop(progress)
    say("exposure: Eloundou et al. task labels")
    out = {"exposure_eloundou_tasks": parse_eloundou_tasks(inputs["eloundou_labels"], inputs["eloundou_automation"],
                                                           inputs["eloundou_onet"]),
           "exposure_eloundou_occupations": parse_eloundou_occupations(inputs["eloundou_occupations"])}
    say("exposure: Felten-Raj-Seamans AIOE / AIIE")
    out |= parse_felten(inputs["felten_aioe"], inputs["felten_lm"], inputs["felten_ig"])
    say("exposure: Microsoft Working with AI")
    out |= parse_microsoft(inputs["microsoft_scores"], inputs["microsoft_soc_metrics"],
                           inputs["microsoft_iwa_metrics"], inputs["microsoft_soc_iwa_weights"])
    say("exposure: Anthropic Economic Index")
    out["exposure_anthropic_tasks"] = parse_anthropic(inputs["anthropic_task_pct"],
                                                      inputs["anthropic_task_statements"])
    say("exposure: Webb (2020)")
    out |= parse_webb(inputs["webb_exposure"], inputs["webb_onet_map"])
    return out


SOURCE = Source(
    name="exposure",
    parser_version=PARSER_VERSION,
    description="Published AI exposure measures: Eloundou et al. (GPTs are GPTs), Felten-Raj-Seamans AIOE/AIIE, "
                "Microsoft Working with AI, Anthropic Economic Index 2025-02-10, Webb (2020)",
    inputs=INPUTS,
    parse=parse,
    schemas=SCHEMAS,
    urls=URLS,
    licence="; ".join(f"{k}: {v}" for k, v in LICENCES.items()),
)
