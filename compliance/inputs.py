"""Input schema of the compliance package: holdings, security attributes, prices and fund-level amounts.

Compliance is pure: callers (the portfolio package, the CLI, tests) hand over plain pandas tables and numbers. This
module validates them once and builds an immutable :class:`Book` (one day's portfolio) that every rule reads.

Holdings table (one row per position)
-------------------------------------
``security_id`` (str, key)   the identifier used in the securities table.
``shares`` (float)           units held: shares for equity and fund shares, principal units for debt, contracts
                             for derivatives (may be negative for a short derivative; must be >= 0 otherwise).
``price`` (float, optional)  USD per unit; may instead come from the ``prices`` argument (a mapping or Series
                             keyed by security_id). Value in USD = ``shares * price``.

Securities table (one row per security; extra columns are allowed and travel along)
-----------------------------------------------------------------------------------
``security_id`` (str, key), ``issuer_id`` (str)
``asset_type`` (str)         one of ``equity``, ``debt``, ``government`` (US Government securities, s.2(a)(16)),
                             ``investment_company`` (a registered investment company: fund, ETF), ``derivative``.
``is_voting`` (bool)         the class carries votes; default True for equity and investment_company, else False.
``shares_outstanding``       (float, nullable) outstanding units of this class; for debt: principal units
                             outstanding of the issuer's debt securities. Null = unknown (rules that need it
                             become 'not_evaluable' unless the result is the same either way).
``issuer_voting_securities`` (float, nullable, optional) the issuer's total outstanding voting securities when it
                             has several voting classes; when null, the single held voting class's
                             ``shares_outstanding`` is used (single voting class assumed).
``is_ric`` (bool, optional)  the investment company is a regulated investment company (IRC s.851); default: True
                             for ``investment_company`` rows.
``is_securities_related`` (bool, optional)  the issuer derived more than 15% of gross revenues from
                             securities-related activities (Rule 12d3-1); supplied as data.
``adv_shares`` (float, nullable, optional)  average daily trading volume in units (Rule 22e-4 classification).
``shares_outstanding_asof``, ``issuer_voting_securities_asof``, ``adv_shares_asof`` (date, nullable, optional)
                             the date each of those data is as of; a rule treats a datum older than its maximum
                             age (config ``data_max_age_calendar_days``, :mod:`compliance.data_age`) as missing.
``settlement_days`` (float, optional)  business days to settle a sale; default per asset type from the config.
``liquidity_class`` (str, nullable, optional)  a classification supplied by a vendor or the liquidity risk
                             program administrator (highly/moderately/less/illiquid); overrides the ADV model.
``notional_per_unit_usd`` (float, optional)  gross notional per derivative contract (Rule 18f-4 exposure),
                             delta-adjusted for options by the caller; ``is_hedge`` (bool, optional) currency or
                             interest-rate hedges excluded from derivatives exposure under Rule 18f-4(a).
``ric_business_group`` (str, nullable, optional)  label shared by issuers engaged in the same, similar or related
                             trades or businesses (IRC s.851(b)(3)(B)(ii)); a judgement supplied as data.
industry column (str, nullable)  named in the config (``classification.industry_column``, e.g. ``bea_industry``
                             or ``gics_industry``); name-test column (bool, nullable) named by
                             ``classification.name_qualifying_column`` (default ``qualifies_for_name``).

Controlled-group look-through (optional ``look_through`` table; IRC s.851(b)(3)(B) flush language, Treas. Reg.
s.1.851-3(a))
---------------------------------------------------------------------------------------------------------------
One row per investment of a member of the fund's controlled group (s.851(c)(3): corporations the fund controls,
directly or through a chain of 20%-or-more voting interests) in the securities of another issuer:
``member_id`` (the member's ``issuer_id``; the chain must start at an issuer the fund holds), ``issuer_id`` (the
issuer the member invests in), ``value_usd`` (the member's investment, >= 0) and ``proportion`` (in [0, 1]: the
fund's proper proportion of that investment as determined under s.1.851-3, a judgement supplied with the data).
For subparagraph (B) only, the fund's investment in ``issuer_id`` then includes ``proportion * value_usd``.
Supplying the table (even empty) declares the controlled group complete: a controlled issuer without rows has no
investments to look through. Not supplying it while the fund controls an issuer makes the (B) tests
'not_evaluable' (unless they breach without the look-through).

Fund-level amounts (USD)
------------------------
``nav_usd`` (net assets, > 0), ``liabilities_usd`` (default 0), ``total_assets_usd`` (default nav + liabilities),
``cash_usd`` (cash and cash items including receivables; default: the residual total assets minus positions),
``borrowings_usd`` (borrowings for investment purposes, default 0; Rule 35d-1 "Assets" = net assets + these).
When both total assets and cash are given, the residual is "other assets", conservatively treated as outside the
diversification buckets.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ingest.errors import IngestError

ASSET_TYPES = ("equity", "debt", "government", "investment_company", "derivative")
#: Relative tolerance for reconciling fund-level amounts (positions vs total assets).
_RECONCILE_RTOL = 1e-9


class ComplianceInputError(IngestError):
    """Bad compliance input: names the table ('holdings', 'securities', 'prices', 'fund'), row and column."""


@dataclass(frozen=True)
class Book:
    """One day's portfolio, validated. ``positions`` is indexed by security_id, sorted, with the securities
    attributes joined and ``value_usd = shares * price``."""

    as_of: date
    positions: pd.DataFrame
    nav_usd: float
    total_assets_usd: float
    cash_usd: float
    other_assets_usd: float = 0.0
    borrowings_usd: float = 0.0
    meta: Mapping[str, Any] = field(default_factory=dict)
    #: member_id, issuer_id, value_usd, proportion; None = not supplied (see the module docstring)
    look_through: pd.DataFrame | None = None

    def look_through_usd(self) -> pd.Series:
        """The fund's proportion of its controlled group's investments, USD per issuer (empty when none)."""
        lt = self.look_through
        if lt is None or lt.empty:
            return pd.Series(dtype=float)
        return (lt["proportion"] * lt["value_usd"]).groupby(lt["issuer_id"]).sum()

    @property
    def liabilities_usd(self) -> float:
        return self.total_assets_usd - self.nav_usd

    def shares(self) -> pd.Series:
        return self.positions["shares"]

    def with_shares(self, shares: pd.Series, cash_usd: float) -> "Book":
        """Same securities and prices, other share counts and cash (total assets and NAV follow the change)."""
        pos = self.positions.copy()
        pos["shares"] = shares.reindex(pos.index).fillna(0.0).astype(float)
        pos["value_usd"] = pos["shares"] * pos["price"]
        old_assets = float(self.positions["value_usd"].sum()) + self.cash_usd
        new_assets = float(pos["value_usd"].sum()) + cash_usd
        delta = new_assets - old_assets
        return replace(self, positions=pos, cash_usd=float(cash_usd),
                       total_assets_usd=self.total_assets_usd + delta, nav_usd=self.nav_usd + delta)

    def apply_trades(self, trades: Mapping[str, float]) -> "Book":
        """Book after trading ``trades`` (security_id -> change in units) at today's prices, paid from cash.

        Costs are not modelled (the optimizer owns them); total assets and NAV are unchanged by a trade.
        """
        unknown = sorted(set(trades) - set(self.positions.index))
        if unknown:
            raise ComplianceInputError("trade in a security that is not in the securities table",
                                       path="trades", column="security_id", got=unknown[:5])
        delta = pd.Series(trades, dtype=float).reindex(self.positions.index).fillna(0.0)
        new_shares = self.positions["shares"] + delta
        cash = self.cash_usd - float((delta * self.positions["price"]).sum())
        return self.with_shares(new_shares, cash)


def _bool_col(df: pd.DataFrame, name: str, default: pd.Series | bool, table: str) -> pd.Series:
    if name not in df.columns:
        return default if isinstance(default, pd.Series) else pd.Series(default, index=df.index, dtype=bool)
    col = df[name]
    if pd.api.types.is_bool_dtype(col.dtype) and not col.isna().any():  # already booleans: nothing to parse
        return col.astype(bool)
    out = []
    for idx, v in col.items():
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(default.loc[idx] if isinstance(default, pd.Series) else default)
        elif isinstance(v, (bool, np.bool_)) or v in (0, 1):
            out.append(bool(v))
        elif isinstance(v, str) and v.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
            out.append(v.strip().lower() in ("true", "1", "yes"))
        else:
            raise ComplianceInputError("not a boolean", path=table, row=_row_of(df, idx), column=name,
                                       expected="true/false", got=v)
    return pd.Series(out, index=df.index, dtype=bool)


def _nullable_bool(df: pd.DataFrame, name: str, table: str) -> pd.Series:
    """A boolean column where null means unknown (kept as pandas 'boolean' with <NA>)."""
    if name not in df.columns:
        return pd.Series(pd.NA, index=df.index, dtype="boolean")
    if pd.api.types.is_bool_dtype(df[name].dtype):  # booleans (with or without <NA>): nothing to parse
        return df[name].astype("boolean")
    vals = []
    for idx, v in df[name].items():
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            vals.append(pd.NA)
        elif isinstance(v, (bool, np.bool_)) or v in (0, 1):
            vals.append(bool(v))
        else:
            raise ComplianceInputError("not a boolean", path=table, row=_row_of(df, idx), column=name,
                                       expected="true/false or null", got=v)
    return pd.Series(vals, index=df.index, dtype="boolean")


def _row_of(df: pd.DataFrame, idx: Any) -> int:
    """1-based row number as a person counts it in the table (header = row 1)."""
    return int(df.index.get_loc(idx)) + 2 if idx in df.index else 0


def _float_col(df: pd.DataFrame, name: str, table: str, *, nullable: bool, nonneg: bool = True,
               positive: bool = False) -> pd.Series:
    out = pd.to_numeric(df[name], errors="coerce")
    # vectorised screen; the rows it flags are then examined one by one in order, so the first bad row is reported
    vals = out.to_numpy(dtype=float, na_value=np.nan)
    missing = df[name].isna().to_numpy()
    with np.errstate(invalid="ignore"):
        suspect = (missing & (not nullable)) | (~missing & ~np.isfinite(vals)) \
            | (~missing & (vals <= 0) & positive) | (~missing & (vals < 0) & nonneg)
    if not suspect.any():
        return out.astype(float)
    first = int(np.flatnonzero(suspect)[0])
    for idx, (raw, v) in enumerate(zip(df[name], out)):
        if idx < first:
            continue
        row = idx + 2
        missing = raw is None or raw is pd.NA or (isinstance(raw, float) and math.isnan(raw))
        if missing:
            if not nullable:
                raise ComplianceInputError("missing value", path=table, row=row, column=name,
                                           expected="a number")
            continue
        if pd.isna(v) or not math.isfinite(float(v)):
            raise ComplianceInputError("value does not parse", path=table, row=row, column=name,
                                       expected="a finite number", got=raw)
        if positive and v <= 0:
            raise ComplianceInputError("value out of range", path=table, row=row, column=name,
                                       expected="a number > 0", got=raw)
        if nonneg and v < 0:
            raise ComplianceInputError("value out of range", path=table, row=row, column=name,
                                       expected="a number >= 0", got=raw)
    return out.astype(float)


def _require(df: pd.DataFrame, cols: list[str], table: str) -> None:
    for c in cols:
        if c not in df.columns:
            raise ComplianceInputError("missing column", path=table, column=c,
                                       expected=f"columns {cols}", got=sorted(map(str, df.columns)))


def _keys(df: pd.DataFrame, table: str) -> pd.Series:
    ids = df["security_id"]
    blank = ids.isna().to_numpy() | ids.astype(str).str.strip().eq("").to_numpy()
    for idx in np.flatnonzero(blank).tolist():
        v = ids.iloc[idx]
        if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "":
            raise ComplianceInputError("missing identifier", path=table, row=idx + 2, column="security_id")
    ids = ids.astype(str).str.strip()
    dup = ids[ids.duplicated()]
    if len(dup):
        first = int(np.flatnonzero(ids.duplicated().to_numpy())[0])
        raise ComplianceInputError("duplicated key", path=table, row=first + 2, column="security_id",
                                   got=dup.iloc[0])
    return ids


def normalize_securities(securities: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """Validate the securities table and fill defaults; returns a frame indexed by security_id."""
    table = "securities"
    df = securities.reset_index(drop=True).copy()
    _require(df, ["security_id", "issuer_id", "asset_type"], table)
    df["security_id"] = _keys(df, table)
    blank = df["issuer_id"].isna().to_numpy() | df["issuer_id"].astype(str).str.strip().eq("").to_numpy()
    for idx in np.flatnonzero(blank).tolist():
        v = df["issuer_id"].iloc[idx]
        if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "":
            raise ComplianceInputError("missing issuer", path=table, row=idx + 2, column="issuer_id")
    df["issuer_id"] = df["issuer_id"].astype(str).str.strip()
    at = df["asset_type"].astype(str).str.strip().str.lower()
    for idx in np.flatnonzero(~at.isin(ASSET_TYPES).to_numpy()).tolist():
        v = at.iloc[idx]
        if v not in ASSET_TYPES:
            raise ComplianceInputError("unknown asset type", path=table, row=idx + 2, column="asset_type",
                                       expected=" / ".join(ASSET_TYPES), got=df["asset_type"].iloc[idx])
    df["asset_type"] = at
    voting_default = at.isin(["equity", "investment_company"])
    df["is_voting"] = _bool_col(df, "is_voting", voting_default, table)
    df["is_ric"] = _bool_col(df, "is_ric", at.eq("investment_company"), table)
    df["is_securities_related"] = _bool_col(df, "is_securities_related", False, table)
    df["is_hedge"] = _bool_col(df, "is_hedge", False, table)
    for col in ("shares_outstanding", "issuer_voting_securities", "adv_shares", "settlement_days",
                "notional_per_unit_usd"):
        if col not in df.columns:
            df[col] = np.nan
        df[col] = _float_col(df, col, table, nullable=True)
    for col in ("shares_outstanding", "issuer_voting_securities"):
        bad = df[col].notna() & (df[col] <= 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ComplianceInputError("value out of range", path=table, row=i + 2, column=col,
                                       expected="a number > 0 or null", got=df[col].iloc[i])
    for datum in ("shares_outstanding", "issuer_voting_securities", "adv_shares"):
        col = f"{datum}_asof"
        if col not in df.columns:
            continue
        parsed = pd.to_datetime(df[col], errors="coerce")
        bad = df[col].notna().to_numpy() & parsed.isna().to_numpy() \
            & ~df[col].astype(str).isin(["NaT", "nan", "None", ""]).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ComplianceInputError("date does not parse", path=table, row=i + 2, column=col,
                                       expected="an ISO date or null", got=df[col].iloc[i])
        df[col] = parsed
    settle_default = config["liquidity"]["default_settlement_days"]
    df["settlement_days"] = df["settlement_days"].fillna(df["asset_type"].map(settle_default)).astype(float)
    if "liquidity_class" not in df.columns:
        df["liquidity_class"] = None
    classes = {"highly_liquid", "moderately_liquid", "less_liquid", "illiquid"}
    lc = df["liquidity_class"]
    for idx in np.flatnonzero((lc.notna() & ~lc.isin(list(classes))).to_numpy()).tolist():
        v = lc.iloc[idx]
        if v is not None and not (isinstance(v, float) and math.isnan(v)) and v not in classes:
            raise ComplianceInputError("unknown liquidity class", path=table, row=idx + 2,
                                       column="liquidity_class", expected=" / ".join(sorted(classes)), got=v)
    df["liquidity_class"] = df["liquidity_class"].where(df["liquidity_class"].notna(), None)
    if "ric_business_group" not in df.columns:
        df["ric_business_group"] = None
    ind = config["classification"]["industry_column"]
    if ind not in df.columns:
        raise ComplianceInputError("missing industry column named in the rules configuration", path=table,
                                   column=ind, expected="classification.industry_column present",
                                   got=sorted(map(str, df.columns)))
    df[ind] = df[ind].where(df[ind].notna(), None)
    name_col = config["classification"]["name_qualifying_column"]
    df[name_col] = _nullable_bool(df, name_col, table)
    return df.set_index("security_id").sort_index()


def build_book(
    as_of: date,
    holdings: pd.DataFrame,
    securities: pd.DataFrame,
    config: Mapping[str, Any],
    *,
    prices: Mapping[str, float] | pd.Series | None = None,
    nav_usd: float,
    cash_usd: float | None = None,
    liabilities_usd: float = 0.0,
    total_assets_usd: float | None = None,
    borrowings_usd: float = 0.0,
    look_through: pd.DataFrame | list[Mapping[str, Any]] | None = None,
) -> Book:
    """Validate the inputs and build the day's :class:`Book` (see the module docstring for the schema)."""
    sec = normalize_securities(securities, config)
    table = "holdings"
    h = holdings.reset_index(drop=True).copy()
    _require(h, ["security_id", "shares"], table)
    h["security_id"] = _keys(h, table)
    h["shares"] = _float_col(h, "shares", table, nullable=False, nonneg=False)
    missing = sorted(set(h["security_id"]) - set(sec.index))
    if missing:
        row = int(np.flatnonzero(h["security_id"].isin(missing).to_numpy())[0]) + 2
        raise ComplianceInputError("security not in the securities table", path=table, row=row,
                                   column="security_id", got=missing[0])
    h = h.set_index("security_id")
    if prices is not None:
        p = pd.Series(prices, dtype=float) if not isinstance(prices, pd.Series) else prices.astype(float)
        p.index = p.index.astype(str)
        price = p.reindex(h.index)
        if "price" in h.columns:
            price = price.fillna(pd.to_numeric(h["price"], errors="coerce"))
        h["price"] = price
    elif "price" not in h.columns:
        raise ComplianceInputError("no prices: give a 'price' column or the prices argument", path=table,
                                   column="price")
    for pos, (sid, v) in enumerate(h["price"].items()):
        if pd.isna(v) or not math.isfinite(float(v)) or float(v) < 0:
            raise ComplianceInputError("price missing or invalid", path="prices", row=pos + 2, column=sid,
                                       expected="a finite price >= 0 in USD", got=v)
    for pos, (sid, v) in enumerate(h["shares"].items()):
        if v < 0 and sec.at[sid, "asset_type"] != "derivative":
            raise ComplianceInputError("negative position in a long-only asset", path=table, row=pos + 2,
                                       column="shares", expected="shares >= 0", got=v)
    pos_df = sec.join(h[["shares", "price"]], how="inner")
    pos_df["shares"] = pos_df["shares"].astype(float)
    pos_df["price"] = pos_df["price"].astype(float)
    pos_df["value_usd"] = pos_df["shares"] * pos_df["price"]
    pos_df = pos_df.sort_index()

    if not (isinstance(nav_usd, (int, float)) and math.isfinite(nav_usd) and nav_usd > 0):
        raise ComplianceInputError("net assets must be a positive number", path="fund", column="nav_usd",
                                   got=nav_usd)
    if liabilities_usd < 0 or borrowings_usd < 0:
        raise ComplianceInputError("liabilities and borrowings must be >= 0", path="fund",
                                   column="liabilities_usd", got=(liabilities_usd, borrowings_usd))
    ta = float(total_assets_usd) if total_assets_usd is not None else float(nav_usd) + float(liabilities_usd)
    if total_assets_usd is not None and abs(ta - nav_usd - liabilities_usd) > _RECONCILE_RTOL * ta + 0.01 \
            and liabilities_usd != 0.0:
        raise ComplianceInputError("total assets differ from net assets plus liabilities", path="fund",
                                   column="total_assets_usd", expected=f"{nav_usd + liabilities_usd:,.2f}",
                                   got=ta)
    invested = float(pos_df["value_usd"].sum())
    tol = _RECONCILE_RTOL * ta + 0.01
    if cash_usd is None:
        cash = ta - invested
        other = 0.0
    else:
        cash = float(cash_usd)
        other = ta - invested - cash
    if cash < -tol or other < -tol:
        raise ComplianceInputError("positions and cash exceed total assets", path="fund",
                                   column="total_assets_usd", expected=f">= {invested + max(cash, 0):,.2f}",
                                   got=ta)
    lt = None if look_through is None else normalize_look_through(look_through, set(pos_df["issuer_id"]))
    return Book(as_of=as_of, positions=pos_df, nav_usd=float(nav_usd), total_assets_usd=ta,
                cash_usd=max(cash, 0.0), other_assets_usd=max(other, 0.0), borrowings_usd=float(borrowings_usd),
                look_through=lt)


