"""Shared fixtures of the scoring tests: the real Eloundou labels (parsed once) and one embedder per session."""
from __future__ import annotations

import pandas as pd
import pytest

from scoring.raters.embedding import Embedder


@pytest.fixture(scope="session")
def eloundou_tasks() -> pd.DataFrame:
    """The real ``exposure_eloundou_tasks`` table, parsed from the snapshot by ``ingest.exposure``."""
    from ingest.exposure import SOURCE
    from ingest.warehouse import resolve_inputs

    tables = SOURCE.parse(resolve_inputs(SOURCE), lambda _msg: None)
    return tables["exposure_eloundou_tasks"]


@pytest.fixture(scope="session")
def embedder(tmp_path_factory) -> Embedder:
    """The bundled MiniLM model on CPU, with an embedding cache private to this test session."""
    return Embedder(cache_dir=tmp_path_factory.mktemp("embedding-cache"), device="cpu")

