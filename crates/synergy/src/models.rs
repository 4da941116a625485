//! The four reference models of SynergyFinder 3.x — HSA, Bliss, Loewe and
//! ZIP — cell by cell, on the % inhibition scale.
//!
//! For every cell with observed response y and expected (reference)
//! response y_ref, the synergy score is δ = y − y_ref: positive = more
//! inhibition than the model expects (synergy). Cells with at most one drug
//! present (the monotherapies and the control) have y_ref = y and δ = 0
//! exactly, as in SynergyFinder.
//!
//! Definitions (Zheng et al. 2022, *Genomics Proteomics Bioinformatics*
//! 20:587, "SynergyFinder Plus"; Ianevski et al. 2020, *NAR* 48:W488;
//! Yadav et al. 2015, *Comput Struct Biotechnol J* 13:504), with y_k the
//! observed response of drug k alone at its concentration x_k in the cell
//! and f_k the LL.4 fitted to drug k's monotherapy series (control included):
//!
//! * **HSA** (Berenbaum 1989): y_ref = max_k y_k.
//! * **Bliss** (Bliss 1939): y_ref = 100·(1 − Π_k (1 − y_k/100)); for two
//!   drugs y₁ + y₂ − y₁y₂/100.
//! * **ZIP** (Yadav 2015): y_ref = 100·(1 − Π_k (1 − f_k(x_k)/100)), the Bliss
//!   formula on the *fitted* monotherapies; the observed side is smoothed
//!   too: for each drug k, LL.4 is fitted along every line of the grid on
//!   which only drug k varies (its dose-0 cell included, c fixed at the
//!   response there, d, b, e free) and predicted at the line's doses;
//!   ZIP_fit = the mean of these predictions over the drugs present;
//!   δ = ZIP_fit − y_ref. [`zip`] fits by least squares;
//!   [`zip_synergyfinder`] fits as SynergyFinder does in R (drc's path,
//!   [`crate::drc`]), which reproduces its published scores.
//! * **Loewe** (Loewe 1953): y_ref solves Σ_k x_k / X_k(y) = 1 with X_k the
//!   inverse of f_k (the dose of drug k alone giving y); see [`LoeweOptions`]
//!   for the exact solution (default) and SynergyFinder's grid search.
//!
//! In blocks of three or more drugs, HSA/Bliss/ZIP/Loewe of a cell run over
//! the drugs present in that cell (x_k > 0).

use serde::{Deserialize, Serialize};

use preclin_curve::FitOptions;

use crate::curves::{DrugCurve, Inverse, fit_ll4_with};
use crate::drc::{DrcCurve, fit_dose_response};
use crate::surface::Surface;

/// A synergy model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Bliss independence.
    Bliss,
    /// Highest single agent.
    Hsa,
    /// Loewe additivity.
    Loewe,
    /// Zero interaction potency.
    Zip,
}

impl Method {
    /// The four models in output order.
    pub const ALL: [Method; 4] = [Method::Bliss, Method::Hsa, Method::Loewe, Method::Zip];

    /// Lower-case name (`bliss`, `hsa`, `loewe`, `zip`).
    pub fn name(self) -> &'static str {
        match self {
            Method::Bliss => "bliss",
            Method::Hsa => "hsa",
            Method::Loewe => "loewe",
            Method::Zip => "zip",
        }
    }
}

/// Reference and synergy of every cell of a surface (storage order);
/// `None` where the model gives no value (a curve could not be fitted).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellScores {
    /// Expected response y_ref (% inhibition).
    pub reference: Vec<Option<f64>>,
    /// δ = observed − expected (for ZIP: ZIP_fit − expected).
    pub synergy: Vec<Option<f64>>,
}

impl CellScores {
    fn monotherapy_filled(s: &Surface) -> CellScores {
        let mut reference = vec![None; s.len()];
        let mut synergy = vec![None; s.len()];
        for c in 0..s.len() {
            if s.is_monotherapy(c) {
                reference[c] = Some(s.y(c));
                synergy[c] = Some(0.0);
            }
        }
        CellScores { reference, synergy }
    }
}

