#!/usr/bin/python3
"""statsmodels OLS with cov_type="cluster" on a task table (the bench's comparison).

    sm_cluster.py FILE.csv

Prints the arm coefficient, its SE and the seconds spent reading and fitting.
statsmodels' cluster covariance is CR1 with the G/(G-1)(n-1)/(n-k) factor (estimatr's
"stata", uplift's cr1); it has no CR2."""
import sys
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm

t0 = time.perf_counter()
d = pd.read_csv(sys.argv[1])
t1 = time.perf_counter()
y = np.log(d["reported_min"] + d["post_review_min"])
X = sm.add_constant(np.column_stack([(d["arm"] == "ai").astype(float),
                                     np.log(d["forecast_no_ai_min"])]))
groups = pd.factorize(d["participant"])[0]
fit = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": groups})
t2 = time.perf_counter()
print("statsmodels coef %.10g se %.10g read %.2f s fit %.2f s" % (fit.params[1], fit.bse[1],
                                                                t1 - t0, t2 - t1))
