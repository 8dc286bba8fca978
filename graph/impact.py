r"""AI-impact arithmetic: automatable wage dollars by industry, direct and through the supply chain.

Pure functions on tidy pandas tables (no file reading). For rater ``r``, industry ``i``, occupation ``o``, task ``t``:

* task score ``s_r(t)`` in [0, 1] (from exposure labels: :func:`score_from_labels`);
* occupation automatability ``a_r(o) = sum_t w(o, t) s_r(t) / sum_{t scored by r} w(o, t)`` with PERFORMS weights
  ``w(o, t)`` summing to 1 per occupation (:func:`task_weights`). Tasks a rater did not score are left out and the
  remaining weights renormalised; ``scored_weight`` reports the weight share actually scored;
* automatable wage bill ``W^A_r(i) = sum_o W(i, o) a_r(o)`` with ``W(i, o)`` the EMPLOYS wage bill (USD);
  occupations with no scored task at all contribute nothing to ``W^A`` and their wage bill is reported as
  ``unscored_wage_bill_usd`` (never silently dropped);
* ``automatable_share = W^A(i) / W(i)`` (NaN for an industry with no wage bill in EMPLOYS: unknown, not 0);
* direct intensity ``e_i = W^A(i) / x_i`` (automatable labour dollars per dollar of gross output; ``x`` is given
  in USD millions and converted to USD): this is also the automatable share of gross output;
* supply-chain content ``m' = e' L`` (``L = (I - A)^-1``, solved not inverted): automatable labour dollars
  embodied, across the whole supply chain, in one dollar of final demand for industry ``j``;
* forward exposure ``f = G e`` (``G = (I - B_g)^-1``, Ghosh): automatable labour dollars in the downstream output
  that one dollar of primary input into industry ``i`` enables.

Industries of the IO table with no EMPLOYS rows (e.g. farms, which OEWS does not survey) get zero wage bill and
``employment_covered = False``; their ``e_i = 0`` enters ``e L`` as such, so supply-chain content is a lower bound
where coverage is missing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
import pandas as pd

from .io_math import FactorizedInverse

__all__ = [
    "ImpactInputError",
    "SCORE_SCHEMES",
    "score_from_labels",
    "task_weights",
    "occupation_automatability",
    "ImpactResult",
    "industry_impact",
    "rater_band",
]

USD_PER_MILLION = 1_000_000.0

#: Exposure label -> task score. ``beta`` = E1 + 0.5 E2 (default), ``alpha`` = E1, ``zeta`` = E1 + E2
#: (Eloundou et al. 2024, "GPTs are GPTs", call the last one gamma).
SCORE_SCHEMES: dict[str, dict[str, float]] = {
    "alpha": {"E0": 0.0, "E1": 1.0, "E2": 0.0},
    "beta": {"E0": 0.0, "E1": 1.0, "E2": 0.5},
    "zeta": {"E0": 0.0, "E1": 1.0, "E2": 1.0},
}

#: Core/supplemental weights (Eloundou et al.'s ``coreweight``): core tasks count twice; a task without a type
#: counts as supplemental.
CORE_WEIGHTS: dict[str, float] = {"core": 2.0, "supplemental": 1.0}


class ImpactInputError(ValueError):
    """A table that the impact arithmetic cannot use: missing columns, bad values, duplicated keys."""


def _require_columns(frame: pd.DataFrame, name: str, columns: Sequence[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ImpactInputError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ImpactInputError(f"{name} lacks column(s) {missing}; it has {list(frame.columns)}")


def _require_unique(frame: pd.DataFrame, name: str, key: list[str]) -> None:
    dup = frame.duplicated(key, keep=False)
    if dup.any():
        first = frame.loc[dup, key].iloc[0].to_dict()
        raise ImpactInputError(f"{name} has {int(dup.sum())} rows with a duplicated key {key}, e.g. {first}")


def _require_numbers(frame: pd.DataFrame, name: str, column: str, key: list[str], low: float | None = None,
                     high: float | None = None) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce").astype(float)
    bad = ~np.isfinite(values.to_numpy())
    if low is not None:
        bad |= values.to_numpy() < low
    if high is not None:
        bad |= values.to_numpy() > high
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        where = frame.iloc[k][key].to_dict()
        bounds = f" in [{low}, {high}]" if high is not None else (f" >= {low}" if low is not None else "")
        raise ImpactInputError(f"{name} column {column!r} at {where}: expected a finite number{bounds}, got "
                               f"{frame[column].iloc[k]!r} ({int(bad.sum())} such rows)")
    return values


# ---------------------------------------------------------------------------------------------------------------
# scores and weights
# ---------------------------------------------------------------------------------------------------------------

def score_from_labels(labels: pd.Series, scheme: Literal["alpha", "beta", "zeta"] = "beta") -> pd.Series:
    r"""Task scores from exposure labels E0/E1/E2 (:data:`SCORE_SCHEMES`).

    ``beta``: ``s = 1[E1] + 0.5 1[E2]`` (default); ``alpha``: ``s = 1[E1]``; ``zeta``: ``s = 1[E1] + 1[E2]``.
    Labels are matched after trimming and upper-casing; anything else raises naming the value and its index.
    """
    if scheme not in SCORE_SCHEMES:
        raise ImpactInputError(f"unknown score scheme {scheme!r}; choose one of {sorted(SCORE_SCHEMES)}")
    if not isinstance(labels, pd.Series):
        raise ImpactInputError(f"labels must be a pandas Series, got {type(labels).__name__}")
    clean = labels.astype("string").str.strip().str.upper()
    scores = clean.map(SCORE_SCHEMES[scheme]).astype(float)
    bad = scores.isna()
    if bad.any():
        k = bad.to_numpy().nonzero()[0][0]
        raise ImpactInputError(f"exposure label at {labels.index[k]!r} is {labels.iloc[k]!r}: expected one of "
                               f"E0, E1, E2 ({int(bad.sum())} such labels)")
    return scores.rename(f"score_{scheme}")


def task_weights(tasks: pd.DataFrame, scheme: Literal["equal", "core", "onet"] = "equal") -> pd.DataFrame:
    r"""PERFORMS weights ``w(o, t)``, summing to 1 per occupation.

    ``tasks`` has one row per (``soc``, ``task_id``); other columns by scheme:

    * ``equal``: ``w = 1 / n_o`` (``n_o`` tasks of occupation ``o``);
    * ``core``: raw weight 2 for a ``task_type`` of "Core", 1 for "Supplemental" or a missing type
      (:data:`CORE_WEIGHTS`), normalised within the occupation;
    * ``onet``: raw weight ``importance x relevance`` (O*NET task ratings: importance 1-5, relevance 0-100),
      or ``importance`` alone when ``tasks`` has no ``relevance`` column; normalised within the occupation. A
      task without a rating raises (naming it): pick another scheme rather than guessing.

    Returns ``soc``, ``task_id``, ``weight``, ``scheme``. An occupation whose raw weights add to 0 raises.
    """
    _require_columns(tasks, "tasks", ["soc", "task_id"])
    _require_unique(tasks, "tasks", ["soc", "task_id"])
    key = ["soc", "task_id"]
    if scheme == "equal":
        raw = pd.Series(1.0, index=tasks.index)
    elif scheme == "core":
        _require_columns(tasks, "tasks", ["task_type"])
        kind = tasks["task_type"].astype("string").str.strip().str.lower()
        raw = kind.map(CORE_WEIGHTS).astype(float)
        unknown = kind.notna() & raw.isna()
        if unknown.any():
            k = int(np.flatnonzero(unknown.to_numpy())[0])
            raise ImpactInputError(f"tasks column 'task_type' at {tasks.iloc[k][key].to_dict()}: expected Core, "
                                   f"Supplemental or empty, got {tasks['task_type'].iloc[k]!r}")
        raw = raw.fillna(CORE_WEIGHTS["supplemental"])
    elif scheme == "onet":
        _require_columns(tasks, "tasks", ["importance"])
        raw = _require_numbers(tasks, "tasks", "importance", key, low=0.0)
        if "relevance" in tasks.columns:
            raw = raw * _require_numbers(tasks, "tasks", "relevance", key, low=0.0)
    else:
        raise ImpactInputError(f"unknown weight scheme {scheme!r}; choose equal, core or onet")
    totals = raw.groupby(tasks["soc"]).transform("sum")
    empty = totals <= 0
    if empty.any():
        soc = tasks["soc"][empty].iloc[0]
        raise ImpactInputError(f"occupation {soc!r}: its task weights add to 0 under scheme {scheme!r}")
    return pd.DataFrame({"soc": tasks["soc"].to_numpy(), "task_id": tasks["task_id"].to_numpy(),
                         "weight": (raw / totals).to_numpy(), "scheme": scheme})


def _validated_performs(performs: pd.DataFrame) -> pd.DataFrame:
    _require_columns(performs, "performs", ["soc", "task_id", "weight"])
    _require_unique(performs, "performs", ["soc", "task_id"])
    out = performs[["soc", "task_id"]].copy()
    out["weight"] = _require_numbers(performs, "performs", "weight", ["soc", "task_id"], low=0.0, high=1.0)
    sums = out.groupby("soc")["weight"].sum()
    off = (sums - 1.0).abs() > 1e-9
    if off.any():
        raise ImpactInputError(f"performs weights must add to 1 per occupation; occupation {sums.index[off][0]!r} "
                               f"adds to {sums[off].iloc[0]:.12g} ({int(off.sum())} such occupations)")
    return out


def _validated_scores(scores: pd.DataFrame) -> pd.DataFrame:
    _require_columns(scores, "scores", ["task_id", "rater", "score"])
    _require_unique(scores, "scores", ["task_id", "rater"])
    out = scores[["task_id", "rater"]].copy()
    out["score"] = _require_numbers(scores, "scores", "score", ["task_id", "rater"], low=0.0, high=1.0)
    return out


def _task_shares(performs: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Per (rater, soc, task_id): ``share = w s / scored weight`` (adds up to ``a_r(o)``) and ``scored_weight``."""
    merged = _validated_performs(performs).merge(_validated_scores(scores), on="task_id", how="inner")
    merged["scored_weight"] = merged.groupby(["rater", "soc"])["weight"].transform("sum")
    merged = merged[merged["scored_weight"] > 0].copy()
    merged["share"] = merged["weight"] * merged["score"] / merged["scored_weight"]
    return merged[["rater", "soc", "task_id", "share", "scored_weight"]]


