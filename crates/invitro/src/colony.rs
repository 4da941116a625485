//! Colony-forming (CFU) assays: colonies per dish → colonies per 10ⁿ cells
//! plated, % of vehicle, statistics against the vehicle, serial replating.
//!
//! # Input
//! One row per dish: `sample` (biological replicate, e.g. an independent
//! experiment or a patient sample), `group` (treatment), `dish`
//! (technical replicate), `colonies` (count, ≥ 0), optional `cells_plated`
//! (cells seeded in the dish) and `round` (serial-replating round). CSV or
//! XLSX ([`crate::table`]).
//!
//! # Method
//! * Dish value: `colonies` or, with `cells_plated`, `colonies /
//!   cells_plated × 10ⁿ` (colonies per 10ⁿ cells, `n` = [`ColonyOptions::per_log10`],
//!   default 4).
//! * Dishes of a sample in a group are averaged (technical replicates);
//!   **samples are the unit of statistics**. The same sample name may occur
//!   in several groups (one experiment plated with vehicle and drugs); it is
//!   then one biological replicate of each group. Per group: `n` samples, mean ± SD / SEM of the
//!   sample means, `% of control = 100·mean/mean(control)`.
//! * Tests against the control ([`ColonyTest`]):
//!   - `Welch` (default) / `Pooled`: t tests on the sample means, Holm
//!     adjustment over the groups; `ci_lower/upper` = the CI of the
//!     difference expressed in % of the control mean (`100 + 100·d/mean₀`,
//!     conditional on the control mean);
//!   - `Dunnett`: Dunnett's many-to-one comparisons (simultaneous CIs);
//!   - `QuasiPoisson` / `Poisson`: a log-linear count model,
//!     `log E[colonies] = β₀ + β_group + log(cells plated)`, fitted by IRLS
//!     ([`preclin_stats::glm`]); the rate ratio `e^β` against the control,
//!     `ci` = `100·e^(β ± q·se)` in % of control, `q` the 97.5 % t (quasi,
//!     `n − p` df) or normal quantile. The counts are the sample totals (all
//!     dishes of a sample summed, offset the total cells plated) when every
//!     group has at least 2 samples, so that the quasi-Poisson dispersion
//!     carries the between-sample variation; otherwise the dishes are the
//!     observations (flag `glm_dish_level`: dishes treated as independent).
//!     Quasi-Poisson is the count-appropriate default for over-dispersed
//!     colony counts; plain Poisson understates the error whenever counts
//!     vary more than Poisson between dishes.
//! * With a `round` column every round is analysed separately, and
//!   `percent_of_first_round = 100·mean(round)/mean(first round)` of the same
//!   group summarises serial replating (self-renewal).

use std::collections::BTreeMap;

use preclin_stats::{adjust, desc, dist, dunnett, glm, ttest};
use serde::Serialize;

use crate::table::{Table, TableError};

/// Errors of the colony reader and analysis.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ColonyError {
    /// The table could not be read.
    #[error(transparent)]
    Table(#[from] TableError),
    /// A required cell is empty.
    #[error("{file}, line {line}: empty '{column}' cell")]
    EmptyCell {
        /// File.
        file: String,
        /// 1-based line.
        line: usize,
        /// Column.
        column: String,
    },
    /// A count or cell number that is negative (or zero cells).
    #[error("{file}, line {line}, column '{column}': {value} is not allowed ({expected})")]
    BadValue {
        /// File.
        file: String,
        /// 1-based line.
        line: usize,
        /// Column.
        column: String,
        /// The value.
        value: f64,
        /// What was expected.
        expected: &'static str,
    },
    /// The control group is absent.
    #[error("{file}: control group '{control}' not found (groups: {})", .available.join(", "))]
    ControlMissing {
        /// File.
        file: String,
        /// Control.
        control: String,
        /// Groups present.
        available: Vec<String>,
    },
}

