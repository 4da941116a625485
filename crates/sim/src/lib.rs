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
//!
//! # The model (in vitro part)
//!
//! Free concentrations `c_i` (molar; in culture the nominal concentration ×
//! the compound's `free_fraction` in medium):
//!
//! ```text
//! menin occupancy    θ = Σx_i/(1 + Σx_i),  x_i = (c_i/(Kd_i·s_i))^h_i     s_i: MEN1 fold shift (1 parental)
//! other targets      ι = 1 − Π(1 − c^h/(c^h + K^h))   (DOT1L, IKZF1 degradation, FLT3, off-target)
//! program target     P* = 1 − D·[1 − (1 − θ)(1 − a_dot·ι_dot)(1 − a_ikz·ι_ikz)]     D: menin dependence
//! program            dP/dt = k (P* − P),  k = ln 2 / t½;   gene g relative to vehicle: P^s_g
//! FLT3 signal        S = P^s_FLT3 (1 − ι_flt3);  loss f = d_FLT3 (1 − S)
//! division           b = (ln 2/Td + κ_b + δ_b)(φ + (1 − φ)P)(1 − f)
//! differentiation    κ = κ_b + κ_max L^n/(L^n + q^n),  L = 1 − P
//! apoptosis          A = 1 − (1 − B·u/(u + P^s_BCL2))(1 − f)(1 − ι_tox),  u = Σ(c/K_BCL2)^h
//! undifferentiated   dU/dt = (b − κ − δ_b − μ A) U
//! differentiated     dDc/dt = κ U − (δ_d + μ A) Dc          (CD11b+/CD14+, CD34−/CD117−, non-dividing)
//! ```
//!
//! Every constant is in the parameter file `data/params.toml` with its
//! source or "assumption" ([`params`]). Menin inhibitors act slowly because
//! the program relaxes with t½ = 24 h and differentiation switches on only
//! when most of it is lost, so their 72-h potency is far weaker than their
//! 7-day potency; venetoclax synergises because the program holds BCL2 up;
//! mezigdomide synergises because it removes the same program by another
//! route and sensitises MEN1 mutants.
//!
//! | module | what |
//! |---|---|
//! | [`dynamics`] | the [`dynamics::Kinetics`] trait: per-clone birth / death rates for the population simulators |
//! | [`params`] | the parameter file: spanned TOML, validation with line / column |
//! | [`mechanism`] | occupancy, program target and relaxation, cell-fate rates |
//! | [`culture`] | the in vitro well / flask ODE (RK4), viability, GI50, colony capacity |
//! | [`kinetics`] | [`kinetics::LineKinetics`]: `Kinetics` for a cell line + regimen + MEN1 clones |
//! | [`calibration`] | published targets vs model values (all in vitro rows pass; tested) |
//! | [`invivo`] | the in vivo studies on the real mechanism: PK → free concentration → [`kinetics::LineKinetics`] + cell loss; MV4;11 xenograft, MLL-AF9 survival, engraftment; in vivo calibration rows (`data/invivo.toml`) |
//! | [`readouts`] | plates, combination blocks, qPCR, CFU, FCS + Gating-ML, each with truth |
//! | [`scenario`] | bundled scenarios → a study folder with `study.toml`; [`scenario::ExperimentWriter`] for in vivo experiments |

pub mod clonal;
pub mod cohort;
pub mod dynamics;
pub mod invivo_readouts;
pub mod kinetics_simple;
pub mod pk;
pub mod population;

pub mod calibration;
pub mod culture;
pub mod invivo;
pub mod kinetics;
pub mod mechanism;
pub mod params;
pub mod readouts;
pub mod scenario;

/// Errors of the simulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A name not in the parameter file.
    #[error("unknown {0} '{1}' (not in the parameter file)")]
    Unknown(&'static str, String),
    /// The parameter file is invalid.
    #[error(transparent)]
    Params(#[from] params::ParamsError),
    /// A scenario name not bundled.
    #[error("unknown scenario '{0}' (see `preclin simulate --list`)")]
    UnknownScenario(String),
    /// Writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// An in vivo simulation failed (parameters, PK, population).
    #[error("in vivo: {0}")]
    InVivo(String),
    /// An instrument-file writer refused the data.
    #[error("{0}")]
    Writer(String),
}
