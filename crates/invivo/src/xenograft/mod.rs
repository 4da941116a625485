//! Xenograft tumour-growth studies: the validated study model ([`model`]),
//! per-mouse metrics ([`mouse`]: growth rate, doubling time, invivoSyn AUC
//! rate, best (average) response, mRECIST, regressions, time to an endpoint
//! volume, waterfall rows), group × day summaries and efficacy against the
//! control ([`efficacy`]: TGI definitions, T/C, % reduction, tests with Holm
//! correction, mAUCr, counts) and body-weight toxicity ([`toxicity`]).
//!
//! Typical use:
//! ```
//! use preclin_invivo::xenograft::{model::*, mouse::*, efficacy::*};
//! let rec = |line, mouse: &str, group: &str, day, v| Record {
//!     line, mouse: mouse.into(), group: group.into(), day, volume: Some(v), ..Record::default()
//! };
//! let records = vec![
//!     rec(2, "c1", "Vehicle", 0.0, 100.0), rec(3, "c1", "Vehicle", 7.0, 400.0),
//!     rec(4, "c2", "Vehicle", 0.0, 120.0), rec(5, "c2", "Vehicle", 7.0, 500.0),
//!     rec(6, "t1", "Drug", 0.0, 110.0), rec(7, "t1", "Drug", 7.0, 150.0),
//!     rec(8, "t2", "Drug", 0.0, 90.0), rec(9, "t2", "Drug", 7.0, 130.0),
//! ];
//! let study = Study::new(&records, &StudyOptions::default()).unwrap();
//! let metrics = all_mouse_metrics(&study, &MouseOptions::default());
//! let rows = efficacy(&study, &metrics, &EfficacyOptions::new("Vehicle")).unwrap();
//! // ΔT = 40, ΔC = 340: TGI = 100·(1 − 40/340).
//! assert!((rows[1].tgi_deltatv_pct.unwrap() - 100.0 * (1.0 - 40.0 / 340.0)).abs() < 1e-9);
//! ```

pub mod efficacy;
pub mod mixed;
pub mod model;
pub mod mouse;
pub mod toxicity;
