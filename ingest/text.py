"""Federal Reserve text: the Beige Book (1970-2026) and FOMC statements and minutes -> tidy, point-in-time tables.

Inputs (see data/snapshot/text/*/PROVENANCE.md): gzipped JSON Lines, one document a line.

* ``text/beige_book/beigebook_1970-2026.jsonl.gz``: ``{"date", "district", "text", "source"}``; 487 editions x 13
  documents (the National Summary and the 12 Reserve Bank districts). ``date`` is the **release date**. Editions
  from 2003 keep their section headings on their own lines ("Manufacturing", "Real Estate and Construction" ...);
  earlier ones are one flattened line per document.
* ``text/fomc/fomc_statements_1994-2025.jsonl.gz``: ``{"date", "kind", "text", "source"}``, ``date`` = release date,
  ``kind`` in ``statement`` / ``longer_run_goals``.
* ``text/fomc/fomc_minutes_1993-2023.jsonl.gz``: ``{"meeting_start", "meeting_end", "release_date", "kind", "text",
  "source"}``; minutes are released about three weeks after the meeting, ``release_date`` is the point in time.

Tables
------
``text_beige_book``   one row per (``edition``, ``district``): ``edition`` = release date (ISO), ``district`` (one of
                      :data:`DISTRICTS`), ``text``, ``n_chars``, ``has_headings`` (the document keeps section headings
                      on their own lines), ``upstream`` (which scrape the text came from).
``text_fomc_statements`` one row per (``release_date``, ``kind``).
``text_fomc_minutes`` one row per ``meeting_start``; the six minutes that are empty upstream (listed in
                      :data:`EMPTY_MINUTES_UPSTREAM`: the 1995-12-19 meeting and five 2003 conference calls) are left
                      out and named in the progress log, never kept as empty strings.

Point in time: ``published_date`` = the release date of the document (Beige Book ``date``; statement ``date``;
minutes ``release_date``), ``ref_period`` = the same date for the Beige Book and statements (the document
describes the weeks up to its release) and the meeting's last day for minutes, ``vintage`` = the snapshot file
family (``beigebook_1970-2026``, ``fomc_statements_1994-2025``, ``fomc_minutes_1993-2023``). Documents are never
revised, so the one vintage is exact.

Checks (each raises :class:`ingest.errors.IngestError` naming file, line and field): a line that is not a JSON
object or lacks a field (malformed line), a date that is not ``YYYY-MM-DD``, an empty document (the Beige Book has
none: the one missing report, Boston 1971-01-12, is a one-sentence notice "report is not available" and is kept as
text), a district outside the 13 known ones, a duplicated (edition, district) or (date, kind), dates out of order
(the files are sorted by release date, minutes by meeting date; surrounding whitespace in a date is dropped,
as one statement's date carries a trailing space upstream; a line dated before its predecessor means a
corrupted or hand-edited file), a Beige Book edition without all 13 documents, minutes released before the meeting
ended.
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Mapping

import pandas as pd

from .errors import IngestError, ProblemCollector
from .registry import Progress, Source, progress_or_noop
from .schemas import Column, schema

PARSER_VERSION = "1.0.0"

INPUTS: dict[str, str] = {
    "beige_book": "text/beige_book/beigebook_1970-2026.jsonl.gz",
    "fomc_statements": "text/fomc/fomc_statements_1994-2025.jsonl.gz",
    "fomc_minutes": "text/fomc/fomc_minutes_1993-2023.jsonl.gz",
}
URLS: dict[str, str] = {
    "beige_book": "https://www.federalreserve.gov/monetarypolicy/beige-book-default.htm",
    "fomc_statements": "https://www.federalreserve.gov/monetarypolicy/fomccalendars.htm",
    "fomc_minutes": "https://www.federalreserve.gov/monetarypolicy/fomc_historical.htm",
}
VINTAGES = {"beige_book": "beigebook_1970-2026", "fomc_statements": "fomc_statements_1994-2025",
            "fomc_minutes": "fomc_minutes_1993-2023"}

NATIONAL = "National Summary"
DISTRICTS = (NATIONAL, "Boston", "New York", "Philadelphia", "Cleveland", "Richmond", "Atlanta", "Chicago",
             "St. Louis", "Minneapolis", "Kansas City", "Dallas", "San Francisco")
STATEMENT_KINDS = ("statement", "longer_run_goals")
#: meeting_start of the minutes whose text is empty upstream (PROVENANCE: "7 empty upstream"; six in this file)
EMPTY_MINUTES_UPSTREAM = ("1995-12-19", "2003-03-25", "2003-04-01", "2003-04-08", "2003-04-16", "2003-09-15")

SCHEMAS = {
    "text_beige_book": schema("text_beige_book", [
        Column("edition", "str", description="release date of the edition, YYYY-MM-DD"),
        Column("district", "str", description="National Summary or a Reserve Bank district"),
        Column("text", "str", description="document text; headed editions keep headings on their own lines"),
        Column("n_chars", "int", description="characters of text"),
        Column("has_headings", "bool", description="section headings kept on their own lines (editions 2003-)"),
        Column("upstream", "str", description="scrape the text came from (see PROVENANCE.md)"),
    ], key=("edition", "district"), description="Federal Reserve Beige Book, 1970-05 .. 2026-07, by district"),
    "text_fomc_statements": schema("text_fomc_statements", [
        Column("release_date", "str", description="release date, YYYY-MM-DD"),
        Column("kind", "str", description="statement | longer_run_goals"),
        Column("text", "str"),
        Column("n_chars", "int"),
    ], key=("release_date", "kind"), description="FOMC post-meeting statements and longer-run goals"),
    "text_fomc_minutes": schema("text_fomc_minutes", [
        Column("meeting_start", "str", description="first day of the meeting, YYYY-MM-DD"),
        Column("meeting_end", "str", description="last day of the meeting, YYYY-MM-DD"),
        Column("release_date", "str", description="release date of the minutes, YYYY-MM-DD"),
        Column("text", "str"),
        Column("n_chars", "int"),
    ], key=("meeting_start",), description="FOMC minutes (empty upstream documents left out)"),
}


def _iso_date(value, *, path: Path, row: int, field: str) -> str:
    text = str(value).strip() if value is not None else ""  # 2014-01-28 carries a trailing space upstream
    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError):
        ts = None
    if ts is None or pd.isna(ts) or len(text) != 10 or ts.strftime("%Y-%m-%d") != text:
        raise IngestError("date does not parse", path=path, row=row, column=field, expected="YYYY-MM-DD",
                          got=value)
    return text


def read_jsonl(path: str | Path, fields: tuple[str, ...]) -> list[dict]:
    """Records of a (gzipped) JSON Lines file, each with ``_row`` = its 1-based line number; raise on a line that
    is not a JSON object with every field in ``fields`` (string-valued)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    out = []
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise IngestError(f"malformed line: not JSON ({exc.msg} at character {exc.pos})", path=path,
                                      row=lineno, expected="one JSON object a line", got=line[:60]) from None
                if not isinstance(rec, dict):
                    raise IngestError("malformed line: not a JSON object", path=path, row=lineno,
                                      expected="one JSON object a line", got=line[:60])
                for f in fields:
                    if f not in rec:
                        raise IngestError("malformed line: field missing", path=path, row=lineno, column=f,
                                          expected=f"fields {list(fields)}", got=sorted(rec))
                    if not isinstance(rec[f], str):
                        raise IngestError("malformed line: field is not a string", path=path, row=lineno,
                                          column=f, expected="a JSON string", got=rec[f])
                rec["_row"] = lineno
                out.append(rec)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise IngestError(f"file cannot be read as gzipped UTF-8 JSON Lines: {exc}", path=path) from None
    if not out:
        raise IngestError("file has no documents", path=path, expected="at least one JSON line")
    return out


