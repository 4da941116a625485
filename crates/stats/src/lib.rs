//! # preclin-stats
//!
//! The statistical foundation of preclin: probability distributions and
//! special functions ([`dist`]), descriptive statistics ([`desc`]),
//! multiple-testing adjustment ([`adjust`]), t tests ([`ttest`]), simple
//! linear regression ([`linreg`]), the Mann–Whitney / Wilcoxon rank-sum test
//! ([`mannwhitney`]), one-way ANOVA ([`anova`]), Dunnett's many-to-one
//! comparisons with multivariate-t p-values ([`dunnett`]), Poisson and
//! quasi-Poisson regression ([`glm`]), adaptive quadrature ([`quad`]),
//! small dense linear algebra ([`linalg`]) and linear mixed models with one
//! grouping factor, REML/ML ([`lmm`]).
//!
//! **What it is:** pure, allocation-light numerical functions on slices of
//! `f64`, each documented with its formula and its source (R, scipy, the
//! original paper), tested against scipy/R reference values. Every
//! distribution call of the project goes through [`dist`], so the numerical
//! back end (statrs, or our own special functions where statrs is not
//! accurate enough) can change without touching other crates.
//!
//! **What it is not:** it depends on no other preclin crate, does no IO (no
//! files, printing, logging or database), and knows nothing of assays,
//! plates or curves. Undefined results are `None` or NaN as documented per
//! function, never a silent 0.

pub mod adjust;
pub mod anova;
pub mod desc;
pub mod dist;
pub mod dunnett;
pub mod glm;
pub mod linalg;
pub mod linreg;
pub mod lmm;
pub mod mannwhitney;
pub mod quad;
mod special;
pub mod survival;
pub mod ttest;
