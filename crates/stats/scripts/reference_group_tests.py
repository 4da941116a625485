"""Reference values for the group-comparison tests of preclin-stats
(mannwhitney.rs, anova.rs, dunnett.rs, glm.rs).

    python3 -m venv /tmp/v5 && /tmp/v5/bin/pip install scipy numpy statsmodels
    /tmp/v5/bin/python crates/stats/scripts/reference_group_tests.py

Dunnett p-values are printed twice: scipy.stats.dunnett (randomised QMC,
seeded, ~1e-4 absolute) and a deterministic evaluation of the same
multivariate-t probability by nested scipy.integrate.quad (product
correlation form, Dunnett 1955), which the Rust tests match to 1e-7.
"""
import numpy as np
import scipy
import scipy.stats as st
from scipy import integrate, special
import statsmodels
import statsmodels.api as sm

print(f"# scipy {scipy.__version__}, numpy {np.__version__}, statsmodels {statsmodels.__version__}")

print("== mannwhitney")
a = [1.1, 2.3, 0.7, 1.9, 1.4]
b = [2.8, 3.1, 2.2, 3.9, 2.5, 4.1]
r = st.mannwhitneyu(a, b, method="exact")
print("exact", repr(r.statistic), repr(r.pvalue))
r = st.mannwhitneyu([1, 2, 2, 3, 4], [2, 3, 5, 5, 6, 7], method="asymptotic")
print("asymptotic ties", repr(r.statistic), repr(r.pvalue))
x = np.array([3.1, 4.7, 2.2, 5.9, 4.4, 3.8, 6.1, 2.9])
y = np.array([1.2, 2.8, 0.4, 3.3, 2.1, 1.9, 2.6])
d = np.sort((x[:, None] - y[None, :]).ravel())
r = st.mannwhitneyu(x, y, method="exact")
print("exact8x7", repr(r.statistic), repr(r.pvalue), "HL", repr(np.median(d)))
# R's exact CI: qu = qwilcox(0.025, m, n); CI = (d[qu], d[mn - qu + 1]) (1-based)
m, n = len(x), len(y)
dist = st.mannwhitneyu  # placeholder
# exact null distribution of U by enumeration count recurrence
from functools import lru_cache
import sys
sys.setrecursionlimit(10000)
@lru_cache(None)
def c(u, m, n):
    if u < 0 or u > m * n:
        return 0
    if m == 0 or n == 0:
        return 1 if u == 0 else 0
    return c(u - n, m - 1, n) + c(u, m, n - 1)
tot = sum(c(u, m, n) for u in range(m * n + 1))
cum = 0
for u in range(m * n + 1):
    cum += c(u, m, n)
    if cum / tot >= 0.025:
        qu = u
        break
qu = max(qu, 1)
print("R exact CI (qwilcox rule)", repr(d[qu - 1]), repr(d[m * n - qu]), "qu", qu)

print("== anova")
A = [4.2, 4.8, 5.1, 4.5]
B = [5.9, 6.3, 5.5, 6.1, 6.0]
C = [4.9, 5.2, 5.6, 4.7]
r = st.f_oneway(A, B, C)
print("f_oneway", repr(r.statistic), repr(r.pvalue))

print("== dunnett")
ctrl = [6.86, 7.02, 6.75, 7.10, 6.95, 6.81]
t1 = [6.20, 6.41, 6.05, 6.33, 6.52]
t2 = [7.05, 6.90, 7.22, 6.98, 7.15, 7.08, 6.88]
t3 = [5.10, 5.45, 5.30, 5.62]
res = st.dunnett(t1, t2, t3, control=ctrl, random_state=np.random.default_rng(1))
print("scipy dunnett stat", [repr(v) for v in res.statistic])
print("scipy dunnett p", [repr(v) for v in res.pvalue])
ci = res.confidence_interval(0.95)
print("scipy dunnett ci low", [repr(v) for v in ci.low])
print("scipy dunnett ci high", [repr(v) for v in ci.high])

groups = [ctrl, t1, t2, t3]
N = sum(len(g) for g in groups); k1 = len(groups)
nu = N - k1
n0 = len(ctrl)
lam = [np.sqrt(len(g) / (len(g) + n0)) for g in groups[1:]]

def mvn_sf(cs):
    def inner(z):
        s = 0.0
        for l in lam:
            sg = np.sqrt(1 - l * l)
            a = special.ndtr((-cs - l * z) / sg) + special.ndtr((-cs + l * z) / sg)
            s += np.log1p(-min(a, 1.0))
        return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi) * -np.expm1(s)
    return integrate.quad(inner, -10, 10, epsabs=0, epsrel=1e-12, limit=200)[0]

def mvt_sf(cval):
    lnC = 0.5 * nu * np.log(nu) - (0.5 * nu - 1) * np.log(2) - special.gammaln(0.5 * nu)
    f = lambda v: np.exp(lnC + nu * v - 0.5 * nu * np.exp(2 * v)) * mvn_sf(cval * np.exp(v))
    return integrate.quad(f, -20, 3, epsabs=0, epsrel=1e-11, limit=200, points=[0.0])[0]

for s in res.statistic:
    print("quad p", repr(abs(s)), repr(mvt_sf(abs(s))))
from scipy.optimize import brentq
cc = brentq(lambda cv: mvt_sf(cv) - 0.05, 1.5, 4.0, xtol=1e-13)
print("quad critical 95%", repr(cc))

print("== glm")
# colony counts: 3 groups x 3 dishes, cells plated differ
yv = np.array([52, 61, 47, 30, 25, 36, 12, 18, 9], float)
plated = np.array([1000, 1000, 1000, 1000, 1000, 1000, 500, 500, 500], float)
g = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
X = np.column_stack([np.ones(9), g == 1, g == 2]).astype(float)
m = sm.GLM(yv, X, family=sm.families.Poisson(), offset=np.log(plated)).fit()
print("poisson coef", [repr(v) for v in m.params])
print("poisson se", [repr(v) for v in m.bse])
print("poisson p", [repr(v) for v in m.pvalues])
print("poisson deviance", repr(m.deviance), "pearson", repr(m.pearson_chi2))
mq = sm.GLM(yv, X, family=sm.families.Poisson(), offset=np.log(plated)).fit(scale="X2")
print("quasi se", [repr(v) for v in mq.bse], "scale", repr(mq.scale))
tq = mq.params / mq.bse
print("quasi t p (df n-p)", [repr(2 * st.t.sf(abs(v), 9 - 3)) for v in tq])
