"""Reference values for preclin's global (shared-parameter) fits and curve
comparisons, computed independently with numpy / scipy.

Run:  python3 -m venv /tmp/v9 && /tmp/v9/bin/pip install scipy numpy
      /tmp/v9/bin/python crates/curve/tests/data/scipy_global_reference.py \
          > crates/curve/tests/data/expected_global_scipy.csv

Model: drc's LL.4, f = c + (d - c) / (1 + exp(b (ln x - ln e))), fitted to
several curves at once with chosen parameters shared, by
scipy.optimize.least_squares (method "lm", ftol = xtol = gtol = 1e-15) in the
parameterisation (b, c, d, ln e), from the separate per-curve fits (each a
curve_fit from drc's self-start). The covariance is s^2 (J'J)^-1 with
s^2 = RSS / (N - p) and J the Jacobian at the solution by central
differences (h = 1e-6 relative). Nested models are compared by the
extra-sum-of-squares F test; AIC = N ln(2 pi RSS / N) + N + 2 (p + 1) and
AICc = AIC + 2 K (K + 1) / (N - K - 1) with K = p + 1. Ratios of EC50s
(= e) with the delta method on ln R and Fieller's interval on the natural
scale (Finney 1978).
"""

import csv
import math
import os
import sys

import numpy as np
from scipy import optimize, stats

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, dose, resp, by):
    out = {}
    with open(os.path.join(HERE, name)) as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row[by], ([], []))
            out[row[by]][0].append(float(row[dose]))
            out[row[by]][1].append(float(row[resp]))
    return {k: (np.array(v[0]), np.array(v[1])) for k, v in out.items()}


def ll4(x, b, c, d, le):
    with np.errstate(divide="ignore"):
        lx = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), -np.inf)
    t = b * (lx - le)
    return c + (d - c) / (1.0 + np.exp(t))


def self_start(x, y):
    rng = y.max() - y.min()
    c, d = y.min() - 0.001 * rng, y.max() + 0.001 * rng
    m = (x > 0) & (y > c) & (y < d)
    z = np.log((d - y[m]) / (y[m] - c))
    slope, icept = np.polyfit(np.log(x[m]), z, 1)
    return [slope, c, d, -icept / slope]


def separate_fit(x, y):
    p0 = self_start(x, y)
    p, _ = optimize.curve_fit(ll4, x, y, p0=p0, method="lm", maxfev=100000,
                              ftol=1e-15, xtol=1e-15, gtol=1e-15)
    return p


def global_fit(curves, shared):
    """curves: list of (x, y); shared: set of parameter indices 0..3."""
    k = len(curves)
    layout = []  # (param, curve or None)
    for j in range(4):
        if j in shared:
            layout.append((j, None))
        else:
            layout.extend((j, i) for i in range(k))
    sep = [separate_fit(x, y) for x, y in curves]

    def unpack(g):
        th = [[0.0] * 4 for _ in range(k)]
        for q, (j, i) in enumerate(layout):
            for ii in range(k):
                if i is None or i == ii:
                    th[ii][j] = g[q]
        return th

    def resid(g):
        th = unpack(g)
        return np.concatenate([y - ll4(x, *th[i]) for i, (x, y) in enumerate(curves)])

    best = None
    starts = []
    mean_start = [sep[i][j] if i is not None else np.mean([s[j] for s in sep]) for j, i in layout]
    starts.append(mean_start)
    for r in range(k):
        starts.append([sep[i][j] if i is not None else sep[r][j] for j, i in layout])
    for s0 in starts:
        res = optimize.least_squares(resid, s0, method="lm", ftol=1e-15, xtol=1e-15,
                                     gtol=1e-15, max_nfev=200000)
        rss = float(np.sum(res.fun ** 2))
        if best is None or rss < best[1]:
            best = (res.x, rss)
    g, rss = best
    n = sum(len(x) for x, _ in curves)
    p = len(g)
    # Jacobian of the model (= -d resid) by central differences.
    jac = np.zeros((n, p))
    for q in range(p):
        h = 1e-6 * (1.0 + abs(g[q]))
        gp, gm = g.copy(), g.copy()
        gp[q] += h
        gm[q] -= h
        jac[:, q] = -(resid(gp) - resid(gm)) / (2 * h)
    s2 = rss / (n - p)
    cov = s2 * np.linalg.inv(jac.T @ jac)
    return dict(g=g, rss=rss, n=n, p=p, df=n - p, cov=cov, layout=layout, th=unpack(g))


def aic(fit):
    n, kk = fit["n"], fit["p"] + 1
    a = n * math.log(2 * math.pi * fit["rss"] / n) + n + 2 * kk
    return a, a + 2 * kk * (kk + 1) / (n - kk - 1)


