//! # preclin-curve — dose–response models and fitting
//!
//! What this crate is: the log-logistic dose–response models (drc's LL.2–LL.5
//! with fixed-parameter variants), a Levenberg–Marquardt fitter specialised to
//! at most five parameters, the potency metrics derived from a fit (relative
//! and absolute IC50, ED_p, AUC, DSS, GI50/TGI/LC50, GR metrics), their
//! confidence intervals and quality flags, and batch fitting of millions of
//! curves; global fits of several curves with parameters shared
//! ([`global`]), their comparison — F test and AICc of nested models,
//! potency ratios with delta-method, drc-style and Fieller intervals,
//! parallelism ([`compare`]) — and resistance factors between parental and
//! resistant lines ([`resistance`]).
//!
//! What it is not: it does not read files, normalise plates or draw figures
//! (see `preclin-invitro` and `preclin-report`).
//!
//! ```
//! use preclin_curve::{CurveData, FitOptions, fit};
//! // drc's ryegrass data: root length vs ferulic acid (mM)
//! let conc = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.94, 0.94, 0.94, 1.88, 1.88, 1.88,
//!             3.75, 3.75, 3.75, 7.5, 7.5, 7.5, 15.0, 15.0, 15.0, 30.0, 30.0, 30.0];
//! let len = [7.58, 8.0, 8.328571429, 7.25, 7.375, 7.9625, 8.355555556, 6.914285714,
//!            7.75, 6.871428571, 6.45, 5.922222222, 1.925, 2.885714286, 4.233333333,
//!            1.1875, 0.857142857, 1.057142857, 0.6875, 0.525, 0.825, 0.25, 0.22, 0.44];
//! let f = fit(&CurveData { dose: &conc, response: &len, weight: None }, &FitOptions::default()).unwrap();
//! assert!(f.converged && f.params.b > 0.0);
//! let ec50 = f.ec50().unwrap().value;
//! assert!((ec50 - 3.05796).abs() < 1e-4); // drc: e = 3.05796
//! ```

pub mod batch;
pub mod compare;
pub mod experiments;
pub mod fit;
pub mod flags;
pub mod global;
pub mod gr;
mod lm;
pub mod metrics;
pub mod models;
pub mod nci;
pub mod profile;
pub mod resistance;
mod start;
pub mod summary;
pub mod synth;
pub mod units;

pub use batch::{ModelChoice, PackedCurves, fit_choice, fit_many, fit_packed};
pub use compare::{CompareOptions, CurveComparison, PotencyRatio, compare_curves};
pub use fit::{CurveData, Fit, FitError, FitOptions, Workspace, fit, fit_with};
pub use flags::{Flag, Flags};
pub use global::{
    Covariance, GlobalError, GlobalFit, Potency, Sharing, fit_global, fit_global_cov,
};
pub use metrics::{CiMethod, DoseEstimate, DssType};
pub use models::{Model, Params};
pub use summary::{CurveSummary, EdValue, SummaryOptions, fit_summary, summarize};
