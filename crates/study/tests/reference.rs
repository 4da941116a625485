//! Reference table tests: the bundled rows, search by compound / alias /
//! class / cell line, user rows, and the measured-vs-published rule.

use preclin_curve::units::ConcUnit;
use preclin_study::reference::{
    MeasuredPotency, Qualifier, ReferenceError, ReferenceTable, Table, Verdict, compare_potency,
};

fn measured(
    compound: &[&str],
    line: &[&str],
    metric: &str,
    v: f64,
    ci: Option<(f64, f64)>,
) -> MeasuredPotency {
    MeasuredPotency {
        compound_names: compound.iter().map(|s| s.to_string()).collect(),
        cell_line_names: line.iter().map(|s| s.to_string()).collect(),
        metric: metric.into(),
        value: v,
        ci_lower: ci.map(|c| c.0),
        ci_upper: ci.map(|c| c.1),
        unit: ConcUnit::NanoM,
        molecular_weight: None,
        assay_hours: None,
    }
}

#[test]
fn bundled_tables_load_completely() {
    let t = ReferenceTable::bundled();
    let count = |tab: Table| t.rows.iter().filter(|r| r.table == tab).count();
    // data lines of the four files (header excluded)
    assert_eq!(count(Table::Seed), 32);
    assert_eq!(count(Table::Potency), 16);
    assert_eq!(count(Table::InvivoClinical), 43);
    assert_eq!(count(Table::Resistance), 12);
    assert!(t.rows.iter().all(|r| !r.source.is_empty()));
    // the seeds' Table 1 row of the example
    let r = &t.rows[0];
    assert_eq!(r.compound, "MI-503");
    assert_eq!(r.model.as_deref(), Some("MV4;11"));
    assert_eq!(
        (r.low, r.high, r.qualifier),
        (Some(250.0), Some(570.0), Qualifier::Approx)
    );
    assert_eq!(r.value_display(), "≈ 250–570 nM");
    assert_eq!(r.line, 2);
    // a bound and a qualitative value
    let below = t
        .rows
        .iter()
        .find(|r| r.table == Table::Potency && r.compound == "ziftomenib")
        .unwrap();
    assert_eq!(
        (below.low, below.high, below.qualifier),
        (None, Some(25.0), Qualifier::Below)
    );
    assert_eq!(below.value_display(), "< 25 nM");
    assert!(below.is_compound("KO-539"));
    let text = t
        .rows
        .iter()
        .find(|r| r.table == Table::Potency && r.value_text.starts_with("not affected"))
        .unwrap();
    assert_eq!(text.qualifier, Qualifier::Qualitative);
    assert_eq!(text.value_display(), "not affected (qualitative)");
}

#[test]
fn search_by_compound_alias_class_and_line() {
    let t = ReferenceTable::bundled();
    let mi503 = t.by_compound("mi503");
    assert!(mi503.len() >= 8, "{}", mi503.len());
    assert!(mi503.iter().all(|r| r.compound.starts_with("MI-503")));
    // alias in parentheses and in the synonyms column
    assert!(!t.by_compound("EPZ-5676").is_empty());
    assert!(
        t.by_compound("EPZ5676")
            .iter()
            .any(|r| r.table == Table::Potency)
    );
    assert!(t.by_compound("ASP2215").len() >= 2);
    // a listed compound
    assert!(
        t.by_compound("bleximenib")
            .iter()
            .any(|r| r.table == Table::Resistance)
    );
    // class: menin inhibitors, not FLT3 inhibitors
    let menin = t.by_class("menin inhibitor");
    assert!(
        menin
            .iter()
            .any(|r| r.compound == "menin inhibitors (class)")
    );
    assert!(menin.iter().any(|r| r.compound == "MI-503"));
    assert!(menin.iter().all(|r| !r.compound.starts_with("quizartinib")));
    assert!(
        t.by_class("FLT3")
            .iter()
            .any(|r| r.compound == "quizartinib")
    );
    // cell line by any spelling, including a list cell and a model's first word
    let molm = t.by_model("MOLM13");
    assert!(molm.iter().any(|r| r.compound == "VTP50469"));
    assert!(molm.iter().any(|r| r.compound == "M-808"));
    assert!(
        t.by_model("NOMO1")
            .iter()
            .any(|r| r.model.as_deref() == Some("SHI-1; MONO-MAC-1; NOMO-1"))
    );
    assert!(
        t.by_model("mv4-11")
            .iter()
            .any(|r| r.table == Table::InvivoClinical)
    );
    // free search
    assert_eq!(t.search("").len(), t.rows.len());
    assert!(t.search("gilteritinib").len() >= 4);
    assert!(t.search("xenograft").iter().all(|r| {
        let all = format!("{:?}", r).to_lowercase();
        all.contains("xenograft")
    }));
    assert!(t.search("no-such-compound-xyz").is_empty());
}

