//! `preclin engraftment` end to end: tidy % input, counts, the flow engine's
//! summary (inline design and `--samples`), per-mouse / burden / figure
//! outputs, errors naming file, line and column.

use crate::common::{Csv, TempDir, assert_rel, preclin, read};

/// Three vehicle and three MI-503 mice, blood weekly from day 7, bone marrow
/// at day 28 (illustrative values).
const PCT: &str = "mouse,group,day,tissue,hcd45_pct\n\
v1,vehicle,7,blood,0.2\nv1,vehicle,14,blood,1.5\nv1,vehicle,21,blood,6.0\nv1,vehicle,28,blood,15\nv1,vehicle,28,bone_marrow,60\n\
v2,vehicle,7,blood,0.4\nv2,vehicle,14,blood,2.5\nv2,vehicle,21,blood,9.0\nv2,vehicle,28,blood,22\nv2,vehicle,28,bone_marrow,72\n\
v3,vehicle,7,blood,0.1\nv3,vehicle,14,blood,0.8\nv3,vehicle,21,blood,4.0\nv3,vehicle,28,blood,11\nv3,vehicle,28,bone_marrow,55\n\
t1,MI-503,7,blood,0.1\nt1,MI-503,14,blood,0.2\nt1,MI-503,21,blood,0.3\nt1,MI-503,28,blood,0.5\nt1,MI-503,28,bone_marrow,5\n\
t2,MI-503,7,blood,0\nt2,MI-503,14,blood,0.1\nt2,MI-503,21,blood,0.6\nt2,MI-503,28,blood,1.2\nt2,MI-503,28,bone_marrow,8\n\
t3,MI-503,7,blood,0.05\nt3,MI-503,14,blood,0.1\nt3,MI-503,21,blood,0.2\nt3,MI-503,28,blood,0.4\nt3,MI-503,28,bone_marrow,3\n";

fn logit(pct: f64) -> f64 {
    let p = (pct / 100.0).clamp(1e-4, 1.0 - 1e-4);
    (p / (1.0 - p)).ln()
}

