r"""Processed forecasting dataset: one graph snapshot per decision quarter, cached under a content key.

A snapshot ``s`` (see :mod:`gnn.features` for timing) holds

* node features ``x[s]`` (industries x features, raw units, NaN where unknown; fitters standardise them on their
  own training window, so no statistic of the test period leaks in);
* node targets ``y[s]``: ``go_growth`` and ``excess_return`` (NaN where unknown or without a listed proxy);
* SUPPLIES edges of the information quarter ``L_s``: the ``max_edges`` largest flows ``F_L(i, j)`` (USD millions
  SAAR) with attributes ``log_cost_share = ln(F / GO_j)`` (the graph's ``coefficient``: seller ``i``'s share of buyer
  ``j``'s output), ``log_sales_share = ln(F / sum_k F_L(i, k))`` (share of ``i``'s intermediate sales going to ``j``),
  ``flow_g0 = ln F_L - ln F_{L-1}`` (0 with ``has_flow_g0 = 0`` when unknown) and the target
  ``flow_growth = ln F_{L+1} - ln F_L``.

The cache key is ``sha256(schema version, parameters, content hash of every input frame)``: any change to an input
cell, column or parameter gives a new file (``<cache_dir>/dataset-<key16>.npz`` + ``.json``), never a stale one.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ingest import calendar
from ingest.storage import atomic_path, atomic_write_json

SCHEMA_VERSION = 1
#: version of the feature construction (bumped when gnn.features changes what a snapshot holds)
FEATURES_VERSION = 3
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
NODE_TARGETS = ("go_growth", "excess_return")
EDGE_TARGET = "flow_growth"
TARGETS = NODE_TARGETS + (EDGE_TARGET,)
EDGE_FEATURES = ("log_cost_share", "log_sales_share", "flow_g0", "has_flow_g0")
#: the feature holding each node target's last observed value (the random-walk forecast)
LAST_VALUE_FEATURE = {"go_growth": "go_g0", "excess_return": "xret_q0"}
ID_COLUMNS = ("quarter", "bea_code", "info_quarter", "as_of_date")
SUPPLIES_COLUMNS = ("quarter", "src", "dst", "flow_usd_millions", "coefficient")


class DatasetError(ValueError):
    """Inputs that cannot form a dataset (missing columns, non-contiguous quarters, ...)."""


@dataclass
class Rows:
    """The observations of one target over a set of snapshots, in a fixed order.

    ``snap``: snapshot index; ``node``: node index (node targets) or source node (edges); ``dst``: destination node
    (-1 for node targets); ``edge``: global edge index (-1 for node targets); ``y``: target (NaN = unknown);
    ``last``: the target's last observed value (random walk; NaN = unknown)."""

    target: str
    snap: np.ndarray
    node: np.ndarray
    dst: np.ndarray
    edge: np.ndarray
    y: np.ndarray
    last: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    def select(self, mask: np.ndarray) -> "Rows":
        return Rows(self.target, *(a[mask] for a in (self.snap, self.node, self.dst, self.edge, self.y, self.last)))


