"""BEA GDP by Industry workbooks (gross output, value added, intermediate inputs): sheets -> tidy rows.

Method. Each workbook has, per measure, sheets ``<prefix><number>-<A|Q>``: ``105`` nominal, ``106`` real (chained
2017 dollars), ``104`` price index, ``103`` quantity index (:data:`GDP_SERIES`), annual and quarterly. A sheet is
read by content: the header is the row with ``Line`` in column A; the units line above it must match the series
(quarterly dollar series: "seasonally adjusted at annual rates", so four quarters average to the year); the
"Data published <Month D, YYYY>" line gives the vintage. ``"....."`` (not available) is NaN, never 0; an empty
cell is an error naming its row and period. Footnote marks (``\\1\\``) are cut from line names.

Industries. The 71 leaf lines map to summary IO codes (:data:`GDP_LINE_TO_BEA_CODE`); :func:`check_gdp_line_map`
refuses a file whose numbered lines no longer carry the expected industry (private lines must read as the Use
table's names, government lines as :data:`GOVERNMENT_LINE_NAMES`, mapped by position because their names repeat).

Point in time: ``published_date`` = ``calendar.bea_quarterly_published`` (quarterly) or
``calendar.bea_annual_gdp_by_industry_published`` (annual), capped at the sheet's vintage date.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Mapping

import pandas as pd
from openpyxl.utils import get_column_letter

from . import calendar
from .bea_sheets import Workbook, _blank, _code, _norm, _number
from .errors import IngestError, ProblemCollector
from .registry import Progress, progress_or_noop

#: logical name -> ``measure`` and the sheet prefix in the GDP-by-industry workbooks
GDP_INPUTS: dict[str, tuple[str, str]] = {
    "gdp_gross_output": ("gross_output", "TGO"),
    "gdp_value_added": ("value_added", "TVA"),
    "gdp_intermediate_inputs": ("intermediate_inputs", "TII"),
}

#: GDP-by-industry line -> summary IO code: the 71 leaf lines (private lines match the Use table names exactly;
#: government lines are mapped by position because their names repeat, see GOVERNMENT_LINE_NAMES)
GDP_LINE_TO_BEA_CODE: dict[int, str] = {
    4: "111CA", 5: "113FF", 7: "211", 8: "212", 9: "213", 10: "22", 11: "23", 14: "321", 15: "327", 16: "331",
    17: "332", 18: "333", 19: "334", 20: "335", 21: "3361MV", 22: "3364OT", 23: "337", 24: "339", 26: "311FT",
    27: "313TT", 28: "315AL", 29: "322", 30: "323", 31: "324", 32: "325", 33: "326", 34: "42", 36: "441",
    37: "445", 38: "452", 39: "4A0", 41: "481", 42: "482", 43: "483", 44: "484", 45: "485", 46: "486",
    47: "487OS", 48: "493", 50: "511", 51: "512", 52: "513", 53: "514", 56: "521CI", 57: "523", 58: "524",
    59: "525", 62: "HS", 63: "ORE", 64: "532RL", 67: "5411", 68: "5415", 69: "5412OP", 70: "55", 72: "561",
    73: "562", 75: "61", 77: "621", 78: "622", 79: "623", 80: "624", 83: "711AS", 84: "713", 86: "721",
    87: "722", 88: "81", 92: "GFGD", 93: "GFGN", 94: "GFE", 96: "GSLG", 97: "GSLE",
}
#: expected GDP-by-industry names of the government leaf lines (checked at parse time)
GOVERNMENT_LINE_NAMES: dict[int, str] = {
    92: "National defense", 93: "Nondefense", 94: "Government enterprises", 96: "General government",
    97: "Government enterprises",
}
#: GDP-by-industry sheet number -> (series, unit annual, unit quarterly, text the units line must contain)
GDP_SERIES: dict[str, tuple[str, str, str, str]] = {
    "105": ("nominal", "usd_millions", "usd_millions_saar", "millions of dollars"),
    "106": ("real_chained_2017", "usd_millions_chained_2017", "usd_millions_chained_2017_saar",
            "millions of 2017 chain dollars"),
    "104": ("price_index", "index_2017_100", "index_2017_100", "2017=100"),
    "103": ("quantity_index", "index_2017_100", "index_2017_100", "2017=100"),
}

_MISSING_TEXT = "....."
_FOOTNOTE = re.compile(r"\\\s*\d+\s*\\")
_PUBLISHED = re.compile(r"data published\s+([A-Za-z]+\s+\d{1,2},\s*\d{4})", re.IGNORECASE)
_PERIOD = {"A": re.compile(r"^\d{4}$"), "Q": re.compile(r"^\d{4}Q[1-4]$")}


# ---------------------------------------------------------------------------------------- GDP by industry
def _gdp_sheet(rows: list[tuple], *, path: Path, sheet: str, frequency: str, units_text: str,
               saar: bool) -> tuple[
        pd.DataFrame, dt.date]:
    """One GDP-by-industry sheet -> (line, line_name, period, value, _row) rows and the publication date."""
    head = next((i for i, r in enumerate(rows[:20]) if r and _norm(r[0]) == "line"), None)
    if head is None:
        raise IngestError("header row not found", path=path, sheet=sheet, column="A",
                          expected="a row with 'Line' in column A within the first 20 rows")
    meta = " ".join(str(r[0]) for r in rows[:head] if r and r[0] is not None)
    if units_text not in _norm(meta) or (saar and "annual rates" not in _norm(meta)):
        raise IngestError("units line differs from the table's", path=path, sheet=sheet, row=2, column="A",
                          expected=units_text + (", seasonally adjusted at annual rates" if saar else ""),
                          got=rows[1][0] if len(rows) > 1 and rows[1] else None)
    found = _PUBLISHED.search(meta)
    if not found:
        raise IngestError("publication date not found", path=path, sheet=sheet, column="A",
                          expected="'Data published <Month D, YYYY>' above the header")
    published = dt.datetime.strptime(" ".join(found.group(1).replace(",", ", ").split()), "%B %d, %Y").date()
    header = rows[head]
    periods: list[tuple[int, str]] = []
    for j in range(3, len(header)):
        v = header[j]
        if _blank(v):
            continue
        p = _code(v)
        if not _PERIOD[frequency].match(p):
            raise IngestError("period header does not parse", path=path, sheet=sheet, row=head + 1,
                              column=get_column_letter(j + 1),
                              expected="'2005Q1'" if frequency == "Q" else "'1997'", got=v)
        periods.append((j, p))
    if not periods:
        raise IngestError("no period columns", path=path, sheet=sheet, row=head + 1)
    problems = ProblemCollector(path=path, sheet=sheet)
    out: list[tuple] = []
    lines: dict[int, int] = {}
    started = False
    for i in range(head + 1, len(rows)):
        r, excel = rows[i], i + 1
        a, b = (r[0] if r else None), (r[1] if len(r) > 1 else None)
        if _blank(a):
            if _blank(b):
                if started:
                    break
                continue
            continue  # "Addenda:" captions
        try:
            line = int(str(a).strip())
        except ValueError:
            raise IngestError("line number does not parse", path=path, sheet=sheet, row=excel, column="A",
                              expected="an integer line number", got=a) from None
        if line in lines:
            raise IngestError(f"duplicated line {line} (also in row {lines[line]})", path=path, sheet=sheet,
                              row=excel, column="A", expected="unique line numbers")
        lines[line] = excel
        started = True
        name = _FOOTNOTE.sub("", str(b) if b is not None else "").strip()
        for j, p in periods:
            v = r[j] if j < len(r) else None
            if isinstance(v, str) and v.strip() == _MISSING_TEXT:
                val = float("nan")
            elif _blank(v):
                problems.add("empty cell", row=excel, column=p, expected=f"a number or {_MISSING_TEXT!r}")
                continue
            else:
                val = _number(v, zero_text="\0")
                if val is None:
                    problems.add("value does not parse", row=excel, column=p,
                                 expected=f"a number or {_MISSING_TEXT!r}", got=v)
                    continue
            out.append((line, name, p, val, excel))
    problems.raise_if_any()
    if not out:
        raise IngestError("no data lines", path=path, sheet=sheet, row=head + 2)
    return pd.DataFrame(out, columns=["line", "line_name", "ref_period", "value", "_row"]), published


def parse_gdp(paths: Mapping[str, Path], progress: Progress | None = None) -> pd.DataFrame:
    """``bea_gdp_by_industry`` from the three GDP-by-industry workbooks (sheets *103-*106, annual and quarterly)."""
    say = progress_or_noop(progress)
    frames = []
    for name, (measure, prefix) in GDP_INPUTS.items():
        with Workbook(paths[name]) as book:
            say(f"bea: {book.path.name}")
            for number, (series, unit_a, unit_q, units_text) in GDP_SERIES.items():
                for freq, unit in (("A", unit_a), ("Q", unit_q)):
                    sheet = f"{prefix}{number}-{freq}"
                    part, published = _gdp_sheet(book.rows(sheet), path=book.path, sheet=sheet, frequency=freq,
                                                 units_text=units_text, saar=unit.endswith("_saar"))
                    if freq == "Q":
                        pub = {p: min(calendar.bea_quarterly_published(p), published)
                               for p in part["ref_period"].unique()}
                    else:
                        pub = {p: min(calendar.bea_annual_gdp_by_industry_published(int(p)), published)
                               for p in part["ref_period"].unique()}
                    part["published_date"] = pd.to_datetime(part["ref_period"].map(pub))
                    part["vintage"] = published.isoformat()
                    part["measure"], part["series"], part["frequency"] = measure, series, freq
                    part["sheet"], part["unit"] = sheet, unit
                    frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    # leaf lines (<= 97) are numbered alike in every sheet; only the addenda move down by one in *106
    out["bea_code"] = out["line"].map(GDP_LINE_TO_BEA_CODE)
    return out


def check_gdp_line_map(gdp: pd.DataFrame, industry_names: Mapping[str, str], path: Path | None = None) -> None:
    """Check that each mapped GDP line carries the expected industry: private lines must read exactly as the Use
    table's industry name, government lines as :data:`GOVERNMENT_LINE_NAMES`. Raises IngestError naming the sheet
    and row otherwise (a newer file with renumbered lines must not be mapped silently)."""
    first = gdp.drop_duplicates(["sheet", "line"])
    first = first[first["line"].isin(list(GDP_LINE_TO_BEA_CODE))]
    for sheet, line, name, row in zip(first["sheet"], first["line"], first["line_name"], first["_row"]):
        code = GDP_LINE_TO_BEA_CODE[line]
        expected = GOVERNMENT_LINE_NAMES.get(line, industry_names.get(code))
        if _norm(name) != _norm(expected):
            raise IngestError(f"GDP line {line} is not industry {code}", path=path, sheet=sheet,
                              row=int(row), column="B", expected=expected, got=name)
    seen = set(first["line"])
    missing = sorted(set(GDP_LINE_TO_BEA_CODE) - seen)
    if missing:
        raise IngestError(f"GDP leaf lines missing: {missing[:5]}", path=path, expected="lines 4..97")