#[test]
fn percent_input_summaries_comparisons_and_side_outputs() {
    let dir = TempDir::new("engraft");
    let f = dir.write("pdx.csv", PCT);
    let (pm, bu, fig) = (
        dir.join("mice.csv"),
        dir.join("burden.csv"),
        dir.join("pdx.svg"),
    );
    let args = [
        "engraftment",
        f.to_str().unwrap(),
        "--control",
        "vehicle",
        "--per-mouse",
        pm.to_str().unwrap(),
        "--burden",
        bu.to_str().unwrap(),
        "--figure",
        fig.to_str().unwrap(),
        "--log-y",
    ];
    let run = preclin(args).ok();
    assert!(run.stdout.contains("# input "), "provenance");
    let csv = Csv::parse(&run.stdout);
    assert_eq!(
        &csv.header[..6],
        &["endpoint", "tissue", "day", "group", "n", "mean"]
    );
    csv.assert_no_non_finite("engraftment", &[]);
    // 4 blood days + 1 marrow day, 2 groups; AUC 2; burden 2 tissues × 2.
    assert_eq!(csv.rows.len(), 10 + 2 + 4);
    let v = csv.find(
        &["endpoint", "tissue", "day", "group"],
        &["day", "blood", "28", "vehicle"],
    );
    assert_rel(csv.num(v, "mean"), 16.0, 1e-12, "mean");
    assert_eq!(csv.cell(v, "welch_p"), "", "no comparison for the control");
    let d = csv.find(
        &["endpoint", "tissue", "day", "group"],
        &["day", "blood", "28", "MI-503"],
    );
    let want = (logit(0.5) + logit(1.2) + logit(0.4)) / 3.0
        - (logit(15.0) + logit(22.0) + logit(11.0)) / 3.0;
    assert_rel(csv.num(d, "logit_diff"), want, 1e-12, "logit diff");
    assert_rel(csv.num(d, "odds_ratio"), want.exp(), 1e-12, "odds ratio");
    assert_eq!(csv.cell(d, "n_above_threshold"), "1");
    // scipy 1.17.1: ttest_ind(logit(drug), logit(vehicle), equal_var=False).pvalue
    assert_rel(
        csv.num(d, "welch_p"),
        0.0019003319569244614,
        1e-9,
        "Welch p (scipy)",
    );
    // Exact Mann–Whitney, 3 vs 3 separated: 2/20.
    assert_rel(csv.num(d, "mw_p"), 0.1, 1e-12, "mw p");
    // Day 7 holds a 0 %: clamped.
    let d7 = csv.find(&["endpoint", "day", "group"], &["day", "7", "MI-503"]);
    assert_eq!(csv.cell(d7, "flags"), "clamped");
    let a = csv.find(&["endpoint", "group"], &["auc_mean_level", "vehicle"]);
    // v1: 7·(0.2+1.5)/2 + 7·(1.5+6)/2 + 7·(6+15)/2 = 105.7 over 21 days, etc.
    assert_rel(
        csv.num(a, "mean"),
        (105.7 + 158.9 + 72.45) / 21.0 / 3.0,
        1e-12,
        "auc mean level",
    );
    let b = csv.find(
        &["endpoint", "tissue", "group"],
        &["burden", "bone_marrow", "MI-503"],
    );
    assert_eq!(csv.cell(b, "day"), "28");
    assert_rel(csv.num(b, "median"), 5.0, 1e-12, "marrow median");

    let m = Csv::read(&pm);
    assert_eq!(m.rows.len(), 6);
    let v1 = m.find(&["mouse"], &["v1"]);
    assert_rel(m.num(v1, "auc"), 105.7, 1e-12, "auc v1");
    assert_eq!((m.cell(v1, "time"), m.cell(v1, "event")), ("14", "1"));
    let t1 = m.find(&["mouse"], &["t1"]);
    assert_eq!((m.cell(t1, "time"), m.cell(t1, "event")), ("28", "0"));
    let bt = Csv::read(&bu);
    assert_eq!(bt.rows.len(), 12);
    let svg = read(&fig);
    assert!(svg.contains("MI-503") && !svg.contains("NaN"));

    // Determinism: same input and arguments, same bytes.
    let again = preclin(args).ok();
    assert_eq!(again.stdout, run.stdout);
    assert_eq!(read(&fig), svg);

    // Interpolation and JSON.
    let run = preclin([
        "engraftment",
        f.to_str().unwrap(),
        "--control",
        "vehicle",
        "--interpolate",
        "--format",
        "json",
    ])
    .ok();
    let j: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let tt = &j["time_to_threshold"][0];
    assert_eq!(tt["mouse"], "v1");
    // 7 + (1 − 0.2)/(1.5 − 0.2)·7
    assert_rel(
        tt["time"].as_f64().unwrap(),
        7.0 + 0.8 / 1.3 * 7.0,
        1e-12,
        "interpolated",
    );
    assert_eq!(j["summaries"].as_array().unwrap().len(), 16);
}

