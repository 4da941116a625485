//! Cox proportional-hazards regression (Cox 1972) by Newton–Raphson on the
//! partial likelihood, with Breslow or Efron handling of tied event times —
//! R `coxph(Surv(time, status) ~ x, ties = "breslow" / "efron")`,
//! lifelines `CoxPHFitter` (Efron).
//!
//! # Formulas (Therneau & Grambsch 2000, §3; Kalbfleisch & Prentice 2002)
//! With `r_i = exp(x_iᵀβ)`, at each distinct event time with `d` events
//! `D`, risk set `R` (follow-up `≥ t`), and sums `S_k = Σ_R r_i x_i^{⊗k}`,
//! `T_k = Σ_D r_i x_i^{⊗k}`:
//! - Breslow: `ℓ += Σ_D x_iᵀβ − d log S₀`, score `+= Σ_D x_i − d S₁/S₀`,
//!   information `+= d (S₂/S₀ − S₁S₁ᵀ/S₀²)`;
//! - Efron: for `l = 0 … d−1`, with `A_k = S_k − (l/d) T_k`:
//!   `ℓ −= log A₀`, score `−= A₁/A₀`, information `+= A₂/A₀ − A₁A₁ᵀ/A₀²`
//!   (plus `Σ_D x_iᵀβ` and `Σ_D x_i` once).
//!
//! Newton–Raphson from `β = 0` with step halving when `ℓ` decreases; stops
//! when `|1 − ℓ_old/ℓ| < 1e-10` and no coefficient moved by more than
//! `1e-9·(1 + |β|)` (R stops on the first criterion alone, 1e-9), or after 50
//! iterations (flagged `not_converged`). Tests:
//! Wald `z = β/se`, `se = √diag(I⁻¹)`, two-sided normal p; likelihood ratio
//! `2(ℓ(β̂) − ℓ(0))` on `p` df; score `U(0)ᵀ I(0)⁻¹ U(0)`; overall Wald
//! `β̂ᵀ I(β̂) β̂`. Covariates are centred internally (the partial
//! likelihood is invariant to centring).

use super::{SurvGroup, SurvivalError, check_group};
use crate::dist::{chi2_sf, normal_quantile, normal_sf};
use crate::survival::logrank::find_group;
use crate::survival::spd_inverse;
use serde::Serialize;

/// Handling of tied event times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Ties {
    /// Breslow's approximation (SAS, Stata, Prism default).
    Breslow,
    /// Efron's approximation (R `coxph` and lifelines default).
    #[default]
    Efron,
}

impl Ties {
    /// `breslow` or `efron`.
    pub fn name(self) -> &'static str {
        match self {
            Ties::Breslow => "breslow",
            Ties::Efron => "efron",
        }
    }
}

/// One covariate of a fitted Cox model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoxTerm {
    /// Covariate name.
    pub name: String,
    /// Coefficient `β` (log hazard ratio).
    pub coef: f64,
    /// Standard error `√(I⁻¹)_jj`.
    pub se: f64,
    /// Hazard ratio `exp(β)`.
    pub hr: f64,
    /// Lower limit `exp(β − z·se)`.
    pub hr_lower: f64,
    /// Upper limit `exp(β + z·se)`.
    pub hr_upper: f64,
    /// Wald `z = β/se`.
    pub z: f64,
    /// Two-sided Wald p-value.
    pub p: f64,
}

/// A fitted Cox model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoxFit {
    /// Tie handling.
    pub ties: Ties,
    /// Confidence level of the hazard-ratio intervals.
    pub conf_level: f64,
    /// One term per covariate.
    pub terms: Vec<CoxTerm>,
    /// Observations.
    pub n: usize,
    /// Events.
    pub events: usize,
    /// Log partial likelihood at `β = 0`.
    pub loglik_null: f64,
    /// Log partial likelihood at `β̂`.
    pub loglik: f64,
    /// Likelihood-ratio statistic `2(ℓ(β̂) − ℓ(0))`.
    pub lr_chisq: f64,
    /// Its degrees of freedom (number of covariates).
    pub df: usize,
    /// Likelihood-ratio p-value.
    pub lr_p: f64,
    /// Overall Wald statistic `β̂ᵀ I(β̂) β̂`.
    pub wald_chisq: f64,
    /// Overall Wald p-value.
    pub wald_p: f64,
    /// Score (log-rank) statistic `U(0)ᵀ I(0)⁻¹ U(0)`.
    pub score_chisq: f64,
    /// Score p-value.
    pub score_p: f64,
    /// Row-major covariance `I(β̂)⁻¹`.
    pub covariance: Vec<f64>,
    /// Newton–Raphson iterations.
    pub iterations: usize,
    /// True when the log likelihood converged.
    pub converged: bool,
    /// Problems: `not_converged`, `infinite_coefficient:<name>` (monotone
    /// likelihood: a group without events, or perfect separation).
    pub flags: Vec<String>,
}

struct Prepared {
    /// Indices sorted by descending time.
    order: Vec<usize>,
    time: Vec<f64>,
    event: Vec<bool>,
    /// Centred covariates, row-major `n×p`.
    x: Vec<f64>,
    p: usize,
}

