//! Fuzz target: the qPCR table importers on arbitrary text — instrument
//! exports (QuantStudio / StepOne `[Results]`, Bio-Rad CFX) and tidy
//! `sample,group,gene,ct` tables — then the ΔΔCt analysis, QC and geNorm on
//! whatever was read. Errors are fine; panics and non-finite results are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preclin_invitro::qpcr::ddct::{DdctOptions, relative_expression};
use preclin_invitro::qpcr::import_instrument::parse_instrument_text;
use preclin_invitro::qpcr::qc::{QcOptions, qc};
use preclin_invitro::qpcr::tidy::from_table;
use preclin_invitro::table::Table;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let set = match parse_instrument_text(text, "fuzz.txt") {
        Ok(Some(s)) => s,
        Ok(None) => match Table::parse_text(text, "fuzz.csv").map(|t| from_table(&t)) {
            Ok(Ok(s)) => s,
            _ => return,
        },
        Err(_) => return,
    };
    for r in &set.records {
        assert!(r.cq.is_none_or(|c| c > 0.0 && c <= 60.0));
    }
    let genes = set.genes();
    let groups = set.groups();
    if let (Some(reference), Some(control)) = (genes.first(), groups.first()) {
        if let Ok(r) = relative_expression(&set, &DdctOptions::new(&[reference.as_str()], control)) {
            for row in &r.rows {
                for v in [row.fold_change, row.fold_lower, row.ci_lower, row.p_value].into_iter().flatten() {
                    assert!(v.is_finite());
                }
            }
        }
        let _ = qc(&set, &[reference.clone()], &QcOptions::default());
    }
});
