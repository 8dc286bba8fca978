r"""Baselines in the same harness as the GNN: each ``fit(ds, train_snaps)`` then ``predict(ds, snaps)`` returning,
for every target it covers, an array [rows, 5] of quantiles aligned with ``ds.rows(target, snaps)``.

Point forecasters get quantiles from their own training residuals: ``q_tau = f(x) + Q_tau(y - f(x))`` (empirical
quantile of the in-sample residuals, pooled over entities). Models:

* ``random_walk``: ``f = last observed value`` (last quarter's growth / excess return / flow growth).
* ``historical_mean``: ``f = mean of the entity's training targets`` (industry or (seller, buyer) pair).
* ``ridge``: ridge regression (alpha by generalised cross-validation) on the standardised features (edges:
  seller features, buyer features, edge attributes).
* ``lightgbm``: gradient-boosted trees on the same features, one model per quantile (objective ``quantile``), then
  sorted across levels (rearrangement) so quantiles never cross.
* ``network_ar``: network autoregression ``y_i = a + b y_i^{lag} + c sum_j w^cost_{ji} y_j^{lag}
  + d sum_j w^sales_{ij} y_j^{lag}`` (suppliers' and customers' lagged values weighted by IO cost and sales shares,
  renormalised over neighbours with data); for flows ``y_ij = a + b y_ij^{lag} + c g_i + d g_j`` with ``g`` the
  lagged gross-output growth of seller and buyer.
* ``io_momentum`` (returns only): customer and supplier momentum (Cohen & Frazzini 2008): ``y_i = a + b
  sum_j w^sales_{ij} r_j + c sum_j w^cost_{ji} r_j`` with ``r`` last quarter's excess returns.
"""
from __future__ import annotations

import numpy as np
from sklearn.linear_model import LinearRegression, RidgeCV

from .dataset import EDGE_FEATURES, LAST_VALUE_FEATURE, NODE_TARGETS, QUANTILES, TARGETS, ForecastDataset, Rows


def tabular_design(ds: ForecastDataset, rows: Rows) -> np.ndarray:
    """Feature matrix of the rows: node targets -> ``x[s, i]``; edges -> ``[x[s, i], x[s, j], edge_attr]``."""
    if rows.target in NODE_TARGETS:
        return ds.x[rows.snap, rows.node].astype(float)
    return np.concatenate([ds.x[rows.snap, rows.node], ds.x[rows.snap, rows.dst], ds.edge_attr[rows.edge]],
                          axis=1).astype(float)


class _Scaler:
    def fit(self, X: np.ndarray) -> "_Scaler":
        self.mean_ = np.nanmean(np.where(np.isfinite(X), X, np.nan), axis=0)
        self.mean_ = np.where(np.isfinite(self.mean_), self.mean_, 0.0)
        sd = np.nanstd(np.where(np.isfinite(X), X, np.nan), axis=0)
        self.sd_ = np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        Z = (X - self.mean_) / self.sd_
        return np.where(np.isfinite(Z), Z, 0.0)


def _offsets(resid: np.ndarray) -> np.ndarray:
    resid = resid[np.isfinite(resid)]
    if len(resid) == 0:
        return np.zeros(len(QUANTILES))
    return np.quantile(resid, QUANTILES)


class Forecaster:
    name = "base"
    targets: tuple[str, ...] = TARGETS

    def fit(self, ds: ForecastDataset, train_snaps) -> "Forecaster":
        self.state_ = {}
        for t in self.targets:
            rows = ds.rows(t, train_snaps)
            rows = rows.select(np.isfinite(rows.y))
            self.state_[t] = self._fit_target(ds, rows)
        return self

    def predict(self, ds: ForecastDataset, snaps) -> dict[str, np.ndarray]:
        return {t: self._predict_target(ds, ds.rows(t, snaps), self.state_[t]) for t in self.targets}

    def _fit_target(self, ds, rows):  # pragma: no cover - abstract
        raise NotImplementedError

    def _predict_target(self, ds, rows, state):  # pragma: no cover - abstract
        raise NotImplementedError


class _PointForecaster(Forecaster):
    """Point forecast ``f`` + residual quantile offsets."""

    def _point_fit(self, ds, rows):  # returns state
        raise NotImplementedError  # pragma: no cover

    def _point(self, ds, rows, state) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    def _fit_target(self, ds, rows):
        state = self._point_fit(ds, rows)
        fallback = float(np.mean(rows.y)) if len(rows) else 0.0
        f = self._point(ds, rows, state)
        f = np.where(np.isfinite(f), f, fallback)
        return {"point": state, "offsets": _offsets(rows.y - f), "fallback": fallback}

    def _predict_target(self, ds, rows, state):
        f = self._point(ds, rows, state["point"])
        f = np.where(np.isfinite(f), f, state["fallback"])
        return f[:, None] + state["offsets"][None, :]


class RandomWalk(_PointForecaster):
    name = "random_walk"

    def _point_fit(self, ds, rows):
        return None

    def _point(self, ds, rows, state):
        return rows.last


class HistoricalMean(_PointForecaster):
    name = "historical_mean"

    @staticmethod
    def _keys(rows: Rows) -> np.ndarray:
        return rows.node.astype(np.int64) * 100_000 + rows.dst.astype(np.int64) + 1

    def _point_fit(self, ds, rows):
        keys = self._keys(rows)
        uniq, inv = np.unique(keys, return_inverse=True)
        means = np.bincount(inv, weights=rows.y) / np.bincount(inv)
        return dict(zip(uniq.tolist(), means.tolist()))

    def _point(self, ds, rows, state):
        return np.array([state.get(k, np.nan) for k in self._keys(rows).tolist()])


