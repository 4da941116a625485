//! Truth recovery by simulation: curves drawn from a known LL.4 (and LL.3 /
//! top-fixed variants) with Gaussian noise are fitted with the default
//! options, and the estimates are compared with the truth that generated
//! them — bias of log10 EC50, coverage of the 95 % delta interval on
//! log EC50, convergence.
//!
//! Gated design (`ll4_main_design_recovers_truth`, seed 20240601, 4000
//! curves): 9 doses in a 3-fold series (3⁻⁴ … 3⁴, centred on 1),
//! triplicates (n = 27), top ~ U(95, 105), bottom ~ U(0, 20), hill ~
//! U(0.7, 3), EC50 log-uniform between the 3rd and the 7th dose (the inner
//! five), Gaussian noise SD ~ U(2 %, 8 %) of |top − bottom|; fitted with
//! `FitOptions::default()` (LL.4) and summarised with
//! `SummaryOptions::default()` (95 % delta interval on ln EC50).
//! Assertions: |mean error of log10 EC50| ≤ 4 Monte-Carlo SE (SE = SD of
//! the errors / √4000); coverage in [92 %, 98 %] (the MC SE of a 95 %
//! coverage over 4000 curves is 0.34 %, so this is ±8 SE wide and only a
//! real miscalibration fails it); convergence ≥ 99.5 %; ≥ 99 % of curves
//! with a two-sided interval; the mean ln(hill ratio) within ±0.05.
//! An interval end that does not exist (None) counts as unbounded.
//!
//! Measured (test profile; these seeds):
//! * main design: bias +0.00094 log10 (MC SE 0.00074), coverage 94.75 %,
//!   convergence 100 %, median |error| 0.020 log10, 3983 / 4000 with both
//!   ends (the rest are near-step fits, b ≈ 20, whose Wald SE of ln e is
//!   huge), mean ln(hill ratio) +0.012;
//! * profile-likelihood interval (`CiMethod::Profile`, 1000 curves of the
//!   main design, seed 20240602): coverage 94.60 % (bias +0.0028, MC SE
//!   0.0020) — not gated beyond a sanity bound;
//! * not gated (printed, `ll4_outside_the_design_is_reported`, 1000 curves
//!   each):
//!   - EC50 in the first or last dose interval: coverage 94.1 % (92.4 %
//!     among the 773 two-sided intervals), 90.5 % converged — the
//!     unobserved asymptote runs away along a valley (mean top error
//!     +2709) until the iteration cap, and the row is flagged
//!     `not_converged`;
//!   - EC50 up to one decade outside the tested range: 92.4 % counting
//!     open intervals as covering, but only 272 two-sided intervals, of
//!     which 72.1 % cover; 109 curves fitted as rising; median |error|
//!     1.17 log10 — an EC50 outside the data is not estimable without
//!     constraints (see `constrained_models_recover_truth`);
//!   - a single replicate (n = 9): coverage 94.6 %, bias −0.0006;
//!   - noise 15 % of the span: coverage 95.7 %, bias +0.0016, hill
//!     overestimated (mean ln ratio +0.19);
//! * constrained models (500 curves each; gated at bias ≤ 4 MC SE,
//!   coverage in [90 %, 99 %], convergence ≥ 99.5 %, hill and the free
//!   asymptote unbiased): LL.3 (bottom 0 fixed) coverage 96.0 %, bias
//!   −0.0019 (SE 0.0017); LL.4 with top fixed at 100: 93.6 %, +0.0010
//!   (SE 0.0019); LL.3 with top fixed at 100: 95.6 %, −0.0007 (SE 0.0012).
//!
//! The whole file runs in ~1 s in the test profile.

use preclin_curve::{
    CiMethod, CurveData, FitOptions, Model, SummaryOptions, Workspace, fit_summary,
};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The 9 doses: 3⁻⁴ … 3⁴.
fn doses() -> [f64; 9] {
    std::array::from_fn(|i| 3f64.powi(i as i32 - 4))
}

