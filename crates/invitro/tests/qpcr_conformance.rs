//! qPCR conformance: R `pcr`'s examples (ct1–ct4), the rdml-tools RDML files
//! (relative quantification, geNorm), every RDML file's Cq table, and
//! properties of ΔΔCt. Sources of the fixtures and expected values:
//! `tests/data/SOURCES.md`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use preclin_invitro::qpcr::ddct::{DdctOptions, GroupRow, Method, Tubes, relative_expression};
use preclin_invitro::qpcr::efficiency::{delta_ct_slope, standard_curves};
use preclin_invitro::qpcr::genorm::{QuantitySource, genorm_from_set};
use preclin_invitro::qpcr::import_rdml::RdmlFile;
use preclin_invitro::qpcr::replicates::{ReplicateOptions, average};
use preclin_invitro::qpcr::stats::Test;
use preclin_invitro::qpcr::tidy::{CqSet, ReadOptions, from_table, read_cq_file};
use preclin_invitro::table::Table;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/qpcr")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap()
}

#[track_caller]
fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!(
        (a - b).abs() <= tol * b.abs().max(1e-300),
        "{what}: {a} vs {b} (relative tolerance {tol})"
    );
}

/// One of pcr's wide example tables as a tidy Cq set: row i of group g is
/// sample `g_i` (each row is one biological sample; pcr has no technical
/// replicates in these files).
fn pcr_tidy(
    name: &str,
    groups: &[(&str, std::ops::Range<usize>)],
    amounts: Option<&[f64]>,
) -> CqSet {
    let t = Table::parse_text(&read(name), name).unwrap();
    let mut csv = String::from("sample,group,gene,ct,quantity\n");
    for (g, range) in groups {
        for i in range.clone() {
            let row = &t.rows[i];
            for (c, gene) in t.headers.iter().enumerate() {
                let q = amounts.map(|a| a[i / 3].to_string()).unwrap_or_default();
                csv.push_str(&format!("{g}_{},{g},{gene},{},{q}\n", i + 1, row.get(c)));
            }
        }
    }
    from_table(&Table::parse_text(&csv, name).unwrap()).unwrap()
}

fn row<'a>(rows: &'a [GroupRow], gene: &str, group: &str) -> &'a GroupRow {
    rows.iter()
        .find(|r| r.gene == gene && r.group == group)
        .unwrap_or_else(|| panic!("no row {gene} {group}"))
}

/// The expected_pcr_examples.csv row with `dataset`, `method` prefix and `group`.
fn expected_pcr(dataset: &str, method: &str, group: &str) -> BTreeMap<String, f64> {
    let t = Table::parse_text(&read("expected_pcr_examples.csv"), "e").unwrap();
    let r = t
        .rows
        .iter()
        .find(|r| r.get(0) == dataset && r.get(1).starts_with(method) && r.get(2) == group)
        .unwrap_or_else(|| panic!("no expected row {dataset} {method} {group}"));
    t.headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| r.get(i).parse::<f64>().ok().map(|v| (h.clone(), v)))
        .collect()
}

fn ct12(name: &str) -> CqSet {
    pcr_tidy(name, &[("brain", 0..6), ("kidney", 6..12)], None)
}