/// Bliss independence with the observed monotherapies (see module docs).
pub fn bliss(s: &Surface) -> CellScores {
    let mut out = CellScores::monotherapy_filled(s);
    for c in 0..s.len() {
        if s.is_monotherapy(c) {
            continue;
        }
        let mut surv = 1.0;
        for k in 0..s.n_drugs() {
            let j = s.level(c, k);
            if j > 0 {
                surv *= 1.0 - s.mono(k, j) / 100.0;
            }
        }
        let r = 100.0 * (1.0 - surv);
        out.reference[c] = Some(r);
        out.synergy[c] = Some(s.y(c) - r);
    }
    out
}

/// Highest single agent with the observed monotherapies.
pub fn hsa(s: &Surface) -> CellScores {
    let mut out = CellScores::monotherapy_filled(s);
    for c in 0..s.len() {
        if s.is_monotherapy(c) {
            continue;
        }
        let r = (0..s.n_drugs())
            .filter(|&k| s.level(c, k) > 0)
            .map(|k| s.mono(k, s.level(c, k)))
            .fold(f64::NEG_INFINITY, f64::max);
        out.reference[c] = Some(r);
        out.synergy[c] = Some(s.y(c) - r);
    }
    out
}

/// LL.4 fits of every drug's monotherapy series (control included, all four
/// parameters free), as SynergyFinder's `FitDoseResponse`.
pub fn mono_curves(s: &Surface) -> Vec<Option<DrugCurve>> {
    mono_curves_with(s, &FitOptions::default())
}

/// [`mono_curves`] with other fitting options (see [`fit_ll4_with`]).
pub fn mono_curves_with(s: &Surface, fit: &FitOptions) -> Vec<Option<DrugCurve>> {
    (0..s.n_drugs())
        .map(|k| {
            let (x, y) = s.mono_series(k);
            fit_ll4_with(&x, &y, None, fit)
        })
        .collect()
}

/// ZIP scores with the details of the fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZipResult {
    /// y_ref = Bliss of the fitted monotherapies, and δ = ZIP_fit − y_ref.
    pub scores: CellScores,
    /// ZIP_fit per cell (the observed response for monotherapy cells).
    pub fitted: Vec<Option<f64>>,
    /// Lines (rows / columns …) whose LL.4 could not be fitted; their
    /// observed responses were used instead (as SynergyFinder does when drc
    /// fails).
    pub failed_lines: usize,
}

/// Zero interaction potency (see module docs). `mono` are the monotherapy
/// fits from [`mono_curves`]; without them the ZIP reference does not exist.
pub fn zip(s: &Surface, mono: &[Option<DrugCurve>]) -> ZipResult {
    zip_with(s, mono, &FitOptions::default())
}

/// [`zip`] with other fitting options for the row / column lines (see
/// [`fit_ll4_with`]).
pub fn zip_with(s: &Surface, mono: &[Option<DrugCurve>], fit: &FitOptions) -> ZipResult {
    let n = s.len();
    let nd = s.n_drugs();
    let mut scores = CellScores::monotherapy_filled(s);
    let mut fitted: Vec<Option<f64>> = (0..n)
        .map(|c| s.is_monotherapy(c).then(|| s.y(c)))
        .collect();
    // Sum and count of line predictions per cell.
    let mut sum = vec![0.0; n];
    let mut cnt = vec![0u32; n];
    let mut failed_lines = 0;
    let mut dose = Vec::new();
    let mut resp = Vec::new();
    for k in 0..nd {
        let nk = s.levels(k).len();
        let stride = s.stride(k);
        for start in 0..n {
            // A line starts at a cell where drug k is absent and another drug
            // is present.
            if s.level(start, k) != 0 || s.n_nonzero(start) == 0 {
                continue;
            }
            dose.clear();
            resp.clear();
            for j in 0..nk {
                dose.push(s.levels(k)[j]);
                resp.push(s.y(start + j * stride));
            }
            match fit_ll4_with(&dose, &resp, Some(resp[0]), fit) {
                Some(cv) => {
                    for j in 1..nk {
                        let c = start + j * stride;
                        sum[c] += cv.predict(dose[j]);
                        cnt[c] += 1;
                    }
                }
                None => {
                    failed_lines += 1;
                    for j in 1..nk {
                        let c = start + j * stride;
                        sum[c] += resp[j];
                        cnt[c] += 1;
                    }
                }
            }
        }
    }
    let have_mono = mono.iter().all(Option::is_some);
    for c in 0..n {
        if s.is_monotherapy(c) {
            continue;
        }
        let f = sum[c] / cnt[c] as f64;
        fitted[c] = Some(f);
        if have_mono {
            let mut surv = 1.0;
            for (k, m) in mono.iter().enumerate() {
                let j = s.level(c, k);
                if j > 0 {
                    let m = m.as_ref().expect("checked");
                    surv *= 1.0 - m.predict(s.levels(k)[j]) / 100.0;
                }
            }
            let r = 100.0 * (1.0 - surv);
            scores.reference[c] = Some(r);
            scores.synergy[c] = Some(f - r);
        }
    }
    ZipResult {
        scores,
        fitted,
        failed_lines,
    }
}

