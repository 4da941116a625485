//! [`ExperimentWriter`]s of the in vivo studies: each writes its
//! instrument file (tidy CSV as `preclin xenograft` / `survival` /
//! `engraftment` read it), its truth file, and the `[[models]]` /
//! `[[experiments]]` blocks of `study.toml`.

use crate::SimError;
use crate::clonal::subseed;
use crate::invivo_readouts::pdx_flow::{self, PdxFlowParams};
use crate::params::Params;
use crate::pk::PkTable;
use crate::readouts::Files;
use crate::scenario::{ExperimentWriter, StudyParts};

use super::{InVivoParams, SURVIVAL_GROUPS, engraftment, survival, xenograft, xenograft_groups};

/// Name of the xenograft model in `study.toml`.
pub const XENOGRAFT_MODEL: &str = "MV4;11 xenograft";
/// Name of the leukaemia model in `study.toml`.
pub const LEUKAEMIA_MODEL: &str = "MLL-AF9 leukaemia";
/// Name of the engraftment model in `study.toml`.
pub const PDX_MODEL: &str = "PDX KMT2A-r (simulated)";

/// Index of the PDX flow stream under the engraftment seed (far above the
/// mouse indices of the engraftment study).
pub const PDX_FLOW_STREAM: u64 = 1 << 32;

fn put(files: &mut Files, name: &str, text: String) {
    files.insert(name.to_string(), text.into_bytes());
}

/// The MV4;11 caliper xenograft: vehicle vs MI-503 60 mg/kg daily i.p.
#[derive(Debug, Clone)]
pub struct XenograftWriter {
    /// In vivo parameters.
    pub invivo: InVivoParams,
    /// PK parameters.
    pub pk: PkTable,
}

impl ExperimentWriter for XenograftWriter {
    fn name(&self) -> &str {
        "xenograft"
    }
    fn write(&self, params: &Params, seed: u64, files: &mut Files) -> Result<StudyParts, SimError> {
        let x = &self.invivo.xenograft;
        let sim = xenograft(params, &self.pk, &self.invivo, 0, seed)?;
        put(files, "xenograft.csv", sim.caliper_csv());
        put(files, "xenograft_truth.csv", sim.truth_csv());
        let g = xenograft_groups(x);
        Ok(StudyParts {
            compounds: vec![x.compound.clone()],
            cell_lines: Vec::new(),
            models: vec![format!(
                "[[models]]\nname = \"{XENOGRAFT_MODEL}\"\nkind = \"xenograft\"\nspecies = \"human\"\nkmt2a_fusion = \"KMT2A::AFF1\"\n"
            )],
            experiments: vec![format!(
                "[[experiments]]\nname = \"xenograft\"\nkind = \"xenograft\"\ndescription = \"MV4;11 s.c. xenograft, {} {} mg/kg once daily {} for {} days vs vehicle (simulated)\"\nfiles = [\"xenograft.csv\"]\ncompounds = [\"{}\"]\ncell_lines = [\"{XENOGRAFT_MODEL}\"]\n[experiments.options]\ncontrol = \"{}\"\nendpoint = {}\n",
                x.compound, x.dose_mg_per_kg, x.route, x.days, x.compound, g[0], x.endpoint_mm3
            )],
        })
    }
}

/// The MLL-AF9 survival study: vehicle, MI-503, MI-463.
#[derive(Debug, Clone)]
pub struct SurvivalWriter {
    /// In vivo parameters.
    pub invivo: InVivoParams,
    /// PK parameters.
    pub pk: PkTable,
}

impl ExperimentWriter for SurvivalWriter {
    fn name(&self) -> &str {
        "survival"
    }
    fn write(&self, params: &Params, seed: u64, files: &mut Files) -> Result<StudyParts, SimError> {
        let s = &self.invivo.survival;
        let sim = survival(params, &self.pk, &self.invivo, 0, seed)?;
        put(files, "survival.csv", sim.survival_csv());
        put(files, "survival_truth.csv", sim.truth_csv());
        Ok(StudyParts {
            compounds: vec!["MI-503".into(), "MI-463".into()],
            cell_lines: Vec::new(),
            models: vec![format!(
                "[[models]]\nname = \"{LEUKAEMIA_MODEL}\"\nkind = \"mouse_model\"\nspecies = \"mouse\"\nkmt2a_fusion = \"KMT2A::MLLT3\"\n"
            )],
            experiments: vec![format!(
                "[[experiments]]\nname = \"survival\"\nkind = \"survival\"\ndescription = \"MLL-AF9 leukaemia, MI-503 {} mg/kg / MI-463 {} mg/kg once daily {} for {} days from day {} vs vehicle (simulated)\"\nfiles = [\"survival.csv\"]\ncompounds = [\"MI-503\", \"MI-463\"]\ncell_lines = [\"{LEUKAEMIA_MODEL}\"]\n[experiments.options]\ncontrol = \"{}\"\n",
                s.mi503_mg_per_kg,
                s.mi463_mg_per_kg,
                s.route,
                s.treated_days,
                s.start_day,
                SURVIVAL_GROUPS[0]
            )],
        })
    }
}

