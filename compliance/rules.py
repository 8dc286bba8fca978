"""The rule library: one class per rule, each with its citation, rule text, basis, timing and breach semantics.

Thresholds are configuration (``compliance/config/rules_v1.json``), reviewed by counsel; the classes hold the law's
structure (what is measured, over what basis, which comparison) and read every number from the config. The config's
SHA-256 (of its canonical JSON) is recorded with every check.

Every rule measures a fraction (value / basis) and compares it with a limit, *non-strictly* as the statutes read:

================================  =====================================  =======================================
rule                              statute wording                        passes when
================================  =====================================  =======================================
ICA s.5(b)(1) bucket              "at least 75 per centum"               bucket >= 75%
  issuer inside the bucket        "not greater in value than 5 per       issuer <= 5% of total assets and
                                  centum ... not more than 10 per        <= 10% of its voting securities
                                  centum of the outstanding voting"
IRC s.851(b)(3)(A)                "at least 50 percent"                  bucket >= 50% (same 5%/10% inclusion)
IRC s.851(b)(3)(B)(i)/(ii)        "not more than 25 percent"             issuer (or controlled group) <= 25%
IRC s.851(b)(3)(B)(iii)           "not more than 25 percent ... one or   qualified PTPs together <= 25%
                                  more qualified publicly traded
                                  partnerships"
IRC s.851(c)(2) control           "20 percent or more ... voting power"  controlled when voting >= 20%
industry concentration            "more than 25%" is concentration       industry <= 25%
Rule 35d-1                        "at least 80%"                         qualifying >= 80%
Rule 22e-4(b)(1)(iv)              "more than 15% ... illiquid"           illiquid <= 15%
ICA s.12(d)(1)(A)(i)-(iii)        "more than 3 per centum", "in excess   fund voting <= 3%, one fund <= 5%,
                                  of 5 / 10 per centum"                  all funds <= 10%
Rule 12d1-1                       exempts money market fund shares      exempt shares left out of 12(d)(1)(A);
                                  from s.12(d)(1)(A) when (b) holds      non-conforming MMF shares <= 0 (policy)
Rule 12d3-1(b)(1)-(3)             "not more than five / ten percent"     class <= 5%, debt <= 10%, issuer <= 5%
Rule 18f-4(c)(4) limited user     "does not exceed 10 percent"           exposure <= 10%
internal 5/40                     issuers "above 5%" together <= 40%     issuers with weight > 5% summed <= 40%
================================  =====================================  =======================================

Every comparison is made in money or units, not in fractions (:mod:`compliance.rule_base`): amount against limit x
basis with an allowance below one cent (``tolerance.usd``) or one share (``tolerance.units``), so a holding of
exactly 5% passes and one cent more fails at any fund size. The rules live in three modules: the base
(:mod:`compliance.rule_base`), the diversification, concentration, names and liquidity rules (here) and the
fund-of-funds, securities-related, derivatives and internal rules (:mod:`compliance.rules_funds`).

Missing data is handled by bounds: each rule computes a worst case (unknown data counted against the fund) and a
best case (unknown data counted for it). If the worst case passes the rule passes; if the best case fails it
breaches; otherwise it is 'not_evaluable' and the reason names the securities whose data are missing.

The citation texts are abridged quotations for the report; the authoritative text is the statute or rule itself.
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, Iterable, Mapping

import numpy as np
import pandas as pd

from .inputs import Book
from .rule_base import (SEMANTICS, SEVERITIES, ConfigError, Measurement, Rule, _control_threshold,  # noqa: F401
                        _is_missing, _pct, controlled_issuers, issuer_voting_fraction, issuer_voting_units,
                        max_over, security_flag, subparagraph_b_values, tolerances, units_over)
from .rules_funds import (ICA12d1Ai, ICA12d1Aii, ICA12d1Aiii, InternalLargeIssuers, InternalTurnover,  # noqa: F401
                          ProspectusMaxIssuerWeight, Rule12d1_1MoneyMarket, Rule12d3_1Assets, Rule12d3_1Debt,
                          Rule12d3_1Equity, Rule18f4LimitedUser, mmf_status)

CONFIG_DIR = Path(__file__).resolve().parent / "config"
DEFAULT_CONFIG = CONFIG_DIR / "rules_v1.json"


# ----------------------------------------------------------------------------------------------- configuration
def canonical_json(obj: Any) -> bytes:
    """Canonical JSON bytes (sorted keys, no whitespace, UTF-8) used for every hash in this package."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                      default=str).encode("utf-8")


