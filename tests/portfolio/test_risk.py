import numpy as np
import pandas as pd
import pytest

from portfolio.risk import StatisticalRiskModel


def _prices(n=40, t=300, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(50 * np.exp(np.cumsum(rng.normal(0, 0.01, (t, n)), axis=0)),
                        index=pd.bdate_range("2020-01-01", periods=t))


def test_factor_model_matches_direct_eigendecomposition():
    p = _prices()
    est = StatisticalRiskModel(shrinkage=0.0).fit(p)
    r = p.iloc[-253:].pct_change().iloc[1:]
    x = (r - r.mean()).to_numpy()
    s = x.T @ x / (len(x) - 1)
    vals, vecs = np.linalg.eigh(s)
    b = vecs[:, -5:] * np.sqrt(vals[-5:])
    assert np.allclose(b @ b.T, est.loadings.to_numpy() @ est.loadings.to_numpy().T)
    assert np.allclose(np.diag(s), np.diag(est.covariance()))  # diagonal reproduced exactly (before shrinkage)
    assert est.asof == p.index[-1]


def test_shrinkage_and_short_history():
    p = _prices()
    p.iloc[:250, 3] = np.nan  # 49 returns only: not estimable
    est = StatisticalRiskModel(shrinkage=1.0).fit(p)
    assert not est.estimable.iloc[3] and est.estimable.drop(3).all()
    d = est.idio_var[est.estimable]
    assert np.allclose(d, d.iloc[0])  # full shrinkage: every idiosyncratic variance = the median
    with pytest.raises(ValueError, match="got shrinkage=1.5"):
        StatisticalRiskModel(shrinkage=1.5)
