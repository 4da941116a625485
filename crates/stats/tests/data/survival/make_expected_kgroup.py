"""Reference values for k-group tests and multi-covariate Cox models on myeloid.

Run: python make_expected_kgroup.py > expected_kgroup.csv
Tools: Python 3.11, lifelines 0.30.3, scipy 1.17.1, numpy 2.4.6, pandas 2.3.3.
"""
import sys

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.statistics import multivariate_logrank_test

d = pd.read_csv("myeloid.csv")
rows = []
for w, name in [(None, "logrank"), ("wilcoxon", "gehan-breslow"), ("tarone-ware", "tarone-ware"),
                ("peto", "peto"), ("fleming-harrington", "fleming-harrington(1,0)")]:
    kw = {"p": 1, "q": 0} if w == "fleming-harrington" else {}
    r = multivariate_logrank_test(d.futime, d.flt3, d.death, weightings=w, **kw)
    rows.append(("flt3", name, "", r.test_statistic, r.degrees_of_freedom, r.p_value, ""))

def cox(formula_cols, label):
    x = d[["futime", "death"]].copy()
    for c, ref in formula_cols:
        for lev in sorted(d[c].unique()):
            if lev != ref:
                x[f"{c}{lev}"] = (d[c] == lev).astype(float)
    # lifelines' default Newton stop (precision 1e-7) leaves coefficients ~1e-5
    # (relative) short of the maximum; fit to 1e-12 so the reference is the maximum.
    f = CoxPHFitter().fit(x, "futime", "death",
                          fit_options={"precision": 1e-12, "step_size": 0.95, "max_steps": 500})
    for term in f.params_.index:
        rows.append((label, "cox-efron", term, f.params_[term], 1, f.summary.loc[term, "p"],
                     f.standard_errors_[term]))
    lr = f.log_likelihood_ratio_test()
    rows.append((label, "cox-efron-lr", "", lr.test_statistic, lr.degrees_freedom, lr.p_value, ""))

cox([("flt3", "A")], "flt3")
cox([("trt", "A"), ("sex", "f")], "trt+sex")

out = pd.DataFrame(rows, columns=["model", "test", "term", "value", "df", "p", "se"])
out.to_csv(sys.stdout, index=False, float_format="%.15g")
