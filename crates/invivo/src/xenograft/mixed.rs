//! Linear mixed model of log tumour volume over time: every group's mean
//! growth rate with the treatment × time contrast against the control.
//!
//! # Model
//! `ln(V_ij + c) = α_g(i) + β_g(i)·t_ij + a_i + b_i·t_ij + ε_ij`, with a
//! fixed intercept `α_g` and slope `β_g` per group (cell-means coding), a
//! random intercept `a_i` and slope `b_i` per mouse with an unstructured 2×2
//! covariance, and `ε ~ N(0, σ²)`; fitted by REML with
//! [`preclin_stats::lmm::fit_lmm`] (profiled likelihood; nlme's
//! between/within degrees of freedom). This is the usual "growth-rate" mixed
//! model of xenograft studies (e.g. Hather et al. 2014, *Cancer Inform*
//! 13:65; Laajala et al. 2012): `β_g` is group g's mean exponential growth
//! rate per day and the treatment × time contrast `β_g − β_control` is a t
//! test with the df of the slope coefficients; the joint F test of all
//! contrasts is the treatment × time interaction.
//!
//! Mice that leave the study contribute the measurements they have (the
//! model is fitted to unbalanced data; nothing is carried forward). A
//! volume of 0 (complete regression) has no logarithm: with the default
//! offset `c = 0` such measurements are left out and counted in
//! [`MixedModel::excluded`]; `c = 1` mm³ keeps them (invivoSyn's
//! ln(TV + 1) scale).

use preclin_stats::adjust::holm;
use preclin_stats::dist::t_quantile;
use preclin_stats::lmm::{LmmError, LmmOptions, fit_lmm};
use serde::Serialize;
use thiserror::Error;

use super::model::Study;

/// Options of [`mixed_model`].
#[derive(Debug, Clone, PartialEq)]
pub struct MixedOptions {
    /// Control (vehicle) group.
    pub control: String,
    /// Offset `c` of ln(V + c), mm³ (default 0).
    pub log_offset: f64,
    /// Last day included (default: every day).
    pub up_to_day: Option<f64>,
    /// Confidence level of the intervals (default 0.95).
    pub level: f64,
}

impl MixedOptions {
    /// Defaults for `control`: offset 0, every day, 95 % intervals.
    pub fn new(control: &str) -> Self {
        MixedOptions {
            control: control.to_string(),
            log_offset: 0.0,
            up_to_day: None,
            level: 0.95,
        }
    }
}

/// Why the model could not be fitted.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum MixedError {
    /// The control group is not in the study.
    #[error("control group '{0}' is not in the study")]
    UnknownControl(String),
    /// A group has fewer than two mice with two usable measurements.
    #[error("group '{0}' has fewer than 2 measurements on the log scale for its slope")]
    TooFewData(String),
    /// The mixed-model fit failed.
    #[error("mixed model: {0}")]
    Fit(#[from] LmmError),
}

/// One group's mean growth rate and its contrast with the control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRate {
    /// Group.
    pub group: String,
    /// True for the control.
    pub is_control: bool,
    /// Mice with at least one measurement in the model.
    pub mice: usize,
    /// `β_g`: mean growth rate, ln units per day.
    pub rate: f64,
    /// Its standard error.
    pub rate_se: f64,
    /// `β_g − β_control` (`None` for the control).
    pub rate_difference: Option<f64>,
    /// Standard error of the difference.
    pub difference_se: Option<f64>,
    /// Lower limit of its confidence interval.
    pub difference_lower: Option<f64>,
    /// Upper limit.
    pub difference_upper: Option<f64>,
    /// t statistic of the contrast.
    pub t: Option<f64>,
    /// Its degrees of freedom (between/within).
    pub df: Option<f64>,
    /// Two-sided p of the contrast.
    pub p: Option<f64>,
    /// Holm-adjusted over the treated groups.
    pub p_holm: Option<f64>,
}

