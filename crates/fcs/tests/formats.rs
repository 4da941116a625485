//! Format features and vendor quirks on files assembled byte by byte:
//! integer widths 8/10/16/24/32/64 (byte-aligned and packed), mixed widths,
//! `$PnR` masks, the four `$BYTEORD` forms and a permuted one, F / D / A
//! data, `$PnDATATYPE` (FCS 3.2), `$PnE 4,0`, supplemental TEXT, escaped
//! delimiters, multiple data sets, DATA beyond byte 99,999,999, the offset
//! faults (one byte past, HEADER/TEXT disagreement, HEADER zeros, iQue's
//! end = start) and their refusal when nothing is consistent — plus writer
//! round trips.

use preclin_fcs::write::{FcsWriter, IntWidth, Storage};
use preclin_fcs::{ByteOrder, DataType, FcsError, FcsFile, Layout, SpillLookup};

/// Assembles one data set: HEADER + TEXT (delimiter '/') + DATA. `pairs`
/// must not contain the offsets; `$BEGINDATA/$ENDDATA` are added when
/// `text_offsets`, and `header_data` overrides the HEADER DATA fields.
struct Build {
    version: &'static str,
    pairs: Vec<(String, String)>,
    data: Vec<u8>,
    text_offsets: bool,
    header_data: Option<(u64, u64)>,
    text_data: Option<(u64, u64)>,
    pad_before_data: usize,
}

impl Build {
    fn text(&self, begin: u64, end: u64) -> Vec<u8> {
        let mut t = b"/".to_vec();
        let mut pairs = self.pairs.clone();
        if self.text_offsets {
            let (b, e) = self.text_data.unwrap_or((begin, end));
            pairs.push(("$BEGINDATA".into(), format!("{b:020}")));
            pairs.push(("$ENDDATA".into(), format!("{e:020}")));
        }
        for (k, v) in pairs {
            t.extend(k.replace('/', "//").bytes());
            t.push(b'/');
            t.extend(v.replace('/', "//").bytes());
            t.push(b'/');
        }
        t
    }

    fn bytes(&self) -> Vec<u8> {
        let tlen = self.text(0, 0).len() as u64;
        let ts = 58u64;
        let te = ts + tlen - 1;
        let ds = te + 1 + self.pad_before_data as u64;
        let de = ds + self.data.len() as u64 - 1;
        let text = self.text(ds, de);
        let (hds, hde) = self.header_data.unwrap_or((ds, de));
        let mut out = format!("{:<10}", self.version).into_bytes();
        for v in [ts, te, hds, hde, 0, 0] {
            out.extend(format!("{v:>8}").bytes());
        }
        out.extend(text);
        out.extend(std::iter::repeat_n(b' ', self.pad_before_data));
        out.extend(&self.data);
        out
    }
}

fn params(n: usize, bits: &[&str], ranges: &[&str]) -> Vec<(String, String)> {
    let mut v = vec![("$PAR".to_string(), n.to_string())];
    for i in 0..n {
        v.push((format!("$P{}N", i + 1), format!("C{}", i + 1)));
        v.push((format!("$P{}B", i + 1), bits[i].to_string()));
        v.push((format!("$P{}R", i + 1), ranges[i].to_string()));
        v.push((format!("$P{}E", i + 1), "0,0".to_string()));
    }
    v
}

fn with(extra: &[(&str, &str)], p: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    v.extend(p);
    v
}

fn build(version: &'static str, pairs: Vec<(String, String)>, data: Vec<u8>) -> Build {
    Build {
        version,
        pairs,
        data,
        text_offsets: version != "FCS2.0",
        header_data: None,
        text_data: None,
        pad_before_data: 0,
    }
}