/// Where the true EC50 is drawn.
#[derive(Clone, Copy, Debug)]
enum Ec50Range {
    /// Log-uniform between the 3rd and 7th dose.
    Inner,
    /// Log-uniform in the first or the last dose interval.
    Edge,
    /// Log-uniform within one decade beyond the lowest or highest dose.
    Outside,
}

/// One simulation design.
#[derive(Clone, Debug)]
struct Design {
    name: &'static str,
    seed: u64,
    curves: usize,
    replicates: usize,
    /// Noise SD as a fraction of the span: U(lo, hi).
    noise: (f64, f64),
    ec50: Ec50Range,
    /// True bottom: U(lo, hi).
    bottom: (f64, f64),
    /// True top: U(lo, hi).
    top: (f64, f64),
    fit: FitOptions,
    ci: CiMethod,
}

impl Design {
    fn main(name: &'static str, seed: u64, curves: usize) -> Self {
        Design {
            name,
            seed,
            curves,
            replicates: 3,
            noise: (0.02, 0.08),
            ec50: Ec50Range::Inner,
            bottom: (0.0, 20.0),
            top: (95.0, 105.0),
            fit: FitOptions::default(),
            ci: CiMethod::DeltaLog,
        }
    }
}

/// What one design produced.
#[derive(Debug, Default)]
struct Outcome {
    curves: usize,
    converged: usize,
    covered: usize,
    /// Curves with both interval ends.
    with_ci: usize,
    /// log10(ec50_hat / ec50_true) of the curves with an EC50.
    errors: Vec<f64>,
    /// ln(hill_hat / hill_true) of the curves whose slope has the true sign.
    hill_errors: Vec<f64>,
    /// Curves fitted with the wrong direction (hill of the wrong sign).
    wrong_sign: usize,
    /// Curves with both interval ends that cover the truth.
    covered_two_sided: usize,
    /// top_hat − top_true and bottom_hat − bottom_true.
    top_errors: Vec<f64>,
    bottom_errors: Vec<f64>,
}

impl Outcome {
    fn mean_sd(v: &[f64]) -> (f64, f64) {
        let n = v.len() as f64;
        let m = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
        (m, var.sqrt())
    }
    /// (bias, Monte-Carlo SE of the bias).
    fn bias(&self) -> (f64, f64) {
        let (m, sd) = Self::mean_sd(&self.errors);
        (m, sd / (self.errors.len() as f64).sqrt())
    }
    fn coverage(&self) -> f64 {
        self.covered as f64 / self.curves as f64
    }
    fn convergence(&self) -> f64 {
        self.converged as f64 / self.curves as f64
    }
    fn median_abs_error(&self) -> f64 {
        let mut a: Vec<f64> = self.errors.iter().map(|e| e.abs()).collect();
        a.sort_by(f64::total_cmp);
        a[a.len() / 2]
    }
    fn report(&self, name: &str) -> String {
        let (b, se) = self.bias();
        let (hb, _) = Self::mean_sd(&self.hill_errors);
        let (tb, _) = Self::mean_sd(&self.top_errors);
        let (bb, _) = Self::mean_sd(&self.bottom_errors);
        format!(
            "{name}: {} curves, converged {:.2} %, coverage {:.2} % (open ends unbounded), \
             {} with both CI ends, of which {:.2} % cover; bias log10 EC50 {b:+.5} (MC SE {se:.5}), \
             median |err| {:.4}; mean ln(hill ratio) {hb:+.4}; mean top err {tb:+.3}, \
             bottom err {bb:+.3}; {} fitted rising",
            self.curves,
            100.0 * self.convergence(),
            100.0 * self.coverage(),
            self.with_ci,
            100.0 * self.covered_two_sided as f64 / self.with_ci.max(1) as f64,
            self.median_abs_error(),
            self.wrong_sign,
        )
    }
}

fn log_uniform(rng: &mut Xoshiro256PlusPlus, lo: f64, hi: f64) -> f64 {
    rng.random_range(lo.ln()..hi.ln()).exp()
}

