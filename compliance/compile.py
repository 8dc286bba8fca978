"""Compile the rule set into convex (linear) cvxpy constraints for the optimizer.

Variable: ``w`` (cvxpy Variable, length n): long-only weights as fractions of net assets (NAV), one per row of the
securities table (same order). With today's prices p_j, units held are ``u_j = w_j * NAV / p_j`` and the fraction of
total assets is ``w_j * NAV / TA``. Cash is what the optimizer leaves uninvested.

Every regulatory limit is compiled *below* its legal limit by the rule's ``compile_buffer`` (config) plus a
numerical margin of 1e-6 (above solver tolerances), so that a solution feasible for the compiled constraints passes
the exact checker (:mod:`compliance.check`). Regulatory and prospectus constraints are never relaxable; internal ones
carry ``relaxable=True`` and a ``priority`` (lower relaxes first) for the optimizer's infeasibility fallback.

Bucket tests are not convex
---------------------------
"At least 75% of total assets in cash, Government securities, investment companies and issuers each held at
<= 5% of total assets and <= 10% of their voting securities" is a disjunction per issuer. The compiler picks the
day's *large bucket* L first, then constrains linearly:

* L = issuers of 'other securities' held today above ``5% - buffer`` of total assets or above ``10% - buffer`` of
  their voting securities, issuers whose voting securities outstanding are unknown (counted outside the bucket,
  the checker's worst case), plus the caller's ``large_candidates`` (issuers the portfolio manager wants to be
  allowed to grow above 5%).
* every issuer not in L:  issuer weight (total assets) <= 5% - buffer  and  units <= (10% - buffer) * voting
  securities outstanding;
* issuers in L together <= 25% - buffer of total assets (1 - 75%); if they already exceed that through market
  moves (a passive discrepancy, s.5(c)), no security of L may be increased and their total may not grow.

The same construction serves IRC s.851(b)(3)(A) (50%) and the internal 5/40 rule. Other acquisition-based limits
follow one pattern: a group (issuer, industry, fund) within its compiled cap gets ``sum <= cap``; one already above
it (passive) gets "no increase" on its securities. Securities whose data are missing (unknown shares outstanding,
ADV, notional, industry) are handled as the checker's worst case, or may not be increased.

Rule 12d1-1: money market fund shares whose conditions hold are left out of the s.12(d)(1)(A) rows (their columns
get no coefficient); those whose conditions are not on record are counted (worst case) unless skipped, and the
fund's policy row keeps non-conforming ones from growing. IRC s.851(b)(3)(B)(iii): flagged qualified publicly traded
partnerships (and unknown flags, unless skipped) together <= 25% - buffer of total assets.

Row blocks: every linear rule states its constraint as a sparse row block ``A @ w <= b`` (``scipy.sparse`` CSR,
``A``: m x n, ``b``: m), one block per compiled constraint. The optimizer reads the blocks directly
(:mod:`portfolio.fund_rules` stacks them into one matrix per severity); the cvxpy form ``A @ w <= b`` (one vectorised
constraint per block) is built only when asked for (``TaggedConstraint.constraint``, ``CompiledRules.as_list``), so a
day's compile costs array work, not expression trees.

The compiler lives in three modules: the records, the day's arrays and the row helpers
(:mod:`compliance.compile_base`), the diversification, concentration, names and liquidity compilers (here) and
those of the fund-of-funds, securities-related, derivatives, prospectus and internal rules
(:mod:`compliance.compile_funds`), as the rules themselves are split between :mod:`compliance.rules` and
:mod:`compliance.rules_funds`.

``missing_data="skip"`` (research backtests, never the default) leaves out instead every constraint that exists only
because a datum is missing: such securities are constrained by the rules whose data exist, and the exact checker
still reports the rules it cannot evaluate as ``not_evaluable``.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping

import cvxpy as cp
import numpy as np
import pandas as pd

from .compile_base import (MISSING_DATA_MODES, NUMERIC_MARGIN, CompiledRules, TaggedConstraint, _cap,  # noqa: F401
                           _Ctx, _group_caps, _Lin, _no_increase)
from .compile_funds import (_c_12d1_1, _c_12d1_i, _c_12d1_ii, _c_12d1_iii, _c_12d3_assets, _c_12d3_debt,
                            _c_12d3_equity, _c_18f4, _c_large_40, _c_max_weight, _c_ric_biii, _c_turnover)
from .data_age import mask_stale
from .inputs import ComplianceInputError, normalize_securities
from .rules import RuleSet


def compile_rules(
    w: cp.Variable,
    securities: pd.DataFrame,
    current_weights: np.ndarray | pd.Series,
    nav_usd: float,
    rules: RuleSet,
    *,
    prices: Mapping[str, float] | pd.Series | None = None,
    total_assets_usd: float | None = None,
    other_assets_usd: float = 0.0,
    borrowings_usd: float = 0.0,
    large_candidates: Iterable[str] = (),
    missing_data: str = "worst_case",
    as_of: date | None = None,
) -> CompiledRules:
    """Compile ``rules`` into linear constraints on ``w`` (see the module docstring).

    ``securities`` rows are in the order of ``w`` and follow the input schema of :mod:`compliance.inputs`, with a
    ``price`` column or ``prices``; ``current_weights`` are today's holdings as fractions of NAV (same order).
    ``missing_data``: ``"worst_case"`` (trading: missing data constrain as the checker's worst case) or ``"skip"``
    (research: constraints that exist only because a datum is missing are left out). ``as_of``: the decision date;
    with it, a datum older than a rule's maximum age (:mod:`compliance.data_age`) is missing for that rule.
    """
    if missing_data not in MISSING_DATA_MODES:
        raise ValueError(f"missing_data must be one of {MISSING_DATA_MODES}, got {missing_data!r}")
    cfg = rules.config
    order = securities["security_id"].astype(str).str.strip().tolist()
    sec = normalize_securities(securities, cfg).reindex(order)
    if prices is not None:
        sec["price"] = pd.Series(prices, dtype=float).reindex(order).to_numpy()
    if "price" not in sec.columns or sec["price"].isna().any() or (sec["price"] <= 0).any():
        raise ComplianceInputError("every security needs a positive price to compile the constraints",
                                   path="securities", column="price")
    if w.shape != (len(sec),):
        raise ComplianceInputError("the weight variable does not match the securities table", path="securities",
                                   expected=f"shape ({len(sec)},)", got=w.shape)
    w0 = np.asarray(current_weights, dtype=float).reshape(-1)
    if w0.shape != (len(sec),):
        raise ComplianceInputError("current weights do not match the securities table", path="current_weights",
                                   expected=f"{len(sec)} weights", got=len(w0))
    ta = float(total_assets_usd) if total_assets_usd is not None else float(nav_usd)
    ctx = _Ctx(w, sec, w0, float(nav_usd), ta, float(borrowings_usd), float(other_assets_usd), cfg, missing_data)
    out = CompiledRules()
    cands = {str(c) for c in large_candidates}
    for rule in rules:
        fn = _COMPILERS.get(rule.rule_id)
        if fn is None:
            continue
        params = rule.params
        cons: list[tuple[str, cp.Constraint]] = []
        rsec, aged = mask_stale(sec, cfg, rule.rule_id, as_of)
        rctx = ctx if not aged else _Ctx(w, rsec, w0, float(nav_usd), ta, float(borrowings_usd),
                                         float(other_assets_usd), cfg, missing_data)
        if aged:
            out.notes.append(f"{rule.rule_id}: " + "; ".join(f"{d} older than the rule's maximum age for "
                                                             f"{len(ids)} securities" for d, ids in aged.items()))
        fn(rctx, params, cons, out, cands, rule)
        for desc, c in cons:
            lin = isinstance(c, _Lin)
            out.constraints.append(TaggedConstraint(
                rule_id=rule.rule_id, severity=rule.severity, relaxable=rule.severity == "internal",
                priority=params.get("relax_priority") if rule.severity == "internal" else None,
                description=desc, constraint=None if lin else c, A=c.A if lin else None, b=c.b if lin else None,
                w=w))
    return out


# ------------------------------------------------------------------------------------------------ compilers
def _bucket(ctx: _Ctx, params: Mapping[str, Any], cons, out: CompiledRules, cands: set[str], rule,
            auto: np.ndarray) -> None:
    sec = ctx.sec
    buf = params.get("compile_buffer", {})
    a_cap = _cap(params["issuer_max_assets"], buf.get("issuer_assets", 0.0))
    v_cap = _cap(params["issuer_max_voting"], buf.get("issuer_voting", 0.0))
    other = ~auto
    names, G = ctx.groups(sec["issuer_id"], other)
    cur_ta = ctx.k * (G @ ctx.w0)
    GV, has_v, d, cur_v = ctx.voting_rows(names, G)
    unknown_v = has_v & np.isnan(d) & (not ctx.skip_missing)
    with np.errstate(invalid="ignore"):
        is_large = (cur_ta > a_cap) | unknown_v | (~np.isnan(cur_v) & (cur_v > v_cap)) \
            | np.isin(np.asarray(names, dtype=object), list(cands))
    large = [int(gi) for gi in np.flatnonzero(is_large)]
    small = [int(gi) for gi in np.flatnonzero(~is_large)]
    out.large_bucket[rule.rule_id] = sorted(names[gi] for gi in large)
    if small:
        cons.append((f"issuers outside the large bucket <= {a_cap:.6g} of total assets",
                     ctx.rows(ctx.k * G[small], a_cap)))
        capped = np.array(small)[has_v[small] & ~np.isnan(d[small])]
        if len(capped):
            cons.append((f"{len(capped)} issuers outside the large bucket: units <= {v_cap:.6g} of their voting "
                         f"securities", ctx.rows(GV[capped] * ctx.units_per_w[None, :], v_cap * d[capped])))
    l_cap = 1.0 - float(params["bucket_min"]) - float(buf.get("bucket", 0.0)) - ctx.other / ctx.ta - NUMERIC_MARGIN
    if large:
        row = G[large].sum(axis=0)
        cur = ctx.k * float(row @ ctx.w0)
        if cur <= l_cap:
            cons.append((f"large bucket {out.large_bucket[rule.rule_id]} <= {l_cap:.6g} of total assets",
                         ctx.rows(ctx.k * row, l_cap)))
        else:
            idx = np.flatnonzero(row)
            cons.append((f"large bucket above {l_cap:.6g} today ({cur:.6g}): passive, no increase",
                         ctx.rows(ctx.sel(idx), ctx.w0[idx])))


def _c_ica5b1(ctx, params, cons, out, cands, rule) -> None:
    auto = ctx.mask(ctx.sec["asset_type"].isin(["government", "investment_company"]))
    _bucket(ctx, params, cons, out, cands, rule, auto)


def _c_ric_a(ctx, params, cons, out, cands, rule) -> None:
    s = ctx.sec
    auto = ctx.mask(s["asset_type"].eq("government") | (s["asset_type"].eq("investment_company") & s["is_ric"]))
    _bucket(ctx, params, cons, out, cands, rule, auto)


def _c_ric_bi(ctx, params, cons, out, cands, rule) -> None:
    s = ctx.sec
    m = ctx.mask(~s["asset_type"].eq("government") & ~(s["asset_type"].eq("investment_company") & s["is_ric"]))
    names, G = ctx.groups(s["issuer_id"], m)
    cap = _cap(params["issuer_max_assets"], params.get("compile_buffer", {}).get("issuer_assets", 0.0))
    _group_caps(ctx, names, G, ctx.k, cap, "issuer (total assets)", cons)


def _c_ric_bii(ctx, params, cons, out, cands, rule) -> None:
    s = ctx.sec
    buf = params.get("compile_buffer", {})
    m = ctx.mask(~s["asset_type"].eq("government") & ~(s["asset_type"].eq("investment_company") & s["is_ric"]))
    names, G = ctx.groups(s["issuer_id"], m)
    c_cap = _cap(params["control_voting"], buf.get("control_voting", 0.0))
    GV, has_v, d, cur = ctx.voting_rows(names, G)
    known = ~np.isnan(d)
    consider = has_v & (known | (not ctx.skip_missing))
    with np.errstate(invalid="ignore"):
        ctl = consider & (~known | (cur > c_cap))
    controlled = [int(gi) for gi in np.flatnonzero(ctl)]
    below = np.flatnonzero(consider & ~ctl)
    if len(below):
        cons.append((f"{len(below)} issuers below control ({c_cap:.6g} of voting securities)",
                     ctx.rows(GV[below] * ctx.units_per_w[None, :], c_cap * d[below])))
    if len(controlled) < 1:
        return
    g_cap = _cap(params["group_max_assets"], buf.get("group_assets", 0.0))
    # each controlled issuer's first declared business group (None when none of its securities declares one)
    declared = s.loc[m & s["ric_business_group"].notna().to_numpy(), ["issuer_id", "ric_business_group"]]
    first_label = declared["ric_business_group"].groupby(declared["issuer_id"].astype(str)).first()
    group_of = {gi: (str(first_label[names[gi]]) if names[gi] in first_label.index else None) for gi in controlled}
    unknown = np.zeros(ctx.n)
    for gi, lab in group_of.items():
        if lab is None and not ctx.skip_missing:
            unknown += G[gi]
    labels = sorted({v for v in group_of.values() if v is not None})
    rows = [sum(G[gi] for gi, lab in group_of.items() if lab == L) for L in labels] or [np.zeros(ctx.n)]
    _group_caps(ctx, labels or ["(business unknown)"], np.vstack(rows), ctx.k, g_cap,
                "controlled issuers in one business", cons, extra=unknown)


def _c_industry(ctx, params, cons, out, cands, rule) -> None:
    s = ctx.sec
    col = ctx.config["classification"]["industry_column"]
    eligible = ~s["asset_type"].isin(["government", "investment_company", "derivative"])
    known = ctx.mask(eligible & s[col].notna())
    unknown = ctx.mask(eligible & s[col].isna()).astype(float) * (0.0 if ctx.skip_missing else 1.0)
    names, G = ctx.groups(s[col], known)
    scale = ctx.k if rule.basis == "total_assets" else 1.0
    cap = _cap(params["industry_max"], params.get("compile_buffer", {}).get("industry", 0.0))
    if not names and unknown.any():
        names, G = ["(unclassified)"], np.zeros((1, ctx.n))
    _group_caps(ctx, names, G, scale, cap, "industry", cons, extra=unknown)


def _c_names(ctx, params, cons, out, cands, rule) -> None:
    s = ctx.sec
    col = ctx.config["classification"]["name_qualifying_column"]
    q = (s[col].fillna(False).astype(bool) & ~s["asset_type"].eq("derivative")).to_numpy(bool)
    scale = ctx.nav / (ctx.nav + ctx.borrowings)
    need = float(params["qualifying_min"]) + float(params.get("compile_buffer", {}).get("qualifying", 0.0)) \
        + NUMERIC_MARGIN
    cur = scale * float(ctx.w0[q].sum())
    if cur >= need:
        cons.append((f"qualifying investments >= {need:.6g} of Assets", ctx.rows(-scale * q, -need)))
    else:
        cons.append((f"qualifying investments below {need:.6g} today ({cur:.6g}): may not fall further",
                     ctx.rows(-scale * q, -cur)))
        _no_increase(ctx, np.flatnonzero(~q), "no acquisition of non-qualifying investments during a departure", cons)


def _c_liquidity(ctx, params, cons, out, cands, rule) -> None:
    s = ctx.sec
    liq = ctx.config["liquidity"]
    buf = params.get("compile_buffer", {})
    rate = float(liq["participation_rate"])
    window = float(liq["sale_window_days"])
    adv = s["adv_shares"].to_numpy(float)
    given = s["liquidity_class"]
    with np.errstate(invalid="ignore"):
        full_cap = window * rate * adv / ctx.units_per_w  # weight at which days_to_sell = window
        safe_cap = max(window - float(buf.get("days", 0.0)), 0.0) * rate * adv / ctx.units_per_w
    ill = np.zeros(ctx.n, dtype=bool)
    for j in range(ctx.n):
        g = given.iloc[j]
        if g is not None and not (isinstance(g, float) and np.isnan(g)):
            ill[j] = g == "illiquid"
        elif np.isnan(adv[j]) or adv[j] <= 0 or ctx.w0[j] > full_cap[j]:
            ill[j] = True
    no_adv = np.isnan(adv) & given.isna().to_numpy() if ctx.skip_missing else np.zeros(ctx.n, dtype=bool)
    ill &= ~no_adv
    capped = np.flatnonzero(~ill & given.isna().to_numpy() & ~no_adv)
    if len(capped):
        cons.append((f"positions stay sellable within {window - float(buf.get('days', 0.0)):g} days at "
                     f"{rate:.0%} of ADV", ctx.rows(ctx.sel(capped), np.maximum(safe_cap[capped] - NUMERIC_MARGIN, 0.0))))
    idx = np.flatnonzero(ill)
    _no_increase(ctx, idx, "no acquisition of illiquid (or unclassifiable) investments", cons)
    cap = _cap(params["illiquid_max"], buf.get("illiquid", 0.0))
    if len(idx) and float(ctx.w0[idx].sum()) <= cap:
        cons.append((f"illiquid investments <= {cap:.6g} of net assets", ctx.rows(ctx.dot(idx, 1.0), cap)))


_COMPILERS = {
    "ica_5b1_diversification": _c_ica5b1,
    "irc_851b3A_50pct_bucket": _c_ric_a,
    "irc_851b3Bi_single_issuer": _c_ric_bi,
    "irc_851b3Bii_controlled_group": _c_ric_bii,
    "irc_851b3Biii_qualified_ptp": _c_ric_biii,
    "industry_concentration": _c_industry,
    "rule_35d1_names": _c_names,
    "rule_22e4_illiquid": _c_liquidity,
    "ica_12d1Ai_fund_voting": _c_12d1_i,
    "ica_12d1Aii_single_fund": _c_12d1_ii,
    "ica_12d1Aiii_all_funds": _c_12d1_iii,
    "rule_12d1_1_money_market": _c_12d1_1,
    "rule_12d3_1_equity_class": _c_12d3_equity,
    "rule_12d3_1_debt": _c_12d3_debt,
    "rule_12d3_1_assets": _c_12d3_assets,
    "rule_18f4_limited_user": _c_18f4,
    "prospectus_max_issuer_weight": _c_max_weight,
    "internal_large_issuers_40": _c_large_40,
    "internal_turnover": _c_turnover,
}
