//! Stochastic branching process with mutation per division: clonal
//! resistance.
//!
//! # Model
//! Each cell of clone `k` divides at rate `b_k(t)` and dies at rate
//! `d_k(t)` (per hour, from a [`Kinetics`]); at a division of a clone-`j`
//! cell one daughter becomes clone `k` with probability `μ_{j→k}`. Cells
//! are independent (a multi-type linear birth–death process; Kendall 1948,
//! Ann Math Stat 19:1; its mean is the ODE of [`crate::population`]).
//!
//! Rates depend on time through the drug exposure. They are frozen over
//! rate-update intervals of at most `dt_h` hours, at their value at the
//! interval midpoint — the same discretisation as the deterministic ODE.
//!
//! # Hybrid exact / tau-leaping
//! Clones are simulated one after the other in index order within each
//! interval (mutations only go to higher indices, so every mutant arrival
//! time into clone `k` is known before clone `k` is simulated). Per clone
//! and interval:
//!
//! * `N_k < switch_cells`: **exact** Gillespie direct method (Gillespie
//!   1977, J Phys Chem 81:2340): waiting time `Exp((b+d)N)`, birth with
//!   probability `b/(b+d)`; mutant daughters are queued as arrivals (with
//!   their time) into the target clone; arrivals into this clone are
//!   inserted at their times (memorylessness makes this exact).
//! * `N_k ≥ switch_cells`: **tau-leaping** (Gillespie 2001, J Chem Phys
//!   115:1716) with substeps `τ = min(remaining, ε/|b−d|, ε²N/(b+d))`
//!   (the step control of Cao, Gillespie & Petzold 2006, J Chem Phys
//!   124:044109: the expected change `|b−d|Nτ` and its standard deviation
//!   `√((b+d)Nτ)` both stay within `εN`):
//!   deaths `D ~ Binomial(N, 1 − e^(−dτ))` (never more than the cells
//!   present, so counts never go negative) and births
//!   `B ~ Poisson(N e^(−dτ)(e^(bτ) − 1))` — the mean chosen so that
//!   `E[N(t+τ)] = N e^((b−d)τ)` exactly (a plain `Poisson(bNτ)` leap biases
//!   the mean by O(τ) over a run) — split sequentially by binomial draws
//!   into mutants of each target and ordinary births. Mutant arrivals get uniform times within
//!   the substep. Arrivals into a leaped clone are added at the interval
//!   start (their timing error is negligible next to ≥ `switch_cells`
//!   cells).
//!
//! The switch is decided per clone at the start of each interval (and a
//! clone that grows past 8 × `switch_cells` during an exact interval is
//! leaped for the rest of it): small
//! clones — new mutants, and tumours near extinction — are exact, where
//! tau-leaping's error is largest. Poisson draws with mean > 10¹² use the
//! normal approximation. Random numbers: Xoshiro256++ seeded with the
//! reported seed, consumed in a fixed order, so a run is reproducible
//! byte for byte.

use rand::{RngExt, SeedableRng};
use rand_distr::{Binomial, Distribution, Normal, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::dynamics::Kinetics;
use crate::pk::Concentrations;
use crate::population::{Mutation, PopError, validate};

/// Options of the branching-process simulator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClonalOptions {
    /// Maximal rate-update interval (h).
    pub dt_h: f64,
    /// Clones with at least this many cells are tau-leaped.
    pub switch_cells: u64,
    /// Tau-leaping step control ε (expected events per cell per leap).
    pub epsilon: f64,
    /// Stop when the total reaches this many cells (e.g. a lethal burden).
    pub cap_cells: Option<u64>,
    /// Stop when every clone is extinct and no arrival is pending.
    pub stop_on_extinction: bool,
}

impl Default for ClonalOptions {
    fn default() -> Self {
        ClonalOptions {
            dt_h: 1.0,
            switch_cells: 1000,
            epsilon: 0.03,
            cap_cells: None,
            stop_on_extinction: true,
        }
    }
}

/// One realisation.
#[derive(Debug, Clone, PartialEq)]
pub struct ClonalRun {
    /// The seed of the random stream.
    pub seed: u64,
    /// Record times reached (h); shorter than requested if the run stopped.
    pub times_h: Vec<f64>,
    /// `cells[i][k]`: cells of clone `k` at `times_h[i]`.
    pub cells: Vec<Vec<u64>>,
    /// Time of the first mutation event creating a cell of each clone.
    pub first_arrival_h: Vec<Option<f64>>,
    /// Number of mutation events into each clone.
    pub arrivals: Vec<u64>,
    /// Time at which every clone was extinct (interval end), if it happened.
    pub extinct_at_h: Option<f64>,
    /// Time at which the total reached `cap_cells` (interval end), if it did.
    pub capped_at_h: Option<f64>,
    /// Final cells per clone (at the stop or the last record time).
    pub final_cells: Vec<u64>,
    /// Time of `final_cells` (h).
    pub final_h: f64,
    /// Clone-intervals simulated exactly / by tau-leaping.
    pub exact_intervals: u64,
    /// See `exact_intervals`.
    pub leaped_intervals: u64,
}

