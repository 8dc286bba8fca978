"""Node and edge types of the quarterly economy graph, the ``Quarter`` helper and the ``QuarterGraph`` container.

The graph (units in column names)::

    Industry ─SUPPLIES(flow_usd_millions SAAR, coefficient)→ Industry
    Industry ─EMPLOYS(employment, mean_wage_usd, wage_bill_usd)→ Occupation ─PERFORMS(weight)→ Task ─(scores)

Tables of a :class:`QuarterGraph` (one row per node or edge; key columns in brackets):

* ``industries`` [bea_code]: BEA summary industry: ``name``, ``naics`` (list of NAICS prefixes), ``sector``.
* ``occupations`` [soc]: SOC 2018 detailed occupation, ``title``.
* ``tasks`` [task_id]: O*NET task statement ``text``, ``task_type`` (core | supplemental | null), ``onet_release``.
* ``task_scores`` [task_id, rater, rubric_version]: one automatability label per task and rater: ``model``
  (null for human raters), ``exposure_class`` (E0 | E1 | E2, null when the rater gives only a score), ``score`` in
  [0, 1] (beta = E1 + 0.5 E2 by default).
* ``performs`` [scheme, soc, task_id]: occupation -> task ``weight``; weights sum to 1 per (scheme, occupation).
* ``supplies`` [quarter, src_bea_code, dst_bea_code]: inputs bought by ``dst`` from ``src`` in the quarter,
  ``flow_usd_millions`` at a seasonally adjusted annual rate, ``coefficient`` = flow / gross output of ``dst``.
* ``employs`` [quarter, bea_code, soc]: ``period`` (OEWS May reference, "2024-05"), ``employment`` (jobs),
  ``mean_wage_usd`` (USD per year), ``wage_bill_usd`` = employment x mean wage (USD per year), ``backcast`` (True
  when the quarter precedes the OEWS release used and the layer was filled from the nearest published year).
* ``impact`` [quarter, bea_code, rater]: AI-impact dollars per industry and rater (see :data:`IMPACT`); builders may
  add further scalar columns (units in the names), which every store keeps with their dtypes.

The first five tables are the *static* layer (the same for every quarter built from one set of releases); the last
three are quarter-keyed. Tables are held in canonical form: schema column order, canonical dtypes (``string``,
``float64``, ``Int64``, ``boolean``, lists of ``str``), rows sorted by key, a fresh RangeIndex. Validation on
construction raises one :class:`GraphSchemaError` naming the table, column and offending values.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np
import pandas as pd


class GraphError(Exception):
    """Base class of the graph layer's errors."""


class GraphSchemaError(GraphError, ValueError):
    """A graph table, quarter or manifest that breaks the schema; the message names the table, column and values."""


