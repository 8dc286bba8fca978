"""Base of the rule library: the measurement record, the exact comparisons, shared measures and the Rule class.

Exact comparisons
-----------------
The statutes compare values ("not greater in value than 5 per centum of the value of the total assets") and counts
("not more than 10 per centum of the outstanding voting securities"). A fraction with a fixed tolerance is not
exact: at $20 billion of total assets a tolerance of 1e-9 on the fraction admits $20 of excess. Every rule therefore
compares the *amount* it measures with the *limit amount* in the measure's own unit:

    money:  amount_usd  <=  limit * basis_usd  + allowance_usd      (max rules; min rules mirror it)
    units:  units_held  <=  limit * units_outstanding + allowance_units

The allowances (``tolerance.usd`` and ``tolerance.units`` in the configuration, 0.001 USD and 0.001 units) are below
one cent and one share at any fund size, and far above the rounding of double precision for any fund below $10^12
(the spacing of doubles near $10^12 is 1.2e-4 USD). So a holding of exactly 5% of total assets passes and one cent
(or one share) more fails, whether the fund holds $2 million or $20 billion. Fractions are still reported (value,
limit, headroom) but never decide a status. ``Measurement.over`` carries the decisive amount: worst-case excess over
the limit (positive = over, in the rule's unit), and ``best_over`` the best case.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Mapping

import numpy as np
import pandas as pd

from .inputs import Book, ComplianceInputError

SEVERITIES = ("regulatory", "prospectus", "internal")
SEMANTICS = ("acquisition", "quarter_end", "departure")


class ConfigError(ValueError):
    """The rules configuration is malformed (names the key and what was expected)."""


def tolerances(config: Mapping[str, Any], source: str = "config") -> tuple[float, float]:
    """(allowance in USD, allowance in units) from ``tolerance``; each must be >= 0 and below one cent / one unit."""
    tol = config.get("tolerance")
    if not isinstance(tol, Mapping):
        raise ConfigError(f"{source}: tolerance: expected {{\"usd\": <below 0.01>, \"units\": <below 1>}} "
                          f"(amounts, not fractions), got {tol!r}")
    out = []
    for key, bound in (("usd", 0.01), ("units", 1.0)):
        v = tol.get(key)
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not (0 <= v < bound):
            raise ConfigError(f"{source}: tolerance.{key}: expected a number in [0, {bound}), got {v!r}")
        out.append(float(v))
    return out[0], out[1]


# ------------------------------------------------------------------------------------------------ measurement
@dataclass(frozen=True)
class Measurement:
    """What a rule measured on one book.

    ``value`` is the worst case (missing data counted against the fund; None when it cannot be bounded), ``best``
    the best case. ``contributors`` are the subjects (issuers, industries, securities, funds) that push the
    measure toward the breach under the worst case; ``unknown`` lists subjects with missing data that matter.
    ``excess_usd`` is the value of assets whose disposal would cure a breach (IRC s.851(d)(2) de minimis sizing).

    ``over`` decides the status: the worst-case amount by which the measure exceeds its limit (max rules) or
    falls short of it (min rules), in ``unit`` ("USD" or "units"); positive = on the wrong side, None when it
    cannot be bounded. ``best_over`` is the same for the best case. The fractions are for the report.
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
    over: float | None = None
    best_over: float | None = None
    unit: str = "USD"


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


def issuer_voting_units(pos: pd.DataFrame) -> pd.DataFrame:
    """Per issuer: ``held`` (units of its voting classes held, 0 when none) and ``outstanding`` (its outstanding
    voting securities, NaN when unknown; read as in :func:`issuer_voting_fraction`). Unit comparisons use these."""
    issuers = pd.Index(sorted(pos["issuer_id"].unique()), name="issuer_id")
    out = pd.DataFrame({"held": 0.0, "outstanding": np.nan}, index=issuers)
    v = pos[pos["is_voting"].astype(bool) & (pos["shares"] > 0)]
    if v.empty:
        return out
    g = v.groupby("issuer_id", sort=True)
    total = pd.to_numeric(v["issuer_voting_securities"], errors="coerce").groupby(v["issuer_id"]).max()
    single = pd.to_numeric(v["shares_outstanding"], errors="coerce").groupby(v["issuer_id"]).first()
    single = single.where(g.size() == 1)
    out.loc[g.size().index, "held"] = g["shares"].sum().astype(float).to_numpy()
    den = total.where(total.notna(), single)
    out.loc[den.index, "outstanding"] = den.to_numpy(float)
    return out


