//! Fuzz target: concentration-unit parsing (`ConcUnit::from_str`) and the
//! conversions of whatever unit comes out. Errors are fine; panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preclin_curve::units::ConcUnit;

fuzz_target!(|text: &str| {
    let Ok(u) = text.parse::<ConcUnit>() else {
        return;
    };
    // The symbol reads back as the same unit.
    assert_eq!(u.symbol().parse::<ConcUnit>().ok(), Some(u));
    let _ = u.pretty();
    for other in ConcUnit::ALL {
        if let Some(f) = u.factor_to(other) {
            assert!(f.is_finite() && f > 0.0);
        }
    }
    if let Ok(m) = u.to_molar(1.0, Some(500.0)) {
        let _ = u.from_molar(m, Some(500.0));
    }
    let _ = u.to_molar(1.0, None);
});
