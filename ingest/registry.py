"""Source registry: one :class:`Source` per official release family, declared in its parser module.

A parser module (``ingest/bea.py`` ...) defines ``SOURCE = Source(...)``: its logical inputs (snapshot paths that a
user may override with newer official files of the same format), the official download URLs, the licence, the
schemas of the tables it produces and a ``parse(inputs, progress)`` function returning ``{table_name: DataFrame}``.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import pandas as pd

from .schemas import TableSchema

Progress = Callable[[str], None]


def _no_progress(_msg: str) -> None:
    return None


@dataclass(frozen=True)
class Source:
    name: str
    parser_version: str
    description: str
    inputs: Mapping[str, str]  # logical name -> path relative to data/snapshot (None-able optional inputs below)
    parse: Callable[[Mapping[str, Path], Progress], dict[str, pd.DataFrame]]
    schemas: Mapping[str, TableSchema]
    urls: Mapping[str, str] = field(default_factory=dict)
    licence: str = ""
    optional_inputs: tuple[str, ...] = ()  # logical names that may be absent (e.g. O*NET Task Ratings)


#: source name -> module that defines SOURCE; order = ingest order
SOURCE_MODULES: dict[str, str] = {
    "bea": "ingest.bea",
    "oews": "ingest.oews",
    "onet": "ingest.onet",
    "exposure": "ingest.exposure",
    "market": "ingest.market",
    "sp500": "ingest.sp500",
    "crosswalks": "ingest.crosswalks",
    "macro": "ingest.macro",
    "realtime": "ingest.realtime",
    "macro_history": "ingest.macro_history",
    "production_accounts": "ingest.production_accounts",
    "text": "ingest.text",
}


def available_sources() -> list[str]:
    return list(SOURCE_MODULES)


def get_source(name: str) -> Source:
    if name not in SOURCE_MODULES:
        raise KeyError(f"unknown source {name!r}; known sources: {', '.join(SOURCE_MODULES)}")
    module = importlib.import_module(SOURCE_MODULES[name])
    return module.SOURCE


def progress_or_noop(progress: Progress | None) -> Progress:
    return progress or _no_progress