@dataclass
class ForecastDataset:
    quarters: list[str]
    info_quarters: list[str]
    as_of: list[str]
    known_date: list[str]
    industries: list[str]
    feature_names: list[str]
    x: np.ndarray            # [S, N, F] float32
    y: np.ndarray            # [S, N, len(NODE_TARGETS)] float32
    edge_ptr: np.ndarray     # [S + 1] offsets into the edge arrays
    edge_index: np.ndarray   # [2, E] int64, node indices (seller, buyer)
    edge_attr: np.ndarray    # [E, len(EDGE_FEATURES)] float32
    edge_y: np.ndarray       # [E] float32
    key: str = ""
    params: dict = field(default_factory=dict)

    @property
    def n_snapshots(self) -> int:
        return len(self.quarters)

    @property
    def n_nodes(self) -> int:
        return len(self.industries)

    def index_of(self, quarter: str) -> int:
        try:
            return self.quarters.index(str(quarter))
        except ValueError:
            raise DatasetError(f"quarter {quarter!r} is not a snapshot of the dataset "
                               f"({self.quarters[0]}..{self.quarters[-1]})") from None

    def edge_slice(self, s: int) -> slice:
        return slice(int(self.edge_ptr[s]), int(self.edge_ptr[s + 1]))

    def feature(self, name: str) -> np.ndarray:
        return self.x[:, :, self.feature_names.index(name)]

    def rows(self, target: str, snaps) -> Rows:
        snaps = np.asarray(sorted(set(int(s) for s in snaps)), dtype=np.int64)
        if target in NODE_TARGETS:
            n = self.n_nodes
            snap = np.repeat(snaps, n)
            node = np.tile(np.arange(n), len(snaps))
            y = self.y[snap, node, NODE_TARGETS.index(target)]
            last = self.feature(LAST_VALUE_FEATURE[target])[snap, node]
            minus = -np.ones_like(snap)
            return Rows(target, snap, node, minus, minus, y.astype(float), last.astype(float))
        if target != EDGE_TARGET:
            raise KeyError(f"unknown target {target!r}; targets: {TARGETS}")
        parts = [np.arange(self.edge_ptr[s], self.edge_ptr[s + 1]) for s in snaps]
        edge = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        snap = np.concatenate([np.full(len(p), s) for s, p in zip(snaps, parts)]) if parts else edge.copy()
        has = self.edge_attr[edge, EDGE_FEATURES.index("has_flow_g0")] > 0
        last = np.where(has, self.edge_attr[edge, EDGE_FEATURES.index("flow_g0")], np.nan)
        return Rows(target, snap.astype(np.int64), self.edge_index[0, edge], self.edge_index[1, edge], edge,
                    self.edge_y[edge].astype(float), last.astype(float))

    def known_snapshots(self, as_of: str | pd.Timestamp) -> np.ndarray:
        """Snapshots whose targets were all public by ``as_of`` (what a model fitted on that date may train on)."""
        a = pd.Timestamp(as_of)
        return np.array([i for i, d in enumerate(self.known_date) if pd.Timestamp(d) <= a], dtype=np.int64)

    # ------------------------------------------------------------------ persistence (npz + json, no pickle)
    def save(self, path_stem: Path) -> None:
        arrays = {k: getattr(self, k) for k in ("x", "y", "edge_ptr", "edge_index", "edge_attr", "edge_y")}
        with atomic_path(path_stem.with_suffix(".npz"), suffix=".npz") as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
        meta = {k: getattr(self, k) for k in ("quarters", "info_quarters", "as_of", "known_date", "industries",
                                              "feature_names", "key", "params")}
        meta["schema_version"] = SCHEMA_VERSION
        atomic_write_json(path_stem.with_suffix(".json"), meta)

    @classmethod
    def load(cls, path_stem: Path) -> "ForecastDataset":
        meta = json.loads(path_stem.with_suffix(".json").read_text())
        if meta.pop("schema_version") != SCHEMA_VERSION:
            raise DatasetError(f"{path_stem}: cached dataset has another schema version")
        with np.load(path_stem.with_suffix(".npz")) as z:
            arrays = {k: z[k] for k in z.files}
        return cls(**meta, **arrays)


