"""Compilers of the fund-of-funds, securities-related, derivatives, prospectus and internal rules (the rules of
:mod:`compliance.rules_funds`), for :func:`compliance.compile.compile_rules`; the method is in that module's
docstring (caps below the legal limits, passive excess -> no increase, missing data as the checker's worst case
unless skipped)."""
from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd

from .compile_base import NUMERIC_MARGIN, _cap, _Ctx, _group_caps, _no_increase, _no_increase_missing
from .rules import mmf_status, security_flag


def _voting_caps(ctx: _Ctx, mask: np.ndarray, limit: float, buffer: float, what: str, cons) -> None:
    """Units of each issuer's voting securities (within ``mask``) <= (limit - buffer) * outstanding."""
    s = ctx.sec
    cap = _cap(limit, buffer)
    vm = mask & s["is_voting"].to_numpy(bool)
    names, G = ctx.groups(s["issuer_id"], vm)
    if not names:
        return
    GV, has_v, d, cur = ctx.voting_rows(names, G)
    for gi in np.flatnonzero(np.isnan(d)):
        _no_increase_missing(ctx, np.flatnonzero(G[gi]), f"{names[gi]}: voting securities outstanding unknown, "
                             f"no increase", cons)
    for gi in np.flatnonzero(~np.isnan(d) & (cur > cap)):
        _no_increase(ctx, np.flatnonzero(G[gi]), f"{names[gi]}: {what} above cap today, no increase", cons)
    ok = np.flatnonzero(~np.isnan(d) & (cur <= cap))
    if len(ok):
        cons.append((f"{len(ok)} issuers: {what} <= {cap:.6g}", ctx.rows(G[ok] * ctx.units_per_w[None, :],
                                                                      cap * d[ok])))


def _counted_funds(ctx: _Ctx) -> np.ndarray:
    """Investment company shares counted under s.12(d)(1)(A): all but the money market fund shares exempt under
    Rule 12d1-1; shares whose conditions are unknown count (the checker's worst case) unless missing data are
    skipped."""
    st = mmf_status(ctx.sec, ctx.config)
    counted = st.eq("counted") | (st.eq("unknown") & (not ctx.skip_missing))
    return ctx.mask(counted)


def _c_12d1_i(ctx, params, cons, out, cands, rule) -> None:
    elected = bool(ctx.config["fund"].get("elects_rule_12d1_4"))
    limit = params["control_max_voting_12d1_4" if elected else "fund_max_voting"]
    m = _counted_funds(ctx)
    _voting_caps(ctx, m, limit, params.get("compile_buffer", {}).get("fund_voting", 0.0),
                 "fraction of the acquired fund's voting securities", cons)


def _c_12d1_ii(ctx, params, cons, out, cands, rule) -> None:
    s = ctx.sec
    names, G = ctx.groups(s["issuer_id"], _counted_funds(ctx))
    cap = _cap(params["fund_max_assets"], params.get("compile_buffer", {}).get("fund_assets", 0.0))
    _group_caps(ctx, names, G, ctx.k, cap, "one acquired fund (total assets)", cons)


def _c_12d1_iii(ctx, params, cons, out, cands, rule) -> None:
    m = _counted_funds(ctx)
    if not m.any():
        return
    cap = _cap(params["funds_max_assets"], params.get("compile_buffer", {}).get("funds_assets", 0.0))
    _group_caps(ctx, ["all investment companies"], m[None, :].astype(float), ctx.k, cap,
                "all acquired funds (total assets)", cons)


def _c_12d1_1(ctx, params, cons, out, cands, rule) -> None:
    """Rule 12d1-1 policy: money market fund shares whose conditions do not hold (or, unless skipped, are not on
    record) together <= nonconforming_max of total assets; above it today: no increase."""
    s = ctx.sec
    mmf = security_flag(s, str(params.get("mmf_column", "is_money_market_fund"))).to_numpy(bool)
    st = mmf_status(s, ctx.config)
    bad = mmf & ~st.isin(["exempt", "unknown"]).to_numpy(bool)
    if not ctx.skip_missing:
        bad |= mmf & st.eq("unknown").to_numpy(bool)
    if not bad.any():
        return
    cap = max(_cap(params["nonconforming_max"], params.get("compile_buffer", {}).get("nonconforming", 0.0)), 0.0)
    _group_caps(ctx, ["money market fund shares outside Rule 12d1-1"], bad[None, :].astype(float), ctx.k, cap,
                "non-conforming money market fund shares (total assets)", cons)


def _c_ric_biii(ctx, params, cons, out, cands, rule) -> None:
    """IRC s.851(b)(3)(B)(iii): qualified publicly traded partnerships (unknown flags counted unless skipped)
    together <= 25% - buffer of total assets; above it today: no increase."""
    flag = security_flag(ctx.sec, str(params.get("column", "is_qualified_ptp")), nullable=True)
    m = flag.eq(True).fillna(False).to_numpy(bool)
    if not ctx.skip_missing:
        m |= flag.isna().to_numpy()
    if not m.any():
        return
    cap = _cap(params["qptp_max_assets"], params.get("compile_buffer", {}).get("qptp_assets", 0.0))
    _group_caps(ctx, ["qualified publicly traded partnerships"], m[None, :].astype(float), ctx.k, cap,
                "qualified publicly traded partnerships (total assets)", cons)