/// One dish.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dish {
    /// Biological replicate.
    pub sample: String,
    /// Treatment group.
    pub group: String,
    /// Dish label.
    pub dish: Option<String>,
    /// Colonies counted.
    pub colonies: f64,
    /// Cells plated.
    pub cells_plated: Option<f64>,
    /// Serial-replating round.
    pub round: Option<String>,
    /// 1-based line.
    pub line: usize,
}

/// Reads dishes from a tidy table (see the module docs).
pub fn read_dishes(t: &Table) -> Result<Vec<Dish>, ColonyError> {
    let file = t.source.clone();
    let sample = t.column("sample")?;
    let group = t.column("group")?;
    let colonies = match t.find_column("colonies").or_else(|| t.find_column("count")) {
        Some(c) => c,
        None => t.column("colonies")?,
    };
    let dish = t.find_column("dish");
    let plated = t.find_column("cells_plated");
    let round = t.find_column("round");
    let mut out = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let need = |c: usize| -> Result<String, ColonyError> {
            row.text(c)
                .map(str::to_string)
                .ok_or_else(|| ColonyError::EmptyCell {
                    file: file.clone(),
                    line: row.line,
                    column: t.headers[c].clone(),
                })
        };
        let s = need(sample)?;
        let g = need(group)?;
        let n = t
            .parse_f64(row, colonies)?
            .ok_or_else(|| ColonyError::EmptyCell {
                file: file.clone(),
                line: row.line,
                column: t.headers[colonies].clone(),
            })?;
        if n < 0.0 {
            return Err(ColonyError::BadValue {
                file: file.clone(),
                line: row.line,
                column: t.headers[colonies].clone(),
                value: n,
                expected: "a colony count must be 0 or more",
            });
        }
        let p = match plated {
            Some(c) => t.parse_f64(row, c)?,
            None => None,
        };
        if let Some(p) = p.filter(|p| *p <= 0.0) {
            return Err(ColonyError::BadValue {
                file: file.clone(),
                line: row.line,
                column: "cells_plated".into(),
                value: p,
                expected: "cells plated must be positive",
            });
        }
        out.push(Dish {
            sample: s,
            group: g,
            dish: dish.and_then(|c| row.text(c)).map(str::to_string),
            colonies: n,
            cells_plated: p,
            round: round.and_then(|c| row.text(c)).map(str::to_string),
            line: row.line,
        });
    }
    Ok(out)
}

/// Test against the control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColonyTest {
    /// Welch t on sample means (default).
    Welch,
    /// Student t with pooled variance.
    Pooled,
    /// Dunnett's many-to-one comparisons.
    Dunnett,
    /// Quasi-Poisson log-linear model.
    QuasiPoisson,
    /// Poisson log-linear model.
    Poisson,
}

impl ColonyTest {
    /// Name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            ColonyTest::Welch => "welch_t",
            ColonyTest::Pooled => "pooled_t",
            ColonyTest::Dunnett => "dunnett",
            ColonyTest::QuasiPoisson => "quasi_poisson",
            ColonyTest::Poisson => "poisson",
        }
    }
}

/// Options of [`analyse`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColonyOptions {
    /// Control (vehicle) group.
    pub control: String,
    /// Colonies are reported per `10^per_log10` cells plated (4).
    pub per_log10: i32,
    /// Test.
    pub test: ColonyTest,
}

impl ColonyOptions {
    /// Welch, per 10⁴ cells.
    pub fn new(control: &str) -> ColonyOptions {
        ColonyOptions {
            control: control.to_string(),
            per_log10: 4,
            test: ColonyTest::Welch,
        }
    }
}