/// How ZIP fits its curves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZipFitter {
    /// Least squares with `preclin-curve` ([`zip`]): the documented
    /// algorithm fitted to its minimum.
    #[default]
    LeastSquares,
    /// SynergyFinder 3.x as R runs it: drc 3.0-1's self-start and BFGS, with
    /// SynergyFinder's fallback to L.4 on log dose ([`zip_synergyfinder`],
    /// [`crate::drc`]). Reproduces SynergyFinder's published ZIP numbers.
    SynergyFinder,
}

/// ZIP exactly as SynergyFinder 3.x computes it (`ZIP()` in
/// `R/calculate_synergy_score.R`), with its curves fitted as R fits them
/// ([`crate::drc::fit_dose_response`]):
///
/// * every drug's monotherapy series (control included) gets an LL.4 with
///   all four parameters free; y_ref = 100·(1 − Π_k (1 − f_k(x_k)/100)) over
///   all drugs of the block, each at its dose in the cell;
/// * for every drug k, every line of the grid on which only drug k varies
///   (the monotherapy line of k included) gets an LL.4 with c fixed at the
///   line's dose-0 response, predicted at each of the line's doses;
/// * ZIP_fit = the mean over all drugs of those predictions (SynergyFinder's
///   `rowMeans` over its `pred` columns; for two drugs, the row and column
///   fits); δ = ZIP_fit − y_ref in cells with at least two drugs, 0
///   elsewhere.
///
/// A line whose fit fails both ways (SynergyFinder stops with an error
/// there) keeps its observed responses and is counted in
/// [`ZipResult::failed_lines`]; a failed monotherapy leaves y_ref and δ
/// empty.
pub fn zip_synergyfinder(s: &Surface) -> ZipResult {
    let n = s.len();
    let nd = s.n_drugs();
    let mut scores = CellScores::monotherapy_filled(s);
    let mut fitted: Vec<Option<f64>> = (0..n)
        .map(|c| s.is_monotherapy(c).then(|| s.y(c)))
        .collect();
    // SynergyFinder fits the rows in the order of its table; the example
    // data (and most plate exports) list doses from high to low, so the
    // series are passed that way (the order only changes rounding).
    let mono: Vec<Option<DrcCurve>> = (0..nd)
        .map(|k| {
            let (mut x, mut y) = s.mono_series(k);
            x.reverse();
            y.reverse();
            fit_dose_response(&x, &y, None)
        })
        .collect();
    let mut sum = vec![0.0; n];
    let mut failed_lines = 0;
    let (mut dose, mut resp) = (Vec::new(), Vec::new());
    for k in 0..nd {
        let nk = s.levels(k).len();
        let stride = s.stride(k);
        for start in 0..n {
            if s.level(start, k) != 0 {
                continue;
            }
            dose.clear();
            resp.clear();
            for j in (0..nk).rev() {
                dose.push(s.levels(k)[j]);
                resp.push(s.y(start + j * stride));
            }
            let base = s.y(start);
            match fit_dose_response(&dose, &resp, Some(base)) {
                Some(cv) => {
                    for j in 0..nk {
                        sum[start + j * stride] += cv.predict(s.levels(k)[j]);
                    }
                }
                None => {
                    failed_lines += 1;
                    for j in 0..nk {
                        sum[start + j * stride] += s.y(start + j * stride);
                    }
                }
            }
        }
    }
    let have_mono = mono.iter().all(Option::is_some);
    for c in 0..n {
        if s.is_monotherapy(c) {
            continue;
        }
        let f = sum[c] / nd as f64;
        fitted[c] = Some(f);
        if have_mono {
            let mut surv = 1.0;
            for (k, m) in mono.iter().enumerate() {
                let m = m.as_ref().expect("checked");
                surv *= 1.0 - m.predict(s.conc(c, k)) / 100.0;
            }
            let r = 100.0 * (1.0 - surv);
            scores.reference[c] = Some(r);
            scores.synergy[c] = Some(f - r);
        }
    }
    ZipResult {
        scores,
        fitted,
        failed_lines,
    }
}

