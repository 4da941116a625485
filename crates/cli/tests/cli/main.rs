//! End-to-end tests of the `preclin` binary: each test runs the real
//! executable (`CARGO_BIN_EXE_preclin`) on real files written under the
//! system temporary directory and checks its output files, exit status and
//! messages.
//!
//! | module | command |
//! |---|---|
//! | [`fit`] | `preclin fit` on drc's ryegrass data (CSV, JSON, units, CIs) |
//! | [`grouping`] | curve grouping, `--by`, XLSX input, `experiment` column, `--pool`, too few points, determinism |
//! | [`errors`] | bad inputs: exit status 2 and messages naming file, line and column |
//! | [`compare`] | `preclin compare` (drc's S.alba against the scipy reference, JSON, errors) and `preclin resistance` (the bundled cross-resistance example) |
//! | [`viability`] | `preclin viability` on the bundled example study |
//! | [`demo`] | `preclin demo` and `preclin bench fit` |
//! | [`synergy`] | `preclin synergy` on SynergyFinder's example tables, aliases, replicates, Chou–Talalay, bad input |
//! | [`synergy_invivo`] | `preclin synergy-invivo` (SynergyLMM rows vs the statsmodels re-computation, invivoSyn on wide input, JSON, seed, aliases, errors) |
//! | [`qpcr`] | `preclin qpcr` (pcr's examples, RDML, instrument exports, XLSX, tests, errors), `qpcr efficiency`, `qpcr genorm`, `preclin rdml` |
//! | [`cfu`] | `preclin cfu` (summaries, tests, rounds, errors) |
//! | [`engraftment`] | `preclin engraftment` (tidy %, counts, the flow engine's summary, side outputs, errors) |
//! | [`survival`] | `preclin survival` on R's `aml` (medians, CIs, log-rank, HRs, Cox, curve, figure, errors) |
//! | [`flow`] | `preclin fcs info/export`, `gate` (compliance memberships), `markers` |
//! | [`xenograft`] | `preclin xenograft` (invivoSyn LS_1034 vs the reference CSVs, a tidy caliper table, figures, errors) and `preclin randomize` |
//! | [`init`] | `preclin init` (the scaffold, refusing a non-empty folder, `analyze` on it) |
//! | [`reliability`] | `preclin analyze`: SIGKILL at eight points, two analyses at once, byte-identical outputs |
//! | [`simulate`] | `preclin simulate` (the virtual lab) → `preclin analyze`: truth recovered, same seed same bytes, parameter-file errors |
//! | [`study`] | `preclin compounds` (reference table, user rows, measured vs published) and `preclin db list/show/export/query` |

mod analyze;
mod cfu;
mod common;
mod compare;
mod demo;
mod engraftment;
mod errors;
mod fit;
mod flow;
mod grouping;
mod init;
mod plan;
mod qpcr;
mod reliability;
mod simulate;
mod study;
mod survival;
mod synergy;
mod synergy_invivo;
mod viability;
mod xenograft;
