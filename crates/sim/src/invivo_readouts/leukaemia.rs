//! Disseminated leukaemia in mice: (b) survival, (c) % human CD45 in
//! blood, (d) relapse genotyping.
//!
//! # Model (assumptions stated)
//! * Burden: the branching process of [`crate::clonal`] from an engrafted
//!   `N₀` (log-normal between mice) with a per-mouse tempo on all rates.
//! * (b) Death when the total burden reaches `lethal_cells` (the "death at
//!   a burden threshold" rule of leukaemia models, e.g. Stiehl et al. 2014,
//!   J R Soc Interface 11:20140079, who use a loss of healthy
//!   haematopoiesis; here a burden threshold, an assumption: 5·10⁹ cells),
//!   recorded on the next daily check (whole days); mice alive at
//!   `study_end_days` — or whose leukaemia went extinct — are censored
//!   there.
//! * (c) Fraction of human CD45⁺ among CD45⁺ blood cells
//!   `p = B / (B + K)` with `K = hcd45_half_cells` the burden at which half
//!   the blood leukocytes are human (an assumption, 10⁹ cells); measured
//!   as `Binomial(events, p) / events` over `events_per_sample` CD45⁺
//!   events (the counting error of a flow cytometer), in %.
//! * (d) Relapse ([`RelapseRule`]): response when the burden falls to
//!   `response_fraction` of its starting value; relapse at the first later
//!   time the burden regrows to `relapse_fraction` of the start; the
//!   genotype call is the fraction of the burden in the MEN1-mutant clones
//!   then.

use preclin_invivo::simulate::{PdxRow, SurvivalRow, engraftment_csv, survival_csv};
use rand::SeedableRng;
use rand_distr::{Binomial, Distribution};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{Arm, initial_cells, mutant_fraction, normal, opt};
use crate::clonal::{ClonalOptions, simulate_branching, subseed};
use crate::dynamics::Kinetics;
use crate::kinetics_simple::Scaled;
use crate::population::{Mutation, PopError};

/// When a burden course counts as a response and as a relapse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelapseRule {
    /// Response: burden ≤ this fraction of the starting burden.
    pub response_fraction: f64,
    /// Relapse: after the response, burden ≥ this fraction of the start.
    pub relapse_fraction: f64,
}

impl Default for RelapseRule {
    fn default() -> Self {
        RelapseRule {
            response_fraction: 0.01,
            relapse_fraction: 0.1,
        }
    }
}

/// The relapse call of one burden course.
#[derive(Debug, Clone, PartialEq)]
pub struct RelapseCall {
    /// The burden fell to the response level.
    pub responded: bool,
    /// Time of the lowest burden (h).
    pub nadir_h: f64,
    /// Time of relapse (h), if it relapsed.
    pub relapse_h: Option<f64>,
    /// Fraction of the burden in the mutant clones at relapse.
    pub mutant_fraction: Option<f64>,
}

/// Applies `rule` to a course (`cells[i]` per clone at `times_h[i]`,
/// starting value = first record).
pub fn relapse_call(
    times_h: &[f64],
    cells: &[Vec<u64>],
    mutant_clones: &[usize],
    rule: &RelapseRule,
) -> Option<RelapseCall> {
    let totals: Vec<u64> = cells.iter().map(|c| c.iter().sum()).collect();
    let start = *totals.first()? as f64;
    let resp_i = totals
        .iter()
        .position(|&t| t as f64 <= rule.response_fraction * start);
    let (mut nadir_i, mut relapse) = (0, None);
    for i in 0..totals.len() {
        if totals[i] < totals[nadir_i] {
            nadir_i = i;
        }
        if let Some(r) = resp_i {
            if i > r && relapse.is_none() && totals[i] as f64 >= rule.relapse_fraction * start {
                relapse = Some(i);
            }
        }
    }
    Some(RelapseCall {
        responded: resp_i.is_some(),
        nadir_h: times_h[nadir_i],
        relapse_h: relapse.map(|i| times_h[i]),
        mutant_fraction: relapse.and_then(|i| mutant_fraction(&cells[i], mutant_clones)),
    })
}

