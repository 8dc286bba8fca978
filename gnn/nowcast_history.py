r"""Extra monthly indicators by industry for the nowcaster: BLS CES employment and Census retail sales.

**Indicators.** For BEA industry ``i`` the bridge equations of :mod:`gnn.nowcast` add, beside its own FRED-MD/G.17
indicator, the industry's own payrolls (CES, "all employees", 1990-2019 for most industries) and, for retail and food
services, its sales by kind of business (Census MRTS, seasonally adjusted, 1992-2024/04). The maps
:data:`CES_INDUSTRY` and :data:`MRTS_INDUSTRY` give each BEA summary industry the CES series / MRTS rows it sums
(``+``) or subtracts (``-``, for a residual such as 4A0 other retail = all retail - 441 - 445 - 452, 3364OT =
transportation equipment - motor vehicles, 5412OP = professional services - legal - computer design). Industries
without a series (farms, owner-occupied housing HS, funds 525, federal defence/non-defence split) keep their own
indicator only: ``GFGD``/``GFGN`` share federal civilian payrolls excluding the Postal Service, ``GFE`` the Postal
Service; ``GSLG``/``GSLE`` share state plus local government.

**Seasonal adjustment of CES (not seasonally adjusted), trailing only.** With ``l_t = log X_t`` monthly:
``d_t = l_t - mean(l_{t-11..t})`` (deviation from the trailing 12-month mean), the seasonal factor of month ``t`` is
``s_t = (1/K) sum_{k=1..K} d_{t-12k}`` (the same calendar month in the previous ``K = 5`` years), centred by its own
trailing 12-month mean, and the adjusted log level is ``l_t - s_t``. Every term is dated at or before ``t``, so the
adjustment never uses a month published after the decision date (a centred X-13 filter would).

**Point in time.** Each month keeps its first-release date (:mod:`ingest.macro_history`: CES 10 days, MRTS 16
days after the month); when a series ends (CES 2019-09, MRTS 2024-04) the bridge drops it for the quarters it does
not reach (months available = 0) and keeps the others, as for any ragged edge.

Output: long rows in the ``macro_monthly`` layout (``source`` = ``ces`` | ``census_mrts``, ``series_id`` =
``CES:<bea>`` | ``MRTS:<bea>``, ``month``, ``value`` (a level, > 0), ``published_date``) that
:func:`gnn.nowcast.nowcast_inputs` takes as ``extra_monthly`` with :func:`extra_own` as ``extra_own``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

SEASONAL_YEARS = 5

_FED, _SL = ("CEU9091100001",), ("CEU9092000001", "CEU9093000001")
#: BEA summary industry -> (CES series added, CES series subtracted)
CES_INDUSTRY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "113FF": (("CEU1011330001",), ()), "211": (("CEU1021100001",), ()), "212": (("CEU1021200001",), ()),
    "213": (("CEU1021300001",), ()), "22": (("CEU4422000001",), ()), "23": (("CEU2000000001",), ()),
    "321": (("CEU3132100001",), ()), "327": (("CEU3132700001",), ()), "331": (("CEU3133100001",), ()),
    "332": (("CEU3133200001",), ()), "333": (("CEU3133300001",), ()), "334": (("CEU3133400001",), ()),
    "335": (("CEU3133500001",), ()), "3361MV": (("CEU3133600101",), ()),
    "3364OT": (("CEU3133600001",), ("CEU3133600101",)), "337": (("CEU3133700001",), ()),
    "339": (("CEU3133900001",), ()), "311FT": (("CEU3231100001",), ()),
    "313TT": (("CEU3231300001", "CEU3231400001"), ()), "315AL": (("CEU3231500001",), ()),
    "322": (("CEU3232200001",), ()), "323": (("CEU3232300001",), ()), "324": (("CEU3232400001",), ()),
    "325": (("CEU3232500001",), ()), "326": (("CEU3232600001",), ()), "42": (("CEU4142000001",), ()),
    "441": (("CEU4244100001",), ()), "445": (("CEU4244500001",), ()), "452": (("CEU4245200001",), ()),
    "4A0": (("CEU4200000001",), ("CEU4244100001", "CEU4244500001", "CEU4245200001")),
    "481": (("CEU4348100001",), ()), "482": (("CEU4348200001",), ()), "483": (("CEU4348300001",), ()),
    "484": (("CEU4348400001",), ()), "485": (("CEU4348500001",), ()), "486": (("CEU4348600001",), ()),
    "487OS": (("CEU4348700001", "CEU4348800001", "CEU4349200001"), ()), "493": (("CEU4349300001",), ()),
    "511": (("CEU5051100001",), ()), "512": (("CEU5051200001",), ()),
    "513": (("CEU5051500001", "CEU5051700001"), ()), "514": (("CEU5051800001", "CEU5051900001"), ()),
    "521CI": (("CEU5552100001", "CEU5552200001"), ()), "523": (("CEU5552300001",), ()),
    "524": (("CEU5552400001",), ()), "ORE": (("CEU5553100001",), ()),
    "532RL": (("CEU5553200001", "CEU5553300001"), ()), "5411": (("CEU6054110001",), ()),
    "5415": (("CEU6054150001",), ()), "5412OP": (("CEU6054000001",), ("CEU6054110001", "CEU6054150001")),
    "55": (("CEU6055000001",), ()), "561": (("CEU6056100001",), ()), "562": (("CEU6056200001",), ()),
    "61": (("CEU6561000001",), ()), "621": (("CEU6562100001",), ()), "622": (("CEU6562200001",), ()),
    "623": (("CEU6562300001",), ()), "624": (("CEU6562400001",), ()),
    "711AS": (("CEU7071100001", "CEU7071200001"), ()), "713": (("CEU7071300001",), ()),
    "721": (("CEU7072100001",), ()), "722": (("CEU7072200001",), ()), "81": (("CEU8000000001",), ()),
    "GFGD": (_FED, ()), "GFGN": (_FED, ()), "GFE": (("CEU9091912001",), ()), "GSLG": (_SL, ()), "GSLE": (_SL, ()),
}
_RETAIL_TOTAL = "Retail sales, total"
#: BEA retail/food industry -> (MRTS adjusted rows added, rows subtracted); a row is a NAICS code or a total's label
MRTS_INDUSTRY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "441": (("441",), ()), "445": (("445",), ()), "452": (("452",), ()), "722": (("722",), ()),
    "4A0": ((_RETAIL_TOTAL,), ("441", "445", "452")),
}


def trailing_seasonal_adjust(logs: pd.DataFrame, years: int = SEASONAL_YEARS) -> pd.DataFrame:
    """Monthly log levels (months x series, consecutive monthly index) adjusted by trailing seasonal factors
    (module docstring); NaN until ``years`` full years of history exist."""
    dev = logs - logs.rolling(12, min_periods=12).mean()
    s = sum(dev.shift(12 * k) for k in range(1, years + 1)) / years
    s = s - s.rolling(12, min_periods=12).mean()
    return logs - s


def _combine(wide: pd.DataFrame, plus: tuple[str, ...], minus: tuple[str, ...]) -> pd.Series | None:
    cols = list(plus) + list(minus)
    if any(c not in wide.columns for c in cols):
        return None
    total = wide[list(plus)].sum(axis=1, min_count=len(plus))
    if minus:
        total = total - wide[list(minus)].sum(axis=1, min_count=len(minus))
    return total.where(total > 0)


def _long(levels: pd.DataFrame, pub: pd.DataFrame, source: str, prefix: str) -> pd.DataFrame:
    val = levels.stack().rename("value")
    out = val.reset_index()
    out.columns = ["month", "series_id", "value"]
    p = pub.stack().rename("published_date").reset_index()
    p.columns = ["month", "series_id", "published_date"]
    out = out.merge(p, on=["month", "series_id"], how="left")
    out["month"] = out["month"].dt.to_timestamp() if hasattr(out["month"], "dt") and \
        isinstance(out["month"].dtype, pd.PeriodDtype) else pd.to_datetime(out["month"])
    out["series_id"] = prefix + out["series_id"].astype(str)
    out["source"] = source
    return out.dropna(subset=["value", "published_date"])


def ces_indicators(ces: pd.DataFrame) -> pd.DataFrame:
    """``ces_employment`` -> one seasonally adjusted employment level per BEA industry (``CES:<bea>``)."""
    wide = ces.pivot_table(index="month", columns="series_id", values="employment_thousands", aggfunc="first")
    pubw = ces.pivot_table(index="month", columns="series_id", values="published_date", aggfunc="first")
    wide.index = pd.PeriodIndex(pd.to_datetime(wide.index), freq="M")
    pubw.index = pd.PeriodIndex(pd.to_datetime(pubw.index), freq="M")
    full = pd.period_range(wide.index.min(), wide.index.max(), freq="M")
    wide, pubw = wide.reindex(full), pubw.reindex(full)
    levels, pubs = {}, {}
    for code, (plus, minus) in CES_INDUSTRY.items():
        x = _combine(wide, plus, minus)
        if x is None:
            continue
        levels[code] = x
        pubs[code] = pd.to_datetime(pubw[list(plus) + list(minus)].max(axis=1))
    lv = pd.DataFrame(levels)
    sa = np.exp(trailing_seasonal_adjust(np.log(lv)))
    return _long(sa, pd.DataFrame(pubs), "ces", "CES:")


def mrts_indicators(retail: pd.DataFrame) -> pd.DataFrame:
    """``census_retail`` (adjusted block) -> one sales level per BEA retail/food industry (``MRTS:<bea>``)."""
    adj = retail[retail["adjusted"].astype(bool).to_numpy()].copy()
    adj["row"] = adj["naics_code"].astype(object).where(adj["naics_code"].notna(), adj["kind_of_business"])
    wide = adj.pivot_table(index="month", columns="row", values="sales_usd_millions", aggfunc="first")
    pubw = adj.pivot_table(index="month", columns="row", values="published_date", aggfunc="first")
    levels, pubs = {}, {}
    for code, (plus, minus) in MRTS_INDUSTRY.items():
        x = _combine(wide, plus, minus)
        if x is None:
            continue
        levels[code] = x
        pubs[code] = pd.to_datetime(pubw[list(plus) + list(minus)].max(axis=1))
    return _long(pd.DataFrame(levels), pd.DataFrame(pubs), "census_mrts", "MRTS:")


def extra_own(extra_monthly: pd.DataFrame) -> dict[str, list[str]]:
    """BEA industry -> its extra indicator series ids present in ``extra_monthly``."""
    out: dict[str, list[str]] = {}
    for sid in sorted(extra_monthly["series_id"].unique()):
        out.setdefault(sid.split(":", 1)[1], []).append(sid)
    return out


class AnnualPrior:
    r"""A prior on each industry's sensitivity to its own indicator from the annual production accounts.

    For industry ``i`` with own indicator ``s`` and decision date ``D``: annual nominal gross-output growth
    ``g_{i,Y}`` from the BEA-BLS production accounts published by ``D`` (:func:`ingest.production_accounts.
    annual_growth`: the experimental 1947-2016 file from 2020-10-26, the official 1997-2023 one from 2025-04-25;
    nothing before) and the annual growth of the indicator ``x_{s,Y}`` (difference of calendar-year means of the
    monthly log level, years whose twelve months were all published by ``D``) give ``g = a + b x + e`` by OLS over the
    common years (at least :attr:`min_years`); the quarterly bridge coefficient of ``x_s`` then gets the prior
    ``N(b_hat, se(b_hat)^2)`` (:func:`gnn.nowcast._with_prior`), i.e. the annual history from the 1960s on informs
    the quarterly equation that has only the quarters since 2005. Growth rates of annual and quarterly averages are
    both log differences, so the elasticity ``b`` has the same meaning at either frequency.
    """

    min_years = 12

    def __init__(self, production_accounts: pd.DataFrame):
        self.table = production_accounts
        self._dates = sorted(pd.to_datetime(production_accounts["published_date"]).unique())
        self._growth: dict = {}
        self._fits: dict = {}
        self._x: dict = {}

    def _annual_go(self, as_of: pd.Timestamp) -> pd.DataFrame:
        from ingest.production_accounts import annual_growth

        key = tuple(d for d in self._dates if d <= as_of)
        if key not in self._growth:
            self._growth[key] = annual_growth(self.table, as_of)
        return self._growth[key]

    def _annual_x(self, inp, series: str, as_of: pd.Timestamp) -> pd.Series:
        key = (id(inp.logs), series, as_of)
        if key not in self._x:
            logs, pub = inp.logs[series], inp.pub[series]
            published = (pub.reindex(logs.index) <= as_of).to_numpy()
            x = logs.where(published)
            years = x.index.year
            full = x.notna().groupby(years).sum() == 12
            ann = x.groupby(years).mean()[full].diff()
            self._x[key] = ann[ann.index.to_series().diff().eq(1).to_numpy()]
        return self._x[key]

    def __call__(self, inp, code: str, series: str, as_of: pd.Timestamp) -> tuple[float, float] | None:
        as_of = pd.Timestamp(as_of)
        go = self._annual_go(as_of)
        if go.empty or code not in go.columns:
            return None
        key = (code, series, id(go), id(inp.logs), as_of)
        if key not in self._fits:
            ann = self._annual_x(inp, series, as_of)
            g = go[code].to_numpy()
            pos = go.index.get_indexer(ann.index)
            ok = pos >= 0
            x, y = ann.to_numpy()[ok], g[pos[ok]]
            keep = np.isfinite(x) & np.isfinite(y)
            x, y = x[keep], y[keep]
            if len(x) < self.min_years:
                self._fits[key] = None
            else:
                X = np.column_stack([np.ones(len(x)), x])
                beta, *_ = np.linalg.lstsq(X, y, rcond=None)
                resid = y - X @ beta
                s2 = float(resid @ resid) / (len(x) - 2)
                var_b = s2 / float(((x - x.mean()) ** 2).sum())
                self._fits[key] = (float(beta[1]), var_b)
        return self._fits[key]