/// One group (in one round).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColonyRow {
    /// Serial-replating round, if any.
    pub round: Option<String>,
    /// Group.
    pub group: String,
    /// True for the control.
    pub is_control: bool,
    /// Samples.
    pub n: usize,
    /// Dishes.
    pub n_dishes: usize,
    /// Sample means (per 10ⁿ cells when cells were given), in file order.
    pub values: Vec<f64>,
    /// Mean colonies (per 10ⁿ cells when cells were given) over sample means.
    pub mean_colonies: Option<f64>,
    /// SD of the sample means.
    pub sd: Option<f64>,
    /// SEM of the sample means.
    pub sem: Option<f64>,
    /// `100·mean/mean(control)`.
    pub percent_of_control: Option<f64>,
    /// Lower 95 % limit, % of control (see the module docs).
    pub ci_lower: Option<f64>,
    /// Upper 95 % limit, % of control.
    pub ci_upper: Option<f64>,
    /// Rate ratio against the control (GLM tests).
    pub rate_ratio: Option<f64>,
    /// p-value against the control.
    pub p_value: Option<f64>,
    /// Adjusted p-value (Holm; Dunnett's own).
    pub p_adjusted: Option<f64>,
    /// `100·mean/mean(first round)` for the same group.
    pub percent_of_first_round: Option<f64>,
    /// Flags: `single_sample`, `control_zero`, `control_absent` (no control
    /// in this round), `glm_dish_level`, `glm_not_converged`, `no_test`.
    pub flags: Vec<String>,
}

/// Result of [`analyse`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColonyResult {
    /// Rows by round (file order), control first within a round.
    pub rows: Vec<ColonyRow>,
    /// True when colonies are per 10ⁿ cells (cells plated given everywhere).
    pub normalised: bool,
    /// Options used.
    pub options: ColonyOptions,
}

