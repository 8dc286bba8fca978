"""BEA's industry-to-NAICS concordance: the "NAICS Codes" sheet of the 2017 detail Use workbook.

Method. The sheet is a hierarchy read by indentation: a sector code in column A (title in B), a summary code in
B (title C), a U.Summary code in C (title D), a detail code in D (title E); the Notes and NAICS columns are found
by their sub-headers. Each detail row's "Related 2017 NAICS Codes" cell is expanded by :func:`expand_naics`:
``'11111-2'`` -> 11111, 11112 (the digits after '-' replace the tail of the first code), lists split on commas, a
trailing ``*`` marks a NAICS code shared by several BEA industries (``naics_split``), ``n.a.`` gives none. The
table ends at the first column-A text that is not a code (the footnotes).

Point in time: the concordance ships with the 2017 benchmark (``calendar.BEA_DETAIL_2017_RELEASE``), ``static``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from . import calendar
from .bea_sheets import _CODE, Workbook, _blank, _code, _norm
from .errors import IngestError


def expand_naics(text: object, *, path: Path | None = None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None) -> list[tuple[str, bool]]:
    """Expand BEA's NAICS notation into ``[(code, split)]``.

    ``'11111-2'`` -> 11111, 11112 (the digits after '-' replace the tail of the first code); ``'11113-6, 11119'``
    -> 11113..11116, 11119; a trailing ``*`` marks a code shared by several BEA industries (split=True);
    ints are codes; ``'n.a.'`` and blanks -> ``[]``.
    """
    if _blank(text):
        return []
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return [(_code(text), False)]
    s = str(text).strip()
    if s.lower() == "n.a.":
        return []
    out: list[tuple[str, bool]] = []
    for part in s.split(","):
        p = part.strip()
        split = p.endswith("*")
        p = p.rstrip("*").strip()
        first, _, last = p.partition("-")
        first, last = first.strip(), last.strip()
        if not first.isdigit() or (last and (not last.isdigit() or len(last) > len(first))):
            raise IngestError("NAICS entry does not parse", path=path, sheet=sheet, row=row, column=column,
                              expected="codes, ranges like '11111-2', lists, 'n.a.'", got=text)
        if not last:
            out.append((first, split))
            continue
        end = first[: len(first) - len(last)] + last
        if int(end) < int(first):
            raise IngestError("NAICS range runs backwards", path=path, sheet=sheet, row=row, column=column,
                              expected="end >= start", got=text)
        out.extend((str(k).zfill(len(first)), split) for k in range(int(first), int(end) + 1))
    return out


def parse_naics(path: Path) -> pd.DataFrame:
    """``bea_naics_concordance`` from the "NAICS Codes" sheet of a detail workbook.

    The hierarchy is read by indentation: sector code in column A (title B), summary code in B (title C),
    U.Summary code in C (title D), detail code in D (title E); the Notes and NAICS columns are found by their
    sub-header ("Notes", "Related 2017 NAICS Codes"). The table ends at the first row whose column A holds text
    that is not a code (the footnotes).
    """
    sheet = "NAICS Codes"
    with Workbook(path) as book:
        rows = book.rows(sheet)
    head = next((i for i, r in enumerate(rows[:15])
                 if [_norm(v) for v in (r[:4] if r else ())] == ["sector", "summary", "u.summary", "detail"]), None)
    if head is None:
        raise IngestError("header row not found", path=path, sheet=sheet, column="A",
                          expected="a row reading Sector, Summary, U.Summary, Detail in columns A-D")
    labels = [_norm(v) for v in rows[head]]
    try:
        naics_j = next(j for j, v in enumerate(labels) if "naics" in v)
        notes_j = labels.index("notes")
    except (StopIteration, ValueError):
        raise IngestError("NAICS or Notes column not found", path=path, sheet=sheet, row=head + 1,
                          expected="'Related 2017 NAICS Codes' and 'Notes' sub-headers", got=rows[head]) from None
    naics_col, notes_col = get_column_letter(naics_j + 1), get_column_letter(notes_j + 1)

    def cell(r: tuple, j: int) -> object:
        return r[j] if j < len(r) else None

    sector = summary = usummary = None
    out = []
    for i in range(head + 1, len(rows)):
        r, excel = rows[i], i + 1
        a, b, c, d, e = (cell(r, j) for j in range(5))
        if not _blank(a):
            if not _CODE.match(_code(a)):
                break  # footnotes
            sector, summary, usummary = (_code(a), " ".join(str(b).split())), None, None
        elif not _blank(b):
            summary, usummary = (_code(b), " ".join(str(c).split())), None
        elif not _blank(c):
            usummary = (_code(c), " ".join(str(d).split()))
        elif not _blank(d):
            if _blank(e):
                raise IngestError("detail code without a title", path=path, sheet=sheet, row=excel, column="E",
                                  expected="the detail industry title", got=e)
            if sector is None or summary is None or usummary is None:
                raise IngestError("detail row outside a sector/summary/U.Summary block", path=path, sheet=sheet,
                                  row=excel, column="D", got=d)
            code = _code(d)
            if not _CODE.match(code):
                raise IngestError("detail code is not a BEA code", path=path, sheet=sheet, row=excel, column="D",
                                  expected="letters and digits", got=d)
            note = cell(r, notes_j)
            base = {"sector_code": sector[0], "sector_name": sector[1], "summary_code": summary[0],
                    "summary_name": summary[1], "usummary_code": usummary[0], "usummary_name": usummary[1],
                    "detail_code": code, "detail_title": " ".join(str(e).split()),
                    "notes": None if _blank(note) else str(note).strip(), "_row": excel}
            codes = expand_naics(cell(r, naics_j), path=path, sheet=sheet, row=excel, column=naics_col)
            if not codes:
                out.append({**base, "naics_code": None, "naics_split": False})
            out.extend({**base, "naics_code": n, "naics_split": s} for n, s in codes)
    if not out:
        raise IngestError("no detail rows found", path=path, sheet=sheet, column=notes_col)
    df = pd.DataFrame(out)
    df["ref_period"] = "static"
    df["published_date"] = pd.Timestamp(calendar.BEA_DETAIL_2017_RELEASE)
    df["vintage"] = calendar.BEA_DETAIL_2017_RELEASE.isoformat()
    return df
