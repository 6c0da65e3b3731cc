//! `harness --quick`: the whole pipeline on small subsets, checked for every
//! section and figure of the report and for computed verdicts.
use std::path::PathBuf;
use std::process::Command;

#[test]
fn quick_report_has_every_section_figure_and_a_computed_verdict() {
    // Run from a scratch folder with a relative `--out`, as the README's
    // command does (`out/`), so that paths relative to the working folder
    // and to the report's folder cannot be confused.
    let work: PathBuf = std::env::temp_dir().join(format!("harness-quick-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let out = work.join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_harness"))
        .current_dir(&work)
        .args(["--quick", "--threads", "2", "--out", "out"])
        .output()
        .expect("run harness");
    assert!(
        status.status.success(),
        "harness --quick failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(stdout.contains("verified claims hold") && stdout.contains("REPORT.md"), "{stdout}");

    let md = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    for section in [
        "## Summary of verified claims",
        "## Training results",
        "## Exercise 1: logistic regression",
        "### Ex 1.4/1.5: overflow table",
        "## Exercise 2: reverse-mode schedules",
        "## Exercise 3: the MNIST autoencoder",
        "### Ex 3.6: Hessian blocks",
        "### Ex 3.7/3.8: error-surface slices",
        "### Ex 3.1 and Ex 4: analytic checks",
        "## Exercise 4: the variational autoencoder",
        "## The assignment's mistakes",
        "## Timings",
    ] {
        assert!(md.contains(section), "missing section {section}");
    }
    for fig in harness::report::expected_figures() {
        let p = out.join(fig);
        let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
        assert!(len > 200, "figure {fig} missing or empty");
        assert!(
            md.contains(&format!("]({fig})")),
            "REPORT.md does not link {fig} relative to itself"
        );
    }
    // Every verdict of the summary table is one the run computed.
    let summary = md
        .split("## Summary of verified claims")
        .nth(1)
        .unwrap()
        .split("## Training results")
        .next()
        .unwrap();
    let rows: Vec<&str> = summary
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| exercise"))
        .collect();
    assert!(rows.len() >= 25, "only {} claims", rows.len());
    for r in &rows {
        let verdict = r.split(" | ").nth(2).unwrap();
        assert!(verdict == "holds" || verdict == "does NOT hold", "{r}");
    }
    // Every claim holds on the quick run too.
    assert!(rows.iter().all(|r| r.contains("| holds |")), "{summary}");
    // Errata are listed and linked.
    assert!(md.contains("[E1. Ex 1.1") && md.contains("(#exercise-4--the-variational-autoencoder)"));
    // An entry links to the exercise its title names, wherever errata.md files it.
    for line in md.lines().filter(|l| l.starts_with("- [E")) {
        let exercise = line.split("Ex ").nth(1).and_then(|t| t.chars().next()).unwrap();
        assert!(line.contains(&format!("(#exercise-{exercise}--")), "{line}");
    }
    // The HTML is self-contained: every figure embedded, nothing fetched.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("missing figure") && !html.contains("unreadable figure"));
    assert!(html.matches("<figure>").count() >= harness::report::expected_figures().len());
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<script"));
    std::fs::remove_dir_all(&work).unwrap();
}
