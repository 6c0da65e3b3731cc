//! Ex 1.4–1.7 (docs/01-logistic-regression.md): the convexity verdicts of
//! `harness -- logistic`, the E_sq search, the overflow table of eqs. 11–14
//! and the figures it writes.

use harness::logistic::{overflow_table, run, LogisticReport, ROUNDING_ULPS};
use std::path::PathBuf;

/// A fresh folder under the system temp dir, removed by the caller.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("harness-logistic-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn run_seed(seed: u64) -> LogisticReport {
    let dir = temp_dir(&format!("seed{seed}"));
    let r = run(&dir, seed).expect("logistic run");
    std::fs::remove_dir_all(&dir).unwrap();
    r
}

#[test]
fn lik_slices_convex_and_sq_search_finds_negative_curvature() {
    for seed in 1..=5 {
        let r = run_seed(seed);
        assert_eq!(r.verdicts.len(), 4);
        for v in &r.verdicts {
            // The tolerance rests on this measured bound (see ROUNDING_ULPS).
            assert!(
                v.rounding_ulps < ROUNDING_ULPS,
                "seed {seed}: {} rounding {} ULP",
                v.name,
                v.rounding_ulps
            );
            assert!(v.tolerance > 0.0 && v.min_second_difference.is_finite());
        }
        for v in r.verdicts.iter().filter(|v| v.name.ends_with("E_lik")) {
            assert!(v.convex, "seed {seed}: {}", v.line());
        }
        let neg = r
            .sq_negative
            .as_ref()
            .unwrap_or_else(|| panic!("seed {seed}: no negative curvature in {} tries", r.sq_tried));
        assert!(neg.name.ends_with("E_sq") && !neg.convex);
        assert!(neg.min_second_difference < -neg.tolerance, "seed {seed}: {}", neg.line());
        assert!(r.sq_tried >= 1 && r.sq_tried <= 1 + harness::logistic::EXTRA_TRIPLES);
    }
}

#[test]
fn overflow_table_shows_the_failures_and_stable_forms_are_within_2_ulp() {
    let t = overflow_table();
    let at = |x: f32| t.iter().find(|r| r.x == x).unwrap();
    // Eq. 12 alone: e^1000 = inf, inf/inf = NaN.
    assert_eq!(at(1000.0).sigmoid[1].text, "NaN*");
    assert!(at(1000.0).sigmoid[1].flagged);
    // Eq. 13 alone with a plain log: −log(1 + e^1000) = −inf.
    assert_eq!(at(-1000.0).log_sigmoid[0].text, "-inf*");
    assert!(at(-1000.0).log_sigmoid[0].flagged);
    for r in &t {
        for e in [&r.sigmoid[2], &r.log_sigmoid[1]] {
            assert!(!e.flagged && e.ulps <= 2, "x = {}: stable entry {} ({} ULP)", r.x, e.text, e.ulps);
            assert!(!e.text.contains("NaN") && !e.text.contains("inf"));
        }
    }
}

#[test]
fn run_writes_both_figures_and_the_report() {
    let dir = temp_dir("files");
    let r = run(&dir, 3).unwrap();
    for (path, fig) in r.figures.iter().zip(["Figure 1", "Figure 2"]) {
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(svg.starts_with("<svg") || svg.contains("<svg"), "{path}");
        assert!(svg.contains(fig) && svg.trim_end().ends_with("</svg>"), "{path}");
    }
    assert!(dir.join("logistic/fig1_slices_1d.svg").is_file());
    assert!(dir.join("logistic/fig2_slices_2d.svg").is_file());
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("logistic/logistic.json")).unwrap()).unwrap();
    assert_eq!(json["seed"], 3);
    assert_eq!(json["overflow"].as_array().unwrap().len(), 7);
    std::fs::remove_dir_all(&dir).unwrap();
}