/// How the Loewe equation Σ x_k / X_k(y) = 1 is solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoeweSolver {
    /// The root in y, found by bracketing on a grid and Brent's method to
    /// 1e-10 relative. When Σ x_k/X_k(y) − 1 has no root (drugs acting in
    /// opposite directions), y_ref = max_k f_k(Σ x) (each drug given the total
    /// dose), SynergyFinder's fallback.
    Exact,
    /// SynergyFinder 3.7: when the observed y is out of reach of every drug
    /// (all X_k(y) = ∞), y_ref = max_k f_k(Σ x); otherwise the first of 100
    /// equally spaced y between the smallest and largest asymptote of all
    /// curves that minimises |Σ x_k/X_k(y) − 1|.
    Grid100,
}

/// Options of the Loewe model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoeweOptions {
    /// LL.4 inverse.
    pub inverse: Inverse,
    /// Solver.
    pub solver: LoeweSolver,
}

impl Default for LoeweOptions {
    /// The algebraically exact inverse, solved exactly.
    fn default() -> Self {
        LoeweOptions {
            inverse: Inverse::Exact,
            solver: LoeweSolver::Exact,
        }
    }
}

impl LoeweOptions {
    /// SynergyFinder 3.7's behaviour (`--compat synergyfinder`).
    pub fn synergyfinder() -> Self {
        LoeweOptions {
            inverse: Inverse::SynergyFinder,
            solver: LoeweSolver::Grid100,
        }
    }
}

/// Σ_k x_k / X_k(y) over the drugs present (x/0 = ∞, x/∞ = 0).
#[inline]
fn loewe_sum(curves: &[(f64, &DrugCurve)], y: f64, inv: Inverse) -> f64 {
    curves.iter().map(|(x, c)| x / c.dose_for(y, inv)).sum()
}

/// Loewe additivity (see [`LoeweOptions`]). `mono` are the monotherapy fits.
pub fn loewe(s: &Surface, mono: &[Option<DrugCurve>], opts: &LoeweOptions) -> CellScores {
    let mut out = CellScores::monotherapy_filled(s);
    if !mono.iter().all(Option::is_some) {
        return out;
    }
    let curves: Vec<&DrugCurve> = mono.iter().map(|m| m.as_ref().expect("checked")).collect();
    // Range of y: the smallest and largest asymptote over every curve.
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for c in &curves {
        lo = lo.min(c.params.c.min(c.params.d));
        hi = hi.max(c.params.c.max(c.params.d));
    }
    let mut present: Vec<(f64, &DrugCurve)> = Vec::with_capacity(curves.len());
    for cell in 0..s.len() {
        if s.is_monotherapy(cell) {
            continue;
        }
        present.clear();
        let mut total = 0.0;
        for (k, c) in curves.iter().enumerate() {
            let x = s.conc(cell, k);
            if x > 0.0 {
                present.push((x, c));
                total += x;
            }
        }
        let fallback = || {
            present
                .iter()
                .map(|(_, c)| c.predict(total))
                .fold(f64::NEG_INFINITY, f64::max)
        };
        let y_obs = s.y(cell);
        let r = match opts.solver {
            LoeweSolver::Grid100 => {
                if present
                    .iter()
                    .all(|(_, c)| c.dose_for(y_obs, opts.inverse).is_infinite())
                {
                    fallback()
                } else {
                    let mut best = (f64::INFINITY, lo);
                    for j in 0..100 {
                        let y = if j == 99 {
                            hi
                        } else {
                            lo + j as f64 * (hi - lo) / 99.0
                        };
                        let d = (loewe_sum(&present, y, opts.inverse) - 1.0).abs();
                        if d < best.0 {
                            best = (d, y);
                        }
                    }
                    best.1
                }
            }
            LoeweSolver::Exact => {
                solve_exact(&present, lo, hi, opts.inverse).unwrap_or_else(fallback)
            }
        };
        out.reference[cell] = Some(r);
        out.synergy[cell] = Some(y_obs - r);
    }
    out
}