# --------------------------------------------------------------------------------------------------------- Quarter
_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*[Qq]([1-4])\s*$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, written ``"2024Q3"``."""

    year: int
    q: int

    def __post_init__(self) -> None:
        if not (1 <= self.q <= 4) or not (1000 <= self.year <= 9999):
            raise GraphSchemaError(f"not a quarter: year={self.year!r}, q={self.q!r} (expected q in 1..4)")

    @classmethod
    def parse(cls, value: "str | Quarter | pd.Period") -> "Quarter":
        """Parse ``"2024Q3"`` (case-insensitive), a ``Quarter`` or a quarterly ``pandas.Period``."""
        if isinstance(value, Quarter):
            return value
        if isinstance(value, pd.Period):
            if value.freqstr[0] != "Q":
                raise GraphSchemaError(f"expected a quarterly period, got {value!r}")
            return cls(value.year, value.quarter)
        m = _QUARTER_RE.match(value) if isinstance(value, str) else None
        if m is None:
            raise GraphSchemaError(f"expected a quarter like '2024Q3', got {value!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def range(cls, spec: str) -> list["Quarter"]:
        """All quarters of ``"2005Q1:2024Q3"`` (both ends included); a single quarter gives a list of one."""
        first, sep, last = spec.partition(":")
        start = cls.parse(first)
        end = cls.parse(last) if sep else start
        if end < start:
            raise GraphSchemaError(f"quarter range {spec!r} ends before it starts")
        out = [start]
        while out[-1] < end:
            out.append(out[-1].next())
        return out

    def next(self) -> "Quarter":
        return Quarter(self.year + (self.q == 4), self.q % 4 + 1)

    def prev(self) -> "Quarter":
        return Quarter(self.year - (self.q == 1), (self.q - 2) % 4 + 1)

    @property
    def start(self) -> pd.Timestamp:
        """First day of the quarter."""
        return pd.Timestamp(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> pd.Timestamp:
        """Last day of the quarter."""
        return self.next().start - pd.Timedelta(days=1)

    def to_period(self) -> pd.Period:
        return pd.Period(year=self.year, quarter=self.q, freq="Q")

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"


# ------------------------------------------------------------------------------------------------------ table specs
DTYPES = {"str": "string", "float": "float64", "int": "Int64", "bool": "boolean", "strlist": "object"}
_DTYPE_KIND = {"string": "str", "float64": "float", "Int64": "int", "boolean": "bool"}


@dataclass(frozen=True)
class Field:
    """One column: name (units in it), dtype (str | float | int | bool | strlist), nullability, meaning."""

    name: str
    dtype: str
    nullable: bool = False
    description: str = ""


@dataclass(frozen=True)
class TableSpec:
    """A graph table: ordered fields, key, and whether builders may add scalar columns after the schema's."""

    name: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    description: str = ""
    extras_allowed: bool = False

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def dtypes(self, df: pd.DataFrame | None = None) -> dict[str, str]:
        """Column -> canonical pandas dtype (extras of ``df`` included, in their order)."""
        out = {f.name: DTYPES[f.dtype] for f in self.fields}
        if df is not None:
            out.update({c: str(df[c].dtype) for c in df.columns if c not in out})
        return out

    def normalize(self, df: pd.DataFrame, *, dtypes: Mapping[str, str] | None = None,
                  where: str = "") -> pd.DataFrame:
        """Return ``df`` in canonical form or raise one :class:`GraphSchemaError` listing the problems.

        ``dtypes`` (column -> canonical dtype) restores extra columns read back from a store.
        """
        problems = _Problems(f"{where}table {self.name!r}")
        if not isinstance(df, pd.DataFrame):
            raise GraphSchemaError(f"{where}table {self.name!r}: expected a pandas DataFrame, got "
                                   f"{type(df).__name__}")
        missing = [c for c in self.columns if c not in df.columns]
        if missing:
            raise GraphSchemaError(f"{where}table {self.name!r} is missing columns {missing}; "
                                   f"expected {self.columns}, got {list(map(str, df.columns))}")
        extras = [c for c in df.columns if c not in self.columns]
        if extras and not self.extras_allowed:
            raise GraphSchemaError(f"{where}table {self.name!r} has unexpected columns {extras}; "
                                   f"expected exactly {self.columns}")
        fields = list(self.fields)
        for c in extras:
            kind = _DTYPE_KIND.get(str((dtypes or {}).get(c, "")), None) or _infer_kind(df[c])
            if kind is None:
                raise GraphSchemaError(f"{where}table {self.name!r} extra column {c!r}: expected a scalar "
                                       f"float, int, bool or str column, got dtype {df[c].dtype}")
            fields.append(Field(c, kind, nullable=True))
        out = pd.DataFrame({f.name: _cast(df[f.name].reset_index(drop=True), f, problems) for f in fields},
                           index=pd.RangeIndex(len(df)))
        if len(out) and self.key:
            dup = out.duplicated(list(self.key), keep=False)
            if dup.any():
                keys = out.loc[dup, list(self.key)].drop_duplicates().head(3).to_dict("records")
                problems.add(f"{int(dup.sum())} rows share a key {self.key}: {keys}")
        problems.raise_if_any()
        if self.key and len(out):
            out = out.sort_values(list(self.key), kind="mergesort", ignore_index=True)
        return out