def _check_order(records: list[dict], field: str, path: Path) -> None:
    prev = None
    for rec in records:
        if prev is not None and rec[field] < prev[field]:
            raise IngestError(f"date out of order: {rec[field]} follows {prev[field]} (line {prev['_row']})",
                              path=path, row=rec["_row"], column=field,
                              expected=f"dates in ascending order (>= {prev[field]})", got=rec[field])
        prev = rec


def _check_not_empty(rec: dict, path: Path) -> None:
    if not rec["text"].strip():
        raise IngestError("empty document", path=path, row=rec["_row"], column="text",
                          expected="non-empty text")


def parse_beige_book(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    recs = read_jsonl(path, ("date", "district", "text", "source"))
    for rec in recs:
        rec["date"] = _iso_date(rec["date"], path=path, row=rec["_row"], field="date")
        if rec["district"] not in DISTRICTS:
            raise IngestError("unknown district", path=path, row=rec["_row"], column="district",
                              expected=f"one of {list(DISTRICTS)}", got=rec["district"])
        _check_not_empty(rec, path)
    _check_order(recs, "date", path)
    seen: dict[tuple[str, str], int] = {}
    for rec in recs:
        key = (rec["date"], rec["district"])
        if key in seen:
            raise IngestError(f"duplicated edition/district {key[0]} {key[1]} (first at line {seen[key]})",
                              path=path, row=rec["_row"], column="district",
                              expected="one document per (date, district)", got=key[1])
        seen[key] = rec["_row"]
    df = pd.DataFrame(recs)
    counts = df.groupby("date")["district"].nunique()
    problems = ProblemCollector(path=path)
    for edition, n in counts[counts != len(DISTRICTS)].items():
        row = int(df.loc[df["date"] == edition, "_row"].iloc[0])
        problems.add(f"edition {edition} has {n} documents", row=row, column="district",
                     expected=f"{len(DISTRICTS)} (National Summary + 12 districts)", got=n)
    problems.raise_if_any()
    out = pd.DataFrame({
        "edition": df["date"], "district": df["district"], "text": df["text"],
        "n_chars": df["text"].str.len(),
        "has_headings": df["text"].str.contains("\n", regex=False),
        "upstream": df["source"],
        "ref_period": df["date"], "published_date": pd.to_datetime(df["date"]),
        "vintage": VINTAGES["beige_book"], "_row": df["_row"],
    })
    return out


def parse_fomc_statements(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    recs = read_jsonl(path, ("date", "kind", "text"))
    for rec in recs:
        rec["date"] = _iso_date(rec["date"], path=path, row=rec["_row"], field="date")
        if rec["kind"] not in STATEMENT_KINDS:
            raise IngestError("unknown kind", path=path, row=rec["_row"], column="kind",
                              expected=f"one of {list(STATEMENT_KINDS)}", got=rec["kind"])
        _check_not_empty(rec, path)
    _check_order(recs, "date", path)
    df = pd.DataFrame(recs)
    return pd.DataFrame({
        "release_date": df["date"], "kind": df["kind"], "text": df["text"], "n_chars": df["text"].str.len(),
        "ref_period": df["date"], "published_date": pd.to_datetime(df["date"]),
        "vintage": VINTAGES["fomc_statements"], "_row": df["_row"],
    })


def parse_fomc_minutes(path: str | Path, progress: Progress | None = None) -> pd.DataFrame:
    path = Path(path)
    say = progress_or_noop(progress)
    recs = read_jsonl(path, ("meeting_start", "meeting_end", "release_date", "text"))
    kept = []
    for rec in recs:
        for f in ("meeting_start", "meeting_end", "release_date"):
            rec[f] = _iso_date(rec[f], path=path, row=rec["_row"], field=f)
        if rec["release_date"] < rec["meeting_end"]:
            raise IngestError("minutes released before the meeting ended", path=path, row=rec["_row"],
                              column="release_date", expected=f">= meeting_end {rec['meeting_end']}",
                              got=rec["release_date"])
        if not rec["text"].strip() and rec["meeting_start"] in EMPTY_MINUTES_UPSTREAM:
            continue
        _check_not_empty(rec, path)
        kept.append(rec)
    _check_order(recs, "meeting_start", path)
    say(f"text: fomc minutes: {len(recs) - len(kept)} empty upstream documents left out "
        f"({', '.join(EMPTY_MINUTES_UPSTREAM)})")
    df = pd.DataFrame(kept)
    return pd.DataFrame({
        "meeting_start": df["meeting_start"], "meeting_end": df["meeting_end"], "release_date": df["release_date"],
        "text": df["text"], "n_chars": df["text"].str.len(),
        "ref_period": df["meeting_end"], "published_date": pd.to_datetime(df["release_date"]),
        "vintage": VINTAGES["fomc_minutes"], "_row": df["_row"],
    })


def _validated(name: str, df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Schema check with the source line numbers (duplicated keys name their line)."""
    SCHEMAS[name].validate(df, path=path)
    return df.drop(columns="_row")


def parse(inputs: Mapping[str, Path], progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    say = progress_or_noop(progress)
    say("text: reading the Beige Book")
    bb = _validated("text_beige_book", parse_beige_book(inputs["beige_book"]), Path(inputs["beige_book"]))
    say(f"text: {bb['edition'].nunique()} Beige Book editions, {len(bb)} documents")
    st = _validated("text_fomc_statements", parse_fomc_statements(inputs["fomc_statements"]),
                    Path(inputs["fomc_statements"]))
    mi = _validated("text_fomc_minutes", parse_fomc_minutes(inputs["fomc_minutes"], say),
                    Path(inputs["fomc_minutes"]))
    return {"text_beige_book": bb, "text_fomc_statements": st, "text_fomc_minutes": mi}


SOURCE = Source(
    name="text",
    parser_version=PARSER_VERSION,
    description="Federal Reserve text: Beige Book 1970-2026 (13 documents an edition, release-dated), FOMC "
                "statements 1994-2025 and minutes 1993-2023",
    inputs=INPUTS,
    parse=parse,
    schemas=SCHEMAS,
    urls=URLS,
    licence="Federal Reserve publications: public information. Cite: Federal Reserve Board, Beige Book; Board of "
            "Governors of the Federal Reserve System, FOMC statements and minutes. Minutes scrape: MIT "
            "(LICENSE_minutes_sophia-jihye).",
)
