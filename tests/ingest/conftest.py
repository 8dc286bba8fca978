"""Fixtures shared by the ingest tests."""
from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="package")
def bea_tables() -> dict[str, pd.DataFrame]:
    """The six BEA tables parsed from the snapshot workbooks and validated, once for the ingest tests
    (``test_bea.py`` and ``test_bea_gdp.py``; the parser itself is under test, so not read from the warehouse)."""
    from ingest import bea
    from ingest.storage import SNAPSHOT_ROOT

    out = bea.parse({name: SNAPSHOT_ROOT / rel for name, rel in bea.INPUTS.items()})
    return {name: bea.SCHEMAS[name].validate(df) for name, df in out.items()}
