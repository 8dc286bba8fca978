"""Crosswalks between the classifications the graph joins: BEA industries <-> NAICS <-> OEWS industries, and
O*NET-SOC <-> SOC 2018 <-> OEWS occupation codes (plus the published SOC 2010->2018 and O*NET 2010->2019 tables).

Tables
------
``xwalk_bea_naics``
    BEA's "NAICS Codes" sheet (2017 benchmark, any detail workbook): one row per (BEA detail industry, 2017 NAICS
    code) after expanding ranges (``'11111-2'`` -> 11111, 11112) and lists (``'11113-6, 11119'``); ints are codes;
    a trailing ``*`` sets ``naics_split`` (the NAICS industry is shared by several BEA industries); ``n.a.``
    (government, special industries) gives one row with a null ``naics_code``. Parsed by
    :func:`ingest.bea_naics.parse_naics`.

``xwalk_oews_industry_bea``
    Every OEWS industry code of the May 2025 national industry file (and so every sector code of 2022-2024),
    except the two cross-industry totals ``000000``/``000001``, allocated to the 71 BEA summary industries:
    ``share`` >= 0 sums to 1 per ``oews_industry_code``. ``oews_industry_code`` uses the normalisation of
    ``oews_industry`` (:func:`ingest.oews_fields.normalise_industry_code`).

    Method, per OEWS code c:

    1. NAICS prefixes of c: sector ``31-33`` -> 31, 32, 33 (likewise ``44-45``, ``48-49``); a 6-character code
       without its trailing zeros (``336100`` -> 3361, ``332710`` -> 33271); an OEWS combination (``3250A1``) ->
       the 4-digit members listed in its title ("(3251, 3252, 3253, and 3259 only)"); an ownership-specific code
       (``611102``, ``622005``: last digit 2 state, 3 local, 5 private) -> its NAICS part (6111, 622).
    2. OEWS codes follow **NAICS 2022** (May 2025), the BEA concordance **NAICS 2017**. Prefixes that NAICS 2022
       changed are translated with :data:`NAICS_2022_TO_2017` (from the Census 2022<->2017 concordance, at the
       level needed here: retail 449/455-459, publishing 513, broadcasting/content 516, telecom 5171/5178, other
       information 5192), longest key first. The ``note`` column records the translation.
    3. BEA detail industries D(c) = those with a NAICS code n such that n starts with a prefix p or p starts with
       n (the BEA industry lies inside c, or c lies inside a coarser BEA NAICS code).
    4. Public schools and hospitals: OEWS puts state- and local-government-owned schools in NAICS 611 and
       hospitals in 622 (own codes 235/58), where BEA counts them in general government. For codes of 611/622
       (and sectors 61/62) covering all ownerships, D(c) also gets ``GSLGE`` (S&L educational services) or
       ``GSLGH`` (S&L hospitals and health); state/local-owned codes (``611102``, ``622003`` ...) get only those,
       privately owned codes (``…5``) only the private industries.
    5. Government (``99``, ``999xxx``; method ``government_ownership``): fixed sets of BEA detail industries:
       federal = ``S00500`` (GFGD), ``S00600`` (GFGN), ``S00101``/``S00102`` (GFE, federal electric utilities
       and other enterprises), plus ``491000`` Postal service (GFE) where OEWS includes USPS (``999101``,
       ``999001``; the USPS codes ``491000``/``491100`` and sector 48-49 reach it by NAICS 491); state and local
       = ``GSLGO`` (GSLG other services) and ``S00201``/``S00202``/``S00203`` (GSLE), plus ``GSLGE``/``GSLGH``
       where OEWS includes schools and hospitals (``999201``, ``999301``, ``999001``). See
       :data:`GOVERNMENT_DETAIL`.
    6. ``share(c, s) = Σ_{d ∈ D(c), summary(d) = s} x_d / Σ_{d ∈ D(c)} x_d`` with x_d the 2017 gross output of
       detail industry d (row ``T008`` "Total Industry Output" of the ``2017`` sheet of the detail Use table,
       millions of dollars). A matched detail industry counts with its whole output even when only part of its
       NAICS list lies under c.

    ``method``: ``naics_prefix`` (one BEA summary industry), ``split_by_2017_detail_output`` (several, step 6),
    ``government_ownership`` (step 5 and the state/local-owned codes of step 4).

    Limits: output is a proxy for the employment mix (capital-intensive industries such as owner-occupied
    housing ``HS`` or oil and gas weigh more than their jobs); BEA does not split state from local government, so
    ``999201`` and ``999301`` get the same shares; OEWS federal employment is civilian while ``GFGD`` output
    includes military compensation, so defense is overweighted for ``999101``/``999100``; local-government
    gambling and casino hotels (OEWS own code 57, sectors 71/72) stay in the private BEA industries 713/721;
    the NAICS 2022 translation works at the level listed, not at 6 digits.

``xwalk_onet_soc``
    O*NET-SOC 2019 codes -> SOC 2018 (the first 7 characters, always the SOC detailed code in the 2019 taxonomy)
    -> OEWS occupation code, from the BLS Employment Projections "O*NET-SOC to NEM" crosswalk (NEM codes use the
    OEWS aggregates such as ``13-1020``). ``method``: ``nem_same_code`` (the NEM code is the SOC 2018 code) or
    ``nem_oews_aggregate`` (an OEWS aggregate of several SOC codes).

``xwalk_soc_2010_2018``, ``xwalk_onet_2010_2019``
    The BLS SOC 2010->2018 crosswalk and the O*NET-SOC 2010->2019 crosswalk as published (many-to-many).

Point in time: all tables are static reference data (``ref_period`` = ``"static"``). ``published_date``: the
BEA 2017 detail release (2023-09-28) for the BEA tables (the OEWS code list only enumerates which codes exist;
every fact used for the allocation was public then); "As of <date>" in the NEM workbook; the month in the SOC
workbook ("November 2017"); for the O*NET CSV, which carries no date, 2020-08-01, the release of O*NET 25.0, the
first database on the O*NET-SOC 2019 taxonomy that the crosswalk accompanies (:data:`ONET_2019_TAXONOMY_RELEASE`).
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from . import calendar
from .bea_naics import parse_naics
from .bea_sheets import Workbook
from .errors import IngestError, MissingInputError, ProblemCollector
from .oews_fields import _DISPLAY_LEVEL, normalise_industry_code
from .registry import Progress, Source, progress_or_noop
from .schemas import Column, TableSchema, schema

PARSER_VERSION = "1.0.0"

INPUTS: dict[str, str] = {
    "bea_detail_use": "bea/io_detail_2017_benchmark/IOUse_After_Redefinitions_PRO_2017_Detail.xlsx",
    "nem_onet_soc": "bls/crosswalks/nem-onet-to-soc-crosswalk.xlsx",
    "soc_2010_2018": "bls/crosswalks/soc_2010_to_2018_crosswalk.xlsx",
    "onet_2010_2019": "onet/crosswalks/2010_to_2019_Crosswalk.csv",
    "oews_industry_2025": "bls/oews_national_industry_M2025.csv.gz",
}
URLS: dict[str, str] = {
    "bea_detail_use": "https://apps.bea.gov/industry/xls/io-annual/IOUse_After_Redefinitions_PRO_2017_Detail.xlsx",
    "nem_onet_soc": "https://www.bls.gov/emp/classifications-crosswalks/nem-onet-to-soc-crosswalk.xlsx",
    "soc_2010_2018": "https://www.bls.gov/soc/2018/soc_2010_to_2018_crosswalk.xlsx",
    "onet_2010_2019": "https://www.onetcenter.org/taxonomy/2019/walk/2010_to_2019_Crosswalk.csv",
    "oews_industry_2025": "https://download.bls.gov/pub/time.series/oe/",
}

ONET_2019_TAXONOMY_RELEASE = dt.date(2020, 8, 1)
BENCHMARK_SHEET = "2017"
OUTPUT_ROW = "T008"

#: NAICS 2022 prefix -> NAICS 2017 prefixes, for the codes NAICS 2022 created (Census 2022<->2017 concordance)
NAICS_2022_TO_2017: dict[str, tuple[str, ...]] = {
    "449": ("442", "443"), "4491": ("442",), "4492": ("443",),
    "455": ("452",),
    "456": ("446",),
    "457": ("447", "45431"), "4571": ("447",), "4572": ("45431",),
    "458": ("448",), "4581": ("4481",), "4582": ("4482",), "4583": ("4483",),
    "459": ("451", "453"), "4591": ("4511",), "4592": ("4512",), "4593": ("4531",), "4594": ("4532",),
    "4595": ("4533",), "4599": ("4539",),
    "513": ("511", "51913"), "5131": ("5111",), "5132": ("5112",),
    "516": ("515", "51913"), "5161": ("5151",), "5162": ("5152", "51913", "51911"),
    "5171": ("5173",), "5178": ("5179",),
    "5192": ("51912", "51913", "51919"),
}

_FEDERAL = ("S00500", "S00600", "S00101", "S00102")
_STATE_LOCAL = ("GSLGO", "S00201", "S00202", "S00203")
_SCHOOLS_HOSPITALS = ("GSLGE", "GSLGH")
#: OEWS government codes -> BEA detail industries (module docstring, step 5)
GOVERNMENT_DETAIL: dict[str, tuple[str, ...]] = {
    "99": _FEDERAL + _STATE_LOCAL,              # excl. S&L schools and hospitals and USPS
    "999000": _FEDERAL + _STATE_LOCAL,
    "999001": _FEDERAL + ("491000",) + _STATE_LOCAL + _SCHOOLS_HOSPITALS,
    "999100": _FEDERAL,                         # federal executive branch, excl. USPS
    "999101": _FEDERAL + ("491000",),
    "999200": _STATE_LOCAL,
    "999201": _STATE_LOCAL + _SCHOOLS_HOSPITALS,
    "999300": _STATE_LOCAL,
    "999301": _STATE_LOCAL + _SCHOOLS_HOSPITALS,
}
#: NAICS prefix where OEWS includes state/local government establishments -> the BEA government detail industry
_PUBLIC_IN_NAICS = {"611": "GSLGE", "622": "GSLGH"}
_OWNERSHIP_CODE = re.compile(r"(611|622)(\d)0([235])")
_SECTOR_RANGES = {"31-33": ("31", "32", "33"), "44-45": ("44", "45"), "48-49": ("48", "49")}
_MEMBERS = re.compile(r"\(([^()]*\d{4}[^()]*)\bonly\)")

_PIT_STATIC = "static"


# ----------------------------------------------------------------------------------------------------- schemas
def _c(name: str, dtype: str, nullable: bool = False, description: str = "") -> Column:
    return Column(name, dtype, nullable, description)


BEA_NAICS = schema("xwalk_bea_naics", [
    _c("bea_sector_code", "str"), _c("bea_summary_code", "str", description="one of the 71 summary codes "
                                                                             "(or Used/Other commodities)"),
    _c("bea_u_summary_code", "str"), _c("bea_detail_code", "str"), _c("bea_detail_title", "str"),
    _c("naics_code", "str", nullable=True, description="2017 NAICS code (2-6 digits); null where BEA says n.a."),
    _c("naics_split", "bool", description="BEA's '*': the NAICS industry is shared by several BEA industries"),
], key=["bea_detail_code", "naics_code"], description="BEA 2017-benchmark industries to 2017 NAICS codes")

OEWS_BEA = schema("xwalk_oews_industry_bea", [
    _c("oews_industry_code", "str", description="normalised OEWS industry code (as in oews_industry)"),
    _c("oews_industry_title", "str"),
    _c("industry_level", "str", description="sector|naics3|naics4|naics5|ownership_aggregate"),
    _c("bea_code", "str", description="BEA summary industry (one of 71)"),
    _c("share", "float", description="fraction of the OEWS industry allocated to bea_code; sums to 1 per code"),
    _c("method", "str", description="naics_prefix|split_by_2017_detail_output|government_ownership"),
    _c("bea_detail_codes", "str", description="matched BEA detail industries in bea_code, comma-separated"),
    _c("note", "str", nullable=True, description="NAICS 2022->2017 translation or public-ownership rule used"),
], key=["oews_industry_code", "bea_code"], description="OEWS industries to BEA summary industries with shares")

ONET_SOC = schema("xwalk_onet_soc", [
    _c("onet_soc", "str", description="O*NET-SOC 2019 code NN-NNNN.NN"), _c("onet_title", "str"),
    _c("soc_2018", "str", description="SOC 2018 detailed code (first 7 characters of onet_soc)"),
    _c("oews_occ_code", "str", description="OEWS/NEM occupation code (SOC 2018 or an OEWS aggregate)"),
    _c("oews_occ_title", "str", description="NEM title"),
    _c("method", "str", description="nem_same_code|nem_oews_aggregate"),
], key=["onet_soc"], description="O*NET-SOC 2019 -> SOC 2018 -> OEWS occupation code (BLS NEM crosswalk)")

SOC_2010_2018 = schema("xwalk_soc_2010_2018", [
    _c("soc_2010", "str"), _c("soc_2010_title", "str"), _c("soc_2018", "str"), _c("soc_2018_title", "str"),
], key=["soc_2010", "soc_2018"], description="BLS SOC 2010 -> SOC 2018 crosswalk (November 2017), as published")

ONET_2010_2019 = schema("xwalk_onet_2010_2019", [
    _c("onet_soc_2010", "str"), _c("onet_soc_2010_title", "str"), _c("onet_soc_2019", "str"),
    _c("onet_soc_2019_title", "str"),
], key=["onet_soc_2010", "onet_soc_2019"], description="O*NET-SOC 2010 -> 2019 crosswalk, as published")

SCHEMAS: dict[str, TableSchema] = {s.name: s for s in (BEA_NAICS, OEWS_BEA, ONET_SOC, SOC_2010_2018, ONET_2010_2019)}


def _pit(df: pd.DataFrame, published: dt.date, vintage: str) -> pd.DataFrame:
    df["ref_period"] = _PIT_STATIC
    df["published_date"] = pd.Timestamp(published)
    df["vintage"] = vintage
    return df


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return " ".join(str(v).split())


# ----------------------------------------------------------------------------------------- BEA tables
def bea_naics(path: Path) -> pd.DataFrame:
    """``xwalk_bea_naics`` from the NAICS Codes sheet (via :func:`ingest.bea_naics.parse_naics`)."""
    c = parse_naics(path)
    out = pd.DataFrame({
        "bea_sector_code": c["sector_code"], "bea_summary_code": c["summary_code"],
        "bea_u_summary_code": c["usummary_code"], "bea_detail_code": c["detail_code"],
        "bea_detail_title": c["detail_title"], "naics_code": c["naics_code"], "naics_split": c["naics_split"],
        "_row": c["_row"]})
    return _pit(out, calendar.BEA_DETAIL_2017_RELEASE, calendar.BEA_DETAIL_2017_RELEASE.isoformat())


def detail_output(path: Path, sheet: str = BENCHMARK_SHEET) -> dict[str, float]:
    """2017 gross output of each BEA detail industry, millions of dollars: row ``T008`` of the Use table sheet.

    The code row is found by content (column A reads "Code"); empty cells are zero (BEA leaves zeros blank).
    """
    with Workbook(path) as book:
        rows = book.rows(sheet)
    head = next((i for i, r in enumerate(rows[:15]) if r and _text(r[0]).lower() in ("code", "iocode")), None)
    if head is None:
        raise IngestError("industry code row not found", path=path, sheet=sheet, column="A",
                          expected="a row whose column A reads 'Code' within the first 15 rows")
    out_row = next((i for i, r in enumerate(rows) if r and _text(r[0]) == OUTPUT_ROW), None)
    if out_row is None:
        raise IngestError(f"row {OUTPUT_ROW} (Total Industry Output) not found", path=path, sheet=sheet, column="A",
                          expected=f"a row coded {OUTPUT_ROW}")
    problems = ProblemCollector(path=path, sheet=sheet)
    output: dict[str, float] = {}
    for j, code in enumerate(rows[head][2:], start=2):
        code = _text(code)
        if not code or code.startswith(("T", "F")):
            continue
        v = rows[out_row][j] if j < len(rows[out_row]) else None
        if v is None or (isinstance(v, str) and not v.strip()):
            output[code] = 0.0
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            output[code] = float(v)
        else:
            problems.add("value does not parse", row=out_row + 1, column=code, expected="a number (USD millions)",
                         got=v)
    problems.raise_if_any()
    if not output:
        raise IngestError("no industry columns found", path=path, sheet=sheet, row=head + 1)
    return output


# ------------------------------------------------------------------------------------ OEWS industries -> BEA
def read_oews_industries(path: Path) -> pd.DataFrame:
    """Distinct (code, title, level) of an OEWS flat file (the May 2025 national industry file), normalised."""
    cols = ["industry_code", "industry_name", "industry_display_level"]
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=lambda c: c in cols,
                         encoding="utf-8-sig")
    except (EOFError, OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise IngestError(f"cannot read the file ({type(exc).__name__}: {exc})", path=path,
                          expected="a complete CSV (gzip) file with columns " + ", ".join(cols)) from exc
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise MissingInputError(f"columns {missing} not found in the header", path=path, row=1,
                                expected=f"columns {cols}", got=list(df.columns))
    df["_row"] = range(2, 2 + len(df))
    df = df.drop_duplicates(cols)
    problems = ProblemCollector(path=path)
    rows = []
    for code, title, lvl, excel in df.itertuples(index=False):
        level = _DISPLAY_LEVEL.get(lvl.strip())
        norm = normalise_industry_code(code, level) if level else None
        if norm is None:
            problems.add("industry code or display level does not parse", row=excel, column="industry_code",
                         expected="an OEWS industry code with display level 0-5", got=f"{code} (level {lvl})")
            continue
        if norm.startswith("999"):
            level = "ownership_aggregate"
        rows.append((norm, title.strip(), level))
    problems.raise_if_any()
    out = pd.DataFrame(rows, columns=["code", "title", "level"]).drop_duplicates("code")
    return out[out["level"] != "cross_industry"].reset_index(drop=True)


def naics_prefixes(code: str, title: str) -> tuple[list[str], str | None]:
    """(NAICS prefixes, ownership digit or None) of a normalised OEWS industry code (module docstring, step 1)."""
    if code in _SECTOR_RANGES:
        return list(_SECTOR_RANGES[code]), None
    if re.fullmatch(r"\d{2}", code):
        return [code], None
    m = _OWNERSHIP_CODE.fullmatch(code)
    if m:
        base = m.group(1) + (m.group(2) if m.group(2) != "0" else "")
        return [base], m.group(3)
    if re.fullmatch(r"\d{4}A\d", code):
        members = _MEMBERS.search(title)
        found = re.findall(r"\d{4}", members.group(1)) if members else []
        return found, None
    digits = code.rstrip("0")
    return [digits if len(digits) >= 3 else code[:3]], None


def to_naics_2017(prefix: str) -> tuple[tuple[str, ...], str | None]:
    """Translate a NAICS 2022 prefix with :data:`NAICS_2022_TO_2017` (longest matching key); note or None."""
    for k in range(len(prefix), 2, -1):
        key = prefix[:k]
        if key in NAICS_2022_TO_2017:
            target = NAICS_2022_TO_2017[key]
            return target, f"NAICS 2022 {key} -> 2017 {'/'.join(target)}"
    return (prefix,), None


def allocate(industries: pd.DataFrame, concordance: pd.DataFrame, output: Mapping[str, float],
             path: Path | None = None) -> pd.DataFrame:
    """``xwalk_oews_industry_bea`` rows for ``industries`` (columns code, title, level); see the module docstring.

    Raises IngestError listing every OEWS code that reaches no BEA industry (or only industries without output).
    """
    summary_of = dict(zip(concordance["bea_detail_code"], concordance["bea_summary_code"]))
    naics = concordance.dropna(subset=["naics_code"])
    naics_pairs = list(zip(naics["naics_code"], naics["bea_detail_code"]))
    unmapped: list[str] = []
    rows = []
    for code, title, level in industries[["code", "title", "level"]].itertuples(index=False):
        notes: list[str] = []
        if code in GOVERNMENT_DETAIL:
            details, method = set(GOVERNMENT_DETAIL[code]), "government_ownership"
        else:
            prefixes, own = naics_prefixes(code, title)
            details, method = set(), None
            for p in prefixes:
                targets, note = to_naics_2017(p)
                if note:
                    notes.append(note)
                for t in targets:
                    details |= {d for n, d in naics_pairs if n.startswith(t) or t.startswith(n)}
            public = {g for k, g in _PUBLIC_IN_NAICS.items() if any(k.startswith(p) or p.startswith(k)
                                                                   for p in prefixes)}
            if public and own in ("2", "3"):
                details, method = public, "government_ownership"
                notes.append(f"state/local government owned -> {', '.join(sorted(public))}")
            elif public and own is None:
                details |= public
                notes.append(f"includes state/local government establishments -> {', '.join(sorted(public))}")
        weights = {d: output.get(d, 0.0) for d in details if d in summary_of}
        total = sum(weights.values())
        if not weights or total <= 0:
            unmapped.append(f"{code} ({title}): " + ("no BEA industry matches its NAICS codes" if not weights
                                                     else "matched BEA industries have no 2017 output"))
            continue
        by_summary: dict[str, list[str]] = {}
        for d in sorted(weights):
            by_summary.setdefault(summary_of[d], []).append(d)
        if method is None:
            method = "naics_prefix" if len(by_summary) == 1 else "split_by_2017_detail_output"
        for bea_code, ds in sorted(by_summary.items()):
            rows.append({"oews_industry_code": code, "oews_industry_title": title, "industry_level": level,
                         "bea_code": bea_code, "share": sum(weights[d] for d in ds) / total, "method": method,
                         "bea_detail_codes": ", ".join(ds), "note": "; ".join(notes) or None})
    if unmapped:
        raise IngestError(f"{len(unmapped)} OEWS industries cannot be mapped to BEA industries: "
                          + "; ".join(unmapped[:10]), path=path,
                          expected="NAICS codes present in the BEA concordance (extend NAICS_2022_TO_2017?)")
    out = pd.DataFrame(rows)
    return out[out["share"] > 0].reset_index(drop=True)


# ----------------------------------------------------------------------------------------- occupation tables
def _find_header(rows: list[tuple], wanted: Sequence[str], limit: int = 20) -> tuple[int, dict[str, int]] | None:
    for i, r in enumerate(rows[:limit]):
        names = [_text(v).lower() for v in r]
        if all(w.lower() in names for w in wanted):
            return i, {w: names.index(w.lower()) for w in wanted}
    return None


def _sheet_with(book: Workbook, wanted: Sequence[str]) -> tuple[str, list[tuple], int, dict[str, int]]:
    """The first sheet whose header (first 20 rows) has all ``wanted`` columns."""
    for sheet in book.sheetnames:
        rows = book.rows(sheet)
        found = _find_header(rows, wanted)
        if found:
            return sheet, rows, found[0], found[1]
    raise MissingInputError("no sheet with the crosswalk's header row", path=book.path,
                            expected=f"a sheet with columns {list(wanted)}", got=book.sheetnames)


def _date_in(rows: list[tuple], pattern: str, fmt: str, path: Path, sheet: str) -> dt.date:
    for r in rows[:10]:
        for v in r:
            m = re.search(pattern, _text(v))
            if m:
                return dt.datetime.strptime(m.group(1), fmt).date()
    raise IngestError("publication date not found in the title rows", path=path, sheet=sheet,
                      expected=f"text matching {pattern!r} in the first 10 rows")


_ONET = re.compile(r"\d{2}-\d{4}\.\d{2}")
_SOC = re.compile(r"\d{2}-\d{4}")


def _records(rows: list[tuple], head: int, cols: dict[str, int], formats: dict[str, re.Pattern],
             path: Path, sheet: str | None) -> pd.DataFrame:
    """Data rows under ``head`` as text columns (blank rows skipped); codes checked against ``formats``."""
    problems = ProblemCollector(path=path, sheet=sheet)
    recs = []
    for i in range(head + 1, len(rows)):
        r = rows[i]
        vals = {k: _text(r[j]) if j < len(r) else "" for k, j in cols.items()}
        if not any(vals.values()):
            continue
        for k, rx in formats.items():
            if not rx.fullmatch(vals[k]):
                problems.add("code does not parse", row=i + 1, column=k, expected=rx.pattern, got=vals[k])
        recs.append({**vals, "_row": i + 1})
    problems.raise_if_any()
    if not recs:
        raise IngestError("no data rows under the header", path=path, sheet=sheet, row=head + 1)
    return pd.DataFrame(recs)


def onet_soc(path: Path) -> pd.DataFrame:
    """``xwalk_onet_soc`` from the NEM crosswalk workbook (sheet and header row found by content)."""
    cols = ("O*NET-SOC Code", "O*NET-SOC Title", "NEM Code", "National Employment Matrix Occupational Title")
    with Workbook(path) as book:
        sheet, rows, head, idx = _sheet_with(book, cols)
    published = _date_in(rows, r"As of\s+(\d{1,2}/\d{1,2}/\d{4})", "%m/%d/%Y", path, sheet)
    df = _records(rows, head, idx, {"O*NET-SOC Code": _ONET, "NEM Code": _SOC}, path, sheet)
    out = pd.DataFrame({"onet_soc": df["O*NET-SOC Code"], "onet_title": df["O*NET-SOC Title"],
                        "soc_2018": df["O*NET-SOC Code"].str[:7], "oews_occ_code": df["NEM Code"],
                        "oews_occ_title": df["National Employment Matrix Occupational Title"], "_row": df["_row"]})
    out["method"] = (out["soc_2018"] == out["oews_occ_code"]).map({True: "nem_same_code",
                                                                    False: "nem_oews_aggregate"})
    return _pit(out, published, published.isoformat())


def soc_2010_2018(path: Path) -> pd.DataFrame:
    cols = ("2010 SOC Code", "2010 SOC Title", "2018 SOC Code", "2018 SOC Title")
    with Workbook(path) as book:
        sheet, rows, head, idx = _sheet_with(book, cols)
    published = _date_in(rows, r"^([A-Z][a-z]+ \d{4})$", "%B %Y", path, sheet)
    df = _records(rows, head, idx, {"2010 SOC Code": _SOC, "2018 SOC Code": _SOC}, path, sheet)
    out = pd.DataFrame({"soc_2010": df["2010 SOC Code"], "soc_2010_title": df["2010 SOC Title"],
                        "soc_2018": df["2018 SOC Code"], "soc_2018_title": df["2018 SOC Title"], "_row": df["_row"]})
    return _pit(out, published, published.isoformat())


def onet_2010_2019(path: Path) -> pd.DataFrame:
    cols = ("O*NET-SOC 2010 Code", "O*NET-SOC 2010 Title", "O*NET-SOC 2019 Code", "O*NET-SOC 2019 Title")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", header=None)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise IngestError(f"cannot read the file ({type(exc).__name__}: {exc})", path=path,
                          expected="a CSV file with columns " + ", ".join(cols)) from exc
    rows = [tuple(r) for r in raw.itertuples(index=False)]
    found = _find_header(rows, cols, limit=5)
    if found is None:
        raise MissingInputError("header row not found", path=path, row=1, expected=f"columns {list(cols)}",
                                got=list(rows[0]) if rows else [])
    head, idx = found
    df = _records(rows, head, idx, {"O*NET-SOC 2010 Code": _ONET, "O*NET-SOC 2019 Code": _ONET}, path, None)
    out = pd.DataFrame({"onet_soc_2010": df["O*NET-SOC 2010 Code"], "onet_soc_2010_title": df["O*NET-SOC 2010 Title"],
                        "onet_soc_2019": df["O*NET-SOC 2019 Code"], "onet_soc_2019_title": df["O*NET-SOC 2019 Title"],
                        "_row": df["_row"]})
    return _pit(out, ONET_2019_TAXONOMY_RELEASE, "O*NET-SOC 2019 taxonomy")


# ------------------------------------------------------------------------------------------------------ parse
def parse(inputs: Mapping[str, Path], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """All five crosswalk tables (module docstring); each validated against its schema with the file named."""
    say = progress_or_noop(progress)
    missing = sorted(set(INPUTS) - set(inputs))
    if missing:
        raise MissingInputError(f"crosswalk inputs not given: {missing}", expected=f"inputs {sorted(INPUTS)}")
    use = Path(inputs["bea_detail_use"])
    say("crosswalks: BEA NAICS concordance and 2017 detail output")
    bea = BEA_NAICS.validate(bea_naics(use), path=use, sheet="NAICS Codes")
    output = detail_output(use)
    oews_path = Path(inputs["oews_industry_2025"])
    say("crosswalks: OEWS industries -> BEA summary industries")
    alloc = allocate(read_oews_industries(oews_path), bea, output, path=oews_path)
    alloc = _pit(alloc, calendar.BEA_DETAIL_2017_RELEASE, f"BEA 2017 benchmark; OEWS {oews_path.name}")
    out = {BEA_NAICS.name: bea, OEWS_BEA.name: OEWS_BEA.validate(alloc, path=oews_path)}
    say("crosswalks: occupation crosswalks")
    for sch, name, fn in ((ONET_SOC, "nem_onet_soc", onet_soc), (SOC_2010_2018, "soc_2010_2018", soc_2010_2018),
                          (ONET_2010_2019, "onet_2010_2019", onet_2010_2019)):
        path = Path(inputs[name])
        out[sch.name] = sch.validate(fn(path), path=path)
    return out


#: the reviewable copy of ``xwalk_oews_industry_bea`` kept with the code (data/crosswalks/README.md)
OEWS_BEA_CSV = Path(__file__).resolve().parent.parent / "data" / "crosswalks" / "oews_industry_bea.csv"
_CSV_COLUMNS = ["oews_industry_code", "oews_industry_title", "industry_level", "bea_code", "share", "method",
                "bea_detail_codes", "note"]


def oews_bea_csv_text(table: pd.DataFrame) -> str:
    """``xwalk_oews_industry_bea`` as the CSV text of data/crosswalks/oews_industry_bea.csv (sorted by code,
    BEA industry; shares to 10 significant digits). The file is an export for review: the graph reads the
    warehouse table, and a test keeps the file equal to it."""
    df = table[_CSV_COLUMNS].sort_values(["oews_industry_code", "bea_code"]).copy()
    df["share"] = df["share"].astype(float).map(lambda v: f"{v:.10g}")
    return df.to_csv(index=False, lineterminator="\n")


def export_oews_bea_csv(table: pd.DataFrame, path: str | Path = OEWS_BEA_CSV) -> Path:
    """Write :func:`oews_bea_csv_text` atomically (temp file, then rename)."""
    from .storage import atomic_write_text

    atomic_write_text(path, oews_bea_csv_text(table))
    return Path(path)


SOURCE = Source(
    name="crosswalks",
    parser_version=PARSER_VERSION,
    description="Crosswalks: BEA industries <-> 2017 NAICS, OEWS industries -> BEA summary industries (shares by "
                "2017 detail output), O*NET-SOC -> SOC 2018 -> OEWS codes, SOC 2010 -> 2018, O*NET-SOC 2010 -> 2019",
    inputs=INPUTS,
    parse=parse,
    schemas=SCHEMAS,
    urls=URLS,
    licence="BEA, BLS tables: public domain (U.S. federal government works). O*NET-SOC crosswalk: CC BY 4.0 "
            "(USDOL/ETA), attribution required.",
)
