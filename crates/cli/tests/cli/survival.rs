//! `preclin survival` end to end on R's `aml` data: medians and their CIs,
//! log-rank, hazard ratios, % increase in median, Cox (Breslow and Efron),
//! curve table, pairwise tests, figure, JSON, determinism and bad input.

use crate::common::{Csv, TempDir, assert_abs, assert_rel, fixture, preclin, read};

fn aml() -> String {
    fixture("survival/aml.csv").to_str().unwrap().to_string()
}

const AML_ARGS: [&str; 4] = ["--event", "status", "--group", "x"];

#[test]
fn aml_medians_logrank_and_hazard_ratios_match_r() {
    let dir = TempDir::new("surv");
    let curve = dir.join("curve.csv");
    let pairwise = dir.join("pairwise.csv");
    let cox = dir.join("cox.csv");
    let fig = dir.join("km.svg");
    let f = aml();
    let mut args = vec!["survival", f.as_str()];
    args.extend(AML_ARGS);
    args.extend([
        "--control",
        "Maintained",
        "--curve",
        curve.to_str().unwrap(),
        "--pairwise",
        pairwise.to_str().unwrap(),
        "--cox",
        cox.to_str().unwrap(),
        "--ties",
        "breslow",
        "--figure",
        fig.to_str().unwrap(),
        "--at-risk",
        "0,10,20",
        "--boot",
        "500",
    ]);
    let run = preclin(&args).ok();
    let csv = Csv::parse(&run.stdout);
    assert_eq!(
        &csv.header[..6],
        &[
            "group",
            "n",
            "events",
            "median",
            "median_lower",
            "median_upper"
        ]
    );
    csv.assert_no_non_finite("survival", &[]);
    // R: survfit(Surv(time, status) ~ x, aml), conf.type = "log".
    assert_eq!(csv.cell(0, "group"), "Maintained");
    assert_eq!(csv.cell(0, "n"), "11");
    assert_eq!(csv.cell(0, "events"), "7");
    assert_eq!(csv.cell(0, "median"), "31");
    assert_eq!(csv.cell(0, "median_lower"), "18");
    assert_eq!(csv.cell(0, "median_upper"), "");
    assert_eq!(csv.cell(1, "group"), "Nonmaintained");
    assert_eq!((csv.cell(1, "n"), csv.cell(1, "events")), ("12", "11"));
    assert_eq!(csv.cell(1, "median"), "23");
    assert_eq!(csv.cell(1, "median_lower"), "8");
    assert_eq!(csv.cell(1, "median_upper"), "");
    // Against the control only.
    assert_eq!(csv.cell(0, "hr_mh"), "");
    assert_rel(
        csv.num(1, "percent_increase_median"),
        100.0 * (23.0 / 31.0 - 1.0),
        1e-12,
        "% increase",
    );
    // Nonmaintained vs Maintained (expected_logrank_cox.csv).
    assert_rel(csv.num(1, "hr_mh"), 2.510786877607583, 1e-9, "HR MH");
    assert_rel(
        csv.num(1, "hr_mh_lower"),
        0.9432139410557874,
        1e-6,
        "HR MH lcl",
    );
    assert_rel(
        csv.num(1, "hr_mh_upper"),
        6.683585208367459,
        1e-6,
        "HR MH ucl",
    );
    assert_rel(csv.num(1, "hr_logrank"), 2.297674735182837, 1e-9, "HR O/E");
    assert_rel(
        csv.num(1, "logrank_p_vs_control"),
        0.0653393220405049,
        1e-9,
        "log-rank p",
    );
    assert_rel(
        csv.num(1, "p_holm"),
        0.0653393220405049,
        1e-9,
        "Holm of one",
    );
    assert_abs(csv.num(0, "expected"), 10.689336, 5e-7, "E");
    assert_eq!(csv.cell(0, "observed"), "7");
    assert_eq!(
        (
            csv.cell(0, "at_risk_0"),
            csv.cell(0, "at_risk_10"),
            csv.cell(0, "at_risk_20")
        ),
        ("11", "10", "7")
    );
    assert!(
        run.stdout
            .contains("# logrank test over 2 groups: chisq=3.39638869897")
    );
    assert!(run.stdout.contains("seed=20260421"));
    // The curve table: every distinct time of both groups (R summary()).
    let c = Csv::read(&curve);
    assert_eq!(c.rows.len(), 20);
    let r = c.find(&["group", "time"], &["Maintained", "31"]);
    assert_abs(c.num(r, "surv"), 0.490909, 5e-7, "S(31)");
    assert_abs(c.num(r, "se_surv"), 0.1642, 5e-5, "se S(31)");
    assert_abs(c.num(r, "lower"), 0.254860, 5e-7, "lcl");
    assert_abs(c.num(r, "upper"), 0.945585, 5e-7, "ucl");
    let last = c.find(&["group", "time"], &["Nonmaintained", "45"]);
    assert_eq!(c.cell(last, "surv"), "0");
    assert_eq!(c.cell(last, "lower"), "");
    // Cox with Breslow ties: R's printed coxph.
    let x = Csv::read(&cox);
    assert_eq!(x.cell(0, "term"), "Nonmaintained");
    assert_abs(x.num(0, "coef"), 0.9042, 5e-5, "coef");
    assert_abs(x.num(0, "se"), 0.5122, 5e-5, "se");
    assert_abs(x.num(0, "hr"), 2.4700, 5e-5, "exp(coef)");
    assert_abs(x.num(0, "p"), 0.0775, 5e-5, "Wald p");
    assert_abs(x.num(0, "lr_p"), 0.06945, 5e-6, "LR p");
    assert_eq!(x.cell(0, "ties"), "breslow");
    // Pairwise: log-rank and Gehan–Breslow against the control.
    let p = Csv::read(&pairwise);
    assert_eq!(p.rows.len(), 2);
    let g = p.find(&["test"], &["gehan-breslow"]);
    assert_rel(p.num(g, "chisq"), 2.7233115468409594, 1e-9, "Gehan chisq");
    let svg = read(&fig);
    assert!(svg.contains("Number at risk") && svg.contains("Nonmaintained"));
    assert!(!svg.contains("NaN"));
}

