"""Reference fits for preclin-stats `lmm`, made with statsmodels MixedLM.

Run:  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install statsmodels pandas numpy
      /tmp/venv/bin/python make_fixtures.py        (from this folder)

Writes
  grwth_long.csv    SynergyLMM grwth_data as SynergyLMM's lmmModel() prepares it: time 0 rows dropped,
                    y = ln(TV / TV at time 0); fixed design 0 + Time:Treatment (4 columns), group = subject.
  ls1034_long.csv   invivoSyn LS_1034 (wide) in long form: day rebased to day - min(day), missing cells dropped,
                    y = ln(TV); fixed design ~ group * day with Vehicle as reference (8 columns).
  fits.json         one entry per (data set, random-effects design, REML/ML) fit.

Every design matrix is written out column by column so the Rust test uses exactly the same X and Z.
For each fit we store statsmodels' estimates (fe_params, cov_re, scale, llf, bse_fe) and, computed here with
plain numpy from statsmodels' variance parameters, the conventional GLS covariance of the fixed effects
sigma^2 (X' V^-1 X)^-1 with V = I + Z Psi Z' per group (what nlme and lme4 report as vcov).
"""

import json

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm


def grwth():
    d = pd.read_csv("SynergyLMM_grwth_data.csv")
    tv0 = d[d.Time == 0].set_index("subject").TumorVolume
    d = d[d.Time != 0].copy()
    d["y"] = np.log(d.TumorVolume / d.subject.map(tv0))
    out = pd.DataFrame({"group": d.subject, "time": d.Time, "y": d.y})
    for k in ["Control", "DrugA", "DrugB", "Combination"]:
        out["x_" + k] = d.Time * (d.Treatment == k)
    return out.reset_index(drop=True)


def ls1034():
    w = pd.read_csv("invivoSyn_LS_1034.csv")
    days = [c for c in w.columns[2:]]
    lo = w.melt(id_vars=["Treatment", "Mouse"], value_vars=days, var_name="day", value_name="tv")
    lo["day"] = lo.day.astype(float)
    lo["day"] -= lo.day.min()
    lo = lo.dropna(subset=["tv"])
    lo = lo.sort_values(["Treatment", "Mouse", "day"], key=None, kind="stable")
    gid = {k: i + 1 for i, k in enumerate(sorted(set(zip(lo.Treatment, lo.Mouse)), key=lambda t: (t[1], t[0])))}
    out = pd.DataFrame({"group": [gid[k] for k in zip(lo.Treatment, lo.Mouse)], "time": lo.day, "y": np.log(lo.tv)})
    out["x_Intercept"] = 1.0
    for k in ["Rabusertib", "Irinotecan", "Irinotecan+Rabusertib"]:
        out["x_" + k] = (lo.Treatment == k).astype(float).values
    out["x_day"] = lo.day.values
    for k in ["Rabusertib", "Irinotecan", "Irinotecan+Rabusertib"]:
        out["x_day:" + k] = (lo.day * (lo.Treatment == k)).values
    return out.sort_values(["group", "time"]).reset_index(drop=True)


def gls_cov(y, x, z, groups, cov_re, scale):
    psi = np.atleast_2d(cov_re) / scale
    xtvx = np.zeros((x.shape[1], x.shape[1]))
    for g in np.unique(groups):
        m = groups == g
        zg = z[m]
        v = np.eye(m.sum()) + zg @ psi @ zg.T
        xtvx += x[m].T @ np.linalg.solve(v, x[m])
    return scale * np.linalg.inv(xtvx)


