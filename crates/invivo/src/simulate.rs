//! Seeded generators of the in vivo demo data, modelled on the study designs
//! of the source documents (`shared/seeds/`): an MV4;11 subcutaneous
//! xenograft caliper study, an MLL-AF9 leukaemia survival study and a PDX
//! engraftment study. Every generator takes a seed (Xoshiro256++), returns
//! typed rows and a `truth` struct holding the seed and the parameters used,
//! and has a writer to tidy CSV text.
//!
//! # What is from the literature and what is illustrative
//! From the source documents (document 000's Table 2 "In Vivo Efficacy of
//! MI-503" and its xenograft protocol; document 001's AML PDX protocol). Those
//! documents cite web pages; the claims were **not** checked against the
//! primary papers here:
//! * MV4;11 subcutaneous xenograft randomised at ~100 mm³, volume = W²·L/2,
//!   MI-503 60 mg/kg once daily i.p. giving **> 80 % reduction** of tumour
//!   volume with **complete regression in some mice**; MI-463 35 mg/kg once
//!   daily i.p. giving a **~3-fold** smaller tumour volume.
//! * MLL-AF9 leukaemia mice: median survival increased by **~45 %** (MI-503)
//!   and **~70 %** (MI-463).
//! * PDX: % human CD45⁺ in peripheral blood monitored over time, bone marrow
//!   and spleen burden at the end of the study.
//!
//! **Everything else is illustrative** (chosen to look like such studies,
//! not taken from any dataset): group sizes, growth rates and their spread,
//! the starting-volume spread, the caliper noise (5 % per axis) and the
//! tumour aspect ratios, the 10 mm³ palpability limit, the measurement
//! schedule (Mon/Wed/Fri for 4 weeks), body weights and the toxicity course,
//! the humane-endpoint rules (tumour ≥ 2000 mm³, body-weight loss ≥ 20 %),
//! the vehicle median survival (21 days) and the Weibull shape, the censoring
//! scheme, the PDX starting engraftment, its logit-linear growth, the
//! tissue offsets and the number of CD45⁺ events per sample.

use rand::{RngExt, SeedableRng};
use rand_distr::{Binomial, Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

/// Seed of the demo xenograft study.
pub const XENOGRAFT_SEED: u64 = 20_150_301;
/// Seed of the demo survival study.
pub const SURVIVAL_SEED: u64 = 20_150_302;
/// Seed of the demo PDX engraftment study.
pub const ENGRAFTMENT_SEED: u64 = 20_150_303;

fn normal(rng: &mut Xoshiro256PlusPlus, mean: f64, sd: f64) -> f64 {
    // sd > 0 and finite everywhere this is called.
    Normal::new(mean, sd).map(|d| d.sample(rng)).unwrap_or(mean)
}

fn round_to(v: f64, decimals: i32) -> f64 {
    let s = 10f64.powi(decimals);
    (v * s).round() / s
}

// ---------------------------------------------------------------------------
// (a) Xenograft.

/// Caliper measurement days: Monday/Wednesday/Friday for four weeks (day 0 =
/// randomisation and first dose). Illustrative.
pub const CALIPER_DAYS: [f64; 13] = [
    0.0, 2.0, 4.0, 7.0, 9.0, 11.0, 14.0, 16.0, 18.0, 21.0, 23.0, 25.0, 28.0,
];

/// One caliper visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaliperRow {
    /// Mouse id.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Day since randomisation.
    pub day: f64,
    /// Longer axis, mm (0 when no tumour is palpable).
    pub length: f64,
    /// Shorter axis, mm (0 when no tumour is palpable).
    pub width: f64,
    /// Body weight, g.
    pub body_weight: f64,
}

/// A mouse taken off study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HumaneEndpoint {
    /// Mouse id.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Day of the last visit (the one that met the rule).
    pub day: f64,
    /// Why.
    pub reason: String,
}

/// Truth of one xenograft group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct XenograftGroupTruth {
    /// Group name.
    pub group: String,
    /// Dose and schedule (from the source documents).
    pub regimen: String,
    /// Mice.
    pub n: usize,
    /// Mean exponential growth rate, 1/day (negative: regression).
    pub mean_rate: f64,
    /// SD of the per-mouse rates.
    pub sd_rate: f64,
    /// Mice given a regressing rate (complete responders).
    pub responders: Vec<String>,
}