def occupation_automatability(performs: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    r"""``a_r(o) = sum_t w(o, t) s_r(t) / sum_{t scored} w(o, t)`` for every rater and occupation with a scored task.

    ``performs``: ``soc``, ``task_id``, ``weight`` (adds to 1 per occupation, else error). ``scores``: ``task_id``,
    ``rater``, ``score`` in [0, 1]. Returns ``rater``, ``soc``, ``automatability``, ``scored_weight``; an
    occupation none of whose tasks a rater scored has no row for that rater.
    """
    shares = _task_shares(performs, scores)
    out = shares.groupby(["rater", "soc"], sort=True).agg(automatability=("share", "sum"),
                                                          scored_weight=("scored_weight", "first"))
    return out.reset_index()


# ---------------------------------------------------------------------------------------------------------------
# industry figures
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImpactResult:
    """Impact figures; money in USD (not millions), intensities in USD per USD.

    * ``industries``: index (``rater``, ``bea_code``); columns ``wage_bill_usd``, ``automatable_wage_bill_usd``,
      ``automatable_share``, ``unscored_wage_bill_usd``, ``gross_output_usd``,
      ``automatable_share_of_gross_output`` (``e_i``), ``employment_covered`` and, when ``A`` / ``ghosh_B`` were
      given, ``supply_chain_automatable_per_usd_final_demand`` (``e L``) /
      ``forward_automatable_per_usd_primary_input`` (``G e``).
    * ``national``: index ``rater``; the sums, ``automatable_share`` and ``automatable_share_of_gross_output``.
    * ``top_occupations``: ``rater``, ``bea_code``, ``rank``, ``soc``, ``wage_bill_usd``, ``automatability``,
      ``scored_weight`` (task-weight share the rater scored), ``automatable_wage_bill_usd`` (top ``top_n`` per
      industry by automatable dollars).
    * ``top_tasks``: ``rater``, ``bea_code``, ``rank``, ``task_id``, ``automatable_wage_bill_usd`` (the task's
      dollars summed over the industry's occupations: ``sum_o W(i, o) w(o, t) s(t) / scored weight``).
    * ``band``: per ``bea_code``, the spread across raters (:func:`rater_band`).
    """

    industries: pd.DataFrame
    national: pd.DataFrame
    top_occupations: pd.DataFrame
    top_tasks: pd.DataFrame
    band: pd.DataFrame


def _validated_employs(employs: pd.DataFrame, industries: pd.Index) -> pd.DataFrame:
    _require_columns(employs, "employs", ["bea_code", "soc", "wage_bill_usd"])
    _require_unique(employs, "employs", ["bea_code", "soc"])
    out = employs[["bea_code", "soc"]].copy()
    out["wage_bill_usd"] = _require_numbers(employs, "employs", "wage_bill_usd", ["bea_code", "soc"], low=0.0)
    unknown = pd.Index(out["bea_code"].unique()).difference(industries)
    if len(unknown):
        raise ImpactInputError(f"employs has industries with no gross output: {list(unknown[:5])}"
                               + (f" ({len(unknown)} in all)" if len(unknown) > 5 else ""))
    return out


def _top(frame: pd.DataFrame, group: list[str], by: str, tie: str, n: int) -> pd.DataFrame:
    ordered = frame.sort_values(group + [by, tie], ascending=[True] * len(group) + [False, True], kind="mergesort")
    top = ordered.groupby(group, sort=False).head(n).copy()
    top.insert(len(group), "rank", top.groupby(group, sort=False).cumcount() + 1)
    return top.reset_index(drop=True)


def industry_impact(employs: pd.DataFrame, performs: pd.DataFrame, scores: pd.DataFrame,
                    gross_output_usd_millions: pd.Series, *, A: pd.DataFrame | None = None,
                    ghosh_B: pd.DataFrame | None = None, top_n: int = 5) -> ImpactResult:
    r"""Automatable wage dollars per industry and rater (module docstring for the equations).

    Parameters
    ----------
    employs : ``bea_code``, ``soc``, ``wage_bill_usd`` (USD, >= 0; one row per industry and occupation).
    performs : ``soc``, ``task_id``, ``weight`` (adds to 1 per occupation).
    scores : ``task_id``, ``rater``, ``score`` in [0, 1] (long: one row per task and rater).
    gross_output_usd_millions : industry gross output ``x`` (USD millions), indexed by ``bea_code``; defines the
        industries reported (every EMPLOYS industry must be in it).
    A : industry-by-industry direct requirements with the same codes, for ``e L``.
    ghosh_B : Ghosh allocation coefficients ``B_g`` with the same codes, for ``G e``.
    top_n : occupations and tasks listed per industry (0: none, which saves the industry x task expansion).
    """
    if not isinstance(gross_output_usd_millions, pd.Series):
        raise ImpactInputError("gross_output_usd_millions must be a pandas Series indexed by bea_code")
    if gross_output_usd_millions.index.has_duplicates:
        raise ImpactInputError("gross_output_usd_millions has duplicated industry codes")
    x_usd = gross_output_usd_millions.astype(float) * USD_PER_MILLION
    if not np.isfinite(x_usd.to_numpy()).all() or (x_usd < 0).any():
        k = int(np.flatnonzero(~(np.isfinite(x_usd.to_numpy()) & (x_usd.to_numpy() >= 0)))[0])
        raise ImpactInputError(f"gross output of {x_usd.index[k]!r} must be a finite number >= 0, got "
                               f"{gross_output_usd_millions.iloc[k]!r}")
    industries = pd.Index(x_usd.index, name="bea_code")
    emp = _validated_employs(employs, industries)
    shares = _task_shares(performs, scores)
    occ = shares.groupby(["rater", "soc"]).agg(automatability=("share", "sum"),
                                               scored_weight=("scored_weight", "first")).reset_index()
    raters = pd.Index(sorted(_validated_scores(scores)["rater"].unique()), name="rater")

    rows = emp.merge(pd.DataFrame({"rater": raters}), how="cross").merge(occ, on=["rater", "soc"], how="left")
    scored = rows["automatability"].notna()
    rows["automatable_wage_bill_usd"] = rows["wage_bill_usd"] * rows["automatability"].fillna(0.0)
    rows["unscored_wage_bill_usd"] = rows["wage_bill_usd"].where(~scored, 0.0)

    full = pd.MultiIndex.from_product([raters, industries], names=["rater", "bea_code"])
    sums = rows.groupby(["rater", "bea_code"])[
        ["wage_bill_usd", "automatable_wage_bill_usd", "unscored_wage_bill_usd"]].sum()
    ind = sums.reindex(full, fill_value=0.0)
    ind["employment_covered"] = pd.Series(True, index=sums.index).reindex(full, fill_value=False)
    ind["automatable_share"] = ind["automatable_wage_bill_usd"] / ind["wage_bill_usd"].where(
        ind["wage_bill_usd"] > 0)
    x_full = x_usd.reindex(full.get_level_values("bea_code")).to_numpy()
    ind["gross_output_usd"] = x_full
    stray = (x_full == 0) & (ind["automatable_wage_bill_usd"].to_numpy() > 0)
    if stray.any():
        raise ImpactInputError(f"industry {full[np.flatnonzero(stray)[0]][1]!r} has a wage bill but gross output 0")
    ind["automatable_share_of_gross_output"] = np.divide(
        ind["automatable_wage_bill_usd"].to_numpy(), x_full, out=np.zeros(len(ind)), where=x_full > 0)

    intensity = ind["automatable_share_of_gross_output"].unstack("bea_code").reindex(columns=industries)
    if A is not None:
        content = FactorizedInverse(A, name="A").left_apply(intensity)
        ind["supply_chain_automatable_per_usd_final_demand"] = content.stack().reindex(full).to_numpy()
    if ghosh_B is not None:
        forward = FactorizedInverse(ghosh_B, name="ghosh_B").apply(intensity.T)
        ind["forward_automatable_per_usd_primary_input"] = forward.T.stack().reindex(full).to_numpy()

    nat = ind.groupby(level="rater")[["wage_bill_usd", "automatable_wage_bill_usd", "unscored_wage_bill_usd",
                                      "gross_output_usd"]].sum()
    nat["automatable_share"] = nat["automatable_wage_bill_usd"] / nat["wage_bill_usd"].where(nat["wage_bill_usd"] > 0)
    nat["automatable_share_of_gross_output"] = nat["automatable_wage_bill_usd"] / nat["gross_output_usd"].where(
        nat["gross_output_usd"] > 0)

    occ_cols = ["rater", "bea_code", "soc", "wage_bill_usd", "automatability", "scored_weight",
                "automatable_wage_bill_usd"]
    if top_n > 0:
        top_occ = _top(rows[scored][occ_cols], ["rater", "bea_code"], "automatable_wage_bill_usd", "soc", top_n)
        task_rows = rows.loc[scored, ["rater", "bea_code", "soc", "wage_bill_usd"]].merge(shares, on=["rater", "soc"])
        task_rows["automatable_wage_bill_usd"] = task_rows["wage_bill_usd"] * task_rows["share"]
        task_sums = task_rows.groupby(["rater", "bea_code", "task_id"], as_index=False)[
            "automatable_wage_bill_usd"].sum()
        top_tasks = _top(task_sums, ["rater", "bea_code"], "automatable_wage_bill_usd", "task_id", top_n)
    else:  # the graph build stores only the industry figures: skip the (industry x task) expansion
        top_occ = pd.DataFrame(columns=occ_cols[:2] + ["rank"] + occ_cols[2:])
        top_tasks = pd.DataFrame(columns=["rater", "bea_code", "rank", "task_id", "automatable_wage_bill_usd"])

    return ImpactResult(industries=ind, national=nat, top_occupations=top_occ, top_tasks=top_tasks,
                        band=rater_band(ind))


def rater_band(industries: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Spread across raters per industry: ``min``, ``median``, ``max`` of each metric and ``n_raters``.

    ``industries`` is :attr:`ImpactResult.industries` (index ``rater``, ``bea_code``). ``columns`` defaults to
    the dollar, share and intensity metrics present. Returns one row per ``bea_code`` with columns
    ``(metric, stat)``.
    """
    if columns is None:
        columns = [c for c in ("automatable_wage_bill_usd", "automatable_share", "automatable_share_of_gross_output",
                               "supply_chain_automatable_per_usd_final_demand",
                               "forward_automatable_per_usd_primary_input") if c in industries.columns]
    grouped = industries.groupby(level="bea_code", sort=False)[list(columns)]
    band = grouped.agg(["min", "median", "max"])
    band[("n_raters", "count")] = industries.groupby(level="bea_code", sort=False).size()
    return band
