//! Bliss and HSA against the per-cell reference values of
//! `expected_synergy_py_cells.csv` (Python `synergy` 1.0.0 with its default
//! LogLinear single-drug model, i.e. the observed monotherapies, converted to
//! SynergyFinder units: see tests/data/SOURCES.md). Both tools use the
//! observed monotherapy responses, so every printed digit (6 significant)
//! must agree. The ONEIL rows of the reference use the mean of the four
//! replicates per cell (not SynergyFinder's bootstrap); so do we here.

mod common;

use common::{matches_printed, mathews, oneil, read_csv};
use preclin_synergy::models::{bliss, hsa};

#[test]
fn bliss_and_hsa_equal_the_reference_per_cell() {
    let (h, rows) = read_csv("expected_synergy_py_cells.csv");
    let m = mathews();
    let o = oneil();
    let mut checked = 0;
    for (line, r) in &rows {
        let set = if r[h["dataset"]] == "mathews" { &m } else { &o };
        let b = set
            .iter()
            .find(|b| b.id == r[h["block_id"]])
            .expect("block");
        assert_eq!(b.drugs[0], r[h["drug1"]]);
        assert_eq!(b.drugs[1], r[h["drug2"]]);
        let s = b.mean_surface();
        let c1: f64 = r[h["conc1"]].parse().unwrap();
        let c2: f64 = r[h["conc2"]].parse().unwrap();
        let i = s.levels(0).iter().position(|&v| v == c1).expect("conc1");
        let j = s.levels(1).iter().position(|&v| v == c2).expect("conc2");
        let cell = s.index(&[i, j]);
        let bl = bliss(&s);
        let hs = hsa(&s);
        let checks = [
            ("response_inhibition", Some(s.y(cell))),
            ("Bliss_synergy", bl.synergy[cell]),
            ("HSA_synergy", hs.synergy[cell]),
        ];
        for (col, ours) in checks {
            let ours = ours.expect("a value");
            assert!(
                matches_printed(ours, &r[h[col]], 6),
                "line {line} {col}: ours {ours} vs {}",
                r[h[col]]
            );
        }
        // The reference's Bliss_ref and HSA_ref of monotherapy cells include
        // the control well; SynergyFinder's are the observed response (δ = 0
        // either way), so references are compared on combination cells.
        if s.is_combination(cell) {
            for (col, ours) in [
                ("Bliss_ref", bl.reference[cell]),
                ("HSA_ref", hs.reference[cell]),
            ] {
                let ours = ours.unwrap();
                assert!(
                    matches_printed(ours, &r[h[col]], 6),
                    "line {line} {col}: ours {ours} vs {}",
                    r[h[col]]
                );
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 122, "2 × 36 mathews + 2 × 25 ONEIL cells");
}

#[test]
fn block_means_equal_the_reference_summary() {
    let (h, rows) = read_csv("expected_synergy_py_summary.csv");
    let m = mathews();
    let o = oneil();
    for (line, r) in &rows {
        let set = if r[h["dataset"]] == "mathews" { &m } else { &o };
        let b = set.iter().find(|b| b.id == r[h["block_id"]]).unwrap();
        let s = b.mean_surface();
        let sb = preclin_synergy::score::summarize(&s, &bliss(&s).synergy);
        let sh = preclin_synergy::score::summarize(&s, &hsa(&s).synergy);
        assert_eq!(sb.n, (s.levels(0).len() - 1) * (s.levels(1).len() - 1));
        assert!(
            matches_printed(sb.mean.unwrap(), &r[h["Bliss_synergy"]], 6),
            "line {line}: {sb:?}"
        );
        assert!(
            matches_printed(sh.mean.unwrap(), &r[h["HSA_synergy"]], 6),
            "line {line}: {sh:?}"
        );
    }
}
