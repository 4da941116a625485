//! preclin-invivo: in vivo studies — xenograft tumour growth and efficacy metrics,
//! randomisation, body-weight toxicity, PDX engraftment and in vivo combination synergy.
//!
//! Survival analysis (Kaplan–Meier, log-rank, Cox) and the mixed models live in
//! `preclin-stats`, so that every crate can use them; this crate turns caliper and
//! engraftment tables into the inputs of those analyses.
//!
//! Like every analysis crate it never prints, never reads the terminal and never
//! depends on `report` or `cli`.

pub mod engraftment;
pub mod randomize;
pub mod simulate;
pub mod synergy;
pub mod xenograft;
