r"""Marginal value of data for the nowcaster: out-of-sample loss against training size, power law + floor.

**Experiment.** A fixed pseudo-real-time split: train on the quarters BEA had published by ``split`` (decision
date), test on the later quarters up to ``last`` (each test quarter's features are what was published the day
before BEA's release of it; the model is not refitted, so the test loss is an honest hold-out). The learner is the
pooled LightGBM quantile nowcaster (:mod:`gnn.nowcast_gnn`), whose training set is a panel of (quarter, industry)
rows; the loss is the mean pinball over test rows and :data:`gnn.nowcast.QUANTILES`.

* **Rows** (quarters x industries): random subsets of fraction ``1/32 .. 1`` of the training rows, ``repeats``
  draws each, so ``n`` = number of training rows.
* **Indicator series**: the node features plus ``k`` extra FRED-MD series (McCracken-Ng stationary transforms
  published by each date, quarterly means of the months published), ``k = 0, 2, 4, ..., all``, random subsets.

* **Text source** (optional): every row subset is fitted twice, without and with the Beige Book industry index
  as a node feature (:mod:`gnn.nowcast_text`; same rows, same learner seed); :func:`source_value` gives the loss
  change now and projected after a doubling of the rows, with paired bootstrap bands.

**Fit.** ``L(n) = c + a n^{-b}`` (``c`` the noise floor, ``b`` the exponent) by nonlinear least squares on the mean
loss per size (``scipy.optimize.curve_fit``, ``a, b, c >= 0``). **Bands**: a bootstrap over test quarters (resampled
with replacement, ``B`` draws) recomputes the per-size losses and refits; the 5%-95% percentiles of ``c``, ``b``
and of the projected gain of the next doubling ``L(n_max) - L(2 n_max) = a n_max^{-b} (1 - 2^{-b})`` are reported.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.calendar import bea_quarterly_published

from .metrics import pinball
from .nowcast import QUANTILES, NowcastInputs, known_quarters
from .nowcast_gnn import Panel, fit_lightgbm, node_panel


def power_law(n, a, b, c):
    return c + a * np.power(n, -b)


def fit_power_law(n: np.ndarray, loss: np.ndarray) -> dict:
    """Least-squares ``c + a n^-b`` with ``a, b, c >= 0``; ``gain_next_doubling`` at the largest ``n``."""
    from scipy.optimize import curve_fit

    n, loss = np.asarray(n, float), np.asarray(loss, float)
    p0 = (max(loss[0] - loss[-1], 1e-6) * n[0] ** 0.5, 0.5, max(loss.min() * 0.9, 0.0))
    try:
        (a, b, c), _ = curve_fit(power_law, n, loss, p0=p0, bounds=([0, 0, 0], [np.inf, 3.0, np.inf]),
                                 maxfev=20000)
    except RuntimeError:
        a, b, c = np.nan, np.nan, np.nan
    nmax = n.max()
    gain = a * nmax ** (-b) * (1 - 2.0 ** (-b)) if np.isfinite(a) else np.nan
    return {"a": float(a), "exponent": float(b), "floor": float(c), "gain_next_doubling": float(gain),
            "loss_at_max": float(power_law(nmax, a, b, c)), "n_max": float(nmax)}


@dataclass
class ScalingResult:
    curves: dict  # dimension -> DataFrame(size, repeat, quarter, loss)
    summary: dict


def _test_rows(inp: NowcastInputs, split: pd.Timestamp, last: str, text: pd.DataFrame | None = None):
    rows = []
    first = known_quarters(inp, split)[-1] + 1
    for t in pd.period_range(first, last, freq="Q"):
        as_of = pd.Timestamp(bea_quarterly_published(t)) - pd.Timedelta(days=1)
        p = node_panel(inp, t, as_of, known_quarters(inp, as_of), text=text)
        rows.append((str(t), p.x_now, inp.growth.loc[t, p.codes].to_numpy()))
    return rows


def extra_series_panel(monthly: pd.DataFrame, quarters: pd.PeriodIndex, exclude: set[str]) -> pd.DataFrame:
    """Quarterly means of FRED-MD series in their McCracken-Ng stationary transform (codes 2, 5 and 6 as
    first/second log or level differences; 1 and 4 as levels/logs), quarters x series, complete series only."""
    fm = monthly[(monthly["source"] == "fredmd") & ~monthly["series_id"].isin(exclude)]
    wide = fm.pivot_table(index="month", columns="series_id", values="value", aggfunc="first").sort_index()
    codes = fm.drop_duplicates("series_id").set_index("series_id")["transform_code"].astype(int)
    out = {}
    for s in wide.columns:
        x = wide[s]
        c = codes[s]
        if c in (4, 5, 6) and (x <= 0).any():
            continue
        x = np.log(x) if c in (4, 5, 6) else x
        if c in (2, 5):
            x = x.diff()
        elif c in (3, 6):
            x = x.diff().diff()
        elif c == 7:
            x = (wide[s] / wide[s].shift(1) - 1).diff()
        out[s] = x
    m = pd.DataFrame(out)
    m.index = pd.PeriodIndex(pd.to_datetime(m.index), freq="M")
    q = m.groupby(m.index.asfreq("Q")).mean().reindex(quarters)
    return q.loc[:, q.notna().all()]


def _with_extra(X: np.ndarray, quarters: list[str], extra: pd.DataFrame, cols: list[str]) -> np.ndarray:
    if not cols:
        return X
    e = extra.reindex(pd.PeriodIndex(quarters, freq="Q"))[cols].to_numpy()  # [T, k]
    return np.concatenate([X, np.repeat(e[:, None, :], X.shape[1], axis=1)], axis=-1)


def scaling_experiment(inp: NowcastInputs, monthly: pd.DataFrame, split: str = "2016-12-31", last: str = "2024Q3",
                       repeats: int = 3, boot: int = 200, seed: int = 0, n_estimators: int = 150,
                       text_index: pd.DataFrame | None = None) -> ScalingResult:
    """The experiment of the module docstring. ``text_index`` (the Beige Book index table): every row subset is
    also fitted with the text feature added (:mod:`gnn.nowcast_text`), giving the ``text_source`` line."""
    rng = np.random.default_rng(seed)
    split_ts = pd.Timestamp(split)
    known = known_quarters(inp, split_ts)
    train = node_panel(inp, known[-1], split_ts, known[:-1])  # training panel only (the target is not used)
    train_q = [str(q) for q in known[:-1]][-len(train.y):]
    test = _test_rows(inp, split_ts, last)
    test_q = [r[0] for r in test]
    Xte = np.stack([r[1] for r in test])
    yte = np.stack([r[2] for r in test])
    T, N, F = train.X.shape
    used = set(inp.own.values())
    extra = extra_series_panel(monthly, pd.PeriodIndex(train_q + test_q, freq="Q"), used)

    if text_index is not None:
        train_tx = node_panel(inp, known[-1], split_ts, known[:-1], text=text_index)
        Xte_tx = np.stack([r[1] for r in _test_rows(inp, split_ts, last, text_index)])

    def run(Xtr, ytr, Xtest, lgb_seed=None) -> np.ndarray:
        """Per-test-quarter mean pinball of a LightGBM fit on the given training rows."""
        panel = Panel(Xtr, ytr, Xtest[0], train.codes)
        predict = fit_lightgbm(panel, n_estimators=n_estimators,
                               seed=int(rng.integers(1 << 30)) if lgb_seed is None else lgb_seed)
        return np.array([pinball(yte[k], predict(Xtest[k]), QUANTILES).mean() for k in range(len(Xtest))])

    curves = {}
    # rows: subsample (quarter, industry) cells by masking whole rows out of the panel (NaN target rows dropped)
    recs, recs_tx = [], []
    for frac in (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0):
        for r in range(repeats if frac < 1 else 1):
            keep = rng.random((T, N)) < frac if frac < 1 else np.ones((T, N), bool)
            ys = np.where(keep, train.y, np.nan)
            lgb_seed = int(rng.integers(1 << 30))
            losses = _run_masked(run, np.where(keep[..., None], train.X, np.nan), ys, Xte, lgb_seed)
            recs += [{"size": int(round(frac * T * N)), "repeat": r, "quarter": q, "loss": float(v)}
                     for q, v in zip(test_q, losses)]
            if text_index is not None:  # the same rows and seed, with the text feature
                losses = _run_masked(run, np.where(keep[..., None], train_tx.X, np.nan), ys, Xte_tx, lgb_seed)
                recs_tx += [{"size": int(round(frac * T * N)), "repeat": r, "quarter": q, "loss": float(v)}
                            for q, v in zip(test_q, losses)]
    curves["rows"] = pd.DataFrame(recs)
    recs = []
    cols_all = list(extra.columns)
    Xtr_all = train.X
    for k in sorted({0, 2, 4, 8, 16, 32, len(cols_all)}):
        if k > len(cols_all):
            continue
        for r in range(repeats if 0 < k < len(cols_all) else 1):
            cols = list(rng.choice(cols_all, size=k, replace=False)) if k else []
            losses = run(_with_extra(Xtr_all, train_q, extra, cols), train.y, _with_extra(Xte, test_q, extra, cols))
            recs += [{"size": F + k, "repeat": r, "quarter": q, "loss": float(v)} for q, v in zip(test_q, losses)]
    curves["indicator_series"] = pd.DataFrame(recs)
    summary = {"split": split, "test": f"{test_q[0]}..{test_q[-1]}", "learner": "pooled LightGBM quantile nowcaster",
               "training_rows_full": int(T * N), "extra_series_available": len(cols_all)}
    for dim, df in curves.items():
        summary[dim] = _fit_with_bands(df, boot, rng)
    if text_index is not None:
        curves["rows_with_text"] = pd.DataFrame(recs_tx)
        summary["text_source"] = source_value(curves["rows"], curves["rows_with_text"], boot, rng)
    return ScalingResult(curves, summary)


def source_value(without: pd.DataFrame, with_src: pd.DataFrame, boot: int, rng) -> dict:
    r"""Marginal value of a new source: the out-of-sample loss change from adding it, now and projected.

    ``change_now`` = mean over test quarters of ``L_with - L_without`` at the full training set (the same rows and
    learner seed; negative: the source lowers the loss). ``change_next_doubling`` = ``f_with(2 n_max) -
    f_without(2 n_max)``, the two power laws + floor fitted to the row curves, i.e. the projected change once the
    training rows double. Bands: 5%-95% over ``boot`` bootstrap draws of test quarters, the same draw for both
    curves (paired)."""
    a = without.groupby(["size", "quarter"])["loss"].mean().unstack("quarter")
    b = with_src.groupby(["size", "quarter"])["loss"].mean().unstack("quarter").reindex_like(a)
    sizes = a.index.to_numpy(float)
    nmax = sizes.max()

    def stats(cols) -> tuple[float, float]:
        la, lb = a.iloc[:, cols].mean(axis=1).to_numpy(), b.iloc[:, cols].mean(axis=1).to_numpy()
        fa, fb = fit_power_law(sizes, la), fit_power_law(sizes, lb)
        proj = power_law(2 * nmax, fb["a"], fb["exponent"], fb["floor"]) - power_law(
            2 * nmax, fa["a"], fa["exponent"], fa["floor"])
        return float(lb[-1] - la[-1]), float(proj)

    all_cols = np.arange(a.shape[1])
    now, proj = stats(all_cols)
    draws = np.array([stats(rng.integers(0, a.shape[1], a.shape[1])) for _ in range(boot)])
    band = lambda k: [float(np.nanquantile(draws[:, k], 0.05)), float(np.nanquantile(draws[:, k], 0.95))]  # noqa
    return {"loss_without": float(a.iloc[-1].mean()), "loss_with": float(b.iloc[-1].mean()),
            "change_now": now, "change_next_doubling": proj,
            "bands_5_95": {"change_now": band(0), "change_next_doubling": band(1)},
            "sizes": sizes.tolist(), "mean_loss_with": b.mean(axis=1).tolist(),
            "helps": bool(band(0)[1] < 0),
            "note": "negative change: the source lowers the nowcaster's out-of-sample pinball; 'helps' when the "
                    "whole 5-95% band of change_now is below zero"}


def _run_masked(run, Xs, ys, Xte, lgb_seed=None):
    """Drop masked cells by flattening to rows, keeping the panel shape the learner expects ([T', N, F] with the
    masked cells as NaN targets is not supported by LightGBM: train on the kept rows as a one-quarter-per-row panel)."""
    keep = np.isfinite(ys)
    T, N = ys.shape
    # rebuild a panel whose 'quarters' are kept rows grouped by industry position (industry ids preserved)
    Xr = np.full((keep.sum(axis=0).max(), N, Xs.shape[-1]), np.nan)
    yr = np.full((keep.sum(axis=0).max(), N), np.nan)
    for i in range(N):
        k = np.flatnonzero(keep[:, i])
        Xr[:len(k), i] = Xs[k, i]
        yr[:len(k), i] = ys[k, i]
    return run(Xr, yr, Xte, lgb_seed)


def _fit_with_bands(df: pd.DataFrame, boot: int, rng) -> dict:
    per = df.groupby(["size", "quarter"])["loss"].mean().unstack("quarter")  # sizes x test quarters
    sizes = per.index.to_numpy(float)
    fit = fit_power_law(sizes, per.mean(axis=1).to_numpy())
    draws = []
    for _ in range(boot):
        cols = rng.integers(0, per.shape[1], per.shape[1])
        draws.append(fit_power_law(sizes, per.iloc[:, cols].mean(axis=1).to_numpy()))
    d = pd.DataFrame(draws)
    band = {k: [float(d[k].quantile(0.05)), float(d[k].quantile(0.95))]
            for k in ("floor", "exponent", "gain_next_doubling")}
    mean = per.mean(axis=1).to_numpy()
    decreasing = bool(mean[-1] < mean[0])
    note = ("loss falls with more data: the power law + floor describes it" if decreasing else
            "loss does not fall with more data (the largest size is no better than the smallest): the fitted "
            "curve is flat at the floor and the projected gain of a doubling is nil; more of this data does not help")
    return {**fit, "bands_5_95": band, "sizes": sizes.tolist(), "mean_loss": mean.tolist(),
            "loss_decreases": decreasing, "note": note}


def scaling_plot(result: ScalingResult, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ingest.storage import atomic_path

    dims = [d for d in ("rows", "indicator_series") if d in result.summary]
    text = result.summary.get("text_source")
    fig, axes = plt.subplots(1, len(dims) + bool(text), figsize=(5 * (len(dims) + bool(text)), 4))
    axes = np.atleast_1d(axes)
    for ax, dim in zip(axes, dims):
        s = result.summary[dim]
        ax.plot(s["sizes"], s["mean_loss"], "o", label="out-of-sample pinball")
        grid = np.geomspace(min(s["sizes"]), 2 * max(s["sizes"]), 50)
        ax.plot(grid, power_law(grid, s["a"], s["exponent"], s["floor"]), "-",
                label=f"floor {s['floor']:.5f}, exponent {s['exponent']:.2f}")
        ax.axhline(s["floor"], ls=":", c="grey")
        if dim == "rows" and text:
            ax.plot(text["sizes"], text["mean_loss_with"], "s", mfc="none", label="with the Beige Book index")
        ax.set_xscale("log")
        ax.set_xlabel("training rows (quarters x industries)" if dim == "rows" else "indicator series")
        ax.set_ylabel("mean pinball loss")
        ax.legend(fontsize=7)
    if text:
        ax = axes[-1]
        vals = [text["change_now"], text["change_next_doubling"]]
        bands = [text["bands_5_95"]["change_now"], text["bands_5_95"]["change_next_doubling"]]
        err = np.array([[v - b[0] for v, b in zip(vals, bands)], [b[1] - v for v, b in zip(vals, bands)]])
        ax.errorbar([0, 1], vals, yerr=np.clip(err, 0, None), fmt="o", capsize=4)
        ax.axhline(0.0, c="grey", ls=":")
        ax.set_xticks([0, 1], ["now (all rows)", "after doubling rows"])
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylabel("pinball change from adding the text source")
        ax.set_title("Beige Book index: marginal value (5-95% band)", fontsize=9)
    fig.suptitle(f"nowcaster loss vs data ({result.summary['learner']}, test {result.summary['test']})")
    fig.tight_layout()
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
