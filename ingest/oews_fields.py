"""OEWS cell values and industry codes: published symbols -> (value, status), and one industry-code scheme.

Values. A published OEWS measure cell is a number (thousands may be quoted, ``"140,886,310"``) or a symbol, and
every measure gets a ``*_status`` so a missing figure is never a zero (:func:`_parse_measure`; the statuses are
listed in :mod:`ingest.oews`): ``**`` suppressed, ``*`` not available (``annual_only`` / ``hourly_only`` where the
ANNUAL or HOURLY flag says BLS publishes the other rate only), ``#`` top coded, ``~`` under half a percent; in the
2025 flat file a ``-`` with footnote 8 is suppressed, 5 top coded, 4 the other-rate-only case. The value is NaN
unless the status is ``reported``. Cells matching neither are errors naming row and column.

Industry codes (:func:`normalise_industry_code`): cross-industry ``000000``/``000001``; NAICS sectors as in the
official natsector files (``31-33``), mapping the flat file's exclusive ranges (``31--34`` -> ``31-33``,
``99-100`` -> ``99``) and the re-saved 2022/2023 truncations (``31`` -> ``31-33``); below sectors the 6-character
OEWS code as published; ``999xxx`` government aggregates at any level. ``own_code`` comes from the file where it
has one, else from what the code itself implies (:func:`_own_code_from_code`).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .errors import ProblemCollector

O_GROUPS = ("total", "major", "minor", "broad", "detailed")
SECTORS = ("11", "21", "22", "23", "31-33", "42", "44-45", "48-49", "51", "52", "53", "54", "55", "56", "61",
           "62", "71", "72", "81", "99")
#: sector codes shortened by the re-saved 2022/2023 natsector copies
_TRUNCATED_SECTORS = {"31": "31-33", "44": "44-45", "48": "48-49"}
_I_GROUP_LEVEL = {"cross-industry": "cross_industry", "cross-industry, private ownership only": "cross_industry",
                  "sector": "sector", "3-digit": "naics3", "4-digit": "naics4", "5-digit": "naics5",
                  "6-digit": "naics5"}
_DISPLAY_LEVEL = {"0": "cross_industry", "1": "cross_industry", "2": "sector", "3": "naics3", "4": "naics4",
                  "5": "naics5"}
#: ownership implied by a 2025 flat-file code that has no OWN_CODE column
_OWN_BY_CODE = {"000000": "1235", "000001": "5", "99": "123", "999000": "123", "999001": "123", "999101": "1",
                "999201": "2", "999301": "3"}

# measure columns: source column -> (output column, kind)
_MEASURES = {
    "TOT_EMP": ("employment", "employment"),
    "EMP_PRSE": ("emp_prse", "employment"),
    "A_MEAN": ("mean_wage_usd", "annual"),
    "H_MEAN": ("hourly_mean_wage_usd", "hourly"),
    "A_MEDIAN": ("median_wage_usd", "annual"),
    "H_MEDIAN": ("hourly_median_wage_usd", "hourly"),
    "MEAN_PRSE": ("mean_wage_prse", "prse"),
}
_PERCENTS = {"PCT_TOTAL": "pct_industry_employment", "PCT_RPT": "pct_establishments_reporting"}
_WITH_STATUS = ("employment", "mean_wage_usd", "hourly_mean_wage_usd", "median_wage_usd", "hourly_median_wage_usd")

_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][+-]?\d+)?|[+-]?\.\d+")
_OCC = re.compile(r"\d{2}-\d{4}")
_CODE6 = re.compile(r"\d{4}[0-9A-Z]{2}")
_RANGE = re.compile(r"(\d{2})(-{1,2})(\d{2,3})")


def _cell_text(v: object) -> str:
    """A cell as text: ints as digits, floats without binary noise, booleans as TRUE/FALSE, None as ''."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v).strip()



# ------------------------------------------------------------------------------------------- value parsing
_SYMBOLS = {"employment": "'**', '-' + footnote", "annual": "'*', '#'", "hourly": "'*', '#'", "prse": "'*'",
            "percent": "'**', '~', blank"}


