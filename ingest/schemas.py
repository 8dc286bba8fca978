"""Tidy-table schemas: column names with units, dtypes, keys, and validation that names the failing place.

Every table written to the warehouse carries point-in-time columns:

* ``ref_period`` (str): the period the figure describes: ``"2023"`` (year), ``"2024Q3"`` (quarter),
  ``"2024-05"`` (month; OEWS May reference), ``"2024-05-31"`` (day). Static reference tables use ``"static"``.
* ``published_date`` (date, ISO): when the figure was public: the official release date where the file shows it,
  else the lag rule in :mod:`ingest.calendar`.
* ``vintage`` (str): the release the file belongs to (e.g. ``"2024-12-19"`` for the December 2024 GDP-by-industry
  release). The snapshot holds one vintage per source.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .errors import IngestError, ProblemCollector

PIT_COLUMNS = ("ref_period", "published_date", "vintage")

_DTYPES = {
    "str": "string",
    "float": "float64",
    "int": "Int64",
    "bool": "boolean",
    "date": "datetime64[ns]",
}


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # one of str, float, int, bool, date
    nullable: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        if self.dtype not in _DTYPES:
            raise ValueError(f"column {self.name!r}: unknown dtype {self.dtype!r}, expected one of {sorted(_DTYPES)}")


@dataclass(frozen=True)
class TableSchema:
    """A tidy table: ordered columns, a primary key and a description (units live in the column names)."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    description: str = ""
    point_in_time: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def validate(self, df: pd.DataFrame, *, path: str | Path | None = None, sheet: str | None = None) -> pd.DataFrame:
        """Return ``df`` with exactly the schema's columns, cast to their dtypes; raise one IngestError listing the
        first problems (missing columns, nulls in non-nullable columns, values that do not cast, duplicated keys)."""
        problems = ProblemCollector(path=path, sheet=sheet)
        missing = [c for c in self.column_names if c not in df.columns]
        if missing:
            raise IngestError(f"table {self.name!r} is missing columns {missing}", path=path, sheet=sheet,
                              expected=f"columns {self.column_names}", got=sorted(map(str, df.columns)))
        out = pd.DataFrame(index=df.index)
        for col in self.columns:
            s = df[col.name]
            try:
                if col.dtype == "float":
                    cast = pd.to_numeric(s, errors="coerce").astype("float64")
                    bad = cast.isna() & s.notna()
                elif col.dtype == "int":
                    num = pd.to_numeric(s, errors="coerce")
                    bad = (num.isna() & s.notna()) | (num.notna() & (num % 1 != 0))
                    cast = num.where(~bad).astype("Int64")
                elif col.dtype == "date":
                    cast = pd.to_datetime(s, errors="coerce")
                    bad = cast.isna() & s.notna()
                elif col.dtype == "bool":
                    cast = s.astype("boolean")
                    bad = pd.Series(False, index=s.index)
                else:
                    cast = s.astype("string")
                    bad = pd.Series(False, index=s.index)
            except (TypeError, ValueError) as exc:  # pragma: no cover - defensive
                raise IngestError(f"column cannot be read as {col.dtype}: {exc}", path=path, sheet=sheet,
                                  column=col.name) from exc
            for idx in list(bad[bad].index[:3]):
                problems.add("value does not parse", row=_row_of(df, idx), column=col.name,
                             expected=col.dtype, got=s.loc[idx])
            if not col.nullable:
                nulls = cast.isna() & ~bad
                for idx in list(nulls[nulls].index[:3]):
                    problems.add("missing value in a required column", row=_row_of(df, idx), column=col.name,
                                 expected=f"a {col.dtype}")
            out[col.name] = cast
        if self.key:
            dup = out.duplicated(list(self.key), keep=False)
            if dup.any():
                first = out[dup].head(2)
                for idx, rec in first.iterrows():
                    problems.add(f"duplicated key {dict((k, rec[k]) for k in self.key)}", row=_row_of(df, idx),
                                 expected=f"unique ({', '.join(self.key)})")
        problems.raise_if_any()
        return out.reset_index(drop=True)


def _row_of(df: pd.DataFrame, idx) -> int | None:
    """The source row number, if the parser kept it in a ``_row`` column, else None."""
    if "_row" in df.columns:
        try:
            return int(df.at[idx, "_row"])
        except (KeyError, ValueError, TypeError):
            return None
    return None


def pit_columns() -> tuple[Column, ...]:
    return (
        Column("ref_period", "str", description="period described: 2023, 2024Q3, 2024-05, 2024-05-31 or 'static'"),
        Column("published_date", "date", description="when the figure was public (release date or lag rule)"),
        Column("vintage", "str", description="release of the source file"),
    )


def schema(name: str, columns: Sequence[Column], key: Sequence[str], description: str = "",
           point_in_time: bool = True) -> TableSchema:
    cols = tuple(columns)
    if point_in_time:
        have = {c.name for c in cols}
        cols = cols + tuple(c for c in pit_columns() if c.name not in have)
    return TableSchema(name=name, columns=cols, key=tuple(key), description=description,
                       point_in_time=point_in_time)


def as_of(df: pd.DataFrame, date: str | pd.Timestamp) -> pd.DataFrame:
    """Rows published on or before ``date`` (no look-ahead)."""
    if "published_date" not in df.columns:
        raise KeyError("table has no 'published_date' column; it is not point-in-time")
    ts = pd.Timestamp(date)
    return df[pd.to_datetime(df["published_date"]) <= ts]


def np_float(values) -> np.ndarray:
    return np.asarray(values, dtype="float64")
