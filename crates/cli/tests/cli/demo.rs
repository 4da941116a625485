//! `preclin demo --out DIR` (the README's first command) and `preclin bench
//! fit`: the example study is written to DIR/study and analysed into DIR
//! (one folder per experiment, the store); the validation report, figures
//! and truth check are written under DIR/validation, and the example truths
//! within the tested doses are recovered.

use std::collections::HashMap;

use crate::common::{Csv, TempDir, example_dir, preclin, read};

/// (lowest, highest) non-zero dose of each compound in a layout file.
fn dose_ranges(layout: &Csv) -> HashMap<String, (f64, f64)> {
    let mut m: HashMap<String, (f64, f64)> = HashMap::new();
    for i in 0..layout.rows.len() {
        let c = layout.cell(i, "compound");
        let Ok(d) = layout.cell(i, "dose").parse::<f64>() else {
            continue;
        };
        if layout.cell(i, "role") != "sample" || d <= 0.0 {
            continue;
        }
        assert_eq!(layout.cell(i, "dose_unit"), "nM");
        let e = m.entry(c.to_string()).or_insert((d, d));
        e.0 = e.0.min(d);
        e.1 = e.1.max(d);
    }
    m
}

#[test]
fn demo_writes_report_figures_and_truth_check() {
    let dir = TempDir::new("demo");
    let top = dir.join("demo_out");
    let run = preclin(["demo".as_ref(), "--out".as_ref(), top.as_os_str()]).ok();
    assert!(run.stderr.contains("validation.html"), "{}", run.stderr);
    assert!(run.stderr.contains("timings: simulate"), "{}", run.stderr);
    // The example study, analysed by `preclin analyze` into the top folder.
    assert!(top.join("study/study.toml").is_file());
    assert!(top.join("study/data/resistance/viability.csv").is_file());
    assert!(top.join("preclin.db").is_file());
    for e in [
        "viability_day7/potency.csv",
        "viability_72h/potency.csv",
        "combination/combination.csv",
        "cross_resistance/viability_long.csv",
        "qpcr/qpcr.csv",
        "cfu/cfu.csv",
        "flow_markers/markers.csv",
        "xenograft/xenograft.csv",
        "survival/survival.csv",
        "engraftment/engraftment.csv",
        "invivo_synergy/invivo_synergy.csv",
    ] {
        assert!(top.join(e).is_file(), "{e} missing");
    }

    let html = read(&top.join("validation.html"));
    let out = top.join("validation");
    assert!(html.contains("<svg"), "figures are inlined");
    assert!(html.contains("Provenance"));
    for compound in ["MI-503", "revumenib", "gilteritinib", "venetoclax"] {
        assert!(html.contains(compound), "report lacks {compound}");
    }
    // The cross-resistance section (examples/resistance) and its heatmap.
    assert!(html.contains("Cross-resistance (MEN1 mutants)"));
    assert!(html.contains("collateral sensitivity"));
    assert!(read(&out.join("figures/cross_resistance.svg")).contains("log2 resistance factor"));

    let svgs: Vec<_> = std::fs::read_dir(out.join("figures"))
        .expect("figures directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    assert!(svgs.len() >= 4, "one figure per compound: {svgs:?}");
    // The combination section: heatmaps and isobolograms per cell line, and
    // the Bliss estimate's interval covers the simulated truth.
    assert!(html.contains("Combination: MI-503 × quizartinib"));
    for line in ["MV4-11", "MOLM-13"] {
        for tag in ["response", "bliss", "zip", "isobologram"] {
            assert!(
                out.join(format!("figures/combination_{line}_{tag}.svg"))
                    .exists(),
                "{line} {tag}"
            );
        }
    }
    let scores = Csv::read(&out.join("combination_scores.csv"));
    scores.assert_no_non_finite("combination_scores.csv", &[]);
    for line in ["MV4-11", "MOLM-13"] {
        let i = scores.find(&["cell_line", "method"], &[line, "bliss"]);
        let truth = scores.num(i, "truth_excess_over_bliss");
        assert!(
            scores.num(i, "lower") <= truth && truth <= scores.num(i, "upper"),
            "{line}: truth {truth} outside the Bliss interval"
        );
    }
    for p in &svgs {
        assert!(read(p).contains("<svg"), "{}", p.display());
    }
    for assay in ["day7", "72h"] {
        for f in ["fits.csv", "potency.csv", "qc.csv"] {
            assert!(out.join(assay).join(f).exists(), "{assay}/{f}");
        }
    }

    // Flow cytometry sections: differentiation markers and engraftment,
    // truths recovered within 3 percentage points.
    assert!(html.contains("Differentiation markers (flow cytometry)"));
    assert!(html.contains("Engraftment (PDX, flow cytometry)"));
    let m = Csv::read(&out.join("flow/markers.csv"));
    assert_eq!(m.rows.len(), 12, "3 conditions × 4 markers");
    for i in 0..m.rows.len() {
        let (got, truth) = (m.num(i, "percent_positive"), m.num(i, "truth_percent"));
        assert!(
            (got - truth).abs() < 3.0,
            "{:?}: {got} vs {truth}",
            m.rows[i]
        );
    }
    let e = Csv::read(&out.join("flow/engraftment.csv"));
    for i in 0..e.rows.len() {
        let (got, truth) = (e.num(i, "percent_human"), e.num(i, "truth_percent"));
        assert!(
            (got - truth).abs() < 3.0,
            "{:?}: {got} vs {truth}",
            e.rows[i]
        );
    }
    assert!(out.join("figures/flow_pdx_bone_marrow.svg").exists());

    // Mechanism sections: qRT-PCR fold changes and colonies near the truth.
    assert!(html.contains("Gene expression (qRT-PCR)"));
    assert!(html.contains("Colony-forming assay"));
    assert!(out.join("figures/qpcr_fold_change.svg").exists());
    assert!(out.join("figures/cfu_colonies.svg").exists());
    let q = Csv::read(&out.join("qpcr_fold_changes.csv"));
    q.assert_no_non_finite("qpcr_fold_changes.csv", &[]);
    assert_eq!(q.rows.len(), 6, "2 genes × 3 groups");
    for i in 0..q.rows.len() {
        let (got, truth) = (q.num(i, "delta_delta_ct"), q.num(i, "truth_delta_delta_ct"));
        assert!(
            (got - truth).abs() < 0.7,
            "{:?}: {got} vs {truth}",
            q.rows[i]
        );
    }
    let c = Csv::read(&out.join("cfu_results.csv"));
    for i in 0..c.rows.len() {
        let (got, truth) = (
            c.num(i, "percent_of_control"),
            c.num(i, "truth_percent_of_control"),
        );
        assert!(
            (got - truth).abs() < 15.0,
            "{:?}: {got} vs {truth}",
            c.rows[i]
        );
    }

    // In vivo sections: the seeds' claims recovered from the simulated
    // xenograft (> 80 % reduction with complete regressions, MI-463 tumours
    // smaller), survival (longer medians, log-rank) and engraftment.
    for h in [
        "Xenograft: MV4;11 subcutaneous, MI-503 and MI-463",
        "Survival: MLL-AF9 leukemic mice",
        "PDX engraftment over time",
    ] {
        assert!(html.contains(h), "{h}");
    }
    for f in [
        "xenograft_growth",
        "xenograft_waterfall",
        "survival_km",
        "engraftment_blood",
    ] {
        assert!(out.join(format!("figures/{f}.svg")).exists(), "{f}");
    }
    let x = Csv::read(&out.join("invivo/xenograft.csv"));
    x.assert_no_non_finite("invivo/xenograft.csv", &[]);
    let mi503 = x.find(&["group"], &["MI-503"]);
    assert!(x.num(mi503, "reduction_percent") > 80.0);
    assert!(x.num(mi503, "p_value") < 0.05);
    let mi463 = x.find(&["group"], &["MI-463"]);
    assert!(x.num(mi463, "fold_reduction") > 1.5);
    let pm = Csv::read(&out.join("invivo/xenograft_per_mouse.csv"));
    let complete = (0..pm.rows.len())
        .filter(|&i| pm.cell(i, "group") == "MI-503" && pm.cell(i, "regression") == "complete")
        .count();
    assert!(complete >= 1, "no complete regression with MI-503");
    let sv = Csv::read(&out.join("invivo/survival.csv"));
    for g in ["MI-503", "MI-463"] {
        let i = sv.find(&["group"], &[g]);
        assert!(sv.num(i, "percent_increase_median") > 20.0, "{g}");
        assert!(sv.num(i, "p_holm") < 0.05, "{g}");
    }
    let en = Csv::read(&out.join("invivo/engraftment.csv"));
    let i = en.find(
        &["endpoint", "tissue", "group"],
        &["burden", "bone_marrow", "balomenib"],
    );
    assert!(en.num(i, "welch_p_holm") < 0.05);

    // In vivo combination: SynergyLMM's Bliss combination index covers the
    // simulated exp(−0.02·t) at the last days, and shows synergy at day 21.
    assert!(html.contains("In vivo combination: MI-503 × quizartinib"));
    let syn = Csv::read(&out.join("invivo/invivo_synergy_truth.csv"));
    let lmm: Vec<usize> = (0..syn.rows.len())
        .filter(|&i| syn.cell(i, "method") == "synergylmm")
        .collect();
    assert_eq!(lmm.len(), 6, "days 3 … 21");
    let covered = lmm
        .iter()
        .filter(|&&i| syn.cell(i, "covered") == "true")
        .count();
    assert!(
        covered >= 5,
        "{covered} of 6 Bliss intervals cover the truth"
    );
    let last = *lmm.last().unwrap();
    assert_eq!(syn.num(last, "time"), 21.0);
    assert!(syn.num(last, "ci_upper") < 1.0, "synergy at day 21");
    assert!((syn.num(last, "truth") - (-0.42f64).exp()).abs() < 1e-3);

    // Truth recovery: truths inside the tested dose range within 0.1 log10.
    let check = Csv::read(&out.join("truth_check.csv"));
    check.assert_no_non_finite("truth_check.csv", &[]);
    assert_eq!(check.rows.len(), 20, "4 compounds × 5 cell lines");
    let mut ranges = HashMap::new();
    for assay in ["day7", "72h"] {
        ranges.extend(dose_ranges(&Csv::read(
            &example_dir().join(format!("layout_{assay}.csv")),
        )));
    }
    let (mut in_range, mut close) = (0, 0);
    for i in 0..check.rows.len() {
        let compound = check.cell(i, "compound");
        let truth = check.num(i, "truth_ec50_nM");
        let (lo, hi) = ranges[compound];
        if !(lo..=hi).contains(&truth) {
            continue;
        }
        in_range += 1;
        let est = check.num(i, "estimate_ec50_nM");
        if (est / truth).log10().abs() <= 0.1 {
            close += 1;
        }
    }
    assert_eq!(in_range, 17, "truths inside the tested doses");
    assert!(
        close >= 15,
        "only {close} of {in_range} in-range truths recovered within 0.1 log10"
    );
}

#[test]
fn bench_fit_reports_throughput() {
    let run = preclin(["bench", "fit", "--curves", "2000", "--end-to-end", "false"]).ok();
    assert!(run.stdout.contains("curves/s"), "{}", run.stdout);
    assert!(run.stdout.contains("2000"), "{}", run.stdout);
}
