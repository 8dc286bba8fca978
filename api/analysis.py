r"""Computations the API adds on top of the stored graph: final demand and the automation what-if.

**Industry final demand** (USD, annual rate), from the quarter's SUPPLIES flows ``Z`` (USD millions, SAAR) and gross
output ``x`` (USD): ``y_i = x_i - sum_j Z_ij`` (output not sold to other industries: consumption, investment,
government, exports less imports allocated to the industry). Supply-chain automatable dollars embodied in industry
``j``'s final demand are ``m_j y_j`` with ``m' = e' L`` (``supply_chain_automatable_per_usd_final_demand``).

**Automation what-if** (Leontief cost-push price model, Miller & Blair 2009, sec. 2.6): automation lowers labour cost
by a fraction ``r`` on the tasks whose score (for rater ``R``) is at least ``theta``, in the chosen industries ``S``.

* share of an occupation's work above the threshold, over the tasks ``R`` scored (the weights renormalised as in
  :mod:`graph.impact`): ``h(o) = sum_{t scored, s(t) >= theta} w(o, t) / sum_{t scored} w(o, t)`` (0 for an occupation
  with no scored task: it is left unchanged);
* labour-cost change of industry ``j`` (USD per year): ``dW_j = -r sum_o W(j, o) h(o)`` for ``j`` in ``S``, else 0,
  with ``W(j, o)`` the EMPLOYS wage bill (OEWS wages; benefits are not in OEWS, so the compensation change is
  understated by the benefit share);
* the labour cost a shock acts on cannot exceed the industry's value added ``VA_j = x_j (1 - sum_i A_ij)`` (wages
  are part of value added): ``dW_j`` is capped at ``max(VA_j, 0)`` in absolute value. Where the EMPLOYS wage bill
  on the shocked tasks exceeds it (an OEWS-to-BEA allocation that puts more wages into an industry than BEA
  measures as its value added, e.g. funds and trusts ``525``) the industry is flagged ``capped`` and the summary
  says so in ``warnings``. With the cap, ``dp_j = sum_i dv_i L_ij >= -sum_i v_i L_ij = -1``: no price falls
  below zero (checked on every answer);
* value-added coefficient change: ``dv_j = dW_j / x_j`` (USD per USD of output);
* price change of every industry: ``dp' = dv' L`` (:func:`graph.io_math.price_shock`), relative to base prices 1; the
  direct part is ``dv_j`` and the rest, ``dp_j - dv_j``, arrives through the supply chain;
* aggregate: the final-demand-weighted price change ``sum_j y_j dp_j / sum_j y_j`` (industries with ``y_j <= 0``
  get weight 0) and the labour cost saved ``-sum_j dW_j``.

Every summary carries the quarter's labour-layer flags: ``backcast`` (the occupation mix comes from a later OEWS
year, its wage level scaled to BEA compensation: :mod:`graph.labour`), ``oews_period`` and ``wage_scaling``.

Assumptions (stated in every answer): full pass-through of cost savings to prices, fixed technical coefficients
``A`` (no substitution), no change in profits, taxes or import prices, quantities unchanged.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from graph import io_math
from graph.schema import QuarterGraph

USD_PER_MILLION = 1_000_000.0

ASSUMPTIONS = ("full pass-through of labour-cost savings to prices (Leontief cost-push model, p' = p'A + v')",
               "technical coefficients A of the quarter fixed (no input substitution)",
               "labour cost = OEWS wage bill (wages; benefits not included)",
               "profits, taxes and import prices unchanged")


class WhatIfError(ValueError):
    """A what-if request that names something the quarter does not hold."""


def direct_requirements(qg: QuarterGraph) -> pd.DataFrame:
    """A (industry x industry) of the quarter from SUPPLIES coefficients, labelled by the quarter's industries."""
    codes = list(qg.industries["bea_code"])
    return qg.supplies.pivot(index="src_bea_code", columns="dst_bea_code", values="coefficient").reindex(
        index=codes, columns=codes).fillna(0.0).astype(float)


