r"""The Beige Book industry index as a nowcaster feature, point in time.

The index (:mod:`scoring.text.index`, ``index.parquet``: one value per BEA industry and edition, -1 all down .. +1
all up, dated by the edition's release) describes activity over the weeks before each release. For quarter ``t``
decided at ``D`` the feature of industry ``i`` is

    z_{i,t}(D) = mean of index(i, e) over the editions e released in [start(t), min(end(t) + 45 days, D)]

(the editions whose reporting period overlaps ``t``; the Beige Book appears eight times a year, so a complete
quarter has two or three). If no such edition exists yet (early in the quarter), the latest edition released by
``D`` stands in (the rule of :func:`scoring.text.index.index_as_of`); an industry without any edition by then gets
0 (neutral). Training quarters use the same rule with the same ``D``: editions released after ``D`` are never used,
for any quarter.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

TEXT_WINDOW_DAYS = 45
INDEX_COLUMNS = ("bea_code", "edition", "published_date", "index")


def check_index(table: pd.DataFrame) -> pd.DataFrame:
    """Validate the index table (clear errors naming the row and field) and return it sorted by release."""
    missing = [c for c in INDEX_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"the Beige Book index table lacks columns {missing}; expected {list(INDEX_COLUMNS)}")
    t = table.loc[:, list(INDEX_COLUMNS)].copy()
    t["bea_code"] = t["bea_code"].astype(str)
    t["published_date"] = pd.to_datetime(t["published_date"], errors="coerce")
    bad = np.flatnonzero(t["published_date"].isna().to_numpy())
    if len(bad):
        r = int(bad[0])
        raise ValueError(f"Beige Book index row {r} ({t['bea_code'].iloc[r]}, edition {t['edition'].iloc[r]}): "
                         "published_date is missing or not a date")
    vals = pd.to_numeric(t["index"], errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(vals) | (np.abs(vals) > 1 + 1e-9))
    if len(bad):
        r = int(bad[0])
        raise ValueError(f"Beige Book index row {r} ({t['bea_code'].iloc[r]}, edition {t['edition'].iloc[r]}): "
                         f"index {table['index'].iloc[r]} is not a number in [-1, 1]")
    t["index"] = vals
    return t.sort_values(["published_date", "edition"]).reset_index(drop=True)


def quarter_text_features(table: pd.DataFrame, quarters: pd.PeriodIndex, codes: list[str],
                          as_of: pd.Timestamp) -> pd.DataFrame:
    """``z_{i,t}(D)`` (module docstring) for ``quarters`` x ``codes`` with ``D = as_of``; never NaN."""
    t = check_index(table)
    t = t[(t["published_date"] <= as_of) & t["bea_code"].isin(codes)]
    out = np.zeros((len(quarters), len(codes)))
    if t.empty:
        return pd.DataFrame(out, index=quarters, columns=codes)
    wide = t.pivot_table(index="published_date", columns="bea_code", values="index", aggfunc="mean")
    wide = wide.reindex(columns=codes).sort_index()
    dates = wide.index.to_numpy(dtype="datetime64[ns]")
    vals = wide.to_numpy(float)
    last = wide.ffill().to_numpy(float)
    for k, q in enumerate(quarters):
        lo = np.datetime64(q.start_time.normalize(), "ns")
        hi = np.datetime64(min(q.end_time.normalize() + pd.Timedelta(days=TEXT_WINDOW_DAYS), as_of), "ns")
        sel = (dates >= lo) & (dates <= hi)
        win = (pd.DataFrame(vals[sel]).mean(axis=0).to_numpy(float) if sel.any()
               else np.full(len(codes), np.nan))  # skips NaN; NaN where no edition in the window has the industry
        j = np.searchsorted(dates, hi, side="right") - 1
        fallback = last[j] if j >= 0 else np.full(len(codes), np.nan)
        row = np.where(np.isfinite(win), win, fallback)
        out[k] = np.where(np.isfinite(row), row, 0.0)
    return pd.DataFrame(out, index=quarters, columns=codes)


def bridge_inputs_with_text(inp, table: pd.DataFrame, as_of: pd.Timestamp):
    """Nowcast inputs whose bridge equations carry the industry's Beige Book feature as one more regressor
    (``TEXT:<code>``), built with the editions released by ``as_of`` only (:func:`quarter_text_features`). The
    regressor is the quarter's text feature, not a monthly series: it is marked available for every quarter (the
    point-in-time cut is ``as_of``). Use one object per decision date."""
    from .nowcast import NowcastInputs

    codes = list(inp.go.columns)
    quarters = pd.period_range(inp.go.index[0], inp.go.index[-1] + 12, freq="Q")
    frame = quarter_text_features(table, quarters, codes, as_of)
    frame.columns = [f"TEXT:{c}" for c in codes]
    pub = inp.pub.copy()
    for c in frame.columns:
        pub[c] = pd.Timestamp("1900-01-01")

    class TextInputs(NowcastInputs):
        @property
        def growth(self) -> pd.DataFrame:
            return inp.growth

        def features(self, n_months: int) -> pd.DataFrame:
            if ("text", n_months) not in self._cache:
                self._cache[("text", n_months)] = pd.concat([inp.features(n_months), frame], axis=1)
            return self._cache[("text", n_months)]

        def series_for(self, code: str) -> list[str]:
            return inp.series_for(code) + [f"TEXT:{code}"]

    return TextInputs(go=inp.go, go_published=inp.go_published, logs=inp.logs, pub=pub, own=inp.own)
