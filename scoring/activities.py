"""The work activities O*NET links to each task, as text a rater can read next to the task statement.

O*NET maps every task statement to one or more Detailed Work Activities (DWA, ~2,000 statements such as
"Prepare financial documents."), each DWA to one Intermediate Work Activity (IWA, ~330) under a Generalized Work
Activity. A DWA is shared by tasks of many occupations, so its wording tells a rater what kind of work a task is in
terms that recur across the whole taxonomy.

:func:`task_activities` joins ``onet_task_dwas`` -> ``onet_dwa_reference`` -> ``onet_iwa_reference`` and gives, per
(``onet_soc``, ``task_id``), the task's DWA titles and IWA titles, each joined by newlines in a fixed order (sorted
by DWA id; IWAs de-duplicated). Where a task is linked in several releases, the latest release's links are used
(the references of that same release name them). :func:`with_activities` adds the columns ``dwa_titles``,
``iwa_titles`` (empty string for a task without links, e.g. an emerging task) and ``occupation_title`` to a task
frame; rows are matched on (onet_soc, task_id) and, failing that, on task_id alone (O*NET Task IDs are global).
"""
from __future__ import annotations

import pandas as pd

ACTIVITY_COLUMNS = ("dwa_titles", "iwa_titles", "occupation_title")


def task_activities(task_dwas: pd.DataFrame, dwa_reference: pd.DataFrame,
                    iwa_reference: pd.DataFrame) -> pd.DataFrame:
    """One row per (onet_soc, task_id): ``dwa_titles`` and ``iwa_titles`` (newline-joined)."""
    for name, frame, cols in (("onet_task_dwas", task_dwas, ("release", "onet_soc", "task_id", "dwa_id")),
                              ("onet_dwa_reference", dwa_reference, ("release", "dwa_id", "iwa_id", "dwa_title")),
                              ("onet_iwa_reference", iwa_reference, ("release", "iwa_id", "iwa_title"))):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(f"task_activities: {name} lacks column(s) {missing}; got {list(frame.columns)}")
    links = task_dwas.loc[:, ["release", "onet_soc", "task_id", "dwa_id"]]
    latest = links.groupby(["onet_soc", "task_id"])["release"].transform("max")
    links = links[links["release"] == latest]
    dwa = dwa_reference.loc[:, ["release", "dwa_id", "iwa_id", "dwa_title"]]
    iwa = iwa_reference.loc[:, ["release", "iwa_id", "iwa_title"]]
    m = links.merge(dwa, on=["release", "dwa_id"], how="left").merge(iwa, on=["release", "iwa_id"], how="left")
    unnamed = m["dwa_title"].isna()
    if unnamed.any():
        row = m[unnamed].iloc[0]
        raise ValueError(f"task_activities: onet_task_dwas links task {row['task_id']} of {row['onet_soc']} "
                         f"(release {row['release']}) to DWA {row['dwa_id']!r}, absent from onet_dwa_reference")
    m = m.sort_values(["onet_soc", "task_id", "dwa_id"])

    def join_unique(s: pd.Series) -> str:
        return "\n".join(dict.fromkeys(str(x) for x in s.dropna()))

    out = m.groupby(["onet_soc", "task_id"], sort=True).agg(dwa_titles=("dwa_title", join_unique),
                                                             iwa_titles=("iwa_title", join_unique)).reset_index()
    out["task_id"] = out["task_id"].astype("int64")
    return out


def with_activities(tasks: pd.DataFrame, activities: pd.DataFrame,
                    occupation_titles: pd.DataFrame | None = None) -> pd.DataFrame:
    """``tasks`` with ``dwa_titles``, ``iwa_titles`` and ``occupation_title`` (kept if already present)."""
    out = tasks.drop(columns=[c for c in ("dwa_titles", "iwa_titles") if c in tasks.columns]).copy()
    out["task_id"] = out["task_id"].astype("int64")
    exact = out.loc[:, ["onet_soc", "task_id"]].merge(activities, on=["onet_soc", "task_id"], how="left")
    by_id = activities.drop_duplicates("task_id").set_index("task_id")
    for c in ("dwa_titles", "iwa_titles"):
        fallback = out["task_id"].map(by_id[c]).fillna("")
        out[c] = exact[c].where(exact[c].notna(), fallback).to_numpy(dtype=object)
    if "occupation_title" not in out.columns:
        if occupation_titles is None:
            raise ValueError("with_activities: tasks lack occupation_title and no occupation_titles were given")
        ordered = occupation_titles.sort_values("release") if "release" in occupation_titles.columns \
            else occupation_titles
        titles = ordered.drop_duplicates("onet_soc", keep="last").set_index("onet_soc")["title"]
        out["occupation_title"] = out["onet_soc"].map(titles)
    out["occupation_title"] = out["occupation_title"].fillna("")
    return out