def _c_12d3_equity(ctx, params, cons, out, cands, rule) -> None:
    s = ctx.sec
    cap = _cap(params["class_max"], params.get("compile_buffer", {}).get("class", 0.0))
    rows, caps = [], []
    for j in np.flatnonzero(ctx.mask(s["is_securities_related"] & s["asset_type"].eq("equity"))):
        out_j = s["shares_outstanding"].iloc[j]
        if pd.isna(out_j):
            _no_increase_missing(ctx, np.array([j]), f"{s.index[j]}: class outstanding unknown, no increase", cons)
        elif ctx.w0[j] * ctx.units_per_w[j] <= cap * out_j:
            rows.append(([j], ctx.units_per_w[j]))
            caps.append(cap * out_j)
        else:
            _no_increase(ctx, np.array([j]), f"{s.index[j]}: above cap today, no increase", cons)
    if rows:
        cons.append((f"{len(rows)} securities-related classes: <= {cap:.6g} of the class",
                     ctx.rows(ctx.block(rows), np.array(caps))))


def _c_12d3_debt(ctx, params, cons, out, cands, rule) -> None:
    s = ctx.sec
    cap = _cap(params["debt_max"], params.get("compile_buffer", {}).get("debt", 0.0))
    m = ctx.mask(s["is_securities_related"] & s["asset_type"].eq("debt"))
    names, G = ctx.groups(s["issuer_id"], m)
    for gi, issuer in enumerate(names):
        idx = np.flatnonzero(G[gi])
        o = s["shares_outstanding"].iloc[idx].dropna()
        if not len(o):
            _no_increase_missing(ctx, idx, f"{issuer}: debt outstanding unknown, no increase", cons)
            continue
        d = float(o.max())
        if float((ctx.w0[idx] * ctx.units_per_w[idx]).sum()) <= cap * d:
            cons.append((f"{issuer}: <= {cap:.6g} of its debt", ctx.rows(ctx.dot(idx, ctx.units_per_w[idx]), cap * d)))
        else:
            _no_increase(ctx, idx, f"{issuer}: above cap today, no increase", cons)


def _c_12d3_assets(ctx, params, cons, out, cands, rule) -> None:
    s = ctx.sec
    names, G = ctx.groups(s["issuer_id"], ctx.mask(s["is_securities_related"]))
    cap = _cap(params["issuer_max_assets"], params.get("compile_buffer", {}).get("issuer_assets", 0.0))
    _group_caps(ctx, names, G, ctx.k, cap, "securities-related issuer (total assets)", cons)


def _c_18f4(ctx, params, cons, out, cands, rule) -> None:
    s = ctx.sec
    d = ctx.mask(s["asset_type"].eq("derivative") & ~s["is_hedge"])
    if not d.any():
        return
    notional = s["notional_per_unit_usd"].to_numpy(float)
    unknown = d & np.isnan(notional)
    _no_increase_missing(ctx, np.flatnonzero(unknown), "derivatives with unknown notional: no increase", cons)
    known = np.flatnonzero(d & ~np.isnan(notional))
    if len(known):
        coef = np.zeros(ctx.n)
        coef[known] = notional[known] * ctx.units_per_w[known] / ctx.nav
        cap = _cap(params["exposure_max"], params.get("compile_buffer", {}).get("exposure", 0.0))
        if float(coef @ ctx.w0) <= cap:
            cons.append((f"derivatives exposure <= {cap:.6g} of net assets", ctx.rows(coef, cap)))
        else:
            _no_increase(ctx, known, "derivatives exposure above cap today: no increase", cons)


def _c_max_weight(ctx, params, cons, out, cands, rule) -> None:
    s = ctx.sec
    names, G = ctx.groups(s["issuer_id"], ctx.mask(~s["asset_type"].eq("government")))
    cap = _cap(params["issuer_max_net_assets"], params.get("compile_buffer", {}).get("issuer", 0.0))
    _group_caps(ctx, names, G, 1.0, cap, "issuer (net assets)", cons)


def _c_large_40(ctx, params, cons, out, cands, rule) -> None:
    s = ctx.sec
    names, G = ctx.groups(s["issuer_id"], ctx.mask(~s["asset_type"].eq("government")))
    thr = float(params["large_issuer_threshold"]) - NUMERIC_MARGIN
    cur = G @ ctx.w0
    large = [gi for gi, n in enumerate(names) if cur[gi] > thr or n in cands]
    small = [gi for gi in range(len(names)) if gi not in set(large)]
    out.large_bucket[rule.rule_id] = sorted(names[gi] for gi in large)
    if small:
        cons.append((f"issuers outside the 5/40 set <= {thr:.6g} of net assets", ctx.rows(G[small], thr)))
    if large:
        cap = _cap(params["large_sum_max"], params.get("compile_buffer", {}).get("large_sum", 0.0))
        _group_caps(ctx, ["issuers above 5%"], G[large].sum(axis=0)[None, :], 1.0, cap, "5/40 sum", cons)


def _c_turnover(ctx, params, cons, out, cands, rule) -> None:
    cap = _cap(params["turnover_max"], params.get("compile_buffer", {}).get("turnover", 0.0))
    cons.append((f"one-way turnover <= {cap:.6g}", 0.5 * cp.norm1(ctx.w - ctx.w0) <= cap))