#[test]
fn pcr_ct1_separate_tubes() {
    // pcr vignette Table 3: kidney ΔΔCt −2.50 ± 0.10, fold 5.6 (5.3–6.0);
    // to full precision −2.495, 5.637283 (5.276399–6.022850).
    let set = ct12("pcr_ct1.csv");
    let r = relative_expression(&set, &DdctOptions::new(&["GAPDH"], "brain")).unwrap();
    let k = row(&r.rows, "c_myc", "kidney");
    close(k.delta_delta_ct.unwrap(), -2.495, 1e-12, "ddct");
    close(k.fold_change.unwrap(), 5.6372830205680815, 1e-12, "fold");
    close(k.fold_lower.unwrap(), 5.276399055034911, 1e-12, "lower");
    close(k.fold_upper.unwrap(), 6.022849963112755, 1e-12, "upper");
    for g in ["brain", "kidney"] {
        let e = expected_pcr("pcr_ct1", "ddCt separate_tube", g);
        let r = row(&r.rows, "c_myc", g);
        close(r.delta_ct.unwrap(), e["dCt"], 1e-12, "dCt");
        close(r.error.unwrap(), e["error"], 1e-12, "error");
        close(r.fold_lower.unwrap(), e["lower"], 1e-12, "lower");
        close(r.fold_upper.unwrap(), e["upper"], 1e-12, "upper");
    }
    // The control row: ΔΔCt 0, no test.
    let b = row(&r.rows, "c_myc", "brain");
    assert_eq!(b.delta_delta_ct, Some(0.0));
    assert!(b.p_value.is_none() && b.ci_lower.is_none());
    // Kidney vs brain: Welch t on ΔCt, p tiny; CI brackets the fold.
    assert!(k.p_value.unwrap() < 1e-6);
    assert!(k.ci_lower.unwrap() < 5.637 && k.ci_upper.unwrap() > 5.637);
}

#[test]
fn pcr_ct1_and_ct2_same_tube() {
    for (file, ds) in [("pcr_ct1.csv", "pcr_ct1"), ("pcr_ct2.csv", "pcr_ct2")] {
        let set = ct12(file);
        let mut o = DdctOptions::new(&["GAPDH"], "brain");
        o.tubes = Tubes::Same;
        let r = relative_expression(&set, &o).unwrap();
        for g in ["brain", "kidney"] {
            let e = expected_pcr(ds, "ddCt same_tube", g);
            let x = row(&r.rows, "c_myc", g);
            close(
                x.delta_delta_ct.unwrap() + 1.0,
                e["ddCt"] + 1.0,
                1e-12,
                "ddct",
            );
            close(x.error.unwrap(), e["error"], 1e-12, "error");
            close(
                x.fold_change.unwrap(),
                e["relative_expression"],
                1e-12,
                "fold",
            );
            close(x.fold_lower.unwrap(), e["lower"], 1e-12, "lower");
            close(x.fold_upper.unwrap(), e["upper"], 1e-12, "upper");
        }
    }
    // pcr vignette: ct2 (same tube) kidney 5.77 (5.23–6.37); full precision
    // 5.775717 (5.232493–6.375336).
    let set = ct12("pcr_ct2.csv");
    let mut o = DdctOptions::new(&["GAPDH"], "brain");
    o.tubes = Tubes::Same;
    let r = relative_expression(&set, &o).unwrap();
    let k = row(&r.rows, "c_myc", "kidney");
    close(k.fold_change.unwrap(), 5.775716782089986, 1e-12, "fold");
    close(k.fold_lower.unwrap(), 5.232493223294116, 1e-12, "lower");
    close(k.fold_upper.unwrap(), 6.375336368981438, 1e-12, "upper");
    // ct2 analysed as separate tubes as well.
    let r = relative_expression(&set, &DdctOptions::new(&["GAPDH"], "brain")).unwrap();
    let e = expected_pcr("pcr_ct2", "ddCt separate_tube", "kidney");
    let k = row(&r.rows, "c_myc", "kidney");
    close(k.error.unwrap(), e["error"], 1e-12, "error");
    close(k.fold_lower.unwrap(), e["lower"], 1e-12, "lower");
}

