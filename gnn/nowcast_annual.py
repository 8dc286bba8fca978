r"""Annual history for the panel nowcasters: the same nowcasting task at annual frequency, from 1948 on.

**Why.** At a decision date in 2016 the quarterly panel holds about 15 published growth quarters of the 71
industries (2012Q1 on; 2005-2011 became public in November 2018), and never more than 75: too few for a network to
learn how demand and supply shocks travel along the IO graph. The annual accounts hold the same task over far more
years: annual nominal gross-output growth ``g_{i,Y}`` of every industry and the annual growth of the same
indicators.

**Annual targets published by the decision date D** (:meth:`AnnualHistory.growth`):

* BEA GDP by industry, annual nominal gross output at the 71-industry level (``bea_gdp_by_industry``, frequency
  ``A``, 1997 on): year ``Y`` is public from the later of its row's ``published_date`` and
  :data:`FIRST_71_INDUSTRY_RELEASE` (2014-04-25, when BEA first published the 71-industry detail with the quarterly
  series; the annual 1997-2012 figures at that detail came with the comprehensive revision of early 2014, so dating
  them at the April release is conservative);
* before 1998 (or where the above has no year), the BEA-BLS production accounts published by ``D``
  (:func:`ingest.production_accounts.annual_growth`: experimental 1947-2016 from 2020-10-26, official 1997-2023 from
  2025-04-25; nothing of it earlier), growth rates of an aggregate given to each member industry.

**Annual features** (the node features of :mod:`gnn.nowcast_gnn` at annual frequency): the annual growth of the
industry's own indicator (the G.17 industry series start in 2000; for earlier years the nearest FRED-MD production
index stands in, :data:`EARLY_PROXY`, e.g. business equipment for computers), of CPI and of payrolls (difference of calendar-year means of the monthly log level, in the
vintage in effect at ``D``, years whose twelve months were all published by ``D``), and last year's gross-output
growth ``g_{i,Y-1}``; a text feature, when the quarterly panel has one, is 0 (the Beige Book is not used here).
Years with an incomplete feature are dropped; an industry without a target that year is masked in the loss.

**Use.** :func:`gnn.nowcast_gnn.fit_gnn` pretrains each network (graph and no-graph alike, same seed) on this panel,
standardised with its own means and s.d. (annual growth has about twice the s.d. of quarterly growth), then trains it
on the quarterly panel from those weights; the pooled LightGBM baseline gets the annual rows as extra training rows
with a frequency flag, targets scaled by each frequency's s.d. (:func:`gnn.nowcast_gnn.fit_lightgbm`). Both models
thus see the same information.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .nowcast import COMMON_INDICATORS

#: BEA first published GDP by industry at the 71-industry detail (with the first quarterly series, 2012Q1-2013Q4)
FIRST_71_INDUSTRY_RELEASE = pd.Timestamp("2014-04-25")


#: G.17 industry series (from 2000) -> the FRED-MD industrial-production index standing in for earlier years
EARLY_PROXY: dict[str, str] = {
    "IP.G2211A2.S": "IPB51222S",  # electric and gas utilities <- residential utilities
    "IP.G311A2.S": "IPNCONGD", "IP.G313A4.S": "IPNMAT", "IP.G326.S": "IPNMAT",  # nondurables
    "IP.G333.S": "IPBUSEQ", "IP.G334.S": "IPBUSEQ", "IP.G335.S": "IPDMAT",
    "IP.G3361T3.S": "IPDCONGD", "IP.G337.S": "IPDCONGD",  # motor vehicles, furniture <- durable consumer goods
}


@dataclass
class AnnualPanel:
    X: np.ndarray  # [Y, N, F] raw features
    y: np.ndarray  # [Y, N] annual log growth (NaN: no target)
    years: list[int]


class AnnualHistory:
    """Annual targets and features published by a decision date (module docstring)."""

    min_years = 8

    def __init__(self, gdp: pd.DataFrame, production_accounts: pd.DataFrame | None = None,
                 monthly: pd.DataFrame | None = None):
        """``monthly``: ``macro_monthly`` (for the early proxies of :data:`EARLY_PROXY`; without it the years
        before the G.17 series are dropped)."""
        sel = gdp[(gdp["measure"] == "gross_output") & (gdp["series"] == "nominal") & (gdp["frequency"] == "A")
                  & gdp["bea_code"].notna()]
        self._levels = sel.pivot_table(index="ref_period", columns="bea_code", values="value", aggfunc="first")
        self._levels.index = self._levels.index.astype(str).astype(int)
        self._levels = self._levels.sort_index().astype(float)
        pub = pd.to_datetime(sel.groupby("ref_period")["published_date"].max())
        pub.index = pub.index.astype(str).astype(int)
        self._published = pub.clip(lower=FIRST_71_INDUSTRY_RELEASE).sort_index()
        self.pa = production_accounts
        self._proxy_logs = None
        if monthly is not None:
            from .nowcast import monthly_logs

            proxies = sorted(set(EARLY_PROXY.values()) & set(monthly["series_id"].unique()))
            self._proxy_logs = monthly_logs(monthly, proxies)
        self._cache: dict = {}

    def growth(self, as_of: pd.Timestamp) -> pd.DataFrame:
        """Years x BEA industries: annual log growth of nominal gross output published by ``as_of``."""
        as_of = pd.Timestamp(as_of)
        years = tuple(int(y) for y in self._published.index[self._published <= as_of])
        pa_key = None
        if self.pa is not None:
            pa_key = tuple(sorted(d for d in pd.to_datetime(self.pa["published_date"]).unique() if d <= as_of))
        key = ("growth", years, pa_key)
        if key not in self._cache:
            lv = self._levels.loc[list(years)] if years else self._levels.iloc[:0]
            g = np.log(lv.where(lv > 0)).diff()
            g = g[lv.index.to_series().diff().eq(1).to_numpy(dtype=bool)]
            if pa_key:
                from ingest.production_accounts import annual_growth

                pa = annual_growth(self.pa, as_of)
                g = g.combine_first(pa.reindex(columns=g.columns.union(pa.columns))) if len(g) else pa
            self._cache[key] = g.sort_index()
        return self._cache[key]

    @staticmethod
    def _annual_x(logs: pd.Series, pub: pd.Series, as_of: pd.Timestamp) -> pd.Series:
        published = (pub.reindex(logs.index) <= as_of).to_numpy()
        x = logs.where(published)
        yrs = x.index.year
        full = x.notna().groupby(yrs).sum() == 12
        ann = x.groupby(yrs).mean().where(full)
        d = ann.diff()
        return d[ann.index.to_series().diff().eq(1).to_numpy()]

    def panel(self, inp, as_of: pd.Timestamp, codes: list[str], n_features: int) -> AnnualPanel | None:
        """The annual panel published by ``as_of`` (``inp``: the nowcast inputs *as of* that date, i.e.
        :meth:`gnn.nowcast.NowcastInputs.at`); None with fewer than :attr:`min_years` complete years."""
        as_of = pd.Timestamp(as_of)
        g = self.growth(as_of).reindex(columns=codes)
        series = sorted({inp.own[c] for c in codes if c in inp.own} | set(COMMON_INDICATORS))
        x = {s: self._annual_x(inp.logs[s], inp.pub[s], as_of) for s in series}
        if self._proxy_logs is not None:
            logs, pub = self._proxy_logs
            for s in series:
                proxy = EARLY_PROXY.get(s)
                if proxy in logs.columns:
                    early = self._annual_x(logs[proxy], pub[proxy], as_of)
                    x[s] = x[s].combine_first(early[early.index < x[s].dropna().index.min()]
                                              if x[s].notna().any() else early)
        years = [int(y) for y in g.index if (y - 1) in g.index]
        feats = np.full((len(years), len(codes), n_features), np.nan)
        for k, c in enumerate(codes):
            feats[:, k, 0] = x[inp.own[c]].reindex(years).to_numpy()
            feats[:, k, 1] = x[COMMON_INDICATORS[0]].reindex(years).to_numpy()
            feats[:, k, 2] = x[COMMON_INDICATORS[1]].reindex(years).to_numpy()
            feats[:, k, 3] = g[c].reindex([y - 1 for y in years]).to_numpy()
        if n_features > 4:
            feats[:, :, 4:] = 0.0
        y = g.reindex(years).to_numpy()
        lag = feats[:, :, 3]
        # an industry without last year's growth (a gap in the accounts) takes the all-industry mean of that year
        fill = np.nanmean(np.where(np.isfinite(lag), lag, np.nan), axis=1, keepdims=True) if len(years) else lag
        feats[:, :, 3] = np.where(np.isfinite(lag), lag, np.broadcast_to(fill, lag.shape))
        ok = np.isfinite(feats).all(axis=(1, 2)) & np.isfinite(y).any(axis=1)
        if ok.sum() < self.min_years:
            return None
        return AnnualPanel(feats[ok], y[ok], [yr for yr, o in zip(years, ok) if o])
