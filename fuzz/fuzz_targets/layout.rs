//! Fuzz target: plate maps and plate-level metadata built from a parsed
//! table (`Layout::from_table`, `PlateInfo::from_table`) and long readings
//! (`reader::plates_from_long`), on arbitrary bytes. Errors are fine;
//! panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preclin_invitro::layout::{Layout, PlateInfo};
use preclin_invitro::plate::PlateFormat;
use preclin_invitro::reader::plates_from_long;
use preclin_invitro::table::Table;

fuzz_target!(|data: &[u8]| {
    let Ok(t) = Table::parse_bytes(data, "fuzz.csv") else {
        return;
    };
    if let Ok(layout) = Layout::from_table(&t) {
        let mut plates: Vec<String> = layout
            .named_plates()
            .into_iter()
            .map(String::from)
            .collect();
        plates.push("P1".into());
        for p in &plates {
            let _ = layout.covers(p);
            for f in [PlateFormat::Wells96, PlateFormat::Wells384] {
                let (defs, _off) = layout.resolve(p, f);
                assert_eq!(defs.len(), f.n_wells());
            }
        }
    }
    if let Ok(info) = PlateInfo::from_table(&t) {
        for m in &info.plates {
            assert!(info.get(&m.plate).is_some());
        }
    }
    if let Ok(plates) = plates_from_long(&t, "fuzz") {
        for p in &plates {
            assert_eq!(p.values.len(), p.format.n_wells());
        }
    }
});
