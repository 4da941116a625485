//! Fuzz target: the RDML reader on arbitrary bytes (zip archive or XML,
//! `preclin_invitro::qpcr::import_rdml::RdmlFile::parse`), then the Cq
//! records and the reaction table. Errors are fine; panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preclin_invitro::qpcr::import_rdml::RdmlFile;

fuzz_target!(|data: &[u8]| {
    let Ok(f) = RdmlFile::parse(data, "fuzz.rdml") else {
        return;
    };
    let (header, rows) = f.reaction_table();
    for r in &rows {
        assert_eq!(r.len(), header.len());
    }
    if let Ok(set) = f.to_cq_set(None) {
        assert_eq!(set.records.len(), f.reactions.len());
        for r in &set.records {
            // Cq is never 0, negative or beyond the accepted range.
            assert!(r.cq.is_none_or(|c| c > 0.0 && c <= 60.0));
        }
        for e in set.efficiencies.values() {
            assert!(*e > 1.0 && *e <= 2.5);
        }
    }
    let _ = f.group_property(Some("x"));
});