def units_over(held: pd.Series, outstanding: pd.Series, limit: float) -> pd.Series:
    """Units held beyond ``limit`` of the outstanding units, per subject (NaN when outstanding is unknown)."""
    return held.astype(float) - float(limit) * outstanding.astype(float)


def max_over(over: pd.Series) -> float:
    """The largest excess of a per-subject series (no subject: -inf, i.e. nothing held is over)."""
    o = over.dropna()
    return float(o.max()) if len(o) else float("-inf")



def _control_threshold(config: Mapping[str, Any]) -> float:
    """IRC s.851(c)(2) control threshold, configured once on the controlled-group rule."""
    try:
        return float(config["rules"]["irc_851b3Bii_controlled_group"]["control_voting"])
    except KeyError as exc:
        raise ConfigError("rules.irc_851b3Bii_controlled_group.control_voting is required (IRC s.851(c)(2) "
                          "control threshold)") from exc


def controlled_issuers(pos: pd.DataFrame, control: float, tol_units: float) -> list[str]:
    """Issuers of which the fund surely holds ``control`` or more of the voting securities (IRC s.851(c)(2):
    "20 percent or more"), compared in units."""
    vu = issuer_voting_units(pos)
    over = units_over(vu["held"], vu["outstanding"], control)
    return sorted(i for i, o in over.items() if not pd.isna(o) and o >= -tol_units)


def subparagraph_b_values(book: Book, val: pd.Series, control: float, tol_units: float
                          ) -> tuple[pd.Series, tuple[str, ...], str]:
    """Issuer values for IRC s.851(b)(3)(B) including the fund's proper proportion of its controlled group's
    investments (Treas. Reg. s.1.851-3(a)). Returns (values, controlled issuers whose investments were not
    supplied, note). Look-through issuers are treated as ordinary issuers (not Government securities or RICs)."""
    ctrl = controlled_issuers(book.positions, control, tol_units)
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
        self.tol_usd, self.tol_units = tolerances(config)

    def allowance(self, unit: str) -> float:
        """The comparison allowance for a measure in ``unit`` ("USD" or "units")."""
        return self.tol_usd if unit == "USD" else self.tol_units

    def usd_over(self, amount: float | pd.Series, limit: float, basis_usd: float):
        """Money beyond ``limit`` of ``basis_usd``: positive when over (exact comparison is ``> tol_usd``)."""
        return amount - float(limit) * float(basis_usd)

    def is_over_usd(self, amount, limit: float, basis_usd: float):
        return self.usd_over(amount, limit, basis_usd) > self.tol_usd

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


def security_flag(pos: pd.DataFrame, name: str, *, nullable: bool = False) -> pd.Series:
    """An optional boolean attribute of the securities table that the input schema passes through unparsed
    (e.g. ``is_money_market_fund``, ``is_qualified_ptp``). Absent column: False everywhere. Null: unknown (pandas
    'boolean' <NA>) when ``nullable``, else False. Anything but true/false/1/0/yes/no is a
    :class:`ComplianceInputError` naming the security and the column."""
    if name not in pos.columns:
        return pd.Series(False, index=pos.index, dtype="boolean" if nullable else bool)
    vals: list[Any] = []
    for sid, v in pos[name].items():
        if _is_missing(v):
            vals.append(pd.NA if nullable else False)
        elif isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, float, np.integer, np.floating)) and v in (0, 1)):
            vals.append(bool(v))
        elif isinstance(v, str) and v.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
            vals.append(v.strip().lower() in ("true", "1", "yes"))
        else:
            raise ComplianceInputError("not a boolean", path="securities", column=name,
                                       expected=f"true/false{' or null' if nullable else ''} for security {sid}",
                                       got=v)
    return pd.Series(vals, index=pos.index, dtype="boolean" if nullable else bool)