/// The issue's example: "MI-503 GI50, MV4;11: measured 310 nM (95% CI …);
/// published ≈ 250–570 nM (Borkin 2015)".
#[test]
fn measured_potency_beside_published() {
    let t = ReferenceTable::bundled();
    let c = compare_potency(
        &t,
        &measured(
            &["MI-503"],
            &["MV4-11"],
            "GI50",
            310.0,
            Some((240.0, 400.0)),
        ),
    );
    assert_eq!(c.len(), 1, "{c:#?}");
    assert_eq!(c[0].verdict, Verdict::Agrees);
    assert_eq!(c[0].published_nm, (Some(250.0), Some(570.0)));
    assert!(c[0].notes.is_empty());
    assert!(
        c[0].reference
            .source
            .contains("Comparative Guide to MI-503")
    );

    // less potent: 1500–2600 nM is ≥ 1500/570 above the range
    let c = compare_potency(
        &t,
        &measured(
            &["MI503"],
            &["MV4;11"],
            "GI50",
            2000.0,
            Some((1500.0, 2600.0)),
        ),
    );
    match c[0].verdict {
        Verdict::LessPotent { fold } => assert!((fold - 1500.0 / 570.0).abs() < 1e-12),
        v => panic!("{v:?}"),
    }
    assert!(c[0].verdict.disagrees());
    // more potent: 40–60 nM is ≥ 250/60 below
    let c = compare_potency(
        &t,
        &measured(&["MI-503"], &["MOLM-13"], "GI50", 50.0, Some((40.0, 60.0))),
    );
    match c[0].verdict {
        Verdict::MorePotent { fold } => assert!((fold - 250.0 / 60.0).abs() < 1e-12),
        v => panic!("{v:?}"),
    }
    // touching the range counts as overlap
    let c = compare_potency(
        &t,
        &measured(&["MI-503"], &["SEM"], "GI50", 600.0, Some((570.0, 700.0))),
    );
    assert_eq!(c[0].verdict, Verdict::Agrees);
    // no CI: the point estimate, with a note
    let c = compare_potency(&t, &measured(&["MI-503"], &["KOPN-8"], "GI50", 900.0, None));
    assert!(matches!(c[0].verdict, Verdict::LessPotent { .. }));
    assert!(c[0].notes.iter().any(|n| n.contains("point estimate")));
}

