"""Python re-computations for preclin-invivo `synergy` (see SOURCES.md).

Run: /tmp/venv/bin/python make_reference.py   (statsmodels, pandas, numpy)

synergylmm_reference.csv  SynergyLMM's time-resolved Bliss/HSA analysis of grwth_data, with the model fitted by
                          statsmodels MixedLM (REML, 0 + Time:Treatment, random 0 + Time | subject) on the rows with
                          Time <= d for every d, and SS / CI / p computed here from the published definitions
                          (SynergyLMM R/lmmSynergy.R): Delta = L beta, se = sqrt(L Cov L'), Cov = sigma^2 (X'V^-1X)^-1,
                          SS = -Delta/se, CI = exp(Delta d), p = 2 Phi(-|SS|).
invivosyn_reference.csv   invivoSyn point estimates on LS_1034 at t = 21: per-arm mean AUC, S_g, Bliss/HSA CI and SS
                          (Mao & Guo 2023; invivoSyn R/efficacy.R get_AUC, R/synergy.R bs_AUC_synergy).
"""

import math

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm
from scipy.stats import norm


def synergylmm():
    d = pd.read_csv("SynergyLMM_grwth_data.csv")
    tv0 = d[d.Time == 0].set_index("subject").TumorVolume
    d = d[d.Time != 0].copy()
    d["y"] = np.log(d.TumorVolume / d.subject.map(tv0))
    arms = ["Control", "DrugA", "DrugB", "Combination"]
    full = None
    rows = []
    for tmax in sorted(d.Time.unique()):
        s = d[d.Time <= tmax]
        x = np.column_stack([s.Time * (s.Treatment == a) for a in arms]).astype(float)
        z = s.Time.values[:, None].astype(float)
        g = s.subject.values
        best = None
        for method in ("lbfgs", "bfgs", "powell", "nm"):
            try:
                r = sm.MixedLM(s.y.values, x, g, exog_re=z).fit(reml=True, method=method, maxiter=20000)
            except Exception:  # noqa: BLE001
                continue
            if np.isfinite(r.llf) and (best is None or r.llf > best.llf + 1e-12):
                best = r
        r = best
        psi = float(np.atleast_2d(r.cov_re)[0, 0]) / r.scale
        xtvx = np.zeros((4, 4))
        for m in np.unique(g):
            k = g == m
            v = np.eye(k.sum()) + psi * z[k] @ z[k].T
            xtvx += x[k].T @ np.linalg.solve(v, x[k])
        cov = r.scale * np.linalg.inv(xtvx)
        beta = np.asarray(r.fe_params)
        if full is None or tmax == d.Time.max():
            full = beta
        rows.append((tmax, beta, cov, r.llf, float(np.atleast_2d(r.cov_re)[0, 0]), r.scale))
    hsa = 1 if full[1] <= full[2] else 2
    out = []
    for null, l in (("bliss", [1, -1, -1, 1]), ("hsa", [0, -1, 0, 1] if hsa == 1 else [0, 0, -1, 1])):
        l = np.array(l, float)
        for tmax, beta, cov, llf, g_var, scale in rows:
            delta = l @ beta
            se = math.sqrt(l @ cov @ l)
            ss = -delta / se
            out.append(
                dict(null=null, time=tmax, delta=delta, se=se, ss=ss, ci=math.exp(delta * tmax),
                     ci_lower=math.exp((delta - 1.959963984540054 * se) * tmax),
                     ci_upper=math.exp((delta + 1.959963984540054 * se) * tmax),
                     p=2 * norm.sf(abs(ss)), llf=llf, re_var=g_var, scale=scale)
            )
    pd.DataFrame(out).to_csv("synergylmm_reference.csv", index=False, float_format="%.17g")


def auc(days, tv):
    if len(days) < 2 or days[-1] == days[0]:
        return math.nan
    span = days[-1] - days[0]
    area = np.trapezoid(np.log(np.asarray(tv) + 1), days)
    return 2 * (area - math.log(tv[0] + 1) * span) / span**2


def invivosyn():
    w = pd.read_csv("invivoSyn_LS_1034.csv")
    days = np.array([float(c) for c in w.columns[2:]])
    days -= days.min()
    arms = ["Vehicle", "Rabusertib", "Irinotecan", "Irinotecan+Rabusertib"]
    means = []
    for a in arms:
        v = []
        for _, r in w[w.Treatment == a].iterrows():
            tv = r.values[2:].astype(float)
            ok = ~np.isnan(tv)
            x = auc(days[ok], tv[ok])
            if not math.isnan(x):
                v.append(x)
        means.append(np.mean(v))
    t = 21.0
    s = [math.exp((m - means[0]) * t) for m in means]
    out = [dict(quantity="mean_auc", arm=a, value=m) for a, m in zip(arms, means)]
    out += [dict(quantity="relative_survival", arm=a, value=v) for a, v in zip(arms, s)]
    for null, se in (("bliss", s[1] * s[2]), ("hsa", min(s[1], s[2]))):
        out += [dict(quantity="ci", arm=null, value=s[3] / se), dict(quantity="ss", arm=null, value=100 * (se - s[3]))]
    pd.DataFrame(out).to_csv("invivosyn_reference.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    print("statsmodels", statsmodels.__version__, "numpy", np.__version__, "pandas", pd.__version__)
    synergylmm()
    invivosyn()