/// Design of a leukaemia survival / PDX study (illustrative defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct LeukaemiaDesign {
    /// Mice per group.
    pub n_per_group: usize,
    /// Median engrafted leukaemic cells at day 0.
    pub n0_median: f64,
    /// SD of ln N₀.
    pub n0_log_sd: f64,
    /// SD of the ln tempo factor.
    pub tempo_log_sd: f64,
    /// Lethal burden (cells).
    pub lethal_cells: f64,
    /// End of the study (days).
    pub study_end_days: f64,
    /// Burden at which half the blood CD45⁺ cells are human.
    pub hcd45_half_cells: f64,
    /// CD45⁺ events counted per blood sample.
    pub events_per_sample: u64,
    /// Blood sampling days.
    pub blood_days: Vec<f64>,
    /// Mutations per division.
    pub mutations: Vec<Mutation>,
    /// Expected pre-existing fraction of each clone (index 0 ignored).
    pub initial_fraction: Vec<f64>,
    /// Branching-process options.
    pub clonal: ClonalOptions,
    /// Clones counted as MEN1-mutant.
    pub mutant_clones: Vec<usize>,
    /// Relapse rule for the genotype call.
    pub relapse: RelapseRule,
    /// Mouse id prefix.
    pub id_prefix: String,
}

impl Default for LeukaemiaDesign {
    fn default() -> Self {
        LeukaemiaDesign {
            n_per_group: 10,
            n0_median: 1e6,
            n0_log_sd: 0.3,
            tempo_log_sd: 0.1,
            lethal_cells: 5e9,
            study_end_days: 100.0,
            hcd45_half_cells: 1e9,
            events_per_sample: 10_000,
            blood_days: vec![0.0, 7.0, 14.0, 21.0, 28.0, 35.0, 42.0],
            mutations: Vec::new(),
            initial_fraction: Vec::new(),
            clonal: ClonalOptions {
                dt_h: 2.0,
                ..ClonalOptions::default()
            },
            mutant_clones: vec![1],
            relapse: RelapseRule::default(),
            id_prefix: "L".into(),
        }
    }
}

/// Truth of one mouse.
#[derive(Debug, Clone, PartialEq)]
pub struct LeukaemiaMouseTruth {
    /// Mouse id.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Seed of the mouse's stream.
    pub seed: u64,
    /// Engrafted cells.
    pub n0: f64,
    /// Tempo factor.
    pub tempo: f64,
    /// Exact day the burden reached the lethal level (`None`: not by the
    /// end of the study).
    pub death_day: Option<f64>,
    /// The leukaemia went extinct.
    pub extinct: bool,
    /// MEN1-mutant fraction of the burden at death.
    pub mutant_fraction_at_death: Option<f64>,
    /// Daily total burden (day, cells) while alive.
    pub burden: Vec<(f64, u64)>,
    /// True % hCD45 at each blood sample taken.
    pub hcd45_true_pct: Vec<(f64, f64)>,
    /// Relapse call on the daily burden.
    pub relapse: Option<RelapseCall>,
}

/// A simulated leukaemia study.
#[derive(Debug, Clone, PartialEq)]
pub struct LeukaemiaSim {
    /// Master seed.
    pub seed: u64,
    /// One row per mouse (time in days, event 1 = death).
    pub survival: Vec<SurvivalRow>,
    /// % hCD45 in blood.
    pub blood: Vec<PdxRow>,
    /// Per-mouse truth.
    pub truth: Vec<LeukaemiaMouseTruth>,
}

impl LeukaemiaSim {
    /// Tidy survival CSV `mouse,group,time,event`.
    pub fn survival_csv(&self) -> String {
        survival_csv(&self.survival)
    }

    /// Tidy engraftment CSV `mouse,group,day,tissue,hcd45_pct`.
    pub fn engraftment_csv(&self) -> String {
        engraftment_csv(&self.blood)
    }

    /// Truth CSV, one row per mouse:
    /// `mouse,group,seed,n0,tempo,death_day,extinct,mutant_fraction_at_death,responded,relapse_day,relapse_mutant_fraction`.
    pub fn truth_csv(&self) -> String {
        let mut s = format!(
            "# preclin sim leukaemia truth, master seed {}\nmouse,group,seed,n0,tempo,death_day,extinct,mutant_fraction_at_death,responded,relapse_day,relapse_mutant_fraction\n",
            self.seed
        );
        for t in &self.truth {
            let r = t.relapse.as_ref();
            s.push_str(&format!(
                "{},{},{},{:.0},{:.5},{},{},{},{},{},{}\n",
                t.mouse,
                t.group,
                t.seed,
                t.n0,
                t.tempo,
                opt(t.death_day, 3),
                u8::from(t.extinct),
                opt(t.mutant_fraction_at_death, 6),
                r.map_or(String::new(), |r| u8::from(r.responded).to_string()),
                opt(r.and_then(|r| r.relapse_h).map(|h| h / 24.0), 2),
                opt(r.and_then(|r| r.mutant_fraction), 6),
            ));
        }
        s
    }
}