/// Truth of [`xenograft_study`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct XenograftTruth {
    /// Seed.
    pub seed: u64,
    /// Groups.
    pub groups: Vec<XenograftGroupTruth>,
    /// Per mouse: `(mouse, starting volume mm³, growth rate 1/day, length/width ratio)`.
    pub mice: Vec<(String, f64, f64, f64)>,
    /// Expected ratio of geometric-mean volume at day 28, treated / vehicle:
    /// `exp((mean_rate − vehicle mean_rate)·28)` (responders included).
    pub expected_ratio_day28: Vec<(String, f64)>,
    /// Volumes under this are not palpable (length = width = 0), mm³.
    pub palpable_mm3: f64,
    /// Humane endpoints that occurred.
    pub humane_endpoints: Vec<HumaneEndpoint>,
}

/// A simulated xenograft study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct XenograftStudy {
    /// Visits, by group, mouse and day.
    pub rows: Vec<CaliperRow>,
    /// Mice taken off study (also in `truth`).
    pub humane_endpoints: Vec<HumaneEndpoint>,
    /// Truth.
    pub truth: XenograftTruth,
}

/// Group design: (name, regimen, n, mean rate, sd rate, responders).
const XENO_GROUPS: [(&str, &str, usize, f64, f64, usize); 3] = [
    ("vehicle", "vehicle, once daily i.p.", 10, 0.08, 0.006, 0),
    ("MI-503", "60 mg/kg, once daily i.p.", 9, 0.0, 0.02, 2),
    // ~3-fold smaller at day 28: 0.08 − ln 3 / 28.
    (
        "MI-463",
        "35 mg/kg, once daily i.p.",
        9,
        0.08 - 0.039_235,
        0.008,
        0,
    ),
];

