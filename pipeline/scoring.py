"""Scoring services: run raters over every O*NET task, evaluate them, show one task's answers.

Outputs under ``<home>/scores/``:

* ``raw/<rater>.parquet``: each rater's answers (``scoring.rubric.SCORE_COLUMNS``) for every task it scored: O*NET
  29.1 and 30.1 task statements and the emerging tasks (negative ids, see ``scoring.raters.emerging_task_id``).
* ``task_scores.parquet``: what the graph build adds to the published human and GPT-4 labels: the model raters'
  scores plus the cross-rater ``consensus``, ``band_low`` and ``band_high`` variants, so every AI-impact figure is
  computed per rater and for the band (``econgraph impact --rater consensus`` ...). Re-run ``econgraph build``
  after scoring.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ingest.storage import atomic_write_json, atomic_write_parquet
from ingest.warehouse import Warehouse

from .settings import Settings

MODEL_RATERS = ("embedding", "llm")
#: the embedding rater of `score run`, `score evaluate` and the cross-fitting (see scoring.raters.embedding).
#: Chosen by the rater's inner 5-fold cross-validation on the training groups of the duplicate split (seed 0),
#: never on its test fold: out-of-fold log-loss / kappa_3class / kappa_binary were 0.709 / 0.446 / 0.573 for the
#: task text alone (C 0.1, argmax), 0.586 / 0.599 / 0.660 with the activity text (C 0.1, kappa decision),
#: 0.564 / 0.617 / 0.683 at C 0.03 and 0.553 / 0.619 / 0.690 at C 0.01.
EMBEDDING_CONFIG = {"features": "activities", "C": 0.01, "decision": "kappa"}
CONSENSUS_RUBRIC = "econgraph-consensus-1"


class ScoringError(ValueError):
    pass


def scores_dir(settings: Settings) -> Path:
    return settings.home / "scores"


def _tables(settings: Settings):
    wh = Warehouse(settings.home)
    for s in ("onet", "exposure"):
        if not wh.has(s):
            raise ScoringError(f"the warehouse lacks {s!r}: run `econgraph ingest` first")
    onet_tasks = wh.read("onet_tasks")
    emerging = wh.read("onet_emerging_tasks")
    labels = wh.read("exposure_eloundou_tasks")
    occ = wh.read("exposure_eloundou_occupations")[["onet_soc", "title"]].rename(columns={"title": "occupation_title"})
    titles = wh.read("onet_occupations").sort_values("release").drop_duplicates("onet_soc", keep="last")
    occ = pd.concat([occ, titles.loc[~titles["onet_soc"].isin(occ["onet_soc"]), ["onet_soc", "title"]]
                     .rename(columns={"title": "occupation_title"})], ignore_index=True)
    return onet_tasks, emerging, with_activities(labels.merge(occ, on="onet_soc", how="left"),
                                                 _activities(wh)), occ


def _activities(wh: Warehouse) -> pd.DataFrame:
    from scoring.activities import task_activities

    return task_activities(wh.read("onet_task_dwas"), wh.read("onet_dwa_reference"), wh.read("onet_iwa_reference"))


def with_activities(tasks: pd.DataFrame, activities: pd.DataFrame) -> pd.DataFrame:
    from scoring.activities import with_activities as attach

    return attach(tasks, activities)


def _rater(settings: Settings, name: str, labels: pd.DataFrame):
    if name == "embedding":
        from scoring.raters.embedding import Embedder, EmbeddingRater

        from scoring.groups import duplicate_groups

        emb = Embedder(cache_dir=settings.home / "cache" / "embeddings", device=settings.resolved_device())
        lab = labels[labels["human_exposure"].notna()].reset_index(drop=True)
        lab["fold_group"] = duplicate_groups(lab, emb.encode(lab["task_text"].tolist())).group
        rater = EmbeddingRater(embedder=emb, **EMBEDDING_CONFIG).fit(lab, label_column="human_exposure")
        rater.fold_groups_ = lab.drop_duplicates("onet_soc").set_index("onet_soc")["fold_group"]
        return rater
    if name == "llm":
        from scoring.raters.llm import LLMConfig, LLMRater

        if not (settings.llm_base_url and settings.llm_model):
            raise ScoringError("the llm rater needs ECONGRAPH_LLM_BASE_URL and ECONGRAPH_LLM_MODEL (and usually "
                               "ECONGRAPH_LLM_API_KEY)")
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        cfg = LLMConfig(base_url=settings.llm_base_url, model=settings.llm_model, api_key=key,
                        concurrency=settings.llm_concurrency)
        return LLMRater(cfg, scores_dir(settings) / "llm_cache.sqlite")
    if name in ("human", "gpt4"):
        from scoring.raters.published import PublishedRater

        return PublishedRater(labels, name=name)
    raise ScoringError(f"unknown rater {name!r}; expected one of embedding, llm, human, gpt4")


def run(settings: Settings, rater: str, limit: int | None = None) -> dict:
    """Score every task with ``rater`` and refresh the consensus (``limit``: first N tasks, for a trial)."""
    from scoring.raters import task_universe

    onet_tasks, emerging, labels, occ = _tables(settings)
    tasks = with_activities(task_universe(onet_tasks, emerging).merge(occ, on="onet_soc", how="left"),
                            _activities(Warehouse(settings.home)))
    if limit:
        tasks = tasks.head(limit)
    r = _rater(settings, rater, labels)
    scores = r.score(tasks)
    if rater == "embedding":
        scores = _cross_fitted(r, labels, tasks, scores)
    d = scores_dir(settings)
    atomic_write_parquet(d / "raw" / f"{rater}.parquet", scores)
    info = {"rater": rater, "tasks": int(len(tasks)), "scored": int(len(scores)),
            "by_class": scores["exposure_class"].value_counts().to_dict(), "model": getattr(r, "model", None)}
    stats = getattr(r, "last_run", None)
    if stats is not None:
        info["run"] = stats if isinstance(stats, dict) else getattr(stats, "__dict__", str(stats))
    info["consensus"] = refresh_consensus(settings, labels, tasks_all=task_universe(onet_tasks, emerging))
    return info


def refresh_consensus(settings: Settings, labels: pd.DataFrame, tasks_all: pd.DataFrame) -> dict:
    """Combine every rater available (published labels + model raters scored so far) into consensus and band."""
    from scoring.consensus import consensus
    from scoring.raters.published import published_raters

    parts = [p.score(tasks_all) for p in published_raters(labels)]
    raw = scores_dir(settings) / "raw"
    model_parts = [pd.read_parquet(raw / f"{n}.parquet") for n in MODEL_RATERS if (raw / f"{n}.parquet").exists()]
    allscores = pd.concat(parts + model_parts, ignore_index=True)
    cons = consensus(allscores)
    extra = []
    for m in model_parts:
        extra.append(m[["task_id", "rater", "exposure_class", "score", "rubric_version", "model"]])
    models = ",".join(sorted(allscores["rater"].unique()))
    for variant, col in (("consensus", "consensus_score"), ("band_low", "band_low"), ("band_high", "band_high")):
        extra.append(pd.DataFrame({"task_id": cons["task_id"], "rater": variant,
                                   "exposure_class": cons["consensus_class"] if variant == "consensus" else None,
                                   "score": cons[col], "rubric_version": CONSENSUS_RUBRIC,
                                   "model": f"{variant} of {models}"}))
    out = pd.concat(extra, ignore_index=True)
    out = out[out["task_id"] > 0].drop_duplicates(["task_id", "rater"])  # the graph holds O*NET tasks (ids > 0)
    atomic_write_parquet(scores_dir(settings) / "task_scores.parquet", out)
    return {"raters": models, "tasks": int(cons["task_id"].nunique()),
            "mean_band_width": float((cons["band_high"] - cons["band_low"]).mean())}


def _cross_fitted(rater, labels: pd.DataFrame, tasks: pd.DataFrame, full: pd.DataFrame) -> pd.DataFrame:
    """Out-of-fold answers for tasks that carry a human label.

    The embedding rater is trained on the human labels, so its in-sample answer for a labelled task would mostly echo
    that label and hide the disagreement the rater band should show. Labelled tasks therefore get the answer of the
    rater's inner fold model that was trained without their fold (:meth:`EmbeddingRater.score_out_of_fold`): the
    folds hold out near-duplicate groups (:func:`scoring.groups.duplicate_groups`: occupations joined by a shared
    6-digit SOC or by a near-duplicate task statement), so neither the task's occupation nor any copy of its statement
    under another occupation was in training. Unlabelled tasks (no published label, emerging tasks) keep the model
    trained on all labels. The ``model`` field says which.
    """
    lab = labels[labels["human_exposure"].notna()]
    groups = rater.fold_groups_
    sub = tasks[tasks["task_id"].isin(set(lab["task_id"].astype("int64"))) & tasks["onet_soc"].isin(groups.index)]
    oof = rater.score_out_of_fold(sub, sub["onet_soc"].map(groups).to_numpy()) if len(sub) else full.iloc[:0]
    rest = full[~full.set_index(["onet_soc", "task_id"]).index.isin(oof.set_index(["onet_soc", "task_id"]).index)]
    return pd.concat([oof, rest], ignore_index=True).sort_values(["onet_soc", "task_id"], ignore_index=True)


def evaluate(settings: Settings, seed: int = 0, split: str = "duplicate", n_boot: int = 2000) -> dict:
    """Each rater against the human labels on held-out fold groups (see scoring.evaluate).

    ``split="duplicate"`` (default) holds out the near-duplicate groups of :func:`scoring.groups.duplicate_groups`;
    ``split="occupation"`` the occupations alone (the former split, kept to measure what the leak was worth).
    The embedding rater also gets the occupation-bootstrap CI of its kappa minus GPT-4's.
    """
    from scoring.evaluate import evaluate as run_eval
    from scoring.groups import duplicate_groups
    from scoring.raters.embedding import Embedder, EmbeddingRater

    if split not in ("duplicate", "occupation"):
        raise ScoringError(f"unknown split {split!r}; expected duplicate or occupation")
    _, _, labels, _ = _tables(settings)
    emb = Embedder(cache_dir=settings.home / "cache" / "embeddings", device=settings.resolved_device())
    raters = [_rater(settings, "gpt4", labels), EmbeddingRater(embedder=emb, **EMBEDDING_CONFIG)]
    if settings.llm_base_url and settings.llm_model:
        raters.append(_rater(settings, "llm", labels))
    groups = grouping = None
    if split == "duplicate":
        g = duplicate_groups(labels, emb.encode(labels["task_text"].tolist()))
        groups, grouping = g.group, g.describe()
    out_dir = settings.home / "reports" / "scoring"
    suffix = "" if split == "duplicate" else f"_{split}"
    res = run_eval(labels, raters, seed=seed, plot_path=out_dir / f"reliability{suffix}.png", groups=groups,
                   grouping=grouping, compare=("embedding", "gpt4"), n_boot=n_boot)
    atomic_write_json(out_dir / f"evaluation{suffix}.json", res)
    return res


def show(settings: Settings, task_id: int) -> dict:
    """Every rater's answer for one task (with rationale where the rater gives one)."""
    onet_tasks, emerging, labels, _ = _tables(settings)
    rows = onet_tasks[onet_tasks["task_id"] == task_id]
    if rows.empty and task_id > 0:
        raise ScoringError(f"unknown task id {task_id}")
    text = rows["task_text"].iloc[-1] if len(rows) else None
    answers = []
    lab = labels[labels["task_id"] == task_id]
    for name, col in (("human", "human_exposure"), ("gpt4", "gpt4_exposure")):
        if len(lab) and pd.notna(lab[col].iloc[0]):
            answers.append({"rater": name, "exposure_class": lab[col].iloc[0], "source": "published_label"})
    raw = scores_dir(settings) / "raw"
    for n in MODEL_RATERS:
        p = raw / f"{n}.parquet"
        if p.exists():
            s = pd.read_parquet(p)
            s = s[s["task_id"] == task_id]
            for rec in s.to_dict("records"):
                answers.append({k: (None if isinstance(v, float) and v != v else v) for k, v in rec.items()
                                if k in ("rater", "exposure_class", "score", "p_E0", "p_E1", "p_E2", "model",
                                         "rubric_version", "source", "rationale")})
    return {"task_id": task_id, "text": text, "onet_soc": rows["onet_soc"].iloc[-1] if len(rows) else None,
            "answers": json.loads(json.dumps(answers, default=str))}
