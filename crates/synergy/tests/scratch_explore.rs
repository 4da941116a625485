mod common;
use preclin_synergy::*;
#[test]
fn explore() {
    for (name, set) in [("mathews", common::mathews()), ("oneil", common::oneil())] {
        for b in &set {
            let s = b.mean_surface();
            for opts in [
                ScoreOptions::default(),
                ScoreOptions {
                    loewe: LoeweOptions::synergyfinder(),
                    ..ScoreOptions::default()
                },
            ] {
                let sc = score_surface(&s, &opts);
                let mut line = format!("{name} {} ", b.id);
                for (m, cs) in &sc.scores {
                    let sm = score::summarize(&s, &cs.synergy);
                    line += &format!(
                        "{}={:.3} (p {:.2e}) ",
                        m.name(),
                        sm.mean.unwrap_or(f64::NAN),
                        sm.p_value.unwrap_or(f64::NAN)
                    );
                }
                println!(
                    "{line} failed_lines={}",
                    sc.zip.as_ref().unwrap().failed_lines
                );
                for (k, m) in sc.mono.iter().enumerate() {
                    println!("   mono{k} {:?}", m);
                }
            }
            let sens = sensitivity::sensitivity(&s);
            println!("   sens {:?}", sens);
        }
    }
}
