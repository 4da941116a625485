//! Log-rank and weighted log-rank tests for k groups, observed/expected
//! events, hazard ratios (Mantel–Haenszel and log-rank O/E), and pairwise
//! comparisons with Holm's adjustment.
//!
//! # Formulas (Klein & Moeschberger 2003, §7.3; R `survdiff`; lifelines
//! `multivariate_logrank_test`)
//! At each distinct event time `t_j` of the pooled sample with `n_j` at
//! risk, `d_j` events, and `n_gj`, `d_gj` in group `g`, with weight `w_j`:
//! - score `U_g = Σ_j w_j (d_gj − n_gj d_j / n_j)`;
//! - hypergeometric covariance `V_gh = Σ_j w_j² d_j (n_j − d_j)/(n_j − 1) ·
//!   (n_gj/n_j)(δ_gh − n_hj/n_j)` (terms with `n_j = 1` are 0);
//! - `χ² = Uᵀ V⁻ U` with the Moore–Penrose inverse of the singular `k×k`
//!   matrix `V`, `df = rank V` (= k − 1 unless groups have no events at
//!   risk), `p = P(χ²_df ≥ χ²)`.
//!
//! Weights ([`Weighting`], as lifelines 0.30): log-rank `1`;
//! Gehan–Breslow–Wilcoxon `n_j`; Tarone–Ware `√n_j`; Peto–Peto
//! `S̃(t_j) = Π_{i≤j} (1 − d_i/(n_i + 1))`; Fleming–Harrington(p, q)
//! `Ŝ(t_j−)^p (1 − Ŝ(t_j−))^q` with the pooled Kaplan–Meier `Ŝ` just before
//! `t_j`.
//!
//! Hazard ratio of group B against reference A (GraphPad Prism's two
//! methods, Machin, Cheung & Parmar 2006 ch. 3), from the two groups only:
//! - Mantel–Haenszel: `HR = exp((O_B − E_B)/V)`, CI `exp((O_B − E_B)/V ±
//!   z/√V)` with `V` the log-rank variance;
//! - log-rank: `HR = (O_B/E_B)/(O_A/E_A)`, CI `exp(ln HR ± z √(1/E_A +
//!   1/E_B))`.

use super::{SurvGroup, SurvivalError, check_group, ginv_quadratic};
use crate::adjust;
use crate::dist::{chi2_sf, normal_quantile};
use serde::Serialize;

/// Weight function of a weighted log-rank test (lifelines' `weightings`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Weighting {
    /// Log-rank (Mantel–Cox): `w = 1`. R `survdiff(rho = 0)`.
    LogRank,
    /// Gehan–Breslow generalized Wilcoxon: `w = n_j` (Prism's
    /// "Gehan–Breslow–Wilcoxon"; lifelines `"wilcoxon"`).
    GehanBreslow,
    /// Tarone–Ware: `w = √n_j`.
    TaroneWare,
    /// Peto–Peto: `w = Π_{i≤j}(1 − d_i/(n_i + 1))`.
    Peto,
    /// Fleming–Harrington `G(p, q)`: `w = Ŝ(t−)^p (1 − Ŝ(t−))^q`.
    FlemingHarrington {
        /// Exponent of `Ŝ`.
        p: f64,
        /// Exponent of `1 − Ŝ`.
        q: f64,
    },
}

impl Weighting {
    /// Short name: `logrank`, `gehan-breslow`, `tarone-ware`, `peto`,
    /// `fleming-harrington(p,q)`.
    pub fn name(&self) -> String {
        match self {
            Weighting::LogRank => "logrank".into(),
            Weighting::GehanBreslow => "gehan-breslow".into(),
            Weighting::TaroneWare => "tarone-ware".into(),
            Weighting::Peto => "peto".into(),
            Weighting::FlemingHarrington { p, q } => format!("fleming-harrington({p},{q})"),
        }
    }
}

/// Observed and expected events of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupOE {
    /// Group label.
    pub name: String,
    /// Number of subjects.
    pub n: usize,
    /// Observed events `O_g`.
    pub observed: f64,
    /// Expected events under H0, `E_g = Σ n_gj d_j / n_j` (unweighted).
    pub expected: f64,
    /// Weighted score `U_g` (`O_g − E_g` for the log-rank test).
    pub score: f64,
    /// Diagonal element `V_gg` of the (weighted) covariance.
    pub variance: f64,
}

/// A k-group (weighted) log-rank test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRank {
    /// Weight function.
    pub weighting: Weighting,
    /// Chi-squared statistic `Uᵀ V⁻ U`.
    pub chisq: f64,
    /// Degrees of freedom `rank V`.
    pub df: usize,
    /// Upper-tail p-value; `None` when `df = 0` (no informative events).
    pub p: Option<f64>,
    /// Per-group O / E, in input order.
    pub groups: Vec<GroupOE>,
    /// Row-major `k×k` covariance `V`.
    pub covariance: Vec<f64>,
}

