"""The ingest framework: checksums, atomic writes, warehouse no-op re-ingest, point-in-time filtering."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ingest import storage
from ingest.errors import ChecksumError, IngestError, ProblemCollector
from ingest.registry import Source
from ingest.schemas import Column, as_of, schema
from ingest.warehouse import Warehouse, parser_files


def test_snapshot_checksums_all_match():
    listing = storage.read_checksum_list()
    assert len(listing) > 200
    # spot-check a few real files (the full list is checked by every ingest)
    for rel in [r for r in listing if r.endswith("PROVENANCE.md")]:
        assert storage.verify_snapshot_file(storage.SNAPSHOT_ROOT / rel) == listing[rel]


def test_changed_snapshot_file_is_refused(tmp_path):
    root = tmp_path / "snap"
    (root / "bea").mkdir(parents=True)
    f = root / "bea" / "x.csv"
    f.write_text("a,b\n1,2\n")
    (root / "SHA256SUMS").write_text(f"{storage.sha256_file(f)}  bea/x.csv\n")
    assert storage.verify_snapshot_file(f, root=root)
    f.write_text("a,b\n1,3\n")
    with pytest.raises(ChecksumError) as err:
        storage.verify_snapshot_file(f, root=root)
    assert "x.csv" in str(err.value) and "SHA-256" in str(err.value)


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    dest = tmp_path / "t.txt"
    storage.atomic_write_text(dest, "old")
    with pytest.raises(RuntimeError):
        with storage.atomic_path(dest) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert dest.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]


def test_error_names_the_place():
    err = IngestError("value does not parse", path="/x/IOUse.xlsx", sheet="2019", row=84, column="111CA",
                      expected="a number", got="(D)")
    assert str(err) == "IOUse.xlsx[2019] row 84 column '111CA': value does not parse: expected a number, got '(D)'"
    pc = ProblemCollector(path="f.csv")
    pc.add("a", row=2)
    pc.add("b", row=3)
    with pytest.raises(IngestError, match="2 problems"):
        pc.raise_if_any()


SCHEMA = schema("toy_table", [Column("code", "str"), Column("value_usd_millions", "float")], key=["code", "ref_period"])


def _toy_source(calls: list) -> Source:
    def parse(inputs, progress):
        calls.append(1)
        df = pd.read_csv(inputs["main"], dtype=str)
        df["ref_period"] = "2023"
        df["published_date"] = "2025-09-26"
        df["vintage"] = "test"
        return {"toy_table": df}

    return Source(name="toy", parser_version="1", description="toy", inputs={"main": "none"}, parse=parse,
                  schemas={"toy_table": SCHEMA})


def test_warehouse_noop_reingest_and_failure_keeps_tables(tmp_path):
    calls: list = []
    src = _toy_source(calls)
    good = tmp_path / "good.csv"
    good.write_text("code,value_usd_millions\nA,1.5\nB,2\n")
    wh = Warehouse(tmp_path / "home")
    r1 = wh.ingest(src, {"main": good})
    assert not r1.skipped and r1.tables == {"toy_table": 2}
    r2 = wh.ingest(src, {"main": good})
    assert r2.skipped and len(calls) == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("code,value_usd_millions\nA,1.5\nA,junk\n")
    with pytest.raises(IngestError) as err:
        wh.ingest(src, {"main": bad})
    msg = str(err.value)
    assert "value_usd_millions" in msg and "junk" in msg
    table = wh.read("toy_table", "toy")
    assert table["value_usd_millions"].tolist() == [1.5, 2.0]
    info = wh.list_tables()[0]
    assert info["rows"] == 2 and info["period_min"] == "2023"


def test_code_digest_hashes_every_module_of_a_split_parser(tmp_path):
    """A parser split over modules is hashed whole (a change to any of them re-ingests), framework modules aside;
    relative, absolute, function-level and ``from ingest import x`` imports are all followed."""
    ingest_dir = Path(storage.__file__).resolve().parent
    assert [f.name for f in parser_files(ingest_dir / "bea.py")] == ["bea.py", "bea_gdp.py", "bea_naics.py",
                                                                    "bea_sheets.py"]
    assert {f.name for f in parser_files(ingest_dir / "crosswalks.py")} == {
        "crosswalks.py", "bea_naics.py", "bea_sheets.py", "oews_fields.py"}
    probe = tmp_path / "probe.py"
    probe.write_text("from ingest.bea_sheets import Workbook\n\n\n"
                     "def parse():\n    from ingest import calendar, tabular\n")
    assert [f.name for f in parser_files(probe)] == ["probe.py", "bea_sheets.py", "tabular.py"]


def test_duplicate_key_is_reported():
    df = pd.DataFrame({"code": ["A", "A"], "value_usd_millions": ["1", "2"], "ref_period": ["2023", "2023"],
                       "published_date": ["2025-01-01"] * 2, "vintage": ["v"] * 2, "_row": [8, 9]})
    with pytest.raises(IngestError, match=r"row 8.*duplicated key"):
        SCHEMA.validate(df, path="f.xlsx")


def test_as_of_never_returns_later_publications():
    df = pd.DataFrame({"published_date": pd.to_datetime(["2024-01-01", "2024-06-30", "2025-01-01"]), "v": [1, 2, 3]})
    assert as_of(df, "2024-06-30")["v"].tolist() == [1, 2]
