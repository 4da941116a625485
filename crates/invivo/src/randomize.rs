//! Seeded randomisation of tumour-bearing mice into k treatment groups,
//! balanced on group mean and spread of the starting volume.
//!
//! Method ("balanced stratified", seeded):
//! 1. **Eligibility**: mice with a volume inside `[min_volume, max_volume]`
//!    (default 80–150 mm³ around the usual ~100 mm³ start) are eligible; the
//!    others are reported as excluded with their volume.
//! 2. **Stratified start**: eligible mice are sorted by volume (ties by id)
//!    and cut into consecutive blocks of k; each block is dealt to the k
//!    groups in a random order (a seeded permutation per block; the last,
//!    incomplete block goes to randomly chosen distinct groups, so group
//!    sizes differ by at most one).
//! 3. **Improvement**: `iterations` seeded proposals swap two mice of
//!    different groups; a swap is kept when it lowers the imbalance
//!    `D = max_g |mean_g − mean| + (max_g SD_g − min_g SD_g)`
//!    (mm³; the largest deviation of a group mean from the overall mean plus
//!    the range of the group SDs). Group sizes never change.
//! 4. **Balance check**: per-group n, mean, SD, median and a one-way ANOVA of
//!    the volumes across groups (`stats::anova`; a large p is expected).
//!
//! The same input, options and seed give the same assignment (Xoshiro256++).
//! This is minimisation by swaps over a stratified random start; it makes
//! the groups comparable at baseline while every mouse's group remains a
//! seeded random draw.

use preclin_stats::{anova, desc};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

/// A candidate mouse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Mouse id (unique).
    pub mouse: String,
    /// Tumour volume at randomisation (mm³).
    pub volume: f64,
}

/// Options of [`randomize`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RandomizeOptions {
    /// Group names (their number is k).
    pub groups: Vec<String>,
    /// Smallest eligible volume (mm³), default 80.
    pub min_volume: f64,
    /// Largest eligible volume (mm³), default 150.
    pub max_volume: f64,
    /// Seed of the Xoshiro256++ stream.
    pub seed: u64,
    /// Swap proposals of the improvement search (default 20 000).
    pub iterations: usize,
}

impl RandomizeOptions {
    /// Defaults for `k` groups named `G1 … Gk`.
    pub fn new(k: usize, seed: u64) -> Self {
        RandomizeOptions {
            groups: (1..=k).map(|i| format!("G{i}")).collect(),
            min_volume: 80.0,
            max_volume: 150.0,
            seed,
            iterations: 20_000,
        }
    }
}

/// One assignment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    /// Mouse id.
    pub mouse: String,
    /// Volume (mm³).
    pub volume: f64,
    /// Assigned group.
    pub group: String,
}

/// Balance of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupBalance {
    /// Group.
    pub group: String,
    /// Mice.
    pub n: usize,
    /// Mean volume.
    pub mean: Option<f64>,
    /// SD of the volume.
    pub sd: Option<f64>,
    /// Median volume.
    pub median: Option<f64>,
}

/// Result of [`randomize`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Randomization {
    /// Assignments in input order of the eligible mice.
    pub assignments: Vec<Assignment>,
    /// Mice outside the volume window, with their volume.
    pub excluded: Vec<Candidate>,
    /// Per-group balance, in group order.
    pub balance: Vec<GroupBalance>,
    /// The imbalance `D` (see the module docs) of the final assignment.
    pub imbalance: f64,
    /// The imbalance of the stratified start.
    pub imbalance_start: f64,
    /// One-way ANOVA p-value of the volumes across groups (`None` when
    /// undefined, e.g. one mouse per group).
    pub anova_p: Option<f64>,
    /// Seed used.
    pub seed: u64,
}

/// Errors of [`randomize`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RandomizeError {
    /// Fewer than 2 groups or a repeated name.
    #[error("need at least 2 distinct group names, got {0:?}")]
    Groups(Vec<String>),
    /// Not enough eligible mice.
    #[error("{eligible} mice are within {min}–{max} mm³; at least one per group ({k}) is needed")]
    TooFew {
        /// Eligible mice.
        eligible: usize,
        /// Groups.
        k: usize,
        /// Window.
        min: f64,
        /// Window.
        max: f64,
    },
    /// A mouse id appears twice.
    #[error("mouse '{0}' appears twice")]
    Duplicate(String),
    /// A volume is negative or not finite.
    #[error("mouse '{0}': volume {1} is not a finite number ≥ 0")]
    BadVolume(String, f64),
}

fn imbalance(vols: &[f64], assign: &[usize], k: usize) -> f64 {
    let overall = vols.iter().sum::<f64>() / vols.len() as f64;
    let mut worst = 0.0_f64;
    let (mut smin, mut smax) = (f64::INFINITY, f64::NEG_INFINITY);
    for g in 0..k {
        let v: Vec<f64> = vols
            .iter()
            .zip(assign)
            .filter(|(_, a)| **a == g)
            .map(|(x, _)| *x)
            .collect();
        if let Some(m) = desc::mean(&v) {
            worst = worst.max((m - overall).abs());
        }
        let s = desc::sd(&v).unwrap_or(0.0);
        smin = smin.min(s);
        smax = smax.max(s);
    }
    worst + (smax - smin)
}