LOOK_THROUGH_COLUMNS = ["member_id", "issuer_id", "value_usd", "proportion"]


def normalize_look_through(look_through: pd.DataFrame | list[Mapping[str, Any]],
                           held_issuers: set[str]) -> pd.DataFrame:
    """Validate the controlled-group look-through table (errors name table 'look_through', row and column)."""
    table = "look_through"
    lt = pd.DataFrame(look_through, columns=None if isinstance(look_through, pd.DataFrame) else LOOK_THROUGH_COLUMNS)
    lt = lt.reset_index(drop=True)
    _require(lt, LOOK_THROUGH_COLUMNS, table)
    lt = lt[LOOK_THROUGH_COLUMNS].copy()
    for col in ("member_id", "issuer_id"):
        for idx, v in enumerate(lt[col]):
            if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "":
                raise ComplianceInputError("missing identifier", path=table, row=idx + 2, column=col)
        lt[col] = lt[col].astype(str).str.strip()
    lt["value_usd"] = _float_col(lt, "value_usd", table, nullable=False)
    lt["proportion"] = _float_col(lt, "proportion", table, nullable=False)
    for idx, v in enumerate(lt["proportion"]):
        if v > 1:
            raise ComplianceInputError("proportion above 1", path=table, row=idx + 2, column="proportion",
                                       expected="a fraction in [0, 1]", got=v)
    # a chain starts at an issuer the fund holds; deeper members appear as issuers of earlier rows
    reachable = held_issuers | set(lt["issuer_id"])
    for idx, m in enumerate(lt["member_id"]):
        if m not in reachable:
            raise ComplianceInputError("controlled-group member not held by the fund nor by another member",
                                       path=table, row=idx + 2, column="member_id", got=m)
    dup = lt.duplicated(["member_id", "issuer_id"])
    if dup.any():
        raise ComplianceInputError("duplicated (member_id, issuer_id)", path=table,
                                   row=int(np.flatnonzero(dup.to_numpy())[0]) + 2, column="issuer_id")
    return lt.astype({"value_usd": float, "proportion": float})
