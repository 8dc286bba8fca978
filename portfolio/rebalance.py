"""The daily run: target weights, whole-share orders and the holdings disclosure for one date.

``rebalance(date, universe, nav_usd, holdings_file=None, home=...)`` decides with data through the previous close
(prices dated strictly before ``date``), sizes orders at that close, rounds target quantities down to whole shares,
runs the compliance checker on the rounded book, and writes ``<home>/portfolio/<universe>/<date>/``:

* ``target_weights.csv``   identifier, weight (of NAV, after rounding), quantity (shares), price_usd (previous close)
* ``orders.csv``           identifier, side (BUY/SELL), quantity (whole shares), price_usd, notional_usd
* ``holdings_disclosure.csv``  identifier, description, quantity, weight: the file an ETF posts before the open
  (cash as the row ``CASH_USD``)
* ``liquidity_classification.csv``  per position, the Rule 22e-4 class and every input with its basis and as-of
  date (:func:`liquidity_report`): value, ADV in USD and its basis (measured / market-cap fallback / none), market
  cap and its as-of date, days to sell, days to cash, and the estimated shares outstanding (source, as-of) with the
  fraction of them the position is
* ``inputs.json``          SHA-256 of every input (universe data, crosswalk, holdings file, forecasts, compliance
  configuration) and the parameters
* ``summary.json``         the summary below, without ``solve_ms`` (timing is not a function of the inputs, so it is
  returned and printed but not written: the same inputs give byte-identical files)

The directory is built in a temporary sibling and renamed into place (:func:`ingest.storage.atomic_directory`):
nothing is written for a date unless it is complete, and no other date's directory is touched.

Holdings file: CSV ``identifier,quantity`` (shares; optional row ``CASH_USD,<usd>``). Bad input raises
:class:`RebalanceError` naming the file, row and column: an identifier not in the universe, a held security without
a positive price on the previous close, a quantity that is not a number >= 0, holdings worth more than the NAV, an
empty universe, a NAV that is not a positive number. Universe securities without a price are not bought (counted in
the summary as ``n_unpriced``).

Summary keys: ``date``, ``status``, ``n_positions``, ``turnover`` (one-way, fraction of NAV), ``solve_ms``,
``relaxed``, ``compliance`` (per-rule status counts, violations, not-evaluable rules), ``liquidity`` (positions per
class and per ADV basis), ``survivorship`` (point-in-time universes: index members on the date without a price,
named, with their share of the index by count and market cap; else null), ``missing_data`` (eligible securities
without shares outstanding or ADV on the date, named: not bought under ``enforce``), plus ``universe``,
``nav_usd``, ``cash_usd``, ``signal``, ``notes``, ``mandate`` (``<id>@<version>`` of the policy's mandate, else null;
also in ``inputs.json`` with its SHA-256) and ``active`` (benchmark-relative policies: ex-ante tracking error against
its budget, active share, binding constraints, the largest active positions with their drivers; else null).
"""
from __future__ import annotations

import hashlib
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ingest.errors import IngestError
from ingest.storage import atomic_directory

from . import fund_rules
from .optimizer import COMPILED_MODES, Policy, PolicyConfig
from .universe import CROSSWALK, Universe, load_universe

CASH_ID = "CASH_USD"


class RebalanceError(IngestError):
    """Bad input to the daily run (names the file, row and column where there is one)."""


