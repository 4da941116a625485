//! Manifest tests: a full study, errors with line / column, alias
//! resolution, duplicates, globs and typed engine options.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use preclin_curve::units::ConcUnit;
use preclin_study::manifest::{
    self, CfuTest, ExperimentKind, ExperimentOptions, FitModel, Location, ManifestError,
    Men1Status, ModelKind, QpcrMethod, Readout, SynergyMethod, Undetected,
};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A study folder with the data files the manifests below name.
fn study_dir() -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("preclin-manifest-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for f in [
        "plates/p1.csv",
        "plates/p2.csv",
        "plates/t0.csv",
        "layout.csv",
        "combo.csv",
        "resistance.csv",
        "cq.csv",
        "cfu.csv",
        "flow/s1.fcs",
        "flow/ctrl.fcs",
        "gates.xml",
        "tumours.csv",
    ] {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "x\n").unwrap();
    }
    dir
}

const FULL: &str = r#"# a whole study
[study]
id = "mi503-kmt2a"
name = "MI-503 in KMT2A-rearranged AML"
investigator = "A. Scientist"

[[compounds]]
name = "MI-503"
aliases = ["MI503", "mi 503"]
target = "menin"
class = "menin inhibitor"
molecular_weight = 564.6

[[compounds]]
name = "venetoclax"
aliases = ["ABT-199"]
molecular_weight = 868.4

[[cell_lines]]
name = "MV4;11"
aliases = ["MV4-11", "MV411"]
kmt2a_fusion = "KMT2A::AFF1"
npm1c = false
flt3_itd = true
men1 = "wt"

[[cell_lines]]
name = "MOLM-13"
aliases = ["MOLM13"]
kmt2a_fusion = "KMT2A::MLLT3"
flt3_itd = true
men1 = "M327I"

[[cell_lines]]
name = "HS-5"
normal = true

[[models]]
name = "PDX-1"
kind = "pdx"
npm1c = true

[[experiments]]
name = "viability"
kind = "viability"
files = ["plates/p*.csv"]
compounds = ["mi503", "ABT-199"]
cell_lines = ["mv4-11", "MOLM13", "HS-5"]
[experiments.options]
layout = "layout.csv"
time_zero = ["plates/t0.csv"]
readout = "growth"
normal_lines = ["hs-5"]
fit = { model = "auto", ci = "profile", ed = [10, 90] }

[[experiments]]
name = "combo"
kind = "combination"
files = ["combo.csv"]
compounds = ["MI-503", "venetoclax"]
options = { methods = ["bliss", "zip"], seed = 7 }

[[experiments]]
name = "resistance"
kind = "cross_resistance"
files = ["resistance.csv"]
options = { parental = "mv411", potency = "absolute", dose_unit = "ng/mL" }

[[experiments]]
name = "qpcr"
kind = "qpcr"
files = ["cq.csv"]
options = { reference = ["ACTB", "GAPDH"], control = "DMSO", method = "pfaffl", undetected = 40 }

[[experiments]]
name = "cfu"
kind = "cfu"
files = ["cfu.csv"]
options = { control = "DMSO", test = "quasi-poisson" }

[[experiments]]
name = "flow"
kind = "flow"
files = ["flow/s*.fcs"]
options = { gating = "gates.xml", control = "flow/ctrl.fcs", scale = "asinh" }

[[experiments]]
name = "xenograft"
kind = "xenograft"
files = ["tumours.csv"]
compounds = ["MI-503"]
cell_lines = ["PDX-1"]
options = { tgi = "ratio_of_means", anything = [1, 2] }
"#;

fn parse(text: &str, dir: &Path) -> Result<manifest::Manifest, ManifestError> {
    manifest::parse(text, &dir.join("study.toml"), dir)
}