fn run(design: &Design) -> Outcome {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(design.seed);
    let x = doses();
    let dose: Vec<f64> = x
        .iter()
        .flat_map(|&d| std::iter::repeat_n(d, design.replicates))
        .collect();
    let mut y = vec![0.0; dose.len()];
    let mut ws = Workspace::new();
    let sopts = SummaryOptions {
        ci: design.ci,
        ..Default::default()
    };
    let fixed = design.fit.fixed();
    let mut out = Outcome::default();
    for _ in 0..design.curves {
        let top = fixed[2].unwrap_or_else(|| rng.random_range(design.top.0..design.top.1));
        let bottom =
            fixed[1].unwrap_or_else(|| rng.random_range(design.bottom.0..=design.bottom.1));
        let hill: f64 = rng.random_range(0.7..3.0);
        let ec50 = match design.ec50 {
            Ec50Range::Inner => log_uniform(&mut rng, x[2], x[6]),
            Ec50Range::Edge => {
                if rng.random::<bool>() {
                    log_uniform(&mut rng, x[0], x[1])
                } else {
                    log_uniform(&mut rng, x[7], x[8])
                }
            }
            Ec50Range::Outside => {
                if rng.random::<bool>() {
                    log_uniform(&mut rng, x[0] / 10.0, x[0])
                } else {
                    log_uniform(&mut rng, x[8], x[8] * 10.0)
                }
            }
        };
        let sd = rng.random_range(design.noise.0..=design.noise.1) * (top - bottom).abs();
        for (yi, &d) in y.iter_mut().zip(&dose) {
            let mu = bottom + (top - bottom) / (1.0 + (d / ec50).powf(hill));
            let z: f64 = StandardNormal.sample(&mut rng);
            *yi = mu + sd * z;
        }
        let data = CurveData {
            dose: &dose,
            response: &y,
            weight: None,
        };
        let (fit, s) = fit_summary(&data, &design.fit, &sopts, &mut ws);
        out.curves += 1;
        if fit.as_ref().is_some_and(|f| f.converged) {
            out.converged += 1;
        }
        if let Some(e) = s.ec50 {
            out.errors.push((e / ec50).log10());
        }
        match s.hill {
            Some(h) if h > 0.0 => out.hill_errors.push((h / hill).ln()),
            _ => out.wrong_sign += 1,
        }
        // A missing end counts as an open (unbounded) side of the interval.
        let lo = s.ec50_lower.unwrap_or(0.0);
        let hi = s.ec50_upper.unwrap_or(f64::INFINITY);
        let covers = s.ec50.is_some() && lo <= ec50 && ec50 <= hi;
        if s.ec50_lower.is_some() && s.ec50_upper.is_some() {
            out.with_ci += 1;
            if covers {
                out.covered_two_sided += 1;
            }
        }
        // A curve without an EC50 cannot cover.
        if covers {
            out.covered += 1;
        }
        if let (Some(t), Some(b)) = (s.top, s.bottom) {
            out.top_errors.push(t - top);
            out.bottom_errors.push(b - bottom);
        }
    }
    out
}

#[test]
fn ll4_main_design_recovers_truth() {
    let d = Design::main("LL.4 main design", 20240601, 4000);
    let o = run(&d);
    eprintln!("{}", o.report(d.name));
    let (bias, se) = o.bias();
    assert_eq!(o.errors.len(), d.curves, "every curve has an EC50");
    assert!(
        bias.abs() <= 4.0 * se,
        "bias of log10 EC50 {bias} exceeds 4 MC SE ({se})"
    );
    assert!(
        (0.92..=0.98).contains(&o.coverage()),
        "coverage {}",
        o.coverage()
    );
    assert!(o.convergence() >= 0.995, "convergence {}", o.convergence());
    // A handful of curves (0.4 %) are fitted as near-steps (b ≈ 20 between
    // two 3-fold doses, a genuine least-squares optimum for steep noisy
    // truths); their Wald SE of ln e is huge and the interval is open.
    assert!(
        o.with_ci as f64 >= 0.99 * d.curves as f64,
        "two-sided intervals: {}",
        o.with_ci
    );
    assert_eq!(o.wrong_sign, 0);
    // The slope is recovered too (no systematic shrinkage or inflation
    // beyond 5 % on the log scale).
    let (hb, _) = Outcome::mean_sd(&o.hill_errors);
    assert!(hb.abs() < 0.05, "mean ln(hill ratio) {hb}");
}

