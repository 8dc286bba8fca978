"""Rules on fund-of-funds holdings, securities-related issuers, derivatives and the fund's own limits.

ICA s.12(d)(1)(A)(i)-(iii) with the Rule 12d1-1 money market fund exemption and the Rule 12d1-4 election, Rule
12d3-1(b)(1)-(3), Rule 18f-4(c)(4), the prospectus issuer limit and the internal 5/40 and turnover limits. Each class
reads its thresholds from the configuration and compares amounts, not fractions (see :mod:`compliance.rule_base`).
"""
from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from .inputs import Book
from .rule_base import Measurement, Rule, issuer_voting_units, max_over, security_flag, units_over

MMF_RULE = "rule_12d1_1_money_market"


def mmf_status(pos: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    """Rule 12d1-1 status of each position: ``exempt`` (registered money market fund shares whose modelled
    conditions hold, the fund relying on the rule), ``counted`` (any other investment company shares: counted under
    s.12(d)(1)(A)), ``unknown`` (money market fund shares whose conditions are not on record) or ``n/a`` (not an
    investment company). Without the rule enabled in the configuration nothing is exempt."""
    params = config["rules"].get(MMF_RULE) or {}
    ic = pos["asset_type"].eq("investment_company")
    out = pd.Series("n/a", index=pos.index, dtype=object)
    out[ic] = "counted"
    if not params.get("enabled", False) or not ic.any():
        return out
    mmf = security_flag(pos, str(params.get("mmf_column", "is_money_market_fund")))
    cond = security_flag(pos, str(params.get("conditions_column", "mmf_no_sales_charge_or_offset")),
                         nullable=True)
    out[ic & mmf & cond.eq(True).fillna(False).astype(bool)] = "exempt"
    out[ic & mmf & cond.isna().to_numpy()] = "unknown"
    return out


def counted_funds(book: Book, config: Mapping[str, Any], case: str) -> pd.DataFrame:
    """Investment company positions counted under s.12(d)(1)(A): the worst case counts money market fund shares
    whose Rule 12d1-1 conditions are unknown, the best case does not."""
    pos = book.positions
    st = mmf_status(pos, config)
    keep = st.eq("counted") | (st.eq("unknown") if case == "worst" else False)
    return pos[keep & (pos["shares"] > 0)]


def _mmf_note(book: Book, config: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    st = mmf_status(book.positions, config)
    held = book.positions["shares"] > 0
    exempt = sorted(st.index[st.eq("exempt") & held])
    unknown = tuple(sorted(st.index[st.eq("unknown") & held]))
    parts = []
    if exempt:
        parts.append("exempt under Rule 12d1-1: " + ", ".join(exempt))
    if unknown:
        parts.append("Rule 12d1-1 conditions not on record (counted in the worst case): " + ", ".join(unknown))
    return unknown, "; ".join(parts)


class ICA12d1Ai(Rule):
    rule_id = "ica_12d1Ai_fund_voting"
    title = "Fund of funds: at most 3% of an acquired fund's voting securities"
    citation = "Investment Company Act of 1940 s.12(d)(1)(A)(i), 15 U.S.C. 80a-12(d)(1)(A)(i)"
    text = ("It is unlawful for a registered investment company to purchase or otherwise acquire any security issued "
            "by another investment company if, immediately after such purchase, it owns in the aggregate more than 3 "
            "per centum of the total outstanding voting stock of the acquired company.")
    basis = "issuer_voting"
    timing = "each_acquisition"
    subject = "issuer"
    required = ("fund_max_voting",)
    citation_12d1_4 = "Rule 12d1-4(b)(1) under the Investment Company Act, 17 CFR 270.12d1-4 (control condition)"
    text_12d1_4 = ("The fund relies on Rule 12d1-4 (fund of funds agreement in place): the 3%/5%/10% limits of "
                   "s.12(d)(1)(A) do not apply, but the acquiring fund and its advisory group may not control the "
                   "acquired fund (more than 25% of its voting securities, s.2(a)(9)).")

    @property
    def elected(self) -> bool:
        return bool(self.config["fund"].get("elects_rule_12d1_4"))

    def describe(self) -> dict[str, Any]:
        d = super().describe()
        if self.elected:
            d.update(citation=self.citation_12d1_4, text=self.text_12d1_4,
                     title="Fund of funds (Rule 12d1-4): no control of an acquired fund")
        return d

    def measure(self, book: Book) -> Measurement:
        limit = float(self.params["control_max_voting_12d1_4" if self.elected else "fund_max_voting"])
        mmf_unknown, mmf_note = _mmf_note(book, self.config)
        cases = {}
        for case in ("worst", "best"):
            funds = counted_funds(book, self.config, case)
            vu = issuer_voting_units(funds) if len(funds) else pd.DataFrame(columns=["held", "outstanding"])
            vu = vu[vu["held"] > 0]
            cases[case] = (vu, units_over(vu["held"], vu["outstanding"], limit))
        vu, over = cases["worst"]
        if vu.empty:
            return Measurement(value=0.0, best=0.0, limit=limit, kind="max", basis_usd=None, over=float("-inf"),
                               best_over=float("-inf"), unit="units",
                               note="; ".join(x for x in ("no investment company shares counted", mmf_note) if x))
        voting = vu["held"] / vu["outstanding"]
        unknown = tuple(sorted(voting.index[voting.isna()]))
        bvu, bover = cases["best"]
        bvoting = (bvu["held"] / bvu["outstanding"]).dropna()
        best = float(bvoting.max()) if len(bvoting) else 0.0
        worst = None if unknown else float(voting.max())
        return Measurement(value=worst, best=best, limit=limit, kind="max", basis_usd=None,
                           contributors=frozenset(over.index[over > self.tol_units]) | frozenset(unknown),
                           unknown=unknown + mmf_unknown, unit="units",
                           over=None if unknown else max_over(over), best_over=max_over(bover),
                           details=tuple({"subject": i, "voting": None if pd.isna(v) else float(v)}
                                         for i, v in voting.items()), note=mmf_note)


class ICA12d1Aii(Rule):
    rule_id = "ica_12d1Aii_single_fund"
    title = "Fund of funds: at most 5% of total assets in one acquired fund"
    citation = "Investment Company Act of 1940 s.12(d)(1)(A)(ii), 15 U.S.C. 80a-12(d)(1)(A)(ii)"
    text = ("... securities issued by the acquired company having an aggregate value in excess of 5 per centum of the "
            "value of the total assets of the acquiring company (measured immediately after the purchase).")
    basis = "total_assets"
    timing = "each_acquisition"
    subject = "issuer"
    required = ("fund_max_assets",)

    def measure(self, book: Book) -> Measurement:
        ta = book.total_assets_usd
        limit = float(self.params["fund_max_assets"])
        mmf_unknown, mmf_note = _mmf_note(book, self.config)
        val = counted_funds(book, self.config, "worst").groupby("issuer_id")["value_usd"].sum()
        bval = counted_funds(book, self.config, "best").groupby("issuer_id")["value_usd"].sum()
        v = float(val.max()) / ta if len(val) else 0.0
        b = float(bval.max()) / ta if len(bval) else 0.0
        return Measurement(value=v, best=b, limit=limit, kind="max", basis_usd=ta,
                           contributors=frozenset(val.index[self.is_over_usd(val, limit, ta)]),
                           unknown=mmf_unknown, over=max_over(self.usd_over(val, limit, ta)),
                           best_over=max_over(self.usd_over(bval, limit, ta)),
                           details=tuple({"subject": i, "pct_assets": float(x) / ta} for i, x in val.items()),
                           note=mmf_note)


class ICA12d1Aiii(Rule):
    rule_id = "ica_12d1Aiii_all_funds"
    title = "Fund of funds: at most 10% of total assets in all acquired funds"
    citation = "Investment Company Act of 1940 s.12(d)(1)(A)(iii), 15 U.S.C. 80a-12(d)(1)(A)(iii)"
    text = ("... securities issued by the acquired company and all other investment companies having an aggregate "
            "value in excess of 10 per centum of the value of the total assets of the acquiring company.")
    basis = "total_assets"
    timing = "each_acquisition"
    subject = "issuer"
    required = ("funds_max_assets",)

    def measure(self, book: Book) -> Measurement:
        ta = book.total_assets_usd
        limit = float(self.params["funds_max_assets"])
        mmf_unknown, mmf_note = _mmf_note(book, self.config)
        funds = counted_funds(book, self.config, "worst")
        total = float(funds["value_usd"].sum())
        btotal = float(counted_funds(book, self.config, "best")["value_usd"].sum())
        over = self.is_over_usd(total, limit, ta)
        return Measurement(value=total / ta, best=btotal / ta, limit=limit, kind="max", basis_usd=ta,
                           contributors=frozenset(funds["issuer_id"]) if over else frozenset(),
                           unknown=mmf_unknown, over=self.usd_over(total, limit, ta),
                           best_over=self.usd_over(btotal, limit, ta), note=mmf_note)


class Rule12d1_1MoneyMarket(Rule):
    """Rule 12d1-1: money market fund shares exempt from s.12(d)(1)(A) when its conditions hold.

    Modelled (data columns of the securities table, names in the config): the security is shares of a registered
    open-end fund regulated as a money market fund under Rule 2a-7 (``is_money_market_fund``, on an
    ``investment_company`` row), and condition (b)(1): the fund pays no sales charge or service fee (as defined
    in FINRA Rule 2341) on those shares, or its adviser waives enough of its advisory fee to offset them
    (``mmf_no_sales_charge_or_offset``; null = not on record). Not checkable from holdings and therefore not
    modelled: the (b)(2) conditions for an unregistered money market fund (the acquiring fund's reasonable belief
    that it operates under Rule 2a-7, complies with ss.17(a), (d), (e) and 18 as if registered, keeps the required
    books and records and has adopted the Rule 22e-3 procedures); unregistered funds are never exempt here. The
    exemption also reaches s.12(d)(1)(B), s.17(a) and s.57, which the library does not test.

    The exemption itself acts in the s.12(d)(1)(A) rules (exempt shares are left out; shares whose conditions are
    unknown are counted in the worst case). This row is the fund's policy that makes the exemption usable: money
    market fund shares are held only while the conditions hold. It measures the value of money market fund shares
    whose conditions do not hold (worst case: or are not on record) against ``nonconforming_max`` of total assets
    (0 by default), compared in money.
    """

    rule_id = MMF_RULE
    title = "Money market fund shares: Rule 12d1-1 conditions hold (exempt from s.12(d)(1)(A))"
    citation = ("Rule 12d1-1 under the Investment Company Act, 17 CFR 270.12d1-1(a), (b)(1); "
                "s.12(d)(1)(G)/(J), 15 U.S.C. 80a-12(d)(1)")
    text = ("Notwithstanding s.12(d)(1)(A) and (B), a registered investment company may acquire securities issued by "
            "a money market fund, provided the acquiring fund does not pay a sales charge or service fee (as defined "
            "in FINRA Rule 2341) on them, or its investment adviser waives a sufficient amount of its advisory fee to "
            "offset that cost; for an unregistered money market fund further conditions (Rule 2a-7 operation, "
            "ss.17 and 18 as if registered, records, Rule 22e-3 procedures) must be reasonably believed to hold.")
    basis = "total_assets"
    timing = "each_acquisition"
    subject = "security"
    required = ("nonconforming_max",)

    def measure(self, book: Book) -> Measurement:
        pos = book.positions
        ta = book.total_assets_usd
        limit = float(self.params["nonconforming_max"])
        mmf = security_flag(pos, str(self.params.get("mmf_column", "is_money_market_fund")))
        st = mmf_status(pos, self.config)
        held = pos["value_usd"] > 0
        is_mmf = mmf & held
        failing = is_mmf & ~st.isin(["exempt", "unknown"])
        unknown = is_mmf & st.eq("unknown")
        fail_v = float(pos.loc[failing, "value_usd"].sum())
        unk_v = float(pos.loc[unknown, "value_usd"].sum())
        exempt_v = float(pos.loc[is_mmf & st.eq("exempt"), "value_usd"].sum())
        unregistered = sorted(pos.index[is_mmf & ~pos["asset_type"].eq("investment_company")])
        note = (f"money market fund shares {exempt_v / ta:.4%} of total assets exempt under Rule 12d1-1"
                + (f"; not registered investment companies (never exempt here): {', '.join(unregistered)}"
                   if unregistered else ""))
        return Measurement(value=(fail_v + unk_v) / ta, best=fail_v / ta, limit=limit, kind="max", basis_usd=ta,
                           contributors=frozenset(pos.index[failing | unknown]),
                           unknown=tuple(sorted(pos.index[unknown])),
                           over=self.usd_over(fail_v + unk_v, limit, ta), best_over=self.usd_over(fail_v, limit, ta),
                           details=tuple({"subject": sid, "status": st[sid], "value_usd": float(pos.at[sid, "value_usd"])}
                                         for sid in pos.index[is_mmf]), note=note)


class _SecuritiesRelated(Rule):
    timing = "each_acquisition"

    @staticmethod
    def _sr(book: Book) -> pd.DataFrame:
        pos = book.positions
        return pos[pos["is_securities_related"] & (pos["shares"] > 0)]


class Rule12d3_1Equity(_SecuritiesRelated):
    rule_id = "rule_12d3_1_equity_class"
    title = "Securities-related issuers: at most 5% of a class of equity"
    citation = "Rule 12d3-1(b)(1) under the Investment Company Act, 17 CFR 270.12d3-1; s.12(d)(3)"
    text = ("A fund may acquire securities of an issuer that derived more than 15% of its gross revenues from "
            "securities-related activities if, immediately after the acquisition of any equity security, it owns not "
            "more than five percent of the outstanding securities of that class of the issuer's equity securities.")
    basis = "class_outstanding"
    subject = "security"
    required = ("class_max",)

    def measure(self, book: Book) -> Measurement:
        sr = self._sr(book)
        eq = sr[sr["asset_type"].eq("equity")]
        limit = float(self.params["class_max"])
        frac = eq["shares"] / eq["shares_outstanding"]
        over = units_over(eq["shares"], eq["shares_outstanding"], limit)
        unknown = tuple(sorted(frac.index[frac.isna()]))
        best = float(frac.max()) if frac.notna().any() else 0.0
        worst = None if unknown else best
        return Measurement(value=worst, best=best, limit=limit, kind="max", basis_usd=None,
                           contributors=frozenset(over.index[over > self.tol_units]) | frozenset(unknown),
                           unknown=unknown, unit="units", over=None if unknown else max_over(over),
                           best_over=max_over(over),
                           details=tuple({"subject": s, "class_fraction": None if pd.isna(x) else float(x)}
                                         for s, x in frac.items()))


class Rule12d3_1Debt(_SecuritiesRelated):
    rule_id = "rule_12d3_1_debt"
    title = "Securities-related issuers: at most 10% of outstanding debt"
    citation = "Rule 12d3-1(b)(2) under the Investment Company Act, 17 CFR 270.12d3-1"
    text = ("... immediately after the acquisition of any debt security, the acquiring company owns not more than ten "
            "percent of the outstanding principal amount of the issuer's debt securities.")
    basis = "issuer_debt_outstanding"
    subject = "issuer"
    required = ("debt_max",)

    def measure(self, book: Book) -> Measurement:
        sr = self._sr(book)
        debt = sr[sr["asset_type"].eq("debt")]
        limit = float(self.params["debt_max"])
        held, outstanding = {}, {}
        for issuer, g in debt.groupby("issuer_id"):
            out = g["shares_outstanding"].dropna()
            held[issuer] = float(g["shares"].sum())
            outstanding[issuer] = float(out.max()) if len(out) else float("nan")
        h, o = pd.Series(held, dtype=float), pd.Series(outstanding, dtype=float)
        s = h / o
        over = units_over(h, o, limit)
        unknown = tuple(sorted(s.index[s.isna()]))
        best = float(s.max()) if s.notna().any() else 0.0
        return Measurement(value=None if unknown else best, best=best, limit=limit, kind="max", basis_usd=None,
                           contributors=frozenset(over.index[over > self.tol_units]) | frozenset(unknown),
                           unknown=unknown, unit="units", over=None if unknown else max_over(over),
                           best_over=max_over(over))


class Rule12d3_1Assets(_SecuritiesRelated):
    rule_id = "rule_12d3_1_assets"
    title = "Securities-related issuers: at most 5% of total assets in one issuer"
    citation = "Rule 12d3-1(b)(3) under the Investment Company Act, 17 CFR 270.12d3-1"
    text = ("... immediately after any such acquisition, the acquiring company has invested not more than five percent "
            "of the value of its total assets in the securities of the issuer.")
    basis = "total_assets"
    subject = "issuer"
    required = ("issuer_max_assets",)

    def measure(self, book: Book) -> Measurement:
        sr = self._sr(book)
        ta = book.total_assets_usd
        val = sr[sr["value_usd"] > 0].groupby("issuer_id")["value_usd"].sum()
        limit = float(self.params["issuer_max_assets"])
        v = float(val.max()) / ta if len(val) else 0.0
        by = max_over(self.usd_over(val, limit, ta))
        return Measurement(value=v, best=v, limit=limit, kind="max", basis_usd=ta, over=by, best_over=by,
                           contributors=frozenset(val.index[self.is_over_usd(val, limit, ta)]))


class Rule18f4LimitedUser(Rule):
    rule_id = "rule_18f4_limited_user"
    title = "Derivatives: limited derivatives user, exposure at most 10% of net assets"
    citation = "Rule 18f-4(c)(4) under the Investment Company Act, 17 CFR 270.18f-4"
    text = ("A limited derivatives user adopts policies reasonably designed to manage derivatives risks and limits its "
            "derivatives exposure (gross notional, delta-adjusted for options, excluding currency and interest-rate "
            "hedges) to 10 percent of its net assets; if exceeded and not back within five business days the "
            "adviser reports to the board and the fund comes back within 30 calendar days or adopts a derivatives "
            "risk management program.")
    basis = "net_assets"
    timing = "daily"
    subject = "fund"
    required = ("exposure_max",)

    def measure(self, book: Book) -> Measurement:
        pos = book.positions
        d = pos[pos["asset_type"].eq("derivative") & ~pos["is_hedge"] & (pos["shares"] != 0)]
        notional = d["shares"].abs() * d["notional_per_unit_usd"]
        unknown = tuple(sorted(d.index[notional.isna()]))
        nav = book.nav_usd
        known_usd = float(notional.dropna().sum())
        known = known_usd / nav
        limit = float(self.params["exposure_max"])
        by = self.usd_over(known_usd, limit, nav)
        return Measurement(value=None if unknown else known, best=known, limit=limit, kind="max", basis_usd=nav,
                           over=None if unknown else by, best_over=by,
                           contributors=frozenset(["fund"]) if (by > self.tol_usd or unknown) else frozenset(),
                           unknown=unknown, note=f"{len(d)} derivative positions")


class ProspectusMaxIssuerWeight(Rule):
    rule_id = "prospectus_max_issuer_weight"
    title = "Maximum weight of one issuer"
    citation = "Fund prospectus / statement of additional information (investment limitation)"
    text = "The fund will not invest more than the stated percentage of its net assets in the securities of one issuer."
    basis = "net_assets"
    timing = "each_acquisition"
    subject = "issuer"
    required = ("issuer_max_net_assets",)

    def measure(self, book: Book) -> Measurement:
        pos = book.positions
        p = pos[~pos["asset_type"].eq("government") & (pos["value_usd"] > 0)]
        val = p.groupby("issuer_id")["value_usd"].sum()
        nav = book.nav_usd
        limit = float(self.params["issuer_max_net_assets"])
        v = float(val.max()) / nav if len(val) else 0.0
        by = max_over(self.usd_over(val, limit, nav))
        return Measurement(value=v, best=v, limit=limit, kind="max", basis_usd=nav, over=by, best_over=by,
                           contributors=frozenset(val.index[self.is_over_usd(val, limit, nav)]))


class InternalLargeIssuers(Rule):
    rule_id = "internal_large_issuers_40"
    title = "Issuers above 5% of net assets together at most 40%"
    citation = "Internal investment guideline (modelled on the UCITS 5/10/40 rule)"
    text = "The issuers that each exceed 5% of net assets may together not exceed 40% of net assets."
    basis = "net_assets"
    timing = "each_acquisition"
    subject = "issuer"
    required = ("large_issuer_threshold", "large_sum_max")

    def measure(self, book: Book) -> Measurement:
        pos = book.positions
        p = pos[~pos["asset_type"].eq("government") & (pos["value_usd"] > 0)]
        nav = book.nav_usd
        val = p.groupby("issuer_id")["value_usd"].sum()
        large = val[self.is_over_usd(val, float(self.params["large_issuer_threshold"]), nav)]
        total = float(large.sum())
        limit = float(self.params["large_sum_max"])
        by = self.usd_over(total, limit, nav)
        return Measurement(value=total / nav, best=total / nav, limit=limit, kind="max", basis_usd=nav,
                           over=by, best_over=by,
                           contributors=frozenset(large.index) if by > self.tol_usd else frozenset(),
                           details=tuple({"subject": i, "pct_nav": float(x) / nav} for i, x in large.items()))


class InternalTurnover(Rule):
    """Turnover of one rebalance: one-way turnover = 0.5 * sum |units_now - units_before| * price / net assets,
    at today's prices. (The prospectus turnover ratio, the lesser of purchases or sales over average net assets
    for a year, is a reporting figure, not a limit; this per-rebalance limit is the optimizer's control.)"""

    rule_id = "internal_turnover"
    title = "Turnover of one rebalance"
    citation = "Internal trading guideline"
    text = "One-way turnover of a rebalance, 0.5 * sum |trade value| / net assets, may not exceed the limit."
    basis = "net_assets"
    timing = "each_rebalance"
    subject = "security"
    required = ("turnover_max",)

    def measure_trades(self, book: Book, previous: Book | None) -> Measurement:
        limit = float(self.params["turnover_max"])
        if previous is None:
            return Measurement(value=None, best=None, limit=limit, kind="max", basis_usd=book.nav_usd,
                               unknown=("previous holdings",), note="no previous holdings on record")
        prev = previous.positions["shares"].reindex(book.positions.index).fillna(0.0)
        delta = book.positions["shares"] - prev
        traded = float((delta.abs() * book.positions["price"]).sum())
        gone = previous.positions.index.difference(book.positions.index)
        traded += float((previous.positions.loc[gone, "shares"].abs() * previous.positions.loc[gone, "price"]).sum())
        v = 0.5 * traded / book.nav_usd
        by = self.usd_over(0.5 * traded, limit, book.nav_usd)
        return Measurement(value=v, best=v, limit=limit, kind="max", basis_usd=book.nav_usd, over=by, best_over=by,
                           contributors=frozenset(delta.index[delta != 0]) if by > self.tol_usd else frozenset())

    def measure(self, book: Book) -> Measurement:
        return self.measure_trades(book, None)