#[test]
fn full_study_parses() {
    let dir = study_dir();
    std::fs::write(dir.join("study.toml"), FULL).unwrap();
    let m = manifest::load(&dir.join("study.toml")).unwrap();
    assert_eq!(m.study.id, "mi503-kmt2a");
    assert_eq!(m.study.investigator.as_deref(), Some("A. Scientist"));
    assert_eq!(m.compounds.len(), 2);
    assert_eq!(m.cell_lines.len(), 4);
    assert_eq!(m.cell_lines[0].men1, Some(Men1Status::WildType));
    assert_eq!(
        m.cell_lines[1].men1,
        Some(Men1Status::Mutant("M327I".into()))
    );
    assert_eq!(m.cell_lines[1].npm1c, None);
    assert_eq!(m.cell_lines[3].kind, ModelKind::Pdx);
    assert_eq!(m.cell_lines[3].npm1c, Some(true));
    assert!(m.cell_lines[2].normal);
    let kinds: Vec<ExperimentKind> = m.experiments.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            ExperimentKind::Viability,
            ExperimentKind::Combination,
            ExperimentKind::CrossResistance,
            ExperimentKind::Qpcr,
            ExperimentKind::Cfu,
            ExperimentKind::Flow,
            ExperimentKind::Xenograft
        ]
    );
    let via = &m.experiments[0];
    // glob matched p1, p2 (not t0), sorted; names canonical
    let names: Vec<_> = via
        .files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["p1.csv", "p2.csv"]);
    assert_eq!(via.compounds, vec!["MI-503", "venetoclax"]);
    assert_eq!(via.cell_lines, vec!["MV4;11", "MOLM-13", "HS-5"]);
    match &via.options {
        ExperimentOptions::Viability(o) => {
            assert_eq!(o.readout, Readout::Growth);
            assert_eq!(o.normal_lines, vec!["HS-5"]);
            assert_eq!(o.fit.model, FitModel::Auto);
            assert_eq!(o.fit.ed, vec![10.0, 90.0]);
            assert_eq!(o.fit.level, 0.95);
            assert_eq!(o.experiment_by, vec!["experiment"]);
        }
        other => panic!("{other:?}"),
    }
    match &m.experiments[1].options {
        ExperimentOptions::Combination(o) => {
            assert_eq!(o.methods, vec![SynergyMethod::Bliss, SynergyMethod::Zip]);
            assert_eq!(o.seed, 7);
            assert_eq!(o.iterations, 100);
        }
        other => panic!("{other:?}"),
    }
    match &m.experiments[2].options {
        ExperimentOptions::CrossResistance(o) => {
            assert_eq!(o.parental, "MV4;11");
            assert_eq!(o.cross, 2.0);
        }
        other => panic!("{other:?}"),
    }
    match &m.experiments[3].options {
        ExperimentOptions::Qpcr(o) => {
            assert_eq!(o.method, QpcrMethod::Pfaffl);
            assert_eq!(o.undetected, Undetected::Cq(40.0));
            assert_eq!(o.cq_limit, 35.0);
        }
        other => panic!("{other:?}"),
    }
    match &m.experiments[4].options {
        ExperimentOptions::Cfu(o) => {
            assert_eq!(o.test, CfuTest::QuasiPoisson);
            assert_eq!(o.per, 4);
        }
        other => panic!("{other:?}"),
    }
    match &m.experiments[5].options {
        ExperimentOptions::Flow(o) => {
            assert_eq!(o.markers, vec!["CD11b", "CD14", "CD34", "CD117"]);
            assert_eq!(o.percentile, 99.0);
        }
        other => panic!("{other:?}"),
    }
    match &m.experiments[6].options {
        ExperimentOptions::InVivo(t) => {
            assert_eq!(t["tgi"].as_str(), Some("ratio_of_means"));
        }
        other => panic!("{other:?}"),
    }
    // options serialise for provenance
    let j = m.experiments[3].options.to_json();
    assert_eq!(j["undetected"], serde_json::json!(40.0));
    // option files are inputs too
    let rel = |e: &manifest::Experiment| -> Vec<String> {
        e.input_files()
            .iter()
            .map(|p| {
                p.strip_prefix(&dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    };
    assert_eq!(
        rel(&m.experiments[0]),
        vec![
            "plates/p1.csv",
            "plates/p2.csv",
            "layout.csv",
            "plates/t0.csv"
        ]
    );
    assert_eq!(
        rel(&m.experiments[5]),
        vec!["flow/s1.fcs", "gates.xml", "flow/ctrl.fcs"]
    );
    // provenance of an experiment: relative paths, SHA-256 of each input
    let prov =
        preclin_study::store::Provenance::for_experiment(&m, &m.experiments[4], Default::default())
            .unwrap();
    assert_eq!(prov.inputs.len(), 1);
    assert_eq!(prov.inputs[0].path, "cfu.csv");
    assert_eq!(
        prov.inputs[0].sha256,
        preclin_study::provenance::sha256_hex(b"x\n")
    );
    assert_eq!(prov.options["control"], serde_json::json!("DMSO"));
    let rec = preclin_study::store::ExperimentRecord::from_experiment(&m.experiments[4]);
    assert_eq!(rec.kind, "cfu");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn aliases_resolve_case_insensitively() {
    let dir = study_dir();
    let m = parse(FULL, &dir).unwrap();
    for n in ["MI-503", "mi-503", "MI503", "Mi 503", "  mi503 "] {
        assert_eq!(
            m.compound(n).map(|c| c.name.as_str()),
            Some("MI-503"),
            "{n}"
        );
    }
    assert_eq!(m.compound("abt-199").unwrap().name, "venetoclax");
    assert!(m.compound("MI-463").is_none());
    for n in ["MV4;11", "mv4-11", "MV411"] {
        assert_eq!(m.cell_line(n).unwrap().name, "MV4;11");
    }
    // from a data file: the error names the file, line and name
    let e = m
        .resolve_cell_line("K562", Path::new("plates/p1.csv"), Some(14))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "plates/p1.csv:14: unknown cell line 'K562' (not a name or alias in study.toml)"
    );
    assert!(
        m.resolve_compound("mi503", Path::new("x.csv"), None)
            .is_ok()
    );
    // molecular weight converts ng/mL to molar: 564.6 ng/mL = 1 µM
    let c = m.compound("MI-503").unwrap();
    let molar = c.to_molar(564.6, ConcUnit::MicroGramPerL).unwrap();
    assert!((molar.0 - 1e-6).abs() < 1e-18);
    let back = c.from_molar(molar, ConcUnit::NanoM).unwrap();
    assert!((back - 1000.0).abs() < 1e-9);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The location of the first occurrence of `needle` in `text`.
fn loc_of(text: &str, needle: &str) -> Location {
    Location::of_offset(text, text.find(needle).expect(needle))
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let dir = study_dir();
    // a malformed value
    let text = "[study]\nname = \"x\"\n\n[[compounds]]\nname = \"A\"\nmolecular_weight = 12x\n";
    let e = parse(text, &dir).unwrap_err();
    let d = &e.diagnostics()[0];
    assert_eq!(d.location.unwrap().line, 6);
    // a wrong type: the message says what was expected
    let text =
        "[study]\nname = \"x\"\n\n[[compounds]]\nname = \"A\"\nmolecular_weight = \"heavy\"\n";
    let e = parse(text, &dir).unwrap_err();
    let d = &e.diagnostics()[0];
    assert_eq!(
        d.location,
        Some(Location {
            line: 6,
            column: 20
        })
    );
    assert!(d.message.contains("expected"), "{}", d.message);
    assert!(e.to_string().contains("line 6, column 20"), "{e}");
    // an unknown field names the expected ones
    let text = "[study]\nname = \"x\"\n\n[[cell_lines]]\nname = \"A\"\nflt3 = true\n";
    let e = parse(text, &dir).unwrap_err();
    let d = &e.diagnostics()[0];
    assert_eq!(d.location, Some(Location { line: 6, column: 1 }));
    assert!(d.message.contains("unknown field `flt3`"), "{}", d.message);
    assert!(d.message.contains("flt3_itd"), "{}", d.message);
    // an unknown kind lists the kinds
    let text = "[study]\nname = \"x\"\n\n[[experiments]]\nname = \"e\"\nkind = \"elisa\"\nfiles = [\"cfu.csv\"]\n";
    let e = parse(text, &dir).unwrap_err();
    let d = &e.diagnostics()[0];
    assert_eq!(d.location, Some(Location { line: 6, column: 8 }));
    assert!(d.message.contains("invivo_synergy"), "{}", d.message);
    // missing [study]
    let e = parse("[[compounds]]\nname = \"A\"\n", &dir).unwrap_err();
    assert!(e.to_string().contains("missing field `study`"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn validation_errors_name_what_and_where() {
    let dir = study_dir();
    let text = r#"[study]
name = "x"

[[compounds]]
name = "MI-503"
aliases = ["MI503"]
molecular_weight = -3

[[compounds]]
name = "mi503"

[[cell_lines]]
name = "MV4;11"

[[experiments]]
name = "via"
kind = "viability"
files = ["plates/*.csv", "missing/*.csv"]
compounds = ["MI-503", "MI-463"]
cell_lines = ["MV4-11"]
options = { layout = "nolayout.csv" }

[[experiments]]
name = "via"
kind = "cfu"
files = ["cfu.csv"]
options = { control = "DMSO", tset = "welch" }

[[experiments]]
name = "res"
kind = "cross_resistance"
files = ["resistance.csv"]
options = { parental = "KG-1", dose_unit = "furlongs" }
"#;
    let e = parse(text, &dir).unwrap_err();
    let d = e.diagnostics();
    let find = |needle: &str| {
        d.iter()
            .find(|x| x.message.contains(needle))
            .unwrap_or_else(|| panic!("no diagnostic with '{needle}' in {d:#?}"))
    };
    let dup = find("duplicate compound name or alias 'mi503'");
    assert_eq!(dup.location, Some(loc_of(text, "\"mi503\"")));
    assert!(dup.message.contains("already used by 'MI-503'"));
    let mw = find("molecular_weight must be a positive number");
    assert_eq!(mw.location.unwrap().line, 7);
    let unknown = find("unknown compound 'MI-463' in experiment 'via'");
    assert_eq!(unknown.location, Some(loc_of(text, "\"MI-463\"")));
    let glob = find("'missing/*.csv' in experiment 'via' matches no file");
    assert_eq!(glob.location, Some(loc_of(text, "\"missing/*.csv\"")));
    find("option layout of experiment 'via': file 'nolayout.csv' not found");
    let dup_exp = find("duplicate experiment name 'via'");
    assert_eq!(dup_exp.location.unwrap().line, 24);
    let tset = find("unknown field `tset`");
    assert!(tset.message.contains("kind cfu"));
    let parental = find("unknown cell line 'KG-1' in parental of experiment 'res'");
    assert_eq!(parental.location.unwrap().line, 33);
    find("option dose_unit of experiment 'res'");
    find("unknown cell line 'MV4-11' in experiment 'via'");
    // everything is reported at once, in document order
    assert_eq!(d.len(), 10, "{d:#?}");
    assert!(
        d.windows(2)
            .all(|w| w[0].location.unwrap().line <= w[1].location.unwrap().line)
    );
    assert!(e.to_string().starts_with(&format!(
        "{}: 10 problems:",
        dir.join("study.toml").display()
    )));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn duplicate_cell_line_alias_across_lines() {
    let dir = study_dir();
    let text = "[study]\nname = \"x\"\n[[cell_lines]]\nname = \"MV4;11\"\naliases = [\"MV4-11\"]\n[[cell_lines]]\nname = \"mv4-11\"\n";
    let e = parse(text, &dir).unwrap_err();
    let d = e.diagnostics();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].location, Some(Location { line: 7, column: 8 }));
    assert!(
        d[0].message
            .contains("duplicate cell line name or alias 'mv4-11'")
    );
    // an alias equal to the entity's own name is harmless
    let text = "[study]\nname = \"x\"\n[[cell_lines]]\nname = \"MV4;11\"\naliases = [\"mv4;11\"]\n";
    assert!(parse(text, &dir).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn location_counts_characters() {
    let text = "a = 1\nµ = \"é\"\nx";
    assert_eq!(
        Location::of_offset(text, 0),
        Location { line: 1, column: 1 }
    );
    let off = text.find('x').unwrap();
    assert_eq!(
        Location::of_offset(text, off),
        Location { line: 3, column: 1 }
    );
    let off = text.find('"').unwrap();
    assert_eq!(
        Location::of_offset(text, off),
        Location { line: 2, column: 5 }
    );
}

#[test]
fn qpcr_undetected_drop_or_cq() {
    let dir = study_dir();
    let m = |u: &str| {
        format!(
            "[study]\nname = \"x\"\n[[experiments]]\nname = \"q\"\nkind = \"qpcr\"\nfiles = [\"cq.csv\"]\noptions = {{ reference = [\"ACTB\"], control = \"DMSO\"{u} }}\n"
        )
    };
    let get = |text: String| match parse(&text, &dir).unwrap().experiments[0].options.clone() {
        ExperimentOptions::Qpcr(o) => o.undetected,
        other => panic!("{other:?}"),
    };
    assert_eq!(get(m("")), Undetected::Drop);
    assert_eq!(get(m(", undetected = \"drop\"")), Undetected::Drop);
    assert_eq!(get(m(", undetected = 38.5")), Undetected::Cq(38.5));
    let e = parse(&m(", undetected = \"keep\""), &dir).unwrap_err();
    assert_eq!(e.diagnostics()[0].location.unwrap().line, 7);
    let j = serde_json::to_value(Undetected::Drop).unwrap();
    assert_eq!(j, serde_json::json!("drop"));
    std::fs::remove_dir_all(&dir).unwrap();
}
