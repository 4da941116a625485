//! preclin virtual lab: a mechanistic simulator of the menin-inhibitor
//! workflow.
//!
//! Drug exposure (pharmacokinetics) → fractional menin occupancy →
//! HOXA9 / MEIS1 program → proliferation and differentiation of leukaemic
//! cells → cell and tumour populations, including clones carrying MEN1
//! resistance mutations. Readouts are written in the file formats the
//! project's importers read.
//!
//! This crate never calls an analysis: planning, which simulates and then
//! analyses many times, lives in `study`.

pub mod clonal;
pub mod cohort;
pub mod dynamics;
pub mod invivo_readouts;
pub mod kinetics_simple;
pub mod pk;
pub mod population;