/// The MV4;11 subcutaneous xenograft (see the module docs): vehicle (10
/// mice), MI-503 60 mg/kg (9), MI-463 35 mg/kg (9); exponential growth
/// `V = V₀·e^{k t}` with per-mouse rates (vehicle 0.08 ± 0.006/day,
/// MI-503 0 ± 0.02, MI-463 0.041 ± 0.008), `V₀` log-normal around 120 mm³;
/// two MI-503 mice regress completely (rate −0.15/day); the fastest vehicle
/// mouse grows at 0.115/day. Calipers: `W = (2V/r)^{1/3}`, `L = r·W` with a
/// per-mouse ratio `r` in 1.2–1.6, each axis with 5 % log-normal error,
/// rounded to 0.1 mm, and the shorter axis reported as the width; below
/// 10 mm³ no tumour is palpable (0, 0). Body weight (g, 0.1 g): 20 ± 1.2 g
/// at day 0, +0.1 %/day on vehicle, −0.15 %/day on treatment, ±0.3 g noise;
/// one MI-503 mouse loses 1.6 %/day from day 7. Humane endpoints: tumour ≥
/// 2000 mm³ or body weight ≥ 20 % below day 0: the mouse's last row is that
/// visit.
pub fn xenograft_study(seed: u64) -> XenograftStudy {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut rows = Vec::new();
    let mut endpoints = Vec::new();
    let mut groups = Vec::new();
    let mut mice = Vec::new();
    let palpable = 10.0;
    for (gi, &(g, regimen, n, mean, sd, responders)) in XENO_GROUPS.iter().enumerate() {
        let mut resp = Vec::new();
        for m in 0..n {
            let id = format!("X{}{:02}", gi + 1, m + 1);
            let v0 = 120.0 * normal(&mut rng, 0.0, 0.15).exp();
            let mut rate = normal(&mut rng, mean, sd);
            if m < responders {
                rate = -0.15;
                resp.push(id.clone());
            }
            if g == "vehicle" && m == 0 {
                rate = 0.115;
            }
            let ratio = rng.random_range(1.2..1.6);
            let bw0 = normal(&mut rng, 20.0, 1.2);
            let toxic = g == "MI-503" && m == n - 1;
            mice.push((id.clone(), v0, rate, ratio));
            for &day in &CALIPER_DAYS {
                let v = v0 * (rate * day).exp();
                let (length, width) = if v < palpable {
                    (0.0, 0.0)
                } else {
                    let w = (2.0 * v / ratio).cbrt();
                    let l = ratio * w;
                    let a = round_to(l * normal(&mut rng, 0.0, 0.05).exp(), 1);
                    let b = round_to(w * normal(&mut rng, 0.0, 0.05).exp(), 1);
                    (a.max(b), a.min(b))
                };
                let trend = if g == "vehicle" { 0.001 } else { -0.0015 };
                let mut bw = bw0 * (1.0 + trend * day);
                if toxic && day > 7.0 {
                    bw *= 1.0 - 0.016 * (day - 7.0);
                }
                let bw = round_to(bw + normal(&mut rng, 0.0, 0.3), 1);
                rows.push(CaliperRow {
                    mouse: id.clone(),
                    group: g.to_string(),
                    day,
                    length,
                    width,
                    body_weight: bw,
                });
                let measured = length * width * width / 2.0;
                let reason = if measured >= 2000.0 {
                    Some("tumour volume ≥ 2000 mm³")
                } else if bw <= 0.8 * round_to(bw0, 1) {
                    Some("body-weight loss ≥ 20 %")
                } else {
                    None
                };
                if let Some(r) = reason {
                    endpoints.push(HumaneEndpoint {
                        mouse: id.clone(),
                        group: g.to_string(),
                        day,
                        reason: r.to_string(),
                    });
                    break;
                }
            }
        }
        groups.push(XenograftGroupTruth {
            group: g.to_string(),
            regimen: regimen.to_string(),
            n,
            mean_rate: mean,
            sd_rate: sd,
            responders: resp,
        });
    }
    let vehicle = XENO_GROUPS[0].3;
    let expected = XENO_GROUPS[1..]
        .iter()
        .map(|g| (g.0.to_string(), ((g.3 - vehicle) * 28.0).exp()))
        .collect();
    XenograftStudy {
        rows,
        humane_endpoints: endpoints.clone(),
        truth: XenograftTruth {
            seed,
            groups,
            mice,
            expected_ratio_day28: expected,
            palpable_mm3: palpable,
            humane_endpoints: endpoints,
        },
    }
}

/// Tidy CSV `mouse,group,day,length,width,body_weight` (mm, g).
pub fn caliper_csv(rows: &[CaliperRow]) -> String {
    let mut s = String::from("mouse,group,day,length,width,body_weight\n");
    for r in rows {
        s.push_str(&format!(
            "{},{},{},{:.1},{:.1},{:.1}\n",
            r.mouse, r.group, r.day, r.length, r.width, r.body_weight
        ));
    }
    s
}

/// CSV `mouse,group,day,length,width,body_weight,exit` of the visits, the
/// reason of a humane endpoint in the `exit` column of the mouse's last
/// visit (the layout `preclin xenograft` reads exits from).
pub fn caliper_csv_with_exits(rows: &[CaliperRow], exits: &[HumaneEndpoint]) -> String {
    let mut s = String::from("mouse,group,day,length,width,body_weight,exit\n");
    for r in rows {
        let exit = exits
            .iter()
            .find(|e| e.mouse == r.mouse && e.group == r.group && e.day == r.day)
            .map_or("", |e| e.reason.as_str());
        s.push_str(&format!(
            "{},{},{},{:.1},{:.1},{:.1},{}\n",
            r.mouse, r.group, r.day, r.length, r.width, r.body_weight, exit
        ));
    }
    s
}

/// CSV `mouse,group,day,reason` of the humane endpoints.
pub fn humane_endpoints_csv(rows: &[HumaneEndpoint]) -> String {
    let mut s = String::from("mouse,group,day,reason\n");
    for r in rows {
        s.push_str(&format!("{},{},{},{}\n", r.mouse, r.group, r.day, r.reason));
    }
    s
}

// ---------------------------------------------------------------------------
// (b) Survival.

