"""Reference values for invivo::engraftment::compare_with_control.

Run: python reference.py > expected.csv   (scipy 1.17.1, numpy 2.4.6)

Input groups.csv (group,pct): illustrative % hCD45 values of four groups, with
a 0 % value (clamped to 1e-4 before the logit, as the Rust code does).
For each treated group vs "vehicle": Welch t on logit(clamp(p/100)) (scipy
ttest_ind equal_var=False, with its 95 % CI), Mann-Whitney two-sided (scipy
mannwhitneyu, method 'exact' without ties, else 'asymptotic' with continuity
correction, as R), Hodges-Lehmann = median of pairwise differences, and Holm
(written out: p_(i) * (m - i + 1), running max, capped at 1).
"""
import csv
import numpy as np
from scipy import stats

EPS = 1e-4
rows = list(csv.DictReader(open("groups.csv")))
groups = []
for r in rows:
    if r["group"] not in groups:
        groups.append(r["group"])
vals = {g: np.array([float(r["pct"]) for r in rows if r["group"] == g]) for g in groups}


def logit(v):
    p = np.clip(v / 100.0, EPS, 1 - EPS)
    return np.log(p / (1 - p))


def holm(p):
    p = np.asarray(p)
    order = np.argsort(p, kind="stable")
    m = len(p)
    out = np.empty(m)
    run = 0.0
    for k, i in enumerate(order):
        run = max(run, (m - k) * p[i])
        out[i] = min(run, 1.0)
    return out


ctl = vals["vehicle"]
res = []
for g in groups[1:]:
    x = vals[g]
    t = stats.ttest_ind(logit(x), logit(ctl), equal_var=False)
    ci = t.confidence_interval(0.95)
    ties = len(np.unique(np.concatenate([x, ctl]))) < len(x) + len(ctl)
    mw = stats.mannwhitneyu(x, ctl, alternative="two-sided",
                            method="asymptotic" if ties else "exact",
                            use_continuity=True)
    hl = np.median(np.subtract.outer(x, ctl).ravel())
    diff = logit(x).mean() - logit(ctl).mean()
    res.append([g, diff, ci.low, ci.high, t.pvalue, mw.pvalue, hl])
wh = holm([r[4] for r in res])
mh = holm([r[5] for r in res])
print("group,logit_diff,logit_ci_lower,logit_ci_upper,welch_p,mw_p,hodges_lehmann,welch_p_holm,mw_p_holm")
for r, a, b in zip(res, wh, mh):
    print(",".join([r[0]] + [repr(float(v)) for v in r[1:]] + [repr(float(a)), repr(float(b))]))
