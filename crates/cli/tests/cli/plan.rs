//! `preclin plan`: power tables by simulation (xenograft, survival,
//! viability), the power-curve figure, JSON, determinism and bad input.

use crate::common::{Csv, TempDir, preclin, read};

#[test]
fn xenograft_null_arm_is_calibrated_and_a_real_dose_is_powered() {
    let dir = TempDir::new("plan");
    let fig = dir.join("power.svg");
    let run = preclin([
        "plan",
        "xenograft",
        "--n",
        "3..6",
        "--reps",
        "150",
        "--dose",
        "0,1",
        "--schedule",
        "qd",
        "--seed",
        "5",
        "--figure",
        fig.to_str().unwrap(),
    ])
    .ok();
    let csv = Csv::parse(&run.stdout);
    assert_eq!(csv.rows.len(), 8);
    for i in 0..4 {
        assert_eq!(csv.cell(i, "arm"), "0 mg/kg qd");
        // Holm over two arms at α = 0.05: at most α within 3 MC SE (0.053).
        assert!(csv.num(i, "power") <= 0.05 + 0.053, "{:?}", csv.rows[i]);
        assert!(csv.num(i, "tgi_percent").abs() < 20.0);
    }
    let n6 = csv.find(&["arm", "n"], &["1 mg/kg qd", "6"]);
    assert!(csv.num(n6, "power") >= 0.95, "{:?}", csv.rows[n6]);
    assert!(csv.num(n6, "tgi_percent") > 80.0);
    let se = csv.num(n6, "mc_se");
    let p = csv.num(n6, "power");
    assert!((se - (p * (1.0 - p) / 150.0).sqrt()).abs() < 1e-3);
    assert!(
        run.stdout
            .contains("# smallest n with power >= 0.8: 1 mg/kg qd: ")
    );
    let svg = read(&fig);
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"));
    assert!(svg.contains("1 mg/kg qd") && !svg.contains("NaN"));
}

#[test]
fn same_seed_same_bytes_other_seed_other_numbers() {
    let args = |seed: &'static str| {
        vec![
            "plan",
            "survival",
            "--n",
            "3,5",
            "--reps",
            "20",
            "--dose",
            "0.1",
            "--schedule",
            "qd",
            "--seed",
            seed,
        ]
    };
    let a = preclin(args("9")).ok().stdout;
    let b = preclin(args("9")).ok().stdout;
    assert_eq!(a, b);
    let c = preclin(args("10")).ok().stdout;
    assert_ne!(
        Csv::parse(&a).rows,
        Csv::parse(&c).rows,
        "another seed must give other simulated studies"
    );
    let csv = Csv::parse(&a);
    assert!(csv.has("median_increase_percent") && csv.has("mc_se"));
}

#[test]
fn viability_json_reports_the_ci_width_and_smallest_n() {
    let run = preclin([
        "plan",
        "viability",
        "--n",
        "2,4",
        "--reps",
        "30",
        "--concentrations",
        "8",
        "--format",
        "json",
    ])
    .ok();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let rows = v["power"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let w2 = rows[0]["ci_width_fold"].as_f64().unwrap();
    let w4 = rows[1]["ci_width_fold"].as_f64().unwrap();
    assert!(w4 < w2 && w4 > 1.0, "{w2} {w4}");
    assert!(
        v["smallest_n"][0]["arm"]
            .as_str()
            .unwrap()
            .contains("8 concentrations")
    );
    assert!(v["method"].as_str().unwrap().contains("LL.4"));
}

#[test]
fn bad_plans_are_user_errors() {
    let e = preclin(["plan", "xenograft", "--n", "1..4", "--reps", "2"]).user_error();
    assert!(e.contains("n grid"), "{e}");
    let e = preclin(["plan", "survival", "--schedule", "tid", "--reps", "2"]).user_error();
    assert!(e.contains("schedule 'tid'"), "{e}");
    let e = preclin(["plan", "viability", "--dose", "3"]).user_error();
    assert!(e.contains("--dose"), "{e}");
    let e = preclin(["plan", "xenograft", "--compound", "nope", "--reps", "2"]).user_error();
    assert!(e.contains("nope"), "{e}");
    let e = preclin(["plan", "xenograft", "--power", "1.2"]).user_error();
    assert!(e.contains("--power"), "{e}");
}

#[test]
fn the_plan_analyses_a_simulated_study_exactly_as_preclin_xenograft_does() {
    use preclin_study::plan::xenograft::{XenograftPlan, replicate_study};
    use preclin_study::plan::{ArmSpec, Schedule};
    let mut plan = XenograftPlan::new(3);
    plan.arms = [0.0, 0.3]
        .iter()
        .map(|&d| ArmSpec {
            mg_per_kg: d,
            schedule: Schedule::Qd,
        })
        .collect();
    plan.n_grid = vec![6];
    let dir = TempDir::new("plan-x");
    for rep in [0, 1, 2] {
        let (csv, ps) = replicate_study(&plan, rep).unwrap();
        assert_eq!(ps.len(), 2);
        assert!(ps.iter().all(|(_, p)| p.is_some()), "{ps:?}");
        let f = dir.write(&format!("cal{rep}.csv"), csv);
        let out = preclin(["xenograft", f.to_str().unwrap(), "--control", "vehicle"])
            .ok()
            .stdout;
        let t = Csv::parse(&out);
        for (arm, p) in &ps {
            let i = t.find(&["group"], &[arm.as_str()]);
            let cli = t.cell(i, "p_value");
            match p {
                Some(p) => {
                    let c: f64 = cli.parse().unwrap();
                    assert!((c - p).abs() <= 1e-4 * p.max(1e-3), "{arm}: {c} vs {p}");
                }
                None => assert_eq!(cli, "", "{arm}"),
            }
        }
    }
}

#[test]
fn output_bytes_do_not_depend_on_the_thread_count() {
    let run = |threads: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_preclin"))
            .args([
                "plan",
                "xenograft",
                "--n",
                "3,5",
                "--reps",
                "16",
                "--dose",
                "0.3",
                "--seed",
                "4",
            ])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("2"));
    assert_eq!(one, run("4"));
}
