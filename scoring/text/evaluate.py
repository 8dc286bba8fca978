"""Does the Beige Book index add information about industry output? Correlation and a walk-forward nowcast test.

Target: quarterly real gross output of each BEA summary industry (warehouse ``bea_gdp_by_industry``, measure
``gross_output``, series ``real_chained_2017``, frequency Q, 2005Q1 on), growth g(i, q) = 100 ln(Y(i, q) / Y(i, q-1)),
known from its ``published_date`` (first release: quarter end + 90 days, :mod:`ingest.calendar`).

Text feature of quarter q: x(i, q) = mean of the industry's index over the editions *released within* q (about two
a quarter). Every such edition is public before q's BEA figure (released 90 days after q ends), so x(i, q) is a
signal for the *next* BEA release, g(i, q).

1. Correlation: Pearson r between x(i, q) and g(i, q) per industry (over the quarters where both exist) and pooled
   over industries after removing each industry's mean (within correlation).
2. Walk-forward (expanding window, pooled over industries): at the decision date d = end of quarter q, fit by OLS on
   every pair (i, q') whose target g(i, q') was published by d,
   *without*: g(i, q') = a + b L(i, q') + e, L(i, q') = the latest growth of i published by the end of q';
   *with*:    the same + c x(i, q').
   and predict g(i, q). Loss: squared error; per quarter, the mean over industries. Diebold-Mariano test of equal
   loss on the quarterly loss differentials (Newey-West variance with floor(4 (T/100)^(2/9)) lags, t(T-1) p-value,
   two-sided), and the count of industries whose mean loss is lower with the text.

Caveats: BEA values are the snapshot's vintage (revisions included), dated by first release; the embedding rater
was trained on a hand-labelled sample from all years (a fixed rubric, not outcomes); the index exists for every
quarter, so no quarter is dropped for lack of text.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .index import load_index, out_dir

FIRST_TEST = "2010Q1"


def output_growth(warehouse) -> pd.DataFrame:
    """(bea_code, quarter, growth, published_date) of real gross output."""
    g = warehouse.read("bea_gdp_by_industry")
    g = g[(g["measure"] == "gross_output") & (g["series"] == "real_chained_2017") & (g["frequency"] == "Q")
          & g["bea_code"].notna()]
    g = g.loc[:, ["bea_code", "ref_period", "value", "published_date"]].copy()
    g["quarter"] = pd.PeriodIndex(g["ref_period"], freq="Q")
    g = g.sort_values(["bea_code", "quarter"]).drop_duplicates(["bea_code", "quarter"])
    g["growth"] = 100 * np.log(g["value"] / g.groupby("bea_code")["value"].shift(1))
    prev_ok = g.groupby("bea_code")["quarter"].shift(1) == g["quarter"] - 1
    g = g[prev_ok & np.isfinite(g["growth"])]
    return g.loc[:, ["bea_code", "quarter", "growth", "published_date"]].reset_index(drop=True)


def quarterly_text(index: pd.DataFrame) -> pd.DataFrame:
    """(bea_code, quarter, x): mean index of the editions released within each quarter."""
    df = index.loc[:, ["bea_code", "published_date", "index"]].copy()
    df["quarter"] = pd.PeriodIndex(pd.to_datetime(df["published_date"]), freq="Q")
    return df.groupby(["bea_code", "quarter"], as_index=False)["index"].mean().rename(columns={"index": "x"})


def dm_test(loss_a: np.ndarray, loss_b: np.ndarray) -> dict:
    """Diebold-Mariano, H0 equal expected loss; d = loss_a - loss_b (positive: b better)."""
    d = np.asarray(loss_a, float) - np.asarray(loss_b, float)
    d = d[np.isfinite(d)]
    T = len(d)
    if T < 3:
        return {"stat": None, "pvalue": None, "mean_diff": None, "T": T}
    lags = int(np.floor(4 * (T / 100) ** (2 / 9)))
    u = d - d.mean()
    v = float(u @ u) / T
    for k in range(1, lags + 1):
        v += 2 * (1 - k / (lags + 1)) * float(u[k:] @ u[:-k]) / T
    stat = float(d.mean() / np.sqrt(v / T)) if v > 0 else float("nan")
    return {"stat": stat, "pvalue": float(2 * stats.t.sf(abs(stat), df=T - 1)), "mean_diff": float(d.mean()),
            "T": T, "lags": lags}


def _panel(growth: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    """Rows (bea_code, quarter): target growth, its publication date, text x, and the lag function inputs."""
    return growth.merge(text, on=["bea_code", "quarter"], how="inner")


def _latest_known(growth: pd.DataFrame, code_quarters: pd.DataFrame) -> np.ndarray:
    """For each (bea_code, quarter) row, the latest growth of that industry published by the quarter's end."""
    out = np.full(len(code_quarters), np.nan)
    by = {c: g.sort_values("published_date") for c, g in growth.groupby("bea_code")}
    for k, (c, q) in enumerate(zip(code_quarters["bea_code"], code_quarters["quarter"])):
        g = by.get(c)
        if g is None:
            continue
        known = g[g["published_date"] <= q.end_time]
        if len(known):
            out[k] = known["growth"].iloc[-1]
    return out


