//! `compare_with_control` against scipy (see tests/data/engraftment/SOURCES.md).

use preclin_invivo::engraftment::compare_with_control;

fn close(a: f64, b: f64, rel: f64, what: &str) {
    assert!(
        (a - b).abs() <= rel * b.abs().max(1e-300),
        "{what}: {a} vs scipy {b}"
    );
}

#[test]
fn welch_logit_mann_whitney_and_holm_match_scipy() {
    let groups_csv = include_str!("data/engraftment/groups.csv");
    let expected = include_str!("data/engraftment/expected.csv");
    let mut values: Vec<(String, f64)> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    for l in groups_csv.lines().skip(1) {
        let (g, v) = l.split_once(',').unwrap();
        if !groups.iter().any(|x| x == g) {
            groups.push(g.to_string());
        }
        values.push((g.to_string(), v.parse().unwrap()));
    }
    let pairs: Vec<(&str, f64)> = values.iter().map(|(g, v)| (g.as_str(), *v)).collect();
    let got = compare_with_control(&pairs, &groups, "vehicle", 1e-4);
    assert_eq!(got.len(), 3);
    for (c, line) in got.iter().zip(expected.lines().skip(1)) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(c.group, f[0]);
        let e = |i: usize| f[i].parse::<f64>().unwrap();
        let g = &c.group;
        close(
            c.logit_diff.unwrap(),
            e(1),
            1e-9,
            &format!("{g} logit diff"),
        );
        close(
            c.logit_ci_lower.unwrap(),
            e(2),
            1e-9,
            &format!("{g} CI lower"),
        );
        close(
            c.logit_ci_upper.unwrap(),
            e(3),
            1e-9,
            &format!("{g} CI upper"),
        );
        close(c.welch_p.unwrap(), e(4), 1e-9, &format!("{g} Welch p"));
        close(c.mw_p.unwrap(), e(5), 1e-9, &format!("{g} MW p"));
        assert_eq!(c.hodges_lehmann.unwrap(), e(6), "{g} HL");
        close(
            c.welch_p_holm.unwrap(),
            e(7),
            1e-9,
            &format!("{g} Welch Holm"),
        );
        close(c.mw_p_holm.unwrap(), e(8), 1e-9, &format!("{g} MW Holm"));
    }
    assert!(got[0].flags.contains(&"clamped".to_string()));
}
