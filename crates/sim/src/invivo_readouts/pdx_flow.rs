//! PDX flow cytometry at the end of the engraftment study: FCS 3.1 files
//! (float32, [`FcsWriter`]) of blood, bone marrow and spleen of a few mice
//! per arm, with human CD45 (APC-Cy7) and mouse CD45 (PE-Cy7), a
//! non-engrafted control mouse's bone marrow, a Gating-ML 2.0 cell gate and
//! a truth table — read by `preclin markers` / `preclin analyze`'s `flow`
//! kind (% hCD45⁺ of the gated cells per sample).
//!
//! # Model (assumptions stated, `data/invivo_readouts.toml` `[pdx_flow]`)
//! * Burden: each mouse's last simulated day of the engraftment study
//!   ([`LeukaemiaSim`]: the end of the study, or the day of death).
//! * Human fraction of CD45⁺ cells in tissue `τ`: `p_τ = B / (B + K_τ)`, the
//!   blood rule of [`super::leukaemia`] with a tissue-specific half-burden
//!   `K_τ` (marrow < spleen < blood: marrow is engrafted first).
//! * Events: `events` CD45⁺ cells, each human with probability `p_τ`
//!   (Bernoulli — the counting error of the cytometer), plus 10 % debris at
//!   low FSC / SSC outside the `cells` gate. Every cell is CD45⁺ (human or
//!   mouse), so % hCD45⁺ of the gated cells is % hCD45 of CD45⁺. A positive
//!   marker is `10^N(4.0, 0.25)` (hCD45) or `10^N(3.9, 0.25)` (mCD45), a
//!   negative one `10^N(2.2, 0.3) + N(0, 60)` — the layout of the old bundled
//!   example's PDX files; no spillover.
//! * The control (`control_events` cells, all mouse) sets the hCD45
//!   threshold; at its 99.9th percentile (`percentile = 99.9` in
//!   `study.toml`) about 0.1 % of mouse cells read as human, and a bright
//!   human cell falls below it with probability < 10⁻³: the analysed
//!   % hCD45 is within 0.1 point of the realised one.

use std::fmt::Write as _;

use preclin_fcs::write::{FcsWriter, Storage};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Deserialize;

use super::leukaemia::LeukaemiaSim;
use crate::SimError;
use crate::readouts::Files;

/// Tissues: (file / truth name, description).
pub const TISSUES: [(&str, &str); 3] = [
    ("blood", "blood"),
    ("bone_marrow", "bone marrow"),
    ("spleen", "spleen"),
];

/// File of the non-engrafted control.
pub const CONTROL_FILE: &str = "pdx_control_bone_marrow.fcs";

/// The Gating-ML file written.
pub const GATES_FILE: &str = "pdx_gates.xml";

/// Design of the PDX flow readout (`[pdx_flow]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdxFlowParams {
    /// Mice analysed per arm (the first ones of each arm).
    pub mice_per_group: usize,
    /// CD45⁺ events per sample.
    pub events: usize,
    /// Events of the non-engrafted control.
    pub control_events: usize,
    /// Half-burden `K` of blood (cells).
    pub half_cells_blood: f64,
    /// Half-burden of bone marrow.
    pub half_cells_bone_marrow: f64,
    /// Half-burden of spleen.
    pub half_cells_spleen: f64,
}

#[derive(Deserialize)]
struct File {
    pdx_flow: PdxFlowParams,
}

impl PdxFlowParams {
    /// The bundled design (parsed by a unit test, so it cannot fail).
    pub fn bundled() -> PdxFlowParams {
        match PdxFlowParams::from_toml_str(super::combination::BUNDLED_READOUTS_TOML) {
            Ok(p) => p,
            Err(e) => unreachable!("bundled invivo_readouts.toml: {e}"),
        }
    }

    /// The `[pdx_flow]` section of a file laid out as
    /// `data/invivo_readouts.toml`.
    pub fn from_toml_str(text: &str) -> Result<PdxFlowParams, SimError> {
        let f: File = toml::from_str(text)
            .map_err(|e| SimError::InVivo(format!("invivo_readouts.toml: {e}")))?;
        let p = f.pdx_flow;
        let ok = p.mice_per_group > 0
            && p.events >= 100
            && p.control_events >= 1000
            && [
                p.half_cells_blood,
                p.half_cells_bone_marrow,
                p.half_cells_spleen,
            ]
            .iter()
            .all(|k| k.is_finite() && *k > 0.0);
        if !ok {
            return Err(SimError::InVivo(
                "invivo_readouts.toml [pdx_flow]: mice ≥ 1, events ≥ 100, control events ≥ 1000, positive half-burdens".into(),
            ));
        }
        Ok(p)
    }

    /// Half-burden of tissue `i` of [`TISSUES`].
    pub fn half_cells(&self, i: usize) -> f64 {
        match i {
            0 => self.half_cells_blood,
            1 => self.half_cells_bone_marrow,
            _ => self.half_cells_spleen,
        }
    }
}

