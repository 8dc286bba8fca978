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
IRC s.851(c)(2) control           "20 percent or more ... voting power"  controlled when voting >= 20%
industry concentration            "more than 25%" is concentration       industry <= 25%
Rule 35d-1                        "at least 80%"                         qualifying >= 80%
Rule 22e-4(b)(1)(iv)              "more than 15% ... illiquid"           illiquid <= 15%
ICA s.12(d)(1)(A)(i)-(iii)        "more than 3 per centum", "in excess   fund voting <= 3%, one fund <= 5%,
                                  of 5 / 10 per centum"                  all funds <= 10%
Rule 12d3-1(b)(1)-(3)             "not more than five / ten percent"     class <= 5%, debt <= 10%, issuer <= 5%
Rule 18f-4(c)(4) limited user     "does not exceed 10 percent"           exposure <= 10%
internal 5/40                     issuers "above 5%" together <= 40%     issuers with weight > 5% summed <= 40%
================================  =====================================  =======================================

Comparisons use an absolute tolerance (``tolerance`` in the config, 1e-9) so that a holding of exactly 5% computed
in floating point is not misread as 5.0000000001%.

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
from pathlib import Path
from typing import Any, ClassVar, Iterable, Mapping

import numpy as np
import pandas as pd

from .inputs import Book

CONFIG_DIR = Path(__file__).resolve().parent / "config"
DEFAULT_CONFIG = CONFIG_DIR / "rules_v1.json"
SEVERITIES = ("regulatory", "prospectus", "internal")
SEMANTICS = ("acquisition", "quarter_end", "departure")


