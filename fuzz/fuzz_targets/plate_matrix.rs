//! Fuzz target: the plate-reader matrix parser
//! (`preclin_invitro::reader::parse_matrix`) on arbitrary UTF-8 text.
//! Errors are fine; panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preclin_invitro::reader::parse_matrix;

fuzz_target!(|text: &str| {
    let Ok(plates) = parse_matrix(text, "fuzz.csv", "fuzz") else {
        return;
    };
    assert!(!plates.is_empty());
    for p in &plates {
        assert_eq!(p.values.len(), p.format.n_wells());
        assert_eq!(p.notes.len(), p.values.len());
        for v in p.values.iter().flatten() {
            assert!(v.is_finite());
        }
        let _ = p.n_flagged();
    }
});
