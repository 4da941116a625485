//! Fuzz target: the tidy-table reader on arbitrary bytes
//! (`preclin_invitro::table::Table::parse_bytes`), then every cell through
//! `Table::parse_f64` and a column look-up. Errors are fine; panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preclin_invitro::table::Table;

fuzz_target!(|data: &[u8]| {
    let Ok(t) = Table::parse_bytes(data, "fuzz.csv") else {
        return;
    };
    assert!(!t.headers.is_empty());
    for r in &t.rows {
        assert_eq!(r.cells.len(), t.headers.len());
        // One past the last column too: out-of-range columns read as "".
        for c in 0..=t.headers.len() {
            if let Ok(Some(x)) = t.parse_f64(r, c) {
                assert!(x.is_finite());
            }
        }
    }
    let _ = t.column("dose");
    let _ = t.find_column(" Response ");
    // A forced delimiter on the same text.
    if let Some((&first, rest)) = data.split_first()
        && let Ok(text) = std::str::from_utf8(rest)
    {
        let _ = Table::parse_text_with(text, "fuzz.csv", Some(first as char));
    }
});