/// Weighted log-rank test of equal survival in `groups` (k ≥ 2); see the
/// module docs for the statistic and weights.
pub fn logrank_test(groups: &[SurvGroup], weighting: Weighting) -> Result<LogRank, SurvivalError> {
    let k = groups.len();
    if k < 2 {
        return Err(SurvivalError::TooFewGroups(k));
    }
    for g in groups {
        check_group(&g.name, &g.time, &g.event)?;
    }
    let mut obs: Vec<(f64, bool, usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(gi, g)| g.time.iter().zip(&g.event).map(move |(&t, &e)| (t, e, gi)))
        .collect();
    obs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut at: Vec<f64> = groups.iter().map(|g| g.len() as f64).collect();
    let mut u = vec![0.0; k];
    let mut e = vec![0.0; k];
    let mut o = vec![0.0; k];
    let mut v = vec![0.0; k * k];
    let mut km = 1.0_f64; // pooled Kaplan–Meier just before t_j
    let mut peto = 1.0_f64;
    let mut i = 0;
    let total = obs.len();
    while i < total {
        let t = obs[i].0;
        let mut d = vec![0.0; k];
        let mut leaving = vec![0.0; k];
        while i < total && obs[i].0 == t {
            let (_, ev, g) = obs[i];
            if ev {
                d[g] += 1.0;
            }
            leaving[g] += 1.0;
            i += 1;
        }
        let dj: f64 = d.iter().sum();
        let nj: f64 = at.iter().sum();
        if dj > 0.0 {
            peto *= 1.0 - dj / (nj + 1.0);
            let w = match weighting {
                Weighting::LogRank => 1.0,
                Weighting::GehanBreslow => nj,
                Weighting::TaroneWare => nj.sqrt(),
                Weighting::Peto => peto,
                Weighting::FlemingHarrington { p, q } => km.powf(p) * (1.0 - km).powf(q),
            };
            for g in 0..k {
                let eg = at[g] * dj / nj;
                e[g] += eg;
                o[g] += d[g];
                u[g] += w * (d[g] - eg);
            }
            if nj > 1.0 {
                let f = w * w * dj * (nj - dj) / (nj - 1.0);
                for g in 0..k {
                    for h in 0..k {
                        let delta = if g == h { 1.0 } else { 0.0 };
                        v[g * k + h] += f * (at[g] / nj) * (delta - at[h] / nj);
                    }
                }
            }
            km *= 1.0 - dj / nj;
        }
        for g in 0..k {
            at[g] -= leaving[g];
        }
    }
    let (chisq, df) = ginv_quadratic(&u, &v, k);
    Ok(LogRank {
        weighting,
        chisq,
        df,
        p: (df > 0).then(|| chi2_sf(chisq, df as f64)),
        groups: groups
            .iter()
            .enumerate()
            .map(|(g, grp)| GroupOE {
                name: grp.name.clone(),
                n: grp.len(),
                observed: o[g],
                expected: e[g],
                score: u[g],
                variance: v[g * k + g],
            })
            .collect(),
        covariance: v,
    })
}

/// Hazard ratio of one group against the reference (two-group log-rank
/// quantities; see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HazardRatio {
    /// The group.
    pub group: String,
    /// The reference (control) group.
    pub reference: String,
    /// Mantel–Haenszel `exp((O − E)/V)`; `None` when `V = 0`.
    pub hr_mh: Option<f64>,
    /// Lower confidence limit of `hr_mh`.
    pub hr_mh_lower: Option<f64>,
    /// Upper confidence limit of `hr_mh`.
    pub hr_mh_upper: Option<f64>,
    /// Log-rank `(O/E)/(O_ref/E_ref)`; `None` when a ratio is undefined.
    pub hr_logrank: Option<f64>,
    /// Lower limit `exp(ln HR − z√(1/E + 1/E_ref))`.
    pub hr_logrank_lower: Option<f64>,
    /// Upper limit `exp(ln HR + z√(1/E + 1/E_ref))`.
    pub hr_logrank_upper: Option<f64>,
    /// Two-group log-rank chi-squared.
    pub chisq: f64,
    /// Two-group log-rank p-value (`None` when undefined).
    pub p: Option<f64>,
}

