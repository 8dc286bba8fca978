"""Shared fixtures: one warehouse ingested from the real snapshot per test session.

The warehouse lives in ``.pytest_cache/econgraph-warehouse`` (ignored by git): ingest is a no-op when inputs and
parsers are unchanged, so repeated local runs are fast and CI parses once.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.registry import available_sources
from ingest.warehouse import Warehouse

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def warehouse() -> Warehouse:
    home = REPO / ".pytest_cache" / "econgraph-warehouse"
    wh = Warehouse(home)
    for name in available_sources():
        wh.ingest(name)
    return wh
