"""Federal Reserve text ingest: the real snapshot's tables and the bad-input errors (file, line, field, expected)."""
from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from ingest import text
from ingest.errors import IngestError


def _write(path, records):
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for r in records:
            fh.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    return path


def _edition(date, skip=()):
    return [{"date": date, "district": d, "text": f"{d} activity rose.", "source": "test"}
            for d in text.DISTRICTS if d not in skip]


def test_real_beige_book_tables(warehouse):
    bb = warehouse.read("text_beige_book")
    assert len(bb) == 6331 and bb["edition"].nunique() == 487
    assert bb.groupby("edition")["district"].nunique().eq(13).all()
    # release date is the point in time and the ref period
    assert (bb["published_date"].dt.strftime("%Y-%m-%d") == bb["edition"]).all()
    assert bb["edition"].min() == "1970-05-20" and bb["edition"].max() == "2026-07-15"
    headed = bb.loc[bb["has_headings"], "edition"]
    assert headed.min() >= "2003-01-01" and headed.nunique() >= 180
    st = warehouse.read("text_fomc_statements")
    assert len(st) == 248 and (st["release_date"].str.len() == 10).all()
    mi = warehouse.read("text_fomc_minutes")
    assert len(mi) == 254 - len(text.EMPTY_MINUTES_UPSTREAM)
    assert (mi["release_date"] >= mi["meeting_end"]).all() and (mi["n_chars"] > 0).all()
    assert warehouse.manifest("text")["inputs"]["beige_book"]["sha256"].startswith("5205515e")


def test_good_synthetic_file_parses(tmp_path):
    p = _write(tmp_path / "bb.jsonl.gz", _edition("2020-01-15") + _edition("2020-03-04"))
    df = text.parse_beige_book(p)
    assert len(df) == 26 and set(df["edition"]) == {"2020-01-15", "2020-03-04"}
    assert (df["published_date"] == pd.Timestamp("2020-01-15")).sum() == 13


def test_empty_document_is_an_error(tmp_path):
    recs = _edition("2020-01-15")
    recs[3]["text"] = "   "
    with pytest.raises(IngestError, match=r"bb.jsonl.gz row 4 column 'text': empty document"):
        text.parse_beige_book(_write(tmp_path / "bb.jsonl.gz", recs))


def test_duplicated_edition_district_is_an_error(tmp_path):
    recs = _edition("2020-01-15")
    recs.insert(5, dict(recs[2]))
    with pytest.raises(IngestError, match=r"row 6 column 'district': duplicated edition/district 2020-01-15 "
                                          r"New York \(first at line 3\)"):
        text.parse_beige_book(_write(tmp_path / "bb.jsonl.gz", recs))


def test_malformed_lines_are_errors(tmp_path):
    recs = _edition("2020-01-15")
    bad_json = recs[:2] + ['{"date": "2020-01-15", "district": "Boston"'] + recs[2:]
    with pytest.raises(IngestError, match=r"row 3: malformed line: not JSON"):
        text.parse_beige_book(_write(tmp_path / "a.jsonl.gz", bad_json))
    missing = [dict(r) for r in recs]
    del missing[7]["text"]
    with pytest.raises(IngestError, match=r"row 8 column 'text': malformed line: field missing"):
        text.parse_beige_book(_write(tmp_path / "b.jsonl.gz", missing))
    bad_date = [dict(r) for r in recs]
    bad_date[0]["date"] = "2020-13-01"
    with pytest.raises(IngestError, match=r"row 1 column 'date': date does not parse: expected YYYY-MM-DD"):
        text.parse_beige_book(_write(tmp_path / "c.jsonl.gz", bad_date))
    with pytest.raises(IngestError, match="not a JSON object"):
        text.parse_beige_book(_write(tmp_path / "d.jsonl.gz", ["[1, 2]"]))


def test_date_out_of_order_is_an_error(tmp_path):
    recs = _edition("2020-03-04") + _edition("2020-01-15")
    with pytest.raises(IngestError, match=r"row 14 column 'date': date out of order: 2020-01-15 follows "
                                          r"2020-03-04"):
        text.parse_beige_book(_write(tmp_path / "bb.jsonl.gz", recs))


def test_incomplete_edition_and_unknown_district(tmp_path):
    with pytest.raises(IngestError, match=r"edition 2020-01-15 has 12 documents: expected 13"):
        text.parse_beige_book(_write(tmp_path / "a.jsonl.gz", _edition("2020-01-15", skip=("Dallas",))))
    recs = _edition("2020-01-15")
    recs[1]["district"] = "Gotham"
    with pytest.raises(IngestError, match=r"row 2 column 'district': unknown district"):
        text.parse_beige_book(_write(tmp_path / "b.jsonl.gz", recs))


def test_minutes_checks(tmp_path):
    base = {"meeting_start": "2020-01-28", "meeting_end": "2020-01-29", "release_date": "2020-02-19",
            "kind": "minutes", "text": "The Committee met.", "source": "t"}
    later = dict(base, meeting_start="2020-03-15", meeting_end="2020-03-15", release_date="2020-04-08")
    assert len(text.parse_fomc_minutes(_write(tmp_path / "m.jsonl.gz", [base, later]))) == 2
    with pytest.raises(IngestError, match=r"row 1 column 'release_date': minutes released before the meeting"):
        text.parse_fomc_minutes(_write(tmp_path / "a.jsonl.gz", [dict(base, release_date="2020-01-20")]))
    with pytest.raises(IngestError, match=r"row 1 column 'text': empty document"):
        text.parse_fomc_minutes(_write(tmp_path / "b.jsonl.gz", [dict(base, text="")]))
    with pytest.raises(IngestError, match=r"row 2 column 'meeting_start': date out of order"):
        text.parse_fomc_minutes(_write(tmp_path / "c.jsonl.gz", [later, base]))
    with pytest.raises(IngestError, match=r"row 1 column 'kind': unknown kind"):
        text.parse_fomc_statements(_write(tmp_path / "s.jsonl.gz",
                                          [{"date": "2020-01-29", "kind": "speech", "text": "x"}]))