#[test]
fn pcr_ct3_standard_curves() {
    let amounts = [1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01];
    let set = pcr_tidy("pcr_ct3.csv", &[("dilution", 0..21)], Some(&amounts));
    let curves = standard_curves(&set, 35.0);
    for sc in &curves {
        let e = expected_pcr("pcr_ct3", "standard curve", "");
        let e = if sc.gene == "c_myc" {
            e
        } else {
            let t = Table::parse_text(&read("expected_pcr_examples.csv"), "e").unwrap();
            let r = t
                .rows
                .iter()
                .find(|r| r.get(0) == "pcr_ct3" && r.get(3) == "GAPDH")
                .unwrap();
            t.headers
                .iter()
                .enumerate()
                .filter_map(|(i, h)| r.get(i).parse::<f64>().ok().map(|v| (h.clone(), v)))
                .collect()
        };
        assert_eq!(sc.n_points, 21);
        assert_eq!(sc.n_levels, 7);
        close(sc.slope.unwrap(), e["slope"], 1e-10, "slope");
        close(sc.intercept.unwrap(), e["intercept"], 1e-10, "intercept");
        close(sc.r2.unwrap(), e["r_squared"], 1e-10, "r2");
        close(
            sc.efficiency.unwrap(),
            e["E_amplification_factor"],
            1e-10,
            "E",
        );
        close(sc.efficiency_pct.unwrap(), e["efficiency_pct"], 1e-10, "E%");
        assert_eq!((sc.range_min, sc.range_max), (Some(0.01), Some(1.0)));
    }
    assert_eq!(curves.len(), 2);
    // pcr_efficiency: slope of ΔCt (c_myc − GAPDH) on log10 amount = 0.026456.
    let f = delta_ct_slope(&set, "c_myc", "GAPDH").unwrap();
    close(f.slope, 0.026456191907847974, 1e-9, "dCt slope");
    close(f.r2, 0.020702730161878066, 1e-8, "dCt r2");
}

