//! Every reference FCS file reads right: the facts FlowIO 1.4.0 reports
//! (`tests/data/flow/expected_fcs_facts.csv`: version, data type, byte
//! order, events, parameters, `$PnB/R/E/G/N`, spillover keyword, offsets)
//! and per-channel means, minima and maxima of stored and scaled values
//! (`expected_channel_means.csv`, 6 significant digits), for every data set
//! of every file. Files FlowIO reads only with `ignore_offset_error` /
//! `ignore_offset_discrepancy` must read here with the repair reported.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use preclin_fcs::{FcsFile, SpillLookup};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flow")
}

fn read_csv(name: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(data_dir().join(name)).expect("reference CSV");
    let headers = r.headers().expect("header").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn open(file: &str) -> FcsFile {
    FcsFile::open(data_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Relative agreement to the 6 significant digits the CSV carries.
fn close6(got: f64, want: f64) -> bool {
    if want == 0.0 {
        return got.abs() < 1e-9;
    }
    ((got - want) / want).abs() < 6e-6
}

#[test]
fn facts_of_every_data_set() {
    let rows = read_csv("expected_fcs_facts.csv");
    assert_eq!(rows.len(), 20);
    for row in rows {
        let file = &row["file"];
        let idx: usize = row["dataset"].parse().unwrap();
        let f = open(file);
        let ds = f.dataset(idx).unwrap_or_else(|e| panic!("{file}: {e}"));
        let ctx = format!("{file} data set {idx}");
        assert_eq!(ds.version(), format!("FCS{}", row["fcs_version"]), "{ctx}");
        assert_eq!(ds.datatype.code(), row["datatype"], "{ctx}");
        assert_eq!(
            ds.keywords.get_trimmed("$BYTEORD").unwrap(),
            row["byteord"],
            "{ctx}"
        );
        assert_eq!(ds.mode, row["mode"], "{ctx}");
        assert_eq!(ds.n_events.to_string(), row["events_tot"], "{ctx}");
        assert_eq!(
            ds.parameters.len().to_string(),
            row["channels_par"],
            "{ctx}"
        );
        let cyt = ds.keywords.get("$CYT").unwrap_or("").trim().to_string();
        assert_eq!(cyt, row["cyt"].trim(), "{ctx}");
        let join = |f: &dyn Fn(&preclin_fcs::Parameter) -> String| {
            ds.parameters.iter().map(f).collect::<Vec<_>>().join("|")
        };
        assert_eq!(join(&|p| p.bits.to_string()), row["pnb"], "{ctx} $PnB");
        let pnr: Vec<f64> = row["pnr"].split('|').map(|s| s.parse().unwrap()).collect();
        for (p, r) in ds.parameters.iter().zip(&pnr) {
            assert_eq!(p.range, *r, "{ctx} $P{}R", p.index);
        }
        assert_eq!(
            join(&|p| p.log_text.clone().unwrap_or_default()),
            row["pne"],
            "{ctx} $PnE"
        );
        let png: Vec<&str> = row["png"].split('|').collect();
        for (p, g) in ds.parameters.iter().zip(&png) {
            let want: Option<f64> = if g.is_empty() {
                None
            } else {
                Some(g.parse().unwrap())
            };
            assert_eq!(p.gain, want, "{ctx} $P{}G", p.index);
        }
        assert_eq!(
            join(&|p| p.name.clone().unwrap_or_else(|| "None".into())),
            row["pnn"],
            "{ctx} $PnN"
        );
        // FlowIO names the spill keyword lower-case without '$'.
        let spill = match ds.spillover() {
            SpillLookup::Found(s) => s.keyword.trim_start_matches('$').to_ascii_lowercase(),
            SpillLookup::Absent => String::new(),
            SpillLookup::Unusable(m) => panic!("{ctx}: {m}"),
        };
        assert_eq!(spill, row["spill_keyword"], "{ctx} spill keyword");
        assert_eq!(
            ds.header.data,
            (
                row["header_data_start"].parse().unwrap(),
                row["header_data_stop"].parse().unwrap()
            ),
            "{ctx} HEADER DATA offsets"
        );
        let tb = ds.keywords.get("$BEGINDATA").unwrap_or("").to_string();
        let te = ds.keywords.get("$ENDDATA").unwrap_or("").to_string();
        assert_eq!(tb, row["text_begindata"], "{ctx} $BEGINDATA");
        assert_eq!(te, row["text_enddata"], "{ctx} $ENDDATA");
        assert_eq!(
            ds.keywords.get("$NEXTDATA").unwrap_or("").trim(),
            row["nextdata"],
            "{ctx} $NEXTDATA"
        );
        // FlowIO refuses these without an option: we read them and report
        // a repair.
        let strict = &row["flowio_strict_read"];
        let needs_repair = strict == "DataOffsetDiscrepancyError"
            || strict == "FCSParsingError"
            || (file.ends_with("coulter.lmd") && idx == 0);
        assert_eq!(
            !ds.repairs.is_empty(),
            needs_repair,
            "{ctx}: repairs {:?}",
            ds.repairs
        );
        // The data decode.
        f.events::<f64>(idx)
            .unwrap_or_else(|e| panic!("{ctx}: {e}"));
    }
}

#[test]
fn channel_means_minima_maxima() {
    let rows = read_csv("expected_channel_means.csv");
    assert_eq!(rows.len(), 221);
    type Columns = Vec<Vec<f64>>;
    let mut cache: HashMap<(String, usize), (Columns, Columns)> = HashMap::new();
    for row in &rows {
        let file = row["file"].clone();
        let idx: usize = row["dataset"].parse().unwrap();
        let ch: usize = row["channel_index"].parse::<usize>().unwrap() - 1;
        let (stored, scaled) = cache.entry((file.clone(), idx)).or_insert_with(|| {
            let f = open(&file);
            let st = f.events::<f64>(idx).unwrap();
            let sc = f.scaled_events(idx).unwrap();
            let cols = |e: &preclin_fcs::Events<f64>| {
                (0..e.n_params())
                    .map(|j| e.column(j).to_vec())
                    .collect::<Vec<_>>()
            };
            (cols(&st), cols(&sc))
        });
        let ctx = format!("{file} data set {idx} channel {}", ch + 1);
        let stats = |v: &[f64]| {
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            let min = v.iter().copied().fold(f64::INFINITY, f64::min);
            let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (mean, min, max)
        };
        let (m, lo, hi) = stats(&stored[ch]);
        for (name, got) in [("mean_stored", m), ("min_stored", lo), ("max_stored", hi)] {
            let want: f64 = row[name].parse().unwrap();
            assert!(close6(got, want), "{ctx} {name}: {got} vs FlowIO {want}");
        }
        // FlowIO could not scale the files whose $TIMESTEP is not a number
        // ("nan"); we leave time unscaled there and check nothing.
        if row["mean_scaled"] != "nan" {
            let (m, lo, hi) = stats(&scaled[ch]);
            for (name, got) in [("mean_scaled", m), ("min_scaled", lo), ("max_scaled", hi)] {
                let want: f64 = row[name].parse().unwrap();
                assert!(close6(got, want), "{ctx} {name}: {got} vs FlowIO {want}");
            }
        }
    }
}