/// Seed of sub-stream `index` of a master seed: SplitMix64 (Steele, Lea &
/// Flood 2014, OOPSLA) of `master + (index + 1)·φ64`. Per-mouse and
/// per-patient streams are derived this way, so results do not depend on
/// the order or the thread in which subjects are simulated.
pub fn subseed(master: u64, index: u64) -> u64 {
    let mut z = master.wrapping_add(index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn poisson(rng: &mut Xoshiro256PlusPlus, mean: f64) -> u64 {
    if mean <= 0.0 {
        0
    } else if mean > 1e12 {
        Normal::new(mean, mean.sqrt())
            .map(|d| d.sample(rng).max(0.0).round() as u64)
            .unwrap_or(mean as u64)
    } else {
        Poisson::new(mean)
            .map(|d| d.sample(rng) as u64)
            .unwrap_or(0)
    }
}

fn binomial(rng: &mut Xoshiro256PlusPlus, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        0
    } else if p >= 1.0 {
        n
    } else {
        Binomial::new(n, p).map(|d| d.sample(rng)).unwrap_or(0)
    }
}

/// Simulates the branching process from `n0` cells per clone, recording at
/// `record_h` (sorted, ≥ 0). Resets the kinetics first.
pub fn simulate_branching(
    kin: &mut dyn Kinetics,
    conc: &dyn Concentrations,
    mutations: &[Mutation],
    n0: &[u64],
    record_h: &[f64],
    opts: &ClonalOptions,
    seed: u64,
) -> Result<ClonalRun, PopError> {
    let nk = kin.clones();
    validate(nk, mutations, n0.len(), record_h)?;
    if !(opts.dt_h.is_finite() && opts.dt_h > 0.0 && opts.epsilon > 0.0 && opts.epsilon.is_finite())
    {
        return Err(PopError::Invalid(
            "dt_h and epsilon must be finite and > 0".into(),
        ));
    }
    kin.reset();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut c = vec![0.0; conc.compounds()];
    let mut n = n0.to_vec();
    let mut run = ClonalRun {
        seed,
        times_h: Vec::new(),
        cells: Vec::new(),
        first_arrival_h: vec![None; nk],
        arrivals: vec![0; nk],
        extinct_at_h: None,
        capped_at_h: None,
        final_cells: Vec::new(),
        final_h: 0.0,
        exact_intervals: 0,
        leaped_intervals: 0,
    };
    // Outgoing mutations per clone.
    let outgoing: Vec<Vec<Mutation>> = (0..nk)
        .map(|k| {
            mutations
                .iter()
                .copied()
                .filter(|m| m.from == k && m.mu > 0.0)
                .collect()
        })
        .collect();
    let mut arrivals: Vec<Vec<f64>> = vec![Vec::new(); nk];
    let mut birth = vec![0.0; nk];
    let mut death = vec![0.0; nk];
    let mut t = 0.0;
    'outer: for &tr in record_h {
        while t < tr {
            let t1 = (t + opts.dt_h).min(tr);
            let tm = 0.5 * (t + t1);
            conc.free_molar(tm, &mut c);
            for k in 0..nk {
                let r = kin.rates(k, tm, &c);
                birth[k] = r.birth.max(0.0);
                death[k] = r.death.max(0.0);
            }
            for k in 0..nk {
                let mut arr = std::mem::take(&mut arrivals[k]);
                if n[k] >= opts.switch_cells {
                    run.leaped_intervals += 1;
                    n[k] += arr.len() as u64;
                    leap(
                        &mut rng,
                        k,
                        &mut n,
                        birth[k],
                        death[k],
                        &outgoing[k],
                        (t, t1),
                        opts.epsilon,
                        &mut arrivals,
                        &mut run,
                    );
                } else {
                    run.exact_intervals += 1;
                    arr.sort_by(f64::total_cmp);
                    let stop = exact(
                        &mut rng,
                        k,
                        &mut n,
                        (birth[k], death[k]),
                        &outgoing[k],
                        (t, t1),
                        &arr,
                        EXACT_LIMIT_FACTOR.saturating_mul(opts.switch_cells.max(1)),
                        &mut arrivals,
                        &mut run,
                    );
                    if let Some((ts, pending)) = stop {
                        // The clone outgrew the exact regime within the
                        // interval: leap the rest of it.
                        run.leaped_intervals += 1;
                        n[k] += pending;
                        leap(
                            &mut rng,
                            k,
                            &mut n,
                            birth[k],
                            death[k],
                            &outgoing[k],
                            (ts, t1),
                            opts.epsilon,
                            &mut arrivals,
                            &mut run,
                        );
                    }
                }
            }
            t = t1;
            let total: u64 = n.iter().sum();
            if opts.stop_on_extinction && total == 0 && arrivals.iter().all(Vec::is_empty) {
                run.extinct_at_h = Some(t);
                break 'outer;
            }
            if let Some(cap) = opts.cap_cells {
                if total >= cap {
                    run.capped_at_h = Some(t);
                    break 'outer;
                }
            }
        }
        run.times_h.push(tr);
        run.cells.push(n.clone());
    }
    run.final_cells = n;
    run.final_h = t;
    Ok(run)
}