def walk_forward(panel: pd.DataFrame, first_test: str = FIRST_TEST) -> pd.DataFrame:
    """Predictions with and without the text feature for every (bea_code, quarter) from ``first_test``."""
    rows = []
    quarters = sorted(panel["quarter"].unique())
    for q in quarters:
        if q < pd.Period(first_test, "Q"):
            continue
        d = q.end_time
        train = panel[(panel["published_date"] <= d) & panel["lag"].notna()]
        test = panel[(panel["quarter"] == q) & panel["lag"].notna()]
        if len(train) < 50 or test.empty:
            continue
        X0 = np.column_stack([np.ones(len(train)), train["lag"]])
        X1 = np.column_stack([X0, train["x"]])
        b0 = np.linalg.lstsq(X0, train["growth"].to_numpy(), rcond=None)[0]
        b1 = np.linalg.lstsq(X1, train["growth"].to_numpy(), rcond=None)[0]
        T0 = np.column_stack([np.ones(len(test)), test["lag"]])
        T1 = np.column_stack([T0, test["x"]])
        rows.append(pd.DataFrame({"bea_code": test["bea_code"].to_numpy(), "quarter": q, "decision_date": d,
                                  "actual": test["growth"].to_numpy(), "without": T0 @ b0, "with": T1 @ b1,
                                  "coef_text": b1[2]}))
    return pd.concat(rows, ignore_index=True)


def evaluate(warehouse, home: str | Path, write: bool = True) -> dict:
    index = load_index(home)
    growth = output_growth(warehouse)
    text = quarterly_text(index)
    panel = _panel(growth, text)
    panel["lag"] = _latest_known(growth, panel)
    # 1. correlations
    per = []
    for code, g in panel.groupby("bea_code"):
        if len(g) >= 12 and g["x"].std() > 0:
            r, p = stats.pearsonr(g["x"], g["growth"])
            per.append({"bea_code": code, "n": int(len(g)), "r": float(r), "p": float(p)})
    per = pd.DataFrame(per)
    dm_ = panel.assign(xd=panel["x"] - panel.groupby("bea_code")["x"].transform("mean"),
                       gd=panel["growth"] - panel.groupby("bea_code")["growth"].transform("mean"))
    r_within, p_within = stats.pearsonr(dm_["xd"], dm_["gd"])
    ex = dm_[dm_["quarter"].dt.year != 2020]
    r_ex, p_ex = stats.pearsonr(ex["xd"], ex["gd"])
    # 2. walk-forward
    wf = walk_forward(panel)
    wf["loss_without"] = (wf["actual"] - wf["without"]) ** 2
    wf["loss_with"] = (wf["actual"] - wf["with"]) ** 2
    byq = wf.groupby("quarter")[["loss_without", "loss_with"]].mean()
    dm = dm_test(byq["loss_without"].to_numpy(), byq["loss_with"].to_numpy())
    byi = wf.groupby("bea_code")[["loss_without", "loss_with"]].mean()
    dm_ex = dm_test(byq.loc[~byq.index.astype(str).str.startswith("2020"), "loss_without"].to_numpy(),
                    byq.loc[~byq.index.astype(str).str.startswith("2020"), "loss_with"].to_numpy())
    res = {
        "quarters": f"{panel['quarter'].min()}..{panel['quarter'].max()}",
        "industries": int(panel["bea_code"].nunique()),
        "correlation": {"median_r": float(per["r"].median()), "share_positive": float((per["r"] > 0).mean()),
                        "significant_5pct_positive": int(((per["p"] < 0.05) & (per["r"] > 0)).sum()),
                        "industries": int(len(per)), "pooled_within_r": float(r_within),
                        "pooled_within_p": float(p_within), "pooled_within_r_excluding_2020": float(r_ex),
                        "pooled_within_p_excluding_2020": float(p_ex),
                        "r_334": (float(per.loc[per["bea_code"] == "334", "r"].iloc[0])
                                  if (per["bea_code"] == "334").any() else None)},
        "walk_forward": {"test_quarters": f"{wf['quarter'].min()}..{wf['quarter'].max()}", "T": int(len(byq)),
                         "mse_without": float(wf["loss_without"].mean()), "mse_with": float(wf["loss_with"].mean()),
                         "dm": dm, "dm_excluding_2020": dm_ex,
                         "industries_better_with_text": int((byi["loss_with"] < byi["loss_without"]).sum()),
                         "industries": int(len(byi)),
                         "last_coef_text": float(wf["coef_text"].iloc[-1])},
    }
    if write:
        d = out_dir(home)
        per.to_csv(d / "correlation_by_industry.csv", index=False)
        (d / "evaluation.json").write_text(json.dumps(res, indent=2, default=str) + "\n")
    return res
