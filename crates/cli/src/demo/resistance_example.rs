//! A small cross-resistance example (simulated): MV4-11 parental (MEN1 WT)
//! and two MEN1 binding-site mutants, M327I and T349M, treated with five
//! drugs — a tidy viability table for `preclin resistance` and `preclin
//! compare`.
//!
//! Every number here is the *truth* the analysis should recover; the
//! resistance factors are illustrative choices (strong resistance of the
//! mutants to the menin inhibitors, no change for the FLT3 and BCL-2
//! inhibitors, a collateral sensitivity to the DOT1L inhibitor in M327I),
//! not literature values. Responses are % viability of each line's vehicle:
//! LL.4 with top 100, the compound's bottom and hill, plus Gaussian noise of
//! SD 4 %, three replicate wells per dose and nine 3-fold doses plus three
//! vehicle wells. The files are generated deterministically (seed
//! [`SEED`]) into `examples/resistance/`; a test checks that they are
//! byte-identical to the generator's output.

use std::fmt::Write as _;

use preclin_curve::Params;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::example::doses;

/// Seed of the example's random stream.
pub const SEED: u64 = 20_261_209;

/// The cell line of the example.
pub const LINE: &str = "MV4-11";

/// MEN1 variants: the parental line first.
pub const VARIANTS: [&str; 3] = ["WT", "M327I", "T349M"];

/// Compounds: (name, top dose nM, parental EC50 nM, hill, bottom %,
/// resistance factor in M327I, in T349M).
pub const COMPOUNDS: [(&str, f64, f64, f64, f64, f64, f64); 5] = [
    ("revumenib", 3_000.0, 20.0, 1.5, 8.0, 30.0, 15.0),
    ("MI-503", 10_000.0, 250.0, 1.2, 5.0, 8.0, 4.0),
    ("gilteritinib", 1_000.0, 5.0, 1.3, 2.0, 1.0, 1.0),
    ("pinometostat", 10_000.0, 300.0, 1.0, 20.0, 0.3, 1.0),
    ("venetoclax", 1_000.0, 15.0, 1.1, 4.0, 1.0, 1.0),
];

/// Noise SD in % viability.
pub const NOISE: f64 = 4.0;

fn fmt_num(d: f64) -> String {
    let s = format!("{d:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The files of the example: `viability.csv` and `truth.csv`.
pub fn generate() -> Vec<(String, String)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED);
    let noise = Normal::new(0.0, NOISE).expect("valid normal");
    let mut v = String::from("compound,cell_line,variant,dose,dose_unit,replicate,response\n");
    let mut t = String::from("compound,cell_line,variant,ec50_nM,hill,bottom_pct,top_pct,rf\n");
    for (name, top, ec50, hill, bottom, rf_m, rf_t) in COMPOUNDS {
        for (k, variant) in VARIANTS.iter().enumerate() {
            let rf = [1.0, rf_m, rf_t][k];
            let p = Params {
                b: hill,
                c: bottom,
                d: 100.0,
                e: ec50 * rf,
                f: 1.0,
            };
            writeln!(
                t,
                "{name},{LINE},{variant},{},{hill},{bottom},100,{rf}",
                fmt_num(p.e)
            )
            .expect("write to string");
            let mut ds = vec![0.0];
            ds.extend(doses(top).iter().rev());
            for d in ds {
                for r in 1..=3 {
                    let y = p.eval(d) + noise.sample(&mut rng);
                    writeln!(v, "{name},{LINE},{variant},{},nM,{r},{:.2}", fmt_num(d), y)
                        .expect("write to string");
                }
            }
        }
    }
    vec![("viability.csv".into(), v), ("truth.csv".into(), t)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_files_are_what_the_generator_writes() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/resistance");
        for (name, contents) in generate() {
            let on_disk = std::fs::read_to_string(dir.join(&name))
                .unwrap_or_else(|e| panic!("examples/resistance/{name}: {e}"));
            assert!(
                on_disk == contents,
                "examples/resistance/{name} differs from the generator's output (regenerate with `cargo run -- demo --regenerate-resistance examples/resistance`)"
            );
        }
    }

    #[test]
    fn table_shape() {
        let files = generate();
        let v = &files[0].1;
        // 5 compounds × 3 variants × 10 doses × 3 replicates + header.
        assert_eq!(v.lines().count(), 5 * 3 * 10 * 3 + 1);
        assert!(v.contains("revumenib,MV4-11,M327I,0,nM,1,"));
    }
}
