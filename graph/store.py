"""The ``GraphStore`` contract: every backend stores whole quarters and answers the same questions.

Public methods validate their arguments, then delegate to private abstract methods (the pattern of PyTorch
Geometric's ``GraphStore``): a backend implements ``_put_quarter``, ``_complete_quarters``, ``_get_tables``,
``_get_manifest``, ``_get_industries``, ``_get_flows``, ``_get_employs``, ``_get_tasks``, ``_get_impact``,
``_delete_quarter`` and ``_close``. Results come back in canonical form (schema columns and dtypes, see
:mod:`graph.schema`), sorted as documented on each method, so every backend returns identical frames.

Visibility: a quarter is listed by :meth:`GraphStore.quarters` and readable only once it has been written
completely (embedded: the directory is renamed into place after its manifest; Neo4j: the ``Snapshot`` node's status
turns ``complete`` last). A write that fails midway leaves the quarter invisible; writing it again resumes and
leaves exactly one copy of every node and edge.
"""
from __future__ import annotations

import abc
from typing import Callable

import pandas as pd

from .schema import (EMPLOYS, IMPACT, INDUSTRIES, SUPPLIES, TASKS, GraphError, GraphSchemaError, Quarter,
                     QuarterGraph)

Progress = Callable[[str], None]

#: Columns of :meth:`GraphStore.tasks`: the task, its weight in the occupation and the weighting scheme.
TASK_COLUMNS = ["soc", "scheme", "weight"] + TASKS.columns


class GraphStoreError(GraphError):
    """A store could not read or write (server down, disk full, a load that died midway): the message says what was
    being done, what state the data is in and what to do next."""