def read_holdings(path: Path, universe: Universe) -> tuple[pd.Series, float | None]:
    """Parse a holdings file; returns (shares per identifier, cash in USD or None)."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise RebalanceError(f"holdings file unreadable: {exc}", path=path) from exc
    if list(df.columns[:2]) != ["identifier", "quantity"]:
        raise RebalanceError("holdings header", path=path, row=1, expected="identifier,quantity",
                             got=",".join(df.columns))
    shares: dict[str, float] = {}
    cash = None
    for i, (ident, q) in enumerate(zip(df["identifier"].str.strip(), df["quantity"].str.strip())):
        row = i + 2
        try:
            v = float(q)
        except ValueError:
            v = float("nan")
        if not math.isfinite(v) or v < 0:
            raise RebalanceError("quantity is not a number >= 0", path=path, row=row, column="quantity",
                                 expected="shares >= 0", got=q)
        if ident == CASH_ID:
            cash = v
            continue
        if ident not in universe.securities.index:
            raise RebalanceError("unknown identifier (not in the universe)", path=path, row=row,
                                 column="identifier", expected=f"an identifier of universe {universe.name!r}",
                                 got=ident)
        if ident in shares:
            raise RebalanceError("duplicated identifier", path=path, row=row, column="identifier", got=ident)
        shares[ident] = v
    return pd.Series(shares, dtype=float), cash


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def _csv(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n", float_format="%.10g")
    return buf.getvalue().encode()


def liquidity_report(master: pd.DataFrame, qty: pd.Series, price: pd.Series, liquidity_config: dict,
                     model: dict) -> pd.DataFrame:
    """The Rule 22e-4 classification of each held position with its inputs (:mod:`compliance.liquidity`)."""
    from compliance.liquidity import BASIS_MEASURED, BASIS_NONE, classification_report

    pos = qty[qty > 0].index
    m = master.reindex(pos)
    value = (qty[pos] * price.reindex(pos)).astype(float)
    basis = m["adv_basis"] if "adv_basis" in m.columns else pd.Series(
        np.where(m["adv_usd"].gt(0), BASIS_MEASURED, BASIS_NONE), index=pos)
    settle = m["type"].map({"etf": "investment_company"}).fillna("equity").map(
        liquidity_config["default_settlement_days"]).astype(float)
    frame = pd.DataFrame({"value_usd": value, "adv_usd": m["adv_usd"].astype(float), "adv_basis": basis,
                          "settlement_days": settle}, index=pos)
    for c in ("adv_asof", "adv_observations", "market_cap_usd", "market_cap_asof", "market_cap_bucket",
              "fallback_turnover", "index_member"):
        if c in m.columns:
            frame[c] = m[c]
    rep = classification_report(frame, liquidity_config, model)
    for c in ("shares_outstanding_est", "shares_outstanding_source", "shares_outstanding_asof"):
        if c in m.columns:
            rep[c] = m[c]
    with np.errstate(invalid="ignore", divide="ignore"):
        rep["fraction_of_shares_outstanding"] = qty[pos] / m["shares_outstanding"].astype(float)
    return rep.rename_axis("identifier").reset_index()


def rebalance(date: str, universe: str = "sp500", nav_usd: float = 1e8, holdings_file: str | Path | None = None,
              home: str | Path = ".", *, config: PolicyConfig | None = None, forecasts: pd.DataFrame | None = None,
              warehouse=None, universe_obj: Universe | None = None, policy: Policy | None = None) -> dict[str, Any]:
    """Run the day (see the module docstring). ``forecasts``: industry return forecasts (format of
    :mod:`portfolio.signals`); ``universe_obj``/``policy`` let a caller reuse loaded objects."""
    from ingest.warehouse import Warehouse
    from .signals import ExpectedReturns

    if not (isinstance(nav_usd, (int, float)) and math.isfinite(nav_usd) and nav_usd > 0):
        raise RebalanceError("NAV must be a positive number of US dollars", column="nav_usd", got=nav_usd)
    t = pd.Timestamp(date)
    home = Path(home)
    wh = warehouse or Warehouse(home)
    uni = universe_obj or load_universe(universe, wh)
    if not uni.identifiers:
        raise RebalanceError(f"universe {universe!r} is empty")
    hist = uni.history(t)
    if hist.empty:
        raise RebalanceError(f"no prices before {t.date()} in universe {uni.name!r}", column="date",
                             expected=f"a date after {uni.prices.index.min().date()}", got=str(t.date()))
    last = hist.iloc[-1]
    price_date = hist.index[-1]
    if not uni.eligible(t).any():
        # an empty universe on the day: no target could be formed, so nothing is written (the previous date's
        # files stay the fund's latest) rather than an all-cash target that would sell every holding
        raise RebalanceError(f"no security of universe {uni.name!r} is eligible on {t.date()}: none has "
                             f"eligible_from <= {t.date()} and a positive close on {price_date.date()}",
                             column="eligible_from", expected="at least one eligible security", got=0)
    held, cash_in = (read_holdings(Path(holdings_file), uni) if holdings_file else (pd.Series(dtype=float), None))
    for ident, q in held.items():
        p = last.get(ident, np.nan)
        if q > 0 and not (np.isfinite(p) and p > 0):
            raise RebalanceError("held security has no positive price on the previous close", path=holdings_file,
                                 column=ident, expected=f"a price > 0 on {price_date.date()}", got=p)
    held_value = float((held * last.reindex(held.index)).sum()) if len(held) else 0.0
    if held_value > nav_usd * (1 + 1e-9):
        raise RebalanceError("holdings are worth more than the NAV", path=holdings_file, column="quantity",
                             expected=f"<= {nav_usd:,.2f} USD", got=f"{held_value:,.2f} USD")
    cash_usd = cash_in if cash_in is not None else nav_usd - held_value
    w0 = (held * last.reindex(held.index) / nav_usd).reindex(uni.identifiers).fillna(0.0)

    cfg = config or PolicyConfig()
    ff = wh.read("market_ff_factors") if wh.has("market") else None
    spy = None
    if wh.has("market"):
        etf = wh.read("market_etf_prices", columns=["date", "ticker", "adj_close_usd"])
        spy = etf[etf["ticker"] == "SPY"].set_index("date")["adj_close_usd"].pct_change(fill_method=None)
    pol = policy or Policy(uni, cfg, signals=ExpectedReturns(forecasts), ff_factors=ff, market_returns=spy)
    dec = pol.decide(t, w0, nav_usd)

    price = last.reindex(uni.identifiers)
    target_w = dec.weights
    qty = np.floor(np.where(price > 0, target_w * nav_usd / price.where(price > 0, 1.0), 0.0) + 1e-9)
    qty = pd.Series(qty, index=uni.identifiers)
    if dec.status.endswith("kept_previous"):
        qty = held.reindex(uni.identifiers).fillna(0.0)
    cur = held.reindex(uni.identifiers).fillna(0.0)
    delta = qty - cur
    new_cash = cash_usd - float((delta * price.fillna(0.0)).sum())
    value = qty * price.fillna(0.0)
    weight = value / nav_usd
    compliance: dict[str, Any] = {"mode": cfg.compliance}
    status = dec.status
    if pol.rules is not None:
        master = uni.securities_at(t).join(uni.liquidity(t))
        table = fund_rules.securities_table(master, price.fillna(1.0))
        res = fund_rules.check(pol.rules, t.date(), table, qty, nav_usd, new_cash,
                               previous=(cur, nav_usd, cash_usd))
        compliance.update(fund_rules.summarize(res))
        if res.violations and cfg.compliance in COMPILED_MODES:
            status = "blocked_by_compliance_kept_previous"
            qty, delta = cur.copy(), cur * 0.0
            new_cash = cash_usd
            value = qty * price.fillna(0.0)
            weight = value / nav_usd
    pos = qty[qty > 0].index
    from compliance.liquidity import MODEL_PATH, load_model
    from compliance.rules import load_config

    master = uni.securities_at(t).join(uni.liquidity(t))
    liq_cfg = (pol.rules.config if pol.rules is not None else load_config())["liquidity"]
    liq = liquidity_report(master, qty, price, liq_cfg, load_model())
    tw = pd.DataFrame({"identifier": pos, "weight": weight[pos].to_numpy(), "quantity": qty[pos].astype(int).to_numpy(),
                       "price_usd": price[pos].to_numpy()})
    trades = delta[delta != 0]
    orders = pd.DataFrame({"identifier": trades.index, "side": np.where(trades > 0, "BUY", "SELL"),
                           "quantity": trades.abs().astype(int).to_numpy(), "price_usd": price[trades.index].to_numpy(),
                           "notional_usd": (trades.abs() * price[trades.index]).to_numpy()})
    disc = pd.DataFrame({"identifier": list(pos) + [CASH_ID],
                         "description": list(uni.securities.loc[pos, "name"]) + ["Cash and equivalents (USD)"],
                         "quantity": list(qty[pos].astype(int)) + [round(new_cash, 2)],
                         "weight": list(weight[pos]) + [new_cash / nav_usd]})
    turnover = 0.5 * float((delta.abs() * price.fillna(0.0)).sum()) / nav_usd
    holdings_bytes = Path(holdings_file).read_bytes() if holdings_file else b""
    mandate = getattr(pol, "mandate", None)
    inputs = {
        "date": str(t.date()), "universe": uni.name, "universe_data_sha256": uni.source_hash,
        "price_date": str(price_date.date()), "crosswalk_sha256": _sha(CROSSWALK.read_bytes()),
        "holdings_file_sha256": _sha(holdings_bytes) if holdings_file else None, "nav_usd": nav_usd,
        "forecasts_sha256": _sha(pd.util.hash_pandas_object(forecasts, index=False).to_numpy().tobytes())
        if forecasts is not None else None,
        "compliance_config_sha256": pol.rules.hash if pol.rules is not None else None,
        "liquidity_model_sha256": _sha(MODEL_PATH.read_bytes()),
        "policy_config": {k: v for k, v in sorted(vars(cfg).items())},
        "warehouse_manifest_key": (wh.manifest("market") or {}).get("key") if universe in ("sp500", "sector_etfs")
        else None,
        "mandate": mandate.label if mandate is not None else None,
        "mandate_sha256": mandate.sha256 if mandate is not None else None,
    }
    summary = {
        "mandate": mandate.label if mandate is not None else None,
        "active": {k: v for k, v in dec.active.items() if k != "benchmark_weights"} if dec.active else None,
        "date": str(t.date()), "universe": uni.name, "status": status, "n_positions": int(len(pos)),
        "turnover": round(turnover, 10), "solve_ms": round(dec.solve_ms, 1), "relaxed": dec.relaxed,
        "compliance": compliance, "nav_usd": nav_usd, "cash_usd": round(new_cash, 2),
        "n_unpriced": int((~(price > 0)).sum()), "signal": dec.signal, "notes": dec.notes + uni.notes,
        "liquidity": {"classes": {str(k): int(v) for k, v in
                                  liq["liquidity_class"].fillna("unclassified").value_counts().sort_index().items()},
                      "adv_basis": {str(k): int(v) for k, v in liq["adv_basis"].value_counts().sort_index().items()}},
        "survivorship": uni.survivorship(t),
        "missing_data": _missing_data(uni, t, master),
    }
    dest = home / "portfolio" / uni.name / str(t.date())
    files = {
        "target_weights.csv": _csv(tw), "orders.csv": _csv(orders), "holdings_disclosure.csv": _csv(disc),
        "liquidity_classification.csv": _csv(liq),
        "inputs.json": (json.dumps(inputs, indent=2, sort_keys=True, default=str) + "\n").encode(),
        "summary.json": (json.dumps({k: v for k, v in summary.items() if k != "solve_ms"}, indent=2,
                                    sort_keys=True, default=str) + "\n").encode(),
    }
    with atomic_directory(dest) as tmp:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
    summary["output_dir"] = str(dest)
    summary["journal_id"] = _journal(home, dec, status, weight, pol, uni, inputs, compliance)
    return summary


def _missing_data(uni: Universe, t: pd.Timestamp, master: pd.DataFrame) -> dict[str, Any]:
    """Eligible securities the fund may not buy because a datum a regulatory rule needs is missing on ``t``
    (compliance ``enforce``: no increase), named."""
    elig = uni.eligible(t).reindex(master.index).fillna(False).to_numpy(bool)
    no_sh = master["shares_outstanding"].isna().to_numpy() if "shares_outstanding" in master else np.zeros(len(elig))
    no_adv = ~(master["adv_shares"].to_numpy(float) > 0) if "adv_shares" in master else np.zeros(len(elig))
    return {"eligible_without_shares_outstanding": sorted(master.index[elig & no_sh.astype(bool)]),
            "eligible_without_adv": sorted(master.index[elig & no_adv.astype(bool)]),
            "note": "no estimate within the maximum age on this date (e.g. members the financials snapshots never "
                    "list): the voting-securities and liquidity tests cannot be evaluated for them, so they are "
                    "not bought"}


def _journal(home: Path, dec, status: str, weight: pd.Series, pol, uni, inputs: dict, compliance: dict) -> int:
    """One decision-journal record for the day's book (:mod:`portfolio.journal`)."""
    from . import journal

    rec = journal.record_from_decision(
        dec, run_id="daily", kind="daily", universe=uni, mandate=getattr(pol, "mandate", None),
        rules_version=pol.rules.config.get("version") if pol.rules is not None else None,
        input_hash=f"universe:{uni.source_hash[:16]};forecasts:{(inputs['forecasts_sha256'] or 'none')[:16]}",
        compliance=compliance)
    rec.update(status=status, weights={k: float(v) for k, v in weight[weight > 0].items()})
    return journal.append(home, [rec])[0]