#[test]
fn counts_and_the_flow_summary() {
    let dir = TempDir::new("engraft-flow");
    // The flow engine's columns plus the design columns.
    let flow = dir.write(
        "pdx_flow.csv",
        "sample,human,mouse,double_positive,events,percent_human,animal,group,day,tissue\n\
         s1,30,70,2,120,30,m1,vehicle,14,blood\n\
         s2,60,40,1,110,60,m1,vehicle,28,blood\n\
         s3,5,95,0,100,5,m2,drug,14,blood\n\
         s4,10,90,0,100,10,m2,drug,28,blood\n",
    );
    let bu = dir.join("burden.csv");
    let run = preclin([
        "engraftment",
        flow.to_str().unwrap(),
        "--burden",
        bu.to_str().unwrap(),
    ])
    .ok();
    assert!(run.stdout.contains("input_layout=flow_summary"));
    let csv = Csv::parse(&run.stdout);
    let r = csv.find(&["endpoint", "day", "group"], &["day", "14", "vehicle"]);
    assert_rel(csv.num(r, "mean"), 30.0, 1e-12, "30/(30+70)");
    let b = Csv::read(&bu);
    let m1 = b.find(&["mouse"], &["m1"]);
    assert_eq!((b.cell(m1, "hcd45"), b.cell(m1, "mcd45")), ("60", "40"));
    // Wilson 95 % interval of 60/100.
    let (lo, hi) = (b.num(m1, "ci_lower"), b.num(m1, "ci_upper"));
    assert!(lo < 60.0 && hi > 60.0 && (lo - 50.2).abs() < 0.1 && (hi - 69.1).abs() < 0.1);

    // The bare flow summary with a sample sheet.
    let bare = dir.write(
        "bare.csv",
        "sample,human,mouse,double_positive,events,percent_human\n\
         s1,30,70,2,120,30\ns2,60,40,1,110,60\n",
    );
    let sheet = dir.write(
        "design.csv",
        "sample,mouse,group,day,tissue\ns1,m1,vehicle,14,blood\ns2,m1,vehicle,28,spleen\n",
    );
    let run = preclin([
        "engraftment",
        bare.to_str().unwrap(),
        "--samples",
        sheet.to_str().unwrap(),
    ])
    .ok();
    let csv = Csv::parse(&run.stdout);
    csv.find(&["endpoint", "tissue", "day"], &["day", "spleen", "28"]);
    // Without a design: a clear error.
    let err = preclin(["engraftment", bare.to_str().unwrap()]).user_error();
    assert!(err.contains("--samples"), "{err}");
    // A sample missing from the sheet names the line.
    let sheet2 = dir.write("d2.csv", "sample,mouse,group,day\ns1,m1,vehicle,14\n");
    let err = preclin([
        "engraftment",
        bare.to_str().unwrap(),
        "--samples",
        sheet2.to_str().unwrap(),
    ])
    .user_error();
    assert!(err.contains("line 3") && err.contains("'s2'"), "{err}");
    // A negative count names the flow file's column.
    let neg = dir.write(
        "neg.csv",
        "sample,human,mouse,animal,group,day\ns1,30,-1,m1,v,7\n",
    );
    let err = preclin(["engraftment", neg.to_str().unwrap()]).user_error();
    assert!(err.contains("line 2, column 'mouse'"), "{err}");
    let zero = dir.write(
        "zero.csv",
        "sample,human,mouse,animal,group,day\ns1,0,0,m1,v,7\n",
    );
    let err = preclin(["engraftment", zero.to_str().unwrap()]).user_error();
    assert!(err.contains("line 2: human + mouse = 0"), "{err}");
}