/// The fitted model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MixedModel {
    /// Per group, control first.
    pub groups: Vec<GroupRate>,
    /// Joint F test of every treatment × time contrast: (F, df1, df2, p).
    pub interaction: Option<(f64, f64, f64, f64)>,
    /// Residual variance σ².
    pub sigma2: f64,
    /// SDs of the random intercept and slope.
    pub random_sd: Vec<f64>,
    /// REML log-likelihood.
    pub loglik: f64,
    /// Observations used.
    pub n_obs: usize,
    /// Measurements left out (volume 0 with offset 0, or after `up_to_day`).
    pub excluded: usize,
    /// Optimiser converged.
    pub converged: bool,
    /// A variance component is on its boundary (e.g. no slope variation).
    pub singular: bool,
    /// Offset used.
    pub log_offset: f64,
}

/// Fits the model of the module docs to `study`.
pub fn mixed_model(study: &Study, opts: &MixedOptions) -> Result<MixedModel, MixedError> {
    let mut groups: Vec<&str> = vec![opts.control.as_str()];
    if !study.groups.contains(&opts.control) {
        return Err(MixedError::UnknownControl(opts.control.clone()));
    }
    groups.extend(
        study
            .groups
            .iter()
            .map(String::as_str)
            .filter(|g| *g != opts.control),
    );
    let ng = groups.len();
    let p = 2 * ng;
    let (mut y, mut x, mut z, mut label) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut excluded = 0;
    let mut mice = vec![0usize; ng];
    let mut obs = vec![0usize; ng];
    for (mi, m) in study.mice.iter().enumerate() {
        let Some(g) = groups.iter().position(|g| *g == m.group) else {
            continue;
        };
        let mut used = false;
        for pt in &m.points {
            let v = pt.volume + opts.log_offset;
            if opts.up_to_day.is_some_and(|d| pt.day > d) || !(v > 0.0) {
                excluded += 1;
                continue;
            }
            y.push(v.ln());
            let mut row = vec![0.0; p];
            row[g] = 1.0;
            row[ng + g] = pt.day;
            x.extend(row);
            z.extend([1.0, pt.day]);
            label.push(mi);
            obs[g] += 1;
            used = true;
        }
        if used {
            mice[g] += 1;
        }
    }
    for (g, name) in groups.iter().enumerate() {
        if mice[g] < 2 || obs[g] < 3 {
            return Err(MixedError::TooFewData(name.to_string()));
        }
    }
    let fit = fit_lmm(&y, &x, p, &z, 2, &label, &LmmOptions::default())?;
    let mut rows = Vec::with_capacity(ng);
    let mut ps = Vec::new();
    let mut l_all = Vec::new();
    for (g, name) in groups.iter().enumerate() {
        let mut row = GroupRate {
            group: name.to_string(),
            is_control: g == 0,
            mice: mice[g],
            rate: fit.coef[ng + g],
            rate_se: fit.se[ng + g],
            rate_difference: None,
            difference_se: None,
            difference_lower: None,
            difference_upper: None,
            t: None,
            df: None,
            p: None,
            p_holm: None,
        };
        if g > 0 {
            let mut l = vec![0.0; p];
            l[ng + g] = 1.0;
            l[ng] = -1.0;
            let c = fit.contrast(&l, 1)?;
            let q = t_quantile(0.5 + opts.level / 2.0, c.df2);
            let (est, se) = (c.estimate[0], c.se[0]);
            row.rate_difference = Some(est);
            row.difference_se = Some(se);
            row.difference_lower = Some(est - q * se);
            row.difference_upper = Some(est + q * se);
            row.t = c.t;
            row.df = Some(c.df2);
            row.p = Some(c.p);
            ps.push(c.p);
            l_all.extend(l);
        }
        rows.push(row);
    }
    for (row, adj) in rows.iter_mut().skip(1).zip(holm(&ps)) {
        row.p_holm = Some(adj);
    }
    let interaction = if ng > 1 {
        let c = fit.contrast(&l_all, ng - 1)?;
        Some((c.f, c.df1, c.df2, c.p))
    } else {
        None
    };
    Ok(MixedModel {
        groups: rows,
        interaction,
        sigma2: fit.sigma2,
        random_sd: fit.re_sd.clone(),
        loglik: fit.loglik,
        n_obs: fit.n_obs,
        excluded,
        converged: fit.converged,
        singular: fit.singular,
        log_offset: opts.log_offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xenograft::model::{Record, StudyOptions};
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Simulated study: control rate 0.10/day, treated 0.03/day, per-mouse
    /// rate SD 0.01, residual SD 0.1; 10 mice per group, days 0–21.
    fn study(seed: u64) -> Study {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let n = Normal::new(0.0, 1.0).unwrap();
        let mut recs = Vec::new();
        let mut line = 2;
        for (g, rate) in [("vehicle", 0.10), ("drug", 0.03)] {
            for m in 0..10 {
                let a = 100f64.ln() + 0.2 * n.sample(&mut rng);
                let b = rate + 0.01 * n.sample(&mut rng);
                for d in [0.0, 3.0, 7.0, 10.0, 14.0, 17.0, 21.0] {
                    let v = (a + b * d + 0.1 * n.sample(&mut rng)).exp();
                    recs.push(Record {
                        line,
                        mouse: format!("{g}{m}"),
                        group: g.into(),
                        day: d,
                        volume: Some(v),
                        ..Record::default()
                    });
                    line += 1;
                }
            }
        }
        Study::new(&recs, &StudyOptions::default()).unwrap()
    }

    #[test]
    fn recovers_the_rates_and_the_contrast() {
        let r = mixed_model(&study(7), &MixedOptions::new("vehicle")).unwrap();
        assert!(r.converged);
        assert_eq!(r.groups[0].group, "vehicle");
        assert!((r.groups[0].rate - 0.10).abs() < 0.01, "{:?}", r.groups[0]);
        assert!((r.groups[1].rate - 0.03).abs() < 0.01, "{:?}", r.groups[1]);
        let d = r.groups[1].rate_difference.unwrap();
        assert!((d + 0.07).abs() < 0.012);
        assert!(r.groups[1].p.unwrap() < 1e-6);
        // One contrast: the joint F equals t².
        let (f, df1, _, p) = r.interaction.unwrap();
        assert_eq!(df1, 1.0);
        assert!((f - r.groups[1].t.unwrap().powi(2)).abs() < 1e-9 * f);
        assert!((p - r.groups[1].p.unwrap()).abs() < 1e-12);
    }

    #[test]
    fn interval_covers_the_true_difference_about_95_percent() {
        let mut cover = 0;
        let n = 100;
        for seed in 0..n {
            let r = mixed_model(&study(1000 + seed), &MixedOptions::new("vehicle")).unwrap();
            let g = &r.groups[1];
            if g.difference_lower.unwrap() <= -0.07 && -0.07 <= g.difference_upper.unwrap() {
                cover += 1;
            }
        }
        assert!((88..=100).contains(&cover), "coverage {cover}/{n}");
    }

    #[test]
    fn zero_volumes_need_an_offset_and_unknown_control_is_an_error() {
        let mut s = study(3);
        s.mice[12].points[6].volume = 0.0;
        let r0 = mixed_model(&s, &MixedOptions::new("vehicle")).unwrap();
        assert_eq!(r0.excluded, 1);
        let mut o = MixedOptions::new("vehicle");
        o.log_offset = 1.0;
        assert_eq!(mixed_model(&s, &o).unwrap().excluded, 0);
        assert!(matches!(
            mixed_model(&s, &MixedOptions::new("nope")),
            Err(MixedError::UnknownControl(_))
        ));
    }
}
