//! Verification of the simulated in vivo combination: its volume table, read
//! as `preclin synergy-invivo` reads it, goes through SynergyLMM and
//! invivoSyn (`preclin_invivo::synergy`) and both find the Bliss synergy the
//! mechanism put there, near the truth on their scales.

use preclin_invivo::synergy::invivosyn::{InvivoSynOptions, invivosyn_synergy};
use preclin_invivo::synergy::synergylmm::{SynergyLmmOptions, synergy_lmm};
use preclin_invivo::synergy::{NullModel, SynergyArms, TumourRecord};
use preclin_sim::invivo::InVivoParams;
use preclin_sim::invivo_readouts::combination::{CombinationParams, INVIVOSYN_DAY, simulate};
use preclin_sim::params::Params;
use preclin_sim::pk::PkTable;

fn records(csv: &str) -> Vec<TumourRecord> {
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("mouse,group,day,volume"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            TumourRecord {
                mouse: f[0].into(),
                group: f[1].into(),
                day: f[2].parse().unwrap(),
                volume: Some(f[3].parse().unwrap()),
            }
        })
        .collect()
}

#[test]
fn synergylmm_and_invivosyn_find_the_simulated_synergy() {
    let design = CombinationParams::bundled();
    let g = design.groups();
    let arms = SynergyArms {
        control: g[0].clone(),
        drug_a: g[1].clone(),
        drug_b: g[2].clone(),
        combo: g[3].clone(),
    };
    for seed in [1u64, 2, 3, 4, 5, 6] {
        let sim = simulate(
            &Params::bundled(),
            &PkTable::bundled(),
            &InVivoParams::bundled(),
            &design,
            seed,
        )
        .unwrap();
        let t = &sim.truth;
        let rec = records(&sim.volumes_csv());
        let lmm = synergy_lmm(&rec, &arms, &SynergyLmmOptions::default()).unwrap();
        // Arm rates: estimate within 3 SE + 0.03/day (the mechanism's
        // courses are not exactly exponential) of the truth.
        for k in 0..4 {
            let (est, se) = (lmm.model.rate[k], lmm.model.rate_se[k]);
            let truth = t.arms[k].rate_per_day;
            assert!(
                (est - truth).abs() < 3.0 * se + 0.03,
                "seed {seed} arm {k}: {est} ± {se} vs {truth}"
            );
        }
        let last = lmm
            .rows
            .iter()
            .rev()
            .find(|r| r.null == NullModel::Bliss)
            .unwrap();
        let (d, se) = (last.delta.unwrap(), last.delta_se.unwrap());
        assert!(last.ss_lower.unwrap() > 0.0, "seed {seed}: {last:?}");
        assert!(last.ci_upper.unwrap() < 1.0, "seed {seed}: {last:?}");
        assert!(last.p.unwrap() < 0.01);
        assert!(
            (d - t.bliss_delta).abs() < 3.0 * se + 0.02,
            "seed {seed}: Δ {d} ± {se} vs {}",
            t.bliss_delta
        );
        let isyn = invivosyn_synergy(
            &rec,
            &arms,
            &InvivoSynOptions {
                day: INVIVOSYN_DAY,
                boot: 300,
                seed: 1,
                level: 0.95,
            },
        )
        .unwrap();
        let b = isyn
            .rows
            .iter()
            .find(|r| r.null == NullModel::Bliss)
            .unwrap();
        assert!(
            b.combination_index < 1.0 && b.ci_upper.unwrap() < 1.0,
            "{b:?}"
        );
        // Both CIs are tiny (strong synergy): compare on the log scale.
        let (e, tr) = (b.combination_index.ln(), t.invivosyn_bliss_ci.ln());
        eprintln!(
            "seed {seed}: lmm Δ {d:.4} ± {se:.4} vs {:.4}; invivoSyn ln CI {e:.3} [{:.3}, {:.3}] vs {tr:.3}",
            t.bliss_delta,
            b.ci_lower.unwrap().ln(),
            b.ci_upper.unwrap().ln()
        );
        assert!((e - tr).abs() < 0.8, "seed {seed}: ln CI {e} vs {tr}");
    }
}
