//! Fuzz target: the FCS reader on arbitrary bytes — HEADER, TEXT, offsets
//! and repairs, every data set, decoding to f64 and f32, scaling, the
//! spillover keywords — and Gating-ML on the bytes read as text. Errors are
//! fine; panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preclin_fcs::FcsFile;

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = FcsFile::from_bytes(data.to_vec()) {
        for (i, ds) in f.datasets().iter().enumerate() {
            // Never more events than the DATA segment can hold.
            if let Some(seg) = ds.data {
                assert!(seg.end < data.len() && seg.start <= seg.end);
            }
            let _ = ds.spillover();
            if let Ok(ev) = f.events::<f64>(i) {
                assert_eq!(ev.n_events(), ds.n_events);
                assert_eq!(ev.n_params(), ds.parameters.len());
            }
            let _ = f.events::<f32>(i);
            let _ = f.scaled_events(i);
            let _ = f.analysis(i);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = preclin_flow::parse_gatingml(text);
        let _ = preclin_flow::parse_matrix_file(text);
    }
});