/// One mouse of the survival study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvivalRow {
    /// Mouse id.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Day of death / humane endpoint (`event`) or of censoring.
    pub time: f64,
    /// True: died of leukaemia (or its humane endpoint); false: censored.
    pub event: bool,
}

/// Truth of [`survival_study`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvivalTruth {
    /// Seed.
    pub seed: u64,
    /// Per group: `(group, true median days, ratio to vehicle)`.
    pub medians: Vec<(String, f64, f64)>,
    /// Weibull shape of the death times.
    pub weibull_shape: f64,
    /// End of the study (administrative censoring), days.
    pub study_end: f64,
    /// Probability that a mouse is withdrawn (censored) at a uniform time
    /// between day 7 and its death.
    pub withdrawal_probability: f64,
    /// Mice per group.
    pub n_per_group: usize,
}

/// A simulated survival study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvivalStudy {
    /// Mice.
    pub rows: Vec<SurvivalRow>,
    /// Truth.
    pub truth: SurvivalTruth,
}

/// MLL-AF9 leukaemia survival (see the module docs): vehicle, MI-503 and
/// MI-463, `n_per_group` mice each (10 in the demo). Death times are Weibull
/// with shape 4 and medians 21 days (vehicle, illustrative), 21·1.45 (MI-503)
/// and 21·1.70 (MI-463): `T = λ(−ln U)^{1/k}`, `λ = median/(ln 2)^{1/k}`,
/// recorded as whole days (rounded up). Censoring: the study ends on day 45
/// (alive mice censored there), and each mouse is withdrawn with probability
/// 0.08 at a uniform time between day 7 and its death (censored at that
/// whole day; mice dying by day 8 are never withdrawn).
pub fn survival_study(seed: u64, n_per_group: usize) -> SurvivalStudy {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let shape = 4.0;
    let end = 45.0;
    let withdraw = 0.08;
    let base = 21.0;
    let design = [("vehicle", 1.0), ("MI-503", 1.45), ("MI-463", 1.70)];
    let mut rows = Vec::new();
    for (gi, &(g, ratio)) in design.iter().enumerate() {
        let median = base * ratio;
        let lambda = median / std::f64::consts::LN_2.powf(1.0 / shape);
        for m in 0..n_per_group {
            let u: f64 = rng.random_range(f64::EPSILON..1.0);
            let death = (lambda * (-u.ln()).powf(1.0 / shape)).ceil();
            let w: f64 = rng.random();
            let wu: f64 = rng.random();
            let (mut time, mut event) = (death, true);
            if w < withdraw && death > 8.0 {
                time = (7.0 + wu * (death - 7.0)).floor();
                event = false;
            }
            if time > end {
                time = end;
                event = false;
            }
            rows.push(SurvivalRow {
                mouse: format!("S{}{:02}", gi + 1, m + 1),
                group: g.to_string(),
                time,
                event,
            });
        }
    }
    SurvivalStudy {
        rows,
        truth: SurvivalTruth {
            seed,
            medians: design
                .iter()
                .map(|&(g, r)| (g.to_string(), base * r, r))
                .collect(),
            weibull_shape: shape,
            study_end: end,
            withdrawal_probability: withdraw,
            n_per_group,
        },
    }
}

/// Tidy CSV `mouse,group,time,event` (event 1 = death, 0 = censored).
pub fn survival_csv(rows: &[SurvivalRow]) -> String {
    let mut s = String::from("mouse,group,time,event\n");
    for r in rows {
        s.push_str(&format!(
            "{},{},{},{}\n",
            r.mouse,
            r.group,
            r.time,
            u8::from(r.event)
        ));
    }
    s
}

// ---------------------------------------------------------------------------
// (c) PDX engraftment.

/// One PDX measurement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PdxRow {
    /// Mouse id.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Day since the start of treatment.
    pub day: f64,
    /// `blood`, `bone_marrow` or `spleen`.
    pub tissue: String,
    /// % hCD45⁺ of CD45⁺.
    pub hcd45_pct: f64,
}

