//! Ex 2 (docs/02-reverse-mode.md): the `harness -- graphs` table, with every
//! difference rounded up to its power-of-ten bucket so that the snapshot
//! holds on any x86-64 or aarch64 machine. Snapshot: `snapshots/graphs_table.snap`.

use harness::graphs::{bucket, run, table_with};

#[test]
fn graphs_table_snapshot() {
    let report = run(None).expect("graphs run");
    assert!(report.all_pass, "{}", harness::graphs::table(&report));
    let text = table_with(&report, bucket);
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("graphs_table", text);
    });
}

#[test]
fn buckets() {
    assert_eq!(bucket(0.0), "0");
    assert_eq!(bucket(3.1e-7), "<1e-6");
    assert_eq!(bucket(1e-6), "<1e-5");
    assert_eq!(bucket(9.99e-6), "<1e-5");
    assert_eq!(bucket(2.0), "<1e1");
    assert_eq!(bucket(f64::NAN), "NaN");
}
