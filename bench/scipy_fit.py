#!/usr/bin/env python3
"""scipy side of the preclin curve-fitting benchmark.

Fits every curve of a tidy ``curve,dose,response`` CSV (as written by
``preclin bench fit --curves N --write-csv FILE``) with ``scipy.optimize.curve_fit``
in drc's LL.4 parameterisation, writes one row of results per curve, and
prints the throughput in curves per second for

  (a) the fitting loop alone, and
  (b) end to end inside the process: read CSV -> fit -> write CSV
      (Python start-up and the numpy/scipy imports are not included).

With ``--compare PRECLIN_FITS.csv`` it then compares the fits with the output
of ``preclin fit`` on the same curves (EC50 agreement, residual sum of squares,
convergence). ``--scipy-fits`` compares an earlier output of this script
instead of fitting again.

Install and run (Python >= 3.9)::

    python3 -m venv /tmp/benchvenv
    /tmp/benchvenv/bin/pip install scipy numpy
    target/release/preclin bench fit --curves 10000 --write-csv /tmp/curves.csv
    /tmp/benchvenv/bin/python bench/scipy_fit.py /tmp/curves.csv -o /tmp/scipy_fits.csv
    /tmp/benchvenv/bin/python bench/scipy_fit.py /tmp/curves.csv --bounded -o /tmp/scipy_fits_trf.csv
    target/release/preclin fit /tmp/curves.csv -o /tmp/preclin_fits.csv
    /tmp/benchvenv/bin/python bench/scipy_fit.py --scipy-fits /tmp/scipy_fits.csv \\
        --compare /tmp/preclin_fits.csv

``bench/run.sh`` runs the whole comparison.

Model (drc LL.4, fitted with log e so that e > 0 needs no bound)::

    f(x) = c + (d - c) / (1 + exp(b * (ln x - log_e)))

b is the slope (positive for a falling curve), c the response as x -> inf,
d the response as x -> 0, e = exp(log_e) the EC50. A dose of 0 gives
ln 0 = -inf, i.e. f = d when b > 0.

Fitting settings:

* default: Levenberg-Marquardt (``method="lm"``), unbounded, numeric
  (finite-difference) Jacobian, scipy's default evaluation cap
  (200 * (number of parameters + 1) = 1000).
* ``--bounded``: trust-region reflective (``method="trf"``), numeric
  Jacobian, scipy's default evaluation cap (100 * number of parameters = 400),
  with the box
      b      in [0.01, 20]
      c, d   in [min(y) - span, max(y) + span], span = max(y) - min(y)
      log_e  in [ln(min positive dose) - ln 100, ln(max dose) + ln 100]
  (the EC50 within two decades of the tested doses, as GRmetrics and
  CurveCurator do). b >= 0.01 means the bounded fit assumes falling curves,
  which is what the benchmark generates. The start values are clipped into
  the box.

Start values (drc's LL.4 self-start): c = min(y) - 0.001 * range and
d = max(y) + 0.001 * range; b and log e from the least-squares line of
z = ln((d - y) / (y - c)) on ln x, which is z = b * ln x - b * log_e, so
b = slope and log_e = -intercept / b. When the line is degenerate
(fewer than two distinct positive doses, or a slope of 0) the start is
b = 1, log_e = the median log dose.

Outputs per curve: b, c, d, e, log_e, SE of log_e (square root of the
log_e diagonal element of curve_fit's covariance, which is scaled by
RSS / (n - 4) as in drc's vcov), RSS, the number of function evaluations
(LM counts those spent on the finite-difference Jacobian, TRF does not)
and whether the optimiser reported success. A failed fit is a row with
converged = false, empty numbers and the optimiser's message.

Everything is deterministic: there is no randomness, and the same input
gives the same output bytes with the same numpy/scipy build.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
import warnings
from dataclasses import dataclass
from statistics import median
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import scipy
from scipy import stats
from scipy.optimize import OptimizeWarning, curve_fit

N_PARAMS = 4
OUTPUT_COLUMNS = [
    "curve", "n", "converged", "b", "c", "d", "e", "log_e", "se_log_e",
    "rss", "nfev", "message",
]


# --------------------------------------------------------------------------
# Model and start values
# --------------------------------------------------------------------------

def ll4(log_x: np.ndarray, b: float, c: float, d: float, log_e: float) -> np.ndarray:
    """drc LL.4 as a function of ln(dose), with log_e = ln(EC50)."""
    return c + (d - c) / (1.0 + np.exp(b * (log_x - log_e)))


def self_start(log_x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """drc-style LL.4 start values (b, c, d, log_e)."""
    y_min = float(np.min(y))
    y_max = float(np.max(y))
    margin = 0.001 * (y_max - y_min)
    c = y_min - margin
    d = y_max + margin
    finite = np.isfinite(log_x)
    b = 1.0
    log_e = float(np.median(log_x[finite])) if finite.any() else 0.0
    if margin > 0.0 and np.unique(log_x[finite]).size >= 2:
        z = np.log((d - y[finite]) / (y[finite] - c))
        slope, intercept = np.polyfit(log_x[finite], z, 1)
        if np.isfinite(slope) and np.isfinite(intercept) and slope != 0.0:
            b, log_e = float(slope), float(-intercept / slope)
    return np.array([b, c, d, log_e])


def box(log_x: np.ndarray, y: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of (b, c, d, log_e) for the --bounded fit."""
    y_min = float(np.min(y))
    y_max = float(np.max(y))
    span = y_max - y_min
    if span == 0.0:
        span = max(abs(y_max), 1.0)
    finite = log_x[np.isfinite(log_x)]
    lx_lo = float(np.min(finite)) if finite.size else 0.0
    lx_hi = float(np.max(finite)) if finite.size else 0.0
    two_decades = math.log(100.0)
    lower = np.array([0.01, y_min - span, y_min - span, lx_lo - two_decades])
    upper = np.array([20.0, y_max + span, y_max + span, lx_hi + two_decades])
    return lower, upper


