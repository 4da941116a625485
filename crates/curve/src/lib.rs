//! # preclin-curve — dose–response models and fitting
//!
//! What this crate is: the log-logistic dose–response models (drc's LL.2–LL.5
//! with fixed-parameter variants), a Levenberg–Marquardt fitter specialised to
//! at most five parameters, the potency metrics derived from a fit (relative
//! and absolute IC50, ED_p, AUC, DSS, GI50/TGI/LC50, GR metrics), their
//! confidence intervals and quality flags, and batch fitting of millions of
//! curves.
//!
//! What it is not: it does not read files, normalise plates or draw figures
//! (see `preclin-invitro` and `preclin-report`).

pub mod units;
