//! # preclin-invitro — in vitro assays
//!
//! What this crate is: the in vitro assays — reading plate reader exports
//! and plate maps, normalising viability readings (percent of vehicle,
//! NCI-60 percent growth, GR values) and plate quality control (Z′, CVs,
//! edge effect, outlier wells); qRT-PCR relative quantification from tidy
//! tables, RDML and instrument exports ([`qpcr`]); colony-forming assays
//! ([`colony`]).
//!
//! What it is not: it does not fit dose–response curves (`preclin-curve`),
//! draw figures (`preclin-report`) or parse command lines (`preclin-cli`).
//! Importers ([`table`], [`reader`], [`layout`], the `qpcr` importers) never
//! compute statistics; analyses ([`normalize`](mod@normalize), [`qc`],
//! `qpcr::ddct`, [`colony::analyse`]) never read files.
//!
//! Typical flow:
//!
//! ```no_run
//! use preclin_invitro::{layout::{Layout, PlateInfo}, normalize, qc, reader, export};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let plates = reader::read_plates("run1.csv")?;
//! let layout = Layout::read("layout.csv")?;
//! let info = PlateInfo::read("plates.csv")?;
//! let norm = normalize::normalize(&plates, &layout, Some(&info), &Default::default())?;
//! let qc = qc::plate_qc(&norm.wells, &qc::QcOptions::default());
//! export::write_csv(&norm.wells, std::io::stdout())?;
//! # let _ = qc; Ok(()) }
//! ```
//!
//! | module | concept |
//! |---|---|
//! | [`table`] | generic tidy-table reader (CSV/TSV/`;`/XLSX) with line numbers |
//! | [`plate`] | plate formats and well names |
//! | [`reader`] | plate-reader matrix exports and long readings → [`reader::RawPlate`] |
//! | [`layout`] | plate maps and plate-level metadata |
//! | [`normalize`](mod@normalize) | blank subtraction, % of vehicle, NCI-60 growth, GR |
//! | [`qc`] | Z′, CV, edge effect |
//! | [`outliers`] | replicate-group outliers: modified z with a pooled scale floor |
//! | [`viability`] | wells → curves → fits, NCI / GR metrics, experiments, selectivity |
//! | [`simulate`] | simulated readings with known truth, matrix-export writer |
//! | [`export`] | CSV writers |
//! | [`colony`] | colony-forming (CFU) assays: colonies per 10ⁿ cells, % of vehicle, t / Dunnett / quasi-Poisson tests, serial replating |
//! | [`qpcr`] | qRT-PCR: Cq import (tidy, RDML, QuantStudio/StepOne, Bio-Rad CFX), ΔΔCt / Pfaffl, standard curves, geNorm, tests on ΔCt, MIQE QC |

mod grid;

pub mod colony;
pub mod export;
pub mod layout;
pub mod normalize;
pub mod outliers;
pub mod plate;
pub mod qc;
pub mod qpcr;
pub mod reader;
pub mod simulate;
pub mod table;
pub mod viability;

pub use layout::{Layout, PlateInfo, Role, WellDef};
pub use normalize::{Flag, NormalizedWell, normalize};
pub use plate::{PlateFormat, Well};
pub use qc::{PlateQc, QcOptions, plate_qc};
pub use reader::RawPlate;
pub use table::{Row, Table, TableError};
