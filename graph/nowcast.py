r"""Nowcast quarters: the graph of a quarter BEA has not published yet, from nowcast gross output (pure build).

For a quarter ``Q`` after the last published BEA quarter ``k``, decided at date ``D`` (the caller's nowcaster gives
gross-output quantiles per industry from the indicators published by ``D``, e.g. :mod:`gnn.nowcast`):

1. **Margins.** Gross output ``GO^Q_i`` = the nowcast median (USD millions, SAAR); intermediate inputs
   ``II^Q_j = GO^Q_j (II^k_j / GO^k_j)`` (the last published quarter's input share, an assumption reported in the
   manifest).
2. **SUPPLIES.** The latest annual IO table *published by D* (:func:`graph.build.io_year_as_of`) balanced to those
   margins by RAS (:func:`graph.quarterly.quarterly_flows`), exactly as for a published quarter.
3. **EMPLOYS.** The OEWS layer published by ``D`` (:func:`graph.labour.labour_layer_for`, the same selection as for
   published quarters).
4. **Impact** (:func:`graph.impact.industry_impact`) with the quarter's coefficients. The nowcast band: the impact
   rows carry ``gross_output_usd_q0_025`` .. ``_q0_975`` (the nowcast quantiles, USD) and
   ``automatable_share_of_gross_output_q*`` = automatable wage bill / gross-output quantile (a higher output
   quantile gives a lower share), and ``nowcast = True``.

The manifest says ``nowcast: true`` with the decision date, the base quarter, the horizon, the nowcaster and its
quantiles, so every reader (CLI, JSON, API, both stores) can flag the quarter; ``nowcast_basis.calibration`` says
how the quantiles were calibrated (the record the nowcast frame carries in ``attrs["calibration"]``, with the raw
band's totals; "none" for raw quantiles).
"""
from __future__ import annotations

import pandas as pd

from ingest.calendar import SNAPSHOT_VINTAGE_NOTE

from . import io_math
from .build import BuildError, BuildInputs, QuarterBuild, code_version, io_year_as_of, quarterly_gdp, supplies_table
from .impact import industry_impact
from .labour import labour_layer_for
from .quarterly import quarterly_flows
from .schema import Quarter, QuarterGraph

#: Columns a nowcast must give per industry (index ``bea_code``), gross output in USD millions SAAR.
REQUIRED = ("go_q0.5_usd_millions",)


def _quantile_columns(nowcast: pd.DataFrame) -> list[str]:
    return [c for c in nowcast.columns if c.startswith("go_q") and c.endswith("_usd_millions")]


def _calibration(nowcast: pd.DataFrame, codes) -> dict | str:
    """What was done to the nowcast's quantiles: the calibration record (``nowcast.attrs["calibration"]``, e.g.
    :meth:`gnn.nowcast_live_calibration.LiveCalibrator.calibrate`) with the raw band's totals where the frame keeps
    ``raw_go_q*`` columns; the ``calibration`` column's text; else "none"."""
    rec = nowcast.attrs.get("calibration")
    if rec is None:
        return str(nowcast["calibration"].iloc[0]) if "calibration" in nowcast.columns else "none"
    rec = dict(rec)
    raw = [c for c in nowcast.columns if c.startswith("raw_go_q") and c.endswith("_usd_millions")]
    if raw:
        rec["raw_gross_output_usd_millions"] = {c[len("raw_go_"):-len("_usd_millions")]:
                                                float(nowcast[c].reindex(codes).sum()) for c in raw}
    return rec