class QuarterNotFoundError(GraphStoreError, KeyError):
    """The quarter is not in the store, or its load has not completed."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def _silent(_: str) -> None:
    return None


class GraphStore(abc.ABC):
    """Abstract store of quarterly graphs. Use as a context manager or call :meth:`close`."""

    #: Short backend name shown in messages ("embedded", "neo4j", "falkordb").
    backend: str = "abstract"

    # ------------------------------------------------------------------------------------------- writing
    def write_quarter(self, qg: QuarterGraph, progress: Progress | None = None) -> None:
        """Store one quarter (static layer + quarter edges + impact + manifest); visible only when complete.

        Rewriting a stored quarter replaces it (readers keep seeing the old complete copy on the embedded store; on
        Neo4j the quarter is hidden while it is rewritten). ``progress`` receives one message per written part; an
        exception raised by it aborts the load, which leaves the quarter incomplete, as a crash would.
        """
        if not isinstance(qg, QuarterGraph):
            raise GraphSchemaError(f"write_quarter expects a QuarterGraph, got {type(qg).__name__}")
        qg.validate()  # the tables are mutable: check again right before anything is written
        self._put_quarter(qg, progress or _silent)

    def delete_quarter(self, quarter: "str | Quarter") -> None:
        """Remove a quarter's edges, impact rows and manifest, complete or not (a no-op when absent; the shared
        static layer stays)."""
        q = self._known(quarter, complete_only=False)
        self._delete_quarter(q)

    # ------------------------------------------------------------------------------------------- reading
    def quarters(self) -> list[Quarter]:
        """Completely written quarters, oldest first."""
        return sorted(Quarter.parse(q) for q in self._complete_quarters())

    def read_quarter(self, quarter: "str | Quarter") -> QuarterGraph:
        """The whole quarter back, equal table by table (values, dtypes, order) to what was written."""
        q = self._known(quarter)
        manifest = self._get_manifest(q)
        tables = self._get_tables(q, manifest)
        return QuarterGraph.from_tables(q, tables, manifest, dtypes=manifest_dtypes(manifest))

    def manifest(self, quarter: "str | Quarter") -> dict:
        """The build manifest: the builder's sources, vintages, sha256s and code version, plus ``status``,
        ``static_hash``, ``tables`` (rows per table) and ``tables_dtypes``."""
        return self._get_manifest(self._known(quarter))

    def industries(self, quarter: "str | Quarter") -> pd.DataFrame:
        """Industry nodes of the quarter, sorted by ``bea_code``."""
        q = self._known(quarter)
        return INDUSTRIES.normalize(self._get_industries(q), where=f"{self.backend} store {q}: ")

    def suppliers(self, quarter: "str | Quarter", code: str, top: int | None = None) -> pd.DataFrame:
        """SUPPLIES edges into ``code`` (who sells to it), largest ``flow_usd_millions`` first (ties: supplier
        code); at most ``top`` rows."""
        return self._flows(quarter, code, top, incoming=True)

    def customers(self, quarter: "str | Quarter", code: str, top: int | None = None) -> pd.DataFrame:
        """SUPPLIES edges out of ``code`` (who buys from it), largest ``flow_usd_millions`` first (ties: buyer
        code); at most ``top`` rows."""
        return self._flows(quarter, code, top, incoming=False)

    def employs(self, quarter: "str | Quarter", code: str) -> pd.DataFrame:
        """EMPLOYS edges of industry ``code``: largest ``wage_bill_usd`` first (missing last), ties by ``soc``."""
        q = self._known(quarter)
        self._known_industry(q, code)
        df = EMPLOYS.normalize(self._get_employs(q, code), where=f"{self.backend} store {q}: ")
        return df.sort_values(["wage_bill_usd", "soc"], ascending=[False, True], na_position="last",
                              kind="mergesort", ignore_index=True)

    def tasks(self, soc: str, quarter: "str | Quarter | None" = None) -> pd.DataFrame:
        """Tasks an occupation performs (columns :data:`TASK_COLUMNS`), per weighting scheme, heaviest first.

        Uses the static layer of ``quarter`` (default: the latest complete quarter).
        """
        if quarter is None:
            known = self.quarters()
            if not known:
                raise QuarterNotFoundError(f"{self.backend} store holds no complete quarter; build one first")
            q = known[-1]
        else:
            q = self._known(quarter)
        df = self._get_tasks(q, soc)
        if df.empty:
            occupations = self._get_tables(q, self._get_manifest(q), only=("occupations",))["occupations"]
            if soc not in set(occupations["soc"]):
                raise GraphSchemaError(f"occupation {soc!r} is not an Occupation node in quarter {q} "
                                       f"({len(occupations)} occupations stored)")
        df = df[TASK_COLUMNS].astype({"soc": "string", "scheme": "string", "weight": "float64",
                                      **TASKS.dtypes()})
        return df.sort_values(["scheme", "weight", "task_id"], ascending=[True, False, True], kind="mergesort",
                              ignore_index=True)

    def impact(self, quarter: "str | Quarter", rater: str | None = None, code: str | None = None) -> pd.DataFrame:
        """Impact rows of the quarter, optionally one rater and/or one industry, sorted by (bea_code, rater)."""
        q = self._known(quarter)
        if code is not None:
            self._known_industry(q, code)
        manifest = self._get_manifest(q)
        dtypes = manifest_dtypes(manifest).get("impact")
        df = IMPACT.normalize(self._get_impact(q, rater, code, manifest), dtypes=dtypes,
                              where=f"{self.backend} store {q}: ")
        if rater is not None and df.empty:
            raters = sorted(set(self._get_impact(q, None, None, manifest)["rater"]))
            if rater not in raters:
                raise GraphSchemaError(f"rater {rater!r} has no impact rows in quarter {q}; raters: {raters}")
        return df.sort_values(["bea_code", "rater"], kind="mergesort", ignore_index=True)

    def close(self) -> None:
        self._close()

    def __enter__(self) -> "GraphStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------- helpers
    def _known(self, quarter: "str | Quarter", complete_only: bool = True) -> Quarter:
        q = Quarter.parse(quarter)
        if complete_only and q not in set(self.quarters()):
            have = [str(x) for x in self.quarters()]
            shown = f"{have[0]}..{have[-1]} ({len(have)} quarters)" if len(have) > 4 else str(have)
            raise QuarterNotFoundError(f"quarter {q} is not in the {self.backend} store or its load has not "
                                       f"completed; complete quarters: {shown}; build it first")
        return q

    def _known_industry(self, q: Quarter, code: str) -> None:
        codes = set(self._get_industries(q)["bea_code"])
        if code not in codes:
            raise GraphSchemaError(f"industry {code!r} is not an Industry node in quarter {q} "
                                   f"(known codes: {', '.join(sorted(codes)[:8])}{' ...' if len(codes) > 8 else ''})")

    def _flows(self, quarter, code: str, top: int | None, incoming: bool) -> pd.DataFrame:
        if top is not None and (not isinstance(top, int) or top < 1):
            raise GraphSchemaError(f"top must be a positive integer or None, got {top!r}")
        q = self._known(quarter)
        self._known_industry(q, code)
        df = SUPPLIES.normalize(self._get_flows(q, code, incoming), where=f"{self.backend} store {q}: ")
        other = "src_bea_code" if incoming else "dst_bea_code"
        df = df.sort_values(["flow_usd_millions", other], ascending=[False, True], kind="mergesort",
                            ignore_index=True)
        return df.head(top) if top is not None else df

    # ------------------------------------------------------------------------------------------- backend
    @abc.abstractmethod
    def _put_quarter(self, qg: QuarterGraph, progress: Progress) -> None:
        """Write the quarter so that it becomes visible only at the very end."""

    @abc.abstractmethod
    def _complete_quarters(self) -> list[str]:
        """Quarters whose load completed."""

    @abc.abstractmethod
    def _get_manifest(self, q: Quarter) -> dict:
        """The stored manifest of a complete quarter."""

    @abc.abstractmethod
    def _get_tables(self, q: Quarter, manifest: dict, only: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
        """Raw tables (all, or those named in ``only``) of a complete quarter; the caller canonicalises them."""

    @abc.abstractmethod
    def _get_industries(self, q: Quarter) -> pd.DataFrame:
        """Industry rows of the quarter's static layer."""

    @abc.abstractmethod
    def _get_flows(self, q: Quarter, code: str, incoming: bool) -> pd.DataFrame:
        """SUPPLIES rows into (``incoming``) or out of ``code``."""

    @abc.abstractmethod
    def _get_employs(self, q: Quarter, code: str) -> pd.DataFrame:
        """EMPLOYS rows of industry ``code``."""

    @abc.abstractmethod
    def _get_tasks(self, q: Quarter, soc: str) -> pd.DataFrame:
        """Task rows joined with PERFORMS (columns :data:`TASK_COLUMNS`) for occupation ``soc``."""

    @abc.abstractmethod
    def _get_impact(self, q: Quarter, rater: str | None, code: str | None, manifest: dict) -> pd.DataFrame:
        """Impact rows, filtered."""

    @abc.abstractmethod
    def _delete_quarter(self, q: Quarter) -> None:
        """Remove the quarter's data and marker (complete or not)."""

    @abc.abstractmethod
    def _close(self) -> None:
        """Release connections and files."""


#: Manifest keys a store writes (any builder-supplied values under these names are replaced).
STORE_MANIFEST_KEYS = ("status", "static_hash", "tables", "tables_dtypes")


def stored_manifest(qg: QuarterGraph, static_hash: str, status: str = "complete") -> dict:
    """The manifest a store records for ``qg``: the builder's keys plus status, static-layer hash, row counts and
    ``[column, dtype]`` pairs per table (to restore column order and extra impact columns exactly)."""
    out = {k: v for k, v in qg.manifest.items() if k not in STORE_MANIFEST_KEYS}
    out.update(status=status, static_hash=static_hash,
               tables={name: int(len(df)) for name, df in qg.tables().items()},
               tables_dtypes={name: [[c, d] for c, d in cols.items()] for name, cols in qg.table_dtypes().items()})
    return out


def manifest_dtypes(manifest: dict) -> dict[str, dict[str, str]]:
    """Table -> column -> dtype from a stored manifest, in column order (stored as [column, dtype] pairs because
    manifests are written with sorted keys)."""
    return {name: dict((c, d) for c, d in pairs) for name, pairs in manifest.get("tables_dtypes", {}).items()}