/// Hazard ratio of `group` against `reference` at `conf_level` from their
/// two-group log-rank test (Mantel–Haenszel and O/E ratio).
pub fn hazard_ratio(
    group: &SurvGroup,
    reference: &SurvGroup,
    conf_level: f64,
) -> Result<HazardRatio, SurvivalError> {
    if !(conf_level > 0.0 && conf_level < 1.0) {
        return Err(SurvivalError::BadLevel(conf_level));
    }
    let z = normal_quantile(1.0 - (1.0 - conf_level) / 2.0);
    let lr = logrank_test(&[reference.clone(), group.clone()], Weighting::LogRank)?;
    let (r, g) = (&lr.groups[0], &lr.groups[1]);
    let var = g.variance;
    let (hr_mh, hr_mh_lower, hr_mh_upper) = if var > 0.0 {
        let b = (g.observed - g.expected) / var;
        let h = z / var.sqrt();
        (Some(b.exp()), Some((b - h).exp()), Some((b + h).exp()))
    } else {
        (None, None, None)
    };
    let ratio = (g.observed / g.expected) / (r.observed / r.expected);
    let ok = ratio.is_finite() && ratio > 0.0;
    let h = z * (1.0 / g.expected + 1.0 / r.expected).sqrt();
    Ok(HazardRatio {
        group: group.name.clone(),
        reference: reference.name.clone(),
        hr_mh,
        hr_mh_lower,
        hr_mh_upper,
        hr_logrank: ok.then_some(ratio),
        hr_logrank_lower: (ok && h.is_finite()).then(|| (ratio.ln() - h).exp()),
        hr_logrank_upper: (ok && h.is_finite()).then(|| (ratio.ln() + h).exp()),
        chisq: lr.chisq,
        p: lr.p,
    })
}

/// Hazard ratios of every group other than `control` against it, in input
/// order.
pub fn hazard_ratios(
    groups: &[SurvGroup],
    control: &str,
    conf_level: f64,
) -> Result<Vec<HazardRatio>, SurvivalError> {
    let c = find_group(groups, control)?;
    groups
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != c)
        .map(|(_, g)| hazard_ratio(g, &groups[c], conf_level))
        .collect()
}

/// Index of the group called `name`.
pub(crate) fn find_group(groups: &[SurvGroup], name: &str) -> Result<usize, SurvivalError> {
    groups
        .iter()
        .position(|g| g.name == name)
        .ok_or_else(|| SurvivalError::UnknownGroup {
            name: name.to_string(),
            available: groups.iter().map(|g| g.name.clone()).collect(),
        })
}

/// One pairwise two-group comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pairwise {
    /// First group (the control, when comparing against one).
    pub group_a: String,
    /// Second group.
    pub group_b: String,
    /// Two-group chi-squared.
    pub chisq: f64,
    /// Degrees of freedom (1, or 0 when undefined).
    pub df: usize,
    /// Unadjusted p-value.
    pub p: Option<f64>,
    /// Holm-adjusted p-value over all comparisons made (R `p.adjust(p,
    /// "holm")`, [`crate::adjust::holm`]).
    pub p_holm: Option<f64>,
}

/// Pairwise two-group tests with `weighting`: every group against `control`
/// when given, otherwise all pairs `(i < j)` in input order; p-values
/// adjusted by Holm over the comparisons made.
pub fn pairwise_logrank(
    groups: &[SurvGroup],
    weighting: Weighting,
    control: Option<&str>,
) -> Result<Vec<Pairwise>, SurvivalError> {
    if groups.len() < 2 {
        return Err(SurvivalError::TooFewGroups(groups.len()));
    }
    let pairs: Vec<(usize, usize)> = match control {
        Some(c) => {
            let c = find_group(groups, c)?;
            (0..groups.len())
                .filter(|&i| i != c)
                .map(|i| (c, i))
                .collect()
        }
        None => (0..groups.len())
            .flat_map(|i| (i + 1..groups.len()).map(move |j| (i, j)))
            .collect(),
    };
    let mut out = Vec::with_capacity(pairs.len());
    for (a, b) in pairs {
        let lr = logrank_test(&[groups[a].clone(), groups[b].clone()], weighting)?;
        out.push(Pairwise {
            group_a: groups[a].name.clone(),
            group_b: groups[b].name.clone(),
            chisq: lr.chisq,
            df: lr.df,
            p: lr.p,
            p_holm: None,
        });
    }
    let ps: Vec<f64> = out.iter().map(|x| x.p.unwrap_or(f64::NAN)).collect();
    for (x, h) in out.iter_mut().zip(adjust::holm(&ps)) {
        x.p_holm = (!h.is_nan()).then_some(h);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_groups_have_two_df() {
        let g = [
            SurvGroup::new("a", &[1.0, 2.0, 3.0, 4.0], &[true, true, true, false]),
            SurvGroup::new("b", &[2.0, 5.0, 6.0, 7.0], &[true, true, false, true]),
            SurvGroup::new("c", &[8.0, 9.0, 10.0, 11.0], &[true, true, true, true]),
        ];
        let lr = logrank_test(&g, Weighting::LogRank).unwrap();
        assert_eq!(lr.df, 2);
        let oe: f64 = lr.groups.iter().map(|x| x.observed - x.expected).sum();
        assert!(oe.abs() < 1e-12);
        let pw = pairwise_logrank(&g, Weighting::LogRank, None).unwrap();
        assert_eq!(pw.len(), 3);
        assert!(pw.iter().all(|x| x.p_holm.unwrap() >= x.p.unwrap()));
        let pc = pairwise_logrank(&g, Weighting::LogRank, Some("a")).unwrap();
        assert_eq!(pc.len(), 2);
        assert!(pairwise_logrank(&g, Weighting::LogRank, Some("z")).is_err());
        assert!(logrank_test(&g[..1], Weighting::LogRank).is_err());
    }
}