fn read(b: &Build) -> FcsFile {
    FcsFile::from_bytes(b.bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn col(f: &FcsFile, j: usize) -> Vec<f64> {
    f.events::<f64>(0).unwrap().column(j).to_vec()
}

#[test]
fn integer_widths_byte_orders_and_masks() {
    // 16-bit little-endian, $PnR 1024 masks the high bits (0xFC00).
    let mut data = Vec::new();
    for v in [5u16, 1023, 0xFC00 | 7] {
        data.extend(v.to_le_bytes());
    }
    let b = build(
        "FCS3.0",
        with(
            &[
                ("$TOT", "3"),
                ("$DATATYPE", "I"),
                ("$BYTEORD", "1,2"),
                ("$MODE", "L"),
            ],
            params(1, &["16"], &["1024"]),
        ),
        data,
    );
    let f = read(&b);
    assert_eq!(f.dataset(0).unwrap().byte_order, Some(ByteOrder::Little));
    assert_eq!(col(&f, 0), [5.0, 1023.0, 7.0]);
    // 2,1 big-endian.
    let mut data = Vec::new();
    for v in [300u16, 2] {
        data.extend(v.to_be_bytes());
    }
    let b = build(
        "FCS3.0",
        with(
            &[("$TOT", "2"), ("$DATATYPE", "I"), ("$BYTEORD", "2,1")],
            params(1, &["16"], &["65536"]),
        ),
        data,
    );
    assert_eq!(col(&read(&b), 0), [300.0, 2.0]);
    // Mixed 8, 24 (Cytek), 32 and 64 bits, big-endian 4,3,2,1.
    let mut data = Vec::new();
    for (a, c, d, e) in [
        (7u8, 0x01_02_03u32, 70_000u32, 1u64 << 40),
        (255, 0xFF_FF_FF, 1, 3),
    ] {
        data.push(a);
        data.extend(&c.to_be_bytes()[1..]);
        data.extend(d.to_be_bytes());
        data.extend(e.to_be_bytes());
    }
    let b = build(
        "FCS3.1",
        with(
            &[("$TOT", "2"), ("$DATATYPE", "I"), ("$BYTEORD", "4,3,2,1")],
            params(
                4,
                &["8", "24", "32", "64"],
                &["256", "16777216", "4294967296", "18446744073709551616"],
            ),
        ),
        data,
    );
    let f = read(&b);
    assert_eq!(col(&f, 0), [7.0, 255.0]);
    assert_eq!(col(&f, 1), [0x010203 as f64, 0xFFFFFF as f64]);
    assert_eq!(col(&f, 2), [70_000.0, 1.0]);
    assert_eq!(col(&f, 3), [(1u64 << 40) as f64, 3.0]);
    // A permuted byte order (3,4,1,2) on 32-bit values.
    let b = build(
        "FCS3.0",
        with(
            &[("$TOT", "1"), ("$DATATYPE", "I"), ("$BYTEORD", "3,4,1,2")],
            params(1, &["32"], &["4294967296"]),
        ),
        vec![0x03, 0x04, 0x01, 0x02],
    );
    assert_eq!(col(&read(&b), 0), [0x0403_0201 as f64]);
}

#[test]
fn ten_bit_values_aligned_and_packed() {
    // 10-bit values stored in 16-bit words (the DATA length says so).
    let mut data = Vec::new();
    for v in [1023u16, 512, 0xFFFF] {
        data.extend(v.to_be_bytes());
    }
    let b = build(
        "FCS2.0",
        with(
            &[("$TOT", "3"), ("$DATATYPE", "I"), ("$BYTEORD", "4,3,2,1")],
            params(1, &["10"], &["1024"]),
        ),
        data,
    );
    let f = read(&b);
    assert_eq!(
        f.dataset(0).unwrap().layout,
        Layout::Aligned { row_bytes: 2 }
    );
    assert_eq!(col(&f, 0), [1023.0, 512.0, 1023.0]);
    // 4 events × 10 bits packed MSB-first into 5 bytes.
    let vals = [1u64, 1023, 512, 3];
    let mut acc: u64 = 0;
    for v in vals {
        acc = (acc << 10) | v;
    }
    let data: Vec<u8> = (0..5).rev().map(|k| (acc >> (8 * k)) as u8).collect();
    let b = build(
        "FCS2.0",
        with(
            &[("$TOT", "4"), ("$DATATYPE", "I"), ("$BYTEORD", "4,3,2,1")],
            params(1, &["10"], &["1024"]),
        ),
        data,
    );
    let f = read(&b);
    assert_eq!(
        f.dataset(0).unwrap().layout,
        Layout::BitPacked { row_bits: 10 }
    );
    assert_eq!(col(&f, 0), [1.0, 1023.0, 512.0, 3.0]);
    assert!(
        f.dataset(0)
            .unwrap()
            .notes
            .iter()
            .any(|n| n.message.contains("packed"))
    );
}

#[test]
fn float_double_ascii_and_per_parameter_types() {
    let mut data = Vec::new();
    for (a, b) in [(1.5f32, -2.25f64), (f32::MAX, 1e300)] {
        data.extend(a.to_le_bytes());
        data.extend(b.to_le_bytes());
    }
    // FCS 3.2: $DATATYPE F with $P2DATATYPE D.
    let b = build(
        "FCS3.2",
        with(
            &[
                ("$TOT", "2"),
                ("$DATATYPE", "F"),
                ("$BYTEORD", "1,2,3,4"),
                ("$P2DATATYPE", "D"),
            ],
            params(2, &["32", "64"], &["262144", "262144"]),
        ),
        data,
    );
    let f = read(&b);
    let ds = f.dataset(0).unwrap();
    assert_eq!(ds.parameters[1].datatype, DataType::Double);
    assert_eq!(col(&f, 0), [1.5, f32::MAX as f64]);
    assert_eq!(col(&f, 1), [-2.25, 1e300]);
    // f32 output keeps float data exactly.
    assert_eq!(f.events::<f32>(0).unwrap().column(0), &[1.5, f32::MAX]);
    // ASCII, fixed width (4 and 3 characters).
    let b = build(
        "FCS2.0",
        with(
            &[("$TOT", "2"), ("$DATATYPE", "A")],
            params(2, &["4", "3"], &["10000", "1000"]),
        ),
        b"  12345 999  7".to_vec(),
    );
    let f = read(&b);
    assert_eq!(col(&f, 0), [12.0, 999.0]);
    assert_eq!(col(&f, 1), [345.0, 7.0]);
    // ASCII, delimited ($PnB = *).
    let b = build(
        "FCS2.0",
        with(
            &[("$TOT", "2"), ("$DATATYPE", "A")],
            params(2, &["*", "*"], &["10000", "1000"]),
        ),
        b"12,345 999\t7\n".to_vec(),
    );
    let f = read(&b);
    assert_eq!(col(&f, 0), [12.0, 999.0]);
    assert_eq!(col(&f, 1), [345.0, 7.0]);
}

#[test]
fn log_decoding_gain_timestep_and_escapes() {
    let mut data = Vec::new();
    for v in [0u16, 512, 1024 - 1] {
        data.extend(v.to_be_bytes());
        data.extend(200u16.to_be_bytes());
        data.extend(10u16.to_be_bytes());
    }
    let mut p = params(3, &["16", "16", "16"], &["1024", "1024", "1024"]);
    for (k, v) in p.iter_mut() {
        if k == "$P1E" {
            *v = "4,0".into();
        }
        if k == "$P3N" {
            *v = "Time".into();
        }
    }
    let b = build(
        "FCS2.0",
        with(
            &[
                ("$TOT", "3"),
                ("$DATATYPE", "I"),
                ("$BYTEORD", "4,3,2,1"),
                ("$P2G", "4"),
                ("$TIMESTEP", "0.5"),
                ("$P1S", "CD/34 a//b"),
            ],
            p,
        ),
        data,
    );
    let f = read(&b);
    let ds = f.dataset(0).unwrap();
    assert_eq!(ds.parameters[0].label.as_deref(), Some("CD/34 a//b"));
    assert!(
        ds.notes
            .iter()
            .any(|n| n.keyword == "$P1E" && n.message.contains("4,1"))
    );
    let sc = f.scaled_events(0).unwrap();
    assert_eq!(sc.column(0)[0], 1.0);
    assert!((sc.column(0)[1] - 100.0).abs() < 1e-9);
    assert_eq!(sc.column(1), &[50.0, 50.0, 50.0]);
    assert_eq!(sc.column(2), &[5.0, 5.0, 5.0]);
}

fn simple(tot: usize) -> (Vec<(String, String)>, Vec<u8>) {
    let mut data = Vec::new();
    for i in 0..tot {
        data.extend((i as f32).to_le_bytes());
        data.extend((2.0 * i as f32).to_le_bytes());
    }
    (
        with(
            &[
                ("$TOT", &tot.to_string()),
                ("$DATATYPE", "F"),
                ("$BYTEORD", "1,2,3,4"),
            ],
            params(2, &["32", "32"], &["1", "1"]),
        ),
        data,
    )
}

#[test]
fn offset_faults_are_repaired_and_reported() {
    let (pairs, data) = simple(10);
    let good = build("FCS3.1", pairs.clone(), data.clone());
    let bytes = good.bytes();
    let f = FcsFile::from_bytes(bytes.clone()).unwrap();
    assert!(f.dataset(0).unwrap().repairs.is_empty());
    let (ds, de) = {
        let s = f.dataset(0).unwrap().data.unwrap();
        ((s.start) as u64, s.end as u64)
    };
    // One byte past (TEXT and HEADER), with a byte to spare in the file.
    let mut b = build("FCS3.1", pairs.clone(), [data.clone(), vec![0]].concat());
    b.text_data = Some((ds, de + 1));
    b.header_data = Some((ds, de + 1));
    let f = read(&b);
    let d = f.dataset(0).unwrap();
    assert_eq!(d.repairs.len(), 1, "{:?}", d.repairs);
    assert!(d.repairs[0].keyword == "$ENDDATA" && d.repairs[0].message.contains("one byte past"));
    assert_eq!(col(&f, 1)[9], 18.0);
    // HEADER disagrees with TEXT: TEXT is consistent.
    let mut b = build("FCS3.1", pairs.clone(), data.clone());
    b.header_data = Some((ds - 7, de));
    let f = read(&b);
    assert!(
        f.dataset(0).unwrap().repairs[0]
            .message
            .contains("used the TEXT offsets")
    );
    assert_eq!(col(&f, 0)[3], 3.0);
    // TEXT disagrees with HEADER: HEADER is consistent.
    let mut b = build("FCS3.1", pairs.clone(), data.clone());
    b.text_data = Some((ds + 3, de + 900));
    let f = read(&b);
    assert!(
        f.dataset(0).unwrap().repairs[0]
            .message
            .contains("used the HEADER offsets")
    );
    // HEADER zeros with TEXT offsets: no repair needed.
    let mut b = build("FCS3.1", pairs.clone(), data.clone());
    b.header_data = Some((0, 0));
    assert!(read(&b).dataset(0).unwrap().repairs.is_empty());
    // FlowJo's 99999999 in the HEADER.
    b.header_data = Some((99_999_999, 99_999_999));
    assert!(read(&b).dataset(0).unwrap().repairs.is_empty());
    // iQue: $ENDDATA = $BEGINDATA.
    let mut b = build("FCS3.1", pairs.clone(), data.clone());
    b.text_data = Some((ds, ds));
    b.header_data = Some((0, 0));
    let f = read(&b);
    assert!(
        f.dataset(0).unwrap().repairs[0]
            .message
            .contains("computed from")
    );
    assert_eq!(col(&f, 1)[9], 18.0);
    // Nothing consistent: refused, naming the keyword and its offset.
    let mut b = build("FCS3.1", pairs.clone(), data.clone());
    b.text_data = Some((ds, de - 5));
    b.header_data = Some((ds, de - 5));
    let e = FcsFile::from_bytes(b.bytes()).unwrap_err();
    let FcsError::Inconsistent {
        keyword, offset, ..
    } = &e
    else {
        panic!("{e}")
    };
    assert_eq!(keyword, "$ENDDATA");
    let text = b.bytes();
    assert_eq!(&text[*offset..*offset + 8], b"$ENDDATA");
    // Both plausible but different: refused too.
    let mut b = build("FCS3.1", pairs.clone(), [data.clone(), vec![0; 8]].concat());
    b.header_data = Some((ds + 8, de + 8));
    b.text_data = Some((ds, de));
    assert!(matches!(
        FcsFile::from_bytes(b.bytes()),
        Err(FcsError::Inconsistent { .. })
    ));
}

#[test]
fn data_beyond_99_999_999_bytes() {
    // The DATA segment starts past byte 99,999,999: HEADER offsets 0, the
    // real ones in TEXT. A sparse file keeps the test cheap.
    let (pairs, data) = simple(4);
    let mut b = build("FCS3.1", pairs, data);
    b.pad_before_data = 100_000_000;
    b.header_data = Some((0, 0));
    let bytes = b.bytes();
    let dir = std::env::temp_dir().join(format!("preclin-fcs-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("big.fcs");
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::File::create(&p).unwrap();
        let text_end = bytes.len() - 100_000_000 - 32;
        f.write_all(&bytes[..text_end]).unwrap();
        f.seek(SeekFrom::Start((bytes.len() - 32) as u64)).unwrap();
        f.write_all(&bytes[bytes.len() - 32..]).unwrap();
    }
    let f = FcsFile::open(&p).unwrap();
    let ds = f.dataset(0).unwrap();
    assert!(ds.data.unwrap().start > 99_999_999);
    assert_eq!(f.events::<f64>(0).unwrap().column(1), &[0.0, 2.0, 4.0, 6.0]);
    drop(f);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn multiple_data_sets_and_supplemental_text() {
    let (pairs, data) = simple(3);
    let first = build("FCS3.0", pairs.clone(), data.clone()).bytes();
    let mut second = build(
        "FCS3.0",
        with(&[("$CYT", "second")], pairs.clone()),
        data.clone(),
    );
    second.text_offsets = true;
    let second = second.bytes();
    // $NEXTDATA in the first points at the second (zero-padded like Attune).
    let mut p1 = pairs.clone();
    p1.push(("$NEXTDATA".into(), "0".repeat(12)));
    let len1 = build("FCS3.0", p1.clone(), data.clone()).bytes().len();
    p1.last_mut().unwrap().1 = format!("{len1:012}");
    let first2 = build("FCS3.0", p1, data.clone()).bytes();
    assert_eq!(first2.len(), len1);
    let f = FcsFile::from_bytes([first2, second].concat()).unwrap();
    assert_eq!(f.datasets().len(), 2);
    assert_eq!(f.dataset(1).unwrap().keywords.get("$CYT"), Some("second"));
    assert_eq!(f.events::<f64>(1).unwrap().column(1), &[0.0, 2.0, 4.0]);
    assert!(matches!(f.dataset(2), Err(FcsError::NoSuchDataSet { .. })));
    let _ = first;
    // Supplemental TEXT after DATA ($BEGINSTEXT/$ENDSTEXT): its keywords
    // are added, the primary TEXT wins on repeats.
    let stext = b"|$CYT|from-supplemental|$PROJ|p1|".to_vec();
    let mut p = pairs.clone();
    p.push(("$BEGINSTEXT".into(), format!("{:020}", 0)));
    p.push(("$ENDSTEXT".into(), format!("{:020}", 0)));
    let len = build("FCS3.0", p.clone(), data.clone()).bytes().len();
    let n = p.len();
    p[n - 2].1 = format!("{:020}", len);
    p[n - 1].1 = format!("{:020}", len + stext.len() - 1);
    let mut bytes = build("FCS3.0", p, data.clone()).bytes();
    assert_eq!(bytes.len(), len);
    bytes.extend(&stext);
    let f = FcsFile::from_bytes(bytes).unwrap();
    let ds = f.dataset(0).unwrap();
    assert!(ds.supplemental_text.is_some());
    assert_eq!(ds.keywords.get("$PROJ"), Some("p1"));
    // A $NEXTDATA pointing outside the file is noted, not fatal.
    let mut p = pairs.clone();
    p.push(("$NEXTDATA".into(), "99999".into()));
    let f = read(&build("FCS3.0", p, data.clone()));
    assert_eq!(f.datasets().len(), 1);
    assert!(
        f.dataset(0)
            .unwrap()
            .notes
            .iter()
            .any(|n| n.keyword == "$NEXTDATA")
    );
}

#[test]
fn spillover_variants_in_files() {
    let (pairs, data) = simple(2);
    let mut p = pairs.clone();
    p.push(("SPILL".into(), "2,1,2,1,0.1,0.2,1".into()));
    p.push(("$SPILLOVER".into(), "2,C1,C2,1,0.05,0,1".into()));
    let f = read(&build("FCS3.1", p, data.clone()));
    let SpillLookup::Found(s) = f.dataset(0).unwrap().spillover() else {
        panic!()
    };
    assert_eq!(s.keyword, "$SPILLOVER");
    assert_eq!(s.matrix, [1.0, 0.05, 0.0, 1.0]);
    let mut p = pairs.clone();
    p.push(("$SPILLOVER".into(), "2,C1,C2".into()));
    let f = read(&build("FCS3.1", p, data));
    assert!(matches!(
        f.dataset(0).unwrap().spillover(),
        SpillLookup::Unusable(_)
    ));
}

#[test]
fn writer_round_trips_exactly() {
    let n = 1000;
    let a: Vec<f64> = (0..n).map(|i| ((i * 7919) % 65536) as f64).collect();
    let b: Vec<f64> = (0..n).map(|i| (i as f32 * 1.37 - 300.0) as f64).collect();
    let w = FcsWriter::new(&["FSC-A", "CD34 PE/Cy7"], vec![a.clone(), b.clone()])
        .unwrap()
        .label(1, "CD34")
        .keyword("$CYT", "sim/ulated|x")
        .unwrap()
        .keyword("$SPILLOVER", "1,CD34 PE/Cy7,1")
        .unwrap();
    for big in [false, true] {
        let w = w.clone().big_endian(big);
        let f = FcsFile::from_bytes(w.to_bytes(Storage::Float32).unwrap()).unwrap();
        let ds = f.dataset(0).unwrap();
        assert_eq!(ds.version(), "FCS3.1");
        assert!(
            ds.repairs.is_empty() && ds.notes.is_empty(),
            "{:?}",
            ds.notes
        );
        assert_eq!(ds.names(), ["FSC-A", "CD34 PE/Cy7"]);
        assert_eq!(ds.parameters[1].label.as_deref(), Some("CD34"));
        assert_eq!(ds.keywords.get("$CYT"), Some("sim/ulated|x"));
        let ev = f.events::<f64>(0).unwrap();
        assert_eq!(ev.column(0), a.as_slice());
        assert_eq!(ev.column(1), b.as_slice());
        assert!(matches!(ds.spillover(), SpillLookup::Found(_)));
        // Negative values cannot be stored as unsigned integers.
        assert!(w.to_bytes(Storage::Integer(IntWidth::U32)).is_err());
    }
    // Integer storage: whole numbers only.
    let wi = FcsWriter::new(&["A"], vec![a.clone()]).unwrap();
    for width in [IntWidth::U16, IntWidth::U32] {
        let f = FcsFile::from_bytes(wi.to_bytes(Storage::Integer(width)).unwrap()).unwrap();
        assert_eq!(f.events::<f64>(0).unwrap().column(0), a.as_slice());
        assert_eq!(f.dataset(0).unwrap().datatype, DataType::Integer);
    }
    assert!(
        FcsWriter::new(&["A"], vec![vec![1.5]])
            .unwrap()
            .to_bytes(Storage::Integer(IntWidth::U16))
            .is_err()
    );
    assert!(
        FcsWriter::new(&["A"], vec![vec![70000.0]])
            .unwrap()
            .to_bytes(Storage::Integer(IntWidth::U16))
            .is_err()
    );
    assert!(FcsWriter::new(&["A", "A"], vec![vec![1.0], vec![1.0]]).is_err());
    assert!(
        FcsWriter::new(&["A"], vec![vec![1.0]])
            .unwrap()
            .keyword("$TOT", "3")
            .is_err()
    );
    // Reading a reference file and writing it again keeps every value.
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/flow/gatingml2_compliance/FCSFiles/9399_1_3_NKR.fcs");
    let f = FcsFile::open(&p).unwrap();
    let ds = f.dataset(0).unwrap();
    let ev = f.events::<f64>(0).unwrap();
    let names = ds.names();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let cols = (0..ev.n_params()).map(|j| ev.column(j).to_vec()).collect();
    let out = FcsWriter::new(&refs, cols)
        .unwrap()
        .to_bytes(Storage::Float32)
        .unwrap();
    let g = FcsFile::from_bytes(out).unwrap();
    assert_eq!(g.events::<f64>(0).unwrap(), ev);
    // An empty data set.
    let e = FcsWriter::new(&["A"], vec![vec![]])
        .unwrap()
        .to_bytes(Storage::Float32)
        .unwrap();
    let f = FcsFile::from_bytes(e).unwrap();
    assert_eq!(f.dataset(0).unwrap().n_events, 0);
    assert_eq!(f.events::<f64>(0).unwrap().n_events(), 0);
}

#[test]
fn garbage_never_panics() {
    // Truncations and byte flips of a valid file: Ok or Err, never a panic.
    let (pairs, data) = simple(5);
    let bytes = build("FCS3.1", pairs, data).bytes();
    for cut in 0..bytes.len() {
        let _ = FcsFile::from_bytes(bytes[..cut].to_vec()).map(|f| f.events::<f64>(0));
    }
    let mut state = 12345u64;
    for _ in 0..3000 {
        let mut b = bytes.clone();
        for _ in 0..3 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let at = (state >> 33) as usize % b.len();
            b[at] = (state >> 13) as u8;
        }
        if let Ok(f) = FcsFile::from_bytes(b) {
            for i in 0..f.datasets().len() {
                let _ = f.events::<f32>(i);
                let _ = f.scaled_events(i);
            }
        }
    }
}