/// Truth of one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct PdxSampleTruth {
    /// FCS file name.
    pub file: String,
    /// Mouse id (`control` for the non-engrafted mouse).
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Tissue (file name form).
    pub tissue: String,
    /// Day of the sample (the mouse's last day).
    pub day: f64,
    /// Leukaemic burden (cells).
    pub burden: f64,
    /// True % hCD45 of CD45⁺ (100·p).
    pub true_pct: f64,
    /// Human cells written.
    pub human: usize,
    /// CD45⁺ cells written.
    pub cells: usize,
}

impl PdxSampleTruth {
    /// Realised % hCD45 of the written cells.
    pub fn realised_pct(&self) -> f64 {
        100.0 * self.human as f64 / self.cells.max(1) as f64
    }
}

/// What [`write`] produced.
#[derive(Debug, Clone, PartialEq)]
pub struct PdxFlow {
    /// Per sample (engrafted mice first, the control last).
    pub samples: Vec<PdxSampleTruth>,
}

fn f32r(v: f64) -> f64 {
    (v.clamp(-262_144.0, 262_143.0) as f32) as f64
}

/// One sample's events: `cells` CD45⁺ cells (human with probability `p`)
/// and `cells / 9` debris; returns the columns and the human count.
fn events(rng: &mut Xoshiro256PlusPlus, cells: usize, p: f64) -> (Vec<Vec<f64>>, usize) {
    let n01 = Normal::new(0.0, 1.0).unwrap_or_else(|_| unreachable!("standard normal"));
    let debris = cells / 9;
    let mut cols: Vec<Vec<f64>> = (0..4).map(|_| Vec::with_capacity(cells + debris)).collect();
    let mut human = 0;
    let dim = |rng: &mut Xoshiro256PlusPlus| {
        10f64.powf(2.2 + 0.3 * n01.sample(rng)) + 60.0 * n01.sample(rng)
    };
    for i in 0..cells + debris {
        let row = if i % 10 == 9 && i / 10 < debris {
            // Debris: low scatter, no CD45.
            let fsc = (8000.0 + 4000.0 * n01.sample(rng)).abs();
            let ssc = (5000.0 + 2000.0 * n01.sample(rng)).abs();
            [fsc, ssc, dim(rng), dim(rng)]
        } else {
            let fsc = 110_000.0 + 18_000.0 * n01.sample(rng);
            let ssc = 60_000.0 + 12_000.0 * n01.sample(rng);
            let is_human = rng.random::<f64>() < p;
            human += usize::from(is_human);
            let bright =
                |rng: &mut Xoshiro256PlusPlus, m: f64| 10f64.powf(m + 0.25 * n01.sample(rng));
            let (h, m) = if is_human {
                (bright(rng, 4.0), dim(rng))
            } else {
                (dim(rng), bright(rng, 3.9))
            };
            [fsc, ssc, h, m]
        };
        for (c, v) in cols.iter_mut().zip(row) {
            c.push(f32r(v));
        }
    }
    (cols, human)
}

fn fcs(cols: Vec<Vec<f64>>, file: &str, source: &str) -> Result<Vec<u8>, SimError> {
    let err = |e: preclin_fcs::FcsError| SimError::Writer(format!("{file}: {e}"));
    FcsWriter::new(&["FSC-A", "SSC-A", "APC-Cy7-A", "PE-Cy7-A"], cols)
        .map_err(err)?
        .label(2, "hCD45 APC-Cy7")
        .label(3, "mCD45 PE-Cy7")
        .keyword("$CYT", "simulated (preclin virtual lab)")
        .and_then(|w| w.keyword("$FIL", file))
        .and_then(|w| w.keyword("$SRC", source))
        .map_err(err)?
        .to_bytes(Storage::Float32)
        .map_err(err)
}

/// File name of a sample: `pdx_<group>_<mouse>_<tissue>.fcs` (the group
/// first, so that the report finds the compound in the sample name).
pub fn file_name(group: &str, mouse: &str, tissue: &str) -> String {
    format!("pdx_{group}_{mouse}_{tissue}.fcs").replace([' ', '/', '\\'], "_")
}