/// Root of g(y) = Σ x_k/X_k(y) − 1 on [lo, hi]: bracket on a 65-point grid
/// (first sign change from + to −, or any sign change), then Brent.
fn solve_exact(curves: &[(f64, &DrugCurve)], lo: f64, hi: f64, inv: Inverse) -> Option<f64> {
    if !(hi > lo) {
        return None;
    }
    let g = |y: f64| loewe_sum(curves, y, inv) - 1.0;
    // Rising or falling curves give a monotone g: try the ends first.
    let (glo, ghi) = (g(lo), g(hi));
    if glo == 0.0 {
        return Some(lo);
    }
    if ghi == 0.0 {
        return Some(hi);
    }
    if glo.signum() != ghi.signum() && !glo.is_nan() && !ghi.is_nan() {
        return Some(brent(&g, lo, hi, glo, ghi));
    }
    const N: usize = 64;
    let mut prev = (lo, glo);
    for i in 1..=N {
        let y = lo + (hi - lo) * i as f64 / N as f64;
        let gy = g(y);
        if gy == 0.0 {
            return Some(y);
        }
        if !prev.1.is_nan() && !gy.is_nan() && prev.1.signum() != gy.signum() {
            return Some(brent(&g, prev.0, y, prev.1, gy));
        }
        prev = (y, gy);
    }
    None
}