# --------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------

@dataclass
class Fit:
    """Result of one curve (numbers are None when the fit failed)."""

    curve: str
    n: int
    converged: bool
    params: Optional[np.ndarray] = None  # b, c, d, log_e
    se_log_e: Optional[float] = None
    rss: Optional[float] = None
    nfev: Optional[int] = None
    message: str = ""


def fit_curve(name: str, dose: np.ndarray, y: np.ndarray, bounded: bool) -> Fit:
    """Fits one curve; never raises for a numerical failure."""
    n = y.size
    if n <= N_PARAMS:
        return Fit(name, n, False, message="too few points")
    log_x = np.log(dose)
    p0 = self_start(log_x, y)
    kwargs = {}
    if bounded:
        lower, upper = box(log_x, y)
        p0 = np.clip(p0, lower, upper)
        kwargs = {"method": "trf", "bounds": (lower, upper)}
    else:
        kwargs = {"method": "lm"}
    try:
        popt, pcov, info, message, _ier = curve_fit(
            ll4, log_x, y, p0=p0, check_finite=False, full_output=True, **kwargs
        )
    except (RuntimeError, ValueError, FloatingPointError) as err:
        return Fit(name, n, False, message=" ".join(str(err).split()))
    if not np.all(np.isfinite(popt)):
        return Fit(name, n, False, message="non-finite parameters")
    resid = y - ll4(log_x, *popt)
    rss = float(resid @ resid)
    var = pcov[3, 3]
    se = float(math.sqrt(var)) if np.isfinite(var) and var >= 0.0 else None
    return Fit(name, n, True, popt, se, rss, int(info["nfev"]), " ".join(str(message).split()))


def fit_all(curves: Sequence[Tuple[str, np.ndarray, np.ndarray]], bounded: bool) -> List[Fit]:
    """Fits every curve in input order."""
    return [fit_curve(name, dose, y, bounded) for name, dose, y in curves]


# --------------------------------------------------------------------------
# Input and output
# --------------------------------------------------------------------------

def read_curves(path: str) -> List[Tuple[str, np.ndarray, np.ndarray]]:
    """Reads a tidy curve,dose,response CSV; curves keep their first-seen order.

    Rows whose dose or response is not a finite number (or whose dose is
    negative) are skipped.
    """
    groups: Dict[str, Tuple[List[float], List[float]]] = {}
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        try:
            ic, idose, iresp = (header.index(k) for k in ("curve", "dose", "response"))
        except ValueError:
            sys.exit(f"{path}: need columns curve, dose, response; found {header}")
        for row in reader:
            try:
                dose = float(row[idose])
                resp = float(row[iresp])
            except (ValueError, IndexError):
                continue
            if not (math.isfinite(dose) and math.isfinite(resp)) or dose < 0.0:
                continue
            entry = groups.get(row[ic])
            if entry is None:
                entry = groups[row[ic]] = ([], [])
            entry[0].append(dose)
            entry[1].append(resp)
    return [(name, np.array(d), np.array(r)) for name, (d, r) in groups.items()]


