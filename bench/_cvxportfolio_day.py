"""Run by bench_optimizer.py inside the separate .bench/cvxp environment (cvxportfolio is not a product
dependency). Same synthetic N=500 data and the same terms: return forecast, 5-factor PCA covariance (risk aversion
5), spread + 3/2-power impact (trade aversion 1), long-only, invested <= 98%, weights <= 9%, turnover <= 50%, participation <= 10%
of volume. Prints one JSON line: median and p90 policy time per day over the MarketSimulator backtest (cvxportfolio
compiles once per backtest, like our Policy), first day excluded."""
import json
import sys

import numpy as np
import pandas as pd
import cvxportfolio as cvx

d = np.load(sys.argv[1])
dates = pd.to_datetime(d["dates"])
prices = pd.DataFrame(d["prices"], index=dates, columns=[f"S{i:04d}" for i in range(d["prices"].shape[1])])
returns = prices.pct_change().iloc[1:]
returns["USDOLLAR"] = 0.0
volumes = (pd.DataFrame(d["volumes"], index=dates, columns=prices.columns) * prices).iloc[1:]
md = cvx.UserProvidedMarketData(returns=returns, volumes=volumes, prices=prices.iloc[1:], cash_key="USDOLLAR",
                                min_history=pd.Timedelta("200D"))
objective = (cvx.ReturnsForecast() - 5 * cvx.FactorModelCovariance(num_factors=5)
             - cvx.TransactionCost(a=0.0001, b=1.0, exponent=1.5))
constraints = [cvx.LongOnly(), cvx.LeverageLimit(0.98), cvx.MaxWeights(0.09), cvx.TurnoverLimit(0.5),
               cvx.ParticipationRateLimit(volumes, max_fraction_of_volumes=0.1)]
policy = cvx.SinglePeriodOptimization(objective, constraints, solver="CLARABEL")
start = dates[300]
end = dates[min(311, len(dates) - 1)]
sim = cvx.MarketSimulator(market_data=md)
res = sim.backtest(policy, start_time=start, end_time=end, initial_value=1e8)
t = np.asarray(res.policy_times.iloc[1:].dropna(), float) * 1e3
print(json.dumps({"median_ms": float(np.median(t)), "p90_ms": float(np.percentile(t, 90)), "n": int(len(t)),
                  "cvxportfolio": cvx.__version__}))