/// Log partial likelihood, score and information at `beta`.
fn evaluate(d: &Prepared, beta: &[f64], ties: Ties) -> (f64, Vec<f64>, Vec<f64>) {
    let p = d.p;
    let n = d.time.len();
    let mut ll = 0.0;
    let mut grad = vec![0.0; p];
    let mut info = vec![0.0; p * p];
    let (mut s0, mut s1, mut s2) = (0.0, vec![0.0; p], vec![0.0; p * p]);
    let (mut t1, mut t2) = (vec![0.0; p], vec![0.0; p * p]);
    let mut a1 = vec![0.0; p];
    let mut i = 0;
    while i < n {
        let t = d.time[d.order[i]];
        let mut t0 = 0.0;
        t1.iter_mut().for_each(|v| *v = 0.0);
        t2.iter_mut().for_each(|v| *v = 0.0);
        let mut nd = 0usize;
        while i < n && d.time[d.order[i]] == t {
            let o = d.order[i];
            let xi = &d.x[o * p..(o + 1) * p];
            let eta: f64 = xi.iter().zip(beta).map(|(a, b)| a * b).sum();
            let r = eta.exp();
            s0 += r;
            for a in 0..p {
                s1[a] += r * xi[a];
                for b in 0..p {
                    s2[a * p + b] += r * xi[a] * xi[b];
                }
            }
            if d.event[o] {
                nd += 1;
                ll += eta;
                t0 += r;
                for a in 0..p {
                    grad[a] += xi[a];
                    t1[a] += r * xi[a];
                    for b in 0..p {
                        t2[a * p + b] += r * xi[a] * xi[b];
                    }
                }
            }
            i += 1;
        }
        if nd == 0 {
            continue;
        }
        let dd = nd as f64;
        let steps: Vec<f64> = match ties {
            Ties::Breslow => vec![0.0; nd],
            Ties::Efron => (0..nd).map(|l| l as f64 / dd).collect(),
        };
        for f in steps {
            let a0 = s0 - f * t0;
            for a in 0..p {
                a1[a] = s1[a] - f * t1[a];
            }
            ll -= a0.ln();
            for a in 0..p {
                grad[a] -= a1[a] / a0;
                for b in 0..p {
                    let a2 = s2[a * p + b] - f * t2[a * p + b];
                    info[a * p + b] += a2 / a0 - a1[a] * a1[b] / (a0 * a0);
                }
            }
        }
    }
    (ll, grad, info)
}

fn mat_vec(m: &[f64], v: &[f64]) -> Vec<f64> {
    let p = v.len();
    (0..p)
        .map(|a| (0..p).map(|b| m[a * p + b] * v[b]).sum())
        .collect()
}

