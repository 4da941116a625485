//! Bundled scenarios: a complete simulated study — the instrument files of
//! every readout, their truths, the calibration table, and a `study.toml`
//! that `preclin analyze` reads unchanged.
//!
//! A [`Scenario`] lists its in vitro experiments; further experiments (the
//! in vivo ones: xenograft, survival, engraftment) plug in through
//! [`ExperimentWriter`], which writes its files and returns the
//! `study.toml` fragments that declare them ([`StudyParts`]).
//!
//! To add an in vivo experiment to a bundled scenario, implement
//! [`ExperimentWriter`] (write the caliper / survival / engraftment files
//! and return the `[[models]]` and `[[experiments]]` blocks) and push it
//! into the scenario's `extensions` in its constructor (e.g. `mi503`).
//!
//! Random streams: readout k of a run with seed `s` uses
//! [`sub_seed`]`(s, k)`; all of them are listed in `scenario.json`.

use std::fmt::Write as _;

use crate::SimError;
use crate::calibration;
use crate::invivo::{EngraftmentWriter, InVivoParams, SurvivalWriter, XenograftWriter};
use crate::invivo_readouts::combination::{CombinationParams, CombinationWriter};
use crate::params::Params;
use crate::pk::PkTable;
use crate::readouts::Files;
use crate::readouts::cfu::{self, CfuExperiment};
use crate::readouts::combination::{self, Block};
use crate::readouts::flow::{self, FlowExperiment};
use crate::readouts::plates::{self, POSITIVE_CONTROL, PlateAssay, PlateReadout};
use crate::readouts::qpcr::{self, QpcrExperiment};
use crate::readouts::resistance::{self, PARENTAL, ResistanceExperiment};

/// `study.toml` fragments contributed by an experiment writer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StudyParts {
    /// Compounds used (names in the parameter file).
    pub compounds: Vec<String>,
    /// Cell lines used (names in the parameter file).
    pub cell_lines: Vec<String>,
    /// Complete `[[models]]` blocks (TOML text), for in vivo models.
    pub models: Vec<String>,
    /// Complete `[[experiments]]` blocks (TOML text, paths relative to the
    /// study folder).
    pub experiments: Vec<String>,
}

/// An experiment that writes its own files: the extension point for the
/// in vivo simulators.
pub trait ExperimentWriter: Send + Sync {
    /// Short name (used in `scenario.json`).
    fn name(&self) -> &str;
    /// Writes the experiment's files into `files` using the stream `seed`
    /// and returns what `study.toml` must declare.
    fn write(&self, params: &Params, seed: u64, files: &mut Files) -> Result<StudyParts, SimError>;
}

/// A bundled scenario.
pub struct Scenario {
    /// Name (`--scenario`).
    pub name: String,
    /// One-line description.
    pub description: String,
    /// Viability plate assays.
    pub plates: Vec<PlateAssay>,
    /// Combination blocks.
    pub combinations: Vec<Block>,
    /// qRT-PCR experiment.
    pub qpcr: Option<QpcrExperiment>,
    /// Colony assay.
    pub cfu: Option<CfuExperiment>,
    /// Flow cytometry.
    pub flow: Option<FlowExperiment>,
    /// MEN1-mutant cross-resistance.
    pub resistance: Option<ResistanceExperiment>,
    /// Further experiments (e.g. in vivo).
    pub extensions: Vec<Box<dyn ExperimentWriter>>,
    /// In vivo parameters whose calibration rows join `calibration.csv`
    /// (computed with the fixed seeds [`INVIVO_CALIBRATION_SEEDS`]).
    pub invivo_calibration: Option<(InVivoParams, PkTable)>,
}

/// Seeds (xenograft, survival) of the in vivo calibration rows: fixed, so
/// that the calibration table is a property of the parameters, not of the
/// run's seed.
pub const INVIVO_CALIBRATION_SEEDS: (u64, u64) = (1, 101);

/// Names and descriptions of the bundled scenarios.
pub const BUNDLED: [(&str, &str); 1] = [(
    "mi503",
    "MI-503 and revumenib in KMT2A-r lines, murine MLL-AF9 and HEK293 (7-day MTT, 72-h CellTiter-Glo), HOXA9/MEIS1/FLT3/BCL2 qPCR, CFU, CD11b/CD14/CD34/CD117 flow, mezigdomide + MI-503 and MI-503 + venetoclax blocks, MEN1 M327I / T349M cross-resistance",
)];

