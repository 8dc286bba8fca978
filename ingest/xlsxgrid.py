"""Fast read of one worksheet of an .xlsx workbook as a grid of cell texts (no styles, no formulas evaluated).

An .xlsx file is a zip of XML parts (ECMA-376 SpreadsheetML): ``xl/workbook.xml`` lists the sheets, each sheet part
holds ``<c r="B2" t="s"><v>12</v></c>`` cells, where ``t="s"`` means the value is an index into
``xl/sharedStrings.xml``, ``t="inlineStr"`` carries ``<is><t>text</t></is>`` and no ``t`` (or ``t="n"``) means a
number. The vintage matrices of the real-time data set are 700 columns by 1,000 rows (0.7 M cells); openpyxl builds a
Python object per cell (10 s per workbook), a regular-expression pass over the sheet XML takes under a second.
Values come back as text (numbers as written in the file, strings unescaped); the parsers convert and validate them.
"""
from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import numpy as np

from .errors import IngestError

_CELL = re.compile(r'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(?:<v>([^<]*)</v>)?(.*?)</c>)', re.S)
_TYPE = re.compile(r'\bt="(\w+)"')
_V = re.compile(r"<v>(.*?)</v>", re.S)
_T = re.compile(r"<t[^>]*>(.*?)</t>", re.S)
_SI = re.compile(r"<si>(.*?)</si>", re.S)
_SHEET = re.compile(r'<sheet [^>]*name="([^"]*)"[^>]*r:id="([^"]*)"')
_REL = re.compile(r'<Relationship [^>]*Id="([^"]*)"[^>]*Target="([^"]*)"|<Relationship [^>]*Target="([^"]*)"[^>]*'
                  r'Id="([^"]*)"')


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def read_grid(path: str | Path, sheet: int | str = 0) -> tuple[str, np.ndarray]:
    """(sheet name, 2-D object array of cell texts, None where empty) of sheet ``sheet`` (index or name)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as z:
            book = z.read("xl/workbook.xml").decode("utf-8")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
            targets = {}
            for m in _REL.finditer(rels):
                rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
                targets[rid] = target
            sheets = _SHEET.findall(book)
            if not sheets:
                raise IngestError("workbook lists no sheets", path=path)
            names = [s[0] for s in sheets]
            i = names.index(sheet) if isinstance(sheet, str) else int(sheet)
            name, rid = sheets[i]
            target = targets[rid].lstrip("/")
            target = target if target.startswith("xl/") else "xl/" + target
            xml = z.read(target).decode("utf-8")
            shared = []
            if "xl/sharedStrings.xml" in z.namelist():
                sst = z.read("xl/sharedStrings.xml").decode("utf-8")
                shared = [html.unescape("".join(_T.findall(si))) for si in _SI.findall(sst)]
    except (zipfile.BadZipFile, KeyError, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise IngestError(f"cannot read the workbook (not an .xlsx file, or no sheet {sheet!r}): {exc}",
                          path=path) from exc
    cells = []
    cols: dict[str, int] = {}
    for col, row, attrs, v, inner in _CELL.findall(xml):
        kind = "n"
        if "t=" in attrs:
            kind = _TYPE.search(attrs).group(1)
        if kind == "inlineStr":
            text = html.unescape("".join(_T.findall(inner)))
        elif not v:
            continue
        elif kind == "s":
            text = shared[int(v)]
        elif kind == "str":
            text = html.unescape(v)
        else:
            text = v
        j = cols.get(col)
        if j is None:
            j = cols[col] = _col_index(col)
        cells.append((int(row) - 1, j, text))
    if not cells:
        return name, np.empty((0, 0), dtype=object)
    nr = max(c[0] for c in cells) + 1
    nc = max(c[1] for c in cells) + 1
    grid = np.full((nr, nc), None, dtype=object)
    for r, c, text in cells:
        grid[r, c] = text
    return name, grid