def gross_output_usd(qg: QuarterGraph) -> pd.Series:
    codes = list(qg.industries["bea_code"])
    return qg.impact.drop_duplicates("bea_code").set_index("bea_code")["gross_output_usd"].astype(float).reindex(codes)


def final_demand_usd(qg: QuarterGraph) -> pd.Series:
    """``y = x - Z 1`` in USD (annual rate), indexed by bea_code."""
    x = gross_output_usd(qg)
    sales = qg.supplies.groupby("src_bea_code")["flow_usd_millions"].sum().astype(float) * USD_PER_MILLION
    return (x - sales.reindex(x.index).fillna(0.0)).rename("final_demand_usd")


def value_added_usd(qg: QuarterGraph) -> pd.Series:
    """``VA_j = x_j (1 - sum_i A_ij)`` in USD (annual rate): what the quarter's price model leaves for value added."""
    x = gross_output_usd(qg)
    return (x * (1.0 - direct_requirements(qg).sum(axis=0).reindex(x.index))).rename("value_added_usd")


def _number(name: str, value: object, low: float, high: float, low_open: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise WhatIfError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise WhatIfError(f"{name} must be a finite number, got {value!r}")
    if (v <= low if low_open else v < low) or v > high:
        raise WhatIfError(f"{name} must be in {'(' if low_open else '['}{low:g}, {high:g}], got {value!r}")
    return v


def occupation_share_above(qg: QuarterGraph, rater: str, min_score: float) -> pd.Series:
    """``h(o)`` by soc: the scored task-weight share of the occupation with score >= ``min_score``."""
    scheme = qg.manifest.get("weight_scheme")
    perf = qg.performs
    if scheme is not None and scheme in set(perf["scheme"]):
        perf = perf[perf["scheme"] == scheme]
    sc = qg.task_scores[qg.task_scores["rater"] == rater][["task_id", "score"]]
    rows = perf[["soc", "task_id", "weight"]].merge(sc, on="task_id", how="inner")
    w = rows["weight"].astype(float)
    above = w.where(rows["score"].astype(float) >= min_score, 0.0)
    g = pd.DataFrame({"soc": rows["soc"], "w": w, "above": above}).groupby("soc")[["w", "above"]].sum()
    return (g["above"] / g["w"].where(g["w"] > 0)).fillna(0.0).rename("share_above")


@dataclass(frozen=True)
class WhatIfResult:
    industries: pd.DataFrame  # one row per industry, columns below
    summary: dict


class WhatIfModel:
    """Everything a what-if needs from one quarter, computed once: the LU factorisation of ``I - A``
    (:class:`graph.io_math.FactorizedInverse`), gross output ``x``, final demand ``y``, the value-added cap, and per
    rater the (occupation, weight, score) rows of PERFORMS and the (industry, occupation, wage bill) rows of EMPLOYS
    as integer-indexed arrays. A request is then two ``bincount`` passes and one triangular solve pair: the answer
    is the same as recomputing from the quarter's tables (:func:`automation_price_shock` is this model), in well
    under a millisecond of arithmetic instead of hundreds of milliseconds of joins."""

    def __init__(self, qg: QuarterGraph) -> None:
        self.quarter = str(qg.quarter)
        self.codes = list(qg.industries["bea_code"])
        self.code_index = pd.Index(self.codes)
        self.names = qg.industries.set_index("bea_code")["name"].reindex(self.codes)
        A = direct_requirements(qg)
        self.inverse = io_math.FactorizedInverse(A, name="A")
        self.x = gross_output_usd(qg)
        self.y = final_demand_usd(qg)
        self.va = (self.x * (1.0 - A.sum(axis=0).reindex(self.x.index))).rename("value_added_usd")
        self.limit = self.va.clip(lower=0.0).fillna(0.0).to_numpy()
        self.raters = sorted(set(qg.task_scores["rater"]))
        self.manifest = dict(qg.manifest or {})
        scheme = self.manifest.get("weight_scheme")
        perf = qg.performs
        if scheme is not None and scheme in set(perf["scheme"]):
            perf = perf[perf["scheme"] == scheme]
        self._perf = perf[["soc", "task_id", "weight"]]
        self._scores = qg.task_scores[["rater", "task_id", "score"]]
        emp = qg.employs[["bea_code", "soc", "wage_bill_usd"]].dropna(subset=["wage_bill_usd"])
        self.socs = pd.Index(sorted(set(self._perf["soc"]) | set(emp["soc"])))
        self._emp_ind = self.code_index.get_indexer(emp["bea_code"])
        self._emp_occ = self.socs.get_indexer(emp["soc"])
        self._emp_wage = emp["wage_bill_usd"].astype(float).to_numpy()
        keep = self._emp_ind >= 0
        self._emp_ind, self._emp_occ, self._emp_wage = self._emp_ind[keep], self._emp_occ[keep], self._emp_wage[keep]
        self._rater_rows: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def _rows(self, rater: str):
        """(occupation index, weight, score, scored weight per occupation) of the rater's scored PERFORMS rows."""
        r = self._rater_rows.get(rater)
        if r is None:
            with self._lock:
                r = self._rater_rows.get(rater)
                if r is None:
                    sc = self._scores[self._scores["rater"] == rater][["task_id", "score"]]
                    rows = self._perf.merge(sc, on="task_id", how="inner")
                    occ = self.socs.get_indexer(rows["soc"])
                    w = rows["weight"].astype(float).to_numpy()
                    total = np.bincount(occ, weights=w, minlength=len(self.socs))
                    r = (occ, w, rows["score"].astype(float).to_numpy(), total)
                    self._rater_rows[rater] = r
        return r

    def share_above(self, rater: str, min_score: float) -> np.ndarray:
        """``h(o)`` for every occupation of :attr:`socs` (0 for an occupation with no scored task)."""
        occ, w, score, total = self._rows(rater)
        above = np.bincount(occ, weights=np.where(score >= min_score, w, 0.0), minlength=len(self.socs))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, above / np.where(total > 0, total, 1.0), 0.0)

    def shock(self, rater: str, min_score: float, labour_cost_reduction: float,
              industries: list[str] | None = None) -> WhatIfResult:
        min_score = _number("min_score", min_score, 0.0, 1.0, low_open=False)
        labour_cost_reduction = _number("labour_cost_reduction", labour_cost_reduction, 0.0, 1.0, low_open=True)
        if industries is not None and (isinstance(industries, str)
                                       or not all(isinstance(c, str) for c in industries)):
            raise WhatIfError(f"industries must be a list of BEA codes (strings), got {industries!r}")
        if rater not in self.raters:
            raise WhatIfError(f"unknown rater {rater!r}; raters in {self.quarter}: {', '.join(self.raters)}")
        codes = self.codes
        chosen = codes if not industries else list(dict.fromkeys(industries))
        known = set(codes)
        unknown = [c for c in chosen if c not in known]
        if unknown:
            raise WhatIfError(f"unknown industry code(s) {unknown} in quarter {self.quarter}")
        h = self.share_above(rater, min_score)
        exposed = np.bincount(self._emp_ind, weights=self._emp_wage * h[self._emp_occ], minlength=len(codes))
        shocked = np.zeros(len(codes), dtype=bool)
        shocked[self.code_index.get_indexer(chosen)] = True
        d_w = np.where(shocked, -labour_cost_reduction * exposed, 0.0)
        capped = shocked & (-d_w > self.limit)
        d_w = np.where(capped, -self.limit, d_w)
        x = self.x.to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            dv = np.where(x > 0, d_w / np.where(x > 0, x, 1.0), 0.0)
        dv = np.nan_to_num(dv, nan=0.0)
        dp = self.inverse.left_apply(pd.Series(dv, index=self.code_index)).reindex(codes).to_numpy()
        out = pd.DataFrame({"bea_code": codes, "name": self.names.to_numpy(), "shocked": shocked,
                            "labour_cost_change_usd": d_w, "value_added_change_per_usd": dv, "price_change": dp,
                            "indirect_price_change": dp - dv, "final_demand_usd": self.y.to_numpy()})
        bad = ~np.isfinite(dp) | (dp < -1.0 - 1e-9)
        if bad.any():  # impossible once every shock is capped at value added; never serve a negative price
            k = int(np.flatnonzero(bad)[0])
            raise WhatIfError(f"quarter {self.quarter}: the price model gave a price change of {dp[k]!r} for "
                              f"{codes[k]} (a price below zero or not a number); the quarter's data are "
                              f"inconsistent")
        out["capped"] = capped
        out["value_added_usd"] = self.va.to_numpy()
        man = self.manifest
        layer = man.get("labour_layer") or {}
        backcast = bool(man.get("backcast", False))
        warnings: list[str] = []
        capped_codes = [c for c, k in zip(codes, capped) if k]
        if capped_codes:
            names_c = [f"{c} ({self.names[c]})" for c in capped_codes]
            warnings.append(f"{len(names_c)} industr{'y' if len(names_c) == 1 else 'ies'}: the wage bill on the "
                            f"shocked tasks exceeds value added, so the labour-cost change was capped at value "
                            f"added: {', '.join(names_c[:10])}{' ...' if len(names_c) > 10 else ''}")
        if backcast:
            warnings.append(f"{self.quarter} uses a backcast occupation layer (OEWS {man.get('oews_period')}, "
                            f"published {man.get('oews_published')}, after this quarter's information date); wage "
                            f"bills scaled to BEA compensation of the quarter")
        weights = self.y.clip(lower=0.0).to_numpy()
        agg = float((weights * dp).sum() / weights.sum()) if weights.sum() > 0 else float("nan")
        k = int(np.argmin(dp))
        summary = {
            "quarter": self.quarter, "rater": rater, "min_score": float(min_score),
            "labour_cost_reduction": float(labour_cost_reduction), "industries_shocked": chosen if industries else "all",
            "labour_cost_saved_usd": float(-d_w.sum()),
            "final_demand_weighted_price_change": agg,
            "largest_price_fall": {"bea_code": str(codes[k]), "price_change": float(dp[k])},
            "backcast": backcast, "oews_period": man.get("oews_period"),
            "wage_scaling": layer.get("wage_scaling", "none" if not backcast else "unscaled (built before scaling)"),
            "industries_capped": capped_codes,
            "warnings": warnings,
            "assumptions": list(ASSUMPTIONS),
        }
        return WhatIfResult(industries=out, summary=summary)


def automation_price_shock(qg: QuarterGraph, rater: str, min_score: float, labour_cost_reduction: float,
                           industries: list[str] | None = None) -> WhatIfResult:
    """Price effect of automating the tasks scored ``>= min_score`` by ``rater`` (module docstring for equations).

    Returns per industry: ``bea_code``, ``name``, ``shocked``, ``labour_cost_change_usd``,
    ``value_added_change_per_usd`` (``dv``), ``price_change`` (``dp``, relative), ``indirect_price_change``
    (``dp - dv``), ``final_demand_usd``, ``capped`` (labour-cost change capped at value added),
    ``value_added_usd``; and a summary with ``backcast``, ``oews_period``, ``wage_scaling``,
    ``industries_capped`` and ``warnings``. Raises :class:`WhatIfError` for a non-finite or out-of-range input.
    Serving code keeps one :class:`WhatIfModel` per quarter instead of calling this per request.
    """
    return WhatIfModel(qg).shock(rater, min_score, labour_cost_reduction, industries)
