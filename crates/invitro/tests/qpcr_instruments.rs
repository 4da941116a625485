//! Instrument exports as workbooks: a QuantStudio `.xlsx` whose `Results`
//! sheet starts with the `* key = value` block (and is not the first
//! sheet), a Bio-Rad CFX `.xlsx` whose first column is unnamed, and a
//! StepOne text export with the Cyrillic `Cт` header. The layouts follow
//! the column lists in `qpcr::import_instrument`; the files are written here.

use std::path::PathBuf;

use preclin_invitro::qpcr::ddct::{DdctOptions, relative_expression};
use preclin_invitro::qpcr::tidy::{ReadOptions, SampleType, read_cq_file};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("preclin-qpcr-instr-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

enum C {
    S(&'static str),
    O(String),
    N(f64),
    E,
}

fn write(path: &PathBuf, sheets: &[(&str, Vec<Vec<C>>)]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    C::S(s) => {
                        ws.write_string(r, c, *s).unwrap();
                    }
                    C::O(s) => {
                        ws.write_string(r, c, s).unwrap();
                    }
                    C::N(x) => {
                        ws.write_number(r, c, *x).unwrap();
                    }
                    C::E => {}
                }
            }
        }
    }
    wb.save(path).unwrap();
}

#[test]
fn quantstudio_xlsx_results_sheet() {
    let p = tmp("qs.xlsx");
    let mut rows = vec![
        vec![C::S("* Block Type = 96-Well Block (0.2mL)")],
        vec![C::S("* Experiment Type = Comparative Cт Method")],
        vec![],
        vec![
            C::S("Well"),
            C::S("Well Position"),
            C::S("Omit"),
            C::S("Sample Name"),
            C::S("Target Name"),
            C::S("Task"),
            C::S("Reporter"),
            C::S("CT"),
            C::S("Ct Mean"),
        ],
    ];
    let mut w = 1.0;
    for (g, d) in [("DMSO", 0.0), ("VTP50469", 1.5)] {
        for i in 0..3 {
            for (gene, base) in [("ACTB", 17.5), ("MEIS1", 25.0)] {
                let ct = base + if gene == "MEIS1" { d } else { 0.0 } + 0.1 * i as f64;
                rows.push(vec![
                    C::N(w),
                    C::O(format!("A{w}")),
                    C::S("false"),
                    C::O(format!("{g}-{i}")),
                    C::S(gene),
                    C::S("UNKNOWN"),
                    C::S("SYBR"),
                    C::N(ct),
                    C::E,
                ]);
                w += 1.0;
            }
        }
    }
    rows.push(vec![
        C::N(w),
        C::S("H12"),
        C::S("false"),
        C::S("NTC"),
        C::S("MEIS1"),
        C::S("NTC"),
        C::S("SYBR"),
        C::S("Undetermined"),
        C::E,
    ]);
    write(
        &p,
        &[
            (
                "Sample Setup",
                vec![vec![C::S("Well"), C::S("Sample Name")]],
            ),
            ("Results", rows),
        ],
    );
    let set = read_cq_file(&p, &ReadOptions::default()).unwrap();
    assert_eq!(set.format, "quantstudio");
    assert_eq!(set.records.len(), 13);
    assert_eq!(set.records[0].line, 5, "sheet row numbers");
    let ntc = set.records.last().unwrap();
    assert_eq!((ntc.sample_type, ntc.cq), (SampleType::Ntc, None));
    // Groups from a sample sheet.
    let mut set = set;
    for r in &mut set.records {
        r.group = r.sample.split('-').next().map(str::to_string);
    }
    let r = relative_expression(&set, &DdctOptions::new(&["ACTB"], "DMSO")).unwrap();
    let row = r.rows.iter().find(|x| x.group == "VTP50469").unwrap();
    assert!((row.delta_delta_ct.unwrap() - 1.5).abs() < 1e-9);
    std::fs::remove_file(&p).ok();
}

#[test]
fn cfx_xlsx_and_stepone_text() {
    let p = tmp("cfx.xlsx");
    let mut rows = vec![vec![
        C::E,
        C::S("Well"),
        C::S("Fluor"),
        C::S("Target"),
        C::S("Content"),
        C::S("Sample"),
        C::S("Biological Set Name"),
        C::S("Cq"),
        C::S("Starting Quantity (SQ)"),
    ]];
    for (k, q) in [1e5, 1e4, 1e3, 1e2].iter().enumerate() {
        rows.push(vec![
            C::E,
            C::O(format!("A0{k}")),
            C::S("SYBR"),
            C::S("HOXA9"),
            C::O(format!("Std-0{k}")),
            C::E,
            C::E,
            C::N(15.0 + 3.32 * k as f64),
            C::N(*q),
        ]);
    }
    rows.push(vec![
        C::E,
        C::S("H12"),
        C::S("SYBR"),
        C::S("HOXA9"),
        C::S("NTC"),
        C::S("water"),
        C::E,
        C::S("NaN"),
        C::S("NaN"),
    ]);
    write(&p, &[("0", rows)]);
    let set = read_cq_file(&p, &ReadOptions::default()).unwrap();
    assert_eq!(set.format, "cfx");
    // CFX leaves standards unnamed: they are kept, named after Content.
    assert_eq!(set.records.len(), 5);
    assert_eq!(set.records[1].sample, "Std-01");
    assert_eq!(set.records[1].quantity, Some(1e4));
    assert_eq!(set.records[4].cq, None);
    let sc = preclin_invitro::qpcr::efficiency::standard_curves(&set, 35.0);
    assert_eq!(sc.len(), 1);
    assert!((sc[0].slope.unwrap() + 3.32).abs() < 1e-9);
    assert!((sc[0].efficiency.unwrap() - 10f64.powf(1.0 / 3.32)).abs() < 1e-9);
    std::fs::remove_file(&p).ok();

    let text = "* Block Type = 48-Well Block\n\n[Results]\nWell\tSample Name\tTarget Name\tTask\tReporter\tQuencher\tCт\tCт Mean\tCт SD\tQuantity\n\
A1\tctrl-1\tGAPDH\tUNKNOWN\tFAM\tNFQ-MGB\t18.1\t18.1\t0\t\n\
A2\tctrl-1\tHOXA9\tUNKNOWN\tFAM\tNFQ-MGB\t27.3\t27.3\t0\t\n\
A3\tdrug-1\tGAPDH\tUNKNOWN\tFAM\tNFQ-MGB\t18.0\t18.0\t0\t\n\
A4\tdrug-1\tHOXA9\tUNKNOWN\tFAM\tNFQ-MGB\tUndetermined\t\t\t\n";
    let p = tmp("stepone.txt");
    std::fs::write(&p, text).unwrap();
    let set = read_cq_file(&p, &ReadOptions::default()).unwrap();
    assert_eq!(set.format, "quantstudio");
    assert_eq!(set.records.len(), 4);
    assert_eq!(set.records[3].cq, None);
    assert_eq!(set.records[0].line, 5);
    std::fs::remove_file(&p).ok();
}
