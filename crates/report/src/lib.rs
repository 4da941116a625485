//! preclin-report: figures (SVG) and the self-contained HTML report.
//!
//! What this crate **is**:
//!
//! - [`svg`]: a small deterministic SVG writer of our own (fixed-decimal numbers, no `NaN` or
//!   `-0` ever written, XML escaping, content-derived ids) and a text-width estimate used to lay
//!   out labels.
//! - [`axis`]: linear axes with 1-2-5 ticks and log10 axes with decade ticks.
//! - [`figures`]: finished figures built from plain input structs: the dose–response figure
//!   ([`figures::dose_response`]), the heatmap ([`figures::heatmap`]: synergy, dose–dose
//!   response and cross-resistance matrices), the normalised isobologram of Chou–Talalay
//!   ([`figures::isobologram`]), grouped bar charts ([`figures::bars`]) and their qPCR
//!   fold-change ([`figures::fold_change`]) and colony ([`figures::cfu`]) figures, PDX
//!   engraftment curves ([`figures::engraftment`]: % hCD45 over days per group, mean ± SEM,
//!   linear or log y, per-mouse lines, a dashed threshold), Kaplan–Meier curves with censor
//!   ticks and a number-at-risk table ([`figures::km`]), and the
//!   cytometry figures ([`figures::cytometry`]:
//!   2-D density / dot plots with gates, histograms with a positivity threshold, on transformed
//!   axes), and the xenograft figures: growth curves (mean ± SEM per group, per-mouse spaghetti;
//!   [`figures::growth`]) and the best-response waterfall ([`figures::waterfall`]).
//! - [`html`]: the one-file HTML report (inline CSS and SVG, table of contents, provenance
//!   footer), rendered from an embedded minijinja template.
//! - [`palette`]: colour-blind-safe colours: Okabe–Ito for series, ColorBrewer RdBu (diverging)
//!   and viridis (sequential) for continuous scales, and black/white text by contrast.
//! - [`adapt`]: builds figure inputs from analysis results (a fitted
//!   [`preclin_curve::Fit`] and its observations, a ΔΔCt result, a colony result).
//!
//! What it **is not**: it does not run analyses, fit curves, read instrument files or write
//! files. Figures take their own plain input structs (for example
//! [`figures::dose_response::DoseResponseFigure`]); [`adapt`] fills them from the analysis
//! crates' result types.
//! - [`png`]: SVG → PNG with resvg and the bundled DejaVu Sans as the only font, so the pixels
//!   are the same on every machine.
//! - [`study`]: the whole-study report of `preclin analyze` (summary, QC, measured vs published,
//!   one section per experiment, methods, provenance) and its overridable templates.
//!
//! Everything is deterministic: the same input gives byte-identical output, so figures and
//! reports can be snapshot-tested and diffed.

pub mod adapt;
pub mod axis;
pub mod figures;
pub mod html;
pub mod palette;
pub mod png;
pub mod study;
pub mod svg;

pub use figures::dose_response::{DoseResponseFigure, DoseResponseSeries, Marker, PointSummary};
pub use figures::heatmap::{ColorScale, HeatmapFigure, ResolvedScale};
pub use figures::isobologram::{IsoPoint, IsobologramFigure};
pub use html::{Figure, Provenance, Report, ReportError, Section, Table};