def config_hash(config: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(config)).hexdigest()


def load_config(path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Read a rules configuration (default: ``rules_v1.json``) and apply ``overrides`` (a nested dict merged key by
    key, e.g. ``{"classification": {"industry_column": "gics_industry"}}``). Validates the structure."""
    p = Path(path) if path is not None else DEFAULT_CONFIG
    try:
        cfg = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{p.name}: cannot read the rules configuration: {exc}") from exc
    if overrides:
        cfg = _merge(cfg, overrides)
    validate_config(cfg, source=p.name)
    return cfg


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(base))
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def validate_config(cfg: Mapping[str, Any], source: str = "config") -> None:
    from .data_age import validate as validate_ages

    for key in ("version", "fund", "tolerance", "classification", "liquidity", "rules"):
        if key not in cfg:
            raise ConfigError(f"{source}: missing key {key!r}")
    tolerances(cfg, source)
    try:
        validate_ages(cfg, set(RULE_CLASSES), source)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    for rid, params in cfg["rules"].items():
        if rid not in RULE_CLASSES:
            raise ConfigError(f"{source}: rules.{rid}: unknown rule id; known: {sorted(RULE_CLASSES)}")
        if params.get("severity") not in SEVERITIES:
            raise ConfigError(f"{source}: rules.{rid}.severity: expected one of {SEVERITIES}, "
                              f"got {params.get('severity')!r}")
        if params.get("semantics") not in SEMANTICS:
            raise ConfigError(f"{source}: rules.{rid}.semantics: expected one of {SEMANTICS}, "
                              f"got {params.get('semantics')!r}")
        if rid == "rule_35d1_names":
            try:
                date.fromisoformat(str(params["amendments_2023"]["compliance_date"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise ConfigError(f"{source}: rules.{rid}.amendments_2023.compliance_date: expected an ISO date "
                                  f"(the fund's compliance date for the 2023 amendments), got "
                                  f"{(params.get('amendments_2023') or {}).get('compliance_date')!r}") from exc
        for k in RULE_CLASSES[rid].required:
            v = params.get(k)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not (0 <= v <= 1):
                raise ConfigError(f"{source}: rules.{rid}.{k}: expected a fraction in [0, 1], got {v!r}")


class _BucketRule(Rule):
    """Shared 'large bucket' test: cash, Government securities and fund shares plus every other issuer held at no
    more than ``issuer_max_assets`` of total assets and no more than ``issuer_max_voting`` of its voting
    securities must be at least ``bucket_min`` of total assets. An issuer over either limit is excluded *entirely*
    (IRC: Treas. Reg. s.1.851-5 Example 2 counts none of a 7% position; the same reading is the SEC staff's for
    s.5(b)(1))."""

    basis = "total_assets"
    subject = "issuer"
    required = ("bucket_min", "issuer_max_assets", "issuer_max_voting")
    #: asset types always in the bucket (besides cash and cash items)
    bucket_types: ClassVar[tuple[str, ...]] = ("government", "investment_company")

    def _always_in_bucket(self, pos: pd.DataFrame) -> pd.Series:
        return pos["asset_type"].isin(self.bucket_types)

    def issuer_table(self, book: Book) -> pd.DataFrame:
        """Per issuer of 'other securities': value, fraction of total assets, voting fraction, in-bucket flags."""
        pos = book.positions
        pos = pos[(pos["value_usd"] > 0) | (pos["shares"] > 0)]
        other = pos[~self._always_in_bucket(pos) & (pos["value_usd"] > 0)]
        ta = book.total_assets_usd
        val = other.groupby("issuer_id")["value_usd"].sum().astype(float)
        vu = issuer_voting_units(pos).reindex(val.index)
        vu["held"] = vu["held"].fillna(0.0)
        voting = vu["held"] / vu["outstanding"]
        voting = voting.where(vu["held"] > 0, 0.0).where(vu["outstanding"].notna() | (vu["held"] <= 0))
        t = pd.DataFrame({"value_usd": val, "pct_assets": val / ta, "voting": voting,
                          "voting_held": vu["held"], "voting_outstanding": vu["outstanding"]})
        # exact: money against 5% of total assets, units against 10% of the voting securities
        t["over_assets"] = self.is_over_usd(t["value_usd"], float(self.params["issuer_max_assets"]), ta)
        v_over = units_over(vu["held"], vu["outstanding"], float(self.params["issuer_max_voting"]))
        t["over_voting"] = (vu["held"] > 0) & (v_over > self.tol_units)
        a_ok = ~t["over_assets"]
        v_ok = ~t["over_voting"]
        v_known = (vu["held"] <= 0) | vu["outstanding"].notna()
        t["in_bucket_worst"] = a_ok & v_known & v_ok
        t["in_bucket_best"] = a_ok & (~v_known | v_ok)
        return t.sort_values("value_usd", ascending=False)

    def measure(self, book: Book) -> Measurement:
        pos = book.positions
        ta = book.total_assets_usd
        auto = float(pos.loc[self._always_in_bucket(pos) & (pos["value_usd"] > 0), "value_usd"].sum())
        base = book.cash_usd + auto
        t = self.issuer_table(book)
        worst_usd = base + float(t.loc[t["in_bucket_worst"], "value_usd"].sum())
        best_usd = base + float(t.loc[t["in_bucket_best"], "value_usd"].sum())
        worst, best = worst_usd / ta, best_usd / ta
        unknown = tuple(t.index[t["in_bucket_best"] & ~t["in_bucket_worst"]])
        contributors = frozenset(t.index[~t["in_bucket_worst"]])
        limit = float(self.params["bucket_min"])
        details = tuple({"subject": i, "value_usd": float(v), "pct_assets": float(p),
                         "voting": None if pd.isna(vt) else float(vt), "in_bucket": bool(b)}
                        for i, v, p, vt, b in zip(t.index, t["value_usd"].to_numpy(float),
                                                  t["pct_assets"].to_numpy(float), t["voting"].to_numpy(float),
                                                  t["in_bucket_worst"].to_numpy(bool)))
        return Measurement(value=worst, best=best, limit=limit, kind="min", basis_usd=ta,
                           contributors=contributors, unknown=unknown,
                           excess_usd=max(0.0, limit * ta - worst_usd), details=details,
                           over=limit * ta - worst_usd, best_over=limit * ta - best_usd,
                           note=(f"cash and cash items {_pct(book.cash_usd / ta)}, Government securities and "
                                 f"investment companies {_pct(auto / ta)} of total assets"))


class ICA5b1Diversification(_BucketRule):
    rule_id = "ica_5b1_diversification"
    title = "Diversified company: 75% bucket (5% / 10% per issuer)"
    citation = "Investment Company Act of 1940 s.5(b)(1), 15 U.S.C. 80a-5(b)(1); s.5(c)"
    text = ("'Diversified company' means a management company ... at least 75 per centum of the value of its total "
            "assets is represented by cash and cash items (including receivables), Government securities, securities "
            "of other investment companies, and other securities for the purposes of this calculation limited in "
            "respect of any one issuer to an amount not greater in value than 5 per centum of the value of the total "
            "assets of such management company and to not more than 10 per centum of the outstanding voting "
            "securities of such issuer. s.5(c): a discrepancy does not cost the status so long as it is neither "
            "wholly nor partly the result of an acquisition.")
    timing = "each_acquisition"


class IRC851b3A(_BucketRule):
    rule_id = "irc_851b3A_50pct_bucket"
    title = "RIC diversification: 50% bucket (5% / 10% per issuer)"
    citation = "Internal Revenue Code s.851(b)(3)(A), 26 U.S.C. 851(b)(3)(A); s.851(d); Treas. Reg. s.1.851-5"
    text = ("At the close of each quarter of the taxable year at least 50 percent of the value of its total assets is "
            "represented by cash and cash items (including receivables), Government securities and securities of "
            "other regulated investment companies, and other securities ... limited in respect of any one issuer to "
            "an amount not greater in value than 5 percent of the value of the total assets of the taxpayer and to "
            "not more than 10 percent of the outstanding voting securities of such issuer.")
    timing = "quarter_end"

    def _always_in_bucket(self, pos: pd.DataFrame) -> pd.Series:
        return pos["asset_type"].eq("government") | (pos["asset_type"].eq("investment_company") & pos["is_ric"])


class IRC851b3Bi(Rule):
    rule_id = "irc_851b3Bi_single_issuer"
    title = "RIC diversification: at most 25% in one issuer"
    citation = "Internal Revenue Code s.851(b)(3)(B)(i), 26 U.S.C. 851(b)(3)(B)(i); s.851(d)"
    text = ("At the close of each quarter not more than 25 percent of the value of its total assets is invested in "
            "the securities (other than Government securities or the securities of other regulated investment "
            "companies) of any one issuer.")
    basis = "total_assets"
    timing = "quarter_end"
    subject = "issuer"
    required = ("issuer_max_assets",)

    def measure(self, book: Book) -> Measurement:
        pos = book.positions
        keep = ~pos["asset_type"].eq("government") & ~(pos["asset_type"].eq("investment_company") & pos["is_ric"])
        keep &= pos["value_usd"] > 0
        ta = book.total_assets_usd
        val = pos[keep].groupby("issuer_id")["value_usd"].sum()
        val, undeclared, lt_note = subparagraph_b_values(book, val, _control_threshold(self.config),
                                                         self.tol_units)
        val = val.sort_values(ascending=False)
        limit = float(self.params["issuer_max_assets"])
        frac = val / ta
        value = float(frac.max()) if len(frac) else 0.0
        by = max_over(self.usd_over(val, limit, ta))
        over = frac[self.is_over_usd(val, limit, ta)]
        # a controlled issuer whose own investments are unknown leaves the worst case unbounded
        return Measurement(value=None if undeclared else value, best=value, limit=limit, kind="max", basis_usd=ta,
                           contributors=frozenset(over.index), unknown=undeclared,
                           over=None if undeclared else by, best_over=by,
                           excess_usd=float((val[over.index] - limit * ta).clip(lower=0).sum()),
                           details=tuple({"subject": i, "value_usd": float(val[i]), "pct_assets": float(frac[i])}
                                         for i in frac.index[:25]),
                           note=f"largest issuer {frac.index[0] if len(frac) else '-'}{lt_note}")


class IRC851b3Bii(Rule):
    rule_id = "irc_851b3Bii_controlled_group"
    title = "RIC diversification: at most 25% in controlled issuers in the same or related businesses"
    citation = "Internal Revenue Code s.851(b)(3)(B)(ii), s.851(c)(2), 26 U.S.C. 851; Treas. Reg. s.1.851-6"
    text = ("Not more than 25 percent of the value of its total assets is invested in the securities (other than the "
            "securities of other regulated investment companies) of two or more issuers which the taxpayer controls "
            "and which are engaged in the same or similar trades or businesses or related trades or businesses. "
            "'Controls' means ownership of 20 percent or more of the total combined voting power (s.851(c)(2)).")
    basis = "total_assets"
    timing = "quarter_end"
    subject = "group"
    required = ("group_max_assets", "control_voting")

    def measure(self, book: Book) -> Measurement:
        pos = book.positions
        keep = ~(pos["asset_type"].eq("investment_company") & pos["is_ric"]) & ~pos["asset_type"].eq("government")
        keep &= pos["value_usd"] > 0
        p = pos[keep]
        ta = book.total_assets_usd
        voting = issuer_voting_fraction(pos)
        ctrl = float(self.params["control_voting"])
        val, undeclared, lt_note = subparagraph_b_values(book, p.groupby("issuer_id")["value_usd"].sum(), ctrl,
                                                         self.tol_units)
        # issuers reached only through the look-through: the fund holds none of their voting securities
        voting = pd.concat([voting, pd.Series(0.0, index=val.index.difference(voting.index))])
        controlled = set(controlled_issuers(pos, ctrl, self.tol_units))
        surely = [i for i in val.index if i in controlled]
        maybe = list(val.index[voting.reindex(val.index).isna().to_numpy()])
        declared = p.loc[p["ric_business_group"].notna(), ["issuer_id", "ric_business_group"]]
        first = declared["ric_business_group"].groupby(declared["issuer_id"]).first()
        group_of: dict[str, str | None] = {i: (str(first[i]) if i in first.index else None) for i in surely + maybe}

        def groups(members: list[str], lump_unknown: bool) -> dict[str, list[str]]:
            out: dict[str, list[str]] = {}
            unknown = [i for i in members if group_of[i] is None]
            for i in members:
                if group_of[i] is not None:
                    out.setdefault(group_of[i], []).append(i)
            if lump_unknown and unknown:
                # worst case: every issuer of unknown business joins the largest known group
                if out:
                    big = max(out, key=lambda k: float(val[out[k]].sum()))
                    out[big] = out[big] + unknown
                else:
                    out["(business unknown)"] = unknown
            return out

        def largest(gs: dict[str, list[str]]) -> tuple[float, str | None]:
            multi = {k: v for k, v in gs.items() if len(v) >= 2}
            if not multi:
                return 0.0, None
            k = max(multi, key=lambda k: float(val[multi[k]].sum()))
            return float(val[multi[k]].sum()), k

        worst_groups = groups(surely + maybe, lump_unknown=True)
        best_groups = groups(surely, lump_unknown=False)
        worst_usd, wk = largest(worst_groups)
        best_usd, _ = largest(best_groups)
        worst, best = worst_usd / ta, best_usd / ta
        worst_value: float | None = None if undeclared else worst
        limit = float(self.params["group_max_assets"])
        breached = wk is not None and self.is_over_usd(worst_usd, limit, ta)
        contributors = frozenset(worst_groups[wk]) if breached else frozenset()
        unknown = tuple(sorted(set(maybe) | {i for i in surely if group_of[i] is None} | set(undeclared)))
        details = tuple({"subject": k, "issuers": sorted(v), "value_usd": float(val[v].sum()),
                         "pct_assets": float(val[v].sum()) / ta} for k, v in sorted(best_groups.items()))
        excess = max(0.0, worst_usd - limit * ta)
        return Measurement(value=worst_value, best=best, limit=limit, kind="max", basis_usd=ta,
                           contributors=contributors, unknown=unknown, excess_usd=excess, details=details,
                           over=None if undeclared else self.usd_over(worst_usd, limit, ta),
                           best_over=self.usd_over(best_usd, limit, ta),
                           note=f"controlled issuers: {', '.join(sorted(surely)) or 'none'}{lt_note}")

    def subjects_of(self, security_ids: Iterable[str], book: Book) -> set[str]:
        ids = [s for s in security_ids if s in book.positions.index]
        return set(book.positions.loc[ids, "issuer_id"])


class IRC851b3Biii(Rule):
    """IRC s.851(b)(3)(B)(iii): qualified publicly traded partnerships together at most 25% of total assets.

    Measured in money: the value of every security flagged ``is_qualified_ptp`` (a judgement under s.851(h) and
    s.7704, supplied as data; null = unknown) against 25% of total assets. Worst case: unknown flags count as
    qualified; best case: they do not. The controlled-group look-through of the (B) flush language concerns (i) and
    (ii) only and is not applied here.
    """

    rule_id = "irc_851b3Biii_qualified_ptp"
    title = "RIC diversification: at most 25% in qualified publicly traded partnerships"
    citation = "Internal Revenue Code s.851(b)(3)(B)(iii), s.851(h), 26 U.S.C. 851; s.851(d)"
    text = ("At the close of each quarter not more than 25 percent of the value of its total assets is invested in the "
            "securities of one or more qualified publicly traded partnerships (as defined in subsection (h)).")
    basis = "total_assets"
    timing = "quarter_end"
    subject = "security"
    required = ("qptp_max_assets",)

    def measure(self, book: Book) -> Measurement:
        pos = book.positions
        ta = book.total_assets_usd
        flag = security_flag(pos, str(self.params.get("column", "is_qualified_ptp")), nullable=True)
        held = (pos["value_usd"] > 0).to_numpy()
        yes = flag.eq(True).fillna(False).to_numpy(bool) & held
        unk = flag.isna().to_numpy() & held
        yes_v = float(pos.loc[yes, "value_usd"].sum())
        unk_v = float(pos.loc[unk, "value_usd"].sum())
        limit = float(self.params["qptp_max_assets"])
        by = self.usd_over(yes_v + unk_v, limit, ta)
        return Measurement(value=(yes_v + unk_v) / ta, best=yes_v / ta, limit=limit, kind="max", basis_usd=ta,
                           contributors=frozenset(pos.index[yes | unk]) if by > self.tol_usd else frozenset(),
                           unknown=tuple(sorted(pos.index[unk])), excess_usd=max(0.0, by), over=by,
                           best_over=self.usd_over(yes_v, limit, ta),
                           details=tuple({"subject": sid, "value_usd": float(pos.at[sid, "value_usd"]),
                                          "qualified_ptp": None if pd.isna(flag[sid]) else bool(flag[sid])}
                                         for sid in pos.index[yes | unk]),
                           note=f"qualified publicly traded partnerships {_pct(yes_v / ta)} of total assets"
                                + (f", unknown {_pct(unk_v / ta)}" if unk_v else ""))


class IndustryConcentration(Rule):
    rule_id = "industry_concentration"
    title = "Industry concentration: at most 25% in one industry"
    citation = ("Investment Company Act of 1940 s.8(b)(1)(E) and s.13(a)(3) (fundamental concentration policy); "
                "Form N-1A Item 16(c)(1)(iv); SEC staff position (Guide 19) that more than 25% is concentration")
    text = ("A registered fund states a fundamental policy on concentrating investments in a particular industry or "
            "group of industries, changeable only by a shareholder vote (s.13(a)(3)); the SEC staff treats investing "
            "more than 25% of the value of the fund's assets in one industry as concentration. Government securities "
            "and securities of other investment companies are not an industry.")
    timing = "each_acquisition"
    subject = "industry"
    required = ("industry_max",)

    @property
    def basis(self) -> str:  # type: ignore[override]
        return str(self.params.get("basis", "total_assets"))

    def measure(self, book: Book) -> Measurement:
        col = self.config["classification"]["industry_column"]
        pos = book.positions
        p = pos[~pos["asset_type"].isin(["government", "investment_company", "derivative"]) & (pos["value_usd"] > 0)]
        basis_usd = book.total_assets_usd if self.basis == "total_assets" else book.nav_usd
        ind = p[col].map(lambda v: None if _is_missing(v) else str(v))
        known = p[ind.notna()].groupby(ind[ind.notna()])["value_usd"].sum().sort_values(ascending=False)
        unknown_val = float(p.loc[ind.isna(), "value_usd"].sum())
        limit = float(self.params["industry_max"])
        best_usd = float(known.max()) if len(known) else 0.0
        best_usd = max(best_usd, max((float(v) for v in p.loc[ind.isna(), "value_usd"]), default=0.0))
        worst_usd = (float(known.max()) if len(known) else 0.0) + unknown_val
        best, worst = best_usd / basis_usd, worst_usd / basis_usd
        contributors = set(known.index[self.is_over_usd(known, limit, basis_usd)])
        if unknown_val > 0 and self.is_over_usd(worst_usd, limit, basis_usd):
            contributors |= {"(unclassified)"} | ({str(known.index[0])} if len(known) else set())
        return Measurement(value=worst, best=best, limit=limit, kind="max", basis_usd=basis_usd,
                           contributors=frozenset(contributors),
                           unknown=tuple(sorted(p.index[ind.isna()])),
                           over=self.usd_over(worst_usd, limit, basis_usd),
                           best_over=self.usd_over(best_usd, limit, basis_usd),
                           details=tuple({"subject": k, "value_usd": float(v), "pct_assets": float(v) / basis_usd}
                                         for k, v in known.items()),
                           note=f"classification column '{col}'")


class Rule35d1Names(Rule):
    rule_id = "rule_35d1_names"
    title = "Names rule: at least 80% in investments the name suggests"
    citation = "Rule 35d-1 under the Investment Company Act, 17 CFR 270.35d-1(a)(2), (b)(1) (as amended 2023)"
    text = ("A fund whose name suggests a particular type of investment adopts a policy to invest, under normal "
            "circumstances, at least 80% of the value of its Assets (net assets plus borrowings for investment "
            "purposes) in those investments; reviews the treatment of its investments at least quarterly; and after "
            "a departure returns to compliance as soon as reasonably practicable and within 90 consecutive days.")
    basis = "net_assets_plus_borrowings"
    timing = "quarterly_review"
    subject = "security"
    required = ("qualifying_min",)

    def measure(self, book: Book) -> Measurement:
        col = self.config["classification"]["name_qualifying_column"]
        pos = book.positions
        p = pos[(pos["value_usd"] > 0) & ~pos["asset_type"].eq("derivative")]
        basis_usd = book.nav_usd + book.borrowings_usd
        q = p[col]
        yes = float(p.loc[q.fillna(False).astype(bool), "value_usd"].sum())
        unk = float(p.loc[q.isna(), "value_usd"].sum())
        limit = float(self.params["qualifying_min"])
        nonq = set(p.index[~q.fillna(False).astype(bool)])
        return Measurement(value=yes / basis_usd, best=(yes + unk) / basis_usd, limit=limit, kind="min",
                           basis_usd=basis_usd, contributors=frozenset(nonq),
                           unknown=tuple(sorted(p.index[q.isna()])),
                           excess_usd=max(0.0, limit * basis_usd - yes),
                           over=limit * basis_usd - yes, best_over=limit * basis_usd - (yes + unk),
                           note=f"qualifying set: column '{col}'; {self.regime(book.as_of)}")

    def regime(self, as_of: date) -> str:
        """Which text of Rule 35d-1 governs on ``as_of``: the 2023 amendments (90-day departure cure, quarterly
        review) from the fund's compliance date (``amendments_2023.compliance_date``, SEC Release IC-35500 of
        March 14, 2025, 90 FR 13076), the earlier text (80% policy applied when the fund invests) before it."""
        cd = date.fromisoformat(str(self.params["amendments_2023"]["compliance_date"]))
        if as_of >= cd:
            return f"Rule 35d-1 as amended in 2023 applies (compliance date {cd.isoformat()})"
        return (f"before the 2023 amendments' compliance date {cd.isoformat()}: the earlier Rule 35d-1 text governs "
                f"(80% policy applied at the time of investment); the 90-day departure cure is the amended rule's")


def liquidity_classes(book: Book, config: Mapping[str, Any]) -> pd.DataFrame:
    """Rule 22e-4 liquidity class per position from average daily volume and position size.

    days_to_sell = |units| / (participation_rate * adv_shares)   (trading days, selling at most the participation
    rate of the average daily volume each day without a significant change in market value)
    conversion_days = days_to_sell + settlement_days

    highly liquid:     conversion_days <= highly_liquid_max_days (3; "three business days or less")
    moderately liquid: conversion_days <= moderately_liquid_max_days (7)
    less liquid:       days_to_sell <= sale_window_days (7) but settlement takes longer
    illiquid:          days_to_sell > sale_window_days ("cannot be sold or disposed of ... in seven calendar days")

    Simplification (documented in the README): the rule counts business days for 'highly liquid' and calendar
    days for the others; the model counts trading days throughout (set the day limits to 5 for the stricter
    reading), ignores reasonably anticipated trade size other than the full position, and ignores market depth
    beyond the participation rate. A ``liquidity_class`` column supplied by the program administrator overrides the
    model. Missing ADV leaves the class unknown.
    """
    liq = config["liquidity"]
    pos = book.positions
    rate = float(liq["participation_rate"])
    adv = pos["adv_shares"]
    with np.errstate(divide="ignore", invalid="ignore"):
        days = pos["shares"].abs() / (rate * adv)
    days = days.where(pos["shares"] != 0, 0.0)
    conv = days + pos["settlement_days"]
    cls = pd.Series(None, index=pos.index, dtype=object)
    cls[conv <= float(liq["moderately_liquid_max_days"])] = "moderately_liquid"
    cls[conv <= float(liq["highly_liquid_max_days"])] = "highly_liquid"
    cls[(days <= float(liq["sale_window_days"])) & (conv > float(liq["moderately_liquid_max_days"]))] = "less_liquid"
    cls[days > float(liq["sale_window_days"])] = "illiquid"
    cls[days.isna() | ~np.isfinite(days)] = None
    given = pos["liquidity_class"]
    cls = given.where(given.notna(), cls)
    return pd.DataFrame({"days_to_sell": days, "conversion_days": conv, "liquidity_class": cls})


class Rule22e4Illiquid(Rule):
    rule_id = "rule_22e4_illiquid"
    title = "Liquidity: at most 15% of net assets in illiquid investments"
    citation = "Rule 22e-4(b)(1)(iv) under the Investment Company Act, 17 CFR 270.22e-4"
    text = ("No fund may acquire any illiquid investment if, immediately after the acquisition, the fund would have "
            "invested more than 15% of its net assets in illiquid investments that are assets. If more than 15% "
            "is illiquid, the administrator reports to the board within one business day (and the fund files Form "
            "N-RN); if not back within 30 days the board assesses the plan.")
    basis = "net_assets"
    timing = "each_acquisition"
    subject = "security"
    required = ("illiquid_max",)

    def measure(self, book: Book) -> Measurement:
        lc = liquidity_classes(book, self.config)
        pos = book.positions
        asset = pos["value_usd"] > 0
        ill = asset & lc["liquidity_class"].eq("illiquid")
        unk = asset & lc["liquidity_class"].isna()
        nav = book.nav_usd
        ill_v = float(pos.loc[ill, "value_usd"].sum())
        unk_v = float(pos.loc[unk, "value_usd"].sum())
        limit = float(self.params["illiquid_max"])
        counts = lc.loc[asset, "liquidity_class"].fillna("unknown").value_counts().to_dict()
        return Measurement(value=(ill_v + unk_v) / nav, best=ill_v / nav, limit=limit, kind="max", basis_usd=nav,
                           contributors=frozenset(pos.index[ill | unk]), unknown=tuple(sorted(pos.index[unk])),
                           over=self.usd_over(ill_v + unk_v, limit, nav), best_over=self.usd_over(ill_v, limit, nav),
                           details=tuple({"subject": s, "liquidity_class": c, "days_to_sell": float(d),
                                          "value_usd": float(v)}
                                         for s, c, d, v in zip(pos.index[asset],
                                                               lc.loc[asset, "liquidity_class"].to_numpy(object),
                                                               lc.loc[asset, "days_to_sell"].to_numpy(float),
                                                               pos.loc[asset, "value_usd"].to_numpy(float))),
                           note="classes: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


RULE_CLASSES: dict[str, type[Rule]] = {c.rule_id: c for c in (
    ICA5b1Diversification, IRC851b3A, IRC851b3Bi, IRC851b3Bii, IRC851b3Biii, IndustryConcentration, Rule35d1Names,
    Rule22e4Illiquid, ICA12d1Ai, ICA12d1Aii, ICA12d1Aiii, Rule12d1_1MoneyMarket, Rule12d3_1Equity, Rule12d3_1Debt,
    Rule12d3_1Assets, Rule18f4LimitedUser, ProspectusMaxIssuerWeight, InternalLargeIssuers, InternalTurnover)}


@dataclass
class RuleSet:
    """The enabled rules of one configuration, in report order."""

    config: dict[str, Any]
    rules: list[Rule] = field(default_factory=list)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "RuleSet":
        cfg = dict(config)
        fund = cfg["fund"]
        rules: list[Rule] = []
        for rid in RULE_CLASSES:  # report order is the library's, not the config file's key order
            params = cfg["rules"].get(rid)
            if params is None or not params.get("enabled", True):
                continue
            if rid == "ica_5b1_diversification" and not fund.get("diversified", True):
                continue
            if rid in ("ica_12d1Aii_single_fund", "ica_12d1Aiii_all_funds") and fund.get("elects_rule_12d1_4"):
                continue  # Rule 12d1-4 replaces the 5% / 10% limits (its conditions are checked by 12d1Ai)
            if rid == "rule_18f4_limited_user" and not fund.get("limited_derivatives_user", True):
                continue
            rules.append(RULE_CLASSES[rid](params, cfg))
        return cls(config=cfg, rules=rules)

    @property
    def hash(self) -> str:
        return config_hash(self.config)

    def __iter__(self):
        return iter(self.rules)

    def get(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.rule_id == rule_id:
                return r
        raise KeyError(f"rule {rule_id!r} is not enabled in config version {self.config.get('version')}")