# ---------------------------------------------------------------------------------------------- cache key
def frame_digest(df: pd.DataFrame) -> str:
    """Content hash of a frame: column names, dtypes and every cell (row order matters; index ignored)."""
    h = hashlib.sha256()
    h.update(json.dumps([[str(c), str(t)] for c, t in df.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


def dataset_key(frames: Mapping[str, pd.DataFrame], params: Mapping) -> str:
    payload = {"schema_version": SCHEMA_VERSION, "params": dict(params),
               "inputs": {k: frame_digest(v) for k, v in sorted(frames.items())}}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------- building
def _require(df: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DatasetError(f"{what} lacks columns {missing}; has {list(df.columns)}")


def build_dataset(supplies: pd.DataFrame, node_features: pd.DataFrame, targets: pd.DataFrame, *,
                  max_edges: int = 300, cache_dir: str | Path | None = None) -> ForecastDataset:
    """Assemble (or load from ``cache_dir``) the dataset.

    ``supplies``: ``quarter`` (graph quarter), ``src``, ``dst`` (bea codes), ``flow_usd_millions``, ``coefficient``.
    ``node_features``: ``quarter`` (decision quarter), ``bea_code``, ``info_quarter``, ``as_of_date`` + numeric
    features. ``targets``: ``quarter``, ``bea_code``, ``go_growth``, ``excess_return``, ``known_date``.
    """
    _require(supplies, SUPPLIES_COLUMNS, "supplies")
    _require(node_features, ID_COLUMNS, "node_features")
    _require(targets, ("quarter", "bea_code", *NODE_TARGETS, "known_date"), "targets")
    params = {"max_edges": int(max_edges)}
    key = dataset_key({"supplies": supplies, "node_features": node_features, "targets": targets}, params)
    stem = Path(cache_dir) / f"dataset-{key[:16]}" if cache_dir is not None else None
    if stem is not None and stem.with_suffix(".json").exists() and stem.with_suffix(".npz").exists():
        return ForecastDataset.load(stem)
    ds = _assemble(supplies, node_features, targets, max_edges, key, params)
    if stem is not None:
        ds.save(stem)
    return ds


def _assemble(supplies, node_features, targets, max_edges, key, params) -> ForecastDataset:
    nf = node_features.copy()
    nf["quarter"] = nf["quarter"].astype(str)
    nf["bea_code"] = nf["bea_code"].astype(str)
    quarters = sorted(nf["quarter"].unique(), key=lambda q: pd.Period(q, "Q"))
    expected = [str(p) for p in pd.period_range(quarters[0], quarters[-1], freq="Q")]
    if quarters != expected:
        raise DatasetError(f"decision quarters must be contiguous; missing {sorted(set(expected) - set(quarters))}")
    industries = sorted(nf["bea_code"].unique())
    feats = [c for c in nf.columns if c not in ID_COLUMNS]
    bad = [c for c in feats if not pd.api.types.is_numeric_dtype(nf[c])]
    if bad:
        raise DatasetError(f"node feature columns must be numeric: {bad}")
    if nf.duplicated(["quarter", "bea_code"]).any():
        raise DatasetError("node_features has duplicated (quarter, bea_code) rows")
    full = pd.MultiIndex.from_product([quarters, industries], names=["quarter", "bea_code"])
    nfi = nf.set_index(["quarter", "bea_code"]).reindex(full)
    S, N = len(quarters), len(industries)
    x = nfi[feats].to_numpy(dtype=np.float32).reshape(S, N, len(feats))
    meta = nf.drop_duplicates("quarter").set_index("quarter").reindex(quarters)
    info_quarters = meta["info_quarter"].astype(str).tolist()
    as_of = [pd.Timestamp(d).date().isoformat() for d in meta["as_of_date"]]
    tg = targets.assign(quarter=targets["quarter"].astype(str), bea_code=targets["bea_code"].astype(str))
    tgi = tg.set_index(["quarter", "bea_code"]).reindex(full)
    y = tgi[list(NODE_TARGETS)].to_numpy(dtype=np.float32).reshape(S, N, len(NODE_TARGETS))
    kd = pd.to_datetime(tg.groupby("quarter")["known_date"].max()).reindex(quarters)
    known_date = [pd.Timestamp(d).date().isoformat() if pd.notna(d) else "9999-12-31" for d in kd]

    sup = supplies.assign(quarter=supplies["quarter"].astype(str), src=supplies["src"].astype(str),
                          dst=supplies["dst"].astype(str))
    sup = sup[sup["flow_usd_millions"] > 0]
    flow = sup.set_index(["quarter", "src", "dst"])["flow_usd_millions"]
    sales = sup.groupby(["quarter", "src"])["flow_usd_millions"].sum()
    pos = {c: i for i, c in enumerate(industries)}
    by_q = {q: g for q, g in sup.groupby("quarter")}
    ptr, ei, ea, ey = [0], [], [], []
    for L in info_quarters:
        e = by_q.get(L)
        if e is None:
            ptr.append(ptr[-1])
            continue
        e = e[e["src"].isin(pos) & e["dst"].isin(pos)].nlargest(max_edges, "flow_usd_millions")
        e = e.sort_values(["src", "dst"])
        f = e["flow_usd_millions"].to_numpy(float)
        prev_key = pd.MultiIndex.from_arrays([[str(pd.Period(L, "Q") - 1)] * len(e), e["src"], e["dst"]])
        next_key = pd.MultiIndex.from_arrays([[str(pd.Period(L, "Q") + 1)] * len(e), e["src"], e["dst"]])
        f_prev = flow.reindex(prev_key).to_numpy(float)
        f_next = flow.reindex(next_key).to_numpy(float)
        g0 = np.log(f) - np.log(f_prev)
        has = np.isfinite(g0)
        ss = f / sales.reindex(pd.MultiIndex.from_arrays([[L] * len(e), e["src"]])).to_numpy(float)
        ea.append(np.stack([np.log(e["coefficient"].to_numpy(float).clip(1e-12)), np.log(ss.clip(1e-12)),
                            np.where(has, g0, 0.0), has.astype(float)], axis=1))
        ey.append(np.log(f_next) - np.log(f))
        ei.append(np.stack([e["src"].map(pos).to_numpy(), e["dst"].map(pos).to_numpy()]))
        ptr.append(ptr[-1] + len(e))
    edge_index = np.concatenate(ei, axis=1).astype(np.int64) if ei else np.zeros((2, 0), dtype=np.int64)
    edge_attr = np.concatenate(ea).astype(np.float32) if ea else np.zeros((0, len(EDGE_FEATURES)), np.float32)
    edge_y = np.concatenate(ey).astype(np.float32) if ey else np.zeros(0, np.float32)
    return ForecastDataset(quarters=quarters, info_quarters=info_quarters, as_of=as_of, known_date=known_date,
                           industries=industries, feature_names=feats, x=x, y=y, edge_ptr=np.asarray(ptr, np.int64),
                           edge_index=edge_index, edge_attr=edge_attr, edge_y=edge_y, key=key, params=params)


# ---------------------------------------------------------------------------------------------- warehouse
WAREHOUSE_TABLES = ("bea_gdp_by_industry", "bea_io_summary", "market_fred", "market_ff_factors",
                    "market_sp500_prices", "market_sp500_constituents", "market_etf_prices", "sp500_membership")


def dataset_from_warehouse(home: str | Path, crosswalk: pd.DataFrame, *, supplies: pd.DataFrame | None = None,
                           graph_metrics: pd.DataFrame | None = None, max_edges: int = 300,
                           quarters: list[str] | None = None,
                           text_index: pd.DataFrame | None = None) -> ForecastDataset:
    """Build the dataset from the warehouse under ``home`` (cached under ``<home>/cache/gnn``).

    ``supplies``: quarterly SUPPLIES edges from the graph store; when ``None`` they are derived from the BEA tables
    (:func:`gnn.features.supplies_from_warehouse`). ``graph_metrics``: optional per-industry metrics keyed by graph
    quarter (e.g. AI-impact), joined to each snapshot's information quarter. ``text_index``: optional Beige Book
    index table (``<home>/text/index.parquet``), added as the node feature ``beige_index``
    (:func:`gnn.features.attach_text_index`, point in time by release date).
    """
    from ingest.warehouse import Warehouse

    from . import features as F

    wh = Warehouse(home)
    cache = Path(home) / "cache" / "gnn"
    # cheap outer key: warehouse manifests (parser version + input sha256s) + crosswalk + parameters + the release-date
    # table and the feature version (publication dates are applied here, not at ingest)
    manifests = {src: (wh.manifest(src) or {}).get("key") for src in ("bea", "market", "sp500")}
    outer = dataset_key({"crosswalk": crosswalk,
                         **({"supplies": supplies} if supplies is not None else {}),
                         **({"graph_metrics": graph_metrics} if graph_metrics is not None else {}),
                         **({"text_index": text_index} if text_index is not None else {})},
                        {"manifests": manifests, "max_edges": max_edges, "quarters": quarters,
                         "release_dates": calendar.release_table_digest(), "features_version": FEATURES_VERSION})
    pointer = cache / f"warehouse-{outer[:16]}.json"
    if pointer.exists():
        stem = cache / json.loads(pointer.read_text())["dataset"]
        if stem.with_suffix(".npz").exists():
            return ForecastDataset.load(stem)
    tables = {n: wh.read(n) for n in WAREHOUSE_TABLES if n != "bea_io_summary"}
    nf, tg = F.node_features_and_targets(tables, crosswalk, quarters)
    if graph_metrics is not None:
        nf = F.attach_graph_quarter_metrics(nf, graph_metrics)
    if text_index is not None:
        nf = F.attach_text_index(nf, text_index)
    if supplies is None:
        supplies = F.supplies_from_warehouse(tables["bea_gdp_by_industry"], wh.read("bea_io_summary"))
    ds = build_dataset(supplies[list(SUPPLIES_COLUMNS)], nf, tg, max_edges=max_edges, cache_dir=cache)
    atomic_write_json(pointer, {"dataset": f"dataset-{ds.key[:16]}"})
    return ds
