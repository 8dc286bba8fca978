"""The Parquet warehouse under the home directory: tidy tables keyed by source, vintage and parser version.

Layout: ``<home>/warehouse/<source>/<table>.parquet`` plus ``<home>/warehouse/<source>/_manifest.json``.
A source's tables are written together into a temporary directory, manifest last, then swapped in, so a failure
leaves the previous tables intact. Re-ingesting unchanged inputs with the same parser version is a no-op.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import pandas as pd

from .errors import IngestError, MissingInputError
from .registry import Progress, Source, get_source, progress_or_noop
from .storage import SNAPSHOT_ROOT, atomic_directory, sha256_bytes, verify_snapshot_file

MANIFEST = "_manifest.json"


@dataclass
class IngestResult:
    source: str
    skipped: bool
    tables: dict[str, int]
    seconds: float
    key: str


class Warehouse:
    def __init__(self, home: str | Path):
        self.home = Path(home)
        self.root = self.home / "warehouse"

    # ---------------------------------------------------------------- reading
    def source_dir(self, source: str) -> Path:
        return self.root / source

    def manifest(self, source: str) -> dict | None:
        path = self.source_dir(source) / MANIFEST
        if not path.exists():
            return None
        return json.loads(path.read_text())

    def has(self, source: str) -> bool:
        return self.manifest(source) is not None

    def read(self, table: str, source: str | None = None, columns: list[str] | None = None) -> pd.DataFrame:
        """Read one table (``source`` is inferred from the table name's prefix if omitted)."""
        if source is None:
            source = self._source_of(table)
        path = self.source_dir(source) / f"{table}.parquet"
        if not path.exists():
            raise MissingInputError(
                f"table {table!r} of source {source!r} is not in the warehouse; run `econgraph ingest --source "
                f"{source}`", path=path)
        return pd.read_parquet(path, columns=columns)

    def _source_of(self, table: str) -> str:
        for source in sorted(p.name for p in self.root.glob("*") if p.is_dir() and not p.name.startswith(".")):
            if (self.root / source / f"{table}.parquet").exists():
                return source
        raise MissingInputError(f"table {table!r} is not in the warehouse {self.root}; run `econgraph ingest`")

    def list_tables(self) -> list[dict]:
        rows = []
        if not self.root.exists():
            return rows
        for src_dir in sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            man = self.manifest(src_dir.name)
            if not man:
                continue
            for name, info in sorted(man["tables"].items()):
                rows.append({"source": src_dir.name, "table": name, **info,
                             "parser_version": man["parser_version"], "ingested_at": man["ingested_at"]})
        return rows

    # ---------------------------------------------------------------- writing
    def ingest(self, source: Source | str, inputs: Mapping[str, str | Path] | None = None, *, force: bool = False,
               progress: Progress | None = None) -> IngestResult:
        src = get_source(source) if isinstance(source, str) else source
        say = progress_or_noop(progress)
        t0 = time.perf_counter()
        paths = resolve_inputs(src, inputs)
        say(f"{src.name}: verifying {len(paths)} input files")
        digests = {name: verify_snapshot_file(path) for name, path in paths.items()}
        key = sha256_bytes(json.dumps({"parser": src.parser_version, "code": code_digest(src), "inputs": digests},
                                      sort_keys=True).encode())
        current = self.manifest(src.name)
        if current and current.get("key") == key and not force:
            return IngestResult(src.name, True, {k: v["rows"] for k, v in current["tables"].items()},
                                time.perf_counter() - t0, key)
        tables = src.parse(paths, say)
        unknown = set(tables) - set(src.schemas)
        if unknown:
            raise IngestError(f"parser of {src.name!r} produced tables without a schema: {sorted(unknown)}")
        missing = set(src.schemas) - set(tables)
        if missing:
            raise IngestError(f"parser of {src.name!r} did not produce tables {sorted(missing)}")
        validated = {}
        for name, df in tables.items():
            say(f"{src.name}: validating {name} ({len(df):,} rows)")
            validated[name] = src.schemas[name].validate(df)
        with atomic_directory(self.source_dir(src.name)) as tmp:
            info = {}
            for name, df in validated.items():
                df.to_parquet(tmp / f"{name}.parquet", index=False)
                info[name] = table_info(df)
            manifest = {
                "source": src.name,
                "parser_version": src.parser_version,
                "key": key,
                "inputs": {n: {"path": _display_path(p), "sha256": digests[n]} for n, p in paths.items()},
                "tables": info,
                "ingested_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "licence": src.licence,
                "urls": dict(src.urls),
            }
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
        return IngestResult(src.name, False, {k: v["rows"] for k, v in info.items()}, time.perf_counter() - t0, key)


#: framework modules every parser imports; they do not change what a parser produces (calendar is hashed apart)
_FRAMEWORK_MODULES = frozenset({"errors", "registry", "schemas", "storage", "warehouse", "calendar"})


def parser_files(path: Path) -> list[Path]:
    """The parser's module file and every ``ingest`` module it imports code from, transitively (top-level and
    function-level imports, relative or absolute), framework modules aside: a parser split over several modules
    (``bea`` + ``bea_sheets`` + ``bea_gdp`` ...) is hashed whole."""
    import ast

    root = Path(__file__).resolve().parent
    seen: list[Path] = []
    todo = [Path(path).resolve()]
    while todo:
        current = todo.pop(0)
        if current in seen:
            continue
        seen.append(current)
        names: set[str] = set()
        for node in ast.walk(ast.parse(current.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[1] for a in node.names if a.name.startswith("ingest.")}
            elif isinstance(node, ast.ImportFrom):
                in_ingest = (node.level == 1 and current.parent == root) or (node.level == 0 and node.module
                                                                              and node.module.split(".")[0] == "ingest")
                if not in_ingest:
                    continue
                module = (node.module or "") if node.level else node.module.partition(".")[2]
                if module:
                    names.add(module.split(".")[0])
                else:  # from . import x / from ingest import x: x may be a module
                    names |= {a.name for a in node.names}
        for name in sorted(names - _FRAMEWORK_MODULES):
            file = root / f"{name}.py"
            if file.is_file():
                todo.append(file)
    return seen


def code_digest(src: Source) -> str:
    """SHA-256 of the parser's code (:func:`parser_files`: its module and the ``ingest`` modules it imports) and of
    the publication-date rules (``ingest/calendar.py`` and its table of release dates
    ``data/calendar/bea_release_dates.csv``): a change to any re-ingests the source, so no table keeps stale dates or
    values after a code change."""
    import inspect

    from . import calendar

    parts = []
    try:
        parts += [f.read_bytes() for f in parser_files(Path(inspect.getfile(inspect.getmodule(src.parse))))]
    except (TypeError, OSError):
        parts.append(repr(inspect.getmodule(src.parse)).encode())
    try:
        parts.append(Path(inspect.getfile(calendar)).read_bytes())
    except (TypeError, OSError):
        parts.append(repr(calendar).encode())
    parts.append(calendar.RELEASE_TABLE.read_bytes())  # the table of actual release dates the calendar reads
    return sha256_bytes(b"\0".join(parts))


def resolve_inputs(src: Source, overrides: Mapping[str, str | Path] | None = None) -> dict[str, Path]:
    """Map each logical input to a file: the user's override if given, else the snapshot copy."""
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(src.inputs) - set(src.optional_inputs)
    if unknown:
        raise KeyError(f"source {src.name!r} has no input(s) {sorted(unknown)}; inputs: {sorted(src.inputs)}"
                       f"{'; optional: ' + str(sorted(src.optional_inputs)) if src.optional_inputs else ''}")
    out: dict[str, Path] = {}
    for name, rel in src.inputs.items():
        path = Path(overrides[name]) if name in overrides else SNAPSHOT_ROOT / rel
        if not path.exists():
            raise MissingInputError(f"input {name!r} of source {src.name!r} not found", path=path)
        out[name] = path
    for name in src.optional_inputs:
        if name in overrides:
            path = Path(overrides[name])
            if not path.exists():
                raise MissingInputError(f"optional input {name!r} of source {src.name!r} not found", path=path)
            out[name] = path
    return out


def _display_path(p: Path) -> str:
    try:
        return "data/snapshot/" + p.resolve().relative_to(SNAPSHOT_ROOT.resolve()).as_posix()
    except ValueError:
        return str(p)


def table_info(df: pd.DataFrame) -> dict:
    info: dict = {"rows": int(len(df)), "columns": list(df.columns)}
    if "ref_period" in df.columns and len(df):
        periods = df["ref_period"].dropna().astype(str)
        periods = periods[periods != "static"]
        if len(periods):
            info["period_min"], info["period_max"] = str(periods.min()), str(periods.max())
    if "published_date" in df.columns and len(df):
        pub = pd.to_datetime(df["published_date"]).dropna()
        if len(pub):
            info["published_min"] = pub.min().date().isoformat()
            info["published_max"] = pub.max().date().isoformat()
    if "vintage" in df.columns and len(df):
        info["vintages"] = sorted(df["vintage"].dropna().astype(str).unique().tolist())[:5]
    return info