class Ridge(_PointForecaster):
    name = "ridge"

    def _point_fit(self, ds, rows):
        X = tabular_design(ds, rows)
        scaler = _Scaler().fit(X)
        model = RidgeCV(alphas=np.logspace(-2, 4, 13)).fit(scaler.transform(X), rows.y)
        return scaler, model

    def _point(self, ds, rows, state):
        scaler, model = state
        return model.predict(scaler.transform(tabular_design(ds, rows))) if len(rows) else np.zeros(0)


class LightGBM(Forecaster):
    name = "lightgbm"

    def __init__(self, n_estimators: int = 100, learning_rate: float = 0.05, num_leaves: int = 15,
                 min_child_samples: int = 20, seed: int = 0, n_jobs: int = 1):
        self.params = dict(n_estimators=n_estimators, learning_rate=learning_rate, num_leaves=num_leaves,
                           min_child_samples=min_child_samples, random_state=seed, n_jobs=n_jobs, verbose=-1,
                           deterministic=True, force_row_wise=True)

    def _fit_target(self, ds, rows):
        from lightgbm import LGBMRegressor

        X = tabular_design(ds, rows)
        return [LGBMRegressor(objective="quantile", alpha=q, **self.params).fit(X, rows.y) for q in QUANTILES]

    def _predict_target(self, ds, rows, models):
        if len(rows) == 0:
            return np.zeros((0, len(QUANTILES)))
        X = tabular_design(ds, rows)
        return np.sort(np.stack([m.predict(X) for m in models], axis=1), axis=1)


# ---------------------------------------------------------------------------------------------- network terms
def neighbour_averages(ds: ForecastDataset, s: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For snapshot ``s`` and per-node ``values`` [N]: (suppliers' cost-share-weighted average for each buyer,
    customers' sales-share-weighted average for each seller); self-loops excluded, NaN values skipped, NaN where a
    node has no neighbour with data."""
    sl = ds.edge_slice(s)
    src, dst = ds.edge_index[0, sl], ds.edge_index[1, sl]
    cost = np.exp(ds.edge_attr[sl, EDGE_FEATURES.index("log_cost_share")].astype(float))
    sales = np.exp(ds.edge_attr[sl, EDGE_FEATURES.index("log_sales_share")].astype(float))
    keep = (src != dst)
    out = []
    for w, frm, to in ((cost, src, dst), (sales, dst, src)):
        v = values[frm]
        ok = keep & np.isfinite(v)
        num = np.bincount(to[ok], weights=w[ok] * v[ok], minlength=ds.n_nodes)
        den = np.bincount(to[ok], weights=w[ok], minlength=ds.n_nodes)
        out.append(np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan))
    return out[0], out[1]


def _network_terms(ds: ForecastDataset, rows: Rows, source: np.ndarray) -> np.ndarray:
    """[rows, 2]: suppliers' and customers' weighted averages of ``source[s, :]`` for each row's node."""
    out = np.full((len(rows), 2), np.nan)
    for s in np.unique(rows.snap):
        m = rows.snap == s
        up, down = neighbour_averages(ds, int(s), source[s])
        out[m, 0], out[m, 1] = up[rows.node[m]], down[rows.node[m]]
    return out


class _OLSForecaster(_PointForecaster):
    """OLS on a few regressors; NaN regressors are replaced by their training means."""

    def _regressors(self, ds, rows) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    def _point_fit(self, ds, rows):
        X = self._regressors(ds, rows)
        mean = np.nanmean(np.where(np.isfinite(X), X, np.nan), axis=0) if len(X) else np.zeros(X.shape[1])
        mean = np.where(np.isfinite(mean), mean, 0.0)
        X = np.where(np.isfinite(X), X, mean)
        return mean, LinearRegression().fit(X, rows.y)

    def _point(self, ds, rows, state):
        mean, model = state
        if len(rows) == 0:
            return np.zeros(0)
        X = self._regressors(ds, rows)
        return model.predict(np.where(np.isfinite(X), X, mean))


class NetworkAR(_OLSForecaster):
    name = "network_ar"

    def _regressors(self, ds, rows):
        if rows.target in NODE_TARGETS:
            lag = ds.feature(LAST_VALUE_FEATURE[rows.target]).astype(float)
            return np.column_stack([rows.last, _network_terms(ds, rows, lag)])
        g = ds.feature("go_g0").astype(float)
        return np.column_stack([rows.last, g[rows.snap, rows.node], g[rows.snap, rows.dst]])


class IOMomentum(_OLSForecaster):
    name = "io_momentum"
    targets = ("excess_return",)

    def _regressors(self, ds, rows):
        r = ds.feature("xret_q0").astype(float)
        return _network_terms(ds, rows, r)[:, ::-1]  # customer momentum, supplier momentum


BASELINES = {cls.name: cls for cls in (RandomWalk, HistoricalMean, Ridge, LightGBM, NetworkAR, IOMomentum)}


def make_baseline(name: str, **kwargs) -> Forecaster:
    try:
        return BASELINES[name](**kwargs)
    except KeyError:
        raise KeyError(f"unknown baseline {name!r}; known: {sorted(BASELINES)}") from None
