"""The shared text readers of :mod:`ingest.tabular` on small edge-case files (the real files are covered by the
O*NET and exposure tests): a UTF-8 BOM is dropped, undecodable bytes name their line, a missing file is said so."""
from __future__ import annotations

import pytest

from ingest import tabular
from ingest.errors import IngestError, MissingInputError


@pytest.mark.parametrize("reader", [tabular.read_tab_text, tabular.read_delimited])
def test_bom_dropped_and_bad_bytes_name_their_line(tmp_path, reader):
    sep = "\t" if reader is tabular.read_tab_text else ","
    good = tmp_path / "good.txt"
    good.write_bytes(("\ufeffTitle" + sep + "Code\nAnalyst" + sep + "15-2051.00\n").encode("utf-8"))
    df = reader(good, ["Title", "Code"])
    assert df.to_dict("records") == [{"_row": 2, "Title": "Analyst", "Code": "15-2051.00"}]

    bad = tmp_path / "bad.txt"
    bad.write_bytes(("Title" + sep + "Code\nAnalyst" + sep + "1\n").encode("utf-8")
                    + b"Caf\xe9" + sep.encode() + b"2\n")  # line 3: a cp1252 byte
    with pytest.raises(IngestError, match="not UTF-8") as err:
        reader(bad, ["Title", "Code"])
    assert err.value.row == 3 and err.value.path == str(bad)

    with pytest.raises(MissingInputError, match="not found"):
        reader(tmp_path / "absent.txt", ["Title"])