/// Writes the FCS files of `sim` (the first `p.mice_per_group` mice of every
/// arm × [`TISSUES`]), the control, [`GATES_FILE`] and `pdx_flow_truth.csv`
/// from the stream `seed`.
pub fn write(
    sim: &LeukaemiaSim,
    p: &PdxFlowParams,
    seed: u64,
    files: &mut Files,
) -> Result<PdxFlow, SimError> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut samples = Vec::new();
    let mut groups: Vec<&str> = Vec::new();
    for t in &sim.truth {
        if !groups.contains(&t.group.as_str()) {
            groups.push(&t.group);
        }
    }
    for g in groups {
        for t in sim
            .truth
            .iter()
            .filter(|t| t.group == g)
            .take(p.mice_per_group)
        {
            let (day, burden) = t.burden.last().map_or((0.0, 0.0), |&(d, b)| (d, b as f64));
            for (i, (tissue, label)) in TISSUES.iter().enumerate() {
                let frac = burden / (burden + p.half_cells(i));
                let (cols, human) = events(&mut rng, p.events, frac);
                let file = file_name(g, &t.mouse, tissue);
                let src = format!("PDX mouse {} ({g}), {label}, day {day}", t.mouse);
                files.insert(file.clone(), fcs(cols, &file, &src)?);
                samples.push(PdxSampleTruth {
                    file,
                    mouse: t.mouse.clone(),
                    group: g.to_string(),
                    tissue: tissue.to_string(),
                    day,
                    burden,
                    true_pct: 100.0 * frac,
                    human,
                    cells: p.events,
                });
            }
        }
    }
    let (cols, _) = events(&mut rng, p.control_events, 0.0);
    files.insert(
        CONTROL_FILE.into(),
        fcs(
            cols,
            CONTROL_FILE,
            "non-engrafted control mouse, bone marrow",
        )?,
    );
    samples.push(PdxSampleTruth {
        file: CONTROL_FILE.into(),
        mouse: "control".into(),
        group: "non-engrafted".into(),
        tissue: "bone_marrow".into(),
        day: 0.0,
        burden: 0.0,
        true_pct: 0.0,
        human: 0,
        cells: p.control_events,
    });
    files.insert(
        GATES_FILE.into(),
        crate::readouts::flow::GATES.as_bytes().to_vec(),
    );
    let out = PdxFlow { samples };
    files.insert(
        "pdx_flow_truth.csv".into(),
        out.truth_csv(seed).into_bytes(),
    );
    Ok(out)
}

impl PdxFlow {
    /// The truth table `file,mouse,group,tissue,day,burden_cells,true_pct,human_cells,cd45_cells,realised_pct`
    /// (`true_pct` = 100·B/(B + K_tissue); `realised_pct` = the written
    /// human share).
    pub fn truth_csv(&self, seed: u64) -> String {
        let mut s = format!(
            "# preclin sim PDX flow truth, seed {seed}; % hCD45 of CD45+ cells\nfile,mouse,group,tissue,day,burden_cells,true_pct,human_cells,cd45_cells,realised_pct\n"
        );
        for t in &self.samples {
            let _ = writeln!(
                s,
                "{},{},{},{},{},{:.0},{:.4},{},{},{:.4}",
                t.file,
                t.mouse,
                t.group,
                t.tissue,
                t.day,
                t.burden,
                t.true_pct,
                t.human,
                t.cells,
                t.realised_pct()
            );
        }
        s
    }

    /// The engrafted samples' files (the `files` of the flow experiment).
    pub fn sample_files(&self) -> Vec<String> {
        self.samples
            .iter()
            .filter(|t| t.file != CONTROL_FILE)
            .map(|t| t.file.clone())
            .collect()
    }

    /// The `[[experiments]]` block (kind `flow`, marker hCD45, thresholds
    /// at the control's 99.9th percentile) for `model` and `compound`.
    pub fn experiment_block(&self, model: &str, compound: &str, mice: usize) -> String {
        let files: Vec<String> = self
            .sample_files()
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect();
        format!(
            "[[experiments]]\nname = \"pdx_flow\"\nkind = \"flow\"\ndescription = \"% hCD45 of CD45+ cells in blood, bone marrow and spleen at the end of the engraftment study, {mice} mice per arm (FCS; simulated)\"\nfiles = [{}]\ncompounds = [\"{compound}\"]\ncell_lines = [\"{model}\"]\n[experiments.options]\ngating = \"{GATES_FILE}\"\ncontrol = \"{CONTROL_FILE}\"\nmarkers = [\"hCD45\"]\npercentile = 99.9\n",
            files.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_section_parses_and_is_checked() {
        let p = PdxFlowParams::bundled();
        assert_eq!(p.mice_per_group, 3);
        assert!(p.half_cells_bone_marrow < p.half_cells_spleen);
        assert!(p.half_cells_spleen < p.half_cells_blood);
        let bad =
            super::super::combination::BUNDLED_READOUTS_TOML.replace("events = 5000", "events = 5");
        assert!(PdxFlowParams::from_toml_str(&bad).is_err());
        let unknown = super::super::combination::BUNDLED_READOUTS_TOML
            .replace("[pdx_flow]", "[pdx_flow]\nbogus = 1");
        assert!(PdxFlowParams::from_toml_str(&unknown).is_err());
    }

    #[test]
    fn events_have_the_human_share_and_debris() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let (cols, human) = events(&mut rng, 9000, 0.3);
        assert_eq!(cols[0].len(), 10_000);
        let frac = human as f64 / 9000.0;
        // Binomial SD √(0.3·0.7/9000) ≈ 0.0048.
        assert!((frac - 0.3).abs() < 0.02, "{frac}");
        let debris = cols[0].iter().filter(|&&f| f < 40_000.0).count();
        assert!((900..=1100).contains(&debris), "{debris}");
        // Human cells are hCD45 bright (> 10^3.1) and mCD45 dim.
        let bright = cols[2].iter().filter(|&&h| h > 1300.0).count();
        assert!(
            (bright as f64 - human as f64).abs() < 30.0,
            "{bright} vs {human}"
        );
    }
}