/// A clone simulated exactly that grows past this multiple of
/// `switch_cells` within one interval is tau-leaped for the rest of it
/// (guards against fast kinetics making the exact phase explode).
const EXACT_LIMIT_FACTOR: u64 = 8;

/// Above this many mutant arrivals in one leap, they are added as a count
/// rather than one timed arrival each.
const BULK_ARRIVALS: u64 = 1000;

fn first_arrival(run: &mut ClonalRun, to: usize, time: f64) {
    if run.first_arrival_h[to].is_none_or(|f| time < f) {
        run.first_arrival_h[to] = Some(time);
    }
}

/// Exact Gillespie for clone `k` over `(t0, t1)` with the sorted immigrant
/// times `arr`. Returns `(time, arrivals not yet inserted)` if the clone
/// grew past `limit` cells before `t1` (the caller leaps the rest).
#[allow(clippy::too_many_arguments)]
fn exact(
    rng: &mut Xoshiro256PlusPlus,
    k: usize,
    n: &mut [u64],
    (b, d): (f64, f64),
    out: &[Mutation],
    (t0, t1): (f64, f64),
    arr: &[f64],
    limit: u64,
    arrivals: &mut [Vec<f64>],
    run: &mut ClonalRun,
) -> Option<(f64, u64)> {
    let mu_total: f64 = out.iter().map(|m| m.mu).sum();
    let mut t = t0;
    let mut next_arr = 0;
    loop {
        if n[k] > limit {
            return Some((t, (arr.len() - next_arr) as u64));
        }
        let a = (b + d) * n[k] as f64;
        let ta = arr.get(next_arr).copied().unwrap_or(f64::INFINITY);
        let tau = if a > 0.0 {
            let u: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
            -u.ln() / a
        } else {
            f64::INFINITY
        };
        if t + tau >= ta.min(t1) {
            if ta < t1 {
                t = ta;
                n[k] += 1;
                next_arr += 1;
                continue;
            }
            return None;
        }
        t += tau;
        let u: f64 = rng.random::<f64>() * (b + d);
        if u < b {
            let v: f64 = rng.random();
            if v < mu_total {
                let mut acc = 0.0;
                let mut target = out[out.len() - 1].to;
                for m in out {
                    acc += m.mu;
                    if v < acc {
                        target = m.to;
                        break;
                    }
                }
                arrivals[target].push(t);
                run.arrivals[target] += 1;
                first_arrival(run, target, t);
            } else {
                n[k] += 1;
            }
        } else {
            n[k] -= 1;
        }
    }
}

/// Tau-leaping for clone `k` over `(t0, t1)`.
#[allow(clippy::too_many_arguments)]
fn leap(
    rng: &mut Xoshiro256PlusPlus,
    k: usize,
    n: &mut [u64],
    b: f64,
    d: f64,
    out: &[Mutation],
    (t0, t1): (f64, f64),
    eps: f64,
    arrivals: &mut [Vec<f64>],
    run: &mut ClonalRun,
) {
    let mut t = t0;
    while t < t1 && n[k] > 0 {
        // Step control of Cao, Gillespie & Petzold (2006, J Chem Phys
        // 124:044109) for one birth–death species: the expected change and
        // its standard deviation stay within ε·N.
        let nf = n[k] as f64;
        let drift = (b - d).abs();
        let mut tau = t1 - t;
        if drift > 0.0 {
            tau = tau.min(eps / drift);
        }
        if b + d > 0.0 {
            tau = tau.min(eps * eps * nf / (b + d));
        }
        // Mean-preserving leap: survivors N e^(−dτ) on average, births
        // N e^(−dτ)(e^(bτ) − 1), so E[N(t+τ)] = N e^((b−d)τ) exactly.
        let births = poisson(rng, n[k] as f64 * (-d * tau).exp() * (b * tau).exp_m1());
        let deaths = binomial(rng, n[k], -(-d * tau).exp_m1());
        let mut rest = births;
        let mut p_left = 1.0;
        for m in out {
            let p = if p_left > 0.0 {
                (m.mu / p_left).min(1.0)
            } else {
                0.0
            };
            let x = binomial(rng, rest, p);
            rest -= x;
            p_left -= m.mu;
            run.arrivals[m.to] += x;
            if x > BULK_ARRIVALS {
                // A flood of mutants: added at once (the target clone is
                // simulated next and will be leaped or nearly so).
                n[m.to] += x;
                first_arrival(run, m.to, t);
            } else {
                for _ in 0..x {
                    let at = t + rng.random::<f64>() * tau;
                    first_arrival(run, m.to, at);
                    arrivals[m.to].push(at);
                }
            }
        }
        n[k] = n[k] + rest - deaths.min(n[k]);
        t += tau;
    }
}

#[cfg(test)]
#[path = "clonal_tests.rs"]
mod tests;