/// Fits a Cox model of `(time, event)` on the covariate `columns` (each of
/// length n, named by `names`) with `ties`, hazard-ratio CIs at
/// `conf_level`. See the module docs.
pub fn cox_fit(
    time: &[f64],
    event: &[bool],
    names: &[String],
    columns: &[Vec<f64>],
    ties: Ties,
    conf_level: f64,
) -> Result<CoxFit, SurvivalError> {
    check_group("Cox model", time, event)?;
    if !(conf_level > 0.0 && conf_level < 1.0) {
        return Err(SurvivalError::BadLevel(conf_level));
    }
    let n = time.len();
    let p = columns.len();
    if names.len() != p || p == 0 {
        return Err(SurvivalError::LengthMismatch {
            what: "Cox model covariates".into(),
            a: p,
            b: names.len(),
            other: "names",
        });
    }
    for (name, c) in names.iter().zip(columns) {
        if c.len() != n {
            return Err(SurvivalError::LengthMismatch {
                what: format!("covariate '{name}'"),
                a: n,
                b: c.len(),
                other: "values",
            });
        }
        if let Some(index) = c.iter().position(|v| !v.is_finite()) {
            return Err(SurvivalError::BadCovariate {
                name: name.clone(),
                index,
            });
        }
    }
    let events = event.iter().filter(|&&e| e).count();
    if events == 0 {
        return Err(SurvivalError::NoEvents);
    }
    let mut x = vec![0.0; n * p];
    for (j, c) in columns.iter().enumerate() {
        let mean = c.iter().sum::<f64>() / n as f64;
        for i in 0..n {
            x[i * p + j] = c[i] - mean;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| time[b].total_cmp(&time[a]));
    let d = Prepared {
        order,
        time: time.to_vec(),
        event: event.to_vec(),
        x,
        p,
    };
    let mut beta = vec![0.0; p];
    let (ll0, u0, i0) = evaluate(&d, &beta, ties);
    let i0inv = spd_inverse(&i0, p).ok_or(SurvivalError::Singular)?;
    let score_chisq: f64 = u0
        .iter()
        .zip(mat_vec(&i0inv, &u0))
        .map(|(a, b)| a * b)
        .sum();
    let (mut ll, mut grad, mut info) = (ll0, u0, i0);
    let mut converged = false;
    let mut iterations = 0;
    let mut flags = Vec::new();
    while iterations < 50 {
        iterations += 1;
        let Some(inv) = spd_inverse(&info, p) else {
            break;
        };
        let step = mat_vec(&inv, &grad);
        let mut scale = 1.0;
        let mut accepted = None;
        for _ in 0..30 {
            let cand: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + scale * s).collect();
            let (l2, g2, i2) = evaluate(&d, &cand, ties);
            // Only states with a positive definite information are taken, so
            // the final covariance always exists (a diverging coefficient
            // stops here and is flagged below).
            if l2.is_finite() && l2 >= ll - 1e-12 * ll.abs() && spd_inverse(&i2, p).is_some() {
                accepted = Some((cand, l2, g2, i2));
                break;
            }
            scale *= 0.5;
        }
        let Some((cand, l2, g2, i2)) = accepted else {
            break;
        };
        let change = (1.0 - ll / l2).abs();
        let moved = beta
            .iter()
            .zip(&cand)
            .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs() / (1.0 + a.abs())));
        beta = cand;
        ll = l2;
        grad = g2;
        info = i2;
        if change < 1e-10 && moved < 1e-9 {
            converged = true;
            break;
        }
    }
    if !converged {
        flags.push("not_converged".to_string());
    }
    let cov = spd_inverse(&info, p).ok_or(SurvivalError::Singular)?;
    let z = normal_quantile(1.0 - (1.0 - conf_level) / 2.0);
    let mut terms = Vec::with_capacity(p);
    for j in 0..p {
        let se = cov[j * p + j].sqrt();
        let b = beta[j];
        if b.abs() > 10.0 && se > 10.0 || !converged && b.abs() > 5.0 {
            flags.push(format!("infinite_coefficient:{}", names[j]));
        }
        let zz = b / se;
        terms.push(CoxTerm {
            name: names[j].clone(),
            coef: b,
            se,
            hr: b.exp(),
            hr_lower: (b - z * se).exp(),
            hr_upper: (b + z * se).exp(),
            z: zz,
            p: 2.0 * normal_sf(zz.abs()),
        });
    }
    let lr = (2.0 * (ll - ll0)).max(0.0);
    let wald: f64 = beta
        .iter()
        .zip(mat_vec(&info, &beta))
        .map(|(a, b)| a * b)
        .sum();
    Ok(CoxFit {
        ties,
        conf_level,
        terms,
        n,
        events,
        loglik_null: ll0,
        loglik: ll,
        lr_chisq: lr,
        df: p,
        lr_p: chi2_sf(lr, p as f64),
        wald_chisq: wald,
        wald_p: chi2_sf(wald, p as f64),
        score_chisq,
        score_p: chi2_sf(score_chisq, p as f64),
        covariance: cov,
        iterations,
        converged,
        flags,
    })
}

/// Cox model of survival on group membership: one 0/1 indicator per group
/// other than `reference` (named by the group), so each hazard ratio is
/// that group against the reference.
pub fn cox_groups(
    groups: &[SurvGroup],
    reference: &str,
    ties: Ties,
    conf_level: f64,
) -> Result<CoxFit, SurvivalError> {
    if groups.len() < 2 {
        return Err(SurvivalError::TooFewGroups(groups.len()));
    }
    let r = find_group(groups, reference)?;
    let mut time = Vec::new();
    let mut event = Vec::new();
    let others: Vec<usize> = (0..groups.len()).filter(|&g| g != r).collect();
    let mut cols = vec![Vec::new(); others.len()];
    for (gi, g) in groups.iter().enumerate() {
        check_group(&g.name, &g.time, &g.event)?;
        time.extend_from_slice(&g.time);
        event.extend_from_slice(&g.event);
        for (c, &o) in others.iter().enumerate() {
            cols[c].extend(std::iter::repeat_n(
                if o == gi { 1.0 } else { 0.0 },
                g.len(),
            ));
        }
    }
    let names: Vec<String> = others.iter().map(|&o| groups[o].name.clone()).collect();
    cox_fit(&time, &event, &names, &cols, ties, conf_level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_covariate_is_singular_and_no_events_is_an_error() {
        let t = [1.0, 2.0, 3.0];
        let names = vec!["x".to_string()];
        assert_eq!(
            cox_fit(
                &t,
                &[true, true, false],
                &names,
                &[vec![1.0; 3]],
                Ties::Efron,
                0.95
            ),
            Err(SurvivalError::Singular)
        );
        assert_eq!(
            cox_fit(
                &t,
                &[false; 3],
                &names,
                &[vec![0.0, 1.0, 0.0]],
                Ties::Efron,
                0.95
            ),
            Err(SurvivalError::NoEvents)
        );
    }

    #[test]
    fn separation_is_flagged() {
        // All events in group 1 before any in group 0, group 0 has none.
        let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let e = [true, true, true, false, false, false];
        let x = vec![1.0, 1.0, 1.0, 0.0, 0.0, 0.0];
        let f = cox_fit(&t, &e, &["x".into()], &[x], Ties::Breslow, 0.95).unwrap();
        assert!(
            f.flags
                .iter()
                .any(|s| s.starts_with("infinite_coefficient"))
                || !f.converged,
            "{:?}",
            f
        );
    }
}
