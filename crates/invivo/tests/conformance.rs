//! Conformance of the xenograft metrics with the project's reference values
//! on invivoSyn's four example studies (see `tests/data/SOURCES.md`).

use std::collections::HashMap;

use preclin_invivo::xenograft::efficacy::{EfficacyOptions, MannWhitneyRule, efficacy};
use preclin_invivo::xenograft::model::{Study, StudyOptions, records_from_wide};
use preclin_invivo::xenograft::mouse::{MouseOptions, all_mouse_metrics};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
const SETS: [&str; 4] = [
    "invivoSyn_LS_1034",
    "invivoSyn_SW837",
    "invivoSyn_SNU-81",
    "invivoSyn_CR1197",
];

fn read_csv(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(format!("{DATA}/{name}")).unwrap();
    let h = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (h, rows)
}

fn num(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() || s == "NA" {
        None
    } else {
        Some(s.parse().unwrap())
    }
}

fn load(set: &str) -> Study {
    let (h, rows) = read_csv(&format!("{set}.csv"));
    let days: Vec<f64> = h[2..].iter().map(|d| d.parse().unwrap()).collect();
    let wide: Vec<(usize, String, String, Vec<Option<f64>>)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                i + 2,
                r[0].clone(),
                r[1].clone(),
                r[2..].iter().map(|c| num(c)).collect(),
            )
        })
        .collect();
    let recs = records_from_wide(&days, &wide).unwrap();
    let opts = StudyOptions {
        rebase_days: true,
        key_includes_group: true,
        ..StudyOptions::default()
    };
    Study::new(&recs, &opts).unwrap()
}

#[track_caller]
fn close(got: Option<f64>, want: Option<f64>, what: &str) {
    match (got, want) {
        (None, None) => {}
        (Some(g), Some(w)) => {
            let tol = 1e-9 * w.abs().max(1e-3);
            assert!((g - w).abs() <= tol, "{what}: got {g}, want {w}");
        }
        _ => panic!("{what}: got {got:?}, want {want:?}"),
    }
}

#[test]
fn per_mouse_metrics_match_reference() {
    let (h, rows) = read_csv("expected_per_mouse.csv");
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let mut checked = 0;
    for set in SETS {
        let study = load(set);
        let ms = all_mouse_metrics(&study, &MouseOptions::default());
        let mut by_uid = HashMap::new();
        for m in &ms {
            let gi = study.groups.iter().position(|g| g == &m.group).unwrap() + 1;
            by_uid.insert(format!("{gi}_{}", m.mouse), m);
        }
        let exp: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == set).collect();
        assert_eq!(exp.len(), ms.len(), "{set}: mice");
        for r in exp {
            let uid = &r[col("uid")];
            let m = by_uid[uid];
            let w = format!("{set} {uid}");
            assert_eq!(m.group, r[col("Treatment")], "{w}");
            assert_eq!(m.n_obs.to_string(), r[col("n_obs")], "{w} n_obs");
            close(
                m.last_day,
                num(&r[col("last_day")]),
                &format!("{w} last_day"),
            );
            close(m.v0, num(&r[col("TV0")]), &format!("{w} TV0"));
            close(
                m.growth_rate,
                num(&r[col("loglinear_rate_per_day")]),
                &format!("{w} rate"),
            );
            close(
                m.doubling_time,
                num(&r[col("doubling_time_days")]),
                &format!("{w} doubling"),
            );
            close(
                m.auc_rate,
                num(&r[col("invivoSyn_normAUC")]),
                &format!("{w} AUC"),
            );
            close(
                m.best_response,
                num(&r[col("best_response_pct")]),
                &format!("{w} BR"),
            );
            close(
                m.best_avg_response,
                num(&r[col("best_avg_response_pct")]),
                &format!("{w} BAR"),
            );
            let class = m.mrecist.map(|c| c.name()).unwrap_or("NA");
            assert_eq!(class, r[col("mRECIST")], "{w} mRECIST");
            checked += 1;
        }
    }
    assert_eq!(checked, 128);
}

#[test]
fn tumour_metrics_match_reference() {
    let (h, rows) = read_csv("expected_tumour_metrics.csv");
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let mut checked = 0;
    for set in SETS {
        let study = load(set);
        let ms = all_mouse_metrics(&study, &MouseOptions::default());
        let control = study.groups[0].clone();
        let mut opts = EfficacyOptions::new(&control);
        opts.mann_whitney = MannWhitneyRule::Scipy;
        let eff = efficacy(&study, &ms, &opts).unwrap();
        for r in rows.iter().filter(|r| r[0] == set) {
            let g = &r[col("treatment")];
            let e = eff.iter().find(|e| &e.group == g).unwrap();
            let w = format!("{set} {g}");
            let c = eff.iter().find(|e| e.is_control).unwrap();
            close(Some(e.day), num(&r[col("eval_day")]), &format!("{w} day"));
            assert_eq!(e.n.to_string(), r[col("n_T")], "{w} n_T");
            assert_eq!(e.n_control.to_string(), r[col("n_C")], "{w} n_C");
            close(e.mean, num(&r[col("mean_TV_T")]), &format!("{w} mean T"));
            close(c.mean, num(&r[col("mean_TV_C")]), &format!("{w} mean C"));
            close(
                e.tgi_deltatv_pct,
                num(&r[col("TGI_deltaTV_pct")]),
                &format!("{w} TGI dTV"),
            );
            close(
                e.tgi_rtv_pct,
                num(&r[col("TGI_RTV_pct")]),
                &format!("{w} TGI RTV"),
            );
            close(
                e.tgi_groupmeans_pct,
                num(&r[col("TGI_groupmeans_pct")]),
                &format!("{w} TGI gm"),
            );
            close(
                e.dt_over_dc_pct,
                num(&r[col("dT_over_dC_pct")]),
                &format!("{w} dT/dC"),
            );
            close(
                e.tc_mean_pct,
                num(&r[col("T_over_C_mean_pct")]),
                &format!("{w} T/C"),
            );
            close(
                e.tc_median_pct,
                num(&r[col("T_over_C_median_pct")]),
                &format!("{w} T/C med"),
            );
            close(
                e.regression_pct,
                num(&r[col("regression_pct_if_dT_neg")]),
                &format!("{w} regr"),
            );
            close(
                e.welch_t,
                num(&r[col("welch_t_TV")]),
                &format!("{w} welch t"),
            );
            close(
                e.welch_p,
                num(&r[col("welch_p_TV")]),
                &format!("{w} welch p"),
            );
            close(
                e.welch_p_log,
                num(&r[col("welch_p_logTV")]),
                &format!("{w} welch p log"),
            );
            close(
                e.mann_whitney_p,
                num(&r[col("mannwhitney_p_TV")]),
                &format!("{w} MW"),
            );
            close(
                e.mean_rate,
                num(&r[col("mean_rate_T")]),
                &format!("{w} rate T"),
            );
            close(
                c.mean_rate,
                num(&r[col("mean_rate_C")]),
                &format!("{w} rate C"),
            );
            close(
                e.mauc_ratio,
                num(&r[col("mAUCr_invivoSyn")]),
                &format!("{w} mAUCr"),
            );
            let counts: Vec<String> = e.mrecist.iter().map(|x| x.to_string()).collect();
            let want: Vec<String> = ["n_mRECIST_CR", "n_PR", "n_SD", "n_PD"]
                .iter()
                .map(|c| r[col(c)].clone())
                .collect();
            assert_eq!(counts, want, "{w} mRECIST counts");
            checked += 1;
        }
    }
    assert_eq!(checked, 12);
}
