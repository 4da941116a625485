//! # preclin-flow — flow cytometry analysis
//!
//! What this crate **is**: everything between an FCS file and a number about
//! cells — compensation ([`compensation`]), transforms ([`transforms`]:
//! linear, log, arcsinh, logicle, hyperlog and the Gating-ML 2.0 family with
//! bounds), gates and their hierarchy ([`gates`], [`strategy`]), Gating-ML
//! 2.0 import and export ([`gatingml`]), FlowJo 10 workspace import
//! ([`wsp`]), per-gate statistics ([`stats`]) and marker positivity,
//! differentiation and engraftment summaries ([`markers`]).
//!
//! What it **is not**: it does not parse FCS bytes (that is
//! `preclin-fcs`), draw figures (`preclin-report`) or print.

pub mod compensation;
pub mod error;
pub mod gates;
pub mod gatingml;
pub mod linalg;
mod logicle;
pub mod markers;
pub mod stats;
pub mod strategy;
pub mod transforms;
pub mod wsp;

pub use compensation::{Compensation, parse_matrix_file};
pub use error::{FlowError, Result};
pub use gates::{BoolOp, CompRef, DimSource, Dimension, Gate, GateKind};
pub use gatingml::{parse_gatingml, write_gatingml};
pub use strategy::{
    EventData, GateOptions, GateResult, GatingResults, GatingStrategy, dimension_values,
    gate_events, gate_events_with,
};