def _num(v: Optional[float]) -> str:
    """Shortest round-trip text of a float; empty for a missing value."""
    return "" if v is None else repr(float(v))


def write_fits(path: str, fits: Iterable[Fit]) -> None:
    """Writes one row per curve (columns OUTPUT_COLUMNS)."""
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(OUTPUT_COLUMNS)
        for f in fits:
            if f.params is None:
                nums = [None] * 7
            else:
                b, c, d, log_e = (float(v) for v in f.params)
                nums = [b, c, d, math.exp(log_e), log_e, f.se_log_e, f.rss]
            row = [f.curve, str(f.n), "true" if f.converged else "false"]
            row += [_num(v) for v in nums]
            row += ["" if f.nfev is None else str(f.nfev), f.message]
            w.writerow(row)


def _float_or_none(text: str) -> Optional[float]:
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def read_table_skipping_comments(path: str) -> List[Dict[str, str]]:
    """Rows of a CSV whose leading comment lines start with '#'."""
    with open(path, newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines))


def read_fits(path: str) -> List[Fit]:
    """Reads back a CSV written by write_fits."""
    out = []
    for r in read_table_skipping_comments(path):
        conv = r["converged"] == "true"
        vals = [_float_or_none(r[k]) for k in ("b", "c", "d", "log_e")]
        params = np.array(vals) if all(v is not None for v in vals) else None
        nfev = int(r["nfev"]) if r.get("nfev") else None
        out.append(Fit(r["curve"], int(r["n"]), conv, params,
                       _float_or_none(r["se_log_e"]), _float_or_none(r["rss"]),
                       nfev, r.get("message", "")))
    return out


# --------------------------------------------------------------------------
# Comparison with preclin
# --------------------------------------------------------------------------