/// The engraftment study: % hCD45 in blood, vehicle vs MI-503, and the PDX
/// flow cytometry files at its end ([`pdx_flow`]).
#[derive(Debug, Clone)]
pub struct EngraftmentWriter {
    /// In vivo parameters.
    pub invivo: InVivoParams,
    /// PK parameters.
    pub pk: PkTable,
}

impl ExperimentWriter for EngraftmentWriter {
    fn name(&self) -> &str {
        "engraftment"
    }
    fn write(&self, params: &Params, seed: u64, files: &mut Files) -> Result<StudyParts, SimError> {
        let e = &self.invivo.engraftment;
        let sim = engraftment(params, &self.pk, &self.invivo, seed)?;
        put(files, "engraftment.csv", sim.engraftment_csv());
        put(files, "engraftment_truth.csv", sim.truth_csv());
        // PDX flow cytometry at the end of the study: FCS files per tissue of
        // the first mice of each arm (own stream, so the files above do not
        // change).
        let fp = PdxFlowParams::bundled();
        let flow = pdx_flow::write(&sim, &fp, subseed(seed, PDX_FLOW_STREAM), files)?;
        Ok(StudyParts {
            compounds: vec![e.compound.clone()],
            cell_lines: Vec::new(),
            models: vec![format!(
                "[[models]]\nname = \"{PDX_MODEL}\"\nkind = \"pdx\"\nspecies = \"human\"\nkmt2a_fusion = \"KMT2A::MLLT3\"\n"
            )],
            experiments: vec![
                format!(
                    "[[experiments]]\nname = \"engraftment\"\nkind = \"engraftment\"\ndescription = \"% hCD45 in blood, {} {} mg/kg once daily i.p. for {} days from day {} vs vehicle ({} kinetics stand in for the PDX; simulated)\"\nfiles = [\"engraftment.csv\"]\ncompounds = [\"{}\"]\ncell_lines = [\"{PDX_MODEL}\"]\n[experiments.options]\ncontrol = \"vehicle\"\nthreshold = 1\nlog_y = true\n",
                    e.compound, e.dose_mg_per_kg, e.treated_days, e.start_day, e.line, e.compound
                ),
                flow.experiment_block(PDX_MODEL, &e.compound, fp.mice_per_group),
            ],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writers_write_their_files_and_blocks() {
        let p = Params::bundled();
        let inv = InVivoParams::bundled();
        let pk = PkTable::bundled();
        let mut files = Files::new();
        let ws: [Box<dyn ExperimentWriter>; 3] = [
            Box::new(XenograftWriter {
                invivo: inv.clone(),
                pk: pk.clone(),
            }),
            Box::new(SurvivalWriter {
                invivo: inv.clone(),
                pk: pk.clone(),
            }),
            Box::new(EngraftmentWriter { invivo: inv, pk }),
        ];
        for w in &ws {
            let parts = w.write(&p, 7, &mut files).unwrap();
            assert_eq!(parts.models.len(), 1);
            assert!(parts.experiments[0].contains(&format!("kind = \"{}\"", w.name())));
        }
        for f in ["xenograft", "survival", "engraftment"] {
            assert!(files.contains_key(&format!("{f}.csv")), "{f}");
            assert!(files.contains_key(&format!("{f}_truth.csv")), "{f}");
        }
        let surv = String::from_utf8(files["survival.csv"].clone()).unwrap();
        assert_eq!(surv.lines().count(), 31);
        let eng = String::from_utf8(files["engraftment.csv"].clone()).unwrap();
        assert!(eng.starts_with("mouse,group,day,tissue,hcd45_pct"));
        // The engraftment writer also writes the PDX FCS files (3 mice × 2
        // arms × 3 tissues + the control).
        let fcs = files.keys().filter(|k| k.starts_with("pdx_")).count();
        assert_eq!(fcs, 18 + 1 + 2, "{:?}", files.keys().collect::<Vec<_>>());
    }
}