#[test]
fn json_has_logrank_gehan_cox_and_provenance() {
    let f = aml();
    let mut args = vec!["survival", f.as_str()];
    args.extend(AML_ARGS);
    args.extend(["--format", "json", "--boot", "200", "--seed", "7"]);
    let run = preclin(&args).ok();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let lr = &v["logrank"];
    assert_rel(
        lr["chisq"].as_f64().unwrap(),
        3.3963886989776024,
        1e-9,
        "chisq",
    );
    assert_eq!(lr["df"].as_u64(), Some(1));
    assert_rel(lr["p"].as_f64().unwrap(), 0.0653393220405049, 1e-9, "p");
    assert_rel(
        v["gehan_breslow"]["p"].as_f64().unwrap(),
        0.09889265136523154,
        1e-9,
        "Gehan p",
    );
    assert_eq!(v["groups"][0]["median"].as_f64(), Some(31.0));
    assert!(v["groups"][0]["median_upper"].is_null());
    // Cox on group, Efron ties by default (lifelines: HR 2.498103).
    let term = &v["cox"]["terms"][0];
    assert_rel(
        term["hr"].as_f64().unwrap(),
        2.498102749590753,
        1e-5,
        "Efron HR",
    );
    assert_rel(
        v["cox"]["lr"]["chisq"].as_f64().unwrap(),
        3.384447332599663,
        1e-9,
        "LR",
    );
    assert!(v["provenance"]["inputs"][0][1].as_str().unwrap().len() == 64);
    assert_eq!(v["pairwise"].as_array().unwrap().len(), 2);
    assert_eq!(v["bootstrap"]["seed"].as_u64(), Some(7));
}

#[test]
fn deterministic_with_seed_and_conf_types() {
    let f = aml();
    let run = |seed: &str, ct: &str| {
        let mut args = vec!["survival", f.as_str()];
        args.extend(AML_ARGS);
        args.extend([
            "--control",
            "Nonmaintained",
            "--seed",
            seed,
            "--boot",
            "300",
            "--conf-type",
            ct,
            "--no-comments",
        ]);
        preclin(&args).ok().stdout
    };
    let a = run("5", "log");
    assert_eq!(a, run("5", "log"));
    let csv = Csv::parse(&a);
    assert_eq!(csv.cell(0, "group"), "Nonmaintained");
    assert_rel(
        csv.num(1, "percent_increase_median"),
        100.0 * (31.0 / 23.0 - 1.0),
        1e-12,
        "% increase",
    );
    assert!(csv.num(1, "percent_increase_median_lower") < csv.num(1, "percent_increase_median"));
    assert_ne!(a, run("6", "log"));
    // lifelines' log-log limits: Maintained 31 [13, inf], Nonmaintained 23 [5, 33].
    let ll = Csv::parse(&run("5", "log-log"));
    assert_eq!(ll.cell(1, "median_lower"), "13");
    assert_eq!(ll.cell(1, "median_upper"), "");
    assert_eq!(ll.cell(0, "median_lower"), "5");
    assert_eq!(ll.cell(0, "median_upper"), "33");
    assert_eq!(ll.cell(0, "conf_type"), "log-log");
}

#[test]
fn bad_input_names_file_line_and_column() {
    let dir = TempDir::new("surv-bad");
    let bad_event = dir.write("e.csv", "time,event,group\n5,1,A\n7,2,A\n9,0,B\n");
    let err = preclin(["survival", bad_event.to_str().unwrap()]).user_error();
    assert!(
        err.contains("e.csv, line 3, column 'event'") && err.contains("'2'"),
        "{err}"
    );
    let bad_time = dir.write("t.csv", "time,event,group\n5,1,A\nday7,1,A\n");
    let err = preclin(["survival", bad_time.to_str().unwrap()]).user_error();
    assert!(err.contains("t.csv, line 3, column 'time'"), "{err}");
    let neg = dir.write("n.csv", "time,event,group\n5,1,A\n-1,1,B\n");
    let err = preclin(["survival", neg.to_str().unwrap()]).user_error();
    assert!(
        err.contains("n.csv, line 3, column 'time'") && err.contains("0 or more"),
        "{err}"
    );
    let ok = dir.write("ok.csv", "time,event,group\n5,1,A\n6,0,B\n");
    let err = preclin(["survival", ok.to_str().unwrap(), "--control", "C"]).user_error();
    assert!(err.contains("'C'") && err.contains("A, B"), "{err}");
    let err = preclin(["survival", ok.to_str().unwrap(), "--time", "days"]).user_error();
    assert!(err.contains("days"), "{err}");
}

#[test]
fn single_group_without_group_column() {
    let dir = TempDir::new("surv-one");
    let f = dir.write("one.csv", "time,event\n1,1\n2,1\n3,0\n4,1\n");
    let run = preclin(["survival", f.to_str().unwrap(), "--format", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["groups"][0]["group"], "all");
    // S = 0.5 from 2 until the death at 4: the midpoint rule gives 3.
    assert_eq!(v["groups"][0]["median"].as_f64(), Some(3.0));
    assert!(v["logrank"].is_null());
}