def compare(fits: Sequence[Fit], preclin_path: str, level: float = 0.95) -> None:
    """Prints how scipy's fits agree with `preclin fit` output on the same curves.

    preclin's columns used: curve, converged, ec50, ec50_lower, ec50_upper,
    df, hill, rss. preclin's default EC50 interval is exp(ln ec50 ± t·SE),
    so its SE of ln EC50 is ln(upper / lower) / (2 t) with t the
    (1 + level) / 2 quantile of Student's t on df degrees of freedom.
    """
    pre = {r["curve"]: r for r in read_table_skipping_comments(preclin_path)}
    missing = [f.curve for f in fits if f.curve not in pre]
    matched = [(f, pre[f.curve]) for f in fits if f.curve in pre]

    both = []
    for f, r in matched:
        p_conv = r.get("converged") == "true"
        p_ec50 = _float_or_none(r.get("ec50"))
        p_rss = _float_or_none(r.get("rss"))
        if f.converged and p_conv and p_ec50 and p_ec50 > 0 and p_rss is not None:
            both.append((f, r, p_ec50, p_rss))

    n = len(matched)
    print(f"compare with {preclin_path}: {n} curves matched by name"
          + (f", {len(missing)} scipy curves missing from preclin" if missing else ""))
    if n == 0:
        return
    s_conv = sum(f.converged for f, _ in matched)
    p_conv = sum(r.get("converged") == "true" for _, r in matched)
    print(f"  converged: scipy {s_conv}/{n}, preclin {p_conv}/{n}, "
          f"both {len(both)}/{n} ({len(both) / n:.4f})")
    if not both:
        return

    dlog = [abs(math.log10(pe) - f.params[3] / math.log(10.0)) for f, _, pe, _ in both]
    q = np.quantile(dlog, [0.5, 0.9, 0.99])
    print(f"  |log10(EC50 preclin / EC50 scipy)|, both converged: median {q[0]:.3g}, "
          f"90% {q[1]:.3g}, 99% {q[2]:.3g}, max {max(dlog):.3g}")
    for i in sorted(range(len(both)), key=lambda k: -dlog[k])[:3]:
        if dlog[i] < 0.01:
            break
        f, r, pe, _ = both[i]
        b, c, d, log_e = f.params
        print(f"    {f.curve}: EC50 preclin {pe:.4g} (hill {r.get('hill')}, "
              f"flags {r.get('flags') or '-'}), scipy {math.exp(log_e):.4g} "
              f"(b {b:.4g}, c {c:.4g}, d {d:.4g}); RSS preclin {r.get('rss')}, scipy {f.rss:.6g}")

    tol = 1e-6
    le = sum(p_rss <= f.rss * (1 + tol) for f, _, _, p_rss in both)
    lower = sum(p_rss < f.rss * (1 - tol) for f, _, _, p_rss in both)
    higher = [(p_rss / f.rss - 1 if f.rss > 0 else math.inf, f, r)
              for f, r, _, p_rss in both if p_rss > f.rss * (1 + tol)]
    m = len(both)
    print(f"  RSS: preclin <= scipy*(1+1e-6) on {le}/{m} ({le / m:.4f}); "
          f"lower by > 1e-6 relative on {lower}; higher on {len(higher)}")
    higher.sort(key=lambda t: -t[0])
    for rel, f, r in higher[:5]:
        print(f"    {f.curve}: preclin RSS +{rel:.3g} relative "
              f"(preclin hill {r.get('hill')}, flags {r.get('flags') or '-'}; "
              f"scipy b {f.params[0]:.4g})")

    # SE of ln EC50, where both report one.
    rel_se = []
    for f, r, pe, _ in both:
        lo = _float_or_none(r.get("ec50_lower"))
        hi = _float_or_none(r.get("ec50_upper"))
        df = _float_or_none(r.get("df"))
        if f.se_log_e and lo and hi and df and lo > 0 and hi > lo:
            se_p = math.log(hi / lo) / (2.0 * stats.t.ppf((1 + level) / 2, df))
            rel_se.append(abs(se_p / f.se_log_e - 1.0))
    if rel_se:
        print(f"  SE(ln EC50) relative difference: median {median(rel_se):.3g} "
              f"over {len(rel_se)} curves")


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        description="Fit tidy curve,dose,response CSV with scipy curve_fit (drc LL.4, log e) "
                    "and time it; optionally compare with `preclin fit` output.")
    ap.add_argument("input", nargs="?", help="tidy CSV with columns curve, dose, response")
    ap.add_argument("-o", "--output", help="write the fits here (CSV)")
    ap.add_argument("--bounded", action="store_true",
                    help="bounded trust-region reflective fit instead of unbounded LM")
    ap.add_argument("--compare", metavar="PRECLIN_FITS.csv",
                    help="compare with `preclin fit` output on the same curves")
    ap.add_argument("--scipy-fits", metavar="FITS.csv",
                    help="with --compare: use this earlier output of the script instead of fitting")
    args = ap.parse_args(argv)

    if args.scipy_fits:
        if args.input or not args.compare:
            ap.error("--scipy-fits takes no input file and needs --compare")
        compare(read_fits(args.scipy_fits), args.compare)
        return 0
    if not args.input:
        ap.error("an input CSV is needed (or --scipy-fits with --compare)")

    warnings.simplefilter("ignore", OptimizeWarning)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        t0 = time.perf_counter()
        curves = read_curves(args.input)
        t1 = time.perf_counter()
        fits = fit_all(curves, args.bounded)
        t2 = time.perf_counter()
        if args.output:
            write_fits(args.output, fits)
        t3 = time.perf_counter()

    n = len(curves)
    ok = sum(f.converged for f in fits)
    setting = ("TRF bounded" if args.bounded else "LM unbounded") + ", numeric Jacobian"
    print(f"scipy {scipy.__version__} / numpy {np.__version__} curve_fit ({setting}): "
          f"{n} curves, {ok} converged")
    if n and t2 > t1:
        print(f"fit loop: {n / (t2 - t1):.0f} curves/s  ({t2 - t1:.3f} s)")
    if n and args.output:
        print(f"end to end (read CSV -> fit -> write CSV): {n / (t3 - t0):.0f} curves/s  "
              f"({t3 - t0:.3f} s; read {t1 - t0:.3f} s, write {t3 - t2:.3f} s)")
    if args.compare:
        compare(fits, args.compare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