def fit(name, df, re_name, z_cols):
    xcols = [c for c in df.columns if c.startswith("x_")]
    y = df.y.values
    x = df[xcols].values
    groups = df.group.values
    z = np.column_stack([np.ones(len(df)) if c == "1" else df[c].values for c in z_cols])
    res = []
    for reml in (True, False):
        best = None
        for method in ("lbfgs", "bfgs", "powell", "nm"):
            try:
                r = sm.MixedLM(y, x, groups, exog_re=z).fit(reml=reml, method=method, maxiter=20000)
            except Exception:  # noqa: BLE001 - a failing optimiser is just skipped
                continue
            if best is None or r.llf > best[0].llf + 1e-12:
                best = (r, method)
        # Polish: restart gradient optimisers from the best point (nm/powell stop early on flat ridges).
        for _ in range(3):
            for method in ("bfgs", "lbfgs"):
                try:
                    r = sm.MixedLM(y, x, groups, exog_re=z).fit(
                        reml=reml, method=method, maxiter=20000, start_params=best[0].params_object, gtol=1e-10
                    )
                except Exception:  # noqa: BLE001
                    continue
                if r.llf > best[0].llf + 1e-12:
                    best = (r, best[1] + "+" + method)
        r, method = best
        k = x.shape[1]
        cov_re = np.atleast_2d(r.cov_re.values if hasattr(r.cov_re, "values") else r.cov_re)
        se_gls = np.sqrt(np.diag(gls_cov(y, x, z, groups, cov_re, r.scale)))
        res.append(
            {
                "data": name,
                "re": re_name,
                "z_columns": z_cols,
                "reml": reml,
                "x_columns": xcols,
                "fe_params": list(map(float, r.fe_params)),
                "bse_fe_statsmodels": list(map(float, r.bse[:k])),
                "se_gls": list(map(float, se_gls)),
                "cov_re": cov_re.tolist(),
                "scale": float(r.scale),
                "llf": float(r.llf),
                "converged": bool(r.converged),
                "optimizer": method,
                "n_obs": int(len(y)),
                "n_groups": int(len(np.unique(groups))),
            }
        )
    return res


def main():
    g = grwth()
    g.to_csv("grwth_long.csv", index=False, float_format="%.17g")
    l = ls1034()
    l.to_csv("ls1034_long.csv", index=False, float_format="%.17g")
    fits = []
    fits += fit("grwth_long.csv", g, "slope", ["time"])
    # ("intercept", ["1"]) on grwth is left out: y = ln RTV is 0 at time 0 for every mouse (the rows are dropped), a
    # random intercept alone fits poorly and statsmodels returns llf = inf with cov_re = 0 there (a failed fit).
    fits += fit("grwth_long.csv", g, "intercept_slope", ["1", "time"])
    fits += fit("ls1034_long.csv", l, "intercept_slope", ["1", "time"])
    fits += fit("ls1034_long.csv", l, "intercept", ["1"])
    fits += fit("ls1034_long.csv", l, "slope", ["time"])
    meta = {
        "generator": "make_fixtures.py",
        "statsmodels": statsmodels.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "fits": fits,
    }
    with open("fits.json", "w") as f:
        json.dump(meta, f, indent=1)
    # The same numbers flat, for the Rust test (no JSON parser needed there).
    with open("fits_flat.csv", "w") as f:
        f.write("data,z,reml,quantity,index,value\n")
        for r in fits:
            key = f"{r['data']},{';'.join(r['z_columns'])},{int(r['reml'])}"
            rows = [("coef", i, v) for i, v in enumerate(r["fe_params"])]
            rows += [("se_gls", i, v) for i, v in enumerate(r["se_gls"])]
            rows += [("bse_statsmodels", i, v) for i, v in enumerate(r["bse_fe_statsmodels"])]
            rows += [("cov_re", i, v) for i, v in enumerate(np.ravel(r["cov_re"]))]
            rows += [("scale", 0, r["scale"]), ("llf", 0, r["llf"])]
            for q, i, v in rows:
                f.write(f"{key},{q},{i},{float(v)!r}\n")
    for r in fits:
        print(r["data"], r["re"], "REML" if r["reml"] else "ML", r["optimizer"], r["converged"], r["llf"], r["cov_re"], r["scale"])


if __name__ == "__main__":
    main()