#[test]
fn bounds_units_and_metrics() {
    let t = ReferenceTable::bundled();
    // "< 25 nM": agrees when the CI reaches below 25
    let c = compare_potency(
        &t,
        &measured(&["KO-539"], &["MOLM-13"], "IC50", 10.0, Some((5.0, 20.0))),
    );
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].verdict, Verdict::Agrees);
    let c = compare_potency(
        &t,
        &measured(
            &["ziftomenib"],
            &["MOLM13"],
            "IC50",
            100.0,
            Some((80.0, 130.0)),
        ),
    );
    match c[0].verdict {
        Verdict::LessPotent { fold } => assert!((fold - 80.0 / 25.0).abs() < 1e-12),
        v => panic!("{v:?}"),
    }
    // published in µM (0.22 µM = 220 nM), measured in µM too
    let mut m = measured(
        &["MI-503"],
        &["murine MLL-AF9 transformed BMC"],
        "GI50",
        0.2,
        Some((0.18, 0.21)),
    );
    m.unit = ConcUnit::MicroM;
    let c = compare_potency(&t, &m);
    let pot = c
        .iter()
        .find(|c| c.reference.table == Table::Potency)
        .unwrap();
    assert_eq!(pot.published_nm.0, Some(220.0));
    assert!(matches!(pot.verdict, Verdict::MorePotent { .. }));
    // a mass concentration: 169.38 ng/mL of MW 564.6 g/mol = 300 nM
    let mut m = measured(
        &["MI-503"],
        &["MV4;11"],
        "GI50",
        169.38,
        Some((141.15, 197.61)),
    );
    m.unit = ConcUnit::MicroGramPerL;
    m.molecular_weight = Some(564.6);
    let c = compare_potency(&t, &m);
    let (lo, hi) = c[0].measured_nm.unwrap();
    assert!(
        (lo - 250.0).abs() < 1e-9 && (hi - 350.0).abs() < 1e-9,
        "{lo} {hi}"
    );
    assert_eq!(c[0].verdict, Verdict::Agrees);
    m.molecular_weight = None;
    assert_eq!(compare_potency(&t, &m)[0].verdict, Verdict::NotComparable);
    // a measured IC50 beside a published GI50: compared, with a note
    let c = compare_potency(
        &t,
        &measured(
            &["MI-503"],
            &["MV4;11"],
            "IC50",
            310.0,
            Some((240.0, 400.0)),
        ),
    );
    assert_eq!(c[0].verdict, Verdict::Agrees);
    assert!(c[0].notes[0].contains("definitions differ"));
    // qualitative rows are shown, not compared; the exact row is compared
    let c = compare_potency(
        &t,
        &measured(
            &["gilteritinib"],
            &["MV4-11"],
            "IC50",
            1.2,
            Some((0.8, 1.6)),
        ),
    );
    assert!(
        c.iter()
            .any(|c| c.verdict == Verdict::NotComparable && c.reference.table == Table::Seed)
    );
    assert!(
        c.iter()
            .any(|c| c.verdict == Verdict::Agrees && c.reference.table == Table::Potency)
    );
    // a unit the source flags is used, with its caveat
    let c = compare_potency(
        &t,
        &measured(&["M-808"], &["HL-60"], "IC50", 3.0, Some((2.0, 4.0))),
    );
    assert_eq!(c.len(), 1);
    assert!(
        c[0].notes
            .iter()
            .any(|n| n.contains("unit flagged in the source"))
    );
    // binding constants and other lines are never compared
    assert!(compare_potency(&t, &measured(&["M-808"], &["MV4;11"], "Kd", 1.0, None)).is_empty());
    assert!(compare_potency(&t, &measured(&["MI-503"], &["K562"], "GI50", 1.0, None)).is_empty());
    // CC50 only with CC50
    let c = compare_potency(
        &t,
        &measured(
            &["balomenib"],
            &["MOLM-13"],
            "CC50",
            300.0,
            Some((200.0, 400.0)),
        ),
    );
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].reference.metric, "CC50");
    assert_eq!(c[0].verdict, Verdict::Agrees);
}