#[test]
fn bad_rows_name_file_line_and_column() {
    let dir = TempDir::new("engraft-err");
    let cases: [(&str, &str, &[&str]); 7] = [
        (
            "pct.csv",
            "mouse,group,day,tissue,hcd45_pct\nm1,v,7,blood,10\nm1,v,14,blood,101\n",
            &["pct.csv", "line 3", "column 'hcd45_pct'", "0–100"],
        ),
        (
            "tissue.csv",
            "mouse,group,day,tissue,hcd45_pct\nm1,v,7,liver,10\n",
            &["line 2", "column 'tissue'", "liver"],
        ),
        (
            "groups.csv",
            "mouse,group,day,tissue,hcd45_pct\nm1,v,7,blood,10\nm1,d,14,blood,10\n",
            &["line 3", "'m1'", "line 2"],
        ),
        (
            "dup.csv",
            "mouse,group,day,tissue,hcd45_pct\nm1,v,7,blood,10\nm1,v,7,PB,12\n",
            &["line 3", "repeats line 2"],
        ),
        (
            "zero.csv",
            "mouse,group,day,tissue,hcd45,mcd45\nm1,v,7,blood,0,0\n",
            &["line 2", "hcd45 + mcd45 = 0"],
        ),
        (
            "text.csv",
            "mouse,group,day,tissue,hcd45_pct\nm1,v,seven,blood,10\n",
            &["line 2", "column 'day'", "seven"],
        ),
        (
            "nocol.csv",
            "mouse,group,day,tissue,value\nm1,v,7,blood,10\n",
            &["hcd45_pct"],
        ),
    ];
    for (name, text, want) in cases {
        let f = dir.write(name, text);
        let err = preclin(["engraftment", f.to_str().unwrap()]).user_error();
        for w in want {
            assert!(err.contains(w), "{name}: '{w}' not in {err}");
        }
    }
    let f = dir.write(
        "ok.csv",
        "mouse,group,day,tissue,hcd45_pct\nm1,v,7,blood,10\n",
    );
    let err = preclin(["engraftment", f.to_str().unwrap(), "--control", "saline"]).user_error();
    assert!(err.contains("saline") && err.contains("ok.csv"), "{err}");
    let err = preclin(["engraftment", f.to_str().unwrap(), "--day", "9"]).user_error();
    assert!(err.contains("burden day 9"), "{err}");
    let err = preclin(["engraftment", f.to_str().unwrap(), "--tissue", "liver"]).user_error();
    assert!(err.contains("--tissue"), "{err}");
}

/// `--threshold-survival` on the demo's PDX study equals `preclin survival`
/// run on the per-mouse (time, event) pairs that `--per-mouse` writes: the
/// same Kaplan–Meier medians and log-rank p, by two routes.
#[test]
fn threshold_survival_equals_preclin_survival_on_the_pairs() {
    let dir = TempDir::new("engraft-ts");
    let input = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/demo/engraftment.csv");
    let (ts, pm) = (dir.join("ts.csv"), dir.join("pm.csv"));
    preclin([
        "engraftment",
        input.to_str().unwrap(),
        "--control",
        "vehicle",
        "--threshold",
        "5",
        "--threshold-survival",
        ts.to_str().unwrap(),
        "--per-mouse",
        pm.to_str().unwrap(),
        "-o",
        dir.join("main.csv").to_str().unwrap(),
    ])
    .ok();
    let ts = Csv::read(&ts);
    let pm = Csv::read(&pm);
    let mut pairs = String::from("mouse,group,time,event\n");
    for i in 0..pm.rows.len() {
        if pm.cell(i, "tissue") == "blood" {
            pairs += &format!(
                "{},{},{},{}\n",
                pm.cell(i, "mouse"),
                pm.cell(i, "group"),
                pm.cell(i, "time"),
                pm.cell(i, "event")
            );
        }
    }
    let pf = dir.join("pairs.csv");
    std::fs::write(&pf, pairs).unwrap();
    let run = preclin([
        "survival",
        pf.to_str().unwrap(),
        "--control",
        "vehicle",
        "--no-comments",
    ])
    .ok();
    let sv = Csv::parse(&run.stdout);
    for g in ["vehicle", "balomenib"] {
        let (i, j) = (ts.find(&["group"], &[g]), sv.find(&["group"], &[g]));
        assert_eq!(ts.cell(i, "n"), sv.cell(j, "n"), "{g}");
        assert_eq!(ts.cell(i, "reached"), sv.cell(j, "events"), "{g}");
        assert_eq!(ts.cell(i, "median_time"), sv.cell(j, "median"), "{g}");
    }
    let (i, j) = (
        ts.find(&["group"], &["balomenib"]),
        sv.find(&["group"], &["balomenib"]),
    );
    assert_rel(
        ts.num(i, "logrank_p_vs_control"),
        sv.num(j, "logrank_p_vs_control"),
        1e-12,
        "log-rank p",
    );
    assert!(ts.num(i, "logrank_p_vs_control") < 0.01);
}