def build_nowcast_quarter(inputs: BuildInputs, quarter: str | Quarter, as_of, nowcast: pd.DataFrame,
                          base_quarter: str, model: str) -> QuarterBuild:
    """The graph of nowcast quarter ``quarter`` decided at ``as_of`` (module docstring).

    ``nowcast``: one row per BEA industry (index ``bea_code``) with ``go_q<tau>_usd_millions`` columns, the median
    ``go_q0.5_usd_millions`` required. ``base_quarter``: the last BEA quarter published by ``as_of`` (its
    intermediate-input shares are used).
    """
    q = str(Quarter.parse(quarter))
    as_of = pd.Timestamp(as_of).date()
    missing = [c for c in REQUIRED if c not in nowcast.columns]
    if missing:
        raise BuildError(f"nowcast quarter {q}: the nowcast lacks columns {missing}")
    go_b = quarterly_gdp(inputs.gdp, base_quarter, "gross_output")
    ii_b = quarterly_gdp(inputs.gdp, base_quarter, "intermediate_inputs")
    if go_b.empty or ii_b.empty:
        raise BuildError(f"nowcast quarter {q}: base quarter {base_quarter} has no published gross output / "
                         f"intermediate inputs")
    year = io_year_as_of(inputs.io_years(), as_of)
    aio = inputs.io(year)
    codes = aio.Z.index
    lack = sorted(set(codes) - set(nowcast.index))
    if lack:
        raise BuildError(f"nowcast quarter {q}: no nowcast for IO industries {lack[:5]}")
    go = nowcast["go_q0.5_usd_millions"].reindex(codes).astype(float)
    if not (go > 0).all():
        raise BuildError(f"nowcast quarter {q}: non-positive nowcast gross output for "
                         f"{list(go.index[~(go > 0)][:5])}")
    ratio = (ii_b / go_b).reindex(codes)
    ii = (go * ratio).fillna(0.0)
    flows = quarterly_flows(aio.Z, aio.g, aio.ii, go, ii)
    supplies = supplies_table(flows, q)

    layer = labour_layer_for(inputs.oews_industry, as_of)
    if layer.backcast:  # a nowcast quarter follows every published BEA quarter, so some OEWS layer is published
        raise BuildError(f"nowcast quarter {q}: no OEWS industry layer published by {as_of.date()}")
    emp, coverage = inputs.employs(layer.year)
    static = inputs.static()
    emp = emp[emp["soc"].isin(static["occupations"]["soc"])]
    employs = emp[["bea_code", "soc", "period", "employment", "mean_wage_usd", "wage_bill_usd"]].copy()
    employs.insert(0, "quarter", q)
    employs["backcast"] = False

    B_g = io_math.ghosh_allocation(flows.flows, go)
    result = industry_impact(employs, static["performs"], static["task_scores"], go, A=flows.coefficients,
                             ghosh_B=B_g, top_n=0)
    imp = result.industries.reset_index()
    imp.insert(0, "quarter", q)
    imp["backcast"] = False
    imp = imp.merge(coverage[["bea_code", "suppressed_employment_share", "imputed_wage_share"]], on="bea_code",
                    how="left")
    imp["oews_period"] = layer.period
    imp["oews_granularity"] = layer.granularity
    imp["io_year"] = year
    imp["nowcast"] = True
    for col in _quantile_columns(nowcast):
        tau = col[len("go_q"):-len("_usd_millions")].replace(".", "_")  # property names without dots (Neo4j)
        go_tau = imp["bea_code"].map(nowcast[col].astype(float)) * 1e6
        imp[f"gross_output_usd_q{tau}"] = go_tau
        imp[f"automatable_share_of_gross_output_q{tau}"] = imp["automatable_wage_bill_usd"] / go_tau

    man = inputs.manifests
    manifest = {
        "sources": {s: {"parser_version": m["parser_version"], "inputs": m["inputs"]} for s, m in man.items() if m},
        "vintages": {s: sorted({v for t in m["tables"].values() for v in (t.get("vintages") or [])})[:6]
                     for s, m in man.items() if m},
        "sha256s": {f"{s}/{n}": i["sha256"] for s, m in man.items() if m for n, i in m["inputs"].items()},
        "code_version": code_version(),
        "as_of": as_of.isoformat(),
        "io_year": year,
        "oews_period": layer.period,
        "oews_published": layer.published.date().isoformat(),
        "backcast": False,
        "labour_layer": {"oews_period": layer.period, "published": layer.published.date().isoformat(),
                         "backcast": False, "granularity": layer.granularity, "wage_scaling": "none"},
        "onet_release": inputs.onet_release,
        "weight_scheme": inputs.weight_scheme,
        "score_scheme": inputs.score_scheme,
        "nowcast": True,
        "nowcast_basis": {
            "model": model,
            "base_quarter": base_quarter,
            "horizon_quarters": int((pd.Period(q, freq="Q") - pd.Period(base_quarter, freq="Q")).n),
            "quantiles": [c[len("go_q"):-len("_usd_millions")] for c in _quantile_columns(nowcast)],
            "gross_output_usd_millions": {
                c[len("go_"):-len("_usd_millions")]: float(nowcast[c].reindex(codes).sum())
                for c in _quantile_columns(nowcast)},
            "intermediate_inputs": f"nowcast gross output x {base_quarter} intermediate-input share",
            "calibration": _calibration(nowcast, codes),
        },
        "ras": {"iterations": int(flows.ras.iterations), "max_row_gap": float(flows.ras.max_row_gap),
                "max_col_gap": float(flows.ras.max_col_gap), "row_scale_k": float(flows.targets.row_scale)},
        "note": SNAPSHOT_VINTAGE_NOTE + " Nowcast quarter: BEA has not published it by the decision date; gross "
                "output is a nowcast from monthly indicators.",
    }
    graph = QuarterGraph(quarter=Quarter.parse(q), supplies=supplies, employs=employs, impact=imp, manifest=manifest,
                         **static)
    return QuarterBuild(graph=graph, impact=result, flows=flows)
