"""Beige Book industry indexes: passages -> industries -> direction scores -> one index per industry and edition.

Pipeline (:func:`build`, one call from ``econgraph run``):

1. Passages (:mod:`scoring.text.passages`) of the 12 district reports of every edition (the National Summary
   restates the districts and is left out).
2. Embeddings: :class:`~scoring.text.passages.WordVectorEmbedder`.
3. Groups (:mod:`scoring.text.industries`): a passage under a section heading of a known group belongs to it. Every
   other passage (editions before 2003; summary sections) is classified by a **heading-supervised classifier**:
   multinomial logistic regression on the embeddings of up to 30,000 headed passages, labelled by their heading's
   group (or ``none`` for the headings on prices, wages and labour markets), which gives probabilities p(g | s);
   the passage joins argmax g when p >= tau_group. Similarity to the written group descriptions alone reached F1
   0.40 on the labelled sample, the classifier is measured in the report (``group_f1``). tau_group is calibrated
   on the labelled sample (:func:`scoring.text.labels.calibrate`; sample passages are never training data).
   Industry-specific attachment: cos(e(s), d_i) >= tau_industry for the most similar industry description,
   tau_industry calibrated on the sample through the industry's group.
4. Direction: the raters of :mod:`scoring.text.raters` (lexicon; embedding classifier trained on the sample's pass A
   plus lexicon weak labels).
5. Index of industry i in edition e, per rater r: I_r(i, e) = sum_s w_s x_s / sum_s w_s over the passages s attached
   to i, with x_s = p_up - p_down and w_s = 1 - p_na, using the industry-specific passages when there are at least
   :data:`MIN_INDUSTRY_PASSAGES` (3) of them (``level`` = ``industry``) and otherwise those of the industry's
   groups (``level`` = ``group``). The index is
   the mean over raters, ``band_low``/``band_high`` the lowest and highest rater index (rater band), ``index_se`` the
   weighted standard error sqrt(sum w^2 (x - I)^2) / sum w of the rater-averaged passage scores. Aspect indexes
   ``prices``, ``wages``, ``employment``: the same mean over the attached passages that mention the aspect
   (NaN when none does). Scale: -1 (all down) .. +1 (all up).

Point in time: every row carries ``published_date`` = the edition's release date; nothing else enters a row.
The rater trained on the labelled sample uses passages from all years (the rubric is fixed, not fitted to outcomes);
the evaluation (:mod:`scoring.text.evaluate`) states this.

Outputs under ``<home>/text/``: ``passages.parquet`` (passage, edition, district, heading, text key, rater scores),
``attachments.parquet``, ``index.parquet``, ``coverage.parquet``, ``report.json`` and ``_manifest.json`` whose key
(text source key, code of this package, labelled sample) makes a re-run with unchanged inputs free. All written
atomically (temporary directory, then swapped in).
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ingest.storage import atomic_directory
from ingest.text import NATIONAL

from . import industries as ind
from .labels import SAMPLE_PATH, calibrate, cohen_kappa, cross_validated, load_sample, pass_agreement, \
    rater_agreement
from .passages import WordVectorEmbedder, passages
from .raters import EmbeddingDirectionRater, LexiconRater

TEXT_DIR = "text"
MANIFEST = "_manifest.json"
MAX_GROUP_TRAIN = 30_000
MIN_INDUSTRY_PASSAGES = 3
_NONE_HEADINGS = r"^(?:prices?|wages?|labor|employment|prices and|wages and|employment,|employment and)"


def _say(progress: Callable[[str], None] | None, msg: str) -> None:
    if progress:
        progress(msg)


def build_key(warehouse, editions=None) -> str:
    man = warehouse.manifest("text")
    if man is None:
        raise FileNotFoundError("the text source is not in the warehouse; run `econgraph ingest --source text`")
    h = hashlib.sha256(man["key"].encode())
    h.update(repr(None if editions is None else sorted(editions)).encode())
    for p in sorted(Path(__file__).resolve().parent.glob("*.py")) + [SAMPLE_PATH]:
        h.update(p.read_bytes())
    return h.hexdigest()


def out_dir(home: str | Path) -> Path:
    return Path(home) / TEXT_DIR


def build(warehouse, home: str | Path, *, force: bool = False, progress=None, editions=None) -> dict:
    """Build (or reuse) the Beige Book indexes under ``<home>/text``; return the report. ``editions`` restricts the
    build to those release dates (tests); the default is every edition."""
    t0 = time.perf_counter()
    key = build_key(warehouse, editions)
    dest = out_dir(home)
    if not force and (dest / MANIFEST).exists() and json.loads((dest / MANIFEST).read_text()).get("key") == key:
        report = json.loads((dest / "report.json").read_text())
        report["cached"] = True
        return report
    timings: dict[str, float] = {}

    def lap(name: str, t: float) -> float:
        timings[name] = round(time.perf_counter() - t, 2)
        _say(progress, f"text: {name} {timings[name]:.1f}s")
        return time.perf_counter()

    t = time.perf_counter()
    docs = warehouse.read("text_beige_book")
    docs = docs[docs["district"] != NATIONAL]
    if editions is not None:
        unknown = sorted(set(editions) - set(docs["edition"]))
        if unknown:
            raise ValueError(f"no Beige Book edition released on {', '.join(unknown[:5])}")
        docs = docs[docs["edition"].isin(list(editions))]
    P = passages(docs).reset_index(drop=True)
    sample = load_sample()
    t = lap("passages", t)
    emb = WordVectorEmbedder(P["text"])
    C = emb.corpus_counts
    E = emb.embed_counts(C)
    E_sample = emb.encode(sample["text"].tolist())
    t = lap("embeddings", t)

    # ---- groups: heading-supervised classifier, calibrated on the sample
    groups = list(ind.GROUPS)
    head_groups = [ind.group_of_heading(h) for h in P["heading"].tolist()]
    heading = P["heading"].fillna("")
    none_head = heading.str.lower().str.match(_NONE_HEADINGS).to_numpy()
    single = np.array([len(g) == 1 for g in head_groups])
    label = np.where(single, [g[0] if len(g) == 1 else "" for g in head_groups], np.where(none_head, "none", ""))
    train = np.flatnonzero((label != "") & ~P["text"].isin(set(sample["text"])).to_numpy())
    rng = np.random.default_rng(0)
    train = np.sort(rng.choice(train, size=min(MAX_GROUP_TRAIN, len(train)), replace=False))
    from sklearn.linear_model import LogisticRegression

    classes = groups + ["none"]
    with threadpool_limits(limits=1, user_api="blas"):
        gclf = LogisticRegression(C=1.0, max_iter=500).fit(E[train], [classes.index(v) for v in label[train]])
        gp = gclf.predict_proba(E)
        gp_sample = gclf.predict_proba(E_sample)
    cls = np.array(classes)[gclf.classes_]

    def group_pred(p):
        sub = p.copy()
        sub[:, cls == "none"] = -1
        return cls[sub.argmax(axis=1)], sub.max(axis=1)

    s_group, s_val = group_pred(gp_sample)
    truth = sample["group_a"].to_numpy(dtype=object)
    tau_group, f1_group = calibrate(s_val, s_group, truth)
    # baseline reported: similarity to the written descriptions
    G = emb.encode(ind.group_descriptions().tolist())
    sim = E_sample @ G.T
    _, f1_sim = calibrate(sim.max(axis=1), np.array(groups)[sim.argmax(axis=1)], truth)
    bea = warehouse.read("bea_industries")
    xw = warehouse.read("xwalk_bea_naics")
    desc = ind.industry_descriptions(bea, xw)
    codes = desc.index.tolist()
    D = emb.encode(desc.tolist())
    isim_s = E_sample @ D.T
    code_group = {c: g for g in groups for c in ind.GROUPS[g][2]}
    ind_as_group = np.array([code_group.get(codes[k], "none") for k in isim_s.argmax(axis=1)], dtype=object)
    tau_industry, f1_industry = calibrate(isim_s.max(axis=1), ind_as_group, truth,
                                          grid=np.round(np.arange(0.3, 1.0, 0.01), 2))
    t = lap("groups", t)

    # ---- attachments
    all_g, all_v = group_pred(gp)
    isim = E @ D.T
    i_best, i_val = isim.argmax(axis=1), isim.max(axis=1)
    member = np.zeros((len(P), len(groups)), dtype=bool)
    for k, hg in enumerate(head_groups):
        for g in hg:
            member[k, groups.index(g)] = True
    free = ~member.any(axis=1) & (all_v >= tau_group)
    member[np.flatnonzero(free), [groups.index(g) for g in all_g[free]]] = True
    parts = []
    for gi, g in enumerate(groups):
        idx = np.flatnonzero(member[:, gi])
        for c in ind.GROUPS[g][2]:
            parts.append(pd.DataFrame({"passage": idx, "bea_code": c, "level": "group"}))
    idx = np.flatnonzero(i_val >= tau_industry)
    parts.append(pd.DataFrame({"passage": idx, "bea_code": np.array(codes, dtype=object)[i_best[idx]],
                               "level": "industry"}))
    att = pd.concat(parts, ignore_index=True).drop_duplicates()
    t = lap("attach", t)

    # ---- raters
    lex = LexiconRater()
    lex_all = lex.score(P)
    t = lap("lexicon rater", t)
    weak_rater = EmbeddingDirectionRater(emb)
    weak = weak_rater.weak_labels(P, exclude=set(sample["text"]))
    emb_rater = EmbeddingDirectionRater(emb).fit(sample, weak)
    emb_all = emb_rater.score_embeddings(E)
    cv_emb = cross_validated(sample, lambda: EmbeddingDirectionRater(emb), weak)
    t = lap("embedding rater", t)
    raters = {"lexicon": lex_all, "embedding": emb_all}
    scored = P[["edition", "district", "heading", "text"]].copy()
    scored["published_date"] = pd.to_datetime(scored["edition"])
    for name, df in raters.items():
        scored[f"score_{name}"] = df["score"].to_numpy()
        scored[f"weight_{name}"] = df["weight"].to_numpy()
        scored[f"direction_{name}"] = df["direction"].to_numpy()
    scored["score"] = np.mean([df["score"].to_numpy() for df in raters.values()], axis=0)
    scored["weight"] = np.mean([df["weight"].to_numpy() for df in raters.values()], axis=0)
    asp = ind.aspects(C, emb.vocab)
    for a in ind.ASPECTS:
        scored[a] = asp[a].to_numpy()

    index = aggregate(scored, att, list(raters), bea)
    coverage = coverage_table(index, bea, docs["edition"].nunique())
    t = lap("aggregate", t)
    agreement = {
        "passes": pass_agreement(sample),
        "lexicon_vs_pass_a": rater_agreement(sample, lex.score(sample)["direction"]),
        "embedding_vs_pass_a_cv": rater_agreement(sample, cv_emb),
        "lexicon_vs_embedding_corpus_kappa": round(cohen_kappa(lex_all["direction"], emb_all["direction"]), 4),
    }
    report = {
        "key": key, "cached": False, "editions": int(docs["edition"].nunique()), "passages": int(len(P)),
        "attachments": int(len(att)), "weak_labels": int(len(weak)),
        "thresholds": {"tau_group": tau_group, "group_f1": round(f1_group, 4),
                       "group_f1_description_similarity": round(f1_sim, 4),
                       "tau_industry": tau_industry, "industry_f1_via_group": round(f1_industry, 4)},
        "agreement": agreement, "raters": {n: (lex.model if n == "lexicon" else emb_rater.model) for n in raters},
        "embedder": emb.model_id,
        "coverage": {"industries": int(index["bea_code"].nunique()),
                     "median_editions_per_industry": float(coverage["editions"].median()),
                     "min_editions": int(coverage["editions"].min())},
        "timings_s": timings, "seconds": round(time.perf_counter() - t0, 1),
    }
    scored = scored.drop(columns=["text"]).assign(text_key=[hashlib.sha256(x.encode()).hexdigest()[:16]
                                                            for x in P["text"]])
    with atomic_directory(dest) as tmp:
        scored.to_parquet(tmp / "passages.parquet", index=False)
        att.to_parquet(tmp / "attachments.parquet", index=False)
        index.to_parquet(tmp / "index.parquet", index=False)
        coverage.to_parquet(tmp / "coverage.parquet", index=False)
        (tmp / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
        (tmp / MANIFEST).write_text(json.dumps({"key": key}) + "\n")
    return report


def aggregate(scored: pd.DataFrame, att: pd.DataFrame, raters: list[str], bea: pd.DataFrame) -> pd.DataFrame:
    """One row per (bea_code, edition) (module docstring, step 5), computed from grouped sums:
    sum w(x - I)^2 weighted by w = sum w^2 x^2 - 2 I sum w^2 x + I^2 sum w^2."""
    cols = ["edition", "district", "published_date", "score", "weight", *ind.ASPECTS,
            *[f"{p}_{r}" for r in raters for p in ("score", "weight")]]
    j = att.join(scored[cols], on="passage")
    has_ind = j[j["level"] == "industry"].groupby(["bea_code", "edition"]).size().rename("n_ind")
    j = j.join(has_ind, on=["bea_code", "edition"])
    use_ind = j["n_ind"].fillna(0) >= MIN_INDUSTRY_PASSAGES
    j = j[(j["level"] == "industry") == use_ind].copy()
    x, w = j["score"].to_numpy(), j["weight"].to_numpy()
    j["_w"], j["_wx"], j["_w2"], j["_w2x"], j["_w2x2"] = w, w * x, w * w, w * w * x, w * w * x * x
    sums = ["_w", "_wx", "_w2", "_w2x", "_w2x2"]
    for r in raters:
        j[f"_w_{r}"] = j[f"weight_{r}"]
        j[f"_wx_{r}"] = j[f"weight_{r}"] * j[f"score_{r}"]
        sums += [f"_w_{r}", f"_wx_{r}"]
    for a in ind.ASPECTS:
        m = j[a].to_numpy().astype(float)
        j[f"_w_{a}"], j[f"_wx_{a}"], j[f"_n_{a}"] = w * m, w * x * m, m
        sums += [f"_w_{a}", f"_wx_{a}", f"_n_{a}"]
    g = j.groupby(["bea_code", "edition"], sort=True)
    agg = g[sums].sum()
    out = pd.DataFrame(index=agg.index)
    out["published_date"] = g["published_date"].first()
    with np.errstate(invalid="ignore", divide="ignore"):
        per = pd.DataFrame({r: agg[f"_wx_{r}"] / agg[f"_w_{r}"] for r in raters})
        out["index"] = per.mean(axis=1)
        out["band_low"], out["band_high"] = per.min(axis=1), per.max(axis=1)
        m = agg["_wx"] / agg["_w"]
        var = (agg["_w2x2"] - 2 * m * agg["_w2x"] + m * m * agg["_w2"]).clip(lower=0)
        out["index_se"] = np.sqrt(var) / agg["_w"]
        out["level"] = g["level"].first()
        out["n_passages"] = g.size()
        out["n_districts"] = g["district"].nunique()
        for r in raters:
            out[f"index_{r}"] = per[r]
        for a in ind.ASPECTS:
            out[a] = (agg[f"_wx_{a}"] / agg[f"_w_{a}"]).where(agg[f"_n_{a}"] > 0)
            out[f"n_{a}"] = agg[f"_n_{a}"].astype(int)
    out = out.reset_index()
    names = dict(zip(bea["bea_code"], bea["name"]))
    out.insert(1, "name", out["bea_code"].map(names))
    return out


def coverage_table(index: pd.DataFrame, bea: pd.DataFrame, n_editions: int) -> pd.DataFrame:
    """Per industry: editions with an index, of them at industry level, passages used, first and last edition."""
    g = index.groupby("bea_code")
    cov = pd.DataFrame({
        "editions": g.size(), "editions_industry_level": g["level"].apply(lambda s: int((s == "industry").sum())),
        "passages": g["n_passages"].sum(), "first": g["edition"].min(), "last": g["edition"].max()})
    cov = cov.reindex(bea["bea_code"]).fillna({"editions": 0, "editions_industry_level": 0, "passages": 0})
    cov["share_of_editions"] = cov["editions"] / n_editions
    cov.insert(0, "name", bea.set_index("bea_code")["name"])
    return cov.reset_index().astype({"editions": int, "editions_industry_level": int, "passages": int})


# ---------------------------------------------------------------------------------------------- reading
def load_index(home: str | Path) -> pd.DataFrame:
    path = out_dir(home) / "index.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; run `econgraph text build` (or `econgraph run`)")
    return pd.read_parquet(path)


def industry_series(home: str | Path, code: str, as_of: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """The index of one industry by edition (release-dated), optionally only editions released by ``as_of``."""
    idx = load_index(home)
    if code not in set(idx["bea_code"]):
        known = ", ".join(sorted(idx["bea_code"].unique()))
        raise KeyError(f"no Beige Book index for industry {code!r}; known: {known}")
    out = idx[idx["bea_code"] == code].sort_values("edition")
    if as_of is not None:
        out = out[out["published_date"] <= pd.Timestamp(as_of)]
    return out.reset_index(drop=True)


def index_as_of(home: str | Path, date: str | pd.Timestamp, codes=None) -> pd.DataFrame:
    """For the nowcaster: each industry's latest index released on or before ``date`` (one row per industry, with
    its ``edition`` and ``published_date``); nothing released after ``date`` is used."""
    idx = load_index(home)
    idx = idx[idx["published_date"] <= pd.Timestamp(date)]
    if codes is not None:
        idx = idx[idx["bea_code"].isin(list(codes))]
    return idx.sort_values("edition").groupby("bea_code", as_index=False).tail(1).reset_index(drop=True)
