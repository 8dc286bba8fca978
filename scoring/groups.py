"""Fold groups that keep near-duplicate tasks and sibling occupations on one side of every split.

O*NET repeats task statements across occupations (word for word, or nearly), and the human label of a copy almost
always equals the original's. A split held out by occupation alone therefore lets a trained rater see the answer
to many "held-out" tasks through their twin in a training occupation. The groups built here close that leak.

Graph: one node per occupation (``onet_soc``). Two occupations are joined by an edge when

1. they share a 6-digit SOC code (the first seven characters ``NN-NNNN`` of the O*NET-SOC code, e.g. the
   ``.00`` occupation and its ``.01``/``.02`` specialisations), or
2. a task of one is a near duplicate of a task of the other: equal normalised text (lower case, every run of
   characters other than letters and digits replaced by one space, trimmed), or cosine similarity of their unit
   sentence embeddings ``>= threshold`` (0.95 by default; cos(a, b) = a·b for unit vectors).

The fold groups are the connected components of that graph (union-find with path halving and union by size).
Every task takes the group of its occupation, so a split by group is still a split by occupation, and no task has
a near duplicate, nor a sibling occupation, on the other side. The near-duplicate pairs are found by one blocked
matrix product E·Eᵀ over the unique normalised texts (``block`` rows at a time), never by a quadratic Python loop.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: the grouping used by :func:`scoring.evaluate.evaluate` and the cross-fitting, in words (printed in reports)
STRICT_DESCRIPTION = ("grouped folds: connected components of occupations joined by a shared 6-digit SOC or by a "
                      "near-duplicate task (equal normalised text or embedding cosine >= {threshold})")
OCCUPATION_DESCRIPTION = "occupation folds (onet_soc); near-duplicate task texts may fall on both sides"

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_text(text: str) -> str:
    """Lower case; every run of characters other than ASCII letters and digits -> one space; trimmed."""
    return _NON_ALNUM.sub(" ", str(text).lower()).strip()


class UnionFind:
    """Disjoint sets over 0..n-1 (path halving, union by size)."""

    def __init__(self, n: int):
        self.parent = np.arange(n)
        self.size = np.ones(n, dtype=int)

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return int(x)

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


@dataclass(frozen=True)
class DuplicateGroups:
    """Fold group of every task (aligned with the input rows) and what built it."""

    group: np.ndarray          # int group id per task row (0..n_groups-1, by first appearance)
    n_groups: int
    n_occupations: int
    largest_group_occupations: int
    exact_pairs: int           # union operations for equal normalised texts (occupation links)
    near_pairs: int            # unions that merged two components through cosine >= threshold only
    soc6_pairs: int            # union operations for a shared 6-digit SOC
    duplicated_tasks: int      # tasks with a near duplicate (exact or cosine) in another occupation
    threshold: float

    def describe(self) -> dict:
        return {"grouping": "duplicate", "description": STRICT_DESCRIPTION.format(threshold=self.threshold),
                "n_groups": self.n_groups, "n_occupations": self.n_occupations,
                "largest_group_occupations": self.largest_group_occupations,
                "occupation_links_exact_text": self.exact_pairs, "occupation_links_cosine": self.near_pairs,
                "occupation_links_soc6": self.soc6_pairs, "tasks_with_duplicate_elsewhere": self.duplicated_tasks,
                "cosine_threshold": self.threshold}


def near_duplicate_pairs(embeddings: np.ndarray, threshold: float = 0.95, block: int = 2048) -> np.ndarray:
    """Index pairs (i, j), i < j, of rows whose unit embeddings have cosine >= ``threshold`` (k × 2 int array)."""
    emb = np.asarray(embeddings, dtype=np.float32)
    if emb.ndim != 2:
        raise ValueError(f"near_duplicate_pairs: embeddings must be 2-D, got shape {emb.shape}")
    norms = np.linalg.norm(emb, axis=1)
    if len(emb) and not np.allclose(norms, 1.0, atol=1e-3):
        raise ValueError("near_duplicate_pairs: embeddings must be unit vectors (cosine = dot product); row "
                         f"{int(np.argmax(np.abs(norms - 1.0)))} has norm {norms[np.argmax(np.abs(norms - 1.0))]:.4f}")
    out = []
    for start in range(0, len(emb), block):
        sims = emb[start:start + block] @ emb.T
        i, j = np.nonzero(sims >= threshold)
        i = i + start
        keep = i < j
        out.append(np.column_stack([i[keep], j[keep]]))
    return np.concatenate(out) if out else np.zeros((0, 2), dtype=int)


def duplicate_groups(tasks: pd.DataFrame, embeddings: np.ndarray | None = None,
                     threshold: float = 0.95) -> DuplicateGroups:
    """Fold groups of ``tasks`` (columns ``onet_soc``, ``task_text``); ``embeddings`` are the unit sentence
    embeddings of ``task_text`` row by row (``None``: exact normalised text and SOC only)."""
    for c in ("onet_soc", "task_text"):
        if c not in tasks.columns:
            raise ValueError(f"duplicate_groups: tasks lack column {c!r}; got {list(tasks.columns)}")
    if embeddings is not None and len(embeddings) != len(tasks):
        raise ValueError(f"duplicate_groups: {len(embeddings)} embeddings for {len(tasks)} tasks")
    if not 0 < threshold <= 1:
        raise ValueError(f"duplicate_groups: threshold must be in (0, 1], got {threshold}")
    soc = tasks["onet_soc"].astype(str).to_numpy()
    occ_codes, occupations = pd.factorize(soc)
    uf = UnionFind(len(occupations))
    soc6_pairs = 0
    for _, members in pd.Series(np.arange(len(occupations))).groupby(
            pd.Series(occupations).str[:7].to_numpy()):
        m = members.to_numpy()
        for other in m[1:]:
            soc6_pairs += 1
            uf.union(int(m[0]), int(other))
    norm = pd.Series([normalise_text(t) for t in tasks["task_text"]])
    text_codes, _ = pd.factorize(norm)
    # occupations per normalised text: join them all (exact duplicates)
    exact_pairs = 0
    pairs = pd.DataFrame({"t": text_codes, "o": occ_codes}).drop_duplicates()
    for _, g in pairs.groupby("t"):
        o = g["o"].to_numpy()
        for other in o[1:]:
            exact_pairs += 1
            uf.union(int(o[0]), int(other))
    dup_text = pairs.groupby("t")["o"].transform("size").gt(1)
    dup_texts = set(pairs.loc[dup_text, "t"])
    near_pairs = 0
    near_texts: set[int] = set()
    if embeddings is not None and len(tasks):
        first_row = pd.Series(np.arange(len(tasks))).groupby(text_codes).first().to_numpy()  # one row per text
        uniq = np.asarray(embeddings)[first_row]
        occ_of_text = pairs.groupby("t")["o"].apply(list).to_dict()
        for a, b in near_duplicate_pairs(uniq, threshold):
            ta, tb = text_codes[first_row[a]], text_codes[first_row[b]]
            for oa in occ_of_text[ta]:
                for ob in occ_of_text[tb]:
                    if oa != ob:
                        near_texts.update((int(ta), int(tb)))
                        if uf.find(oa) != uf.find(ob):
                            near_pairs += 1
                            uf.union(oa, ob)
    roots = np.array([uf.find(i) for i in range(len(occupations))])
    group_of_occ, _ = pd.factorize(roots)
    group = group_of_occ[occ_codes]
    sizes = np.bincount(group_of_occ)
    dup_mask = np.isin(text_codes, list(dup_texts | near_texts))
    return DuplicateGroups(group=group.astype(int), n_groups=int(len(sizes)), n_occupations=int(len(occupations)),
                           largest_group_occupations=int(sizes.max()) if len(sizes) else 0,
                           exact_pairs=int(exact_pairs), near_pairs=int(near_pairs), soc6_pairs=int(soc6_pairs),
                           duplicated_tasks=int(dup_mask.sum()), threshold=float(threshold))
