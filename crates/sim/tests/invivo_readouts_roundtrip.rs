//! The simulated caliper table goes through the `invivo` study model (as
//! `preclin xenograft` reads it) and its per-mouse growth-rate estimate
//! recovers the simulated truth; exits are picked up.

use preclin_invivo::xenograft::model::{Record, Study, StudyOptions};
use preclin_invivo::xenograft::mouse::{MouseOptions, all_mouse_metrics};
use preclin_sim::invivo_readouts::{Arm, XenograftDesign, simulate_xenograft};
use preclin_sim::kinetics_simple::EmaxLag;
use preclin_sim::pk::Constant;

/// Parses `mouse,group,day,length,width,body_weight,exit` text.
fn records(csv: &str) -> Vec<Record> {
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("mouse,group,day,length,width,body_weight,exit")
    );
    lines
        .enumerate()
        .map(|(i, l)| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 7, "{l}");
            Record {
                line: i + 2,
                mouse: f[0].into(),
                group: f[1].into(),
                day: f[2].parse().unwrap(),
                volume: None,
                length: Some(f[3].parse().unwrap()),
                width: Some(f[4].parse().unwrap()),
                body_weight: Some(f[5].parse().unwrap()),
                exit: (!f[6].is_empty()).then(|| f[6].to_string()),
            }
        })
        .collect()
}

#[test]
fn invivo_reads_the_simulated_calipers_and_recovers_growth_rates() {
    // Net 0.12/day (vehicle-like MV4;11), so some mice reach 2000 mm³.
    let mut kin = EmaxLag::constant(&[(0.01, 0.01 - 0.12 / 24.0)]);
    let none = Constant(vec![]);
    let arms = [Arm {
        group: "vehicle".into(),
        exposure: &none,
    }];
    let design = XenograftDesign {
        n_per_group: 10,
        tempo_log_sd: 0.15,
        ..XenograftDesign::default()
    };
    let sim = simulate_xenograft(&mut kin, &arms, &design, 424242).unwrap();
    let study = Study::new(&records(&sim.caliper_csv()), &StudyOptions::default()).unwrap();
    let stated: Vec<_> = study.exits().into_iter().filter(|e| e.stated).collect();
    assert_eq!(stated.len(), sim.exits.len());
    assert!(!sim.exits.is_empty());
    let metrics = all_mouse_metrics(&study, &MouseOptions::default());
    assert_eq!(metrics.len(), 10);
    for m in metrics {
        let t = sim.truth.iter().find(|t| t.mouse == m.mouse).unwrap();
        let est = m.growth_rate.unwrap();
        let truth = t.growth_rate_per_day.unwrap();
        assert!((est - truth).abs() < 0.02, "{}: {est} vs {truth}", m.mouse);
    }
}