def _infer_kind(s: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_float_dtype(s):
        return "float"
    if all(_is_null(v) or isinstance(v, str) for v in s.tolist()):
        return "str"
    return None


def _all_of(s: pd.Series, kind: str) -> bool:
    """True when every non-null value of ``s`` is a ``kind`` ('string' or 'boolean'), decided in C (no Python loop);
    False sends the caller to the per-value check that finds the offending row."""
    dt = s.dtype
    if kind == "string" and (isinstance(dt, pd.StringDtype) or (
            isinstance(dt, pd.ArrowDtype) and str(dt.pyarrow_dtype) in ("string", "large_string"))):
        return True
    if kind == "boolean" and pd.api.types.is_bool_dtype(dt):
        return True
    if dt != object:
        return False
    return pd.api.types.infer_dtype(s, skipna=True) in (kind, "empty")


def _is_null(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _cast(s: pd.Series, f: Field, problems: "_Problems") -> pd.Series:
    """Cast one column to its canonical dtype, reporting values that do not fit and nulls where not allowed."""
    if f.dtype == "strlist":
        bad, values = [], []
        for i, v in enumerate(s.tolist()):
            if isinstance(v, (list, tuple, np.ndarray)) and all(isinstance(x, str) for x in v):
                values.append([str(x) for x in v])
            else:
                bad.append(i)
                values.append(None)
        if bad:
            problems.add(f"column {f.name!r}: expected a list of strings, got {s.iloc[bad[0]]!r} "
                         f"(row {bad[0]}; {len(bad)} such rows)")
        return pd.Series(values, dtype="object")
    if f.dtype in ("float", "int"):
        if pd.api.types.is_bool_dtype(s):
            problems.add(f"column {f.name!r}: expected numbers, got booleans")
            return s
        num = pd.to_numeric(s, errors="coerce")
        bad = num.isna() & s.notna()
        if f.dtype == "int":
            bad |= num.notna() & (num % 1 != 0)
            cast = num.where(~bad).astype("Int64")
        else:
            cast = num.astype("float64")
            inf = np.isinf(cast.to_numpy(dtype="float64", na_value=np.nan))
            if inf.any():
                problems.add(f"column {f.name!r}: {int(inf.sum())} infinite values (row {int(np.argmax(inf))})")
    elif f.dtype == "bool":
        if _all_of(s, "boolean"):
            ok = pd.Series(True, index=s.index)
        else:
            ok = pd.Series([_is_null(v) or isinstance(v, (bool, np.bool_)) for v in s.tolist()], dtype=bool)
        bad = ~ok
        cast = s.where(ok, None).astype("boolean") if ok.all() else pd.Series(pd.NA, index=s.index,
                                                                               dtype="boolean")
    else:
        if _all_of(s, "string"):
            ok = pd.Series(True, index=s.index)
            cast = s.astype("string")
        else:
            ok = pd.Series([_is_null(v) or isinstance(v, str) for v in s.tolist()], dtype=bool)
            cast = s.where(ok, None).astype("string")
        bad = ~ok
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        problems.add(f"column {f.name!r}: {int(bad.sum())} values are not {f.dtype} "
                     f"(row {i}: {s.iloc[i]!r})")
    if not f.nullable:
        nulls = cast.isna() & ~bad
        if nulls.any():
            problems.add(f"column {f.name!r}: {int(nulls.sum())} missing values in a required column "
                         f"(first at row {int(np.flatnonzero(nulls.to_numpy())[0])})")
    return cast


class _Problems:
    """Collect problems over a whole QuarterGraph and raise once with the first ones."""

    def __init__(self, where: str, limit: int = 8) -> None:
        self.where, self.limit, self.items = where, limit, []

    def add(self, text: str) -> None:
        self.items.append(text)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = self.items[: self.limit]
        more = f"\n  ... and {len(self.items) - self.limit} more" if len(self.items) > self.limit else ""
        if len(self.items) == 1:
            raise GraphSchemaError(f"{self.where}: {shown[0]}")
        raise GraphSchemaError(f"{self.where}: {len(self.items)} problems:\n  " + "\n  ".join(shown) + more)


INDUSTRIES = TableSpec("industries", (
    Field("bea_code", "str", description="BEA summary industry code, e.g. '111CA'"),
    Field("name", "str"),
    Field("naics", "strlist", description="NAICS 2017 prefixes the BEA industry covers"),
    Field("sector", "str", description="BEA sector (e.g. 'Manufacturing')"),
), key=("bea_code",), description="Industry nodes (BEA summary level, 71 industries)")

OCCUPATIONS = TableSpec("occupations", (
    Field("soc", "str", description="SOC 2018 detailed code NN-NNNN"),
    Field("title", "str"),
), key=("soc",), description="Occupation nodes")

TASKS = TableSpec("tasks", (
    Field("task_id", "int", description="O*NET Task ID"),
    Field("text", "str"),
    Field("task_type", "str", nullable=True, description="core | supplemental; null where O*NET has none"),
    Field("onet_release", "str", description="O*NET database release, e.g. '29.1'"),
), key=("task_id",), description="Task nodes (O*NET task statements)")

TASK_SCORES = TableSpec("task_scores", (
    Field("task_id", "int"),
    Field("rater", "str", description="e.g. 'human', 'gpt4', 'embedding'"),
    Field("rubric_version", "str"),
    Field("model", "str", nullable=True, description="model that labelled; null for human raters"),
    Field("exposure_class", "str", nullable=True, description="E0 | E1 | E2"),
    Field("score", "float", description="automatability score in [0, 1]"),
), key=("task_id", "rater", "rubric_version"), description="Automatability labels per task and rater (long table)")

PERFORMS = TableSpec("performs", (
    Field("soc", "str"),
    Field("task_id", "int"),
    Field("weight", "float", description="share of the occupation's work; sums to 1 per (scheme, soc)"),
    Field("scheme", "str", description="equal | core_supplemental | onet_ratings"),
), key=("scheme", "soc", "task_id"), description="Occupation -> task edges")

SUPPLIES = TableSpec("supplies", (
    Field("quarter", "str"),
    Field("src_bea_code", "str", description="supplying industry"),
    Field("dst_bea_code", "str", description="buying industry"),
    Field("flow_usd_millions", "float", description="intermediate flow, USD millions, SAAR"),
    Field("coefficient", "float", description="flow / gross output of the buying industry"),
), key=("quarter", "src_bea_code", "dst_bea_code"), description="Industry -> industry flows per quarter")

EMPLOYS = TableSpec("employs", (
    Field("quarter", "str"),
    Field("bea_code", "str"),
    Field("soc", "str"),
    Field("period", "str", description="OEWS May reference period used, e.g. '2024-05'"),
    Field("employment", "float", description="jobs"),
    Field("mean_wage_usd", "float", nullable=True, description="annual mean wage, USD per year"),
    Field("wage_bill_usd", "float", nullable=True, description="employment x mean wage, USD per year"),
    Field("backcast", "bool", description="filled from the nearest published OEWS year (not yet published)"),
), key=("quarter", "bea_code", "soc"), description="Industry -> occupation employment per quarter")

IMPACT = TableSpec("impact", (
    Field("quarter", "str"),
    Field("bea_code", "str"),
    Field("rater", "str"),
    Field("wage_bill_usd", "float", description="USD per year"),
    Field("automatable_wage_bill_usd", "float",
          description="sum over occupations of wage bill x sum over tasks of weight x score, USD per year"),
    Field("automatable_share", "float", nullable=True, description="automatable / wage bill"),
    Field("backcast", "bool", description="uses an occupation layer filled from a later OEWS year"),
), key=("quarter", "bea_code", "rater"), extras_allowed=True,
    description="AI-impact dollars per industry, quarter and rater (builders add more columns, units in names)")

STATIC_TABLES: tuple[TableSpec, ...] = (INDUSTRIES, OCCUPATIONS, TASKS, TASK_SCORES, PERFORMS)
QUARTER_TABLES: tuple[TableSpec, ...] = (SUPPLIES, EMPLOYS, IMPACT)
TABLES: dict[str, TableSpec] = {t.name: t for t in STATIC_TABLES + QUARTER_TABLES}
EXPOSURE_CLASSES = ("E0", "E1", "E2")
WEIGHT_TOLERANCE = 1e-6


# ---------------------------------------------------------------------------------------------------- QuarterGraph
@dataclass
class QuarterGraph:
    """One quarter of the graph: the static layer, the quarter's edges and impact rows, and the build manifest.

    ``manifest`` holds at least ``sources``, ``vintages``, ``sha256s`` and ``code_version`` from the builder (any
    JSON-serialisable values); stores add ``status``, ``static_hash``, ``tables`` (rows per table) and
    ``tables_dtypes`` (column dtypes per table).
    Construction validates and canonicalises every table (see the module docstring) and raises one
    :class:`GraphSchemaError` listing the problems.
    """

    quarter: Quarter
    industries: pd.DataFrame
    occupations: pd.DataFrame
    tasks: pd.DataFrame
    task_scores: pd.DataFrame
    performs: pd.DataFrame
    supplies: pd.DataFrame
    employs: pd.DataFrame
    impact: pd.DataFrame
    manifest: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self, dtypes: Mapping[str, Mapping[str, str]] | None = None) -> "QuarterGraph":
        """Re-check every table (tables are mutable DataFrames) and referential integrity; canonicalise in place.

        ``dtypes`` (table -> column -> dtype) restores extra columns when a store reads a quarter back.
        """
        self.quarter = Quarter.parse(self.quarter)
        where = f"QuarterGraph {self.quarter}: "
        for spec in STATIC_TABLES + QUARTER_TABLES:
            setattr(self, spec.name, spec.normalize(getattr(self, spec.name), where=where,
                                                    dtypes=(dtypes or {}).get(spec.name)))
        try:
            self.manifest = json.loads(json.dumps(self.manifest, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise GraphSchemaError(f"{where}manifest is not JSON-serialisable: {exc}") from exc
        if not isinstance(self.manifest, dict):
            raise GraphSchemaError(f"{where}manifest must be a dict, got {type(self.manifest).__name__}")
        problems = _Problems(f"QuarterGraph {self.quarter}")
        self._check_references(problems)
        self._check_values(problems)
        problems.raise_if_any()
        return self

    def _check_references(self, problems: _Problems) -> None:
        industries = set(self.industries["bea_code"])
        occupations = set(self.occupations["soc"])
        tasks = set(self.tasks["task_id"].astype("int64"))
        checks = [
            ("supplies", "src_bea_code", industries, "industries that are not Industry nodes"),
            ("supplies", "dst_bea_code", industries, "industries that are not Industry nodes"),
            ("employs", "bea_code", industries, "industries that are not Industry nodes"),
            ("employs", "soc", occupations, "occupations that are not Occupation nodes"),
            ("impact", "bea_code", industries, "industries that are not Industry nodes"),
            ("performs", "soc", occupations, "occupations that are not Occupation nodes"),
            ("performs", "task_id", tasks, "tasks that are not Task nodes"),
            ("task_scores", "task_id", tasks, "tasks that are not Task nodes"),
        ]
        for table, column, known, what in checks:
            values = getattr(self, table)[column]
            values = values.astype("int64") if column == "task_id" else values
            unknown = sorted(set(values.unique().tolist()) - known)  # unique first: no Python loop over rows
            if unknown:
                n = int(values.isin(unknown).sum())
                problems.add(f"table {table!r} column {column!r}: {n} rows point at {what}: "
                             f"{[_plain(u) for u in unknown[:5]]}{' ...' if len(unknown) > 5 else ''}")
        for table in ("supplies", "employs", "impact"):
            other = sorted(set(getattr(self, table)["quarter"].unique().tolist()) - {str(self.quarter)})
            if other:
                problems.add(f"table {table!r} column 'quarter': rows for {other[:3]}, "
                             f"expected only {str(self.quarter)!r}")

    def _check_values(self, problems: _Problems) -> None:
        if len(self.performs):
            sums = self.performs.groupby(["scheme", "soc"], sort=True)["weight"].sum()
            off = sums[(sums - 1.0).abs() > WEIGHT_TOLERANCE]
            if len(off):
                shown = ", ".join(f"{soc} (scheme {scheme!r}: {total:.6g})" for (scheme, soc), total
                                  in off.head(5).items())
                problems.add(f"table 'performs': task weights must sum to 1 per occupation; they do not for "
                             f"{len(off)} occupations: {shown}")
            neg = self.performs[self.performs["weight"] < 0]
            if len(neg):
                problems.add(f"table 'performs': negative weights for occupations {sorted(set(neg['soc']))[:5]}")
        score = self.task_scores["score"]
        out = self.task_scores[(score < 0) | (score > 1)]
        if len(out):
            r = out.iloc[0]
            problems.add(f"table 'task_scores' column 'score': {len(out)} scores outside [0, 1] "
                         f"(task {int(r['task_id'])}, rater {r['rater']!r}: {r['score']})")
        cls = self.task_scores["exposure_class"].dropna()
        bad = sorted(set(cls) - set(EXPOSURE_CLASSES))
        if bad:
            problems.add(f"table 'task_scores' column 'exposure_class': expected one of {EXPOSURE_CLASSES}, "
                         f"got {bad[:5]}")
        emp = self.employs["employment"]
        if (emp < 0).any():
            problems.add(f"table 'employs' column 'employment': {int((emp < 0).sum())} negative values")

    # ------------------------------------------------------------------------------------------------ helpers
    def tables(self) -> dict[str, pd.DataFrame]:
        """All eight tables by name (static first)."""
        return {spec.name: getattr(self, spec.name) for spec in STATIC_TABLES + QUARTER_TABLES}

    def table_dtypes(self) -> dict[str, dict[str, str]]:
        """Table -> column -> canonical dtype (extra impact columns included), as recorded in manifests."""
        return {spec.name: spec.dtypes(getattr(self, spec.name)) for spec in STATIC_TABLES + QUARTER_TABLES}

    def static_hash(self) -> str:
        """SHA-256 (first 16 hex digits) of the static layer's canonical content: two quarters built from the same
        releases share one static layer in every store."""
        h = hashlib.sha256()
        for spec in STATIC_TABLES:
            df = getattr(self, spec.name)
            h.update(json.dumps([spec.name, spec.dtypes(df)], sort_keys=True).encode())
            lists = [f.name for f in spec.fields if f.dtype == "strlist"]
            flat = df.assign(**{c: df[c].map(lambda v: "\x1f".join(v)) for c in lists}) if lists else df
            # per-row hashes of the canonical values (C code; the CSV rendering took about 1 s per quarter)
            h.update(pd.util.hash_pandas_object(flat, index=False).to_numpy().tobytes())
        return h.hexdigest()[:16]

    @classmethod
    def from_tables(cls, quarter: "str | Quarter", tables: Mapping[str, pd.DataFrame], manifest: dict,
                    dtypes: Mapping[str, Mapping[str, str]] | None = None) -> "QuarterGraph":
        """Build from a name -> DataFrame mapping (as stores read them), restoring extra columns' dtypes."""
        missing = [name for name in TABLES if name not in tables]
        if missing:
            raise GraphSchemaError(f"QuarterGraph {quarter}: tables {missing} are missing")
        qg = object.__new__(cls)
        qg.quarter = Quarter.parse(quarter)
        for name in TABLES:
            setattr(qg, name, tables[name])
        qg.manifest = dict(manifest)
        return qg.validate(dtypes)


def records(df: pd.DataFrame, columns: Iterable[str] | None = None) -> list[dict]:
    """Rows as plain-Python dicts (str, float, int, bool, list, None for missing): what drivers and JSON accept."""
    columns = list(columns if columns is not None else df.columns)
    cols = {c: [_plain(v) for v in df[c].tolist()] for c in columns}
    return [dict(zip(columns, vals)) for vals in zip(*cols.values())] if columns else [{}] * len(df)


def _plain(v):
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_plain(x) for x in v]
    return v