#[test]
fn pcr_ct4_tests_on_delta_ct() {
    // Yuan et al. 2006 data: control rows 1–12, treatment 13–24.
    let set = pcr_tidy(
        "pcr_ct4.csv",
        &[("control", 0..12), ("treatment", 12..24)],
        None,
    );
    let mut o = DdctOptions::new(&["ref"], "control");
    let welch = relative_expression(&set, &o).unwrap();
    let t = row(&welch.rows, "target", "treatment");
    // pcr vignette Table 6: ΔΔCt −0.6848; Welch (R t.test default) from the
    // reference collection: p 3.429195e-5, CI (−0.955952, −0.413698).
    close(t.delta_delta_ct.unwrap(), -0.684825, 1e-9, "ddct");
    close(t.p_value.unwrap(), 3.429195442074092e-05, 1e-7, "welch p");
    close(
        t.ci_lower.unwrap(),
        2f64.powf(0.41369799969772636),
        1e-10,
        "ci lower",
    );
    close(
        t.ci_upper.unwrap(),
        2f64.powf(0.9559520003022763),
        1e-10,
        "ci upper",
    );
    o.test = Test::Pooled;
    let pooled = relative_expression(&set, &o).unwrap();
    let t = row(&pooled.rows, "target", "treatment");
    // Pooled t = pcr's lm: p 2.829317e-5, CI (−0.954952, −0.414698), which the
    // vignette prints as (−0.4147, −0.955).
    close(t.p_value.unwrap(), 2.8293165973041363e-05, 1e-7, "pooled p");
    close(
        t.ci_lower.unwrap(),
        2f64.powf(0.4146980960981691),
        1e-10,
        "ci lower",
    );
    close(
        t.ci_upper.unwrap(),
        2f64.powf(0.9549519039018336),
        1e-10,
        "ci upper",
    );
    o.test = Test::MannWhitney;
    let mw = relative_expression(&set, &o).unwrap();
    let t = row(&mw.rows, "target", "treatment");
    // scipy exact Mann–Whitney p 2.958409e-6; the vignette's Wilcoxon CI
    // (−0.4227, −0.8805) for the shift, Hodges–Lehmann −0.6354.
    close(t.p_value.unwrap(), 2.958409204202716e-06, 1e-9, "mw p");
    close(t.ci_lower.unwrap(), 2f64.powf(0.4227), 2e-4, "mw ci lower");
    close(t.ci_upper.unwrap(), 2f64.powf(0.8805), 2e-4, "mw ci upper");
    let hl = preclin_stats::mannwhitney::mann_whitney(
        &mw.samples
            .iter()
            .filter(|s| s.group == "treatment")
            .map(|s| s.delta_ct.unwrap())
            .collect::<Vec<_>>(),
        &mw.samples
            .iter()
            .filter(|s| s.group == "control")
            .map(|s| s.delta_ct.unwrap())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    close(hl.estimate, -0.6354, 1e-9, "Hodges–Lehmann");
    close(hl.ci_lower, -0.8805, 1e-9, "HL lower");
    close(hl.ci_upper, -0.4227, 1e-9, "HL upper");
}

fn relative_set() -> CqSet {
    read_cq_file(data("rdmltools_relative.rdml"), &ReadOptions::default()).unwrap()
}

fn expected_relative() -> Vec<BTreeMap<String, String>> {
    let t = Table::parse_text(&read("expected_relative_rdml_ddct.csv"), "e").unwrap();
    t.rows
        .iter()
        .map(|r| {
            t.headers
                .iter()
                .enumerate()
                .map(|(i, h)| (h.clone(), r.get(i).to_string()))
                .collect()
        })
        .collect()
}

fn num(m: &BTreeMap<String, String>, k: &str) -> f64 {
    m[k].parse().unwrap_or_else(|_| panic!("{k}: '{}'", m[k]))
}

#[test]
fn relative_rdml_mean_cq_per_sample() {
    let set = relative_set();
    let cqs = average(&set, &ReplicateOptions::default());
    let t = Table::parse_text(&read("rdmltools_relative_mean_cq_per_sample.csv"), "e").unwrap();
    let mut n = 0;
    for r in &t.rows {
        let sample = r.get(0);
        assert_eq!(
            set.records
                .iter()
                .find(|x| x.sample == sample)
                .unwrap()
                .group
                .as_deref(),
            Some(r.get(1)),
            "group of {sample} from the 'Biological Replicate' annotation"
        );
        for (c, gene) in t.headers.iter().enumerate().skip(2).take(5) {
            let want: f64 = r.get(c).parse().unwrap();
            let got = cqs
                .iter()
                .find(|x| x.sample == sample && &x.gene == gene)
                .and_then(|x| x.cq)
                .unwrap();
            close(got, want, 1e-13, &format!("{sample} {gene}"));
            n += 1;
        }
    }
    assert_eq!(n, 70);
}

#[test]
fn relative_rdml_ddct_and_tests() {
    let set = relative_set();
    let exp = expected_relative();
    let mut o = DdctOptions::new(&["Ppia", "Rpl32"], "Embryo");
    o.tubes = Tubes::Same; // the reference's band is ±sd(ΔCt)
    let r = relative_expression(&set, &o).unwrap();
    let mut checked = 0;
    for e in exp.iter().filter(|e| !e["mean_dCt"].is_empty()) {
        let x = row(&r.rows, &e["target"], &e["group"]);
        assert_eq!(x.n as f64, num(e, "n_bio"));
        close(x.delta_ct.unwrap(), num(e, "mean_dCt"), 1e-12, "mean dCt");
        close(x.delta_ct_sd.unwrap(), num(e, "sd_dCt"), 1e-10, "sd dCt");
        close(
            x.delta_delta_ct.unwrap() + 100.0,
            num(e, "ddCt") + 100.0,
            1e-13,
            "ddCt",
        );
        close(
            x.fold_change.unwrap(),
            num(e, "fold_2pow_neg_ddCt"),
            1e-11,
            "fold",
        );
        close(
            x.fold_lower.unwrap(),
            num(e, "fold_lower_sd"),
            1e-10,
            "lower",
        );
        close(
            x.fold_upper.unwrap(),
            num(e, "fold_upper_sd"),
            1e-10,
            "upper",
        );
        checked += 1;
    }
    assert_eq!(checked, 6);
    // ANF: the ΔΔCt −4.037.
    close(
        row(&r.rows, "ANF", "Adult").delta_delta_ct.unwrap(),
        -4.037481481481482,
        1e-12,
        "ANF",
    );
    // The −1 (no amplification) reaction of Adult 1 / cTNI is not detected:
    // Adult 1 keeps the mean of its three other cTNI wells (19.369).
    let adult1 = r
        .samples
        .iter()
        .find(|s| s.sample == "Adult 1" && s.gene == "cTNI")
        .unwrap();
    assert_eq!(adult1.n_wells, 4);
    assert!(adult1.flags.is_empty());
    close(
        adult1.target_ct.unwrap(),
        (19.480 + 19.313 + 19.314) / 3.0,
        1e-13,
        "Adult 1 cTNI",
    );
    // Tests on ΔCt: Welch (default), pooled, exact Mann–Whitney.
    for e in exp.iter().filter(|e| e["group"] == "Adult vs Embryo") {
        let gene = &e["target"];
        for (test, col, tol) in [
            (Test::Welch, "welch_p", 1e-8),
            (Test::Pooled, "student_p", 1e-7),
            (Test::MannWhitney, "mwu_exact_p", 1e-12),
        ] {
            o.test = test;
            let r = relative_expression(&set, &o).unwrap();
            close(
                row(&r.rows, gene, "Adult").p_value.unwrap(),
                num(e, col),
                tol,
                col,
            );
        }
    }
}

#[test]
fn relative_rdml_pfaffl() {
    let set = relative_set();
    let mut o = DdctOptions::new(&["Ppia", "Rpl32"], "Embryo");
    o.method = Method::Pfaffl;
    o.efficiencies = set.efficiencies.clone();
    let r = relative_expression(&set, &o).unwrap();
    let mut checked = 0;
    for e in expected_relative()
        .iter()
        .filter(|e| !e["geomean_NRQ"].is_empty())
    {
        let x = row(&r.rows, &e["target"], &e["group"]);
        close(
            x.fold_change.unwrap(),
            num(e, "geomean_NRQ"),
            1e-10,
            &e["target"],
        );
        checked += 1;
    }
    assert_eq!(checked, 6);
    // ANF Adult 11.62 against 16.42 without the correction.
    close(
        row(&r.rows, "ANF", "Adult").fold_change.unwrap(),
        11.621939691986928,
        1e-10,
        "ANF",
    );
    // Missing efficiency → error naming the gene.
    o.efficiencies.remove("SCX");
    let e = relative_expression(&set, &o).unwrap_err().to_string();
    assert!(e.contains("SCX"), "{e}");
}

#[test]
fn genorm_ranking() {
    let set = read_cq_file(data("rdmltools_genorm.rdml"), &ReadOptions::default()).unwrap();
    let g = genorm_from_set(&set, &[], QuantitySource::Auto, &BTreeMap::new()).unwrap();
    assert_eq!(g.n_samples, 10);
    let t = Table::parse_text(&read("expected_genorm_M.csv"), "e").unwrap();
    assert_eq!(g.steps.len(), t.rows.len());
    for (step, r) in g.steps.iter().zip(&t.rows) {
        assert_eq!(step.m.len().to_string(), r.get(0));
        // all_M: "Rpl4=0.6176;Polr2a=0.6350;…" in increasing M.
        for (k, part) in r.get(3).split(';').enumerate() {
            let (gene, m) = part.split_once('=').unwrap();
            let m: f64 = m.parse().unwrap();
            let got = step.m.iter().find(|(g, _)| g == gene).unwrap().1;
            assert!((got - m).abs() < 5e-5, "{gene}: {got} vs {m}");
            if k + 1 < step.m.len() && (step.m[k].1 - step.m[k + 1].1).abs() > 1e-9 {
                assert_eq!(
                    step.m[k].0,
                    gene,
                    "order at step with {} genes",
                    step.m.len()
                );
            }
        }
        if let Some(rm) = &step.removed {
            assert_eq!(rm, r.get(1));
            let want: f64 = r.get(2).parse().unwrap();
            close(step.m.last().unwrap().1, want, 1e-12, "M removed");
        }
    }
    // The best pair: Polr2a + Rpl4, M 0.3271.
    let best: Vec<&str> = g.ranking[..2].iter().map(|r| r.0.as_str()).collect();
    assert!(
        best.contains(&"Polr2a") && best.contains(&"Rpl4"),
        "{best:?}"
    );
    close(g.ranking[0].1, 0.3270624292286085, 1e-12, "best pair M");
    assert_eq!(g.ranking.last().unwrap().0, "Ppia");
}

/// Every RDML file's reaction table equals its `*_cq_table.csv` (every
/// column of the expected table; numbers compared as numbers).
#[test]
fn rdml_cq_tables_match() {
    for name in [
        "rdmltools_relative",
        "rdmltools_absolute",
        "rdmltools_genorm",
        "RDMLpkg_stepone_std",
        "RDMLpkg_BioRad_qPCR_melt",
    ] {
        let bytes = std::fs::read(data(&format!("{name}.rdml"))).unwrap();
        let f = RdmlFile::parse(&bytes, name).unwrap();
        let (header, rows) = f.reaction_table();
        let want = Table::parse_text(&read(&format!("{name}_cq_table.csv")), name).unwrap();
        assert_eq!(rows.len(), want.rows.len(), "{name}: rows");
        for (c, col) in want.headers.iter().enumerate() {
            let k = header
                .iter()
                .position(|h| h == col)
                .unwrap_or_else(|| panic!("{name}: no column {col} in {header:?}"));
            for (i, (got, w)) in rows.iter().zip(&want.rows).enumerate() {
                let (g, w) = (got[k].as_str(), w.get(c));
                let same = match (g.parse::<f64>(), w.parse::<f64>()) {
                    (Ok(a), Ok(b)) => a == b,
                    _ => g == w,
                };
                assert!(same, "{name} row {} column {col}: '{g}' vs '{w}'", i + 2);
            }
        }
    }
}

#[test]
fn rdml_versions_and_quirks() {
    // StepOne RDML 1.0: efficiency stored as a percentage (93.91181).
    let s = read_cq_file(data("RDMLpkg_stepone_std.rdml"), &ReadOptions::default()).unwrap();
    close(s.efficiencies["RNase P"], 1.9391181, 1e-12, "E from %");
    // Its standard curve from the std samples (quantities 625–10000).
    let sc = standard_curves(&s, 35.0);
    assert_eq!(sc.len(), 1);
    assert_eq!(sc[0].n_levels, 5);
    assert!(sc[0].efficiency_pct.unwrap() > 80.0 && sc[0].efficiency_pct.unwrap() < 120.0);
    // Bio-Rad 1.1 with a zip entry not called rdml_data.xml, melt curves.
    let b = read_cq_file(
        data("RDMLpkg_BioRad_qPCR_melt.rdml"),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(b.records.len(), 60);
    assert!(b.records.iter().any(|r| r.melt.is_some()));
    // Missing Cq (no amplification) is not detected, never 0.
    assert!(b.records.iter().all(|r| r.cq.is_none_or(|c| c > 0.0)));
    assert_eq!(b.n_not_detected(), 34); // empty cq cells of its Cq table
}

// ----------------------------------------------------------------------
// Properties
// ----------------------------------------------------------------------

/// A deterministic pseudo-random stream (xorshift) for property tests.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn random_set(rng: &mut Rng, shift_control: f64, target_only: bool) -> CqSet {
    let mut csv = String::from("sample,group,gene,ct\n");
    for (g, base) in [("DMSO", 0.0), ("drugA", 1.5), ("drugB", -0.7)] {
        for s in 0..4 {
            for rep in 0..3 {
                let _ = rep;
                let noise = |r: &mut Rng| (r.next() - 0.5) * 0.6;
                let sh = if g == "DMSO" { shift_control } else { 0.0 };
                let refc = 18.0 + s as f64 * 0.3 + noise(rng) + if target_only { 0.0 } else { sh };
                let tar = 26.0 + base + s as f64 * 0.3 + noise(rng) + sh;
                csv.push_str(&format!("{g}{s},{g},ACTB,{refc}\n{g}{s},{g},MEIS1,{tar}\n"));
            }
        }
    }
    from_table(&Table::parse_text(&csv, "prop.csv").unwrap()).unwrap()
}

#[test]
fn property_uniform_shift_in_control() {
    for seed in 1..40u64 {
        let mut a = Rng(seed * 7919);
        let mut b = Rng(seed * 7919);
        let base = random_set(&mut a, 0.0, false);
        let delta = (seed as f64 - 20.0) / 7.0;
        // Every gene of the control shifted by δ: ΔCt unchanged, so every
        // fold change is unchanged.
        let shifted = random_set(&mut b, delta, false);
        let o = DdctOptions::new(&["ACTB"], "DMSO");
        let r0 = relative_expression(&base, &o).unwrap();
        let r1 = relative_expression(&shifted, &o).unwrap();
        for (x, y) in r0.rows.iter().zip(&r1.rows) {
            close(x.fold_change.unwrap(), y.fold_change.unwrap(), 1e-9, "fold");
            close(
                x.p_value.unwrap_or(1.0),
                y.p_value.unwrap_or(1.0),
                1e-6,
                "p",
            );
        }
        // Only the control's target shifted by δ: every treated fold is
        // multiplied by 2^δ, consistently.
        let mut c = Rng(seed * 7919);
        let t_shift = random_set(&mut c, delta, true);
        let r2 = relative_expression(&t_shift, &o).unwrap();
        for (x, y) in r0.rows.iter().zip(&r2.rows).filter(|(x, _)| !x.is_control) {
            close(
                y.fold_change.unwrap(),
                x.fold_change.unwrap() * delta.exp2(),
                1e-9,
                "fold × 2^δ",
            );
            close(
                y.fold_lower.unwrap() / y.fold_change.unwrap(),
                x.fold_lower.unwrap() / x.fold_change.unwrap(),
                1e-9,
                "band",
            );
        }
    }
}

#[test]
fn property_swapping_control_inverts_fold() {
    for seed in 1..40u64 {
        let set = random_set(&mut Rng(seed * 104_729), 0.0, false);
        let ab = relative_expression(&set, &DdctOptions::new(&["ACTB"], "DMSO")).unwrap();
        let ba = relative_expression(&set, &DdctOptions::new(&["ACTB"], "drugA")).unwrap();
        let x = row(&ab.rows, "MEIS1", "drugA");
        let y = row(&ba.rows, "MEIS1", "DMSO");
        close(
            x.fold_change.unwrap() * y.fold_change.unwrap(),
            1.0,
            1e-12,
            "inverse",
        );
        close(
            x.delta_delta_ct.unwrap(),
            -y.delta_delta_ct.unwrap(),
            1e-12,
            "ddct",
        );
        close(x.p_value.unwrap(), y.p_value.unwrap(), 1e-12, "p symmetric");
        close(
            x.ci_lower.unwrap() * y.ci_upper.unwrap(),
            1.0,
            1e-9,
            "CI inverts",
        );
    }
}

#[test]
fn bad_input_names_sample_and_row() {
    let t = |csv: &str| from_table(&Table::parse_text(csv, "bad.csv").unwrap()).unwrap();
    // Reference absent for a sample.
    let set = t(
        "sample,group,gene,ct\ns1,DMSO,ACTB,18\ns1,DMSO,HOXA9,25\ns2,DMSO,HOXA9,25.5\ns3,X,ACTB,18\ns3,X,HOXA9,24\n",
    );
    let e = relative_expression(&set, &DdctOptions::new(&["ACTB"], "DMSO"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("'s2'") && e.contains("line 4") && e.contains("ACTB"),
        "{e}"
    );
    // Reference not detected.
    let set = t("sample,group,gene,ct\ns1,DMSO,ACTB,Undetermined\ns1,DMSO,HOXA9,25\n");
    let e = relative_expression(&set, &DdctOptions::new(&["ACTB"], "DMSO"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("'s1'") && e.contains("line 2") && e.contains("detected"),
        "{e}"
    );
    // Control group missing.
    let set = t("sample,group,gene,ct\ns1,A,ACTB,18\ns1,A,HOXA9,25\n");
    let e = relative_expression(&set, &DdctOptions::new(&["ACTB"], "DMSO"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("'DMSO'") && e.contains("groups: A"), "{e}");
    // Unknown reference gene.
    let e = relative_expression(&set, &DdctOptions::new(&["GAPDH"], "A"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("GAPDH") && e.contains("ACTB, HOXA9"), "{e}");
}