# ----------------------------------------------------------------------------------------------- configuration
def canonical_json(obj: Any) -> bytes:
    """Canonical JSON bytes (sorted keys, no whitespace, UTF-8) used for every hash in this package."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                      default=str).encode("utf-8")


def config_hash(config: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(config)).hexdigest()


class ConfigError(ValueError):
    """The rules configuration is malformed (names the key and what was expected)."""


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
    for key in ("version", "fund", "tolerance", "classification", "liquidity", "rules"):
        if key not in cfg:
            raise ConfigError(f"{source}: missing key {key!r}")
    for rid, params in cfg["rules"].items():
        if rid not in RULE_CLASSES:
            raise ConfigError(f"{source}: rules.{rid}: unknown rule id; known: {sorted(RULE_CLASSES)}")
        if params.get("severity") not in SEVERITIES:
            raise ConfigError(f"{source}: rules.{rid}.severity: expected one of {SEVERITIES}, "
                              f"got {params.get('severity')!r}")
        if params.get("semantics") not in SEMANTICS:
            raise ConfigError(f"{source}: rules.{rid}.semantics: expected one of {SEMANTICS}, "
                              f"got {params.get('semantics')!r}")
        for k in RULE_CLASSES[rid].required:
            v = params.get(k)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not (0 <= v <= 1):
                raise ConfigError(f"{source}: rules.{rid}.{k}: expected a fraction in [0, 1], got {v!r}")


# ------------------------------------------------------------------------------------------------ measurement
@dataclass(frozen=True)
class Measurement:
    """What a rule measured on one book.

    ``value`` is the worst case (missing data counted against the fund; None when it cannot be bounded), ``best``
    the best case. ``contributors`` are the subjects (issuers, industries, securities, funds) that push the
    measure toward the breach under the worst case; ``unknown`` lists subjects with missing data that matter.
    ``excess_usd`` is the value of assets whose disposal would cure a breach (IRC s.851(d)(2) de minimis sizing).
    """

    value: float | None
    best: float | None
    limit: float
    kind: str  # "max" (value <= limit) or "min" (value >= limit)
    basis_usd: float | None
    contributors: frozenset[str] = frozenset()
    unknown: tuple[str, ...] = ()
    excess_usd: float = 0.0
    details: tuple[dict[str, Any], ...] = ()
    note: str = ""


# ----------------------------------------------------------------------------------------------- shared measures
def _is_missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def issuer_voting_fraction(pos: pd.DataFrame) -> pd.Series:
    """Fraction of each issuer's outstanding voting securities held (NaN when unknown, 0 when none held).

    Numerator: units held of the issuer's voting classes. Denominator: ``issuer_voting_securities`` when given,
    otherwise the held voting class's ``shares_outstanding`` (single voting class assumed; several held voting
    classes without ``issuer_voting_securities`` make it unknown).
    """
    issuers = pd.Index(sorted(pos["issuer_id"].unique()), name="issuer_id")
    v = pos[pos["is_voting"].astype(bool) & (pos["shares"] > 0)]
    out = pd.Series(0.0, index=issuers, dtype=float)
    if v.empty:
        return out.rename(None)
    g = v.groupby("issuer_id", sort=True)
    held = g["shares"].sum().astype(float)
    total = pd.to_numeric(v["issuer_voting_securities"], errors="coerce").groupby(v["issuer_id"]).max()
    single = pd.to_numeric(v["shares_outstanding"], errors="coerce").groupby(v["issuer_id"]).first()
    single = single.where(g.size() == 1)  # one held voting class: its outstanding units are the issuer's
    frac = (held / total).where(total.notna(), held / single)
    out.loc[frac.index] = frac.to_numpy(float)
    return out.rename(None)



def _control_threshold(config: Mapping[str, Any]) -> float:
    """IRC s.851(c)(2) control threshold, configured once on the controlled-group rule."""
    try:
        return float(config["rules"]["irc_851b3Bii_controlled_group"]["control_voting"])
    except KeyError as exc:
        raise ConfigError("rules.irc_851b3Bii_controlled_group.control_voting is required (IRC s.851(c)(2) "
                          "control threshold)") from exc


def subparagraph_b_values(book: Book, val: pd.Series, control: float, tol: float
                          ) -> tuple[pd.Series, tuple[str, ...], str]:
    """Issuer values for IRC s.851(b)(3)(B) including the fund's proper proportion of its controlled group's
    investments (Treas. Reg. s.1.851-3(a)). Returns (values, controlled issuers whose investments were not
    supplied, note). Look-through issuers are treated as ordinary issuers (not Government securities or RICs)."""
    voting = issuer_voting_fraction(book.positions)
    ctrl = sorted(i for i, v in voting.items() if not pd.isna(v) and v >= control - tol)
    if book.look_through is None:
        note = (f"; controlled issuers {', '.join(ctrl)}: their own investments (s.1.851-3 look-through) were not "
                f"supplied") if ctrl else ""
        return val, tuple(ctrl), note
    lt = book.look_through_usd()
    if lt.empty:
        return val, (), "; controlled group declared: no investments to look through"
    out = val.add(lt, fill_value=0.0)
    return out, (), f"; look-through of the controlled group adds {lt.sum():,.0f} USD over {len(lt)} issuer(s)"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.4g}%"


# ------------------------------------------------------------------------------------------------------- rules
class Rule:
    """Base class. Subclasses set the class attributes and implement :meth:`measure`."""

    rule_id: ClassVar[str]
    title: ClassVar[str]
    citation: ClassVar[str]
    text: ClassVar[str]
    basis: ClassVar[str]  # total_assets | net_assets | name_assets | issuer_voting | class_outstanding | ...
    timing: ClassVar[str]  # each_acquisition | quarter_end | daily | quarterly_review | each_rebalance
    subject: ClassVar[str]  # issuer | security | industry | fund | group
    required: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Mapping[str, Any], config: Mapping[str, Any]) -> None:
        self.params = dict(params)
        self.config = config
        self.tol = float(config["tolerance"])

    # ---- declared properties
    @property
    def severity(self) -> str:
        return str(self.params["severity"])

    @property
    def semantics(self) -> str:
        return str(self.params["semantics"])

    @property
    def warn_buffer(self) -> float:
        return float(self.params.get("warn_buffer", 0.0))

    @property
    def regulatory(self) -> bool:
        return self.severity == "regulatory"

    def cure_spec(self, breach_class: str) -> Mapping[str, Any] | None:
        return (self.params.get("cure") or {}).get(breach_class)

    def describe(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "title": self.title, "citation": self.citation, "text": self.text,
                "basis": self.basis, "timing": self.timing, "severity": self.severity,
                "semantics": self.semantics, "warn_buffer": self.warn_buffer,
                "cure": self.params.get("cure")}

    # ---- to implement
    def measure(self, book: Book) -> Measurement:  # pragma: no cover - abstract
        raise NotImplementedError

    def subjects_of(self, security_ids: Iterable[str], book: Book) -> set[str]:
        """Map securities (e.g. the ones acquired) to this rule's subjects."""
        ids = [s for s in security_ids if s in book.positions.index]
        pos = book.positions.loc[ids]
        if self.subject == "issuer":
            return set(pos["issuer_id"])
        if self.subject == "security":
            return set(ids)
        if self.subject == "industry":
            col = self.config["classification"]["industry_column"]
            return {("(unclassified)" if _is_missing(v) else str(v)) for v in pos[col]}
        return {"fund"} if ids else set()


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
        voting = issuer_voting_fraction(pos).reindex(val.index)
        t = pd.DataFrame({"value_usd": val, "pct_assets": val / ta, "voting": voting})
        a_ok = t["pct_assets"] <= float(self.params["issuer_max_assets"]) + self.tol
        v_lim = float(self.params["issuer_max_voting"]) + self.tol
        t["in_bucket_worst"] = a_ok & t["voting"].notna() & (t["voting"] <= v_lim)
        t["in_bucket_best"] = a_ok & (t["voting"].isna() | (t["voting"] <= v_lim))
        return t.sort_values("value_usd", ascending=False)

    def measure(self, book: Book) -> Measurement:
        pos = book.positions
        ta = book.total_assets_usd
        auto = float(pos.loc[self._always_in_bucket(pos) & (pos["value_usd"] > 0), "value_usd"].sum())
        base = book.cash_usd + auto
        t = self.issuer_table(book)
        worst = (base + float(t.loc[t["in_bucket_worst"], "value_usd"].sum())) / ta
        best = (base + float(t.loc[t["in_bucket_best"], "value_usd"].sum())) / ta
        unknown = tuple(t.index[t["in_bucket_best"] & ~t["in_bucket_worst"]])
        contributors = frozenset(t.index[~t["in_bucket_worst"]])
        limit = float(self.params["bucket_min"])
        details = tuple({"subject": i, "value_usd": float(r.value_usd), "pct_assets": float(r.pct_assets),
                         "voting": None if pd.isna(r.voting) else float(r.voting),
                         "in_bucket": bool(r.in_bucket_worst)} for i, r in t.iterrows())
        return Measurement(value=worst, best=best, limit=limit, kind="min", basis_usd=ta,
                           contributors=contributors, unknown=unknown,
                           excess_usd=max(0.0, limit * ta - worst * ta), details=details,
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
        val, undeclared, lt_note = subparagraph_b_values(book, val, _control_threshold(self.config), self.tol)
        val = val.sort_values(ascending=False)
        limit = float(self.params["issuer_max_assets"])
        frac = val / ta
        value = float(frac.max()) if len(frac) else 0.0
        over = frac[frac > limit + self.tol]
        # a controlled issuer whose own investments are unknown leaves the worst case unbounded
        return Measurement(value=None if undeclared else value, best=value, limit=limit, kind="max", basis_usd=ta,
                           contributors=frozenset(over.index), unknown=undeclared,
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
                                                         self.tol)
        # issuers reached only through the look-through: the fund holds none of their voting securities
        voting = pd.concat([voting, pd.Series(0.0, index=val.index.difference(voting.index))])
        surely = [i for i in val.index if not pd.isna(voting.get(i)) and voting[i] >= ctrl - self.tol]
        maybe = [i for i in val.index if pd.isna(voting.get(i))]
        group_of: dict[str, str | None] = {}
        for i in surely + maybe:
            g = p.loc[p["issuer_id"] == i, "ric_business_group"].dropna()
            group_of[i] = str(g.iloc[0]) if len(g) else None

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
            return float(val[multi[k]].sum()) / ta, k

        worst_groups = groups(surely + maybe, lump_unknown=True)
        best_groups = groups(surely, lump_unknown=False)
        worst, wk = largest(worst_groups)
        best, _ = largest(best_groups)
        worst_value: float | None = None if undeclared else worst
        limit = float(self.params["group_max_assets"])
        breached = wk is not None and worst > limit + self.tol
        contributors = frozenset(worst_groups[wk]) if breached else frozenset()
        unknown = tuple(sorted(set(maybe) | {i for i in surely if group_of[i] is None} | set(undeclared)))
        details = tuple({"subject": k, "issuers": sorted(v), "value_usd": float(val[v].sum()),
                         "pct_assets": float(val[v].sum()) / ta} for k, v in sorted(best_groups.items()))
        excess = max(0.0, worst * ta - limit * ta)
        return Measurement(value=worst_value, best=best, limit=limit, kind="max", basis_usd=ta,
                           contributors=contributors, unknown=unknown, excess_usd=excess, details=details,
                           note=f"controlled issuers: {', '.join(sorted(surely)) or 'none'}{lt_note}")

    def subjects_of(self, security_ids: Iterable[str], book: Book) -> set[str]:
        ids = [s for s in security_ids if s in book.positions.index]
        return set(book.positions.loc[ids, "issuer_id"])


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
        best = float(known.max()) / basis_usd if len(known) else 0.0
        best = max(best, max((float(v) / basis_usd for v in p.loc[ind.isna(), "value_usd"]), default=0.0))
        worst = (float(known.max()) if len(known) else 0.0) + unknown_val
        worst /= basis_usd
        frac = known / basis_usd
        contributors = set(frac.index[frac > limit + self.tol])
        if unknown_val > 0 and worst > limit + self.tol:
            contributors |= {"(unclassified)"} | ({str(known.index[0])} if len(known) else set())
        return Measurement(value=worst, best=best, limit=limit, kind="max", basis_usd=basis_usd,
                           contributors=frozenset(contributors),
                           unknown=tuple(sorted(p.index[ind.isna()])),
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
                           note=f"qualifying set: column '{col}'")


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
                           details=tuple({"subject": s, "liquidity_class": lc.at[s, "liquidity_class"],
                                          "days_to_sell": float(lc.at[s, "days_to_sell"]),
                                          "value_usd": float(pos.at[s, "value_usd"])}
                                         for s in pos.index[asset]),
                           note="classes: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


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
        pos = book.positions
        funds = pos[pos["asset_type"].eq("investment_company") & (pos["shares"] > 0)]
        limit = float(self.params["control_max_voting_12d1_4" if self.elected else "fund_max_voting"])
        if funds.empty:
            return Measurement(value=0.0, best=0.0, limit=limit, kind="max", basis_usd=None,
                               note="no investment company shares held")
        voting = issuer_voting_fraction(funds)
        unknown = tuple(sorted(voting.index[voting.isna()]))
        known = voting.dropna()
        best = float(known.max()) if len(known) else 0.0
        worst = None if unknown else best
        over = known[known > limit + self.tol]
        return Measurement(value=worst, best=best, limit=limit, kind="max", basis_usd=None,
                           contributors=frozenset(over.index) | frozenset(unknown), unknown=unknown,
                           details=tuple({"subject": i, "voting": None if pd.isna(v) else float(v)}
                                         for i, v in voting.items()))


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
        pos = book.positions
        funds = pos[pos["asset_type"].eq("investment_company") & (pos["value_usd"] > 0)]
        ta = book.total_assets_usd
        frac = funds.groupby("issuer_id")["value_usd"].sum() / ta
        limit = float(self.params["fund_max_assets"])
        v = float(frac.max()) if len(frac) else 0.0
        return Measurement(value=v, best=v, limit=limit, kind="max", basis_usd=ta,
                           contributors=frozenset(frac.index[frac > limit + self.tol]),
                           details=tuple({"subject": i, "pct_assets": float(x)} for i, x in frac.items()))


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
        pos = book.positions
        funds = pos[pos["asset_type"].eq("investment_company") & (pos["value_usd"] > 0)]
        ta = book.total_assets_usd
        v = float(funds["value_usd"].sum()) / ta
        limit = float(self.params["funds_max_assets"])
        return Measurement(value=v, best=v, limit=limit, kind="max", basis_usd=ta,
                           contributors=frozenset(funds["issuer_id"]) if v > limit + self.tol else frozenset())


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
        unknown = tuple(sorted(frac.index[frac.isna()]))
        best = float(frac.max()) if frac.notna().any() else 0.0
        worst = None if unknown else best
        return Measurement(value=worst, best=best, limit=limit, kind="max", basis_usd=None,
                           contributors=frozenset(frac.index[frac > limit + self.tol]) | frozenset(unknown),
                           unknown=unknown,
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
        frac = {}
        for issuer, g in debt.groupby("issuer_id"):
            out = g["shares_outstanding"].dropna()
            frac[issuer] = float(g["shares"].sum()) / float(out.max()) if len(out) else float("nan")
        s = pd.Series(frac, dtype=float)
        unknown = tuple(sorted(s.index[s.isna()]))
        best = float(s.max()) if s.notna().any() else 0.0
        return Measurement(value=None if unknown else best, best=best, limit=limit, kind="max", basis_usd=None,
                           contributors=frozenset(s.index[s > limit + self.tol]) | frozenset(unknown),
                           unknown=unknown)


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
        frac = sr[sr["value_usd"] > 0].groupby("issuer_id")["value_usd"].sum() / ta
        limit = float(self.params["issuer_max_assets"])
        v = float(frac.max()) if len(frac) else 0.0
        return Measurement(value=v, best=v, limit=limit, kind="max", basis_usd=ta,
                           contributors=frozenset(frac.index[frac > limit + self.tol]))


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
        known = float(notional.dropna().sum()) / nav
        limit = float(self.params["exposure_max"])
        return Measurement(value=None if unknown else known, best=known, limit=limit, kind="max", basis_usd=nav,
                           contributors=frozenset(["fund"]) if (known > limit + self.tol or unknown) else frozenset(),
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
        frac = p.groupby("issuer_id")["value_usd"].sum() / book.nav_usd
        limit = float(self.params["issuer_max_net_assets"])
        v = float(frac.max()) if len(frac) else 0.0
        return Measurement(value=v, best=v, limit=limit, kind="max", basis_usd=book.nav_usd,
                           contributors=frozenset(frac.index[frac > limit + self.tol]))


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
        frac = p.groupby("issuer_id")["value_usd"].sum() / book.nav_usd
        large = frac[frac > float(self.params["large_issuer_threshold"]) + self.tol]
        v = float(large.sum())
        limit = float(self.params["large_sum_max"])
        return Measurement(value=v, best=v, limit=limit, kind="max", basis_usd=book.nav_usd,
                           contributors=frozenset(large.index) if v > limit + self.tol else frozenset(),
                           details=tuple({"subject": i, "pct_nav": float(x)} for i, x in large.items()))


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
        return Measurement(value=v, best=v, limit=limit, kind="max", basis_usd=book.nav_usd,
                           contributors=frozenset(delta.index[delta != 0]) if v > limit + self.tol else frozenset())

    def measure(self, book: Book) -> Measurement:
        return self.measure_trades(book, None)


RULE_CLASSES: dict[str, type[Rule]] = {c.rule_id: c for c in (
    ICA5b1Diversification, IRC851b3A, IRC851b3Bi, IRC851b3Bii, IndustryConcentration, Rule35d1Names,
    Rule22e4Illiquid, ICA12d1Ai, ICA12d1Aii, ICA12d1Aiii, Rule12d3_1Equity, Rule12d3_1Debt, Rule12d3_1Assets,
    Rule18f4LimitedUser, ProspectusMaxIssuerWeight, InternalLargeIssuers, InternalTurnover)}


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