def _parse_measure(raw: pd.Series, kind: str, *, column: str, rows: pd.Series, problems: ProblemCollector,
                   annual_flag: pd.Series | None = None, hourly_flag: pd.Series | None = None,
                   footnote: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """(values, status) for one published measure column; junk cells are reported to ``problems``.

    ``kind`` is ``employment`` (TOT_EMP, EMP_PRSE), ``annual``/``hourly`` (wage levels), ``prse`` (MEAN_PRSE) or
    ``percent`` (PCT_TOTAL, PCT_RPT). See the module docstring for the symbols and statuses.
    """
    s = raw.astype(str)
    is_num = s.str.fullmatch(_NUMBER)
    values = pd.to_numeric(s.where(is_num).str.replace(",", "", regex=False), errors="coerce")
    status = pd.Series(np.where(is_num, "reported", ""), index=s.index, dtype=object)
    wage = kind in ("annual", "hourly")
    if kind in ("employment", "percent"):
        status[s == "**"] = "suppressed"
    if kind == "percent":
        status[s == ""] = "not_available"
        status[s == "~"] = "under_half_percent"
    if wage:
        status[s == "#"] = "top_coded"
    if wage or kind == "prse":
        star = s == "*"
        status[star] = "not_available"
        if kind == "hourly" and annual_flag is not None:
            status[star & annual_flag] = "annual_only"
        if kind == "annual" and hourly_flag is not None:
            status[star & hourly_flag] = "hourly_only"
    if footnote is not None:
        dash = s == "-"
        fn = footnote.astype(str)
        status[dash] = "not_available"
        status[dash & (fn == "8")] = "suppressed"
        if wage:
            status[dash & (fn == "5")] = "top_coded"
            status[dash & (fn == "4")] = "annual_only" if kind == "hourly" else "hourly_only"
    bad = status == ""
    for idx in bad[bad].index[:5]:
        problems.add("value does not parse", row=int(rows[idx]), column=column,
                     expected=f"a number or an OEWS symbol ({_SYMBOLS[kind]})", got=raw[idx])
    if bad.sum() > 5:
        problems.count += int(bad.sum()) - 5
    return values.where(status == "reported"), status



def _flag(series: pd.Series) -> pd.Series:
    return series.astype(str).str.upper().isin(["TRUE", "1", "YES"])


def _measures(df: pd.DataFrame, problems: ProblemCollector, *, flat: bool) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    annual = None if flat else _flag(df["ANNUAL"])
    hourly = None if flat else _flag(df["HOURLY"])
    for src, (name, kind) in _MEASURES.items():
        fn = df[f"{src}_FOOTNOTE"] if flat else None
        values, status = _parse_measure(df[src], kind, column=src, rows=df["_row"], problems=problems,
                                        annual_flag=annual, hourly_flag=hourly, footnote=fn)
        out[name] = values
        if name in _WITH_STATUS:
            out[f"{name.removesuffix('_usd')}_status"] = status
    if flat or not all(c in df.columns for c in _PERCENTS):
        out["pct_industry_employment"] = np.nan
        out["pct_establishments_reporting"] = np.nan
        out["pct_establishments_reporting_status"] = "not_in_file"
    else:
        for src, name in _PERCENTS.items():
            values, status = _parse_measure(df[src], "percent", column=src, rows=df["_row"], problems=problems)
            out[name] = values
            if src == "PCT_RPT":
                out["pct_establishments_reporting_status"] = status
    return out


def _check_codes(df: pd.DataFrame, problems: ProblemCollector) -> None:
    bad = ~df["OCC_CODE"].astype(str).str.fullmatch(_OCC)
    for idx in bad[bad].index[:3]:
        problems.add("occupation code does not parse", row=int(df.at[idx, "_row"]), column="OCC_CODE",
                     expected="NN-NNNN", got=df.at[idx, "OCC_CODE"])
    bad = ~df["O_GROUP"].isin(O_GROUPS)
    for idx in bad[bad].index[:3]:
        problems.add("unknown occupation group", row=int(df.at[idx, "_row"]), column="O_GROUP",
                     expected="|".join(O_GROUPS), got=df.at[idx, "O_GROUP"])


# ------------------------------------------------------------------------------------- industry codes
def normalise_industry_code(raw: object, level: str) -> str | None:
    """The normalised OEWS industry code (module docstring), or None if ``raw`` does not parse at ``level``.

    Sector ranges: the flat file's ``AA--BB`` and ``99-100`` have an exclusive end (``31--34`` -> ``31-33``,
    ``11--12`` -> ``11``); the official xlsx ``31-33`` is inclusive and kept; the re-saved ``31``/``44``/``48``
    become ``31-33``/``44-45``/``48-49``.
    """
    code = _cell_text(raw)
    if re.fullmatch(r"999\d{3}", code):
        return code  # government ownership aggregates sit at display level 1 or 3
    if level == "sector":
        m = _RANGE.fullmatch(code)
        if m:
            start, dashes, end = m.groups()
            exclusive = dashes == "--" or len(end) == 3
            last = int(end) - 1 if exclusive else int(end)
            code = start if last == int(start) else f"{start}-{last}"
        code = _TRUNCATED_SECTORS.get(code, code)
        return code if code in SECTORS else None
    if level == "cross_industry":
        return code if code in ("000000", "000001") else None
    return code if _CODE6.fullmatch(code) else None


def _own_code_from_code(code: str) -> str | None:
    """Ownership implied by the code itself (flat files have no OWN_CODE): see :data:`_OWN_BY_CODE`; 6-digit
    OEWS ownership codes ``61110x``/``62210x``-style end in 2 (state), 3 (local) or 5 (private)."""
    if code in _OWN_BY_CODE:
        return _OWN_BY_CODE[code]
    if re.fullmatch(r"(611|622)\d0[235]", code):
        return code[-1]
    return None


def _industry_columns(df: pd.DataFrame, problems: ProblemCollector, *, flat: bool) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    if flat:
        level = df["industry_display_level"].map(_DISPLAY_LEVEL)
        raw, title = df["industry_code"], df["industry_name"]
        column, level_column = "industry_code", "industry_display_level"
    else:
        level = df["I_GROUP"].str.lower().map(_I_GROUP_LEVEL)
        raw, title = df["NAICS"], df["NAICS_TITLE"]
        column, level_column = "NAICS", "I_GROUP"
    bad_level = level.isna()
    for idx in bad_level[bad_level].index[:3]:
        problems.add("unknown industry level", row=int(df.at[idx, "_row"]), column=level_column,
                     expected="|".join(_DISPLAY_LEVEL if flat else _I_GROUP_LEVEL), got=df.at[idx, level_column])
    pairs = pd.DataFrame({"raw": raw.astype(str), "level": level.fillna("")})
    uniq = pairs.drop_duplicates()
    codes = {(r, lv): normalise_industry_code(r, lv) for r, lv in uniq.itertuples(index=False)}
    code = pd.Series([codes[(r, lv)] for r, lv in pairs.itertuples(index=False)], index=df.index, dtype=object)
    bad = code.isna() & ~bad_level
    for idx in bad[bad].index[:3]:
        problems.add("industry code does not parse", row=int(df.at[idx, "_row"]), column=column,
                     expected="a NAICS sector (11 ... 81, 31-33, 99), 000000/000001 or a 6-character OEWS code",
                     got=df.at[idx, column])
    level = level.where(~code.fillna("").str.startswith("999"), "ownership_aggregate")
    out["industry_code"] = code
    out["industry_title"] = title
    out["industry_level"] = level
    if flat:
        out["own_code"] = code.map(lambda c: _own_code_from_code(c) if isinstance(c, str) else None)
    else:
        out["own_code"] = df["OWN_CODE"].replace("", None)
    return out