#[test]
fn user_rows_extend_the_table() {
    let mut t = ReferenceTable::bundled();
    let n0 = t.rows.len();
    let csv = "compound,synonyms,target,mechanism,cell_line,genotype,assay,metric,value,unit,source,note\n\
               LAB-001,L1,menin (MEN1),menin-KMT2A PPI inhibitor,MV4;11,KMT2A-AF4,CTG 7d,IC50,12-20,nM,our lab 2026,x\n";
    assert_eq!(t.add_csv(csv, "mine.csv").unwrap(), 1);
    assert_eq!(t.rows.len(), n0 + 1);
    let r = t.by_compound("l1")[0];
    assert_eq!(r.origin, "mine.csv");
    assert_eq!(
        (r.low, r.high, r.qualifier),
        (Some(12.0), Some(20.0), Qualifier::Range)
    );
    let c = compare_potency(
        &t,
        &measured(&["LAB-001"], &["MV4-11"], "IC50", 30.0, Some((25.0, 36.0))),
    );
    assert!(matches!(c[0].verdict, Verdict::LessPotent { .. }));
    // a header of no layout: the closest layout and its missing columns are named
    let err = t
        .add_csv("compound,metric,value,unit\nX,IC50,1,nM\n", "bad.csv")
        .unwrap_err();
    match &err {
        ReferenceError::UnknownLayout {
            closest, missing, ..
        } => {
            assert_eq!(*closest, Table::Potency);
            assert!(missing.contains(&"source".to_string()));
        }
        e => panic!("{e:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("bad.csv: the header matches no reference layout")
    );
    // a row without a source is refused, and nothing is added
    let csv = "compound,synonyms,target,mechanism,cell_line,genotype,assay,metric,value,unit,source\n\
               A,,,,MV4;11,,,IC50,1,nM,s\nB,,,,MV4;11,,,IC50,1,nM,\n";
    let err = t.add_csv(csv, "nosrc.csv").unwrap_err();
    assert_eq!(err.to_string(), "nosrc.csv:3: the source cell is empty");
    assert_eq!(t.rows.len(), n0 + 1);
}

/// The agreement rule on simulated measurements with known truth: a
/// log-normal GI50 estimate with SE 0.25 on the ln scale and its 95 % CI
/// `exp(ln x ± 1.96·0.25)` (seed 20261121, Xoshiro256++).
///
/// - Truth inside the published range (MI-503 in MV4;11, ≈ 250–570 nM):
///   the CI covers the truth in ~95 % of experiments, and whenever it does
///   it overlaps the range, so "agrees" must occur in ≥ 95 % (it is higher,
///   since a CI can miss the truth and still overlap the range).
/// - Truth 3-fold above the range's top (1710 nM): "less potent" must be
///   the usual verdict (its rate is the power of the rule).
#[test]
fn agreement_rule_on_simulated_measurements() {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    use rand_xoshiro::Xoshiro256PlusPlus;

    let t = ReferenceTable::bundled();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20_261_121);
    let se = 0.25;
    let noise = Normal::new(0.0, se).unwrap();
    let n = 4000;
    let mut rates = Vec::new();
    for truth in [400.0_f64, 250.0, 570.0, 1710.0] {
        let (mut agree, mut less, mut covered) = (0, 0, 0);
        for _ in 0..n {
            let est = truth.ln() + noise.sample(&mut rng);
            let (lo, hi) = ((est - 1.959964 * se).exp(), (est + 1.959964 * se).exp());
            if lo <= truth && truth <= hi {
                covered += 1;
            }
            let c = compare_potency(
                &t,
                &measured(&["MI-503"], &["MV4;11"], "GI50", est.exp(), Some((lo, hi))),
            );
            match c[0].verdict {
                Verdict::Agrees => agree += 1,
                Verdict::LessPotent { .. } => less += 1,
                _ => {}
            }
        }
        rates.push((
            truth,
            covered as f64 / n as f64,
            agree as f64 / n as f64,
            less as f64 / n as f64,
        ));
    }
    for &(truth, coverage, agree, _) in &rates[..3] {
        // the interval itself covers ~95 % (binomial SE 0.0034)
        assert!(
            (coverage - 0.95).abs() < 0.015,
            "truth {truth}: coverage {coverage}"
        );
        assert!(
            agree >= coverage - 1e-12,
            "truth {truth}: agree {agree} < coverage {coverage}"
        );
        assert!(agree >= 0.95, "truth {truth}: agree {agree}");
    }
    let (_, _, agree, less) = rates[3];
    // 3-fold above the range: ln(1710/570) = 1.10 = 4.4 SE, the CI's lower end
    // is above 570 whenever the estimate exceeds 570·e^{0.49}: P ≈ Φ((1.10−0.49)/0.25) ≈ 0.99
    assert!(less > 0.97, "less potent {less}");
    assert!(agree < 0.03, "agree {agree}");
}

/// A 72-h measurement beside the 7-day published GI50 is not judged; the
/// same value measured at 7 days (or of unknown length) is.
#[test]
fn different_assay_lengths_are_not_judged() {
    let t = ReferenceTable::bundled();
    let mut m = measured(
        &["MI-503"],
        &["MV4;11"],
        "IC50",
        5000.0,
        Some((3000.0, 9000.0)),
    );
    let seven: Vec<_> = compare_potency(&t, &m)
        .into_iter()
        .filter(|c| c.reference.table == Table::Seed)
        .collect();
    assert!(
        matches!(seven[0].verdict, Verdict::LessPotent { .. }),
        "{seven:?}"
    );
    m.assay_hours = Some(168.0);
    let c = &compare_potency(&t, &m)[0];
    assert!(matches!(c.verdict, Verdict::LessPotent { .. }));
    m.assay_hours = Some(72.0);
    let c = &compare_potency(&t, &m)[0];
    assert_eq!(c.verdict, Verdict::NotComparable);
    let note = c.notes.join("; ");
    assert!(
        note.contains("assay length differs: measured 3 d (72 h), published 7 d (168 h)"),
        "{note}"
    );
    assert!(note.contains("less potent"), "{note}");
}