def ftest(null, alt):
    df1 = null["df"] - alt["df"]
    f = ((null["rss"] - alt["rss"]) / df1) / (alt["rss"] / alt["df"])
    return f, df1, alt["df"], stats.f.sf(f, df1, alt["df"])


def ratio(fit, i, j, level=0.95):
    """EC50(i) / EC50(j) with delta-log and Fieller intervals."""
    p = fit["p"]
    gi, gj = np.zeros(p), np.zeros(p)
    for q, (par, c) in enumerate(fit["layout"]):
        if par == 3 and (c is None or c == i):
            gi[q] += 1.0
        if par == 3 and (c is None or c == j):
            gj[q] += 1.0
    cov = fit["cov"]
    li, lj = fit["th"][i][3], fit["th"][j][3]
    v11, v22, v12 = gi @ cov @ gi, gj @ cov @ gj, gi @ cov @ gj
    se = math.sqrt(v11 + v22 - 2 * v12)
    t = stats.t.ppf(0.5 + level / 2, fit["df"])
    r = math.exp(li - lj)
    x1, x2 = math.exp(li), math.exp(lj)
    a11, a22, a12 = x1 * x1 * v11, x2 * x2 * v22, x1 * x2 * v12
    f0 = x1 * x2 - t * t * a12
    den = x2 * x2 - t * t * a22
    disc = f0 * f0 - (x1 * x1 - t * t * a11) * den
    return dict(ratio=r, se_log=se, lower=math.exp(math.log(r) - t * se),
                upper=math.exp(math.log(r) + t * se),
                fieller_lower=(f0 - math.sqrt(disc)) / den,
                fieller_upper=(f0 + math.sqrt(disc)) / den,
                p_log=2 * stats.t.sf(abs(math.log(r) / se), fit["df"]))


def main():
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["case", "quantity", "value"])
    # S.alba: Bentazone (curve 0) and Glyphosate (curve 1).
    sa = load("drc_S.alba.csv", "Dose", "DryMatter", "Herbicide")
    curves = [sa["Bentazone"], sa["Glyphosate"]]
    models = {
        "separate": set(),
        "shared_cd": {1, 2},
        "shared_bcd": {0, 1, 2},
        "shared_bcde": {0, 1, 2, 3},
    }
    fits = {name: global_fit(curves, sh) for name, sh in models.items()}
    for name, f in fits.items():
        a, ac = aic(f)
        w.writerow([f"salba_{name}", "rss", repr(f["rss"])])
        w.writerow([f"salba_{name}", "df", f["df"]])
        w.writerow([f"salba_{name}", "aic", repr(a)])
        w.writerow([f"salba_{name}", "aicc", repr(ac)])
        for i in range(2):
            b, c, d, le = f["th"][i]
            for q, v in zip("bcde", (b, c, d, math.exp(le))):
                w.writerow([f"salba_{name}", f"{q}{i}", repr(float(v))])
    for null, alt in [("shared_cd", "separate"), ("shared_bcd", "shared_cd"),
                      ("shared_bcde", "shared_bcd")]:
        f, df1, df2, pv = ftest(fits[null], fits[alt])
        case = f"salba_F_{null}_vs_{alt}"
        w.writerow([case, "f", repr(f)])
        w.writerow([case, "df1", df1])
        w.writerow([case, "df2", df2])
        w.writerow([case, "p", repr(float(pv))])
    for name in ["separate", "shared_cd", "shared_bcd"]:
        r = ratio(fits[name], 0, 1)
        for key, v in r.items():
            w.writerow([f"salba_ratio_{name}", key, repr(float(v))])
    # spinach: five curves; parallelism (shared b) and equal EC50s.
    sp = load("drc_spinach.csv", "DOSE", "SLOPE", "CURVE")
    curves = [sp[str(i)] for i in range(1, 6)]
    sfits = {
        "separate": global_fit(curves, set()),
        "shared_b": global_fit(curves, {0}),
        "shared_e": global_fit(curves, {3}),
    }
    for name, f in sfits.items():
        w.writerow([f"spinach_{name}", "rss", repr(f["rss"])])
        w.writerow([f"spinach_{name}", "df", f["df"]])
    for null in ["shared_b", "shared_e"]:
        f, df1, df2, pv = ftest(sfits[null], sfits["separate"])
        case = f"spinach_F_{null}_vs_separate"
        w.writerow([case, "f", repr(f)])
        w.writerow([case, "df1", df1])
        w.writerow([case, "df2", df2])
        w.writerow([case, "p", repr(float(pv))])
    r = ratio(sfits["shared_b"], 0, 1)
    for key, v in r.items():
        w.writerow(["spinach_ratio_shared_b_1_2", key, repr(float(v))])


if __name__ == "__main__":
    main()