/// The seed of readout `k` of a run seeded `seed` (splitmix64 finaliser).
pub fn sub_seed(seed: u64, k: u64) -> u64 {
    let mut z = seed.wrapping_add(k.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The bundled scenario called `name`.
pub fn bundled(name: &str) -> Result<Scenario, SimError> {
    match name {
        "mi503" => Ok(mi503()),
        _ => Err(SimError::UnknownScenario(name.to_string())),
    }
}

fn mi503() -> Scenario {
    let inv = InVivoParams::bundled();
    let pk = PkTable::bundled();
    let lines: Vec<String> = ["MV4-11", "MOLM-13", "KOPN-8", "SEM", "MLL-AF9", "HEK293"]
        .map(String::from)
        .to_vec();
    let compounds = [
        ("MI-503".to_string(), 10_000.0),
        ("revumenib".to_string(), 1000.0),
    ];
    Scenario {
        name: "mi503".into(),
        description: BUNDLED[0].1.into(),
        plates: vec![
            PlateAssay {
                id: "7d".into(),
                label: "7-day MTT".into(),
                hours: 168.0,
                compounds: compounds.clone(),
                lines: lines.clone(),
                experiments: 3,
                time_zero: false,
                readout: PlateReadout::Mtt,
            },
            PlateAssay {
                id: "72h".into(),
                label: "72-h CellTiter-Glo".into(),
                hours: 72.0,
                compounds,
                lines,
                experiments: 3,
                time_zero: true,
                readout: PlateReadout::CellTiterGlo,
            },
        ],
        combinations: vec![
            Block {
                name: "mezigdomide".into(),
                line: "MOLM-13".into(),
                drugs: ["MI-503".into(), "mezigdomide".into()],
                tops_nm: calibration::COMBO_TOPS_NM[0],
                hours: 168.0,
            },
            Block {
                name: "venetoclax".into(),
                line: "MV4-11".into(),
                drugs: ["MI-503".into(), "venetoclax".into()],
                tops_nm: calibration::COMBO_TOPS_NM[1],
                hours: 168.0,
            },
        ],
        qpcr: Some(QpcrExperiment {
            line: "MV4-11".into(),
            compound: "MI-503".into(),
            doses_nm: vec![0.0, 250.0, 1000.0, 3000.0],
            hours: 144.0,
        }),
        cfu: Some(CfuExperiment {
            line: "MLL-AF9".into(),
            compound: "MI-503".into(),
            doses_nm: vec![0.0, 250.0, 1000.0],
            hours: 168.0,
        }),
        flow: Some(FlowExperiment {
            line: "MOLM-13".into(),
            treatments: vec![("MI-503".into(), 1000.0), ("revumenib".into(), 100.0)],
            hours: 168.0,
        }),
        resistance: Some(ResistanceExperiment {
            line: "MV4-11".into(),
            mutants: vec!["M327I".into(), "T349M".into()],
            compounds: vec![
                ("revumenib".into(), 10_000.0),
                ("MI-503".into(), 30_000.0),
                ("bleximenib".into(), 10_000.0),
                ("gilteritinib".into(), 1000.0),
                ("venetoclax".into(), 1000.0),
            ],
            hours: 168.0,
        }),
        extensions: vec![
            Box::new(XenograftWriter {
                invivo: inv.clone(),
                pk: pk.clone(),
            }),
            Box::new(SurvivalWriter {
                invivo: inv.clone(),
                pk: pk.clone(),
            }),
            Box::new(EngraftmentWriter {
                invivo: inv.clone(),
                pk: pk.clone(),
            }),
            Box::new(CombinationWriter {
                invivo: inv.clone(),
                pk: pk.clone(),
                design: CombinationParams::bundled(),
            }),
        ],
        invivo_calibration: Some((inv, pk)),
    }
}

fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn list(v: &[String]) -> String {
    format!(
        "[{}]",
        v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
    )
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// The calibration table of a scenario: the in vitro rows of `params` and,
/// when the scenario has in vivo parameters, the in vivo rows (seeds
/// [`INVIVO_CALIBRATION_SEEDS`]).
pub fn calibration_table(
    scenario: &Scenario,
    params: &Params,
) -> Result<Vec<calibration::CalibrationRow>, SimError> {
    let mut table = calibration::table(params)?;
    if let Some((inv, pk)) = &scenario.invivo_calibration {
        let (xs, ss) = INVIVO_CALIBRATION_SEEDS;
        table.extend(crate::invivo::calibration_rows(params, pk, inv, xs, ss)?.rows);
    }
    Ok(table)
}

/// Runs `scenario` with `params` and `seed`: every file of the study folder
/// (relative path → bytes), including `study.toml`, `calibration.csv`,
/// `params.toml` (`params_text`, the parameter file used) and
/// `scenario.json`.
pub fn run(
    scenario: &Scenario,
    params: &Params,
    params_text: &str,
    seed: u64,
) -> Result<Files, SimError> {
    Ok(run_with_calibration(scenario, params, params_text, seed)?.0)
}

/// As [`run`], also returning the calibration table written to
/// `calibration.csv` (computed once).
pub fn run_with_calibration(
    scenario: &Scenario,
    params: &Params,
    params_text: &str,
    seed: u64,
) -> Result<(Files, Vec<calibration::CalibrationRow>), SimError> {
    let mut files = Files::new();
    let mut parts = StudyParts::default();
    let mut seeds: Vec<(String, u64)> = Vec::new();
    let mut k = 0u64;
    let mut next = |what: String, seeds: &mut Vec<(String, u64)>| {
        let s = sub_seed(seed, k);
        k += 1;
        seeds.push((what, s));
        s
    };
    let mut normal_lines = Vec::new();
    for a in &scenario.plates {
        plates::write(
            params,
            a,
            next(format!("plates_{}", a.id), &mut seeds),
            &mut files,
        )?;
        let names: Vec<String> = a.compounds.iter().map(|c| c.0.clone()).collect();
        for n in &names {
            push_unique(&mut parts.compounds, n);
        }
        push_unique(&mut parts.compounds, POSITIVE_CONTROL.0);
        let mut lines = Vec::new();
        for l in &a.lines {
            let line = params
                .cell_line(l)
                .ok_or_else(|| SimError::Unknown("cell line", l.clone()))?;
            push_unique(&mut parts.cell_lines, &line.name);
            lines.push(line.file_name());
            if line.normal {
                push_unique(&mut normal_lines, &line.file_name());
            }
        }
        let mut e = format!(
            "[[experiments]]\nname = {}\nkind = \"viability\"\ndescription = {}\nfiles = [{}]\ncompounds = {}\ncell_lines = {}\n[experiments.options]\nlayout = {}\nplate_info = {}\n",
            q(&format!("viability_{}", a.id)),
            q(&format!("{} (simulated)", a.label)),
            q(&format!("plates_{}_*.csv", a.id)),
            list(&names),
            list(&lines),
            q(&format!("layout_{}.csv", a.id)),
            q(&format!("plate_info_{}.csv", a.id)),
        );
        if a.time_zero {
            let _ = writeln!(e, "time_zero = [{}]", q(&format!("t0_{}_*.csv", a.id)));
        }
        if !normal_lines.is_empty() {
            let _ = writeln!(e, "normal_lines = {}", list(&normal_lines));
        }
        let _ = writeln!(e, "assay_hours = {}", a.hours);
        parts.experiments.push(e);
    }
    for b in &scenario.combinations {
        let bs = next(format!("combination_{}", b.name), &mut seeds);
        combination::write(params, b, bs, &mut files)?;
        let line = params
            .cell_line(&b.line)
            .ok_or_else(|| SimError::Unknown("cell line", b.line.clone()))?;
        push_unique(&mut parts.cell_lines, &line.name);
        for d in &b.drugs {
            push_unique(&mut parts.compounds, d);
        }
        parts.experiments.push(format!(
            "[[experiments]]\nname = {}\nkind = \"combination\"\nfiles = [{}]\ncompounds = {}\ncell_lines = {}\n[experiments.options]\nmethods = [\"bliss\", \"hsa\", \"loewe\", \"zip\"]\nseed = {}\n",
            q(&format!("combination_{}", b.name)),
            q(&format!("combination_{}.csv", b.name)),
            list(b.drugs.as_ref()),
            list(&[line.file_name()]),
            sub_seed(bs, 1) >> 12,
        ));
    }
    if let Some(e) = &scenario.qpcr {
        qpcr::write(params, e, next("qpcr".into(), &mut seeds), &mut files)?;
        let line = params
            .cell_line(&e.line)
            .ok_or_else(|| SimError::Unknown("cell line", e.line.clone()))?;
        push_unique(&mut parts.cell_lines, &line.name);
        push_unique(&mut parts.compounds, &e.compound);
        let refs: Vec<String> = params
            .genes
            .iter()
            .filter(|g| g.reference)
            .map(|g| g.name.clone())
            .collect();
        parts.experiments.push(format!(
            "[[experiments]]\nname = \"qpcr\"\nkind = \"qpcr\"\nfiles = [\"qpcr.csv\"]\ncompounds = {}\ncell_lines = {}\n[experiments.options]\nreference = {}\ncontrol = \"DMSO\"\n",
            list(std::slice::from_ref(&e.compound)),
            list(&[line.file_name()]),
            list(&refs),
        ));
    }
    if let Some(e) = &scenario.cfu {
        cfu::write(params, e, next("cfu".into(), &mut seeds), &mut files)?;
        let line = params
            .cell_line(&e.line)
            .ok_or_else(|| SimError::Unknown("cell line", e.line.clone()))?;
        push_unique(&mut parts.cell_lines, &line.name);
        push_unique(&mut parts.compounds, &e.compound);
        parts.experiments.push(format!(
            "[[experiments]]\nname = \"cfu\"\nkind = \"cfu\"\nfiles = [\"cfu.csv\"]\ncompounds = {}\ncell_lines = {}\n[experiments.options]\ncontrol = \"DMSO\"\n",
            list(std::slice::from_ref(&e.compound)),
            list(&[line.file_name()]),
        ));
    }
    if let Some(e) = &scenario.flow {
        flow::write(params, e, next("flow".into(), &mut seeds), &mut files)?;
        let line = params
            .cell_line(&e.line)
            .ok_or_else(|| SimError::Unknown("cell line", e.line.clone()))?;
        push_unique(&mut parts.cell_lines, &line.name);
        let fname = line.file_name();
        let names: Vec<String> = e.treatments.iter().map(|t| t.0.clone()).collect();
        for n in &names {
            push_unique(&mut parts.compounds, n);
        }
        let treated: Vec<String> = names
            .iter()
            .map(|n| FlowExperiment::file(&fname, n))
            .collect();
        parts.experiments.push(format!(
            "[[experiments]]\nname = \"flow_markers\"\nkind = \"flow\"\nfiles = {}\ncompounds = {}\ncell_lines = {}\n[experiments.options]\ngating = \"flow_gates.xml\"\ncontrol = {}\nvehicle = {}\n",
            list(&treated),
            list(&names),
            list(std::slice::from_ref(&fname)),
            q(&FlowExperiment::file(&fname, "FMO")),
            q(&FlowExperiment::file(&fname, "vehicle")),
        ));
    }
    if let Some(e) = &scenario.resistance {
        resistance::write(params, e, next("resistance".into(), &mut seeds), &mut files)?;
        let line = params
            .cell_line(&e.line)
            .ok_or_else(|| SimError::Unknown("cell line", e.line.clone()))?;
        push_unique(&mut parts.cell_lines, &line.name);
        let names: Vec<String> = e.compounds.iter().map(|c| c.0.clone()).collect();
        for n in &names {
            push_unique(&mut parts.compounds, n);
        }
        parts.experiments.push(format!(
            "[[experiments]]\nname = \"cross_resistance\"\nkind = \"cross_resistance\"\ndescription = {}\nfiles = [\"resistance.csv\"]\ncompounds = {}\ncell_lines = {}\n[experiments.options]\nparental = {}\nbetween = \"variant\"\nby = [\"compound\", \"cell_line\"]\n",
            q(&format!("MEN1 mutants {} vs parental (simulated)", e.mutants.join(", "))),
            list(&names),
            list(&[line.file_name()]),
            q(PARENTAL),
        ));
    }
    for x in &scenario.extensions {
        let p = x.write(params, next(x.name().to_string(), &mut seeds), &mut files)?;
        for c in &p.compounds {
            push_unique(&mut parts.compounds, c);
        }
        for l in &p.cell_lines {
            push_unique(&mut parts.cell_lines, l);
        }
        for m in &p.models {
            // Two writers on one model (xenograft, combination) declare it once.
            push_unique(&mut parts.models, m);
        }
        parts.experiments.extend(p.experiments);
    }
    files.insert(
        "study.toml".into(),
        study_toml(scenario, params, &parts, seed)?.into_bytes(),
    );
    let table = calibration_table(scenario, params)?;
    files.insert(
        "calibration.csv".into(),
        calibration::to_csv(&table).into_bytes(),
    );
    files.insert("params.toml".into(), params_text.as_bytes().to_vec());
    let info = serde_json::json!({
        "scenario": scenario.name,
        "description": scenario.description,
        "seed": seed,
        "streams": seeds.iter().map(|(w, s)| serde_json::json!({"readout": w, "seed": s})).collect::<Vec<_>>(),
        "generator": format!("preclin-sim {}", env!("CARGO_PKG_VERSION")),
        "calibration_pass": table.iter().all(|r| r.pass),
    });
    let json = serde_json::to_string_pretty(&info).map_err(|e| SimError::Writer(e.to_string()))?;
    files.insert("scenario.json".into(), (json + "\n").into_bytes());
    Ok((files, table))
}

fn study_toml(
    scenario: &Scenario,
    params: &Params,
    parts: &StudyParts,
    seed: u64,
) -> Result<String, SimError> {
    let mut s = format!(
        "# Simulated by `preclin simulate --scenario {} --seed {seed}` (preclin virtual lab).\n# Truth files: *_truth*.csv; model parameters: params.toml; calibration: calibration.csv.\n\n[study]\nid = {}\nname = {}\ndescription = {}\n",
        scenario.name,
        q(&format!("sim-{}-{seed}", scenario.name)),
        q(&format!("{} (simulated, seed {seed})", scenario.name)),
        q(&scenario.description),
    );
    for name in &parts.compounds {
        let c = params
            .compound(name)
            .ok_or_else(|| SimError::Unknown("compound", name.clone()))?;
        let _ = write!(s, "\n[[compounds]]\nname = {}\n", q(&c.name));
        if !c.aliases.is_empty() {
            let _ = writeln!(s, "aliases = {}", list(&c.aliases));
        }
        let _ = writeln!(s, "target = {}\nclass = {}", q(&c.target), q(&c.class));
        if let Some(mw) = c.molecular_weight {
            let _ = writeln!(s, "molecular_weight = {mw}");
        }
    }
    for name in &parts.cell_lines {
        let l = params
            .cell_line(name)
            .ok_or_else(|| SimError::Unknown("cell line", name.clone()))?;
        let _ = write!(s, "\n[[cell_lines]]\nname = {}\n", q(&l.name));
        if !l.aliases.is_empty() {
            let _ = writeln!(s, "aliases = {}", list(&l.aliases));
        }
        let _ = writeln!(s, "species = {}", q(&l.species));
        if let Some(f) = &l.kmt2a_fusion {
            let _ = writeln!(s, "kmt2a_fusion = {}", q(f));
        }
        if l.npm1c {
            let _ = writeln!(s, "npm1c = true");
        }
        if l.flt3_itd {
            let _ = writeln!(s, "flt3_itd = true");
        }
        if l.normal {
            let _ = writeln!(s, "normal = true");
        }
    }
    for m in &parts.models {
        let _ = write!(s, "\n{m}");
    }
    for e in &parts.experiments {
        let _ = write!(s, "\n{e}");
    }
    Ok(s)
}

/// Writes `files` under `dir` (created if needed).
pub fn write_dir(files: &Files, dir: &std::path::Path) -> Result<(), SimError> {
    let io = |path: &std::path::Path, source| SimError::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    for (name, bytes) in files {
        let p = dir.join(name);
        std::fs::write(&p, bytes).map_err(|e| io(&p, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::DEFAULT_TOML;

    #[test]
    fn same_seed_same_bytes_other_seed_other_data() {
        let p = Params::bundled();
        let s = bundled("mi503").unwrap();
        let a = run(&s, &p, DEFAULT_TOML, 1).unwrap();
        let b = run(&s, &p, DEFAULT_TOML, 1).unwrap();
        assert_eq!(a.len(), b.len());
        for (name, bytes) in &a {
            assert!(b[name] == *bytes, "{name} differs between two runs");
        }
        let c = run(&s, &p, DEFAULT_TOML, 2).unwrap();
        assert!(c["plates_7d_MV4-11.csv"] != a["plates_7d_MV4-11.csv"]);
        assert!(c["qpcr.csv"] != a["qpcr.csv"]);
        // Truths do not depend on the seed.
        assert!(c["viability_truth_7d.csv"] == a["viability_truth_7d.csv"]);
        for f in [
            "study.toml",
            "layout_7d.csv",
            "t0_72h_SEM.csv",
            "combination_mezigdomide.csv",
            "combination_venetoclax.csv",
            "qpcr.csv",
            "cfu.csv",
            "flow_MOLM-13_FMO.fcs",
            "flow_gates.xml",
            "resistance.csv",
            "invivo_synergy.csv",
            "invivo_synergy_truth.csv",
            "pdx_gates.xml",
            "pdx_control_bone_marrow.fcs",
            "pdx_flow_truth.csv",
            "calibration.csv",
            "scenario.json",
        ] {
            assert!(a.contains_key(f), "{f} missing");
        }
    }

    #[test]
    fn study_toml_declares_every_name() {
        let p = Params::bundled();
        let files = run(&bundled("mi503").unwrap(), &p, DEFAULT_TOML, 3).unwrap();
        let t = String::from_utf8(files["study.toml"].clone()).unwrap();
        for needle in [
            "name = \"MV4;11\"",
            "aliases = [\"MV4-11\"]",
            "name = \"mezigdomide\"",
            "name = \"staurosporine\"",
            "time_zero = [\"t0_72h_*.csv\"]",
            "normal_lines = [\"HEK293\"]",
            "kind = \"flow\"",
            "kind = \"xenograft\"",
            "kind = \"survival\"",
            "kind = \"engraftment\"",
            "name = \"MI-463\"",
            "kind = \"invivo_synergy\"",
            "combo = \"MI-503+venetoclax\"",
            "name = \"pdx_flow\"",
            "markers = [\"hCD45\"]",
        ] {
            assert!(t.contains(needle), "{needle} not in\n{t}");
        }
        // The xenograft model is declared once although two writers use it.
        assert_eq!(t.matches("name = \"MV4;11 xenograft\"\nkind").count(), 1);
        assert!(bundled("nope").is_err());
    }

    struct Dummy;

    impl ExperimentWriter for Dummy {
        fn name(&self) -> &str {
            "dummy"
        }
        fn write(&self, _: &Params, seed: u64, files: &mut Files) -> Result<StudyParts, SimError> {
            files.insert("dummy.csv".into(), format!("seed\n{seed}\n").into_bytes());
            Ok(StudyParts {
                compounds: vec!["MI-463".into()],
                cell_lines: vec![],
                models: vec![
                    "[[models]]\nname = \"MV4;11 xenograft\"\nkind = \"xenograft\"\n".into(),
                ],
                experiments: vec!["[[experiments]]\nname = \"dummy\"\n".into()],
            })
        }
    }

    #[test]
    fn extensions_add_files_and_study_blocks() {
        let p = Params::bundled();
        let mut s = bundled("mi503").unwrap();
        s.plates.clear();
        s.extensions.clear();
        s.extensions.push(Box::new(Dummy));
        let files = run(&s, &p, DEFAULT_TOML, 4).unwrap();
        assert!(files.contains_key("dummy.csv"));
        let t = String::from_utf8(files["study.toml"].clone()).unwrap();
        assert!(t.contains("name = \"MI-463\""));
        assert!(t.contains("[[models]]\nname = \"MV4;11 xenograft\""));
        assert!(t.ends_with("[[experiments]]\nname = \"dummy\"\n"), "{t}");
        let info = String::from_utf8(files["scenario.json"].clone()).unwrap();
        assert!(info.contains("\"readout\": \"dummy\""));
    }

    #[test]
    fn sub_seeds_differ() {
        let s: std::collections::BTreeSet<u64> = (0..100).map(|k| sub_seed(7, k)).collect();
        assert_eq!(s.len(), 100);
    }
}