/// Brent's method (Brent 1973, ch. 4) on a bracket [a, b] with f(a)·f(b) < 0;
/// f may be ±∞ at the ends. Stops at |b − a| ≤ 1e-10·(|b| + 1e-3).
fn brent(f: &dyn Fn(f64) -> f64, a: f64, b: f64, fa: f64, fb: f64) -> f64 {
    let (mut a, mut b, mut fa, mut fb) = (a, b, fa, fb);
    // Infinite ends: bisect until both are finite.
    for _ in 0..200 {
        if fa.is_finite() && fb.is_finite() {
            break;
        }
        let m = 0.5 * (a + b);
        let fm = f(m);
        if fm == 0.0 || (b - a).abs() <= 1e-12 * (b.abs() + 1e-3) {
            return m;
        }
        if fm.signum() == fa.signum() {
            a = m;
            fa = fm;
        } else {
            b = m;
            fb = fm;
        }
    }
    if fa.abs() < fb.abs() {
        std::mem::swap(&mut a, &mut b);
        std::mem::swap(&mut fa, &mut fb);
    }
    let (mut c, mut fc) = (a, fa);
    let mut d = b - a;
    let mut mflag = true;
    for _ in 0..200 {
        if fb == 0.0 || (b - a).abs() <= 1e-10 * (b.abs() + 1e-3) {
            return b;
        }
        let mut sx = if fa != fc && fb != fc {
            a * fb * fc / ((fa - fb) * (fa - fc))
                + b * fa * fc / ((fb - fa) * (fb - fc))
                + c * fa * fb / ((fc - fa) * (fc - fb))
        } else {
            b - fb * (b - a) / (fb - fa)
        };
        let lo = (3.0 * a + b) / 4.0;
        let between = if lo < b {
            sx > lo && sx < b
        } else {
            sx > b && sx < lo
        };
        if !between
            || !sx.is_finite()
            || (mflag && (sx - b).abs() >= (b - c).abs() / 2.0)
            || (!mflag && (sx - b).abs() >= (c - d).abs() / 2.0)
        {
            sx = 0.5 * (a + b);
            mflag = true;
        } else {
            mflag = false;
        }
        let fs = f(sx);
        d = c;
        c = b;
        fc = fb;
        if fa.signum() != fs.signum() {
            b = sx;
            fb = fs;
        } else {
            a = sx;
            fa = fs;
        }
        if fa.abs() < fb.abs() {
            std::mem::swap(&mut a, &mut b);
            std::mem::swap(&mut fa, &mut fb);
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use preclin_curve::Params;

    fn cv(b: f64, c: f64, d: f64, e: f64) -> DrugCurve {
        DrugCurve {
            params: Params { b, c, d, e, f: 1.0 },
            converged: true,
            at_bound: false,
        }
    }

    fn grid(f1: &DrugCurve, f2: &DrugCurve, obs: impl Fn(f64, f64) -> f64) -> Surface {
        let l1 = vec![0.0, 0.1, 0.3, 1.0, 3.0, 10.0];
        let l2 = vec![0.0, 0.2, 0.6, 2.0, 6.0, 20.0];
        let mut y = Vec::new();
        for &a in &l1 {
            for &b in &l2 {
                y.push(if a == 0.0 {
                    f2.predict(b)
                } else if b == 0.0 {
                    f1.predict(a)
                } else {
                    obs(a, b)
                });
            }
        }
        Surface::new(vec![l1, l2], y).unwrap()
    }

    #[test]
    fn bliss_and_hsa_by_hand() {
        let s = Surface::new(
            vec![vec![0.0, 1.0], vec![0.0, 2.0]],
            vec![0.0, 30.0, 50.0, 80.0],
        )
        .unwrap();
        let b = bliss(&s);
        // 50 + 30 − 15 = 65.
        assert!((b.reference[3].unwrap() - 65.0).abs() < 1e-12);
        assert!((b.synergy[3].unwrap() - 15.0).abs() < 1e-12);
        assert_eq!(b.synergy[1], Some(0.0));
        let h = hsa(&s);
        assert_eq!(h.reference[3], Some(50.0));
        assert_eq!(h.synergy[3], Some(30.0));
    }

    #[test]
    fn loewe_exact_solves_the_isobole_equation() {
        let f1 = cv(-1.5, 0.0, 100.0, 1.0);
        let f2 = cv(-0.8, 0.0, 90.0, 3.0);
        let s = grid(&f1, &f2, |_, _| 50.0);
        let mono = vec![Some(f1), Some(f2)];
        let l = loewe(&s, &mono, &LoeweOptions::default());
        for cell in s.combination_cells() {
            let y = l.reference[cell].unwrap();
            let (x1, x2) = (s.conc(cell, 0), s.conc(cell, 1));
            let sum = x1 / f1.dose_for(y, Inverse::Exact) + x2 / f2.dose_for(y, Inverse::Exact);
            assert!((sum - 1.0).abs() < 1e-8, "cell {cell}: {sum}");
        }
    }

    #[test]
    fn loewe_of_a_sham_combination_is_the_curve_at_the_total_dose() {
        let f = cv(-1.2, 2.0, 95.0, 0.7);
        for opts in [LoeweOptions::default()] {
            let s = Surface::new(
                vec![vec![0.0, 0.1, 0.5, 2.0], vec![0.0, 0.1, 0.5, 2.0]],
                (0..16)
                    .map(|i| f.predict([0.0, 0.1, 0.5, 2.0][i / 4] + [0.0, 0.1, 0.5, 2.0][i % 4]))
                    .collect(),
            )
            .unwrap();
            let l = loewe(&s, &[Some(f), Some(f)], &opts);
            for cell in s.combination_cells() {
                assert!(l.synergy[cell].unwrap().abs() < 1e-8);
            }
        }
    }

    #[test]
    fn brent_finds_roots() {
        let r = brent(&|x: f64| x * x - 2.0, 0.0, 2.0, -2.0, 2.0);
        assert!((r - 2f64.sqrt()).abs() < 1e-9);
        let r = brent(
            &|x: f64| if x < 0.5 { f64::INFINITY } else { 1.0 - x },
            0.0,
            3.0,
            f64::INFINITY,
            -2.0,
        );
        assert!((r - 1.0).abs() < 1e-9);
    }
}