/// Truth of [`engraftment_study`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngraftmentTruth {
    /// Seed.
    pub seed: u64,
    /// Per group: `(group, mean logit slope per day in blood)`.
    pub slopes: Vec<(String, f64)>,
    /// Mean logit at day 0 (≈ 1 % hCD45: engraftment established).
    pub logit_start: f64,
    /// Logit offsets of bone marrow and spleen over blood at the end.
    pub tissue_offsets: Vec<(String, f64)>,
    /// CD45⁺ events counted per sample (binomial sampling noise).
    pub events_per_sample: u64,
    /// Blood days; marrow and spleen on the last.
    pub days: Vec<f64>,
    /// Mice per group.
    pub n_per_group: usize,
}

/// A simulated PDX engraftment study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngraftmentStudy {
    /// Measurements.
    pub rows: Vec<PdxRow>,
    /// Truth.
    pub truth: EngraftmentTruth,
}

/// PDX engraftment (see the module docs): vehicle vs balomenib (the
/// menin inhibitor of the PDX protocol), `n_per_group` mice (8 in the demo),
/// randomised once engraftment is established (~1 % hCD45 in blood, day 0).
/// Blood weekly to day 42: `logit p = a_i + b_i·day`, `a_i ~ N(logit 0.01,
/// 0.4)`, `b_i ~ N(0.12, 0.015)` on vehicle and `N(−0.02, 0.015)` on
/// treatment (illustrative); bone marrow and spleen on day 42 at logit
/// offsets +1.5 and +0.5 (± 0.3) over the mouse's blood value; each % is
/// `100·h/N` with `h ~ Binomial(N = 20000, p)`.
pub fn engraftment_study(seed: u64, n_per_group: usize) -> EngraftmentStudy {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    let a0 = (0.01f64 / 0.99).ln();
    let events = 20_000u64;
    let days: Vec<f64> = (0..=6).map(|w| 7.0 * w as f64).collect();
    let design = [("vehicle", 0.12), ("balomenib", -0.02)];
    let offsets = [("bone_marrow", 1.5), ("spleen", 0.5)];
    let sample = |rng: &mut Xoshiro256PlusPlus, p: f64| -> f64 {
        let h = Binomial::new(events, p.clamp(0.0, 1.0))
            .map(|b| b.sample(rng))
            .unwrap_or(0);
        100.0 * h as f64 / events as f64
    };
    let mut rows = Vec::new();
    for (gi, &(g, slope)) in design.iter().enumerate() {
        for m in 0..n_per_group {
            let id = format!("P{}{:02}", gi + 1, m + 1);
            let a = normal(&mut rng, a0, 0.4);
            let b = normal(&mut rng, slope, 0.015);
            for &d in &days {
                let p = sig(a + b * d);
                rows.push(PdxRow {
                    mouse: id.clone(),
                    group: g.to_string(),
                    day: d,
                    tissue: "blood".into(),
                    hcd45_pct: sample(&mut rng, p),
                });
            }
            let last = days[days.len() - 1];
            for &(t, off) in &offsets {
                let p = sig(a + b * last + off + normal(&mut rng, 0.0, 0.3));
                rows.push(PdxRow {
                    mouse: id.clone(),
                    group: g.to_string(),
                    day: last,
                    tissue: t.into(),
                    hcd45_pct: sample(&mut rng, p),
                });
            }
        }
    }
    EngraftmentStudy {
        rows,
        truth: EngraftmentTruth {
            seed,
            slopes: design.iter().map(|&(g, s)| (g.to_string(), s)).collect(),
            logit_start: a0,
            tissue_offsets: offsets.iter().map(|&(t, o)| (t.to_string(), o)).collect(),
            events_per_sample: events,
            days,
            n_per_group,
        },
    }
}

/// Tidy CSV `mouse,group,day,tissue,hcd45_pct`.
pub fn engraftment_csv(rows: &[PdxRow]) -> String {
    let mut s = String::from("mouse,group,day,tissue,hcd45_pct\n");
    for r in rows {
        s.push_str(&format!(
            "{},{},{},{},{}\n",
            r.mouse, r.group, r.day, r.tissue, r.hcd45_pct
        ));
    }
    s
}
