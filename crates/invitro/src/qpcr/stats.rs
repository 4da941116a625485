//! Statistics on per-sample ΔCt: each treated group against the control.
//!
//! ΔCt is (close to) normally distributed where fold changes are not, so
//! tests run on ΔCt, with the biological replicates (samples) as the unit
//! (pcr `pcr_test`; Yuan et al. 2006). A difference in mean ΔCt is a
//! ΔΔCt, and its confidence interval maps to a fold-change interval by
//! `2^−x` (limits swap).
//!
//! | [`Test`] | p-value | 95 % CI of ΔΔCt | multiplicity |
//! |---|---|---|---|
//! | `Welch` (default) | Welch t (R `t.test`) | Welch | Holm over the gene's comparisons |
//! | `Pooled` | Student t, pooled variance of the two groups | Student | Holm |
//! | `MannWhitney` | Wilcoxon rank-sum, exact for small samples without ties | Hodges–Lehmann (exact: R `wilcox.test(conf.int = TRUE)`) | Holm |
//! | `Dunnett` | Dunnett vs control, single-step (multivariate t), pooled variance of all groups | simultaneous 95 % | built in (`p_adjusted = p_value`) |
//!
//! For `Dunnett` the one-way ANOVA F test of the gene across all groups is
//! reported too.

use preclin_stats::{adjust, anova, dunnett, mannwhitney, ttest};
use serde::Serialize;

/// Test of a treated group's ΔCt against the control's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    /// Welch's unequal-variance t test (default).
    Welch,
    /// Student's t test with pooled variance.
    Pooled,
    /// Wilcoxon rank-sum / Mann–Whitney.
    MannWhitney,
    /// Dunnett's many-to-one comparisons (one-way ANOVA model).
    Dunnett,
}

impl Test {
    /// Name written in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Test::Welch => "welch_t",
            Test::Pooled => "pooled_t",
            Test::MannWhitney => "mann_whitney",
            Test::Dunnett => "dunnett",
        }
    }
}

/// One comparison of a group against the control (differences are
/// group − control, i.e. ΔΔCt).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Comparison {
    /// Estimated difference (mean difference; Hodges–Lehmann shift for
    /// Mann–Whitney).
    pub estimate: Option<f64>,
    /// Lower 95 % limit of the difference.
    pub ci_lower: Option<f64>,
    /// Upper 95 % limit of the difference.
    pub ci_upper: Option<f64>,
    /// p-value of the test.
    pub p_value: Option<f64>,
    /// Multiplicity-adjusted p-value (Holm, or Dunnett's own).
    pub p_adjusted: Option<f64>,
}

fn fin(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Compares each of `groups` with `control` (see the module docs). Returns
/// one [`Comparison`] per group (empty fields where the test is undefined,
/// e.g. fewer than 2 samples or constant data) and, for Dunnett, the ANOVA
/// p-value over all groups.
pub fn compare_to_control(
    control: &[f64],
    groups: &[&[f64]],
    test: Test,
) -> (Vec<Comparison>, Option<f64>) {
    let mut out = vec![Comparison::default(); groups.len()];
    let mut anova_p = None;
    match test {
        Test::Welch | Test::Pooled => {
            for (c, g) in out.iter_mut().zip(groups) {
                let r = if test == Test::Welch {
                    ttest::welch(g, control)
                } else {
                    ttest::pooled(g, control)
                };
                if let Some(r) = r {
                    c.estimate = fin(r.mean_diff);
                    c.ci_lower = fin(r.ci_lower);
                    c.ci_upper = fin(r.ci_upper);
                    c.p_value = fin(r.p_two_sided);
                }
            }
        }
        Test::MannWhitney => {
            for (c, g) in out.iter_mut().zip(groups) {
                if let Some(r) = mannwhitney::mann_whitney(g, control) {
                    c.estimate = fin(r.estimate);
                    c.ci_lower = fin(r.ci_lower);
                    c.ci_upper = fin(r.ci_upper);
                    c.p_value = fin(r.p_two_sided);
                }
            }
        }
        Test::Dunnett => {
            // Only groups with data take part.
            let idx: Vec<usize> = (0..groups.len())
                .filter(|&i| !groups[i].is_empty())
                .collect();
            let gs: Vec<&[f64]> = idx.iter().map(|&i| groups[i]).collect();
            if let Some(d) = dunnett::dunnett(control, &gs, 0.95) {
                for (k, cmp) in d.comparisons.iter().enumerate() {
                    let c = &mut out[idx[k]];
                    c.estimate = fin(cmp.diff);
                    c.ci_lower = fin(cmp.ci_lower);
                    c.ci_upper = fin(cmp.ci_upper);
                    c.p_value = fin(cmp.p_adjusted);
                    c.p_adjusted = c.p_value;
                }
            }
            let mut all: Vec<&[f64]> = vec![control];
            all.extend(gs);
            anova_p = anova::one_way(&all).and_then(|a| fin(a.p));
        }
    }
    if test != Test::Dunnett {
        let p: Vec<f64> = out.iter().map(|c| c.p_value.unwrap_or(f64::NAN)).collect();
        for (c, a) in out.iter_mut().zip(adjust::holm(&p)) {
            c.p_adjusted = fin(a);
        }
    }
    (out, anova_p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_and_dunnett() {
        let c = [6.9, 7.0, 6.8, 7.1];
        let a = [5.9, 6.1, 6.0, 6.2];
        let b = [6.85, 7.05, 6.95, 7.0];
        let (r, anova_p) = compare_to_control(&c, &[&a, &b], Test::Welch);
        assert!(anova_p.is_none());
        assert!(r[0].p_value.unwrap() < 0.001);
        assert!(r[0].p_adjusted.unwrap() >= r[0].p_value.unwrap());
        assert!((r[0].estimate.unwrap() - (6.05 - 6.95)).abs() < 1e-12);
        let (d, anova_p) = compare_to_control(&c, &[&a, &[], &b], Test::Dunnett);
        assert!(anova_p.unwrap() < 0.001);
        assert!(d[0].p_value.is_some() && d[1].p_value.is_none() && d[2].p_value.is_some());
        let (m, _) = compare_to_control(&c, &[&a], Test::MannWhitney);
        assert!((m[0].p_value.unwrap() - 2.0 / 70.0).abs() < 1e-12);
    }
}