/// Simulates the study; mouse `i` (over all arms) uses `subseed(seed, i)`.
pub fn simulate_leukaemia(
    kin: &mut dyn Kinetics,
    arms: &[Arm<'_>],
    design: &LeukaemiaDesign,
    seed: u64,
) -> Result<LeukaemiaSim, PopError> {
    let ok = design.n0_median >= 1.0
        && design.lethal_cells > design.n0_median
        && design.study_end_days > 0.0
        && design.hcd45_half_cells > 0.0
        && design.events_per_sample > 0
        && design.n0_log_sd >= 0.0
        && design.tempo_log_sd >= 0.0;
    if !ok {
        return Err(PopError::Invalid(
            "leukaemia design: N₀ ≥ 1, lethal burden > N₀, positive end, K and events".into(),
        ));
    }
    let days = design.study_end_days.ceil() as usize;
    let record_h: Vec<f64> = (0..=days).map(|d| d as f64 * 24.0).collect();
    let mut out = LeukaemiaSim {
        seed,
        survival: Vec::new(),
        blood: Vec::new(),
        truth: Vec::new(),
    };
    let mut index = 0u64;
    for (gi, arm) in arms.iter().enumerate() {
        for m in 0..design.n_per_group {
            let s = subseed(seed, index);
            index += 1;
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(s);
            let id = format!("{}{}{:02}", design.id_prefix, gi + 1, m + 1);
            let n0 = design.n0_median * normal(&mut rng, 0.0, design.n0_log_sd).exp();
            let tempo = normal(&mut rng, 0.0, design.tempo_log_sd).exp();
            let cells0 = initial_cells(&mut rng, kin.clones(), n0, &design.initial_fraction);
            let mut scaled = Scaled {
                inner: &mut *kin,
                factor: tempo,
            };
            let opts = ClonalOptions {
                cap_cells: Some(design.lethal_cells.min(1e18) as u64),
                stop_on_extinction: true,
                ..design.clonal
            };
            let run = simulate_branching(
                &mut scaled,
                arm.exposure,
                &design.mutations,
                &cells0,
                &record_h,
                &opts,
                subseed(s, 1),
            )?;
            let death_day = run
                .capped_at_h
                .map(|h| h / 24.0)
                .filter(|&d| d <= design.study_end_days);
            let (time, event) = match death_day {
                Some(d) => (d.ceil().min(design.study_end_days), true),
                None => (design.study_end_days, false),
            };
            out.survival.push(SurvivalRow {
                mouse: id.clone(),
                group: arm.group.clone(),
                time,
                event,
            });
            let mut hcd = Vec::new();
            for &day in &design.blood_days {
                let i = day.round() as usize;
                if day > design.study_end_days || death_day.is_some_and(|d| day >= d) {
                    break;
                }
                // After an extinction the run stops: the burden stays 0.
                let b = match run.cells.get(i) {
                    Some(cells) => cells.iter().sum::<u64>() as f64,
                    None if run.extinct_at_h.is_some() => 0.0,
                    None => break,
                };
                let p = b / (b + design.hcd45_half_cells);
                let k = Binomial::new(design.events_per_sample, p)
                    .map(|d| d.sample(&mut rng))
                    .unwrap_or(0);
                let pct = 100.0 * k as f64 / design.events_per_sample as f64;
                hcd.push((day, 100.0 * p));
                out.blood.push(PdxRow {
                    mouse: id.clone(),
                    group: arm.group.clone(),
                    day,
                    tissue: "blood".into(),
                    hcd45_pct: (pct * 1000.0).round() / 1000.0,
                });
            }
            out.truth.push(LeukaemiaMouseTruth {
                mouse: id,
                group: arm.group.clone(),
                seed: s,
                n0,
                tempo,
                death_day,
                extinct: run.extinct_at_h.is_some(),
                mutant_fraction_at_death: death_day
                    .and_then(|_| mutant_fraction(&run.final_cells, &design.mutant_clones)),
                burden: run
                    .times_h
                    .iter()
                    .zip(&run.cells)
                    .map(|(t, c)| (t / 24.0, c.iter().sum()))
                    .collect(),
                hcd45_true_pct: hcd,
                relapse: relapse_call(
                    &run.times_h,
                    &run.cells,
                    &design.mutant_clones,
                    &design.relapse,
                ),
            });
        }
    }
    Ok(out)
}