fn fin(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

struct SampleAgg {
    group: String,
    mean: f64,
    total: f64,
    cells: Option<f64>,
    dishes: Vec<(f64, Option<f64>)>,
}

/// CFU summaries and tests (see the module docs).
pub fn analyse(
    dishes: &[Dish],
    file: &str,
    opts: &ColonyOptions,
) -> Result<ColonyResult, ColonyError> {
    let normalised = !dishes.is_empty() && dishes.iter().all(|d| d.cells_plated.is_some());
    let scale = 10f64.powi(opts.per_log10);
    let mut groups: Vec<String> = Vec::new();
    let mut rounds: Vec<Option<String>> = Vec::new();
    for d in dishes {
        if !groups.contains(&d.group) {
            groups.push(d.group.clone());
        }
        if !rounds.contains(&d.round) {
            rounds.push(d.round.clone());
        }
    }
    if !groups.contains(&opts.control) {
        return Err(ColonyError::ControlMissing {
            file: file.to_string(),
            control: opts.control.clone(),
            available: groups,
        });
    }
    let mut order = vec![opts.control.clone()];
    order.extend(groups.iter().filter(|g| **g != opts.control).cloned());
    let mut rows = Vec::new();
    let mut first_round_means: BTreeMap<String, f64> = BTreeMap::new();
    for (ri, round) in rounds.iter().enumerate() {
        // Samples of this round, in file order.
        let mut samples: Vec<(String, SampleAgg)> = Vec::new();
        for d in dishes.iter().filter(|d| &d.round == round) {
            let v = if normalised {
                d.colonies / d.cells_plated.unwrap_or(1.0) * scale
            } else {
                d.colonies
            };
            match samples
                .iter_mut()
                .find(|(s, a)| *s == d.sample && a.group == d.group)
            {
                Some((_, a)) => {
                    a.dishes.push((d.colonies, d.cells_plated));
                    a.mean += v;
                    a.total += d.colonies;
                    a.cells = a.cells.zip(d.cells_plated).map(|(x, y)| x + y);
                }
                None => samples.push((
                    d.sample.clone(),
                    SampleAgg {
                        group: d.group.clone(),
                        mean: v,
                        total: d.colonies,
                        cells: d.cells_plated,
                        dishes: vec![(d.colonies, d.cells_plated)],
                    },
                )),
            }
        }
        for (_, a) in &mut samples {
            a.mean /= a.dishes.len() as f64;
        }
        let means_of = |g: &str| -> Vec<f64> {
            samples
                .iter()
                .filter(|(_, a)| a.group == g)
                .map(|(_, a)| a.mean)
                .collect()
        };
        let present: Vec<&String> = order.iter().filter(|g| !means_of(g).is_empty()).collect();
        let control: Vec<f64> = means_of(&opts.control);
        let control_mean = desc::mean(&control);
        let others: Vec<&String> = present
            .iter()
            .copied()
            .filter(|g| **g != opts.control)
            .collect();
        // (p, ci_lower %, ci_upper %, rate ratio, flags) per compared group.
        type TestOut = (
            Option<f64>,
            Option<f64>,
            Option<f64>,
            Option<f64>,
            Vec<String>,
        );
        let mut tests: Vec<TestOut> = vec![(None, None, None, None, Vec::new()); others.len()];
        let to_pct = |d: f64| {
            control_mean
                .filter(|m| *m > 0.0)
                .map(|m| 100.0 + 100.0 * d / m)
        };
        let test = if control.is_empty() {
            None
        } else {
            Some(opts.test)
        };
        match test {
            None => {
                for t in &mut tests {
                    t.4.push("control_absent".into());
                }
            }
            Some(ColonyTest::Welch | ColonyTest::Pooled) => {
                for (k, g) in others.iter().enumerate() {
                    let x = means_of(g);
                    let r = if opts.test == ColonyTest::Welch {
                        ttest::welch(&x, &control)
                    } else {
                        ttest::pooled(&x, &control)
                    };
                    if let Some(r) = r {
                        tests[k].0 = fin(r.p_two_sided);
                        tests[k].1 = to_pct(r.ci_lower);
                        tests[k].2 = to_pct(r.ci_upper);
                    }
                }
            }
            Some(ColonyTest::Dunnett) => {
                let xs: Vec<Vec<f64>> = others.iter().map(|g| means_of(g)).collect();
                let sl: Vec<&[f64]> = xs.iter().map(Vec::as_slice).collect();
                if let Some(d) = dunnett::dunnett(&control, &sl, 0.95) {
                    for (k, c) in d.comparisons.iter().enumerate() {
                        tests[k].0 = fin(c.p_adjusted);
                        tests[k].1 = to_pct(c.ci_lower);
                        tests[k].2 = to_pct(c.ci_upper);
                    }
                }
            }
            Some(ColonyTest::QuasiPoisson | ColonyTest::Poisson) => {
                let sample_level = present.iter().all(|g| means_of(g).len() >= 2);
                // Observations: (group index in present, count, cells)
                let mut obs: Vec<(usize, f64, Option<f64>)> = Vec::new();
                for (_, a) in &samples {
                    let gi = present.iter().position(|g| **g == a.group).unwrap_or(0);
                    if sample_level {
                        obs.push((gi, a.total, a.cells));
                    } else {
                        obs.extend(a.dishes.iter().map(|(c, p)| (gi, *c, *p)));
                    }
                }
                let p = present.len();
                let mut x = Vec::with_capacity(obs.len() * p);
                for (gi, _, _) in &obs {
                    x.push(1.0);
                    for j in 1..p {
                        x.push(if *gi == j { 1.0 } else { 0.0 });
                    }
                }
                let y: Vec<f64> = obs.iter().map(|o| o.1).collect();
                let off: Vec<f64> = if obs.iter().all(|o| o.2.is_some()) {
                    obs.iter().map(|o| o.2.unwrap_or(1.0).ln()).collect()
                } else {
                    Vec::new()
                };
                let disp = if opts.test == ColonyTest::Poisson {
                    glm::Dispersion::Poisson
                } else {
                    glm::Dispersion::QuasiPoisson
                };
                let fit = glm::poisson_glm(&y, &x, p, &off, disp);
                for (k, t) in tests.iter_mut().enumerate() {
                    if !sample_level {
                        t.4.push("glm_dish_level".into());
                    }
                    match &fit {
                        Some(f) if f.converged && f.coef.iter().all(|b| b.abs() < 30.0) => {
                            let (b, se) = (f.coef[k + 1], f.se[k + 1]);
                            let q = if disp == glm::Dispersion::Poisson {
                                dist::normal_quantile(0.975)
                            } else {
                                dist::t_quantile(0.975, f.df_residual)
                            };
                            t.0 = fin(f.p[k + 1]);
                            t.1 = fin(100.0 * (b - q * se).exp());
                            t.2 = fin(100.0 * (b + q * se).exp());
                            t.3 = fin(b.exp());
                        }
                        _ => t.4.push("glm_not_converged".into()),
                    }
                }
            }
        }
        let adjusted: Vec<Option<f64>> = if opts.test == ColonyTest::Dunnett {
            tests.iter().map(|t| t.0).collect()
        } else {
            let p: Vec<f64> = tests.iter().map(|t| t.0.unwrap_or(f64::NAN)).collect();
            adjust::holm(&p).into_iter().map(fin).collect()
        };
        for g in &present {
            let m = means_of(g);
            let mean = desc::mean(&m);
            if ri == 0 {
                if let Some(v) = mean {
                    first_round_means.insert(g.to_string(), v);
                }
            }
            let k = others.iter().position(|o| o == g);
            let mut flags = Vec::new();
            if m.len() == 1 {
                flags.push("single_sample".to_string());
            }
            if control_mean == Some(0.0) {
                flags.push("control_zero".to_string());
            }
            let (p, lo, hi, rr) = match k {
                Some(k) => {
                    flags.extend(tests[k].4.iter().cloned());
                    if tests[k].0.is_none() {
                        flags.push("no_test".into());
                    }
                    (tests[k].0, tests[k].1, tests[k].2, tests[k].3)
                }
                None => (None, None, None, None),
            };
            rows.push(ColonyRow {
                round: round.clone(),
                group: g.to_string(),
                is_control: **g == opts.control,
                n: m.len(),
                n_dishes: samples
                    .iter()
                    .filter(|(_, a)| &a.group == *g)
                    .map(|(_, a)| a.dishes.len())
                    .sum(),
                mean_colonies: mean,
                sd: desc::sd(&m),
                values: m.clone(),
                sem: desc::sem(&m),
                percent_of_control: mean
                    .zip(control_mean.filter(|c| *c > 0.0))
                    .map(|(a, c)| 100.0 * a / c),
                ci_lower: lo,
                ci_upper: hi,
                rate_ratio: rr,
                p_value: p,
                p_adjusted: k.and_then(|k| adjusted[k]),
                percent_of_first_round: if round.is_some() {
                    mean.zip(
                        first_round_means
                            .get(g.as_str())
                            .copied()
                            .filter(|v| *v > 0.0),
                    )
                    .map(|(a, f)| 100.0 * a / f)
                } else {
                    None
                },
                flags,
            });
        }
    }
    Ok(ColonyResult {
        rows,
        normalised,
        options: opts.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(s: &str) -> Table {
        Table::parse_text(s, "cfu.csv").unwrap()
    }

    const CFU: &str = "sample,group,dish,colonies,cells_plated\n\
e1,DMSO,1,52,1000\ne1,DMSO,2,61,1000\ne1,DMSO,3,47,1000\n\
e2,DMSO,1,58,1000\ne2,DMSO,2,55,1000\ne2,DMSO,3,63,1000\n\
e3,DMSO,1,49,1000\ne3,DMSO,2,50,1000\ne3,DMSO,3,44,1000\n\
e1,MI-2,1,12,1000\ne1,MI-2,2,18,1000\ne1,MI-2,3,9,1000\n\
e2,MI-2,1,15,1000\ne2,MI-2,2,11,1000\ne2,MI-2,3,14,1000\n\
e3,MI-2,1,8,1000\ne3,MI-2,2,10,1000\ne3,MI-2,3,13,1000\n";

    #[test]
    fn summaries_and_percent() {
        let d = read_dishes(&table(CFU)).unwrap();
        let r = analyse(&d, "cfu.csv", &ColonyOptions::new("DMSO")).unwrap();
        assert!(r.normalised);
        let c = &r.rows[0];
        assert_eq!((c.group.as_str(), c.n, c.n_dishes), ("DMSO", 3, 9));
        // Per 10⁴ cells: sample means 533.33, 586.67, 476.67.
        assert!((c.mean_colonies.unwrap() - 532.2222222222222).abs() < 1e-9);
        let t = &r.rows[1];
        assert!(
            (t.percent_of_control.unwrap() - 100.0 * 122.2222222222222 / 532.2222222222222).abs()
                < 1e-9
        );
        assert!(t.p_value.unwrap() < 0.01);
        assert!(t.ci_lower.unwrap() < t.percent_of_control.unwrap());
        for test in [
            ColonyTest::QuasiPoisson,
            ColonyTest::Poisson,
            ColonyTest::Dunnett,
            ColonyTest::Pooled,
        ] {
            let mut o = ColonyOptions::new("DMSO");
            o.test = test;
            let r = analyse(&d, "cfu.csv", &o).unwrap();
            let t = &r.rows[1];
            assert!(t.p_value.unwrap() < 0.01, "{test:?}");
            if matches!(test, ColonyTest::QuasiPoisson | ColonyTest::Poisson) {
                // Rate ratio = ratio of total counts (equal cells plated).
                assert!((t.rate_ratio.unwrap() - 110.0 / 479.0).abs() < 1e-9);
                assert!(t.flags.is_empty(), "{:?}", t.flags);
            }
            if test == ColonyTest::QuasiPoisson {
                // statsmodels 0.15.0: GLM(sample totals, [1, MI-2], Poisson,
                // offset=log(3000)).fit(scale="X2"), t test with 4 df
                // (scipy 1.17.1): p 2.1571267968505976e-4, 95 % interval of
                // the rate ratio ×100: 16.68394301007739 – 31.609355858794757.
                assert!((t.p_value.unwrap() - 2.1571267968505976e-4).abs() < 1e-9 * 2.2e-4);
                assert!((t.ci_lower.unwrap() - 16.68394301007739).abs() < 1e-9);
                assert!((t.ci_upper.unwrap() - 31.609355858794757).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn errors_and_rounds() {
        let e = read_dishes(&table("sample,group,colonies\ne1,A,-3\n")).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let d = read_dishes(&table("sample,group,colonies\ne1,A,3\n")).unwrap();
        let e = analyse(&d, "x.csv", &ColonyOptions::new("DMSO")).unwrap_err();
        assert!(e.to_string().contains("'DMSO'"), "{e}");
        let d = read_dishes(&table(
            "sample,group,colonies,round\ne1,V,100,1\ne2,V,110,1\ne1,D,50,1\ne2,D,40,1\ne1,V,90,2\ne2,V,95,2\ne1,D,10,2\ne2,D,12,2\n",
        ))
        .unwrap();
        let r = analyse(&d, "x.csv", &ColonyOptions::new("V")).unwrap();
        assert!(!r.normalised);
        assert_eq!(r.rows.len(), 4);
        let d2 = &r.rows[3];
        assert_eq!((d2.round.as_deref(), d2.group.as_str()), (Some("2"), "D"));
        assert!((d2.percent_of_first_round.unwrap() - 100.0 * 11.0 / 45.0).abs() < 1e-9);
        // A round without the control: no test, flagged, for every test.
        let d = read_dishes(&table(
            "sample,group,colonies,round\ne1,V,100,1\ne2,V,110,1\ne1,D,50,1\ne2,D,40,1\ne1,D,10,2\ne2,D,12,2\n",
        ))
        .unwrap();
        for test in [
            ColonyTest::Welch,
            ColonyTest::Dunnett,
            ColonyTest::QuasiPoisson,
        ] {
            let mut o = ColonyOptions::new("V");
            o.test = test;
            let r = analyse(&d, "x.csv", &o).unwrap();
            let last = r.rows.last().unwrap();
            assert_eq!(last.round.as_deref(), Some("2"));
            assert!(last.p_value.is_none() && last.flags.contains(&"control_absent".to_string()));
        }
    }
}