/// Assigns the eligible `mice` to the groups of `opts` (see the module docs).
pub fn randomize(
    mice: &[Candidate],
    opts: &RandomizeOptions,
) -> Result<Randomization, RandomizeError> {
    let k = opts.groups.len();
    let mut names = opts.groups.clone();
    names.sort();
    names.dedup();
    if k < 2 || names.len() != k {
        return Err(RandomizeError::Groups(opts.groups.clone()));
    }
    let mut seen = std::collections::HashSet::new();
    for m in mice {
        if !seen.insert(m.mouse.as_str()) {
            return Err(RandomizeError::Duplicate(m.mouse.clone()));
        }
        if !(m.volume.is_finite() && m.volume >= 0.0) {
            return Err(RandomizeError::BadVolume(m.mouse.clone(), m.volume));
        }
    }
    let (eligible, excluded): (Vec<&Candidate>, Vec<&Candidate>) = mice
        .iter()
        .partition(|m| m.volume >= opts.min_volume && m.volume <= opts.max_volume);
    if eligible.len() < k {
        return Err(RandomizeError::TooFew {
            eligible: eligible.len(),
            k,
            min: opts.min_volume,
            max: opts.max_volume,
        });
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(opts.seed);
    let mut order: Vec<usize> = (0..eligible.len()).collect();
    order.sort_by(|&a, &b| {
        eligible[a]
            .volume
            .total_cmp(&eligible[b].volume)
            .then_with(|| eligible[a].mouse.cmp(&eligible[b].mouse))
    });
    let vols: Vec<f64> = eligible.iter().map(|m| m.volume).collect();
    let mut assign = vec![0usize; eligible.len()];
    for block in order.chunks(k) {
        let mut gs: Vec<usize> = (0..k).collect();
        gs.shuffle(&mut rng);
        for (&i, &g) in block.iter().zip(&gs) {
            assign[i] = g;
        }
    }
    let start = imbalance(&vols, &assign, k);
    let mut best = start;
    let n = eligible.len();
    for _ in 0..opts.iterations {
        let i = rng.random_range(0..n);
        let j = rng.random_range(0..n);
        if assign[i] == assign[j] {
            continue;
        }
        assign.swap(i, j);
        let d = imbalance(&vols, &assign, k);
        if d < best - 1e-12 {
            best = d;
        } else {
            assign.swap(i, j);
        }
    }
    let mut balance = Vec::new();
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); k];
    for (v, &g) in vols.iter().zip(&assign) {
        per[g].push(*v);
    }
    for (g, v) in per.iter().enumerate() {
        let s = desc::Summary::of(v);
        balance.push(GroupBalance {
            group: opts.groups[g].clone(),
            n: v.len(),
            mean: s.mean,
            sd: s.sd,
            median: s.median,
        });
    }
    let slices: Vec<&[f64]> = per.iter().map(|v| v.as_slice()).collect();
    Ok(Randomization {
        assignments: eligible
            .iter()
            .zip(&assign)
            .map(|(m, &g)| Assignment {
                mouse: m.mouse.clone(),
                volume: m.volume,
                group: opts.groups[g].clone(),
            })
            .collect(),
        excluded: excluded.into_iter().cloned().collect(),
        balance,
        imbalance: best,
        imbalance_start: start,
        anova_p: anova::one_way(&slices).map(|a| a.p),
        seed: opts.seed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, LogNormal};

    fn cohort(seed: u64, n: usize) -> Vec<Candidate> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let d = LogNormal::new(100f64.ln(), 0.3).unwrap();
        (0..n)
            .map(|i| Candidate {
                mouse: format!("m{i:02}"),
                volume: d.sample(&mut rng),
            })
            .collect()
    }

    #[test]
    fn reproducible_complete_and_balanced() {
        let mice = cohort(7, 50);
        let opts = RandomizeOptions::new(4, 42);
        let a = randomize(&mice, &opts).unwrap();
        let b = randomize(&mice, &opts).unwrap();
        assert_eq!(a, b);
        let c = randomize(&mice, &RandomizeOptions::new(4, 43)).unwrap();
        assert_ne!(a.assignments, c.assignments);
        // every eligible mouse exactly once, every other one excluded
        let eligible = mice
            .iter()
            .filter(|m| (80.0..=150.0).contains(&m.volume))
            .count();
        assert_eq!(a.assignments.len(), eligible);
        assert_eq!(a.assignments.len() + a.excluded.len(), mice.len());
        let mut ids: Vec<&str> = a.assignments.iter().map(|x| x.mouse.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), eligible);
        let sizes: Vec<usize> = a.balance.iter().map(|g| g.n).collect();
        assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        assert!(a.imbalance <= a.imbalance_start);
        assert!(a.imbalance < 3.0, "{}", a.imbalance);
        assert!(a.anova_p.unwrap() > 0.9);
    }

    #[test]
    fn errors() {
        let mice = cohort(1, 3);
        assert!(matches!(
            randomize(&mice, &RandomizeOptions::new(5, 1)),
            Err(RandomizeError::TooFew { .. })
        ));
        let mut o = RandomizeOptions::new(2, 1);
        o.groups = vec!["A".into(), "A".into()];
        assert!(randomize(&mice, &o).is_err());
        let dup = vec![mice[0].clone(), mice[0].clone()];
        assert!(matches!(
            randomize(&dup, &RandomizeOptions::new(2, 1)),
            Err(RandomizeError::Duplicate(_))
        ));
    }
}