#[test]
fn ll4_outside_the_design_is_reported() {
    // Not gated: these designs break the assumptions that make the Wald
    // interval on log EC50 accurate (EC50 not bracketed by data, n = 9,
    // heavy noise). The numbers are printed and recorded in the module
    // docs.
    let designs = [
        Design {
            ec50: Ec50Range::Edge,
            ..Design::main("EC50 in the outer dose intervals", 7001, 1000)
        },
        Design {
            ec50: Ec50Range::Outside,
            ..Design::main("EC50 outside the tested range (≤ 1 decade)", 7002, 1000)
        },
        Design {
            replicates: 1,
            ..Design::main("single replicate (n = 9)", 7003, 1000)
        },
        Design {
            noise: (0.15, 0.15),
            ..Design::main("noise 15 % of the span", 7004, 1000)
        },
    ];
    for d in &designs {
        let o = run(d);
        eprintln!("{}", o.report(d.name));
        // Only sanity: every curve gets a row.
        assert_eq!(o.curves, d.curves);
    }
}

#[test]
fn ll4_profile_interval_coverage_is_reported() {
    // Not gated beyond sanity: the profile-likelihood interval is slower
    // (a few dozen refits per curve), so a smaller subset of the main
    // design is used.
    let d = Design {
        ci: CiMethod::Profile,
        ..Design::main("profile-likelihood CI, main design", 20240602, 1000)
    };
    let o = run(&d);
    eprintln!("{}", o.report(d.name));
    assert!(o.coverage() > 0.85, "profile coverage {}", o.coverage());
}

#[test]
fn constrained_models_recover_truth() {
    let cases = [
        Design {
            bottom: (0.0, 0.0),
            fit: FitOptions::new(Model::LL3),
            ..Design::main("LL.3 (bottom 0 fixed), true bottom 0", 8001, 500)
        },
        Design {
            top: (100.0, 100.0),
            fit: FitOptions {
                fix_top: Some(100.0),
                ..FitOptions::default()
            },
            ..Design::main("LL.4 with top fixed at 100, true top 100", 8002, 500)
        },
        Design {
            bottom: (0.0, 0.0),
            top: (100.0, 100.0),
            fit: FitOptions {
                fix_top: Some(100.0),
                ..FitOptions::new(Model::LL3)
            },
            ..Design::main("LL.3 with top fixed at 100 (b, e free)", 8003, 500)
        },
    ];
    for d in &cases {
        let o = run(d);
        eprintln!("{}", o.report(d.name));
        let (bias, se) = o.bias();
        assert!(
            bias.abs() <= 4.0 * se,
            "{}: bias {bias} vs MC SE {se}",
            d.name
        );
        // MC SE of a 95 % coverage over 500 curves ≈ 1 %.
        assert!(
            (0.90..=0.99).contains(&o.coverage()),
            "{}: coverage {}",
            d.name,
            o.coverage()
        );
        assert!(o.convergence() >= 0.995, "{}", d.name);
        let (hb, _) = Outcome::mean_sd(&o.hill_errors);
        assert!(hb.abs() < 0.05, "{}: mean ln(hill ratio) {hb}", d.name);
        // The free asymptote is unbiased to within 1 % of the span (the
        // fixed one is exact).
        let (tb, _) = Outcome::mean_sd(&o.top_errors);
        let (bb, _) = Outcome::mean_sd(&o.bottom_errors);
        assert!(tb.abs() < 1.0 && bb.abs() < 1.0, "{}: {tb} {bb}", d.name);
    }
}
