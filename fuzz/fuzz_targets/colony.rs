//! Fuzz target: the CFU reader and analysis on arbitrary text
//! (`preclin_invitro::colony::read_dishes` → `analyse`, every test).
//! Errors are fine; panics and non-finite results are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preclin_invitro::colony::{ColonyOptions, ColonyTest, analyse, read_dishes};
use preclin_invitro::table::Table;

fuzz_target!(|data: &[u8]| {
    let Ok(t) = Table::parse_bytes(data, "fuzz.csv") else {
        return;
    };
    let Ok(dishes) = read_dishes(&t) else {
        return;
    };
    let Some(control) = dishes.first().map(|d| d.group.clone()) else {
        return;
    };
    for test in [
        ColonyTest::Welch,
        ColonyTest::Dunnett,
        ColonyTest::QuasiPoisson,
    ] {
        let mut o = ColonyOptions::new(&control);
        o.test = test;
        if let Ok(r) = analyse(&dishes, "fuzz.csv", &o) {
            for row in &r.rows {
                for v in [row.mean_colonies, row.percent_of_control, row.p_value, row.ci_lower]
                    .into_iter()
                    .flatten()
                {
                    assert!(v.is_finite());
                }
            }
        }
    }
});
